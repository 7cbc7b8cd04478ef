//! The component's HTTP surfaces as vectors (kinds `as-http`, `idp-http`, `resource-http`):
//!
//! - specs.md §3b over HTTP: the resource authorization server's token endpoint for the
//!   jwt-bearer grant (config "token-endpoint": `/token`, RFC 8414 metadata, `/jwks.json`),
//!   one or more cases per rule 1–20, client authentication with each method right and
//!   wrong, `unauthorized_client`, single use; ported from `host/tests/serve_as_rules.rs`
//!   and `host/tests/serve_as.rs`;
//! - specs.md §3a over HTTP: the IdP's token exchange (config "identity-provider", and
//!   [`HTTP_IDP`] for a second and a `private_key_jwt` client, several resources and a
//!   maximum authentication age), rules 1–13 and 15–18; ported from
//!   `host/tests/serve_idp_rules.rs` and `host/tests/serve_idp.rs` (rule 5);
//! - RFC 6750 / RFC 9728 at the protected resource (config "validator"); ported from
//!   `host/tests/serve_resource.rs`.
//!
//! Every refusal expects the exact status and OAuth `error` and, where the component reports
//! one, the log-only verdict code; and every refusal has a positive control — a request that
//! differs only in the attacked detail and expects 200 — as a later step of the same case
//! (a refused request consumes nothing: neither the ID-JAG's `jti` nor anything else), or,
//! when the control needs another configuration, as a sibling case (`...-control`).
//!
//! Ids carry `http` (`3b-07-http-...`, `3a-04-http-...`) to stay apart from the validator-level
//! cases of the same rules in `claims.rs`.
//!
//! Not expressible as vectors (a step sees the status, the body's `error` and the verdict
//! code, never the rest of a response): the content of issued tokens and documents —
//! §3b rule 18's response members and issued claims, rule 20's metadata members, §3a rules
//! 10, 12, 13 and 15 beyond "issued" — and the `WWW-Authenticate` challenges. Those rules
//! get their positive paths here; their content stays in the integration tests. §3a rule 14
//! (DPoP at the IdP) is not implemented, so not tested.

use std::collections::BTreeMap;

use crate::base64url::encode as b64;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

use crate::fixtures::{
    baseline_connection_toml, configs as shared_configs, ec_jwk, identity_provider_toml,
    idp_basic_client_toml, idp_connection_toml, idp_head_toml, idp_jwt_client_toml, keys, merge,
    secret_sha256, token_endpoint_toml, AS_ISSUER, CLIENT, CLIENT_SECRET, DISABLED_CLIENT,
    DISABLED_SECRET, IDP_CLIENT, IDP_CLIENT_SECRET, IDP_ISSUER, IDP_USERS_TOML, JWT_CLIENT, NOW,
    OTHER_IDP, OTHER_RESOURCE, POST_CLIENT, POST_SECRET, RESOURCE, TOKEN_URL,
};
use crate::form::{basic_header, form};
use crate::mint::{
    access_token, at_claims, at_header, hmac_sha256, id_jag, id_jag_claims, id_jag_header,
    id_token, mint, refused_id_tokens, Minted, RefusedIdToken, Signer,
};
use crate::steps::FormPost;
use xaa_vectors::{Case, ConfigFiles, Expect, HttpRequest, Input, Step};

const AS_SECTION: &str = "specs.md §3b (resource AS token endpoint, HTTP)";
const IDP_SECTION: &str = "specs.md §3a (IdP token exchange, HTTP)";
const RS_SECTION: &str = "RFC 9728 / RFC 6750 (protected resource, HTTP)";

// ---------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------

/// The shared resource authorization server.
const TOKEN_ENDPOINT: &str = "token-endpoint";
/// The shared IdP.
const IDP: &str = "identity-provider";
/// The shared validator roles (the resource server of [`RESOURCE`]).
const VALIDATOR: &str = "validator";
/// "token-endpoint" with the disabled client enabled for the jwt-bearer grant.
const HTTP_ENABLED: &str = "http-token-endpoint-client-enabled";
/// "identity-provider" without any connection.
const HTTP_IDP_UNCONNECTED: &str = "http-identity-provider-no-connections";
/// An IdP with three clients and more connections (see [`http_idp_toml`]).
const HTTP_IDP: &str = "http-identity-provider";

/// A second client of [`HTTP_IDP`], connected to [`AS_ISSUER`] only.
const WINDSURF: &str = "windsurf";
const WINDSURF_SECRET: &str = "windsurf-secret-2c7e9b";
/// The IdP's token endpoint (the default under its issuer): a client assertion's `aud`.
const IDP_TOKEN_URL: &str = "https://idp.example.com/token";
/// The second server of the IdP's connections ("identity-provider": engineering only,
/// `acr` phrh required; [`HTTP_IDP`]: open).
const AS_B: &str = "https://as-b.example.com";
const B_RESOURCE: &str = "https://b.example.com/mcp";
/// The alias of [`AS_ISSUER`] in "identity-provider".
const AS_ALIAS: &str = "urn:example:as";
/// [`HTTP_IDP`]: a server with two resources, and one asking for a recent authentication.
const AS_MULTI: &str = "https://as-multi.example.com";
const MULTI_1: &str = "https://multi.example.com/one";
const MULTI_2: &str = "https://multi.example.com/two";
const AS_RECENT: &str = "https://as-recent.example.com";
const RECENT_RESOURCE: &str = "https://recent.example.com/mcp";

/// The token endpoints' path (both servers).
const TOKEN_PATH: &str = "/token";
const AS_METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
const JWKS_PATH: &str = "/jwks.json";
/// The protected resource's path and its RFC 9728 metadata path ("validator").
const RESOURCE_PATH: &str = "/mcp";
const PRM_PATH: &str = "/.well-known/oauth-protected-resource/mcp";

const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const TYPE_ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
const TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
const TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
const TYPE_ACCESS_TOKEN: &str = "urn:ietf:params:oauth:token-type:access_token";
const TYPE_SAML2: &str = "urn:ietf:params:oauth:token-type:saml2";

/// The shared configuration `name`'s file `file`, if it has one.
fn shared_file(name: &str, file: &str) -> Option<(String, String)> {
    shared_configs().remove(name).and_then(|c| {
        c.files
            .get(file)
            .map(|text| (file.to_owned(), text.clone()))
    })
}

/// The shared configuration `name` with `toml` in place of its TOML.
fn shared_with(name: &str, toml: String) -> ConfigFiles {
    ConfigFiles {
        toml,
        files: shared_configs()
            .remove(name)
            .map(|c| c.files)
            .unwrap_or_default(),
    }
}

/// "token-endpoint" with the disabled client's `grant_types = []` removed (the default
/// enables the jwt-bearer grant).
fn enabled_toml() -> String {
    token_endpoint_toml().replacen("grant_types = []\n", "", 1)
}

/// "identity-provider" up to its first connection.
fn unconnected_toml() -> String {
    let toml = identity_provider_toml();
    match toml.find("\n[[connections]]") {
        Some(i) => toml[..=i].to_owned(),
        None => toml,
    }
}

/// The IdP of [`HTTP_IDP`]: clients cursor, windsurf (Basic) and jwt-client
/// (`private_key_jwt`, `client.jwks`); users alice (engineering), bob (disabled), carol;
/// connections cursor → the AS (as "identity-provider"), windsurf → the AS, jwt-client → the
/// AS, cursor → B (open), cursor → a server with two resources, cursor → a server asking
/// for an authentication at most 600 s old.
fn http_idp_toml() -> String {
    format!(
        r#"{head}{cursor}{windsurf}{jwt}{IDP_USERS_TOML}{baseline}{others}"#,
        baseline = baseline_connection_toml(&[AS_ALIAS]),
        head = idp_head_toml(IDP_ISSUER, ""),
        cursor = idp_basic_client_toml(IDP_CLIENT, &secret_sha256(IDP_CLIENT_SECRET)),
        windsurf = idp_basic_client_toml(WINDSURF, &secret_sha256(WINDSURF_SECRET)),
        jwt = idp_jwt_client_toml(JWT_CLIENT),
        others = [
            idp_connection_toml(
                WINDSURF,
                AS_ISSUER,
                &[RESOURCE],
                &["chat.read"],
                "windsurf-at-as",
                ""
            ),
            idp_connection_toml(
                JWT_CLIENT,
                AS_ISSUER,
                &[RESOURCE],
                &["chat.read"],
                "jwt-client-at-as",
                ""
            ),
            idp_connection_toml(
                IDP_CLIENT,
                AS_B,
                &[B_RESOURCE],
                &["notes.read"],
                "cursor-at-b",
                ""
            ),
            idp_connection_toml(
                IDP_CLIENT,
                AS_MULTI,
                &[MULTI_1, MULTI_2],
                &["chat.read"],
                "cursor-at-multi",
                ""
            ),
            idp_connection_toml(
                IDP_CLIENT,
                AS_RECENT,
                &[RECENT_RESOURCE],
                &["chat.read"],
                "cursor-at-recent",
                "max_auth_age = 600\n"
            ),
        ]
        .concat(),
    )
}

/// Extra configurations these cases need (name, files), beyond the suite's shared ones.
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    let idp_files: BTreeMap<String, String> = [
        shared_file(IDP, "idp.jwk"),
        shared_file(TOKEN_ENDPOINT, "client.jwks"),
    ]
    .into_iter()
    .flatten()
    .collect();
    vec![
        (
            HTTP_ENABLED.to_owned(),
            shared_with(TOKEN_ENDPOINT, enabled_toml()),
        ),
        (
            HTTP_IDP_UNCONNECTED.to_owned(),
            shared_with(IDP, unconnected_toml()),
        ),
        (
            HTTP_IDP.to_owned(),
            ConfigFiles {
                toml: http_idp_toml(),
                files: idp_files,
            },
        ),
    ]
}

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    [as_cases(), idp_cases(), resource_cases()].concat()
}

// ---------------------------------------------------------------------------------------
// Steps and expectations
// ---------------------------------------------------------------------------------------

/// A step presenting `input`, remembering how its minted tokens were made (`--explain`).
fn step(input: Input, minted: &[&Minted], expect: Expect) -> Step {
    let mut hows: Vec<Value> = minted.iter().filter_map(|m| m.how.clone()).collect();
    let minted = match hows.len() {
        0 => None,
        1 => hows.pop(),
        _ => Some(Value::Array(hows)),
    };
    Step {
        input,
        minted,
        expect,
    }
}

/// 200, no error.
fn ok() -> Expect {
    Expect::http(200, None)
}

/// An error response without a verdict code to match.
fn error(status: u16, error: &str) -> Expect {
    Expect::http(status, Some(error))
}

/// 400 `invalid_grant` with the verdict code behind it.
fn invalid_grant(code: &str) -> Expect {
    Expect::http_code(400, "invalid_grant", code)
}

/// A POST of `params` to the AS's token endpoint.
fn as_post(basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> Input {
    Input::AsHttp {
        request: HttpRequest::form_post(TOKEN_PATH, basic, params),
    }
}

/// The jwt-bearer grant parameters for `assertion`, then `extra`.
fn bearer<'a>(assertion: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("grant_type", GRANT_JWT_BEARER), ("assertion", assertion)];
    params.extend_from_slice(extra);
    params
}

/// The jwt-bearer grant for `assertion` as the `client_secret_basic` client [`CLIENT`].
fn basic(assertion: &Minted, extra: &[(&str, &str)], expect: Expect) -> Step {
    step(
        as_post(
            Some((CLIENT, CLIENT_SECRET)),
            &bearer(&assertion.token, extra),
        ),
        &[assertion],
        expect,
    )
}

/// The jwt-bearer grant as the `client_secret_post` client [`POST_CLIENT`].
fn post(assertion: &Minted, extra: &[(&str, &str)], expect: Expect) -> Step {
    let mut params = bearer(
        &assertion.token,
        &[("client_id", POST_CLIENT), ("client_secret", POST_SECRET)],
    );
    params.extend_from_slice(extra);
    step(as_post(None, &params), &[assertion], expect)
}

/// The jwt-bearer grant as the `private_key_jwt` client, with `client_assertion`.
fn with_assertion(assertion: &Minted, client_assertion: &Minted, expect: Expect) -> Step {
    step(
        as_post(
            None,
            &bearer(
                &assertion.token,
                &[
                    ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                    ("client_assertion", &client_assertion.token),
                ],
            ),
        ),
        &[assertion, client_assertion],
        expect,
    )
}

/// The jwt-bearer grant for `token` with these credentials (HTTP Basic or none) and `extra`.
fn with_credentials(
    basic: Option<(&str, &str)>,
    token: &Minted,
    extra: &[(&str, &str)],
    expect: Expect,
) -> Step {
    step(
        as_post(basic, &bearer(&token.token, extra)),
        &[token],
        expect,
    )
}

/// A GET of `path` at the AS.
fn as_get(path: &str, expect: Expect) -> Step {
    step(
        Input::AsHttp {
            request: HttpRequest::get(path),
        },
        &[],
        expect,
    )
}

/// A request with `method` to `path` (no body) at the AS.
fn as_method(method: &str, path: &str, expect: Expect) -> Step {
    step(
        Input::AsHttp {
            request: HttpRequest {
                method: method.to_owned(),
                ..HttpRequest::get(path)
            },
        },
        &[],
        expect,
    )
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

/// The baseline ID-JAG claims with `changes`, header `header`, signed with `key`.
fn jag_signed(header: &Value, jti: &str, changes: Value, key: &SigningKey) -> Minted {
    let mut claims = id_jag_claims(jti);
    merge(&mut claims, changes);
    mint(header, &claims, Signer::Es256(key))
}

/// The baseline ID-JAG with header and claim changes, signed by idp-ec.
fn jag(jti: &str, header_changes: Value, changes: Value) -> Minted {
    let mut header = id_jag_header();
    merge(&mut header, header_changes);
    jag_signed(&header, jti, changes, &keys().idp_ec)
}

/// An ID-JAG of the other trusted IdP, signed by its key.
fn other_idp_jag(jti: &str) -> Minted {
    jag_signed(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}),
        jti,
        json!({"iss": OTHER_IDP}),
        &keys().other_ec,
    )
}

/// HS256 over the baseline ID-JAG, keyed with the IdP's public key bytes.
fn hs256_jag(jti: &str) -> Minted {
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "HS256", "kid": "idp-ec"});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(id_jag_claims(jti).to_string().as_bytes())
    );
    let public = keys().idp_ec.verifying_key().to_encoded_point(false);
    let mac = hmac_sha256(public.as_bytes(), input.as_bytes());
    Minted::verbatim(format!("{input}.{}", b64(&mac)))
}

/// An RFC 7523 client assertion of [`JWT_CLIENT`] for `aud`, with claim changes, signed by
/// `key` under the registered kid.
fn client_assertion_for(aud: &str, jti: &str, changes: Value, key: &SigningKey) -> Minted {
    let mut claims = json!({
        "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": aud, "jti": jti,
        "iat": NOW - 5, "exp": NOW + 60,
    });
    merge(&mut claims, changes);
    mint(
        &json!({"alg": "ES256", "kid": "jwt-client-1"}),
        &claims,
        Signer::Es256(key),
    )
}

/// A client assertion for the AS's token endpoint, signed by the client's key.
fn client_assertion(jti: &str, changes: Value) -> Minted {
    client_assertion_for(TOKEN_URL, jti, changes, &keys().client)
}

// ---------------------------------------------------------------------------------------
// specs.md §3b over HTTP
// ---------------------------------------------------------------------------------------

/// A §3b case on "token-endpoint".
fn as_case(id: &str, rule: u8, title: &str) -> Case {
    Case::new(
        id,
        AS_SECTION,
        &format!("§3b rule {rule}"),
        TOKEN_ENDPOINT,
        title,
    )
}

/// `bad` refused with `invalid_grant` / `code`, then the baseline ID-JAG with the same `jti`
/// (`id`) issued.
fn token_refused(id: &str, rule: u8, title: &str, bad: Minted, code: &str) -> Case {
    as_case(id, rule, title)
        .step(basic(&bad, &[], invalid_grant(code)))
        .step(basic(&id_jag(id, json!({})), &[], ok()))
}

/// The baseline ID-JAG with claim `changes` refused with `code`; without them, issued.
fn claims_refused(id: &str, rule: u8, title: &str, changes: Value, code: &str) -> Case {
    token_refused(id, rule, title, id_jag(id, changes), code)
}

/// The baseline ID-JAG with header `changes` refused with `code`; without them, issued.
fn header_refused(id: &str, rule: u8, title: &str, changes: Value, code: &str) -> Case {
    token_refused(id, rule, title, jag(id, changes, json!({})), code)
}

fn as_cases() -> Vec<Case> {
    [rule_01(), rule_02_client_authentication(), rules_03_to_06(), rules_07_to_09(), rule_10(), rules_11_to_13(), rules_14_to_17(), rules_18_to_20()].concat()
}

/// `params` (as the Basic client, built around the case's ID-JAG) answered with `expect`;
/// then the ID-JAG alone, issued.
fn request_refused(
    id: &str,
    title: &str,
    params: impl Fn(&str) -> Vec<(&'static str, String)>,
    expect: Expect,
) -> Case {
    let token = id_jag(id, json!({}));
    let params = params(&token.token);
    let params: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
    as_case(id, 1, title)
        .step(grant_as(
            Some((CLIENT, CLIENT_SECRET)),
            &token,
            &params,
            expect,
        ))
        .step(basic(&token, &[], ok()))
}

/// A POST of exactly `params` (no grant parameters added) naming `token`.
fn grant_as(
    basic: Option<(&str, &str)>,
    token: &Minted,
    params: &[(&str, &str)],
    expect: Expect,
) -> Step {
    step(as_post(basic, params), &[token], expect)
}

fn rule_01() -> Vec<Case> {
    let second = id_jag("3b-01-second", json!({})).token;
    let form_body = id_jag("3b-01-http-not-a-form", json!({}));
    let json_body = HttpRequest {
        method: "POST".into(),
        path: TOKEN_PATH.into(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Authorization".into(), basic_header(CLIENT, CLIENT_SECRET)),
        ],
        body: json!({"grant_type": GRANT_JWT_BEARER, "assertion": form_body.token}).to_string(),
    };
    let no_content_type = HttpRequest {
        method: "POST".into(),
        path: TOKEN_PATH.into(),
        headers: vec![("Authorization".into(), basic_header(CLIENT, CLIENT_SECRET))],
        body: form(&bearer(&form_body.token, &[])),
    };
    vec![
        request_refused(
            "3b-01-http-grant-type-authorization-code",
            "grant_type authorization_code with an ID-JAG: unsupported_grant_type",
            |a| {
                vec![
                    ("grant_type", "authorization_code".into()),
                    ("assertion", a.into()),
                ]
            },
            error(400, "unsupported_grant_type"),
        ),
        request_refused(
            "3b-01-http-grant-type-token-exchange",
            "grant_type token-exchange at the resource AS: unsupported_grant_type",
            |a| {
                vec![
                    ("grant_type", GRANT_TOKEN_EXCHANGE.into()),
                    ("assertion", a.into()),
                ]
            },
            error(400, "unsupported_grant_type"),
        ),
        request_refused(
            "3b-01-http-grant-type-missing",
            "no grant_type: invalid_request",
            |a| vec![("assertion", a.into())],
            error(400, "invalid_request"),
        ),
        request_refused(
            "3b-01-http-grant-type-twice",
            "the grant_type parameter twice: invalid_request",
            |a| {
                vec![
                    ("grant_type", GRANT_JWT_BEARER.into()),
                    ("grant_type", GRANT_JWT_BEARER.into()),
                    ("assertion", a.into()),
                ]
            },
            error(400, "invalid_request"),
        ),
        request_refused(
            "3b-01-http-assertion-missing",
            "the jwt-bearer grant without an assertion: invalid_request",
            |_| vec![("grant_type", GRANT_JWT_BEARER.into())],
            error(400, "invalid_request"),
        ),
        request_refused(
            "3b-01-http-assertion-twice",
            "two assertion parameters (RFC 7523 §2.1: exactly one): invalid_request",
            |a| {
                vec![
                    ("grant_type", GRANT_JWT_BEARER.into()),
                    ("assertion", a.into()),
                    ("assertion", second.clone()),
                ]
            },
            error(400, "invalid_request"),
        ),
        as_case(
            "3b-01-http-get-token",
            1,
            "GET /token: 405 (the token endpoint takes POST only)",
        )
        .step(as_get(TOKEN_PATH, error(405, "method_not_allowed")))
        .step(basic(&id_jag("3b-01-http-get-token", json!({})), &[], ok())),
        as_case(
            "3b-01-http-not-a-form",
            1,
            "a JSON body, and a form without Content-Type: invalid_request (RFC 6749 §3.2)",
        )
        .step(step(
            Input::AsHttp { request: json_body },
            &[&form_body],
            error(400, "invalid_request"),
        ))
        .step(step(
            Input::AsHttp {
                request: no_content_type,
            },
            &[&form_body],
            error(400, "invalid_request"),
        ))
        .step(basic(&form_body, &[], ok())),
    ]
}

fn rule_02_client_authentication() -> Vec<Case> {
    let grant = |id: &str| id_jag(id, json!({}));
    let for_post = |id: &str| id_jag(id, json!({"client_id": POST_CLIENT}));
    let for_jwt = |id: &str| id_jag(id, json!({"client_id": JWT_CLIENT}));
    // The disabled client's registration has no scopes: its ID-JAG carries none.
    let for_disabled = |id: &str| id_jag(id, json!({"client_id": DISABLED_CLIENT, "scope": null}));
    let invalid_client = || error(401, "invalid_client");
    let client_code = |code: &str| Expect::http_code(401, "invalid_client", code);

    let mut cases = Vec::new();

    // No authentication.
    let id = "3b-02-http-no-credentials";
    let t = grant(id);
    cases.push(as_case(id, 2, "no client authentication at all: 401 invalid_client").step(with_credentials(None, &t, &[], invalid_client())).step(basic(&t, &[], ok())));
    let id = "3b-02-http-client-id-only";
    let t = grant(id);
    cases.push(as_case(id, 2, "a confidential client's client_id alone (no public clients): 401 invalid_client").step(with_credentials(None, &t, &[("client_id", CLIENT)], invalid_client())).step(basic(&t, &[], ok())));

    // client_secret_basic.
    let id = "3b-02-http-basic-wrong-secret";
    let t = grant(id);
    cases.push(as_case(id, 2, "client_secret_basic with a wrong secret: 401 invalid_client; right: 200").step(with_credentials(Some((CLIENT, "not-the-secret")), &t, &[], invalid_client())).step(basic(&t, &[], ok())));
    let id = "3b-02-http-basic-unknown-client";
    let t = grant(id);
    cases.push(as_case(id, 2, "client_secret_basic naming an unregistered client: 401 invalid_client").step(with_credentials(Some(("no-such-client", CLIENT_SECRET)), &t, &[], invalid_client())).step(basic(&t, &[], ok())));
    let id = "3b-02-http-basic-client-via-post";
    let t = grant(id);
    cases.push(as_case(id, 2, "the Basic client's right secret in the body (not its registered method): 401").step(with_credentials(None, &t, &[("client_id", CLIENT), ("client_secret", CLIENT_SECRET)], invalid_client())).step(basic(&t, &[], ok())));

    // client_secret_post.
    let id = "3b-02-http-post-wrong-secret";
    let t = for_post(id);
    cases.push(as_case(id, 2, "client_secret_post with a wrong secret: 401 invalid_client; right: 200").step(with_credentials(None, &t, &[("client_id", POST_CLIENT), ("client_secret", "wrong-secret")], invalid_client())).step(post(&t, &[], ok())));
    let id = "3b-02-http-post-unknown-client";
    let t = for_post(id);
    cases.push(as_case(id, 2, "client_secret_post naming an unregistered client: 401 invalid_client").step(with_credentials(None, &t, &[("client_id", "no-such-client"), ("client_secret", POST_SECRET)], invalid_client())).step(post(&t, &[], ok())));
    let id = "3b-02-http-post-client-via-basic";
    let t = for_post(id);
    cases.push(as_case(id, 2, "the post client's right secret in HTTP Basic (not its registered method): 401").step(with_credentials(Some((POST_CLIENT, POST_SECRET)), &t, &[], invalid_client())).step(post(&t, &[], ok())));

    // Two methods at once.
    let id = "3b-02-http-two-methods";
    let t = grant(id);
    let ca = client_assertion("3b-02-two-ca", json!({}));
    cases.push(as_case(id, 2, "two client authentication methods in one request (RFC 6749 §2.3): invalid_request").step(with_credentials(Some((CLIENT, CLIENT_SECRET)), &t, &[("client_id", CLIENT), ("client_secret", CLIENT_SECRET)], error(400, "invalid_request"))).step(step(as_post(Some((CLIENT, CLIENT_SECRET)), &bearer(&t.token, &[("client_assertion_type", CLIENT_ASSERTION_TYPE), ("client_assertion", &ca.token)])), &[&t, &ca], error(400, "invalid_request"))).step(basic(&t, &[], ok())));

    // private_key_jwt.
    let id = "3b-02-http-private-key-jwt";
    cases.push(as_case(id, 2, "private_key_jwt: an assertion for the token endpoint, and one for the issuer").step(with_assertion(&for_jwt(id), &client_assertion("3b-02-pkj-ca-1", json!({})), ok())).step(with_assertion(&for_jwt("3b-02-http-private-key-jwt-2"), &client_assertion("3b-02-pkj-ca-2", json!({"aud": AS_ISSUER})), ok())));
    let forged = client_assertion_for(TOKEN_URL, "3b-02-pkj-forged", json!({}), &keys().attacker);
    let pkj_refusals = [
        (
            "3b-02-http-private-key-jwt-wrong-key",
            "a client assertion signed by another key under the registered kid: 401",
            forged,
            "signature_invalid",
        ),
        (
            "3b-02-http-private-key-jwt-wrong-aud",
            "a client assertion for another endpoint: 401 invalid_client",
            client_assertion(
                "3b-02-pkj-aud",
                json!({"aud": "https://as.example.com/other"}),
            ),
            "audience_mismatch",
        ),
        (
            "3b-02-http-private-key-jwt-expired",
            "an expired client assertion: 401 invalid_client",
            client_assertion("3b-02-pkj-exp", json!({"iat": NOW - 200, "exp": NOW - 61})),
            "expired",
        ),
        (
            "3b-02-http-private-key-jwt-iss-not-client",
            "a client assertion whose iss is another client: 401 invalid_client",
            client_assertion("3b-02-pkj-iss", json!({"iss": CLIENT})),
            "issuer_mismatch",
        ),
        (
            "3b-02-http-private-key-jwt-typed-id-jag",
            "a client assertion typed as an ID-JAG (RFC 8725 §3.12): 401 invalid_client",
            mint(
                &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "jwt-client-1"}),
                &json!({
                    "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": TOKEN_URL,
                    "jti": "3b-02-pkj-typ", "iat": NOW - 5, "exp": NOW + 60,
                }),
                Signer::Es256(&keys().client),
            ),
            "typ_mismatch",
        ),
    ];
    for (id, title, bad, code) in pkj_refusals {
        let t = for_jwt(id);
        cases.push(as_case(id, 2, title).step(with_assertion(&t, &bad, client_code(code))).step(with_assertion(&t, &client_assertion(&format!("{id}-good"), json!({})), ok())));
    }
    let id = "3b-02-http-private-key-jwt-client-id-mismatch";
    let t = for_jwt(id);
    let ca = client_assertion(&format!("{id}-ca"), json!({}));
    cases.push(as_case(id, 2, "a client_id parameter other than the client assertion's sub: 401 invalid_client").step(step(as_post(None, &bearer(&t.token, &[("client_id", POST_CLIENT), ("client_assertion_type", CLIENT_ASSERTION_TYPE), ("client_assertion", &ca.token)])), &[&t, &ca], client_code("client_id_mismatch"))).step(step(as_post(None, &bearer(&t.token, &[("client_id", JWT_CLIENT), ("client_assertion_type", CLIENT_ASSERTION_TYPE), ("client_assertion", &ca.token)])), &[&t, &ca], ok())));
    let id = "3b-02-http-private-key-jwt-replayed";
    let ca = client_assertion("3b-02-pkj-once", json!({}));
    cases.push(as_case(id, 2, "the same client assertion twice: the second is 401 invalid_client (replayed)").step(with_assertion(&for_jwt(id), &ca, ok())).step(with_assertion(&for_jwt(&format!("{id}-2")), &ca, client_code("replayed"))).step(with_assertion(&for_jwt(&format!("{id}-2")), &client_assertion("3b-02-pkj-fresh", json!({})), ok())));

    // unauthorized_client.
    let id = "3b-02-http-unauthorized-client";
    let t = for_disabled(id);
    cases.push(as_case(id, 2, "a client not enabled for the jwt-bearer grant: 400 unauthorized_client (401 with a wrong secret)").step(with_credentials(Some((DISABLED_CLIENT, "wrong")), &t, &[], invalid_client())).step(with_credentials(Some((DISABLED_CLIENT, DISABLED_SECRET)), &t, &[], error(400, "unauthorized_client"))));
    cases.push(Case::new("3b-02-http-unauthorized-client-control", AS_SECTION, "§3b rule 2", HTTP_ENABLED, "control of 3b-02-http-unauthorized-client: the same request once the client is enabled").step(with_credentials(Some((DISABLED_CLIENT, DISABLED_SECRET)), &t, &[], ok())));
    cases
}

fn rules_03_to_06() -> Vec<Case> {
    let k = keys();
    let mut cases = Vec::new();

    // Rule 3: compact JWS only.
    let id = "3b-03-http-jwe";
    let jwe_header = json!({"alg": "RSA-OAEP-256", "enc": "A256GCM", "typ": "oauth-id-jag+jwt"});
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(jwe_header.to_string().as_bytes()),
        b64(&[7u8; 256]),
        b64(&[1u8; 12]),
        b64(id_jag_claims(id).to_string().as_bytes()),
        b64(&[2u8; 16]),
    );
    cases.push(token_refused(id, 3, "a 5-segment JWE: invalid_grant", Minted::verbatim(jwe), "malformed"));
    let id = "3b-03-http-two-segments";
    let full = id_jag(id, json!({}));
    let two: Vec<&str> = full.token.split('.').take(2).collect();
    cases.push(token_refused(id, 3, "the baseline ID-JAG without its signature segment: invalid_grant", Minted::verbatim(two.join(".")), "malformed"));
    let id = "3b-03-http-four-segments";
    let full = id_jag(id, json!({}));
    cases.push(token_refused(id, 3, "the baseline ID-JAG with a fourth segment: invalid_grant", Minted::verbatim(format!("{}.{}", full.token, b64(b"extra"))), "malformed"));

    // Rule 4: typ, alg, crit.
    for (suffix, typ, what) in [
        ("typ-jwt", json!("JWT"), "typ JWT"),
        ("typ-absent", Value::Null, "no typ"),
        (
            "typ-at-jwt",
            json!("at+jwt"),
            "typ at+jwt (an access token)",
        ),
    ] {
        let id = format!("3b-04-http-{suffix}");
        cases.push(header_refused(&id, 4, &format!("{what} instead of oauth-id-jag+jwt: invalid_grant"), json!({"typ": typ}), "typ_mismatch"));
    }
    let id = "3b-04-http-typ-variants";
    cases.push(as_case(id, 4, "typ application/oauth-id-jag+jwt and OAUTH-ID-JAG+JWT are accepted (RFC 7515 §4.1.9)").step(basic(&jag(id, json!({"typ": "application/oauth-id-jag+jwt"}), json!({})), &[], ok())).step(basic(&jag(&format!("{id}-2"), json!({"typ": "OAUTH-ID-JAG+JWT"}), json!({})), &[], ok())));
    let id = "3b-04-http-alg-none";
    let none_header = json!({"typ": "oauth-id-jag+jwt", "alg": "none"});
    let none = format!(
        "{}.{}.",
        b64(none_header.to_string().as_bytes()),
        b64(id_jag_claims(id).to_string().as_bytes())
    );
    cases.push(token_refused(id, 4, "alg none with an empty signature: invalid_grant", Minted::verbatim(none), "alg_not_allowed"));
    let id = "3b-04-http-alg-hs256";
    cases.push(token_refused(id, 4, "HS256 keyed with the IdP's public key (algorithm confusion): invalid_grant", hs256_jag(id), "alg_not_allowed"));
    cases.push(header_refused("3b-04-http-crit-unknown", 4, "an unknown crit extension: invalid_grant", json!({"crit": ["urn:example:unknown"], "urn:example:unknown": true}), "header_forbidden"));

    // Rule 5: the trusted-issuer registry.
    cases.push(claims_refused("3b-05-http-iss-unknown", 5, "iss of an untrusted IdP: invalid_grant", json!({"iss": "https://evil.example.com"}), "issuer_untrusted"));
    cases.push(claims_refused("3b-05-http-iss-trailing-slash", 5, "iss of the trusted IdP with a trailing slash (exact comparison): invalid_grant", json!({"iss": format!("{IDP_ISSUER}/")}), "issuer_untrusted"));
    cases.push(claims_refused("3b-05-http-iss-missing", 5, "no iss: invalid_grant", json!({"iss": null}), "claim_invalid"));
    let id = "3b-05-http-other-trusted-idp";
    cases.push(as_case(id, 5, "an ID-JAG of the second trusted IdP, signed with its key: 200").step(basic(&other_idp_jag(id), &[], ok())));

    // Rule 6: the key comes from that issuer's set, never from the header.
    let id = "3b-06-http-kid-of-another-issuer";
    cases.push(token_refused(id, 6, "the IdP's claims signed by the other trusted IdP's key under its kid: invalid_grant", jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "other-ec"}), id, json!({}), &k.other_ec), "key_not_found"));
    let id = "3b-06-http-keys-scoped-per-issuer";
    cases.push(as_case(id, 6, "iss the other trusted IdP, signed by this IdP's key (with and without kid): invalid_grant").step(basic(&jag(id, json!({}), json!({"iss": OTHER_IDP})), &[], invalid_grant("key_not_found"))).step(basic(&jag(id, json!({"kid": null}), json!({"iss": OTHER_IDP})), &[], invalid_grant("signature_invalid"))).step(basic(&other_idp_jag(id), &[], ok())));
    let id = "3b-06-http-jwk-header-attacker";
    cases.push(token_refused(id, 6, "an attacker's key embedded as jwk, signed with it: invalid_grant", jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "jwk": ec_jwk(&k.attacker, "attacker", json!({}))}), id, json!({}), &k.attacker), "header_forbidden"));
    for (suffix, changes) in [
        (
            "jwk",
            json!({"jwk": ec_jwk(&k.idp_ec, "idp-ec", json!({}))}),
        ),
        ("jku", json!({"jku": "https://idp.example.com/jwks.json"})),
        ("x5u", json!({"x5u": "https://idp.example.com/cert.pem"})),
    ] {
        cases.push(header_refused(&format!("3b-06-http-{suffix}-header"), 6, &format!("a {suffix} header, even with the IdP's own signature: invalid_grant"), changes, "header_forbidden"));
    }
    let id = "3b-06-http-unknown-kid";
    cases.push(token_refused(id, 6, "a kid nobody published, signed with that key: invalid_grant", jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "attacker"}), id, json!({}), &k.attacker), "key_not_found"));
    let id = "3b-06-http-forged-signature";
    cases.push(token_refused(id, 6, "the baseline signed by another key under the IdP's kid: invalid_grant", jag_signed(&id_jag_header(), id, json!({}), &k.attacker), "signature_invalid"));
    let id = "3b-06-http-issuer-keys";
    let mut rsa_claims = id_jag_claims(&format!("{id}-rs256"));
    let rs256 = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "RS256", "kid": "idp-rsa"}),
        &rsa_claims,
        Signer::Rs256(&k.idp_rsa),
    );
    rsa_claims["jti"] = json!(format!("{id}-ps256"));
    let ps256 = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "PS256", "kid": "idp-rsa"}),
        &rsa_claims,
        Signer::Ps256(&k.idp_rsa),
    );
    cases.push(as_case(id, 6, "the IdP's other keys: ES256 idp-ec-2, RS256 and PS256 idp-rsa: 200").step(basic(&jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec-2"}), id, json!({}), &k.idp_ec2), &[], ok())).step(basic(&rs256, &[], ok())).step(basic(&ps256, &[], ok())));
    cases
}

fn rules_07_to_09() -> Vec<Case> {
    let mut cases = Vec::new();

    // Rule 7: aud.
    for (suffix, aud, code, what) in [
        (
            "two-values",
            json!([AS_ISSUER, "https://other-as.example.com"]),
            "audience_mismatch",
            "an array of the issuer and another",
        ),
        (
            "issuer-twice",
            json!([AS_ISSUER, AS_ISSUER]),
            "audience_mismatch",
            "an array of the issuer twice",
        ),
        (
            "the-resource",
            json!(RESOURCE),
            "audience_mismatch",
            "the resource",
        ),
        (
            "trailing-slash",
            json!(format!("{AS_ISSUER}/")),
            "audience_mismatch",
            "the issuer with a trailing slash",
        ),
        (
            "case-variant",
            json!("https://AS.example.com"),
            "audience_mismatch",
            "a case variant of the issuer",
        ),
        ("empty-array", json!([]), "claim_invalid", "an empty array"),
        ("missing", Value::Null, "claim_invalid", "absent"),
    ] {
        cases.push(claims_refused(&format!("3b-07-http-aud-{suffix}"), 7, &format!("aud {what}: invalid_grant"), json!({"aud": aud}), code));
    }
    let id = "3b-07-http-aud-one-element-array";
    cases.push(as_case(id, 7, "aud a one-element array of the issuer: 200").step(basic(&id_jag(id, json!({"aud": [AS_ISSUER]})), &[], ok())));

    // Rule 8: client_id.
    cases.push(claims_refused("3b-08-http-client-id-other", 8, "client_id of another client: invalid_grant", json!({"client_id": "someone-else"}), "client_id_mismatch"));
    cases.push(claims_refused("3b-08-http-client-id-missing", 8, "no client_id: invalid_grant", json!({"client_id": null}), "claim_invalid"));
    cases.push(claims_refused("3b-08-http-client-id-case-variant", 8, "client_id the authenticated client's id upper-cased: invalid_grant", json!({"client_id": CLIENT.to_uppercase()}), "client_id_mismatch"));
    let id = "3b-08-http-registered-client-mixup";
    let for_post = id_jag(id, json!({"client_id": POST_CLIENT}));
    let for_basic = id_jag(&format!("{id}-2"), json!({}));
    cases.push(as_case(id, 8, "each client's ID-JAG presented by the other registered client: invalid_grant (J01)").step(basic(&for_post, &[], invalid_grant("client_id_mismatch"))).step(post(&for_basic, &[], invalid_grant("client_id_mismatch"))).step(post(&for_post, &[], ok())).step(basic(&for_basic, &[], ok())));

    // Rule 9: exp, iat, nbf, lifetime.
    for (suffix, changes, code, what) in [
        (
            "expired",
            json!({"iat": NOW - 200, "exp": NOW - 61}),
            "expired",
            "exp 61 s ago (beyond the 60 s leeway)",
        ),
        (
            "exp-missing",
            json!({"exp": null}),
            "claim_invalid",
            "no exp",
        ),
        (
            "iat-missing",
            json!({"iat": null}),
            "claim_invalid",
            "no iat",
        ),
        (
            "nbf-future",
            json!({"nbf": NOW + 61}),
            "not_yet_valid",
            "nbf 61 s ahead",
        ),
        (
            "iat-future",
            json!({"iat": NOW + 61, "exp": NOW + 290}),
            "issued_in_future",
            "iat 61 s ahead",
        ),
        (
            "lifetime-too-long",
            json!({"iat": NOW - 20, "exp": NOW + 290}),
            "lifetime_too_long",
            "exp - iat = 310 s (maximum 300)",
        ),
        (
            "exp-string",
            json!({"exp": (NOW + 290).to_string()}),
            "claim_invalid",
            "exp as a string",
        ),
    ] {
        cases.push(claims_refused(&format!("3b-09-http-{suffix}"), 9, &format!("{what}: invalid_grant"), changes, code));
    }
    let id = "3b-09-http-within-leeway";
    let mut case = as_case(
        id,
        9,
        "nbf and iat inside the leeway, exp - iat = 300, old but unexpired: 200",
    );
    for (i, changes) in [
        json!({"nbf": NOW + 30}),
        json!({"iat": NOW + 30, "exp": NOW + 290}),
        json!({"iat": NOW - 10, "exp": NOW + 290}),
        json!({"iat": NOW - 280, "exp": NOW + 5}),
    ]
    .into_iter()
    .enumerate()
    {
        case = case.step(basic(&id_jag(&format!("{id}-{i}"), changes), &[], ok()));
    }
    cases.push(case);
    cases
}

fn rule_10() -> Vec<Case> {
    let mut cases = Vec::new();
    cases.push(claims_refused("3b-10-http-jti-missing", 10, "no jti: invalid_grant", json!({"jti": null}), "claim_invalid"));
    let id = "3b-10-http-replay";
    let t = id_jag(id, json!({}));
    cases.push(as_case(id, 10, "the same ID-JAG twice: the second is refused (replayed)").step(basic(&t, &[], ok())).step(basic(&t, &[], invalid_grant("replayed"))).step(basic(&t, &[("scope", "chat.read")], invalid_grant("replayed"))).step(basic(&id_jag(&format!("{id}-2"), json!({})), &[], ok())));
    let id = "3b-10-http-refusals-do-not-consume";
    let t = id_jag(id, json!({}));
    cases.push(as_case(id, 10, "refused for scope, target or client authentication, the ID-JAG is still unused").step(basic(&t, &[("scope", "admin")], error(400, "invalid_scope"))).step(basic(&t, &[("resource", OTHER_RESOURCE)], error(400, "invalid_target"))).step(step(as_post(Some((CLIENT, "wrong")), &bearer(&t.token, &[])), &[&t], error(401, "invalid_client"))).step(basic(&t, &[], ok())).step(basic(&t, &[], invalid_grant("replayed"))));
    let id = "3b-10-http-same-iss-jti-new-token";
    cases.push(as_case(id, 10, "another token with the same iss and jti after the first was used: replayed").step(basic(&id_jag(id, json!({})), &[], ok())).step(basic(&id_jag(id, json!({"scope": "chat.read", "iat": NOW - 5})), &[], invalid_grant("replayed"))));
    let id = "3b-10-http-same-jti-other-issuer";
    cases.push(as_case(id, 10, "the same jti from another trusted IdP is another (iss, jti): 200, then replayed").step(basic(&id_jag(id, json!({})), &[], ok())).step(basic(&other_idp_jag(id), &[], ok())).step(basic(&other_idp_jag(id), &[], invalid_grant("replayed"))));
    let long = "j".repeat(257);
    let max = "k".repeat(256);
    cases.push(as_case("3b-10-http-jti-length", 10, "a jti of 257 bytes: invalid_grant; 256 bytes: 200").step(basic(&id_jag(&long, json!({})), &[], invalid_grant("limit_exceeded"))).step(basic(&id_jag(&max, json!({})), &[], ok())));
    for (suffix, jti, what) in [
        ("jti-number", json!(12345), "a number"),
        ("jti-empty", json!(""), "empty"),
        ("jti-array", json!(["a"]), "an array"),
    ] {
        cases.push(claims_refused(&format!("3b-10-http-{suffix}"), 10, &format!("jti {what}: invalid_grant"), json!({"jti": jti}), "claim_invalid"));
    }
    cases
}

fn rules_11_to_13() -> Vec<Case> {
    let k = keys();
    let mut cases = Vec::new();
    for (suffix, sub, what) in [
        ("sub-missing", Value::Null, "no sub"),
        ("sub-empty", json!(""), "sub empty"),
        ("sub-number", json!(42), "sub a number"),
    ] {
        cases.push(claims_refused(&format!("3b-11-http-{suffix}"), 11, &format!("{what}: invalid_grant"), json!({"sub": sub}), "claim_invalid"));
    }

    cases.push(claims_refused("3b-12-http-self-issued", 12, "iss = this AS (signed by the IdP's key): invalid_grant", json!({"iss": AS_ISSUER}), "self_issued"));
    let id = "3b-12-http-self-issued-own-key";
    cases.push(token_refused(id, 12, "iss = this AS, signed by its own access-token key: invalid_grant", jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}), id, json!({"iss": AS_ISSUER}), &k.as_ec), "self_issued"));
    let id = "3b-12-http-own-key-in-idp-name";
    cases.push(token_refused(id, 12, "the IdP's claims signed by this AS's own key under its kid: invalid_grant", jag_signed(&json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "as-ec"}), id, json!({}), &k.as_ec), "key_not_found"));
    let id = "3b-12-http-access-token-as-assertion";
    cases.push(token_refused(id, 12, "an access token of this AS presented as the assertion: invalid_grant", access_token(json!({})), "typ_mismatch"));

    cases.push(claims_refused("3b-13-http-cnf-jkt", 13, "cnf.jkt while DPoP is not supported: invalid_grant", json!({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}}), "confirmation_unsupported"));
    cases.push(claims_refused("3b-13-http-cnf-empty", 13, "an empty cnf: invalid_grant", json!({"cnf": {}}), "confirmation_unsupported"));
    cases
}

fn rules_14_to_17() -> Vec<Case> {
    let mut cases = Vec::new();
    let both = json!({"client_id": POST_CLIENT, "resource": [RESOURCE, OTHER_RESOURCE]});

    // Rule 14: resource.
    let id = "3b-14-http-two-resources-none-requested";
    let t = id_jag(id, both.clone());
    cases.push(as_case(id, 14, "an ID-JAG naming two resources and no resource requested: invalid_target").step(post(&t, &[], error(400, "invalid_target"))).step(post(&t, &[("resource", OTHER_RESOURCE)], ok())));
    let id = "3b-14-http-resource-parameter-twice";
    let t = id_jag(id, both.clone());
    cases.push(as_case(id, 14, "the resource parameter twice (one audience per token): invalid_target").step(post(&t, &[("resource", RESOURCE), ("resource", OTHER_RESOURCE)], error(400, "invalid_target"))).step(post(&t, &[("resource", RESOURCE)], ok())));
    let id = "3b-14-http-requested-resource-not-named";
    let t = id_jag(id, json!({"client_id": POST_CLIENT}));
    cases.push(as_case(id, 14, "a requested resource the ID-JAG does not name (served, reachable): invalid_target").step(post(&t, &[("resource", OTHER_RESOURCE)], error(400, "invalid_target"))).step(post(&t, &[("resource", &format!("{RESOURCE}/"))], error(400, "invalid_target"))).step(post(&t, &[("resource", "https://elsewhere.example/mcp")], error(400, "invalid_target"))).step(post(&t, &[("resource", RESOURCE)], ok())));
    let id = "3b-14-http-client-may-not-reach";
    cases.push(as_case(id, 14, "a resource served here but not registered for this client: invalid_target").step(basic(&id_jag(id, json!({"resource": OTHER_RESOURCE})), &[], error(400, "invalid_target"))).step(basic(&id_jag(id, json!({})), &[], ok())));
    let id = "3b-14-http-client-narrowing-to-unreachable";
    let t = id_jag(id, json!({"resource": [RESOURCE, OTHER_RESOURCE]}));
    cases.push(as_case(id, 14, "narrowing to a resource this client may not reach: invalid_target; to its own: 200").step(basic(&t, &[("resource", OTHER_RESOURCE)], error(400, "invalid_target"))).step(basic(&t, &[("resource", RESOURCE)], ok())));
    for (suffix, resource, what) in [
        ("absent", Value::Null, "absent"),
        (
            "foreign",
            json!("https://elsewhere.example.com/mcp"),
            "a resource not served here",
        ),
        (
            "trailing-slash",
            json!(format!("{RESOURCE}/")),
            "the resource with a trailing slash",
        ),
        (
            "one-of-two-foreign",
            json!([RESOURCE, "https://elsewhere.example.com/mcp"]),
            "the resource and a foreign one",
        ),
    ] {
        cases.push(claims_refused(&format!("3b-14-http-resource-{suffix}"), 14, &format!("ID-JAG resource {what}: invalid_grant (J02)"), json!({"resource": resource}), "resource_mismatch"));
    }

    // Rule 15: scope.
    let id = "3b-15-http-requested-scope-not-allowed";
    let t = id_jag(id, json!({}));
    cases.push(as_case(id, 15, "a requested scope neither the ID-JAG nor the client has: invalid_scope").step(basic(&t, &[("scope", "admin")], error(400, "invalid_scope"))).step(basic(&t, &[("scope", "chat.read")], ok())));
    let id = "3b-15-http-requested-scope-partly-allowed";
    cases.push(as_case(id, 15, "requested chat.read and admin: the allowed subset is granted, 200").step(basic(&id_jag(id, json!({})), &[("scope", "chat.read admin")], ok())));
    let id = "3b-15-http-id-jag-scope-outside-client-policy";
    cases.push(as_case(id, 15, "an ID-JAG scope the client's policy lacks: invalid_scope").step(basic(&id_jag(id, json!({"scope": "admin"})), &[], error(400, "invalid_scope"))).step(basic(&id_jag(id, json!({})), &[], ok())));
    let id = "3b-15-http-scope-beyond-id-jag";
    let t = id_jag(id, json!({"scope": "chat.read"}));
    cases.push(as_case(id, 15, "a registered scope the ID-JAG does not carry (the ID-JAG is the ceiling): invalid_scope").step(basic(&t, &[("scope", "chat.history")], error(400, "invalid_scope"))).step(basic(&t, &[("scope", "chat.read")], ok())));
    let id = "3b-15-http-scope-syntax";
    let t = id_jag(id, json!({}));
    cases.push(as_case(id, 15, "a scope parameter that is not RFC 6749 §3.3 syntax: invalid_scope").step(basic(&t, &[("scope", "chat.read  chat.history")], error(400, "invalid_scope"))).step(basic(&t, &[("scope", "chat.read chat.history")], ok())));
    let id = "3b-15-http-post-client-policy";
    cases.push(as_case(id, 15, "the post client (policy chat.read) with a two-scope ID-JAG: narrowed, 200").step(post(&id_jag(id, json!({"client_id": POST_CLIENT})), &[], ok())));
    let id = "3b-15-http-no-scope-anywhere";
    cases.push(as_case(id, 15, "no scope in the ID-JAG nor the request: 200").step(basic(&id_jag(id, json!({"scope": null})), &[], ok())));

    // Rule 16: authorization_details.
    let details = json!([{"type": "payment_initiation", "actions": ["initiate"]}]);
    cases.push(claims_refused("3b-16-http-authorization-details-claim", 16, "an authorization_details claim (not supported): invalid_grant", json!({"authorization_details": details}), "claim_invalid"));
    let id = "3b-16-http-authorization-details-parameter";
    let t = id_jag(id, json!({}));
    let text = details.to_string();
    cases.push(as_case(id, 16, "an authorization_details parameter (not supported): invalid_authorization_details").step(basic(&t, &[("authorization_details", &text)], error(400, "invalid_authorization_details"))).step(basic(&t, &[], ok())));

    // Rule 17: act.
    let id = "3b-17-http-act";
    cases.push(as_case(id, 17, "an act claim neither refuses the grant nor changes who it is for: 200").step(basic(&id_jag(id, json!({"act": {"sub": "agent-7", "client_id": "agent-client"}})), &[], ok())));
    cases
}

fn rules_18_to_20() -> Vec<Case> {
    let mut cases = Vec::new();
    let id = "3b-18-http-token-response";
    cases.push(as_case(id, 18, "the baseline ID-JAG with extra identity claims: an access token is issued (200)").step(basic(&id_jag(id, json!({"acr": "urn:example:mfa", "role": "admin", "email": "user@example.com", "groups": ["ops"]})), &[], ok())));
    let id = "3b-18-http-never-expired-on-issue";
    let mut case = as_case(
        id,
        18,
        "an ID-JAG inside the leeway after its exp would give an expired token: invalid_grant",
    );
    for (i, exp) in [NOW - 59, NOW - 1, NOW].into_iter().enumerate() {
        case = case.step(basic(
            &id_jag(&format!("{id}-{i}"), json!({"iat": NOW - 200, "exp": exp})),
            &[],
            invalid_grant("expired"),
        ));
    }
    cases.push(case.step(basic(&id_jag(&format!("{id}-ok"), json!({"iat": NOW - 200, "exp": NOW + 1})), &[], ok())));

    let id = "3b-19-http-generic-invalid-grant";
    let k = keys();
    let good = id_jag(&format!("{id}-sig"), json!({}));
    let forged = jag_signed(
        &id_jag_header(),
        &format!("{id}-sig"),
        json!({}),
        &k.attacker,
    );
    cases.push(as_case(id, 19, "five different assertion failures: the same 400 invalid_grant, the reason only in the verdict code").step(basic(&id_jag(id, json!({"aud": "https://attacker.example/aud-detail-7f3a"})), &[], invalid_grant("audience_mismatch"))).step(basic(&id_jag(id, json!({"client_id": "client-zz9"})), &[], invalid_grant("client_id_mismatch"))).step(basic(&id_jag(id, json!({"iss": "https://evil-idp-4411.example"})), &[], invalid_grant("issuer_untrusted"))).step(basic(&id_jag(id, json!({"iat": NOW - 400, "exp": NOW - 120})), &[], invalid_grant("expired"))).step(basic(&forged, &[], invalid_grant("signature_invalid"))).step(basic(&good, &[], ok())));

    cases.push(as_case("3b-20-http-metadata", 20, "RFC 8414 metadata at /.well-known/oauth-authorization-server (GET, HEAD): 200").step(as_get(AS_METADATA_PATH, ok())).step(as_method("HEAD", AS_METADATA_PATH, ok())));
    cases.push(as_case("3b-20-http-jwks", 20, "the access-token signing keys' JWK Set at /jwks.json (GET, HEAD): 200").step(as_get(JWKS_PATH, ok())).step(as_method("HEAD", JWKS_PATH, ok())));
    cases.push(as_case("3b-20-http-documents-read-only", 20, "POST to the metadata or the JWK Set: 405; GET: 200").step(as_method("POST", AS_METADATA_PATH, error(405, "method_not_allowed"))).step(as_method("POST", JWKS_PATH, error(405, "method_not_allowed"))).step(as_get(AS_METADATA_PATH, ok())).step(as_get(JWKS_PATH, ok())));
    let mut case = as_case(
        "3b-20-http-unknown-paths",
        20,
        "paths beside the three served ones (incl. OpenID discovery): 404",
    );
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/x",
        "/token/",
        "/jwks",
        "/",
    ] {
        case = case.step(as_get(path, error(404, "not_found")));
    }
    cases.push(case.step(as_get(AS_METADATA_PATH, ok())));
    cases
}

// ---------------------------------------------------------------------------------------
// specs.md §3a over HTTP
// ---------------------------------------------------------------------------------------

/// A §3a case.
fn idp_case(id: &str, rule: u8, config: &str, title: &str) -> Case {
    Case::new(id, IDP_SECTION, &format!("§3a rule {rule}"), config, title)
}

/// A POST of `params` to the IdP's token endpoint.
fn idp_post(basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> Input {
    Input::IdpHttp {
        request: HttpRequest::form_post(TOKEN_PATH, basic, params),
    }
}

/// The token-exchange parameters for an ID-JAG.
fn exchange_params<'a>(
    subject: &'a str,
    subject_type: &'a str,
    audience: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("grant_type", GRANT_TOKEN_EXCHANGE),
        ("requested_token_type", TYPE_ID_JAG),
        ("subject_token", subject),
        ("subject_token_type", subject_type),
        ("audience", audience),
    ];
    params.extend_from_slice(extra);
    params
}

/// The token exchange as `client` (HTTP Basic) with `subject` of type `subject_type`.
fn exchange_typed_as(
    client: Option<(&str, &str)>,
    subject: &Minted,
    subject_type: &str,
    audience: &str,
    extra: &[(&str, &str)],
    expect: Expect,
) -> Step {
    step(
        idp_post(
            client,
            &exchange_params(&subject.token, subject_type, audience, extra),
        ),
        &[subject],
        expect,
    )
}

/// The token exchange as cursor with an ID token.
fn exchange(subject: &Minted, audience: &str, extra: &[(&str, &str)], expect: Expect) -> Step {
    exchange_typed_as(
        Some((IDP_CLIENT, IDP_CLIENT_SECRET)),
        subject,
        TYPE_ID_TOKEN,
        audience,
        extra,
        expect,
    )
}

/// A refused subject token: 400 `invalid_request` and the verdict code.
fn subject_refused(code: &str) -> Expect {
    Expect::http_code(400, "invalid_request", code)
}

/// alice's ID token for cursor.
fn alice() -> Minted {
    id_token("alice", json!({}))
}

/// A refresh token as the IdP's development sign-in writes one, for cursor, with changes.
fn refresh_token(sub: &str, changes: Value) -> Minted {
    let mut claims = json!({
        "iss": IDP_ISSUER, "sub": sub, "aud": IDP_CLIENT, "jti": format!("rt-{sub}"),
        "iat": NOW - 7200, "exp": NOW + 3600, "auth_time": NOW - 7200, "amr": ["pwd"],
    });
    merge(&mut claims, changes);
    mint(
        &json!({"typ": "xaa-refresh+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&keys().idp_ec),
    )
}

/// A client assertion of jwt-client for the IdP, signed by `key`.
fn idp_client_assertion(jti: &str, changes: Value, key: &SigningKey) -> Minted {
    client_assertion_for(IDP_TOKEN_URL, jti, changes, key)
}

/// The token exchange as jwt-client (`private_key_jwt`) at [`HTTP_IDP`].
fn idp_with_assertion(client_assertion: &Minted, expect: Expect) -> Step {
    let subject = id_token("alice", json!({"aud": JWT_CLIENT}));
    step(
        idp_post(
            None,
            &exchange_params(
                &subject.token,
                TYPE_ID_TOKEN,
                AS_ISSUER,
                &[
                    ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                    ("client_assertion", &client_assertion.token),
                ],
            ),
        ),
        &[&subject, client_assertion],
        expect,
    )
}

/// A GET (or `method`) of `path` at the IdP.
fn idp_method(method: &str, path: &str, expect: Expect) -> Step {
    step(
        Input::IdpHttp {
            request: HttpRequest {
                method: method.to_owned(),
                ..HttpRequest::get(path)
            },
        },
        &[],
        expect,
    )
}

fn idp_cases() -> Vec<Case> {
    [idp_rules_01_to_05(), idp_rules_06_to_09(), idp_rules_10_to_18()].concat()
}

fn idp_rules_01_to_05() -> Vec<Case> {
    let k = keys();
    let mut cases = Vec::new();
    let cursor = Some((IDP_CLIENT, IDP_CLIENT_SECRET));
    let invalid_client = || error(401, "invalid_client");

    // Rule 1: client authentication.
    let subject = alice();
    for (suffix, basic, extra, what) in [
        ("no-credentials", None, vec![], "no client authentication"),
        (
            "wrong-secret",
            Some((IDP_CLIENT, "wrong-secret")),
            vec![],
            "a wrong secret",
        ),
        (
            "unknown-client",
            Some(("nobody", IDP_CLIENT_SECRET)),
            vec![],
            "an unregistered client",
        ),
        (
            "client-id-only",
            None,
            vec![("client_id", IDP_CLIENT)],
            "a client_id alone (confidential clients only)",
        ),
        (
            "secret-in-body",
            None,
            vec![
                ("client_id", IDP_CLIENT),
                ("client_secret", IDP_CLIENT_SECRET),
            ],
            "the right secret by another method than the registered one",
        ),
    ] {
        let id = format!("3a-01-http-{suffix}");
        cases.push(idp_case(&id, 1, IDP, &format!("{what}: 401 invalid_client")).step(exchange_typed_as(basic, &subject, TYPE_ID_TOKEN, AS_ISSUER, &extra, invalid_client())).step(exchange(&subject, AS_ISSUER, &[], ok())));
    }
    let client_code = |code: &str| Expect::http_code(401, "invalid_client", code);
    let key = &k.client;
    for (suffix, bad, code, what) in [
        (
            "private-key-jwt-wrong-key",
            idp_client_assertion("3a-01-pkj-forged", json!({}), &k.attacker),
            "signature_invalid",
            "a client assertion signed by another key",
        ),
        (
            "private-key-jwt-aud-of-as",
            idp_client_assertion("3a-01-pkj-aud", json!({"aud": TOKEN_URL}), key),
            "audience_mismatch",
            "a client assertion made for the resource AS's token endpoint",
        ),
    ] {
        let id = format!("3a-01-http-{suffix}");
        cases.push(idp_case(&id, 1, HTTP_IDP, &format!("{what}: 401 invalid_client")).step(idp_with_assertion(&bad, client_code(code))).step(idp_with_assertion(&idp_client_assertion(&format!("{id}-good"), json!({}), key), ok())));
    }
    let once = idp_client_assertion("3a-01-pkj-once", json!({}), key);
    cases.push(idp_case("3a-01-http-private-key-jwt-replayed", 1, HTTP_IDP, "private_key_jwt: the same client assertion twice, the second 401 (replayed)").step(idp_with_assertion(&once, ok())).step(idp_with_assertion(&once, client_code("replayed"))).step(idp_with_assertion(&idp_client_assertion("3a-01-pkj-fresh", json!({}), key), ok())));

    // Rule 2: the request.
    let full = exchange_params(&subject.token, TYPE_ID_TOKEN, AS_ISSUER, &[]);
    let without = |name: &str| -> Vec<(&str, &str)> {
        full.iter().copied().filter(|(n, _)| *n != name).collect()
    };
    let replaced = |name: &str, value: &'static str| -> Vec<(&str, &str)> {
        full.iter()
            .map(|&(n, v)| if n == name { (n, value) } else { (n, v) })
            .collect()
    };
    let mut twice = full.clone();
    twice.push(("subject_token", &subject.token));
    for (suffix, params, error_code, what) in [
        (
            "grant-type-missing",
            without("grant_type"),
            "invalid_request",
            "no grant_type",
        ),
        (
            "grant-type-jwt-bearer",
            replaced("grant_type", GRANT_JWT_BEARER),
            "unsupported_grant_type",
            "the jwt-bearer grant at the IdP",
        ),
        (
            "requested-token-type-missing",
            without("requested_token_type"),
            "invalid_request",
            "no requested_token_type",
        ),
        (
            "requested-access-token",
            replaced("requested_token_type", TYPE_ACCESS_TOKEN),
            "invalid_request",
            "an access token requested",
        ),
        (
            "subject-token-missing",
            without("subject_token"),
            "invalid_request",
            "no subject_token",
        ),
        (
            "subject-token-type-missing",
            without("subject_token_type"),
            "invalid_request",
            "no subject_token_type",
        ),
        (
            "audience-missing",
            without("audience"),
            "invalid_request",
            "no audience",
        ),
        (
            "subject-token-twice",
            twice.clone(),
            "invalid_request",
            "two subject_token parameters",
        ),
    ] {
        let id = format!("3a-02-http-{suffix}");
        cases.push(idp_case(&id, 2, IDP, &format!("{what}: {error_code}")).step(step(idp_post(cursor, &params), &[&subject], error(400, error_code))).step(step(idp_post(cursor, &full), &[&subject], ok())));
    }
    cases.push(idp_case("3a-02-http-get-token", 2, IDP, "GET /token: 405").step(idp_method("GET", TOKEN_PATH, error(405, "method_not_allowed"))).step(exchange(&subject, AS_ISSUER, &[], ok())));

    // Rule 3: identity assertions accepted, other tokens not.
    let claims = json!({
        "iss": IDP_ISSUER, "sub": "alice", "aud": IDP_CLIENT, "jti": "idt-3a-03",
        "iat": NOW - 30, "exp": NOW + 3600,
    });
    let no_typ = mint(
        &json!({"alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    let typed_jwt = mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    let typed_at = mint(
        &json!({"typ": "at+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    cases.push(idp_case("3a-03-http-id-token", 3, IDP, "an ID token typed JWT, and one without typ: 200").step(exchange(&typed_jwt, AS_ISSUER, &[], ok())).step(exchange(&no_typ, AS_ISSUER, &[], ok())));
    cases.push(idp_case("3a-03-http-access-token-as-subject", 3, IDP, "the same claims and key typed at+jwt: not an identity assertion, invalid_request").step(exchange(&typed_at, AS_ISSUER, &[], subject_refused("typ_mismatch"))).step(exchange(&typed_jwt, AS_ISSUER, &[], ok())));
    for (suffix, token_type) in [
        ("saml2", TYPE_SAML2),
        ("access-token-type", TYPE_ACCESS_TOKEN),
    ] {
        let id = format!("3a-03-http-subject-token-type-{suffix}");
        cases.push(idp_case(&id, 3, IDP, &format!("subject_token_type {token_type} (not accepted here): invalid_request")).step(exchange_typed_as(cursor, &subject, token_type, AS_ISSUER, &[], error(400, "invalid_request"))).step(exchange(&subject, AS_ISSUER, &[], ok())));
    }

    // Rule 4: the ID token issued by this IdP to this client.
    let (good, flaws) = refused_id_tokens("idt-3a-04");
    for RefusedIdToken {
        slug,
        token,
        reason,
        what,
    } in flaws
    {
        let id = format!("3a-04-http-{slug}");
        cases.push(idp_case(&id, 4, IDP, &format!("an ID token {what}: invalid_request")).step(exchange(&token, AS_ISSUER, &[], subject_refused(reason))).step(exchange(&good, AS_ISSUER, &[], ok())));
    }
    let windsurf = Some((WINDSURF, WINDSURF_SECRET));
    let for_cursor = alice();
    cases.push(idp_case("3a-04-http-id-token-of-another-client", 4, HTTP_IDP, "cursor's ID token presented by windsurf (both connected to the AS): invalid_request").step(exchange_typed_as(windsurf, &for_cursor, TYPE_ID_TOKEN, AS_ISSUER, &[], subject_refused("audience_mismatch"))).step(exchange(&for_cursor, AS_ISSUER, &[], ok())).step(exchange_typed_as(windsurf, &id_token("alice", json!({"aud": WINDSURF})), TYPE_ID_TOKEN, AS_ISSUER, &[], ok())));

    // Rule 5: refresh tokens.
    let refresh = refresh_token("alice", json!({}));
    let as_refresh = |token: &Minted, expect: Expect| {
        exchange_typed_as(cursor, token, TYPE_REFRESH_TOKEN, AS_ISSUER, &[], expect)
    };
    cases.push(idp_case("3a-05-http-refresh-token", 5, IDP, "a refresh token of this IdP for this client, typed refresh_token: 200").step(as_refresh(&refresh, ok())));
    cases.push(idp_case("3a-05-http-refresh-token-as-id-token", 5, IDP, "a refresh token declared as an ID token: invalid_request").step(exchange(&refresh, AS_ISSUER, &[], subject_refused("typ_mismatch"))).step(as_refresh(&refresh, ok())));
    cases.push(idp_case("3a-05-http-id-token-as-refresh-token", 5, IDP, "an ID token declared as a refresh token: invalid_request").step(as_refresh(&subject, subject_refused("typ_mismatch"))).step(exchange(&subject, AS_ISSUER, &[], ok())));
    for (suffix, changes, code, what) in [
        (
            "expired",
            json!({"exp": NOW - 120}),
            "expired",
            "an expired refresh token",
        ),
        (
            "other-client",
            json!({"aud": WINDSURF}),
            "audience_mismatch",
            "a refresh token of another client",
        ),
        (
            "other-issuer",
            json!({"iss": OTHER_IDP}),
            "issuer_mismatch",
            "a refresh token naming another issuer",
        ),
    ] {
        let id = format!("3a-05-http-refresh-token-{suffix}");
        cases.push(idp_case(&id, 5, IDP, &format!("{what}: invalid_request")).step(as_refresh(&refresh_token("alice", changes), subject_refused(code))).step(as_refresh(&refresh, ok())));
    }
    let forged_refresh = mint(
        &json!({"typ": "xaa-refresh+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &json!({
            "iss": IDP_ISSUER, "sub": "alice", "aud": IDP_CLIENT, "jti": "rt-alice",
            "iat": NOW - 7200, "exp": NOW + 3600, "auth_time": NOW - 7200, "amr": ["pwd"],
        }),
        Signer::Es256(&k.attacker),
    );
    cases.push(idp_case("3a-05-http-refresh-token-forged", 5, IDP, "a refresh token signed by another key: invalid_request").step(as_refresh(&forged_refresh, subject_refused("signature_invalid"))).step(as_refresh(&refresh, ok())));
    cases.push(idp_case("3a-05-http-refresh-token-disabled-user", 5, IDP, "a disabled user's unexpired refresh token (revoked): invalid_grant").step(as_refresh(&refresh_token("bob", json!({})), error(400, "invalid_grant"))).step(as_refresh(&refresh, ok())));
    cases
}

fn idp_rules_06_to_09() -> Vec<Case> {
    let mut cases = Vec::new();
    let subject = alice();

    // Rule 6: audience.
    cases.push(idp_case("3a-06-http-audience-issuer-or-alias", 6, IDP, "audience the AS's issuer, or its configured alias: 200").step(exchange(&subject, AS_ISSUER, &[], ok())).step(exchange(&subject, AS_ALIAS, &[], ok())));
    for (suffix, audience, what) in [
        (
            "unknown-server",
            "https://unknown.example.com",
            "an unknown server",
        ),
        (
            "trailing-slash",
            "https://as.example.com/",
            "the issuer with a trailing slash",
        ),
        (
            "alias-case-variant",
            "urn:example:AS",
            "the alias in another case",
        ),
        ("the-idp-itself", IDP_ISSUER, "this IdP itself"),
    ] {
        let id = format!("3a-06-http-audience-{suffix}");
        cases.push(idp_case(&id, 6, IDP, &format!("audience {what}: invalid_target")).step(exchange(&subject, audience, &[], error(400, "invalid_target"))).step(exchange(&subject, AS_ISSUER, &[], ok())));
    }
    cases.push(idp_case("3a-06-http-deny-by-default", 6, HTTP_IDP_UNCONNECTED, "the same IdP without any connection: invalid_target").step(exchange(&subject, AS_ISSUER, &[], error(400, "invalid_target"))));
    cases.push(idp_case("3a-06-http-deny-by-default-control", 6, IDP, "control of 3a-06-http-deny-by-default: the same request with the connection").step(exchange(&subject, AS_ISSUER, &[], ok())));

    // Rule 7: (audience, resource) pairs.
    cases.push(idp_case("3a-07-http-resource-of-another-server", 7, IDP, "a connected resource, but of another server than the audience: invalid_target").step(exchange(&subject, AS_ISSUER, &[("resource", B_RESOURCE)], error(400, "invalid_target"))).step(exchange(&subject, AS_ISSUER, &[("resource", RESOURCE)], ok())));
    let windsurf = Some((WINDSURF, WINDSURF_SECRET));
    let windsurf_token = id_token("alice", json!({"aud": WINDSURF}));
    cases.push(idp_case("3a-07-http-another-server", 7, HTTP_IDP, "a client connected to server A asking for server B: invalid_target").step(exchange_typed_as(windsurf, &windsurf_token, TYPE_ID_TOKEN, AS_B, &[], error(400, "invalid_target"))).step(exchange_typed_as(windsurf, &windsurf_token, TYPE_ID_TOKEN, AS_ISSUER, &[], ok())).step(exchange(&subject, AS_B, &[], ok())));
    cases.push(idp_case("3a-07-http-resource-required", 7, HTTP_IDP, "a connection with two resources and none requested: invalid_target").step(exchange(&subject, AS_MULTI, &[], error(400, "invalid_target"))).step(exchange(&subject, AS_MULTI, &[("resource", MULTI_2)], ok())));

    // Rule 8: policy.
    let phrh = |sub: &str| id_token(sub, json!({"acr": "phrh"}));
    cases.push(idp_case("3a-08-http-user-not-in-group", 8, IDP, "a user outside the connection's groups: invalid_grant").step(exchange(&phrh("carol"), AS_B, &[], error(400, "invalid_grant"))).step(exchange(&phrh("alice"), AS_B, &[], ok())).step(exchange(&phrh("carol"), AS_ISSUER, &[], ok())));
    for (suffix, sub, what) in [
        ("disabled-user", "bob", "a user disabled in the directory"),
        ("unknown-user", "mallory", "a user not in the directory"),
    ] {
        let id = format!("3a-08-http-{suffix}");
        cases.push(idp_case(&id, 8, IDP, &format!("{what}, with a valid ID token: invalid_grant")).step(exchange(&id_token(sub, json!({})), AS_ISSUER, &[], error(400, "invalid_grant"))).step(exchange(&id_token("carol", json!({})), AS_ISSUER, &[], ok())));
    }

    // Rule 9: scope, resource, authorization_details.
    for (suffix, scope, what) in [
        (
            "scope-not-allowed",
            "admin files.read",
            "no requested scope is allowed",
        ),
        (
            "scope-syntax",
            "chat.read  admin",
            "a scope that is not RFC 6749 §3.3 syntax",
        ),
    ] {
        let id = format!("3a-09-http-{suffix}");
        cases.push(idp_case(&id, 9, IDP, &format!("{what}: invalid_scope")).step(exchange(&subject, AS_ISSUER, &[("scope", scope)], error(400, "invalid_scope"))).step(exchange(&subject, AS_ISSUER, &[("scope", "chat.read")], ok())));
    }
    cases.push(idp_case("3a-09-http-scope-subset", 9, IDP, "requested admin and chat.read: the allowed subset is granted, 200").step(exchange(&subject, AS_ISSUER, &[("scope", "admin chat.read")], ok())));
    cases.push(
        idp_case(
            "3a-09-http-authorization-details",
            9,
            IDP,
            "authorization_details (not processed, never ignored): invalid_authorization_details",
        )
        .step(exchange(
            &subject,
            AS_ISSUER,
            &[("authorization_details", r#"[{"type":"chat"}]"#)],
            error(400, "invalid_authorization_details"),
        ))
        .step(exchange(&subject, AS_ISSUER, &[], ok())),
    );
    cases.push(idp_case("3a-09-http-two-resources", 9, HTTP_IDP, "two resource parameters (an ID-JAG is for one): invalid_target").step(exchange(&subject, AS_MULTI, &[("resource", MULTI_1), ("resource", MULTI_2)], error(400, "invalid_target"))).step(exchange(&subject, AS_MULTI, &[("resource", MULTI_1)], ok())));
    cases.push(idp_case("3a-09-http-two-audiences", 9, HTTP_IDP, "two audience parameters: invalid_target").step(exchange(&subject, AS_ISSUER, &[("audience", AS_B)], error(400, "invalid_target"))).step(exchange(&subject, AS_ISSUER, &[], ok())));
    cases
}

fn idp_rules_10_to_18() -> Vec<Case> {
    let k = keys();
    let mut cases = Vec::new();
    let subject = alice();

    cases.push(idp_case("3a-10-http-granted-not-asked", 10, IDP, "the alias, no resource, a wider and repeated scope: narrowed and issued, 200").step(exchange(&subject, AS_ALIAS, &[("scope", "chat.history admin chat.history")], ok())));

    // Rule 11: step-up.
    let login = |changes: Value| id_token("alice", changes);
    cases.push(idp_case("3a-11-http-acr-too-weak", 11, IDP, "acr phr where the connection requires phrh: insufficient_user_authentication").step(exchange(&login(json!({"acr": "phr"})), AS_B, &[], error(400, "insufficient_user_authentication"))).step(exchange(&login(json!({"acr": "phrh"})), AS_B, &[], ok())).step(exchange(&login(json!({"acr": "phr"})), AS_ISSUER, &[], ok())));
    cases.push(idp_case("3a-11-http-acr-missing", 11, IDP, "no acr where the connection requires phrh: insufficient_user_authentication").step(exchange(&login(json!({})), AS_B, &[], error(400, "insufficient_user_authentication"))).step(exchange(&login(json!({"acr": "phrh"})), AS_B, &[], ok())));
    cases.push(idp_case("3a-11-http-authentication-too-old", 11, HTTP_IDP, "auth_time 601 s ago where 600 s is the maximum: insufficient_user_authentication").step(exchange(&login(json!({"auth_time": NOW - 601})), AS_RECENT, &[], error(400, "insufficient_user_authentication"))).step(exchange(&login(json!({"auth_time": null})), AS_RECENT, &[], error(400, "insufficient_user_authentication"))).step(exchange(&login(json!({"auth_time": NOW - 599})), AS_RECENT, &[], ok())));

    cases.push(idp_case("3a-12-http-id-jag-claims", 12, IDP, "an ID token with email, auth_time, amr, acr and tenant: an ID-JAG is issued, 200").step(exchange(&id_token("alice", json!({"email": "alice@example.com", "auth_time": NOW - 45, "amr": ["pwd", "otp"], "acr": "phr", "tenant": "acme"})), AS_ISSUER, &[], ok())).step(exchange(&id_token("carol", json!({"auth_time": null})), AS_ISSUER, &[], ok())));
    cases.push(idp_case("3a-13-http-signing-keys-published", 13, IDP, "the IdP publishes its signing keys at /jwks.json (GET, HEAD): 200").step(idp_method("GET", JWKS_PATH, ok())).step(idp_method("HEAD", JWKS_PATH, ok())).step(idp_method("POST", JWKS_PATH, error(405, "method_not_allowed"))));
    cases.push(idp_case("3a-15-http-response", 15, IDP, "a token exchange with a narrowed scope: 200 (the token-exchange response)").step(exchange(&subject, AS_ISSUER, &[("scope", "chat.read admin")], ok())));

    // Rule 16: actor tokens.
    let actor = id_token("carol", json!({}));
    for (suffix, extra, what) in [
        (
            "actor-token-and-type",
            vec![
                ("actor_token", actor.token.as_str()),
                ("actor_token_type", TYPE_ID_TOKEN),
            ],
            "actor_token and actor_token_type",
        ),
        (
            "actor-token-alone",
            vec![("actor_token", actor.token.as_str())],
            "actor_token alone",
        ),
        (
            "actor-token-type-alone",
            vec![("actor_token_type", TYPE_ID_TOKEN)],
            "actor_token_type alone",
        ),
    ] {
        let id = format!("3a-16-http-{suffix}");
        cases.push(idp_case(&id, 16, IDP, &format!("{what} (refused): invalid_request")).step(exchange(&subject, AS_ISSUER, &extra, error(400, "invalid_request"))).step(exchange(&subject, AS_ISSUER, &[], ok())));
    }

    // Rule 17: an ID-JAG of this IdP is never exchanged again.
    let claims = json!({
        "iss": IDP_ISSUER, "sub": "alice", "aud": IDP_CLIENT, "client_id": CLIENT,
        "jti": "3a-17-jag", "iat": NOW - 10, "exp": NOW + 110,
        "resource": RESOURCE, "scope": "chat.read",
    });
    let own_jag = mint(
        &json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    let same_as_id_token = mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &claims,
        Signer::Es256(&k.idp_ec),
    );
    let cursor = Some((IDP_CLIENT, IDP_CLIENT_SECRET));
    cases.push(idp_case("3a-17-http-own-id-jag-as-subject", 17, IDP, "an ID-JAG of this IdP (iss, key and aud of an ID token for the client): invalid_request").step(exchange(&own_jag, AS_ISSUER, &[], subject_refused("typ_mismatch"))).step(exchange_typed_as(cursor, &own_jag, TYPE_ID_JAG, AS_ISSUER, &[], error(400, "invalid_request"))).step(exchange(&same_as_id_token, AS_ISSUER, &[], ok())));
    cases.push(idp_case("3a-17-http-own-id-jag-as-jwt-bearer", 17, IDP, "an ID-JAG of this IdP as a jwt-bearer assertion (no access tokens here): unsupported_grant_type").step(step(idp_post(cursor, &bearer(&own_jag.token, &[])), &[&own_jag], error(400, "unsupported_grant_type"))).step(exchange(&same_as_id_token, AS_ISSUER, &[], ok())));

    cases.push(idp_case("3a-18-http-metadata", 18, IDP, "RFC 8414 metadata at /.well-known/oauth-authorization-server (GET, HEAD): 200").step(idp_method("GET", AS_METADATA_PATH, ok())).step(idp_method("HEAD", AS_METADATA_PATH, ok())).step(idp_method("POST", AS_METADATA_PATH, error(405, "method_not_allowed"))));
    cases.push(idp_case("3a-18-http-unknown-paths", 18, IDP, "paths beside the served ones (incl. the development sign-in, not enabled): 404").step(idp_method("GET", "/.well-known/openid-configuration", error(404, "not_found"))).step(idp_method("POST", "/dev/sign-in", error(404, "not_found"))).step(idp_method("GET", AS_METADATA_PATH, ok())));
    cases
}

// ---------------------------------------------------------------------------------------
// RFC 6750 / RFC 9728 at the protected resource
// ---------------------------------------------------------------------------------------

/// A resource-server case on "validator".
fn rs_case(id: &str, rule: &str, title: &str) -> Case {
    Case::new(id, RS_SECTION, rule, VALIDATOR, title)
}

/// A request to the protected resource with `Authorization: authorization`.
fn rs_request(method: &str, path: &str, authorization: Option<&str>) -> Input {
    let mut request = HttpRequest {
        method: method.to_owned(),
        ..HttpRequest::get(path)
    };
    if let Some(value) = authorization {
        request
            .headers
            .push(("Authorization".to_owned(), value.to_owned()));
    }
    Input::ResourceHttp { request }
}

/// GET /mcp with `Bearer token`.
fn rs_bearer(token: &Minted, expect: Expect) -> Step {
    step(
        rs_request(
            "GET",
            RESOURCE_PATH,
            Some(&format!("Bearer {}", token.token)),
        ),
        &[token],
        expect,
    )
}

/// 401 `invalid_token` with the verdict code.
fn invalid_token(code: &str) -> Expect {
    Expect::http_code(401, "invalid_token", code)
}

fn resource_cases() -> Vec<Case> {
    let k = keys();
    let valid = access_token(json!({}));
    let mut cases = Vec::new();
    cases.push(rs_case("rs-http-no-token", "RFC 6750 §3; RFC 9728 §5.1", "no Authorization header: 401 (the challenge starts discovery); with a token: 200").step(step(rs_request("GET", RESOURCE_PATH, None), &[], error(401, "unauthorized"))).step(rs_bearer(&valid, ok())));
    cases.push(rs_case("rs-http-valid-token", "RFC 6750 §2.1; RFC 9068 §4", "a valid access token for this resource in the Authorization header: 200").step(rs_bearer(&valid, ok())).step(step(rs_request("GET", RESOURCE_PATH, Some(&format!("bearer {}", valid.token))), &[&valid], ok())));
    let mut signed_by_attacker = at_claims();
    signed_by_attacker["jti"] = json!("at-attacker");
    for (suffix, bad, code, what) in [
        (
            "malformed",
            Minted::verbatim("not.a.token"),
            "malformed",
            "not a JWS",
        ),
        (
            "expired",
            access_token(json!({"iat": NOW - 400, "exp": NOW - 61})),
            "expired",
            "expired beyond the leeway",
        ),
        (
            "other-resource",
            access_token(json!({"aud": OTHER_RESOURCE})),
            "audience_mismatch",
            "for another resource (no token passthrough)",
        ),
        (
            "other-issuer",
            access_token(json!({"iss": IDP_ISSUER})),
            "issuer_mismatch",
            "from another issuer",
        ),
        (
            "forged",
            mint(
                &at_header(),
                &signed_by_attacker,
                Signer::Es256(&k.attacker),
            ),
            "signature_invalid",
            "signed by another key under the AS's kid",
        ),
        (
            "id-jag",
            id_jag("rs-http-id-jag", json!({})),
            "typ_mismatch",
            "an ID-JAG (typ oauth-id-jag+jwt)",
        ),
    ] {
        let id = format!("rs-http-invalid-token-{suffix}");
        cases.push(rs_case(&id, "RFC 6750 §3.1; RFC 9068 §4", &format!("a bearer token {what}: 401 invalid_token")).step(rs_bearer(&bad, invalid_token(code))).step(rs_bearer(&valid, ok())));
    }
    cases.push(rs_case("rs-http-token-in-query", "RFC 6750 §2.3; MCP token handling", "the token in the query string only: not accepted, 401; in the header: 200").step(step(rs_request("GET", &format!("{RESOURCE_PATH}?access_token={}", valid.token), None), &[&valid], error(401, "unauthorized"))).step(rs_bearer(&valid, ok())));
    cases.push(rs_case("rs-http-not-bearer", "RFC 6750 §3.1", "an Authorization header of another scheme: 400 invalid_request").step(step(rs_request("GET", RESOURCE_PATH, Some("Basic dXNlcjpwYXNz")), &[], error(400, "invalid_request"))).step(rs_bearer(&valid, ok())));
    cases.push(rs_case("rs-http-metadata", "RFC 9728 §3", "RFC 9728 metadata at /.well-known/oauth-protected-resource/mcp (GET, HEAD): 200").step(step(rs_request("GET", PRM_PATH, None), &[], ok())).step(step(rs_request("HEAD", PRM_PATH, None), &[], ok())).step(step(rs_request("POST", PRM_PATH, None), &[], error(405, "method_not_allowed"))));
    cases.push(rs_case("rs-http-unknown-path", "RFC 9728 §3", "a path that is neither the resource nor its metadata: 404").step(step(rs_request("GET", "/other", None), &[], error(404, "not_found"))).step(step(rs_request("GET", "/.well-known/oauth-protected-resource", None), &[], error(404, "not_found"))).step(rs_bearer(&valid, ok())));
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_configurations_differ_from_their_base() {
        assert_ne!(enabled_toml(), token_endpoint_toml());
        assert!(!enabled_toml().contains("grant_types"));
        assert!(!unconnected_toml().contains("[[connections]]"));
        assert!(unconnected_toml().contains("[[users]]"));
        let configs = configs();
        let idp = &configs.iter().find(|(n, _)| n == HTTP_IDP).unwrap().1;
        assert!(idp.files.contains_key("idp.jwk"));
        assert!(idp.files.contains_key("client.jwks"));
    }

    #[test]
    fn every_refusal_has_a_later_success_or_a_control_case() {
        let cases = cases();
        for case in &cases {
            let refuses = case
                .steps
                .iter()
                .any(|s| !matches!(s.expect, Expect::Http { status: 200, .. }));
            let succeeds = case
                .steps
                .iter()
                .any(|s| matches!(s.expect, Expect::Http { status: 200, .. }));
            let control = format!("{}-control", case.id);
            assert!(
                !refuses || succeeds || cases.iter().any(|c| c.id == control),
                "{} has no positive control",
                case.id
            );
        }
    }
}
