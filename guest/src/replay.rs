//! Replay-store keys: single-use identifiers (`jti`) scoped by kind and by who issued them,
//! hashed so any store can hold them (`<kind>:` + 64 lowercase hex digits of
//! SHA-256(scope || 0x00 || id)). Keys never derive from signature bytes (G06).

use sha2::{Digest, Sha256};

/// The key for `id` issued by `scope`, in the namespace `kind` (e.g. `id-jag`).
pub fn key(kind: &str, scope: &str, id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    hasher.update([0u8]);
    hasher.update(id.as_bytes());
    let digest = hasher.finalize();
    let mut key = String::with_capacity(kind.len() + 1 + 64);
    key.push_str(kind);
    key.push(':');
    for byte in digest {
        key.push(char::from(HEX[usize::from(byte >> 4)]));
        key.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::key;

    #[test]
    fn keys_are_scoped_and_stable() {
        let k = key("id-jag", "https://idp.example.com", "j1");
        assert!(k.starts_with("id-jag:"));
        assert_eq!(k.len(), 7 + 64);
        assert!(k[7..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(k, key("id-jag", "https://idp.example.com", "j1"));
        assert_ne!(k, key("id-jag", "https://other.example.com", "j1"));
        assert_ne!(
            key("client-assertion", "https://idp.example.com", "j1"),
            key("id-jag", "https://idp.example.com", "j1")
        );
        // The separator keeps ("a", "bc") and ("ab", "c") apart.
        assert_ne!(key("id-jag", "a", "bc"), key("id-jag", "ab", "c"));
    }
}
