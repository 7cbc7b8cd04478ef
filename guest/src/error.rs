//! Verdict codes and their one mapping to the wire (OAuth error, HTTP status,
//! `WWW-Authenticate`).
//!
//! Every rejection carries a stable snake_case [`Code`]. Codes are API: hosts, logs and the
//! conformance suite match on them, so a code is never renamed or reused. The table in
//! README.md ("Verdict codes") is checked against [`Code::ALL`] by a test.

use std::format;
use std::string::String;

/// The stable machine code of a rejection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// Not a compact JWS, bad base64url, bad UTF-8 or JSON, a duplicate member, or a header
    /// member of the wrong JSON type.
    Malformed,
    /// A size, depth or count cap was exceeded before any expensive work.
    LimitExceeded,
    /// `alg` is not in the allow-list for this issuer (`none`, `HS256`, ...).
    AlgNotAllowed,
    /// A header parameter this profile forbids (`jwk`, `jku`, `x5u`, `x5c`, `crit`, `b64`,
    /// `zip`, `cty`, `enc`, ...).
    HeaderForbidden,
    /// `typ` is missing or is not the type this validator expects.
    TypMismatch,
    /// No trusted key matches the token's `kid`.
    KeyNotFound,
    /// More than one trusted key could verify the token, and it names none.
    KeyAmbiguous,
    /// The only matching key cannot be used with the token's `alg`.
    KeyRejected,
    /// The issuer's keys could not be obtained (fetch failed, none cached): not a verdict on
    /// the token itself; the caller may retry.
    KeysUnavailable,
    /// The signature does not verify (wrong length, out of range, or wrong).
    SignatureInvalid,
    /// A required claim is missing, or a claim has the wrong JSON type or an impossible value.
    ClaimInvalid,
    /// The `iss` of an ID-JAG is not a trusted issuer.
    IssuerUntrusted,
    /// The `iss` of an access token is not this resource's authorization server.
    IssuerMismatch,
    /// An ID-JAG names this authorization server itself as its issuer.
    SelfIssued,
    /// `aud` does not name this authorization server or resource.
    AudienceMismatch,
    /// `exp` has passed (leeway included).
    Expired,
    /// `nbf` is in the future (leeway included).
    NotYetValid,
    /// `iat` is in the future (leeway included).
    IssuedInFuture,
    /// `exp - iat` exceeds the configured maximum lifetime.
    LifetimeTooLong,
    /// This `jti` was already used.
    Replayed,
    /// The replay store could not answer; the component fails closed.
    ReplayStoreUnavailable,
    /// The ID-JAG's `client_id` is not the presenting client.
    ClientIdMismatch,
    /// The ID-JAG's `resource` is absent or not a resource this authorization server serves.
    ResourceMismatch,
    /// The token carries a `cnf` confirmation this component cannot check.
    ConfirmationUnsupported,
    /// The instance has no configuration for this role.
    NotConfigured,
    /// The host clock is outside any plausible range (before 2000 or after 2100); the
    /// component fails closed rather than judge time-bound claims against it.
    ClockInvalid,
    /// A valid access token without a scope the request needs (the gateway's
    /// `required_scopes`; RFC 6750 §3.1 `insufficient_scope`, 403).
    InsufficientScope,
}

/// OAuth error names (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 8693 §2.2.2, RFC 8707
/// §2, RFC 9396 §5, ID-JAG §4.3.4): the one place the component spells them.
pub mod oauth {
    /// RFC 6749 §5.2.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// RFC 6749 §5.2.
    pub const INVALID_CLIENT: &str = "invalid_client";
    /// RFC 6749 §5.2.
    pub const INVALID_GRANT: &str = "invalid_grant";
    /// RFC 6749 §5.2.
    pub const UNAUTHORIZED_CLIENT: &str = "unauthorized_client";
    /// RFC 6749 §5.2.
    pub const UNSUPPORTED_GRANT_TYPE: &str = "unsupported_grant_type";
    /// RFC 6749 §4.1.2.1.
    pub const UNSUPPORTED_RESPONSE_TYPE: &str = "unsupported_response_type";
    /// RFC 6749 §5.2.
    pub const INVALID_SCOPE: &str = "invalid_scope";
    /// RFC 8707 §2; RFC 8693 §2.2.2.
    pub const INVALID_TARGET: &str = "invalid_target";
    /// RFC 9396 §5.
    pub const INVALID_AUTHORIZATION_DETAILS: &str = "invalid_authorization_details";
    /// RFC 6750 §3.1.
    pub const INVALID_TOKEN: &str = "invalid_token";
    /// RFC 6750 §3.1.
    pub const INSUFFICIENT_SCOPE: &str = "insufficient_scope";
    /// ID-JAG §4.3.4 (step-up).
    pub const INSUFFICIENT_USER_AUTHENTICATION: &str = "insufficient_user_authentication";
    /// RFC 6749 §4.1.2.1 (and as a token-endpoint error by common practice).
    pub const SERVER_ERROR: &str = "server_error";
    /// RFC 6749 §4.1.2.1 (and as a token-endpoint error by common practice).
    pub const TEMPORARILY_UNAVAILABLE: &str = "temporarily_unavailable";
    /// The body of a response whose own serialization failed.
    pub const SERVER_ERROR_BODY: &[u8] = br#"{"error":"server_error"}"#;
}

/// The one `error_description` of every refused assertion: which check failed is the
/// verdict code in the host's log, never the caller's business (specs.md §3b rule 19).
pub const INVALID_GRANT_DESCRIPTION: &str = "The assertion is not valid for this request";

/// The one `error_description` of every refused subject token at the IdP: which check
/// failed goes to the audit log.
pub const INVALID_SUBJECT_TOKEN: &str = "The subject token is not valid for this request";

/// The one `error_description` of every failed client authentication, whether the client
/// exists or not, so a caller cannot tell registered client ids from others.
pub const CLIENT_AUTHENTICATION_FAILED: &str = "client authentication failed";

/// The `error_description` of every `invalid_token` challenge.
pub const INVALID_TOKEN_DESCRIPTION: &str = "The access token is not valid for this resource";

/// The OAuth role on whose behalf a verdict is given; it decides the wire mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Resource authorization server checking an ID-JAG (errors per RFC 6749 §5.2).
    AuthorizationServer,
    /// Resource server checking an access token (errors per RFC 6750 §3.1).
    ResourceServer,
    /// A diagnostic check outside any OAuth role (`verify-jws-signature`).
    Diagnostic,
    /// A token endpoint checking a client assertion (RFC 7523 §2.2: `invalid_client`).
    ClientAssertion,
    /// The IdP checking the subject token of a token exchange (RFC 8693 §2.2.2).
    SubjectToken,
}

impl Code {
    /// Every code, in table order.
    pub const ALL: &'static [Code] = &[
        Code::Malformed,
        Code::LimitExceeded,
        Code::AlgNotAllowed,
        Code::HeaderForbidden,
        Code::TypMismatch,
        Code::KeyNotFound,
        Code::KeyAmbiguous,
        Code::KeyRejected,
        Code::KeysUnavailable,
        Code::SignatureInvalid,
        Code::ClaimInvalid,
        Code::IssuerUntrusted,
        Code::IssuerMismatch,
        Code::SelfIssued,
        Code::AudienceMismatch,
        Code::Expired,
        Code::NotYetValid,
        Code::IssuedInFuture,
        Code::LifetimeTooLong,
        Code::Replayed,
        Code::ReplayStoreUnavailable,
        Code::ClientIdMismatch,
        Code::ResourceMismatch,
        Code::ConfirmationUnsupported,
        Code::NotConfigured,
        Code::ClockInvalid,
        Code::InsufficientScope,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Malformed => "malformed",
            Code::LimitExceeded => "limit_exceeded",
            Code::AlgNotAllowed => "alg_not_allowed",
            Code::HeaderForbidden => "header_forbidden",
            Code::TypMismatch => "typ_mismatch",
            Code::KeyNotFound => "key_not_found",
            Code::KeyAmbiguous => "key_ambiguous",
            Code::KeyRejected => "key_rejected",
            Code::KeysUnavailable => "keys_unavailable",
            Code::SignatureInvalid => "signature_invalid",
            Code::ClaimInvalid => "claim_invalid",
            Code::IssuerUntrusted => "issuer_untrusted",
            Code::IssuerMismatch => "issuer_mismatch",
            Code::SelfIssued => "self_issued",
            Code::AudienceMismatch => "audience_mismatch",
            Code::Expired => "expired",
            Code::NotYetValid => "not_yet_valid",
            Code::IssuedInFuture => "issued_in_future",
            Code::LifetimeTooLong => "lifetime_too_long",
            Code::Replayed => "replayed",
            Code::ReplayStoreUnavailable => "replay_store_unavailable",
            Code::ClientIdMismatch => "client_id_mismatch",
            Code::ResourceMismatch => "resource_mismatch",
            Code::ConfirmationUnsupported => "confirmation_unsupported",
            Code::NotConfigured => "not_configured",
            Code::ClockInvalid => "clock_invalid",
            Code::InsufficientScope => "insufficient_scope",
        }
    }

    /// A fixed, log-safe summary: what a caller may be told without learning which internal
    /// value failed.
    pub fn summary(self) -> &'static str {
        match self {
            Code::Malformed => "The token is malformed",
            Code::LimitExceeded => "The token exceeds a size limit",
            Code::AlgNotAllowed => "The signing algorithm is not allowed",
            Code::HeaderForbidden => "The token header carries a forbidden parameter",
            Code::TypMismatch => "The token type is not accepted here",
            Code::KeyNotFound => "No trusted key matches the token",
            Code::KeyAmbiguous => "The token does not identify its signing key",
            Code::KeyRejected => "The matching key cannot verify this token",
            Code::KeysUnavailable => "The issuer's keys are temporarily unavailable",
            Code::SignatureInvalid => "The token signature is invalid",
            Code::ClaimInvalid => "A token claim is missing or invalid",
            Code::IssuerUntrusted => "The token issuer is not trusted",
            Code::IssuerMismatch => "The token issuer is not accepted here",
            Code::SelfIssued => "The token was issued by this server itself",
            Code::AudienceMismatch => "The token is not intended for this audience",
            Code::Expired => "The token has expired",
            Code::NotYetValid => "The token is not yet valid",
            Code::IssuedInFuture => "The token is issued in the future",
            Code::LifetimeTooLong => "The token lifetime is too long",
            Code::Replayed => "The token has already been used",
            Code::ReplayStoreUnavailable => "Replay protection is temporarily unavailable",
            Code::ClientIdMismatch => "The token was issued to a different client",
            Code::ResourceMismatch => "The token names a resource not served here",
            Code::ConfirmationUnsupported => "The token's key confirmation is not supported",
            Code::NotConfigured => "This server is not configured for this token",
            Code::ClockInvalid => "The server clock is not trustworthy",
            Code::InsufficientScope => "The token lacks a scope this request needs",
        }
    }

    /// Temporary conditions of the server, not properties of the token.
    pub fn is_temporary(self) -> bool {
        matches!(
            self,
            Code::KeysUnavailable | Code::ReplayStoreUnavailable | Code::ClockInvalid
        )
    }
}

impl core::fmt::Display for Code {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal: a stable code plus a log-safe detail (never a token, key or secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The stable code.
    pub code: Code,
    /// Log-safe detail for operators; built only from validated or escaped values.
    pub detail: String,
}

impl Rejection {
    /// A rejection with a detail.
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Rejection {
            code,
            detail: detail.into(),
        }
    }

    /// One yes/no check's verdict: this rejection when `refused`, else `Ok`. The detail is
    /// converted only on refusal.
    pub fn when(refused: bool, code: Code, detail: impl Into<String>) -> Result<(), Rejection> {
        if refused {
            Err(Rejection::new(code, detail))
        } else {
            Ok(())
        }
    }
}

/// A rejection as it goes on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireError {
    /// OAuth error code.
    pub oauth_error: &'static str,
    /// HTTP status.
    pub http_status: u16,
    /// `WWW-Authenticate` header value, where one applies.
    pub www_authenticate: Option<String>,
    /// The one `error_description` a caller is told: which check failed is the verdict code,
    /// for the server's log (specs.md §3b rule 19).
    pub description: &'static str,
}

impl Rejection {
    /// The one mapping from a rejection to the wire, per role: RFC 6749 §5.2 / RFC 7521
    /// §4.1.1 for the authorization server (every assertion failure is `invalid_grant`),
    /// RFC 7523 §2.2 for client assertions (`invalid_client`), RFC 8693 §2.2.2 for subject
    /// tokens (`invalid_request`), RFC 6750 §3.1 / RFC 9068 §4 / RFC 9728 §5.1 for the
    /// resource server.
    pub fn to_wire(&self, role: Role, resource_metadata: Option<&str>) -> WireError {
        let wire = |oauth_error, http_status, description| WireError {
            oauth_error,
            http_status,
            www_authenticate: None,
            description,
        };
        match role {
            // Every unusable subject token is `invalid_request`, even one judged under an
            // implausible clock: the IdP's own keys are configured, never fetched, and the
            // exchange has always answered so.
            Role::SubjectToken => wire(oauth::INVALID_REQUEST, 400, INVALID_SUBJECT_TOKEN),
            _ if self.code.is_temporary() => {
                wire(oauth::TEMPORARILY_UNAVAILABLE, 503, self.code.summary())
            }
            _ if self.code == Code::NotConfigured => {
                wire(oauth::SERVER_ERROR, 500, self.code.summary())
            }
            Role::Diagnostic => wire(oauth::INVALID_REQUEST, 400, self.code.summary()),
            Role::AuthorizationServer => wire(oauth::INVALID_GRANT, 400, INVALID_GRANT_DESCRIPTION),
            Role::ClientAssertion => wire(oauth::INVALID_CLIENT, 401, CLIENT_AUTHENTICATION_FAILED),
            Role::ResourceServer => {
                // One fixed description for every refused token: which check failed is the
                // verdict code, for the server's log, not for the caller (issue 11).
                let mut challenge = format!(
                    "Bearer error=\"{}\", error_description=\"{INVALID_TOKEN_DESCRIPTION}\"",
                    oauth::INVALID_TOKEN
                );
                if let Some(url) = resource_metadata {
                    challenge.push_str(&format!(", resource_metadata=\"{}\"", url));
                }
                WireError {
                    www_authenticate: Some(challenge),
                    ..wire(oauth::INVALID_TOKEN, 401, INVALID_TOKEN_DESCRIPTION)
                }
            }
        }
    }
}

/// Escapes an untrusted value for a log-safe detail: printable ASCII only, at most `max`
/// characters, everything else as `\u{..}` (K06: no CRLF or control characters reach logs).
pub fn escape_for_log(value: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, ch) in value.chars().enumerate() {
        if count >= max {
            out.push('…');
            break;
        }
        if ch.is_ascii_graphic() || ch == ' ' {
            if ch == '"' || ch == '\\' {
                out.push('\\');
            }
            out.push(ch);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", ch as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_token_gets_the_same_challenge_at_a_resource() {
        let challenges: Vec<Option<String>> = Code::ALL
            .iter()
            .filter(|c| !c.is_temporary() && **c != Code::NotConfigured)
            .map(|c| {
                Rejection::new(*c, "detail")
                    .to_wire(Role::ResourceServer, Some("https://mcp.example.com/prm"))
                    .www_authenticate
            })
            .collect();
        assert!(challenges.len() > 20);
        for challenge in &challenges {
            assert_eq!(
                challenge.as_deref(),
                Some(
                    "Bearer error=\"invalid_token\", error_description=\"The access token is not valid for this resource\", resource_metadata=\"https://mcp.example.com/prm\""
                )
            );
        }
    }
}
