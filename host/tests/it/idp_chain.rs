//! The whole XAA chain through the component in Wasmtime (groundwork for issue 4): the IdP
//! exchanges its own ID token for an ID-JAG (`identity-provider-http`, with an audit event),
//! the resource authorization server exchanges that ID-JAG for an access token
//! (`authorization-server-http`), and the resource server accepts it
//! (`validate-access-token`). The IdP is configured from TOML (`config_file`).

use crate::common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

use common::as_server::{
    form, form_encode, private_jwk, secret_sha256, GRANT_JWT_BEARER, GRANT_TOKEN_EXCHANGE,
    TYPE_ID_JAG, TYPE_ID_TOKEN,
};
use common::*;
use xaa_host::wit::{self, Header, HttpRequest, HttpResponse};
use xaa_host::{config_file, Validator};

fn idp_signing_key() -> SigningKey {
    keys().idp_ec.clone()
}

/// An IdP whose ID-JAGs the baseline AS (common::config) trusts: issuer IDP_ISSUER, signing
/// with the IdP key "idp-ec"; client "cursor" is connected to AS_ISSUER / RESOURCE, and to
/// nothing else; users alice (enabled) and bob (disabled).
fn idp_toml(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::write(
        dir.join("idp.jwk"),
        private_jwk(&idp_signing_key(), "idp-ec").to_string(),
    )
    .unwrap();
    let toml = format!(
        r#"{head}{client}
[[users]]
sub = "alice"
groups = ["engineering"]

[[users]]
sub = "bob"
disabled = true
{connection}"#,
        connection = baseline_connection_toml(&[]),
        head = idp_head_toml(IDP_ISSUER, ""),
        client = idp_basic_client_toml("cursor", &secret_sha256("cursor-secret")),
    );
    let path = dir.join("idp.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn idp() -> Validator {
    let dir = tempfile::tempdir().unwrap();
    let config = config_file::load(&idp_toml(dir.path())).unwrap();
    Validator::new(runtime(), imports(true), config).unwrap()
}

fn id_token(sub: &str, client: &str) -> String {
    let claims = json!({
        "iss": IDP_ISSUER, "sub": sub, "aud": client, "jti": format!("idt-{sub}"),
        "iat": NOW - 30, "exp": NOW + 3600, "auth_time": NOW - 30, "amr": ["pwd"],
    });
    mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&idp_signing_key()),
    )
}

fn post(path: &str, basic: (&str, &str), params: &[(&str, &str)]) -> HttpRequest {
    let credentials = STANDARD.encode(format!("{}:{}", form_encode(basic.0), form_encode(basic.1)));
    HttpRequest {
        method: "POST".into(),
        path: path.into(),
        headers: vec![
            Header {
                name: "Content-Type".into(),
                value: "application/x-www-form-urlencoded".into(),
            },
            Header {
                name: "Authorization".into(),
                value: format!("Basic {credentials}"),
            },
        ],
        body: form(params).into_bytes(),
    }
}

fn json_of(response: &HttpResponse) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

fn exchange(idp: &mut Validator, subject: &str, audience: &str) -> HttpResponse {
    idp.identity_provider_http(&post(
        "/token",
        ("cursor", "cursor-secret"),
        &[
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("requested_token_type", TYPE_ID_JAG),
            ("subject_token", subject),
            ("subject_token_type", TYPE_ID_TOKEN),
            ("audience", audience),
            ("scope", "chat.read"),
        ],
    ))
    .unwrap()
}

/// The baseline AS with a token endpoint: the basic client CLIENT ("as-secret").
fn authorization_server() -> Validator {
    let mut config = common::config();
    let signing = private_jwk(&keys().as_ec, "as-ec").to_string();
    if let Some(a) = config.authorization_server.as_mut() {
        a.token_endpoint = Some(wit::TokenEndpointConfig {
            url: None,
            jwks_uri: None,
            signing_keys: vec![signing],
            signing_kid: None,
            access_token_lifetime: Some(300),
            may_outlive_assertion: false,
            client_assertion_algorithms: None,
            allow_public_clients: false,
            clients: vec![wit::ClientRegistration {
                client_id: CLIENT.into(),
                credential: wit::ClientCredential::SecretBasic(secret_sha256("as-secret")),
                resources: vec![RESOURCE.into()],
                scopes: vec!["chat.read".into()],
                grant_types: None,
                issuers: Vec::new(),
            }],
        });
    }
    Validator::new(runtime(), imports(true), config).unwrap()
}

#[test]
fn one_login_becomes_an_access_token_through_idp_as_and_rs() {
    let mut idp = idp();
    let response = exchange(&mut idp, &id_token("alice", "cursor"), AS_ISSUER);
    let body = json_of(&response);
    assert_eq!(response.status, 200, "{body}");
    assert_eq!(body["issued_token_type"], TYPE_ID_JAG);
    assert_eq!(body["token_type"], "N_A");
    assert_eq!(body["expires_in"], 120);
    let audit: Value = serde_json::from_str(response.audit_event.as_deref().unwrap()).unwrap();
    assert_eq!(audit["decision"], "granted");
    assert_eq!(audit["client_id"], "cursor");
    assert_eq!(audit["subject"], "alice");
    assert_eq!(audit["resource"], RESOURCE);
    let id_jag = body["access_token"].as_str().unwrap();
    assert!(!response.audit_event.as_deref().unwrap().contains(id_jag));

    let mut ras = authorization_server();
    let response = ras
        .authorization_server_http(&post(
            "/token",
            (CLIENT, "as-secret"),
            &[("grant_type", GRANT_JWT_BEARER), ("assertion", id_jag)],
        ))
        .unwrap();
    let body = json_of(&response);
    assert_eq!(response.status, 200, "{body}");
    assert_eq!(body["scope"], "chat.read");
    let access_token = body["access_token"].as_str().unwrap();
    let mut rs = Harness::new();
    assert_eq!(rs.access_token(access_token), "valid");
}

#[test]
fn deny_by_default_revocation_and_the_audit_line() {
    let mut idp = idp();
    let other_as = "https://as-b.example.com";
    let response = exchange(&mut idp, &id_token("alice", "cursor"), other_as);
    assert_eq!(json_of(&response)["error"], "invalid_target");
    let audit: Value = serde_json::from_str(response.audit_event.as_deref().unwrap()).unwrap();
    assert_eq!(
        (audit["decision"].as_str(), audit["reason"].as_str()),
        (Some("denied"), Some("no_connection"))
    );
    let response = exchange(&mut idp, &id_token("bob", "cursor"), AS_ISSUER);
    assert_eq!(
        json_of(&response)["error"],
        "invalid_grant",
        "disabled user"
    );
    let response = exchange(&mut idp, &id_token("alice", "windsurf"), AS_ISSUER);
    assert_eq!(
        json_of(&response)["error"],
        "invalid_request",
        "an ID token issued to another client"
    );
}

#[test]
fn idp_metadata_and_jwks() {
    let mut idp = idp();
    let get = |idp: &mut Validator, path: &str| {
        idp.identity_provider_http(&HttpRequest {
            method: "GET".into(),
            path: path.into(),
            headers: vec![],
            body: vec![],
        })
        .unwrap()
    };
    let metadata = json_of(&get(&mut idp, "/.well-known/oauth-authorization-server"));
    assert_idp_metadata(&metadata);
    let jwks = json_of(&get(&mut idp, "/jwks.json"));
    assert_eq!(jwks["keys"][0]["kid"], "idp-ec");
    assert!(jwks["keys"][0].get("d").is_none());
    assert_eq!(get(&mut idp, "/nope").status, 404);
}

#[test]
fn idp_configuration_refusals_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = idp_toml(dir.path());
    let base = std::fs::read_to_string(&path).unwrap();
    for (change, field) in [
        (
            base.replace(
                "client_id_at_audience = \"f53f191f9311af35\"\n",
                "client_id_at_audience = \"\"\n",
            ),
            "connections[0].client_id_at_audience",
        ),
        (
            base.replace("id_jag_lifetime = 120", "id_jag_lifetime = 301"),
            "connections[0].id_jag_lifetime",
        ),
        (
            base.replace(
                "[[connections]]\nclient_id = \"cursor\"",
                "[[connections]]\nclient_id = \"nobody\"",
            ),
            "connections[0].client_id",
        ),
        (
            base.replace(
                "resources = [\"https://mcp.example.com/mcp\"]",
                "resources = []",
            ),
            "connections[0].resources",
        ),
        (
            base.replace(
                "audience = \"https://as.example.com\"",
                "audience = \"https://idp.example.com\"",
            ),
            "connections[0].audience",
        ),
    ] {
        assert_ne!(change, base, "{field}: the replacement applied");
        std::fs::write(&path, &change).unwrap();
        let config = config_file::load(&path).unwrap();
        let error = Validator::new(runtime(), imports(true), config)
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains(field), "{field}: {error}");
    }
}
