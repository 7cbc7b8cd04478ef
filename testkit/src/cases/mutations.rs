//! Mutation families the former differential-corpus generator
//! (`host/tests/differential_corpus.rs`, deleted: the corpus is now derived from this suite)
//! had and the catalog cases lacked: fractional and unusually spelled NumericDates,
//! non-canonical base64url, JSON texts that are valid but not minimal (and near-JSON that is
//! not JSON), `null` required claims, a mixed-case `typ` prefix, and lifetimes at the edges.
//! The expected verdicts are written by hand; each title says the rule behind it.

use serde_json::{json, Value};

use crate::base64url::encode as b64;
use crate::fixtures::{keys, merge, CLIENT, NOW};
use crate::mint::{
    access_token, at_claims, at_header, id_jag, id_jag_claims, id_jag_header, mint_raw, sign,
    Minted, Signer,
};
use crate::steps::MintedStep;
use xaa_vectors::{Case, Step};

/// The validators' leeway in the `validator` configuration.
const LEEWAY: i64 = 60;
/// Where the claims and structure rows live.
const CLAIMS: &str = "security.md §1 C (claims)";
const STRUCTURE: &str = "security.md §1 S (structure)";
const TYP: &str = "security.md §1 T (typ)";

/// A claim value replaced by a literal after serialisation.
const PLACEHOLDER: &str = "\u{1}literal\u{1}";

/// `claims` as JSON text with `name` set to `literal`, written verbatim (spellings such as
/// `1.80000029E9` or `1e400` that a JSON value cannot keep).
fn with_literal(mut claims: Value, name: &str, literal: &str) -> String {
    claims[name] = json!(PLACEHOLDER);
    let placeholder = json!(PLACEHOLDER).to_string();
    claims.to_string().replacen(&placeholder, literal, 1)
}

/// A JSON object's text with one more member (`"name":value` text) at its end.
fn with_member(object: &str, member: &str) -> String {
    match object.strip_suffix('}') {
        Some(open) => format!("{open},{member}}}"),
        None => object.to_owned(),
    }
}

/// An ID-JAG with these exact header and claims texts, signed by idp-ec.
fn jag_text(header: &str, claims: &str) -> Minted {
    mint_raw(header, claims, Signer::Es256(&keys().idp_ec))
}

/// An access token with this exact claims text, signed by as-ec.
fn at_text(claims: &str) -> Minted {
    mint_raw(
        &at_header().to_string(),
        claims,
        Signer::Es256(&keys().as_ec),
    )
}

/// An ID-JAG (id `jti`) whose claim `name` is the literal `literal`.
fn jag_literal(jti: &str, name: &str, literal: &str) -> Minted {
    jag_text(
        &id_jag_header().to_string(),
        &with_literal(id_jag_claims(jti), name, literal),
    )
}

/// A step presenting an ID-JAG as [`CLIENT`].
fn jag(minted: Minted, expect: &str) -> Step {
    Step::id_jag(minted, CLIENT, expect)
}

/// `case` with one ID-JAG step per (header text, claims text), each expecting `expect`.
fn text_steps(case: Case, texts: Vec<(String, String)>, expect: &str) -> Case {
    texts.into_iter().fold(case, |case, (header, claims)| {
        case.step(jag(jag_text(&header, &claims), expect))
    })
}

/// `segment` with non-zero unused bits in its last character (a non-canonical encoding of
/// the same bytes, RFC 4648 §3.5); `None` when the segment has no unused bits.
fn non_canonical(segment: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if !matches!(segment.len() % 4, 2 | 3) {
        return None;
    }
    let (head, last) = segment.split_at(segment.len() - 1);
    let index = ALPHABET.iter().position(|c| last.as_bytes() == [*c])?;
    // A canonical last character has its unused low bits zero: setting the lowest changes
    // the text, not the decoded bytes.
    let changed = char::from(*ALPHABET.get(index | 1)?);
    Some(format!("{head}{changed}"))
}

/// The token with its signature segment re-encoded non-canonically.
fn signature_non_canonical(token: &str) -> Option<String> {
    let (input, signature) = token.rsplit_once('.')?;
    Some(format!("{input}.{}", non_canonical(signature)?))
}

/// `segment` with the `=` padding RFC 7515 §2 removes.
fn padded(segment: &str) -> Option<String> {
    let pad = (4 - segment.len() % 4) % 4;
    (pad > 0).then(|| format!("{segment}{}", "=".repeat(pad)))
}

/// An ID-JAG whose header (`header` true) or payload segment is re-encoded by `reencode`
/// (`None` when it cannot change that segment), signed over the re-encoded text.
fn signed_reencoded(
    jti: &str,
    header: bool,
    reencode: fn(&str) -> Option<String>,
) -> Option<String> {
    let header_text = b64(id_jag_header().to_string().as_bytes());
    // Lengthen the jti until the payload's encoding has a partial last group.
    let mut jti = jti.to_owned();
    let mut payload_text = b64(id_jag_claims(&jti).to_string().as_bytes());
    while payload_text.len().is_multiple_of(4) {
        jti.push('x');
        payload_text = b64(id_jag_claims(&jti).to_string().as_bytes());
    }
    let input = if header {
        format!("{}.{payload_text}", reencode(&header_text)?)
    } else {
        format!("{header_text}.{}", reencode(&payload_text)?)
    };
    let signature = sign(&input, &Signer::Es256(&keys().idp_ec));
    Some(format!("{input}.{}", b64(&signature)))
}

/// The cases, in a fixed order.
pub(super) fn cases() -> Vec<Case> {
    let v = "validator";
    let mut out = Vec::new();
    let boundary = NOW - LEEWAY;

    // Fractional NumericDates round towards rejection (ARCHITECTURE.md "Decisions"; RFC 7519
    // §4.1.4–4.1.6 allow fractions): exp down, nbf and iat up.
    // `claims` with integer changes merged, then `name` set to the literal `literal`.
    let claims = |mut claims: Value, changes: Value, name: &str, literal: String| {
        merge(&mut claims, changes);
        with_literal(claims, name, &literal)
    };
    let header = id_jag_header().to_string();
    out.push(
        Case::new(
            "C06-e",
            CLAIMS,
            "C06",
            v,
            "fractional exp rounds down: now − leeway + 0.5 is expired (ID-JAG, access token); now + 100.75 is valid",
        )
        .step(jag(
            jag_text(
                &header,
                &claims(
                    id_jag_claims("C06-e-1"),
                    json!({"iat": NOW - 100}),
                    "exp",
                    format!("{boundary}.5"),
                ),
            ),
            "expired",
        ))
        .step(jag(
            jag_literal("C06-e-2", "exp", &format!("{}.75", NOW + 100)),
            "valid",
        ))
        .step(Step::access_token(
            at_text(&claims(
                at_claims(),
                json!({"iat": NOW - 200}),
                "exp",
                format!("{boundary}.5"),
            )),
            "expired",
        )),
    );
    out.push(
        Case::new(
            "C07-c",
            CLAIMS,
            "C07",
            v,
            "fractional nbf rounds up: now + leeway + 0.5 is not_yet_valid (ID-JAG, access token); now − 0.5 is valid",
        )
        .step(jag(
            jag_literal("C07-c-1", "nbf", &format!("{}.5", NOW + LEEWAY)),
            "not_yet_valid",
        ))
        .step(jag(
            jag_literal("C07-c-2", "nbf", &format!("{}.5", NOW - 1)),
            "valid",
        ))
        .step(Step::access_token(
            at_text(&with_literal(
                at_claims(),
                "nbf",
                &format!("{}.5", NOW + LEEWAY),
            )),
            "not_yet_valid",
        )),
    );
    out.push(
        Case::new(
            "C08-c",
            CLAIMS,
            "C08",
            v,
            "fractional iat rounds up: now + leeway + 0.5 is issued_in_future; now − 10.25 is valid",
        )
        .step(jag(
            jag_text(
                &header,
                &claims(
                    id_jag_claims("C08-c-1"),
                    json!({"exp": NOW + 200}),
                    "iat",
                    format!("{}.5", NOW + LEEWAY),
                ),
            ),
            "issued_in_future",
        ))
        .step(jag(
            jag_literal("C08-c-2", "iat", &format!("{}.75", NOW - 11)),
            "valid",
        )),
    );
    out.push(
        Case::new(
            "C04-c",
            CLAIMS,
            "C04",
            v,
            "NumericDate spellings: exp 1.80000029E9 and 1800000290.0 are the same number (valid); 1e400 is no finite number (malformed); -0.0 is out of range (claim_invalid)",
        )
        .step(jag(jag_literal("C04-c-1", "exp", "1.80000029E9"), "valid"))
        .step(jag(jag_literal("C04-c-2", "exp", "1800000290.0"), "valid"))
        .step(jag(jag_literal("C04-c-3", "exp", "1e400"), "malformed"))
        .step(jag(jag_literal("C04-c-4", "exp", "-0.0"), "claim_invalid")),
    );
    // `null` is not a value of a required claim's type (RFC 7519 §4.1; specs §3c rule 8).
    let mut c = Case::new(
        "C05-c",
        CLAIMS,
        "C05",
        v,
        "ID-JAG iss, sub, aud, client_id, jti or iat, access-token sub or jti as null: claim_invalid",
    );
    for name in ["iss", "sub", "aud", "client_id", "jti", "iat"] {
        c = c.step(jag(
            jag_literal(&format!("C05-c-{name}"), name, "null"),
            "claim_invalid",
        ));
    }
    for name in ["sub", "jti"] {
        c = c.step(Step::access_token(
            at_text(&with_literal(at_claims(), name, "null")),
            "claim_invalid",
        ));
    }
    out.push(c);
    out.push(
        Case::new(
            "C09-b",
            CLAIMS,
            "C09",
            v,
            "ID-JAG iat = now − 1000 with exp = now + 10 is lifetime_too_long (exp − iat > 300); an access token issued ten years ago is valid (no maximum lifetime)",
        )
        .step(jag(
            id_jag("C09-b-1", json!({"iat": NOW - 1000, "exp": NOW + 10})),
            "lifetime_too_long",
        ))
        .step(Step::access_token(
            access_token(json!({"iat": 1_484_640_000})),
            "valid",
        )),
    );

    // Non-canonical base64url: non-zero unused bits in a segment's last character (RFC 4648
    // §3.5; RFC 7515 §2 base64url is canonical), even under a genuine signature.
    let mut c = Case::new(
        "S11",
        STRUCTURE,
        "S11",
        v,
        "non-zero unused bits in the last character of the signature (ES256, RS256, access token), or of a header or payload signed as written: malformed",
    );
    let rs256 = {
        let mut header = id_jag_header();
        header["alg"] = json!("RS256");
        header["kid"] = json!("idp-rsa");
        mint_raw(
            &header.to_string(),
            &id_jag_claims("S11-rs256").to_string(),
            Signer::Rs256(&keys().idp_rsa),
        )
    };
    for token in [
        signature_non_canonical(&id_jag("S11-es256", json!({})).token),
        signature_non_canonical(&rs256.token),
        signed_reencoded("S11-payload", false, non_canonical),
        signed_reencoded("S11-header", true, non_canonical),
    ]
    .into_iter()
    .flatten()
    {
        c = c.step(jag(Minted::verbatim(token), "malformed"));
    }
    if let Some(token) = signature_non_canonical(&access_token(json!({"jti": "S11-at"})).token) {
        c = c.step(Step::access_token(Minted::verbatim(token), "malformed"));
    }
    out.push(c);

    // JSON texts that are valid though not minimal (RFC 8259 §2 insignificant whitespace,
    // §7 escapes, UTF-8 and surrogate pairs): the same members, so valid.
    let claims_text = |jti: &str| id_jag_claims(jti).to_string();
    let pretty = |value: Value| serde_json::to_string_pretty(&value).unwrap_or_default();
    let header_crlf = header.replace(",\"", ",\r\n \"");
    let c = Case::new(
        "S15-b",
        STRUCTURE,
        "S15",
        v,
        "valid JSON spellings are parsed, not matched: CRLF and indentation, whitespace around the object, escaped member names and values, an escaped surrogate pair, a raw emoji: valid",
    );
    let texts = vec![
        (header_crlf, claims_text("S15-b-1")),
        (format!(" \t{header}\n "), claims_text("S15-b-2")),
        (
            header.replacen("\"typ\"", "\"\\u0074yp\"", 1),
            claims_text("S15-b-3"),
        ),
        (
            header.replacen("\"ES256\"", "\"ES\\u0032\\u0035\\u0036\"", 1),
            claims_text("S15-b-4"),
        ),
        (header.clone(), pretty(id_jag_claims("S15-b-5"))),
        (
            header.clone(),
            format!(" \r\n\t{}\n", claims_text("S15-b-6")),
        ),
        (
            header.clone(),
            claims_text("S15-b-7").replacen("\"iss\"", "\"\\u0069ss\"", 1),
        ),
        (
            header.clone(),
            claims_text("S15-b-8").replacen("U019488227", "U\\ud83d\\ude00", 1),
        ),
        (
            header.clone(),
            claims_text("S15-b-9").replacen("U019488227", "U01\u{1f600}", 1),
        ),
    ];
    out.push(text_steps(c, texts, "valid"));

    // Near-JSON that is not JSON (RFC 8259): NaN, a number beyond f64, trailing data, two
    // objects, a trailing comma, single quotes, a raw control character in a string.
    let c = Case::new(
        "S17-c",
        STRUCTURE,
        "S17",
        v,
        "not JSON: NaN or 1e400 in an extra claim, trailing garbage or a second object after the header or claims, a trailing comma, single quotes, a raw tab in a string: malformed",
    );
    let base = claims_text("S17-c");
    let body = base.strip_suffix('}').unwrap_or(&base);
    let texts = vec![
        (header.clone(), with_member(&base, "\"x\":NaN")),
        (header.clone(), with_member(&base, "\"x\":1e400")),
        (format!("{header}x"), base.clone()),
        (format!("{header}{{}}"), base.clone()),
        (header.clone(), format!("{base}x")),
        (header.clone(), format!("{base}{{}}")),
        (header.clone(), format!("{body},}}")),
        (
            header.clone(),
            base.replacen("\"sub\":\"U019488227\"", "'sub':'U019488227'", 1),
        ),
        (
            header.clone(),
            base.replacen("U019488227", "U01\t9488227", 1),
        ),
    ];
    out.push(text_steps(c, texts, "malformed"));

    // Padding under a signature that covers it: the segment is still not base64url without
    // padding (RFC 7515 §2), whatever the signature says.
    let mut c = Case::new(
        "S09-c",
        STRUCTURE,
        "S09",
        v,
        "`=` padding on the header or payload segment, with the signature over the padded text: malformed",
    );
    for token in [
        signed_reencoded("S09-c-header", true, padded),
        signed_reencoded("S09-c-payload", false, padded),
    ]
    .into_iter()
    .flatten()
    {
        c = c.step(jag(Minted::verbatim(token), "malformed"));
    }
    out.push(c);

    // UTF-8 without a BOM and without lone surrogates (RFC 8259 §8.1, §8.2; RFC 8725 §3.7).
    let at_base = at_claims().to_string();
    out.push(
        Case::new(
            "S15-c",
            STRUCTURE,
            "S15",
            v,
            "a BOM before the header or claims JSON (ID-JAG, access token), or a lone surrogate escape in an access token's sub: malformed",
        )
        .step(jag(
            jag_text(&format!("\u{feff}{header}"), &claims_text("S15-c-1")),
            "malformed",
        ))
        .step(jag(
            jag_text(&header, &format!("\u{feff}{}", claims_text("S15-c-2"))),
            "malformed",
        ))
        .step(Step::access_token(
            at_text(&format!("\u{feff}{at_base}")),
            "malformed",
        ))
        .step(Step::access_token(
            at_text(&at_base.replacen("U019488227", "U\\ud800", 1)),
            "malformed",
        )),
    );

    out.push(
        Case::new(
            "S18-c",
            STRUCTURE,
            "S18",
            v,
            "crit twice in the header (first [\"exp\"], then []): malformed, never last-wins",
        )
        .step(jag(
            jag_text(
                &with_member(&header, "\"crit\":[\"exp\"],\"crit\":[]"),
                &claims_text("S18-c"),
            ),
            "malformed",
        )),
    );

    // The JSON depth cap is 16 (specs §4.2 rule 16): 17 nested arrays exceed it, 10 do not.
    let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    out.push(
        Case::new(
            "S20-f",
            STRUCTURE,
            "S20",
            v,
            "17 nested arrays in a header member or a claim: limit_exceeded; 10 in a claim: valid",
        )
        .step(jag(
            jag_text(
                &with_member(&header, &format!("\"x\":{}", nested(17))),
                &claims_text("S20-f-1"),
            ),
            "limit_exceeded",
        ))
        .step(jag(
            jag_text(
                &header,
                &with_member(&claims_text("S20-f-2"), &format!("\"x\":{}", nested(17))),
            ),
            "limit_exceeded",
        ))
        .step(jag(
            jag_text(
                &header,
                &with_member(&claims_text("S20-f-3"), &format!("\"x\":{}", nested(10))),
            ),
            "valid",
        )),
    );

    out.push(
        Case::new(
            "T02-d",
            TYP,
            "T02",
            v,
            "typ Application/OAuth-ID-JAG+JWT: media types are case-insensitive and the application/ prefix optional (RFC 7515 §4.1.9): valid",
        )
        .step(jag(
            jag_text(
                &header.replacen("oauth-id-jag+jwt", "Application/OAuth-ID-JAG+JWT", 1),
                &claims_text("T02-d"),
            ),
            "valid",
        )),
    );
    out
}
