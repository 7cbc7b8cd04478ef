//! The IdP as an ID-JAG broker in front of an OpenID provider without XAA (issue 12 part 3):
//! `[[upstream_idps]]`, the upstream's ID token as the RFC 8693 subject token, through the
//! component's `identity-provider-http`. One good exchange, then one row per rule that
//! refuses a token or request differing from it in that rule only; the configuration's rules.
//! Expected outcomes are written by hand.

use crate::common::*;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use xaa_host::wit::{Header, HttpRequest};
use xaa_host::{config_file, Validator};
use xaa_testkit::fixtures::{other_idp_jwks, private_ec_jwk};
use xaa_testkit::form::{basic_header, form};

/// This IdP (the broker) and the upstream provider it trusts.
const BROKER: &str = "https://broker.example.com";
const UPSTREAM: &str = OTHER_IDP;
const CLIENT: (&str, &str) = ("mcp-client", "mcp-client-secret-51f2");
const OTHER_CLIENT: (&str, &str) = ("other-client", "other-client-secret-0c9d");

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The broker's configuration; `upstream_extra` lines end the `[[upstream_idps]]` table.
fn toml(upstream_extra: &str) -> String {
    let client = |(id, secret): (&str, &str)| {
        format!(
            "[[idp_clients]]\nclient_id = \"{id}\"\nauth_method = \"client_secret_basic\"\nclient_secret_sha256 = \"{}\"\n\n",
            sha256_hex(secret)
        )
    };
    format!(
        "[identity_provider]\nissuer = \"{BROKER}\"\nsigning_keys = [\"broker.jwk\"]\n\n{}{}\
         [[users]]\nsub = \"alice\"\ngroups = [\"eng\"]\n\n[[users]]\nsub = \"bob\"\ndisabled = true\n\n\
         [[connections]]\nclient_id = \"mcp-client\"\naudience = \"{AS_ISSUER}\"\nresources = [\"{RESOURCE}\"]\n\
         scopes = [\"chat.read\"]\nclient_id_at_audience = \"c-at-as\"\n\n\
         [[connections]]\nclient_id = \"other-client\"\naudience = \"{AS_ISSUER}\"\nresources = [\"{RESOURCE}\"]\n\
         scopes = [\"chat.read\"]\nclient_id_at_audience = \"o-at-as\"\n\n\
         [[upstream_idps]]\nissuer = \"{UPSTREAM}\"\njwks_file = \"upstream.jwks\"\nalgorithms = [\"ES256\"]\n\
         client_ids = [\"mcp-client\"]\n{upstream_extra}",
        client(CLIENT),
        client(OTHER_CLIENT),
    )
}

fn load(toml: &str) -> Result<xaa_host::wit::Config, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broker.jwk"),
        private_ec_jwk(&keys().idp_ec, "broker-ec").to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("upstream.jwks"),
        other_idp_jwks().to_string(),
    )
    .unwrap();
    let path = dir.path().join("broker.toml");
    std::fs::write(&path, toml).unwrap();
    config_file::load(&path)
}

fn broker(upstream_extra: &str) -> Validator {
    Validator::new(
        runtime(),
        imports(true),
        load(&toml(upstream_extra)).unwrap(),
    )
    .unwrap()
}

/// An upstream ID token for mcp-client with `changes` to its claims (null removes one).
fn upstream_token(changes: Value, signer: Signer<'_>) -> String {
    let mut claims = json!({
        "iss": UPSTREAM, "sub": "alice", "aud": CLIENT.0, "iat": NOW - 5, "exp": NOW + 600,
        "auth_time": NOW - 5, "nonce": "from-the-sign-in", "email": "alice@example.com",
    });
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    mint(
        &json!({"alg": "ES256", "kid": "other-ec", "typ": "JWT"}),
        &claims,
        signer,
    )
}

fn good(changes: Value) -> String {
    upstream_token(changes, Signer::Es256(&keys().other_ec))
}

/// (status, body, audit event) of one exchange of `token` by `client`.
fn exchange(v: &mut Validator, client: (&str, &str), token: &str) -> (u16, Value, Value) {
    let body = form(&[
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ),
        (
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:id-jag",
        ),
        ("subject_token", token),
        (
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:id_token",
        ),
        ("audience", AS_ISSUER),
        ("resource", RESOURCE),
    ]);
    let header = |name: &str, value: String| Header {
        name: name.into(),
        value,
    };
    let response = v
        .identity_provider_http(&HttpRequest {
            method: "POST".into(),
            path: "/token".into(),
            headers: vec![
                header("content-type", "application/x-www-form-urlencoded".into()),
                header("authorization", basic_header(client.0, client.1)),
            ],
            body: body.into_bytes(),
        })
        .unwrap();
    let audit = serde_json::from_str(response.audit_event.as_deref().unwrap()).unwrap();
    (
        response.status,
        serde_json::from_slice(&response.body).unwrap(),
        audit,
    )
}

fn id_jag_claims(body: &Value) -> Value {
    use base64::Engine as _;
    let payload = body["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn an_upstream_id_token_becomes_an_id_jag_of_the_broker() {
    let mut v = broker("");
    let (status, body, audit) = exchange(&mut v, CLIENT, &good(json!({})));
    assert_eq!(status, 200, "{body}");
    let claims = id_jag_claims(&body);
    assert_eq!(
        (claims["iss"].as_str(), claims["sub"].as_str()),
        (Some(BROKER), Some("alice"))
    );
    assert_eq!(
        (claims["aud"].as_str(), claims["client_id"].as_str()),
        (Some(AS_ISSUER), Some("c-at-as"))
    );
    assert_eq!(
        claims["auth_time"],
        json!(NOW - 5),
        "the upstream's authentication carries over"
    );
    assert_eq!(
        audit["upstream_issuer"], UPSTREAM,
        "the audit event names the upstream"
    );
    assert_eq!(
        (audit["decision"].as_str(), audit["subject"].as_str()),
        (Some("granted"), Some("alice"))
    );
}

/// (why, presenting client, subject token, status, OAuth error, audit reason).
type Row = (
    &'static str,
    (&'static str, &'static str),
    String,
    u16,
    &'static str,
    &'static str,
);

/// Each row differs from the good exchange in one thing; each is refused, with the audit
/// event's reason naming why.
#[test]
fn upstream_tokens_are_refused_unless_every_rule_holds() {
    let mut v = broker("");
    let attacker = Signer::Es256(&keys().attacker);
    let rows: Vec<Row> = vec![
        ("signed by a key the upstream does not publish", CLIENT, upstream_token(json!({}), attacker), 400, "invalid_request", "signature_invalid"),
        ("for another client of the upstream", CLIENT, good(json!({"aud": "someone-else"})), 400, "invalid_request", "audience_mismatch"),
        ("presented by a client not allowed to use the upstream", OTHER_CLIENT, good(json!({"aud": OTHER_CLIENT.0})), 400, "invalid_request", "audience_mismatch"),
        ("mcp-client's token presented by another client", OTHER_CLIENT, good(json!({})), 400, "invalid_request", "audience_mismatch"),
        ("expired", CLIENT, good(json!({"exp": NOW - 120})), 400, "invalid_request", "expired"),
        ("from an issuer that is neither the broker nor an upstream (checked as the broker's own: its keys lack the kid)", CLIENT, good(json!({"iss": "https://rogue.example.com"})), 400, "invalid_request", "key_not_found"),
        ("a user the directory does not list", CLIENT, good(json!({"sub": "mallory"})), 400, "invalid_grant", "user_not_allowed"),
        ("a disabled user", CLIENT, good(json!({"sub": "bob"})), 400, "invalid_grant", "user_not_allowed"),
    ];
    for (why, client, token, status, error, reason) in &rows {
        let (got, body, audit) = exchange(&mut v, *client, token);
        assert_eq!(
            (got, body["error"].as_str()),
            (*status, Some(*error)),
            "{why}: {body}"
        );
        assert_eq!(audit["reason"].as_str(), Some(*reason), "{why}: {audit}");
        assert!(body.get("access_token").is_none(), "{why}");
    }
    // Control for the "nonce ignored" rule: a token without one is as good.
    assert_eq!(
        exchange(&mut v, CLIENT, &good(json!({"nonce": null}))).0,
        200
    );
}

#[test]
fn the_subject_claim_and_unknown_users_are_configurable() {
    // The directory knows alice by email-derived name: subject_claim picks the claim.
    let mut by_email = broker("subject_claim = \"email\"\n");
    let token = good(json!({"sub": "00u1abc", "email": "alice"}));
    let (status, body, _) = exchange(&mut by_email, CLIENT, &token);
    assert_eq!(status, 200, "{body}");
    assert_eq!(id_jag_claims(&body)["sub"], "alice");
    // admit_unknown_users: mallory gets what a connection without user restrictions allows.
    let mut open = broker("admit_unknown_users = true\n");
    let (status, body, _) = exchange(&mut open, CLIENT, &good(json!({"sub": "mallory"})));
    assert_eq!(status, 200, "{body}");
    assert_eq!(id_jag_claims(&body)["sub"], "mallory");
    // A disabled user stays refused.
    assert_eq!(
        exchange(&mut open, CLIENT, &good(json!({"sub": "bob"}))).0,
        400
    );
}

#[test]
fn upstream_configuration_rules() {
    let refused = |from: &str, to: &str| -> String {
        match load(&toml("").replace(from, to)) {
            Err(e) => e,
            Ok(config) => match Validator::new(runtime(), imports(true), config) {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            },
        }
    };
    let ids = "client_ids = [\"mcp-client\"]";
    for (from, to, expected) in [
        (
            ids,
            "client_ids = [\"nobody\"]",
            "is not an [[idp_clients]] entry",
        ),
        (ids, "client_ids = []", "list the clients"),
        (
            ids,
            "client_ids = [\"mcp-client\"]\nsubject_claim = \"groups\"",
            "one of sub, email",
        ),
        (
            "algorithms = [\"ES256\"]\nclient_ids",
            "algorithms = [\"HS256\"]\nclient_ids",
            "HMAC",
        ),
        (
            &format!("issuer = \"{UPSTREAM}\""),
            &format!("issuer = \"{BROKER}\""),
            "own issuer",
        ),
    ] {
        let errors = refused(from, to);
        assert!(errors.contains(expected), "{to}: {errors}");
    }
    assert_eq!(refused("", ""), "", "control");
}
