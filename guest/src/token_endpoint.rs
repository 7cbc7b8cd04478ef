//! The resource authorization server's token endpoint for the jwt-bearer grant with an
//! ID-JAG (ID-JAG draft §4.4; RFC 7523; RFC 6749 §5), as `handle(request) -> response`.
//! Configured by `config::TokenEndpointConfig`; reached over HTTP through
//! [`crate::authorization_server`].
//!
//! Order: request shape (`token_request`) → client authentication (`client_auth`; confidential
//! clients only; the method must be the one registered) → ID-JAG validation bound to the
//! authenticated client (`id_jag`, without consuming the `jti`) → resource: the request's
//! `resource` must be one the ID-JAG names, and one the client may reach (`invalid_target`) →
//! scope: requested ∩ ID-JAG ∩ client policy (`invalid_scope` when scopes were asked for or
//! carried and nothing remains) → consume the `jti` → issue an RFC 9068 access token (ES256,
//! `aud` = the resource, lifetime ≤ configured and, unless configured otherwise, ≤ the
//! ID-JAG's `exp`) → RFC 6749 §5.1 response with `Cache-Control: no-store`, never a refresh
//! token. Every assertion failure is `invalid_grant` with the code's fixed summary only.

use serde::Serialize;

use crate::client_auth::{self, AssertionPolicy, Presented};
use crate::config::{same_resource, ValidAuthorizationServer};
use crate::error::Rejection;
use crate::explain::Trace;
use crate::form::Form;
use crate::host::Host;
use crate::id_jag;
use crate::issue::{new_jti, sign_access_token, AccessTokenClaims};
use crate::jose_header::Alg;
use crate::jwks::KeySet;
use crate::key_store::{KeyStore, SourceId};
use crate::signing::IssuingKey;
use crate::token_request::{read_jwt_bearer, HttpRequest, HttpResponse, OAuthError};
use crate::urn::GRANT_TYPE_JWT_BEARER;

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
}

impl Client {
    /// Whether the client may use `grant_type`.
    pub fn may_use(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }
}

/// What client authentication is checked against: the registered clients and the audiences
/// a client assertion may name. Shared by every token endpoint (this one, the IdP's).
pub struct ClientDirectory<'a> {
    /// This server's issuer identifier (an accepted client-assertion `aud`).
    pub issuer: &'a str,
    /// The token endpoint URL (the other accepted `aud`).
    pub token_url: &'a str,
    /// Registered clients.
    pub clients: &'a [Client],
    /// Algorithms accepted for client assertions.
    pub algorithms: &'a [Alg],
    /// Clock leeway for client assertions, seconds.
    pub leeway: u32,
    /// Whether public clients are accepted.
    pub allow_public_clients: bool,
}

/// The token endpoint's configuration, beside the AS role's.
#[derive(Clone, Debug)]
pub struct TokenEndpoint {
    /// The token endpoint URL (an accepted client-assertion audience).
    pub url: String,
    /// The URL of the signing keys' JWK Set.
    pub jwks_uri: String,
    /// Registered clients.
    pub clients: Vec<Client>,
    /// Issuing keys; `current` signs.
    pub keys: Vec<IssuingKey>,
    /// Index of the signing key in `keys`.
    pub current: usize,
    /// Access-token lifetime, seconds.
    pub access_token_lifetime: u32,
    /// Whether an access token may outlive the ID-JAG it was issued for (default: no).
    pub may_outlive_assertion: bool,
    /// Algorithms accepted for client assertions.
    pub client_assertion_algorithms: Vec<Alg>,
    /// Whether public clients (no authentication) are accepted.
    pub allow_public_clients: bool,
}

/// What the endpoint needs from the configured instance.
pub struct Context<'a> {
    /// The AS role.
    pub config: &'a ValidAuthorizationServer,
    /// Key sources of the trusted issuers.
    pub sources: &'a [SourceId],
    /// The instance's keys.
    pub keys: &'a mut KeyStore,
    /// The endpoint's own configuration.
    pub endpoint: &'a TokenEndpoint,
}

fn unauthorized_client() -> OAuthError {
    OAuthError::unauthorized_client("this client is not enabled for the jwt-bearer grant")
}

#[derive(Serialize)]
struct Success<'a> {
    access_token: &'a str,
    token_type: &'a str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    /// The granted resource (RFC 8707; ID-JAG draft §4.4.2): the token's audience.
    resource: &'a str,
}

/// The one `error_description` of every refused assertion: which check failed is the
/// verdict code in the host's log, never the caller's business (specs.md §3b rule 19).
pub const INVALID_GRANT_DESCRIPTION: &str = "The assertion is not valid for this request";

fn invalid_client(reason: &str, basic_attempted: bool) -> OAuthError {
    OAuthError::invalid_client(reason, basic_attempted)
}

/// A refused assertion on the wire: `invalid_grant` with the one generic description, or
/// `temporarily_unavailable` when the server could not judge it; the code for the log.
fn invalid_grant(rejection: &Rejection) -> OAuthError {
    if rejection.code.is_temporary() {
        return OAuthError::temporarily_unavailable(rejection.code);
    }
    OAuthError {
        verdict_code: Some(rejection.code),
        ..OAuthError::invalid_grant(INVALID_GRANT_DESCRIPTION)
    }
}

fn invalid_target(description: &str) -> OAuthError {
    OAuthError::invalid_target(description)
}

/// Authenticates the client a request presents (RFC 6749 §2.3, RFC 7523 §2.2); returns its
/// registration. Failures are `invalid_client` (401, with a Basic challenge when Basic was
/// tried), `invalid_request` when several methods are used.
pub fn authenticate<'c>(
    host: &mut dyn Host,
    directory: &ClientDirectory<'c>,
    authorization: Option<&str>,
    form: &Form,
) -> Result<&'c Client, OAuthError> {
    let presented = client_auth::presented(authorization, form).map_err(|e| {
        if e.reason.contains("more than one") {
            OAuthError::invalid_request(&e.reason)
        } else {
            invalid_client(&e.reason, e.basic_attempted)
        }
    })?;
    let clients = directory.clients;
    let lookup = |id: &str| clients.iter().find(|c| c.client_id == id);
    // One answer for every failure, whether the client exists or not, so a caller cannot
    // tell registered client ids from others (neither by message nor, for secrets, by time).
    let unknown = |basic: bool| invalid_client("client authentication failed", basic);
    match presented {
        Presented::SecretBasic { client_id, secret } => {
            let client = lookup(&client_id);
            let digest = client.and_then(|c| match &c.auth {
                ClientAuth::SecretBasic(d) => Some(d),
                _ => None,
            });
            secret_verified(client, digest, &secret).ok_or_else(|| unknown(true))
        }
        Presented::SecretPost { client_id, secret } => {
            let client = lookup(&client_id);
            let digest = client.and_then(|c| match &c.auth {
                ClientAuth::SecretPost(d) => Some(d),
                _ => None,
            });
            secret_verified(client, digest, &secret).ok_or_else(|| unknown(false))
        }
        Presented::PrivateKeyJwt {
            client_id,
            assertion,
        } => {
            let audiences = [directory.issuer, directory.token_url];
            let policy = AssertionPolicy {
                audiences: &audiences,
                algorithms: directory.algorithms,
                leeway: directory.leeway,
            };
            let keys_for = |id: &str| match lookup(id).map(|c| &c.auth) {
                Some(ClientAuth::PrivateKeyJwt(keys)) => Some(keys),
                _ => None,
            };
            let id = client_auth::verify_client_assertion(
                host,
                &assertion,
                client_id.as_deref(),
                keys_for,
                &policy,
            )
            .map_err(|r| {
                if r.code.is_temporary() {
                    invalid_grant(&r)
                } else {
                    OAuthError {
                        verdict_code: Some(r.code),
                        ..unknown(false)
                    }
                }
            })?;
            lookup(&id).ok_or_else(|| unknown(false))
        }
        Presented::None { client_id } => match lookup(&client_id) {
            Some(c) if directory.allow_public_clients && matches!(c.auth, ClientAuth::None) => {
                Ok(c)
            }
            _ if directory.allow_public_clients => Err(unknown(false)),
            // The same answer for a registered confidential client and an unknown id.
            _ => Err(invalid_client(
                "this authorization server accepts confidential clients only",
                false,
            )),
        },
    }
}

/// The client if `secret` matches its configured digest. The secret is hashed and compared
/// (in constant time) whether or not the client exists and uses this method, against a
/// dummy digest otherwise, so a refusal takes as long for an unknown client id.
fn secret_verified<'c>(
    client: Option<&'c Client>,
    digest: Option<&[u8; 32]>,
    secret: &str,
) -> Option<&'c Client> {
    const NO_DIGEST: [u8; 32] = [0; 32];
    let matches = client_auth::secret_matches(secret, digest.unwrap_or(&NO_DIGEST));
    client.filter(|_| matches && digest.is_some())
}

fn tokens(scope: Option<&str>) -> Vec<&str> {
    scope.map(|s| s.split(' ').collect()).unwrap_or_default()
}

/// Handles one token request.
pub fn handle(ctx: Context<'_>, host: &mut dyn Host, request: &HttpRequest) -> HttpResponse {
    respond(ctx, host, request).unwrap_or_else(|e| e.to_response())
}

fn respond(
    ctx: Context<'_>,
    host: &mut dyn Host,
    http: &HttpRequest,
) -> Result<HttpResponse, OAuthError> {
    let request = read_jwt_bearer(http)?;
    let authorization = http.header("authorization")?;
    let (config, endpoint) = (ctx.config, ctx.endpoint);
    let directory = ClientDirectory {
        issuer: &config.issuer,
        token_url: &endpoint.url,
        clients: &endpoint.clients,
        algorithms: &endpoint.client_assertion_algorithms,
        leeway: config.leeway,
        allow_public_clients: endpoint.allow_public_clients,
    };
    let client = authenticate(host, &directory, authorization, &request.form)?;
    if !client.may_use(GRANT_TYPE_JWT_BEARER) {
        return Err(unauthorized_client());
    }
    let validation = id_jag::Context {
        config,
        sources: ctx.sources,
        keys: ctx.keys,
    };
    let verified = id_jag::validate(
        validation,
        host,
        &request.assertion,
        &client.client_id,
        false,
        &mut Trace::off(),
    )
    .map_err(|r| invalid_grant(&r))?;
    // The issuer that vouched for the user: it must be one this client may use, and it names
    // the user's subject here (`subject`: one IdP's user never becomes another's).
    let issuer = config
        .issuers
        .iter()
        .find(|i| i.issuer == verified.issuer)
        .ok_or_else(|| OAuthError::server_error("the verified issuer is not configured"))?;
    if !client.issuers.is_empty() && !client.issuers.contains(&verified.issuer) {
        return Err(invalid_grant(&Rejection::new(
            crate::error::Code::IssuerUntrusted,
            format!(
                "iss \"{}\" is not one of the issuers this client may use",
                crate::error::escape_for_log(&verified.issuer, 80)
            ),
        )));
    }

    // Resource (RFC 8707): the request may only narrow to a resource the ID-JAG names.
    let resource =
        match &request.resource {
            Some(wanted) => verified
                .resource
                .iter()
                .find(|r| same_resource(r, wanted, config.root_slash))
                .ok_or_else(|| {
                    invalid_target("the requested resource is not one the assertion names")
                })?,
            None if verified.resource.len() == 1 => &verified.resource[0],
            None => return Err(invalid_target(
                "the assertion names several resources; request one with the resource parameter",
            )),
        };
    if !client
        .resources
        .iter()
        .any(|r| same_resource(r, resource, config.root_slash))
    {
        return Err(invalid_target(
            "this client may not obtain tokens for that resource",
        ));
    }

    // Scope: requested ∩ ID-JAG ∩ client policy.
    let ceiling = tokens(verified.scope.as_deref());
    let requested = match request.scope.as_deref() {
        Some(s) => tokens(Some(s)),
        None => ceiling.clone(),
    };
    let mut granted: Vec<&str> = Vec::new();
    for scope in requested {
        if ceiling.contains(&scope)
            && client.scopes.iter().any(|s| s == scope)
            && !granted.contains(&scope)
        {
            granted.push(scope);
        }
    }
    if granted.is_empty() && (request.scope.is_some() || verified.scope.is_some()) {
        return Err(OAuthError::invalid_scope(
            "none of the requested scopes can be granted",
        ));
    }
    let scope = (!granted.is_empty()).then(|| granted.join(" "));

    let now = host.now();
    let mut exp = now.saturating_add(i64::from(endpoint.access_token_lifetime));
    if !endpoint.may_outlive_assertion {
        exp = exp.min(verified.expires_at);
    }
    if exp <= now {
        // An ID-JAG accepted within the clock leeway after its `exp` would yield a token
        // that is expired on issue: refuse the grant instead (checked before the jti is
        // consumed, like every other refusal).
        return Err(invalid_grant(&Rejection::new(
            crate::error::Code::Expired,
            "the assertion expires before an access token could be valid",
        )));
    }

    id_jag::consume(host, config, &verified).map_err(|r| invalid_grant(&r))?;
    let server_error = OAuthError::server_error;
    let jti = new_jti(&host.random_bytes(16)).ok_or_else(|| server_error("no entropy"))?;
    let key = endpoint
        .keys
        .get(endpoint.current)
        .ok_or_else(|| server_error("no signing key"))?;
    let claims = AccessTokenClaims {
        iss: config.issuer.clone(),
        sub: crate::subject::at_this_server(issuer, &verified),
        aud: resource.clone(),
        client_id: client.client_id.clone(),
        iat: now,
        exp,
        jti,
        scope: scope.clone(),
        auth_time: verified.auth_time,
        acr: verified.acr.clone(),
        amr: verified.amr.clone(),
    };
    let access_token = sign_access_token(host, &key.key, &key.kid, &claims)
        .map_err(|_| server_error("signing failed"))?;
    let body = serde_json::to_vec(&Success {
        access_token: &access_token,
        token_type: "Bearer",
        expires_in: exp - now,
        scope: scope.as_deref(),
        resource,
    })
    .map_err(|_| server_error("encoding failed"))?;
    Ok(HttpResponse::json(200, body).with_header("Pragma", "no-cache".into()))
}
