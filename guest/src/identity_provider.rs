//! The IdP over HTTP: which request goes to the token-exchange endpoint, to the RFC 8414
//! metadata or to the signing keys' JWK Set (paths from the configured URLs, like the
//! resource authorization server's: [`crate::authorization_server`]).
//!
//! The metadata advertises token exchange and `identity_chaining_requested_token_types_supported`
//! with the id-jag token type (specs.md §3a rule 18). With `development_sign_in`, it also
//! advertises the sign-in (the authorization code flow with PKCE S256, OpenID Connect ID
//! tokens) and is served as OpenID Connect Discovery 1.0 at `<issuer>/.well-known/openid-configuration`
//! as well; the token endpoint then takes `grant_type=authorization_code` too.

use serde::Serialize;

use crate::authorization_code;
use crate::authorization_endpoint::{self, refuse as refuse_authorization, url_beside};
use crate::authorization_server::{document, metadata_paths, url_path};
use crate::config::IdentityProvider;
use crate::dev_sign_in;
use crate::host::Host;
use crate::signing::public_jwks;
use crate::token_exchange;
use crate::token_request::{read_form_post, HttpRequest, HttpResponse};
use crate::urn::{GRANT_TYPE_AUTHORIZATION_CODE, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG};

#[derive(Serialize)]
struct Metadata<'a> {
    issuer: &'a str,
    /// The sign-in page with `development_sign_in`; refused at every request otherwise (see
    /// `authorization_endpoint`), named for the SDKs.
    authorization_endpoint: &'a str,
    token_endpoint: &'a str,
    jwks_uri: &'a str,
    grant_types_supported: Vec<&'a str>,
    identity_chaining_requested_token_types_supported: [&'a str; 1],
    token_endpoint_auth_methods_supported: [&'a str; 3],
    token_endpoint_auth_signing_alg_values_supported: [&'a str; 3],
    response_types_supported: Vec<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    sign_in: Option<SignInMetadata>,
    /// DEVELOPMENT ONLY, and only when enabled: where `xaa login` signs a user in.
    #[serde(skip_serializing_if = "Option::is_none")]
    xaa_development_sign_in_endpoint: Option<&'a str>,
}

/// What the sign-in adds: RFC 8414 §2, RFC 7636 §6.2, RFC 9207 §3, OpenID Connect Discovery §3.
#[derive(Serialize)]
struct SignInMetadata {
    response_modes_supported: [&'static str; 1],
    code_challenge_methods_supported: [&'static str; 1],
    scopes_supported: [&'static str; 1],
    subject_types_supported: [&'static str; 1],
    id_token_signing_alg_values_supported: [&'static str; 1],
    claims_supported: [&'static str; 9],
    authorization_response_iss_parameter_supported: bool,
}

/// The IdP's RFC 8414 metadata document.
pub fn metadata(idp: &IdentityProvider) -> Result<String, String> {
    let authorization_endpoint = url_beside(&idp.token_url);
    let sign_in = idp.development_sign_in;
    let mut grant_types = vec![GRANT_TYPE_TOKEN_EXCHANGE];
    if sign_in {
        grant_types.push(GRANT_TYPE_AUTHORIZATION_CODE);
    }
    serde_json::to_string(&Metadata {
        issuer: &idp.issuer,
        authorization_endpoint: &authorization_endpoint,
        token_endpoint: &idp.token_url,
        jwks_uri: &idp.jwks_uri,
        grant_types_supported: grant_types,
        identity_chaining_requested_token_types_supported: [TOKEN_TYPE_ID_JAG],
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        token_endpoint_auth_signing_alg_values_supported: ["ES256", "RS256", "PS256"],
        response_types_supported: if sign_in { vec!["code"] } else { Vec::new() },
        sign_in: sign_in.then_some(SignInMetadata {
            response_modes_supported: ["query"],
            code_challenge_methods_supported: ["S256"],
            scopes_supported: ["openid"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["ES256"],
            claims_supported: [
                "iss", "sub", "aud", "exp", "iat", "auth_time", "amr", "nonce", "email",
            ],
            authorization_response_iss_parameter_supported: true,
        }),
        xaa_development_sign_in_endpoint: idp
            .development_sign_in
            .then_some(idp.dev_sign_in_url.as_str()),
    })
    .map_err(|e| format!("metadata: {e}"))
}

/// OpenID Connect Discovery 1.0 §4: the issuer followed by this path.
const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";

/// Routes one request; token exchanges carry their audit event.
pub fn handle(idp: &IdentityProvider, host: &mut dyn Host, request: &HttpRequest) -> HttpResponse {
    let path = request.path.split('?').next().unwrap_or("");
    let is_get = matches!(request.method.as_str(), "GET" | "HEAD");
    if path == url_path(&idp.token_url) {
        if request.method != "POST" {
            return HttpResponse::method_not_allowed("POST");
        }
        let code_grant = idp.development_sign_in
            && read_form_post(request)
                .is_ok_and(|form| form.get("grant_type") == Some(GRANT_TYPE_AUTHORIZATION_CODE));
        let (mut response, event) = if code_grant {
            authorization_code::handle(idp, host, request)
        } else {
            token_exchange::handle(idp, host, request)
        };
        response.audit_event = Some(event.to_json());
        return response;
    }
    if path == url_path(&url_beside(&idp.token_url)) {
        if !idp.development_sign_in {
            return refuse_authorization(&request.method);
        }
        let (mut response, event) = authorization_endpoint::handle(idp, host, request);
        response.audit_event = event.map(|e| e.to_json());
        return response;
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
    } else if metadata_paths(&idp.issuer).iter().any(|p| p == path)
        || (idp.development_sign_in
            && path == format!("{}{OPENID_CONFIGURATION}", url_path(&idp.issuer).trim_end_matches('/')))
    {
        metadata(idp)
    } else {
        return HttpResponse::not_found();
    };
    if !is_get {
        return HttpResponse::method_not_allowed("GET, HEAD");
    }
    document(&request.method, document_body, "application/json")
}
