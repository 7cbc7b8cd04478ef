//! The IdP over HTTP: which request goes to the token-exchange endpoint, to the RFC 8414
//! metadata or to the signing keys' JWK Set (paths from the configured URLs, like the
//! resource authorization server's: [`crate::authorization_server`]).
//!
//! The metadata advertises token exchange and `identity_chaining_requested_token_types_supported`
//! with the id-jag token type (specs.md §3a rule 18).

use serde::Serialize;

use crate::authorization_endpoint::{refuse as refuse_authorization, url_beside};
use crate::authorization_server::{document, metadata_paths, url_path};
use crate::config::IdentityProvider;
use crate::dev_sign_in;
use crate::host::Host;
use crate::signing::public_jwks;
use crate::token_exchange;
use crate::token_request::{HttpRequest, HttpResponse};
use crate::urn::{GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG};

#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    /// Refused at every request (see `authorization_endpoint`), named for the SDKs.
    authorization_endpoint: &'a str,
    token_endpoint: &'a str,
    jwks_uri: &'a str,
    grant_types_supported: [&'a str; 1],
    identity_chaining_requested_token_types_supported: [&'a str; 1],
    token_endpoint_auth_methods_supported: [&'a str; 3],
    token_endpoint_auth_signing_alg_values_supported: [&'a str; 3],
    response_types_supported: [&'a str; 0],
    /// DEVELOPMENT ONLY, and only when enabled: where `xaa login` signs a user in.
    #[serde(skip_serializing_if = "Option::is_none")]
    xaa_development_sign_in_endpoint: Option<&'a str>,
}

/// The IdP's RFC 8414 metadata document.
pub fn metadata(idp: &IdentityProvider) -> Result<String, String> {
    let authorization_endpoint = url_beside(&idp.token_url);
    serde_json::to_string(&Metadata {
        issuer: &idp.issuer,
        authorization_endpoint: &authorization_endpoint,
        token_endpoint: &idp.token_url,
        jwks_uri: &idp.jwks_uri,
        grant_types_supported: [GRANT_TYPE_TOKEN_EXCHANGE],
        identity_chaining_requested_token_types_supported: [TOKEN_TYPE_ID_JAG],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        token_endpoint_auth_signing_alg_values_supported: ["ES256", "RS256", "PS256"],
        response_types_supported: [],
        xaa_development_sign_in_endpoint: idp
            .development_sign_in
            .then_some(idp.dev_sign_in_url.as_str()),
    })
    .map_err(|e| format!("metadata: {e}"))
}

/// Routes one request; token exchanges carry their audit event.
pub fn handle(idp: &IdentityProvider, host: &mut dyn Host, request: &HttpRequest) -> HttpResponse {
    let path = request.path.split('?').next().unwrap_or("");
    let is_get = matches!(request.method.as_str(), "GET" | "HEAD");
    if path == url_path(&idp.token_url) {
        if request.method != "POST" {
            return HttpResponse::method_not_allowed("POST");
        }
        let (mut response, event) = token_exchange::handle(idp, host, request);
        response.audit_event = Some(event.to_json());
        return response;
    }
    if path == url_path(&url_beside(&idp.token_url)) {
        return refuse_authorization(&request.method);
    }
    if idp.development_sign_in && path == url_path(&idp.dev_sign_in_url) {
        if request.method != "POST" {
            return HttpResponse::method_not_allowed("POST");
        }
        let (mut response, event) = dev_sign_in::handle(idp, host, request);
        response.audit_event = Some(event.to_json());
        return response;
    }
    let document_body = if path == url_path(&idp.jwks_uri) {
        public_jwks(&idp.signing.keys)
    } else if metadata_paths(&idp.issuer).iter().any(|p| p == path) {
        metadata(idp)
    } else {
        return HttpResponse::not_found();
    };
    if !is_get {
        return HttpResponse::method_not_allowed("GET, HEAD");
    }
    document(&request.method, document_body, "application/json")
}
