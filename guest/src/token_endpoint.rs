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

use crate::client_auth::{authenticate, ClientDirectory};
use crate::config::{same_resource, TokenEndpoint, ValidAuthorizationServer};
use crate::error::{Rejection, Role};
use crate::explain::Trace;
use crate::host::Host;
use crate::id_jag;
use crate::issue::{draw_jti, sign, AccessTokenClaims, Authentication};
use crate::key_store::{KeyStore, SourceId};
use crate::token_request::{read_jwt_bearer, HttpRequest, HttpResponse, OAuthError};
use crate::urn::{GRANT_TYPE_JWT_BEARER, TYP_ACCESS_TOKEN};

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

fn invalid_target(description: &str) -> OAuthError {
    OAuthError::invalid_target(description)
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
    let directory = ClientDirectory::of_token_endpoint(&config.issuer, endpoint, config.leeway);
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
    .map_err(|r| OAuthError::refused(&r, Role::AuthorizationServer))?;
    // The issuer that vouched for the user: it must be one this client may use, and it names
    // the user's subject here (`subject`: one IdP's user never becomes another's).
    let issuer = config
        .issuers
        .iter()
        .find(|i| i.issuer == verified.issuer())
        .ok_or_else(|| OAuthError::server_error("the verified issuer is not configured"))?;
    if !client.issuers.is_empty() && !client.issuers.iter().any(|i| i == verified.issuer()) {
        return Err(OAuthError::refused(
            &Rejection::new(
                crate::error::Code::IssuerUntrusted,
                format!(
                    "iss \"{}\" is not one of the issuers this client may use",
                    crate::error::escape_for_log(verified.issuer(), 80)
                ),
            ),
            Role::AuthorizationServer,
        ));
    }

    // Resource (RFC 8707): the request may only narrow to a resource the ID-JAG names.
    let resource =
        match &request.resource {
            Some(wanted) => verified
                .resource()
                .iter()
                .find(|r| same_resource(r, wanted, config.root_slash))
                .ok_or_else(|| {
                    invalid_target("the requested resource is not one the assertion names")
                })?,
            None if verified.resource().len() == 1 => &verified.resource()[0],
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
    let ceiling = tokens(verified.scope());
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
    if granted.is_empty() && (request.scope.is_some() || verified.scope().is_some()) {
        return Err(OAuthError::invalid_scope(
            "none of the requested scopes can be granted",
        ));
    }
    let scope = (!granted.is_empty()).then(|| granted.join(" "));

    let now = host.now();
    let mut exp = now.saturating_add(i64::from(endpoint.access_token_lifetime));
    if !endpoint.may_outlive_assertion {
        exp = exp.min(verified.expires_at());
    }
    if exp <= now {
        // An ID-JAG accepted within the clock leeway after its `exp` would yield a token
        // that is expired on issue: refuse the grant instead (checked before the jti is
        // consumed, like every other refusal).
        return Err(OAuthError::refused(
            &Rejection::new(
                crate::error::Code::Expired,
                "the assertion expires before an access token could be valid",
            ),
            Role::AuthorizationServer,
        ));
    }

    id_jag::consume(host, config, &verified)
        .map_err(|r| OAuthError::refused(&r, Role::AuthorizationServer))?;
    let server_error = OAuthError::server_error;
    let jti = draw_jti(host).map_err(server_error)?;
    let key = endpoint.signing.current().map_err(server_error)?;
    let claims = AccessTokenClaims {
        iss: config.issuer.clone(),
        sub: crate::subject::at_this_server(
            issuer.subject_namespace.as_deref(),
            issuer.tenant_required,
            &verified,
        ),
        aud: resource.clone(),
        client_id: client.client_id.clone(),
        iat: now,
        exp,
        jti,
        scope: scope.clone(),
        authentication: Authentication {
            auth_time: verified.auth_time(),
            acr: verified.acr().map(str::to_owned),
            amr: verified.amr().map(<[String]>::to_vec),
        },
    };
    let access_token = sign(host, TYP_ACCESS_TOKEN, key, &claims).map_err(server_error)?;
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
