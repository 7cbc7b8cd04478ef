//! The TOML configuration file, read into the component's typed `config` record.
//!
//! This file only reads syntax: unknown keys, wrong TOML types, unreadable `jwks_file`s and
//! the choice between `jwks_file` and `jwks_uri` are reported here; every rule about values
//! (algorithms, leeway, URLs, keys) is the component's, so all hosts refuse alike.
//! `jwks_file` paths are relative to the configuration file's directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bindings::xaa::token::types as wit;

// The file's sections and keys, their units, ranges and defaults are documented once, in the
// README's "Configuration" section; the structs below only mirror its syntax.

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    authorization_server: Option<AuthorizationServer>,
    #[serde(default)]
    trusted_issuers: Vec<TrustedIssuer>,
    token_endpoint: Option<TokenEndpoint>,
    #[serde(default)]
    clients: Vec<ClientEntry>,
    resource_server: Option<ResourceServer>,
    identity_provider: Option<IdentityProvider>,
    #[serde(default)]
    idp_clients: Vec<IdpClient>,
    #[serde(default)]
    users: Vec<DirectoryUser>,
    #[serde(default)]
    connections: Vec<Connection>,
    #[serde(default)]
    upstream_idps: Vec<UpstreamIdp>,
    #[serde(default)]
    jwks_cache: JwksCache,
    token_cache_size: Option<u32>,
    gateway: Option<Gateway>,
    replay_store: Option<ReplayStoreSection>,
}

/// `[replay_store]`: where `xaa serve as` and `xaa serve idp` record used `jti`s (default: in
/// memory, per process). Read at start; a reload (SIGHUP) does not change it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReplayStoreSection {
    /// `redis://HOST[:PORT][/DB]`
    pub url: String,
    /// Milliseconds one insert may take, connecting included (default 200).
    pub timeout_ms: Option<u64>,
}

/// `[gateway]`: what `xaa gateway` adds to the `[resource_server]` it protects.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gateway {
    /// `[[gateway.required_scopes]]`: scopes MCP methods or tools require (the component
    /// applies them).
    #[serde(default)]
    pub required_scopes: Vec<RequiredScope>,
    /// Header carrying the token's `sub` to the upstream (default `X-Xaa-Subject`).
    pub subject_header: Option<String>,
    /// Header carrying the token's `client_id` (default `X-Xaa-Client-Id`).
    pub client_id_header: Option<String>,
    /// Header carrying the token's `scope` (default `X-Xaa-Scope`).
    pub scope_header: Option<String>,
    /// Largest request body read and forwarded, bytes (default 1 MiB).
    pub max_body_bytes: Option<usize>,
    /// Seconds to connect to the upstream and receive its response head (default 30).
    pub upstream_timeout: Option<u64>,
    /// Seconds a kept-alive upstream connection may sit idle before the gateway closes it
    /// (default 4: below the 5 s after which uvicorn and Node.js close theirs).
    pub upstream_idle_timeout: Option<u64>,
}

/// `[[gateway.required_scopes]]`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequiredScope {
    /// JSON-RPC method.
    pub method: String,
    /// Tool name (`tools/call` only).
    pub tool: Option<String>,
    /// Required scopes.
    #[serde(default)]
    pub scopes: Vec<String>,
}

/// `[authorization_server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizationServer {
    issuer: String,
    #[serde(default)]
    resources: Vec<String>,
    max_assertion_lifetime: Option<u32>,
    leeway: Option<u32>,
    #[serde(default)]
    resource_root_slash_equivalence: bool,
}

/// `[[trusted_issuers]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedIssuer {
    issuer: String,
    jwks_file: Option<PathBuf>,
    jwks_uri: Option<String>,
    #[serde(default)]
    algorithms: Vec<String>,
    // The namespace of its users' subjects in issued access tokens.
    subject_namespace: Option<String>,
    #[serde(default)]
    tenant_required: bool,
}

/// `[[upstream_idps]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpstreamIdp {
    issuer: String,
    jwks_file: Option<PathBuf>,
    jwks_uri: Option<String>,
    #[serde(default)]
    algorithms: Vec<String>,
    #[serde(default)]
    client_ids: Vec<String>,
    subject_claim: Option<String>,
    #[serde(default)]
    admit_unknown_users: bool,
}

/// `[token_endpoint]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEndpoint {
    url: Option<String>,
    jwks_uri: Option<String>,
    #[serde(default)]
    signing_keys: Vec<PathBuf>,
    signing_kid: Option<String>,
    access_token_lifetime: Option<u32>,
    #[serde(default)]
    may_outlive_assertion: bool,
    client_assertion_algorithms: Option<Vec<String>>,
    #[serde(default)]
    allow_public_clients: bool,
}

/// `auth_method` of a `[[clients]]` entry (RFC 7591 names).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    PrivateKeyJwt,
    None,
}

/// `[[clients]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientEntry {
    client_id: String,
    auth_method: AuthMethod,
    client_secret_sha256: Option<String>,
    jwks_file: Option<PathBuf>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    issuers: Vec<String>,
}

/// `[identity_provider]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdentityProvider {
    issuer: String,
    token_endpoint_url: Option<String>,
    jwks_uri: Option<String>,
    #[serde(default)]
    signing_keys: Vec<PathBuf>,
    signing_kid: Option<String>,
    leeway: Option<u32>,
    #[serde(default)]
    resource_root_slash_equivalence: bool,
    // DEVELOPMENT ONLY: serve `POST /dev/sign-in`.
    #[serde(default)]
    development_sign_in: bool,
    id_token_lifetime: Option<u32>,
    refresh_token_lifetime: Option<u32>,
}

/// `[[idp_clients]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IdpClient {
    client_id: String,
    auth_method: AuthMethod,
    client_secret_sha256: Option<String>,
    jwks_file: Option<PathBuf>,
    #[serde(default)]
    redirect_uris: Vec<String>,
}

/// `[[users]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DirectoryUser {
    sub: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    disabled: bool,
    email: Option<String>,
    // DEVELOPMENT SIGN-IN ONLY: SHA-256 hex of the password.
    password_sha256: Option<String>,
}

/// `[[connections]]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Connection {
    client_id: String,
    audience: String,
    #[serde(default)]
    audience_aliases: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    scopes: Vec<String>,
    client_id_at_audience: String,
    id_jag_lifetime: Option<u32>,
    required_acr: Option<Vec<String>>,
    max_auth_age: Option<u32>,
    users: Option<Vec<String>>,
    groups: Option<Vec<String>>,
}

/// `[resource_server]`
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceServer {
    resource: String,
    issuer: String,
    jwks_file: Option<PathBuf>,
    jwks_uri: Option<String>,
    #[serde(default)]
    algorithms: Vec<String>,
    leeway: Option<u32>,
    resource_metadata_url: Option<String>,
    #[serde(default)]
    resource_root_slash_equivalence: bool,
}

/// `[jwks_cache]`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JwksCache {
    min_ttl: Option<u32>,
    max_ttl: Option<u32>,
    refresh_cooldown: Option<u32>,
    max_stale: Option<u32>,
}

/// Reads and converts a configuration file.
pub fn load(path: &Path) -> Result<wit::Config, String> {
    load_with_gateway(path).map(|(config, _)| config)
}

/// The file's `[replay_store]` section, if any (the file is read whole, so its syntax errors
/// are reported here too).
pub fn load_replay_store(path: &Path) -> Result<Option<ReplayStoreSection>, String> {
    parse(path).map(|file| file.replay_store)
}

fn parse(path: &Path) -> Result<ConfigFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read the configuration: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|span| format!(" (line {})", text[..span.start].matches('\n').count() + 1))
            .unwrap_or_default();
        format!("{}: {}{line}", path.display(), e.message().trim_end())
    })
}

/// [`load`], and the file's `[gateway]` options for the host (default when absent).
pub fn load_with_gateway(path: &Path) -> Result<(wit::Config, Gateway), String> {
    let file = parse(path)?;
    let base = path.parent().unwrap_or(Path::new("."));
    let gateway = file.gateway.clone().unwrap_or_default();
    let config = file
        .into_config(base)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((config, gateway))
}

fn key_source(
    base: &Path,
    path: &str,
    file: &Option<PathBuf>,
    uri: &Option<String>,
) -> Result<wit::KeySource, String> {
    match (file, uri) {
        (Some(file), None) => {
            read(base, &format!("{path}.jwks_file"), file).map(wit::KeySource::Inline)
        }
        (None, Some(uri)) => Ok(wit::KeySource::Uri(uri.clone())),
        (Some(_), Some(_)) => Err(format!("{path}: give jwks_file or jwks_uri, not both")),
        (None, None) => Err(format!("{path}: give jwks_file or jwks_uri")),
    }
}

/// Converts each entry of a `[[section]]` array, naming the entry (`section[i]`) in errors.
fn each<T, U>(
    items: &[T],
    section: &str,
    convert: impl Fn(&T, &str) -> Result<U, String>,
) -> Result<Vec<U>, String> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| convert(item, &format!("{section}[{i}]")))
        .collect()
}

/// The private JWK files a role signs with, read.
fn signing_keys(base: &Path, section: &str, files: &[PathBuf]) -> Result<Vec<String>, String> {
    each(files, &format!("{section}.signing_keys"), |file, path| {
        read(base, path, file)
    })
}

fn read(base: &Path, path: &str, file: &Path) -> Result<String, String> {
    let full = base.join(file);
    std::fs::read_to_string(&full)
        .map_err(|e| format!("{path}: cannot read {}: {e}", full.display()))
}

/// A client's credential from its `auth_method`, `client_secret_sha256` and `jwks_file`.
fn credential(
    base: &Path,
    path: &str,
    auth_method: &AuthMethod,
    client_secret_sha256: &Option<String>,
    jwks_file: &Option<PathBuf>,
) -> Result<wit::ClientCredential, String> {
    let secret = |make: fn(String) -> wit::ClientCredential| {
        match (client_secret_sha256, jwks_file) {
        (Some(hex), None) => Ok(make(hex.clone())),
        (None, _) => Err(format!(
            "{path}: client_secret_sha256 is required for this auth_method (make it with `xaa keys hash-secret`)"
        )),
        (Some(_), Some(_)) => Err(format!(
            "{path}: jwks_file is only for auth_method = \"private_key_jwt\""
        )),
    }
    };
    match auth_method {
        AuthMethod::ClientSecretBasic => secret(wit::ClientCredential::SecretBasic),
        AuthMethod::ClientSecretPost => secret(wit::ClientCredential::SecretPost),
        AuthMethod::PrivateKeyJwt => match (jwks_file, client_secret_sha256) {
            (Some(file), None) => Ok(wit::ClientCredential::PrivateKeyJwt(read(
                base,
                &format!("{path}.jwks_file"),
                file,
            )?)),
            (None, _) => Err(format!(
                "{path}: jwks_file is required for auth_method = \"private_key_jwt\""
            )),
            (Some(_), Some(_)) => Err(format!(
                "{path}: client_secret_sha256 is not used with private_key_jwt"
            )),
        },
        AuthMethod::None => match (jwks_file, client_secret_sha256) {
            (None, None) => Ok(wit::ClientCredential::None),
            _ => Err(format!(
                "{path}: a public client (auth_method = \"none\") has no credential"
            )),
        },
    }
}

impl ConfigFile {
    fn identity_provider(
        &self,
        base: &Path,
    ) -> Result<Option<wit::IdentityProviderConfig>, String> {
        let Some(i) = &self.identity_provider else {
            if !self.idp_clients.is_empty()
                || !self.users.is_empty()
                || !self.connections.is_empty()
                || !self.upstream_idps.is_empty()
            {
                return Err("[[idp_clients]], [[users]], [[connections]] and [[upstream_idps]] need an [identity_provider] section".into());
            }
            return Ok(None);
        };
        let clients = each(&self.idp_clients, "idp_clients", |c, path| {
            Ok(wit::IdpClient {
                client_id: c.client_id.clone(),
                credential: credential(
                    base,
                    path,
                    &c.auth_method,
                    &c.client_secret_sha256,
                    &c.jwks_file,
                )?,
                redirect_uris: c.redirect_uris.clone(),
            })
        })?;
        Ok(Some(wit::IdentityProviderConfig {
            issuer: i.issuer.clone(),
            token_endpoint_url: i.token_endpoint_url.clone(),
            jwks_uri: i.jwks_uri.clone(),
            signing_keys: signing_keys(base, "identity_provider", &i.signing_keys)?,
            signing_kid: i.signing_kid.clone(),
            leeway: i.leeway,
            resource_root_slash_equivalence: i.resource_root_slash_equivalence,
            development_sign_in: i.development_sign_in,
            id_token_lifetime: i.id_token_lifetime,
            refresh_token_lifetime: i.refresh_token_lifetime,
            upstream_idps: each(&self.upstream_idps, "upstream_idps", |u, path| {
                Ok(wit::UpstreamIdp {
                    issuer: u.issuer.clone(),
                    keys: key_source(base, path, &u.jwks_file, &u.jwks_uri)?,
                    algorithms: u.algorithms.clone(),
                    client_ids: u.client_ids.clone(),
                    subject_claim: u.subject_claim.clone(),
                    admit_unknown_users: u.admit_unknown_users,
                })
            })?,
            clients,
            users: self
                .users
                .iter()
                .map(|u| wit::DirectoryUser {
                    sub: u.sub.clone(),
                    groups: u.groups.clone(),
                    disabled: u.disabled,
                    email: u.email.clone(),
                    password_sha256: u.password_sha256.clone(),
                })
                .collect(),
            connections: self
                .connections
                .iter()
                .map(|c| wit::ManagedConnection {
                    client_id: c.client_id.clone(),
                    audience: c.audience.clone(),
                    audience_aliases: c.audience_aliases.clone(),
                    resources: c.resources.clone(),
                    scopes: c.scopes.clone(),
                    client_id_at_audience: c.client_id_at_audience.clone(),
                    id_jag_lifetime: c.id_jag_lifetime,
                    required_acr: c.required_acr.clone(),
                    max_auth_age: c.max_auth_age,
                    users: c.users.clone(),
                    groups: c.groups.clone(),
                })
                .collect(),
        }))
    }

    fn token_endpoint(&self, base: &Path) -> Result<Option<wit::TokenEndpointConfig>, String> {
        let Some(t) = &self.token_endpoint else {
            if !self.clients.is_empty() {
                return Err("[[clients]] needs a [token_endpoint] section".into());
            }
            return Ok(None);
        };
        let clients = each(&self.clients, "clients", |c, path| {
            Ok(wit::ClientRegistration {
                client_id: c.client_id.clone(),
                credential: credential(
                    base,
                    path,
                    &c.auth_method,
                    &c.client_secret_sha256,
                    &c.jwks_file,
                )?,
                resources: c.resources.clone(),
                scopes: c.scopes.clone(),
                grant_types: c.grant_types.clone(),
                issuers: c.issuers.clone(),
            })
        })?;
        Ok(Some(wit::TokenEndpointConfig {
            url: t.url.clone(),
            jwks_uri: t.jwks_uri.clone(),
            signing_keys: signing_keys(base, "token_endpoint", &t.signing_keys)?,
            signing_kid: t.signing_kid.clone(),
            access_token_lifetime: t.access_token_lifetime,
            may_outlive_assertion: t.may_outlive_assertion,
            client_assertion_algorithms: t.client_assertion_algorithms.clone(),
            allow_public_clients: t.allow_public_clients,
            clients,
        }))
    }

    fn into_config(self, base: &Path) -> Result<wit::Config, String> {
        if self.authorization_server.is_none() && !self.trusted_issuers.is_empty() {
            return Err("[[trusted_issuers]] needs an [authorization_server] section".into());
        }
        if self.authorization_server.is_none() && self.token_endpoint.is_some() {
            return Err("[token_endpoint] needs an [authorization_server] section".into());
        }
        let token_endpoint = self.token_endpoint(base)?;
        let identity_provider = self.identity_provider(base)?;
        let trusted_issuers = each(&self.trusted_issuers, "trusted_issuers", |t, path| {
            Ok(wit::TrustedIssuer {
                issuer: t.issuer.clone(),
                keys: key_source(base, path, &t.jwks_file, &t.jwks_uri)?,
                algorithms: t.algorithms.clone(),
                subject_namespace: t.subject_namespace.clone(),
                tenant_required: t.tenant_required,
            })
        })?;
        let authorization_server =
            self.authorization_server
                .map(|a| wit::AuthorizationServerConfig {
                    issuer: a.issuer,
                    resources: a.resources,
                    max_assertion_lifetime: a.max_assertion_lifetime,
                    leeway: a.leeway,
                    resource_root_slash_equivalence: a.resource_root_slash_equivalence,
                    trusted_issuers,
                    token_endpoint,
                });
        if self.resource_server.is_none() && self.gateway.is_some() {
            return Err("[gateway] needs a [resource_server] section".into());
        }
        let required_scopes = self
            .gateway
            .map(|g| g.required_scopes)
            .unwrap_or_default()
            .into_iter()
            .map(|r| wit::ScopeRequirement {
                method: r.method,
                tool: r.tool,
                scopes: r.scopes,
            })
            .collect();
        let resource_server = match self.resource_server {
            None => None,
            Some(r) => Some(wit::ResourceServerConfig {
                keys: key_source(base, "resource_server", &r.jwks_file, &r.jwks_uri)?,
                resource: r.resource,
                issuer: r.issuer,
                algorithms: r.algorithms,
                leeway: r.leeway,
                resource_metadata_url: r.resource_metadata_url,
                resource_root_slash_equivalence: r.resource_root_slash_equivalence,
                required_scopes,
            }),
        };
        Ok(wit::Config {
            authorization_server,
            resource_server,
            identity_provider,
            jwks_cache: wit::JwksCacheConfig {
                min_ttl: self.jwks_cache.min_ttl,
                max_ttl: self.jwks_cache.max_ttl,
                refresh_cooldown: self.jwks_cache.refresh_cooldown,
                max_stale: self.jwks_cache.max_stale,
            },
            token_cache_size: self.token_cache_size,
        })
    }
}
