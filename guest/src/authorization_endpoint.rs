//! The authorization endpoint that this component's servers advertise and refuse.
//!
//! Neither the resource authorization server (jwt-bearer only) nor the IdP (token exchange
//! only) runs a redirect flow, and RFC 8414 §2 makes `authorization_endpoint` optional for
//! such servers. The official MCP SDK clients (Python `mcp`, TypeScript
//! `@modelcontextprotocol/client`) nevertheless refuse a metadata document without it, so the
//! document names one and the server answers it, honestly: `response_types_supported` stays
//! empty and every request gets `unsupported_response_type` (RFC 6749 §4.1.2.1). No client
//! has a registered redirection URI here, so the error is never redirected (RFC 6749 §3.1.2.4,
//! §4.1.2.1: with a redirection URI that cannot be verified the server MUST NOT redirect).

use crate::token_request::{HttpResponse, OAuthError};

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
