//! The authorization endpoint: the IdP's sign-in page where it offers one, and an honest
//! refusal everywhere else.
//!
//! **The IdP with `development_sign_in`** serves the authorization code flow with PKCE
//! ([`handle`]): `GET` with an authorization request ([`crate::authorization_request`]) shows
//! the sign-in page and sets a CSRF cookie (`HttpOnly`, `SameSite=Strict`, `Secure` under an
//! https issuer); `POST` of that page's form must carry the same CSRF value as the cookie
//! (double submit: a page on another site can neither read the cookie nor make the browser
//! send it), re-reads the request from the form exactly as `GET` read it, checks the
//! directory's password, and redirects (`303`) to the client with a `code`
//! ([`crate::authorization_code`]), the `state` and `iss` (RFC 9207). A wrong password
//! shows the page again with one message for every failure. Each decision is an audit event.
//!
//! **Everywhere else** — the resource authorization server (jwt-bearer only), an IdP without
//! the sign-in — no redirect flow runs, and RFC 8414 §2 makes `authorization_endpoint`
//! optional for such servers. The official MCP SDK clients (Python `mcp`, TypeScript
//! `@modelcontextprotocol/client`) nevertheless refuse a metadata document without it, so the
//! document names one and the server answers it, honestly: `response_types_supported` stays
//! empty and every request gets `unsupported_response_type` (RFC 6749 §4.1.2.1). No client
//! has a registered redirection URI here, so the error is never redirected (RFC 6749 §3.1.2.4,
//! §4.1.2.1: with a redirection URI that cannot be verified the server MUST NOT redirect).

use subtle::ConstantTimeEq;

use crate::audit::AuditEvent;
use crate::authorization_code::{self, CodeGrant, CODE_LIFETIME_SECS};
use crate::authorization_request::{self, AuthorizationRequest, Refusal};
use crate::authorization_server::url_path;
use crate::config::IdentityProvider;
use crate::discovery::form_encode;
use crate::form::{self, Form};
use crate::host::Host;
use crate::issue::draw_jti;
use crate::sign_in::check_password;
use crate::sign_in_page;
use crate::token_request::{HttpRequest, HttpResponse, OAuthError};

/// The CSRF cookie's name.
const CSRF_COOKIE: &str = "xaa_csrf";
/// How long the sign-in page's form stays usable, seconds.
const FORM_LIFETIME_SECS: u32 = 600;

/// The last path segment of the advertised URL.
const SEGMENT: &str = "authorize";

/// The authorization endpoint's URL: `authorize` beside the token endpoint
/// (`https://as.example.com/oauth2/token` → `https://as.example.com/oauth2/authorize`), so it
/// shares the token endpoint's origin, as the SDKs require of metadata URLs.
pub(crate) fn url_beside(token_endpoint: &str) -> String {
    let base = token_endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or(token_endpoint);
    let authority_end = base
        .split_once("://")
        .map_or(0, |(scheme, _)| scheme.len() + 3);
    match base[authority_end..].rfind('/') {
        Some(slash) => format!("{}{SEGMENT}", &base[..authority_end + slash + 1]),
        None => format!("{base}/{SEGMENT}"),
    }
}

/// The answer to any request at the endpoint: `GET` and `POST` (RFC 6749 §3.1) get
/// `400 unsupported_response_type`, other methods `405`.
pub(crate) fn refuse(method: &str) -> HttpResponse {
    if !matches!(method, "GET" | "POST") {
        return HttpResponse::method_not_allowed("GET, POST");
    }
    OAuthError::unsupported_response_type(
        "this server has no authorization flow: it issues tokens only at its token endpoint",
    )
    .to_response()
}

/// The IdP's authorization endpoint with the sign-in page; returns the audit event of a
/// sign-in attempt (`POST` of a well-formed form), `None` otherwise.
pub fn handle(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
) -> (HttpResponse, Option<AuditEvent>) {
    let action = url_beside(&idp.token_url);
    let action = url_path(&action);
    match request.method.as_str() {
        "GET" | "HEAD" => {
            let query = request.path.split_once('?').map_or("", |(_, q)| q);
            let params = match form::parse(query.as_bytes()) {
                Ok(params) => params,
                Err(_) => return (bad_form(), None),
            };
            let response = match authorization_request::read(idp, &params) {
                Ok(authorization) => match draw_jti(host) {
                    Ok(csrf) => with_csrf_cookie(
                        idp,
                        action,
                        sign_in_page::sign_in(&idp.issuer, action, &authorization, &csrf, None),
                        &csrf,
                    ),
                    Err(why) => sign_in_page::error(500, why),
                },
                Err(refusal) => refused(idp, refusal),
            };
            (response, None)
        }
        "POST" => sign_in(idp, host, request, action),
        _ => (HttpResponse::method_not_allowed("GET, HEAD, POST"), None),
    }
}

fn bad_form() -> HttpResponse {
    sign_in_page::error(400, "The request is malformed.")
}

fn refused(idp: &IdentityProvider, refusal: Refusal) -> HttpResponse {
    match refusal {
        Refusal::Page(message) => sign_in_page::error(400, message),
        Refusal::Redirect {
            redirect_uri,
            state,
            error,
            description,
        } => redirect(
            &redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state.as_deref()),
                ("iss", Some(&idp.issuer)),
            ],
        ),
    }
}

/// `303 See Other` to `uri` with `params` added to its query (RFC 6749 §4.1.2: the
/// registered URI's own query is kept).
fn redirect(uri: &str, params: &[(&str, Option<&str>)]) -> HttpResponse {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", form_encode(v))))
        .collect();
    let separator = if uri.contains('?') { '&' } else { '?' };
    let mut response = HttpResponse::json(303, Vec::new())
        .with_header("Location", format!("{uri}{separator}{}", query.join("&")));
    response.headers.retain(|(n, _)| n != "Content-Type");
    response.with_header("Referrer-Policy", "no-referrer".into())
}

fn with_csrf_cookie(
    idp: &IdentityProvider,
    path: &str,
    response: HttpResponse,
    value: &str,
) -> HttpResponse {
    let secure = if idp.issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    response.with_header(
        "Set-Cookie",
        format!(
            "{CSRF_COOKIE}={value}; Path={path}; Max-Age={FORM_LIFETIME_SECS}; HttpOnly; SameSite=Strict{secure}"
        ),
    )
}

/// The CSRF cookie's value, if the request carries exactly one.
fn csrf_cookie(request: &HttpRequest) -> Option<&str> {
    let header = request.header("cookie").ok()??;
    let mut values = header
        .split(';')
        .filter_map(|pair| pair.trim().strip_prefix(CSRF_COOKIE)?.strip_prefix('='));
    let value = values.next()?;
    values.next().is_none().then_some(value)
}

fn sign_in(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
    action: &str,
) -> (HttpResponse, Option<AuditEvent>) {
    let media = request
        .header("content-type")
        .ok()
        .flatten()
        .and_then(|t| t.split(';').next())
        .map(str::trim);
    if !media.is_some_and(|m| m.eq_ignore_ascii_case("application/x-www-form-urlencoded")) {
        return (bad_form(), None);
    }
    let Ok(params) = form::parse(&request.body) else {
        return (bad_form(), None);
    };
    // The value must also look like one this endpoint minted (base64url): it is set again
    // as a cookie when the page is shown anew, and must never carry header syntax.
    let csrf_ok = match (params.get("csrf"), csrf_cookie(request)) {
        (Some(sent), Some(cookie)) => {
            (16..=64).contains(&sent.len())
                && crate::base64url::is_alphabet(sent)
                && bool::from(sent.as_bytes().ct_eq(cookie.as_bytes()))
        }
        _ => false,
    };
    if !csrf_ok {
        let message = "The sign-in form expired or did not come from this page.";
        return (sign_in_page::error(400, message), None);
    }
    let authorization = match authorization_request::read(idp, &params) {
        Ok(authorization) => authorization,
        Err(refusal) => return (refused(idp, refusal), None),
    };
    let (response, event) = AuditEvent::record(
        host.now(),
        "authorized",
        |event| {
            event.client_id = Some(authorization.client_id.clone());
            authorize(idp, host, action, &params, &authorization, event)
        },
        |(response, reason)| (response, reason.to_owned()),
    );
    let response = match response.status {
        303 => response,
        _ => with_csrf_cookie(idp, action, response, params.get("csrf").unwrap_or("")),
    };
    (response, Some(event))
}

fn authorize(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    action: &str,
    params: &Form,
    authorization: &AuthorizationRequest,
    event: &mut AuditEvent,
) -> Result<HttpResponse, (HttpResponse, &'static str)> {
    let again = |message| {
        sign_in_page::sign_in(
            &idp.issuer,
            action,
            authorization,
            params.get("csrf").unwrap_or(""),
            Some(message),
        )
    };
    let user = match (params.get("username"), params.get("password")) {
        (Some(username), Some(password)) => check_password(idp, username, password),
        _ => None,
    };
    let Some(user) = user else {
        return Err((
            again("The user name or password is wrong."),
            "bad_credentials",
        ));
    };
    event.subject = Some(user.sub.clone());
    let now = host.now();
    let server_error = |why| (sign_in_page::error(500, why), "server_error");
    let grant = CodeGrant {
        client_id: authorization.client_id.clone(),
        redirect_uri: authorization.redirect_uri.clone(),
        code_challenge: authorization.code_challenge.clone(),
        nonce: authorization.nonce.clone(),
        sub: user.sub.clone(),
        auth_time: now,
        exp: now.saturating_add(CODE_LIFETIME_SECS),
        id: draw_jti(host).map_err(server_error)?,
    };
    let code = authorization_code::mint(idp, &grant).map_err(server_error)?;
    Ok(redirect(
        &authorization.redirect_uri,
        &[
            ("code", Some(&code)),
            ("state", authorization.state.as_deref()),
            ("iss", Some(&idp.issuer)),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_sits_beside_the_token_endpoint() {
        for (token, expected) in [
            (
                "https://as.example.com/token",
                "https://as.example.com/authorize",
            ),
            (
                "https://as.example.com/oauth2/v1/token",
                "https://as.example.com/oauth2/v1/authorize",
            ),
            (
                "http://127.0.0.1:8080/token?x=1",
                "http://127.0.0.1:8080/authorize",
            ),
            ("https://as.example.com", "https://as.example.com/authorize"),
        ] {
            assert_eq!(url_beside(token), expected, "{token}");
        }
    }

    #[test]
    fn every_request_is_refused_without_a_redirect() {
        for method in ["GET", "POST"] {
            let response = refuse(method);
            assert_eq!(response.status, 400);
            let body = String::from_utf8(response.body).unwrap();
            assert!(
                body.contains(r#""error":"unsupported_response_type""#),
                "{body}"
            );
            assert!(!response
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("location")));
        }
        assert_eq!(refuse("PUT").status, 405);
    }
}
