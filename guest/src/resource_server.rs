//! A protected resource over HTTP (groundwork for issue 4's demo, and the seed of the
//! gateway): its RFC 9728 metadata and one protected echo endpoint at the resource's own
//! path. A request without a bearer token gets `401` with `WWW-Authenticate: Bearer
//! resource_metadata="..."` (RFC 6750 §3, no error code; RFC 9728 §5.1), so a client can
//! start discovery; a refused token gets the verdict's challenge; a valid one gets an echo
//! of who called.

use serde::Serialize;

use crate::authorization_server::{document, url_path};
use crate::config::ValidResourceServer;
use crate::error::{oauth, Rejection, Role};
use crate::token_request::{HttpRequest, HttpResponse};
use crate::VerifiedToken;

/// The RFC 9728 metadata URL this resource advertises (configured, or the well-known URL
/// with the resource's path inserted).
pub fn metadata_url(config: &ValidResourceServer) -> &str {
    &config.metadata_url
}

#[derive(Serialize)]
struct Metadata<'a> {
    resource: &'a str,
    authorization_servers: [&'a str; 1],
    bearer_methods_supported: [&'a str; 1],
}

#[derive(Serialize)]
struct Echo<'a> {
    resource: &'a str,
    subject: &'a str,
    client_id: Option<&'a str>,
    scope: Option<&'a str>,
    method: &'a str,
    body: String,
}

pub(crate) fn json_response(status: u16, body: Vec<u8>, challenge: Option<String>) -> HttpResponse {
    let response = HttpResponse::json(status, body);
    match challenge {
        Some(challenge) => response.with_header("WWW-Authenticate", challenge),
        None => response,
    }
}

/// The bearer token of a request (RFC 6750 §2.1): `Ok(None)` without an `Authorization`
/// header, `Err` for any other scheme or a malformed or repeated header.
fn bearer(request: &HttpRequest) -> Result<Option<&str>, ()> {
    let value = match request.header("authorization") {
        Err(_) => return Err(()),
        Ok(None) => return Ok(None),
        Ok(Some(value)) => value,
    };
    let (scheme, token) = value.split_once(' ').ok_or(())?;
    if !scheme.eq_ignore_ascii_case("Bearer") || token.is_empty() || token.contains(' ') {
        return Err(());
    }
    Ok(Some(token))
}

/// The RFC 9728 metadata response when `request` is for the metadata path (405 for a method
/// other than `GET` or `HEAD`); `None` for any other path.
pub(crate) fn metadata_response(
    config: &ValidResourceServer,
    request: &HttpRequest,
) -> Option<HttpResponse> {
    let path = request.path.split('?').next().unwrap_or("");
    let prm = metadata_url(config);
    if path != url_path(prm) {
        return None;
    }
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return Some(HttpResponse::method_not_allowed("GET, HEAD"));
    }
    let body = serde_json::to_string(&Metadata {
        resource: &config.resource,
        authorization_servers: [&config.issuer],
        bearer_methods_supported: ["header"],
    })
    .map_err(|e| format!("metadata: {e}"));
    Some(document(&request.method, body, "application/json"))
}

/// Routes one request; `validate` checks a bearer token (the instance's access-token
/// validation, with its caches).
pub fn handle(
    config: &ValidResourceServer,
    request: &HttpRequest,
    validate: impl FnOnce(&str) -> Result<VerifiedToken, Rejection>,
) -> HttpResponse {
    if let Some(response) = metadata_response(config, request) {
        return response;
    }
    let path = request.path.split('?').next().unwrap_or("");
    if path != url_path(&config.resource) {
        return HttpResponse::not_found();
    }
    match authorize(config, request, validate) {
        Ok(verified) => {
            let body = serde_json::to_vec(&Echo {
                resource: &config.resource,
                subject: verified.subject(),
                client_id: verified.client_id(),
                scope: verified.scope(),
                method: &request.method,
                body: String::from_utf8_lossy(&request.body).into_owned(),
            })
            .unwrap_or_default();
            json_response(200, body, None)
        }
        Err(response) => response,
    }
}

/// The request's bearer token, validated: the verified token, or the response that refuses
/// the request (401 with a `resource_metadata` challenge and no error without a token, RFC
/// 6750 §3 / RFC 9728 §5.1; 400 `invalid_request` for a malformed `Authorization`; the
/// verdict's challenge for a refused token).
pub(crate) fn authorize(
    config: &ValidResourceServer,
    request: &HttpRequest,
    validate: impl FnOnce(&str) -> Result<VerifiedToken, Rejection>,
) -> Result<VerifiedToken, HttpResponse> {
    let prm = metadata_url(config);
    let token = match bearer(request) {
        Ok(Some(token)) => token,
        Ok(None) => {
            return Err(json_response(
                401,
                br#"{"error":"unauthorized"}"#.to_vec(),
                Some(format!("Bearer resource_metadata=\"{prm}\"")),
            ))
        }
        Err(()) => {
            let error = oauth::INVALID_REQUEST;
            return Err(json_response(
                400,
                format!(r#"{{"error":"{error}"}}"#).into_bytes(),
                Some(format!(
                    "Bearer error=\"{error}\", resource_metadata=\"{prm}\""
                )),
            ));
        }
    };
    validate(token).map_err(|rejection| {
        let wire = rejection.to_wire(Role::ResourceServer, Some(prm));
        let mut response = json_response(
            wire.http_status,
            format!(r#"{{"error":"{}"}}"#, wire.oauth_error).into_bytes(),
            wire.www_authenticate,
        );
        response.verdict_code = Some(rejection.code);
        response
    })
}
