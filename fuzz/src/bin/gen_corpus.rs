//! Writes the checked-in seed corpora under fuzz/corpus/<target>/, deterministically:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --features gen --bin gen-corpus [-- OUT_DIR]
//! cargo run --manifest-path fuzz/Cargo.toml --features gen --bin gen-corpus -- --labels TARGET DIR
//! cargo run --manifest-path fuzz/Cargo.toml --features gen --bin gen-corpus -- --run TARGET FILE
//! ```
//!
//! (the second form prints how many inputs of a grown corpus reach each outcome; the third
//! runs one input outside libFuzzer — with `XAA_FUZZ_DEBUG=1` it prints the decoded input,
//! the request or token, and the responses or verdict).
//!
//! - `compact_header`: real tokens of every kind (valid, RSA, refused headers, bad
//!   segmentation) in mode 0, header JSON documents in modes 1 and 2 (half of them with a real
//!   signature), JSON documents in mode 3.
//! - `jwks_parse`: the fixed keys' JWK Sets, Wycheproof's JWK test sets (public parts) and
//!   hand-made refusals (private members, oct, wrong curve, weak RSA, caps).
//! - `structured_verify`, `token_request`: inputs of the `arbitrary` grammar. The empty input
//!   is the valid baseline; the generator then tries sparse byte changes of a zero buffer (a
//!   fixed xorshift stream) and keeps the first few inputs for each distinct outcome label
//!   (verdict code, HTTP status and error) the target function reports.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use xaa_fuzz::fixtures::*;
use xaa_fuzz::grammar::{build, Context, TokenKind, TokenSpec};
use xaa_guest::base64url;

/// Empties one target's seed directory (seeds are regenerated whole).
fn fresh(dir: &Path) -> &Path {
    let _ = fs::remove_dir_all(dir);
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).expect("mkdir");
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    fs::write(dir.join(safe), bytes).expect("write seed");
}

fn b64(s: &str) -> String {
    base64url::encode(s.as_bytes())
}

fn valid(kind: TokenKind) -> String {
    build(kind, &TokenSpec::valid(), &Context::for_kind(kind)).token
}

fn compact(out: &Path) {
    let dir = out.join("compact_header");
    fresh(&dir);
    let mode = |m: u8, rest: &[u8]| [&[m][..], rest].concat();
    let mut tokens: Vec<(&str, String)> = vec![
        ("id-jag", valid(TokenKind::IdJag)),
        ("access-token", valid(TokenKind::AccessToken)),
        ("id-token", valid(TokenKind::IdToken)),
        ("refresh-token", valid(TokenKind::RefreshToken)),
        ("client-assertion", valid(TokenKind::ClientAssertionAs)),
    ];
    let rs = xaa_fuzz::grammar::sign(xaa_fuzz::grammar::KeyChoice::Idp2Rs256, b"eyJhbGciOiJSUzI1NiIsImtpZCI6ImlkcDItcnNhIn0.e30");
    tokens.push(("rs256", format!("eyJhbGciOiJSUzI1NiIsImtpZCI6ImlkcDItcnNhIn0.e30.{}", base64url::encode(&rs))));
    let jag = valid(TokenKind::IdJag);
    tokens.push(("four-segments", format!("{jag}.e30")));
    tokens.push(("two-segments", jag.rsplit_once('.').map(|(a, _)| a.to_owned()).unwrap_or_default()));
    tokens.push(("padded", format!("{}=", jag)));
    tokens.push(("empty-signature", format!("{}.", jag.rsplit_once('.').map(|(a, _)| a).unwrap_or(""))));
    tokens.push(("alg-none", format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64("{}"))));
    tokens.push(("jwe-like", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d".into()));
    tokens.push(("whitespace", format!(" {jag}\n")));
    for (name, token) in &tokens {
        write(&dir, &format!("token-{name}"), &mode(0, token.as_bytes()));
    }
    let headers = [
        ("es256", r#"{"alg":"ES256","typ":"oauth-id-jag+jwt","kid":"idp-ec"}"#),
        ("rs256", r#"{"alg":"RS256","kid":"idp2-rsa","typ":"at+jwt"}"#),
        ("typ-long", r#"{"alg":"ES256","typ":"application/AT+JWT"}"#),
        ("typ-prefix-only", r#"{"alg":"ES256","typ":"application/"}"#),
        ("jwk", r#"{"alg":"ES256","jwk":{"kty":"EC"}}"#),
        ("crit", r#"{"alg":"ES256","crit":["exp"],"exp":1}"#),
        ("b64", r#"{"alg":"ES256","b64":false,"crit":["b64"]}"#),
        ("duplicate-alg", r#"{"alg":"ES256","alg":"none"}"#),
        ("alg-array", r#"{"alg":["ES256"]}"#),
        ("kid-number", r#"{"alg":"ES256","kid":1}"#),
        ("hs256", r#"{"alg":"HS256"}"#),
        ("es256-lower", r#"{"alg":"es256"}"#),
        ("escaped", r#"{"\u0061lg":"ES\u0032\u0035\u0036","typ":"at\u002bjwt"}"#),
        ("x5t", r#"{"alg":"ES256","x5t":"abc","x5t#S256":"def"}"#),
        ("deep", r#"{"alg":"ES256","x":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}"#),
        ("not-object", r#"["alg","ES256"]"#),
        ("bom", "\u{feff}{\"alg\":\"ES256\"}"),
        ("typ-unicode", r#"{"alg":"ES256","typ":"at+jwt\u00e9\u202e"}"#),
    ];
    for (i, (name, header)) in headers.into_iter().enumerate() {
        // Every other header seed asks for a real signature (mode 1 | 4).
        let m = if i % 2 == 0 { 5 } else { 1 };
        write(&dir, &format!("header-{name}"), &mode(m, header.as_bytes()));
    }
    let pairs = [
        ("claims", r#"{"alg":"ES256","kid":"idp-ec"}"#, r#"{"iss":"https://idp.example.com","exp":1800000100}"#),
        ("rs256", r#"{"alg":"RS256"}"#, r#"{"sub":"alice"}"#),
        ("not-json-payload", r#"{"alg":"ES256"}"#, "hello"),
    ];
    for (name, h, p) in pairs {
        write(&dir, &format!("pair-{name}"), &mode(6, &[h.as_bytes(), &[0xff], p.as_bytes()].concat()));
    }
    let documents = [
        ("object", r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#),
        ("numbers", r#"[0,-0,1e2,1.5e-7,18446744073709551615,18446744073709551616,-9223372036854775808,1E400]"#),
        ("strings", r#"["\u00e9","\ud83d\ude00","\ud800","\"\\\/\b\f\n\r\t"]"#),
        ("duplicate", r#"{"a":1,"a":2}"#),
        ("nested-duplicate", r#"{"a":{"b":1,"b":1}}"#),
        ("deep-16", &format!("{}{}", "[".repeat(16), "]".repeat(16))),
        ("deep-17", &format!("{}{}", "[".repeat(17), "]".repeat(17))),
        ("trailing", r#"{} {}"#),
        ("control", "\"a\u{1}b\""),
    ];
    for (name, doc) in documents {
        write(&dir, &format!("json-{name}"), &mode(3, doc.as_bytes()));
    }
}

fn jwks(out: &Path) {
    let dir = out.join("jwks_parse");
    fresh(&dir);
    let k = keys();
    let ec = ec_jwk(&k.idp_ec, "idp-ec");
    let rsa = rsa_jwk(&k.idp2_rsa, "idp2-rsa");
    let with = |mut v: Value, extra: Value| {
        for (name, value) in extra.as_object().expect("object") {
            v[name] = value.clone();
        }
        v
    };
    let sets: Vec<(&str, String)> = vec![
        ("ec", jwk_set(vec![ec.clone()])),
        ("rsa", jwk_set(vec![rsa.clone()])),
        ("both", jwk_set(vec![ec.clone(), rsa.clone()])),
        ("ec-alg-use", jwk_set(vec![with(ec.clone(), json!({"alg":"ES256","use":"sig","key_ops":["verify"]}))])),
        ("rsa-ps256", jwk_set(vec![with(rsa.clone(), json!({"alg":"PS256"}))])),
        ("ec-no-kid", jwk_set(vec![with(ec.clone(), json!({"kid":null}))])),
        ("duplicate-kid", jwk_set(vec![ec.clone(), with(ec_jwk(&k.attacker, "idp-ec"), json!({}))])),
        ("use-enc", jwk_set(vec![with(ec.clone(), json!({"use":"enc"})), rsa.clone()])),
        ("key-ops-sign", jwk_set(vec![with(ec.clone(), json!({"key_ops":["sign"]})), rsa.clone()])),
        ("private-d", jwk_set(vec![with(ec.clone(), json!({"d":"AAAA"})), rsa.clone()])),
        ("oct", r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.into()),
        ("p384", jwk_set(vec![with(ec.clone(), json!({"crv":"P-384"}))])),
        ("alg-mismatch", jwk_set(vec![with(ec.clone(), json!({"alg":"RS256"}))])),
        ("alg-unknown", jwk_set(vec![with(ec.clone(), json!({"alg":"ES512"})), rsa.clone()])),
        ("padded-x", jwk_set(vec![with(ec.clone(), json!({"x": format!("{}=", ec["x"].as_str().unwrap_or(""))}))])),
        ("rsa-e3", jwk_set(vec![with(rsa.clone(), json!({"e":"Aw"}))])),
        ("rsa-leading-zero", jwk_set(vec![with(rsa.clone(), json!({"n": base64url::encode(&[&[0u8][..], &base64url::decode(rsa["n"].as_str().unwrap_or("")).unwrap_or_default()].concat())}))])),
        ("rsa-1024", jwk_set(vec![with(rsa.clone(), json!({"n": base64url::encode(&[0xc5u8; 128])}))])),
        ("empty", r#"{"keys":[]}"#.into()),
        ("no-keys", r#"{"kty":"EC"}"#.into()),
        ("keys-object", r#"{"keys":{}}"#.into()),
        ("too-many", jwk_set(vec![ec.clone(); 101])),
        ("duplicate-member", format!(r#"{{"keys":[{ec}],"keys":[]}}"#)),
        ("not-json", "keys".into()),
    ];
    for (name, set) in sets {
        write(&dir, &format!("set-{name}"), set.as_bytes());
    }
    // Project Wycheproof's JWK Sets and keys (public parts only: private ones are refused
    // anyway; both kinds are useful seeds).
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/wycheproof/json_web_key_test.json");
    if let Ok(text) = fs::read_to_string(&path) {
        let doc: Value = serde_json::from_str(&text).expect("Wycheproof JSON");
        for (i, group) in doc["testGroups"].as_array().into_iter().flatten().enumerate() {
            for which in ["public", "private"] {
                let Some(key) = group.get(which) else { continue };
                let set = if key.get("keys").is_some() { key.to_string() } else { jwk_set(vec![key.clone()]) };
                let comment = group["comment"].as_str().unwrap_or("group");
                write(&dir, &format!("wycheproof-{i:02}-{comment}-{which}"), set.as_bytes());
            }
        }
    }
}

/// A fixed xorshift64* stream.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn structured(out: &Path, target: &str, run: fn(&[u8]) -> String, tries: usize, per_label: usize, total: usize) {
    let dir = out.join(target);
    fresh(&dir);
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    let mut stream = Stream(0x5eed_0f_c0ffee ^ target.len() as u64);
    let mut count = 0;
    let mut keep = |label: String, data: &[u8], count: &mut usize| {
        let n = kept.entry(label.clone()).or_insert(0);
        if *n < per_label && *count < total {
            write(&dir, &format!("{label}-{n}"), data);
            *n += 1;
            *count += 1;
        }
    };
    for len in [0usize, 8, 64] {
        let data = vec![0u8; len];
        keep(run(&data), &data, &mut count);
    }
    for _ in 0..tries {
        let len = 16 + stream.below(240) as usize;
        let mut data = vec![0u8; len];
        let changes = 1 + stream.below(4);
        for _ in 0..changes {
            let at = stream.below(len as u64) as usize;
            data[at] = stream.next() as u8;
        }
        let label = run(&data);
        if label != "undecodable" && label != "known-defect" {
            keep(label, &data, &mut count);
        }
    }
    eprintln!("{target}: {count} seeds over {} labels", kept.len());
    for (label, n) in &kept {
        eprintln!("  {label}: {n}");
    }
}

/// `gen-corpus --labels TARGET DIR`: the outcome labels of every input in DIR (a grown
/// corpus), counted, to see which verdicts and responses a campaign reached.
fn labels(target: &str, dir: &Path) {
    let run: fn(&[u8]) -> String = match target {
        "compact_header" => xaa_fuzz::compact_header,
        "jwks_parse" => xaa_fuzz::jwks_parse,
        "structured_verify" => xaa_fuzz::structured_verify,
        "token_request" => xaa_fuzz::token_request,
        other => panic!("unknown target {other}"),
    };
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: Vec<_> = fs::read_dir(dir).expect("corpus dir").flatten().map(|e| e.path()).collect();
    files.sort();
    for file in files {
        let data = fs::read(&file).expect("read");
        *counts.entry(run(&data)).or_insert(0) += 1;
    }
    for (label, n) in counts {
        println!("{n:6}  {label}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--run" {
        // One input, with XAA_FUZZ_DEBUG=1 to print what it decodes to.
        let data = fs::read(&args[3]).expect("read input");
        let label = match args[2].as_str() {
            "compact_header" => xaa_fuzz::compact_header(&data),
            "jwks_parse" => xaa_fuzz::jwks_parse(&data),
            "structured_verify" => xaa_fuzz::structured_verify(&data),
            "token_request" => xaa_fuzz::token_request(&data),
            other => panic!("unknown target {other}"),
        };
        println!("{label}");
        return;
    }
    if args.len() == 4 && args[1] == "--labels" {
        labels(&args[2], Path::new(&args[3]));
        return;
    }
    let out: PathBuf = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"));
    compact(&out);
    jwks(&out);
    structured(&out, "structured_verify", xaa_fuzz::structured_verify, 3000, 2, 48);
    structured(&out, "token_request", xaa_fuzz::token_request, 3000, 2, 48);
}
