//! JSON in the serde shape of the host bindings, read strictly: the text must be exactly
//! what serializing the value back gives (no unknown field, no missing one, no field
//! spelled in another case), so a typo in a configuration is an error, never ignored.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// `value` as a `T`, or why it is not exactly one. The reason quotes no string of the
/// input: an argument may be a token or a secret, and messages end up in logs.
pub(crate) fn read<T: DeserializeOwned + Serialize>(value: Value) -> Result<T, String> {
    let typed: T =
        serde_json::from_value(value.clone()).map_err(|e| without_strings(&e.to_string()))?;
    let canonical = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match difference(&value, &canonical, "") {
        None => Ok(typed),
        Some(why) => Err(why),
    }
}

/// Where `given` first differs from `canonical`, for the error message.
fn difference(given: &Value, canonical: &Value, path: &str) -> Option<String> {
    let at = |p: &str| {
        if p.is_empty() {
            "(top)".to_owned()
        } else {
            p.to_owned()
        }
    };
    match (given, canonical) {
        (Value::Object(g), Value::Object(c)) => {
            if let Some(extra) = g.keys().find(|k| !c.contains_key(*k)) {
                return Some(format!("{}: unknown field `{extra}`", at(path)));
            }
            if let Some(missing) = c.keys().find(|k| !g.contains_key(*k)) {
                return Some(format!(
                    "{}: missing field `{missing}` (write null for none)",
                    at(path)
                ));
            }
            g.iter().find_map(|(k, v)| {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                canonical.get(k).and_then(|c| difference(v, c, &sub))
            })
        }
        (Value::Array(g), Value::Array(c)) if g.len() == c.len() => g
            .iter()
            .zip(c)
            .enumerate()
            .find_map(|(i, (g, c))| difference(g, c, &format!("{path}[{i}]"))),
        (g, c) if g == c => None,
        (g, c) => Some(without_strings(&format!("{}: {g} reads as {c}", at(path)))),
    }
}

/// `message` with the text of every double-quoted string, and of serde's "unknown variant
/// `...`", replaced by `…`.
pub(crate) fn without_strings(message: &str) -> String {
    const VARIANT: &str = "unknown variant `";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut quoted = false;
    while let Some(c) = rest.chars().next() {
        if !quoted && rest.starts_with(VARIANT) {
            out.push_str(VARIANT);
            rest = &rest[VARIANT.len()..];
            // Skip to the closing backtick (kept), or to the end.
            rest = rest.find('`').map_or("", |end| &rest[end..]);
            out.push('…');
            continue;
        }
        if c == '"' {
            if quoted {
                out.push('…');
            }
            quoted = !quoted;
            out.push(c);
        } else if !quoted {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}
