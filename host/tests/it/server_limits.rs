//! The connection limits every server shares (`xaa_host::server::serve_with`, behind
//! `xaa serve as` / `idp` / `resource` and `xaa gateway`), over real TCP on 127.0.0.1 with
//! limits short enough for a test: connections per peer address, the write timeout (a client
//! that pipelines requests and never reads the answers), the idle timeout and the maximum
//! connection age; and `--max-connections-per-ip` on the real `xaa serve as`.

use crate::common;

use std::convert::Infallible;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;

use xaa_host::server::{serve_with, ServerLimits};

/// A body big enough that a few unread responses fill the socket buffers.
const BIG: usize = 1024 * 1024;

/// A server under `limits` whose every response is `size` bytes, on a thread of its own;
/// stopped when dropped.
struct TestServer {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    fn start(limits: ServerLimits, size: usize) -> TestServer {
        let (ready, address) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let tokio = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            tokio.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready.send(listener.local_addr().unwrap()).unwrap();
                let body = Bytes::from(vec![b'x'; size]);
                serve_with(
                    listener,
                    limits,
                    async move {
                        let _ = stopped.await;
                    },
                    move |_request, _peer| {
                        let body = body.clone();
                        async move { Ok::<_, Infallible>(Response::new(Full::new(body))) }
                    },
                )
                .await;
            });
        });
        TestServer {
            address: address.recv().unwrap(),
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n";

/// Sends one request and reads its response whole: `Some(connection: close?)`, or `None`
/// when the connection was closed (or reset) instead.
fn request(stream: &mut TcpStream) -> Option<bool> {
    stream.write_all(REQUEST).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return None,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return None,
            Err(e) => panic!("reading a response head: {e}"),
        }
    }
    let head = String::from_utf8(head).unwrap().to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(head.contains("connection: close"))
}

/// Whether the server has closed `stream`: reading to the end gives end-of-file or a reset
/// within `within` (an open connection would time out instead).
fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    stream.set_read_timeout(Some(within)).unwrap();
    let mut sink = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut sink) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return true,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(e) => panic!("reading: {e}"),
        }
    }
}

fn limits() -> ServerLimits {
    ServerLimits {
        shutdown_grace: Duration::from_millis(500),
        ..ServerLimits::default()
    }
}

#[test]
fn one_address_gets_at_most_its_share_of_connections() {
    let server = TestServer::start(
        ServerLimits {
            max_connections_per_peer: 4,
            ..limits()
        },
        16,
    );
    let mut held: Vec<TcpStream> = (0..4).map(|_| server.connect()).collect();
    for stream in &mut held {
        assert_eq!(request(stream), Some(false));
    }
    // The fifth is closed at once.
    let mut fifth = server.connect();
    assert_eq!(request(&mut fifth), None);
    // The four still work; when one closes, its place is free again.
    assert_eq!(request(&mut held[0]), Some(false));
    drop(held.pop());
    std::thread::sleep(Duration::from_millis(200));
    let mut again = server.connect();
    assert_eq!(request(&mut again), Some(false));
}

#[test]
fn a_client_that_pipelines_and_never_reads_is_closed_after_the_write_timeout() {
    let write_timeout = Duration::from_millis(400);
    let server = TestServer::start(
        ServerLimits {
            max_connections_per_peer: 1,
            write_timeout,
            ..limits()
        },
        BIG,
    );
    // 64 requests of 1 MiB answers each, and not a byte read: the server's writes stall
    // once the socket buffers are full.
    let mut greedy = server.connect();
    greedy.write_all(&REQUEST.repeat(64)).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // Meanwhile it holds this address's only place.
    let mut other = server.connect();
    assert_eq!(request(&mut other), None, "the place is taken");
    // Once the write timeout has passed, the stalled connection is closed and its place is
    // free again.
    std::thread::sleep(write_timeout + Duration::from_millis(600));
    let mut other = server.connect();
    assert_eq!(request(&mut other), Some(false), "the place is free again");
    drop(other);
    assert!(
        closed_within(&mut greedy, Duration::from_secs(2)),
        "the server closed the never-reading connection"
    );
}

#[test]
fn a_connection_left_idle_is_closed_after_the_head_timeout() {
    let server = TestServer::start(
        ServerLimits {
            head_timeout: Duration::from_millis(300),
            ..limits()
        },
        16,
    );
    let mut stream = server.connect();
    assert_eq!(request(&mut stream), Some(false));
    let idle = Instant::now();
    assert!(closed_within(&mut stream, Duration::from_secs(3)));
    let waited = idle.elapsed();
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(2),
        "{waited:?}"
    );
}

#[test]
fn a_busy_connection_is_closed_once_it_reaches_the_maximum_age() {
    let age = Duration::from_millis(600);
    let server = TestServer::start(
        ServerLimits {
            max_connection_age: age,
            ..limits()
        },
        16,
    );
    let mut stream = server.connect();
    let opened = Instant::now();
    // A request every 50 ms: never idle, yet closed at its age, after a complete answer.
    let mut answered = 0;
    loop {
        match request(&mut stream) {
            Some(false) => answered += 1,
            Some(true) => {
                answered += 1;
                assert!(closed_within(&mut stream, Duration::from_secs(1)));
                break;
            }
            None => break,
        }
        assert!(opened.elapsed() < Duration::from_secs(5), "never closed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let lived = opened.elapsed();
    assert!(
        lived >= age && lived < age * 3,
        "closed after {lived:?} and {answered} answers"
    );
    assert!(answered >= 5, "{answered}");
}

#[test]
fn xaa_serve_as_takes_max_connections_per_ip() {
    let server = common::as_server::AsServer::start_with(
        &common::as_server::base_toml(""),
        &["--max-connections-per-ip", "2"],
    );
    let address: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let connect = || {
        let stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    };
    let get = |stream: &mut TcpStream| -> Option<u16> {
        stream
            .write_all(b"GET /jwks.json HTTP/1.1\r\nHost: t\r\n\r\n")
            .ok()?;
        let mut buf = [0u8; 12];
        stream.read_exact(&mut buf).ok()?;
        std::str::from_utf8(&buf[9..12]).ok()?.parse().ok()
    };
    let (mut a, mut b) = (connect(), connect());
    assert_eq!(get(&mut a), Some(200));
    assert_eq!(get(&mut b), Some(200));
    let mut c = connect();
    assert_eq!(
        get(&mut c),
        None,
        "a third connection from 127.0.0.1 is closed"
    );
    // The log line is read from the server's stderr by a thread: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server
        .log()
        .contains("connection closed: too many connections from this address")
    {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let (status, stderr) = common::as_server::AsServer::try_start(
        &common::as_server::base_toml(""),
        &["--max-connections-per-ip", "0"],
    )
    .err()
    .unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("--max-connections-per-ip must be at least 1"),
        "{stderr}"
    );
}
