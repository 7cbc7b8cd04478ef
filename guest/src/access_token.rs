//! The RFC 9068 JWT access token as a resource server (MCP server, gateway) receives it.
//!
//! Checks, in order (RFC 9068 §4; specs.md §3c): compact JWS → header: no forbidden
//! parameter, `typ` = `at+jwt` (rule 1) → `alg` in the allow-list (rule 5) → key from the
//! authorization server's set (rule 5) → signature (rule 5) → claim types, with `sub`,
//! `client_id`, `iat`, `jti` required (rule 8) → `iss` equals the authorization server
//! (rule 3) → `aud` contains this resource, compared exactly (rules 4, 10, 15) → `exp` /
//! `nbf` / `iat` with leeway (rule 6) → no `cnf` (a sender-constrained token cannot be
//! accepted as a bearer token, RFC 9449 §7). Failures map to 401 `invalid_token` with a
//! `WWW-Authenticate` challenge (rule 7). Unlike the ID-JAG, the payload is parsed only
//! after the signature verified: the issuer is known from configuration.

use crate::claims::{check_clock, parse_payload, Claims};
use crate::config::{same_resource, ValidResourceServer};
use crate::error::{escape_for_log, Code, Rejection};
use crate::explain::Trace;
use crate::host::Host;
use crate::jws::{self, TypRule};
use crate::key_store::{KeyStore, SourceId};
use crate::token_cache::TokenCache;
use crate::urn::TYP_ACCESS_TOKEN;
use crate::VerifiedToken;

/// What an access-token validation needs from the configured instance.
pub struct Context<'a> {
    /// The RS role.
    pub config: &'a ValidResourceServer,
    /// Key source of the authorization server.
    pub source: SourceId,
    /// The instance's keys.
    pub keys: &'a mut KeyStore,
    /// The verified-token cache.
    pub cache: &'a mut TokenCache,
}

/// Validates an access token for this resource.
pub fn validate(
    ctx: Context<'_>,
    host: &mut dyn Host,
    token: &str,
    trace: &mut Trace,
) -> Result<VerifiedToken, Rejection> {
    let config = ctx.config;
    let now = host.now();
    trace.step("clock", check_clock(now), |_| format!("now = {now}"))?;
    if let Some((hit, key)) = ctx.cache.get(token, now, config.leeway) {
        // A cached verdict stands only while the key that verified it is still published.
        if ctx.keys.still_has(host, ctx.source, &key) {
            trace.pass("cache", || {
                "verified earlier (under 5 minutes ago) with a key still published; exp re-checked against now"
                    .into()
            });
            return Ok(hit);
        }
        ctx.cache.forget(token);
    }
    trace.skip("cache", || "not cached".into());
    let keys = jws::Keys::Store {
        store: ctx.keys,
        source: ctx.source,
    };
    let jws::Verified {
        payload,
        proof,
        key,
    } = jws::open(token, TypRule::Exactly(TYP_ACCESS_TOKEN), trace)?
        .check_alg(&config.algorithms, "", trace)?
        .verify(host, keys, trace)?;
    let (payload, payload_text) = trace.step("payload", parse_payload(&payload), |_| {
        "strict JSON object".into()
    })?;
    let claims = trace.step("claims", Claims::read(&payload), |_| {
        "required claims present and well-typed".into()
    })?;
    trace.step(
        "claims.client_id",
        match claims.client_id {
            Some(_) => Ok(()),
            None => Err(Rejection::new(
                Code::ClaimInvalid,
                "required claim \"client_id\" is missing",
            )),
        },
        |_| "present".into(),
    )?;
    trace.step(
        "claims.iss",
        if claims.iss == config.issuer {
            Ok(())
        } else {
            Err(Rejection::new(
                Code::IssuerMismatch,
                format!(
                    "iss \"{}\" is not this resource's authorization server",
                    escape_for_log(&claims.iss, 80)
                ),
            ))
        },
        |_| "iss is the authorization server".into(),
    )?;
    trace.step(
        "claims.aud",
        if claims
            .aud
            .iter()
            .any(|a| same_resource(&config.resource, a, config.root_slash))
        {
            Ok(())
        } else {
            Err(Rejection::new(
                Code::AudienceMismatch,
                "aud does not name this resource",
            ))
        },
        |_| "aud names this resource".into(),
    )?;
    trace.step("claims.time", claims.check_time(now, config.leeway), |_| {
        format!("exp, iat, nbf within leeway {} s", config.leeway)
    })?;
    trace.step("claims.cnf", claims.check_no_cnf("tokens"), |_| "no cnf".into())?;
    let verified = VerifiedToken::new(&claims, payload_text, &proof);
    ctx.cache.put(token, &verified, key, now);
    Ok(verified)
}
