//! The JWS Compact Serialization (RFC 7515 §7.1), split strictly.
//!
//! Exactly three base64url segments of ASCII, size-capped before any decoding, with no
//! allocation proportional to the number of dots (security.md S01–S15; CVE-2025-30204).

use crate::base64url;
use crate::error::{Code, Rejection};
use crate::limits::MAX_TOKEN_BYTES;

/// A token split into its parts; nothing in it is trusted yet.
#[derive(Debug)]
pub struct UntrustedJws<'a> {
    /// The exact received bytes that were signed: `segment0 "." segment1`.
    pub signing_input: &'a str,
    /// Decoded protected header bytes.
    pub header: Vec<u8>,
    /// Decoded payload bytes.
    pub payload: Vec<u8>,
    /// Decoded signature bytes.
    pub signature: Vec<u8>,
}

/// Splits and decodes a compact JWS.
pub fn split(token: &str) -> Result<UntrustedJws<'_>, Rejection> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Rejection::new(
            Code::LimitExceeded,
            format!(
                "token is {} bytes; the limit is {MAX_TOKEN_BYTES}",
                token.len()
            ),
        ));
    }
    if token.is_empty() {
        return Err(Rejection::new(Code::Malformed, "empty token"));
    }
    if !token.is_ascii() {
        return Err(Rejection::new(
            Code::Malformed,
            "token contains non-ASCII bytes",
        ));
    }
    let mut dots = token.match_indices('.').map(|(i, _)| i);
    let (first, second) = match (dots.next(), dots.next(), dots.next()) {
        (Some(a), Some(b), None) => (a, b),
        (_, _, Some(_)) => {
            return Err(Rejection::new(
                Code::Malformed,
                "more than three segments (JWE or trailing data)",
            ))
        }
        _ => return Err(Rejection::new(Code::Malformed, "fewer than three segments")),
    };
    let (h, p, s) = (
        &token[..first],
        &token[first + 1..second],
        &token[second + 1..],
    );
    if h.is_empty() || p.is_empty() {
        return Err(Rejection::new(
            Code::Malformed,
            "empty header or payload segment",
        ));
    }
    let decode = |segment: &str, what: &str| {
        base64url::decode(segment).ok_or_else(|| {
            Rejection::new(
                Code::Malformed,
                format!("{what} segment is not canonical unpadded base64url"),
            )
        })
    };
    Ok(UntrustedJws {
        signing_input: &token[..second],
        header: decode(h, "header")?,
        payload: decode(p, "payload")?,
        signature: decode(s, "signature")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(token: &str) -> Code {
        split(token).unwrap_err().code
    }

    #[test]
    fn segment_rules() {
        assert_eq!(code(""), Code::Malformed);
        assert_eq!(code("e30.e30"), Code::Malformed);
        assert_eq!(code("e30.e30.."), Code::Malformed);
        assert_eq!(code("e30.e30.AA.AA.AA"), Code::Malformed);
        assert_eq!(code(".e30.AA"), Code::Malformed);
        assert_eq!(code("e30..AA"), Code::Malformed);
        assert_eq!(code("e30.e30.A="), Code::Malformed);
        assert_eq!(code("e30.e30 .AA"), Code::Malformed);
        assert_eq!(code("e30.e30.é"), Code::Malformed);
        let jws = split("e30.e30.").unwrap();
        assert_eq!(jws.signing_input, "e30.e30");
        assert!(jws.signature.is_empty());
    }

    #[test]
    fn s07_dot_flood_is_rejected_by_size_or_shape() {
        assert_eq!(code(&".".repeat(1 << 20)), Code::LimitExceeded);
        assert_eq!(code(&".".repeat(4000)), Code::Malformed);
    }
}
