//! The token endpoint, natively (configured through `Config`, reached through the
//! authorization server's HTTP router): jwt-bearer with an ID-JAG, each
//! client-authentication method right and wrong, client binding, resource and scope rules,
//! single use, and the issued RFC 9068 token checked by the resource-server validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use xaa_guest::error::INVALID_GRANT_DESCRIPTION;
use xaa_guest::jws::sign_es256;
use xaa_guest::signing::{public_jwks, IssuingKey};
use xaa_guest::test_host::RememberingHost;
use xaa_guest::Code;
use xaa_guest::{
    AuthorizationServerConfig, ClientCredentialConfig, ClientRegistrationConfig, Config,
    JwksCacheConfig, KeySource, ResourceServerConfig, TokenEndpointConfig, TrustedIssuerConfig,
};
use xaa_guest::{HttpRequest, HttpResponse};
use xaa_guest::{Validator, Verdict};
use xaa_testkit::fixtures::{ec_jwk, merge, private_ec_jwk};
use xaa_testkit::fixtures::{AS_ISSUER, IDP_ISSUER, NOW, OTHER_RESOURCE, RESOURCE, TOKEN_URL};
use xaa_testkit::form::{basic_header, form};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn key(seed: u8) -> SigningKey {
    SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn jwk(key: &SigningKey, kid: &str) -> Value {
    ec_jwk(key, kid, json!({}))
}

fn issuing() -> IssuingKey {
    IssuingKey {
        kid: "as-1".into(),
        key: key(11),
    }
}

fn as_config() -> Config {
    Config {
        authorization_server: Some(AuthorizationServerConfig {
            issuer: AS_ISSUER.into(),
            resources: vec![RESOURCE.into(), OTHER_RESOURCE.into()],
            max_assertion_lifetime: Some(300),
            leeway: Some(60),
            resource_root_slash_equivalence: false,
            trusted_issuers: vec![TrustedIssuerConfig {
                issuer: IDP_ISSUER.into(),
                keys: KeySource::Inline(json!({"keys":[jwk(&key(1), "idp-1")]}).to_string()),
                algorithms: vec!["ES256".into()],
                subject_namespace: None,
                tenant_required: false,
            }],
            token_endpoint: Some(endpoint()),
        }),
        resource_server: None,
        identity_provider: None,
        jwks_cache: JwksCacheConfig::default(),
        token_cache_size: None,
    }
}

fn sha256_hex(secret: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn private_jwk(key: &SigningKey, kid: &str) -> String {
    private_ec_jwk(key, kid).to_string()
}

fn endpoint() -> TokenEndpointConfig {
    let client_keys = json!({"keys":[jwk(&key(21), "c1")]}).to_string();
    let client =
        |id: &str, credential, resources: &[&str], scopes: &[&str]| ClientRegistrationConfig {
            client_id: id.into(),
            credential,
            resources: resources.iter().map(|r| r.to_string()).collect(),
            scopes: scopes.iter().map(|r| r.to_string()).collect(),
            grant_types: None,
            issuers: Vec::new(),
        };
    TokenEndpointConfig {
        url: Some(TOKEN_URL.into()),
        jwks_uri: None,
        clients: vec![
            client(
                "basic-client",
                ClientCredentialConfig::SecretBasic(sha256_hex("s3cret")),
                &[RESOURCE],
                &["chat.read", "chat.history"],
            ),
            client(
                "post-client",
                ClientCredentialConfig::SecretPost(sha256_hex("p0st")),
                &[RESOURCE, OTHER_RESOURCE],
                &["chat.read"],
            ),
            client(
                "jwt-client",
                ClientCredentialConfig::PrivateKeyJwt(client_keys),
                &[RESOURCE],
                &["chat.read"],
            ),
        ],
        signing_keys: vec![private_jwk(&issuing().key, &issuing().kid)],
        signing_kid: None,
        access_token_lifetime: Some(300),
        may_outlive_assertion: false,
        client_assertion_algorithms: Some(vec!["ES256".into()]),
        allow_public_clients: false,
    }
}

fn id_jag(jti: &str, client: &str, changes: Value) -> String {
    let mut claims = json!({
        "iss": IDP_ISSUER, "sub": "U019488227", "aud": AS_ISSUER, "client_id": client, "jti": jti,
        "iat": NOW - 5, "exp": NOW + 295, "resource": RESOURCE,
        "scope": "chat.read chat.history", "auth_time": NOW - 60, "amr": ["mfa"],
        "role": "admin",
    });
    merge(&mut claims, changes);
    sign_es256(
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-1"}"#,
        &claims.to_string(),
        &key(1),
    )
}

fn request(basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> HttpRequest {
    let mut headers = vec![(
        "Content-Type".to_string(),
        "application/x-www-form-urlencoded".to_string(),
    )];
    if let Some((id, secret)) = basic {
        headers.push(("Authorization".into(), basic_header(id, secret)));
    }
    HttpRequest {
        method: "POST".into(),
        path: "/token".into(),
        headers,
        body: form(params).into_bytes(),
    }
}

struct Server {
    validator: Validator,
    host: RememberingHost,
}

impl Server {
    fn new() -> Self {
        Self::with(|_| {})
    }

    /// A server whose token endpoint configuration was changed by `change`.
    fn with(change: impl FnOnce(&mut TokenEndpointConfig)) -> Self {
        let mut config = as_config();
        if let Some(endpoint) = config
            .authorization_server
            .as_mut()
            .and_then(|a| a.token_endpoint.as_mut())
        {
            change(endpoint);
        }
        let mut validator = Validator::new();
        validator.configure(&config).unwrap();
        Server {
            validator,
            host: RememberingHost::default(),
        }
    }

    fn post(&mut self, request: &HttpRequest) -> (u16, Value, HttpResponse) {
        let response = self
            .validator
            .authorization_server_http(&mut self.host, request);
        let body: Value = serde_json::from_slice(&response.body).unwrap();
        (response.status, body, response)
    }

    fn basic(&mut self, assertion: &str, extra: &[(&str, &str)]) -> (u16, Value, HttpResponse) {
        let mut params = vec![("grant_type", GRANT), ("assertion", assertion)];
        params.extend_from_slice(extra);
        self.post(&request(Some(("basic-client", "s3cret")), &params))
    }
}

/// Validates an issued access token as the resource server of `resource`.
fn resource_server_verdict(token: &str, resource: &str) -> Verdict {
    let mut rs = Validator::new();
    rs.configure(&Config {
        authorization_server: None,
        resource_server: Some(ResourceServerConfig {
            resource: resource.into(),
            issuer: AS_ISSUER.into(),
            keys: KeySource::Inline(public_jwks(&[issuing()]).unwrap()),
            algorithms: vec!["ES256".into()],
            leeway: Some(60),
            resource_metadata_url: None,
            resource_root_slash_equivalence: false,
            required_scopes: Vec::new(),
        }),
        identity_provider: None,
        jwks_cache: JwksCacheConfig::default(),
        token_cache_size: Some(0),
    })
    .unwrap();
    rs.validate_access_token(&mut RememberingHost::default(), token)
}

#[test]
fn happy_path_issues_an_rfc9068_token_for_the_resource_only() {
    let mut s = Server::new();
    let (status, body, response) = s.basic(&id_jag("ok-1", "basic-client", json!({})), &[]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 295, "capped at the ID-JAG's exp");
    assert_eq!(body["scope"], "chat.read chat.history");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(response.header("cache-control"), Some("no-store"));
    let token = body["access_token"].as_str().unwrap();
    let Verdict::Valid(at) = resource_server_verdict(token, RESOURCE) else {
        panic!("issued token refused by its resource")
    };
    assert_eq!(at.issuer(), AS_ISSUER);
    assert_eq!(at.subject(), "U019488227");
    assert_eq!(at.audience(), [RESOURCE.to_string()]);
    assert_eq!(at.client_id(), Some("basic-client"));
    assert_eq!(at.auth_time(), Some(NOW - 60));
    assert_eq!(at.amr(), Some(&["mfa".to_string()][..]));
    assert!(
        !at.claims_json().contains("role"),
        "unvalidated claims are never copied"
    );
    assert_eq!(
        resource_server_verdict(token, OTHER_RESOURCE)
            .code()
            .map(|c| c.as_str()),
        Some("audience_mismatch")
    );
}

#[test]
fn the_same_id_jag_twice_is_invalid_grant() {
    let mut s = Server::new();
    let jag = id_jag("twice", "basic-client", json!({}));
    assert_eq!(s.basic(&jag, &[]).0, 200);
    let (status, body, response) = s.basic(&jag, &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], INVALID_GRANT_DESCRIPTION);
    assert_eq!(response.verdict_code, Some(Code::Replayed), "for the log");
}

#[test]
fn client_secret_basic_and_post_right_and_wrong() {
    let mut s = Server::new();
    let jag = id_jag("auth-1", "basic-client", json!({}));
    let params = [("grant_type", GRANT), ("assertion", jag.as_str())];
    let (status, body, response) = s.post(&request(Some(("basic-client", "wrong")), &params));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(response
        .header("www-authenticate")
        .unwrap()
        .starts_with("Basic"));
    // The client registered for Basic may not switch to post.
    let mut post = params.to_vec();
    post.extend([("client_id", "basic-client"), ("client_secret", "s3cret")]);
    assert_eq!(s.post(&request(None, &post)).1["error"], "invalid_client");
    // The refused attempts did not burn the assertion.
    assert_eq!(
        s.post(&request(Some(("basic-client", "s3cret")), &params))
            .0,
        200
    );

    let jag = id_jag("auth-2", "post-client", json!({"scope": "chat.read"}));
    let ok = [
        ("grant_type", GRANT),
        ("assertion", jag.as_str()),
        ("client_id", "post-client"),
        ("client_secret", "p0st"),
    ];
    let mut wrong = ok;
    wrong[3].1 = "nope";
    let (status, body, response) = s.post(&request(None, &wrong));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    assert!(
        response.header("www-authenticate").is_none(),
        "Basic was not attempted"
    );
    assert_eq!(s.post(&request(None, &ok)).0, 200);
    // Public clients are refused.
    let public = [
        ("grant_type", GRANT),
        ("assertion", jag.as_str()),
        ("client_id", "post-client"),
    ];
    assert_eq!(s.post(&request(None, &public)).1["error"], "invalid_client");
}

#[test]
fn private_key_jwt_right_and_wrong() {
    let mut s = Server::new();
    let jag = id_jag("pkj-1", "jwt-client", json!({"scope": "chat.read"}));
    let assertion = |aud: &str, jti: &str, signer: &SigningKey| {
        let claims =
            json!({"iss":"jwt-client","sub":"jwt-client","aud":aud,"exp":NOW+60,"jti":jti});
        sign_es256(r#"{"alg":"ES256","kid":"c1"}"#, &claims.to_string(), signer)
    };
    let params = |client_assertion: &str| {
        vec![
            ("grant_type".to_string(), GRANT.to_string()),
            ("assertion".to_string(), jag.clone()),
            (
                "client_assertion_type".to_string(),
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
            ),
            ("client_assertion".to_string(), client_assertion.to_string()),
        ]
    };
    let send = |s: &mut Server, p: Vec<(String, String)>| {
        let borrowed: Vec<(&str, &str)> = p.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        s.post(&request(None, &borrowed))
    };
    let wrong_aud = assertion("https://elsewhere.example.com", "ca-1", &key(21));
    assert_eq!(
        send(&mut s, params(&wrong_aud)).1["error"],
        "invalid_client"
    );
    let wrong_key = assertion(TOKEN_URL, "ca-2", &key(22));
    assert_eq!(
        send(&mut s, params(&wrong_key)).1["error"],
        "invalid_client"
    );
    let good = assertion(TOKEN_URL, "ca-3", &key(21));
    assert_eq!(send(&mut s, params(&good)).0, 200);
    // Its own jti is single-use too.
    let jag2 = id_jag("pkj-2", "jwt-client", json!({"scope": "chat.read"}));
    let mut again = params(&good);
    again[1].1 = jag2;
    assert_eq!(send(&mut s, again).1["error"], "invalid_client");
}

#[test]
fn the_id_jag_must_be_for_the_authenticated_client() {
    let mut s = Server::new();
    let (status, body, _) = s.basic(&id_jag("bind-1", "post-client", json!({})), &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        body["error_description"], INVALID_GRANT_DESCRIPTION,
        "one generic description, no internal values"
    );
}

#[test]
fn resource_rules_are_invalid_target_and_do_not_burn_the_assertion() {
    let mut s = Server::new();
    let two_resources = json!({"resource": [RESOURCE, OTHER_RESOURCE]});
    let jag = id_jag("res-1", "basic-client", two_resources);
    let (status, body, _) = s.basic(&jag, &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_target")),
        "two resources, none requested"
    );
    assert_eq!(
        s.basic(&jag, &[("resource", OTHER_RESOURCE)]).1["error"],
        "invalid_target",
        "client not allowed OTHER_RESOURCE"
    );
    assert_eq!(
        s.basic(&jag, &[("resource", "https://mcp.example.com/mcp/")])
            .1["error"],
        "invalid_target",
        "exact match"
    );
    let (status, body, _) = s.basic(&jag, &[("resource", RESOURCE)]);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn scope_is_requested_intersect_id_jag_intersect_policy() {
    let mut s = Server::new();
    let jag = id_jag(
        "sc-1",
        "basic-client",
        json!({"scope": "chat.read chat.history admin"}),
    );
    let (status, body, _) = s.basic(&jag, &[("scope", "chat.history admin")]);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "chat.history");
    let jag = id_jag("sc-2", "basic-client", json!({"scope": "admin"}));
    let (status, body, _) = s.basic(&jag, &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, _, _) = s.basic(&jag, &[("scope", "chat.read")]);
    assert_eq!(status, 400, "requested scope outside the ID-JAG's");
    let jag = id_jag("sc-3", "basic-client", json!({"scope": null}));
    let (status, body, _) = s.basic(&jag, &[]);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("scope").is_none(),
        "no scope asked, none carried, none granted"
    );
}

#[test]
fn lifetime_is_the_configured_one_unless_the_id_jag_expires_first() {
    let mut s = Server::with(|t| t.access_token_lifetime = Some(120));
    assert_eq!(
        s.basic(&id_jag("lt-1", "basic-client", json!({})), &[]).1["expires_in"],
        120
    );
    assert_eq!(
        s.basic(
            &id_jag("lt-2", "basic-client", json!({"exp": NOW + 30})),
            &[]
        )
        .1["expires_in"],
        30
    );
    let mut s = Server::with(|t| {
        t.access_token_lifetime = Some(120);
        t.may_outlive_assertion = true;
    });
    assert_eq!(
        s.basic(
            &id_jag("lt-3", "basic-client", json!({"exp": NOW + 30})),
            &[]
        )
        .1["expires_in"],
        120
    );
}

#[test]
fn request_shape_errors() {
    let mut s = Server::new();
    let mut get = request(Some(("basic-client", "s3cret")), &[("grant_type", GRANT)]);
    get.method = "GET".into();
    assert_eq!(s.post(&get).0, 405);
    let (status, body, _) = s.post(&request(
        Some(("basic-client", "s3cret")),
        &[("grant_type", "client_credentials")],
    ));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    // The issuer is read first (its allow-list applies), then `alg` is refused.
    let claims = json!({"iss": IDP_ISSUER}).to_string();
    let none = sign_es256(
        r#"{"typ":"oauth-id-jag+jwt","alg":"none"}"#,
        &claims,
        &key(1),
    );
    let (status, body, _) = s.basic(&none, &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(body["error_description"], INVALID_GRANT_DESCRIPTION);
}

/// The configuration errors `change` produces, as "path: message" lines.
fn refusals(change: impl FnOnce(&mut Config)) -> Vec<String> {
    let mut config = as_config();
    change(&mut config);
    match Validator::new().configure(&config) {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect(),
    }
}

fn endpoint_of(config: &mut Config) -> &mut TokenEndpointConfig {
    config
        .authorization_server
        .as_mut()
        .and_then(|a| a.token_endpoint.as_mut())
        .unwrap()
}

#[test]
fn token_endpoint_configuration_refusals_name_the_field() {
    assert!(refusals(|_| {}).is_empty(), "the baseline is accepted");
    type Change = Box<dyn FnOnce(&mut Config)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "token_endpoint.signing_keys",
            Box::new(|c| endpoint_of(c).signing_keys.clear()),
        ),
        (
            "token_endpoint.signing_keys[1]",
            Box::new(|c| {
                let e = endpoint_of(c);
                let again = e.signing_keys[0].clone();
                e.signing_keys.push(again);
            }),
        ),
        (
            "token_endpoint.signing_keys[0]",
            Box::new(|c| endpoint_of(c).signing_keys[0] = jwk(&key(11), "as-1").to_string()),
        ),
        (
            // security.md I03: the issuing key is also the IdP's trusted key.
            "token_endpoint.signing_keys[0]",
            Box::new(|c| endpoint_of(c).signing_keys[0] = private_jwk(&key(1), "as-1")),
        ),
        (
            "token_endpoint.signing_kid",
            Box::new(|c| endpoint_of(c).signing_kid = Some("nope".into())),
        ),
        (
            "token_endpoint.access_token_lifetime",
            Box::new(|c| endpoint_of(c).access_token_lifetime = Some(0)),
        ),
        (
            "token_endpoint.access_token_lifetime",
            Box::new(|c| endpoint_of(c).access_token_lifetime = Some(3601)),
        ),
        (
            "token_endpoint.url",
            Box::new(|c| endpoint_of(c).url = Some("http://as.example.com/token".into())),
        ),
        (
            "token_endpoint.jwks_uri",
            Box::new(|c| endpoint_of(c).jwks_uri = Some("https://as.example.com/j#x".into())),
        ),
        (
            "token_endpoint.client_assertion_algorithms[0]",
            Box::new(|c| endpoint_of(c).client_assertion_algorithms = Some(vec!["HS256".into()])),
        ),
        ("clients", Box::new(|c| endpoint_of(c).clients.clear())),
        (
            "clients[1].client_id",
            Box::new(|c| endpoint_of(c).clients[1].client_id = "basic-client".into()),
        ),
        (
            "clients[0].client_id",
            Box::new(|c| endpoint_of(c).clients[0].client_id = String::new()),
        ),
        (
            "clients[0].client_secret_sha256",
            Box::new(|c| {
                endpoint_of(c).clients[0].credential =
                    ClientCredentialConfig::SecretBasic("ABCDEF".repeat(10) + "abcd")
            }),
        ),
        (
            "clients[1].client_secret_sha256",
            Box::new(|c| {
                endpoint_of(c).clients[1].credential =
                    ClientCredentialConfig::SecretPost("s3cret".into())
            }),
        ),
        (
            "clients[2].jwks",
            Box::new(|c| {
                endpoint_of(c).clients[2].credential =
                    ClientCredentialConfig::PrivateKeyJwt(r#"{"keys":[]}"#.into())
            }),
        ),
        (
            "clients[0].auth_method",
            Box::new(|c| endpoint_of(c).clients[0].credential = ClientCredentialConfig::None),
        ),
        (
            "clients[0].resources",
            Box::new(|c| endpoint_of(c).clients[0].resources.clear()),
        ),
        (
            "clients[0].resources[0]",
            Box::new(|c| {
                endpoint_of(c).clients[0].resources = vec!["https://elsewhere.example.com".into()]
            }),
        ),
        (
            "clients[0].scopes[0]",
            Box::new(|c| endpoint_of(c).clients[0].scopes = vec!["a b".into()]),
        ),
        (
            "clients[0].scopes[1]",
            Box::new(|c| endpoint_of(c).clients[0].scopes = vec!["a".into(), "a".into()]),
        ),
        (
            "clients[0].grant_types[0]",
            Box::new(|c| {
                endpoint_of(c).clients[0].grant_types = Some(vec!["authorization_code".into()])
            }),
        ),
    ];
    for (path, change) in cases {
        let errors = refusals(change);
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{path}:"))),
            "{path}: {errors:?}"
        );
    }
}

#[test]
fn public_clients_only_when_allowed_and_only_for_none() {
    let public = |allow: bool| {
        Server::with(|t| {
            t.allow_public_clients = allow;
            t.clients.push(ClientRegistrationConfig {
                client_id: "public-client".into(),
                credential: ClientCredentialConfig::None,
                resources: vec![RESOURCE.into()],
                scopes: vec!["chat.read".into()],
                grant_types: None,
                issuers: Vec::new(),
            });
        })
    };
    let mut s = public(true);
    let params = |jti: &str, client: &str| {
        let assertion = id_jag(jti, client, json!({}));
        request(
            None,
            &[
                ("grant_type", GRANT),
                ("assertion", &assertion),
                ("client_id", client),
            ],
        )
    };
    let (status, body, _) = s.post(&params("pub-1", "public-client"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "chat.read");
    // A confidential client cannot drop its secret and pass as public.
    let (status, body, _) = s.post(&params("pub-2", "basic-client"));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // Registering a public client without allowing them is refused at configuration.
    let mut config = as_config();
    endpoint_of(&mut config).clients[0].credential = ClientCredentialConfig::None;
    assert!(Validator::new().configure(&config).is_err());
    // And with no public client allowed, a bare client_id is refused.
    let mut s = Server::new();
    let (status, body, _) = s.post(&params("pub-3", "basic-client"));
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[test]
fn a_client_without_the_grant_is_unauthorized_client() {
    let mut s = Server::with(|t| t.clients[0].grant_types = Some(vec![]));
    let (status, body, _) = s.basic(&id_jag("uc-1", "basic-client", json!({})), &[]);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unauthorized_client"))
    );
    let mut s = Server::with(|t| t.clients[0].grant_types = Some(vec![GRANT.into()]));
    assert_eq!(
        s.basic(&id_jag("uc-2", "basic-client", json!({})), &[]).0,
        200
    );
}

#[test]
fn routes_metadata_and_jwks() {
    let mut s = Server::with(|t| {
        let second = private_jwk(&key(12), "as-2");
        t.signing_keys.push(second);
        t.signing_kid = Some("as-2".into());
    });
    let get = |s: &mut Server, method: &str, path: &str| {
        s.validator.authorization_server_http(
            &mut s.host,
            &HttpRequest {
                method: method.into(),
                path: path.into(),
                headers: vec![],
                body: vec![],
            },
        )
    };
    let metadata = get(&mut s, "GET", "/.well-known/oauth-authorization-server");
    assert_eq!(metadata.status, 200);
    let doc: Value = serde_json::from_slice(&metadata.body).unwrap();
    assert_eq!(doc["issuer"], AS_ISSUER);
    assert_eq!(doc["token_endpoint"], TOKEN_URL);
    assert_eq!(
        doc["jwks_uri"], "https://as.example.com/jwks.json",
        "default"
    );
    assert_eq!(
        doc["token_endpoint_auth_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert!(!String::from_utf8_lossy(&metadata.body).contains(IDP_ISSUER));
    let jwks = get(&mut s, "GET", "/jwks.json");
    let set: Value = serde_json::from_slice(&jwks.body).unwrap();
    let kids: Vec<&str> = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["as-1", "as-2"], "every key is published");
    let head = get(&mut s, "HEAD", "/jwks.json");
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(get(&mut s, "POST", "/jwks.json").status, 405);
    assert_eq!(get(&mut s, "GET", "/token").status, 405);
    assert_eq!(get(&mut s, "GET", "/token").header("allow"), Some("POST"));
    assert_eq!(get(&mut s, "GET", "/nope").status, 404);
    // The new key signs.
    let (status, body, _) = s.basic(&id_jag("rot-1", "basic-client", json!({})), &[]);
    assert_eq!(status, 200);
    let token = body["access_token"].as_str().unwrap();
    let header_json = xaa_guest::base64url::decode(token.split('.').next().unwrap()).unwrap();
    let header_value: Value = serde_json::from_slice(&header_json).unwrap();
    assert_eq!(header_value["kid"], "as-2");
}
