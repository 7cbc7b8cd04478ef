//! The component as a sandbox: it imports nothing but this project's interface, hostile
//! sizes stay within limits, and a trap or an exhausted budget becomes a rejection after
//! which the instance is replaced, never a host crash.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::json;
use xaa_host::runtime::{describe, EMBEDDED_COMPONENT};
use xaa_host::{Limits, Runtime, Validator};

#[test]
fn imports_are_only_this_projects_interface() {
    let info = describe(EMBEDDED_COMPONENT).unwrap();
    let imports: Vec<String> = serde_json::from_value(info["imports"].clone()).unwrap();
    println!("component imports: {imports:?}");
    assert!(!imports.is_empty());
    for name in &imports {
        assert!(
            name.starts_with("xaa:token/"),
            "the component imports {name}, which is not this project's interface"
        );
    }
    assert!(imports.contains(&"xaa:token/host@0.2.0".to_string()));
    let exports: Vec<String> = serde_json::from_value(info["exports"].clone()).unwrap();
    assert_eq!(
        exports,
        vec![
            "xaa:token/validator@0.2.0".to_string(),
            "xaa:token/client@0.2.0".to_string(),
            "xaa:token/keys@0.2.0".to_string()
        ]
    );
}

#[test]
fn huge_and_deep_inputs_are_refused_within_limits() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&".".repeat(1 << 20)), "limit_exceeded");
    assert_eq!(h.id_jag(&"A".repeat(5 << 20)), "limit_exceeded");
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(5000), "]".repeat(5000));
    let token = mint_raw(
        &id_jag_header().to_string(),
        &deep,
        Signer::Es256(&keys().idp_ec),
    );
    // The token is over the size cap before its depth is even looked at.
    assert_eq!(h.id_jag(&token), "limit_exceeded");
    let deep_header = format!(
        "{{\"typ\":\"oauth-id-jag+jwt\",\"alg\":\"ES256\",\"x\":{}1{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let token = mint_raw(&deep_header, "{}", Signer::Es256(&keys().idp_ec));
    assert_eq!(h.id_jag(&token), "limit_exceeded");
    assert_eq!(h.id_jag(&id_jag("after-hostile", json!({}))), "valid");
}

#[test]
fn memory_exhaustion_traps_into_a_rejection_and_the_instance_is_replaced() {
    let runtime = Arc::new(
        Runtime::embedded(Limits {
            memory_bytes: 8 << 20,
            ..Limits::default()
        })
        .unwrap(),
    );
    let mut v = Validator::new(runtime, imports(true), config()).unwrap();
    // Lifting a 32 MiB argument into an 8 MiB-capped instance cannot succeed.
    let verdict = v.validate_id_jag(&"A".repeat(32 << 20), CLIENT);
    let xaa_host::wit::Verdict::Rejected(r) = &verdict else {
        panic!("expected a rejection, got {verdict:?}");
    };
    assert_eq!(r.code, "internal_error");
    assert_eq!(r.http_status, 500);
    assert_eq!(
        outcome(&v.validate_id_jag(&id_jag("after-trap", json!({})), CLIENT)),
        "valid"
    );
}

#[test]
fn an_exhausted_time_budget_is_a_rejection_not_a_crash() {
    let mut v = Validator::new(runtime(), imports(false), config()).unwrap();
    // A zero budget interrupts the guest at its first epoch check, deterministically.
    v.set_time_budget(Duration::ZERO);
    let verdict = v.validate_id_jag(&id_jag("budget-1", json!({})), CLIENT);
    let xaa_host::wit::Verdict::Rejected(r) = &verdict else {
        panic!("expected a rejection, got {verdict:?}");
    };
    assert_eq!(r.code, "internal_error");
    assert_eq!(r.oauth_error, "server_error");
    assert!(r.description.contains("time budget"), "{}", r.description);
    // While the budget stays at zero every call is refused the same way, without a crash.
    assert_eq!(outcome(&v.validate_id_jag("x", CLIENT)), "internal_error");
    // With a budget again, a replacement instance is built and judges normally; the jti
    // of the interrupted call was never recorded.
    v.set_time_budget(Limits::default().time_per_call);
    assert_eq!(
        outcome(&v.validate_id_jag(&id_jag("budget-1", json!({})), CLIENT)),
        "valid"
    );
}

#[test]
fn time_in_host_imports_does_not_count_against_the_guest() {
    // A replay store that takes 300 ms per insert, against a 100 ms guest budget.
    struct SlowStore;
    impl xaa_host::imports::replay::ReplayStore for SlowStore {
        fn insert(&self, _: &str, _: i64, _: i64) -> Result<bool, String> {
            std::thread::sleep(Duration::from_millis(300));
            Ok(true)
        }
    }
    let mut v = Validator::new(
        runtime(),
        xaa_host::Imports {
            replay: Arc::new(SlowStore),
            ..imports(true)
        },
        config(),
    )
    .unwrap();
    v.set_time_budget(Duration::from_millis(100));
    assert_eq!(
        outcome(&v.validate_id_jag(&id_jag("slow-import", json!({})), CLIENT)),
        "valid"
    );
}

#[test]
fn explain_lists_every_check_in_pipeline_order() {
    let mut h = Harness::new();
    let e = h
        .validator
        .explain_id_jag(&id_jag("explain-1", json!({})), CLIENT);
    let names: Vec<&str> = e.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "clock",
            "compact",
            "header",
            "header.typ",
            "payload",
            "claims.iss",
            "issuer.not_self",
            "issuer.trusted",
            "header.alg",
            "key",
            "signature",
            "claims",
            "claims.aud",
            "claims.client_id",
            "claims.time",
            "claims.lifetime",
            "claims.resource",
            "claims.cnf",
            "claims.authorization_details",
            "claims.tenant",
            "replay"
        ]
    );
    let e = h.validator.explain_id_jag(
        &id_jag("explain-2", json!({"exp": NOW - 3600, "iat": NOW - 3700})),
        CLIENT,
    );
    let last = e.checks.last().unwrap();
    assert_eq!(last.name, "claims.time");
    assert!(matches!(last.outcome, xaa_host::wit::CheckOutcome::Failed));
}

#[test]
fn cached_access_token_verdict_never_outlives_exp() {
    let token = access_token(json!({"exp": NOW + 30}));
    let clock = xaa_host::imports::clock::Clock::pinned(NOW);
    let mut v = Validator::new(
        runtime(),
        xaa_host::Imports {
            clock: clock.clone(),
            ..imports(true)
        },
        config(),
    )
    .unwrap();
    assert_eq!(outcome(&v.validate_access_token(&token)), "valid");
    let e = v.explain_access_token(&token);
    assert_eq!(e.checks[1].name, "cache");
    assert!(matches!(
        e.checks[1].outcome,
        xaa_host::wit::CheckOutcome::Passed
    ));
    // Inside the leeway the cached verdict still holds; past exp + leeway it must not.
    clock.set(NOW + 30 + 59);
    assert_eq!(outcome(&v.validate_access_token(&token)), "valid");
    clock.set(NOW + 30 + 60);
    assert_eq!(outcome(&v.validate_access_token(&token)), "expired");
    clock.set(NOW);
    assert_eq!(outcome(&v.validate_access_token(&token)), "valid");
    v.clear_token_cache().unwrap();
    let e = v.explain_access_token(&token);
    assert!(matches!(
        e.checks[1].outcome,
        xaa_host::wit::CheckOutcome::Skipped
    ));
}

#[test]
fn verify_jws_signature_checks_the_signature_and_nothing_else() {
    let mut h = Harness::new();
    let jwks = idp_jwks().to_string();
    let algs = vec!["ES256".to_string()];
    // An expired ID-JAG: the JWS layer is fine, and this call judges nothing else.
    let expired = id_jag("jws-1", json!({"exp": NOW - 3600, "iat": NOW - 3700}));
    match h.validator.verify_jws_signature(&expired, &jwks, &algs) {
        xaa_host::wit::JwsVerdict::SignatureValid(payload) => {
            let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            assert_eq!(claims["jti"], "jws-1");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.id_jag(&expired), "expired");
    // A signature by a key not in the set, an alg outside the list, an unusable set.
    let forged = mint(
        &id_jag_header(),
        &id_jag_claims("jws-2"),
        Signer::Es256(&keys().attacker),
    );
    let code = |v: xaa_host::wit::JwsVerdict| match v {
        xaa_host::wit::JwsVerdict::Rejected(r) => {
            assert_eq!(
                (r.oauth_error.as_str(), r.http_status),
                ("invalid_request", 400)
            );
            r.code
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        code(h.validator.verify_jws_signature(&forged, &jwks, &algs)),
        "signature_invalid"
    );
    assert_eq!(
        code(
            h.validator
                .verify_jws_signature(&expired, &jwks, &["RS256".into()])
        ),
        "alg_not_allowed"
    );
    assert_eq!(
        code(
            h.validator
                .verify_jws_signature(&expired, "{\"keys\":[]}", &algs)
        ),
        "key_rejected"
    );
}
