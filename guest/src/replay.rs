//! Replay-store keys: single-use identifiers (`jti`) scoped by kind and by who issued them,
//! hashed so any store can hold them:
//! `<kind>:<partition>:<id>`, where `partition` is 16 lowercase hex digits of SHA-256(scope)
//! (the issuer of an ID-JAG, the client of a client assertion) and `id` 64 lowercase hex
//! digits of SHA-256(scope || 0x00 || id). The partition lets a store bound what one issuer
//! or client can fill (a client flooding assertions must not exhaust the store for everyone,
//! issue 11). Keys never derive from signature bytes (G06).

use sha2::{Digest, Sha256};

use crate::error::{escape_for_log, Code, Rejection};
use crate::host::Host;

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, bytes: &[u8]) {
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
}

/// The key for `id` issued by `scope`, in the namespace `kind` (e.g. `id-jag`).
pub fn key(kind: &str, scope: &str, id: &str) -> String {
    let partition = Sha256::digest(scope.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    hasher.update([0u8]);
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    let mut key = String::with_capacity(kind.len() + 2 + 16 + 64);
    key.push_str(kind);
    key.push(':');
    push_hex(&mut key, &partition[..8]);
    key.push(':');
    push_hex(&mut key, &digest);
    key
}

/// Marks `key` used until `expires_at` in the host's replay store: `Replayed` (with
/// `replayed` as the detail) when it was used before, `ReplayStoreUnavailable` when the
/// store cannot answer (fail closed).
pub fn use_once(
    host: &mut dyn Host,
    key: &str,
    expires_at: i64,
    replayed: &str,
) -> Result<(), Rejection> {
    match host.replay_insert(key, expires_at) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Rejection::new(Code::Replayed, replayed)),
        Err(why) => Err(Rejection::new(
            Code::ReplayStoreUnavailable,
            format!("replay store: {}", escape_for_log(&why, 120)),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn keys_are_scoped_and_stable() {
        let k = key("id-jag", "https://idp.example.com", "j1");
        let parts: Vec<&str> = k.split(':').collect();
        assert_eq!(parts.len(), 3, "{k}");
        assert_eq!(parts[0], "id-jag");
        assert_eq!((parts[1].len(), parts[2].len()), (16, 64));
        assert!(parts[1..].iter().all(|p| p
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())));
        assert_eq!(k, key("id-jag", "https://idp.example.com", "j1"));
        assert_ne!(k, key("id-jag", "https://other.example.com", "j1"));
        assert_ne!(
            key("client-assertion", "https://idp.example.com", "j1"),
            key("id-jag", "https://idp.example.com", "j1")
        );
        // The separator keeps ("a", "bc") and ("ab", "c") apart.
        assert_ne!(key("id-jag", "a", "bc"), key("id-jag", "ab", "c"));
    }

    #[test]
    fn one_scope_is_one_partition() {
        let partition = |k: String| k.split(':').nth(1).map(str::to_owned);
        assert_eq!(
            partition(key("client-assertion", "client-a", "j1")),
            partition(key("client-assertion", "client-a", "j2"))
        );
        assert_ne!(
            partition(key("client-assertion", "client-a", "j1")),
            partition(key("client-assertion", "client-b", "j1"))
        );
    }
}
