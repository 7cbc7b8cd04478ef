//! An authorization request at the IdP's sign-in (RFC 6749 §4.1.1, OpenID Connect Core
//! §3.1.2.1, RFC 7636 §4.3), read strictly from the query (`GET`) or the sign-in form
//! (`POST`, the same parameters carried in hidden fields).
//!
//! Order matters (RFC 6749 §4.1.2.1): the client and its redirection URI come first, and
//! while either is unknown the answer is an error page, never a redirect — a redirection URI
//! that is not registered for the client is never followed or reflected. After that, errors
//! go back to the client by redirect: `unsupported_response_type` unless `response_type=code`;
//! `invalid_scope` without `openid`; `invalid_request` without PKCE S256 (the only method:
//! `plain` would hand the verifier to whoever reads the URL) or with `request` /
//! `request_uri`; `login_required` for `prompt=none`, since this endpoint always shows its page.
//!
//! Registered redirection URIs match exactly, except that a loopback one (`http://127.0.0.1`
//! or `http://[::1]`) matches any port (RFC 8252 §7.3): native apps listen on an ephemeral
//! port. `localhost` gets no such latitude (RFC 8252 §8.3).

use crate::claims::is_valid_scope;
use crate::config::{Client, IdentityProvider};
use crate::error::oauth;
use crate::form::Form;

/// Longest `state` or `nonce` accepted, bytes: both are echoed (the redirect, the ID token).
pub const MAX_ECHOED_BYTES: usize = 512;

/// A request the sign-in page may serve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The client.
    pub client_id: String,
    /// Its redirection URI, as requested (one of its registered ones, or a loopback port of one).
    pub redirect_uri: String,
    /// Opaque to this server, returned with the code.
    pub state: Option<String>,
    /// Put in the ID token.
    pub nonce: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// Scope as asked (contains `openid`).
    pub scope: String,
}

/// Why a request is refused, and how the refusal must be delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The client or its redirection URI is not trustworthy: an error page for the user.
    Page(&'static str),
    /// An error for the client, delivered at its redirection URI.
    Redirect {
        /// Where.
        redirect_uri: String,
        /// The request's `state`, returned.
        state: Option<String>,
        /// OAuth error code.
        error: &'static str,
        /// `error_description`.
        description: &'static str,
    },
}

/// Reads and checks the authorization request in `params`.
pub fn read(idp: &IdentityProvider, params: &Form) -> Result<AuthorizationRequest, Refusal> {
    let client = params
        .get("client_id")
        .and_then(|id| idp.clients.iter().find(|c| c.client_id == id))
        .filter(|c| !c.redirect_uris.is_empty())
        .ok_or(Refusal::Page(
            "The application is not registered for sign-in here (unknown client_id).",
        ))?;
    let redirect_uri = params
        .get("redirect_uri")
        .filter(|uri| is_registered(client, uri))
        .ok_or(Refusal::Page(
            "The application's redirect_uri is missing or not registered for it.",
        ))?;
    let state = params.get("state").map(str::to_owned);
    let refuse = |error, description| Refusal::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        state: state.clone().filter(|s| s.len() <= MAX_ECHOED_BYTES),
        error,
        description,
    };
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Err(refuse(
                oauth::UNSUPPORTED_RESPONSE_TYPE,
                "only response_type=code is supported",
            ))
        }
        None => return Err(refuse(oauth::INVALID_REQUEST, "response_type is required")),
    }
    if state.as_ref().is_some_and(|s| s.len() > MAX_ECHOED_BYTES) {
        return Err(refuse(oauth::INVALID_REQUEST, "state is longer than 512 bytes"));
    }
    let nonce = params.get("nonce").map(str::to_owned);
    if nonce.as_ref().is_some_and(|n| n.len() > MAX_ECHOED_BYTES) {
        return Err(refuse(oauth::INVALID_REQUEST, "nonce is longer than 512 bytes"));
    }
    if params.get("request").is_some() || params.get("request_uri").is_some() {
        return Err(refuse(
            oauth::INVALID_REQUEST,
            "request objects are not supported",
        ));
    }
    let scope = params.get("scope").unwrap_or("");
    if !is_valid_scope(scope) || !scope.split(' ').any(|s| s == "openid") {
        return Err(refuse(oauth::INVALID_SCOPE, "scope must include openid"));
    }
    let code_challenge = params.get("code_challenge").unwrap_or("");
    if params.get("code_challenge_method") != Some("S256") || !is_s256_challenge(code_challenge)
    {
        return Err(refuse(
            oauth::INVALID_REQUEST,
            "PKCE is required: code_challenge (S256) and code_challenge_method=S256",
        ));
    }
    if params
        .get("prompt")
        .is_some_and(|p| p.split(' ').any(|p| p == "none"))
    {
        return Err(refuse(
            LOGIN_REQUIRED,
            "the user must sign in on this page",
        ));
    }
    Ok(AuthorizationRequest {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        state,
        nonce,
        code_challenge: code_challenge.to_owned(),
        scope: scope.to_owned(),
    })
}

/// OpenID Connect Core §3.1.2.6.
pub const LOGIN_REQUIRED: &str = "login_required";

/// An S256 challenge: the base64url (unpadded) SHA-256 of a verifier, 43 characters.
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && crate::base64url::is_alphabet(challenge)
}

/// Whether `uri` is one of `client`'s redirection URIs (loopback ones on any port).
pub fn is_registered(client: &Client, uri: &str) -> bool {
    client
        .redirect_uris
        .iter()
        .any(|r| r == uri || same_loopback_target(r, uri))
}

/// `http://127.0.0.1` or `http://[::1]` URIs equal but for their ports.
fn same_loopback_target(registered: &str, requested: &str) -> bool {
    match (loopback_parts(registered), loopback_parts(requested)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// (host, path-and-query) of a loopback http URI with an optional numeric port.
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    let (host, port) = match authority.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => ("127.0.0.1", authority.strip_prefix("127.0.0.1")?),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok.then_some((host, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_on_any_port_and_nothing_else_does() {
        let rows: &[(&str, &str, bool, &str)] = &[
            ("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback", true, "RFC 8252 §7.3: any port"),
            ("http://127.0.0.1:8000/callback", "http://127.0.0.1:51234/callback", true, "a registered port is no constraint either"),
            ("http://[::1]/cb", "http://[::1]:9/cb", true, "IPv6 loopback"),
            ("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback2", false, "another path"),
            ("http://127.0.0.1/callback", "http://127.0.0.1:51234/callback?x=1", false, "another query"),
            ("http://127.0.0.1/callback", "http://[::1]:51234/callback", false, "another loopback host"),
            ("http://localhost/callback", "http://localhost:51234/callback", false, "localhost: exact only (RFC 8252 §8.3)"),
            ("http://127.0.0.1/callback", "http://127.0.0.1:x/callback", false, "a port that is not a number"),
            ("http://127.0.0.1/callback", "http://127.0.0.1.evil.example/callback", false, "a host that only starts like loopback"),
            ("http://127.0.0.1/callback", "http://127.0.0.1:51234@evil.example/callback", false, "user information"),
            ("https://app.example.com/cb", "https://app.example.com:444/cb", false, "https: exact only"),
            ("https://app.example.com/cb", "https://app.example.com/cb", true, "exact"),
            ("https://app.example.com/cb", "https://APP.example.com/cb", false, "exact means exact"),
        ];
        for (registered, requested, expected, why) in rows {
            let client = Client {
                client_id: "c".into(),
                auth: crate::config::ClientAuth::None,
                resources: vec![],
                scopes: vec![],
                grant_types: vec![],
                issuers: vec![],
                redirect_uris: vec![(*registered).into()],
            };
            assert_eq!(is_registered(&client, requested), *expected, "{why}");
        }
    }
}
