//! base64url without padding (RFC 7515 §2), as tokens are written.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encodes without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url (the engine refuses padding and stray pad bits);
/// `None` for anything else. The test kit only decodes text it wrote or vectors it reads.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_only() {
        assert_eq!(encode(b"A"), "QQ");
        assert_eq!(decode("QQ"), Some(b"A".to_vec()));
        assert_eq!(decode("QQ=="), None);
        assert_eq!(decode("QR"), None);
        assert_eq!(decode("+/+/"), None);
    }
}
