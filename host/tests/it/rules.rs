//! The protocol rules of research/specs.md §3b (resource authorization server receiving an
//! ID-JAG) and §3c (resource server receiving an RFC 9068 access token) that a conformance
//! vector cannot express, through the component; configuration refusals; and the `xaa`
//! command's contract. The other rules are cases of tests/vectors/conformance/suite.json
//! (ported from the tests that were here, same inputs and expected codes), run on both
//! verifier paths by `conformance::the_committed_suite_passes_on_both_verifier_paths`:
//! - §3b 3-9, 11-14: 3b-03-compact-jws-only 3b-04-typ 3b-04-alg-allow-list 3b-04-crit
//!   3b-05-trusted-issuer-registry 3b-06-key-from-issuer-set 3b-06-enc-key-excluded
//!   3b-07-aud-two-elements 3b-07-aud-exact-issuer 3b-08-client-id 3b-09-exp-iat-required
//!   3b-09-exp-leeway 3b-09-nbf-iat-future 3b-09-exp-far-future 3b-11-sub-present
//!   3b-12-own-issuer 3b-12-own-issuer-signing-key 3b-13-cnf-unsupported
//!   3b-14-resource-served-here.
//! - §3c 1, 3-6, 8, 10, 15: 3c-01-typ-at-jwt 3c-03-iss-exact 3c-04-aud-contains-resource
//!   3c-05-signature-as-keys 3c-05-alg-allow-list 3c-06-exp-leeway 3c-08-required-claims
//!   3c-10-no-passthrough 3c-15-aud-exact 3c-15-root-strict 3c-15-root-slash-equivalence
//!   3c-15-path-slash-never-equivalent.
//!
//! Kept: §3b 10 (the replay store's key and expiry, and failing closed when it is down: the
//! verdicts are 3b-10-*), 15 (scope), 19 and §3c 7 (the rejection's wire mapping).

use crate::common;

use std::io::Write;
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::{json, Value};
use xaa_host::imports::replay::{MemoryReplayStore, ReplayStore};
use xaa_host::wit::{self, Rejection, Verdict};

const LEEWAY: i64 = 60;
const METADATA_URL: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

fn jti() -> String {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    format!("rules-{}", SEQ.fetch_add(1, Ordering::Relaxed))
}

fn jag(changes: Value) -> String {
    id_jag(&jti(), changes)
}

/// A baseline ID-JAG under `header`, signed with `signer`.
fn jag_signed(header: Value, signer: Signer<'_>) -> String {
    mint(&header, &id_jag_claims(&jti()), signer)
}

/// A baseline access token under `header`, signed with `signer`.
fn at_signed(header: Value, signer: Signer<'_>) -> String {
    mint(&header, &at_claims(), signer)
}

fn rejection(verdict: Verdict) -> Rejection {
    match verdict {
        Verdict::Rejected(r) => r,
        Verdict::Valid(t) => panic!("expected a rejection, got a valid token: {t:?}"),
    }
}

// =======================================================================================
// §3b: the resource authorization server validating an ID-JAG
// =======================================================================================

/// A replay store that records what the component asks it.
struct Recording {
    inner: MemoryReplayStore,
    seen: Mutex<Vec<(String, i64)>>,
}

impl ReplayStore for Recording {
    fn insert(&self, key: &str, expires_at: i64, now: i64) -> Result<bool, String> {
        self.seen.lock().unwrap().push((key.to_owned(), expires_at));
        self.inner.insert(key, expires_at, now)
    }
}

/// A replay store that cannot answer.
struct Down;

impl ReplayStore for Down {
    fn insert(&self, _: &str, _: i64, _: i64) -> Result<bool, String> {
        Err("store offline".into())
    }
}

#[test]
fn s3b_r10_jti_required_and_single_use_until_exp() {
    let store = Arc::new(Recording {
        inner: MemoryReplayStore::new(100),
        seen: Mutex::new(Vec::new()),
    });
    let mut imp = imports(true);
    imp.replay = store.clone();
    let mut h = Harness::with(config(), imp);
    assert_eq!(h.id_jag(&jag(json!({"jti": null}))), "claim_invalid");
    let token = jag(json!({}));
    assert_eq!(h.id_jag(&token), "valid");
    assert_eq!(h.id_jag(&token), "replayed");
    // Kept until exp + leeway.
    let seen = store.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].1, NOW + 290 + LEEWAY);
    assert_eq!(seen[0].0, seen[1].0);
    // Fail closed when the store cannot answer.
    let mut imp = imports(true);
    imp.replay = Arc::new(Down);
    let mut down = Harness::with(config(), imp);
    assert_eq!(down.id_jag(&jag(json!({}))), "replay_store_unavailable");
}

#[test]
fn s3b_r15_scope_is_a_space_separated_string() {
    let mut h = Harness::new();
    assert_eq!(
        h.id_jag(&jag(json!({"scope": "chat.read chat.history"}))),
        "valid"
    );
    assert_eq!(h.id_jag(&jag(json!({"scope": null}))), "valid");
    for scope in [
        json!(""),
        json!("chat.read  chat.history"),
        json!(" chat.read"),
        json!("chat.read "),
        json!("chat.read\tchat.history"),
        json!("chat\"read"),
        json!("chat\\read"),
        json!("chät"),
        json!(["chat.read", "chat.history"]),
        json!(1),
    ] {
        assert_eq!(
            h.id_jag(&jag(json!({ "scope": scope }))),
            "claim_invalid",
            "scope {scope}"
        );
    }
}

#[test]
fn s3b_r19_every_id_jag_failure_is_invalid_grant_400() {
    let mut h = Harness::new();
    let k = keys();
    let replayed = jag(json!({}));
    assert_eq!(h.id_jag(&replayed), "valid");
    let failures: Vec<(&str, String)> = vec![
        ("malformed", "not-a-token".into()),
        (
            "typ_mismatch",
            jag_signed(
                json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
                Signer::Es256(&k.idp_ec),
            ),
        ),
        (
            "alg_not_allowed",
            jag_signed(
                json!({"typ": "oauth-id-jag+jwt", "alg": "none"}),
                Signer::Raw(Vec::new()),
            ),
        ),
        (
            "signature_invalid",
            jag_signed(id_jag_header(), Signer::Es256(&k.attacker)),
        ),
        (
            "issuer_untrusted",
            jag(json!({"iss": "https://evil.example.com"})),
        ),
        ("self_issued", jag(json!({"iss": AS_ISSUER}))),
        ("audience_mismatch", jag(json!({"aud": RESOURCE}))),
        ("client_id_mismatch", jag(json!({"client_id": "x"}))),
        ("expired", jag(json!({"iat": NOW - 1000, "exp": NOW - 900}))),
        ("lifetime_too_long", jag(json!({"exp": NOW + 3000}))),
        (
            "resource_mismatch",
            jag(json!({"resource": OTHER_RESOURCE})),
        ),
        (
            "confirmation_unsupported",
            jag(json!({"cnf": {"jkt": "x"}})),
        ),
        ("claim_invalid", jag(json!({"sub": null}))),
        ("replayed", replayed),
    ];
    for (code, token) in failures {
        let r = rejection(h.validator.validate_id_jag(&token, CLIENT));
        assert_eq!(r.code, code);
        assert_eq!(r.oauth_error, "invalid_grant", "{code}");
        assert_eq!(r.http_status, 400, "{code}");
        assert_eq!(r.www_authenticate, None, "{code}");
    }
}

// =======================================================================================
// §3c: the resource server validating an RFC 9068 access token
// =======================================================================================

#[test]
fn s3c_r07_failures_are_401_invalid_token_with_challenge() {
    let mut h = Harness::new();
    let failures = [
        access_token(json!({"aud": OTHER_RESOURCE})),
        access_token(json!({"exp": NOW - 1000, "iat": NOW - 2000})),
        access_token(json!({"iss": IDP_ISSUER})),
        at_signed(at_header(), Signer::Es256(&keys().attacker)),
        "garbage".to_string(),
    ];
    for token in failures {
        let r = rejection(h.validator.validate_access_token(&token));
        assert_eq!(r.http_status, 401, "{}", r.code);
        assert_eq!(r.oauth_error, "invalid_token", "{}", r.code);
        let challenge = r.www_authenticate.expect("a WWW-Authenticate challenge");
        assert!(
            challenge.starts_with(r#"Bearer error="invalid_token""#),
            "{challenge}"
        );
        assert!(
            challenge.contains(&format!(r#"resource_metadata="{METADATA_URL}""#)),
            "{challenge}"
        );
    }
}

// =======================================================================================
// Configuration refusals
// =======================================================================================

fn authorization_server(config: &mut wit::Config) -> &mut wit::AuthorizationServerConfig {
    config.authorization_server.as_mut().unwrap()
}

fn resource_server(config: &mut wit::Config) -> &mut wit::ResourceServerConfig {
    config.resource_server.as_mut().unwrap()
}

/// The baseline's trusted issuer `i`.
fn trusted(config: &mut wit::Config, i: usize) -> &mut wit::TrustedIssuer {
    &mut authorization_server(config).trusted_issuers[i]
}

/// Inline keys: the public key of `key` with its private scalar `d` added.
fn jwks_with_d(key: &p256::ecdsa::SigningKey, kid: &str) -> wit::KeySource {
    let d = xaa_testkit::base64url::encode(&key.to_bytes());
    wit::KeySource::Inline(json!({"keys": [ec_jwk(key, kid, json!({"d": d}))]}).to_string())
}

/// One change to the baseline configuration.
type Edit = fn(&mut wit::Config);

/// The component's configuration check: each change to the baseline is refused with a line
/// whose path starts with the one given and that mentions what is wrong (or accepted: no
/// path), and the reason in the comment. The suite runs only valid configurations.
#[test]
fn configurations_are_refused_naming_the_field() {
    #[rustfmt::skip]
    let rows: &[(Edit, Option<(&str, &str)>)] = &[
        // The baseline itself.
        (|_| {}, None),
        // HMAC and `none` are never allowed (algorithm confusion, unsigned tokens).
        (|c| trusted(c, 0).algorithms.push("HS256".into()), Some(("trusted_issuers[0].algorithms[3]", "HS256"))),
        (|c| resource_server(c).algorithms = vec!["ES256".into(), "HS256".into()], Some(("resource_server.algorithms[1]", ""))),
        (|c| trusted(c, 1).algorithms.push("none".into()), Some(("trusted_issuers[1].algorithms[1]", "none"))),
        // Only the algorithms the verifier implements, by their exact names.
        (|c| trusted(c, 0).algorithms.push("ES384".into()), Some(("trusted_issuers[0].algorithms[3]", ""))),
        (|c| trusted(c, 0).algorithms.push("EdDSA".into()), Some(("trusted_issuers[0].algorithms[3]", ""))),
        (|c| trusted(c, 0).algorithms.push("es256".into()), Some(("trusted_issuers[0].algorithms[3]", ""))),
        (|c| trusted(c, 0).algorithms.push("RSA-OAEP".into()), Some(("trusted_issuers[0].algorithms[3]", ""))),
        // The leeway is at most 300 s, on both roles.
        (|c| authorization_server(c).leeway = Some(600), Some(("authorization_server.leeway", ""))),
        (|c| resource_server(c).leeway = Some(600), Some(("resource_server.leeway", ""))),
        (|c| { authorization_server(c).leeway = Some(300); resource_server(c).leeway = Some(300) }, None),
        // The server never trusts itself as an IdP (rule 12's configuration side).
        (|c| trusted(c, 0).issuer = AS_ISSUER.into(), Some(("trusted_issuers[0].issuer", ""))),
        // Issuers are https, but for loopback.
        (|c| authorization_server(c).issuer = "http://as.example.com".into(), Some(("authorization_server.issuer", ""))),
        (|c| trusted(c, 1).issuer = "http://other-idp.example.com".into(), Some(("trusted_issuers[1].issuer", ""))),
        (|c| resource_server(c).issuer = "http://as.example.com".into(), Some(("resource_server.issuer", ""))),
        (|c| authorization_server(c).issuer = "http://127.0.0.1:8080".into(), None),
        // Verification keys are public: a private member means a leaked key.
        (|c| trusted(c, 0).keys = jwks_with_d(&keys().idp_ec, "idp-ec"), Some(("trusted_issuers[0].jwks", ""))),
        (|c| resource_server(c).keys = jwks_with_d(&keys().as_ec, "as-ec"), Some(("resource_server.jwks", ""))),
        // An authorization server trusting nobody accepts nothing.
        (|c| authorization_server(c).trusted_issuers.clear(), Some(("trusted_issuers", ""))),
        // Either role alone is a configuration; neither is not.
        (|c| c.authorization_server = None, None),
        (|c| c.resource_server = None, None),
        (|c| { c.authorization_server = None; c.resource_server = None }, Some(("", "[authorization_server], [resource_server]"))),
    ];
    for (i, (edit, refused)) in rows.iter().enumerate() {
        let mut c = config();
        edit(&mut c);
        let lines = refusals(c);
        match refused {
            None => assert_eq!(lines, Vec::<String>::new(), "row {i}"),
            Some((path, mention)) => assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(path) && l.contains(mention)),
                "row {i}: no refusal names {path:?} with {mention:?}: {lines:?}"
            ),
        }
    }
}

// =======================================================================================
// The `xaa` command
// =======================================================================================

fn xaa(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = xaa_command(args).stdin(Stdio::piped()).spawn().unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            input.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

/// `xaa dev sample --out <tempdir> --now NOW`.
fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = xaa(
        &[
            "dev",
            "sample",
            "--out",
            dir.path().to_str().unwrap(),
            "--now",
            &NOW.to_string(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// `xaa validate id-jag --config CONFIG --client-id CLIENT --now NOW ARGS...`.
fn validate_id_jag(config: &str, client: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let now = NOW.to_string();
    let head = [
        "validate",
        "id-jag",
        "--config",
        config,
        "--client-id",
        client,
        "--now",
        &now,
    ];
    xaa(&[&head[..], args].concat(), stdin)
}

/// The JSON lines `xaa` wrote, after asserting its exit code (stderr on failure).
#[track_caller]
fn json_lines(out: &Output, code: i32) -> Vec<Value> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
fn cli_validates_sample_id_jags_from_stdin() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let tokens = std::fs::read(dir.path().join("id-jags.txt")).unwrap();
    let out = validate_id_jag(
        config.to_str().unwrap(),
        "mcp-client",
        &["-"],
        Some(&tokens),
    );
    let lines = json_lines(&out, 1);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert_eq!(lines[0]["valid"], json!(true));
    let codes: Vec<&Value> = lines[1..].iter().map(|l| &l["code"]).collect();
    assert_eq!(
        codes,
        [
            &json!("replayed"),
            &json!("expired"),
            &json!("client_id_mismatch"),
            &json!("audience_mismatch")
        ]
    );
    for line in &lines[1..] {
        assert_eq!(line["valid"], json!(false));
        assert_eq!(line["oauth_error"], json!("invalid_grant"));
    }
}

#[test]
fn cli_single_valid_token_exits_0_and_explain_adds_checks() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let config = config.to_str().unwrap();
    let tokens = std::fs::read_to_string(dir.path().join("id-jags.txt")).unwrap();
    let first = tokens.lines().next().unwrap();
    let out = validate_id_jag(config, "mcp-client", &[first], None);
    let lines = json_lines(&out, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["valid"], json!(true));
    assert_eq!(lines[0]["claims"]["iss"], json!("https://idp.example.com"));
    assert_eq!(lines[0]["claims"]["client_id"], json!("mcp-client"));
    assert!(lines[0].get("checks").is_none());
    // --explain (a fresh process, so a fresh replay store).
    let out = validate_id_jag(config, "mcp-client", &["--explain", first], None);
    let lines = json_lines(&out, 0);
    assert_eq!(lines[0]["valid"], json!(true));
    let checks = lines[0]["checks"].as_array().expect("a checks array");
    assert!(!checks.is_empty());
    assert!(checks
        .iter()
        .all(|c| c["name"].is_string() && c["outcome"].is_string()));
    assert!(checks
        .iter()
        .any(|c| c["name"] == json!("signature") && c["outcome"] == json!("passed")));
    // A rejected single token exits 1.
    let second_client = validate_id_jag(config, "other", &[first], None);
    assert_eq!(second_client.status.code(), Some(1));
}

#[test]
fn cli_bad_config_exits_2_naming_the_field() {
    let dir = sample();
    let path = dir.path().join("xaa.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("leeway = 60\n"), "{text}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, text.replace("leeway = 60\n", "leeway = 600\n")).unwrap();
    let tokens = std::fs::read_to_string(dir.path().join("id-jags.txt")).unwrap();
    let first = tokens.lines().next().unwrap();
    let out = validate_id_jag(bad.to_str().unwrap(), "mcp-client", &[first], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("authorization_server.leeway"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn cli_missing_client_id_exits_2() {
    let dir = sample();
    let config = dir.path().join("xaa.toml");
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            config.to_str().unwrap(),
            "--now",
            &NOW.to_string(),
            "-",
        ],
        Some(b""),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--client-id"));
}

#[test]
fn cli_role_missing_from_config_exits_2() {
    let dir = sample();
    let path = dir.path().join("xaa.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let rs_only = dir.path().join("rs-only.toml");
    let start = text.find("[resource_server]").unwrap();
    std::fs::write(&rs_only, &text[start..]).unwrap();
    let out = xaa(
        &[
            "validate",
            "id-jag",
            "--config",
            rs_only.to_str().unwrap(),
            "--client-id",
            "mcp-client",
            "token",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[authorization_server]"), "{stderr}");
    // The same file serves access tokens.
    let out = xaa(
        &[
            "validate",
            "access-token",
            "--config",
            rs_only.to_str().unwrap(),
            "not-a-token",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["code"], "malformed");
}

#[test]
fn cli_keys_generate_writes_a_private_es256_jwk_with_mode_0600() {
    use sha2::Digest as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("as-key.json");
    let out = xaa(&["keys", "generate", "--out", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&path).unwrap();
    let key: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (x, y) = (key["x"].as_str().unwrap(), key["y"].as_str().unwrap());
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"]),
        (&json!("EC"), &json!("P-256"), &json!("ES256"))
    );
    let d = xaa_testkit::base64url::decode(key["d"].as_str().unwrap()).unwrap();
    let point = p256::ecdsa::SigningKey::from_slice(&d)
        .unwrap()
        .verifying_key()
        .to_encoded_point(false);
    assert_eq!(
        (
            xaa_testkit::base64url::encode(point.x().unwrap()),
            xaa_testkit::base64url::encode(point.y().unwrap())
        ),
        (x.to_owned(), y.to_owned()),
        "d matches x and y"
    );
    // RFC 7638 §3.2: SHA-256 over the required members in lexicographic order, no spaces.
    let members = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let thumbprint = xaa_testkit::base64url::encode(&sha2::Sha256::digest(members.as_bytes()));
    assert_eq!(
        key["kid"],
        thumbprint.as_str(),
        "kid is the RFC 7638 thumbprint"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let public: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(public["kid"], key["kid"]);
    assert!(public.get("d").is_none(), "only the public half is printed");
    // Never overwrites an existing key.
    let again = xaa(&["keys", "generate", "--out", path.to_str().unwrap()], None);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // Two keys are different keys.
    let other = dir.path().join("as-key-2.json");
    assert_eq!(
        xaa(
            &["keys", "generate", "--out", other.to_str().unwrap()],
            None
        )
        .status
        .code(),
        Some(0)
    );
    let other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&other).unwrap()).unwrap();
    assert_ne!(other["kid"], key["kid"]);
}

#[test]
fn cli_client_secret_and_hash_secret_agree() {
    let out = xaa(&["keys", "client-secret"], None);
    assert_eq!(out.status.code(), Some(0));
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let secret = made["client_secret"].as_str().unwrap();
    assert_eq!(secret.len(), 43, "256 bits, base64url");
    let hash = made["client_secret_sha256"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert!(hash
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    let hashed = xaa(
        &["keys", "hash-secret"],
        Some(format!("{secret}\n").as_bytes()),
    );
    assert_eq!(hashed.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&hashed.stdout).trim(), hash);
    // SHA-256("abc"), FIPS 180-2 B.1.
    let abc = xaa(&["keys", "hash-secret"], Some(b"abc\r\n"));
    assert_eq!(
        String::from_utf8_lossy(&abc.stdout).trim(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        xaa(&["keys", "hash-secret"], Some(b"")).status.code(),
        Some(2)
    );
    let again = xaa(&["keys", "client-secret"], None);
    assert_ne!(again.stdout, out.stdout, "a fresh secret each time");
}
