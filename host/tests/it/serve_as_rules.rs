//! `xaa serve as` against specs.md §3b and security.md J01–J06, over real HTTP with a real
//! client: what the conformance suite cannot see. A suite step sees a reply's status, its
//! `error` and the verdict code; the tests here check what is inside a reply — the issued
//! token's claims and audience, the granted scope, the response and metadata members, that
//! refusals are generic and leak nothing — and what needs other configurations (subject
//! namespaces, tenants, clients restricted to issuers).
//!
//! The status and `error` of every refusal, each with its positive control, are suite cases
//! (testkit/src/cases/http.rs, run on both verifier paths by `conformance.rs`), which replaced
//! this file's tests of them: rule 1 `3b-01-http-*` (the 405's `Allow` header:
//! `serve_as.rs`); rule 2 `3b-02-http-*` (the Basic challenge: `serve_as.rs`); rule 3
//! `3b-03-http-jwe`, `-two-segments`, `-four-segments`; rule 4 `3b-04-http-typ-*`,
//! `-alg-none`, `-alg-hs256`, `-crit-unknown`; rule 5 `3b-05-http-*`; rule 6 and J04
//! `3b-06-http-*`; rule 7 `3b-07-http-*`; rule 8 and J01 `3b-08-http-*`; rule 9
//! `3b-09-http-*`; rule 10, J05 and J06 `3b-10-http-*`; rule 11 `3b-11-http-*`; rule 12
//! `3b-12-http-*`; rule 13 `3b-13-http-*`; rule 14's refusals and J02
//! `3b-14-http-*`; rule 15's refusals `3b-15-http-*`; rule 16 `3b-16-http-*`; rule 20
//! `3b-20-http-*` and, for the metadata's members, `serve_as.rs`
//! (`metadata_has_the_rfc8414_fields_and_the_id_jag_profile`,
//! `metadata_never_publishes_the_trusted_issuers`).

use crate::common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::as_server::*;
use common::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The subject of the access token issued for the baseline ID-JAG (`sub` U019488227): the
/// baseline AS trusts two IdPs, so each one's users are namespaced by the issuer identifier
/// (README, "The subject").
const ISSUED_SUBJECT: &str = "https%3A%2F%2Fidp.example.com:U019488227";

/// The one `error_description` every refused assertion carries (specs.md §3b rule 19): which
/// check failed is only in the server's log (`code=...`).
const GENERIC_DESCRIPTION: &str = "The assertion is not valid for this request";

/// Asserts a refused assertion: 400 `invalid_grant`, an error body with only `error` and
/// `error_description`, the description the generic one.
#[track_caller]
fn assert_invalid_grant(reply: &Reply, what: &str) {
    let text = String::from_utf8_lossy(&reply.body);
    assert_eq!(reply.status, 400, "{what}: status; body {text}");
    assert_eq!(reply.error(), "invalid_grant", "{what}: error; body {text}");
    let body = reply.json();
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert!(
        members
            .iter()
            .all(|k| *k == "error" || *k == "error_description"),
        "{what}: unexpected members {members:?}"
    );
    let description = body["error_description"].as_str().unwrap_or_default();
    assert_eq!(
        description, GENERIC_DESCRIPTION,
        "{what}: description is not the generic one"
    );
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
}

/// The component's rejection code for `token` presented by `client` (baseline in-process
/// configuration, fresh replay store) must be `code`.
#[track_caller]
fn assert_reason(token: &str, client: &str, code: &str, what: &str) {
    let verdict = Harness::new().validator.validate_id_jag(token, client);
    let got = outcome(&verdict);
    assert_eq!(got, code, "{what}: component reason");
}

/// The access token of a 200 body.
fn access_token_of(body: &Value) -> &str {
    body["access_token"].as_str().unwrap()
}

/// Claims of an issued access token, as `xaa validate access-token` for `resource` reads
/// them (exit 0 required).
#[track_caller]
fn issued_claims(server: &AsServer, token: &str, resource: &str) -> Value {
    let (code, verdict) = validate_access_token(server, token, resource);
    assert_eq!(code, 0, "issued token does not validate: {verdict}");
    verdict["claims"].clone()
}

/// One segment of a compact JWS, base64url-decoded and parsed as JSON.
fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// The jwt-bearer grant authenticated as [`POST_CLIENT`] with `client_secret_post`.
fn post_exchange(server: &AsServer, assertion: &str, extra: &[(&str, &str)]) -> Reply {
    let mut params = vec![
        ("grant_type", GRANT_JWT_BEARER),
        ("assertion", assertion),
        ("client_id", POST_CLIENT),
        ("client_secret", POST_SECRET),
    ];
    params.extend_from_slice(extra);
    server.token(None, &params)
}

// ---------------------------------------------------------------------------------------
// specs.md §3b: the content of replies
// ---------------------------------------------------------------------------------------

/// Rule 14: narrowing an ID-JAG that names two resources gives a token for the requested
/// one only (the suite's `3b-14-http-two-resources-none-requested` sees only the 200).
#[test]
fn rule_14_narrowing_sets_the_audience_of_the_issued_token() {
    let server = AsServer::start();
    for (i, (requested, other)) in [(OTHER_RESOURCE, RESOURCE), (RESOURCE, OTHER_RESOURCE)]
        .into_iter()
        .enumerate()
    {
        let token = id_jag(
            &format!("r14-{i}"),
            json!({"client_id": POST_CLIENT, "resource": [RESOURCE, OTHER_RESOURCE]}),
        );
        let reply = post_exchange(&server, &token, &[("resource", requested)]);
        let body = assert_token_issued(&reply, requested);
        let at = access_token_of(&body);
        assert_eq!(segment(at, 1)["aud"], requested);
        let claims = issued_claims(&server, at, requested);
        assert_eq!(claims["aud"], requested);
        assert_eq!(claims["client_id"], POST_CLIENT);
        let (code, verdict) = validate_access_token(&server, at, other);
        assert_eq!(
            code, 1,
            "narrowed to {requested}, valid at {other}: {verdict}"
        );
    }
}

/// Rule 15: the granted scope, in the response and in the token alike (the suite's
/// `3b-15-http-*` positive steps see only the 200).
#[test]
fn rule_15_the_granted_scope_is_in_the_response_and_the_token() {
    let server = AsServer::start();
    // (ID-JAG claim changes, presented by POST_CLIENT, requested scope, granted scope, why)
    let rows = [
        (
            json!({}),
            false,
            Some("chat.read"),
            Some("chat.read"),
            "requested and allowed",
        ),
        (
            json!({}),
            false,
            Some("chat.read admin"),
            Some("chat.read"),
            "admin is not allowed: dropped",
        ),
        (
            json!({}),
            false,
            None,
            Some("chat.read chat.history"),
            "none requested: the ID-JAG's",
        ),
        (
            json!({"client_id": POST_CLIENT}),
            true,
            None,
            Some("chat.read"),
            "POST_CLIENT's policy: chat.read only",
        ),
        (
            json!({"scope": null}),
            false,
            None,
            None,
            "no scope anywhere: none granted",
        ),
    ];
    for (i, (changes, post, requested, granted, why)) in rows.into_iter().enumerate() {
        let token = id_jag(&format!("r15-{i}"), changes);
        let extra = requested.map(|s| vec![("scope", s)]).unwrap_or_default();
        let reply = if post {
            post_exchange(&server, &token, &extra)
        } else {
            server.exchange(&token, &extra)
        };
        let body = assert_token_issued(&reply, why);
        let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
        assert_eq!(body["scope"].as_str(), granted, "{why}: response {body}");
        assert_eq!(claims["scope"].as_str(), granted, "{why}: token {claims}");
    }
}

#[test]
fn rule_17_act_does_not_change_subject_or_client() {
    let server = AsServer::start();
    let token = id_jag(
        "r17-1",
        json!({"act": {"sub": "agent-7", "client_id": "agent-client"}}),
    );
    let body = assert_token_issued(&server.exchange(&token, &[]), "act claim");
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert_eq!(claims["sub"], ISSUED_SUBJECT, "{claims}");
    assert_eq!(claims["client_id"], CLIENT, "{claims}");
    let raw = segment(access_token_of(&body), 1);
    assert_eq!(raw["sub"], ISSUED_SUBJECT);
    assert_eq!(raw["client_id"], CLIENT);
}

#[test]
fn rule_18_response_and_issued_token() {
    let server = AsServer::start();
    let token = id_jag(
        "r18-1",
        json!({
            "acr": "urn:example:mfa", "role": "admin", "email": "user@example.com",
            "groups": ["ops"],
        }),
    );
    let reply = server.exchange(&token, &[]);
    let body = assert_token_issued(&reply, "baseline with custom claims");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 290, "capped at the ID-JAG's exp");
    assert_eq!(body["scope"], "chat.read chat.history");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert_eq!(
        body["resource"], RESOURCE,
        "the granted resource is returned"
    );
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    assert!(
        reply
            .header("content-type")
            .is_some_and(|v| v.starts_with("application/json")),
        "{:?}",
        reply.headers
    );

    let at = access_token_of(&body);
    let header = segment(at, 0);
    assert_eq!(header["typ"], "at+jwt", "{header}");
    assert_eq!(header["alg"], "ES256", "{header}");
    assert_eq!(header["kid"], "as-ec", "{header}");

    let claims = issued_claims(&server, at, RESOURCE);
    assert_eq!(claims["iss"], AS_ISSUER);
    assert_eq!(claims["sub"], ISSUED_SUBJECT);
    assert_eq!(claims["aud"], RESOURCE);
    assert_eq!(claims["client_id"], CLIENT);
    assert_eq!(claims["iat"], NOW);
    let exp = claims["exp"].as_i64().unwrap();
    assert!(exp <= NOW + 290, "exp {exp} beyond the ID-JAG's exp");
    assert_eq!(exp - NOW, body["expires_in"].as_i64().unwrap());
    assert!(
        claims["jti"].as_str().is_some_and(|j| !j.is_empty()),
        "{claims}"
    );
    assert_ne!(claims["jti"], "r18-1", "a fresh jti, not the ID-JAG's");
    assert_eq!(claims["scope"], body["scope"]);
    assert_eq!(claims["auth_time"], NOW - 100);
    assert_eq!(claims["amr"], json!(["mfa"]));
    assert_eq!(claims["acr"], "urn:example:mfa");
    for name in ["role", "email", "groups", "resource", "act", "cnf"] {
        assert!(claims.get(name).is_none(), "{name} copied: {claims}");
    }
    // The raw payload agrees (the validator's view is not filtering anything).
    let raw = segment(at, 1);
    for name in ["role", "email", "groups"] {
        assert!(raw.get(name).is_none(), "{name} copied: {raw}");
    }

    // Two tokens for two ID-JAGs have distinct jti values.
    let body2 = assert_token_issued(&server.exchange(&id_jag("r18-2", json!({})), &[]), "second");
    let raw2 = segment(access_token_of(&body2), 1);
    assert_ne!(raw["jti"], raw2["jti"]);
}

/// An ID-JAG past its `exp` but inside the 60 s leeway is accepted (rule 9). Capping the
/// access token at the ID-JAG's `exp` must then not produce a token that is already expired
/// when issued (`exp` ≤ `iat`, `expires_in` ≤ 0): either the grant is refused or the token
/// has a positive lifetime.
#[test]
fn rule_18_never_issues_an_access_token_that_is_expired_on_issue() {
    let server = AsServer::start();
    for (i, exp) in [NOW - 59, NOW - 1, NOW].into_iter().enumerate() {
        let what = format!("ID-JAG exp = NOW{:+}", exp - NOW);
        let token = id_jag(&format!("r18x-{i}"), json!({"iat": NOW - 200, "exp": exp}));
        // Accepted within the leeway, but any token would be expired on issue: refused.
        assert_invalid_grant(&server.exchange(&token, &[]), &what);
    }
    // Positive twin: an ID-JAG one second from expiry yields a one-second token.
    let token = id_jag("r18x-ok", json!({"iat": NOW - 200, "exp": NOW + 1}));
    let body = assert_token_issued(&server.exchange(&token, &[]), "exp = NOW+1");
    assert_eq!(body["expires_in"], 1);
}

/// Rule 19: every refused assertion gets the same generic `invalid_grant` (status, members,
/// description, `Cache-Control`), whose body names nothing of the token: which check failed
/// is only in the log (`assert_reason` shows the component refused each for its own reason).
#[test]
fn rule_19_assertion_failures_are_generic_invalid_grant() {
    let server = AsServer::start();
    let good = id_jag("r19-sig", json!({}));
    let input = good.rsplit_once('.').unwrap().0;
    let forged = with_sig(&good, &sign(input, &Signer::Es256(&keys().attacker)));
    let marker = "https://attacker.example/aud-detail-7f3a";
    // (token, the component's reason, what the body must not contain)
    let rows = [
        (
            id_jag("r19-aud", json!({"aud": marker})),
            "audience_mismatch",
            &[
                marker,
                "attacker",
                "aud-detail",
                AS_ISSUER,
                "as.example.com",
            ][..],
        ),
        (
            id_jag("r19-client", json!({"client_id": "client-zz9"})),
            "client_id_mismatch",
            &["client-zz9", CLIENT][..],
        ),
        (
            id_jag("r19-iss", json!({"iss": "https://evil-idp-4411.example"})),
            "issuer_untrusted",
            &["evil-idp-4411", IDP_ISSUER][..],
        ),
        (
            id_jag("r19-exp", json!({"iat": NOW - 400, "exp": NOW - 120})),
            "expired",
            &[
                "1800000", "exp ", "idp-ec", "kid", "attacker", IDP_ISSUER, "r19-",
            ][..],
        ),
        (
            forged,
            "signature_invalid",
            &[
                "1800000", "exp ", "idp-ec", "kid", "attacker", IDP_ISSUER, "r19-",
            ][..],
        ),
    ];
    for (token, reason, leaks) in rows {
        let reply = server.exchange(&token, &[]);
        assert_invalid_grant(&reply, reason);
        assert_reason(&token, CLIENT, reason, reason);
        let text = String::from_utf8_lossy(&reply.body);
        for leak in leaks {
            assert!(!text.contains(leak), "{reason}: {leak:?} in {text}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// One IdP's user never becomes another's (issue 11, item 2)
// ---------------------------------------------------------------------------------------

/// An ID-JAG of OTHER_IDP (signed with its own key) with claim changes.
fn other_jag(jti: &str, changes: Value) -> String {
    let mut claims = id_jag_claims(jti);
    merge(&mut claims, json!({"iss": OTHER_IDP}));
    merge(&mut claims, changes);
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"});
    mint(&header, &claims, Signer::Es256(&keys().other_ec))
}

/// The `sub` of the access token issued for `assertion` (which must be accepted).
#[track_caller]
fn issued_subject(server: &AsServer, assertion: &str, what: &str) -> Value {
    let body = assert_token_issued(&server.exchange(assertion, &[]), what);
    issued_claims(server, access_token_of(&body), RESOURCE)["sub"].clone()
}

/// The baseline configuration with lines added to each `[[trusted_issuers]]` block
/// (IDP_ISSUER's, OTHER_IDP's) and to BASIC_CLIENT's `[[clients]]` block.
fn toml_with(idp: &str, other: &str, client: &str) -> String {
    base_toml("")
        .replacen(
            "jwks_file = \"idp.jwks\"\n",
            &format!("jwks_file = \"idp.jwks\"\n{idp}"),
            1,
        )
        .replacen(
            "jwks_file = \"other-idp.jwks\"\n",
            &format!("jwks_file = \"other-idp.jwks\"\n{other}"),
            1,
        )
        .replacen(
            &format!("client_id = \"{CLIENT}\"\n"),
            &format!("client_id = \"{CLIENT}\"\n{client}"),
            1,
        )
}

#[test]
fn the_same_sub_from_two_trusted_issuers_gives_two_subjects() {
    // Without configured namespaces: each issuer's identifier, percent-encoded.
    let server = AsServer::start();
    let a = issued_subject(&server, &id_jag("ns-a", json!({"sub": "alice"})), "A");
    let b = issued_subject(&server, &other_jag("ns-b", json!({"sub": "alice"})), "B");
    assert_eq!(a, "https%3A%2F%2Fidp.example.com:alice");
    assert_eq!(b, "https%3A%2F%2Fother-idp.example.com:alice");
    // IdP B cannot forge A's user by putting A's namespace into its own sub.
    let forged = issued_subject(
        &server,
        &other_jag(
            "ns-forged",
            json!({"sub": "https%3A%2F%2Fidp.example.com:alice"}),
        ),
        "B forging",
    );
    assert_ne!(forged, a);

    // Configured namespaces.
    let server = AsServer::start_with(
        &toml_with(
            "subject_namespace = \"okta\"\n",
            "subject_namespace = \"entra\"\n",
            "",
        ),
        &[],
    );
    let a = issued_subject(&server, &id_jag("ns-c", json!({"sub": "alice"})), "A");
    let b = issued_subject(&server, &other_jag("ns-d", json!({"sub": "alice"})), "B");
    assert_eq!(a, "okta:alice");
    assert_eq!(b, "entra:alice");
}

#[test]
fn namespaces_must_be_distinct_and_well_formed() {
    for (idp, other, field) in [
        (
            "subject_namespace = \"same\"\n",
            "subject_namespace = \"same\"\n",
            "trusted_issuers[1].subject_namespace",
        ),
        (
            "subject_namespace = \"a:b\"\n",
            "",
            "trusted_issuers[0].subject_namespace",
        ),
        // A configured namespace equal to the other issuer's default one is refused too.
        (
            "",
            "subject_namespace = \"https%3A%2F%2Fidp.example.com\"\n",
            "trusted_issuers[1].subject_namespace",
        ),
    ] {
        let Err((status, stderr)) = AsServer::try_start(&toml_with(idp, other, ""), &[]) else {
            panic!("{idp} {other}: started");
        };
        assert!(!status.success());
        assert!(stderr.contains(field), "{field}: {stderr}");
    }
}

#[test]
fn a_multi_tenant_issuer_puts_the_tenant_in_the_subject_and_others_carry_none() {
    let server = AsServer::start_with(
        &toml_with(
            "subject_namespace = \"entra\"\ntenant_required = true\n",
            "",
            "",
        ),
        &[],
    );
    let acme = issued_subject(
        &server,
        &id_jag("t-1", json!({"sub": "alice", "tenant": "acme"})),
        "tenant acme",
    );
    let globex = issued_subject(
        &server,
        &id_jag("t-2", json!({"sub": "alice", "tenant": "globex:x"})),
        "tenant globex:x",
    );
    assert_eq!(acme, "entra:acme:alice");
    assert_eq!(globex, "entra:globex%3Ax:alice");
    // Required and missing; present for an issuer that is not multi-tenant.
    assert_invalid_grant(
        &server.exchange(&id_jag("t-3", json!({"sub": "alice"})), &[]),
        "no tenant",
    );
    assert_invalid_grant(
        &server.exchange(&other_jag("t-4", json!({"tenant": "acme"})), &[]),
        "a tenant from a single-tenant issuer",
    );
    assert_logged_code(&server, "claim_invalid");
    // Positive twin of the last: OTHER_IDP without a tenant.
    assert_token_issued(
        &server.exchange(&other_jag("t-5", json!({})), &[]),
        "OTHER_IDP, no tenant",
    );
}

#[test]
fn a_client_can_be_restricted_to_some_issuers() {
    let server = AsServer::start_with(
        &toml_with("", "", &format!("issuers = [\"{IDP_ISSUER}\"]\n")),
        &[],
    );
    assert_invalid_grant(
        &server.exchange(&other_jag("c-1", json!({})), &[]),
        "OTHER_IDP's ID-JAG for a client restricted to IDP_ISSUER",
    );
    assert_logged_code(&server, "issuer_untrusted");
    assert_token_issued(
        &server.exchange(&id_jag("c-2", json!({})), &[]),
        "IDP_ISSUER's",
    );
    let Err((_, stderr)) = AsServer::try_start(
        &toml_with("", "", "issuers = [\"https://unknown-idp.example.com\"]\n"),
        &[],
    ) else {
        panic!("an unknown issuer in clients[].issuers was accepted");
    };
    assert!(stderr.contains("clients[0].issuers[0]"), "{stderr}");
}

#[test]
fn unknown_and_registered_client_ids_get_the_same_refusal() {
    let server = AsServer::start();
    let token = id_jag("enum-1", json!({}));
    let answer = |reply: &Reply| {
        (
            reply.status,
            reply.header("www-authenticate"),
            String::from_utf8_lossy(&reply.body).into_owned(),
        )
    };
    // A wrong secret for a registered client, and any secret for an unknown one.
    let known = server.token(
        Some((CLIENT, "not-the-secret")),
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &token)],
    );
    let unknown = server.token(
        Some(("no-such-client", "not-the-secret")),
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &token)],
    );
    assert_eq!(known.status, 401);
    assert_eq!(answer(&known), answer(&unknown));
    // Only a client_id (no credentials): a registered confidential client and an unknown id.
    let only_id = |id: &str| {
        server.token(
            None,
            &[
                ("grant_type", GRANT_JWT_BEARER),
                ("assertion", &token),
                ("client_id", id),
            ],
        )
    };
    let known = only_id(POST_CLIENT);
    assert_eq!(known.status, 401);
    assert_eq!(answer(&known), answer(&only_id("no-such-client")));
    // The ID-JAG was never consumed by these refusals.
    assert_token_issued(
        &server.exchange(&token, &[]),
        "the same ID-JAG, authenticated",
    );
}
