//! The instance configuration: the typed input (mirroring the WIT `config` record) and the
//! one validation that turns it into a [`ValidConfig`] or refuses it with precise, path-named
//! messages. Defaults live here and nowhere else.
//!
//! Refused (DESIGN §4): `none` and HMAC algorithms, unknown algorithms, leeway over 300 s,
//! lifetimes over 3600 s, an issuer that is this authorization server itself, JWK Sets with
//! private or symmetric keys or with no key usable for the allowed algorithms, identifiers
//! that are not https URLs (http only for loopback hosts), fragments in identifiers.

use crate::error::escape_for_log;
use crate::jose_header::Alg;
use crate::jwks::{self, KeySet};
use crate::limits::{
    MAX_ASSERTION_LIFETIME_SECS, MAX_IDENTIFIER_BYTES, MAX_LEEWAY_SECS, MAX_TOKEN_CACHE_ENTRIES,
    MAX_TRUSTED_ISSUERS,
};

/// Default clock leeway, seconds.
pub const DEFAULT_LEEWAY: u32 = 60;
/// Default maximum ID-JAG lifetime (`exp - iat`), seconds.
pub const DEFAULT_MAX_ASSERTION_LIFETIME: u32 = 300;
/// Default lower clamp of a fetched JWK Set's lifetime, seconds.
pub const DEFAULT_MIN_TTL: u32 = 60;
/// Default upper clamp (and default) of a fetched JWK Set's lifetime, seconds.
pub const DEFAULT_MAX_TTL: u32 = 600;
/// Default cooldown between two fetches of one JWK Set, seconds.
pub const DEFAULT_REFRESH_COOLDOWN: u32 = 30;
/// Default window in which a stale JWK Set still serves while refetching fails, seconds.
pub const DEFAULT_MAX_STALE: u32 = 86_400;
/// Default number of cached access-token verdicts.
pub const DEFAULT_TOKEN_CACHE_SIZE: u32 = 1024;

/// Where an issuer's keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set document.
    Inline(String),
    /// A JWK Set URI the host fetches.
    Uri(String),
}

/// An IdP whose ID-JAGs are accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustedIssuerConfig {
    /// Issuer identifier.
    pub issuer: String,
    /// Its keys.
    pub keys: KeySource,
    /// Allowed `alg` names.
    pub algorithms: Vec<String>,
}

/// The resource authorization server role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationServerConfig {
    /// This AS's issuer identifier.
    pub issuer: String,
    /// Resources this AS serves.
    pub resources: Vec<String>,
    /// Maximum ID-JAG lifetime, seconds.
    pub max_assertion_lifetime: Option<u32>,
    /// Clock leeway, seconds.
    pub leeway: Option<u32>,
    /// Opt-in RFC 9728 root-slash equivalence for resources.
    pub resource_root_slash_equivalence: bool,
    /// Trusted IdPs.
    pub trusted_issuers: Vec<TrustedIssuerConfig>,
}

/// The resource server role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceServerConfig {
    /// This resource's identifier.
    pub resource: String,
    /// The authorization server's issuer identifier.
    pub issuer: String,
    /// The authorization server's keys.
    pub keys: KeySource,
    /// Allowed `alg` names.
    pub algorithms: Vec<String>,
    /// Clock leeway, seconds.
    pub leeway: Option<u32>,
    /// RFC 9728 metadata URL for challenges.
    pub resource_metadata_url: Option<String>,
    /// Opt-in RFC 9728 root-slash equivalence for the audience.
    pub resource_root_slash_equivalence: bool,
}

/// JWK Set cache policy, seconds; `None` takes the default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JwksCacheConfig {
    /// Lower clamp of the lifetime.
    pub min_ttl: Option<u32>,
    /// Upper clamp of the lifetime.
    pub max_ttl: Option<u32>,
    /// Cooldown between fetches.
    pub refresh_cooldown: Option<u32>,
    /// Stale-serving window.
    pub max_stale: Option<u32>,
}

/// The configuration of one instance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The AS role, if this instance plays it.
    pub authorization_server: Option<AuthorizationServerConfig>,
    /// The RS role, if this instance plays it.
    pub resource_server: Option<ResourceServerConfig>,
    /// JWK Set cache policy.
    pub jwks_cache: JwksCacheConfig,
    /// Verified access-token cache size.
    pub token_cache_size: Option<u32>,
}

/// One refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted path in the configuration (TOML spelling).
    pub path: String,
    /// The rule that was broken.
    pub message: String,
}

/// Cache policy in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CachePolicy {
    /// Lower clamp.
    pub min_ttl_ms: u64,
    /// Upper clamp and default.
    pub max_ttl_ms: u64,
    /// Cooldown between fetches.
    pub cooldown_ms: u64,
    /// Stale-serving window.
    pub max_stale_ms: u64,
}

/// A validated key source.
#[derive(Clone, Debug)]
pub enum ValidKeySource {
    /// Parsed keys.
    Inline(KeySet),
    /// A URI to fetch.
    Uri(String),
}

/// A validated trusted issuer.
#[derive(Clone, Debug)]
pub struct ValidIssuer {
    /// Issuer identifier.
    pub issuer: String,
    /// Allowed algorithms.
    pub algorithms: Vec<Alg>,
    /// Keys.
    pub keys: ValidKeySource,
}

/// A validated AS role.
#[derive(Clone, Debug)]
pub struct ValidAuthorizationServer {
    /// Issuer identifier.
    pub issuer: String,
    /// Served resources.
    pub resources: Vec<String>,
    /// Maximum ID-JAG lifetime.
    pub max_assertion_lifetime: u32,
    /// Leeway.
    pub leeway: u32,
    /// Root-slash equivalence.
    pub root_slash: bool,
    /// Trusted issuers.
    pub issuers: Vec<ValidIssuer>,
}

/// A validated RS role.
#[derive(Clone, Debug)]
pub struct ValidResourceServer {
    /// Resource identifier.
    pub resource: String,
    /// AS issuer identifier.
    pub issuer: String,
    /// Allowed algorithms.
    pub algorithms: Vec<Alg>,
    /// AS keys.
    pub keys: ValidKeySource,
    /// Leeway.
    pub leeway: u32,
    /// Metadata URL for challenges.
    pub resource_metadata_url: Option<String>,
    /// Root-slash equivalence.
    pub root_slash: bool,
}

/// A configuration that passed every rule.
#[derive(Clone, Debug)]
pub struct ValidConfig {
    /// AS role.
    pub authorization_server: Option<ValidAuthorizationServer>,
    /// RS role.
    pub resource_server: Option<ValidResourceServer>,
    /// JWK Set cache policy.
    pub cache: CachePolicy,
    /// Verified access-token cache size.
    pub token_cache_size: usize,
}

struct Errors(Vec<ConfigError>);

impl Errors {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ConfigError {
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Which kind of URL an identifier is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum UrlKind {
    /// RFC 8414 issuer: no query, no fragment.
    Issuer,
    /// RFC 8707 resource / RFC 9728 resource: no fragment.
    Resource,
    /// A URL to fetch: no fragment.
    Fetch,
}

fn check_url(errors: &mut Errors, path: &str, value: &str, kind: UrlKind) {
    let shown = escape_for_log(value, 80);
    let rest = if let Some(rest) = value.strip_prefix("https://") {
        rest
    } else if let Some(rest) = value.strip_prefix("http://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = if authority.starts_with('[') {
            authority.split_inclusive(']').next().unwrap_or("")
        } else {
            authority.split(':').next().unwrap_or("")
        };
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            errors.push(
                path,
                format!("\"{shown}\" must use https (http is accepted only for loopback hosts)"),
            );
            return;
        }
        rest
    } else {
        errors.push(path, format!("\"{shown}\" is not an https URL"));
        return;
    };
    if value.len() > MAX_IDENTIFIER_BYTES {
        errors.push(path, format!("longer than {MAX_IDENTIFIER_BYTES} bytes"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        errors.push(path, format!("\"{shown}\" has no host"));
    }
    if authority.contains('@') {
        errors.push(path, format!("\"{shown}\" carries user information"));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(
            path,
            format!("\"{shown}\" contains whitespace or control characters"),
        );
    }
    if value.contains('#') {
        errors.push(path, format!("\"{shown}\" has a fragment"));
    }
    if kind == UrlKind::Issuer && value.contains('?') {
        errors.push(
            path,
            format!("\"{shown}\" has a query; issuer identifiers have none"),
        );
    }
}

fn check_algorithms(errors: &mut Errors, path: &str, names: &[String]) -> Vec<Alg> {
    let mut algs = Vec::new();
    if names.is_empty() {
        errors.push(path, "list at least one algorithm (ES256, RS256 or PS256)");
    }
    for (i, name) in names.iter().enumerate() {
        let item = format!("{path}[{i}]");
        match Alg::from_name(name) {
            Some(alg) if algs.contains(&alg) => errors.push(item, format!("{name} is listed twice")),
            Some(alg) => algs.push(alg),
            None if name.eq_ignore_ascii_case("none") => {
                errors.push(item, "\"none\" (unsecured tokens) is never accepted")
            }
            None if name.to_ascii_uppercase().starts_with("HS") => errors.push(
                item,
                format!("{name}: HMAC algorithms are never accepted from another party (a shared secret is not a trust anchor)"),
            ),
            None => errors.push(
                item,
                format!(
                    "\"{}\" is not supported; use ES256, RS256 or PS256 (names are case-sensitive)",
                    escape_for_log(name, 32)
                ),
            ),
        }
    }
    algs
}

fn check_keys(
    errors: &mut Errors,
    path: &str,
    source: &KeySource,
    algs: &[Alg],
) -> Option<ValidKeySource> {
    match source {
        KeySource::Uri(uri) => {
            check_url(errors, &format!("{path}.jwks_uri"), uri, UrlKind::Fetch);
            Some(ValidKeySource::Uri(uri.clone()))
        }
        KeySource::Inline(document) => {
            let path = format!("{path}.jwks");
            match jwks::parse(document) {
                Err(why) => {
                    errors.push(path, why);
                    None
                }
                Ok(set) if set.had_rejected_keys => {
                    let notes: Vec<&str> = set
                        .notes
                        .iter()
                        .filter(|n| n.contains("refused"))
                        .map(String::as_str)
                        .collect();
                    errors.push(path, notes.join("; "));
                    None
                }
                Ok(set) => {
                    if !algs.is_empty()
                        && !set.keys.iter().any(|k| algs.iter().any(|a| k.permits(*a)))
                    {
                        errors.push(
                            path,
                            "no key in this JWK Set can verify any of the allowed algorithms",
                        );
                    }
                    Some(ValidKeySource::Inline(set))
                }
            }
        }
    }
}

fn check_leeway(errors: &mut Errors, path: &str, leeway: Option<u32>) -> u32 {
    let leeway = leeway.unwrap_or(DEFAULT_LEEWAY);
    if leeway > MAX_LEEWAY_SECS {
        errors.push(
            path,
            format!("{leeway} s exceeds the {MAX_LEEWAY_SECS} s maximum"),
        );
    }
    leeway
}

/// Equality of two resource identifiers; with `root_slash`, `https://h` and `https://h/`
/// are the same resource (RFC 9728 §3.1's root form), nothing else is.
pub fn same_resource(a: &str, b: &str, root_slash: bool) -> bool {
    a == b || (root_slash && root_form(a) == root_form(b))
}

fn root_form(s: &str) -> &str {
    // "scheme://authority/" with nothing after the slash is the root form of
    // "scheme://authority"; every other identifier stands as it is.
    match s.split_once("://") {
        Some((_, rest)) => match rest.strip_suffix('/') {
            Some(authority) if !authority.is_empty() && !authority.contains('/') => {
                &s[..s.len() - 1]
            }
            _ => s,
        },
        None => s,
    }
}

impl Config {
    /// Applies every rule; returns all refusals, not just the first.
    pub fn validate(&self) -> Result<ValidConfig, Vec<ConfigError>> {
        let mut errors = Errors(Vec::new());
        if self.authorization_server.is_none() && self.resource_server.is_none() {
            errors.push(
                "",
                "configure at least one role: [authorization_server] or [resource_server]",
            );
        }
        let authorization_server = self
            .authorization_server
            .as_ref()
            .map(|c| c.validate(&mut errors));
        let resource_server = self
            .resource_server
            .as_ref()
            .map(|c| c.validate(&mut errors));
        let cache = self.jwks_cache.validate(&mut errors);
        let token_cache_size = self.token_cache_size.unwrap_or(DEFAULT_TOKEN_CACHE_SIZE);
        if token_cache_size > MAX_TOKEN_CACHE_ENTRIES {
            errors.push(
                "token_cache_size",
                format!("{token_cache_size} exceeds the {MAX_TOKEN_CACHE_ENTRIES} maximum"),
            );
        }
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        Ok(ValidConfig {
            authorization_server: authorization_server.flatten(),
            resource_server: resource_server.flatten(),
            cache,
            token_cache_size: token_cache_size as usize,
        })
    }
}

impl AuthorizationServerConfig {
    fn validate(&self, errors: &mut Errors) -> Option<ValidAuthorizationServer> {
        let before = errors.0.len();
        let p = "authorization_server";
        check_url(
            errors,
            &format!("{p}.issuer"),
            &self.issuer,
            UrlKind::Issuer,
        );
        if self.resources.is_empty() {
            errors.push(
                format!("{p}.resources"),
                "list the resource identifiers this authorization server issues tokens for",
            );
        }
        for (i, resource) in self.resources.iter().enumerate() {
            let path = format!("{p}.resources[{i}]");
            check_url(errors, &path, resource, UrlKind::Resource);
            if self.resources[..i].contains(resource) {
                errors.push(path, "listed twice");
            }
        }
        let max_assertion_lifetime = self
            .max_assertion_lifetime
            .unwrap_or(DEFAULT_MAX_ASSERTION_LIFETIME);
        if !(1..=MAX_ASSERTION_LIFETIME_SECS).contains(&max_assertion_lifetime) {
            errors.push(
                format!("{p}.max_assertion_lifetime"),
                format!("{max_assertion_lifetime} s is outside 1–{MAX_ASSERTION_LIFETIME_SECS} s"),
            );
        }
        let leeway = check_leeway(errors, &format!("{p}.leeway"), self.leeway);
        if self.trusted_issuers.is_empty() {
            errors.push(
                "trusted_issuers",
                "an authorization server needs at least one [[trusted_issuers]] entry",
            );
        }
        if self.trusted_issuers.len() > MAX_TRUSTED_ISSUERS {
            errors.push(
                "trusted_issuers",
                format!("more than {MAX_TRUSTED_ISSUERS} trusted issuers"),
            );
        }
        let mut issuers = Vec::new();
        for (i, trusted) in self.trusted_issuers.iter().enumerate() {
            let path = format!("trusted_issuers[{i}]");
            check_url(
                errors,
                &format!("{path}.issuer"),
                &trusted.issuer,
                UrlKind::Issuer,
            );
            if trusted.issuer == self.issuer {
                errors.push(
                    format!("{path}.issuer"),
                    "this authorization server's own issuer cannot be trusted: it never accepts an ID-JAG it issued itself",
                );
            }
            if self.trusted_issuers[..i]
                .iter()
                .any(|t| t.issuer == trusted.issuer)
            {
                errors.push(format!("{path}.issuer"), "listed twice");
            }
            let algorithms =
                check_algorithms(errors, &format!("{path}.algorithms"), &trusted.algorithms);
            if let Some(keys) = check_keys(errors, &path, &trusted.keys, &algorithms) {
                issuers.push(ValidIssuer {
                    issuer: trusted.issuer.clone(),
                    algorithms,
                    keys,
                });
            }
        }
        (errors.0.len() == before).then(|| ValidAuthorizationServer {
            issuer: self.issuer.clone(),
            resources: self.resources.clone(),
            max_assertion_lifetime,
            leeway,
            root_slash: self.resource_root_slash_equivalence,
            issuers,
        })
    }
}

impl ResourceServerConfig {
    fn validate(&self, errors: &mut Errors) -> Option<ValidResourceServer> {
        let before = errors.0.len();
        let p = "resource_server";
        check_url(
            errors,
            &format!("{p}.resource"),
            &self.resource,
            UrlKind::Resource,
        );
        check_url(
            errors,
            &format!("{p}.issuer"),
            &self.issuer,
            UrlKind::Issuer,
        );
        if let Some(url) = &self.resource_metadata_url {
            check_url(
                errors,
                &format!("{p}.resource_metadata_url"),
                url,
                UrlKind::Fetch,
            );
            if url.contains('"') || url.contains('\\') {
                errors.push(
                    format!("{p}.resource_metadata_url"),
                    "contains a quote or backslash",
                );
            }
        }
        let algorithms = check_algorithms(errors, &format!("{p}.algorithms"), &self.algorithms);
        let leeway = check_leeway(errors, &format!("{p}.leeway"), self.leeway);
        let keys = check_keys(errors, p, &self.keys, &algorithms);
        match keys {
            Some(keys) if errors.0.len() == before => Some(ValidResourceServer {
                resource: self.resource.clone(),
                issuer: self.issuer.clone(),
                algorithms,
                keys,
                leeway,
                resource_metadata_url: self.resource_metadata_url.clone(),
                root_slash: self.resource_root_slash_equivalence,
            }),
            _ => None,
        }
    }
}

impl JwksCacheConfig {
    fn validate(&self, errors: &mut Errors) -> CachePolicy {
        const WEEK: u32 = 7 * 86_400;
        let min_ttl = self.min_ttl.unwrap_or(DEFAULT_MIN_TTL);
        let max_ttl = self.max_ttl.unwrap_or(DEFAULT_MAX_TTL);
        let cooldown = self.refresh_cooldown.unwrap_or(DEFAULT_REFRESH_COOLDOWN);
        let max_stale = self.max_stale.unwrap_or(DEFAULT_MAX_STALE);
        if min_ttl > max_ttl {
            errors.push(
                "jwks_cache.min_ttl",
                format!("{min_ttl} s is above max_ttl ({max_ttl} s)"),
            );
        }
        if max_ttl > 86_400 {
            errors.push("jwks_cache.max_ttl", format!("{max_ttl} s exceeds one day"));
        }
        if cooldown == 0 || cooldown > 3600 {
            errors.push(
                "jwks_cache.refresh_cooldown",
                format!("{cooldown} s is outside 1–3600 s"),
            );
        }
        if max_stale > WEEK {
            errors.push(
                "jwks_cache.max_stale",
                format!("{max_stale} s exceeds one week"),
            );
        }
        let ms = |s: u32| u64::from(s) * 1000;
        CachePolicy {
            min_ttl_ms: ms(min_ttl),
            max_ttl_ms: ms(max_ttl),
            cooldown_ms: ms(cooldown),
            max_stale_ms: ms(max_stale),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_slash_equivalence_is_narrow() {
        assert!(same_resource("https://h", "https://h/", true));
        assert!(same_resource("https://h/", "https://h", true));
        assert!(!same_resource("https://h", "https://h/", false));
        assert!(!same_resource("https://h/mcp", "https://h/mcp/", true));
        assert!(!same_resource("https://h", "https://h.evil", true));
        assert!(!same_resource("https://H", "https://h", true));
        // Degenerate identifiers from a token never panic and never match.
        assert!(!same_resource("https://h", "https://", true));
        assert!(!same_resource("https://h", "https:///", true));
        assert!(same_resource("https://", "https://", true));
    }

    #[test]
    fn urls() {
        let check = |v: &str| {
            let mut e = Errors(Vec::new());
            check_url(&mut e, "x", v, UrlKind::Issuer);
            e.0.is_empty()
        };
        assert!(check("https://idp.example.com"));
        assert!(check("http://127.0.0.1:8080"));
        assert!(check("http://localhost:1/x"));
        assert!(check("http://[::1]:9/x"));
        assert!(!check("http://idp.example.com"));
        assert!(!check("http://localhost.evil.com"));
        assert!(!check("https://idp.example.com#x"));
        assert!(!check("https://idp.example.com?x"));
        assert!(!check("https://user@idp.example.com"));
        assert!(!check("https://"));
        assert!(!check("idp.example.com"));
    }
}
