//! Fixed keys, identifiers and the one configuration every structured target runs under.
//!
//! Everything is deterministic: EC keys are SHA-256 of a label, the RSA key is Project
//! Wycheproof's `kid-rsa-sign` test key (Apache-2.0, tests/vectors/wycheproof), so a crash
//! input replays identically on any machine. The keys are the fuzz crate's own (its corpora
//! were made with them); the key and JWK builders are the test kit's (`xaa-testkit`, without
//! its `suite` feature, so JSON members stay in the sorted order the corpora were made with).

use std::sync::OnceLock;

use p256::ecdsa::SigningKey;
use rsa::{BigUint, RsaPrivateKey};
use serde_json::{json, Value};
use xaa_testkit::base64url;
pub use xaa_testkit::fixtures::{ec_key, secret_sha256 as sha256_hex};
use xaa_guest::config::{
    AuthorizationServerConfig, ClientCredentialConfig, ClientRegistrationConfig, Config,
    DirectoryUserConfig, IdentityProviderConfig, IdpClientConfig, JwksCacheConfig, KeySource,
    ManagedConnectionConfig, ResourceServerConfig, TokenEndpointConfig, TrustedIssuerConfig,
};
use xaa_guest::Validator;

// The test kit's identifiers, under the names the targets use: the host clock's default
// reading (`NOW`), the resource authorization server and access-token issuer (`AS`), its
// token endpoint (`AS_TOKEN_URL`), the IdP (`IDP`: ES256, inline keys at the AS; also this
// instance's IdP role), the resource of the resource-server role (`R1`) and a second
// resource the AS serves (`R2`).
pub use xaa_testkit::fixtures::{
    AS_ISSUER as AS, IDP_ISSUER as IDP, NOW, OTHER_RESOURCE as R2, RESOURCE as R1,
    TOKEN_URL as AS_TOKEN_URL,
};
/// A second trusted IdP whose RSA keys the AS fetches from [`IDP2_JWKS_URI`].
pub const IDP2: &str = "https://idp2.example.com";
/// Where the AS fetches IDP2's keys (the fuzz host answers).
pub const IDP2_JWKS_URI: &str = "https://idp2.example.com/jwks.json";
/// The RFC 9728 metadata URL of R1.
pub const R1_METADATA: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
/// Grant type URNs.
pub const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// RFC 8693.
pub const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Token type URNs.
pub const TT_ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
/// ID token.
pub const TT_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// Refresh token.
pub const TT_REFRESH: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// RFC 7523 client assertion type.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Clients registered at the AS token endpoint: (id, secret).
pub const AS_BASIC: (&str, &str) = ("basic-client", "s3cret");
/// `client_secret_post`.
pub const AS_POST: (&str, &str) = ("post-client", "p0st");
/// `private_key_jwt` (key [`Keys::client`], kid "c1").
pub const AS_JWT: &str = "jwt-client";
/// A public client (public clients are allowed).
pub const AS_PUBLIC: &str = "public-client";
/// IdP clients.
pub const IDP_CURSOR: (&str, &str) = ("cursor", "cursor-secret");
/// `client_secret_post` at the IdP.
pub const IDP_WINDSURF: (&str, &str) = ("windsurf", "windsurf-secret");
/// `private_key_jwt` at the IdP (key [`Keys::client`], kid "c1").
pub const IDP_JWT_APP: &str = "jwt-app";
/// Directory users with development passwords.
pub const ALICE: (&str, &str) = ("alice", "alice-pw");
/// Disabled.
pub const BOB: (&str, &str) = ("bob", "bob-pw");

/// The fixed keys.
pub struct Keys {
    /// The IdP's ES256 key, kid "idp-ec" (trusted by the AS for [`IDP`]; the IdP role signs with it).
    pub idp_ec: SigningKey,
    /// IDP2's RSA-2048 key, kid "idp2-rsa" (Wycheproof's `kid-rsa-sign`).
    pub idp2_rsa: RsaPrivateKey,
    /// The AS's access-token signing key, kid "as-ec".
    pub as_ec: SigningKey,
    /// The `private_key_jwt` clients' key, kid "c1".
    pub client: SigningKey,
    /// A key nobody trusts, kid "attacker".
    pub attacker: SigningKey,
}

fn uint(b64: &str) -> BigUint {
    BigUint::from_bytes_be(&base64url::decode(b64).expect("canonical base64url"))
}

/// Project Wycheproof's RS256 test key `kid-rsa-sign` (json_web_signature_test.json).
fn wycheproof_rsa() -> RsaPrivateKey {
    const N: &str = "kqGboBfAWttWPCA-0cGRgsY6SaYoIARt0B_PkaEcIq9HPYNdu9n6UuWHuuTHrjF_ZoQW97r5HaAorNvrMEGTGdxCHZdEtkHvNVVmrtxTBLiQCbCozXhFoIrVcr3qUBrdGnNn_M3jJi7Wg7p_-x62nS5gNG875oyheRkutHsQXikFZwsN3q_TsPNOVlCiHy8mxzaFTUQGm-X8UYexFyAivlDSjgDJLAZSWfxd7k9Gxuwa3AUfQqQcVcegmgKGCaErQ3qQbh1x7WB6iopE3_-GZ8HMAVtR9AmrVscqYsnjhaCehfAI0iKKs8zXr8tISc0ORbaalrkk03H1ZrsEnDKEWQ";
    const D: &str = "YsfIRYN6rDqSz5KRf1E9q7HK1o6-_UK-j7S-asb0Y1FdVs1GuiRQhMPoOjmhY3Io93EI3_7vj8uzWzAUMsAaTxOY3sJnIbktYuqTcD0xGD8VmdGPBkx963db8B6M2UYfqZARf7dbzP9EuB1N1miMcTsqyGgfHGOk7CXQ1vkIv8Uww38KMtEdJ3iB8r-f3qcu-UJjE7Egw9CxKOMjArOXxZEr4VnoIXrImrcTxBfjdY8GbzXGATiPQLur5GT99ZDW78falsir-b5Ean6HNyOeuaJuceT-yjgCXn57Rd3oIHD94CrjNtjBusoLdjbr489L8K9ksCh1gynzLGkeeWgVGQ";
    const P: &str = "0xalbl1PJbSBGD4XOjIYJLwMYyHMiM06SBauMGzBfCask5DN5jH68Kw1yPS4wkLpx4ltGLuy0X5mMaZzrSOkBGb27-NizBgB2-L279XotznWeh2jbF05Kqzkoz3VaX_7dRhCHEhOopMQh619hA1bwaJyW1k8aNlLPTl3BotkP4M";
    const Q: &str = "sdQsQVz3tI7hmisAgiIjppOssEnZaZO0ONeRRDxBHGLe3BCo1FJoMMQryOAlglayjQnnWjQ-BpwUpa0r9YQhVLweoNEIig6Beph7iYRZgOHEiiTTgUIGgXAL6xhsby1PueUfT0xsN1Y7qt5f5EwOfu7tnFqNyJXIp9W1NQgU6fM";
    let mut key = RsaPrivateKey::from_components(
        uint(N),
        BigUint::from(65_537u32),
        uint(D),
        vec![uint(P), uint(Q)],
    )
    .expect("the Wycheproof key");
    key.precompute().expect("CRT values");
    key
}

/// The keys, made once per process.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        idp_ec: ec_key("xaa-fuzz idp-ec"),
        idp2_rsa: wycheproof_rsa(),
        as_ec: ec_key("xaa-fuzz as-ec"),
        client: ec_key("xaa-fuzz client c1"),
        attacker: ec_key("xaa-fuzz attacker"),
    })
}

/// A public EC JWK.
pub fn ec_jwk(key: &SigningKey, kid: &str) -> Value {
    xaa_testkit::fixtures::ec_jwk(key, kid, json!({}))
}

/// A public RSA JWK.
pub fn rsa_jwk(key: &RsaPrivateKey, kid: &str) -> Value {
    xaa_testkit::fixtures::rsa_jwk(key, kid, json!({}))
}

/// A private EC JWK (for signing-key configuration).
pub fn private_ec_jwk(key: &SigningKey, kid: &str) -> String {
    xaa_testkit::fixtures::private_ec_jwk(key, kid).to_string()
}

/// `{"keys":[...]}`.
pub fn jwk_set(keys: Vec<Value>) -> String {
    json!({ "keys": keys }).to_string()
}

/// IDP2's JWK Set as its JWKS URI serves it.
pub fn idp2_jwks() -> String {
    jwk_set(vec![rsa_jwk(&keys().idp2_rsa, "idp2-rsa")])
}

/// The private_key_jwt clients' JWK Set.
pub fn client_jwks() -> String {
    jwk_set(vec![ec_jwk(&keys().client, "c1")])
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn as_client(
    client_id: &str,
    credential: ClientCredentialConfig,
    resources: &[&str],
) -> ClientRegistrationConfig {
    ClientRegistrationConfig {
        client_id: client_id.into(),
        credential,
        resources: owned(resources),
        scopes: owned(&["chat.read", "chat.history"]),
        grant_types: None,
        issuers: Vec::new(),
    }
}

fn connection(client: &str, at_audience: &str) -> ManagedConnectionConfig {
    ManagedConnectionConfig {
        client_id: client.into(),
        audience: AS.into(),
        audience_aliases: vec![],
        resources: vec![R1.into()],
        scopes: owned(&["chat.read", "chat.history"]),
        client_id_at_audience: at_audience.into(),
        id_jag_lifetime: Some(120),
        required_acr: None,
        max_auth_age: None,
        users: None,
        groups: None,
    }
}

/// The one configuration: all three roles in one instance. The AS trusts [`IDP`] (inline
/// ES256 key, the same key the IdP role signs ID-JAGs with) and [`IDP2`] (RS256/PS256,
/// fetched from [`IDP2_JWKS_URI`]); it serves [`R1`] and [`R2`] and runs a token endpoint
/// with one client per authentication method. The resource server is [`R1`], trusting the
/// AS's signing key. The IdP has three clients, three users and three connections, and the
/// development sign-in.
pub fn config() -> Config {
    let k = keys();
    Config {
        authorization_server: Some(AuthorizationServerConfig {
            issuer: AS.into(),
            resources: owned(&[R1, R2]),
            max_assertion_lifetime: Some(300),
            leeway: Some(60),
            resource_root_slash_equivalence: false,
            trusted_issuers: vec![
                TrustedIssuerConfig {
                    issuer: IDP.into(),
                    keys: KeySource::Inline(jwk_set(vec![ec_jwk(&k.idp_ec, "idp-ec")])),
                    algorithms: owned(&["ES256"]),
                    subject_namespace: None,
                    tenant_required: false,
                },
                TrustedIssuerConfig {
                    issuer: IDP2.into(),
                    keys: KeySource::Uri(IDP2_JWKS_URI.into()),
                    algorithms: owned(&["RS256", "PS256"]),
                    subject_namespace: None,
                    tenant_required: false,
                },
            ],
            token_endpoint: Some(TokenEndpointConfig {
                url: Some(AS_TOKEN_URL.into()),
                jwks_uri: None,
                signing_keys: vec![private_ec_jwk(&k.as_ec, "as-ec")],
                signing_kid: None,
                access_token_lifetime: Some(300),
                may_outlive_assertion: false,
                client_assertion_algorithms: Some(owned(&["ES256"])),
                allow_public_clients: true,
                clients: vec![
                    as_client(
                        AS_BASIC.0,
                        ClientCredentialConfig::SecretBasic(sha256_hex(AS_BASIC.1)),
                        &[R1],
                    ),
                    as_client(
                        AS_POST.0,
                        ClientCredentialConfig::SecretPost(sha256_hex(AS_POST.1)),
                        &[R1, R2],
                    ),
                    as_client(
                        AS_JWT,
                        ClientCredentialConfig::PrivateKeyJwt(client_jwks()),
                        &[R1],
                    ),
                    as_client(AS_PUBLIC, ClientCredentialConfig::None, &[R1]),
                ],
            }),
        }),
        resource_server: Some(ResourceServerConfig {
            resource: R1.into(),
            issuer: AS.into(),
            keys: KeySource::Inline(jwk_set(vec![ec_jwk(&k.as_ec, "as-ec")])),
            algorithms: owned(&["ES256"]),
            leeway: Some(60),
            resource_metadata_url: Some(R1_METADATA.into()),
            resource_root_slash_equivalence: false,
            required_scopes: Vec::new(),
        }),
        identity_provider: Some(IdentityProviderConfig {
            issuer: IDP.into(),
            token_endpoint_url: None,
            jwks_uri: None,
            signing_keys: vec![private_ec_jwk(&k.idp_ec, "idp-ec")],
            signing_kid: None,
            leeway: Some(60),
            resource_root_slash_equivalence: false,
            clients: vec![
                IdpClientConfig {
                    client_id: IDP_CURSOR.0.into(),
                    credential: ClientCredentialConfig::SecretBasic(sha256_hex(IDP_CURSOR.1)),
                    redirect_uris: Vec::new(),
                },
                IdpClientConfig {
                    client_id: IDP_WINDSURF.0.into(),
                    credential: ClientCredentialConfig::SecretPost(sha256_hex(IDP_WINDSURF.1)),
                    redirect_uris: Vec::new(),
                },
                IdpClientConfig {
                    client_id: IDP_JWT_APP.into(),
                    credential: ClientCredentialConfig::PrivateKeyJwt(client_jwks()),
                    redirect_uris: Vec::new(),
                },
            ],
            users: vec![
                DirectoryUserConfig {
                    sub: ALICE.0.into(),
                    groups: owned(&["engineering"]),
                    disabled: false,
                    email: Some("alice@example.com".into()),
                    password_sha256: Some(sha256_hex(ALICE.1)),
                },
                DirectoryUserConfig {
                    sub: BOB.0.into(),
                    groups: owned(&["engineering"]),
                    disabled: true,
                    email: None,
                    password_sha256: Some(sha256_hex(BOB.1)),
                },
                DirectoryUserConfig {
                    sub: "carol".into(),
                    groups: owned(&["sales"]),
                    disabled: false,
                    email: None,
                    password_sha256: None,
                },
            ],
            connections: vec![
                connection(IDP_CURSOR.0, AS_BASIC.0),
                ManagedConnectionConfig {
                    required_acr: Some(owned(&["phr"])),
                    max_auth_age: Some(600),
                    users: Some(owned(&["alice"])),
                    scopes: owned(&["chat.read"]),
                    ..connection(IDP_WINDSURF.0, AS_POST.0)
                },
                ManagedConnectionConfig {
                    groups: Some(owned(&["engineering"])),
                    ..connection(IDP_JWT_APP, AS_JWT)
                },
            ],
            development_sign_in: true,
            id_token_lifetime: Some(900),
            refresh_token_lifetime: Some(3600),
        }),
        jwks_cache: JwksCacheConfig::default(),
        token_cache_size: Some(16),
    }
}

/// A freshly configured validator (a fresh one per input keeps every run reproducible:
/// no key-store, cache or replay state carries over between inputs).
pub fn validator() -> Validator {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    let config = CONFIG.get_or_init(config);
    let mut validator = Validator::new();
    if let Err(errors) = validator.configure(config) {
        panic!("the fuzz configuration is refused: {errors:?}");
    }
    validator
}
