//! A JWK Set (RFC 7517 §5): parsing with caps, and key selection for one token.
//!
//! Selection is by (this issuer's set, `kid`, `alg`) only: the key never comes from the
//! token (K01–K03, K23); `kid` is an opaque exact-match string (K05–K07); with no `kid`
//! and several candidates the token is refused rather than tried against each (K10).

use std::sync::Arc;

use crate::error::{escape_for_log, Code, Rejection};
use crate::jose_header::Alg;
use crate::json::{self, Json};
use crate::jwk::{self, JwkOutcome, TrustedKey};
use crate::limits::{MAX_JWKS_BYTES, MAX_JWKS_KEYS};

/// The usable keys of one JWK Set document.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    /// Keys usable for verification (shared: a selected key is handed out without copying
    /// its material).
    pub keys: Vec<Arc<TrustedKey>>,
    /// Log-safe notes on keys that were ignored or refused.
    pub notes: Vec<String>,
    /// Whether any key was refused (as opposed to merely ignored).
    pub had_rejected_keys: bool,
}

/// Parses a JWK Set document. A document is refused when it is oversized, not a JSON object
/// with a `keys` array, holds too many keys, or leaves no usable key; individual bad keys
/// are dropped and noted.
pub fn parse(document: &str) -> Result<KeySet, String> {
    parse_set(document, false)
}

/// Parses a JWK Set an issuer publishes (fetched from its `jwks_uri`): as [`parse`], except
/// that a well-formed set with no keys at all (`{"keys": []}`) is accepted as it is. That is
/// how an issuer revokes every key at once, and it must take effect at once, not after the
/// stale window of the last set.
pub fn parse_published(document: &str) -> Result<KeySet, String> {
    parse_set(document, true)
}

fn parse_set(document: &str, allow_empty: bool) -> Result<KeySet, String> {
    if document.len() > MAX_JWKS_BYTES {
        return Err(format!(
            "JWK Set is {} bytes; the limit is {MAX_JWKS_BYTES}",
            document.len()
        ));
    }
    let value = json::parse(document).map_err(|e| format!("JWK Set: {e}"))?;
    let Some(Json::Array(entries)) = value.as_object().and_then(|m| m.get("keys")) else {
        return Err("JWK Set is not an object with a \"keys\" array".into());
    };
    if entries.len() > MAX_JWKS_KEYS {
        return Err(format!(
            "JWK Set holds {} keys; the limit is {MAX_JWKS_KEYS}",
            entries.len()
        ));
    }
    let mut set = KeySet::default();
    if allow_empty && entries.is_empty() {
        return Ok(set);
    }
    for (index, entry) in entries.iter().enumerate() {
        match jwk::parse(entry) {
            JwkOutcome::Usable(key) => set.keys.push(Arc::new(key)),
            JwkOutcome::Ignored(why) => set.notes.push(format!("keys[{index}] ignored: {why}")),
            JwkOutcome::Rejected(why) => {
                set.had_rejected_keys = true;
                set.notes.push(format!("keys[{index}] refused: {why}"))
            }
        }
    }
    if set.keys.is_empty() {
        let mut msg = String::from("JWK Set has no usable signature key");
        if let Some(first) = set.notes.first() {
            msg.push_str(&format!(" ({first})"));
        }
        return Err(msg);
    }
    Ok(set)
}

/// How a key search ended without a key.
#[derive(Debug, PartialEq, Eq)]
pub enum Miss {
    /// No key carries the token's `kid` (a refetch may help).
    UnknownKid,
    /// Keys exist but none may verify this `alg` (A07–A09).
    Incompatible,
    /// Several keys could verify and the token names none (K10).
    Ambiguous,
}

impl KeySet {
    /// Finds the one key for a token header's (`kid`, `alg`).
    pub fn select(&self, kid: Option<&str>, alg: Alg) -> Result<&Arc<TrustedKey>, Miss> {
        let mut named = 0usize;
        let mut found: Option<&Arc<TrustedKey>> = None;
        let mut several = false;
        for key in &self.keys {
            if let Some(kid) = kid {
                if key.kid.as_deref() != Some(kid) {
                    continue;
                }
            }
            named += 1;
            if key.permits(alg) {
                if found.is_some() {
                    several = true;
                }
                found = Some(key);
            }
        }
        match (found, several) {
            (Some(_), true) => Err(Miss::Ambiguous),
            (Some(key), false) => Ok(key),
            (None, _) if named == 0 => Err(Miss::UnknownKid),
            (None, _) => Err(Miss::Incompatible),
        }
    }
}

/// The rejection for a miss, naming the kid log-safely.
pub fn miss_rejection(miss: Miss, kid: Option<&str>, alg: Alg) -> Rejection {
    let kid = kid
        .map(|k| format!("kid \"{}\"", escape_for_log(k, 64)))
        .unwrap_or_else(|| "no kid".into());
    match miss {
        Miss::UnknownKid => Rejection::new(Code::KeyNotFound, format!("no trusted key for {kid}")),
        Miss::Incompatible => Rejection::new(
            Code::KeyRejected,
            format!("the key for {kid} cannot verify {}", alg.name()),
        ),
        Miss::Ambiguous => Rejection::new(
            Code::KeyAmbiguous,
            format!("several trusted keys match {kid} and {}", alg.name()),
        ),
    }
}
