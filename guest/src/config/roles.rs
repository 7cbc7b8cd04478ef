//! What a validated configuration hands each role: the clients registered at a token
//! endpoint, the token endpoint itself, and the IdP with its directory and managed
//! connections. The roles read these; only `config` builds them, so the configuration
//! depends on no role module.

use super::ManagedConnectionConfig;
use crate::jose_header::Alg;
use crate::jwks::KeySet;
use crate::signing::SigningKeys;

/// How a registered client authenticates.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// HTTP Basic with a secret, stored as its SHA-256 digest.
    SecretBasic([u8; 32]),
    /// `client_secret` in the body, stored as its SHA-256 digest.
    SecretPost([u8; 32]),
    /// RFC 7523 client assertions signed with a key of this set.
    PrivateKeyJwt(KeySet),
    /// A public client (only when the endpoint allows public clients).
    None,
}

/// A client registered at this authorization server.
#[derive(Clone, Debug)]
pub struct Client {
    /// Its client id here (what an ID-JAG's `client_id` must say).
    pub client_id: String,
    /// Its authentication method and credential.
    pub auth: ClientAuth,
    /// Resources it may obtain tokens for.
    pub resources: Vec<String>,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// Grant types it is enabled for (`unauthorized_client` for any other).
    pub grant_types: Vec<String>,
    /// The trusted issuers whose ID-JAGs it may present; empty: any.
    pub issuers: Vec<String>,
    /// Redirection URIs registered for the IdP's authorization code flow; empty elsewhere.
    pub redirect_uris: Vec<String>,
}

impl Client {
    /// Whether the client may use `grant_type`.
    pub fn may_use(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }
}

/// The resource authorization server's token endpoint, validated from `[token_endpoint]`.
#[derive(Clone, Debug)]
pub struct TokenEndpoint {
    /// The token endpoint URL (an accepted client-assertion audience).
    pub url: String,
    /// The URL of the signing keys' JWK Set.
    pub jwks_uri: String,
    /// Registered clients.
    pub clients: Vec<Client>,
    /// Issuing keys (access tokens).
    pub signing: SigningKeys,
    /// Access-token lifetime, seconds.
    pub access_token_lifetime: u32,
    /// Whether an access token may outlive the ID-JAG it was issued for (default: no).
    pub may_outlive_assertion: bool,
    /// Algorithms accepted for client assertions.
    pub client_assertion_algorithms: Vec<Alg>,
    /// Whether public clients (no authentication) are accepted.
    pub allow_public_clients: bool,
}

/// A user of the IdP's directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Subject identifier (the ID token's `sub`).
    pub sub: String,
    /// Groups.
    pub groups: Vec<String>,
    /// A disabled user gets no ID-JAG, whatever tokens they still hold.
    pub disabled: bool,
    /// `email`, if known.
    pub email: Option<String>,
    /// Development sign-in: SHA-256 of the password.
    pub password_sha256: Option<[u8; 32]>,
}

/// The IdP role.
#[derive(Clone, Debug)]
pub struct IdentityProvider {
    /// Issuer identifier.
    pub issuer: String,
    /// Token endpoint URL.
    pub token_url: String,
    /// JWK Set URL of the signing keys.
    pub jwks_uri: String,
    /// Signing keys (ID tokens and ID-JAGs).
    pub signing: SigningKeys,
    /// The public half of `signing`, for validating the IdP's own ID tokens.
    pub public_keys: KeySet,
    /// Registered clients (token exchange enabled through `grant_types`).
    pub clients: Vec<Client>,
    /// Algorithms accepted for client assertions.
    pub client_assertion_algorithms: Vec<Alg>,
    /// The directory.
    pub users: Vec<User>,
    /// Managed connections.
    pub connections: Vec<Connection>,
    /// Clock leeway, seconds.
    pub leeway: u32,
    /// RFC 9728 root-slash equivalence for resources.
    pub root_slash: bool,
    /// Whether the development sign-in is served.
    pub development_sign_in: bool,
    /// Its URL: `<issuer>/dev/sign-in`.
    pub dev_sign_in_url: String,
    /// Lifetime of development ID tokens, seconds.
    pub id_token_lifetime: u32,
    /// Lifetime of development refresh tokens, seconds.
    pub refresh_token_lifetime: u32,
}

/// Most seconds an ID-JAG may live (MCP enterprise-managed authorization: "short-lived").
pub const MAX_ID_JAG_LIFETIME_SECS: u32 = 300;

/// A managed connection, as validated: the configured one with its lifetime, audience,
/// resources and scopes checked.
pub type Connection = ManagedConnectionConfig;

/// The path of the development sign-in under the issuer (`<issuer>/dev/sign-in`), advertised
/// in the IdP metadata as `xaa_development_sign_in_endpoint` when enabled.
pub const DEV_SIGN_IN_PATH: &str = "/dev/sign-in";
