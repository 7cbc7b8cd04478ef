//! The ID-JAG as a resource authorization server receives it (ID-JAG draft -04 §3.1 and
//! §4.4.1; RFC 7523 §3; RFC 7521 §5.2; the MCP enterprise-managed-authorization profile).
//!
//! Checks, in order (specs.md §3b): compact JWS (rule 3) → header: no forbidden parameter,
//! `typ` = `oauth-id-jag+jwt` (rule 4) → `iss` read from the strictly parsed payload is not
//! this AS (rule 12) and is a trusted issuer (rule 5) → `alg` in that issuer's allow-list
//! (rule 4) → key from that issuer's set only (rule 6) → signature → claim types (rules
//! 9–11) → `aud` a single value equal to this AS's issuer (rule 7) → `client_id` equals the
//! presenting client (rule 8) → `exp`/`iat`/`nbf` with leeway and the maximum lifetime
//! (rule 9) → `resource` present and served here (rule 14) → no `cnf` (draft -06 §9.11: an
//! unsupported confirmation method is refused) → no `authorization_details` (rule 16: RFC 9396
//! is not supported, so the grant is refused) → `jti` single-use via the host's replay
//! store, keyed by issuer (rule 10). Every failure maps to `invalid_grant` (rule 19).

use crate::claims::{check_clock, parse_payload, Claims};
use crate::config::{same_resource, ValidAuthorizationServer};
use crate::error::{escape_for_log, Code, Rejection};
use crate::explain::Trace;
use crate::host::Host;
use crate::json::Json;
use crate::jws::{self, TypRule};
use crate::key_store::{KeyStore, SourceId};
use crate::replay;
use crate::urn::TYP_ID_JAG;
use crate::VerifiedToken;

/// What an ID-JAG validation needs from the configured instance.
pub struct Context<'a> {
    /// The AS role.
    pub config: &'a ValidAuthorizationServer,
    /// Key source of each trusted issuer, by index.
    pub sources: &'a [SourceId],
    /// The instance's keys.
    pub keys: &'a mut KeyStore,
}

/// Validates an ID-JAG presented by `client_id`; with `consume_jti`, also records its `jti`
/// as used (see [`consume`]).
pub fn validate(
    ctx: Context<'_>,
    host: &mut dyn Host,
    token: &str,
    client_id: &str,
    consume_jti: bool,
    trace: &mut Trace,
) -> Result<VerifiedToken, Rejection> {
    let config = ctx.config;
    let now = host.now();
    trace.step("clock", check_clock(now), |_| format!("now = {now}"))?;
    let opened = jws::open(token, TypRule::Exactly(TYP_ID_JAG), trace)?;
    let (payload, payload_text) = trace.step(
        "payload",
        parse_payload(opened.payload_unverified()),
        |_| "strict JSON object (not yet trusted)".into(),
    )?;
    let iss_unverified = payload
        .as_object()
        .and_then(|m| m.get("iss"))
        .and_then(Json::as_str)
        .ok_or_else(|| Rejection::new(Code::ClaimInvalid, "\"iss\" missing or not a string"));
    let iss_unverified = trace.step("claims.iss", iss_unverified, |_| {
        "iss read to find the issuer's keys (not yet trusted)".into()
    })?;
    trace.step(
        "issuer.not_self",
        Rejection::when(iss_unverified == config.issuer, Code::SelfIssued, "iss is this authorization server's own issuer"),
        |_| "iss is not this authorization server".into(),
    )?;
    let index = config
        .issuers
        .iter()
        .position(|i| i.issuer == iss_unverified)
        .ok_or_else(|| {
            Rejection::new(
                Code::IssuerUntrusted,
                format!(
                    "iss \"{}\" is not a trusted issuer",
                    escape_for_log(iss_unverified, 80)
                ),
            )
        });
    let index = trace.step("issuer.trusted", index, |_| {
        format!("iss \"{}\" is trusted", escape_for_log(iss_unverified, 80))
    })?;
    let issuer = &config.issuers[index];
    // The claims text outlives the unverified JWS, which the signature stage consumes.
    let payload_text = payload_text.to_owned();
    let keys = jws::Keys::Store {
        store: ctx.keys,
        source: ctx.sources.get(index).copied().unwrap_or(usize::MAX),
    };
    let proof = opened
        .check_alg(&issuer.algorithms, " for this issuer", trace)?
        .verify(host, keys, trace)?
        .proof;
    let claims = trace.step("claims", Claims::read(&payload), |_| {
        "required claims present and well-typed".into()
    })?;
    let single_aud = !claims.aud_is_array || claims.aud.len() == 1;
    trace.step(
        "claims.aud",
        if single_aud && claims.aud.first() == Some(&config.issuer) {
            Ok(())
        } else if !single_aud {
            Err(Rejection::new(
                Code::AudienceMismatch,
                format!(
                    "aud has {} values; an ID-JAG names exactly one",
                    claims.aud.len()
                ),
            ))
        } else {
            Err(Rejection::new(
                Code::AudienceMismatch,
                format!(
                    "aud \"{}\" is not this authorization server",
                    escape_for_log(claims.aud.first().map_or("", String::as_str), 80)
                ),
            ))
        },
        |_| "aud is this authorization server".into(),
    )?;
    trace.step(
        "claims.client_id",
        match &claims.client_id {
            None => Err(Rejection::new(
                Code::ClaimInvalid,
                "required claim \"client_id\" is missing",
            )),
            Some(id) if id == client_id => Ok(()),
            Some(id) => Err(Rejection::new(
                Code::ClientIdMismatch,
                format!(
                    "client_id \"{}\" is not the presenting client \"{}\"",
                    escape_for_log(id, 80),
                    escape_for_log(client_id, 80)
                ),
            )),
        },
        |_| "client_id is the presenting client".into(),
    )?;
    trace.step("claims.time", claims.check_time(now, config.leeway), |_| {
        format!("exp, iat, nbf within leeway {} s", config.leeway)
    })?;
    let lifetime = i128::from(claims.exp) - i128::from(claims.iat);
    trace.step(
        "claims.lifetime",
        if lifetime > i128::from(config.max_assertion_lifetime) {
            Err(Rejection::new(
                Code::LifetimeTooLong,
                format!(
                    "exp - iat is {lifetime} s; the maximum is {} s",
                    config.max_assertion_lifetime
                ),
            ))
        } else {
            Ok(())
        },
        |_| format!("exp - iat = {lifetime} s"),
    )?;
    trace.step("claims.resource", check_resource(config, &claims), |_| {
        "every resource is served here".into()
    })?;
    trace.step("claims.cnf", claims.check_no_cnf("ID-JAGs"), |_| "no cnf".into())?;
    // specs.md §3b rule 16: authorization_details must be processed per RFC 9396 or the
    // grant refused; ignoring it would grant more than the IdP meant.
    trace.step(
        "claims.authorization_details",
        Rejection::when(claims.authorization_details_present, Code::ClaimInvalid, "authorization_details is present; RFC 9396 grants are not supported"),
        |_| "no authorization_details".into(),
    )?;
    // An IdP's `sub` is unique within its tenant only: a multi-tenant issuer must name the
    // tenant (it becomes part of the subject, `subject`), and an ID-JAG of any other issuer
    // must not, or two tenants' users could share a subject here.
    trace.step(
        "claims.tenant",
        match (issuer.tenant_required, &claims.tenant) {
            (true, None) => Err(Rejection::new(
                Code::ClaimInvalid,
                "tenant is missing; this issuer is configured multi-tenant (tenant_required)",
            )),
            (false, Some(_)) => Err(Rejection::new(
                Code::ClaimInvalid,
                "tenant is present; this issuer is not configured multi-tenant (tenant_required)",
            )),
            _ => Ok(()),
        },
        |_| "tenant as the issuer's configuration says".into(),
    )?;
    let verified = VerifiedToken::new(&claims, &payload_text, &proof);
    if consume_jti {
        trace.step("replay", consume(host, config, &verified), |_| {
            "jti recorded as used".into()
        })?;
    }
    Ok(verified)
}

/// Records a verified ID-JAG's (`iss`, `jti`) as used until `exp` + leeway; `replayed` if it
/// already was. The token endpoint calls this only once every other check of the request
/// passed, so a request refused for its scope or resource does not burn the assertion.
pub fn consume(
    host: &mut dyn Host,
    config: &ValidAuthorizationServer,
    verified: &VerifiedToken,
) -> Result<(), Rejection> {
    let key = replay::key("id-jag", verified.issuer(), verified.jwt_id());
    let expires_at = verified.expires_at().saturating_add(i64::from(config.leeway));
    replay::use_once(host, &key, expires_at, "this (iss, jti) was already presented")
}

fn check_resource(config: &ValidAuthorizationServer, claims: &Claims) -> Result<(), Rejection> {
    if !claims.resource_present {
        return Err(Rejection::new(
            Code::ResourceMismatch,
            "resource is absent; this authorization server requires it",
        ));
    }
    for resource in &claims.resource {
        let served = config
            .resources
            .iter()
            .any(|r| same_resource(r, resource, config.root_slash));
        if !served {
            return Err(Rejection::new(
                Code::ResourceMismatch,
                format!(
                    "resource \"{}\" is not served by this authorization server",
                    escape_for_log(resource, 80)
                ),
            ));
        }
    }
    Ok(())
}
