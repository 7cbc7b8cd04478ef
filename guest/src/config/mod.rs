//! The instance configuration: the typed input (mirroring the WIT `config` record) and the
//! one validation that turns it into a [`ValidConfig`] or refuses it with precise, path-named
//! messages. Defaults live here and nowhere else.
//!
//! Refused (DESIGN §4): `none` and HMAC algorithms, unknown algorithms, leeway over 300 s,
//! lifetimes over 3600 s, an issuer that is this authorization server itself, JWK Sets with
//! private or symmetric keys or with no key usable for the allowed algorithms, identifiers
//! that are not https URLs (http only for loopback hosts), fragments in identifiers.

mod identity_provider;
mod roles;

pub use identity_provider::{
    DirectoryUserConfig, IdentityProviderConfig, IdpClientConfig, ManagedConnectionConfig,
    Upstream, UpstreamIdpConfig,
};
pub use roles::{
    Client, ClientAuth, Connection, IdentityProvider, TokenEndpoint, User, DEV_SIGN_IN_PATH,
    MAX_ID_JAG_LIFETIME_SECS,
};

use crate::error::escape_for_log;
use crate::jose_header::Alg;
use crate::jwks::{self, KeySet};
use crate::limits::{
    MAX_ACCESS_TOKEN_LIFETIME_SECS, MAX_ASSERTION_LIFETIME_SECS, MAX_CLIENTS, MAX_IDENTIFIER_BYTES,
    MAX_LEEWAY_SECS, MAX_SIGNING_KEYS, MAX_TOKEN_CACHE_ENTRIES, MAX_TRUSTED_ISSUERS,
};
use crate::signing::{self, IssuingKey, SigningKeys};
use crate::urn::GRANT_TYPE_JWT_BEARER;

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
/// Default lifetime of an issued access token, seconds.
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: u32 = 300;
/// Default path of the token endpoint under the issuer.
pub const DEFAULT_TOKEN_PATH: &str = "/token";
/// Default path of the signing keys' JWK Set under the issuer.
pub const DEFAULT_JWKS_PATH: &str = "/jwks.json";

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
    /// What this issuer's subjects become at this server: `<namespace>:<sub>`.
    pub subject_namespace: Option<String>,
    /// A multi-tenant issuer: every ID-JAG names its `tenant`, which becomes part of the
    /// subject. Otherwise an ID-JAG with a `tenant` is refused.
    pub tenant_required: bool,
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
    /// The token endpoint, if this instance serves one.
    pub token_endpoint: Option<TokenEndpointConfig>,
}

/// How a registered client authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCredentialConfig {
    /// `client_secret_basic`: SHA-256 of the secret, lowercase hex.
    SecretBasic(String),
    /// `client_secret_post`: SHA-256 of the secret, lowercase hex.
    SecretPost(String),
    /// `private_key_jwt`: a JWK Set document.
    PrivateKeyJwt(String),
    /// A public client.
    None,
}

/// A registered client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRegistrationConfig {
    /// Its client id.
    pub client_id: String,
    /// Its credential.
    pub credential: ClientCredentialConfig,
    /// Resources it may obtain tokens for.
    pub resources: Vec<String>,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// Grant types it is enabled for; `None` is the jwt-bearer grant.
    pub grant_types: Option<Vec<String>>,
    /// The trusted issuers whose ID-JAGs it may present; empty: any.
    pub issuers: Vec<String>,
}

/// The token endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenEndpointConfig {
    /// Token endpoint URL (default `<issuer>/token`).
    pub url: Option<String>,
    /// JWK Set URL (default `<issuer>/jwks.json`).
    pub jwks_uri: Option<String>,
    /// ES256 private JWKs.
    pub signing_keys: Vec<String>,
    /// The `kid` that signs (default: the first key's).
    pub signing_kid: Option<String>,
    /// Access-token lifetime, seconds.
    pub access_token_lifetime: Option<u32>,
    /// Whether an access token may outlive its ID-JAG.
    pub may_outlive_assertion: bool,
    /// Client-assertion algorithms (default ES256, RS256, PS256).
    pub client_assertion_algorithms: Option<Vec<String>>,
    /// Whether public clients are accepted.
    pub allow_public_clients: bool,
    /// Registered clients.
    pub clients: Vec<ClientRegistrationConfig>,
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
    /// Scopes JSON-RPC methods or tools require (the gateway).
    pub required_scopes: Vec<ScopeRequirement>,
}

/// Scopes one JSON-RPC method, or one tool of `tools/call`, requires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeRequirement {
    /// The JSON-RPC method.
    pub method: String,
    /// The tool (`params.name` of `tools/call`); `None`: any.
    pub tool: Option<String>,
    /// Every one is required.
    pub scopes: Vec<String>,
}

/// Most `required_scopes` rules (each request is matched against them in order).
pub const MAX_SCOPE_REQUIREMENTS: usize = 256;

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
    /// The IdP role, if this instance plays it.
    pub identity_provider: Option<IdentityProviderConfig>,
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
    /// The namespace of its subjects at this server (see [`crate::subject`]); `None` only
    /// when it is the one trusted issuer and none is configured.
    pub subject_namespace: Option<String>,
    /// Whether its ID-JAGs carry a `tenant` (required) or never do.
    pub tenant_required: bool,
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
    /// The token endpoint, if configured.
    pub token_endpoint: Option<TokenEndpoint>,
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
    /// Metadata URL for challenges, as configured.
    pub resource_metadata_url: Option<String>,
    /// The RFC 9728 metadata URL challenges name and the metadata path answers at: the
    /// configured one, else the one derived from `resource` (computed once here, not per
    /// request).
    pub metadata_url: String,
    /// Root-slash equivalence.
    pub root_slash: bool,
    /// Scopes JSON-RPC methods or tools require, checked in order.
    pub required_scopes: Vec<ScopeRequirement>,
}

/// A configuration that passed every rule.
#[derive(Clone, Debug)]
pub struct ValidConfig {
    /// AS role.
    pub authorization_server: Option<ValidAuthorizationServer>,
    /// RS role.
    pub resource_server: Option<ValidResourceServer>,
    /// IdP role.
    pub identity_provider: Option<IdentityProvider>,
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
        if self.authorization_server.is_none()
            && self.resource_server.is_none()
            && self.identity_provider.is_none()
        {
            errors.push(
                "",
                "configure at least one role: [authorization_server], [resource_server] or [identity_provider]",
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
        let identity_provider = self
            .identity_provider
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
            identity_provider: identity_provider.flatten(),
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
            if let Some(namespace) = &trusted.subject_namespace {
                if !crate::subject::is_namespace(namespace) {
                    errors.push(
                        format!("{path}.subject_namespace"),
                        "must be 1–64 characters of A–Z a–z 0–9 . _ ~ -",
                    );
                }
            }
            let subject_namespace = crate::subject::namespace_for(
                &trusted.issuer,
                trusted.subject_namespace.as_deref(),
                self.trusted_issuers.len(),
            );
            if subject_namespace.is_some()
                && issuers
                    .iter()
                    .any(|o: &ValidIssuer| o.subject_namespace == subject_namespace)
            {
                errors.push(
                    format!("{path}.subject_namespace"),
                    "another trusted issuer has this namespace: their users would share subjects",
                );
            }
            if let Some(keys) = check_keys(errors, &path, &trusted.keys, &algorithms) {
                issuers.push(ValidIssuer {
                    issuer: trusted.issuer.clone(),
                    algorithms,
                    keys,
                    subject_namespace,
                    tenant_required: trusted.tenant_required,
                });
            }
        }
        let token_endpoint = self
            .token_endpoint
            .as_ref()
            .and_then(|t| t.validate(errors, self, &issuers));
        (errors.0.len() == before).then(|| ValidAuthorizationServer {
            issuer: self.issuer.clone(),
            resources: self.resources.clone(),
            max_assertion_lifetime,
            leeway,
            root_slash: self.resource_root_slash_equivalence,
            issuers,
            token_endpoint,
        })
    }
}

/// `<issuer><path>`, without doubling a trailing slash.
fn under_issuer(issuer: &str, path: &str) -> String {
    format!("{}{path}", issuer.trim_end_matches('/'))
}

fn check_identifier(errors: &mut Errors, path: &str, value: &str) {
    if value.is_empty() || value.len() > MAX_IDENTIFIER_BYTES {
        errors.push(path, format!("must be 1–{MAX_IDENTIFIER_BYTES} bytes"));
    } else if value.chars().any(char::is_control) {
        errors.push(path, "contains control characters");
    }
}

/// A configured SHA-256 digest (64 lowercase hex digits) of a `what` (secret, password).
fn check_digest(errors: &mut Errors, path: &str, hex: &str, what: &str) -> [u8; 32] {
    parse_digest(hex).unwrap_or_else(|| {
        errors.push(
            path,
            format!("must be the SHA-256 of the {what} as 64 lowercase hex digits"),
        );
        [0; 32]
    })
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut digest = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        digest[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(digest)
}

/// A role's signing keys (`<p>.signing_keys`, see [`signing_keys`]), the one `kid` names
/// signing (`<p>.signing_kid`; the first key when none is named).
fn signing(
    errors: &mut Errors,
    p: &str,
    texts: &[String],
    kid: &Option<String>,
    issuers: &[ValidIssuer],
) -> SigningKeys {
    let keys = signing_keys(errors, &format!("{p}.signing_keys"), texts, issuers);
    let current = match kid {
        None => 0,
        Some(kid) => keys.iter().position(|k| &k.kid == kid).unwrap_or_else(|| {
            errors.push(
                format!("{p}.signing_kid"),
                format!("no signing key has kid \"{}\"", escape_for_log(kid, 64)),
            );
            0
        }),
    };
    SigningKeys { keys, current }
}

/// Parses private ES256 signing keys; refuses duplicates and keys of trusted `issuers`.
fn signing_keys(
    errors: &mut Errors,
    p: &str,
    texts: &[String],
    issuers: &[ValidIssuer],
) -> Vec<IssuingKey> {
    if texts.is_empty() {
        errors.push(
            p,
            "list at least one ES256 signing key (make one with `xaa keys generate`)",
        );
    }
    if texts.len() > MAX_SIGNING_KEYS {
        errors.push(p, format!("more than {MAX_SIGNING_KEYS} signing keys"));
    }
    let mut keys: Vec<IssuingKey> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let path = format!("{p}[{i}]");
        match signing::parse_private_jwk(text) {
            Err(why) => errors.push(path, why),
            Ok(key) if keys.iter().any(|k| k.kid == key.kid) => errors.push(
                path,
                format!("kid \"{}\" is used twice", escape_for_log(&key.kid, 64)),
            ),
            Ok(key) => {
                // security.md I03: what this server signs must never verify as an ID-JAG.
                let trusted = issuers.iter().find(|issuer| match &issuer.keys {
                    ValidKeySource::Inline(set) => set
                        .keys
                        .iter()
                        .any(|t| signing::is_trusted_elsewhere(&key, t)),
                    ValidKeySource::Uri(_) => false,
                });
                match trusted {
                    Some(issuer) => errors.push(
                        path,
                        format!(
                            "this signing key is also a trusted key of {}: an authorization server's own key must never verify an ID-JAG",
                            escape_for_log(&issuer.issuer, 80)
                        ),
                    ),
                    None => keys.push(key),
                }
            }
        }
    }
    keys
}

/// A client's credential as configured → how it authenticates. `public_allowed` is `Err`
/// with the message for a public client where none is allowed.
fn client_auth(
    errors: &mut Errors,
    p: &str,
    credential: &ClientCredentialConfig,
    public_allowed: Result<(), &str>,
    assertion_algorithms: &[Alg],
) -> ClientAuth {
    let digest = |errors: &mut Errors, hex: &str| {
        check_digest(errors, &format!("{p}.client_secret_sha256"), hex, "secret")
    };
    match credential {
        ClientCredentialConfig::SecretBasic(hex) => ClientAuth::SecretBasic(digest(errors, hex)),
        ClientCredentialConfig::SecretPost(hex) => ClientAuth::SecretPost(digest(errors, hex)),
        ClientCredentialConfig::PrivateKeyJwt(document) => {
            let source = KeySource::Inline(document.clone());
            match check_keys(errors, p, &source, assertion_algorithms) {
                Some(ValidKeySource::Inline(set)) => ClientAuth::PrivateKeyJwt(set),
                _ => ClientAuth::None,
            }
        }
        ClientCredentialConfig::None => {
            if let Err(message) = public_allowed {
                errors.push(format!("{p}.auth_method"), message);
            }
            ClientAuth::None
        }
    }
}

impl TokenEndpointConfig {
    fn validate(
        &self,
        errors: &mut Errors,
        server: &AuthorizationServerConfig,
        issuers: &[ValidIssuer],
    ) -> Option<TokenEndpoint> {
        let before = errors.0.len();
        let p = "token_endpoint";
        let url = self
            .url
            .clone()
            .unwrap_or_else(|| under_issuer(&server.issuer, DEFAULT_TOKEN_PATH));
        check_url(errors, &format!("{p}.url"), &url, UrlKind::Fetch);
        let jwks_uri = self
            .jwks_uri
            .clone()
            .unwrap_or_else(|| under_issuer(&server.issuer, DEFAULT_JWKS_PATH));
        check_url(errors, &format!("{p}.jwks_uri"), &jwks_uri, UrlKind::Fetch);

        let signing = signing(errors, p, &self.signing_keys, &self.signing_kid, issuers);
        let access_token_lifetime = self
            .access_token_lifetime
            .unwrap_or(DEFAULT_ACCESS_TOKEN_LIFETIME);
        if !(1..=MAX_ACCESS_TOKEN_LIFETIME_SECS).contains(&access_token_lifetime) {
            errors.push(
                format!("{p}.access_token_lifetime"),
                format!(
                    "{access_token_lifetime} s is outside 1–{MAX_ACCESS_TOKEN_LIFETIME_SECS} s"
                ),
            );
        }
        let default_algorithms = || vec!["ES256".into(), "RS256".into(), "PS256".into()];
        let client_assertion_algorithms = check_algorithms(
            errors,
            &format!("{p}.client_assertion_algorithms"),
            &self
                .client_assertion_algorithms
                .clone()
                .unwrap_or_else(default_algorithms),
        );
        let clients = self.clients(errors, server, &client_assertion_algorithms);
        (errors.0.len() == before).then(|| TokenEndpoint {
            url,
            jwks_uri,
            clients,
            signing,
            access_token_lifetime,
            may_outlive_assertion: self.may_outlive_assertion,
            client_assertion_algorithms,
            allow_public_clients: self.allow_public_clients,
        })
    }

    fn clients(
        &self,
        errors: &mut Errors,
        server: &AuthorizationServerConfig,
        assertion_algorithms: &[Alg],
    ) -> Vec<Client> {
        if self.clients.is_empty() {
            errors.push(
                "clients",
                "a token endpoint needs at least one [[clients]] entry",
            );
        }
        if self.clients.len() > MAX_CLIENTS {
            errors.push("clients", format!("more than {MAX_CLIENTS} clients"));
        }
        let mut clients = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            let p = format!("clients[{i}]");
            let before = errors.0.len();
            check_identifier(errors, &format!("{p}.client_id"), &c.client_id);
            if self.clients[..i].iter().any(|o| o.client_id == c.client_id) {
                errors.push(format!("{p}.client_id"), "registered twice");
            }
            let public_allowed = if self.allow_public_clients {
                Ok(())
            } else {
                Err("public clients (\"none\") need token_endpoint.allow_public_clients = true")
            };
            let auth = client_auth(
                errors,
                &p,
                &c.credential,
                public_allowed,
                assertion_algorithms,
            );
            if c.resources.is_empty() {
                errors.push(
                    format!("{p}.resources"),
                    "list the resources this client may obtain tokens for",
                );
            }
            for (j, resource) in c.resources.iter().enumerate() {
                let served = server
                    .resources
                    .iter()
                    .any(|r| same_resource(r, resource, server.resource_root_slash_equivalence));
                if !served {
                    errors.push(
                        format!("{p}.resources[{j}]"),
                        format!(
                            "\"{}\" is not one of authorization_server.resources",
                            escape_for_log(resource, 80)
                        ),
                    );
                }
            }
            identity_provider::check_scopes(errors, &format!("{p}.scopes"), &c.scopes);
            for (j, issuer) in c.issuers.iter().enumerate() {
                if !server.trusted_issuers.iter().any(|t| &t.issuer == issuer) {
                    errors.push(
                        format!("{p}.issuers[{j}]"),
                        format!(
                            "\"{}\" is not one of the [[trusted_issuers]]",
                            escape_for_log(issuer, 80)
                        ),
                    );
                }
            }
            let grant_types = c
                .grant_types
                .clone()
                .unwrap_or_else(|| vec![GRANT_TYPE_JWT_BEARER.to_owned()]);
            for (j, grant) in grant_types.iter().enumerate() {
                if grant != GRANT_TYPE_JWT_BEARER {
                    errors.push(
                        format!("{p}.grant_types[{j}]"),
                        format!(
                            "\"{}\" is not a grant this authorization server offers (only {GRANT_TYPE_JWT_BEARER})",
                            escape_for_log(grant, 64)
                        ),
                    );
                }
            }
            if errors.0.len() == before {
                clients.push(Client {
                    client_id: c.client_id.clone(),
                    auth,
                    resources: c.resources.clone(),
                    scopes: c.scopes.clone(),
                    grant_types,
                    issuers: c.issuers.clone(),
                    redirect_uris: Vec::new(),
                });
            }
        }
        clients
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
        check_scope_requirements(
            errors,
            &format!("{p}.required_scopes"),
            &self.required_scopes,
        );
        match keys {
            Some(keys) if errors.0.len() == before => Some(ValidResourceServer {
                resource: self.resource.clone(),
                issuer: self.issuer.clone(),
                algorithms,
                keys,
                leeway,
                resource_metadata_url: self.resource_metadata_url.clone(),
                metadata_url: self.resource_metadata_url.clone().unwrap_or_else(|| {
                    crate::discovery::protected_resource_metadata_url(&self.resource)
                }),
                root_slash: self.resource_root_slash_equivalence,
                required_scopes: self.required_scopes.clone(),
            }),
            _ => None,
        }
    }
}

/// Rules for `required_scopes`: a method and scopes are required, each a valid scope token
/// (RFC 6749 §3.3); a tool only for `tools/call`; at most [`MAX_SCOPE_REQUIREMENTS`] rules.
fn check_scope_requirements(errors: &mut Errors, path: &str, rules: &[ScopeRequirement]) {
    if rules.len() > MAX_SCOPE_REQUIREMENTS {
        errors.push(
            path.to_owned(),
            format!(
                "{} rules exceed the maximum of {MAX_SCOPE_REQUIREMENTS}",
                rules.len()
            ),
        );
        return;
    }
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if rule.method.is_empty()
            || rule.method.len() > 256
            || rule.method.chars().any(char::is_control)
        {
            errors.push(
                format!("{at}.method"),
                "must be a JSON-RPC method name (1-256 characters, no control characters)",
            );
        }
        match &rule.tool {
            Some(_) if rule.method != "tools/call" => {
                errors.push(
                    format!("{at}.tool"),
                    "a tool applies only to method \"tools/call\"",
                );
            }
            Some(tool)
                if tool.is_empty() || tool.len() > 256 || tool.chars().any(char::is_control) =>
            {
                errors.push(
                    format!("{at}.tool"),
                    "must be a tool name (1-256 characters, no control characters)",
                );
            }
            _ => {}
        }
        if rule.scopes.is_empty() {
            errors.push(format!("{at}.scopes"), "name at least one scope");
        }
        identity_provider::check_scopes(errors, &format!("{at}.scopes"), &rule.scopes);
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
