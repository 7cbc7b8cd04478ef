//! Signing a user in at the IdP, wherever it happens (the development sign-in endpoint, the
//! sign-in page of the authorization endpoint): the directory's password check, and the ID
//! token and refresh token a successful sign-in earns the client.

use serde::Serialize;

use crate::audit::AuditEvent;
use crate::client_auth::secret_matches;
use crate::config::{IdentityProvider, User};
use crate::error::oauth;
use crate::host::Host;
use crate::issue::{draw_jti, sign, IdTokenClaims};
use crate::token_request::{HttpResponse, OAuthError};
use crate::urn::TYP_REFRESH_TOKEN;

/// Runs one sign-in request through `respond` at `now`: its audit event is granted as
/// `signed_in`, or denied with the refusal's reason.
pub fn record(
    now: i64,
    respond: impl FnOnce(&mut AuditEvent) -> Result<HttpResponse, (OAuthError, &'static str)>,
) -> (HttpResponse, AuditEvent) {
    AuditEvent::record(now, "signed_in", respond, |(error, reason)| {
        (error.to_response(), reason.to_owned())
    })
}

/// The enabled directory user with this name and password. Every mismatch is the same
/// `None`, so a caller cannot tell an unknown user from a wrong password.
pub fn check_password<'a>(
    idp: &'a IdentityProvider,
    username: &str,
    password: &str,
) -> Option<&'a User> {
    idp.users.iter().find(|u| {
        u.sub == username
            && !u.disabled
            && u.password_sha256
                .as_ref()
                .is_some_and(|digest| secret_matches(password, digest))
    })
}

#[derive(Serialize)]
struct Success<'a> {
    id_token: &'a str,
    refresh_token: &'a str,
    token_type: &'a str,
    expires_in: u32,
    refresh_token_expires_in: u32,
}

/// How the user signed in, for the ID token.
pub struct SignedIn<'a> {
    /// The user.
    pub user: &'a User,
    /// The client the tokens are for (the ID token's `aud`).
    pub client_id: &'a str,
    /// When the user authenticated.
    pub auth_time: i64,
    /// The client's `nonce` from the authorization request (OpenID Connect Core §3.1.2.1).
    pub nonce: Option<String>,
}

/// The token response of a sign-in: `{"id_token", "refresh_token", "token_type": "N_A",
/// "expires_in", "refresh_token_expires_in"}`. The refresh token is a signed
/// `xaa-refresh+jwt` with the ID token's claims and a longer lifetime; the token exchange
/// accepts it as a subject token once the ID token expired.
pub fn token_response(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    signed_in: SignedIn<'_>,
) -> Result<HttpResponse, (OAuthError, &'static str)> {
    let server_error = |why: &str| (OAuthError::server_error(why), oauth::SERVER_ERROR);
    let now = host.now();
    let jti = draw_jti(host).map_err(server_error)?;
    let key = idp.signing.current().map_err(server_error)?;
    let claims = IdTokenClaims {
        iss: idp.issuer.clone(),
        sub: signed_in.user.sub.clone(),
        aud: signed_in.client_id.to_owned(),
        jti,
        iat: now,
        exp: now.saturating_add(i64::from(idp.id_token_lifetime)),
        auth_time: signed_in.auth_time,
        amr: vec!["pwd".into()],
        email: signed_in.user.email.clone(),
        nonce: signed_in.nonce,
    };
    let id_token = sign(host, "JWT", key, &claims).map_err(server_error)?;
    let refresh_claims = IdTokenClaims {
        jti: draw_jti(host).map_err(server_error)?,
        exp: now.saturating_add(i64::from(idp.refresh_token_lifetime)),
        nonce: None,
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
