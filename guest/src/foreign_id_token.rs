//! An OpenID Connect ID token from a provider this component does not run: what `xaa login`
//! checks before it stores the result of a sign-in (OpenID Connect Core §3.1.3.7).
//!
//! Checks, in order: the JWS pipeline (header policy, `typ` absent or `JWT`, `alg` one of
//! ES256, RS256 and PS256 — never `none` or HMAC — the key from the provider's JWK Set, the
//! signature) → claim types → `iss` identical to the provider → `aud` contains this client,
//! and with several audiences `azp` is this client; an `azp` present is this client in any
//! case → `nonce` identical to the request's → `exp` / `iat` / `nbf` with leeway.

use crate::claims::{check_clock, parse_payload, OpenIdClaims};
use crate::error::{escape_for_log, Code, Rejection};
use crate::explain::Trace;
use crate::host::Host;
use crate::jose_header::Alg;
use crate::jwks;
use crate::jws::{self, Keys, TypRule};

/// Clock leeway for a provider's ID token, seconds.
pub const LEEWAY_SECS: u32 = 60;

/// What the token is checked against.
pub struct Expected<'a> {
    /// The provider's issuer identifier.
    pub issuer: &'a str,
    /// This client's id at the provider.
    pub client_id: &'a str,
    /// The `nonce` of the authorization request.
    pub nonce: &'a str,
    /// The provider's JWK Set, as fetched.
    pub jwks: &'a str,
}

/// Validates `token`; returns its claims as the provider wrote them (a JSON object).
pub fn validate(host: &mut dyn Host, token: &str, expected: &Expected<'_>) -> Result<String, Rejection> {
    let now = host.now();
    check_clock(now)?;
    let keys = jwks::parse(expected.jwks).map_err(|why| Rejection::new(Code::KeysUnavailable, why))?;
    let mut off = Trace::off();
    let payload = jws::open(token, TypRule::ExactlyOrAbsent("JWT"), &mut off)?
        .check_alg(&[Alg::Es256, Alg::Rs256, Alg::Ps256], "", &mut off)?
        .verify(host, Keys::Set(&keys), &mut off)?
        .payload;
    let (payload, text) = parse_payload(&payload)?;
    let claims = OpenIdClaims::read(&payload)?;
    if claims.iss != expected.issuer {
        return Err(Rejection::new(
            Code::IssuerMismatch,
            format!("iss \"{}\" is not the provider signed in at", escape_for_log(&claims.iss, 80)),
        ));
    }
    let for_us = claims.aud.iter().any(|a| a == expected.client_id);
    let azp_ok = match &claims.azp {
        Some(azp) => azp == expected.client_id,
        None => claims.aud.len() == 1,
    };
    if !for_us || !azp_ok {
        return Err(Rejection::new(
            Code::AudienceMismatch,
            "the ID token was not issued to this client (aud / azp)",
        ));
    }
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(Rejection::new(
            Code::ClaimInvalid,
            "nonce differs from the sign-in's (a replayed or injected ID token)",
        ));
    }
    claims.check_time(now, LEEWAY_SECS)?;
    Ok(text.to_owned())
}
