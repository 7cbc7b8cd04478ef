//! The security catalog (research/security.md §1), rows T, C and J: one test per row, each
//! building a hostile token from the baseline and asserting the exact verdict code, validated
//! through the component. NOW is pinned at 1_800_000_000 and the leeway is 60 s.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use serde_json::{json, Map, Value};

const LEEWAY: i64 = 60;

/// A fresh `jti` per ID-JAG, so replay protection never interferes with other checks.
fn jti() -> String {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    format!("catalog-{}", SEQ.fetch_add(1, Ordering::Relaxed))
}

/// A baseline ID-JAG with claim changes (null removes a claim).
fn jag(changes: Value) -> String {
    id_jag(&jti(), changes)
}

/// A baseline ID-JAG whose claims set is edited verbatim (a null stays a JSON null).
fn jag_edit(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut claims = id_jag_claims(&jti());
    edit(claims.as_object_mut().unwrap());
    mint(&id_jag_header(), &claims, Signer::Es256(&keys().idp_ec))
}

/// A baseline access token whose claims set is edited verbatim.
fn at_edit(edit: impl FnOnce(&mut Map<String, Value>)) -> String {
    let mut claims = at_claims();
    edit(claims.as_object_mut().unwrap());
    mint(&at_header(), &claims, Signer::Es256(&keys().as_ec))
}

/// A baseline ID-JAG under another header, signed with the IdP's key.
fn jag_with_header(header: Value) -> String {
    mint(
        &header,
        &id_jag_claims(&jti()),
        Signer::Es256(&keys().idp_ec),
    )
}

/// A baseline access token under another header, signed with the AS key.
fn at_with_header(header: Value) -> String {
    mint(&header, &at_claims(), Signer::Es256(&keys().as_ec))
}

// ---------------------------------------------------------------------------------------
// T: explicit typing
// ---------------------------------------------------------------------------------------

#[test]
fn t01_id_jag_without_typ_is_typ_mismatch() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag_with_header(id_jag_header())), "valid");
    let token = jag_with_header(json!({"alg": "ES256", "kid": "idp-ec"}));
    assert_eq!(h.id_jag(&token), "typ_mismatch");
}

#[test]
fn t02_id_jag_with_foreign_typ_is_typ_mismatch() {
    let mut h = Harness::new();
    for typ in [
        "JWT",
        "at+jwt",
        "id_token+jwt",
        "application/at+jwt",
        "oauth-id-jag",
    ] {
        let token = jag_with_header(json!({"typ": typ, "alg": "ES256", "kid": "idp-ec"}));
        assert_eq!(h.id_jag(&token), "typ_mismatch", "typ {typ:?}");
    }
    // RFC 7515 §4.1.9: the `application/` prefix is optional and case does not matter.
    for typ in ["application/oauth-id-jag+jwt", "OAUTH-ID-JAG+JWT"] {
        let token = jag_with_header(json!({"typ": typ, "alg": "ES256", "kid": "idp-ec"}));
        assert_eq!(h.id_jag(&token), "valid", "typ {typ:?}");
    }
}

#[test]
fn t04_access_token_without_typ_or_with_jwt_is_typ_mismatch() {
    let mut h = Harness::new();
    assert_eq!(h.access_token(&at_with_header(at_header())), "valid");
    let missing = at_with_header(json!({"alg": "ES256", "kid": "as-ec"}));
    assert_eq!(h.access_token(&missing), "typ_mismatch");
    for typ in ["JWT", "jwt", "oauth-id-jag+jwt", "at+jwt; charset=utf-8"] {
        let token = at_with_header(json!({"typ": typ, "alg": "ES256", "kid": "as-ec"}));
        assert_eq!(h.access_token(&token), "typ_mismatch", "typ {typ:?}");
    }
}

#[test]
fn t05_oidc_id_token_presented_as_access_token_is_typ_mismatch() {
    let mut h = Harness::new();
    let id_token_claims = json!({
        "iss": AS_ISSUER, "sub": "U019488227", "aud": CLIENT, "azp": CLIENT,
        "nonce": "n-0S6_WzA2Mj", "at_hash": "77QmUPtjPfzWtF2AnpK9RQ",
        "client_id": CLIENT, "jti": "idt-1", "iat": NOW - 10, "exp": NOW + 290,
    });
    // Even signed by the AS's own key: the type is wrong.
    let token = mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "as-ec"}),
        &id_token_claims,
        Signer::Es256(&keys().as_ec),
    );
    assert_eq!(h.access_token(&token), "typ_mismatch");
    // And were it typed at+jwt, its audience (the client) still refuses it.
    let retyped = mint(&at_header(), &id_token_claims, Signer::Es256(&keys().as_ec));
    assert_eq!(h.access_token(&retyped), "audience_mismatch");
}

#[test]
fn t06_access_token_as_id_jag_and_id_jag_as_access_token_are_typ_mismatch() {
    let mut h = Harness::new();
    let at = access_token(json!({}));
    let idj = jag(json!({}));
    assert_eq!(h.id_jag(&at), "typ_mismatch");
    assert_eq!(h.access_token(&idj), "typ_mismatch");
    // Re-typed, the issuer and keys still keep them apart (mutually exclusive rules).
    let at_retyped = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
        &at_claims(),
        Signer::Es256(&keys().as_ec),
    );
    assert_eq!(h.id_jag(&at_retyped), "self_issued");
    let jag_retyped = mint(
        &json!({"typ": "at+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &id_jag_claims(&jti()),
        Signer::Es256(&keys().idp_ec),
    );
    assert_eq!(h.access_token(&jag_retyped), "key_not_found");
    // The untouched tokens are valid where they belong.
    assert_eq!(h.access_token(&at), "valid");
    assert_eq!(h.id_jag(&idj), "valid");
}

// ---------------------------------------------------------------------------------------
// C: claims
// ---------------------------------------------------------------------------------------

#[test]
fn c01_exp_missing_is_claim_invalid() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"exp": null}))), "claim_invalid");
    assert_eq!(
        h.access_token(&access_token(json!({"exp": null}))),
        "claim_invalid"
    );
}

#[test]
fn c02_time_claims_as_strings_are_claim_invalid() {
    let mut h = Harness::new();
    for (name, value) in [
        ("exp", (NOW + 290).to_string()),
        ("nbf", (NOW - 10).to_string()),
        ("iat", (NOW - 10).to_string()),
    ] {
        let changes = json!({ name: value });
        assert_eq!(
            h.id_jag(&jag(changes.clone())),
            "claim_invalid",
            "ID-JAG {name}"
        );
        assert_eq!(
            h.access_token(&access_token(changes)),
            "claim_invalid",
            "AT {name}"
        );
    }
    // The same values as numbers are fine (nbf included).
    let numeric = json!({"nbf": NOW - 10});
    assert_eq!(h.id_jag(&jag(numeric.clone())), "valid");
    assert_eq!(h.access_token(&access_token(numeric)), "valid");
}

#[test]
fn c04_out_of_range_numeric_dates_are_claim_invalid_without_panic() {
    let mut h = Harness::new();
    let hostile: [Value; 7] = [
        json!(0),
        json!(-1),
        json!(-9_223_372_036_854_775_807_i64),
        json!(253_402_300_800_i64),
        json!(1e308),
        json!(9_223_372_036_854_775_807_i64),
        json!(18_446_744_073_709_551_615_u64),
    ];
    for name in ["exp", "nbf", "iat"] {
        for value in &hostile {
            let edit = |c: &mut Map<String, Value>| {
                c.insert(name.into(), value.clone());
            };
            assert_eq!(
                h.id_jag(&jag_edit(edit)),
                "claim_invalid",
                "ID-JAG {name} = {value}"
            );
            assert_eq!(
                h.access_token(&at_edit(edit)),
                "claim_invalid",
                "AT {name} = {value}"
            );
        }
    }
    // The text form of the payload really carries the hostile literals.
    let raw = format!(
        r#"{{"iss":"{AS_ISSUER}","sub":"s","aud":"{RESOURCE}","client_id":"{CLIENT}","jti":"r","iat":{},"exp":1e308}}"#,
        NOW - 10
    );
    let token = mint_raw(&at_header().to_string(), &raw, Signer::Es256(&keys().as_ec));
    assert_eq!(h.access_token(&token), "claim_invalid");
    // The upper bound itself is a valid NumericDate (9999-12-31T23:59:59Z).
    let far = access_token(json!({"exp": 253_402_300_799_i64}));
    assert_eq!(h.access_token(&far), "valid");
    // The instance survived every input (no trap, no replacement needed).
    assert_eq!(h.id_jag(&jag(json!({}))), "valid");
}

#[test]
fn c05_exp_of_wrong_json_type_is_claim_invalid() {
    let mut h = Harness::new();
    for value in [
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!([NOW + 290]),
    ] {
        let edit = |c: &mut Map<String, Value>| {
            c.insert("exp".into(), value.clone());
        };
        assert_eq!(
            h.id_jag(&jag_edit(edit)),
            "claim_invalid",
            "ID-JAG exp = {value}"
        );
        assert_eq!(
            h.access_token(&at_edit(edit)),
            "claim_invalid",
            "AT exp = {value}"
        );
    }
}

#[test]
fn c06_exp_at_now_minus_leeway_is_expired() {
    let mut h = Harness::new();
    let boundary = NOW - LEEWAY;
    // ID-JAG (iat moved back so the lifetime stays sane).
    let at_boundary = jag(json!({"iat": boundary - 100, "exp": boundary}));
    let inside = jag(json!({"iat": boundary - 100, "exp": boundary + 1}));
    assert_eq!(h.id_jag(&at_boundary), "expired");
    assert_eq!(h.id_jag(&inside), "valid");
    // Access token.
    let at_boundary = access_token(json!({"iat": boundary - 100, "exp": boundary}));
    let inside = access_token(json!({"iat": boundary - 100, "exp": boundary + 1}));
    assert_eq!(h.access_token(&at_boundary), "expired");
    assert_eq!(h.access_token(&inside), "valid");
}

#[test]
fn c07_nbf_after_now_plus_leeway_is_not_yet_valid() {
    let mut h = Harness::new();
    let boundary = NOW + LEEWAY;
    assert_eq!(
        h.id_jag(&jag(json!({"nbf": boundary + 1}))),
        "not_yet_valid"
    );
    assert_eq!(h.id_jag(&jag(json!({"nbf": boundary}))), "valid");
    assert_eq!(
        h.access_token(&access_token(json!({"nbf": boundary + 1}))),
        "not_yet_valid"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"nbf": boundary}))),
        "valid"
    );
}

#[test]
fn c08_iat_after_now_plus_leeway_is_issued_in_future() {
    let mut h = Harness::new();
    let boundary = NOW + LEEWAY;
    assert_eq!(
        h.id_jag(&jag(json!({"iat": boundary + 1}))),
        "issued_in_future"
    );
    assert_eq!(h.id_jag(&jag(json!({"iat": boundary}))), "valid");
    assert_eq!(
        h.access_token(&access_token(json!({"iat": boundary + 1}))),
        "issued_in_future"
    );
    assert_eq!(
        h.access_token(&access_token(json!({"iat": boundary}))),
        "valid"
    );
}

#[test]
fn c09_id_jag_lifetime_above_maximum_is_lifetime_too_long() {
    let mut h = Harness::new();
    let iat = NOW - 10;
    // The configured maximum is 300 s.
    assert_eq!(
        h.id_jag(&jag(json!({"iat": iat, "exp": iat + 301}))),
        "lifetime_too_long"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"iat": iat, "exp": iat + 300}))),
        "valid"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"iat": iat, "exp": 253_402_300_799_i64}))),
        "lifetime_too_long"
    );
}

#[test]
fn c10_iat_or_jti_missing_is_claim_invalid() {
    let mut h = Harness::new();
    for name in ["iat", "jti"] {
        let changes = json!({ name: null });
        assert_eq!(
            h.id_jag(&jag(changes.clone())),
            "claim_invalid",
            "ID-JAG {name}"
        );
        assert_eq!(
            h.access_token(&access_token(changes)),
            "claim_invalid",
            "AT {name}"
        );
    }
}

#[test]
fn c11_issuer_lookalikes_are_rejected_byte_exact() {
    let mut h = Harness::new();
    let variants = |base: &str| {
        let host = base.trim_start_matches("https://");
        vec![
            format!("{base}/"),
            format!("https://{}", host.to_ascii_uppercase()),
            format!("{base}:443"),
            format!("http://{host}"),
            // Cyrillic small letter o (U+043E) in place of the Latin "o".
            format!("https://{}", host.replacen('o', "\u{43e}", 1)),
            format!(" {base}"),
        ]
    };
    for iss in variants(IDP_ISSUER) {
        assert_eq!(
            h.id_jag(&jag(json!({"iss": iss}))),
            "issuer_untrusted",
            "ID-JAG iss {iss:?}"
        );
    }
    for iss in variants(AS_ISSUER) {
        assert_eq!(
            h.access_token(&access_token(json!({"iss": iss}))),
            "issuer_mismatch",
            "AT iss {iss:?}"
        );
    }
    assert_eq!(h.id_jag(&jag(json!({"iss": IDP_ISSUER}))), "valid");
}

#[test]
fn c13_iss_as_array_or_number_is_claim_invalid() {
    let mut h = Harness::new();
    for iss in [json!([IDP_ISSUER]), json!(42), json!({"iss": IDP_ISSUER})] {
        assert_eq!(
            h.id_jag(&jag(json!({"iss": iss}))),
            "claim_invalid",
            "ID-JAG iss {iss}"
        );
    }
    for iss in [json!([AS_ISSUER]), json!(42)] {
        assert_eq!(
            h.access_token(&access_token(json!({"iss": iss}))),
            "claim_invalid",
            "AT iss {iss}"
        );
    }
}

#[test]
fn c14_aud_missing_is_claim_invalid() {
    let mut h = Harness::new();
    assert_eq!(h.id_jag(&jag(json!({"aud": null}))), "claim_invalid");
    assert_eq!(
        h.access_token(&access_token(json!({"aud": null}))),
        "claim_invalid"
    );
}

#[test]
fn c15_aud_array_accepted_for_access_token_single_only_for_id_jag() {
    let mut h = Harness::new();
    // Access token: the resource among others is accepted.
    let among = access_token(json!({"aud": [OTHER_RESOURCE, RESOURCE, "https://x.example.com"]}));
    assert_eq!(h.access_token(&among), "valid");
    let without = access_token(json!({"aud": [OTHER_RESOURCE, "https://x.example.com"]}));
    assert_eq!(h.access_token(&without), "audience_mismatch");
    // ID-JAG: exactly one audience.
    assert_eq!(
        h.id_jag(&jag(
            json!({"aud": [AS_ISSUER, "https://other-as.example.com"]})
        )),
        "audience_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"aud": [AS_ISSUER, AS_ISSUER]}))),
        "audience_mismatch"
    );
    assert_eq!(h.id_jag(&jag(json!({"aud": [AS_ISSUER]}))), "valid");
}

#[test]
fn c17_aud_array_with_non_string_member_is_claim_invalid() {
    let mut h = Harness::new();
    for aud in [
        json!([123]),
        json!([null]),
        json!([["x"]]),
        json!([RESOURCE, 123]),
        json!([]),
    ] {
        let edit = |c: &mut Map<String, Value>| {
            c.insert("aud".into(), aud.clone());
        };
        assert_eq!(
            h.access_token(&at_edit(edit)),
            "claim_invalid",
            "AT aud {aud}"
        );
        let edit = |c: &mut Map<String, Value>| {
            c.insert("aud".into(), aud.clone());
        };
        assert_eq!(
            h.id_jag(&jag_edit(edit)),
            "claim_invalid",
            "ID-JAG aud {aud}"
        );
    }
}

#[test]
fn c18_aud_with_suffix_or_prefix_is_audience_mismatch() {
    let mut h = Harness::new();
    for aud in [
        format!("{RESOURCE}x"),
        format!("{RESOURCE}/x"),
        format!("{RESOURCE}/"),
        "https://mcp.example.com.evil/mcp".to_string(),
        "https://mcp.example.com".to_string(),
    ] {
        assert_eq!(
            h.access_token(&access_token(json!({"aud": aud}))),
            "audience_mismatch",
            "AT aud {aud:?}"
        );
    }
    for aud in [
        format!("{AS_ISSUER}.evil"),
        format!("{AS_ISSUER}/x"),
        format!("{AS_ISSUER}/"),
        "https://as.example.co".to_string(),
    ] {
        assert_eq!(
            h.id_jag(&jag(json!({"aud": aud}))),
            "audience_mismatch",
            "ID-JAG aud {aud:?}"
        );
    }
}

#[test]
fn c19_token_for_another_audience_is_audience_mismatch() {
    let mut h = Harness::new();
    // A perfectly valid access token for resource server B, replayed here at A.
    let for_b = access_token(json!({"aud": OTHER_RESOURCE}));
    assert_eq!(h.access_token(&for_b), "audience_mismatch");
    // An ID-JAG minted for another authorization server.
    let for_other_as = jag(json!({"aud": "https://other-as.example.com"}));
    assert_eq!(h.id_jag(&for_other_as), "audience_mismatch");
    assert_eq!(
        h.access_token(&access_token(json!({"aud": RESOURCE}))),
        "valid"
    );
}

#[test]
fn c20_bad_sub_is_claim_invalid() {
    let mut h = Harness::new();
    for sub in [
        Value::Null,
        json!(""),
        json!(12345),
        json!(["U019488227"]),
        json!("U01\nadmin"),
        json!("U01\u{0}"),
        json!("U01\r\n"),
    ] {
        let edit = |c: &mut Map<String, Value>| {
            if sub.is_null() {
                c.remove("sub");
            } else {
                c.insert("sub".into(), sub.clone());
            }
        };
        assert_eq!(
            h.id_jag(&jag_edit(edit)),
            "claim_invalid",
            "ID-JAG sub {sub}"
        );
        assert_eq!(
            h.access_token(&at_edit(edit)),
            "claim_invalid",
            "AT sub {sub}"
        );
    }
}

#[test]
fn c22_scope_not_a_string_is_claim_invalid() {
    let mut h = Harness::new();
    for scope in [
        json!(["chat.read"]),
        json!(7),
        json!({"chat.read": true}),
        json!(true),
    ] {
        let changes = json!({ "scope": scope });
        assert_eq!(
            h.id_jag(&jag(changes.clone())),
            "claim_invalid",
            "ID-JAG scope {scope}"
        );
        assert_eq!(
            h.access_token(&access_token(changes)),
            "claim_invalid",
            "AT scope {scope}"
        );
    }
    assert_eq!(
        h.access_token(&access_token(json!({"scope": "chat.read chat.write"}))),
        "valid"
    );
}

#[test]
fn c23_unknown_extra_claims_are_ignored() {
    let mut h = Harness::new();
    let extra = json!({
        "act": {"sub": "admin"}, "may_act": {"sub": "root"}, "role": "admin",
        "groups": ["admins"], "x-custom": [1, {"a": null}],
    });
    let token = jag(extra.clone());
    let verdict = h.validator.validate_id_jag(&token, CLIENT);
    let xaa_host::wit::Verdict::Valid(verified) = verdict else {
        panic!("extra claims refused: {verdict:?}");
    };
    // Nothing from the extras leaks into the typed fields.
    assert_eq!(verified.subject, "U019488227");
    assert_eq!(verified.scope.as_deref(), Some("chat.read chat.history"));
    assert_eq!(h.access_token(&access_token(extra)), "valid");
}

// ---------------------------------------------------------------------------------------
// J: ID-JAG grant bindings
// ---------------------------------------------------------------------------------------

#[test]
fn j01_client_id_of_another_client_is_client_id_mismatch() {
    let mut h = Harness::new();
    assert_eq!(
        h.id_jag(&jag(json!({"client_id": "another-client"}))),
        "client_id_mismatch"
    );
    // The presenting client differs from the token's client_id.
    let token = jag(json!({}));
    assert_eq!(
        outcome(&h.validator.validate_id_jag(&token, "another-client")),
        "client_id_mismatch"
    );
    // Case and whitespace variants are different clients.
    assert_eq!(
        h.id_jag(&jag(json!({"client_id": CLIENT.to_ascii_uppercase()}))),
        "client_id_mismatch"
    );
    assert_eq!(h.id_jag(&jag(json!({"client_id": null}))), "claim_invalid");
    assert_eq!(h.id_jag(&token), "valid");
}

#[test]
fn j02_resource_absent_or_not_served_is_resource_mismatch() {
    let mut h = Harness::new();
    assert_eq!(
        h.id_jag(&jag(json!({"resource": null}))),
        "resource_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"resource": OTHER_RESOURCE}))),
        "resource_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"resource": format!("{RESOURCE}/")}))),
        "resource_mismatch"
    );
    assert_eq!(
        h.id_jag(&jag(json!({"resource": [RESOURCE, OTHER_RESOURCE]}))),
        "resource_mismatch"
    );
    assert_eq!(h.id_jag(&jag(json!({"resource": [RESOURCE]}))), "valid");
    assert_eq!(h.id_jag(&jag(json!({"resource": RESOURCE}))), "valid");
}

#[test]
fn j04_keys_are_scoped_per_issuer() {
    let mut h = Harness::new();
    let k = keys();
    // An issuer nobody configured, signed with a trusted IdP's key.
    let untrusted = jag(json!({"iss": "https://evil-idp.example.com"}));
    assert_eq!(h.id_jag(&untrusted), "issuer_untrusted");
    // A trusted issuer claiming a key that belongs to another trusted issuer.
    let mut claims = id_jag_claims(&jti());
    merge(&mut claims, json!({"iss": OTHER_IDP}));
    let borrowed = mint(&id_jag_header(), &claims, Signer::Es256(&k.idp_ec));
    assert_eq!(h.id_jag(&borrowed), "key_not_found");
    // The same, without a kid: only OTHER_IDP's own key is tried, and it does not verify.
    let no_kid = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    assert_eq!(h.id_jag(&no_kid), "signature_invalid");
    // Its own key works.
    let own = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        &claims,
        Signer::Es256(&k.other_ec),
    );
    assert_eq!(h.id_jag(&own), "valid");
}

#[test]
fn j05_same_id_jag_twice_is_replayed() {
    let mut h = Harness::new();
    let id = jti();
    let token = id_jag(&id, json!({}));
    assert_eq!(h.id_jag(&token), "valid");
    assert_eq!(h.id_jag(&token), "replayed");
    // A re-signed token with the same (iss, jti) is the same assertion.
    let resigned = id_jag(&id, json!({"scope": "chat.read"}));
    assert_eq!(h.id_jag(&resigned), "replayed");
    // The same jti from another issuer is a different assertion.
    let mut claims = id_jag_claims(&id);
    merge(&mut claims, json!({"iss": OTHER_IDP}));
    let other = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        &claims,
        Signer::Es256(&keys().other_ec),
    );
    assert_eq!(h.id_jag(&other), "valid");
}

#[test]
fn j06_overlong_or_non_string_jti_is_refused() {
    let mut h = Harness::new();
    let long = "j".repeat(257);
    assert_eq!(h.id_jag(&id_jag(&long, json!({}))), "limit_exceeded");
    assert_eq!(
        h.access_token(&access_token(json!({"jti": long}))),
        "limit_exceeded"
    );
    let max = "m".repeat(256);
    assert_eq!(h.id_jag(&id_jag(&max, json!({}))), "valid");
    assert_eq!(h.access_token(&access_token(json!({"jti": max}))), "valid");
    for bad in [json!(123), json!(["a"]), json!(""), json!({"a": 1})] {
        let changes = json!({ "jti": bad });
        assert_eq!(
            h.id_jag(&jag(changes.clone())),
            "claim_invalid",
            "ID-JAG jti {bad}"
        );
        assert_eq!(
            h.access_token(&access_token(changes)),
            "claim_invalid",
            "AT jti {bad}"
        );
    }
}
