//! DEVELOPMENT ONLY: the IdP's sign-in for local flows, demos and tests — a user name and
//! password from the configured directory, plus client authentication, for a signed ID
//! token issued to that client. It exists so the whole XAA flow runs on one machine without
//! an external IdP; it is served only with `development_sign_in = true`, and a real
//! deployment signs users in at its real IdP.
//!
//! `POST <issuer>/dev/sign-in` (form: `username`, `password`, client credentials) → `{"id_token",
//! "refresh_token", "token_type": "N_A", "expires_in", "refresh_token_expires_in"}`. The
//! refresh token is a signed `xaa-refresh+jwt` with the ID token's claims and a longer
//! lifetime; the token exchange accepts it as a subject token once the ID token expired. Every failure about the user is the same
//! `invalid_grant` (no user enumeration); each decision is an audit event.

use serde::Serialize;

use crate::audit::AuditEvent;
use crate::client_auth::{authenticate, secret_matches, ClientDirectory};
use crate::config::IdentityProvider;
use crate::error::oauth;
use crate::host::Host;
use crate::issue::{draw_jti, sign, IdTokenClaims};
use crate::token_request::{read_form_post, HttpRequest, HttpResponse, OAuthError};
use crate::urn::TYP_REFRESH_TOKEN;

#[derive(Serialize)]
struct Success<'a> {
    id_token: &'a str,
    refresh_token: &'a str,
    token_type: &'a str,
    expires_in: u32,
    refresh_token_expires_in: u32,
}

/// Handles one sign-in; always returns its audit event.
pub fn handle(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
) -> (HttpResponse, AuditEvent) {
    AuditEvent::record(
        host.now(),
        "signed_in",
        |event| respond(idp, host, request, event),
        |(error, reason)| (error.to_response(), reason.to_owned()),
    )
}

fn respond(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    http: &HttpRequest,
    event: &mut AuditEvent,
) -> Result<HttpResponse, (OAuthError, &'static str)> {
    let form = read_form_post(http).map_err(|e| (e, oauth::INVALID_REQUEST))?;
    let authorization = http
        .header("authorization")
        .map_err(|e| (e, oauth::INVALID_REQUEST))?;
    let directory = ClientDirectory::of_identity_provider(idp);
    let client = authenticate(host, &directory, authorization, &form)
        .map_err(|e| (e, oauth::INVALID_CLIENT))?;
    event.client_id = Some(client.client_id.clone());
    let (Some(username), Some(password)) = (form.get("username"), form.get("password")) else {
        return Err((
            OAuthError::invalid_request("username and password are required"),
            oauth::INVALID_REQUEST,
        ));
    };
    let user = idp.users.iter().find(|u| {
        u.sub == username
            && !u.disabled
            && u.password_sha256
                .as_ref()
                .is_some_and(|digest| secret_matches(password, digest))
    });
    let Some(user) = user else {
        return Err((
            OAuthError::invalid_grant("the user name or password is wrong"),
            "bad_credentials",
        ));
    };
    event.subject = Some(user.sub.clone());
    let server_error = |why: &str| (OAuthError::server_error(why), oauth::SERVER_ERROR);
    let now = host.now();
    let jti = draw_jti(host).map_err(server_error)?;
    let key = idp.signing.current().map_err(server_error)?;
    let claims = IdTokenClaims {
        iss: idp.issuer.clone(),
        sub: user.sub.clone(),
        aud: client.client_id.clone(),
        jti,
        iat: now,
        exp: now.saturating_add(i64::from(idp.id_token_lifetime)),
        auth_time: now,
        amr: vec!["pwd".into()],
        email: user.email.clone(),
    };
    let id_token = sign(host, "JWT", key, &claims).map_err(server_error)?;
    let refresh_claims = IdTokenClaims {
        jti: draw_jti(host).map_err(server_error)?,
        exp: now.saturating_add(i64::from(idp.refresh_token_lifetime)),
        ..claims
    };
    let refresh_token =
        sign(host, TYP_REFRESH_TOKEN, key, &refresh_claims).map_err(server_error)?;
    let body = serde_json::to_vec(&Success {
        id_token: &id_token,
        refresh_token: &refresh_token,
        token_type: "N_A",
        expires_in: idp.id_token_lifetime,
        refresh_token_expires_in: idp.refresh_token_lifetime,
    })
    .map_err(|_| server_error("encoding failed"))?;
    Ok(HttpResponse::json(200, body))
}
