//! `fetch-jwks`: one HTTP GET of a JWK Set URI. The component decides when to call and
//! what the response means; this file only moves bytes, within limits.
//!
//! Limits: connect timeout 2 s, total 5 s, body read capped at 256 KiB (the read is capped,
//! `Content-Length` is not trusted), at most 2 redirects and only to the same origin, no
//! cookies, no proxies from the environment.
//!
//! Against kid floods (security.md §4), across every component instance that shares this
//! fetcher: concurrent fetches of one URI share a single request (single-flight), and each
//! URI gets at most [`FETCH_BUDGET`] requests per [`FETCH_BUDGET_WINDOW`]; past it a fetch
//! fails at once (the component then serves its cached set or fails closed).

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::bindings::xaa::token::types::{FetchError, JwksResponse};

/// Largest body read from a JWK Set URI.
pub const MAX_JWKS_BODY_BYTES: u64 = 256 * 1024;
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole-request timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Most same-origin redirects followed.
pub const MAX_REDIRECTS: usize = 2;
/// Most requests to one JWK Set URI per [`FETCH_BUDGET_WINDOW`], for the whole process.
pub const FETCH_BUDGET: usize = 10;
/// The window of [`FETCH_BUDGET`].
pub const FETCH_BUDGET_WINDOW: Duration = Duration::from_secs(60);

type FetchResult = Result<JwksResponse, FetchError>;

/// One fetch in progress, which later callers for the same URI wait for.
#[derive(Default)]
struct Flight {
    result: Mutex<Option<FetchResult>>,
    done: Condvar,
}

/// Performs JWK Set GETs.
pub trait JwksFetcher: Send + Sync {
    /// GET `uri`.
    fn fetch(&self, uri: &str) -> Result<JwksResponse, FetchError>;
}

/// The HTTP fetcher (reqwest, rustls).
#[derive(Default)]
pub struct HttpJwksFetcher {
    client: OnceLock<Result<reqwest::blocking::Client, String>>,
    fetches: std::sync::atomic::AtomicU64,
    in_flight: Mutex<HashMap<String, Arc<Flight>>>,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl HttpJwksFetcher {
    /// How many fetches were started (for metrics).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether `uri` may be requested now (and counts the request if so).
    fn within_budget(&self, uri: &str) -> bool {
        let Ok(mut recent) = self.recent.lock() else {
            return false;
        };
        let now = Instant::now();
        let starts = recent.entry(uri.to_owned()).or_default();
        while starts
            .front()
            .is_some_and(|t| now.duration_since(*t) >= FETCH_BUDGET_WINDOW)
        {
            starts.pop_front();
        }
        if starts.len() >= FETCH_BUDGET {
            return false;
        }
        starts.push_back(now);
        true
    }

    /// The request itself, within the budget.
    fn get(&self, uri: &str) -> FetchResult {
        if !self.within_budget(uri) {
            return Err(FetchError::Failed(format!(
                "fetch budget of this JWK Set URI spent ({FETCH_BUDGET} per {} s)",
                FETCH_BUDGET_WINDOW.as_secs()
            )));
        }
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.request(uri)
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, FetchError> {
        self.client
            .get_or_init(|| {
                reqwest::blocking::Client::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .timeout(REQUEST_TIMEOUT)
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::custom(|attempt| {
                        let same_origin = attempt
                            .previous()
                            .first()
                            .is_some_and(|first| first.origin() == attempt.url().origin());
                        if attempt.previous().len() > MAX_REDIRECTS {
                            attempt.error("too many redirects")
                        } else if !same_origin {
                            attempt.error("cross-origin redirect refused")
                        } else {
                            attempt.follow()
                        }
                    }))
                    .user_agent(concat!("xaa-token/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("HTTP client: {e}"))
            })
            .as_ref()
            .map_err(|e| FetchError::Failed(e.clone()))
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch(&self, uri: &str) -> FetchResult {
        // Single-flight: join a fetch of this URI already under way, or lead one.
        let (flight, leader) = {
            let Ok(mut in_flight) = self.in_flight.lock() else {
                return Err(FetchError::Failed("fetcher state poisoned".into()));
            };
            match in_flight.get(uri) {
                Some(flight) => (Arc::clone(flight), false),
                None => {
                    let flight = Arc::new(Flight::default());
                    in_flight.insert(uri.to_owned(), Arc::clone(&flight));
                    (flight, true)
                }
            }
        };
        if leader {
            let result = self.get(uri);
            if let Ok(mut slot) = flight.result.lock() {
                *slot = Some(result.clone());
            }
            if let Ok(mut in_flight) = self.in_flight.lock() {
                in_flight.remove(uri);
            }
            flight.done.notify_all();
            return result;
        }
        let Ok(mut slot) = flight.result.lock() else {
            return Err(FetchError::Failed("fetcher state poisoned".into()));
        };
        // The leader's request is bounded by REQUEST_TIMEOUT; wait a little longer at most.
        let deadline = Instant::now() + REQUEST_TIMEOUT + Duration::from_secs(1);
        while slot.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(FetchError::Failed(
                    "a concurrent fetch did not finish".into(),
                ));
            }
            match flight.done.wait_timeout(slot, left) {
                Ok((next, _)) => slot = next,
                Err(_) => return Err(FetchError::Failed("fetcher state poisoned".into())),
            }
        }
        slot.clone()
            .unwrap_or_else(|| Err(FetchError::Failed("no result".into())))
    }
}

impl HttpJwksFetcher {
    fn request(&self, uri: &str) -> FetchResult {
        let started = Instant::now();
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            FetchError::Failed(format!("{what}: {}", one_line(&e.to_string())))
        };
        let mut response = self
            .client()?
            .get(uri)
            .header("accept", "application/jwk-set+json, application/json")
            .send()
            .map_err(|e| failed("GET failed", &e))?;
        let status = response.status().as_u16();
        let max_age = response
            .headers()
            .get_all("cache-control")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_max_age);
        // The client's timeout bounds the wait for the head and each single read of the body,
        // not the whole body: a server dripping bytes would hold the fetch (and the instance)
        // for hours. The whole fetch gets REQUEST_TIMEOUT, checked between reads (a read in
        // progress at the deadline may add at most one more read timeout).
        let mut body = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if started.elapsed() > REQUEST_TIMEOUT {
                return Err(FetchError::Failed(format!(
                    "the body took longer than {} s",
                    REQUEST_TIMEOUT.as_secs()
                )));
            }
            let n = response
                .read(&mut chunk)
                .map_err(|e| failed("reading the body failed", &e))?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
            if body.len() as u64 > MAX_JWKS_BODY_BYTES {
                return Err(FetchError::Failed(format!(
                    "body exceeds {MAX_JWKS_BODY_BYTES} bytes"
                )));
            }
        }
        let body =
            String::from_utf8(body).map_err(|_| FetchError::Failed("body is not UTF-8".into()))?;
        Ok(JwksResponse {
            status,
            body,
            max_age,
        })
    }
}

/// `max-age=N` from one `Cache-Control` value; `no-store`/`no-cache` read as 0.
pub fn parse_max_age(value: &str) -> Option<u32> {
    let mut max_age = None;
    for directive in value.split(',') {
        let directive = directive.trim();
        if directive.eq_ignore_ascii_case("no-store") || directive.eq_ignore_ascii_case("no-cache")
        {
            return Some(0);
        }
        if let Some((name, seconds)) = directive.split_once('=') {
            if name.trim().eq_ignore_ascii_case("max-age") {
                max_age = seconds
                    .trim()
                    .trim_matches('"')
                    .parse::<u64>()
                    .ok()
                    .map(|s| u32::try_from(s).unwrap_or(u32::MAX));
            }
        }
    }
    max_age
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A JWK Set server answering every request after `delay`, counting them.
    fn server(delay: Duration) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let uri = format!("http://{}/jwks", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    let mut buf = [0u8; 4096];
                    let _ = stream.read(&mut buf);
                    counter.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(delay);
                    let body = r#"{"keys":[]}"#;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        (uri, hits)
    }

    #[test]
    fn concurrent_fetches_of_one_uri_share_one_request() {
        let (uri, hits) = server(Duration::from_millis(300));
        let fetcher = Arc::new(HttpJwksFetcher::default());
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (fetcher, uri) = (Arc::clone(&fetcher), uri.clone());
                std::thread::spawn(move || fetcher.fetch(&uri).map(|r| r.status))
            })
            .collect();
        for thread in threads {
            assert_eq!(thread.join().unwrap().ok(), Some(200));
        }
        assert_eq!(hits.load(Ordering::SeqCst), 1, "one request for 16 callers");
    }

    #[test]
    fn a_kid_flood_spends_the_budget_then_fails_fast() {
        let (uri, hits) = server(Duration::ZERO);
        let fetcher = HttpJwksFetcher::default();
        let outcomes: Vec<bool> = (0..FETCH_BUDGET + 5)
            .map(|_| fetcher.fetch(&uri).is_ok())
            .collect();
        assert_eq!(hits.load(Ordering::SeqCst), FETCH_BUDGET);
        assert_eq!(outcomes.iter().filter(|ok| **ok).count(), FETCH_BUDGET);
        assert!(
            matches!(fetcher.fetch(&uri), Err(FetchError::Failed(why)) if why.contains("budget"))
        );
        // Another URI has its own budget.
        let (other, other_hits) = server(Duration::ZERO);
        assert!(fetcher.fetch(&other).is_ok());
        assert_eq!(other_hits.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn max_age() {
        assert_eq!(parse_max_age("public, max-age=300"), Some(300));
        assert_eq!(parse_max_age("no-store"), Some(0));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
        assert_eq!(parse_max_age("max-age=99999999999"), Some(u32::MAX));
    }
}
