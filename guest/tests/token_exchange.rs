//! The IdP's token-exchange endpoint (groundwork for issue 4), natively: an ID token in, an
//! ID-JAG out, through managed connections; deny by default; revocation; step-up; the
//! request shape; and the issued ID-JAG accepted by a resource authorization server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use xaa_guest::audit::{AuditEvent, Decision};
use xaa_guest::config::{Client, ClientAuth, IdentityProvider, User};
use xaa_guest::jws::sign_es256;
use xaa_guest::signing::{public_jwks, IssuingKey, SigningKeys};
use xaa_guest::test_host::{connection, RememberingHost};
use xaa_guest::token_exchange::handle;
use xaa_guest::Alg;
use xaa_guest::HttpRequest;
use xaa_guest::{AuthorizationServerConfig, Config, KeySource, TrustedIssuerConfig};
use xaa_guest::{Validator, Verdict};
use xaa_testkit::fixtures::{merge, IDP_ISSUER, NOW};
use xaa_testkit::form::{basic_header, form};

const AS_A: &str = "https://as-a.example.com";
const AS_B: &str = "https://as-b.example.com";
const R_A: &str = "https://a.example.com/mcp";
const R_B: &str = "https://b.example.com/mcp";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
const ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";

fn host() -> RememberingHost {
    RememberingHost::default()
}

fn idp_key() -> IssuingKey {
    IssuingKey {
        kid: "idp-1".into(),
        key: SigningKey::from_slice(&Sha256::digest(b"idp")).unwrap(),
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn client(id: &str, secret: &str, grants: &[&str]) -> Client {
    Client {
        client_id: id.into(),
        auth: ClientAuth::SecretBasic(digest(secret)),
        resources: vec![],
        scopes: vec![],
        grant_types: grants.iter().map(|g| g.to_string()).collect(),
        issuers: vec![],
        redirect_uris: vec![],
    }
}

fn idp() -> IdentityProvider {
    let keys = vec![idp_key()];
    IdentityProvider {
        issuer: IDP_ISSUER.into(),
        token_url: format!("{IDP_ISSUER}/token"),
        jwks_uri: format!("{IDP_ISSUER}/jwks.json"),
        public_keys: xaa_guest::jwks::parse(&public_jwks(&keys).unwrap()).unwrap(),
        signing: SigningKeys { keys, current: 0 },
        clients: vec![
            client("cursor", "cursor-secret", &[EXCHANGE]),
            client("claude", "claude-secret", &[EXCHANGE]),
            client("legacy", "legacy-secret", &[]),
        ],
        client_assertion_algorithms: vec![Alg::Es256],
        users: vec![
            User {
                sub: "alice".into(),
                groups: vec!["engineering".into()],
                disabled: false,
                email: None,
                password_sha256: None,
            },
            User {
                sub: "bob".into(),
                groups: vec![],
                disabled: true,
                email: None,
                password_sha256: None,
            },
        ],
        connections: vec![
            connection("cursor", AS_A, &[R_A]),
            connection("claude", AS_B, &[R_B]),
        ],
        leeway: 60,
        root_slash: false,
        development_sign_in: false,
        dev_sign_in_url: format!("{IDP_ISSUER}/dev/sign-in"),
        id_token_lifetime: 3600,
        refresh_token_lifetime: 28_800,
    }
}

/// An ID token of this IdP for `sub`, issued to `client`.
fn id_token(sub: &str, client: &str, changes: Value) -> String {
    let mut claims = json!({
        "iss": IDP_ISSUER, "sub": sub, "aud": client, "jti": format!("idt-{sub}-{client}"),
        "iat": NOW - 30, "exp": NOW + 3600, "auth_time": NOW - 30, "amr": ["pwd"],
        "email": format!("{sub}@example.com"),
    });
    merge(&mut claims, changes);
    sign_es256(
        r#"{"typ":"JWT","alg":"ES256","kid":"idp-1"}"#,
        &claims.to_string(),
        &idp_key().key,
    )
}

fn request(client: (&str, &str), params: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers: vec![
            (
                "Content-Type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
            ("Authorization".into(), basic_header(client.0, client.1)),
        ],
        body: form(params).into_bytes(),
    }
}

fn exchange_params<'a>(subject: &'a str, audience: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", EXCHANGE),
        ("requested_token_type", ID_JAG),
        ("subject_token", subject),
        ("subject_token_type", ID_TOKEN),
        ("audience", audience),
    ]
}

/// Runs one exchange as `client` and returns (status, body, audit event).
fn run(
    idp: &IdentityProvider,
    client: (&str, &str),
    params: &[(&str, &str)],
) -> (u16, Value, AuditEvent) {
    let (response, event) = handle(idp, &mut host(), &request(client, params));
    let body = serde_json::from_slice(&response.body).unwrap();
    (response.status, body, event)
}

/// A response's status and OAuth `error` ("" when it has none).
fn refusal(status: u16, body: &Value) -> (u16, &str) {
    (status, body["error"].as_str().unwrap_or_default())
}

const CURSOR: (&str, &str) = ("cursor", "cursor-secret");

/// Runs cursor's plain exchange of `subject` for an ID-JAG for A.
fn cursor_at_a(idp: &IdentityProvider, subject: &str) -> (u16, Value, AuditEvent) {
    run(idp, CURSOR, &exchange_params(subject, AS_A))
}

/// Asserts that cursor's plain exchange of `subject` for A is refused with the OAuth `error`
/// and audited with `reason`.
fn assert_refused_at_a(idp: &IdentityProvider, subject: &str, error: &str, reason: &str) {
    let (_, body, event) = cursor_at_a(idp, subject);
    assert_eq!(
        (body["error"].as_str(), event.reason.as_str()),
        (Some(error), reason)
    );
}

#[test]
fn an_id_token_becomes_an_id_jag_the_resource_authorization_server_accepts() {
    let idp = idp();
    let subject = id_token("alice", "cursor", json!({}));
    let mut params = exchange_params(&subject, AS_A);
    params.push(("scope", "chat.read admin"));
    let (status, body, event) = run(&idp, CURSOR, &params);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["issued_token_type"], ID_JAG);
    assert_eq!(body["token_type"], "N_A");
    assert_eq!(body["expires_in"], 120);
    assert_eq!(body["scope"], "chat.read");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(event.decision, Decision::Granted);
    assert_eq!(event.resource.as_deref(), Some(R_A));
    assert!(event.id_jag_jti.is_some());
    let audit = event.to_json();
    assert!(!audit.contains(&subject), "never a token in the audit log");

    let id_jag = body["access_token"].as_str().unwrap();
    assert!(!audit.contains(id_jag));
    let mut ras = Validator::new();
    ras.configure(&Config {
        authorization_server: Some(AuthorizationServerConfig {
            issuer: AS_A.into(),
            resources: vec![R_A.into()],
            max_assertion_lifetime: None,
            leeway: None,
            resource_root_slash_equivalence: false,
            trusted_issuers: vec![TrustedIssuerConfig {
                issuer: IDP_ISSUER.into(),
                keys: KeySource::Inline(public_jwks(&[idp_key()]).unwrap()),
                algorithms: vec!["ES256".into()],
                subject_namespace: None,
                tenant_required: false,
            }],
            token_endpoint: None,
        }),
        ..Config::default()
    })
    .unwrap();
    match ras.validate_id_jag(&mut host(), id_jag, &format!("cursor@{AS_A}")) {
        Verdict::Valid(v) => {
            assert_eq!(v.subject(), "alice");
            assert_eq!(v.resource(), [R_A.to_owned()]);
            assert_eq!(v.expires_at() - v.issued_at(), 120);
            let claims: Value = serde_json::from_str(v.claims_json()).unwrap();
            assert_eq!(claims["email"], "alice@example.com");
            assert_eq!(claims["amr"], json!(["pwd"]));
        }
        Verdict::Rejected(r) => panic!("{r:?}"),
    }
}

#[test]
fn deny_by_default_a_client_connected_to_a_asking_for_b() {
    let idp = idp();
    let subject = id_token("alice", "cursor", json!({}));
    let (status, body, event) = run(&idp, CURSOR, &exchange_params(&subject, AS_B));
    assert_eq!(refusal(status, &body), (400, "invalid_target"));
    assert_eq!(event.decision, Decision::Denied);
    assert_eq!(event.reason, "no_connection");
    assert_eq!(event.client_id.as_deref(), Some("cursor"));
    assert_eq!(event.audience.as_deref(), Some(AS_B));
    let mut params = exchange_params(&subject, AS_A);
    params.push(("resource", R_B));
    assert_eq!(run(&idp, CURSOR, &params).1["error"], "invalid_target");
    let mut params = exchange_params(&subject, AS_A);
    params.push(("scope", "admin"));
    assert_eq!(run(&idp, CURSOR, &params).1["error"], "invalid_scope");
}

#[test]
fn an_id_token_issued_to_another_client_is_refused() {
    let idp = idp();
    let for_claude = id_token("alice", "claude", json!({}));
    let (status, body, event) = cursor_at_a(&idp, &for_claude);
    assert_eq!(refusal(status, &body), (400, "invalid_request"));
    assert_eq!(event.reason, "audience_mismatch");
    let cases = [
        (
            "expired",
            id_token("alice", "cursor", json!({"exp": NOW - 61})),
        ),
        (
            "another issuer",
            id_token(
                "alice",
                "cursor",
                json!({"iss": "https://evil.example.com"}),
            ),
        ),
    ];
    for (what, token) in cases {
        let (status, body, _) = cursor_at_a(&idp, &token);
        assert_eq!(refusal(status, &body), (400, "invalid_request"), "{what}");
    }
    // An ID-JAG is not an ID token (token confusion).
    let subject = id_token("alice", "cursor", json!({}));
    let (_, body, _) = cursor_at_a(&idp, &subject);
    let id_jag = body["access_token"].as_str().unwrap().to_owned();
    assert_refused_at_a(&idp, &id_jag, "invalid_request", "typ_mismatch");
}

#[test]
fn revocation_disabled_or_removed_users_and_removed_connections() {
    let mut idp = idp();
    let bob = id_token("bob", "cursor", json!({}));
    assert_refused_at_a(&idp, &bob, "invalid_grant", "user_not_allowed");
    let carol = id_token("carol", "cursor", json!({}));
    assert_eq!(
        cursor_at_a(&idp, &carol).1["error"],
        "invalid_grant",
        "not in the directory"
    );
    let alice = id_token("alice", "cursor", json!({}));
    assert_eq!(cursor_at_a(&idp, &alice).0, 200);
    idp.connections.retain(|c| c.client_id != "cursor");
    assert_refused_at_a(&idp, &alice, "invalid_target", "no_connection");
}

#[test]
fn step_up_when_the_login_is_too_old() {
    let mut idp = idp();
    idp.connections[0].max_auth_age = Some(600);
    let old = id_token("alice", "cursor", json!({"auth_time": NOW - 700}));
    let (status, body, event) = cursor_at_a(&idp, &old);
    assert_eq!(
        refusal(status, &body),
        (400, "insufficient_user_authentication")
    );
    assert_eq!(body["max_age"], 600);
    assert_eq!(event.reason, "step_up_required");
    let fresh = id_token("alice", "cursor", json!({"auth_time": NOW - 60}));
    assert_eq!(cursor_at_a(&idp, &fresh).0, 200);
}

#[test]
fn client_authentication_and_the_grant() {
    let idp = idp();
    let subject = id_token("alice", "cursor", json!({}));
    let (status, body, event) = run(&idp, ("cursor", "wrong"), &exchange_params(&subject, AS_A));
    assert_eq!(refusal(status, &body), (401, "invalid_client"));
    assert_eq!(event.client_id, None);
    // Nothing the unauthenticated caller asked for reaches the audit log.
    assert_eq!(
        (event.audience, event.resource, event.scope),
        (None, None, None)
    );
    // An authenticated client's request is recorded, shortened.
    let long = format!("https://{}.example.com", "a".repeat(60_000));
    let mut params = exchange_params(&subject, &long);
    params.push(("scope", "chat.read"));
    let (status, _, event) = run(&idp, ("cursor", "cursor-secret"), &params);
    assert_eq!(status, 400);
    let audience = event.audience.unwrap();
    assert_eq!(
        audience.chars().count(),
        xaa_guest::audit::MAX_RECORDED_CHARS + 1
    );
    assert!(audience.ends_with('…'));
    assert_eq!(event.scope.as_deref(), Some("chat.read"));
    let legacy = id_token("alice", "legacy", json!({}));
    let (status, body, _) = run(
        &idp,
        ("legacy", "legacy-secret"),
        &exchange_params(&legacy, AS_A),
    );
    assert_eq!(refusal(status, &body), (400, "unauthorized_client"));
}

#[test]
fn request_shape() {
    let idp = idp();
    let subject = id_token("alice", "cursor", json!({}));
    let base = exchange_params(&subject, AS_A);
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = base
            .iter()
            .filter(|(k, _)| *k != name)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if !value.is_empty() {
            p.push((name.to_owned(), value.to_owned()));
        }
        p
    };
    let error = |params: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        run(&idp, CURSOR, &refs).1["error"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        error(with(
            "requested_token_type",
            "urn:ietf:params:oauth:token-type:access_token"
        )),
        "invalid_request"
    );
    assert_eq!(error(with("requested_token_type", "")), "invalid_request");
    assert_eq!(error(with("audience", "")), "invalid_request");
    assert_eq!(
        error(with(
            "subject_token_type",
            "urn:ietf:params:oauth:token-type:refresh_token"
        )),
        "invalid_request"
    );
    assert_eq!(error(with("actor_token", "x")), "invalid_request");
    assert_eq!(
        error(with(
            "grant_type",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        )),
        "unsupported_grant_type"
    );
    assert_eq!(
        error(with("authorization_details", "[]")),
        "invalid_authorization_details"
    );
    assert_eq!(error(with("scope", "a  b")), "invalid_scope");
}
