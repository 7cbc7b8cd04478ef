//! The IdP role's configuration (`[identity_provider]`, `[[idp_clients]]`, `[[users]]`,
//! `[[connections]]` in TOML) and its validation into a [`IdentityProvider`].
//!
//! Refused: a non-https issuer or URL, no or bad signing keys, public clients, duplicate
//! client ids or users, a connection for an unregistered client, without resources, with an
//! audience that is not an issuer identifier, an ID-JAG lifetime outside 1–300 s, bad
//! scope tokens, an empty `client_id_at_audience`.

use super::{
    check_digest, check_identifier, check_leeway, check_url, client_auth, signing,
    under_issuer, ClientCredentialConfig, Errors, UrlKind, DEFAULT_JWKS_PATH,
    DEFAULT_TOKEN_PATH,
};
use super::{
    Client, IdentityProvider, User, DEV_SIGN_IN_PATH, MAX_ID_JAG_LIFETIME_SECS,
};
use crate::claims::is_valid_scope;
use crate::error::escape_for_log;
use crate::jose_header::Alg;
use crate::jwks;
use crate::limits::MAX_CLIENTS;
use crate::signing::public_jwks;
use crate::urn::{GRANT_TYPE_AUTHORIZATION_CODE, GRANT_TYPE_TOKEN_EXCHANGE};

/// Default ID-JAG lifetime, seconds.
pub(super) const DEFAULT_ID_JAG_LIFETIME: u32 = 300;

/// A user of the directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryUserConfig {
    /// Subject identifier.
    pub sub: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Disabled.
    pub disabled: bool,
    /// `email`.
    pub email: Option<String>,
    /// Development sign-in: SHA-256 hex of the password.
    pub password_sha256: Option<String>,
}

/// One administrator-approved connection (`[[connections]]`): this IdP client may reach this
/// resource authorization server on behalf of these users. Validated, it is the role's
/// [`Connection`](super::Connection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedConnectionConfig {
    /// The client's id at the IdP (the authenticated client of the token exchange).
    pub client_id: String,
    /// The resource authorization server's issuer identifier (the ID-JAG's `aud`).
    pub audience: String,
    /// Other names the client may use in `audience` (e.g. a URN); they resolve to `audience`.
    pub audience_aliases: Vec<String>,
    /// Resources at that server the client may obtain ID-JAGs for (the MCP profile's
    /// (audience, resource) pairs); never empty.
    pub resources: Vec<String>,
    /// Scopes that may be granted.
    pub scopes: Vec<String>,
    /// The client's `client_id` at the resource authorization server.
    pub client_id_at_audience: String,
    /// ID-JAG lifetime, seconds (1..=300; default 300): see [`Self::id_jag_lifetime_secs`].
    pub id_jag_lifetime: Option<u32>,
    /// Accepted `acr` values of the user's authentication; `None` accepts any.
    pub required_acr: Option<Vec<String>>,
    /// Oldest acceptable authentication, seconds since `auth_time`; `None` accepts any.
    pub max_auth_age: Option<u32>,
    /// Users (subject identifiers) allowed; `None` with `groups` `None` allows every user.
    pub users: Option<Vec<String>>,
    /// Groups allowed (a user in any of them is allowed).
    pub groups: Option<Vec<String>>,
}

impl ManagedConnectionConfig {
    /// The lifetime of the ID-JAGs this connection issues, seconds: `id_jag_lifetime`, or
    /// the default.
    pub fn id_jag_lifetime_secs(&self) -> u32 {
        self.id_jag_lifetime.unwrap_or(DEFAULT_ID_JAG_LIFETIME)
    }
}

/// A client of the IdP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdpClientConfig {
    /// Client id.
    pub client_id: String,
    /// Credential.
    pub credential: ClientCredentialConfig,
    /// Redirection URIs registered for the authorization code flow.
    pub redirect_uris: Vec<String>,
}

/// The IdP role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProviderConfig {
    /// Issuer identifier.
    pub issuer: String,
    /// Token endpoint URL.
    pub token_endpoint_url: Option<String>,
    /// JWK Set URL.
    pub jwks_uri: Option<String>,
    /// ES256 private JWKs.
    pub signing_keys: Vec<String>,
    /// The `kid` that signs.
    pub signing_kid: Option<String>,
    /// Clock leeway, seconds.
    pub leeway: Option<u32>,
    /// RFC 9728 root-slash equivalence.
    pub resource_root_slash_equivalence: bool,
    /// Clients.
    pub clients: Vec<IdpClientConfig>,
    /// Directory.
    pub users: Vec<DirectoryUserConfig>,
    /// Managed connections.
    pub connections: Vec<ManagedConnectionConfig>,
    /// Serve the development sign-in.
    pub development_sign_in: bool,
    /// Lifetime of development ID tokens, seconds.
    pub id_token_lifetime: Option<u32>,
    /// Lifetime of development refresh tokens, seconds.
    pub refresh_token_lifetime: Option<u32>,
}

/// Default lifetime of development ID tokens, seconds.
pub(super) const DEFAULT_ID_TOKEN_LIFETIME: u32 = 3600;
/// Default lifetime of development refresh tokens, seconds (a working day).
pub(super) const DEFAULT_REFRESH_TOKEN_LIFETIME: u32 = 28_800;

/// Most redirection URIs one client registers.
const MAX_REDIRECT_URIS: usize = 16;

/// A client's redirection URIs: absolute https URLs, or http to a loopback address (RFC 8252
/// §7.3), without fragment (RFC 6749 §3.1.2), none twice; only where the sign-in page is
/// served, since it checks the directory's development passwords.
fn check_redirect_uris(errors: &mut Errors, path: &str, uris: &[String], sign_in: bool) {
    let p = format!("{path}.redirect_uris");
    if !sign_in {
        errors.push(
            p.clone(),
            "redirect_uris need identity_provider.development_sign_in = true (the sign-in page checks the directory's passwords)",
        );
    }
    if uris.len() > MAX_REDIRECT_URIS {
        errors.push(p.clone(), format!("more than {MAX_REDIRECT_URIS} redirection URIs"));
    }
    for (j, uri) in uris.iter().enumerate() {
        let item = format!("{p}[{j}]");
        check_url(errors, &item, uri, UrlKind::Fetch);
        if uris[..j].contains(uri) {
            errors.push(item, "listed twice");
        }
    }
}

/// Each scope one RFC 6749 §3.3 scope token, none listed twice.
pub(super) fn check_scopes(errors: &mut Errors, p: &str, scopes: &[String]) {
    for (j, scope) in scopes.iter().enumerate() {
        let path = format!("{p}[{j}]");
        if !is_valid_scope(scope) || scope.contains(' ') {
            errors.push(
                path,
                format!(
                    "\"{}\" is not one scope token (RFC 6749 §3.3)",
                    escape_for_log(scope, 64)
                ),
            );
        } else if scopes[..j].contains(scope) {
            errors.push(path, "listed twice");
        }
    }
}

impl IdentityProviderConfig {
    /// Applies every rule, pushing refusals to `errors`.
    pub(super) fn validate(&self, errors: &mut Errors) -> Option<IdentityProvider> {
        let before = errors.0.len();
        let p = "identity_provider";
        check_url(
            errors,
            &format!("{p}.issuer"),
            &self.issuer,
            UrlKind::Issuer,
        );
        let token_url = self
            .token_endpoint_url
            .clone()
            .unwrap_or_else(|| under_issuer(&self.issuer, DEFAULT_TOKEN_PATH));
        check_url(
            errors,
            &format!("{p}.token_endpoint_url"),
            &token_url,
            UrlKind::Fetch,
        );
        let jwks_uri = self
            .jwks_uri
            .clone()
            .unwrap_or_else(|| under_issuer(&self.issuer, DEFAULT_JWKS_PATH));
        check_url(errors, &format!("{p}.jwks_uri"), &jwks_uri, UrlKind::Fetch);
        let dev_sign_in_url = under_issuer(&self.issuer, DEV_SIGN_IN_PATH);
        let signing = signing(errors, p, &self.signing_keys, &self.signing_kid, &[]);
        let public_keys = match public_jwks(&signing.keys).and_then(|set| jwks::parse(&set)) {
            Ok(set) => Some(set),
            Err(_) if signing.keys.is_empty() => None,
            Err(why) => {
                errors.push(format!("{p}.signing_keys"), why);
                None
            }
        };
        let leeway = check_leeway(errors, &format!("{p}.leeway"), self.leeway);
        let id_token_lifetime = self.id_token_lifetime.unwrap_or(DEFAULT_ID_TOKEN_LIFETIME);
        if !(60..=86_400).contains(&id_token_lifetime) {
            errors.push(
                format!("{p}.id_token_lifetime"),
                format!("{id_token_lifetime} s is outside 60–86400 s"),
            );
        }
        let refresh_token_lifetime = self
            .refresh_token_lifetime
            .unwrap_or(DEFAULT_REFRESH_TOKEN_LIFETIME);
        if !(300..=2_592_000).contains(&refresh_token_lifetime) {
            errors.push(
                format!("{p}.refresh_token_lifetime"),
                format!("{refresh_token_lifetime} s is outside 300–2592000 s"),
            );
        }
        let algorithms = [Alg::Es256, Alg::Rs256, Alg::Ps256];

        if self.clients.len() > MAX_CLIENTS {
            errors.push("idp_clients", format!("more than {MAX_CLIENTS} clients"));
        }
        let mut clients = Vec::new();
        for (i, c) in self.clients.iter().enumerate() {
            let path = format!("idp_clients[{i}]");
            check_identifier(errors, &format!("{path}.client_id"), &c.client_id);
            if self.clients[..i].iter().any(|o| o.client_id == c.client_id) {
                errors.push(format!("{path}.client_id"), "registered twice");
            }
            let auth = client_auth(
                errors,
                &path,
                &c.credential,
                Err("the IdP accepts confidential clients only"),
                &algorithms,
            );
            let mut grant_types = vec![GRANT_TYPE_TOKEN_EXCHANGE.to_owned()];
            if !c.redirect_uris.is_empty() {
                check_redirect_uris(errors, &path, &c.redirect_uris, self.development_sign_in);
                grant_types.push(GRANT_TYPE_AUTHORIZATION_CODE.to_owned());
            }
            clients.push(Client {
                client_id: c.client_id.clone(),
                auth,
                resources: Vec::new(),
                scopes: Vec::new(),
                grant_types,
                issuers: Vec::new(),
                redirect_uris: c.redirect_uris.clone(),
            });
        }

        let mut users = Vec::new();
        for (i, u) in self.users.iter().enumerate() {
            let path = format!("users[{i}].sub");
            check_identifier(errors, &path, &u.sub);
            if self.users[..i].iter().any(|o| o.sub == u.sub) {
                errors.push(path, "listed twice");
            }
            let password = u.password_sha256.as_deref().map(|hex| {
                check_digest(
                    errors,
                    &format!("users[{i}].password_sha256"),
                    hex,
                    "password",
                )
            });
            if password.is_some() && !self.development_sign_in {
                errors.push(
                    format!("users[{i}].password_sha256"),
                    "passwords are only for identity_provider.development_sign_in = true",
                );
            }
            users.push(User {
                sub: u.sub.clone(),
                groups: u.groups.clone(),
                disabled: u.disabled,
                email: u.email.clone(),
                password_sha256: password,
            });
        }

        let mut connections = Vec::new();
        for (i, c) in self.connections.iter().enumerate() {
            let path = format!("connections[{i}]");
            if !self.clients.iter().any(|k| k.client_id == c.client_id) {
                errors.push(
                    format!("{path}.client_id"),
                    format!(
                        "\"{}\" is not one of [[idp_clients]]",
                        escape_for_log(&c.client_id, 64)
                    ),
                );
            }
            check_url(
                errors,
                &format!("{path}.audience"),
                &c.audience,
                UrlKind::Issuer,
            );
            if c.audience == self.issuer {
                errors.push(
                    format!("{path}.audience"),
                    "an ID-JAG is never issued for this IdP itself",
                );
            }
            for (j, alias) in c.audience_aliases.iter().enumerate() {
                check_identifier(errors, &format!("{path}.audience_aliases[{j}]"), alias);
            }
            if c.resources.is_empty() {
                errors.push(
                    format!("{path}.resources"),
                    "list the resources this connection reaches",
                );
            }
            for (j, resource) in c.resources.iter().enumerate() {
                check_url(
                    errors,
                    &format!("{path}.resources[{j}]"),
                    resource,
                    UrlKind::Resource,
                );
            }
            check_scopes(errors, &format!("{path}.scopes"), &c.scopes);
            check_identifier(
                errors,
                &format!("{path}.client_id_at_audience"),
                &c.client_id_at_audience,
            );
            let lifetime = c.id_jag_lifetime_secs();
            if !(1..=MAX_ID_JAG_LIFETIME_SECS).contains(&lifetime) {
                errors.push(
                    format!("{path}.id_jag_lifetime"),
                    format!("{lifetime} s is outside 1–{MAX_ID_JAG_LIFETIME_SECS} s"),
                );
            }
            if c.required_acr.as_ref().is_some_and(Vec::is_empty) {
                errors.push(
                    format!("{path}.required_acr"),
                    "an empty list would refuse every login; leave it out to accept any",
                );
            }
            connections.push(c.clone());
        }
        if errors.0.len() != before {
            return None;
        }
        Some(IdentityProvider {
            issuer: self.issuer.clone(),
            token_url,
            jwks_uri,
            dev_sign_in_url,
            signing,
            public_keys: public_keys?,
            clients,
            client_assertion_algorithms: algorithms.to_vec(),
            users,
            connections,
            leeway,
            root_slash: self.resource_root_slash_equivalence,
            development_sign_in: self.development_sign_in,
            id_token_lifetime,
            refresh_token_lifetime,
        })
    }
}
