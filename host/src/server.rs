//! `xaa serve as`: the resource authorization server over HTTP/1.1.
//!
//! This file moves bytes and enforces transport limits; the component decides everything
//! else (routes, methods, every token rule, every response header it sets). Each request is
//! read under a size cap and a timeout, handed to one of a fixed pool of configured component
//! instances on a blocking thread, and its response is sent back unchanged. Logs carry the
//! method, path, status, OAuth error, the component's verdict code (why an assertion was
//! refused, which the client is not told) and latency: never a header value, a body or a
//! query string (tokens and secrets travel there).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::instance::trap_response;
use crate::wit::{Header, HttpRequest, HttpResponse};
use crate::Validator;

/// Transport limits of the server.
#[derive(Clone, Copy, Debug)]
pub struct ServerLimits {
    /// Largest request body read (bigger: 413 before the component sees it).
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers); hyper answers 431 beyond it.
    pub max_head_bytes: usize,
    /// Time allowed to receive the request head.
    pub head_timeout: Duration,
    /// Time allowed to receive the body.
    pub body_timeout: Duration,
    /// Time a request may wait for a free component instance before a 503.
    pub queue_timeout: Duration,
    /// Most open connections; further ones wait to be accepted.
    pub max_connections: usize,
    /// Most open connections from one peer IP address; a further one is closed at once.
    pub max_connections_per_peer: usize,
    /// Longest a response may wait to be written without any progress (a client that does
    /// not read, e.g. one that pipelines requests and never reads the answers); then the
    /// connection is closed.
    pub write_timeout: Duration,
    /// Oldest a connection may get: then it is closed as soon as the request in flight (if
    /// any) is answered, or [`ServerLimits::shutdown_grace`] later at the latest.
    pub max_connection_age: Duration,
    /// How long a graceful shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_body_bytes: 64 * 1024,
            max_head_bytes: 16 * 1024,
            // hyper applies it to the wait for each request head, so it is also the idle
            // timeout of a kept-alive connection.
            head_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            queue_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_peer: 64,
            write_timeout: Duration::from_secs(30),
            max_connection_age: Duration::from_secs(600),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Which HTTP surface of the component a server exposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The resource authorization server (`authorization-server-http`).
    AuthorizationServer,
    /// The IdP (`identity-provider-http`).
    IdentityProvider,
    /// A protected resource (`resource-server-http`).
    ResourceServer,
}

/// A fixed set of configured instances shared by all requests. One instance serves one
/// request at a time; the replay store behind them is shared, so a `jti` is single-use
/// across the pool.
pub struct InstancePool {
    idle: Mutex<Vec<Validator>>,
    permits: Arc<Semaphore>,
    role: Role,
}

impl InstancePool {
    /// A pool of these instances (at least one) serving `role`.
    pub fn new(instances: Vec<Validator>, role: Role) -> Arc<Self> {
        let permits = Arc::new(Semaphore::new(instances.len()));
        Arc::new(InstancePool {
            idle: Mutex::new(instances),
            permits,
            role,
        })
    }

    fn take(&self) -> Option<Validator> {
        self.idle.lock().ok().and_then(|mut idle| idle.pop())
    }

    fn put(&self, validator: Validator) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(validator);
        }
    }

    /// Runs `request` on a free instance through the pool's role; `Err` when none came free
    /// in `wait`.
    async fn serve(
        self: &Arc<Self>,
        request: HttpRequest,
        wait: Duration,
    ) -> Result<HttpResponse, &'static str> {
        let role = self.role;
        self.run(wait, move |validator| {
            match role {
                Role::AuthorizationServer => validator.authorization_server_http(&request),
                Role::IdentityProvider => validator.identity_provider_http(&request),
                Role::ResourceServer => validator.resource_server_http(&request),
            }
            .unwrap_or_else(|reason| {
                tracing::error!(%reason, "component call failed; the instance was replaced");
                trap_response()
            })
        })
        .await
    }

    /// Runs `inline` on a free instance right here, on the async worker, for calls that
    /// must not wait on the network; when it answers `Err(pending)`, runs `blocking(pending)`
    /// on the same instance on a blocking thread (where it may, e.g. to fetch a JWK Set).
    /// A hop to a blocking thread costs more than a cached verdict (BENCHMARKS.md, the
    /// gateway), so only the rare call that needs the network pays it. `Err` as for
    /// [`InstancePool::run`].
    pub async fn run_inline_or_blocking<T: Send + 'static, P: Send + 'static>(
        self: &Arc<Self>,
        wait: Duration,
        inline: impl FnOnce(&mut Validator) -> Result<T, P>,
        blocking: impl FnOnce(&mut Validator, P) -> T + Send + 'static,
    ) -> Result<T, &'static str> {
        let permit = tokio::time::timeout(wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| "no component instance came free in time")?
            .map_err(|_| "the instance pool is closed")?;
        let mut lease = Lease {
            validator: self.take(),
            pool: Arc::clone(self),
        };
        let validator = lease.validator.as_mut().ok_or("no idle instance")?;
        let pending = match inline(validator) {
            Ok(done) => return Ok(done),
            Err(pending) => pending,
        };
        tokio::task::spawn_blocking(move || {
            // Declared first, dropped last: the instance is back before the permit is free.
            let _permit = permit;
            let mut lease = lease;
            let validator = lease.validator.as_mut().ok_or("no idle instance")?;
            Ok(blocking(validator, pending))
        })
        .await
        .map_err(|_| "the request task failed")?
    }

    /// Runs `call` on a free instance, on a blocking thread; `Err` when none came free in
    /// `wait`. A trapped instance replaces itself on its next call (see [`Validator`]).
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        wait: Duration,
        call: impl FnOnce(&mut Validator) -> T + Send + 'static,
    ) -> Result<T, &'static str> {
        self.run_inline_or_blocking(wait, |_| Err(()), move |validator, ()| call(validator))
            .await
    }
}

/// An instance taken from the pool for one call. Dropping it puts the instance back, also
/// when the call panicked (the instance is then rebuilt on its next call, since its state
/// cannot be trusted): without this a panic would lose the instance, and after as many
/// panics as instances every request would wait for one in vain (503 forever).
struct Lease {
    pool: Arc<InstancePool>,
    validator: Option<Validator>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(mut validator) = self.validator.take() {
            if std::thread::panicking() {
                tracing::error!("a request panicked; its component instance will be rebuilt");
                validator.discard_instance();
            }
            self.pool.put(validator);
        }
    }
}

/// Audit lines waiting for the writer thread; a full queue refuses the request (the
/// decision is not sent without its line).
pub const AUDIT_QUEUE: usize = 1024;
/// Longest a request waits for its audit line to be written.
pub const AUDIT_WAIT: Duration = Duration::from_secs(5);

/// One audit line and where to say whether it was written.
type AuditJob = (String, tokio::sync::oneshot::Sender<bool>);

/// What a server runs: the current instance pool (replaced whole when the configuration is
/// reloaded; requests in flight finish on the old one) and where audit events go: a bounded
/// queue drained by one writer thread, which acknowledges each line once it is written and
/// flushed, so that a response carrying a decision waits for its audit line and fails if the
/// line could not be written (no ID-JAG without its audit line).
pub struct Service {
    pool: RwLock<Arc<InstancePool>>,
    audit: std::sync::mpsc::SyncSender<AuditJob>,
}

impl Service {
    /// A service over `pool`, writing audit events (JSON lines) to `audit`.
    pub fn new(pool: Arc<InstancePool>, audit: Box<dyn Write + Send>) -> Arc<Self> {
        let (queue, jobs) = std::sync::mpsc::sync_channel::<AuditJob>(AUDIT_QUEUE);
        let mut out = audit;
        let spawned = std::thread::Builder::new()
            .name("xaa-audit".into())
            .spawn(move || {
                for (line, written) in jobs {
                    let ok = writeln!(out, "{line}").and_then(|()| out.flush()).is_ok();
                    if !ok {
                        tracing::error!("could not write an audit event; the decision is refused");
                    }
                    let _ = written.send(ok);
                }
            });
        if spawned.is_err() {
            tracing::error!("the audit writer could not start; audited decisions will be refused");
        }
        Arc::new(Service {
            pool: RwLock::new(pool),
            audit: queue,
        })
    }

    /// Serves new requests from `pool` from now on.
    pub fn replace_pool(&self, pool: Arc<InstancePool>) {
        if let Ok(mut current) = self.pool.write() {
            *current = pool;
        }
    }

    /// The pool serving new requests.
    pub fn current(&self) -> Option<Arc<InstancePool>> {
        self.pool.read().ok().map(|p| Arc::clone(&p))
    }

    /// Writes one audit line; `false` unless it was written and flushed within
    /// [`AUDIT_WAIT`] (a full queue, a failed write and a stuck writer all count as failure).
    pub async fn audit(&self, line: String) -> bool {
        let (written, ack) = tokio::sync::oneshot::channel();
        if self.audit.try_send((line, written)).is_err() {
            tracing::error!("the audit queue is full or closed; the decision is refused");
            return false;
        }
        matches!(tokio::time::timeout(AUDIT_WAIT, ack).await, Ok(Ok(true)))
    }
}

/// A JSON error response of the host's own (`{"error": ...}`, `no-store`).
pub fn plain(status: StatusCode, error: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(format!(r#"{{"error":"{error}"}}"#))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        hyper::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    response
}

/// The component's response as hyper's (500 if it names an invalid status or header).
pub fn to_hyper(response: HttpResponse) -> Response<Full<Bytes>> {
    let Ok(status) = StatusCode::from_u16(response.status) else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
    };
    let mut out = Response::new(Full::new(Bytes::from(response.body)));
    *out.status_mut() = status;
    for Header { name, value } in response.headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            (Ok(name), Ok(value)) => {
                out.headers_mut().append(name, value);
            }
            _ => return plain(StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        }
    }
    out
}

/// The `error` member of a JSON error response, for the log.
fn error_code(response: &HttpResponse) -> String {
    if response.status < 400 {
        return String::new();
    }
    serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// The path for the log: at most 128 characters of it (hyper has already refused control
/// characters); never the query.
pub fn loggable_path(path: &str) -> &str {
    match path.char_indices().nth(128) {
        Some((i, _)) => &path[..i],
        None => path,
    }
}

async fn handle(
    request: Request<Incoming>,
    service: Arc<Service>,
    limits: ServerLimits,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let (status, error, code, response) = respond(request, &service, limits).await;
    tracing::info!(
        %peer,
        %method,
        path = loggable_path(&path),
        status,
        error = %error,
        code = %code,
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    Ok(response)
}

async fn respond(
    request: Request<Incoming>,
    service: &Service,
    limits: ServerLimits,
) -> (u16, String, String, Response<Full<Bytes>>) {
    let refuse = |status: StatusCode, error: &str| {
        let response = plain(status, error);
        (status.as_u16(), error.to_owned(), String::new(), response)
    };
    let (parts, body) = request.into_parts();
    let body = match read_body(body, &parts.headers, limits).await {
        BodyRead::Complete(bytes) => bytes,
        BodyRead::TooLarge => {
            let (status, error, code, mut response) =
                refuse(StatusCode::PAYLOAD_TOO_LARGE, "request_too_large");
            response
                .headers_mut()
                .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            return (status, error, code, response);
        }
        BodyRead::TimedOut => return refuse(StatusCode::REQUEST_TIMEOUT, "request_timeout"),
        BodyRead::Broken => return refuse(StatusCode::BAD_REQUEST, "invalid_request"),
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str().to_owned(),
            // Non-UTF-8 bytes become U+FFFD: the component then refuses what they spoil.
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect();
    let request = HttpRequest {
        method: parts.method.as_str().to_owned(),
        // With the query: the IdP's sign-in reads its authorization request there. The log
        // line keeps the path only (a query can carry codes).
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
        headers,
        body: body.to_vec(),
    };
    let Some(pool) = service.current() else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable");
    };
    match pool.serve(request, limits.queue_timeout).await {
        Ok(mut response) => {
            if let Some(event) = response.audit_event.take() {
                if !service.audit(event).await {
                    // The decision (an ID-JAG, say) never leaves without its audit line.
                    return refuse(StatusCode::INTERNAL_SERVER_ERROR, "server_error");
                }
            }
            (
                response.status,
                error_code(&response),
                response.verdict_code.clone().unwrap_or_default(),
                to_hyper(response),
            )
        }
        Err(why) => {
            tracing::warn!(reason = why, "request not served");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        }
    }
}

/// What reading a request body gave.
pub enum BodyRead {
    /// The whole body, within the cap.
    Complete(Bytes),
    /// Larger than the cap.
    TooLarge,
    /// Not received within the body timeout.
    TimedOut,
    /// The connection broke.
    Broken,
}

/// How many bytes past the cap are read and thrown away before a 413, so that a client still
/// sending a modestly oversized body reads the answer instead of a reset connection.
const OVERSIZE_DRAIN_BYTES: u64 = 1024 * 1024;

/// Reads the body under the size cap and the body timeout. Bytes past the cap are never kept;
/// up to [`OVERSIZE_DRAIN_BYTES`] of them are discarded so the 413 reaches the client. A
/// declared Content-Length past the cap is refused before reading.
pub async fn read_body(mut body: Incoming, headers: &HeaderMap, limits: ServerLimits) -> BodyRead {
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    let declared = declared.and_then(|v| v.parse::<u64>().ok());
    let cap = limits.max_body_bytes as u64;
    let drain_limit = cap.saturating_add(OVERSIZE_DRAIN_BYTES);
    if declared.is_some_and(|n| n > drain_limit) {
        return BodyRead::TooLarge;
    }
    let deadline = tokio::time::Instant::now() + limits.body_timeout;
    let mut kept = Vec::new();
    let mut seen: u64 = 0;
    loop {
        let over = seen > cap || declared.is_some_and(|n| n > cap);
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) if over => return BodyRead::TooLarge,
            Err(_) => return BodyRead::TimedOut,
            Ok(None) if over => return BodyRead::TooLarge,
            Ok(None) => return BodyRead::Complete(Bytes::from(kept)),
            Ok(Some(Err(_))) if over => return BodyRead::TooLarge,
            Ok(Some(Err(_))) => return BodyRead::Broken,
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers carry nothing the component reads
        };
        seen = seen.saturating_add(data.len() as u64);
        if seen > drain_limit {
            return BodyRead::TooLarge;
        }
        if seen <= cap && !over {
            kept.extend_from_slice(&data);
        }
    }
}

/// Serves `listener` until `shutdown` completes, then stops accepting and lets requests in
/// flight finish (up to [`ServerLimits::shutdown_grace`]).
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    serve_with(listener, limits, shutdown, move |request, peer| {
        handle(request, Arc::clone(&service), limits, peer)
    })
    .await;
}

/// The accept loop of every server: HTTP/1.1 connections under the transport limits, each
/// request answered by `handler`, graceful shutdown when `shutdown` completes.
///
/// Connections: at most [`ServerLimits::max_connections`] (further ones wait to be
/// accepted) and [`ServerLimits::max_connections_per_peer`] from one IP address (a further
/// one is closed at once); each is closed when a response write makes no progress for
/// [`ServerLimits::write_timeout`], when no request head arrives within
/// [`ServerLimits::head_timeout`] (idle included), and once it is
/// [`ServerLimits::max_connection_age`] old (after the request in flight).
pub async fn serve_with<H, F, B>(
    listener: TcpListener,
    limits: ServerLimits,
    shutdown: impl std::future::Future<Output = ()>,
    handler: H,
) where
    H: Fn(Request<Incoming>, SocketAddr) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = Result<Response<B>, Infallible>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (closing, closing_watch) = tokio::sync::watch::channel(false);
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    let peers = PeerCounts::new(limits.max_connections_per_peer);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        .max_buf_size(limits.max_head_bytes.max(8192))
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let next = async {
            let permit = connections.clone().acquire_owned().await;
            (permit, listener.accept().await)
        };
        let (permit, accepted) = tokio::select! {
            next = next => next,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Responses are often written in pieces (a head, then a streamed body): without
        // TCP_NODELAY the second small write waits for the peer's delayed ACK, ~40 ms each.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        let Some(slot) = peers.enter(peer.ip()) else {
            tracing::warn!(
                %peer,
                limit = limits.max_connections_per_peer,
                "connection closed: too many connections from this address"
            );
            drop(stream);
            continue;
        };
        let handler = handler.clone();
        let service = service_fn(move |request| handler(request, peer));
        let io = WriteTimeout::new(TokioIo::new(stream), limits.write_timeout);
        let connection = builder.serve_connection(io, service);
        let mut closing = closing_watch.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _slot = slot;
            tokio::pin!(connection);
            let aged = tokio::time::sleep(limits.max_connection_age);
            let ended = tokio::select! {
                ended = connection.as_mut() => Some(ended),
                () = aged => None,
                _ = closing.wait_for(|closing| *closing) => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    // Too old, or the server is stopping: finish the request in flight (if
                    // any), then close; never wait longer than the grace period.
                    connection.as_mut().graceful_shutdown();
                    match tokio::time::timeout(limits.shutdown_grace, connection.as_mut()).await {
                        Ok(ended) => ended,
                        Err(_) => {
                            tracing::debug!(%peer, "connection closed: still busy after the grace period");
                            return;
                        }
                    }
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        });
    }
    tracing::info!("shutting down: no new connections; waiting for requests in flight");
    closing.send_replace(true);
    // Every connection holds a permit until it is closed: all permits back = all closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the grace period; stopping anyway");
    }
}

/// Open connections per peer IP address, under a limit.
struct PeerCounts {
    limit: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One open connection of a peer; dropping it (the connection closed) frees its place.
struct PeerSlot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PeerCounts {
    fn new(limit: usize) -> Self {
        PeerCounts {
            limit,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A place for one more connection from `ip`, or `None` when it has `limit` open.
    fn enter(&self, ip: IpAddr) -> Option<PeerSlot> {
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d: count it as a.b.c.d.
        let ip = ip.to_canonical();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(PeerSlot {
            ip,
            open: Arc::clone(&self.open),
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// A connection's I/O whose writes fail with `TimedOut` once they have made no progress for
/// `timeout` (the peer does not read); reads pass through (hyper times the request head,
/// [`read_body`] the body).
struct WriteTimeout<T> {
    inner: T,
    timeout: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<T> WriteTimeout<T> {
    fn new(inner: T, timeout: Duration) -> Self {
        WriteTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// Passes a ready outcome through (progress: the stall timer stops); while pending, runs
    /// the stall timer and fails once it fires.
    fn watch<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the peer read nothing within the write timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for WriteTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for WriteTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.watch(cx, polled)
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{default_imports, Limits, Runtime};

    fn pool(instances: usize) -> Arc<InstancePool> {
        let runtime = Arc::new(Runtime::embedded(Limits::default()).unwrap());
        let instances = (0..instances)
            .map(|_| Validator::unconfigured(Arc::clone(&runtime), default_imports(None, true)))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        InstancePool::new(instances, Role::AuthorizationServer)
    }

    #[test]
    fn a_panicking_call_gives_its_instance_back() {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        tokio.block_on(async {
            let pool = pool(2);
            // One more panic than there are instances: without the lease's drop guard each
            // panic would lose an instance, and every later call would find none.
            for _ in 0..3 {
                let outcome = pool
                    .run(Duration::from_secs(5), |_| -> u8 {
                        panic!("a bug in a request")
                    })
                    .await;
                assert_eq!(outcome, Err("the request task failed"));
            }
            for _ in 0..4 {
                let url = pool
                    .run(Duration::from_secs(5), |validator| {
                        validator.client(|store, client| {
                            client.call_protected_resource_metadata_url(
                                store,
                                "https://mcp.example.com/mcp",
                            )
                        })
                    })
                    .await;
                assert_eq!(
                    url,
                    Ok(Ok(
                        "https://mcp.example.com/.well-known/oauth-protected-resource/mcp".into()
                    ))
                );
            }
            assert_eq!(
                pool.idle.lock().unwrap().len(),
                2,
                "both instances are idle"
            );
        });
    }

    #[test]
    fn the_blocking_pass_runs_on_the_instance_the_inline_pass_left_waiting() {
        let tokio = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        tokio.block_on(async {
            let pool = pool(2);
            for round in 0..4u64 {
                // The inline pass marks its instance and asks for the blocking pass, which
                // must find the mark (another instance would not have it).
                let mark = Duration::from_millis(1000 + round);
                let outcome = pool
                    .run_inline_or_blocking(
                        Duration::from_secs(5),
                        |validator| -> Result<Duration, &str> {
                            validator.set_time_budget(mark);
                            Err("needs the network")
                        },
                        |validator, why| {
                            assert_eq!(why, "needs the network");
                            validator.time_budget()
                        },
                    )
                    .await;
                assert_eq!(outcome, Ok(mark));
                // A call that completes inline never leaves the task's thread; the blocking
                // pass runs elsewhere.
                let here = std::thread::current().id();
                let threads = pool
                    .run_inline_or_blocking(
                        Duration::from_secs(5),
                        |_| Err(std::thread::current().id()),
                        |_, inline| (inline, std::thread::current().id()),
                    )
                    .await;
                let (inline, blocking) = threads.unwrap();
                assert_eq!(inline, here);
                assert_ne!(blocking, here);
            }
            assert_eq!(
                pool.idle.lock().unwrap().len(),
                2,
                "both instances are back"
            );
            assert_eq!(pool.permits.available_permits(), 2);
        });
    }
}
