//! DEVELOPMENT ONLY: the IdP's sign-in for local flows, demos and tests — a user name and
//! password from the configured directory, plus client authentication, for a signed ID
//! token issued to that client. It exists so the whole XAA flow runs on one machine without
//! an external IdP; it is served only with `development_sign_in = true`, and a real
//! deployment signs users in at its real IdP.
//!
//! `POST <issuer>/dev/sign-in` (form: `username`, `password`, client credentials) → the
//! sign-in's token response ([`crate::sign_in::token_response`]). Every failure about the user is the same
//! `invalid_grant` (no user enumeration); each decision is an audit event.

use crate::audit::AuditEvent;
use crate::client_auth::{authenticate, ClientDirectory};
use crate::config::IdentityProvider;
use crate::error::oauth;
use crate::host::Host;
use crate::sign_in::{self, check_password, token_response, SignedIn};
use crate::token_request::{read_form_post, HttpRequest, HttpResponse, OAuthError};

/// Handles one sign-in; always returns its audit event.
pub fn handle(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
) -> (HttpResponse, AuditEvent) {
    sign_in::record(host.now(), |event| respond(idp, host, request, event))
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
    let Some(user) = check_password(idp, username, password) else {
        return Err((
            OAuthError::invalid_grant("the user name or password is wrong"),
            "bad_credentials",
        ));
    };
    event.subject = Some(user.sub.clone());
    let auth_time = host.now();
    token_response(
        idp,
        host,
        SignedIn {
            user,
            client_id: &client.client_id,
            auth_time,
            nonce: None,
        },
    )
}
