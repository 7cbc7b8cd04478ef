//! Strict base64url (RFC 4648 §5, RFC 7515 §2): URL-safe alphabet only, no padding, no
//! whitespace, canonical trailing bits (security.md S09, S10, S12, K22).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Whether every character is of the URL-safe alphabet (no padding, no whitespace).
pub fn is_alphabet(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Decodes strictly; `None` for any deviation.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    // The engine already refuses padding, non-canonical trailing bits and length ≡ 1 mod 4;
    // the explicit alphabet pass keeps that guarantee independent of engine defaults.
    if !is_alphabet(text) {
        return None;
    }
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Encodes without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rejects_non_canonical_forms() {
        assert_eq!(decode("QQ"), Some(b"A".to_vec()));
        assert_eq!(decode("QQ=="), None, "S09 padding");
        assert_eq!(decode("QR"), None, "non-zero trailing bits");
        assert_eq!(decode("Q"), None, "S12 length 1 mod 4");
        assert_eq!(decode("+/+/"), None, "S10 standard alphabet");
        assert_eq!(decode("QU E"), None, "S13 whitespace");
        assert_eq!(decode("QUE\n"), None, "S13 newline");
        assert_eq!(decode(""), Some(Vec::new()));
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(&encode(&bytes)), Some(bytes));
        }

        #[test]
        fn every_accepted_text_is_canonical(text in "[A-Za-z0-9_=+/ -]{0,12}") {
            if let Some(bytes) = decode(&text) {
                prop_assert_eq!(encode(&bytes), text);
            }
        }
    }
}
