//! The host's JWK Set GET against a real HTTP server on 127.0.0.1: status and body passed
//! through, `Cache-Control: max-age` read, the 256 KiB cap enforced on the read, same-origin
//! redirects followed and cross-origin ones refused, a stalled server cut off by the
//! timeout; and the whole path through the component with `jwks_uri`.

use crate::common;
use crate::raw_http::read_request_path;

use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use xaa_host::imports::jwks::{HttpJwksFetcher, JwksFetcher, MAX_JWKS_BODY_BYTES};
use xaa_host::wit::{FetchError, KeySource};

type Respond = dyn Fn(&str, u16) -> Vec<u8> + Send + Sync;

/// A tiny HTTP/1.1 server: answers each request with `respond(path, own_port)`.
struct Server {
    port: u16,
    hits: Arc<AtomicUsize>,
}

fn serve(respond: Arc<Respond>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = respond.clone();
            let counter = counter.clone();
            thread::spawn(move || {
                let path = read_request_path(&mut stream);
                counter.fetch_add(1, Ordering::SeqCst);
                let response = respond(&path, port);
                let _ = stream.write_all(&response);
            });
        }
    });
    Server { port, hits }
}

fn response(status: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn jwks_body() -> Vec<u8> {
    as_jwks().to_string().into_bytes()
}

/// A server answering every request with the AS's JWK Set and `Cache-Control: cache_control`.
fn serve_jwks(cache_control: &'static str) -> Server {
    serve(Arc::new(move |_, _| {
        response(
            "200 OK",
            &[("cache-control", cache_control.into())],
            &jwks_body(),
        )
    }))
}

#[test]
fn ok_response_with_max_age() {
    let server = serve_jwks("public, max-age=120");
    let r = HttpJwksFetcher::default()
        .fetch(&format!("http://127.0.0.1:{}/jwks", server.port))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.max_age, Some(120));
    assert!(r.body.contains("as-ec"));
}

#[test]
fn non_200_is_passed_to_the_component_to_judge() {
    let server = serve(Arc::new(|_, _| {
        response("503 Service Unavailable", &[], b"down")
    }));
    let r = HttpJwksFetcher::default()
        .fetch(&format!("http://127.0.0.1:{}/jwks", server.port))
        .unwrap();
    assert_eq!(r.status, 503);
}

#[test]
fn body_over_the_cap_is_refused_even_without_content_length() {
    let server = serve(Arc::new(|_, _| {
        let mut out = b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_vec();
        out.extend(std::iter::repeat_n(b' ', MAX_JWKS_BODY_BYTES as usize + 10));
        out
    }));
    let err = HttpJwksFetcher::default()
        .fetch(&format!("http://127.0.0.1:{}/jwks", server.port))
        .unwrap_err();
    assert!(
        matches!(&err, FetchError::Failed(m) if m.contains("exceeds")),
        "{err:?}"
    );
}

#[test]
fn same_origin_redirect_is_followed_cross_origin_refused() {
    let server = serve(Arc::new(|path, port| match path {
        "/old" => response(
            "302 Found",
            &[("location", format!("http://127.0.0.1:{port}/jwks"))],
            b"",
        ),
        "/elsewhere" => response(
            "302 Found",
            &[("location", "http://localhost:9/jwks".into())],
            b"",
        ),
        "/loop" => response(
            "302 Found",
            &[("location", format!("http://127.0.0.1:{port}/loop"))],
            b"",
        ),
        _ => response("200 OK", &[], &jwks_body()),
    }));
    let fetcher = HttpJwksFetcher::default();
    let base = format!("http://127.0.0.1:{}", server.port);
    assert_eq!(fetcher.fetch(&format!("{base}/old")).unwrap().status, 200);
    let err = fetcher.fetch(&format!("{base}/elsewhere")).unwrap_err();
    assert!(
        matches!(&err, FetchError::Failed(m) if m.contains("GET failed")),
        "{err:?}"
    );
    assert!(fetcher.fetch(&format!("{base}/loop")).is_err());
}

#[test]
fn a_stalled_server_is_cut_off_by_the_timeout() {
    let server = serve(Arc::new(|_, _| {
        thread::sleep(Duration::from_secs(8));
        response("200 OK", &[], &jwks_body())
    }));
    let start = Instant::now();
    let err = HttpJwksFetcher::default()
        .fetch(&format!("http://127.0.0.1:{}/jwks", server.port))
        .unwrap_err();
    assert!(matches!(err, FetchError::Failed(_)));
    assert!(
        start.elapsed() < Duration::from_secs(7),
        "{:?}",
        start.elapsed()
    );
}

fn uri_config(uri: String) -> xaa_host::wit::Config {
    let mut config = config();
    if let Some(rs) = config.resource_server.as_mut() {
        rs.keys = KeySource::Uri(uri);
    }
    config
}

fn http_imports() -> xaa_host::Imports {
    xaa_host::Imports {
        jwks: Arc::new(HttpJwksFetcher::default()),
        ..imports(true)
    }
}

#[test]
fn jwks_uri_end_to_end_through_the_component() {
    let server = serve_jwks("max-age=300");
    let mut h = Harness::with(
        uri_config(format!("http://127.0.0.1:{}/jwks", server.port)),
        http_imports(),
    );
    assert_eq!(
        h.access_token(&access_token(json!({"jti": "http-1"}))),
        "valid"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"jti": "http-2"}))),
        "valid"
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 1, "the set is cached");
    // A token naming an unknown kid inside the cooldown costs no fetch.
    let unknown = mint(
        &json!({"typ": "at+jwt", "alg": "ES256", "kid": "rotated"}),
        &at_claims(),
        Signer::Es256(&keys().as_ec),
    );
    assert_eq!(h.access_token(&unknown), "key_not_found");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
}

#[test]
fn unreachable_jwks_uri_is_keys_unavailable() {
    // Bind and drop to get a port with nothing listening.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut h = Harness::with(
        uri_config(format!("http://127.0.0.1:{port}/jwks")),
        http_imports(),
    );
    let verdict = h.validator.validate_access_token(&access_token(json!({})));
    let xaa_host::wit::Verdict::Rejected(r) = verdict else {
        panic!("expected keys_unavailable")
    };
    assert_eq!(r.code, "keys_unavailable");
    assert_eq!(r.http_status, 503);
    assert_eq!(r.oauth_error, "temporarily_unavailable");
}

#[test]
fn jwks_uri_must_be_https_except_loopback() {
    let lines = refusals(uri_config("http://keys.example.com/jwks".into()));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("resource_server.jwks_uri") && l.contains("https")),
        "{lines:?}"
    );
}

/// A host that cannot block inside an import (like a JavaScript event loop).
struct NonBlocking;

impl JwksFetcher for NonBlocking {
    fn fetch(&self, _uri: &str) -> Result<xaa_host::wit::JwksResponse, FetchError> {
        Err(FetchError::WouldBlock)
    }
}

#[test]
fn a_non_blocking_host_fetches_later_and_supplies_the_set() {
    let uri = "https://as.example.com/jwks".to_string();
    let mut h = Harness::with(
        uri_config(uri.clone()),
        xaa_host::Imports {
            jwks: Arc::new(NonBlocking),
            ..imports(true)
        },
    );
    let token = access_token(json!({"jti": "nb-1"}));
    // First call: no keys yet; a temporary refusal, and the URI is listed for the host.
    assert_eq!(h.access_token(&token), "keys_unavailable");
    assert_eq!(h.validator.pending_jwks_fetches(), vec![uri.clone()]);
    // The host fetches on its own schedule and hands the response in; the call then passes.
    h.validator
        .supply_jwks(
            &uri,
            &xaa_host::wit::JwksResponse {
                status: 200,
                body: as_jwks().to_string(),
                max_age: Some(300),
            },
        )
        .unwrap();
    assert!(h.validator.pending_jwks_fetches().is_empty());
    assert_eq!(h.access_token(&token), "valid");
}
