//! The suite's fixed world: identifiers, deterministic keys (the same bytes on every run, so
//! ES256 and RS256 signatures — and with a seeded RNG PS256 ones — are reproducible), the
//! JWK Sets built from them, and the configurations cases run under, written as the TOML a
//! user would write plus the files it names.
//!
//! These are TEST keys, published in the repository: never trust them anywhere.

#[cfg(feature = "suite")]
use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::base64url::encode as b64;
use p256::ecdsa::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[cfg(feature = "suite")]
use xaa_vectors::ConfigFiles;

/// The pinned clock of every case (unless a case says otherwise).
pub const NOW: i64 = 1_800_000_000;
/// The resource authorization server under test.
pub const AS_ISSUER: &str = "https://as.example.com";
/// Its token endpoint.
pub const TOKEN_URL: &str = "https://as.example.com/token";
/// The trusted IdP.
pub const IDP_ISSUER: &str = "https://idp.example.com";
/// A second trusted IdP (ES256 only).
pub const OTHER_IDP: &str = "https://other-idp.example.com";
/// The protected resource.
pub const RESOURCE: &str = "https://mcp.example.com/mcp";
/// A second resource the AS serves.
pub const OTHER_RESOURCE: &str = "https://other.example.com/mcp";
/// The client's id at the AS (and the ID-JAG's `client_id`).
pub const CLIENT: &str = "f53f191f9311af35";
/// Its `client_secret_basic` secret.
pub const CLIENT_SECRET: &str = "basic-secret-9f2c6a1e4b7d";
/// A `client_secret_post` client.
pub const POST_CLIENT: &str = "post-client";
/// Its secret.
pub const POST_SECRET: &str = "post-secret-3b8e1d5a9c2f";
/// A `private_key_jwt` client (key [`Keys::client`], kid `jwt-client-1`).
pub const JWT_CLIENT: &str = "jwt-client";
/// A registered client with no grant type enabled.
pub const DISABLED_CLIENT: &str = "disabled-client";
/// Its secret.
pub const DISABLED_SECRET: &str = "disabled-secret-7a1c";
/// The IdP's client (the MCP client at the IdP).
pub const IDP_CLIENT: &str = "cursor";
/// Its secret at the IdP.
pub const IDP_CLIENT_SECRET: &str = "cursor-secret-5d1f";

/// Fixed test keys.
pub struct Keys {
    /// The IdP's ES256 key, kid `idp-ec`.
    pub idp_ec: SigningKey,
    /// A second IdP ES256 key, kid `idp-ec-2`.
    pub idp_ec2: SigningKey,
    /// The IdP's RSA-2048 key, kid `idp-rsa` (RS256 and PS256).
    pub idp_rsa: RsaPrivateKey,
    /// The other trusted IdP's key, kid `other-ec`.
    pub other_ec: SigningKey,
    /// The AS's access-token signing key, kid `as-ec`.
    pub as_ec: SigningKey,
    /// A key nobody trusts, kid `attacker`.
    pub attacker: SigningKey,
    /// The `private_key_jwt` client's key, kid `jwt-client-1`.
    pub client: SigningKey,
}

/// A P-256 key from a seed string (SHA-256 of it as the scalar).
pub fn ec_key(seed: &str) -> SigningKey {
    let digest = Sha256::digest(seed.as_bytes());
    // A SHA-256 output is a valid scalar except with probability ~2^-32; these seeds are fixed.
    SigningKey::from_slice(&digest).unwrap_or_else(|_| unreachable_key(seed))
}

#[allow(clippy::panic)] // fixed seeds, checked by the tests: never reached
fn unreachable_key(seed: &str) -> SigningKey {
    panic!("the fixed seed {seed:?} does not give a P-256 scalar")
}

/// The fixed keys (the RSA key takes a moment to generate, once).
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7515);
        #[allow(clippy::expect_used)] // a seeded 2048-bit generation cannot fail
        let idp_rsa = RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        Keys {
            idp_ec: ec_key("idp-ec"),
            idp_ec2: ec_key("idp-ec-2"),
            idp_rsa,
            other_ec: ec_key("other-ec"),
            as_ec: ec_key("as-ec"),
            attacker: ec_key("attacker"),
            client: SigningKey::from_slice(&Sha256::digest(b"jwt-client-key"))
                .unwrap_or_else(|_| unreachable_key("jwt-client-key")),
        }
    })
}

/// Merges `extra` into `target` (both objects); a `null` member removes that member.
pub fn merge(target: &mut Value, extra: Value) {
    if let (Value::Object(t), Value::Object(e)) = (target, extra) {
        for (k, v) in e {
            if v.is_null() {
                t.remove(&k);
            } else {
                t.insert(k, v);
            }
        }
    }
}

/// A public EC JWK; `extra` members are merged in.
pub fn ec_jwk(key: &SigningKey, kid: &str, extra: Value) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    let mut jwk = json!({
        "kty": "EC", "crv": "P-256", "kid": kid,
        "x": b64(point.x().map(|x| &x[..]).unwrap_or_default()),
        "y": b64(point.y().map(|y| &y[..]).unwrap_or_default()),
    });
    merge(&mut jwk, extra);
    jwk
}

/// A private EC JWK (as `xaa keys generate` writes one).
pub fn private_ec_jwk(key: &SigningKey, kid: &str) -> Value {
    let mut jwk = ec_jwk(key, kid, json!({}));
    jwk["d"] = json!(b64(&key.to_bytes()));
    jwk
}

/// A public RSA JWK.
pub fn rsa_jwk(key: &RsaPrivateKey, kid: &str, extra: Value) -> Value {
    let mut jwk = json!({
        "kty": "RSA", "kid": kid,
        "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be()),
    });
    merge(&mut jwk, extra);
    jwk
}

/// The IdP's JWK Set: idp-ec (`use: sig`), idp-ec-2, idp-rsa.
pub fn idp_jwks() -> Value {
    let k = keys();
    json!({"keys": [
        ec_jwk(&k.idp_ec, "idp-ec", json!({"use": "sig"})),
        ec_jwk(&k.idp_ec2, "idp-ec-2", json!({})),
        rsa_jwk(&k.idp_rsa, "idp-rsa", json!({})),
    ]})
}

/// The other IdP's JWK Set.
pub fn other_idp_jwks() -> Value {
    json!({"keys": [ec_jwk(&keys().other_ec, "other-ec", json!({}))]})
}

/// The AS's public JWK Set (access tokens).
pub fn as_jwks() -> Value {
    json!({"keys": [ec_jwk(&keys().as_ec, "as-ec", json!({"alg": "ES256"}))]})
}

/// SHA-256 hex of a secret, lower case (what `client_secret_sha256` holds: the configuration
/// format fixes it as the hex of the SHA-256 of the secret's UTF-8 bytes).
pub fn secret_sha256(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(feature = "suite")]
fn files() -> BTreeMap<String, String> {
    let k = keys();
    [
        ("idp.jwks", idp_jwks()),
        ("other-idp.jwks", other_idp_jwks()),
        ("as.jwks", as_jwks()),
        ("as.jwk", private_ec_jwk(&k.as_ec, "as-ec")),
        ("idp.jwk", private_ec_jwk(&k.idp_ec, "idp-ec")),
        (
            "client.jwks",
            json!({"keys": [ec_jwk(&k.client, "jwt-client-1", json!({}))]}),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_string()))
    .collect()
}

/// The resource AS's assertion limits and the two IdPs it trusts (inline JWK Set files):
/// the end of its `[authorization_server]` table and its `[[trusted_issuers]]`.
fn trusted_idps_toml() -> String {
    format!(
        r#"max_assertion_lifetime = 300
leeway = 60

[[trusted_issuers]]
issuer = "{IDP_ISSUER}"
jwks_file = "idp.jwks"
algorithms = ["ES256", "RS256", "PS256"]

[[trusted_issuers]]
issuer = "{OTHER_IDP}"
jwks_file = "other-idp.jwks"
algorithms = ["ES256"]
"#
    )
}

/// The resource server trusting the AS (`as.jwks`, ES256); callers append further keys.
fn resource_server_toml() -> String {
    format!(
        r#"[resource_server]
resource = "{RESOURCE}"
issuer = "{AS_ISSUER}"
jwks_file = "as.jwks"
algorithms = ["ES256"]
"#
    )
}

/// The validator roles: the resource AS trusting two IdPs (inline JWK Set files) and the
/// resource server trusting the AS.
pub fn validator_toml() -> String {
    format!(
        r#"token_cache_size = 64

[authorization_server]
issuer = "{AS_ISSUER}"
resources = ["{RESOURCE}"]
{trusted}
{resource_server}leeway = 60
resource_metadata_url = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
"#,
        trusted = trusted_idps_toml(),
        resource_server = resource_server_toml(),
    )
}

/// The resource authorization server's token endpoint (two resources, four clients), with
/// the resource server role beside it.
pub fn token_endpoint_toml() -> String {
    token_endpoint_toml_with("") + "\n" + &resource_server_toml()
}

/// The token endpoint alone (as `xaa serve as` runs it in the HTTP tests); `endpoint_extra`
/// lines are appended to `[token_endpoint]`.
pub fn token_endpoint_toml_with(endpoint_extra: &str) -> String {
    format!(
        r#"[authorization_server]
issuer = "{AS_ISSUER}"
resources = ["{RESOURCE}", "{OTHER_RESOURCE}"]
{trusted}
[token_endpoint]
url = "{TOKEN_URL}"
signing_keys = ["as.jwk"]
{endpoint_extra}

[[clients]]
client_id = "{CLIENT}"
auth_method = "client_secret_basic"
client_secret_sha256 = "{basic}"
resources = ["{RESOURCE}"]
scopes = ["chat.read", "chat.history"]

[[clients]]
client_id = "{POST_CLIENT}"
auth_method = "client_secret_post"
client_secret_sha256 = "{post}"
resources = ["{RESOURCE}", "{OTHER_RESOURCE}"]
scopes = ["chat.read"]

[[clients]]
client_id = "{JWT_CLIENT}"
auth_method = "private_key_jwt"
jwks_file = "client.jwks"
resources = ["{RESOURCE}"]
scopes = ["chat.read"]

[[clients]]
client_id = "{DISABLED_CLIENT}"
auth_method = "client_secret_basic"
client_secret_sha256 = "{disabled}"
resources = ["{RESOURCE}"]
grant_types = []
"#,
        trusted = trusted_idps_toml(),
        basic = secret_sha256(CLIENT_SECRET),
        post = secret_sha256(POST_SECRET),
        disabled = secret_sha256(DISABLED_SECRET),
    )
}

/// The first lines of every IdP configuration the tests write: `[identity_provider]` at
/// `issuer`, signing with the file `idp.jwk`; `extra` (whole lines, e.g.
/// `"development_sign_in = true\n"`, or "") goes right after them in that table.
pub fn idp_head_toml(issuer: &str, extra: &str) -> String {
    format!("[identity_provider]\nissuer = \"{issuer}\"\nsigning_keys = [\"idp.jwk\"]\n{extra}")
}

/// One `[[idp_clients]]` table, after a blank line: `client_id` authenticating with HTTP
/// Basic and the secret whose SHA-256 hex is `secret_sha256`.
pub fn idp_basic_client_toml(client_id: &str, secret_sha256: &str) -> String {
    format!(
        "\n[[idp_clients]]\nclient_id = \"{client_id}\"\nauth_method = \"client_secret_basic\"\nclient_secret_sha256 = \"{secret_sha256}\"\n"
    )
}

/// One `[[idp_clients]]` table, after a blank line: `client_id` authenticating with
/// `private_key_jwt`, its keys in the file `client.jwks`.
pub fn idp_jwt_client_toml(client_id: &str) -> String {
    format!(
        "\n[[idp_clients]]\nclient_id = \"{client_id}\"\nauth_method = \"private_key_jwt\"\njwks_file = \"client.jwks\"\n"
    )
}

/// One `[[connections]]` table, after a blank line: IdP client `client_id` may get ID-JAGs
/// for `audience` and its `resources` with `scopes`, known there as `client_id_at_audience`;
/// `extra` (whole lines, e.g. `"max_auth_age = 600\n"`, or "") ends the table.
pub fn idp_connection_toml(
    client_id: &str,
    audience: &str,
    resources: &[&str],
    scopes: &[&str],
    client_id_at_audience: &str,
    extra: &str,
) -> String {
    format!(
        "\n[[connections]]\nclient_id = \"{client_id}\"\naudience = \"{audience}\"\nresources = {}\nscopes = {}\nclient_id_at_audience = \"{client_id_at_audience}\"\n{extra}",
        toml_list(resources),
        toml_list(scopes),
    )
}

/// The baseline connection, after a blank line: [`IDP_CLIENT`] to [`AS_ISSUER`] (also known
/// by `audience_aliases`, none if empty) for [`RESOURCE`] with chat.read and chat.history,
/// as [`CLIENT`] there, ID-JAGs living 120 s.
pub fn baseline_connection_toml(audience_aliases: &[&str]) -> String {
    let aliases = if audience_aliases.is_empty() {
        String::new()
    } else {
        format!("audience_aliases = {}\n", toml_list(audience_aliases))
    };
    format!(
        "\n[[connections]]\nclient_id = \"{IDP_CLIENT}\"\naudience = \"{AS_ISSUER}\"\n{aliases}resources = [\"{RESOURCE}\"]\nscopes = [\"chat.read\", \"chat.history\"]\nclient_id_at_audience = \"{CLIENT}\"\nid_jag_lifetime = 120\n"
    )
}

/// A TOML array of strings, on one line.
fn toml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| format!("\"{item}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// The directory of the suite's IdPs, after a blank line: alice (engineering, with an email),
/// bob (disabled), carol.
pub const IDP_USERS_TOML: &str = r#"
[[users]]
sub = "alice"
groups = ["engineering"]
email = "alice@example.com"

[[users]]
sub = "bob"
disabled = true

[[users]]
sub = "carol"
"#;

/// The IdP: client [`IDP_CLIENT`] connected to the AS for [`RESOURCE`] (as [`CLIENT`]);
/// users alice (engineering), bob (disabled), carol.
pub fn identity_provider_toml() -> String {
    format!(
        "{head}{client}{IDP_USERS_TOML}{baseline}{to_b}",
        baseline = baseline_connection_toml(&["urn:example:as"]),
        to_b = idp_connection_toml(
            IDP_CLIENT,
            "https://as-b.example.com",
            &["https://b.example.com/mcp"],
            &["notes.read"],
            "cursor-at-b",
            "groups = [\"engineering\"]\nrequired_acr = [\"phrh\"]\n",
        ),
        head = idp_head_toml(IDP_ISSUER, ""),
        client = idp_basic_client_toml(IDP_CLIENT, &secret_sha256(IDP_CLIENT_SECRET)),
    )
}

/// Every named configuration of the suite.
#[cfg(feature = "suite")]
pub fn configs() -> BTreeMap<String, ConfigFiles> {
    let all = files();
    let with = |toml: String, names: &[&str]| ConfigFiles {
        toml,
        files: names
            .iter()
            .filter_map(|n| all.get(*n).map(|text| ((*n).to_owned(), text.clone())))
            .collect(),
    };
    [
        (
            "validator",
            with(validator_toml(), &["idp.jwks", "other-idp.jwks", "as.jwks"]),
        ),
        (
            "token-endpoint",
            with(
                token_endpoint_toml(),
                &[
                    "idp.jwks",
                    "other-idp.jwks",
                    "as.jwks",
                    "as.jwk",
                    "client.jwks",
                ],
            ),
        ),
        (
            "identity-provider",
            with(identity_provider_toml(), &["idp.jwk"]),
        ),
    ]
    .into_iter()
    .map(|(name, files)| (name.to_owned(), files))
    .collect()
}
