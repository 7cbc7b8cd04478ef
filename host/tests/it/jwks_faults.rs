//! Every host-side fault of security.md §4 ("Host-side fault tolerance"), one test per row,
//! driven through the real component (the embedded `.wasm` in Wasmtime, `xaa_host::Validator`)
//! with the real HTTP import (`HttpJwksFetcher`) against a fault-injecting JWK Set server on
//! 127.0.0.1 whose behaviour each test switches at run time ([`Mode`]).
//!
//! Every test asserts exact verdict codes (README "Verdict codes") and, where it means
//! something, the exact number of requests the server saw. The cache settings are short
//! (`[jwks_cache]` lifetimes and cooldowns of 1–2 s; the component allows a cooldown of 1 s
//! and lifetimes from 0) so the file runs in well under a minute; loops are bounded and only
//! 127.0.0.1 is contacted.
//!
//! The wall clock given to the component is pinned at [`NOW`] (`Clock::pinned`, which
//! [`Clock::set`] moves); the monotonic clock runs. So every test in which a set expires,
//! a cooldown passes or the stale window closes while the wall clock stands still is also a
//! proof that cache ages follow the monotonic clock; the clock tests move the wall clock
//! alone.

use crate::common;
use crate::raw_http::read_request_path;

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use xaa_host::imports::clock::Clock;
use xaa_host::imports::jwks::{HttpJwksFetcher, FETCH_BUDGET, MAX_JWKS_BODY_BYTES, MAX_REDIRECTS};
use xaa_host::imports::replay::MemoryReplayStore;
use xaa_host::imports::verify::NativeVerifier;
use xaa_host::wit::{self, Verdict};
use xaa_host::{Imports, Validator};
use xaa_testkit::fixtures::ec_key;

// ---------------------------------------------------------------------------------------
// The fault-injecting JWK Set server
// ---------------------------------------------------------------------------------------

/// What the server does with the next request. Switched at run time with
/// [`FaultServer::set`]; a request in progress keeps the mode it started with (a stall or a
/// trickle ends when the mode changes).
#[derive(Clone, Debug)]
enum Mode {
    /// `200` with this JWK Set document (no `Cache-Control`: the lifetime is `max_ttl`).
    Set(String),
    /// This status with this body.
    Status(u16, String),
    /// `200` with these exact body bytes and this content type.
    Body(Vec<u8>, &'static str),
    /// Nothing listens on the port: connections are refused.
    Down,
    /// The request is read and never answered.
    Stall,
    /// The whole response to `Set(doc)` (status line, headers, body), one byte per 100 ms.
    TrickleAll(String),
    /// The status line and headers of `Set(doc)` at once, then the body one byte per 100 ms.
    TrickleBody(String),
    /// `302` to the very URL requested (same origin): a redirect loop.
    RedirectLoop,
    /// `302` to this absolute URL.
    RedirectTo(String),
    /// `302` to this path on the same origin, where `doc` is served.
    MovedTo(&'static str, String),
    /// `200`, `Transfer-Encoding: chunked`, a body that never ends.
    Endless,
    /// The inner mode after this delay (to make concurrent callers overlap).
    Slow(Duration, Box<Mode>),
}

struct ServerState {
    mode: Mutex<Mode>,
    generation: AtomicU64,
    hits: AtomicUsize,
    paths: Mutex<Vec<String>>,
    listening: AtomicBool,
    shutdown: AtomicBool,
}

/// A JWK Set server on 127.0.0.1 counting every request it receives (each hop of a redirect
/// chain is one request).
struct FaultServer {
    port: u16,
    state: Arc<ServerState>,
}

impl FaultServer {
    fn start(mode: Mode) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(ServerState {
            mode: Mutex::new(mode),
            generation: AtomicU64::new(0),
            hits: AtomicUsize::new(0),
            paths: Mutex::new(Vec::new()),
            listening: AtomicBool::new(true),
            shutdown: AtomicBool::new(false),
        });
        let shared = Arc::clone(&state);
        thread::spawn(move || accept_loop(listener, port, shared));
        let server = FaultServer { port, state };
        // Mode::Down from the start: wait for the port to close.
        let initial = server.state.mode.lock().unwrap().clone();
        server.wait_listening(!matches!(initial, Mode::Down));
        server
    }

    /// The JWK Set URI.
    fn uri(&self) -> String {
        format!("http://127.0.0.1:{}/jwks", self.port)
    }

    /// Switches the behaviour; returns once the port is closed (`Down`) or open (any other).
    fn set(&self, mode: Mode) {
        let down = matches!(mode, Mode::Down);
        *self.state.mode.lock().unwrap() = mode;
        self.state.generation.fetch_add(1, Ordering::SeqCst);
        self.wait_listening(!down);
    }

    fn wait_listening(&self, listening: bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.state.listening.load(Ordering::SeqCst) != listening {
            assert!(
                Instant::now() < deadline,
                "the fault server could not {} port {}",
                if listening { "reopen" } else { "close" },
                self.port
            );
            thread::sleep(Duration::from_millis(2));
        }
    }

    /// Requests received so far.
    fn hits(&self) -> usize {
        self.state.hits.load(Ordering::SeqCst)
    }

    /// The request paths received so far.
    fn paths(&self) -> Vec<String> {
        self.state.paths.lock().unwrap().clone()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.state.shutdown.store(true, Ordering::SeqCst);
        self.state.generation.fetch_add(1, Ordering::SeqCst);
    }
}

fn accept_loop(listener: TcpListener, port: u16, state: Arc<ServerState>) {
    listener.set_nonblocking(true).unwrap();
    let mut listener = Some(listener);
    while !state.shutdown.load(Ordering::SeqCst) {
        let down = matches!(*state.mode.lock().unwrap(), Mode::Down);
        if down && listener.is_some() {
            listener = None; // closes the port: connections are now refused
            state.listening.store(false, Ordering::SeqCst);
        }
        if !down && listener.is_none() {
            match TcpListener::bind(("127.0.0.1", port)) {
                Ok(reopened) => {
                    reopened.set_nonblocking(true).unwrap();
                    listener = Some(reopened);
                    state.listening.store(true, Ordering::SeqCst);
                }
                Err(_) => {
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            }
        }
        match listener.as_ref().map(TcpListener::accept) {
            Some(Ok((stream, _))) => {
                let state = Arc::clone(&state);
                thread::spawn(move || handle(stream, port, &state));
            }
            _ => thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn handle(mut stream: TcpStream, port: u16, state: &ServerState) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let path = read_request_path(&mut stream);
    // The mode at the time the request arrived.
    let (mode, generation) = {
        let mode = state.mode.lock().unwrap();
        (mode.clone(), state.generation.load(Ordering::SeqCst))
    };
    state.paths.lock().unwrap().push(path.clone());
    state.hits.fetch_add(1, Ordering::SeqCst);
    let _ = respond(&mut stream, &mode, port, &path, state, generation);
}

fn head(status: u16, headers: &[(&str, String)]) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut out = format!("HTTP/1.1 {status} {reason}\r\nconnection: close\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn full(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = head(
        status,
        &[
            ("content-type", content_type.into()),
            ("content-length", body.len().to_string()),
        ],
    );
    out.extend_from_slice(body);
    out
}

/// Whether the request that started at `generation` should stop (mode switched, or the
/// server is going away).
fn superseded(state: &ServerState, generation: u64) -> bool {
    state.shutdown.load(Ordering::SeqCst) || state.generation.load(Ordering::SeqCst) != generation
}

fn respond(
    stream: &mut TcpStream,
    mode: &Mode,
    port: u16,
    path: &str,
    state: &ServerState,
    generation: u64,
) -> std::io::Result<()> {
    let trickle = |stream: &mut TcpStream, bytes: &[u8]| -> std::io::Result<()> {
        for byte in bytes {
            if superseded(state, generation) {
                return Ok(());
            }
            stream.write_all(&[*byte])?;
            stream.flush()?;
            thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    };
    match mode {
        Mode::Set(doc) => stream.write_all(&full(200, "application/json", doc.as_bytes())),
        Mode::Status(status, body) => {
            stream.write_all(&full(*status, "application/json", body.as_bytes()))
        }
        Mode::Body(bytes, content_type) => stream.write_all(&full(200, content_type, bytes)),
        // The request raced the port's closing: drop the connection.
        Mode::Down => Ok(()),
        Mode::Stall => {
            let until = Instant::now() + Duration::from_secs(20);
            while !superseded(state, generation) && Instant::now() < until {
                thread::sleep(Duration::from_millis(20));
            }
            Ok(())
        }
        Mode::TrickleAll(doc) => trickle(stream, &full(200, "application/json", doc.as_bytes())),
        Mode::TrickleBody(doc) => {
            stream.write_all(&head(
                200,
                &[
                    ("content-type", "application/json".into()),
                    ("content-length", doc.len().to_string()),
                ],
            ))?;
            stream.flush()?;
            trickle(stream, doc.as_bytes())
        }
        Mode::RedirectLoop => {
            stream.write_all(&full_redirect(&format!("http://127.0.0.1:{port}{path}")))
        }
        Mode::RedirectTo(location) => stream.write_all(&full_redirect(location)),
        Mode::MovedTo(to, doc) => {
            if path == *to {
                stream.write_all(&full(200, "application/json", doc.as_bytes()))
            } else {
                stream.write_all(&full_redirect(&format!("http://127.0.0.1:{port}{to}")))
            }
        }
        Mode::Endless => {
            stream.write_all(&head(
                200,
                &[
                    ("content-type", "application/json".into()),
                    ("transfer-encoding", "chunked".into()),
                ],
            ))?;
            let chunk = [b' '; 16 * 1024];
            // Bounded: 64 MiB at most, or until the client hangs up.
            for _ in 0..4096 {
                if superseded(state, generation) {
                    break;
                }
                stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                stream.write_all(&chunk)?;
                stream.write_all(b"\r\n")?;
            }
            Ok(())
        }
        Mode::Slow(delay, inner) => {
            thread::sleep(*delay);
            respond(stream, inner, port, path, state, generation)
        }
    }
}

fn full_redirect(location: &str) -> Vec<u8> {
    head(
        302,
        &[
            ("location", location.to_string()),
            ("content-length", "0".into()),
        ],
    )
}

// ---------------------------------------------------------------------------------------
// Keys, sets, tokens, validators
// ---------------------------------------------------------------------------------------

/// The rotated-in key, kid `as-ec-2`.
fn key2() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| ec_key("as-ec-2"))
}

/// The public JWK of the baseline AS key (kid `as-ec`).
fn jwk1() -> Value {
    ec_jwk(&keys().as_ec, "as-ec", json!({"alg": "ES256"}))
}

/// The public JWK of the rotated-in key (kid `as-ec-2`).
fn jwk2() -> Value {
    ec_jwk(key2(), "as-ec-2", json!({}))
}

fn set_of(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

/// An access token (baseline claims, this `jti`) signed with `key` under `kid`.
fn token_by(kid: &str, key: &SigningKey, changes: Value) -> String {
    let mut claims = at_claims();
    merge(&mut claims, changes);
    mint(
        &json!({"typ": "at+jwt", "alg": "ES256", "kid": kid}),
        &claims,
        Signer::Es256(key),
    )
}

/// A baseline access token signed by `as-ec`.
fn at1(jti: &str) -> String {
    token_by("as-ec", &keys().as_ec, json!({ "jti": jti }))
}

/// A baseline access token signed by the rotated-in `as-ec-2`.
fn at2(jti: &str) -> String {
    token_by("as-ec-2", key2(), json!({ "jti": jti }))
}

/// The baseline configuration with the resource server's keys from `uri` and this cache
/// policy (seconds): the set lives `ttl` (min_ttl = max_ttl), one fetch per `cooldown`, the
/// last good set served `max_stale` past its lifetime.
fn uri_config(uri: &str, ttl: u32, cooldown: u32, max_stale: u32) -> wit::Config {
    let mut config = config();
    config.resource_server.as_mut().unwrap().keys = wit::KeySource::Uri(uri.into());
    config.jwks_cache = wit::JwksCacheConfig {
        min_ttl: Some(ttl),
        max_ttl: Some(ttl),
        refresh_cooldown: Some(cooldown),
        max_stale: Some(max_stale),
    };
    config
}

/// One host: a pinned wall clock the test moves, and one HTTP fetcher (single-flight and
/// fetch budget are per fetcher, as in `xaa gateway`, where every instance shares one).
struct Rig {
    clock: Clock,
    fetcher: Arc<HttpJwksFetcher>,
}

impl Rig {
    fn new() -> Self {
        Rig {
            clock: Clock::pinned(NOW),
            fetcher: Arc::new(HttpJwksFetcher::default()),
        }
    }

    /// A configured instance wired to this host's clock and fetcher.
    fn validator(&self, config: wit::Config) -> Validator {
        Validator::new(
            runtime(),
            Imports {
                clock: self.clock.clone(),
                jwks: self.fetcher.clone(),
                replay: Arc::new(MemoryReplayStore::new(1_000)),
                verifier: Some(NativeVerifier::new()),
            },
            config,
        )
        .unwrap_or_else(|e| panic!("configuration refused: {e}"))
    }

    /// GETs started by the fetcher (attempts, successful or not; not budget refusals).
    fn fetches(&self) -> u64 {
        self.fetcher.fetches()
    }
}

/// A fresh rig and an access-token validator whose keys come from `server` (cache lifetime,
/// refetch cooldown and maximum staleness in seconds).
fn validator_on(server: &FaultServer, ttl: u32, cooldown: u32, max_stale: u32) -> (Rig, Validator) {
    let rig = Rig::new();
    let validator = rig.validator(uri_config(&server.uri(), ttl, cooldown, max_stale));
    (rig, validator)
}

/// "valid" or the code of an access-token verdict.
fn code(validator: &mut Validator, token: &str) -> String {
    outcome(&validator.validate_access_token(token))
}

/// Asserts the whole temporary refusal: `keys_unavailable`, 503, `temporarily_unavailable`.
fn assert_keys_unavailable(validator: &mut Validator, token: &str) {
    match validator.validate_access_token(token) {
        Verdict::Rejected(r) => assert_eq!(
            (r.code.as_str(), r.http_status, r.oauth_error.as_str()),
            ("keys_unavailable", 503, "temporarily_unavailable"),
            "{}",
            r.description
        ),
        Verdict::Valid(_) => panic!("expected keys_unavailable, the token was accepted"),
    }
}

fn pause(ms: u64) {
    thread::sleep(Duration::from_millis(ms));
}

/// Sleeps until `ms` after `since`.
fn pause_until(since: Instant, ms: u64) {
    let at = since + Duration::from_millis(ms);
    let now = Instant::now();
    if at > now {
        thread::sleep(at - now);
    }
}

/// One fault met by a refetch while a good set is cached (lifetime 1 s, cooldown 2 s, stale
/// window 10 min): what a new token, the cached token, a token of a key only the faulty
/// answer names, and a second instance with nothing cached are told, and how many requests
/// the server saw.
#[derive(Debug, PartialEq, Eq)]
struct FaultOutcome {
    /// A token never seen, after the faulty refetch.
    fresh: String,
    /// The token verified (and cached) before the fault.
    cached: String,
    /// A token of `as-ec-2` (which some faulty answers name), inside the cooldown.
    new_kid: String,
    /// Another instance (same host, same fetcher) that never had a set.
    no_cache: String,
    /// Requests the server saw.
    hits: usize,
}

impl FaultOutcome {
    /// The last good set stayed in use, nothing from the faulty answer was adopted, and an
    /// instance without a set fails closed as temporarily unavailable.
    fn kept(hits: usize) -> Self {
        FaultOutcome {
            fresh: "valid".into(),
            cached: "valid".into(),
            new_kid: "key_not_found".into(),
            no_cache: "keys_unavailable".into(),
            hits,
        }
    }
}

fn meet_fault(fault: Mode) -> FaultOutcome {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    let config = uri_config(&server.uri(), 1, 2, 600);
    let mut cached_instance = rig.validator(config.clone());
    let mut empty_instance = rig.validator(config);
    let cached = at1("fault-cached");
    assert_eq!(code(&mut cached_instance, &cached), "valid");
    assert_eq!(server.hits(), 1);
    server.set(fault);
    // Past the lifetime (1 s) and the cooldown (2 s): the next token refetches.
    pause(2_300);
    let fresh = code(&mut cached_instance, &at1("fault-fresh"));
    let cached = code(&mut cached_instance, &cached);
    let new_kid = code(&mut cached_instance, &at2("fault-new-kid"));
    let no_cache = code(&mut empty_instance, &at1("fault-no-cache"));
    FaultOutcome {
        fresh,
        cached,
        new_kid,
        no_cache,
        hits: server.hits(),
    }
}

/// Runs each (name, fault, expected outcome) in its own thread (server, host, instances)
/// and fails with every mismatch at once.
fn assert_faults(cases: Vec<(&'static str, Mode, FaultOutcome)>) {
    let results: Vec<(&str, FaultOutcome, FaultOutcome)> = thread::scope(|scope| {
        let handles: Vec<_> = cases
            .into_iter()
            .map(|(name, mode, expected)| (name, expected, scope.spawn(move || meet_fault(mode))))
            .collect();
        handles
            .into_iter()
            .map(|(name, expected, handle)| (name, expected, handle.join().unwrap()))
            .collect()
    });
    let failures: Vec<String> = results
        .iter()
        .filter(|(_, expected, got)| expected != got)
        .map(|(name, expected, got)| {
            format!("{name}:\n  expected {expected:?}\n  got      {got:?}")
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// security.md §4, row by row
// ---------------------------------------------------------------------------------------

/// Row "endpoint down (connection refused)": the last good set is served while it is within
/// `max_stale`, one attempt per cooldown at most; past the stale window every token (also a
/// cached one) is `keys_unavailable` (503), never `valid` and never `key_not_found`; once
/// the endpoint is back, the next attempt after the cooldown restores service.
#[test]
fn down_connection_refused_serves_the_last_good_set_until_max_stale() {
    // Lifetime 1 s, cooldown 1 s, stale window 2 s: usable until 3 s after the fetch.
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (rig, mut v) = validator_on(&server, 1, 1, 2);
    let fetched = Instant::now();
    let cached = at1("down-1");
    assert_eq!(code(&mut v, &cached), "valid");
    assert_eq!((server.hits(), rig.fetches()), (1, 1));

    server.set(Mode::Down);
    pause(1_300);
    // Stale: the refetch is refused, the last good set answers.
    assert_eq!(code(&mut v, &at1("down-2")), "valid");
    assert_eq!(code(&mut v, &cached), "valid");
    assert_eq!(rig.fetches(), 2, "one attempt, refused");
    assert_eq!(server.hits(), 1, "nothing reached the closed port");
    // A burst while down: no attempt inside the cooldown.
    let burst = Instant::now();
    for i in 0..20 {
        assert_eq!(code(&mut v, &at1(&format!("down-burst-{i}"))), "valid");
    }
    if burst.elapsed() < Duration::from_millis(900) {
        assert_eq!(
            rig.fetches(),
            2,
            "a burst inside the cooldown attempts nothing"
        );
    } else {
        assert!(rig.fetches() <= 3, "at most one attempt per cooldown");
    }

    // Past lifetime + stale window (3 s): fail closed, temporarily.
    pause_until(fetched, 3_800);
    assert_keys_unavailable(&mut v, &at1("down-3"));
    assert_keys_unavailable(&mut v, &cached);
    assert_eq!(server.hits(), 1);

    // The endpoint comes back: after the cooldown the next token fetches and verifies.
    server.set(Mode::Set(set_of(&[jwk1()])));
    pause(1_200);
    assert_eq!(code(&mut v, &at1("down-4")), "valid");
    assert_eq!(code(&mut v, &cached), "valid");
    assert_eq!(server.hits(), 2);
}

/// Row "endpoint slow: never answers": the GET is cut off by the 5 s total timeout and
/// fails as down: an instance with a cached set answers from it (stale), one without is
/// `keys_unavailable`; both callers share one request (single-flight), and a fetch of
/// another issuer's URI on the same host is not held up meanwhile.
#[test]
fn slow_endpoint_that_never_answers_is_cut_off_at_5_s_and_fails_as_down() {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let other = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    let mut cached_instance = rig.validator(uri_config(&server.uri(), 1, 1, 600));
    let mut empty_instance = rig.validator(uri_config(&server.uri(), 1, 1, 600));
    let mut other_instance = rig.validator(uri_config(&other.uri(), 1, 1, 600));
    assert_eq!(code(&mut cached_instance, &at1("stall-0")), "valid");
    server.set(Mode::Stall);
    pause(1_200);

    let timed = |v: &mut Validator, token: String| {
        let start = Instant::now();
        let verdict = code(v, &token);
        (verdict, start.elapsed())
    };
    let (stale, empty, unrelated) = thread::scope(|scope| {
        let a = scope.spawn(|| timed(&mut cached_instance, at1("stall-a")));
        let b = scope.spawn(|| timed(&mut empty_instance, at1("stall-b")));
        pause(500);
        let unrelated = timed(&mut other_instance, at1("stall-other"));
        (a.join().unwrap(), b.join().unwrap(), unrelated)
    });
    assert_eq!(unrelated.0, "valid");
    assert!(
        unrelated.1 < Duration::from_secs(2),
        "another issuer's fetch waited {:?} behind the stalled one",
        unrelated.1
    );
    assert_eq!(stale.0, "valid", "the last good set is served stale");
    assert_eq!(empty.0, "keys_unavailable");
    for (who, elapsed) in [("cached", stale.1), ("empty", empty.1)] {
        assert!(
            (Duration::from_millis(4_500)..Duration::from_millis(7_500)).contains(&elapsed),
            "{who} instance waited {elapsed:?}; the cut-off is 5 s"
        );
    }
    assert_eq!(server.hits(), 2, "one stalled request for both callers");
    assert_eq!(other.hits(), 1);
}

/// Row "endpoint slow: trickles bytes" (the head): a response whose status line and headers
/// arrive one byte per 100 ms is cut off at 5 s and fails as down.
#[test]
fn slow_endpoint_trickling_its_head_is_cut_off_at_5_s() {
    trickle_case(Mode::TrickleAll(set_of(&[jwk2()])));
}

/// Row "endpoint slow: trickles bytes" (the body): the head at once, then the body one byte
/// per 100 ms (about 15 s for this set). The 5 s total timeout must cut it off as for the
/// head, and fail as down.
#[test]
fn slow_endpoint_trickling_its_body_is_cut_off_at_5_s() {
    trickle_case(Mode::TrickleBody(set_of(&[jwk2()])));
}

/// Two instances of one host meet the trickle together (one request, single-flight): the one
/// with a cached set must answer from it (stale, `valid`), the one without must be
/// `keys_unavailable`, both after about 5 s. Had the trickled set (`as-ec-2` only) been
/// adopted, `as-ec` tokens would be `key_not_found`.
fn trickle_case(trickle: Mode) {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    let config = uri_config(&server.uri(), 1, 1, 600);
    let mut cached_instance = rig.validator(config.clone());
    let mut empty_instance = rig.validator(config);
    assert_eq!(code(&mut cached_instance, &at1("trickle-0")), "valid");
    server.set(trickle);
    pause(1_200);
    let timed = |v: &mut Validator, token: String| {
        let start = Instant::now();
        let verdict = code(v, &token);
        (verdict, start.elapsed())
    };
    let (stale, empty) = thread::scope(|scope| {
        let a = scope.spawn(|| timed(&mut cached_instance, at1("trickle-a")));
        let b = scope.spawn(|| timed(&mut empty_instance, at1("trickle-b")));
        (a.join().unwrap(), b.join().unwrap())
    });
    let cut_off = |elapsed: Duration| {
        (Duration::from_millis(4_500)..Duration::from_millis(7_500)).contains(&elapsed)
    };
    assert!(
        stale.0 == "valid" && empty.0 == "keys_unavailable" && cut_off(stale.1) && cut_off(empty.1),
        "expected (valid, keys_unavailable) after about 5 s each; got cached instance {stale:?}, \
         empty instance {empty:?}"
    );
    assert_eq!(server.hits(), 2, "one trickled request for both callers");
}

/// Row "non-200": 500, 404 and 503 answers (the 500 even carrying a valid set with a new
/// key) never replace the good set and are never adopted; an instance with no set is
/// `keys_unavailable`.
#[test]
fn http_error_statuses_keep_the_last_good_set() {
    assert_faults(vec![
        (
            "500 with a set in its body",
            Mode::Status(500, set_of(&[jwk1(), jwk2()])),
            FaultOutcome::kept(3),
        ),
        (
            "404",
            Mode::Status(404, "not found".into()),
            FaultOutcome::kept(3),
        ),
        (
            "503",
            Mode::Status(503, "{\"error\":\"down\"}".into()),
            FaultOutcome::kept(3),
        ),
    ]);
}

/// Row "3xx": a redirect loop to the same URL fails after the cap (the original request and
/// [`MAX_REDIRECTS`] followed hops, so 3 requests per fetch); a cross-origin redirect is
/// refused without contacting the other origin; both keep the last good set. A same-origin
/// move within the cap is followed and its set adopted.
#[test]
fn redirects_loop_fails_after_the_cap_cross_origin_refused_same_origin_followed() {
    let elsewhere = FaultServer::start(Mode::Set(set_of(&[jwk1(), jwk2()])));
    let per_fetch = 1 + MAX_REDIRECTS;
    assert_faults(vec![
        (
            "redirect loop",
            Mode::RedirectLoop,
            FaultOutcome::kept(1 + 2 * per_fetch),
        ),
        (
            "cross-origin redirect",
            Mode::RedirectTo(elsewhere.uri()),
            FaultOutcome::kept(3),
        ),
    ]);
    assert_eq!(elsewhere.hits(), 0, "the other origin was never contacted");

    // Same origin, one hop: followed.
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (_rig, mut v) = validator_on(&server, 1, 1, 600);
    assert_eq!(code(&mut v, &at1("moved-0")), "valid");
    server.set(Mode::MovedTo("/moved", set_of(&[jwk1(), jwk2()])));
    pause(1_200);
    assert_eq!(code(&mut v, &at2("moved-1")), "valid");
    assert_eq!(server.paths(), ["/jwks", "/jwks", "/moved"]);
}

/// Row "body garbage / not JSON / wrong content type": every such answer is refused and the
/// good set stays; nothing of it is adopted. (The content type itself is not judged: see
/// `a_valid_set_served_as_text_html_is_used`.)
#[test]
fn garbage_bodies_are_refused_and_never_replace_the_good_set() {
    let kept = || FaultOutcome::kept(3);
    let with_new = set_of(&[jwk1(), jwk2()]);
    assert_faults(vec![
        (
            "binary, not UTF-8",
            Mode::Body(vec![0xff, 0xfe, 0x00, 0x9c, 0x80, 0x7b], "application/json"),
            kept(),
        ),
        (
            "HTML error page",
            Mode::Body(
                b"<html><body>502 Bad Gateway</body></html>".to_vec(),
                "text/html",
            ),
            kept(),
        ),
        (
            "empty body",
            Mode::Body(Vec::new(), "application/json"),
            kept(),
        ),
        (
            "JSON null",
            Mode::Body(b"null".to_vec(), "application/json"),
            kept(),
        ),
        (
            "JSON array",
            Mode::Body(b"[]".to_vec(), "application/json"),
            kept(),
        ),
        (
            "keys is not an array",
            Mode::Body(br#"{"keys":"as-ec-2"}"#.to_vec(), "application/json"),
            kept(),
        ),
        (
            "no keys member",
            Mode::Body(br#"{"jwks":[]}"#.to_vec(), "application/json"),
            kept(),
        ),
        (
            "truncated JSON",
            Mode::Body(
                with_new.as_bytes()[..with_new.len() - 3].to_vec(),
                "application/json",
            ),
            kept(),
        ),
        (
            "trailing garbage",
            Mode::Body(format!("{with_new}xx").into_bytes(), "application/json"),
            kept(),
        ),
        (
            "duplicate keys member",
            Mode::Body(
                format!(r#"{{"keys":[],"keys":{}}}"#, json!([jwk1(), jwk2()])).into_bytes(),
                "application/json",
            ),
            kept(),
        ),
        (
            "a key that is not an object",
            Mode::Body(br#"{"keys":["as-ec-2"]}"#.to_vec(), "application/json"),
            kept(),
        ),
    ]);
}

/// Documents the one part of the garbage row the host does not do: the `Content-Type` of a
/// JWK Set response is not judged (the import hands the component status, body and
/// `max-age` only), so a well-formed set served as `text/html` is used. The body is what is
/// parsed, strictly; panva/jose does not check the content type either.
#[test]
fn a_valid_set_served_as_text_html_is_used() {
    let server = FaultServer::start(Mode::Body(
        set_of(&[jwk1()]).into_bytes(),
        "text/html; charset=utf-8",
    ));
    let (_rig, mut v) = validator_on(&server, 60, 60, 600);
    assert_eq!(code(&mut v, &at1("html-1")), "valid");
    assert_eq!(server.hits(), 1);
}

/// Row "body huge": 1 MiB (with `Content-Length`), an endless chunked body and a set one
/// byte over 256 KiB are refused by the host's read cap; 101 keys by the component's key
/// cap; the good set stays. A set of exactly 256 KiB is accepted (the cap's boundary).
#[test]
fn huge_bodies_are_refused_by_the_256_kib_read_cap_and_the_key_cap() {
    let cap = usize::try_from(MAX_JWKS_BODY_BYTES).unwrap();
    let padded = |len: usize| {
        let mut body = set_of(&[jwk1(), jwk2()]).into_bytes();
        body.resize(len, b' ');
        body
    };
    let many: Vec<Value> = (0..101)
        .map(|i| {
            ec_jwk(
                &ec_key(&format!("many-{i}")),
                &format!("many-{i}"),
                json!({}),
            )
        })
        .chain([jwk1(), jwk2()])
        .collect();
    assert!(set_of(&many).len() < cap);
    let kept = || FaultOutcome::kept(3);
    assert_faults(vec![
        (
            "1 MiB",
            Mode::Body(padded(1 << 20), "application/json"),
            kept(),
        ),
        (
            "256 KiB + 1",
            Mode::Body(padded(cap + 1), "application/json"),
            kept(),
        ),
        ("endless chunked body", Mode::Endless, kept()),
        ("103 keys", Mode::Set(set_of(&many)), kept()),
    ]);

    // The boundary: exactly 256 KiB is read and used.
    let server = FaultServer::start(Mode::Body(padded(cap), "application/json"));
    let (_rig, mut v) = validator_on(&server, 60, 60, 600);
    assert_eq!(code(&mut v, &at2("exactly-256-kib")), "valid");
    assert_eq!(server.hits(), 1);
}

/// Row "JWKS valid but contains bad keys (K14–K22)": the bad keys are dropped, the good one
/// is kept (tokens of a dropped key's kid are `key_not_found`); a set with no usable key
/// left counts as an invalid fetch (the good set stays, or `keys_unavailable` without one).
#[test]
fn a_set_with_bad_keys_keeps_only_the_good_ones() {
    let leaked = ec_key("leaked");
    let mut private = ec_jwk(&leaked, "leaked", json!({}));
    private["d"] = json!(xaa_testkit::base64url::encode(&leaked.to_bytes()));
    let b64 = |bytes: &[u8]| xaa_testkit::base64url::encode(bytes);
    let mut small_n = [0xc3u8; 128];
    small_n[127] = 0x01;
    let bad = vec![
        json!({"kty": "oct", "kid": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}),
        private,
        json!({"kty": "EC", "crv": "P-256", "kid": "off-curve",
               "x": b64(&[1u8; 32]), "y": b64(&[2u8; 32])}),
        json!({"kty": "EC", "crv": "P-384", "kid": "p384",
               "x": b64(&[1u8; 48]), "y": b64(&[2u8; 48])}),
        json!({"kty": "RSA", "kid": "rsa-1024", "n": b64(&small_n), "e": "AQAB"}),
        ec_jwk(key2(), "enc-key", json!({"use": "enc"})),
        ec_jwk(key2(), "rs256-on-ec", json!({"alg": "RS256"})),
        ec_jwk(key2(), "hs256", json!({"alg": "HS256"})),
        ec_jwk(key2(), "no-verify", json!({"key_ops": ["sign"]})),
        json!({"kty": "OKP", "crv": "Ed25519", "kid": "okp", "x": b64(&[3u8; 32])}),
    ];
    let mut mixed = bad.clone();
    mixed.push(jwk1());

    let server = FaultServer::start(Mode::Set(set_of(&mixed)));
    let (_rig, mut v) = validator_on(&server, 60, 60, 600);
    assert_eq!(code(&mut v, &at1("mixed-good")), "valid");
    assert_eq!(
        code(
            &mut v,
            &token_by("leaked", &leaked, json!({"jti": "mixed-leaked"}))
        ),
        "key_not_found"
    );
    for kid in [
        "enc-key",
        "rs256-on-ec",
        "hs256",
        "no-verify",
        "off-curve",
        "p384",
    ] {
        assert_eq!(
            code(
                &mut v,
                &token_by(kid, key2(), json!({"jti": format!("mixed-{kid}")}))
            ),
            "key_not_found",
            "kid {kid}"
        );
    }
    assert_eq!(
        server.hits(),
        1,
        "unknown kids inside the cooldown fetch nothing"
    );

    // Only bad keys: refused as a whole, like garbage.
    assert_faults(vec![(
        "only bad keys",
        Mode::Set(set_of(&bad)),
        FaultOutcome::kept(3),
    )]);
}

/// Row "key rotation: new kid appears": a token of the new kid inside the cooldown is
/// `key_not_found` without a request; after the cooldown it causes exactly one refetch and
/// verifies; a flood of unknown kids right after costs nothing more.
#[test]
fn rotation_a_new_kid_is_fetched_once_after_the_cooldown() {
    // A long lifetime: only the kid miss can cause a refetch. Cooldown 3 s.
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (_rig, mut v) = validator_on(&server, 3600, 3, 600);
    let first = Instant::now();
    assert_eq!(code(&mut v, &at1("rot-1")), "valid");
    server.set(Mode::Set(set_of(&[jwk1(), jwk2()])));
    assert!(
        first.elapsed() < Duration::from_millis(2_500),
        "too slow for this test"
    );
    assert_eq!(
        code(&mut v, &at2("rot-2")),
        "key_not_found",
        "inside the cooldown"
    );
    assert_eq!(server.hits(), 1);

    pause_until(first, 3_500);
    assert_eq!(code(&mut v, &at2("rot-3")), "valid");
    assert_eq!(server.hits(), 2, "exactly one refetch");
    assert_eq!(
        code(&mut v, &at1("rot-4")),
        "valid",
        "the old key is still published"
    );
    for i in 0..50 {
        assert_eq!(
            code(
                &mut v,
                &token_by(
                    &format!("flood-{i}"),
                    key2(),
                    json!({"jti": format!("rot-f{i}")})
                )
            ),
            "key_not_found"
        );
    }
    assert_eq!(code(&mut v, &at2("rot-5")), "valid");
    assert_eq!(server.hits(), 2);
}

/// Row "key rotation: old kid removed": after the next refresh, tokens of the removed kid
/// fail with `key_not_found` — including one verified and cached before, whose cached
/// verdict stands only while its key is still published — while the new kid goes on.
#[test]
fn rotation_a_removed_kid_fails_after_the_next_refresh_even_when_cached() {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1(), jwk2()])));
    let (_rig, mut v) = validator_on(&server, 1, 1, 600);
    let cached_old = at1("removed-old");
    let cached_new = at2("removed-new");
    let fetched = Instant::now();
    assert_eq!(code(&mut v, &cached_old), "valid");
    assert_eq!(code(&mut v, &cached_new), "valid");
    server.set(Mode::Set(set_of(&[jwk2()])));
    // Inside the lifetime the removal is not known yet.
    if fetched.elapsed() < Duration::from_millis(800) {
        assert_eq!(code(&mut v, &cached_old), "valid");
        assert_eq!(server.hits(), 1);
    }
    pause_until(fetched, 1_300);
    assert_eq!(
        code(&mut v, &cached_old),
        "key_not_found",
        "the cached verdict ended"
    );
    assert_eq!(server.hits(), 2, "the refresh");
    assert_eq!(code(&mut v, &at1("removed-old-fresh")), "key_not_found");
    assert_eq!(code(&mut v, &cached_new), "valid");
    assert_eq!(code(&mut v, &at2("removed-new-fresh")), "valid");
    assert_eq!(server.hits(), 2);
}

/// Issue 11: a published, well-formed empty set (`{"keys":[]}`) revokes every key at the
/// next refresh (not after the stale window, here 1 hour), cached verdicts included; a set
/// published again afterwards is picked up by the next kid miss after the cooldown.
#[test]
fn an_empty_set_revokes_every_key_at_once() {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1(), jwk2()])));
    let (_rig, mut v) = validator_on(&server, 1, 1, 3600);
    let t1 = at1("empty-1");
    let t2 = at2("empty-2");
    assert_eq!(code(&mut v, &t1), "valid");
    assert_eq!(code(&mut v, &t2), "valid");
    server.set(Mode::Set(r#"{"keys":[]}"#.into()));
    pause(1_200);
    assert_eq!(code(&mut v, &t1), "key_not_found");
    assert_eq!(code(&mut v, &t2), "key_not_found");
    assert_eq!(code(&mut v, &at1("empty-3")), "key_not_found");
    assert_eq!(server.hits(), 2);
    server.set(Mode::Set(set_of(&[jwk1()])));
    pause(1_200);
    assert_eq!(code(&mut v, &t1), "valid");
    assert_eq!(code(&mut v, &t2), "key_not_found");
    assert_eq!(server.hits(), 3);
}

/// Row "concurrent requests during a fetch" (the Envoy CVE-2025-64527 case): 16 instances
/// sharing one host validate at once while the fetch fails (a slow 500): no crash, no hang,
/// each gets a verdict — `valid` from its stale set, or `keys_unavailable` without one — and
/// the server sees one request (single-flight). Before and after, a successful fetch is
/// shared the same way, and every instance works again.
#[test]
fn concurrent_validations_during_a_failing_fetch_each_get_a_verdict_and_share_one_request() {
    const N: usize = 16;
    let delay = Duration::from_millis(1_000);
    let good = || Mode::Slow(delay, Box::new(Mode::Set(set_of(&[jwk1()]))));
    let server = FaultServer::start(good());
    let rig = Rig::new();
    let config = uri_config(&server.uri(), 1, 1, 600);
    let mut instances: Vec<Validator> = (0..N).map(|_| rig.validator(config.clone())).collect();

    let all_at_once = |instances: &mut [Validator], round: &str| -> Vec<String> {
        let barrier = Barrier::new(instances.len());
        thread::scope(|scope| {
            let handles: Vec<_> = instances
                .iter_mut()
                .enumerate()
                .map(|(i, v)| {
                    let barrier = &barrier;
                    let token = at1(&format!("{round}-{i}"));
                    scope.spawn(move || {
                        barrier.wait();
                        code(v, &token)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        })
    };

    // Half the instances get a set, through one request.
    let first = all_at_once(&mut instances[..N / 2], "conc-a");
    assert!(first.iter().all(|c| c == "valid"), "{first:?}");
    assert_eq!(server.hits(), 1);

    // The fetch now fails, slowly: all 16 meet it together.
    server.set(Mode::Slow(
        delay,
        Box::new(Mode::Status(500, "oops".into())),
    ));
    pause(1_200);
    let during = all_at_once(&mut instances, "conc-b");
    assert_eq!(
        during,
        [
            vec!["valid".to_string(); N / 2],
            vec!["keys_unavailable".to_string(); N / 2]
        ]
        .concat(),
        "stale set for the instances that had one, keys_unavailable for the others"
    );
    assert_eq!(server.hits(), 2, "one request for 16 callers");

    // Recovery: again one request, and every instance verifies.
    server.set(good());
    pause(1_200);
    let after = all_at_once(&mut instances, "conc-c");
    assert!(after.iter().all(|c| c == "valid"), "{after:?}");
    assert_eq!(server.hits(), 3);
}

/// Row "attacker floods random kids": one instance refetches at most once per cooldown
/// however many unknown kids arrive; and across instances sharing a host, a URI gets at
/// most [`FETCH_BUDGET`] (10) requests per minute — past it, fetches fail at once without a
/// request (an instance with a set keeps it; one without is `keys_unavailable`).
#[test]
fn a_kid_flood_costs_one_fetch_per_cooldown_and_at_most_10_requests_per_uri_per_minute() {
    // One instance, cooldown 1 s, a long lifetime, 2.5 s of random kids.
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (_rig, mut v) = validator_on(&server, 3600, 1, 600);
    let start = Instant::now();
    let mut sent = 0;
    while start.elapsed() < Duration::from_millis(2_500) && sent < 100_000 {
        let token = token_by(
            &format!("random-{sent}"),
            key2(),
            json!({"jti": format!("f-{sent}")}),
        );
        assert_eq!(code(&mut v, &token), "key_not_found");
        sent += 1;
    }
    assert!(sent > 100, "only {sent} tokens in 2.5 s");
    let hits = server.hits();
    assert!(
        (2..=3).contains(&hits),
        "{sent} random kids in 2.5 s with a 1 s cooldown caused {hits} requests"
    );
    assert_eq!(code(&mut v, &at1("flood-legit")), "valid");

    // 16 instances sharing one host, each with its first unknown kid: the first 10 fetch
    // (each its own request: they come one after another), the other 6 find the budget spent.
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    let config = uri_config(&server.uri(), 3600, 1, 600);
    let mut instances: Vec<Validator> = (0..16).map(|_| rig.validator(config.clone())).collect();
    let mut codes = Vec::new();
    for (i, v) in instances.iter_mut().enumerate() {
        let token = token_by(
            &format!("budget-{i}"),
            key2(),
            json!({"jti": format!("b-{i}")}),
        );
        codes.push(code(v, &token));
    }
    assert_eq!(
        codes,
        [
            vec!["key_not_found".to_string(); FETCH_BUDGET],
            vec!["keys_unavailable".to_string(); 16 - FETCH_BUDGET]
        ]
        .concat()
    );
    assert_eq!(server.hits(), FETCH_BUDGET);
    assert_eq!(rig.fetches(), FETCH_BUDGET as u64);
    // After the cooldown, every instance floods again: still nothing reaches the server.
    pause(1_100);
    for (i, v) in instances.iter_mut().enumerate() {
        for j in 0..5 {
            let token = token_by(
                &format!("budget-{i}-{j}"),
                key2(),
                json!({"jti": format!("b-{i}-{j}")}),
            );
            let expected = if i < FETCH_BUDGET {
                "key_not_found"
            } else {
                "keys_unavailable"
            };
            assert_eq!(code(v, &token), expected, "instance {i}");
        }
    }
    assert_eq!(server.hits(), FETCH_BUDGET);
    // The instances that have the set still verify; the starved ones fail closed.
    assert_eq!(code(&mut instances[0], &at1("budget-legit-0")), "valid");
    assert_keys_unavailable(&mut instances[15], &at1("budget-legit-15"));
}

/// Row "issuer metadata / jwks_uri change: only from configuration, never from a token"
/// (and "unknown issuers never trigger a fetch"): an ID-JAG of an unknown issuer, and tokens
/// naming a key URL (`jku`, `x5u`) are refused without any request; a URL put in `kid` is an
/// opaque string, looked up only in the configured set.
#[test]
fn tokens_never_choose_or_trigger_a_key_source() {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    let mut config = uri_config(&server.uri(), 3600, 1, 600);
    config
        .authorization_server
        .as_mut()
        .unwrap()
        .trusted_issuers[0]
        .keys = wit::KeySource::Uri(format!("http://127.0.0.1:{}/idp-jwks", server.port));
    let mut v = rig.validator(config);
    let evil = format!("http://127.0.0.1:{}/evil", server.port);

    let untrusted = id_jag("src-1", json!({"iss": "https://evil.example.com"}));
    assert_eq!(
        outcome(&v.validate_id_jag(&untrusted, CLIENT)),
        "issuer_untrusted"
    );
    let jku_jag = jag_header("src-2", json!({"jku": evil}));
    assert_eq!(
        outcome(&v.validate_id_jag(&jku_jag, CLIENT)),
        "header_forbidden"
    );
    for member in ["jku", "x5u"] {
        let token = at_header_with(json!({ member: evil }));
        assert_eq!(code(&mut v, &token), "header_forbidden", "{member}");
    }
    assert_eq!(server.hits(), 0, "nothing fetched");

    let url_kid = token_by(&evil, &keys().attacker, json!({"jti": "src-3"}));
    assert_eq!(code(&mut v, &url_kid), "key_not_found");
    assert_eq!(server.paths(), ["/jwks"], "only the configured URI");
}

/// Row "wall clock jumps backwards" (and forwards): the JWK Set's lifetime follows the
/// monotonic clock — a jump of a month either way neither refetches nor expires it — while
/// `exp`, `nbf` and `iat` follow the wall clock given to the component, exactly within the
/// 60 s leeway.
#[test]
fn wall_clock_jumps_do_not_age_the_key_cache_and_time_claims_follow_the_wall_clock() {
    const MONTH: i64 = 30 * 86_400;
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let rig = Rig::new();
    // Lifetime and cooldown of an hour: any request after the first would be a jump's doing.
    let mut v = rig.validator(uri_config(&server.uri(), 3600, 3600, 600));
    let t = at1("clock-1");
    assert_eq!(code(&mut v, &t), "valid");

    // A month forward: the token expired (also from the cache); a token made for that time
    // verifies with the set fetched a month "earlier".
    rig.clock.set(NOW + MONTH);
    assert_eq!(code(&mut v, &t), "expired");
    let later = at1_times("clock-2", NOW + MONTH);
    assert_eq!(code(&mut v, &later), "valid");
    // A month back: a token of that time verifies; one made at NOW was issued in the future.
    rig.clock.set(NOW - MONTH);
    assert_eq!(code(&mut v, &at1_times("clock-3", NOW - MONTH)), "valid");
    assert_eq!(code(&mut v, &at1("clock-4")), "issued_in_future");
    assert_eq!(server.hits(), 1, "no refetch: the set's age is monotonic");

    // exp = NOW + 290 (baseline), leeway 60: valid through exp + 59, expired at exp + 60.
    let exp = NOW + 290;
    let e = at1("clock-exp");
    rig.clock.set(exp + 59);
    assert_eq!(code(&mut v, &e), "valid");
    rig.clock.set(exp + 60);
    assert_eq!(
        code(&mut v, &e),
        "expired",
        "the cached verdict re-checks exp"
    );
    // nbf = NOW + 100: not yet valid before nbf - 60, valid from it.
    let nbf = token_by(
        "as-ec",
        &keys().as_ec,
        json!({"jti": "clock-nbf", "nbf": NOW + 100}),
    );
    rig.clock.set(NOW + 39);
    assert_eq!(code(&mut v, &nbf), "not_yet_valid");
    rig.clock.set(NOW + 40);
    assert_eq!(code(&mut v, &nbf), "valid");
    // iat = NOW + 100: issued in the future before iat - 60.
    let iat = token_by(
        "as-ec",
        &keys().as_ec,
        json!({"jti": "clock-iat", "iat": NOW + 100}),
    );
    rig.clock.set(NOW + 39);
    assert_eq!(code(&mut v, &iat), "issued_in_future");
    rig.clock.set(NOW + 40);
    assert_eq!(code(&mut v, &iat), "valid");
    assert_eq!(server.hits(), 1);
}

/// A baseline access token whose `iat`/`exp` are placed around `now` instead of [`NOW`].
fn at1_times(jti: &str, now: i64) -> String {
    token_by(
        "as-ec",
        &keys().as_ec,
        json!({"jti": jti, "iat": now - 10, "exp": now + 290}),
    )
}

/// Row "wall clock jumps backwards", for a verdict in the verified-token cache: after the
/// wall clock steps back an hour, a token verified (and cached) a moment earlier must get
/// the verdict the wall clock now gives (`issued_in_future`, as its uncached twin gets),
/// not a cached `valid` — the cache re-checks `exp` against the wall clock but must also
/// not let `iat`/`nbf` escape it.
#[test]
fn a_cached_verdict_follows_the_wall_clock_when_it_steps_back() {
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (rig, mut v) = validator_on(&server, 3600, 3600, 600);
    let cached = at1("step-back-cached");
    let twin = at1("step-back-twin");
    assert_eq!(code(&mut v, &cached), "valid");
    rig.clock.set(NOW - 3600);
    assert_eq!(code(&mut v, &twin), "issued_in_future");
    assert_eq!(
        code(&mut v, &cached),
        "issued_in_future",
        "a cached verdict outlived a backward step of the wall clock: the verified-token \
         cache re-checks only exp, and measures its 5-minute trust on the wall clock"
    );
}

/// Row "wall clock wildly wrong": a clock before 2000-01-01 or from 2100-01-01 on gives
/// `clock_invalid` (503 `temporarily_unavailable`) for every token — cached or not, access
/// token or ID-JAG — before any key is looked up, so nothing is fetched; the boundaries
/// themselves are judged normally.
#[test]
fn a_clock_outside_2000_to_2100_is_clock_invalid_and_fetches_nothing() {
    const Y2000: i64 = 946_684_800;
    const Y2100: i64 = 4_102_444_800;
    let server = FaultServer::start(Mode::Set(set_of(&[jwk1()])));
    let (rig, mut v) = validator_on(&server, 3600, 1, 600);
    let t = at1("wild-1");
    for wild in [Y2000 - 1, Y2100, 0, -1, i64::MIN, i64::MAX] {
        rig.clock.set(wild);
        match v.validate_access_token(&t) {
            Verdict::Rejected(r) => assert_eq!(
                (r.code.as_str(), r.http_status, r.oauth_error.as_str()),
                ("clock_invalid", 503, "temporarily_unavailable"),
                "clock {wild}"
            ),
            Verdict::Valid(_) => panic!("accepted with the clock at {wild}"),
        }
        assert_eq!(
            outcome(&v.validate_id_jag(&id_jag(&format!("wild-{wild}"), json!({})), CLIENT)),
            "clock_invalid"
        );
    }
    assert_eq!(server.hits(), 0, "no key lookup under a wild clock");

    rig.clock.set(NOW);
    assert_eq!(code(&mut v, &t), "valid");
    assert_eq!(server.hits(), 1);
    rig.clock.set(Y2100);
    assert_eq!(
        code(&mut v, &t),
        "clock_invalid",
        "also for a cached verdict"
    );
    // The boundaries are plausible clocks: the token's own times decide (fresh tokens, so
    // that no cached verdict answers).
    rig.clock.set(Y2000);
    assert_eq!(code(&mut v, &at1("wild-2")), "issued_in_future");
    rig.clock.set(Y2100 - 1);
    assert_eq!(code(&mut v, &at1("wild-3")), "expired");
    assert_eq!(server.hits(), 1);
}
