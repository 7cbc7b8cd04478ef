//! `fetch-jwks`: one HTTP GET of a JWK Set URI. The component decides when to call and
//! what the response means; this file only moves bytes, within limits.
//!
//! Limits: connect timeout 2 s, total 5 s, body read capped at 256 KiB (the read is capped,
//! `Content-Length` is not trusted), at most 2 redirects and only to the same origin, no
//! cookies, no proxies from the environment.

use std::io::Read;
use std::sync::OnceLock;
use std::time::Duration;

use crate::bindings::xaa::token::types::{FetchError, JwksResponse};

/// Largest body read from a JWK Set URI.
pub const MAX_JWKS_BODY_BYTES: u64 = 256 * 1024;
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Whole-request timeout.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Most same-origin redirects followed.
pub const MAX_REDIRECTS: usize = 2;

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
}

impl HttpJwksFetcher {
    /// How many fetches were started (for metrics).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
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
    fn fetch(&self, uri: &str) -> Result<JwksResponse, FetchError> {
        self.fetches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let failed = |what: &str, e: &dyn std::fmt::Display| {
            FetchError::Failed(format!("{what}: {}", one_line(&e.to_string())))
        };
        let response = self
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
        let mut body = Vec::new();
        response
            .take(MAX_JWKS_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| failed("reading the body failed", &e))?;
        if body.len() as u64 > MAX_JWKS_BODY_BYTES {
            return Err(FetchError::Failed(format!(
                "body exceeds {MAX_JWKS_BODY_BYTES} bytes"
            )));
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

    #[test]
    fn max_age() {
        assert_eq!(parse_max_age("public, max-age=300"), Some(300));
        assert_eq!(parse_max_age("no-store"), Some(0));
        assert_eq!(parse_max_age("public"), None);
        assert_eq!(parse_max_age("max-age=abc"), None);
        assert_eq!(parse_max_age("max-age=99999999999"), Some(u32::MAX));
    }
}
