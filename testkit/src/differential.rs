//! The differential corpus (`tests/vectors/differential.json`, format `xaa-differential/1`),
//! derived from the conformance suite: every suite step whose input is an ID-JAG or an access
//! token becomes one case that `scripts/differential` hands to strict JWT libraries (PyJWT,
//! joserfc, panva/jose). Its `ours` is the suite case's hand-written expected verdict, never
//! a verdict computed by the component.
//!
//! A case's profile (what a peer is configured with) is read from the case's configuration,
//! the TOML and files the test kit's fixtures wrote: the trusted issuer the token names (or
//! the first one), its JWK Set and algorithms, the audience, leeway, maximum age, required
//! claims, the presenting client and the served resources. A step whose configuration uses a
//! setting no JWT library has an option for (or leaves a limit to the component's default)
//! is skipped, and [`Differential::skipped`] says which and why.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use xaa_vectors::{Case, ConfigFiles, Expect, Input, Suite};

use crate::base64url;

/// The corpus format identifier (the peers check it).
pub const FORMAT: &str = "xaa-differential/1";

/// The claims every ID-JAG must carry (ID-JAG §3, MCP-EMA §7.6.2 for `resource`).
const ID_JAG_CLAIMS: [&str; 8] = [
    "iss",
    "sub",
    "aud",
    "client_id",
    "jti",
    "exp",
    "iat",
    "resource",
];
/// The claims every RFC 9068 access token must carry (RFC 9068 §2.2).
const ACCESS_TOKEN_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "client_id", "jti", "exp", "iat"];

/// The `[authorization_server]` members a peer's options express; any other member makes
/// the configuration one no JWT library can reproduce.
const AS_MEMBERS: [&str; 4] = ["issuer", "resources", "max_assertion_lifetime", "leeway"];
/// The `[[trusted_issuers]]` members a peer's options express.
const ISSUER_MEMBERS: [&str; 3] = ["issuer", "jwks_file", "algorithms"];
/// The `[resource_server]` members a peer's options express (the metadata URL only names
/// where the resource's metadata lives).
const RS_MEMBERS: [&str; 6] = [
    "resource",
    "issuer",
    "jwks_file",
    "algorithms",
    "leeway",
    "resource_metadata_url",
];

/// The corpus, and the suite steps left out of it.
pub struct Differential {
    /// The corpus as the committed file holds it: pretty JSON and a final newline.
    pub text: String,
    /// How many token cases it holds.
    pub cases: usize,
    /// Suite case id → why its token steps are not in the corpus.
    pub skipped: BTreeMap<String, String>,
}

/// The differential corpus of `suite`, deterministically.
pub fn differential(suite: &Suite) -> Result<Differential, String> {
    let mut categories = Map::new();
    let mut profiles = Map::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new(); // profile text → its name
    let mut cases = Vec::new();
    let mut skipped = BTreeMap::new();
    for case in &suite.cases {
        for (index, step) in case.steps.iter().enumerate() {
            let (kind, token, client_id) = match &step.input {
                Input::IdJag { token, client_id } => ("id-jag", token, Some(client_id.as_str())),
                Input::AccessToken { token } => ("access-token", token, None),
                _ => continue,
            };
            let Expect::Verdict { verdict } = &step.expect else {
                return Err(format!("case {}: a token step without a verdict", case.id));
            };
            let files = suite
                .configs
                .get(&case.config)
                .ok_or_else(|| format!("case {}: unknown config {}", case.id, case.config))?;
            let mut profile = match profile(kind, files, client_id, token) {
                Ok(profile) => profile,
                Err(reason) => {
                    skipped.insert(case.id.clone(), format!("config {}: {reason}", case.config));
                    continue;
                }
            };
            if let Some(now) = case.now.filter(|now| *now != suite.now) {
                profile["now"] = json!(now);
            }
            let name = profile_name(case, kind, &profile, &mut names, &mut profiles)?;
            let category = category(&case.section);
            categories
                .entry(category.clone())
                .or_insert_with(|| json!(format!("suite cases of {}", case.section)));
            cases.push(json!({
                "id": format!("{}#{}", case.id, index + 1),
                "category": category,
                "profile": name,
                "catalog": case.rule,
                "mutation": case.title,
                "token": token,
                "ours": verdict,
            }));
        }
    }
    let count = cases.len();
    let corpus = json!({
        "format": FORMAT,
        "description": "Differential corpus for xaa_token.wasm, derived from the conformance suite \
            (tests/vectors/conformance/suite.json): each case is one ID-JAG or access-token step of \
            a suite case (id `<case>#<step>`), the name of the verification profile a strict peer \
            must use for it (`profiles`: read from the case's configuration — the public JWK Set, \
            issuer, audience, required typ, allowed algorithms, leeway, maximum age, required \
            claims; `now` when the case pins its own clock), and `ours`: the suite case's \
            hand-written expected verdict (`valid` or the rejection code). scripts/differential \
            compares it with PyJWT, joserfc and panva/jose.",
        "generator": "testkit/src/differential.rs (xaa-suite generate)",
        "now": suite.now,
        "categories": categories,
        "profiles": profiles,
        "cases": cases,
    });
    let text = serde_json::to_string_pretty(&corpus)
        .map(|text| text + "\n")
        .map_err(|e| format!("encoding the differential corpus: {e}"))?;
    Ok(Differential {
        text,
        cases: count,
        skipped,
    })
}

/// The category of a suite section: its parenthesised name (`security.md §1 S (structure)`
/// → `structure`), or the whole section.
fn category(section: &str) -> String {
    section
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(section)
        .to_owned()
}

/// The name of `profile`: the one it already has, or `<kind>@<config>`, followed when that
/// name is taken by what sets it apart from that first profile (issuer, client, clock).
fn profile_name(
    case: &Case,
    kind: &str,
    profile: &Value,
    names: &mut BTreeMap<String, String>,
    profiles: &mut Map<String, Value>,
) -> Result<String, String> {
    let text = profile.to_string();
    if let Some(name) = names.get(&text) {
        return Ok(name.clone());
    }
    let mut name = format!("{kind}@{}", case.config);
    if let Some(first) = profiles.get(&name) {
        for member in ["issuer", "client_id", "now"] {
            let value = &profile[member];
            if *value != first[member] {
                let shown = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                name = format!("{name} {member}={shown}");
            }
        }
    }
    if profiles.contains_key(&name) {
        return Err(format!("case {}: two profiles named {name}", case.id));
    }
    profiles.insert(name.clone(), profile.clone());
    names.insert(text, name.clone());
    Ok(name)
}

/// The peers' options for a `kind` token presented under `config` (by `client_id` for an
/// ID-JAG); `Err` says why no JWT library's options express it.
fn profile(
    kind: &str,
    config: &ConfigFiles,
    client_id: Option<&str>,
    token: &str,
) -> Result<Value, String> {
    let tables = read_toml(&config.toml)?;
    let jwks = |file: &Value| -> Result<Value, String> {
        let name = file.as_str().ok_or("a jwks_file that is not a string")?;
        let text = config
            .files
            .get(name)
            .ok_or_else(|| format!("no file {name}"))?;
        serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))
    };
    let side = if let Some(client_id) = client_id {
        let server = only(&tables, "authorization_server", &AS_MEMBERS)?;
        let issuers = all(&tables, "trusted_issuers", &ISSUER_MEMBERS)?;
        // The trusted issuer the token names, when it names one; else the first.
        let named = claim(token, "iss");
        let signer = issuers
            .iter()
            .find(|i| named.is_some() && i.get("issuer") == named.as_ref())
            .or_else(|| issuers.first())
            .ok_or("no trusted issuer")?;
        Side {
            signer,
            audience: member(server, "issuer")?,
            leeway: member(server, "leeway")?,
            max_token_age: member(server, "max_assertion_lifetime")?.clone(),
            typ: "oauth-id-jag+jwt",
            required_claims: &ID_JAG_CLAIMS,
            client_id: json!(client_id),
            resources: member(server, "resources")?.clone(),
        }
    } else {
        let server = only(&tables, "resource_server", &RS_MEMBERS)?;
        Side {
            signer: server,
            audience: member(server, "resource")?,
            leeway: member(server, "leeway")?,
            max_token_age: Value::Null,
            typ: "at+jwt",
            required_claims: &ACCESS_TOKEN_CLAIMS,
            client_id: Value::Null,
            resources: Value::Null,
        }
    };
    Ok(json!({
        "kind": kind,
        "issuer": member(side.signer, "issuer")?,
        "audience": side.audience,
        "typ": side.typ,
        "algorithms": member(side.signer, "algorithms")?,
        "leeway": side.leeway,
        "max_token_age": side.max_token_age,
        "required_claims": side.required_claims,
        "client_id": side.client_id,
        "resources": side.resources,
        "jwks": jwks(member(side.signer, "jwks_file")?)?,
    }))
}

/// What a profile takes from the validator a token meets: `signer` is the table naming the
/// token's issuer, its algorithms and JWK Set file (a trusted issuer, or the resource
/// server's own).
struct Side<'a> {
    signer: &'a BTreeMap<String, Value>,
    audience: &'a Value,
    leeway: &'a Value,
    max_token_age: Value,
    typ: &'static str,
    required_claims: &'static [&'static str],
    client_id: Value,
    resources: Value,
}

/// A string claim of the token's payload, if it has a readable one.
fn claim(token: &str, name: &str) -> Option<Value> {
    let payload = base64url::decode(token.split('.').nth(1)?)?;
    let claims: Value = serde_json::from_slice(&payload).ok()?;
    claims.get(name).filter(|v| v.is_string()).cloned()
}

/// One table of a configuration: its name and members.
type Table = (String, BTreeMap<String, Value>);

/// The one table `name`, whose members must all be `known`.
fn only<'a>(
    tables: &'a [Table],
    name: &str,
    known: &[&str],
) -> Result<&'a BTreeMap<String, Value>, String> {
    match all(tables, name, known)?.as_slice() {
        [table] => Ok(table),
        _ => Err(format!("not exactly one [{name}]")),
    }
}

/// Every table `name`, whose members must all be `known`.
fn all<'a>(
    tables: &'a [Table],
    name: &str,
    known: &[&str],
) -> Result<Vec<&'a BTreeMap<String, Value>>, String> {
    let found: Vec<_> = tables
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, members)| members)
        .collect();
    for members in &found {
        if let Some(key) = members.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!("{name}.{key} has no JWT-library option"));
        }
    }
    Ok(found)
}

/// A member the profile needs: absent means the component's default, which the profile does
/// not guess.
fn member<'a>(table: &'a BTreeMap<String, Value>, key: &str) -> Result<&'a Value, String> {
    table
        .get(key)
        .ok_or_else(|| format!("{key} left to the component's default"))
}

/// Reads the TOML the fixtures write: `[table]` and `[[array-table]]` headers and one-line
/// `key = value` members whose value is a string without escapes, an integer, a boolean or
/// an array of such strings. Anything else is an error (its cases are skipped).
fn read_toml(text: &str) -> Result<Vec<Table>, String> {
    let mut tables: Vec<Table> = vec![(String::new(), BTreeMap::new())];
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let header = line.strip_prefix('[').and_then(|l| l.strip_suffix(']'));
        if let Some(header) = header {
            let name = header
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'))
                .unwrap_or(header);
            tables.push((name.to_owned(), BTreeMap::new()));
            continue;
        }
        let (key, value) = line
            .split_once(" = ")
            .ok_or_else(|| format!("unread TOML line {line:?}"))?;
        let value = read_value(value).ok_or_else(|| format!("unread TOML value {line:?}"))?;
        if let Some((_, members)) = tables.last_mut() {
            members.insert(key.to_owned(), value);
        }
    }
    Ok(tables)
}

/// One value of [`read_toml`]'s subset.
fn read_value(text: &str) -> Option<Value> {
    if let Some(items) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        if items.trim().is_empty() {
            return Some(json!([]));
        }
        let items: Option<Vec<String>> = items.split(", ").map(read_string).collect();
        return items.map(|items| json!(items));
    }
    read_string(text)
        .map(Value::from)
        .or_else(|| text.parse::<i64>().ok().map(Value::from))
        .or_else(|| text.parse::<bool>().ok().map(Value::from))
}

/// A basic string without escapes.
fn read_string(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains(['"', '\\'])).then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::suite;
    use crate::fixtures::CLIENT;

    #[test]
    fn the_validator_profiles_are_the_fixtures() {
        let suite = suite().unwrap_or_else(|e| panic!("{e}"));
        let corpus = differential(&suite).unwrap_or_else(|e| panic!("{e}"));
        let corpus: Value = serde_json::from_str(&corpus.text).unwrap_or_else(|e| panic!("{e}"));
        let id_jag = &corpus["profiles"]["id-jag@validator"];
        assert_eq!(id_jag["issuer"], crate::fixtures::IDP_ISSUER);
        assert_eq!(id_jag["audience"], crate::fixtures::AS_ISSUER);
        assert_eq!(id_jag["client_id"], CLIENT);
        assert_eq!(id_jag["jwks"], crate::fixtures::idp_jwks());
        let at = &corpus["profiles"]["access-token@validator"];
        assert_eq!(at["audience"], crate::fixtures::RESOURCE);
        assert_eq!(at["jwks"], crate::fixtures::as_jwks());
    }

    #[test]
    fn unexpressible_settings_are_refused() {
        let tables = read_toml("[resource_server]\nresource_root_slash_equivalence = true\n")
            .unwrap_or_default();
        assert!(only(&tables, "resource_server", &RS_MEMBERS).is_err());
        assert!(read_toml("key = \"a\\\"b\"").is_err());
        assert_eq!(read_value("[\"a\", \"b\"]"), Some(json!(["a", "b"])));
    }
}
