//! The JOSE protected header (RFC 7515 §4) and this profile's policy over it.
//!
//! Only `alg`, `typ` and `kid` are understood; `x5t`/`x5t#S256` are tolerated as hints and
//! never used (K04). Parameters that would make the token carry its own key, point at a
//! key, change how the payload is read, or belong to JWE are refused (K01–K03, H01–H07,
//! A11, S05), `crit` in every form included, since no extension is supported.

use crate::error::{escape_for_log, Code, Rejection};
use crate::json::{self, Json, JsonError};
use crate::limits::MAX_KID_BYTES;

/// A JWS algorithm this component verifies. The name comparison is exact (A02).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Alg {
    /// ECDSA P-256 with SHA-256, raw `r || s` signatures.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256, 32-byte salt.
    Ps256,
}

impl Alg {
    /// Every supported algorithm.
    pub const ALL: [Alg; 3] = [Alg::Es256, Alg::Rs256, Alg::Ps256];

    /// Exact, case-sensitive lookup of a JWA name.
    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "ES256" => Some(Alg::Es256),
            "RS256" => Some(Alg::Rs256),
            "PS256" => Some(Alg::Ps256),
            _ => None,
        }
    }

    /// The JWA name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
            Alg::Ps256 => "PS256",
        }
    }
}

/// Header parameters that are refused outright.
const FORBIDDEN: &[&str] = &[
    "jwk", "jku", "x5u", "x5c", "crit", "b64", "zip", "cty", "enc", "epk", "apu", "apv", "iv",
    "tag", "p2s", "p2c",
];

/// A header whose structure passed; its `alg` is not yet checked against any allow-list.
#[derive(Clone, Debug)]
pub struct Header {
    /// `alg` as received (a string).
    pub alg: String,
    /// `typ`, if present.
    pub typ: Option<String>,
    /// `kid`, if present.
    pub kid: Option<String>,
}

/// Parses the decoded header bytes and applies the structural policy.
pub fn parse(bytes: &[u8]) -> Result<Header, Rejection> {
    let value = json::parse_bytes(bytes).map_err(|e| match e {
        JsonError::TooDeep => Rejection::new(Code::LimitExceeded, format!("header: {e}")),
        JsonError::Syntax(_) => Rejection::new(Code::Malformed, format!("header: {e}")),
    })?;
    let members = value
        .as_object()
        .ok_or_else(|| Rejection::new(Code::Malformed, "header is not a JSON object"))?;
    for name in FORBIDDEN {
        if members.contains_key(*name) {
            return Err(Rejection::new(
                Code::HeaderForbidden,
                format!("header parameter {name:?} is not accepted"),
            ));
        }
    }
    let string_member = |name: &str| -> Result<Option<String>, Rejection> {
        match members.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(Rejection::new(
                Code::Malformed,
                format!("header {name:?} is a {}, not a string", other.type_name()),
            )),
        }
    };
    let alg = string_member("alg")?
        .ok_or_else(|| Rejection::new(Code::Malformed, "header has no \"alg\""))?;
    let typ = string_member("typ")?;
    let kid = string_member("kid")?;
    if let Some(kid) = &kid {
        if kid.len() > MAX_KID_BYTES {
            return Err(Rejection::new(
                Code::LimitExceeded,
                format!("kid is {} bytes; the limit is {MAX_KID_BYTES}", kid.len()),
            ));
        }
    }
    Ok(Header { alg, typ, kid })
}

impl Header {
    /// Checks the explicit type (RFC 8725 §3.11) with RFC 7515 §4.1.9 semantics: ASCII
    /// case-insensitive, `application/` optional. `expected` is the short form.
    pub fn check_typ(&self, expected: &str) -> Result<(), Rejection> {
        match &self.typ {
            None => Err(Rejection::new(
                Code::TypMismatch,
                format!("header has no \"typ\"; expected {expected:?}"),
            )),
            Some(typ) if typ_matches(typ, expected) => Ok(()),
            Some(typ) => Err(Rejection::new(
                Code::TypMismatch,
                format!("typ \"{}\" is not {expected:?}", escape_for_log(typ, 64)),
            )),
        }
    }

    /// Checks `alg` against an allow-list, exactly (A01–A05, A10, A11).
    pub fn check_alg(&self, allowed: &[Alg]) -> Result<Alg, Rejection> {
        match Alg::from_name(&self.alg) {
            Some(alg) if allowed.contains(&alg) => Ok(alg),
            _ => Err(Rejection::new(
                Code::AlgNotAllowed,
                format!(
                    "alg \"{}\" is not allowed here",
                    escape_for_log(&self.alg, 32)
                ),
            )),
        }
    }
}

/// RFC 7515 §4.1.9 media-type comparison of a `typ` value against a short form.
pub fn typ_matches(typ: &str, expected: &str) -> bool {
    const PREFIX: &str = "application/";
    // `get` rather than indexing: the 12th byte of untrusted text need not be a char
    // boundary (found by the `compact_header` fuzz target; FUZZING.md).
    let short = match (typ.get(..PREFIX.len()), typ.get(PREFIX.len()..)) {
        (Some(head), Some(rest)) if !rest.is_empty() && head.eq_ignore_ascii_case(PREFIX) => rest,
        _ => typ,
    };
    short.eq_ignore_ascii_case(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typ_semantics() {
        assert!(typ_matches("at+jwt", "at+jwt"));
        assert!(typ_matches("application/at+jwt", "at+jwt"));
        assert!(typ_matches("Application/AT+JWT", "at+jwt"));
        assert!(typ_matches("OAUTH-ID-JAG+JWT", "oauth-id-jag+jwt"));
        assert!(!typ_matches("JWT", "at+jwt"));
        assert!(!typ_matches("at+jwt; charset=utf-8", "at+jwt"));
        assert!(!typ_matches("application/", "at+jwt"));
        assert!(!typ_matches("text/at+jwt", "at+jwt"));
        assert!(!typ_matches("application/application/at+jwt", "at+jwt"));
        // Multi-byte characters across the prefix boundary: no panic, no match.
        assert!(!typ_matches("aaaaaaaaaaé", "at+jwt"));
        assert!(!typ_matches("aaaaaaaaaaaé\"", "at+jwt"));
        assert!(!typ_matches("applicationé/at+jwt", "at+jwt"));
        assert!(!typ_matches("ééééééé", "oauth-id-jag+jwt"));
    }

    #[test]
    fn forbidden_and_typed_members() {
        let code = |h: &str| parse(h.as_bytes()).unwrap_err().code;
        assert_eq!(code(r#"{"alg":"ES256","jwk":{}}"#), Code::HeaderForbidden);
        assert_eq!(code(r#"{"alg":"ES256","crit":[]}"#), Code::HeaderForbidden);
        assert_eq!(code(r#"{"alg":["ES256"]}"#), Code::Malformed);
        assert_eq!(code(r#"{"typ":"at+jwt"}"#), Code::Malformed);
        assert_eq!(code(r#"{"alg":"ES256","kid":7}"#), Code::Malformed);
        assert_eq!(code(r#"[]"#), Code::Malformed);
        let long = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, "k".repeat(257));
        assert_eq!(code(&long), Code::LimitExceeded);
        let h = parse(br#"{"alg":"ES256","x5t":"abc","typ":"at+jwt"}"#).unwrap();
        assert_eq!(h.check_alg(&[Alg::Es256]).unwrap(), Alg::Es256);
        assert_eq!(
            h.check_alg(&[Alg::Rs256]).unwrap_err().code,
            Code::AlgNotAllowed
        );
    }
}
