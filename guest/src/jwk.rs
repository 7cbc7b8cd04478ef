//! One JSON Web Key (RFC 7517, RFC 7518 §6) turned into a trusted verification key.
//!
//! A trusted key is (kid, the algorithms it may verify, public key). `alg` belongs to the
//! key: a JWK `alg` pins it; without one it is derived strictly from `kty`/`crv` (RFC 8725
//! §3.1). Refused: private members (K20), symmetric keys (K21), curves other than P-256
//! (K16), points off the curve or coordinates ≥ p (K14), RSA moduli outside 2048–4096 bits
//! (K17, K19), exponents other than 65537, and non-canonical base64url or integer encodings
//! (K22). Ignored (not usable for signatures): `use` other than `sig`, `key_ops` without
//! `verify` (K13), unknown `kty`, an `alg` this component does not verify.

use std::collections::BTreeMap;

use p256::elliptic_curve::sec1::EncodedPoint;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};

use crate::base64url;
use crate::error::escape_for_log;
use crate::jose_header::Alg;
use crate::json::Json;
use crate::limits::{MAX_KID_BYTES, RSA_MAX_BITS, RSA_MIN_BITS};

/// Public key material, ready to verify.
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    /// A P-256 point.
    EcP256 {
        /// Parsed key for the pure-Rust path.
        key: p256::ecdsa::VerifyingKey,
        /// Uncompressed SEC1 encoding for the host's native verifier.
        sec1: Vec<u8>,
    },
    /// An RSA public key.
    Rsa {
        /// Parsed key for the pure-Rust path.
        key: RsaPublicKey,
        /// Big-endian modulus without leading zeros.
        n: Vec<u8>,
        /// Big-endian exponent without leading zeros.
        e: Vec<u8>,
    },
}

/// A key this component may verify signatures with.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    /// `kid`, if the JWK had one.
    pub kid: Option<String>,
    /// `alg` the JWK declared, if any.
    pub declared_alg: Option<Alg>,
    /// The key.
    pub material: KeyMaterial,
}

/// What happened to one JWK.
#[derive(Debug)]
pub enum JwkOutcome {
    /// Usable for verification.
    Usable(TrustedKey),
    /// Well-formed but not a signature key this component uses (log-safe reason).
    Ignored(String),
    /// Malformed, weak, private or otherwise unacceptable (log-safe reason).
    Rejected(String),
}

impl TrustedKey {
    /// Whether `other` is the same key (same `kid`, declared `alg` and public key), e.g. in
    /// a JWK Set fetched again.
    pub fn same_key(&self, other: &TrustedKey) -> bool {
        self.kid == other.kid
            && self.declared_alg == other.declared_alg
            && match (&self.material, &other.material) {
                (KeyMaterial::EcP256 { sec1: a, .. }, KeyMaterial::EcP256 { sec1: b, .. }) => {
                    a == b
                }
                (KeyMaterial::Rsa { n: na, e: ea, .. }, KeyMaterial::Rsa { n: nb, e: eb, .. }) => {
                    na == nb && ea == eb
                }
                _ => false,
            }
    }

    /// Whether this key may verify `alg`: the JWK's own `alg` if it declared one, else the
    /// family its `kty`/`crv` implies.
    pub fn permits(&self, alg: Alg) -> bool {
        match (self.declared_alg, &self.material) {
            (Some(declared), _) => declared == alg,
            (None, KeyMaterial::EcP256 { .. }) => alg == Alg::Es256,
            (None, KeyMaterial::Rsa { .. }) => matches!(alg, Alg::Rs256 | Alg::Ps256),
        }
    }

    /// Algorithms this key may verify.
    pub fn algorithms(&self) -> Vec<Alg> {
        Alg::ALL.into_iter().filter(|a| self.permits(*a)).collect()
    }

    /// A log-safe label: the kid, or the key family.
    pub fn label(&self) -> String {
        match &self.kid {
            Some(kid) => format!("kid \"{}\"", escape_for_log(kid, 64)),
            None => match self.material {
                KeyMaterial::EcP256 { .. } => "EC P-256 key without kid".into(),
                KeyMaterial::Rsa { .. } => "RSA key without kid".into(),
            },
        }
    }
}

const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Reads one JWK (a member of a JWK Set's `keys`).
pub fn parse(value: &Json) -> JwkOutcome {
    let Some(members) = value.as_object() else {
        return JwkOutcome::Rejected(format!("a {} is not a JWK object", value.type_name()));
    };
    match inspect(members) {
        Ok(outcome) => outcome,
        Err(reason) => JwkOutcome::Rejected(reason),
    }
}

fn inspect(members: &BTreeMap<String, Json>) -> Result<JwkOutcome, String> {
    let text = |name: &str| -> Result<Option<&str>, String> {
        match members.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_str())),
            Some(other) => Err(format!(
                "\"{name}\" is a {}, not a string",
                other.type_name()
            )),
        }
    };
    let kty = text("kty")?.ok_or("no \"kty\"")?;
    let kid = text("kid")?.map(str::to_owned);
    let label = kid
        .as_deref()
        .map(|k| format!("kid \"{}\"", escape_for_log(k, 64)))
        .unwrap_or_else(|| "key without kid".into());
    if let Some(k) = &kid {
        if k.len() > MAX_KID_BYTES {
            return Err(format!("kid longer than {MAX_KID_BYTES} bytes"));
        }
    }
    if let Some(private) = PRIVATE_MEMBERS.iter().find(|m| members.contains_key(**m)) {
        return Err(format!(
            "{label}: carries private member \"{private}\"; a JWK Set here holds public keys only"
        ));
    }
    if kty == "oct" {
        return Err(format!(
            "{label}: symmetric (kty \"oct\") keys are never trusted"
        ));
    }
    if let Some(usage) = text("use")? {
        if usage != "sig" {
            return Ok(JwkOutcome::Ignored(format!(
                "{label}: use \"{}\" is not \"sig\"",
                escape_for_log(usage, 16)
            )));
        }
    }
    if let Some(ops) = members.get("key_ops") {
        let Json::Array(ops) = ops else {
            return Err(format!("{label}: key_ops is not an array"));
        };
        let mut verify = false;
        for op in ops {
            match op.as_str() {
                Some("verify") => verify = true,
                Some(_) => {}
                None => return Err(format!("{label}: key_ops holds a non-string")),
            }
        }
        if !verify {
            return Ok(JwkOutcome::Ignored(format!(
                "{label}: key_ops lacks \"verify\""
            )));
        }
    }
    let declared_alg = match text("alg")? {
        None => None,
        Some(name) => match Alg::from_name(name) {
            Some(alg) => Some(alg),
            None => {
                return Ok(JwkOutcome::Ignored(format!(
                    "{label}: alg \"{}\" is not one this component verifies",
                    escape_for_log(name, 32)
                )))
            }
        },
    };
    let material = match kty {
        "EC" => ec_p256(&text, &label)?,
        "RSA" => rsa_key(&text, &label)?,
        other => {
            return Ok(JwkOutcome::Ignored(format!(
                "{label}: kty \"{}\" is not supported",
                escape_for_log(other, 16)
            )))
        }
    };
    let key = TrustedKey {
        kid,
        declared_alg,
        material,
    };
    if let Some(alg) = declared_alg {
        let family_ok = match key.material {
            KeyMaterial::EcP256 { .. } => alg == Alg::Es256,
            KeyMaterial::Rsa { .. } => matches!(alg, Alg::Rs256 | Alg::Ps256),
        };
        if !family_ok {
            return Err(format!(
                "{label}: alg \"{}\" does not fit kty \"{kty}\"",
                alg.name()
            ));
        }
    }
    Ok(JwkOutcome::Usable(key))
}

type TextFn<'a> = dyn Fn(&str) -> Result<Option<&'a str>, String> + 'a;

fn ec_p256<'a>(text: &TextFn<'a>, label: &str) -> Result<KeyMaterial, String> {
    match text("crv")? {
        Some("P-256") => {}
        Some(other) => {
            return Err(format!(
                "{label}: curve \"{}\" is not P-256",
                escape_for_log(other, 16)
            ))
        }
        None => return Err(format!("{label}: EC key without \"crv\"")),
    }
    let coordinate = |name: &str| -> Result<Vec<u8>, String> {
        let encoded = text(name)?.ok_or_else(|| format!("{label}: EC key without \"{name}\""))?;
        let bytes = base64url::decode(encoded)
            .ok_or_else(|| format!("{label}: \"{name}\" is not canonical base64url"))?;
        if bytes.len() != 32 {
            return Err(format!(
                "{label}: \"{name}\" is {} bytes; P-256 coordinates are 32",
                bytes.len()
            ));
        }
        Ok(bytes)
    };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    let point = EncodedPoint::<p256::NistP256>::from_affine_coordinates(
        x.as_slice().into(),
        y.as_slice().into(),
        false,
    );
    // from_encoded_point refuses coordinates ≥ p and points not on the curve (K14).
    let key = p256::ecdsa::VerifyingKey::from_encoded_point(&point)
        .map_err(|_| format!("{label}: the point is not on P-256"))?;
    Ok(KeyMaterial::EcP256 {
        key,
        sec1: point.as_bytes().to_vec(),
    })
}

fn rsa_key<'a>(text: &TextFn<'a>, label: &str) -> Result<KeyMaterial, String> {
    let uint = |name: &str| -> Result<Vec<u8>, String> {
        let encoded = text(name)?.ok_or_else(|| format!("{label}: RSA key without \"{name}\""))?;
        let bytes = base64url::decode(encoded)
            .ok_or_else(|| format!("{label}: \"{name}\" is not canonical base64url"))?;
        // Base64urlUInt is the minimal big-endian form (RFC 7518 §2).
        if bytes.first().is_none_or(|b| *b == 0) {
            return Err(format!(
                "{label}: \"{name}\" is not a minimal Base64urlUInt"
            ));
        }
        Ok(bytes)
    };
    let (n, e) = (uint("n")?, uint("e")?);
    if e != [0x01, 0x00, 0x01] {
        return Err(format!("{label}: RSA exponent is not 65537"));
    }
    let bits = n.len() * 8 - n[0].leading_zeros() as usize;
    if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
        return Err(format!(
            "{label}: RSA modulus is {bits} bits; {RSA_MIN_BITS}–{RSA_MAX_BITS} are accepted"
        ));
    }
    if n[n.len() - 1] & 1 == 0 {
        return Err(format!("{label}: RSA modulus is even"));
    }
    let key = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e))
        .map_err(|_| format!("{label}: RSA key refused"))?;
    debug_assert_eq!(key.size(), n.len());
    Ok(KeyMaterial::Rsa { key, n, e })
}
