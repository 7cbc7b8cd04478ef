//! An OpenID Connect ID token from a provider this component does not run: what `xaa login`
//! checks before it stores the result of a sign-in (OpenID Connect Core §3.1.3.7), and what
//! the IdP as an ID-JAG broker checks of an upstream provider's ID token presented as the
//! subject token of a token exchange ([`validate_upstream`]: the same rules, `nonce` ignored
//! as RFC 8693 leaves it, the keys from the upstream's configured source).
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
use crate::id_token::IdTokenSubject;
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
    check_claims(&claims, expected.issuer, expected.client_id, now, LEEWAY_SECS)?;
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(Rejection::new(
            Code::ClaimInvalid,
            "nonce differs from the sign-in's (a replayed or injected ID token)",
        ));
    }
    Ok(text.to_owned())
}

/// `iss` identical; `aud` contains `client_id` and `azp`, when present (or needed: several
/// audiences), is `client_id`; the times.
fn check_claims(claims: &OpenIdClaims, issuer: &str, client_id: &str, now: i64, leeway: u32) -> Result<(), Rejection> {
    if claims.iss != issuer {
        return Err(Rejection::new(
            Code::IssuerMismatch,
            format!("iss \"{}\" is not the provider expected", escape_for_log(&claims.iss, 80)),
        ));
    }
    let for_us = claims.aud.iter().any(|a| a == client_id);
    let azp_ok = match &claims.azp {
        Some(azp) => azp == client_id,
        None => claims.aud.len() == 1,
    };
    if !for_us || !azp_ok {
        return Err(Rejection::new(
            Code::AudienceMismatch,
            "the ID token was not issued to this client (aud / azp)",
        ));
    }
    claims.check_time(now, leeway)
}

/// The `iss` of a compact JWS's payload, unverified: which upstream's keys must verify it.
pub fn unverified_issuer(token: &str) -> Option<String> {
    let mut off = Trace::off();
    let opened = jws::open(token, TypRule::Unchecked, &mut off).ok()?;
    let (payload, _) = parse_payload(opened.payload_unverified()).ok()?;
    payload.as_object()?.get("iss")?.as_str().map(str::to_owned)
}

/// What an upstream ID token presented to the broker must match.
pub struct Upstream<'a> {
    /// The upstream provider, as configured.
    pub config: &'a crate::config::Upstream,
    /// The client presenting it (authenticated at the broker): the token's `aud`.
    pub client_id: &'a str,
    /// The broker's clock leeway.
    pub leeway: u32,
}

/// Validates an upstream provider's ID token presented by `upstream.client_id` with the keys
/// of `keys`; returns the user as the directory names them (the configured subject claim).
pub fn validate_upstream(
    host: &mut dyn Host,
    token: &str,
    upstream: &Upstream<'_>,
    keys: Keys<'_>,
) -> Result<IdTokenSubject, Rejection> {
    let now = host.now();
    check_clock(now)?;
    let config = upstream.config;
    if !config.client_ids.iter().any(|c| c == upstream.client_id) {
        return Err(Rejection::new(
            Code::AudienceMismatch,
            "this client may not present ID tokens of this upstream provider",
        ));
    }
    let mut off = Trace::off();
    let payload = jws::open(token, TypRule::ExactlyOrAbsent("JWT"), &mut off)?
        .check_alg(&config.algorithms, " for this upstream provider", &mut off)?
        .verify(host, keys, &mut off)?
        .payload;
    let (payload, _) = parse_payload(&payload)?;
    let claims = OpenIdClaims::read(&payload)?;
    check_claims(&claims, &config.issuer, upstream.client_id, now, upstream.leeway)?;
    let member = |name: &str| payload.as_object().and_then(|m| m.get(name));
    let text = |name: &str| member(name).and_then(|v| v.as_str()).map(str::to_owned);
    let subject = text(&config.subject_claim).filter(|s| !s.is_empty()).ok_or_else(|| {
        Rejection::new(
            Code::ClaimInvalid,
            format!("the subject claim \"{}\" is missing or not a string", config.subject_claim),
        )
    })?;
    let amr = match member("amr") {
        Some(crate::json::Json::Array(items)) => Some(
            items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        ),
        _ => None,
    };
    Ok(IdTokenSubject {
        subject,
        auth_time: claims.auth_time,
        acr: claims.acr,
        amr,
        email: text("email"),
        tenant: None,
    })
}
