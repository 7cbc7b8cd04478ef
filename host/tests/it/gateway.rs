//! `xaa gateway` over real HTTP, against a scripted upstream on 127.0.0.1: what reaches the
//! upstream (never the token or hop-by-hop headers; the verified identity in its headers,
//! client-sent copies replaced), what comes back (streamed as it is written; upstream
//! hop-by-hop headers dropped), the upstream's failures (502, 504), the body cap, reload and
//! shutdown. The SDK end-to-end tests (tests/sdk) run real MCP clients and servers through it.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::as_server::*;
use common::*;
use serde_json::json;

/// The gateway's configuration for RESOURCE, trusting the baseline AS key; `extra` is appended.
fn gateway_toml(extra: &str) -> String {
    format!(
        r#"[resource_server]
resource = "{RESOURCE}"
issuer = "{AS_ISSUER}"
jwks_file = "as-public.jwks"
algorithms = ["ES256"]

[gateway]
max_body_bytes = 2048
upstream_timeout = 1
{extra}"#
    )
}

fn start_gateway(upstream: &str, extra: &str) -> AsServer {
    AsServer::try_start_command(
        &["gateway"],
        &gateway_toml(extra),
        &["--upstream", upstream],
    )
    .unwrap_or_else(|e| panic!("gateway did not start: {e:?}"))
}

/// What the scripted upstream saw of one request.
#[derive(Debug)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP/1.1 upstream, one thread per connection, answering by path:
/// `/slow` never answers; `/sse` writes one event, waits for `release`, then a second;
/// anything else is 200 with hop-by-hop headers the gateway must drop.
struct Upstream {
    origin: String,
    seen: mpsc::Receiver<Seen>,
    release: mpsc::Sender<()>,
}

fn upstream() -> Upstream {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (seen_tx, seen) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let release_rx = std::sync::Arc::new(std::sync::Mutex::new(release_rx));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let seen_tx = seen_tx.clone();
            let release_rx = std::sync::Arc::clone(&release_rx);
            std::thread::spawn(move || serve_one(stream, &seen_tx, &release_rx));
        }
    });
    Upstream {
        origin,
        seen,
        release,
    }
}

fn serve_one(
    stream: TcpStream,
    seen: &mpsc::Sender<Seen>,
    release: &std::sync::Mutex<mpsc::Receiver<()>>,
) {
    // The upstream itself sends without delay (as uvicorn, nginx and hyper do), so that only
    // the gateway's side is measured.
    stream.set_nodelay(true).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').unwrap();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
            headers.push((name.to_owned(), value.trim().to_owned()));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
        let _ = seen.send(Seen {
            request_line: request_line.trim_end().to_owned(),
            headers,
        });
        match path.as_str() {
            "/slow" => {
                std::thread::sleep(Duration::from_secs(5));
                return;
            }
            "/split" => {
                // The head, then the body a moment later: the gateway relays them as two
                // writes, as it does for any upstream that streams its body.
                let body = r#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .unwrap();
                stream.flush().unwrap();
                std::thread::sleep(Duration::from_millis(2));
                stream.write_all(body.as_bytes()).unwrap();
            }
            "/sse" => {
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .unwrap();
                let chunk = |s: &mut TcpStream, data: &str| {
                    s.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes())
                        .unwrap();
                    s.flush().unwrap();
                };
                chunk(&mut stream, "data: one\n\n");
                let _ = release
                    .lock()
                    .unwrap()
                    .recv_timeout(Duration::from_secs(10));
                chunk(&mut stream, "data: two\n\n");
                stream.write_all(b"0\r\n\r\n").unwrap();
                return;
            }
            _ => {
                let body = r#"{"jsonrpc":"2.0","id":1,"result":{}}"#;
                stream
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: s-1\r\n\
                             Connection: keep-alive, X-Upstream-Secret\r\nX-Upstream-Secret: s\r\n\
                             Keep-Alive: timeout=5\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .unwrap();
            }
        }
    }
}

fn bearer() -> String {
    format!("Bearer {}", access_token(json!({})))
}

fn post(gateway: &AsServer, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut request = gateway.http.post(gateway.url(path)).body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().unwrap();
    Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().unwrap().to_vec(),
    }
}

#[test]
fn the_upstream_gets_the_identity_never_the_token_or_hop_by_hop_headers() {
    let up = upstream();
    let gateway = start_gateway(&up.origin, "");
    let token = bearer();
    let reply = post(
        &gateway,
        "/mcp?x=1",
        &[
            ("Authorization", &token),
            ("Content-Type", "application/json"),
            ("Mcp-Session-Id", "s-1"),
            ("MCP-Protocol-Version", "2025-06-18"),
            ("X-Xaa-Subject", "admin"),
            ("x-xaa-scope", "everything"),
            ("Connection", "X-Client-Secret"),
            ("X-Client-Secret", "c"),
            ("X-Forwarded-For", "203.0.113.9"),
        ],
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
    );
    assert_eq!(reply.status, 200, "{}", gateway.log());
    let seen = up.seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(seen.request_line, "POST /mcp?x=1 HTTP/1.1");
    assert_eq!(seen.header("authorization"), None);
    assert_eq!(seen.header("x-client-secret"), None, "Connection-listed");
    assert_eq!(seen.header("x-xaa-subject"), Some("U019488227"));
    assert_eq!(seen.header("x-xaa-client-id"), Some(CLIENT));
    assert_eq!(seen.header("x-xaa-scope"), Some("chat.read"));
    assert_eq!(seen.header("x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(seen.header("mcp-session-id"), Some("s-1"));
    assert_eq!(seen.header("mcp-protocol-version"), Some("2025-06-18"));
    assert_eq!(
        seen.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("x-xaa-subject"))
            .count(),
        1
    );
    // Back to the client: the session header, not the upstream's hop-by-hop ones.
    assert_eq!(reply.header("mcp-session-id").as_deref(), Some("s-1"));
    assert_eq!(reply.header("x-upstream-secret"), None);
    assert_eq!(reply.header("keep-alive"), None);
    assert!(
        !gateway.log().contains(&token[7..]),
        "the token is never logged"
    );
}

#[test]
fn refused_requests_never_reach_the_upstream() {
    let up = upstream();
    let gateway = start_gateway(
        &up.origin,
        "[[gateway.required_scopes]]\nmethod = \"tools/call\"\ntool = \"delete_all\"\nscopes = [\"admin\"]\n",
    );
    let token = bearer();
    let expired = format!(
        "Bearer {}",
        access_token(json!({"iat": NOW - 900, "exp": NOW - 600}))
    );
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_all"}}"#;
    for (authorization, body, status) in [
        (None, "{}", 401),
        (Some(expired.as_str()), "{}", 401),
        (Some(token.as_str()), call, 403),
        (
            Some(token.as_str()),
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","name":"delete_all"}}"#,
            400,
        ),
    ] {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(value) = authorization {
            headers.push(("Authorization", value));
        }
        let reply = post(&gateway, "/mcp", &headers, body);
        assert_eq!(reply.status, status, "{body}");
    }
    assert!(
        up.seen.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing was forwarded"
    );
    // The RFC 9728 document is the gateway's own answer.
    let metadata = gateway.get("/.well-known/oauth-protected-resource/mcp");
    assert_eq!(metadata.status, 200);
    assert_eq!(metadata.json()["resource"], RESOURCE);
}

#[test]
fn responses_stream_as_the_upstream_writes_them() {
    let up = upstream();
    let gateway = start_gateway(&up.origin, "");
    let address = gateway.base.strip_prefix("http://").unwrap().to_owned();
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .write_all(
            format!(
                "GET /sse HTTP/1.1\r\nHost: {address}\r\nAuthorization: {}\r\nAccept: text/event-stream\r\n\r\n",
                bearer()
            )
            .as_bytes(),
        )
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut received = String::new();
    let mut buf = [0u8; 4096];
    let started = Instant::now();
    while !received.contains("data: one") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {received}");
        received.push_str(&String::from_utf8_lossy(&buf[..n]));
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    assert!(
        !received.contains("data: two"),
        "the second event was not written yet"
    );
    up.release.send(()).unwrap();
    while !received.contains("data: two") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {received}");
        received.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
}

#[test]
fn a_response_in_two_writes_is_not_held_back_by_nagle() {
    // Without TCP_NODELAY on the client's connection, the body's write waits for the
    // client's delayed ACK (~40 ms on Linux) on every request: 20 requests would take 800 ms.
    let up = upstream();
    let gateway = start_gateway(&up.origin, "");
    let token = bearer();
    post(&gateway, "/split", &[("Authorization", &token)], "{}");
    let started = Instant::now();
    for _ in 0..20 {
        let reply = post(&gateway, "/split", &[("Authorization", &token)], "{}");
        assert_eq!(reply.status, 200);
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(400),
        "20 requests took {took:?}"
    );
}

#[test]
fn upstream_failures_are_502_and_504_and_the_body_cap_is_413() {
    // A port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let gateway = start_gateway(&format!("http://{closed}"), "");
    let reply = post(&gateway, "/mcp", &[("Authorization", &bearer())], "{}");
    assert_eq!(reply.status, 502);
    assert_eq!(reply.error(), "bad_gateway");

    let up = upstream();
    let gateway = start_gateway(&up.origin, "");
    let started = Instant::now();
    let reply = post(&gateway, "/slow", &[("Authorization", &bearer())], "{}");
    assert_eq!(reply.status, 504);
    assert_eq!(reply.error(), "upstream_timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "upstream_timeout = 1"
    );

    let big = "x".repeat(4096);
    let reply = post(&gateway, "/mcp", &[("Authorization", &bearer())], &big);
    assert_eq!(reply.status, 413);
    let log = gateway.log();
    assert!(
        log.contains("status=504"),
        "the access log names the outcome: {log}"
    );
}

#[test]
fn reload_applies_new_rules_and_refuses_a_broken_file() {
    let up = upstream();
    let gateway = start_gateway(&up.origin, "");
    let token = bearer();
    let headers = [
        ("Authorization", token.as_str()),
        ("Content-Type", "application/json"),
    ];
    let call = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add"}}"#;
    assert_eq!(post(&gateway, "/mcp", &headers, call).status, 200);
    let config = gateway.dir.path().join("xaa.toml");
    std::fs::write(
        &config,
        gateway_toml(
            "[[gateway.required_scopes]]\nmethod = \"tools/call\"\nscopes = [\"tools\"]\n",
        ),
    )
    .unwrap();
    assert!(gateway.reload());
    let reply = post(&gateway, "/mcp", &headers, call);
    assert_eq!(reply.status, 403);
    assert!(reply
        .header("www-authenticate")
        .unwrap()
        .contains("scope=\"tools\""));
    std::fs::write(
        &config,
        gateway_toml("[[gateway.required_scopes]]\nmethod = \"\"\n"),
    )
    .unwrap();
    assert!(
        !gateway.reload(),
        "a refused file keeps the running configuration"
    );
    assert_eq!(post(&gateway, "/mcp", &headers, call).status, 403);
    let (status, _) = gateway.stop();
    assert!(status.success(), "SIGTERM stops the gateway cleanly");
}

#[test]
fn bad_options_stop_the_gateway_with_a_clear_message() {
    for (upstream, extra, expected) in [
        (
            "https://mcp.example.com",
            "",
            "https upstreams are not supported",
        ),
        ("http://127.0.0.1:1/mcp", "", "origin only"),
        (
            "http://127.0.0.1:1",
            "subject_header = \"Authorization\"\n",
            "cannot carry identity",
        ),
        (
            "http://127.0.0.1:1",
            "upstream_idle_timeout = 0\n",
            "gateway.upstream_idle_timeout: must be 1–3600 seconds",
        ),
    ] {
        let toml = gateway_toml("").replace("[gateway]\n", &format!("[gateway]\n{extra}"));
        let Err((status, stderr)) =
            AsServer::try_start_command(&["gateway"], &toml, &["--upstream", upstream])
        else {
            panic!("{upstream} {extra}: started");
        };
        assert!(!status.success());
        assert!(stderr.contains(expected), "{upstream}: {stderr}");
    }
}

/// A JWK Set server on 127.0.0.1 answering every GET with the AS keys; counts requests.
fn jwks_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let count = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            counted.fetch_add(1, Ordering::SeqCst);
            let body = as_jwks().to_string();
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    (uri, count)
}

/// The component call runs on the async worker with `fetch-jwks` answering `would-block`
/// (a cached verdict must not pay a hop to a blocking thread); a request whose keys are not
/// fetched yet goes to a blocking thread on the same instance, which fetches and decides.
/// Without that second pass this request would be refused (keys unavailable), and without
/// the first one every request would wait on the blocking pool.
#[test]
fn keys_from_a_jwks_uri_are_fetched_off_the_async_worker_once() {
    jwks_uri_keys_are_fetched_once(&["--threads", "2"], "multi-threaded");
}

/// `--threads 1` (and the default on one CPU) runs the single-threaded scheduler: the
/// gateway's inline decisions, its blocking pass for a JWK Set fetch and its upstream client
/// all work there too. The ready line names the scheduler actually running, so this fails if
/// one thread still got the multi-threaded one.
#[test]
fn one_thread_runs_the_single_threaded_scheduler() {
    jwks_uri_keys_are_fetched_once(&["--threads", "1"], "single-threaded");
}

/// `--cpu-policy batch` reaches every thread of the process, the blocking pool's (which
/// fetched the JWK Set) included; `normal` sets SCHED_OTHER. Linux keeps a policy per thread.
#[cfg(target_os = "linux")]
#[test]
fn the_cpu_policy_reaches_every_thread() {
    const SCHED_OTHER: &str = "0";
    const SCHED_BATCH: &str = "3";
    for (args, logged, policy) in [
        (
            ["--cpu-policy", "batch", "--threads", "2"],
            "batch",
            SCHED_BATCH,
        ),
        (
            ["--cpu-policy", "batch", "--threads", "1"],
            "batch",
            SCHED_BATCH,
        ),
        (
            ["--cpu-policy", "normal", "--threads", "2"],
            "normal",
            SCHED_OTHER,
        ),
    ] {
        let scheduler = if args[3] == "1" {
            "single-threaded"
        } else {
            "multi-threaded"
        };
        let gateway = jwks_uri_keys_are_fetched_once(&args, scheduler);
        assert!(
            gateway.log().contains(&format!("cpu_policy=\"{logged}\"")),
            "{}",
            gateway.log()
        );
        let tasks = std::fs::read_dir(format!("/proc/{}/task", gateway.pid())).unwrap();
        let mut threads = 0;
        for task in tasks {
            let stat = std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap();
            // Field 41 of proc(5)'s stat is the policy; fields from 3 on follow the `(comm)`.
            let (_, after_comm) = stat.rsplit_once(')').unwrap();
            let fields: Vec<&str> = after_comm.split_whitespace().collect();
            assert_eq!(fields[41 - 3], policy, "{args:?}: thread {stat}");
            threads += 1;
        }
        // The main thread, a runtime worker or two, the JWK Set fetch's blocking thread.
        assert!(threads >= 2, "{args:?}: {threads} threads");
    }
}

#[test]
fn an_unknown_cpu_policy_is_refused() {
    let Err((status, stderr)) = AsServer::try_start_command(
        &["gateway"],
        &gateway_toml(""),
        &["--upstream", "http://127.0.0.1:9", "--cpu-policy", "fifo"],
    ) else {
        panic!("--cpu-policy fifo was accepted");
    };
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid value 'fifo'"), "{stderr}");
}

#[test]
fn a_thread_count_out_of_range_is_refused() {
    for bad in ["0", "257"] {
        let Err((status, stderr)) = AsServer::try_start_command(
            &["gateway"],
            &gateway_toml(""),
            &["--upstream", "http://127.0.0.1:9", "--threads", bad],
        ) else {
            panic!("--threads {bad} was accepted");
        };
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--threads must be 1–256"), "{stderr}");
    }
}

/// Starts a gateway with `args` whose keys come from a `jwks_uri`, checks its ready line
/// names `scheduler`, that the set is fetched once for many requests and that an untrusted
/// issuer is still refused; returns the running gateway.
fn jwks_uri_keys_are_fetched_once(args: &[&str], scheduler: &str) -> AsServer {
    let up = upstream();
    let (jwks_uri, fetches) = jwks_server();
    let toml = gateway_toml("").replace(
        "jwks_file = \"as-public.jwks\"",
        &format!("jwks_uri = \"{jwks_uri}\""),
    );
    let mut all_args = vec!["--upstream", up.origin.as_str()];
    all_args.extend_from_slice(args);
    let gateway = AsServer::try_start_command(&["gateway"], &toml, &all_args)
        .unwrap_or_else(|e| panic!("gateway did not start: {e:?}"));
    let ready = format!("scheduler=\"{scheduler}\"");
    for _ in 0..50 {
        if gateway.log().contains("ready") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gateway.log().contains(&ready), "{}", gateway.log());
    let token = bearer();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    for i in 0..5 {
        let reply = post(&gateway, "/mcp", &[("Authorization", &token)], body);
        assert_eq!(reply.status, 200, "request {i}: {}", gateway.log());
        let seen = up.seen.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(seen.header("x-xaa-client-id"), Some(CLIENT));
    }
    let fresh = format!("Bearer {}", access_token(json!({"jti": "another-token"})));
    let reply = post(&gateway, "/mcp", &[("Authorization", &fresh)], body);
    assert_eq!(reply.status, 200, "{}", gateway.log());
    assert_eq!(
        fetches.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one fetch for the first request, the cached set after"
    );
    let untrusted = format!(
        "Bearer {}",
        access_token(json!({"iss": "https://elsewhere.example"}))
    );
    let reply = post(&gateway, "/mcp", &[("Authorization", &untrusted)], body);
    assert_eq!(reply.status, 401, "{}", gateway.log());
    gateway
}

/// `upstream_idle_timeout`: a kept-alive upstream connection is reused while it is fresh and
/// closed by the gateway once it has been idle that long, before an upstream with a slightly
/// longer keep-alive timeout (uvicorn's and Node.js's 5 s against the default 4 s) closes it
/// under a request in flight (a 502). Without the setting the third request below would reuse
/// the idle connection.
#[test]
fn idle_upstream_connections_are_closed_before_the_upstream_closes_them() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&connections);
    let (seen_tx, seen) = mpsc::channel();
    let (_release, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            counted.fetch_add(1, Ordering::SeqCst);
            let seen_tx = seen_tx.clone();
            let release_rx = Arc::clone(&release_rx);
            std::thread::spawn(move || serve_one(stream, &seen_tx, &release_rx));
        }
    });
    let gateway = start_gateway(&origin, "upstream_idle_timeout = 1\n");
    let token = bearer();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    let send = || {
        let reply = post(&gateway, "/mcp", &[("Authorization", &token)], body);
        assert_eq!(reply.status, 200, "{}", gateway.log());
        seen.recv_timeout(Duration::from_secs(5)).unwrap();
    };
    send();
    send();
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "a fresh connection is reused"
    );
    std::thread::sleep(Duration::from_millis(2500));
    send();
    assert_eq!(
        connections.load(Ordering::SeqCst),
        2,
        "a connection idle for longer than upstream_idle_timeout is not reused"
    );
}
