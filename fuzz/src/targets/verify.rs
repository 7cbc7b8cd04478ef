//! `structured_verify`: the whole ID-JAG and access-token validation of a configured
//! `xaa_guest::Validator` (AS role with an inline-key IdP and a fetched-key IdP, RS role),
//! on tokens built from the grammar in `grammar.rs` and signed with the fixed keys, under a
//! fuzz-chosen host (clock, JWK Set fetch answers, replay store, native verifier).
//!
//! Invariants on a `valid` verdict: the token's signature really verifies (reference p256 /
//! rsa verification) under the trusted key for its issuer and alg, and a host verifier that
//! refuses everything was not in use; the claims the verdict reports are exactly the payload
//! bytes; issuer, audience, client, time window, lifetime, resources and `typ` satisfy the
//! profile. An ID-JAG validated twice is refused the second time (`replayed`); an access token
//! validated twice gives the same verdict (token cache). `explain-*` gives the same verdict as
//! `validate-*`.

use arbitrary::{Arbitrary, Unstructured};
use rsa::traits::PublicKeyParts;
use serde_json::Value;
use xaa_guest::error::Code;
use xaa_guest::host::PublicKeyRef;
use xaa_guest::jose_header::{typ_matches, Alg};
use xaa_guest::{base64url, Verdict};

use crate::fixtures::{keys, validator, AS, IDP, IDP2, R1, R2};
use crate::grammar::{build, Context, TokenKind, TokenSpec, Word};
use crate::host::{reference_verify, FuzzHost, HostSpec, VerifierMode};

/// Which validation.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `validate_id_jag` at the AS.
    IdJag,
    /// `validate_access_token` at the RS.
    AccessToken,
}

/// The `client_id` the ID-JAG is presented by.
#[derive(Arbitrary, Clone, Debug)]
pub enum Presenter {
    /// The client the token names by default.
    Default,
    /// Another.
    Word(Word),
}

/// One input.
#[derive(Arbitrary, Clone, Debug)]
pub struct VerifyInput {
    /// Which validation.
    pub kind: Kind,
    /// The token.
    pub token: TokenSpec,
    /// The presenting client (ID-JAG).
    pub presenter: Presenter,
    /// The host.
    pub host: HostSpec,
    /// Validate a second time with the same validator and host.
    pub repeat: bool,
    /// Also run `explain-*` on a fresh validator and compare.
    pub explain: bool,
}

/// Splits leniently (for the harness's own checks).
pub fn parts(token: &str) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>, &str)> {
    let mut it = token.split('.');
    let (h, p, s) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    let signing_input = &token[..h.len() + 1 + p.len()];
    Some((base64url::decode(h)?, base64url::decode(p)?, base64url::decode(s)?, signing_input))
}

/// The `typ` of a token's header, if it has a readable one.
pub fn header_typ(token: &str) -> Option<String> {
    let header = base64url::decode(token.split('.').next()?)?;
    let value: Value = serde_json::from_slice(&header).ok()?;
    value.get("typ")?.as_str().map(str::to_owned)
}

/// Whether `token` would only reproduce an already-reported defect (see `targets::strict`).
pub fn hits_known_defect(token: &str) -> bool {
    !super::strict() && header_typ(token).is_some_and(|t| super::compact::typ_hits_known_defect(&t))
}

fn time(claims: &Value, name: &str) -> Option<f64> {
    claims.get(name).and_then(Value::as_f64)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => vec![],
    }
}

/// Checks a `valid` verdict of either kind (shared with the token_request target).
pub fn check_valid(kind: Kind, token: &str, presenter: Option<&str>, host: &FuzzHost, verdict: &Verdict) {
    let Verdict::Valid(verified) = verdict else {
        return;
    };
    assert_ne!(host.spec.verifier, VerifierMode::AlwaysInvalid, "valid although the host verifier refused every signature");
    let (header, payload, signature, signing_input) = parts(token).expect("a valid token splits");
    assert_eq!(verified.claims_json().as_bytes(), &payload[..], "claims differ from the signed payload");
    let header: Value = serde_json::from_slice(&header).expect("a valid header is JSON");
    let claims: Value = serde_json::from_slice(&payload).expect("a valid payload is JSON");
    let alg = Alg::from_name(header["alg"].as_str().expect("alg")).expect("a known alg");
    let iss = claims["iss"].as_str().expect("iss");
    assert_eq!(iss, verified.issuer());
    let k = keys();
    let ec = |key: &p256::ecdsa::SigningKey| key.verifying_key().to_encoded_point(false);
    let (n, e) = (k.idp2_rsa.n().to_bytes_be(), k.idp2_rsa.e().to_bytes_be());
    let (expected_typ, key_point) = match kind {
        Kind::IdJag => {
            let allowed = match iss {
                IDP => alg == Alg::Es256,
                IDP2 => matches!(alg, Alg::Rs256 | Alg::Ps256),
                other => panic!("valid ID-JAG from untrusted issuer {other:?}"),
            };
            assert!(allowed, "{} not allowed for {iss}", alg.name());
            assert!(strings(claims.get("aud")).iter().any(|a| a == AS), "aud lacks the AS");
            assert_eq!(claims["client_id"].as_str(), presenter, "client_id differs from the presenter");
            let resources = strings(claims.get("resource"));
            assert!(!resources.is_empty() && resources.iter().all(|r| r == R1 || r == R2));
            let (iat, exp) = (time(&claims, "iat").expect("iat"), time(&claims, "exp").expect("exp"));
            assert!(exp - iat <= 300.0, "lifetime over the maximum");
            ("oauth-id-jag+jwt", if iss == IDP { Some(ec(&k.idp_ec)) } else { None })
        }
        Kind::AccessToken => {
            assert_eq!(iss, AS);
            assert_eq!(alg, Alg::Es256);
            assert!(strings(claims.get("aud")).iter().any(|a| a == R1), "aud lacks the resource");
            assert!(claims["client_id"].is_string());
            ("at+jwt", Some(ec(&k.as_ec)))
        }
    };
    assert!(claims.get("cnf").is_none(), "cnf accepted");
    let now = host.clock() as f64;
    if let Some(exp) = time(&claims, "exp") {
        assert!(exp + 60.0 > now, "expired token accepted (exp {exp}, now {now})");
    }
    if let Some(nbf) = time(&claims, "nbf") {
        assert!(nbf - 60.0 <= now, "not-yet-valid token accepted");
    }
    let typ = header["typ"].as_str().expect("typ");
    assert!(typ_matches(typ, expected_typ));
    let key = match &key_point {
        Some(point) => PublicKeyRef::EcP256(point.as_bytes()),
        None => PublicKeyRef::Rsa { n: &n, e: &e },
    };
    assert!(
        reference_verify(alg, key, signing_input.as_bytes(), &signature),
        "valid verdict on a signature that does not verify under the issuer's key"
    );
}

fn validate(kind: Kind, v: &mut xaa_guest::Validator, host: &mut FuzzHost, token: &str, client: &str, explain: bool) -> Verdict {
    match (kind, explain) {
        (Kind::IdJag, false) => v.validate_id_jag(host, token, client),
        (Kind::AccessToken, false) => v.validate_access_token(host, token),
        (Kind::IdJag, true) => v.explain_id_jag(host, token, client).0,
        (Kind::AccessToken, true) => v.explain_access_token(host, token).0,
    }
}

/// The target.
pub fn structured_verify(data: &[u8]) -> String {
    let Ok(input) = VerifyInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return "undecodable".into();
    };
    let token_kind = match input.kind {
        Kind::IdJag => TokenKind::IdJag,
        Kind::AccessToken => TokenKind::AccessToken,
    };
    let ctx = Context::for_kind(token_kind);
    let built = build(token_kind, &input.token, &ctx);
    if hits_known_defect(&built.token) {
        return "known-defect".into();
    }
    let presenter = match &input.presenter {
        Presenter::Default => ctx.client.clone(),
        Presenter::Word(w) => w.text(),
    };
    let mut validator = validator();
    let mut host = FuzzHost::new(&input.host);
    let verdict = validate(input.kind, &mut validator, &mut host, &built.token, &presenter, false);
    if std::env::var_os("XAA_FUZZ_DEBUG").is_some() {
        eprintln!("input: {input:#?}\ntoken: {}\nverdict: {verdict:#?}", built.token);
    }
    let presented = (input.kind == Kind::IdJag).then_some(presenter.as_str());
    check_valid(input.kind, &built.token, presented, &host, &verdict);
    if input.repeat {
        let again = validate(input.kind, &mut validator, &mut host, &built.token, &presenter, false);
        check_valid(input.kind, &built.token, presented, &host, &again);
        if let Verdict::Valid(first) = &verdict {
            match input.kind {
                Kind::IdJag => assert_eq!(again.code(), Some(Code::Replayed), "an ID-JAG was accepted twice"),
                Kind::AccessToken => match &again {
                    Verdict::Valid(second) => assert_eq!(first, second),
                    other => panic!("a valid access token was refused the second time: {:?}", other.code()),
                },
            }
        }
    }
    if input.explain {
        let mut fresh = crate::fixtures::validator();
        let mut fresh_host = FuzzHost::new(&input.host);
        let explained = validate(input.kind, &mut fresh, &mut fresh_host, &built.token, &presenter, true);
        assert_eq!(explained.code(), verdict.code(), "explain and validate disagree");
    }
    let signed = if built.signed_by.is_some() { "signed" } else { "unsigned" };
    match verdict.code() {
        None => format!("{:?}:valid:{signed}", input.kind),
        Some(code) => format!("{:?}:{}:{signed}", input.kind, code.as_str()),
    }
}
