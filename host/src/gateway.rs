//! `xaa gateway`: Cross-App Access in front of an MCP server that knows nothing of it.
//!
//! A reverse proxy that moves bytes: every request is read (under a size cap), handed to a
//! component instance (`gateway-http`), and either answered with the component's response
//! (RFC 9728 metadata, 401 / 403 / 400 with the challenge) or forwarded to the upstream with
//! the same method, path and query. Forwarded requests never carry the client's token; they
//! carry the verified identity in configured headers instead (client-sent copies are
//! removed). Responses, Server-Sent Events included, stream back unbuffered; MCP session
//! headers pass both ways. Every rule about tokens and scopes is the component's.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::config_file::Gateway as GatewayFile;
use crate::imports::jwks::HttpJwksFetcher;
use crate::instance::trap_response;
use crate::server::{loggable_path, plain, read_body, to_hyper, BodyRead, ServerLimits, Service};
use crate::wit::{GatewayDecision, Header, HttpRequest, TokenCacheStats, VerifiedToken};

/// A response body the gateway sends: the component's, the host's own, or the upstream's
/// stream.
pub type Body = BoxBody<Bytes, hyper::Error>;

/// Default largest request body read and forwarded.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default time to connect to the upstream and receive its response head.
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time a kept-alive upstream connection may sit idle before the gateway closes it.
/// It must be shorter than the upstream's own keep-alive timeout (uvicorn's and Node.js's are
/// 5 s): otherwise the upstream may close a connection just as the gateway sends a request on
/// it, and that request fails with 502. The load benchmark met exactly that, once in 18,517
/// requests to a uvicorn upstream.
pub const DEFAULT_UPSTREAM_IDLE_TIMEOUT: Duration = Duration::from_secs(4);

/// Hop-by-hop headers (RFC 9110 §7.6.1): never forwarded in either direction.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// What the gateway is configured with beyond the component's configuration.
#[derive(Clone, Debug)]
pub struct Options {
    /// `scheme://host[:port]` of the upstream, without a trailing slash.
    pub upstream: String,
    /// Header carrying the token's `sub`.
    pub subject_header: HeaderName,
    /// Header carrying the token's `client_id`.
    pub client_id_header: HeaderName,
    /// Header carrying the token's `scope`.
    pub scope_header: HeaderName,
    /// Largest request body read and forwarded.
    pub max_body_bytes: usize,
    /// Time to connect to the upstream and receive its response head.
    pub upstream_timeout: Duration,
    /// Longest a kept-alive upstream connection sits idle before it is closed.
    pub upstream_idle_timeout: Duration,
}

impl Options {
    /// The options from `--upstream` and the file's `[gateway]` section, checked.
    pub fn new(upstream: &str, file: &GatewayFile) -> Result<Options, String> {
        let header = |value: &Option<String>, default: &str, key: &str| {
            let name = value.as_deref().unwrap_or(default);
            let parsed = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("gateway.{key}: {name:?} is not a header name"))?;
            let lower = parsed.as_str();
            if HOP_BY_HOP.contains(&lower)
                || matches!(
                    lower,
                    "authorization" | "host" | "content-length" | "cookie"
                )
            {
                return Err(format!("gateway.{key}: {name:?} cannot carry identity"));
            }
            Ok(parsed)
        };
        let max_body_bytes = file.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if !(1024..=64 * 1024 * 1024).contains(&max_body_bytes) {
            return Err("gateway.max_body_bytes: must be 1 KiB – 64 MiB".into());
        }
        let upstream_timeout = match file.upstream_timeout {
            None => DEFAULT_UPSTREAM_TIMEOUT,
            Some(s @ 1..=3600) => Duration::from_secs(s),
            Some(_) => return Err("gateway.upstream_timeout: must be 1–3600 seconds".into()),
        };
        let upstream_idle_timeout = match file.upstream_idle_timeout {
            None => DEFAULT_UPSTREAM_IDLE_TIMEOUT,
            Some(s @ 1..=3600) => Duration::from_secs(s),
            Some(_) => return Err("gateway.upstream_idle_timeout: must be 1–3600 seconds".into()),
        };
        let options = Options {
            upstream: upstream_origin(upstream)?,
            subject_header: header(&file.subject_header, "x-xaa-subject", "subject_header")?,
            client_id_header: header(
                &file.client_id_header,
                "x-xaa-client-id",
                "client_id_header",
            )?,
            scope_header: header(&file.scope_header, "x-xaa-scope", "scope_header")?,
            max_body_bytes,
            upstream_timeout,
            upstream_idle_timeout,
        };
        let names = [
            &options.subject_header,
            &options.client_id_header,
            &options.scope_header,
        ];
        if names[0] == names[1] || names[0] == names[2] || names[1] == names[2] {
            return Err("gateway: the identity headers must be three different headers".into());
        }
        Ok(options)
    }
}

/// `http://host[:port]` from `--upstream` (a trailing `/` allowed; no path, query or
/// credentials: paths pass through unchanged).
fn upstream_origin(url: &str) -> Result<String, String> {
    let bad = |why: &str| format!("--upstream {url:?}: {why}");
    let uri: hyper::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(bad(
                "https upstreams are not supported yet: run the gateway beside the MCP server and reach it over http on a private address",
            ))
        }
        _ => return Err(bad("must start with http://")),
    }
    let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("must not carry credentials"));
    }
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return Err(bad(
            "must be an origin only (http://host:port): request paths pass through unchanged",
        ));
    }
    Ok(format!("http://{authority}"))
}

/// Latency buckets of the decision histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.1, 0.5, 2.0,
];

/// Counters for `/metrics` (Prometheus text format).
#[derive(Default)]
pub struct Metrics {
    /// (decision, status, verdict code) → requests.
    requests: Mutex<BTreeMap<(&'static str, u16, String), u64>>,
    /// Cumulative counts per bucket, then the sum in microseconds and the count.
    buckets: [AtomicU64; BUCKETS.len()],
    sum_micros: AtomicU64,
    count: AtomicU64,
    /// kind → upstream failures.
    upstream_errors: Mutex<BTreeMap<&'static str, u64>>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    jwks: Option<Arc<HttpJwksFetcher>>,
}

impl Metrics {
    /// Metrics that also report `jwks`'s fetch count.
    pub fn new(jwks: Option<Arc<HttpJwksFetcher>>) -> Metrics {
        Metrics {
            jwks,
            ..Metrics::default()
        }
    }

    fn request(&self, decision: &'static str, status: u16, code: String) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((decision, status, code)).or_default() += 1;
        }
    }

    fn decided(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bucket, le) in self.buckets.iter().zip(BUCKETS) {
            if seconds <= le {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn cache_stats(&self, stats: Result<TokenCacheStats, String>) {
        if let Ok(stats) = stats {
            self.cache_hits.fetch_add(stats.hits, Ordering::Relaxed);
            self.cache_misses.fetch_add(stats.misses, Ordering::Relaxed);
        }
    }

    fn upstream_error(&self, kind: &'static str) {
        if let Ok(mut map) = self.upstream_errors.lock() {
            *map.entry(kind).or_default() += 1;
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP xaa_gateway_requests_total Requests by decision (forward, respond, error), HTTP status and the component's verdict code.\n\
             # TYPE xaa_gateway_requests_total counter\n",
        );
        if let Ok(map) = self.requests.lock() {
            for ((decision, status, code), n) in map.iter() {
                out.push_str(&format!(
                    "xaa_gateway_requests_total{{decision=\"{decision}\",status=\"{status}\",code=\"{code}\"}} {n}\n"
                ));
            }
        }
        out.push_str(
            "# HELP xaa_gateway_decision_seconds Time from a complete request to the component's decision (instance wait included).\n\
             # TYPE xaa_gateway_decision_seconds histogram\n",
        );
        for (bucket, le) in self.buckets.iter().zip(BUCKETS) {
            out.push_str(&format!(
                "xaa_gateway_decision_seconds_bucket{{le=\"{le}\"}} {}\n",
                bucket.load(Ordering::Relaxed)
            ));
        }
        let count = self.count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "xaa_gateway_decision_seconds_bucket{{le=\"+Inf\"}} {count}\n\
             xaa_gateway_decision_seconds_sum {}\n\
             xaa_gateway_decision_seconds_count {count}\n",
            self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(
            "# HELP xaa_gateway_upstream_errors_total Upstream failures by kind (connect, timeout).\n\
             # TYPE xaa_gateway_upstream_errors_total counter\n",
        );
        if let Ok(map) = self.upstream_errors.lock() {
            for kind in ["connect", "timeout"] {
                out.push_str(&format!(
                    "xaa_gateway_upstream_errors_total{{kind=\"{kind}\"}} {}\n",
                    map.get(kind).copied().unwrap_or(0)
                ));
            }
        }
        out.push_str(&format!(
            "# HELP xaa_gateway_token_cache_total Verified access-token cache lookups by result.\n\
             # TYPE xaa_gateway_token_cache_total counter\n\
             xaa_gateway_token_cache_total{{result=\"hit\"}} {}\n\
             xaa_gateway_token_cache_total{{result=\"miss\"}} {}\n",
            self.cache_hits.load(Ordering::Relaxed),
            self.cache_misses.load(Ordering::Relaxed)
        ));
        if let Some(jwks) = &self.jwks {
            out.push_str(&format!(
                "# HELP xaa_gateway_jwks_fetches_total JWK Set fetches started by the host.\n\
                 # TYPE xaa_gateway_jwks_fetches_total counter\n\
                 xaa_gateway_jwks_fetches_total {}\n",
                jwks.fetches()
            ));
        }
        out
    }
}

/// The gateway: the component's instance pool (behind [`Service`], replaced on reload), the
/// upstream client and the metrics.
pub struct Gateway {
    service: Arc<Service>,
    options: Options,
    limits: ServerLimits,
    client: Client<HttpConnector, Full<Bytes>>,
    metrics: Arc<Metrics>,
}

impl Gateway {
    /// A gateway over `service`'s pool (role: resource server).
    pub fn new(
        service: Arc<Service>,
        options: Options,
        limits: ServerLimits,
        metrics: Arc<Metrics>,
    ) -> Arc<Gateway> {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(options.upstream_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(options.upstream_idle_timeout)
            .pool_timer(TokioTimer::new())
            .build(connector);
        Arc::new(Gateway {
            service,
            options,
            limits,
            client,
            metrics,
        })
    }

    /// Answers one request (for [`crate::server::serve_with`]).
    pub async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let (decision, code, response) = self.respond(request, peer).await;
        let status = response.status().as_u16();
        tracing::info!(
            %peer,
            %method,
            path = loggable_path(&path),
            status,
            decision,
            code = %code,
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        self.metrics.request(decision, status, code);
        Ok(response)
    }

    async fn respond(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
    ) -> (&'static str, String, Response<Body>) {
        let error =
            |status: StatusCode, error: &str| ("error", String::new(), own(plain(status, error)));
        let (parts, body) = request.into_parts();
        let limits = ServerLimits {
            max_body_bytes: self.options.max_body_bytes,
            ..self.limits
        };
        let body = match read_body(body, &parts.headers, limits).await {
            BodyRead::Complete(bytes) => bytes,
            BodyRead::TooLarge => {
                let (d, c, mut response) =
                    error(StatusCode::PAYLOAD_TOO_LARGE, "request_too_large");
                response
                    .headers_mut()
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                return (d, c, response);
            }
            BodyRead::TimedOut => return error(StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            BodyRead::Broken => return error(StatusCode::BAD_REQUEST, "invalid_request"),
        };
        let component_request = HttpRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| Header {
                    name: name.as_str().to_owned(),
                    // Non-UTF-8 bytes become U+FFFD: the component then refuses what they spoil.
                    value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                })
                .collect(),
            body: body.to_vec(),
        };
        let Some(pool) = self.service.current() else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
        };
        let deciding = Instant::now();
        // On the async worker, never waiting on the network; on a blocking thread only when
        // the component asked for a JWK Set.
        let metrics = Arc::clone(&self.metrics);
        let decision = pool
            .run_inline_or_blocking(
                self.limits.queue_timeout,
                move |validator| {
                    let decision = validator.gateway_http_offline(&component_request);
                    let stats = validator.take_token_cache_stats();
                    match decision {
                        Ok(None) => Err((component_request, stats)),
                        Ok(Some(decision)) => Ok((Ok(decision), stats)),
                        Err(trap) => Ok((Err(trap), stats)),
                    }
                },
                move |validator, (component_request, first_stats)| {
                    metrics.cache_stats(first_stats);
                    validator.fetch_pending_jwks();
                    let decision = validator.gateway_http(&component_request);
                    (decision, validator.take_token_cache_stats())
                },
            )
            .await
            .map(|(decision, stats)| {
                self.metrics.cache_stats(stats);
                decision
            });
        self.metrics.decided(deciding.elapsed());
        match decision {
            Err(why) => {
                tracing::warn!(reason = why, "request not served");
                error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
            }
            Ok(Err(reason)) => {
                tracing::error!(%reason, "component call failed; the instance was replaced");
                (
                    "error",
                    "internal_error".into(),
                    own(to_hyper(trap_response())),
                )
            }
            Ok(Ok(GatewayDecision::Respond(response))) => {
                let code = response.verdict_code.clone().unwrap_or_default();
                ("respond", code, own(to_hyper(response)))
            }
            Ok(Ok(GatewayDecision::Forward(token))) => (
                "forward",
                String::new(),
                self.forward(parts, body, &token, peer).await,
            ),
        }
    }

    async fn forward(
        &self,
        parts: hyper::http::request::Parts,
        body: Bytes,
        token: &VerifiedToken,
        peer: SocketAddr,
    ) -> Response<Body> {
        let target = format!(
            "{}{}",
            self.options.upstream,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let mut request = match Request::builder()
            .method(parts.method)
            .uri(target)
            .body(Full::new(body))
        {
            Ok(request) => request,
            Err(_) => return own(plain(StatusCode::BAD_REQUEST, "invalid_request")),
        };
        let identity = [
            &self.options.subject_header,
            &self.options.client_id_header,
            &self.options.scope_header,
        ];
        let connection_listed = listed_in_connection(&parts.headers);
        let headers = request.headers_mut();
        for (name, value) in &parts.headers {
            let lower = name.as_str();
            if HOP_BY_HOP.contains(&lower)
                || connection_listed.iter().any(|l| l == lower)
                || identity.contains(&name)
                || matches!(lower, "authorization" | "host" | "x-forwarded-for")
            {
                continue;
            }
            headers.append(name.clone(), value.clone());
        }
        let values = [
            (&self.options.subject_header, Some(token.subject.as_str())),
            (&self.options.client_id_header, token.client_id.as_deref()),
            (&self.options.scope_header, token.scope.as_deref()),
        ];
        for (name, value) in values {
            let Some(value) = value else { continue };
            match HeaderValue::from_str(value) {
                Ok(value) => {
                    headers.insert(name.clone(), value);
                }
                Err(_) => {
                    // A verified claim that cannot travel in a header: refuse rather than
                    // forward without the identity the upstream relies on.
                    tracing::warn!(header = %name, "a verified claim is not a valid header value");
                    return own(plain(StatusCode::FORBIDDEN, "invalid_token"));
                }
            }
        }
        if let Ok(value) = HeaderValue::from_str(&peer.ip().to_string()) {
            headers.insert("x-forwarded-for", value);
        }
        let sent =
            tokio::time::timeout(self.options.upstream_timeout, self.client.request(request));
        match sent.await {
            Err(_) => {
                self.metrics.upstream_error("timeout");
                own(plain(StatusCode::GATEWAY_TIMEOUT, "upstream_timeout"))
            }
            Ok(Err(e)) => {
                self.metrics.upstream_error("connect");
                tracing::warn!(error = %e, "upstream request failed");
                own(plain(StatusCode::BAD_GATEWAY, "bad_gateway"))
            }
            Ok(Ok(response)) => {
                let (mut parts, body) = response.into_parts();
                for name in listed_in_connection(&parts.headers) {
                    parts.headers.remove(name.as_str());
                }
                for name in HOP_BY_HOP {
                    parts.headers.remove(*name);
                }
                Response::from_parts(parts, body.boxed())
            }
        }
    }
}

/// Header names listed in `Connection` (hop-by-hop by declaration, RFC 9110 §7.6.1).
fn listed_in_connection(headers: &hyper::HeaderMap) -> Vec<String> {
    headers
        .get_all(hyper::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

fn own(response: Response<Full<Bytes>>) -> Response<Body> {
    response.map(|body| body.map_err(|never| match never {}).boxed())
}

/// The metrics listener: `GET /metrics`, nothing else.
pub async fn metrics_handler(
    metrics: Arc<Metrics>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.uri().path() != "/metrics" {
        return Ok(plain(StatusCode::NOT_FOUND, "not_found"));
    }
    if request.method() != hyper::Method::GET {
        return Ok(plain(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    }
    let mut response = Response::new(Full::new(Bytes::from(metrics.render())));
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_is_an_http_origin() {
        assert_eq!(
            upstream_origin("http://127.0.0.1:8000").unwrap(),
            "http://127.0.0.1:8000"
        );
        assert_eq!(
            upstream_origin("http://mcp.internal/").unwrap(),
            "http://mcp.internal"
        );
        for bad in [
            "https://mcp.example.com",
            "ftp://x",
            "http://u:p@h",
            "http://h/mcp",
            "http://h/?a=1",
            "not a url",
        ] {
            assert!(upstream_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identity_headers_are_checked() {
        let file = |subject: &str| GatewayFile {
            subject_header: Some(subject.into()),
            ..GatewayFile::default()
        };
        assert!(Options::new("http://h", &GatewayFile::default()).is_ok());
        for bad in [
            "Authorization",
            "host",
            "Connection",
            "x-xaa-scope",
            "bad header",
        ] {
            assert!(Options::new("http://h", &file(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn connection_listed_headers_are_hop_by_hop() {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            "connection",
            HeaderValue::from_static("keep-alive, X-Secret"),
        );
        assert_eq!(
            listed_in_connection(&headers),
            vec!["keep-alive", "x-secret"]
        );
    }
}
