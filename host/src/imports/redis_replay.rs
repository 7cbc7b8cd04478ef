//! `replay-insert` on Redis, so that several replicas of `xaa serve as` / `xaa serve idp`
//! share one replay store and an ID-JAG (or a client assertion) is single-use across all of
//! them.
//!
//! Each insert is one atomic `SET xaa:replay:<key> 1 NX PX <ms>`: `+OK` means the key was
//! new (first use), a nil reply means it was already there (a replay). The expiry is the
//! one the component asks for, sent relative to the host clock (`expires_at - now + 1`
//! seconds, so the key lives through the second `expires_at`, as in
//! [`super::replay::MemoryReplayStore`]); the Redis server's own clock does not matter.
//!
//! A minimal RESP2 client over `std::net::TcpStream`, not a general Redis library, because
//! this store sends one command and must never mistake one reply for another:
//! - every insert has one deadline ([`RedisReplayStore::new`]'s `timeout`, 200 ms by
//!   default) covering connecting, `SELECT`, writing and reading; past it the insert fails;
//! - any failure (timeout, refused connection, an error reply, anything but `+OK` or nil)
//!   is an `Err`, which the component turns into `replay_store_unavailable` (503): it fails
//!   closed and never accepts;
//! - a connection that failed in any way is closed, never reused: a reply arriving after a
//!   timeout can therefore never be read as the answer to a later insert (the bug of
//!   redis-rs/redis-rs#1252, where a pooled connection returned a timed-out `GET`'s value);
//! - an idle pooled connection is checked before reuse: one the server closed (a restarted
//!   Redis) or one holding unexpected bytes is dropped and a fresh one is made.

use std::fmt;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::replay::ReplayStore;

/// Prefix of every key this store writes (`xaa:replay:` + the component's replay key).
pub const KEY_PREFIX: &str = "xaa:replay:";
/// Default bound on one insert: connecting (when no pooled connection is idle), `SELECT`,
/// the command and its reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
/// Largest accepted `timeout` (a replay-store wait holds a component instance).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle connections kept for reuse (more can be open while inserts run in parallel; the
/// number of component instances bounds those).
pub const MAX_IDLE_CONNECTIONS: usize = 16;
/// Longest reply line read (Redis's replies to these commands are a few bytes; an error
/// line is cut here).
const MAX_REPLY_BYTES: usize = 512;

/// A parsed `redis://HOST[:PORT][/DB]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisUrl {
    /// Host name or IP address (an IPv6 address without its brackets).
    pub host: String,
    /// TCP port (default 6379).
    pub port: u16,
    /// Database number (default 0).
    pub db: u32,
}

impl RedisUrl {
    /// Reads `redis://HOST[:PORT][/DB]`. User information (passwords), TLS (`rediss://`),
    /// queries and fragments are refused: this store does not support them.
    pub fn parse(url: &str) -> Result<Self, String> {
        let refuse = |why: &str| Err(format!("{url:?}: {why}"));
        let Some(rest) = url.strip_prefix("redis://") else {
            if url.to_ascii_lowercase().starts_with("rediss://") {
                return refuse("TLS (rediss://) is not supported; give redis://HOST:PORT[/DB]");
            }
            return refuse("not a redis://HOST:PORT[/DB] URL");
        };
        if rest.contains(['@', '?', '#']) {
            return refuse(
                "user information, queries and fragments are not supported; give redis://HOST:PORT[/DB]",
            );
        }
        let (authority, db) = match rest.split_once('/') {
            None => (rest, 0),
            Some((authority, "")) => (authority, 0),
            Some((authority, db)) => match db.parse::<u32>() {
                Ok(n) if db.bytes().all(|b| b.is_ascii_digit()) => (authority, n),
                _ => return refuse("the database must be a number (redis://HOST:PORT/DB)"),
            },
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let Some((address, after)) = v6.split_once(']') else {
                return refuse("an IPv6 address needs its closing ]");
            };
            if address.parse::<Ipv6Addr>().is_err() {
                return refuse("not an IPv6 address between [ ]");
            }
            match after {
                "" => (address, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (address, Some(port)),
                    None => return refuse("expected :PORT after the IPv6 address"),
                },
            }
        } else {
            match authority.split_once(':') {
                None => (authority, None),
                Some((host, port)) => (host, Some(port)),
            }
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'))
        {
            return refuse("no valid host");
        }
        let port = match port {
            None => 6379,
            Some(text) => match text.parse::<u16>() {
                Ok(port) if port > 0 && text.bytes().all(|b| b.is_ascii_digit()) => port,
                _ => return refuse("the port must be 1–65535"),
            },
        };
        Ok(RedisUrl {
            host: host.to_owned(),
            port,
            db,
        })
    }
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "redis://[{}]:{}/{}", self.host, self.port, self.db)
        } else {
            write!(f, "redis://{}:{}/{}", self.host, self.port, self.db)
        }
    }
}

/// The replay store on a Redis server (see the module documentation).
pub struct RedisReplayStore {
    url: RedisUrl,
    timeout: Duration,
    idle: Mutex<Vec<TcpStream>>,
    /// Whether the last insert reached Redis (for logging the transitions only).
    reachable: AtomicBool,
}

impl fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// One RESP2 reply line, as far as these commands need it.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    /// `+...`: a simple string (`OK`, `PONG`).
    Simple(String),
    /// `$-1`: the nil bulk string (`SET ... NX` on an existing key).
    Nil,
}

impl RedisReplayStore {
    /// A store on `url` whose every insert completes or fails within `timeout` (at most
    /// [`MAX_TIMEOUT`]; zero is refused).
    pub fn new(url: RedisUrl, timeout: Duration) -> Result<Self, String> {
        if timeout.is_zero() || timeout > MAX_TIMEOUT {
            return Err(format!(
                "the replay-store timeout must be 1–{} ms",
                MAX_TIMEOUT.as_millis()
            ));
        }
        Ok(RedisReplayStore {
            url,
            timeout,
            idle: Mutex::new(Vec::new()),
            reachable: AtomicBool::new(true),
        })
    }

    /// The URL, for messages.
    pub fn url(&self) -> &RedisUrl {
        &self.url
    }

    /// `PING`: whether Redis answers now (a startup check; inserts do not need it). The
    /// caller reports a failure; the next insert that succeeds logs "reachable again".
    pub fn ping(&self) -> Result<(), String> {
        let deadline = Instant::now() + self.timeout;
        let outcome = match self.round_trip(&[b"PING"], deadline) {
            Ok(Reply::Simple(s)) if s == "PONG" => Ok(()),
            Ok(_) => Err(format!("{}: unexpected reply to PING", self.url)),
            Err(why) => Err(why),
        };
        self.reachable.store(outcome.is_ok(), Ordering::Relaxed);
        outcome
    }

    /// Sends one command and reads its one-line reply on a pooled or new connection; the
    /// connection goes back to the pool only after a complete, well-formed reply.
    fn round_trip(&self, args: &[&[u8]], deadline: Instant) -> Result<Reply, String> {
        let mut stream = self.connection(deadline)?;
        let reply = send(&mut stream, args, deadline)
            .and_then(|()| read_reply(&mut stream, deadline))
            .map_err(|why| format!("{}: {why}", self.url))?;
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE_CONNECTIONS {
                idle.push(stream);
            }
        }
        Ok(reply)
    }

    /// A clean idle connection, or a new one (with `SELECT` for a database other than 0).
    fn connection(&self, deadline: Instant) -> Result<TcpStream, String> {
        loop {
            let pooled = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            match pooled {
                Some(stream) if is_clean(&stream) => return Ok(stream),
                Some(_) => continue, // closed by the server, or holding stray bytes: drop it
                None => break,
            }
        }
        let mut stream = self.connect(deadline)?;
        if self.url.db != 0 {
            let db = self.url.db.to_string();
            let reply = send(&mut stream, &[b"SELECT", db.as_bytes()], deadline)
                .and_then(|()| read_reply(&mut stream, deadline))
                .map_err(|why| format!("{}: SELECT: {why}", self.url))?;
            if reply != Reply::Simple("OK".into()) {
                return Err(format!("{}: SELECT: unexpected reply", self.url));
            }
        }
        Ok(stream)
    }

    fn connect(&self, deadline: Instant) -> Result<TcpStream, String> {
        // A host name goes through the system resolver (not bounded by `timeout`); an IP
        // address does not.
        let addresses: Vec<SocketAddr> = (self.url.host.as_str(), self.url.port)
            .to_socket_addrs()
            .map_err(|e| format!("{}: resolving the host: {e}", self.url))?
            .collect();
        let mut last = format!("{}: the host has no address", self.url);
        for address in addresses {
            let Some(left) = remaining(deadline) else {
                return Err(format!("{}: connect timed out", self.url));
            };
            match TcpStream::connect_timeout(&address, left) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(e) => last = format!("{}: connect: {e}", self.url),
            }
        }
        Err(last)
    }

    fn note(&self, outcome: &Result<bool, String>) {
        match outcome {
            Ok(_) => {
                if !self.reachable.swap(true, Ordering::Relaxed) {
                    tracing::info!(store = %self.url, "replay store reachable again");
                }
            }
            Err(why) => {
                if self.reachable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(
                        store = %self.url,
                        error = %why,
                        "replay store unreachable: token requests that need it are refused (503) until it answers"
                    );
                }
            }
        }
    }
}

impl ReplayStore for RedisReplayStore {
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String> {
        let deadline = Instant::now() + self.timeout;
        let full_key = format!("{KEY_PREFIX}{key}");
        let ttl = ttl_millis(expires_at, now).to_string();
        let outcome = self
            .round_trip(
                &[
                    b"SET",
                    full_key.as_bytes(),
                    b"1",
                    b"NX",
                    b"PX",
                    ttl.as_bytes(),
                ],
                deadline,
            )
            .and_then(|reply| match reply {
                Reply::Simple(s) if s == "OK" => Ok(true),
                Reply::Nil => Ok(false),
                Reply::Simple(_) => Err(format!("{}: unexpected reply to SET", self.url)),
            });
        self.note(&outcome);
        outcome
    }
}

/// Milliseconds the key must live: through the second `expires_at` of the host clock, at
/// least one second. An absurd expiry saturates, and Redis then refuses it (fail closed).
fn ttl_millis(expires_at: i64, now: i64) -> i64 {
    expires_at
        .saturating_sub(now)
        .saturating_add(1)
        .max(1)
        .saturating_mul(1000)
}

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// Whether an idle connection may carry a new command: still open, nothing unread.
fn is_clean(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [0u8; 1];
    let clean = matches!(stream.peek(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && clean
}

/// Writes one command as a RESP array of bulk strings.
fn send(stream: &mut TcpStream, args: &[&[u8]], deadline: Instant) -> Result<(), String> {
    let mut command = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        command.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        command.extend_from_slice(arg);
        command.extend_from_slice(b"\r\n");
    }
    let mut written = 0;
    while written < command.len() {
        let left = remaining(deadline).ok_or("timed out sending the command")?;
        stream
            .set_write_timeout(Some(left))
            .map_err(|e| format!("sending: {e}"))?;
        match stream.write(&command[written..]) {
            Ok(0) => return Err("the connection closed while sending".into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err("timed out sending the command".into())
            }
            Err(e) => return Err(format!("sending: {e}")),
        }
    }
    Ok(())
}

/// Reads exactly one reply line before `deadline`. Bytes after it (there must be none: one
/// command is outstanding) make the reply unusable.
fn read_reply(stream: &mut TcpStream, deadline: Instant) -> Result<Reply, String> {
    let mut line = Vec::new();
    let mut chunk = [0u8; 64];
    let end = loop {
        if let Some(end) = line.windows(2).position(|w| w == b"\r\n") {
            break end;
        }
        if line.len() > MAX_REPLY_BYTES {
            return Err("the reply is too long".into());
        }
        let left = remaining(deadline).ok_or("timed out waiting for the reply")?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|e| format!("reading: {e}"))?;
        match stream.read(&mut chunk) {
            Ok(0) => return Err("the connection closed before a reply".into()),
            Ok(n) => line.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err("timed out waiting for the reply".into())
            }
            Err(e) => return Err(format!("reading: {e}")),
        }
    };
    if end + 2 != line.len() {
        return Err("unexpected bytes after the reply".into());
    }
    let text = String::from_utf8_lossy(&line[..end]);
    match text.as_bytes().first() {
        Some(b'+') => Ok(Reply::Simple(text[1..].to_owned())),
        Some(b'$') if &text[1..] == "-1" => Ok(Reply::Nil),
        Some(b'-') => Err(format!(
            "Redis answered an error: {}",
            text[1..].chars().take(120).collect::<String>()
        )),
        _ => Err("unexpected reply".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufRead;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        let ok = |url: &str, host: &str, port: u16, db: u32| {
            assert_eq!(
                RedisUrl::parse(url),
                Ok(RedisUrl {
                    host: host.into(),
                    port,
                    db
                }),
                "{url}"
            );
        };
        ok("redis://127.0.0.1:6380", "127.0.0.1", 6380, 0);
        ok("redis://127.0.0.1:6380/", "127.0.0.1", 6380, 0);
        ok("redis://redis.internal:6379/3", "redis.internal", 6379, 3);
        ok("redis://redis", "redis", 6379, 0);
        ok("redis://[::1]:7000/1", "::1", 7000, 1);
        ok("redis://[::1]", "::1", 6379, 0);
        for bad in [
            "",
            "http://127.0.0.1:6379",
            "rediss://127.0.0.1:6379",
            "REDIS://127.0.0.1",
            "redis://",
            "redis://:6379",
            "redis://:secret@127.0.0.1:6379",
            "redis://user:secret@127.0.0.1:6379",
            "redis://127.0.0.1:0",
            "redis://127.0.0.1:65536",
            "redis://127.0.0.1:+80",
            "redis://127.0.0.1:6379/x",
            "redis://127.0.0.1:6379/+1",
            "redis://127.0.0.1:6379/1/2",
            "redis://127.0.0.1:6379?db=1",
            "redis://127.0.0.1:6379#x",
            "redis://[::1",
            "redis://[zz]:1",
            "redis://[::1]x",
            "redis://host name:1",
        ] {
            assert!(RedisUrl::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            RedisUrl::parse("redis://[::1]:7000/1").unwrap().to_string(),
            "redis://[::1]:7000/1"
        );
    }

    #[test]
    fn ttl_covers_the_expiry_second() {
        assert_eq!(ttl_millis(1_000_350, 1_000_000), 351_000);
        assert_eq!(ttl_millis(1_000_000, 1_000_000), 1_000);
        assert_eq!(ttl_millis(999_000, 1_000_000), 1_000, "at least one second");
        assert_eq!(
            ttl_millis(i64::MAX, 0),
            i64::MAX,
            "saturates; Redis refuses it"
        );
    }

    #[test]
    fn timeouts_are_bounded() {
        let url = RedisUrl::parse("redis://127.0.0.1:1").unwrap();
        assert!(RedisReplayStore::new(url.clone(), Duration::ZERO).is_err());
        assert!(RedisReplayStore::new(url.clone(), Duration::from_secs(11)).is_err());
        assert!(RedisReplayStore::new(url, Duration::from_millis(1)).is_ok());
    }

    /// A scripted server: each accepted connection runs the next script, which gets the
    /// connection after one command was read.
    /// What a scripted server does with one connection.
    type Script = Box<dyn FnOnce(&mut TcpStream) + Send>;

    fn scripted(scripts: Vec<Script>) -> RedisUrl {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for script in scripts {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                read_command(&mut stream);
                script(&mut stream);
                held.push(stream); // keep it open
            }
            std::thread::sleep(Duration::from_secs(5));
        });
        RedisUrl::parse(&format!("redis://127.0.0.1:{port}")).unwrap()
    }

    /// Reads one RESP array command.
    fn read_command(stream: &mut TcpStream) -> Vec<String> {
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let count: usize = line.trim()[1..].parse().unwrap();
        (0..count)
            .map(|_| {
                line.clear();
                reader.read_line(&mut line).unwrap();
                line.clear();
                reader.read_line(&mut line).unwrap();
                line.trim_end().to_owned()
            })
            .collect()
    }

    #[test]
    fn a_late_reply_is_never_taken_for_the_next_answer() {
        // First connection: answers "+OK" only after the insert timed out. Second: "$-1".
        let url = scripted(vec![
            Box::new(|s: &mut TcpStream| {
                std::thread::sleep(Duration::from_millis(300));
                let _ = s.write_all(b"+OK\r\n"); // the client may have gone
            }),
            Box::new(|s: &mut TcpStream| s.write_all(b"$-1\r\n").unwrap()),
        ]);
        let store = RedisReplayStore::new(url, Duration::from_millis(100)).unwrap();
        let started = Instant::now();
        assert!(store.insert("k1", 100, 0).is_err(), "timed out");
        assert!(started.elapsed() < Duration::from_millis(250));
        std::thread::sleep(Duration::from_millis(400)); // the late "+OK" has arrived
        assert_eq!(
            store.insert("k2", 100, 0),
            Ok(false),
            "the second insert must read its own reply on a fresh connection"
        );
    }

    #[test]
    fn a_pooled_connection_holding_stray_bytes_is_dropped() {
        // The first connection answers, then sends a stray "+OK"; the second answers "$-1".
        let url = scripted(vec![
            Box::new(|s: &mut TcpStream| {
                s.write_all(b"+OK\r\n").unwrap();
                std::thread::sleep(Duration::from_millis(100));
                let _ = s.write_all(b"+OK\r\n");
            }),
            Box::new(|s: &mut TcpStream| s.write_all(b"$-1\r\n").unwrap()),
        ]);
        let store = RedisReplayStore::new(url, Duration::from_secs(1)).unwrap();
        assert_eq!(store.insert("k1", 100, 0), Ok(true));
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(store.insert("k2", 100, 0), Ok(false));
    }

    #[test]
    fn replies_other_than_ok_or_nil_fail_closed() {
        for reply in [
            &b"-ERR something\r\n"[..],
            b":1\r\n",
            b"$1\r\n1\r\n",
            b"+QUEUED\r\n",
            b"+OK\r\n+OK\r\n",
            b"+OK",
            b"",
        ] {
            let url = scripted(vec![Box::new(move |s: &mut TcpStream| {
                s.write_all(reply).unwrap();
                if reply.is_empty() {
                    let _ = s.shutdown(std::net::Shutdown::Both);
                }
            })]);
            let store = RedisReplayStore::new(url, Duration::from_millis(200)).unwrap();
            let outcome = store.insert("k", 100, 0);
            assert!(
                outcome.is_err(),
                "{:?} gave {outcome:?}",
                String::from_utf8_lossy(reply)
            );
        }
    }

    #[test]
    fn the_command_is_set_nx_px_with_the_prefixed_key() {
        let (sent, seen) = std::sync::mpsc::channel();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            sent.send(read_command(&mut stream)).unwrap();
            stream.write_all(b"+OK\r\n").unwrap();
            sent.send(read_command(&mut stream)).unwrap();
            stream.write_all(b"+OK\r\n").unwrap();
        });
        let url = RedisUrl::parse(&format!("redis://127.0.0.1:{port}/2")).unwrap();
        let store = RedisReplayStore::new(url, Duration::from_secs(1)).unwrap();
        assert_eq!(store.insert("id-jag:ab12", 1_000_350, 1_000_000), Ok(true));
        assert_eq!(seen.recv().unwrap(), ["SELECT", "2"]);
        assert_eq!(
            seen.recv().unwrap(),
            ["SET", "xaa:replay:id-jag:ab12", "1", "NX", "PX", "351000"]
        );
    }
}
