//! `application/x-www-form-urlencoded` request bodies (RFC 6749 Appendix B), strictly.
//!
//! `+` is a space and `%XX` a byte; anything else malformed (a stray `%`, a bad hex digit,
//! bytes that are not UTF-8) refuses the whole body. RFC 6749 §3.2: parameters sent without a
//! value are treated as omitted, and no parameter may appear more than once — a repeated
//! name refuses the request, whatever its values. The exceptions are [`MULTI_VALUED`]
//! (`resource`, RFC 8707 §2; `audience`, RFC 8693 §2.1), which may legitimately be repeated:
//! the form records that they were, and the endpoint answers `invalid_target` (it issues for
//! one target at a time). Empty `&&` segments are skipped, as browsers
//! and most clients tolerate them. Caps bound the work before any decoding.

use std::collections::BTreeMap;

/// Largest form body accepted, in bytes.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// Most parameters accepted in one form body.
pub const MAX_FORM_PARAMETERS: usize = 64;

/// Why a form body is refused (log-safe text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormError(pub String);

/// Parameters a request may repeat (RFC 8707 §2, RFC 8693 §2.1).
pub const MULTI_VALUED: &[&str] = &["resource", "audience"];

/// The parameters of a form body, each present once with a non-empty value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    params: BTreeMap<String, String>,
    repeated: Vec<String>,
}

impl Form {
    /// The value of `name`, if sent with a value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    // Used only outside the component (host, fuzz crate, tests), through `internals`.
    #[cfg(any(test, feature = "internals"))]
    /// Whether `name` was sent with a value.
    pub fn has(&self, name: &str) -> bool {
        self.params.contains_key(name)
    }

    /// Whether `name` (one of [`MULTI_VALUED`]) was sent more than once; [`Form::get`] then
    /// has its first value.
    pub fn is_repeated(&self, name: &str) -> bool {
        self.repeated.iter().any(|n| n == name)
    }

    // Used only outside the component (host, fuzz crate, tests), through `internals`.
    #[cfg(any(test, feature = "internals"))]
    /// Parameter names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.keys().map(String::as_str)
    }
}

/// Decodes one form component (`+` → space, `%XX` → byte) into UTF-8 text.
pub fn decode_component(text: &str) -> Result<String, FormError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .filter(|_| {
                        bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit()
                    })
                    .ok_or_else(|| FormError("a percent escape is not %XX".into()))?;
                out.push(hex);
                i += 2;
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| FormError("a decoded value is not UTF-8".into()))
}

/// Parses a form body.
pub fn parse(body: &[u8]) -> Result<Form, FormError> {
    if body.len() > MAX_FORM_BYTES {
        return Err(FormError(format!(
            "the body is {} bytes; the limit is {MAX_FORM_BYTES}",
            body.len()
        )));
    }
    let text = std::str::from_utf8(body).map_err(|_| FormError("the body is not UTF-8".into()))?;
    let mut seen: Vec<String> = Vec::new();
    let mut params = BTreeMap::new();
    let mut repeated = Vec::new();
    for segment in text.split('&').filter(|s| !s.is_empty()) {
        if seen.len() == MAX_FORM_PARAMETERS {
            return Err(FormError(format!(
                "more than {MAX_FORM_PARAMETERS} parameters"
            )));
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        let name = decode_component(name)?;
        let value = decode_component(value)?;
        if seen.contains(&name) && MULTI_VALUED.contains(&name.as_str()) {
            if !params.contains_key(&name) && !value.is_empty() {
                params.insert(name.clone(), value);
            }
            if !repeated.contains(&name) {
                repeated.push(name);
            }
            continue;
        }
        if seen.contains(&name) {
            return Err(FormError(format!(
                "parameter \"{}\" is repeated",
                crate::error::escape_for_log(&name, 40)
            )));
        }
        seen.push(name.clone());
        if !value.is_empty() {
            params.insert(name, value);
        }
    }
    Ok(Form { params, repeated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let form = parse(b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&scope=chat.read+chat.history").unwrap();
        assert_eq!(
            form.get("grant_type"),
            Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
        );
        assert_eq!(form.get("scope"), Some("chat.read chat.history"));
        assert_eq!(decode_component("caf%C3%A9").unwrap(), "café");
    }

    #[test]
    fn rfc6749_3_2_empty_values_are_omitted_and_repeats_refused() {
        let form = parse(b"a=&b=1&&c").unwrap();
        assert!(!form.has("a"));
        assert!(!form.has("c"));
        assert_eq!(form.get("b"), Some("1"));
        assert!(parse(b"a=1&a=2").is_err());
        assert!(parse(b"a=1&a=").is_err());
        assert!(
            parse(b"a=1&%61=2").is_err(),
            "an encoded repeat is a repeat"
        );
    }

    #[test]
    fn resource_and_audience_may_repeat_and_say_so() {
        let form = parse(b"resource=r1&audience=a&resource=r2&grant_type=g").unwrap();
        assert!(form.is_repeated("resource"));
        assert!(!form.is_repeated("audience"));
        assert_eq!(form.get("resource"), Some("r1"));
        assert!(parse(b"resource=r1&%72esource=r2")
            .unwrap()
            .is_repeated("resource"));
        assert!(parse(b"scope=a&scope=b").is_err());
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for bad in [
            &b"a=%"[..],
            b"a=%4",
            b"a=%zz",
            b"a=%ff",
            b"a=\xff",
            b"a=%+1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(parse(&vec![b'a'; MAX_FORM_BYTES + 1]).is_err());
        let many: String = (0..=MAX_FORM_PARAMETERS)
            .map(|i| format!("p{i}=1&"))
            .collect();
        assert!(parse(many.as_bytes()).is_err());
    }
}
