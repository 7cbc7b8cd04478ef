//! `xaa serve as` against specs.md §3b (rules 1–20 for a resource authorization server
//! processing the jwt-bearer grant with an ID-JAG) and security.md rows J01–J06, over real
//! HTTP with a real client. Each test asserts the exact HTTP status and OAuth `error`, and
//! where it matters the positive twin, so removing a rule makes its test fail.

use crate::common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::as_server::*;
use common::*;
use serde_json::{json, Value};
use xaa_guest::base64url::encode as b64;

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

/// Asserts the exact status and OAuth `error` of a reply (with the body on failure).
#[track_caller]
fn assert_error(reply: &Reply, status: u16, error: &str, what: &str) {
    let body = String::from_utf8_lossy(&reply.body);
    assert_eq!(reply.status, status, "{what}: status; body {body}");
    assert_eq!(reply.error(), error, "{what}: error; body {body}");
}

/// Asserts a refused assertion: 400 `invalid_grant`, an error body with only `error` and
/// `error_description`, the description the generic one.
#[track_caller]
fn assert_invalid_grant(reply: &Reply, what: &str) {
    assert_error(reply, 400, "invalid_grant", what);
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

/// Presents `token` as [`BASIC_CLIENT`] and asserts a refused assertion (see
/// [`assert_invalid_grant`]); and asserts that the component, validating the same token for
/// [`CLIENT`] in process, refuses it with `code`, so the HTTP refusal comes from the rule under
/// test and not from a defect of the test token.
#[track_caller]
fn refused(server: &AsServer, token: &str, code: &str, what: &str) {
    assert_invalid_grant(&server.exchange(token, &[]), what);
    assert_reason(token, CLIENT, code, what);
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

/// The baseline ID-JAG claims with changes merged in, signed with `key` under `header`.
fn jag_with(header: &Value, jti: &str, changes: Value, key: &p256::ecdsa::SigningKey) -> String {
    let mut claims = id_jag_claims(jti);
    merge(&mut claims, changes);
    mint(header, &claims, Signer::Es256(key))
}

/// The baseline ID-JAG claims with changes, header changes merged into the baseline header,
/// signed by idp-ec.
fn jag(jti: &str, header_changes: Value, changes: Value) -> String {
    let mut header = id_jag_header();
    merge(&mut header, header_changes);
    jag_with(&header, jti, changes, &keys().idp_ec)
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
// specs.md §3b
// ---------------------------------------------------------------------------------------

#[test]
fn rule_01_grant_type_jwt_bearer_with_exactly_one_assertion() {
    let server = AsServer::start();
    let assertion = id_jag("r01-ok", json!({}));
    let basic = Some((BASIC_CLIENT, BASIC_SECRET));

    let reply = server.token(
        basic,
        &[
            ("grant_type", "authorization_code"),
            ("assertion", &assertion),
        ],
    );
    assert_error(&reply, 400, "unsupported_grant_type", "authorization_code");
    let reply = server.token(
        basic,
        &[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:token-exchange",
            ),
            ("assertion", &assertion),
        ],
    );
    assert_error(&reply, 400, "unsupported_grant_type", "token-exchange");

    let reply = server.token(basic, &[("assertion", &assertion)]);
    assert_error(&reply, 400, "invalid_request", "missing grant_type");
    let reply = server.token(basic, &[("grant_type", GRANT_JWT_BEARER)]);
    assert_error(&reply, 400, "invalid_request", "missing assertion");
    let second = id_jag("r01-second", json!({}));
    let reply = server.token(
        basic,
        &[
            ("grant_type", GRANT_JWT_BEARER),
            ("assertion", &assertion),
            ("assertion", &second),
        ],
    );
    assert_error(&reply, 400, "invalid_request", "two assertion parameters");

    let reply = server.get("/token");
    assert_eq!(reply.status, 405, "GET /token");
    assert_eq!(reply.header("allow").as_deref(), Some("POST"), "GET /token");
    let reply = server.token(basic, &[("grant_type", GRANT_JWT_BEARER)]);
    assert_error(&reply, 400, "invalid_request", "grant_type only");

    // Positive twin: the same assertion, once, with the right grant type (none of the
    // refusals above consumed it).
    assert_token_issued(&server.exchange(&assertion, &[]), "well-formed request");
}

#[test]
fn rule_02_client_must_authenticate_and_be_enabled_for_the_grant() {
    let server = AsServer::start();
    let assertion = id_jag("r02-1", json!({}));

    // No credentials at all.
    let reply = server.token(
        None,
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &assertion)],
    );
    assert_error(&reply, 401, "invalid_client", "no credentials");

    // Only a client_id (a public client at a confidential-only server).
    let reply = server.token(
        None,
        &[
            ("grant_type", GRANT_JWT_BEARER),
            ("assertion", &assertion),
            ("client_id", BASIC_CLIENT),
        ],
    );
    assert_error(&reply, 401, "invalid_client", "client_id only");

    // A wrong secret: 401 with a Basic challenge.
    let reply = server.token(
        Some((BASIC_CLIENT, "not-the-secret")),
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &assertion)],
    );
    assert_error(&reply, 401, "invalid_client", "wrong secret");
    assert!(
        reply
            .header("www-authenticate")
            .is_some_and(|v| v.starts_with("Basic")),
        "{:?}",
        reply.headers
    );

    // The right secret with a method other than the registered one.
    let reply = server.token(
        None,
        &[
            ("grant_type", GRANT_JWT_BEARER),
            ("assertion", &assertion),
            ("client_id", BASIC_CLIENT),
            ("client_secret", BASIC_SECRET),
        ],
    );
    assert_error(&reply, 401, "invalid_client", "basic client via post");

    // Two methods at once (RFC 6749 §2.3).
    let reply = server.token(
        Some((BASIC_CLIENT, BASIC_SECRET)),
        &[
            ("grant_type", GRANT_JWT_BEARER),
            ("assertion", &assertion),
            ("client_id", BASIC_CLIENT),
            ("client_secret", BASIC_SECRET),
        ],
    );
    assert_error(&reply, 400, "invalid_request", "basic and post together");

    // Authenticated, but not enabled for the jwt-bearer grant.
    let disabled = id_jag("r02-2", json!({"client_id": DISABLED_CLIENT}));
    let reply = server.token(
        Some((DISABLED_CLIENT, DISABLED_SECRET)),
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &disabled)],
    );
    assert_error(&reply, 400, "unauthorized_client", "disabled client");

    // Positive twin: none of the refusals consumed the assertion.
    assert_token_issued(&server.exchange(&assertion, &[]), "authenticated client");
}

#[test]
fn rule_03_compact_jws_only() {
    let server = AsServer::start();
    let jwe_header = json!({"alg": "RSA-OAEP-256", "enc": "A256GCM", "typ": "oauth-id-jag+jwt"});
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(jwe_header.to_string().as_bytes()),
        b64(&[7u8; 256]),
        b64(&[1u8; 12]),
        b64(id_jag_claims("r03-jwe").to_string().as_bytes()),
        b64(&[2u8; 16]),
    );
    refused(&server, &jwe, "malformed", "5-segment JWE");

    let full = id_jag("r03-two", json!({}));
    let two: Vec<&str> = full.split('.').take(2).collect();
    refused(&server, &two.join("."), "malformed", "2 segments");
    let four = format!("{full}.{}", b64(b"extra"));
    refused(&server, &four, "malformed", "4 segments");

    // Positive twin: the 3-segment token those were cut from.
    assert_token_issued(&server.exchange(&full, &[]), "compact JWS");
}

/// HS256 over the baseline ID-JAG claims, keyed with the IdP's public key bytes (the
/// classic algorithm-confusion forgery).
fn hs256_jag(jti: &str) -> String {
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": "idp-ec"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(id_jag_claims(jti).to_string().as_bytes())
    );
    let public = keys()
        .idp_ec
        .verifying_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let mac = hmac_sha256(&public, input.as_bytes());
    format!("{input}.{}", b64(&mac))
}

#[test]
fn rule_04_header_typ_alg_and_crit() {
    let server = AsServer::start();
    for (i, typ) in [json!("JWT"), Value::Null, json!("at+jwt"), json!("jwt")]
        .into_iter()
        .enumerate()
    {
        let token = jag(&format!("r04-typ-{i}"), json!({"typ": typ}), json!({}));
        refused(&server, &token, "typ_mismatch", &format!("typ {typ}"));
    }

    // alg none: empty signature.
    let none_header = json!({"typ": "oauth-id-jag+jwt", "alg": "none"});
    let none = format!(
        "{}.{}.",
        b64(none_header.to_string().as_bytes()),
        b64(id_jag_claims("r04-none").to_string().as_bytes())
    );
    refused(&server, &none, "alg_not_allowed", "alg none");
    refused(
        &server,
        &hs256_jag("r04-hs256"),
        "alg_not_allowed",
        "alg HS256",
    );

    let crit = jag(
        "r04-crit",
        json!({"crit": ["urn:example:unknown"], "urn:example:unknown": true}),
        json!({}),
    );
    refused(&server, &crit, "header_forbidden", "unknown crit");

    // Positive twins: the full media type and a case variant of the short form.
    let full = jag(
        "r04-full",
        json!({"typ": "application/oauth-id-jag+jwt"}),
        json!({}),
    );
    assert_token_issued(&server.exchange(&full, &[]), "application/oauth-id-jag+jwt");
    let upper = jag("r04-upper", json!({"typ": "OAUTH-ID-JAG+JWT"}), json!({}));
    assert_token_issued(&server.exchange(&upper, &[]), "OAUTH-ID-JAG+JWT");
    assert_token_issued(
        &server.exchange(&id_jag("r04-base", json!({})), &[]),
        "baseline",
    );
}

#[test]
fn rule_05_issuer_must_be_trusted() {
    let server = AsServer::start();
    let unknown = id_jag("r05-1", json!({"iss": "https://evil.example.com"}));
    refused(&server, &unknown, "issuer_untrusted", "unknown iss");
    let lookalike = id_jag("r05-2", json!({"iss": format!("{IDP_ISSUER}/")}));
    refused(
        &server,
        &lookalike,
        "issuer_untrusted",
        "iss with trailing slash",
    );
    let missing = id_jag("r05-3", json!({"iss": null}));
    refused(&server, &missing, "claim_invalid", "iss missing");
    assert_token_issued(
        &server.exchange(&id_jag("r05-ok", json!({})), &[]),
        "trusted iss",
    );
}

#[test]
fn rule_06_key_only_from_that_issuers_set_never_from_the_header() {
    let server = AsServer::start();
    let k = keys();

    // IDP_ISSUER's claims, signed by the other trusted IdP's key under its kid.
    let other_kid = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        "r06-1",
        json!({}),
        &k.other_ec,
    );
    refused(
        &server,
        &other_kid,
        "key_not_found",
        "kid of another issuer",
    );

    // An attacker key embedded in the header.
    let attacker_jwk = ec_jwk(&k.attacker, "attacker", json!({}));
    let embedded = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "jwk": attacker_jwk}),
        "r06-2",
        json!({}),
        &k.attacker,
    );
    refused(
        &server,
        &embedded,
        "header_forbidden",
        "jwk header (attacker)",
    );

    // Key-locating headers refused even when the signature is the IdP's own.
    let idp_jwk = ec_jwk(&k.idp_ec, "idp-ec", json!({}));
    for (i, changes) in [
        json!({"jwk": idp_jwk}),
        json!({"jku": "https://idp.example.com/jwks.json"}),
        json!({"x5u": "https://idp.example.com/cert.pem"}),
    ]
    .into_iter()
    .enumerate()
    {
        let token = jag(&format!("r06-hdr-{i}"), changes.clone(), json!({}));
        refused(
            &server,
            &token,
            "header_forbidden",
            &format!("header {changes}"),
        );
    }

    // A kid nobody published.
    let unknown = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "attacker"}),
        "r06-3",
        json!({}),
        &k.attacker,
    );
    refused(&server, &unknown, "key_not_found", "unknown kid");

    // Positive twin: the issuer's own second key.
    let second = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec-2"}),
        "r06-ok",
        json!({}),
        &k.idp_ec2,
    );
    assert_token_issued(&server.exchange(&second, &[]), "issuer's own key idp-ec-2");
}

#[test]
fn rule_07_aud_must_be_single_value_equal_to_issuer() {
    let server = AsServer::start();
    let cases = [
        (
            json!([AS_ISSUER, "https://other-as.example.com"]),
            "audience_mismatch",
            "two values",
        ),
        (
            json!([AS_ISSUER, AS_ISSUER]),
            "audience_mismatch",
            "the issuer twice",
        ),
        (json!(RESOURCE), "audience_mismatch", "the resource"),
        (
            json!(format!("{AS_ISSUER}/")),
            "audience_mismatch",
            "trailing slash",
        ),
        (
            json!("https://AS.example.com"),
            "audience_mismatch",
            "case variant",
        ),
        (json!([]), "claim_invalid", "empty array"),
    ];
    for (i, (aud, code, what)) in cases.into_iter().enumerate() {
        let token = id_jag(&format!("r07-{i}"), json!({"aud": aud}));
        refused(&server, &token, code, &format!("aud {what}"));
    }
    let missing = id_jag("r07-missing", json!({"aud": null}));
    refused(&server, &missing, "claim_invalid", "aud missing");

    // Positive twins: a string and a one-element array.
    let array = id_jag("r07-array", json!({"aud": [AS_ISSUER]}));
    assert_token_issued(&server.exchange(&array, &[]), "aud [issuer]");
    assert_token_issued(
        &server.exchange(&id_jag("r07-string", json!({})), &[]),
        "aud issuer",
    );
}

#[test]
fn rule_08_client_id_claim_must_be_the_authenticated_client() {
    let server = AsServer::start();
    let other = id_jag("r08-1", json!({"client_id": "someone-else"}));
    refused(
        &server,
        &other,
        "client_id_mismatch",
        "client_id someone-else",
    );
    let missing = id_jag("r08-2", json!({"client_id": null}));
    refused(&server, &missing, "claim_invalid", "client_id missing");
    let upper = id_jag("r08-3", json!({"client_id": CLIENT.to_uppercase()}));
    refused(
        &server,
        &upper,
        "client_id_mismatch",
        "client_id case variant",
    );
    let body = assert_token_issued(
        &server.exchange(&id_jag("r08-ok", json!({})), &[]),
        "client_id = authenticated client",
    );
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert_eq!(claims["client_id"], CLIENT);
}

#[test]
fn rule_09_exp_iat_nbf_and_lifetime() {
    let server = AsServer::start();
    let cases = [
        (
            json!({"iat": NOW - 200, "exp": NOW - 61}),
            "expired",
            "expired beyond leeway",
        ),
        (json!({"exp": null}), "claim_invalid", "exp missing"),
        (json!({"iat": null}), "claim_invalid", "iat missing"),
        (
            json!({"nbf": NOW + 61}),
            "not_yet_valid",
            "nbf in the future",
        ),
        (
            json!({"iat": NOW + 61, "exp": NOW + 290}),
            "issued_in_future",
            "iat in the future",
        ),
        (
            json!({"iat": NOW - 20, "exp": NOW + 290}),
            "lifetime_too_long",
            "exp - iat = 310 > 300",
        ),
        (
            json!({"exp": "1800000290"}),
            "claim_invalid",
            "exp as a string",
        ),
    ];
    for (i, (changes, code, what)) in cases.into_iter().enumerate() {
        let token = id_jag(&format!("r09-{i}"), changes);
        refused(&server, &token, code, what);
    }

    // Positive twins: inside the leeway and at the maximum lifetime.
    let cases = [
        (json!({"nbf": NOW + 30}), "nbf within leeway"),
        (
            json!({"iat": NOW + 30, "exp": NOW + 290}),
            "iat within leeway",
        ),
        (
            json!({"iat": NOW - 10, "exp": NOW + 290}),
            "exp - iat = 300",
        ),
        (
            json!({"iat": NOW - 280, "exp": NOW + 5}),
            "old but unexpired",
        ),
    ];
    for (i, (changes, what)) in cases.into_iter().enumerate() {
        let token = id_jag(&format!("r09-ok-{i}"), changes);
        assert_token_issued(&server.exchange(&token, &[]), what);
    }
}

#[test]
fn rule_10_jti_required_single_use_and_not_burnt_by_refused_requests() {
    let server = AsServer::start();
    let missing = id_jag("unused", json!({"jti": null}));
    refused(&server, &missing, "claim_invalid", "jti missing");

    let token = id_jag("r10-1", json!({}));
    // Refused for its scope, then for its target: neither consumes the jti.
    let reply = server.exchange(&token, &[("scope", "admin")]);
    assert_error(&reply, 400, "invalid_scope", "scope admin");
    let reply = server.exchange(&token, &[("resource", OTHER_RESOURCE)]);
    assert_error(&reply, 400, "invalid_target", "resource not named");
    // A failed client authentication does not consume it either.
    let reply = server.token(
        Some((BASIC_CLIENT, "wrong")),
        &[("grant_type", GRANT_JWT_BEARER), ("assertion", &token)],
    );
    assert_error(&reply, 401, "invalid_client", "wrong secret");

    assert_token_issued(&server.exchange(&token, &[]), "first successful use");
    assert_invalid_grant(&server.exchange(&token, &[]), "replay");
    // Once consumed, even a request that would otherwise be refused differently is a replay.
    assert_invalid_grant(
        &server.exchange(&token, &[("scope", "chat.read")]),
        "replay with a narrower scope",
    );
}

#[test]
fn rule_11_sub_required() {
    let server = AsServer::start();
    let missing = id_jag("r11-1", json!({"sub": null}));
    refused(&server, &missing, "claim_invalid", "sub missing");
    let empty = id_jag("r11-2", json!({"sub": ""}));
    refused(&server, &empty, "claim_invalid", "sub empty");
    let number = id_jag("r11-3", json!({"sub": 42}));
    refused(&server, &number, "claim_invalid", "sub a number");
    let body = assert_token_issued(
        &server.exchange(&id_jag("r11-ok", json!({})), &[]),
        "sub present",
    );
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert_eq!(claims["sub"], ISSUED_SUBJECT);
}

#[test]
fn rule_12_self_issued_assertion_refused() {
    let server = AsServer::start();
    // Signed by the IdP's key (so only the self-issuer rule can refuse it).
    let own = id_jag("r12-1", json!({"iss": AS_ISSUER}));
    refused(&server, &own, "self_issued", "iss = AS issuer (idp key)");
    // Signed by the AS's own access-token key.
    let mut claims = id_jag_claims("r12-2");
    claims["iss"] = json!(AS_ISSUER);
    let by_as = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}),
        &claims,
        Signer::Es256(&keys().as_ec),
    );
    refused(&server, &by_as, "self_issued", "iss = AS issuer (as key)");
    assert_token_issued(
        &server.exchange(&id_jag("r12-ok", json!({})), &[]),
        "iss = IdP",
    );
}

#[test]
fn rule_13_cnf_is_refused_while_dpop_is_unsupported() {
    let server = AsServer::start();
    let cnf = id_jag(
        "r13-1",
        json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}),
    );
    refused(&server, &cnf, "confirmation_unsupported", "cnf.jkt");
    let empty = id_jag("r13-2", json!({"cnf": {}}));
    refused(&server, &empty, "confirmation_unsupported", "empty cnf");
    assert_token_issued(
        &server.exchange(&id_jag("r13-ok", json!({})), &[]),
        "no cnf",
    );
}

#[test]
fn rule_14_resource_narrowing_and_audience_restriction() {
    let server = AsServer::start();
    let both = json!({"client_id": POST_CLIENT, "resource": [RESOURCE, OTHER_RESOURCE]});

    // Two resources named, none requested: the AS cannot pick one.
    let token = id_jag("r14-1", both.clone());
    let reply = post_exchange(&server, &token, &[]);
    assert_error(
        &reply,
        400,
        "invalid_target",
        "two resources, none requested",
    );

    // The same assertion (not consumed) narrowed to OTHER_RESOURCE.
    let reply = post_exchange(&server, &token, &[("resource", OTHER_RESOURCE)]);
    let body = assert_token_issued(&reply, "narrowed to OTHER_RESOURCE");
    let at = access_token_of(&body);
    assert_eq!(segment(at, 1)["aud"], OTHER_RESOURCE);
    let claims = issued_claims(&server, at, OTHER_RESOURCE);
    assert_eq!(claims["aud"], OTHER_RESOURCE);
    assert_eq!(claims["client_id"], POST_CLIENT);
    let (code, verdict) = validate_access_token(&server, at, RESOURCE);
    assert_eq!(code, 1, "not valid at RESOURCE: {verdict}");

    // Narrowed to RESOURCE: aud RESOURCE.
    let token = id_jag("r14-2", both.clone());
    let body = assert_token_issued(
        &post_exchange(&server, &token, &[("resource", RESOURCE)]),
        "narrowed to RESOURCE",
    );
    issued_claims(&server, access_token_of(&body), RESOURCE);

    // The resource parameter twice (RFC 8707 allows several, this AS issues one audience).
    let token = id_jag("r14-rep", both.clone());
    let reply = post_exchange(
        &server,
        &token,
        &[("resource", RESOURCE), ("resource", OTHER_RESOURCE)],
    );
    assert_error(
        &reply,
        400,
        "invalid_target",
        "resource parameter twice (RFC 8693 §2.2.2)",
    );

    // Requesting a resource the assertion does not name.
    let token = id_jag("r14-3", both);
    let reply = post_exchange(
        &server,
        &token,
        &[("resource", "https://elsewhere.example/mcp")],
    );
    assert_error(&reply, 400, "invalid_target", "resource not named");

    // BASIC_CLIENT's registration lacks OTHER_RESOURCE.
    let token = id_jag("r14-4", json!({"resource": OTHER_RESOURCE}));
    let reply = server.exchange(&token, &[]);
    assert_error(
        &reply,
        400,
        "invalid_target",
        "basic client, OTHER_RESOURCE",
    );
    let token = id_jag("r14-5", json!({"resource": [RESOURCE, OTHER_RESOURCE]}));
    let reply = server.exchange(&token, &[("resource", OTHER_RESOURCE)]);
    assert_error(
        &reply,
        400,
        "invalid_target",
        "basic client narrowing to OTHER_RESOURCE",
    );
    // …and its positive twin: the same assertion narrowed to a resource it may reach.
    let body = assert_token_issued(
        &server.exchange(&token, &[("resource", RESOURCE)]),
        "basic client narrowing to RESOURCE",
    );
    issued_claims(&server, access_token_of(&body), RESOURCE);
}

#[test]
fn rule_15_scope_is_requested_and_assertion_and_client_policy() {
    let server = AsServer::start();
    let scoped = |jti: &str, scope: Option<&str>| {
        let body = assert_token_issued(
            &server.exchange(
                &id_jag(jti, json!({})),
                &scope.map(|s| vec![("scope", s)]).unwrap_or_default(),
            ),
            jti,
        );
        let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
        assert_eq!(
            claims["scope"], body["scope"],
            "{jti}: token scope = response scope"
        );
        body["scope"].clone()
    };
    assert_eq!(scoped("r15-1", Some("chat.read")), "chat.read");
    assert_eq!(scoped("r15-2", Some("chat.read admin")), "chat.read");
    assert_eq!(scoped("r15-3", None), "chat.read chat.history");

    let reply = server.exchange(&id_jag("r15-4", json!({})), &[("scope", "admin")]);
    assert_error(&reply, 400, "invalid_scope", "requested admin");

    // The ID-JAG carries only a scope the client's policy lacks.
    let admin = id_jag("r15-5", json!({"scope": "admin"}));
    let reply = server.exchange(&admin, &[]);
    assert_error(&reply, 400, "invalid_scope", "ID-JAG scope admin");

    // The ID-JAG's scope is a ceiling: a registered scope it does not carry is not granted.
    let narrow = id_jag("r15-6", json!({"scope": "chat.read"}));
    let reply = server.exchange(&narrow, &[("scope", "chat.history")]);
    assert_error(&reply, 400, "invalid_scope", "beyond the ID-JAG's scope");

    // Client policy: POST_CLIENT may have chat.read only.
    let post = id_jag("r15-7", json!({"client_id": POST_CLIENT}));
    let body = assert_token_issued(&post_exchange(&server, &post, &[]), "post client");
    assert_eq!(body["scope"], "chat.read");

    // No scope anywhere: 200, no scope in the response nor in the token.
    let none = id_jag("r15-8", json!({"scope": null}));
    let body = assert_token_issued(&server.exchange(&none, &[]), "no scope anywhere");
    assert!(body.get("scope").is_none(), "{body}");
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert!(claims.get("scope").is_none(), "{claims}");
}

#[test]
fn rule_16_authorization_details_refused() {
    let server = AsServer::start();
    let details = json!([{"type": "payment_initiation", "actions": ["initiate"]}]);
    let claim = id_jag("r16-1", json!({"authorization_details": details}));
    refused(
        &server,
        &claim,
        "claim_invalid",
        "authorization_details claim",
    );

    let token = id_jag("r16-2", json!({}));
    let reply = server.exchange(&token, &[("authorization_details", &details.to_string())]);
    assert_error(
        &reply,
        400,
        "invalid_authorization_details",
        "authorization_details parameter",
    );
    // Positive twin: the same assertion (not consumed) without the parameter.
    assert_token_issued(&server.exchange(&token, &[]), "no authorization_details");
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

#[test]
fn rule_19_assertion_failures_are_generic_invalid_grant() {
    let server = AsServer::start();
    let marker = "https://attacker.example/aud-detail-7f3a";
    let bad_aud = id_jag("r19-aud", json!({"aud": marker}));
    let reply = server.exchange(&bad_aud, &[]);
    assert_invalid_grant(&reply, "bad aud");
    assert_reason(&bad_aud, CLIENT, "audience_mismatch", "bad aud");
    let description = reply.json()["error_description"]
        .as_str()
        .unwrap()
        .to_owned();
    for leak in [
        marker,
        "attacker",
        "aud-detail",
        AS_ISSUER,
        "as.example.com",
    ] {
        assert!(!description.contains(leak), "{leak:?} in {description:?}");
    }

    let bad_client = id_jag("r19-client", json!({"client_id": "client-zz9"}));
    let reply = server.exchange(&bad_client, &[]);
    assert_invalid_grant(&reply, "bad client_id");
    assert_reason(&bad_client, CLIENT, "client_id_mismatch", "bad client_id");
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(!text.contains("client-zz9"), "{text}");
    assert!(!text.contains(CLIENT), "{text}");

    let untrusted = id_jag("r19-iss", json!({"iss": "https://evil-idp-4411.example"}));
    let reply = server.exchange(&untrusted, &[]);
    assert_invalid_grant(&reply, "untrusted iss");
    assert_reason(&untrusted, CLIENT, "issuer_untrusted", "untrusted iss");
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    assert!(!text.contains("evil-idp-4411"), "{text}");
    assert!(!text.contains(IDP_ISSUER), "{text}");

    let expired = id_jag("r19-exp", json!({"iat": NOW - 400, "exp": NOW - 120}));
    let good = id_jag("r19-sig", json!({}));
    let input = good.rsplit_once('.').unwrap().0;
    let forged = with_sig(&good, &sign(input, &Signer::Es256(&keys().attacker)));
    let (a, b) = (
        server.exchange(&expired, &[]),
        server.exchange(&forged, &[]),
    );
    assert_invalid_grant(&a, "expired");
    assert_invalid_grant(&b, "bad signature");
    assert_reason(&expired, CLIENT, "expired", "expired");
    assert_reason(&forged, CLIENT, "signature_invalid", "bad signature");
    assert_eq!(a.status, b.status);
    assert_eq!(a.error(), b.error());
    for (reply, what) in [(&a, "expired"), (&b, "bad signature")] {
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        for leak in [
            "1800000", "exp ", "idp-ec", "kid", "attacker", IDP_ISSUER, "r19-",
        ] {
            assert!(!text.contains(leak), "{what}: {leak:?} in {text}");
        }
    }
}

#[test]
fn rule_20_metadata_advertises_the_profile_without_issuers() {
    let server = AsServer::start();
    let reply = server.get("/.well-known/oauth-authorization-server");
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let metadata = reply.json();
    assert_eq!(metadata["issuer"], AS_ISSUER);
    assert_eq!(metadata["token_endpoint"], TOKEN_URL);
    let list = |name: &str| -> Vec<String> {
        metadata[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} missing: {metadata}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(list("authorization_grant_profiles_supported")
        .contains(&"urn:ietf:params:oauth:grant-profile:id-jag".to_owned()));
    assert!(list("grant_types_supported").contains(&GRANT_JWT_BEARER.to_owned()));
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    for issuer in [IDP_ISSUER, OTHER_IDP, "idp.example.com"] {
        assert!(!text.contains(issuer), "{issuer} disclosed: {text}");
    }
}

// ---------------------------------------------------------------------------------------
// security.md J01–J06
// ---------------------------------------------------------------------------------------

#[test]
fn j01_client_id_claim_differs_from_authenticated_client() {
    let server = AsServer::start();
    // An ID-JAG issued to POST_CLIENT, presented by BASIC_CLIENT.
    let for_post = id_jag("j01-1", json!({"client_id": POST_CLIENT}));
    refused(
        &server,
        &for_post,
        "client_id_mismatch",
        "POST_CLIENT's ID-JAG via BASIC_CLIENT",
    );
    // An ID-JAG issued to BASIC_CLIENT, presented by POST_CLIENT.
    let for_basic = id_jag("j01-2", json!({}));
    assert_invalid_grant(
        &post_exchange(&server, &for_basic, &[]),
        "BASIC_CLIENT's ID-JAG via POST_CLIENT",
    );
    assert_reason(
        &for_basic,
        POST_CLIENT,
        "client_id_mismatch",
        "BASIC_CLIENT's ID-JAG via POST_CLIENT",
    );
    // Positive twins: each presented by its own client (not consumed by the refusals).
    assert_token_issued(&post_exchange(&server, &for_post, &[]), "POST_CLIENT's own");
    assert_token_issued(&server.exchange(&for_basic, &[]), "BASIC_CLIENT's own");
}

#[test]
fn j02_resource_absent() {
    let server = AsServer::start();
    let absent = id_jag("j02a-1", json!({"resource": null}));
    refused(&server, &absent, "resource_mismatch", "resource absent");
    // Absent even when the request names one.
    let absent = id_jag("j02a-2", json!({"resource": null}));
    assert_invalid_grant(
        &server.exchange(&absent, &[("resource", RESOURCE)]),
        "resource absent, request names RESOURCE",
    );
    assert_reason(&absent, CLIENT, "resource_mismatch", "resource absent");
    assert_token_issued(
        &server.exchange(&id_jag("j02a-ok", json!({})), &[]),
        "resource present",
    );
}

#[test]
fn j02_resource_not_served_by_this_as() {
    let server = AsServer::start();
    let cases = [
        (json!("https://elsewhere.example.com/mcp"), "foreign"),
        (json!(format!("{RESOURCE}/")), "trailing slash"),
        (
            json!([RESOURCE, "https://elsewhere.example.com/mcp"]),
            "one of two foreign",
        ),
    ];
    for (i, (resource, what)) in cases.into_iter().enumerate() {
        let token = id_jag(&format!("j02b-{i}"), json!({"resource": resource}));
        refused(&server, &token, "resource_mismatch", what);
    }
    // Even when the request narrows to the served one.
    let mixed = id_jag(
        "j02b-mixed",
        json!({"resource": [RESOURCE, "https://elsewhere.example.com/mcp"]}),
    );
    assert_invalid_grant(
        &server.exchange(&mixed, &[("resource", RESOURCE)]),
        "mixed, narrowed to RESOURCE",
    );
    assert_reason(&mixed, CLIENT, "resource_mismatch", "mixed");
    assert_token_issued(
        &server.exchange(&id_jag("j02b-ok", json!({})), &[]),
        "served resource",
    );
}

#[test]
fn j02_resource_differs_from_request_parameter() {
    let server = AsServer::start();
    // The ID-JAG names RESOURCE; the request narrows to OTHER_RESOURCE (served here and
    // reachable by POST_CLIENT, so only the assertion's resource can refuse it).
    let token = id_jag("j02c-1", json!({"client_id": POST_CLIENT}));
    let reply = post_exchange(&server, &token, &[("resource", OTHER_RESOURCE)]);
    assert_error(
        &reply,
        400,
        "invalid_target",
        "request resource not in ID-JAG",
    );
    let reply = post_exchange(&server, &token, &[("resource", &format!("{RESOURCE}/"))]);
    assert_error(&reply, 400, "invalid_target", "request resource + slash");
    // Positive twin: the same assertion with the resource it names.
    let body = assert_token_issued(
        &post_exchange(&server, &token, &[("resource", RESOURCE)]),
        "request resource = ID-JAG resource",
    );
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert_eq!(claims["aud"], RESOURCE);
}

#[test]
fn j04_keys_are_scoped_per_issuer() {
    let server = AsServer::start();
    let k = keys();
    // iss OTHER_IDP (trusted), but signed by IDP_ISSUER's key under its kid.
    let crossed = jag_with(
        &id_jag_header(),
        "j04-1",
        json!({"iss": OTHER_IDP}),
        &k.idp_ec,
    );
    refused(&server, &crossed, "key_not_found", "OTHER_IDP with idp-ec");
    // The same without a kid: the key must still come from OTHER_IDP's set only.
    let no_kid = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}),
        "j04-2",
        json!({"iss": OTHER_IDP}),
        &k.idp_ec,
    );
    refused(
        &server,
        &no_kid,
        "signature_invalid",
        "OTHER_IDP, no kid, idp key",
    );
    // iss of an untrusted issuer signed with a trusted key.
    let untrusted = id_jag("j04-3", json!({"iss": "https://untrusted.example.com"}));
    refused(
        &server,
        &untrusted,
        "issuer_untrusted",
        "untrusted iss, idp key",
    );

    // Positive twin: OTHER_IDP's claims with its own key.
    let own = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        "j04-ok",
        json!({"iss": OTHER_IDP}),
        &k.other_ec,
    );
    let body = assert_token_issued(&server.exchange(&own, &[]), "OTHER_IDP with other-ec");
    let claims = issued_claims(&server, access_token_of(&body), RESOURCE);
    assert_eq!(
        claims["sub"],
        "https%3A%2F%2Fother-idp.example.com:U019488227"
    );
    assert_eq!(claims["client_id"], CLIENT);
}

#[test]
fn j05_replay_within_validity_refused() {
    let server = AsServer::start();
    let token = id_jag("j05-1", json!({}));
    assert_token_issued(&server.exchange(&token, &[]), "first use");
    for i in 0..4 {
        assert_invalid_grant(&server.exchange(&token, &[]), &format!("replay {i}"));
    }
    // A different token with the same (iss, jti): still a replay.
    let remint = id_jag("j05-1", json!({"scope": "chat.read", "iat": NOW - 5}));
    assert_invalid_grant(&server.exchange(&remint, &[]), "same iss+jti, new token");
    // The same jti from another issuer is a different (iss, jti).
    let other = jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        "j05-1",
        json!({"iss": OTHER_IDP}),
        &keys().other_ec,
    );
    assert_token_issued(&server.exchange(&other, &[]), "same jti, other issuer");
    assert_invalid_grant(&server.exchange(&other, &[]), "other issuer replay");
    // A new jti is fine.
    assert_token_issued(
        &server.exchange(&id_jag("j05-2", json!({})), &[]),
        "fresh jti",
    );
}

#[test]
fn j06_jti_length_and_type() {
    let server = AsServer::start();
    let long = "j".repeat(257);
    let too_long = id_jag(&long, json!({}));
    refused(&server, &too_long, "limit_exceeded", "jti of 257 bytes");
    let number = id_jag("unused", json!({"jti": 12345}));
    refused(&server, &number, "claim_invalid", "jti a number");
    let empty = id_jag("", json!({}));
    refused(&server, &empty, "claim_invalid", "jti empty");
    let array = id_jag("unused", json!({"jti": ["a"]}));
    refused(&server, &array, "claim_invalid", "jti an array");
    // Positive twin: exactly 256 bytes.
    let max = "k".repeat(256);
    assert_token_issued(
        &server.exchange(&id_jag(&max, json!({})), &[]),
        "jti of 256 bytes",
    );
}

// ---------------------------------------------------------------------------------------
// One IdP's user never becomes another's (issue 11, item 2)
// ---------------------------------------------------------------------------------------

/// An ID-JAG of OTHER_IDP (signed with its own key) with claim changes.
fn other_jag(jti: &str, changes: Value) -> String {
    let mut claims = json!({"iss": OTHER_IDP});
    merge(&mut claims, changes);
    jag_with(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        jti,
        claims,
        &keys().other_ec,
    )
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
    let a = issued_subject(
        &server,
        &jag("ns-a", json!({}), json!({"sub": "alice"})),
        "A",
    );
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
    let a = issued_subject(
        &server,
        &jag("ns-c", json!({}), json!({"sub": "alice"})),
        "A",
    );
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
        &jag("t-1", json!({}), json!({"sub": "alice", "tenant": "acme"})),
        "tenant acme",
    );
    let globex = issued_subject(
        &server,
        &jag(
            "t-2",
            json!({}),
            json!({"sub": "alice", "tenant": "globex:x"}),
        ),
        "tenant globex:x",
    );
    assert_eq!(acme, "entra:acme:alice");
    assert_eq!(globex, "entra:globex%3Ax:alice");
    // Required and missing; present for an issuer that is not multi-tenant.
    assert_invalid_grant(
        &server.exchange(&jag("t-3", json!({}), json!({"sub": "alice"})), &[]),
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
        &server.exchange(&jag("c-2", json!({}), json!({})), &[]),
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
