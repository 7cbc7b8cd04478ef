//! The resource authorization server over HTTP: which request goes to the token endpoint,
//! to the RFC 8414 metadata document or to the signing keys' JWK Set. Hosts forward every
//! request here and send back what comes out, so routing, methods and response headers are
//! the same in every host.
//!
//! Paths come from the configuration: the token endpoint's and the JWK Set's are the paths of
//! their configured URLs; the metadata is served at `/.well-known/oauth-authorization-server`
//! with the issuer's path inserted after it (RFC 8414 §3.1) and, when the issuer has a path,
//! at the bare well-known path too. The authorization endpoint the metadata names (beside the
//! token endpoint) refuses every request: [`crate::authorization_endpoint`].

use crate::authorization_endpoint::{refuse as refuse_authorization, url_beside};
use crate::config::{ClientAuth, TokenEndpoint, ValidAuthorizationServer};
use crate::metadata::AuthorizationServerMetadata;
use crate::signing::public_jwks;
use crate::token_request::{HttpRequest, HttpResponse, OAuthError};

/// RFC 8414 §3: the well-known URI suffix.
pub const WELL_KNOWN: &str = "/.well-known/oauth-authorization-server";

/// How long clients may cache the metadata and the JWK Set, seconds. Short enough that a
/// newly published key reaches resource servers well before it signs (rotation: publish,
/// wait, then switch `signing_kid`).
pub const DOCUMENT_MAX_AGE_SECS: u32 = 300;

/// What a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// The token endpoint.
    Token,
    /// The RFC 8414 metadata.
    Metadata,
    /// The signing keys' JWK Set.
    Jwks,
    /// The advertised authorization endpoint, which refuses every request.
    Authorize,
}

/// The path component of an absolute URL (`/` when it has none).
pub fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    }
}

/// The paths the metadata document is served at for `issuer`.
pub fn metadata_paths(issuer: &str) -> Vec<String> {
    match url_path(issuer).trim_end_matches('/') {
        "" => vec![WELL_KNOWN.to_owned()],
        path => vec![format!("{WELL_KNOWN}{path}"), WELL_KNOWN.to_owned()],
    }
}

/// Which route `path` (query ignored) is.
pub fn route(
    config: &ValidAuthorizationServer,
    endpoint: &TokenEndpoint,
    path: &str,
) -> Option<Route> {
    let path = path.split('?').next().unwrap_or("");
    if path == url_path(&endpoint.url) {
        Some(Route::Token)
    } else if path == url_path(&endpoint.jwks_uri) {
        Some(Route::Jwks)
    } else if metadata_paths(&config.issuer).iter().any(|p| p == path) {
        Some(Route::Metadata)
    } else if path == url_path(&url_beside(&endpoint.url)) {
        Some(Route::Authorize)
    } else {
        None
    }
}

/// The metadata document for this configuration.
pub fn metadata(
    config: &ValidAuthorizationServer,
    endpoint: &TokenEndpoint,
) -> Result<String, String> {
    let mut methods: Vec<String> = [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]
    .map(str::to_owned)
    .to_vec();
    if endpoint.allow_public_clients
        && endpoint
            .clients
            .iter()
            .any(|c| matches!(c.auth, ClientAuth::None))
    {
        methods.push("none".to_owned());
    }
    AuthorizationServerMetadata {
        issuer: config.issuer.clone(),
        token_endpoint: endpoint.url.clone(),
        jwks_uri: endpoint.jwks_uri.clone(),
        token_endpoint_auth_methods: methods,
        token_endpoint_auth_signing_algs: endpoint
            .client_assertion_algorithms
            .iter()
            .map(|a| a.name().to_owned())
            .collect(),
    }
    .to_json()
}

pub(crate) fn document(
    method: &str,
    body: Result<String, String>,
    content_type: &str,
) -> HttpResponse {
    let body = match body {
        Ok(body) => body,
        Err(why) => return OAuthError::server_error(&why).to_response(),
    };
    let length = body.len();
    HttpResponse {
        status: 200,
        headers: vec![
            ("Content-Type".into(), content_type.into()),
            (
                "Cache-Control".into(),
                format!("public, max-age={DOCUMENT_MAX_AGE_SECS}"),
            ),
            ("Content-Length".into(), length.to_string()),
        ],
        body: if method == "HEAD" {
            Vec::new()
        } else {
            body.into_bytes()
        },
        verdict_code: None,
        audit_event: None,
    }
}

/// Routes one request. `token` handles the token endpoint (it needs the instance's key
/// store and the host, which this module does not).
pub fn handle(
    config: &ValidAuthorizationServer,
    request: &HttpRequest,
    token: impl FnOnce(&TokenEndpoint) -> HttpResponse,
) -> HttpResponse {
    let Some(endpoint) = &config.token_endpoint else {
        return OAuthError::server_error("no token endpoint is configured").to_response();
    };
    match route(config, endpoint, &request.path) {
        None => HttpResponse::not_found(),
        Some(Route::Token) if request.method == "POST" => token(endpoint),
        Some(Route::Token) => HttpResponse::method_not_allowed("POST"),
        Some(Route::Authorize) => refuse_authorization(&request.method),
        Some(Route::Metadata | Route::Jwks)
            if !matches!(request.method.as_str(), "GET" | "HEAD") =>
        {
            HttpResponse::method_not_allowed("GET, HEAD")
        }
        Some(Route::Metadata) => document(
            &request.method,
            metadata(config, endpoint),
            "application/json",
        ),
        Some(Route::Jwks) => document(
            &request.method,
            public_jwks(&endpoint.signing.keys),
            "application/json",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths() {
        assert_eq!(url_path("https://as.example.com"), "/");
        assert_eq!(url_path("https://as.example.com/"), "/");
        assert_eq!(url_path("https://as.example.com/token"), "/token");
        assert_eq!(url_path("https://as.example.com/t/token?x=1"), "/t/token");
        assert_eq!(url_path("http://127.0.0.1:8080/jwks.json"), "/jwks.json");
    }

    #[test]
    fn rfc8414_path_insertion() {
        assert_eq!(
            metadata_paths("https://as.example.com"),
            vec![WELL_KNOWN.to_owned()]
        );
        assert_eq!(
            metadata_paths("https://as.example.com/"),
            vec![WELL_KNOWN.to_owned()]
        );
        assert_eq!(
            metadata_paths("https://as.example.com/tenant/1"),
            vec![
                "/.well-known/oauth-authorization-server/tenant/1".to_owned(),
                WELL_KNOWN.to_owned()
            ]
        );
    }
}
