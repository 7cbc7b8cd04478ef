//! Shared test support: fixed keys, a token minter that signs exact header and payload
//! bytes, a baseline configuration, and a harness that validates **through the component**
//! (the embedded `.wasm` in Wasmtime), with the clock pinned at [`NOW`].
#![allow(
    dead_code,
    unused_imports,
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod as_server;

use std::sync::{Arc, OnceLock};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use xaa_guest::base64url::encode as b64;
use xaa_host::imports::clock::Clock;
use xaa_host::imports::jwks::JwksFetcher;
use xaa_host::imports::replay::MemoryReplayStore;
use xaa_host::imports::verify::NativeVerifier;
use xaa_host::wit::{self, Verdict};
use xaa_host::{Imports, Limits, Runtime, Validator};

pub use xaa_testkit::fixtures::{
    AS_ISSUER, CLIENT, IDP_ISSUER, NOW, OTHER_IDP, OTHER_RESOURCE, RESOURCE,
};

// Fixed keys, JWK builders and deterministic minting are the conformance suite's (one
// source for the tests and the published vectors); the test-side wrappers return bare tokens.
pub use xaa_testkit::fixtures::{
    as_jwks, baseline_connection_toml, ec_jwk, idp_basic_client_toml, idp_connection_toml,
    idp_head_toml, idp_jwks, idp_jwt_client_toml, keys, merge, rsa_jwk, Keys,
};
pub use xaa_testkit::mint::{
    add_small, at_claims, at_header, hmac_sha256, id_jag_claims, id_jag_header, sign, Signer, P_HEX,
};

/// Mints a compact JWS over the exact `header` and `payload` text.
pub fn mint_raw(header: &str, payload: &str, signer: Signer<'_>) -> String {
    xaa_testkit::mint::mint_raw(header, payload, signer).token
}

/// Mints a compact JWS from JSON values.
pub fn mint(header: &Value, claims: &Value, signer: Signer<'_>) -> String {
    xaa_testkit::mint::mint(header, claims, signer).token
}

/// A baseline ID-JAG with claim changes merged in (null removes a claim).
pub fn id_jag(jti: &str, changes: Value) -> String {
    xaa_testkit::mint::id_jag(jti, changes).token
}

/// A baseline access token with claim changes merged in.
pub fn access_token(changes: Value) -> String {
    xaa_testkit::mint::access_token(changes).token
}

/// The baseline configuration: both roles, inline keys, two trusted IdPs.
pub fn config() -> wit::Config {
    let k = keys();
    wit::Config {
        authorization_server: Some(wit::AuthorizationServerConfig {
            issuer: AS_ISSUER.into(),
            resources: vec![RESOURCE.into()],
            max_assertion_lifetime: Some(300),
            leeway: Some(60),
            resource_root_slash_equivalence: false,
            trusted_issuers: vec![
                wit::TrustedIssuer {
                    issuer: IDP_ISSUER.into(),
                    keys: wit::KeySource::Inline(idp_jwks().to_string()),
                    algorithms: vec!["ES256".into(), "RS256".into(), "PS256".into()],
                    subject_namespace: None,
                    tenant_required: false,
                },
                wit::TrustedIssuer {
                    issuer: OTHER_IDP.into(),
                    keys: wit::KeySource::Inline(
                        json!({"keys": [ec_jwk(&k.other_ec, "other-ec", json!({}))]}).to_string(),
                    ),
                    algorithms: vec!["ES256".into()],
                    subject_namespace: None,
                    tenant_required: false,
                },
            ],
            token_endpoint: None,
        }),
        resource_server: Some(wit::ResourceServerConfig {
            resource: RESOURCE.into(),
            issuer: AS_ISSUER.into(),
            keys: wit::KeySource::Inline(as_jwks().to_string()),
            algorithms: vec!["ES256".into()],
            leeway: Some(60),
            resource_metadata_url: Some(
                "https://mcp.example.com/.well-known/oauth-protected-resource/mcp".into(),
            ),
            resource_root_slash_equivalence: false,
            required_scopes: Vec::new(),
        }),
        identity_provider: None,
        jwks_cache: wit::JwksCacheConfig {
            min_ttl: None,
            max_ttl: None,
            refresh_cooldown: None,
            max_stale: None,
        },
        token_cache_size: Some(64),
    }
}

/// One compiled runtime per test binary.
pub fn runtime() -> Arc<Runtime> {
    static RUNTIME: OnceLock<Arc<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| Arc::new(Runtime::embedded(Limits::default()).unwrap()))
        .clone()
}

/// A fetcher for tests that never reaches the network.
pub struct NoNetwork;

impl JwksFetcher for NoNetwork {
    fn fetch(&self, _uri: &str) -> Result<wit::JwksResponse, wit::FetchError> {
        Err(wit::FetchError::Failed("no network in tests".into()))
    }
}

/// Imports for tests: pinned clock, no network, fresh replay store.
pub fn imports(native: bool) -> Imports {
    Imports {
        clock: Clock::pinned(NOW),
        jwks: Arc::new(NoNetwork),
        replay: Arc::new(MemoryReplayStore::new(10_000)),
        verifier: native.then(NativeVerifier::new),
    }
}

/// Validates through the component.
pub struct Harness {
    pub validator: Validator,
}

impl Harness {
    /// Baseline config, native verifier.
    pub fn new() -> Self {
        Self::with(config(), imports(true))
    }

    /// Baseline config, the component's pure-Rust verifier.
    pub fn pure_rust() -> Self {
        Self::with(config(), imports(false))
    }

    pub fn with(config: wit::Config, imports: Imports) -> Self {
        let validator = Validator::new(runtime(), imports, config)
            .unwrap_or_else(|e| panic!("configuration refused: {e}"));
        Harness { validator }
    }

    /// "valid" or the rejection code of an ID-JAG presented by [`CLIENT`].
    pub fn id_jag(&mut self, token: &str) -> String {
        outcome(&self.validator.validate_id_jag(token, CLIENT))
    }

    /// "valid" or the rejection code of an access token.
    pub fn access_token(&mut self, token: &str) -> String {
        outcome(&self.validator.validate_access_token(token))
    }
}

/// "valid" or the code.
pub fn outcome(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Valid(_) => "valid".into(),
        Verdict::Rejected(r) => r.code.clone(),
    }
}

/// The configuration refusals for a config, as "path: message" lines.
pub fn refusals(config: wit::Config) -> Vec<String> {
    match Validator::new(runtime(), imports(true), config) {
        Ok(_) => Vec::new(),
        Err(xaa_host::ConfigureError::Refused(errors)) => errors
            .into_iter()
            .map(|e| format!("{}: {}", e.path, e.message))
            .collect(),
        Err(other) => panic!("runtime failure: {other}"),
    }
}

/// The guest's `Host` trait natively, for tests and benches that drive `xaa_guest` directly:
/// pinned clock, no network, a replay store that accepts every key, and optionally the host's
/// native verifier (the same conversion the WIT boundary performs).
pub struct NativeHost {
    pub verifier: Option<NativeVerifier>,
}

impl NativeHost {
    /// With the native verifier when `native`, else the guest's pure-Rust path.
    pub fn new(native: bool) -> Self {
        NativeHost {
            verifier: native.then(NativeVerifier::new),
        }
    }
}

impl xaa_guest::host::Host for NativeHost {
    fn now(&mut self) -> i64 {
        NOW
    }
    fn monotonic_millis(&mut self) -> u64 {
        0
    }
    fn fetch_jwks(
        &mut self,
        _uri: &str,
    ) -> Result<xaa_guest::host::JwksResponse, xaa_guest::host::FetchError> {
        Err(xaa_guest::host::FetchError::Failed(
            "no network in tests".into(),
        ))
    }
    fn replay_insert(&mut self, _key: &str, _expires_at: i64) -> Result<bool, String> {
        Ok(true)
    }
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        vec![0; len as usize]
    }
    fn verify_signature(
        &mut self,
        alg: xaa_guest::jose_header::Alg,
        key: xaa_guest::host::PublicKeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> xaa_guest::host::Accelerated {
        use xaa_guest::host::{Accelerated, PublicKeyRef};
        use xaa_guest::jose_header::Alg;
        let Some(verifier) = &self.verifier else {
            return Accelerated::NotOffered;
        };
        let alg = match alg {
            Alg::Es256 => wit::Algorithm::Es256,
            Alg::Rs256 => wit::Algorithm::Rs256,
            Alg::Ps256 => wit::Algorithm::Ps256,
        };
        let key = match key {
            PublicKeyRef::EcP256(point) => wit::PublicKey::EcP256(point.to_vec()),
            PublicKeyRef::Rsa { n, e } => wit::PublicKey::Rsa(wit::RsaPublicKey {
                n: n.to_vec(),
                e: e.to_vec(),
            }),
        };
        let (Some(handle), Ok(input)) = (
            verifier.register_public_key(alg, &key),
            std::str::from_utf8(message),
        ) else {
            return Accelerated::NotOffered;
        };
        let signature = b64(signature);
        match verifier.verify(handle, input, &signature) {
            wit::AcceleratedVerify::Valid => Accelerated::Valid,
            wit::AcceleratedVerify::Invalid => Accelerated::Invalid,
            wit::AcceleratedVerify::NotOffered => Accelerated::NotOffered,
        }
    }
}

// Token surgery shared by the catalog and corpus tests.

pub fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Splits a compact token into its three segments.
pub fn parts(token: &str) -> (String, String, String) {
    let v: Vec<&str> = token.split('.').collect();
    assert_eq!(v.len(), 3);
    (v[0].into(), v[1].into(), v[2].into())
}

/// The same signing input with these signature bytes.
pub fn with_sig(token: &str, sig: &[u8]) -> String {
    let (h, p, _) = parts(token);
    format!("{h}.{p}.{}", b64(sig))
}

/// The baseline access token with header changes merged in, signed by as-ec.
pub fn at_header_with(changes: Value) -> String {
    let mut header = at_header();
    merge(&mut header, changes);
    mint(&header, &at_claims(), Signer::Es256(&keys().as_ec))
}

/// The baseline ID-JAG with header changes merged in (null removes), signed by idp-ec.
pub fn jag_header(jti: &str, changes: Value) -> String {
    let mut header = id_jag_header();
    merge(&mut header, changes);
    mint(&header, &id_jag_claims(jti), Signer::Es256(&keys().idp_ec))
}

/// The baseline ID-JAG claims with this exact header text, signed by idp-ec.
pub fn jag_raw_header(jti: &str, header: &str) -> String {
    mint_raw(
        header,
        &id_jag_claims(jti).to_string(),
        Signer::Es256(&keys().idp_ec),
    )
}

/// The baseline ID-JAG header with this exact payload text, signed by idp-ec.
pub fn jag_raw_payload(payload: &str) -> String {
    mint_raw(
        &id_jag_header().to_string(),
        payload,
        Signer::Es256(&keys().idp_ec),
    )
}

/// Big-endian `a - b` (a ≥ b), same width.
pub fn sub(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i16;
    for i in (0..a.len()).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = u8::try_from(d).unwrap();
    }
    assert_eq!(borrow, 0);
    out
}

/// A port on 127.0.0.1 free a moment ago (servers that need their URL in their
/// configuration, fake servers).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `xaa` binary under test with `args`, its stdout and stderr piped (stdin: the caller's
/// choice).
pub fn xaa_command(args: &[&str]) -> std::process::Command {
    use std::process::Stdio;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_xaa"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The committed conformance suite, tests/vectors/conformance/suite.json: what
/// `xaa conformance run` runs, and the one source of the catalog rows' inputs.
pub fn committed_suite() -> xaa_vectors::Suite {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/conformance/suite.json"
    );
    xaa_vectors::Suite::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The tokens of the committed suite's case `id` (ID-JAGs, access tokens or bare JWSs), each
/// with its step's expected verdict.
pub fn suite_tokens(id: &str) -> Vec<(String, String)> {
    use xaa_vectors::{Expect, Input};
    let suite = committed_suite();
    let case = suite
        .cases
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no case {id}"));
    case.steps
        .iter()
        .map(|step| match (&step.input, &step.expect) {
            (
                Input::IdJag { token, .. }
                | Input::AccessToken { token }
                | Input::Jws { token, .. },
                Expect::Verdict { verdict },
            ) => (token.clone(), verdict.clone()),
            other => panic!("{id}: not a token verdict step: {other:?}"),
        })
        .collect()
}

/// Asserts the IdP's RFC 8414 metadata (specs.md §3a rule 18), through the component or over
/// HTTP: this issuer, the token exchange as the only grant, ID-JAGs as the one requested
/// token type.
#[track_caller]
pub fn assert_idp_metadata(metadata: &Value) {
    assert_eq!(metadata["issuer"], IDP_ISSUER, "{metadata}");
    let grants = json!([as_server::GRANT_TOKEN_EXCHANGE]);
    assert_eq!(metadata["grant_types_supported"], grants, "{metadata}");
    let types = &metadata["identity_chaining_requested_token_types_supported"];
    assert_eq!(types, &json!([as_server::TYPE_ID_JAG]), "{metadata}");
}
