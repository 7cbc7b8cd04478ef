//! Strict JSON (RFC 8259) for headers, claims sets and JWK Sets.
//!
//! serde_json does the lexing (UTF-8, escapes, lone surrogates, control characters, trailing
//! garbage are all errors there); this module adds what JOSE needs and serde_json's `Value`
//! does not do: duplicate member names are rejected, never first- or last-wins (RFC 7515 §4,
//! security.md S18, S19), and nesting is capped (S20) so hostile depth cannot exhaust the
//! small wasm stack.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::limits::MAX_JSON_DEPTH;

/// A parsed JSON value. Objects are maps: duplicates never get this far.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number.
    Number(Number),
    /// A string (already unescaped).
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object with unique member names.
    Object(BTreeMap<String, Json>),
}

/// A JSON number as serde_json read it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A non-negative integer that fits in u64.
    Unsigned(u64),
    /// A negative integer that fits in i64.
    Signed(i64),
    /// Anything else: fractions, exponents, integers beyond 64 bits.
    Float(f64),
}

/// Why a document is not acceptable JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Invalid JSON, or a duplicate member name.
    Syntax(String),
    /// Nesting deeper than [`MAX_JSON_DEPTH`].
    TooDeep,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax(msg) => write!(f, "invalid JSON: {msg}"),
            JsonError::TooDeep => write!(f, "JSON nesting deeper than {MAX_JSON_DEPTH}"),
        }
    }
}

const TOO_DEEP: &str = "\u{0}xaa:too-deep";

/// Parses one complete JSON document strictly.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Seed { depth: 0 }.deserialize(&mut de).map_err(classify)?;
    de.end().map_err(classify)?;
    Ok(value)
}

/// Parses bytes that must be UTF-8 JSON (RFC 8725 §3.7).
pub fn parse_bytes(bytes: &[u8]) -> Result<Json, JsonError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| JsonError::Syntax("not valid UTF-8".into()))?;
    parse(text)
}

fn classify(err: serde_json::Error) -> JsonError {
    let msg = err.to_string();
    if msg.contains(TOO_DEEP) || msg.starts_with("recursion limit exceeded") {
        JsonError::TooDeep
    } else {
        JsonError::Syntax(msg)
    }
}

struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor { depth: self.depth })
    }
}

struct JsonVisitor {
    depth: usize,
}

impl JsonVisitor {
    fn nested<E: de::Error>(&self) -> Result<usize, E> {
        let next = self.depth + 1;
        if next > MAX_JSON_DEPTH {
            Err(E::custom(TOO_DEEP))
        } else {
            Ok(next)
        }
    }
}

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(Number::Unsigned(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(if v >= 0 {
            Number::Unsigned(v as u64)
        } else {
            Number::Signed(v)
        }))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Number(Number::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let depth = self.nested()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Seed { depth })? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let depth = self.nested()?;
        let mut members = BTreeMap::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                return Err(de::Error::custom(format_args!(
                    "duplicate member {}",
                    crate::error::escape_for_log(&name, 64)
                )));
            }
            let value = map.next_value_seed(Seed { depth })?;
            members.insert(name, value);
        }
        Ok(Json::Object(members))
    }
}

impl Json {
    /// The members of an object, or `None`.
    pub fn as_object(&self) -> Option<&BTreeMap<String, Json>> {
        match self {
            Json::Object(members) => Some(members),
            _ => None,
        }
    }
    /// The string, or `None`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }
    /// A short name of the JSON type, for log-safe details.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s18_duplicate_members_are_rejected() {
        let err = parse(r#"{"alg":"ES256","alg":"none"}"#).unwrap_err();
        assert!(matches!(err, JsonError::Syntax(m) if m.contains("duplicate")));
    }

    #[test]
    fn duplicate_members_are_rejected_when_nested() {
        assert!(parse(r#"{"a":{"b":1,"b":2}}"#).is_err());
        assert!(parse(r#"{"a":{"b":1,"c":2}}"#).is_ok());
    }

    #[test]
    fn s20_deep_nesting_is_too_deep() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(parse(&deep), Err(JsonError::TooDeep));
        let ok = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert!(parse(&ok).is_ok());
        let over = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(parse(&over), Err(JsonError::TooDeep));
    }

    #[test]
    fn strictness() {
        for bad in [
            "{\"a\":1,}",
            "{'a':1}",
            "{\"a\":1} x",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\u{1}\"}",
            "",
            "{\"a\":01}",
            "{\"a\":NaN}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(parse_bytes(b"{\"a\":\"\xff\"}").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(
            parse("1300819380").unwrap(),
            Json::Number(Number::Unsigned(1300819380))
        );
        assert_eq!(parse("-1").unwrap(), Json::Number(Number::Signed(-1)));
        assert_eq!(parse("1.5").unwrap(), Json::Number(Number::Float(1.5)));
        assert!(matches!(
            parse("1e400"),
            Ok(Json::Number(Number::Float(_))) | Err(_)
        ));
    }
}
