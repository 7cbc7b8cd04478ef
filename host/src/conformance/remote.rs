//! Black-box mode: `xaa conformance remote` plays a trusted IdP against any resource
//! authorization server, reached only through its token endpoint. It mints ID-JAGs with the
//! IdP's private key (valid ones, and hostile ones: each differing from a valid one in one
//! detail), sends them with the jwt-bearer grant, and checks the HTTP outcome and OAuth
//! error; for the valid one it also checks the response (RFC 6749 §5.1: Bearer, `expires_in`,
//! no refresh token, `no-store`) and the access token itself (RFC 9068: `typ: at+jwt`, `iss`,
//! `aud` = the resource, `client_id`, `sub`, `scope` ⊆ granted, a lifetime that ends no later
//! than the ID-JAG's), and that a replay is refused.
//!
//! The checks are the suite's rules seen from outside: specs.md §3b and the catalog's J rows.

use std::time::Duration;

use base64::Engine as _;
use serde_json::{json, Value};

use super::run::{CaseResult, Outcome};
use crate::es256::{b64, unb64, EcKey};

/// A form body from name/value pairs, in order (RFC 6749 Appendix B: the HTML form encoding,
/// space as `+`). Encoded by a library, not asked of the component: these requests are the
/// inputs the server under test is judged on.
fn form(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
fn basic_header(id: &str, secret: &str) -> String {
    let encode = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// What the remote run needs.
pub struct Target {
    /// The token endpoint URL.
    pub token_endpoint: String,
    /// The AS's issuer identifier (the ID-JAG's `aud`).
    pub issuer: String,
    /// The resource to ask for.
    pub resource: String,
    /// The client's id at the AS.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// `client_secret_basic` (true) or `client_secret_post`.
    pub basic: bool,
    /// The IdP the AS trusts.
    pub idp_issuer: String,
    /// Its private key.
    pub idp_key: EcKey,
    /// Scope to request (and to put in the ID-JAG), if any.
    pub scope: Option<String>,
    /// The clock (Unix seconds) to mint with.
    pub now: i64,
}

struct Reply {
    status: u16,
    cache_control: Option<String>,
    body: Value,
}

const SECTION_HOSTILE: &str = "specs.md §3b (black box): hostile ID-JAGs";
const SECTION_REQUEST: &str = "specs.md §3b (black box): request and client";
const SECTION_ISSUED: &str = "RFC 6749 §5.1 / RFC 9068 (black box): the issued token";
const SECTION_ENCODING: &str = "RFC 7515 §2 / RFC 4648 §3.5 (black box): base64url";

impl Target {
    fn claims(&self, jti: &str) -> Value {
        let mut claims = json!({
            "iss": self.idp_issuer, "sub": "xaa-conformance-user", "aud": self.issuer,
            "client_id": self.client_id, "jti": jti, "iat": self.now - 5,
            "exp": self.now + 120, "resource": self.resource, "auth_time": self.now - 60,
        });
        if let Some(scope) = &self.scope {
            claims["scope"] = json!(scope);
        }
        claims
    }

    fn header(&self) -> Value {
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": self.idp_key.kid})
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        self.idp_key.mint(header, claims)
    }

    fn params<'a>(&'a self, assertion: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut params = vec![
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion),
            ("resource", self.resource.as_str()),
        ];
        if let Some(scope) = &self.scope {
            params.push(("scope", scope.as_str()));
        }
        params
    }
}

/// Runs every check; `jti_prefix` keeps runs apart (the AS remembers `jti`s).
pub fn run(target: &Target, jti_prefix: &str) -> Result<Vec<CaseResult>, String> {
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let send =
        |params: &[(&str, &str)], credentials: Option<(&str, &str)>| -> Result<Reply, String> {
            let mut request = http
                .post(&target.token_endpoint)
                .header("Content-Type", "application/x-www-form-urlencoded");
            let mut params = params.to_vec();
            match credentials {
                Some((id, secret)) if target.basic => {
                    request = request.header("Authorization", basic_header(id, secret));
                }
                Some((id, secret)) => {
                    params.push(("client_id", id));
                    params.push(("client_secret", secret));
                }
                None => {}
            }
            let response = request
                .body(form(&params))
                .send()
                .map_err(|e| format!("POST {}: {e}", target.token_endpoint))?;
            let status = response.status().as_u16();
            let cache_control = crate::client::header_text(&response, "cache-control");
            let body = response
                .bytes()
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .unwrap_or(Value::Null);
            Ok(Reply {
                status,
                cache_control,
                body,
            })
        };
    let creds = Some((target.client_id.as_str(), target.client_secret.as_str()));
    let mut results = Vec::new();
    let mut record =
        |id: &str, section: &str, rule: &str, title: &str, outcome: Outcome, actual: Value| {
            results.push(CaseResult {
                id: id.to_owned(),
                section: section.to_owned(),
                rule: rule.to_owned(),
                title: title.to_owned(),
                outcome,
                actual: vec![actual],
            });
        };
    let observed = |r: &Reply| json!({"status": r.status, "error": r.body.get("error")});
    let expect_error = |r: &Reply, status: u16, errors: &[&str]| -> Outcome {
        let error = r.body.get("error").and_then(Value::as_str).unwrap_or("");
        if r.status == status && errors.contains(&error) {
            Outcome::Pass
        } else {
            Outcome::Fail(format!(
                "expected HTTP {status} {}, got HTTP {} {}",
                errors.join(" or "),
                r.status,
                if error.is_empty() {
                    "(no error)"
                } else {
                    error
                }
            ))
        }
    };

    // The valid exchange, its response and its token.
    let jti = format!("{jti_prefix}-valid");
    let claims = target.claims(&jti);
    let valid = target.sign(&target.header(), &claims);
    let reply = send(&target.params(&valid), creds)?;
    let issued = reply.status == 200;
    record(
        "remote-valid",
        SECTION_ISSUED,
        "§3b; RFC 7523 §2.1",
        "a valid ID-JAG from the trusted IdP is exchanged for an access token",
        if issued {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("HTTP {} {}", reply.status, reply.body))
        },
        observed(&reply),
    );
    for (id, rule, title, check) in response_checks(target, &claims, &reply) {
        let outcome = if !issued {
            Outcome::NotApplicable("no token was issued".into())
        } else {
            match check {
                Ok(()) => Outcome::Pass,
                Err(why) => Outcome::Fail(why),
            }
        };
        record(id, SECTION_ISSUED, rule, title, outcome, Value::Null);
    }
    let replay = send(&target.params(&valid), creds)?;
    record(
        "remote-replay",
        SECTION_HOSTILE,
        "§3b rule 10; J05",
        "the same ID-JAG a second time is refused",
        expect_error(&replay, 400, &["invalid_grant"]),
        observed(&replay),
    );

    // Hostile ID-JAGs: each differs from a valid one in one detail.
    let stranger = EcKey::stranger()?;
    let hostile: Vec<(&str, &str, &str, String)> = hostile_tokens(target, &stranger, jti_prefix);
    for (id, rule, title, token) in &hostile {
        let reply = send(&target.params(token), creds)?;
        record(
            id,
            SECTION_HOSTILE,
            rule,
            title,
            expect_error(&reply, 400, &["invalid_grant"]),
            observed(&reply),
        );
    }
    // Scope: asking for more than the ID-JAG granted must not yield it (specs.md §3b rule
    // 15). The positive control is `remote-valid`: the same construction asking for exactly
    // the granted scope.
    let jag = target.claims(&format!("{jti_prefix}-scope-more"));
    let token = target.sign(&target.header(), &jag);
    let more = match &target.scope {
        Some(scope) => format!("{scope} {NOT_GRANTED}"),
        None => NOT_GRANTED.to_owned(),
    };
    let mut params = target.params(&token);
    params.retain(|(k, _)| *k != "scope");
    params.push(("scope", more.as_str()));
    let reply = send(&params, creds)?;
    record(
        "remote-scope-beyond-grant",
        SECTION_HOSTILE,
        "§3b rule 15; RFC 6749 §3.3, §5.1",
        "asking for a scope the ID-JAG did not grant yields no token with it",
        scope_outcome(&reply, &more, target.scope.as_deref()),
        observed(&reply),
    );

    // Lifetime: an ID-JAG valid for a day. No RFC sets a maximum, but the MCP profile
    // requires short-lived ID-JAGs and every example is minutes: accepting one is a warning.
    // The positive control is `remote-valid` (a 125-second ID-JAG, otherwise identical).
    let mut day = target.claims(&format!("{jti_prefix}-lifetime-day"));
    day["exp"] = json!(target.now + 86_400);
    let reply = send(&target.params(&target.sign(&target.header(), &day)), creds)?;
    record(
        "remote-lifetime-day",
        SECTION_HOSTILE,
        "§3b rule 9; MCP enterprise-managed authorization (short-lived ID-JAGs)",
        "an ID-JAG valid for 24 hours is refused",
        if reply.status == 200 {
            Outcome::Warning(
                "accepted an ID-JAG valid for 24 hours: cap the assertion lifetime (minutes, \
                 as the profile's examples), so a leaked ID-JAG is not good for a day"
                    .into(),
            )
        } else {
            expect_error(&reply, 400, &["invalid_grant"])
        },
        observed(&reply),
    );

    // Encoding: the pad bits of a segment's last character (RFC 4648 §3.5). A decoder MAY
    // reject them, so accepting them is a warning, not a failure; the control, built the same
    // way with the bits clear, must be accepted, so a refusal is the bits' doing.
    for (id, title, token) in encoding_tokens(target, jti_prefix) {
        let reply = send(&target.params(&token), creds)?;
        let outcome = if id == ENCODING_CONTROL {
            if reply.status == 200 {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("HTTP {} {}", reply.status, reply.body))
            }
        } else if reply.status == 200 {
            Outcome::Warning(
                "accepted: the signature verified over the text as sent, but this text is not \
                 the canonical encoding of its bytes (RFC 7515 §2 asks for it; RFC 4648 §3.5 \
                 lets a decoder refuse it, and a strict one does)"
                    .into(),
            )
        } else {
            expect_error(&reply, 400, &["invalid_grant", "invalid_request"])
        };
        record(
            id,
            SECTION_ENCODING,
            "RFC 7515 §2; RFC 4648 §3.5; T-rows",
            title,
            outcome,
            observed(&reply),
        );
    }

    // The resource: an ID-JAG for another resource is not good for this one.
    let mut other = target.claims(&format!("{jti_prefix}-other-resource"));
    other["resource"] = json!("https://not-this-resource.example/mcp");
    let token = target.sign(&target.header(), &other);
    let reply = send(&target.params(&token), creds)?;
    record(
        "remote-resource-mismatch",
        SECTION_HOSTILE,
        "§3b rule 14",
        "an ID-JAG for another resource does not yield a token for this one",
        expect_error(&reply, 400, &["invalid_grant", "invalid_target"]),
        observed(&reply),
    );

    // The request and the client.
    let fresh = |n: &str| {
        target.sign(
            &target.header(),
            &target.claims(&format!("{jti_prefix}-{n}")),
        )
    };
    let token = fresh("bad-secret");
    let valid = target.params(&token);
    let mut other_grant = valid.clone();
    other_grant[0] = (
        "grant_type",
        "urn:ietf:params:oauth:grant-type:saml2-bearer",
    );
    let mut two_assertions = valid.clone();
    two_assertions.push(("assertion", token.as_str()));
    let no_assertion: Vec<_> = valid
        .iter()
        .copied()
        .filter(|(k, _)| *k != "assertion")
        .collect();
    let wrong_secret = Some((target.client_id.as_str(), "not-the-secret"));
    // One row per request: case id, rule, title, parameters, credentials, status, errors.
    #[rustfmt::skip]
    let requests = [
        ("remote-wrong-secret", "§3b rule 2; RFC 6749 §5.2", "a wrong client secret is invalid_client (401)", &valid, wrong_secret, 401, &["invalid_client"]),
        ("remote-no-client-auth", "§3b rule 2", "no client authentication is invalid_client (401)", &valid, None, 401, &["invalid_client"]),
        ("remote-grant-type", "§3b rule 1", "another grant type is unsupported_grant_type", &other_grant, creds, 400, &["unsupported_grant_type"]),
        ("remote-two-assertions", "§3b rule 1; RFC 6749 §3.2", "two assertion parameters are invalid_request", &two_assertions, creds, 400, &["invalid_request"]),
        ("remote-no-assertion", "§3b rule 1", "no assertion is invalid_request", &no_assertion, creds, 400, &["invalid_request"]),
    ];
    for (id, rule, title, params, credentials, status, errors) in requests {
        let reply = send(params, credentials)?;
        let outcome = expect_error(&reply, status, errors);
        record(id, SECTION_REQUEST, rule, title, outcome, observed(&reply));
    }
    let reply = send(&target.params(&token), creds)?;
    record(
        "remote-refusals-do-not-consume",
        SECTION_REQUEST,
        "§3b (jti consumed only on success)",
        "the ID-JAG refused above for client reasons is still good afterwards",
        if reply.status == 200 {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("HTTP {} {}", reply.status, reply.body))
        },
        observed(&reply),
    );
    Ok(results)
}

/// The identifier with its trailing slash removed, or one added.
fn slash_twin(identifier: &str) -> String {
    match identifier.strip_suffix('/') {
        Some(trimmed) => trimmed.to_owned(),
        None => format!("{identifier}/"),
    }
}

/// A scope no ID-JAG of this run grants.
const NOT_GRANTED: &str = "xaa-conformance-not-granted";

/// `remote-scope-beyond-grant`: refused with `invalid_scope`, or a token whose scope (the
/// access token's `scope` claim, else the response's `scope`, else — RFC 6749 §5.1 — the
/// requested one) stays within what the ID-JAG granted.
fn scope_outcome(reply: &Reply, requested: &str, granted_by_jag: Option<&str>) -> Outcome {
    let error = reply
        .body
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("");
    if reply.status == 400 && error == "invalid_scope" {
        return Outcome::Pass;
    }
    if reply.status != 200 {
        return Outcome::Fail(format!(
            "expected HTTP 200 within the granted scope or 400 invalid_scope, got HTTP {} {}",
            reply.status,
            if error.is_empty() {
                "(no error)"
            } else {
                error
            }
        ));
    }
    let claim = reply
        .body
        .get("access_token")
        .and_then(Value::as_str)
        .and_then(|t| t.split('.').nth(1))
        .and_then(decode)
        .and_then(|claims| {
            claims
                .get("scope")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    let issued = claim
        .or_else(|| {
            reply
                .body
                .get("scope")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| requested.to_owned());
    let allowed: Vec<&str> = granted_by_jag
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    let beyond: Vec<&str> = issued.split(' ').filter(|s| !allowed.contains(s)).collect();
    if beyond.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "issued scope {issued:?} includes {beyond:?}, which the ID-JAG did not grant"
        ))
    }
}

/// The token with its signature's FIRST character changed. That character carries six data
/// bits (the top of the signature's first byte), so the signature bytes differ on every run,
/// whatever the token. (The last one would not do: an 86-character ES256 signature ends in a
/// character with two data bits and four pad bits, and changing it may touch only the pad,
/// which tests strict decoding instead of the signature; `encoding_tokens` tests that.)
fn flip_signature(token: &str) -> String {
    let Some(dot) = token.rfind('.') else {
        return token.to_owned();
    };
    let mut bytes = token.as_bytes().to_vec();
    if let Some(first) = bytes.get_mut(dot + 1) {
        *first = if *first == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap_or_default()
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The segment with a pad bit set in its last character (RFC 4648 §3.5): the same bytes to
/// a lenient decoder, another text. `None` when the segment has no pad bits (length ≡ 0 mod 4).
fn with_stray_bits(segment: &str) -> Option<String> {
    if segment.len() % 4 < 2 {
        return None;
    }
    let (head, last) = segment.split_at(segment.len() - 1);
    let value = BASE64URL
        .iter()
        .position(|&c| Some(c) == last.bytes().next())?;
    // Canonical text has every pad bit clear; the lowest bit is a pad bit for both partial
    // lengths (4 pad bits after one byte, 2 after two).
    let stray = *BASE64URL.get(value | 1)?;
    (value & 1 == 0).then(|| format!("{head}{}", char::from(stray)))
}

/// JSON text whose base64url encoding has pad bits (its length ≡ 1 mod 3): insignificant
/// whitespace after the opening brace (RFC 8259 §2), so every decoder reads the same object.
fn with_pad_bits(json: &Value) -> String {
    let text = json.to_string();
    let spaces = (4 - text.len() % 3) % 3;
    format!(
        "{{{}{}",
        " ".repeat(spaces),
        text.get(1..).unwrap_or_default()
    )
}

const ENCODING_CONTROL: &str = "remote-base64url-canonical-control";

/// The positive control and one token per segment with a stray pad bit; each is signed over
/// the text as sent, so only the encoding differs from the control. One row per token.
#[rustfmt::skip]
fn encoding_tokens(target: &Target, prefix: &str) -> Vec<(&'static str, &'static str, String)> {
    let build = |n: &str, stray_header: bool, stray_payload: bool, stray_signature: bool| {
        let header = b64(with_pad_bits(&target.header()).as_bytes());
        let claims = target.claims(&format!("{prefix}-{n}"));
        let payload = b64(with_pad_bits(&claims).as_bytes());
        let stray = |segment: String, on: bool| if on { with_stray_bits(&segment).unwrap_or(segment) } else { segment };
        let input = format!("{}.{}", stray(header, stray_header), stray(payload, stray_payload));
        let signature = b64(&target.idp_key.sign(&input));
        format!("{input}.{}", stray(signature, stray_signature))
    };
    vec![
        (ENCODING_CONTROL, "the same construction, canonical, is accepted (the control)", build("b64-control", false, false, false)),
        ("remote-base64url-stray-bits-header", "a pad bit set in the header's last character", build("b64-header", true, false, false)),
        ("remote-base64url-stray-bits-payload", "a pad bit set in the payload's last character", build("b64-payload", false, true, false)),
        ("remote-base64url-stray-bits-signature", "a pad bit set in the signature's last character", build("b64-signature", false, false, true)),
    ]
}

type Check = (&'static str, &'static str, &'static str, Result<(), String>);

fn decode(part: &str) -> Option<Value> {
    serde_json::from_slice(&unb64(part)?).ok()
}

fn response_checks(target: &Target, jag: &Value, reply: &Reply) -> Vec<Check> {
    let body = &reply.body;
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut parts = token.split('.');
    let header = parts.next().and_then(decode).unwrap_or(Value::Null);
    let claims = parts.next().and_then(decode).unwrap_or(Value::Null);
    let is = |ok: bool, why: String| if ok { Ok(()) } else { Err(why) };
    let granted: Vec<&str> = claims
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    let allowed: Vec<&str> = jag
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let jag_exp = jag.get("exp").and_then(Value::as_i64).unwrap_or(0);
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == &target.resource,
        Some(Value::Array(list)) => list.len() == 1 && list[0] == json!(target.resource),
        _ => false,
    };
    vec![
        (
            "remote-token-type",
            "RFC 6749 §5.1; ID-JAG §4.4.2",
            "token_type is Bearer and expires_in is given",
            is(
                body.get("token_type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| t.eq_ignore_ascii_case("Bearer"))
                    && body
                        .get("expires_in")
                        .and_then(Value::as_u64)
                        .is_some_and(|s| s > 0),
                format!(
                    "token_type {:?}, expires_in {:?}",
                    body.get("token_type"),
                    body.get("expires_in")
                ),
            ),
        ),
        (
            "remote-no-refresh-token",
            "ID-JAG §4.4.3",
            "no refresh token is issued",
            is(
                body.get("refresh_token").is_none(),
                "a refresh_token was issued".into(),
            ),
        ),
        (
            "remote-no-store",
            "RFC 6749 §5.1",
            "the response is Cache-Control: no-store",
            is(
                reply
                    .cache_control
                    .as_deref()
                    .is_some_and(|c| c.to_ascii_lowercase().contains("no-store")),
                format!("Cache-Control {:?}", reply.cache_control),
            ),
        ),
        (
            "remote-at-typ",
            "RFC 9068 §2.1",
            "the access token's typ is at+jwt",
            is(
                header.get("typ").and_then(Value::as_str).is_some_and(|t| {
                    matches!(
                        t.to_ascii_lowercase().as_str(),
                        "at+jwt" | "application/at+jwt"
                    )
                }),
                format!("header {header}"),
            ),
        ),
        (
            "remote-at-iss",
            "RFC 9068 §2.2",
            "iss is the authorization server",
            is(
                claims.get("iss") == Some(&json!(target.issuer)),
                format!("iss {:?}", claims.get("iss")),
            ),
        ),
        (
            "remote-at-aud",
            "RFC 9068 §2.2; RFC 8707; specs.md §3b rule 14",
            "aud is exactly the resource",
            is(aud_ok, format!("aud {:?}", claims.get("aud"))),
        ),
        (
            "remote-at-client-and-subject",
            "RFC 9068 §2.2",
            "client_id is the client and sub the ID-JAG's subject (or it in a namespace of its issuer, `<ns>:<sub>`, as a server trusting several IdPs must)",
            is(
                claims.get("client_id") == Some(&json!(target.client_id))
                    && match (claims.get("sub").and_then(Value::as_str), jag.get("sub").and_then(Value::as_str)) {
                        (Some(sub), Some(original)) => {
                            sub == original || sub.ends_with(&format!(":{original}"))
                        }
                        _ => false,
                    },
                format!(
                    "client_id {:?}, sub {:?}",
                    claims.get("client_id"),
                    claims.get("sub")
                ),
            ),
        ),
        (
            "remote-at-scope",
            "specs.md §3b rule 15",
            "scope is within what the ID-JAG granted",
            is(
                granted.iter().all(|s| allowed.contains(s)),
                format!("scope {granted:?} not within {allowed:?}"),
            ),
        ),
        (
            "remote-at-lifetime",
            "RFC 9068 §2.2; specs.md §3b rule 17",
            "the token expires after now and no later than the ID-JAG",
            is(
                exp > target.now && exp <= jag_exp,
                format!("exp {exp}, now {}, ID-JAG exp {jag_exp}", target.now),
            ),
        ),
        (
            "remote-at-jti",
            "RFC 9068 §2.2",
            "the token has a jti, not the ID-JAG's",
            is(
                claims
                    .get("jti")
                    .and_then(Value::as_str)
                    .is_some_and(|j| Some(j) != jag.get("jti").and_then(Value::as_str)),
                format!("jti {:?}", claims.get("jti")),
            ),
        ),
    ]
}

/// `object` with member `name` set to `value`, or removed when `value` is null.
fn edited(object: &Value, name: &str, value: Value) -> Value {
    let mut edited = object.clone();
    if value.is_null() {
        if let Some(map) = edited.as_object_mut() {
            map.remove(name);
        }
    } else {
        edited[name] = value;
    }
    edited
}

/// The hostile ID-JAGs, one per row: case id, rule, what differs from a valid one, token.
#[rustfmt::skip]
fn hostile_tokens<'a>(
    target: &Target,
    stranger: &EcKey,
    prefix: &str,
) -> Vec<(&'a str, &'a str, &'a str, String)> {
    let header = target.header();
    let claims = |n: &str| target.claims(&format!("{prefix}-{n}"));
    let with = |n: &str, name: &str, value: Value| target.sign(&header, &edited(&claims(n), name, value));
    let with_header = |n: &str, name: &str, value: Value| target.sign(&edited(&header, name, value), &claims(n));
    let none = {
        let h = b64(br#"{"typ":"oauth-id-jag+jwt","alg":"none"}"#);
        let p = b64(claims("none").to_string().as_bytes());
        format!("{h}.{p}.")
    };
    let (now, other_as) = (target.now, "https://other-as.example.com");
    vec![
        ("remote-aud-other", "§3b rule 7; J01", "aud is another authorization server", with("aud-other", "aud", json!(other_as))),
        ("remote-aud-two", "§3b rule 7", "aud is an array of two, this server among them", with("aud-two", "aud", json!([target.issuer, other_as]))),
        ("remote-aud-slash", "§3b rule 7", "aud differs by a trailing slash", with("aud-slash", "aud", json!(slash_twin(&target.issuer)))),
        ("remote-client-mismatch", "§3b rule 8; J03", "client_id is another client's", with("client", "client_id", json!("someone-else"))),
        ("remote-expired", "§3b rule 9", "expired ten minutes ago", with("expired", "exp", json!(now - 600))),
        ("remote-no-exp", "§3b rule 9", "no exp", with("no-exp", "exp", Value::Null)),
        ("remote-iat-future", "§3b rule 9", "issued an hour in the future", with("iat-future", "iat", json!(now + 3600))),
        ("remote-nbf-future", "§3b rule 9", "not valid for an hour", with("nbf", "nbf", json!(now + 3600))),
        ("remote-no-jti", "§3b rule 10", "no jti", with("no-jti", "jti", Value::Null)),
        ("remote-no-sub", "§3b rule 11", "no sub", with("no-sub", "sub", Value::Null)),
        ("remote-iss-untrusted", "§3b rule 5", "an issuer the server does not trust, signed with the IdP's key", with("iss", "iss", json!("https://untrusted-idp.example.com"))),
        ("remote-typ-missing", "§3b rule 4", "no typ", with_header("typ-missing", "typ", Value::Null)),
        ("remote-typ-jwt", "§3b rule 4", "typ JWT (an ID token's)", with_header("typ-jwt", "typ", json!("JWT"))),
        ("remote-typ-at", "§3b rule 4", "typ at+jwt (an access token presented as an ID-JAG)", with_header("typ-at", "typ", json!("at+jwt"))),
        ("remote-crit", "§3b rule 4", "an unknown critical header", with_header("crit", "crit", json!(["x-unknown"]))),
        ("remote-jwk-header", "§3b rule 6", "a key embedded in the header (jwk)", with_header("jwk", "jwk", stranger.public_jwk())),
        ("remote-kid-unknown", "§3b rule 6", "a kid the IdP never published", with_header("kid", "kid", json!("no-such-key"))),
        ("remote-alg-none", "§3b rule 4", "alg none with an empty signature", none),
        ("remote-signature-flipped", "§3b rule 6", "one signature character changed", flip_signature(&target.sign(&header, &claims("flipped")))),
        ("remote-signed-by-stranger", "§3b rule 6", "signed by a key nobody trusts", stranger.mint(&header, &claims("stranger"))),
        ("remote-not-a-jwt", "§3b rule 3", "not a compact JWS", "not-a-jwt".to_owned()),
        ("remote-jwe-shape", "§3b rule 3", "five segments (JWE)", "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
    use base64::engine::DecodePaddingMode;

    /// A decoder as lenient as most libraries: pad bits ignored.
    fn lenient(segment: &str) -> Vec<u8> {
        let config = GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone);
        GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
            .decode(segment)
            .unwrap_or_default()
    }

    fn signature_of(token: &str) -> &str {
        token.rsplit('.').next().unwrap_or_default()
    }

    #[test]
    fn rfc6749_appendix_b_and_2_3_1() {
        assert_eq!(form(&[("k", "a b+c/é")]), "k=a+b%2Bc%2F%C3%A9");
        assert_eq!(form(&[("AZaz09-._*~!", "")]), "AZaz09-._*%7E%21=");
        assert_eq!(
            form(&[("grant_type", "x y"), ("k", "")]),
            "grant_type=x+y&k="
        );
        // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
        assert_eq!(basic_header("a:b", "c d"), "Basic YSUzQWI6Yytk");
    }

    #[test]
    fn the_flipped_signature_differs_in_bytes_for_every_signature() {
        // Every first character, and every last character (the old check's blind spot).
        for first in BASE64URL {
            for last in BASE64URL.iter().step_by(4) {
                let mut signature = vec![b'Q'; 86];
                signature[0] = *first;
                signature[85] = *last;
                let token = format!("h.p.{}", String::from_utf8_lossy(&signature));
                let flipped = flip_signature(&token);
                assert_ne!(
                    lenient(signature_of(&token)),
                    lenient(signature_of(&flipped)),
                    "{token}"
                );
            }
        }
    }

    #[test]
    fn stray_bits_change_the_text_not_the_bytes() {
        for len in 1..=66usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 % 256) as u8).collect();
            let canonical = URL_SAFE_NO_PAD.encode(&bytes);
            match with_stray_bits(&canonical) {
                None => assert_eq!(len % 3, 0, "length {len} has pad bits"),
                Some(stray) => {
                    assert_ne!(stray, canonical);
                    assert_eq!(lenient(&stray), bytes, "length {len}");
                    assert!(URL_SAFE_NO_PAD.decode(&stray).is_err(), "length {len}");
                }
            }
        }
    }

    fn reply(status: u16, body: Value) -> Reply {
        Reply {
            status,
            cache_control: None,
            body,
        }
    }

    fn token_with_scope(scope: &str) -> String {
        let claims = URL_SAFE_NO_PAD.encode(json!({"scope": scope}).to_string());
        format!("e30.{claims}.c2ln")
    }

    #[test]
    fn a_scope_beyond_the_grant_fails_however_it_is_issued() {
        let more = "chat.read xaa-conformance-not-granted";
        let granted = Some("chat.read");
        // Refused, or issued within the grant: pass.
        for ok in [
            reply(400, json!({"error": "invalid_scope"})),
            reply(200, json!({"access_token": token_with_scope("chat.read")})),
            reply(200, json!({"access_token": "x.y.z", "scope": "chat.read"})),
        ] {
            assert_eq!(
                scope_outcome(&ok, more, granted),
                Outcome::Pass,
                "{}",
                ok.body
            );
        }
        // The extra scope in the token, in the response, or implied by an absent `scope`
        // (RFC 6749 §5.1: absent means as requested); or another answer.
        for bad in [
            reply(200, json!({"access_token": token_with_scope(more)})),
            reply(200, json!({"access_token": "x.y.z", "scope": more})),
            reply(200, json!({"access_token": "x.y.z"})),
            reply(400, json!({"error": "invalid_grant"})),
            reply(500, json!({})),
        ] {
            assert!(
                matches!(scope_outcome(&bad, more, granted), Outcome::Fail(_)),
                "{}",
                bad.body
            );
        }
    }

    #[test]
    fn padded_json_reads_as_the_same_object_and_has_pad_bits() {
        for extra in 0..3 {
            let value = json!({"a": "x".repeat(extra)});
            let text = with_pad_bits(&value);
            assert_eq!(text.len() % 3, 1);
            assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(value));
        }
    }
}
