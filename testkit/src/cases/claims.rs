//! Claims and protocol rules as validator vectors (kinds `id-jag` and `access-token`):
//!
//! - security.md §1 rows C (claims) and J (ID-JAG bindings);
//! - specs.md §3b (the resource authorization server validating an ID-JAG, the
//!   validator-level rules 3–14) and §3c (RFC 9068 at the resource server).
//!
//! Every case expects the specific rejection code, and carries a positive control — a step
//! (or a sibling case) that differs only in the attacked detail and expects `valid` — so it
//! fails if its rule were removed. The "validator" configuration has a 60 s leeway and a
//! 300 s maximum ID-JAG lifetime; time cases sit on those boundaries at the pinned clock,
//! or move the clock with [`Case::at`]. Each valid ID-JAG of a case gets its own `jti`, so
//! single use never interferes with the rule under test (one instance per case).
//!
//! Not expressible as vectors (a vector gives a token and expects a verdict; it cannot
//! inspect an issued token, refuse a configuration, or fault a host import):
//! - I01 (issuance ignores passthrough `iss`/`exp`/`aud`/`typ`/`kid`): the issued access
//!   token is not deterministic (random `jti`) and a vector only sees status and error.
//! - I02 (no RSA private-key operations): a design rule of the signer, not an input.
//! - I03 (empty, short, HMAC or trusted issuing key): a configuration refusal; a suite
//!   configuration that does not load fails the case instead of being its expectation.
//! - J02's third clause (ID-JAG `resource` ≠ the request's `resource` parameter) and §3b
//!   rules 1, 2, 15–20: HTTP level (the token endpoint), in `http.rs`.
//! - §3b rule 10's retention time and fail-closed store: the store's key and expiry are
//!   not observable and the store cannot be faulted; what is expressible (replay detected
//!   while the token is still valid only thanks to the leeway) is `3b-10-*`.
//! - §3c rule 7 (401 `invalid_token` with a `WWW-Authenticate` challenge) and the other
//!   HTTP-level §3c rules (9, 11–14): `http.rs` (`resource-http`); rule 2 (encrypted
//!   tokens) does not apply (no encryption is negotiated).

use serde_json::{json, Value};

use crate::fixtures::{
    configs as shared_configs, ec_jwk, keys, validator_toml, AS_ISSUER, CLIENT, IDP_ISSUER, NOW,
    OTHER_IDP, OTHER_RESOURCE, RESOURCE,
};
use crate::mint::{
    at_claims, at_header, id_jag_claims, id_jag_header, mint, mint_raw, Minted, Signer,
};
use crate::steps::MintedStep;
use xaa_vectors::{Case, ConfigFiles, Step};

const C: &str = "security.md §1 C (claims)";
const J: &str = "security.md §1 J (ID-JAG)";
const S3B: &str = "specs.md §3b (ID-JAG at the resource AS)";
const S3C: &str = "specs.md §3c (access token at the resource server)";

/// The "validator" configuration's leeway (both roles).
const LEEWAY: i64 = 60;
/// The "validator" configuration's maximum ID-JAG lifetime.
const MAX_LIFETIME: i64 = 300;

/// The trusted IdP's JWK Set marks `idp-ec` for encryption.
const ENC_KEY: &str = "claims-idp-enc-key";
/// The resource server is the root `https://mcp.example.com`, compared exactly.
const ROOT_STRICT: &str = "claims-root-strict";
/// The same root with RFC 9728 root-slash equivalence.
const ROOT_LENIENT: &str = "claims-root-slash-equivalence";
/// The path resource [`RESOURCE`] with root-slash equivalence switched on.
const PATH_LENIENT: &str = "claims-path-slash-equivalence";
/// A root resource.
const ROOT: &str = "https://mcp.example.com";

// ---------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------

/// The "validator" configuration with textual replacements, and its files plus `extra`.
fn validator_with(replace: &[(&str, &str)], extra: &[(&str, String)]) -> ConfigFiles {
    let mut toml = validator_toml();
    for (from, to) in replace {
        toml = toml.replace(from, to);
    }
    let mut files = shared_configs()
        .remove("validator")
        .map(|c| c.files)
        .unwrap_or_default();
    for (name, text) in extra {
        files.insert((*name).to_owned(), text.clone());
    }
    ConfigFiles { toml, files }
}

/// The `[resource_server]` line naming the resource, in the "validator" configuration.
fn rs_resource_line(resource: &str) -> String {
    format!("\nresource = \"{resource}\"\n")
}

/// Extra configurations these cases need (name, files), beyond the suite's shared ones.
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    let k = keys();
    let enc_jwks = json!({"keys": [
        ec_jwk(&k.idp_ec, "idp-ec", json!({"use": "enc"})),
        ec_jwk(&k.idp_ec2, "idp-ec-2", json!({"use": "sig"})),
    ]})
    .to_string();
    let path_line = rs_resource_line(RESOURCE);
    let root_line = rs_resource_line(ROOT);
    let slash = |line: &str| format!("{line}resource_root_slash_equivalence = true\n");
    vec![
        (
            ENC_KEY.to_owned(),
            validator_with(
                &[("jwks_file = \"idp.jwks\"", "jwks_file = \"idp-enc.jwks\"")],
                &[("idp-enc.jwks", enc_jwks)],
            ),
        ),
        (
            ROOT_STRICT.to_owned(),
            validator_with(&[(path_line.as_str(), root_line.as_str())], &[]),
        ),
        (
            ROOT_LENIENT.to_owned(),
            validator_with(&[(path_line.as_str(), slash(&root_line).as_str())], &[]),
        ),
        (
            PATH_LENIENT.to_owned(),
            validator_with(&[(path_line.as_str(), slash(&path_line).as_str())], &[]),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Building cases
// ---------------------------------------------------------------------------------------

/// A case under construction; hands out a fresh `jti` per ID-JAG.
struct Build {
    case: Case,
    seq: usize,
}

impl Build {
    fn new(id: &str, section: &str, rule: &str, config: &str, title: &str) -> Self {
        Build {
            case: Case::new(id, section, rule, config, title),
            seq: 0,
        }
    }

    /// The clock for this case.
    fn at(mut self, now: i64) -> Self {
        self.case = self.case.at(now);
        self
    }

    /// A fresh `jti`, unique within the suite.
    fn jti(&mut self) -> String {
        self.seq += 1;
        format!("{}-{}", self.case.id, self.seq)
    }

    /// Baseline ID-JAG claims (fresh `jti`) with `changes` merged (a `null` removes).
    fn jag_claims(&mut self, changes: Value) -> Value {
        let mut claims = id_jag_claims(&self.jti());
        merge_claims(&mut claims, changes);
        claims
    }

    /// A baseline ID-JAG with `changes`, under `header`, signed by `signer`.
    fn jag_token(&mut self, header: Value, changes: Value, signer: Signer<'_>) -> Minted {
        let claims = self.jag_claims(changes);
        mint(&header, &claims, signer)
    }

    /// A baseline ID-JAG with `changes` merged (a `null` removes), signed by idp-ec.
    fn jag_minted(&mut self, changes: Value) -> Minted {
        self.jag_token(id_jag_header(), changes, Signer::Es256(&keys().idp_ec))
    }

    /// Step: a baseline ID-JAG with `changes`, presented by [`CLIENT`].
    fn jag(mut self, changes: Value, expect: &str) -> Self {
        let minted = self.jag_minted(changes);
        self.jag_step(minted, expect)
    }

    /// Step: a baseline ID-JAG whose claim `name` is set to `value` verbatim (a `null`
    /// stays a JSON null).
    fn jag_set(mut self, name: &str, value: Value, expect: &str) -> Self {
        let mut claims = id_jag_claims(&self.jti());
        set_claim(&mut claims, name, value);
        let minted = mint(&id_jag_header(), &claims, Signer::Es256(&keys().idp_ec));
        self.jag_step(minted, expect)
    }

    /// Step: this token as an ID-JAG presented by [`CLIENT`].
    fn jag_step(self, minted: Minted, expect: &str) -> Self {
        self.jag_by(minted, CLIENT, expect)
    }

    /// Step: this token as an ID-JAG presented by `client`.
    fn jag_by(mut self, minted: Minted, client: &str, expect: &str) -> Self {
        self.case = self.case.step(Step::id_jag(minted, client, expect));
        self
    }

    /// Step: a baseline access token with `changes` merged (a `null` removes).
    fn access(self, changes: Value, expect: &str) -> Self {
        self.access_step(access_minted(changes), expect)
    }

    /// Step: a baseline access token whose claim `name` is set to `value` verbatim.
    fn access_set(self, name: &str, value: Value, expect: &str) -> Self {
        let mut claims = at_claims();
        set_claim(&mut claims, name, value);
        let minted = mint(&at_header(), &claims, Signer::Es256(&keys().as_ec));
        self.access_step(minted, expect)
    }

    /// Step: this token as an access token.
    fn access_step(mut self, minted: Minted, expect: &str) -> Self {
        self.case = self.case.step(Step::access_token(minted, expect));
        self
    }

    fn done(self) -> Case {
        self.case
    }
}

/// Merges `changes` into `claims` (a `null` member removes that claim).
fn merge_claims(claims: &mut Value, changes: Value) {
    crate::fixtures::merge(claims, changes);
}

/// Sets one claim verbatim.
fn set_claim(claims: &mut Value, name: &str, value: Value) {
    if let Value::Object(map) = claims {
        map.insert(name.to_owned(), value);
    }
}

/// A baseline access token with `changes` merged (a `null` removes), signed by as-ec.
fn access_minted(changes: Value) -> Minted {
    let mut claims = at_claims();
    merge_claims(&mut claims, changes);
    mint(&at_header(), &claims, Signer::Es256(&keys().as_ec))
}

/// A baseline access token under `header`, signed by `signer`.
fn access_signed(header: Value, signer: Signer<'_>) -> Minted {
    mint(&header, &at_claims(), signer)
}

/// An ID-JAG header with this `typ`, `alg` and `kid`.
fn jag_header(typ: &str, alg: &str, kid: &str) -> Value {
    json!({"typ": typ, "alg": alg, "kid": kid})
}

/// An access-token header with this `typ`, signed as as-ec.
fn at_typ(typ: &str) -> Value {
    json!({"typ": typ, "alg": "ES256", "kid": "as-ec"})
}

/// The three segments of a compact token (empty strings when it has fewer).
fn segments(token: &str) -> [String; 3] {
    let mut parts = token.split('.').map(str::to_owned);
    [
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    ]
}

/// Issuer look-alikes of `base` (`https://host`): trailing slash, upper-case host, default
/// port, `http`, a Cyrillic `о` for the first Latin `o`, a leading space.
fn lookalikes(base: &str) -> Vec<String> {
    let host = base.trim_start_matches("https://");
    vec![
        format!("{base}/"),
        format!("https://{}", host.to_ascii_uppercase()),
        format!("{base}:443"),
        format!("http://{host}"),
        format!("https://{}", host.replacen('o', "\u{43e}", 1)),
        format!(" {base}"),
    ]
}

/// Out-of-range or non-integral NumericDate values (C04).
fn hostile_dates() -> Vec<Value> {
    vec![
        json!(0),
        json!(-1),
        json!(-9_223_372_036_854_775_807_i64),
        json!(253_402_300_800_i64),
        json!(1e308),
        json!(9_223_372_036_854_775_807_i64),
        json!(18_446_744_073_709_551_615_u64),
    ]
}

/// Bad `sub` values (C20); `null` means absent.
fn bad_subs() -> Vec<Value> {
    vec![
        Value::Null,
        json!(""),
        json!(12345),
        json!(["U019488227"]),
        json!("U01\nadmin"),
        json!("U01\u{0}"),
        json!("U01\r\n"),
    ]
}

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    [c_rows(), j_rows(), rules_3b(), rules_3c()].concat()
}

// ---------------------------------------------------------------------------------------
// security.md §1 C: claims
// ---------------------------------------------------------------------------------------

fn c_rows() -> Vec<Case> {
    let mut cases = Vec::new();
    let v = "validator";

    // C01: exp missing.
    cases.push(Build::new("C01-a", C, "C01", v, "ID-JAG without exp is claim_invalid").jag(json!({"exp": null}), "claim_invalid").jag(json!({}), "valid").done());
    cases.push(Build::new("C01-b", C, "C01", v, "access token without exp is claim_invalid").access(json!({"exp": null}), "claim_invalid").access(json!({}), "valid").done());

    // C02: time claims as strings.
    let strings = [
        ("exp", (NOW + 290).to_string()),
        ("nbf", (NOW - 10).to_string()),
        ("iat", (NOW - 10).to_string()),
    ];
    let mut a = Build::new("C02-a", C, "C02", v, "ID-JAG exp, nbf or iat as a numeric string is claim_invalid (never read as absent)");
    for (name, value) in &strings {
        a = a.jag(json!({ (*name): value }), "claim_invalid");
    }
    cases.push(a.jag(json!({"nbf": NOW - 10}), "valid").jag(json!({}), "valid").done());
    let mut b = Build::new("C02-b", C, "C02", v, "access-token exp, nbf or iat as a numeric string is claim_invalid");
    for (name, value) in &strings {
        b = b.access(json!({ (*name): value }), "claim_invalid");
    }
    cases.push(b.access(json!({"nbf": NOW - 10}), "valid").access(json!({}), "valid").done());

    // C04: out-of-range NumericDates.
    let mut a = Build::new("C04-a", C, "C04", v, "ID-JAG exp/nbf/iat of 0, negative, > 9999-12-31, 1e308, i64::MAX or u64::MAX is claim_invalid, and the instance survives");
    let mut b = Build::new("C04-b", C, "C04", v, "access-token exp/nbf/iat out of range is claim_invalid; exp = 253402300799 (the maximum) is valid");
    for name in ["exp", "nbf", "iat"] {
        for value in hostile_dates() {
            a = a.jag(json!({ name: value.clone() }), "claim_invalid");
            b = b.access(json!({ name: value }), "claim_invalid");
        }
    }
    cases.push(a.jag(json!({}), "valid").done());
    let raw = format!(
        r#"{{"iss":"{AS_ISSUER}","sub":"s","aud":"{RESOURCE}","client_id":"{CLIENT}","jti":"r","iat":{},"exp":1e308}}"#,
        NOW - 10
    );
    let literal = mint_raw(&at_header().to_string(), &raw, Signer::Es256(&keys().as_ec));
    cases.push(b.access_step(literal, "claim_invalid").access(json!({"exp": 253_402_300_799_i64}), "valid").access(json!({}), "valid").done());

    // C05: exp of the wrong JSON type.
    let wrong = [
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!([NOW + 290]),
    ];
    let mut a = Build::new("C05-a", C, "C05", v, "ID-JAG exp as true, null, [], {} or [n] is claim_invalid");
    let mut b = Build::new("C05-b", C, "C05", v, "access-token exp as true, null, [], {} or [n] is claim_invalid");
    for value in &wrong {
        a = a.jag_set("exp", value.clone(), "claim_invalid");
        b = b.access_set("exp", value.clone(), "claim_invalid");
    }
    cases.push(a.jag(json!({}), "valid").done());
    cases.push(b.access(json!({}), "valid").done());

    // C06: exp ≤ now − leeway is expired.
    let boundary = NOW - LEEWAY;
    cases.push(Build::new("C06-a", C, "C06", v, "ID-JAG exp = now − leeway is expired; one second later is valid").jag(json!({"iat": boundary - 100, "exp": boundary}), "expired").jag(json!({"iat": boundary - 100, "exp": boundary + 1}), "valid").done());
    cases.push(Build::new("C06-b", C, "C06", v, "access-token exp = now − leeway is expired; one second later is valid").access(json!({"iat": boundary - 100, "exp": boundary}), "expired").access(json!({"iat": boundary - 100, "exp": boundary + 1}), "valid").done());
    // The same boundary reached by moving the clock: exp NOW + 290, clock at exp + leeway.
    let later = NOW + 290 + LEEWAY;
    cases.push(Build::new("C06-c", C, "C06", v, "clock at exp + leeway: the ID-JAG is expired; with exp one second later, valid").at(later).jag(json!({"iat": NOW - 9, "exp": NOW + 290}), "expired").jag(json!({"iat": NOW - 9, "exp": NOW + 291}), "valid").done());
    cases.push(Build::new("C06-d", C, "C06", v, "clock at exp + leeway: the access token is expired; with exp one second later, valid").at(later).access(json!({"exp": NOW + 290}), "expired").access(json!({"exp": NOW + 291}), "valid").done());

    // C07: nbf > now + leeway.
    let ahead = NOW + LEEWAY;
    cases.push(Build::new("C07-a", C, "C07", v, "ID-JAG nbf = now + leeway + 1 is not_yet_valid; nbf = now + leeway is valid").jag(json!({"nbf": ahead + 1}), "not_yet_valid").jag(json!({"nbf": ahead}), "valid").done());
    cases.push(Build::new("C07-b", C, "C07", v, "access-token nbf = now + leeway + 1 is not_yet_valid; nbf = now + leeway is valid").access(json!({"nbf": ahead + 1}), "not_yet_valid").access(json!({"nbf": ahead}), "valid").done());

    // C08: iat > now + leeway.
    cases.push(Build::new("C08-a", C, "C08", v, "ID-JAG iat = now + leeway + 1 is issued_in_future; iat = now + leeway is valid").jag(json!({"iat": ahead + 1}), "issued_in_future").jag(json!({"iat": ahead}), "valid").done());
    cases.push(Build::new("C08-b", C, "C08", v, "access-token iat = now + leeway + 1 is issued_in_future; iat = now + leeway is valid").access(json!({"iat": ahead + 1}), "issued_in_future").access(json!({"iat": ahead}), "valid").done());

    // C09: lifetime above the profile maximum.
    let iat = NOW - 10;
    cases.push(Build::new("C09", C, "C09", v, "ID-JAG exp − iat = 301 s (maximum 300) or exp in 9999 is lifetime_too_long; exactly 300 s is valid").jag(json!({"iat": iat, "exp": iat + MAX_LIFETIME + 1}), "lifetime_too_long").jag(json!({"iat": iat, "exp": 253_402_300_799_i64}), "lifetime_too_long").jag(json!({"iat": iat, "exp": iat + MAX_LIFETIME}), "valid").done());

    // C10: iat or jti missing.
    cases.push(Build::new("C10-a", C, "C10", v, "ID-JAG without iat or jti is claim_invalid").jag(json!({"iat": null}), "claim_invalid").jag(json!({"jti": null}), "claim_invalid").jag(json!({}), "valid").done());
    cases.push(Build::new("C10-b", C, "C10", v, "access token without iat or jti is claim_invalid").access(json!({"iat": null}), "claim_invalid").access(json!({"jti": null}), "claim_invalid").access(json!({}), "valid").done());

    // C11: issuer look-alikes, byte-exact comparison.
    let mut a = Build::new("C11-a", C, "C11", v, "ID-JAG iss with a trailing slash, upper case, :443, http, a Cyrillic о or a leading space is issuer_untrusted");
    for iss in lookalikes(IDP_ISSUER) {
        a = a.jag(json!({ "iss": iss }), "issuer_untrusted");
    }
    cases.push(a.jag(json!({"iss": IDP_ISSUER}), "valid").done());
    let mut b = Build::new("C11-b", C, "C11", v, "access-token iss look-alikes of the AS issuer are issuer_mismatch");
    for iss in lookalikes(AS_ISSUER) {
        b = b.access(json!({ "iss": iss }), "issuer_mismatch");
    }
    cases.push(b.access(json!({"iss": AS_ISSUER}), "valid").done());

    // C13: iss of the wrong type.
    let mut a = Build::new("C13-a", C, "C13", v, "ID-JAG iss as an array, a number or an object is claim_invalid");
    for iss in [json!([IDP_ISSUER]), json!(42), json!({"iss": IDP_ISSUER})] {
        a = a.jag(json!({ "iss": iss }), "claim_invalid");
    }
    cases.push(a.jag(json!({"iss": IDP_ISSUER}), "valid").done());
    let mut b = Build::new("C13-b", C, "C13", v, "access-token iss as an array or a number is claim_invalid");
    for iss in [json!([AS_ISSUER]), json!(42)] {
        b = b.access(json!({ "iss": iss }), "claim_invalid");
    }
    cases.push(b.access(json!({"iss": AS_ISSUER}), "valid").done());

    // C14: aud missing.
    cases.push(Build::new("C14-a", C, "C14", v, "ID-JAG without aud is claim_invalid").jag(json!({"aud": null}), "claim_invalid").jag(json!({"aud": AS_ISSUER}), "valid").done());
    cases.push(Build::new("C14-b", C, "C14", v, "access token without aud is claim_invalid").access(json!({"aud": null}), "claim_invalid").access(json!({"aud": RESOURCE}), "valid").done());

    // C15: aud arrays.
    cases.push(Build::new("C15-a", C, "C15", v, "access-token aud array containing this resource among others is valid; without it, audience_mismatch").access(json!({"aud": [OTHER_RESOURCE, RESOURCE, "https://x.example.com"]}), "valid").access(json!({"aud": [OTHER_RESOURCE, "https://x.example.com"]}), "audience_mismatch").done());
    cases.push(Build::new("C15-b", C, "C15", v, "ID-JAG aud array of two (even the AS twice) is audience_mismatch; [AS] is valid").jag(json!({"aud": [AS_ISSUER, "https://other-as.example.com"]}), "audience_mismatch").jag(json!({"aud": [AS_ISSUER, AS_ISSUER]}), "audience_mismatch").jag(json!({"aud": [AS_ISSUER]}), "valid").done());

    // C17: aud array with a non-string member (or empty).
    let members = [
        json!([123]),
        json!([null]),
        json!([["x"]]),
        json!([RESOURCE, 123]),
        json!([]),
    ];
    let mut a = Build::new("C17-a", C, "C17", v, "access-token aud [123], [null], [[\"x\"]], [resource, 123] or [] is claim_invalid");
    let mut b = Build::new("C17-b", C, "C17", v, "ID-JAG aud array with a non-string member, or empty, is claim_invalid");
    for aud in &members {
        a = a.access(json!({ "aud": aud }), "claim_invalid");
        b = b.jag(json!({ "aud": aud }), "claim_invalid");
    }
    cases.push(a.access(json!({"aud": [RESOURCE]}), "valid").done());
    cases.push(b.jag(json!({"aud": [AS_ISSUER]}), "valid").done());

    // C18: no prefix or suffix matching.
    let mut a = Build::new("C18-a", C, "C18", v, "access-token aud = the resource plus a suffix, a path, a slash, a longer host, or its origin is audience_mismatch");
    for aud in [
        format!("{RESOURCE}x"),
        format!("{RESOURCE}/x"),
        format!("{RESOURCE}/"),
        "https://mcp.example.com.evil/mcp".to_owned(),
        ROOT.to_owned(),
    ] {
        a = a.access(json!({ "aud": aud }), "audience_mismatch");
    }
    cases.push(a.access(json!({"aud": RESOURCE}), "valid").done());
    let mut b = Build::new("C18-b", C, "C18", v, "ID-JAG aud = the AS issuer plus a suffix, a path or a slash, or a prefix of it, is audience_mismatch");
    for aud in [
        format!("{AS_ISSUER}.evil"),
        format!("{AS_ISSUER}/x"),
        format!("{AS_ISSUER}/"),
        "https://as.example.co".to_owned(),
    ] {
        b = b.jag(json!({ "aud": aud }), "audience_mismatch");
    }
    cases.push(b.jag(json!({"aud": AS_ISSUER}), "valid").done());

    // C19: a valid token for someone else.
    cases.push(Build::new("C19-a", C, "C19", v, "a valid access token for resource server B replayed at A is audience_mismatch").access(json!({"aud": OTHER_RESOURCE}), "audience_mismatch").access(json!({"aud": RESOURCE}), "valid").done());
    cases.push(Build::new("C19-b", C, "C19", v, "an ID-JAG minted for another authorization server is audience_mismatch").jag(json!({"aud": "https://other-as.example.com"}), "audience_mismatch").jag(json!({"aud": AS_ISSUER}), "valid").done());

    // C20: bad sub.
    let mut a = Build::new("C20-a", C, "C20", v, "ID-JAG sub missing, empty, a number, an array, or with LF, NUL or CRLF is claim_invalid");
    let mut b = Build::new("C20-b", C, "C20", v, "access-token sub missing, empty, non-string or with control characters is claim_invalid");
    for sub in bad_subs() {
        a = a.jag(json!({ "sub": sub.clone() }), "claim_invalid");
        b = b.access(json!({ "sub": sub }), "claim_invalid");
    }
    cases.push(a.jag(json!({"sub": "U019488227"}), "valid").done());
    cases.push(b.access(json!({"sub": "U019488227"}), "valid").done());

    // C22: scope not a string.
    let scopes = [
        json!(["chat.read"]),
        json!(7),
        json!({"chat.read": true}),
        json!(true),
    ];
    let mut a = Build::new("C22-a", C, "C22", v, "ID-JAG scope as an array, a number, an object or a boolean is claim_invalid");
    let mut b = Build::new("C22-b", C, "C22", v, "access-token scope as an array, a number, an object or a boolean is claim_invalid");
    for scope in &scopes {
        a = a.jag(json!({ "scope": scope }), "claim_invalid");
        b = b.access(json!({ "scope": scope }), "claim_invalid");
    }
    cases.push(a.jag(json!({"scope": "chat.read chat.history"}), "valid").done());
    cases.push(b.access(json!({"scope": "chat.read chat.write"}), "valid").done());

    // C23: unknown extra claims are ignored.
    let extra = json!({
        "act": {"sub": "admin"}, "may_act": {"sub": "root"}, "role": "admin",
        "groups": ["admins"], "x-custom": [1, {"a": null}],
    });
    cases.push(Build::new("C23-a", C, "C23", v, "an ID-JAG with act, may_act, role, groups and custom claims is valid (ignored)").jag(extra.clone(), "valid").done());
    cases.push(Build::new("C23-b", C, "C23", v, "an access token with act, may_act, role, groups and custom claims is valid").access(extra, "valid").done());

    cases
}

// ---------------------------------------------------------------------------------------
// security.md §1 J: ID-JAG grant bindings
// ---------------------------------------------------------------------------------------

fn j_rows() -> Vec<Case> {
    let mut cases = Vec::new();
    let v = "validator";
    let k = keys();

    // J01: client_id binding.
    cases.push(Build::new("J01-a", J, "J01", v, "ID-JAG client_id of another client, or in another case, is client_id_mismatch").jag(json!({"client_id": "another-client"}), "client_id_mismatch").jag(json!({"client_id": CLIENT.to_ascii_uppercase()}), "client_id_mismatch").jag(json!({"client_id": CLIENT}), "valid").done());
    let mut b = Build::new("J01-b", J, "J01", v, "an ID-JAG presented by another client is client_id_mismatch, and does not consume its jti: the right client then gets valid");
    let token = b.jag_minted(json!({}));
    cases.push(b.jag_by(token.clone(), "another-client", "client_id_mismatch").jag_by(token, CLIENT, "valid").done());
    cases.push(Build::new("J01-c", J, "J01", v, "an ID-JAG without client_id is claim_invalid").jag(json!({"client_id": null}), "claim_invalid").jag(json!({}), "valid").done());

    // J02: resource.
    cases.push(Build::new("J02", J, "J02", v, "ID-JAG resource absent, not served here, with a trailing slash, or an array naming another resource is resource_mismatch; the resource as a string or a one-element array is valid").jag(json!({"resource": null}), "resource_mismatch").jag(json!({"resource": OTHER_RESOURCE}), "resource_mismatch").jag(json!({"resource": format!("{RESOURCE}/")}), "resource_mismatch").jag(json!({"resource": [RESOURCE, OTHER_RESOURCE]}), "resource_mismatch").jag(json!({"resource": [RESOURCE]}), "valid").jag(json!({"resource": RESOURCE}), "valid").done());

    // J04: keys scoped per issuer.
    cases.push(Build::new("J04-a", J, "J04", v, "an ID-JAG from an unconfigured issuer, signed with a trusted IdP's key, is issuer_untrusted").jag(json!({"iss": "https://evil-idp.example.com"}), "issuer_untrusted").jag(json!({"iss": IDP_ISSUER}), "valid").done());
    let mut b = Build::new("J04-b", J, "J04", v, "a trusted issuer claiming another trusted issuer's key: by kid key_not_found, without kid signature_invalid; its own key is valid");
    let other = json!({"iss": OTHER_IDP});
    let borrowed = b.jag_token(id_jag_header(), other.clone(), Signer::Es256(&k.idp_ec));
    let no_kid = b.jag_token(
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256"}),
        other.clone(),
        Signer::Es256(&k.idp_ec),
    );
    let own = b.jag_token(
        jag_header("oauth-id-jag+jwt", "ES256", "other-ec"),
        other,
        Signer::Es256(&k.other_ec),
    );
    cases.push(b.jag_step(borrowed, "key_not_found").jag_step(no_kid, "signature_invalid").jag_step(own, "valid").done());

    // J05: replay.
    let mut r = Build::new("J05", J, "J05", v, "the same ID-JAG twice is replayed, and so is a re-signed one with the same (iss, jti); the same jti from another issuer is valid");
    let jti = r.jti();
    let first = r.jag_minted(json!({"jti": jti}));
    let resigned = r.jag_minted(json!({"jti": jti, "scope": "chat.read"}));
    let other_issuer = r.jag_token(
        jag_header("oauth-id-jag+jwt", "ES256", "other-ec"),
        json!({"jti": jti, "iss": OTHER_IDP}),
        Signer::Es256(&k.other_ec),
    );
    cases.push(r.jag_step(first.clone(), "valid").jag_step(first, "replayed").jag_step(resigned, "replayed").jag_step(other_issuer, "valid").done());

    // J06: jti length and type.
    let long = "j".repeat(257);
    let max = "m".repeat(256);
    let bad = [json!(123), json!(["a"]), json!(""), json!({"a": 1})];
    let mut a = Build::new(
        "J06-a",
        J,
        "J06",
        v,
        "ID-JAG jti of 257 bytes is limit_exceeded (256 is valid); a non-string or empty jti \
         is claim_invalid",
    )
    .jag(json!({"jti": long}), "limit_exceeded")
    .jag(json!({"jti": max}), "valid");
    let mut b = Build::new(
        "J06-b",
        J,
        "J06",
        v,
        "access-token jti of 257 bytes is limit_exceeded (256 is valid); a non-string or \
         empty jti is claim_invalid",
    )
    .access(json!({"jti": long}), "limit_exceeded")
    .access(json!({"jti": max}), "valid");
    for jti in &bad {
        a = a.jag(json!({ "jti": jti }), "claim_invalid");
        b = b.access(json!({ "jti": jti }), "claim_invalid");
    }
    cases.push(a.done());
    cases.push(b.done());

    cases
}

// ---------------------------------------------------------------------------------------
// specs.md §3b: the resource authorization server validating an ID-JAG
// ---------------------------------------------------------------------------------------

fn rules_3b() -> Vec<Case> {
    let mut cases = Vec::new();
    let v = "validator";
    let k = keys();

    // Rule 3: compact JWS only.
    let mut b = Build::new("3b-03-compact-jws-only", S3B, "§3b rule 3", v, "a five-segment JWE shape, two segments, a trailing dot or the JWS JSON serialization is malformed; the compact token itself is valid");
    let good = b.jag_minted(json!({}));
    let [h, p, s] = segments(&good.token);
    let json_form = json!({"payload": p, "protected": h, "signature": s}).to_string();
    cases.push(b.jag_step(Minted::verbatim(format!("{h}.{p}.{s}.{p}.{s}")), "malformed").jag_step(Minted::verbatim(format!("{h}.{p}")), "malformed").jag_step(Minted::verbatim(format!("{}.", good.token)), "malformed").jag_step(Minted::verbatim(json_form), "malformed").jag_step(good, "valid").done());

    // Rule 4: typ, alg allow-list, crit.
    let mut b = Build::new("3b-04-typ", S3B, "§3b rule 4", v, "typ oauth-id-jag+jwt is case-insensitive with an optional application/; typ JWT is typ_mismatch");
    let mixed = b.jag_token(
        jag_header("Application/OAUTH-ID-JAG+JWT", "ES256", "idp-ec"),
        json!({}),
        Signer::Es256(&k.idp_ec),
    );
    let jwt = b.jag_token(
        jag_header("JWT", "ES256", "idp-ec"),
        json!({}),
        Signer::Es256(&k.idp_ec),
    );
    cases.push(b.jag_step(mixed, "valid").jag_step(jwt, "typ_mismatch").done());
    let mut b = Build::new("3b-04-alg-allow-list", S3B, "§3b rule 4", v, "alg none, HS256 and es256 (wrong case) are alg_not_allowed; ES256 is valid");
    let typ = "oauth-id-jag+jwt";
    let none = b.jag_token(
        jag_header(typ, "none", "idp-ec"),
        json!({}),
        Signer::Raw(Vec::new()),
    );
    let hs = b.jag_token(
        jag_header(typ, "HS256", "idp-ec"),
        json!({}),
        Signer::Raw(vec![7; 32]),
    );
    let lower = b.jag_token(
        jag_header(typ, "es256", "idp-ec"),
        json!({}),
        Signer::Es256(&k.idp_ec),
    );
    let es = b.jag_token(
        jag_header(typ, "ES256", "idp-ec"),
        json!({}),
        Signer::Es256(&k.idp_ec),
    );
    cases.push(b.jag_step(none, "alg_not_allowed").jag_step(hs, "alg_not_allowed").jag_step(lower, "alg_not_allowed").jag_step(es, "valid").done());
    let mut b = Build::new("3b-04-crit", S3B, "§3b rule 4", v, "crit naming an extension this server does not understand is header_forbidden");
    let crit = b.jag_token(
        json!({"typ": typ, "alg": "ES256", "kid": "idp-ec", "crit": ["exp"]}),
        json!({}),
        Signer::Es256(&k.idp_ec),
    );
    cases.push(b.jag_step(crit, "header_forbidden").jag(json!({}), "valid").done());

    // Rule 5: trusted-issuer registry.
    let mut b = Build::new("3b-05-trusted-issuer-registry", S3B, "§3b rule 5", v, "an issuer outside the registry is issuer_untrusted; each of the two configured IdPs is valid");
    let other = b.jag_token(
        jag_header(typ, "ES256", "other-ec"),
        json!({"iss": OTHER_IDP}),
        Signer::Es256(&k.other_ec),
    );
    cases.push(b.jag(json!({"iss": "https://unknown-idp.example.com"}), "issuer_untrusted").jag_step(other, "valid").jag(json!({}), "valid").done());

    // Rule 6: the key comes from that issuer's set and matches alg.
    let mut b = Build::new("3b-06-key-from-issuer-set", S3B, "§3b rule 6", v, "an unpublished kid is key_not_found, the issuer's kid with an attacker's signature signature_invalid, RS256 on the EC key key_rejected, an embedded jwk header_forbidden");
    let unknown = b.jag_token(
        jag_header(typ, "ES256", "attacker"),
        json!({}),
        Signer::Es256(&k.attacker),
    );
    let forged = b.jag_token(
        jag_header(typ, "ES256", "idp-ec"),
        json!({}),
        Signer::Es256(&k.attacker),
    );
    let confused = b.jag_token(
        jag_header(typ, "RS256", "idp-ec"),
        json!({}),
        Signer::Rs256(&k.idp_rsa),
    );
    let embedded = b.jag_token(
        json!({"typ": typ, "alg": "ES256", "kid": "attacker",
               "jwk": ec_jwk(&k.attacker, "attacker", json!({}))}),
        json!({}),
        Signer::Es256(&k.attacker),
    );
    let rsa = b.jag_token(
        jag_header(typ, "RS256", "idp-rsa"),
        json!({}),
        Signer::Rs256(&k.idp_rsa),
    );
    cases.push(b.jag_step(unknown, "key_not_found").jag_step(forged, "signature_invalid").jag_step(confused, "key_rejected").jag_step(embedded, "header_forbidden").jag_step(rsa, "valid").jag(json!({}), "valid").done());
    let mut b = Build::new("3b-06-enc-key-excluded", S3B, "§3b rule 6", ENC_KEY, "a key marked use: enc is never used for signatures (key_not_found); the set's use: sig key is valid");
    let second = b.jag_token(
        jag_header(typ, "ES256", "idp-ec-2"),
        json!({}),
        Signer::Es256(&k.idp_ec2),
    );
    cases.push(b.jag(json!({}), "key_not_found").jag_step(second, "valid").done());

    // Rule 7: aud single value equal to the issuer.
    cases.push(Build::new("3b-07-aud-two-elements", S3B, "§3b rule 7", v, "aud [AS issuer, resource] is audience_mismatch; [AS issuer] and the string are valid").jag(json!({"aud": [AS_ISSUER, RESOURCE]}), "audience_mismatch").jag(json!({"aud": [AS_ISSUER]}), "valid").jag(json!({"aud": AS_ISSUER}), "valid").done());
    cases.push(Build::new("3b-07-aud-exact-issuer", S3B, "§3b rule 7", v, "aud with a trailing slash, an upper-case host, or the resource instead of the AS is audience_mismatch (no normalization)").jag(json!({"aud": format!("{AS_ISSUER}/")}), "audience_mismatch").jag(json!({"aud": "https://AS.example.com"}), "audience_mismatch").jag(json!({"aud": RESOURCE}), "audience_mismatch").jag(json!({"aud": AS_ISSUER}), "valid").done());

    // Rule 8: client_id equals the authenticated client.
    let mut b = Build::new("3b-08-client-id", S3B, "§3b rule 8", v, "presented by someone else, or naming someone else, is client_id_mismatch; the failed presentation does not consume the jti");
    let token = b.jag_minted(json!({}));
    cases.push(b.jag_by(token.clone(), "someone-else", "client_id_mismatch").jag(json!({"client_id": "someone-else"}), "client_id_mismatch").jag_step(token, "valid").done());

    // Rule 9: exp, iat, nbf, lifetime.
    cases.push(Build::new("3b-09-exp-iat-required", S3B, "§3b rule 9", v, "an ID-JAG without exp, or without iat, is claim_invalid").jag(json!({"exp": null}), "claim_invalid").jag(json!({"iat": null}), "claim_invalid").jag(json!({}), "valid").done());
    let boundary = NOW - LEEWAY;
    cases.push(Build::new("3b-09-exp-leeway", S3B, "§3b rule 9", v, "exp = now − leeway is expired; one second later is valid").jag(json!({"iat": boundary - 10, "exp": boundary}), "expired").jag(json!({"iat": boundary - 10, "exp": boundary + 1}), "valid").done());
    cases.push(Build::new("3b-09-nbf-iat-future", S3B, "§3b rule 9", v, "nbf or iat beyond now + leeway are not_yet_valid and issued_in_future; at now + leeway, valid").jag(json!({"nbf": NOW + LEEWAY + 1}), "not_yet_valid").jag(json!({"iat": NOW + LEEWAY + 1}), "issued_in_future").jag(json!({"nbf": NOW + LEEWAY}), "valid").jag(json!({"iat": NOW + LEEWAY}), "valid").done());
    cases.push(Build::new("3b-09-exp-far-future", S3B, "§3b rule 9", v, "exp a day ahead is lifetime_too_long; the baseline's 300 s lifetime is valid").jag(json!({"exp": NOW + 86_400}), "lifetime_too_long").jag(json!({}), "valid").done());

    // Rule 10: jti required and single use until exp (+ leeway).
    let mut b = Build::new("3b-10-jti-single-use", S3B, "§3b rule 10", v, "an ID-JAG without jti is claim_invalid; a valid one presented twice is replayed");
    let token = b.jag_minted(json!({}));
    cases.push(b.jag(json!({"jti": null}), "claim_invalid").jag_step(token.clone(), "valid").jag_step(token, "replayed").done());
    let mut b = Build::new(
        "3b-10-replay-within-leeway",
        S3B,
        "§3b rule 10",
        v,
        "clock at exp + leeway − 1: the ID-JAG is still valid, so a second presentation is \
         replayed (the jti is kept until exp + leeway, not exp)",
    )
    .at(NOW + 290 + LEEWAY - 1);
    let token = b.jag_minted(json!({}));
    cases.push(b.jag_step(token.clone(), "valid").jag_step(token, "replayed").done());

    // Rule 11: sub present.
    cases.push(Build::new("3b-11-sub-present", S3B, "§3b rule 11", v, "sub missing, empty or a number is claim_invalid; sub \"U1\" is valid").jag(json!({"sub": null}), "claim_invalid").jag(json!({"sub": ""}), "claim_invalid").jag(json!({"sub": 42}), "claim_invalid").jag(json!({"sub": "U1"}), "valid").done());

    // Rule 12: own issuer refused.
    let mut b = Build::new("3b-12-own-issuer", S3B, "§3b rule 12", v, "an ID-JAG naming this AS as its issuer is self_issued, whatever key signed it");
    let own_key = b.jag_token(
        jag_header(typ, "ES256", "as-ec"),
        json!({"iss": AS_ISSUER}),
        Signer::Es256(&k.as_ec),
    );
    cases.push(b.jag(json!({"iss": AS_ISSUER}), "self_issued").jag_step(own_key, "self_issued").jag(json!({"iss": IDP_ISSUER}), "valid").done());
    let mut b = Build::new("3b-12-own-issuer-signing-key", S3B, "§3b rule 12", "token-endpoint", "at an AS that signs with as-ec: an ID-JAG it could have signed itself (iss = AS, as-ec) is self_issued");
    let own_key = b.jag_token(
        jag_header(typ, "ES256", "as-ec"),
        json!({"iss": AS_ISSUER}),
        Signer::Es256(&k.as_ec),
    );
    cases.push(b.jag_step(own_key, "self_issued").jag(json!({"iss": IDP_ISSUER}), "valid").done());

    // Rule 13: cnf without DPoP support.
    cases.push(Build::new("3b-13-cnf-unsupported", S3B, "§3b rule 13", v, "an ID-JAG with cnf (no DPoP proof can be checked here) is confirmation_unsupported").jag(json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}), "confirmation_unsupported").jag(json!({}), "valid").done());

    // Rule 14: resource served here.
    cases.push(Build::new("3b-14-resource-served-here", S3B, "§3b rule 14", v, "resource absent, another resource or an array with another is resource_mismatch; a number is claim_invalid; this resource is valid").jag(json!({"resource": RESOURCE}), "valid").jag(json!({"resource": null}), "resource_mismatch").jag(json!({"resource": OTHER_RESOURCE}), "resource_mismatch").jag(json!({"resource": [RESOURCE, OTHER_RESOURCE]}), "resource_mismatch").jag(json!({"resource": 7}), "claim_invalid").done());

    cases
}

// ---------------------------------------------------------------------------------------
// specs.md §3c: the resource server validating an RFC 9068 access token
// ---------------------------------------------------------------------------------------

fn rules_3c() -> Vec<Case> {
    let mut cases = Vec::new();
    let v = "validator";
    let k = keys();
    let as_ec = || Signer::Es256(&k.as_ec);

    // Rule 1: typ at+jwt.
    let mut b = Build::new("3c-01-typ-at-jwt", S3C, "§3c rule 1", v, "typ at+jwt, application/at+jwt and AT+JWT are valid; JWT, oauth-id-jag+jwt, text/at+jwt, \"at+jwt \" and no typ are typ_mismatch");
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        b = b.access_step(access_signed(at_typ(typ), as_ec()), "valid");
    }
    for typ in ["JWT", "oauth-id-jag+jwt", "text/at+jwt", "at+jwt "] {
        b = b.access_step(access_signed(at_typ(typ), as_ec()), "typ_mismatch");
    }
    cases.push(b.access_step(access_signed(json!({"alg": "ES256", "kid": "as-ec"}), as_ec()), "typ_mismatch").done());

    // Rule 3: iss exact.
    let mut b = Build::new("3c-03-iss-exact", S3C, "§3c rule 3", v, "iss with a trailing slash, an upper-case host, or the IdP's issuer is issuer_mismatch; the AS issuer is valid");
    for iss in [
        format!("{AS_ISSUER}/"),
        "https://AS.example.com".to_owned(),
        IDP_ISSUER.to_owned(),
    ] {
        b = b.access(json!({ "iss": iss }), "issuer_mismatch");
    }
    cases.push(b.access(json!({"iss": AS_ISSUER}), "valid").done());

    // Rule 4: aud contains this resource.
    cases.push(Build::new("3c-04-aud-contains-resource", S3C, "§3c rule 4", v, "aud [other, this resource] is valid; [other] or the AS issuer is audience_mismatch").access(json!({"aud": [OTHER_RESOURCE, RESOURCE]}), "valid").access(json!({"aud": [OTHER_RESOURCE]}), "audience_mismatch").access(json!({"aud": AS_ISSUER}), "audience_mismatch").done());

    // Rule 5: signature with the AS keys, allowed alg.
    let good = access_minted(json!({}));
    let [h, _, s] = segments(&good.token);
    let mut tampered = at_claims();
    merge_claims(&mut tampered, json!({"scope": "chat.admin"}));
    let payload = crate::base64url::encode(tampered.to_string().as_bytes());
    cases.push(Build::new("3c-05-signature-as-keys", S3C, "§3c rule 5", v, "an attacker's signature is signature_invalid, an IdP key key_not_found, a spliced payload signature_invalid; the untouched token is valid").access_step(access_signed(at_header(), Signer::Es256(&k.attacker)), "signature_invalid").access_step(access_signed(json!({"typ": "at+jwt", "alg": "ES256", "kid": "idp-ec"}), Signer::Es256(&k.idp_ec)), "key_not_found").access_step(Minted::verbatim(format!("{h}.{payload}.{s}")), "signature_invalid").access_step(good, "valid").done());
    cases.push(Build::new("3c-05-alg-allow-list", S3C, "§3c rule 5", v, "alg none and RS256 (outside this resource server's allow-list) are alg_not_allowed; ES256 is valid").access_step(access_signed(json!({"typ": "at+jwt", "alg": "none"}), Signer::Raw(Vec::new())), "alg_not_allowed").access_step(access_signed(json!({"typ": "at+jwt", "alg": "RS256", "kid": "as-ec"}), Signer::Rs256(&k.idp_rsa)), "alg_not_allowed").access_step(access_signed(at_header(), as_ec()), "valid").done());

    // Rule 6: exp with leeway.
    let boundary = NOW - LEEWAY;
    cases.push(Build::new("3c-06-exp-leeway", S3C, "§3c rule 6", v, "exp = now − leeway is expired; one second later is valid").access(json!({"iat": boundary - 100, "exp": boundary}), "expired").access(json!({"iat": boundary - 100, "exp": boundary + 1}), "valid").done());

    // Rule 8: sub, client_id, iat, jti required.
    let mut b = Build::new("3c-08-required-claims", S3C, "§3c rule 8", v, "an access token without sub, client_id, iat or jti is claim_invalid");
    for name in ["sub", "client_id", "iat", "jti"] {
        b = b.access(json!({ name: null }), "claim_invalid");
    }
    cases.push(b.access(json!({}), "valid").done());

    // Rule 10: no passthrough.
    let mut b = Build::new("3c-10-no-passthrough", S3C, "§3c rule 10", v, "a token for another MCP server is audience_mismatch; an upstream ID-JAG passed through as an access token is typ_mismatch");
    let upstream = b.jag_minted(json!({}));
    cases.push(b.access(json!({"aud": OTHER_RESOURCE}), "audience_mismatch").access_step(upstream, "typ_mismatch").access(json!({"aud": RESOURCE}), "valid").done());

    // Rule 15: canonical resource, exact comparison, opt-in root slash.
    cases.push(Build::new("3c-15-aud-exact", S3C, "§3c rule 15", v, "aud with a trailing slash or an upper-case host is audience_mismatch").access(json!({"aud": format!("{RESOURCE}/")}), "audience_mismatch").access(json!({"aud": "https://MCP.example.com/mcp"}), "audience_mismatch").access(json!({"aud": RESOURCE}), "valid").done());
    cases.push(Build::new("3c-15-root-strict", S3C, "§3c rule 15", ROOT_STRICT, "resource https://mcp.example.com compared exactly: aud with a slash is audience_mismatch, without is valid").access(json!({"aud": format!("{ROOT}/")}), "audience_mismatch").access(json!({"aud": ROOT}), "valid").done());
    cases.push(Build::new("3c-15-root-slash-equivalence", S3C, "§3c rule 15", ROOT_LENIENT, "with root-slash equivalence, https://mcp.example.com/ and https://mcp.example.com are both valid").access(json!({"aud": format!("{ROOT}/")}), "valid").access(json!({"aud": ROOT}), "valid").done());
    cases.push(Build::new("3c-15-path-slash-never-equivalent", S3C, "§3c rule 15", PATH_LENIENT, "root-slash equivalence never extends to a path: aud with a trailing slash is audience_mismatch").access(json!({"aud": format!("{RESOURCE}/")}), "audience_mismatch").access(json!({"aud": RESOURCE}), "valid").done());

    // cnf on an access token (DPoP-bound, §3c rule 16): refused at the validator.
    cases.push(Build::new("3c-16-cnf-bound-token-refused", S3C, "§3c rule 16", v, "an access token with cnf (DPoP-bound; no proof can be checked here) is confirmation_unsupported").access(json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}), "confirmation_unsupported").access(json!({}), "valid").done());

    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_configs_differ_from_the_validator_one() {
        let base = validator_toml();
        for (name, files) in configs() {
            assert_ne!(files.toml, base, "{name} is the validator configuration");
        }
    }

    #[test]
    fn ids_are_unique_and_every_case_has_a_valid_step() {
        let cases = cases();
        let mut ids = std::collections::BTreeSet::new();
        for case in &cases {
            assert!(ids.insert(case.id.clone()), "{} twice", case.id);
            assert!(
                case.steps
                    .iter()
                    .any(|s| s.expect == xaa_vectors::Expect::verdict("valid")),
                "{} has no positive control",
                case.id
            );
        }
    }
}
