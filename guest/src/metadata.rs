//! RFC 8414 authorization-server metadata for a resource authorization server that accepts
//! ID-JAGs (ID-JAG draft §7.2): `grant_types_supported` includes jwt-bearer and
//! `authorization_grant_profiles_supported` the id-jag profile. The issuer allow-list is never
//! published (draft §9, metadata disclosure).

use serde::Serialize;

use crate::authorization_endpoint::url_beside;
use crate::urn::{GRANT_PROFILE_ID_JAG, GRANT_TYPE_JWT_BEARER};

/// What the document states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationServerMetadata {
    /// Issuer identifier; the document is served for exactly this value (RFC 8414 §3.3).
    pub issuer: String,
    /// Token endpoint URL.
    pub token_endpoint: String,
    /// JWK Set URL of the access-token signing keys.
    pub jwks_uri: String,
    /// Client authentication methods accepted at the token endpoint.
    pub token_endpoint_auth_methods: Vec<String>,
    /// `alg` values accepted for `private_key_jwt` client assertions.
    pub token_endpoint_auth_signing_algs: Vec<String>,
}

#[derive(Serialize)]
struct Document<'a> {
    issuer: &'a str,
    /// Refused at every request (see `authorization_endpoint`), named for the SDKs.
    authorization_endpoint: &'a str,
    token_endpoint: &'a str,
    jwks_uri: &'a str,
    grant_types_supported: [&'a str; 1],
    authorization_grant_profiles_supported: [&'a str; 1],
    token_endpoint_auth_methods_supported: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    token_endpoint_auth_signing_alg_values_supported: Option<&'a [String]>,
    response_types_supported: [&'a str; 0],
}

impl AuthorizationServerMetadata {
    /// The JSON document.
    pub fn to_json(&self) -> Result<String, String> {
        let uses_jwt_auth = self
            .token_endpoint_auth_methods
            .iter()
            .any(|m| m == "private_key_jwt");
        let authorization_endpoint = url_beside(&self.token_endpoint);
        serde_json::to_string(&Document {
            issuer: &self.issuer,
            authorization_endpoint: &authorization_endpoint,
            token_endpoint: &self.token_endpoint,
            jwks_uri: &self.jwks_uri,
            grant_types_supported: [GRANT_TYPE_JWT_BEARER],
            authorization_grant_profiles_supported: [GRANT_PROFILE_ID_JAG],
            token_endpoint_auth_methods_supported: &self.token_endpoint_auth_methods,
            token_endpoint_auth_signing_alg_values_supported: uses_jwt_auth
                .then_some(self.token_endpoint_auth_signing_algs.as_slice()),
            response_types_supported: [],
        })
        .map_err(|e| format!("metadata: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list_len(value: &crate::json::Json) -> Option<usize> {
        match value {
            crate::json::Json::Array(items) => Some(items.len()),
            _ => None,
        }
    }

    #[test]
    fn advertises_the_id_jag_profile_and_jwt_bearer_only() {
        let doc = AuthorizationServerMetadata {
            issuer: "https://as.example.com".into(),
            token_endpoint: "https://as.example.com/token".into(),
            jwks_uri: "https://as.example.com/jwks.json".into(),
            token_endpoint_auth_methods: vec![
                "client_secret_basic".into(),
                "private_key_jwt".into(),
            ],
            token_endpoint_auth_signing_algs: vec!["ES256".into()],
        }
        .to_json()
        .unwrap();
        let v = crate::json::parse(&doc).unwrap();
        let m = v.as_object().unwrap();
        assert_eq!(m["issuer"].as_str(), Some("https://as.example.com"));
        // Named for the MCP SDKs, which require it; no response type is offered there.
        assert_eq!(
            m["authorization_endpoint"].as_str(),
            Some("https://as.example.com/authorize")
        );
        assert_eq!(list_len(&m["response_types_supported"]), Some(0));
        let list = |name: &str| match &m[name] {
            crate::json::Json::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect::<Vec<_>>(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(list("grant_types_supported"), vec![GRANT_TYPE_JWT_BEARER]);
        assert_eq!(
            list("authorization_grant_profiles_supported"),
            vec![GRANT_PROFILE_ID_JAG]
        );
        assert!(
            list("token_endpoint_auth_signing_alg_values_supported").contains(&"ES256".to_string())
        );
        assert!(!doc.contains("trusted"), "never the issuer allow-list");
    }
}
