//! A native [`Host`] whose every answer is chosen by the fuzz input: clock, JWK Set fetch of
//! IDP2's keys, replay store, native verifier and native signer. Deterministic per input.

use std::collections::HashSet;

use arbitrary::Arbitrary;
use p256::ecdsa::signature::Verifier as _;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256};
use xaa_guest::host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
use xaa_guest::jose_header::Alg;

use crate::fixtures::{idp2_jwks, NOW};
use crate::grammar::JsonSpec;

/// The wall clock.
#[derive(Arbitrary, Clone, Debug)]
pub enum Clock {
    /// [`NOW`].
    Now,
    /// `NOW + offset` seconds.
    Offset(i16),
    /// `NOW + offset` with a wider range (expired / not yet valid by hours).
    FarOffset(i32),
    /// Any value (outside 2000–2100 the component must answer `clock_invalid`).
    Raw(i64),
}

/// What the native verifier does.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifierMode {
    /// No native verifier: the component's pure-Rust path.
    NotOffered,
    /// A correct native verifier (p256 / rsa).
    Native,
    /// A verifier that refuses everything: nothing may then be valid.
    AlwaysInvalid,
}

/// What the native ES256 signer does.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignerMode {
    /// The component signs in pure Rust.
    NotOffered,
    /// A correct native signer.
    Native,
    /// A broken signer (wrong bytes): the component must fall back, never issue them.
    Garbage,
}

/// The replay store.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayMode {
    /// Remembers keys.
    Normal,
    /// Always fails (the component must fail closed).
    Unavailable,
}

/// How the host answers a fetch of IDP2's JWK Set.
#[derive(Arbitrary, Clone, Debug)]
pub enum JwksAnswer {
    /// 200 with IDP2's real keys.
    Good,
    /// 200 with the real keys and a `max-age`.
    GoodMaxAge(u32),
    /// The real keys plus an extra member in `keys`.
    GoodPlus(JsonSpec),
    /// Another status with the real body.
    Status(u16),
    /// 200 with this body.
    Body(String),
    /// A transport failure.
    Fail,
    /// The host fetches later (would-block).
    WouldBlock,
}

/// Everything about the host an input decides.
#[derive(Arbitrary, Clone, Debug)]
pub struct HostSpec {
    /// Clock.
    pub clock: Clock,
    /// Native verifier.
    pub verifier: VerifierMode,
    /// JWK Set fetches.
    pub jwks: JwksAnswer,
    /// Replay store.
    pub replay: ReplayMode,
    /// Native signer.
    pub signer: SignerMode,
}

impl Default for HostSpec {
    fn default() -> Self {
        HostSpec {
            clock: Clock::Now,
            verifier: VerifierMode::NotOffered,
            jwks: JwksAnswer::Good,
            replay: ReplayMode::Normal,
            signer: SignerMode::NotOffered,
        }
    }
}

/// The host.
#[derive(Debug)]
pub struct FuzzHost {
    /// The spec it was built from.
    pub spec: HostSpec,
    /// Replay keys seen.
    pub seen: HashSet<String>,
    counter: u64,
    /// How many fetches were made.
    pub fetches: u32,
}

impl FuzzHost {
    /// A fresh host.
    pub fn new(spec: &HostSpec) -> Self {
        FuzzHost {
            spec: spec.clone(),
            seen: HashSet::new(),
            counter: 0,
            fetches: 0,
        }
    }

    /// What `now` answers.
    pub fn clock(&self) -> i64 {
        match self.spec.clock {
            Clock::Now => NOW,
            Clock::Offset(o) => NOW + i64::from(o),
            Clock::FarOffset(o) => NOW + i64::from(o),
            Clock::Raw(t) => t,
        }
    }
}

/// A correct verification, natively (the harness's own reference, also used by invariants).
pub fn reference_verify(alg: Alg, key: PublicKeyRef<'_>, message: &[u8], signature: &[u8]) -> bool {
    match (alg, key) {
        (Alg::Es256, PublicKeyRef::EcP256(sec1)) => {
            let Ok(vk) = p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1) else {
                return false;
            };
            let Ok(sig) = p256::ecdsa::Signature::from_slice(signature) else {
                return false;
            };
            vk.verify(message, &sig).is_ok()
        }
        (Alg::Rs256 | Alg::Ps256, PublicKeyRef::Rsa { n, e }) => {
            let Ok(pk) = RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
            else {
                return false;
            };
            let digest = Sha256::digest(message);
            if alg == Alg::Rs256 {
                pk.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, signature)
                    .is_ok()
            } else {
                pk.verify(Pss::new_with_salt::<Sha256>(32), &digest, signature)
                    .is_ok()
            }
        }
        _ => false,
    }
}

impl Host for FuzzHost {
    fn now(&mut self) -> i64 {
        self.clock()
    }

    fn monotonic_millis(&mut self) -> u64 {
        // Advances a little on every call, so cache ages and cooldowns move.
        self.counter += 1;
        self.counter * 250
    }

    fn fetch_jwks(&mut self, _uri: &str) -> Result<JwksResponse, FetchError> {
        self.fetches += 1;
        let ok = |body: String, max_age| Ok(JwksResponse { status: 200, body, max_age });
        match &self.spec.jwks {
            JwksAnswer::Good => ok(idp2_jwks(), None),
            JwksAnswer::GoodMaxAge(age) => ok(idp2_jwks(), Some(*age)),
            JwksAnswer::GoodPlus(extra) => {
                let good = idp2_jwks();
                let body = format!(
                    "{},{}]}}",
                    good.trim_end_matches("]}"),
                    extra.render()
                );
                ok(body, None)
            }
            JwksAnswer::Status(status) => Ok(JwksResponse {
                status: *status,
                body: idp2_jwks(),
                max_age: None,
            }),
            JwksAnswer::Body(body) => ok(body.clone(), None),
            JwksAnswer::Fail => Err(FetchError::Failed("fuzz: connection refused".into())),
            JwksAnswer::WouldBlock => Err(FetchError::WouldBlock),
        }
    }

    fn replay_insert(&mut self, key: &str, _expires_at: i64) -> Result<bool, String> {
        match self.spec.replay {
            ReplayMode::Normal => Ok(self.seen.insert(key.to_owned())),
            ReplayMode::Unavailable => Err("fuzz: replay store down".into()),
        }
    }

    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        self.counter += 1;
        let seed = Sha256::digest(self.counter.to_be_bytes());
        (0..len as usize).map(|i| seed[i % 32] ^ (i / 32) as u8).collect()
    }

    fn verify_signature(
        &mut self,
        alg: Alg,
        key: PublicKeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Accelerated {
        match self.spec.verifier {
            VerifierMode::NotOffered => Accelerated::NotOffered,
            VerifierMode::AlwaysInvalid => Accelerated::Invalid,
            VerifierMode::Native => {
                if reference_verify(alg, key, message, signature) {
                    Accelerated::Valid
                } else {
                    Accelerated::Invalid
                }
            }
        }
    }

    fn sign_es256(&mut self, d: &[u8], _point: &[u8], message: &[u8]) -> Option<Vec<u8>> {
        match self.spec.signer {
            SignerMode::NotOffered => None,
            SignerMode::Garbage => Some(vec![0x42; 64]),
            SignerMode::Native => {
                use p256::ecdsa::signature::Signer as _;
                let key = p256::ecdsa::SigningKey::from_slice(d).ok()?;
                let sig: p256::ecdsa::Signature = key.sign(message);
                Some(sig.to_bytes().to_vec())
            }
        }
    }
}
