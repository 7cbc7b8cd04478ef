//! The IdP's authorization codes (RFC 6749 §4.1) and the `authorization_code` grant at its
//! token endpoint, with PKCE (RFC 7636, S256 only).
//!
//! The component keeps no state between calls, so a code carries its own grant: the client,
//! the redirection URI, the PKCE challenge, the `nonce`, the user and when they signed in,
//! an expiry 60 s ahead and a random id, as base64url JSON, followed by an HMAC-SHA256 under a
//! key derived from the IdP's signing key (named by `kid`, so codes survive a change of the
//! signing key within their minute). A code is not a JWS, so it can never pass for a token.
//! Single use is the replay store's: the first redemption records the code's id until it
//! expires, and a second one is `invalid_grant`.
//!
//! Redemption order: the form (`code`, `redirect_uri`, `code_verifier`) → client
//! authentication → the client enabled for the grant → the code's MAC, expiry and client →
//! the same redirection URI as the authorization request (RFC 6749 §4.1.3) → PKCE → single
//! use → the user still in the directory and enabled → the sign-in's ID token and refresh
//! token. Every refusal about the code is `invalid_grant` (RFC 6749 §5.2).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit::AuditEvent;
use crate::base64url;
use crate::client_auth::{authenticate, ClientDirectory};
use crate::config::IdentityProvider;
use crate::error::{oauth, Code, Role};
use crate::host::Host;
use crate::replay;
use crate::signing::IssuingKey;
use crate::sign_in::{self, token_response, SignedIn};
use crate::token_request::{read_form_post, HttpRequest, HttpResponse, OAuthError};
use crate::urn::GRANT_TYPE_AUTHORIZATION_CODE;

/// How long a code may be redeemed, seconds (RFC 6749 §4.1.2: a maximum of 10 minutes is
/// RECOMMENDED; a loopback redirect arrives within seconds).
pub const CODE_LIFETIME_SECS: i64 = 60;
/// Longest code accepted, bytes (checked before any decoding).
const MAX_CODE_BYTES: usize = 4096;

/// What a code grants: everything its redemption must match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeGrant {
    /// The client the code was issued to.
    pub client_id: String,
    /// The redirection URI of the authorization request, as sent.
    pub redirect_uri: String,
    /// The PKCE `code_challenge` (S256).
    pub code_challenge: String,
    /// The client's `nonce`, for the ID token.
    pub nonce: Option<String>,
    /// The user.
    pub sub: String,
    /// When the user signed in.
    pub auth_time: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Random id: the replay store's key.
    pub id: String,
}

type HmacSha256 = Hmac<Sha256>;

/// The MAC key for codes under `key`: a hash of the private scalar with a fixed label, so the
/// signing key itself never keys anything but ECDSA.
fn mac_key(key: &IssuingKey) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"xaa-token authorization code v1\0");
    hash.update(key.key.to_bytes());
    hash.finalize().into()
}

fn mac(key: &IssuingKey, text: &str) -> Option<HmacSha256> {
    let mut mac = HmacSha256::new_from_slice(&mac_key(key)).ok()?;
    mac.update(text.as_bytes());
    Some(mac)
}

/// A code for `grant`, under the IdP's current signing key: `kid.payload.mac`, each part
/// base64url.
pub fn mint(idp: &IdentityProvider, grant: &CodeGrant) -> Result<String, &'static str> {
    let key = idp.signing.current()?;
    let payload = serde_json::to_vec(grant).map_err(|_| "encoding failed")?;
    let text = format!(
        "{}.{}",
        base64url::encode(key.kid.as_bytes()),
        base64url::encode(&payload)
    );
    let tag = mac(key, &text).ok_or("no MAC key")?.finalize().into_bytes();
    Ok(format!("{text}.{}", base64url::encode(&tag)))
}

/// The grant of an authentic, unexpired code; `None` for anything else (one answer for
/// every failure: the caller says `invalid_grant`).
pub fn open(idp: &IdentityProvider, code: &str, now: i64) -> Option<CodeGrant> {
    if code.len() > MAX_CODE_BYTES {
        return None;
    }
    let (text, tag) = code.rsplit_once('.')?;
    let (kid, payload) = text.split_once('.')?;
    let kid = String::from_utf8(base64url::decode(kid)?).ok()?;
    let key = idp.signing.keys.iter().find(|k| k.kid == kid)?;
    mac(key, text)?.verify_slice(&base64url::decode(tag)?).ok()?;
    let grant: CodeGrant = serde_json::from_slice(&base64url::decode(payload)?).ok()?;
    (now < grant.exp).then_some(grant)
}

/// RFC 7636 §4.1: 43–128 characters of `[A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~"`.
pub fn is_valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// RFC 7636 §4.6 with S256: `BASE64URL(SHA256(verifier)) == challenge`, compared in constant
/// time.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let computed = base64url::encode(&Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// Handles one `grant_type=authorization_code` request; always returns its audit event.
pub fn handle(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
) -> (HttpResponse, AuditEvent) {
    sign_in::record(host.now(), |event| redeem(idp, host, request, event))
}

fn redeem(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    http: &HttpRequest,
    event: &mut AuditEvent,
) -> Result<HttpResponse, (OAuthError, &'static str)> {
    let invalid_request = |e: OAuthError| (e, oauth::INVALID_REQUEST);
    let form = read_form_post(http).map_err(invalid_request)?;
    let authorization = http.header("authorization").map_err(invalid_request)?;
    let directory = ClientDirectory::of_identity_provider(idp);
    let client = authenticate(host, &directory, authorization, &form)
        .map_err(|e| (e, oauth::INVALID_CLIENT))?;
    event.client_id = Some(client.client_id.clone());
    if !client.may_use(GRANT_TYPE_AUTHORIZATION_CODE) {
        return Err((
            OAuthError::unauthorized_client("this client has no redirection URI registered"),
            "unauthorized_client",
        ));
    }
    let (Some(code), Some(redirect_uri), Some(verifier)) = (
        form.get("code"),
        form.get("redirect_uri"),
        form.get("code_verifier"),
    ) else {
        return Err(invalid_request(OAuthError::invalid_request(
            "code, redirect_uri and code_verifier are required",
        )));
    };
    let invalid_grant = |why: &str, reason| (OAuthError::invalid_grant(why), reason);
    let now = host.now();
    let Some(grant) = open(idp, code, now) else {
        return Err(invalid_grant(
            "the code is unknown or expired",
            "code_invalid",
        ));
    };
    if grant.client_id != client.client_id {
        return Err(invalid_grant(
            "the code was issued to another client",
            "code_client_mismatch",
        ));
    }
    if grant.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's",
            "redirect_uri_mismatch",
        ));
    }
    if !is_valid_verifier(verifier) || !verifier_matches(verifier, &grant.code_challenge) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge",
            "pkce_mismatch",
        ));
    }
    let key = replay::key("authorization-code", &idp.issuer, &grant.id);
    replay::use_once(host, &key, grant.exp, "the code was already used").map_err(|r| {
        match r.code {
            Code::Replayed => invalid_grant("the code was already used", "code_reused"),
            _ => (
                OAuthError::refused(&r, Role::SubjectToken),
                "replay_store_unavailable",
            ),
        }
    })?;
    let Some(user) = idp.users.iter().find(|u| u.sub == grant.sub && !u.disabled) else {
        return Err(invalid_grant("the user is not enabled", "user_disabled"));
    };
    event.subject = Some(user.sub.clone());
    token_response(
        idp,
        host,
        SignedIn {
            user,
            client_id: &client.client_id,
            auth_time: grant.auth_time,
            nonce: grant.nonce,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636 Appendix B's example pair.
    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(is_valid_verifier(verifier));
        assert!(verifier_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!verifier_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
    }

    #[test]
    fn verifiers_outside_rfc_7636_are_refused() {
        for (verifier, why) in [
            ("a".repeat(42), "42 characters"),
            ("a".repeat(129), "129 characters"),
            (format!("{}+", "a".repeat(42)), "a character outside the set"),
            (format!("{} ", "a".repeat(42)), "a space"),
        ] {
            assert!(!is_valid_verifier(&verifier), "{why}");
        }
        assert!(is_valid_verifier(&"~._-aZ09".repeat(16)), "128 characters");
    }
}
