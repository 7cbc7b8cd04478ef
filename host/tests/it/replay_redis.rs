//! The Redis replay store (`--replay-store redis://...`, `[replay_store]`) with real processes:
//! `xaa serve as` / `xaa serve idp` replicas on 127.0.0.1 sharing a real `redis-server` that
//! each test starts on a port of its own (and kills at the end), plus fake Redis servers that
//! never answer, answer slowly or answer errors.
//!
//! redis-server must be installed (`scripts/setup` installs it); a test never skips: without
//! it every test here fails and says so.

use crate::common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

use common::as_server::*;
use common::*;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A `redis-server` of this test's own on 127.0.0.1, stopped (SIGKILL) when dropped.
struct Redis {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    persistent: bool,
}

impl Redis {
    /// Starts one on a free port. `persistent`: every write is in the append-only file
    /// (fsynced before Redis answers), so a killed and restarted Redis keeps its keys.
    fn start(persistent: bool) -> Redis {
        let mut redis = Redis {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            persistent,
        };
        redis.spawn();
        redis
    }

    fn spawn(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .arg("--logfile")
            .arg(self.dir.path().join("redis.log"));
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start redis-server ({e}): the Redis replay-store tests need it; \
                     run scripts/setup, which installs it (apt-get install redis-server)"
                )
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.try_command(&["PING"]).as_deref() == Some("+PONG") {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "redis-server on port {} did not answer PING: {}",
            self.port,
            std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
        );
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no shutdown, no last save.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same port, with the same directory.
    fn restart(&mut self) {
        assert!(self.child.is_none());
        self.spawn();
    }

    /// One command; its first reply line (`:42`, `+OK`, `$-1`, ...), or `None` if Redis
    /// cannot be reached.
    fn try_command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut command = format!("*{}\r\n", args.len());
        for arg in args {
            command.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(command.as_bytes()).ok()?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).ok()?;
        Some(line.trim_end().to_owned())
    }

    fn command(&self, args: &[&str]) -> String {
        self.try_command(args)
            .unwrap_or_else(|| panic!("redis on port {} does not answer", self.port))
    }

    /// An integer reply.
    fn integer(&self, args: &[&str]) -> i64 {
        let reply = self.command(args);
        reply
            .strip_prefix(':')
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{args:?}: {reply}"))
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The key the store writes for an ID-JAG of the baseline IdP: the component's replay key
/// (`id-jag:` + SHA-256(iss, 0, jti)) under the store's prefix.
fn redis_key(jti: &str) -> String {
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    // `<kind>:<16 hex of SHA-256(issuer)>:<64 hex of SHA-256(issuer 0x00 jti)>`
    // (guest/src/replay.rs), under the store's prefix.
    let partition = Sha256::digest(IDP_ISSUER.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(IDP_ISSUER.as_bytes());
    hasher.update([0u8]);
    hasher.update(jti.as_bytes());
    format!(
        "xaa:replay:id-jag:{}:{}",
        hex(&partition[..8]),
        hex(&hasher.finalize())
    )
}

/// `xaa serve as` (baseline configuration, clock pinned at NOW) on this Redis.
fn replica(redis: &Redis, extra: &[&str]) -> AsServer {
    let url = redis.url();
    let mut args = vec!["--replay-store", url.as_str()];
    args.extend_from_slice(extra);
    AsServer::start_with(&base_toml(""), &args)
}

/// `server`'s log once `done` holds for it (its stderr is read by a thread: a line can
/// arrive a moment after the response), or after 5 s.
fn log_when(server: &AsServer, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log();
        if done(&log) || Instant::now() > deadline {
            return log;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (status, OAuth error) of one exchange.
fn outcome(reply: &Reply) -> (u16, String) {
    (reply.status, reply.error())
}

fn ok_or_error(reply: &Reply) -> String {
    if reply.status == 200 {
        "200".into()
    } else {
        format!("{} {}", reply.status, reply.error())
    }
}

#[test]
fn two_replicas_on_one_redis_accept_an_id_jag_once_among_200_concurrent_submissions() {
    let redis = Redis::start(false);
    // 200 connections at once from 127.0.0.1, 100 per replica: above the default per-IP cap.
    let replicas = [
        replica(&redis, &["--max-connections-per-ip", "256"]),
        replica(&redis, &["--max-connections-per-ip", "256"]),
    ];
    let jag = id_jag("redis-once", json!({}));
    let start = Barrier::new(200);
    let outcomes: Vec<(usize, u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..200)
            .map(|i| {
                let (replicas, jag, start) = (&replicas, &jag, &start);
                scope.spawn(move || {
                    start.wait();
                    let reply = replicas[i % 2].exchange(jag, &[]);
                    (i % 2, reply.status, reply.error())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let accepted: Vec<_> = outcomes.iter().filter(|(_, s, _)| *s == 200).collect();
    let replayed = outcomes
        .iter()
        .filter(|(_, s, e)| *s == 400 && e == "invalid_grant")
        .count();
    println!(
        "200 concurrent submissions over two replicas: {} accepted (by replica {}), {replayed} invalid_grant",
        accepted.len(),
        accepted.first().map_or(9, |a| a.0),
    );
    assert_eq!(accepted.len(), 1, "{outcomes:?}");
    assert_eq!(replayed, 199, "{outcomes:?}");
    // Every refusal is the replay, on both replicas.
    let logs: Vec<String> = replicas
        .iter()
        .map(|r| log_when(r, |l| l.matches("code=").count() >= 100))
        .collect();
    assert_eq!(
        logs.iter()
            .map(|l| l.matches("code=replayed").count())
            .sum::<usize>(),
        199
    );
    for log in &logs {
        assert!(log.contains("replay_store=redis://127.0.0.1:"), "{log}");
        assert!(log.matches("code=replayed").count() >= 99, "{log}");
    }
    // One key, under the prefix, living as long as the component asked: exp (NOW + 290)
    // + leeway (60) - now + 1 second.
    assert_eq!(redis.integer(&["DBSIZE"]), 1);
    let ttl = redis.integer(&["PTTL", &redis_key("redis-once")]);
    assert!((349_000..=351_000).contains(&ttl), "PTTL {ttl}");
}

/// One submission of an ID-JAG, timed.
#[derive(Clone, Debug)]
struct Attempt {
    jti: String,
    started: Instant,
    finished: Instant,
    outcome: String,
}

#[test]
fn redis_down_means_503_until_it_is_back_and_no_id_jag_is_ever_accepted_twice() {
    let mut redis = Redis::start(true);
    let replicas = [replica(&redis, &[]), replica(&redis, &[])];
    let attempts = Mutex::new(Vec::<Attempt>::new());
    let stop = AtomicBool::new(false);
    let submit = |jti: &str, server: &AsServer| {
        let jag = id_jag(jti, json!({}));
        let started = Instant::now();
        let reply = server.exchange(&jag, &[]);
        let attempt = Attempt {
            jti: jti.to_owned(),
            started,
            finished: Instant::now(),
            outcome: ok_or_error(&reply),
        };
        attempts.lock().unwrap().push(attempt.clone());
        attempt
    };
    let (killing, killed, restarting, back) = std::thread::scope(|scope| {
        for worker in 0..2 {
            let (replicas, stop, submit) = (&replicas, &stop, &submit);
            scope.spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    // A fresh ID-JAG at one replica, then the same at the other.
                    let jti = format!("outage-{worker}-{n}");
                    submit(&jti, &replicas[(worker + n) % 2]);
                    submit(&jti, &replicas[(worker + n + 1) % 2]);
                    n += 1;
                    std::thread::sleep(Duration::from_millis(15));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(800));
        let killing = Instant::now();
        redis.kill();
        let killed = Instant::now();
        std::thread::sleep(Duration::from_millis(1200));
        let restarting = Instant::now();
        redis.restart();
        let back = Instant::now();
        std::thread::sleep(Duration::from_millis(800));
        stop.store(true, Ordering::Relaxed);
        (killing, killed, restarting, back)
    });
    let attempts = attempts.into_inner().unwrap();
    let mut by_jti: HashMap<&str, Vec<&Attempt>> = HashMap::new();
    for a in &attempts {
        by_jti.entry(&a.jti).or_default().push(a);
    }
    let during = |a: &&Attempt| a.started > killed && a.finished < restarting;
    let before = |a: &&Attempt| a.finished < killing;
    let after = |a: &&Attempt| a.started > back;
    let (n_before, n_during, n_after) = (
        attempts.iter().filter(before).count(),
        attempts.iter().filter(during).count(),
        attempts.iter().filter(after).count(),
    );
    println!(
        "{} submissions ({} ID-JAGs): {n_before} before Redis was killed, {n_during} while it was down, {n_after} after it was back",
        attempts.len(),
        by_jti.len()
    );
    assert!(n_before >= 10 && n_during >= 10 && n_after >= 10);

    for a in &attempts {
        assert!(
            ["200", "400 invalid_grant", "503 temporarily_unavailable"].contains(&&*a.outcome),
            "{a:?}"
        );
    }
    // While Redis is down: only 503, each answered quickly (a refused connection).
    for a in attempts.iter().filter(during) {
        assert_eq!(a.outcome, "503 temporarily_unavailable", "{a:?}");
        assert!(a.finished - a.started < Duration::from_secs(1), "{a:?}");
    }
    // Before and after: first use accepted, second refused.
    for window in [&before as &dyn Fn(&&Attempt) -> bool, &after] {
        for attempts in by_jti.values() {
            if attempts.iter().all(window) {
                let outcomes: Vec<_> = attempts.iter().map(|a| a.outcome.as_str()).collect();
                assert_eq!(outcomes, ["200", "400 invalid_grant"], "{attempts:?}");
            }
        }
    }
    // Never accepted twice.
    for (jti, attempts) in &by_jti {
        let accepted = attempts.iter().filter(|a| a.outcome == "200").count();
        assert!(
            accepted <= 1,
            "{jti} accepted {accepted} times: {attempts:?}"
        );
    }
    // Now: every ID-JAG accepted before, during or after (Redis kept its keys through the
    // kill: append-only file) is refused at both replicas; every one refused only for the
    // outage is accepted once, then refused.
    let mut accepted_now = 0;
    for (jti, attempts) in &by_jti {
        let was_accepted = attempts.iter().any(|a| a.outcome == "200");
        let only_outage = attempts.iter().all(during);
        let again: Vec<String> = replicas
            .iter()
            .map(|r| ok_or_error(&r.exchange(&id_jag(jti, json!({})), &[])))
            .collect();
        if was_accepted {
            assert_eq!(again, ["400 invalid_grant"; 2], "{jti}: {attempts:?}");
        } else if only_outage {
            assert_eq!(again, ["200", "400 invalid_grant"], "{jti}: {attempts:?}");
            accepted_now += 1;
        } else {
            // In flight when Redis was killed: Redis may have recorded it before dying
            // (refused now: fail closed) or not (accepted now, once).
            assert!(
                again == ["400 invalid_grant"; 2] || again == ["200", "400 invalid_grant"],
                "{jti}: {again:?} {attempts:?}"
            );
        }
    }
    println!(
        "{accepted_now} ID-JAGs refused with 503 during the outage were accepted once afterwards"
    );
    assert!(accepted_now >= 5);
    // The operator hears about it: the transition down and back up, once each per replica.
    for server in &replicas {
        let log = log_when(server, |l| l.contains("replay store reachable again"));
        assert_eq!(log.matches("replay store unreachable").count(), 1, "{log}");
        assert_eq!(
            log.matches("replay store reachable again").count(),
            1,
            "{log}"
        );
        assert!(log.contains("code=replay_store_unavailable"), "{log}");
    }
}

/// A fake Redis on 127.0.0.1 answering each command as `answer` says (it gets the
/// connection once a command has arrived); returns its URL.
fn fake_redis(answer: fn(&mut TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    answer(&mut stream);
                }
            });
        }
    });
    format!("redis://127.0.0.1:{port}")
}

#[test]
fn a_redis_that_is_silent_slow_failing_or_absent_gives_503_within_a_bounded_time() {
    let silent = fake_redis(|_| {});
    let failing = fake_redis(|s| {
        let _ = s.write_all(b"-ERR something went wrong\r\n");
    });
    let slow = fake_redis(|s| {
        for byte in b"+OK\r\n" {
            std::thread::sleep(Duration::from_millis(150));
            if s.write_all(&[*byte]).is_err() {
                return;
            }
        }
    });
    let garbage = fake_redis(|s| {
        let _ = s.write_all(b":1\r\n");
    });
    let absent = format!("redis://127.0.0.1:{}", free_port());
    for (name, url) in [
        ("never answers", silent),
        ("answers -ERR", failing),
        ("answers +OK one byte per 150 ms", slow),
        ("answers an integer", garbage),
        ("nothing listens", absent),
    ] {
        let server = AsServer::start_with(&base_toml(""), &["--replay-store", &url]);
        for n in 0..3 {
            let started = Instant::now();
            let reply = server.exchange(&id_jag(&format!("bounded-{n}"), json!({})), &[]);
            let took = started.elapsed();
            assert_eq!(
                outcome(&reply),
                (503, "temporarily_unavailable".into()),
                "{name}"
            );
            assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
            // The store gives up after 200 ms; the rest is the request itself.
            assert!(took < Duration::from_millis(1500), "{name}: {took:?}");
            println!("{name}: 503 in {} ms", took.as_millis());
        }
        let (_, log) = server.stop();
        assert!(
            log.contains("the replay store does not answer yet"),
            "{name}: {log}"
        );
        assert_eq!(
            log.matches("code=replay_store_unavailable").count(),
            3,
            "{name}: {log}"
        );
    }
}

#[test]
fn the_configuration_file_names_the_store_and_the_flag_wins() {
    let redis = Redis::start(false);
    let silent = fake_redis(|_| {});
    // [replay_store] alone: this Redis is used.
    let toml = format!(
        "{}\n[replay_store]\nurl = \"{}\"\ntimeout_ms = 300\n",
        base_toml(""),
        redis.url()
    );
    let server = AsServer::start_with(&toml, &[]);
    assert_eq!(
        server.exchange(&id_jag("file-1", json!({})), &[]).status,
        200
    );
    assert_eq!(redis.integer(&["EXISTS", &redis_key("file-1")]), 1);
    drop(server);
    // The flag wins over the file (whose Redis never answers).
    let toml = format!("{}\n[replay_store]\nurl = \"{silent}\"\n", base_toml(""));
    let server = AsServer::start_with(&toml, &["--replay-store", &redis.url()]);
    assert_eq!(
        server.exchange(&id_jag("flag-1", json!({})), &[]).status,
        200
    );
    assert_eq!(redis.integer(&["EXISTS", &redis_key("flag-1")]), 1);
    // A database number selects that database.
    let server = AsServer::start_with(
        &base_toml(""),
        &["--replay-store", &format!("{}/3", redis.url())],
    );
    assert_eq!(server.exchange(&id_jag("db-3", json!({})), &[]).status, 200);
    assert_eq!(redis.integer(&["EXISTS", &redis_key("db-3")]), 0);
    // In database 3 (SELECT holds for one connection: both commands on one).
    let mut stream = TcpStream::connect(("127.0.0.1", redis.port)).unwrap();
    let key = redis_key("db-3");
    write!(
        stream,
        "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$6\r\nEXISTS\r\n${}\r\n{key}\r\n",
        key.len()
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "+OK\r\n");
    line.clear();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, ":1\r\n");
    // Without either: in memory (nothing reaches Redis).
    let before = redis.integer(&["DBSIZE"]);
    let server = AsServer::start();
    assert_eq!(
        server.exchange(&id_jag("memory-1", json!({})), &[]).status,
        200
    );
    assert_eq!(redis.integer(&["DBSIZE"]), before);
    let log = log_when(&server, |l| l.contains("replay_store="));
    assert!(log.contains("replay_store=memory"), "{log}");
}

#[test]
fn bad_replay_store_settings_are_refused_at_start() {
    let refused = |toml: &str, role: &str, args: &[&str]| -> String {
        match AsServer::try_start_role(role, toml, args) {
            Ok(_) => panic!("started with {args:?}"),
            Err((status, stderr)) => {
                assert_eq!(status.code(), Some(2), "{stderr}");
                stderr
            }
        }
    };
    let base = base_toml("");
    for (url, why) in [
        ("http://127.0.0.1:6379", "not a redis://HOST:PORT[/DB] URL"),
        (
            "rediss://127.0.0.1:6379",
            "TLS (rediss://) is not supported",
        ),
        ("redis://:secret@127.0.0.1:6379", "user information"),
        ("redis://127.0.0.1:99999", "the port must be 1–65535"),
        ("redis://127.0.0.1:6379/db", "the database must be a number"),
    ] {
        let stderr = refused(&base, "as", &["--replay-store", url]);
        assert!(
            stderr.contains("--replay-store") && stderr.contains(why),
            "{stderr}"
        );
        let toml = format!("{base}\n[replay_store]\nurl = \"{url}\"\n");
        let stderr = refused(&toml, "as", &[]);
        assert!(
            stderr.contains("[replay_store] url") && stderr.contains(why),
            "{stderr}"
        );
    }
    let toml =
        format!("{base}\n[replay_store]\nurl = \"redis://127.0.0.1:6379\"\ntimeout_ms = 0\n");
    assert!(refused(&toml, "as", &[]).contains("timeout_ms"));
    let toml = format!("{base}\n[replay_store]\nurl = \"redis://127.0.0.1:6379\"\nttl = 5\n");
    assert!(refused(&toml, "as", &[]).contains("unknown field"));
    let resource = format!(
        "[resource_server]\nresource = \"{RESOURCE}\"\nissuer = \"{AS_ISSUER}\"\njwks_file = \"as-public.jwks\"\nalgorithms = [\"ES256\"]\n"
    );
    let stderr = refused(
        &resource,
        "resource",
        &["--replay-store", "redis://127.0.0.1:6379"],
    );
    assert!(stderr.contains("keeps no replay store"), "{stderr}");
}

/// `xaa serve idp` records client assertions (`private_key_jwt`) in the store: one used at
/// one replica is refused at the other.
#[test]
fn idp_replicas_on_one_redis_refuse_a_client_assertion_used_at_the_other() {
    let redis = Redis::start(false);
    let toml = format!(
        "{}{}\n[[users]]\nsub = \"alice\"\n",
        idp_head_toml(IDP_ISSUER, ""),
        idp_jwt_client_toml(JWT_CLIENT)
    );
    let start = || {
        AsServer::try_start_role("idp", &toml, &["--replay-store", &redis.url()])
            .unwrap_or_else(|e| panic!("{e:?}"))
    };
    let (a, b) = (start(), start());
    let assertion = client_assertion(
        "idp-assertion-1",
        json!({"aud": format!("{IDP_ISSUER}/token")}),
    );
    let exchange = |server: &AsServer| {
        server.token(
            None,
            &[
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:token-exchange",
                ),
                (
                    "requested_token_type",
                    "urn:ietf:params:oauth:token-type:id-jag",
                ),
                ("subject_token", "not-an-id-token"),
                (
                    "subject_token_type",
                    "urn:ietf:params:oauth:token-type:id_token",
                ),
                ("audience", AS_ISSUER),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", &assertion),
            ],
        )
    };
    // The client authenticates at A (its subject token is then refused): the assertion is used.
    assert_eq!(outcome(&exchange(&a)), (400, "invalid_request".into()));
    // At B it is a replay.
    assert_eq!(outcome(&exchange(&b)), (401, "invalid_client".into()));
    let log = log_when(&b, |l| l.contains("code=replayed"));
    assert!(log.contains("code=replayed"), "{log}");
    assert_eq!(redis.integer(&["DBSIZE"]), 1);
}
