//! The IdP's standard sign-in (issue 12 part 2): the authorization endpoint with its sign-in
//! page and the `authorization_code` grant with PKCE, through the component's
//! `identity-provider-http`, as a browser and a client would drive them. Each refusal is a
//! row beside the successful flow it differs from; "nothing issued" means no token in the
//! response.

use crate::common;

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use xaa_host::wit::{Header, HttpRequest, HttpResponse};
use xaa_host::{config_file, Validator};

const ISSUER: &str = "https://idp.example.com";
const APP: (&str, &str) = ("app", "app-secret-4f1c");
const OTHER: (&str, &str) = ("other-app", "other-secret-9b2e");
const NO_REDIRECT: (&str, &str) = ("exchange-only", "exchange-secret-7a3d");
const CALLBACK: &str = "http://127.0.0.1:53124/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const PASSWORD: &str = "correct horse battery staple";

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn toml(sign_in: bool, app_redirects: &str) -> String {
    let client = |(id, secret): (&str, &str), redirects: &str| {
        format!(
            "[[idp_clients]]\nclient_id = \"{id}\"\nauth_method = \"client_secret_basic\"\n\
             client_secret_sha256 = \"{}\"\n{redirects}\n",
            sha256_hex(secret)
        )
    };
    let password = sha256_hex(PASSWORD);
    format!(
        "[identity_provider]\nissuer = \"{ISSUER}\"\nsigning_keys = [\"idp.jwk\"]\n\
         development_sign_in = {sign_in}\n\n\
         [[users]]\nsub = \"alice\"\nemail = \"alice@example.com\"\npassword_sha256 = \"{password}\"\n\n\
         [[users]]\nsub = \"bob\"\ndisabled = true\npassword_sha256 = \"{password}\"\n\n{}{}{}",
        client(APP, app_redirects),
        client(OTHER, "redirect_uris = [\"http://127.0.0.1/callback\"]"),
        client(NO_REDIRECT, ""),
    )
}

const APP_REDIRECTS: &str =
    "redirect_uris = [\"http://127.0.0.1/callback\", \"https://app.example.com/cb?tenant=7\"]";

/// The configuration's refusals, or the IdP.
fn load(toml: &str) -> Result<xaa_host::wit::Config, String> {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let jwk = xaa_testkit::fixtures::private_ec_jwk(&keys().idp_ec, "idp-ec");
        std::fs::write(dir.path().join("idp.jwk"), jwk.to_string()).unwrap();
        dir
    });
    let path = dir
        .path()
        .join(format!("{:x}.toml", Sha256::digest(toml.as_bytes())));
    std::fs::write(&path, toml).unwrap();
    config_file::load(&path)
}

struct Idp {
    validator: Validator,
    imports: xaa_host::Imports,
}

impl Idp {
    fn new() -> Self {
        let imports = imports(true);
        let config = load(&toml(true, APP_REDIRECTS)).unwrap();
        let validator = Validator::new(runtime(), imports.clone(), config).unwrap();
        Idp { validator, imports }
    }

    fn call(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> HttpResponse {
        let request = HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: (*n).into(),
                    value: (*v).into(),
                })
                .collect(),
            body: body.as_bytes().to_vec(),
        };
        self.validator.identity_provider_http(&request).unwrap()
    }

    fn authorize(&mut self, params: &[(&str, &str)]) -> HttpResponse {
        self.call("GET", &format!("/authorize?{}", form(params)), &[], "")
    }

    /// The sign-in page for `params`: its CSRF value (from the cookie it sets).
    fn page(&mut self, params: &[(&str, &str)]) -> String {
        let page = self.authorize(params);
        assert_eq!(page.status, 200, "{}", text(&page));
        let cookie = header(&page, "set-cookie").unwrap();
        cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix("xaa_csrf=")
            .unwrap()
            .to_owned()
    }

    /// Posts the sign-in form: the request's parameters, credentials and `csrf`, with
    /// `cookie` as the CSRF cookie.
    fn post(&mut self, params: &[(&str, &str)], csrf: &str, cookie: Option<&str>) -> HttpResponse {
        let mut fields = params.to_vec();
        fields.push(("csrf", csrf));
        let cookie = cookie.map(|c| format!("theme=dark; xaa_csrf={c}"));
        let mut headers = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(cookie) = &cookie {
            headers.push(("cookie", cookie));
        }
        self.call("POST", "/authorize", &headers, &form(&fields))
    }

    /// Signs alice in with `params` and returns the code from the redirect.
    fn code(&mut self, params: &[(&str, &str)]) -> String {
        let csrf = self.page(params);
        let redirect = self.post(
            &with_credentials(params, "alice", PASSWORD),
            &csrf,
            Some(&csrf),
        );
        assert_eq!(redirect.status, 303, "{}", text(&redirect));
        location_param(&redirect, "code").unwrap()
    }

    fn redeem(&mut self, client: (&str, &str), params: &[(&str, &str)]) -> (u16, Value) {
        let basic = basic_header(client.0, client.1);
        let mut fields = vec![("grant_type", "authorization_code")];
        fields.extend_from_slice(params);
        let response = self.call(
            "POST",
            "/token",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("authorization", &basic),
            ],
            &form(&fields),
        );
        (
            response.status,
            serde_json::from_slice(&response.body).unwrap_or(Value::Null),
        )
    }
}

use xaa_testkit::form::{basic_header, form};

/// Percent-decoding of a query value (`+` is a space).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn text(response: &HttpResponse) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

fn location_param(response: &HttpResponse, name: &str) -> Option<String> {
    let location = header(response, "location")?;
    let query = location.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| decode(v))
    })
}

/// Form or query parameters.
type Params = Vec<(&'static str, &'static str)>;

fn request() -> Params {
    vec![
        ("response_type", "code"),
        ("client_id", APP.0),
        ("redirect_uri", CALLBACK),
        ("scope", "openid"),
        ("state", "st-81"),
        ("nonce", "n-0S6_WzA2Mj"),
        (
            "code_challenge",
            Box::leak(challenge(VERIFIER).into_boxed_str()),
        ),
        ("code_challenge_method", "S256"),
    ]
}

fn with(
    params: &[(&'static str, &'static str)],
    name: &'static str,
    value: Option<&'static str>,
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<_> = params.iter().filter(|(n, _)| *n != name).copied().collect();
    if let Some(value) = value {
        out.push((name, value));
    }
    out
}

fn with_credentials<'a>(
    params: &[(&'a str, &'a str)],
    user: &'a str,
    password: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut out = params.to_vec();
    out.push(("username", user));
    out.push(("password", password));
    out
}

fn redeem_params(code: &str) -> Vec<(&str, &str)> {
    vec![
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
    ]
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[test]
fn sign_in_at_the_page_then_redeem_the_code_with_pkce() {
    let mut idp = Idp::new();
    let csrf = idp.page(&request());
    let page = idp.authorize(&request());
    let html = text(&page);
    assert!(
        html.contains("<form method=\"post\" action=\"/authorize\">"),
        "{html}"
    );
    assert!(html.contains("name=\"csrf\""), "{html}");
    let cookie = header(&page, "set-cookie").unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/authorize"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let csp = header(&page, "content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("form-action 'self' http://127.0.0.1:53124"),
        "{csp}"
    );

    let redirect = idp.post(
        &with_credentials(&request(), "alice", PASSWORD),
        &csrf,
        Some(&csrf),
    );
    assert_eq!(redirect.status, 303, "{}", text(&redirect));
    let location = header(&redirect, "location").unwrap();
    assert!(
        location.starts_with(&format!("{CALLBACK}?code=")),
        "{location}"
    );
    assert_eq!(location_param(&redirect, "state").as_deref(), Some("st-81"));
    assert_eq!(
        location_param(&redirect, "iss").as_deref(),
        Some(ISSUER),
        "RFC 9207"
    );
    let audit: Value = serde_json::from_str(redirect.audit_event.as_deref().unwrap()).unwrap();
    assert_eq!(
        (
            audit["decision"].as_str(),
            audit["reason"].as_str(),
            audit["subject"].as_str()
        ),
        (Some("granted"), Some("authorized"), Some("alice"))
    );

    let code = location_param(&redirect, "code").unwrap();
    let (status, body) = idp.redeem(APP, &redeem_params(&code));
    assert_eq!(status, 200, "{body}");
    let id_token = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id_token["iss"], ISSUER);
    assert_eq!(id_token["aud"], APP.0);
    assert_eq!(id_token["sub"], "alice");
    assert_eq!(
        id_token["nonce"], "n-0S6_WzA2Mj",
        "OpenID Connect Core §3.1.3.7: the nonce echoed"
    );
    assert_eq!(id_token["amr"], serde_json::json!(["pwd"]));
    assert!(body["refresh_token"].is_string(), "{body}");
}

/// Redemptions that differ from the good one in one thing: each refused, nothing issued.
#[test]
fn redemptions_are_refused_unless_everything_matches() {
    let mut idp = Idp::new();
    let tampered = |code: &str| {
        let mut bytes = code.as_bytes().to_vec();
        let i = bytes.len() - 5;
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    type Row = (
        &'static str,
        fn(&str) -> Vec<(String, String)>,
        (&'static str, &'static str),
        u16,
        &'static str,
    );
    let rows: &[Row] = &[
        (
            "a wrong code_verifier",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                    ("code_verifier".into(), "x".repeat(43)),
                ]
            },
            APP,
            400,
            "invalid_grant",
        ),
        (
            "no code_verifier",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                ]
            },
            APP,
            400,
            "invalid_request",
        ),
        (
            "a too short code_verifier",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                    ("code_verifier".into(), VERIFIER[..42].into()),
                ]
            },
            APP,
            400,
            "invalid_grant",
        ),
        (
            "another redirect_uri than the request's",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    (
                        "redirect_uri".into(),
                        "http://127.0.0.1:53125/callback".into(),
                    ),
                    ("code_verifier".into(), VERIFIER.into()),
                ]
            },
            APP,
            400,
            "invalid_grant",
        ),
        (
            "the code redeemed by another client",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                    ("code_verifier".into(), VERIFIER.into()),
                ]
            },
            OTHER,
            400,
            "invalid_grant",
        ),
        (
            "a client without redirection URIs",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                    ("code_verifier".into(), VERIFIER.into()),
                ]
            },
            NO_REDIRECT,
            400,
            "unauthorized_client",
        ),
        (
            "a wrong client secret",
            |c| {
                vec![
                    ("code".into(), c.into()),
                    ("redirect_uri".into(), CALLBACK.into()),
                    ("code_verifier".into(), VERIFIER.into()),
                ]
            },
            (APP.0, "wrong"),
            401,
            "invalid_client",
        ),
    ];
    for (why, params, client, status, error) in rows {
        let code = idp.code(&request());
        let params = params(&code);
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (got, body) = idp.redeem(*client, &params);
        assert_eq!(
            (got, body["error"].as_str()),
            (*status, Some(*error)),
            "{why}: {body}"
        );
        assert!(body.get("id_token").is_none(), "{why}: nothing issued");
    }

    // A tampered code, a replayed code, an expired code.
    let code = idp.code(&request());
    let (status, body) = idp.redeem(APP, &redeem_params(&tampered(&code)));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "tampered: {body}"
    );
    assert_eq!(
        idp.redeem(APP, &redeem_params(&code)).0,
        200,
        "the untampered code still works"
    );
    let (status, body) = idp.redeem(APP, &redeem_params(&code));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "replayed: {body}"
    );
    let code = idp.code(&request());
    idp.imports.clock.set(NOW + 60);
    let (status, body) = idp.redeem(APP, &redeem_params(&code));
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "60 s later: {body}"
    );
    idp.imports.clock.set(NOW);
}

/// Requests the page must not serve. The first rows have no trustworthy redirection URI: an
/// error page, never a redirect, and the URI is not reflected. The rest go back to the
/// client with the error and its `state`.
#[test]
fn authorization_requests_are_refused_by_page_or_by_redirect() {
    let mut idp = Idp::new();
    let base = request();
    let pages: &[(&str, Params)] = &[
        (
            "an unregistered redirect_uri",
            with(&base, "redirect_uri", Some("https://evil.example/cb")),
        ),
        (
            "a redirect_uri on another loopback path",
            with(&base, "redirect_uri", Some("http://127.0.0.1:53124/other")),
        ),
        ("no redirect_uri", with(&base, "redirect_uri", None)),
        (
            "an unknown client",
            with(&base, "client_id", Some("nobody")),
        ),
        (
            "a client without redirection URIs",
            with(&base, "client_id", Some(NO_REDIRECT.0)),
        ),
    ];
    for (why, params) in pages {
        let response = idp.authorize(params);
        assert_eq!(response.status, 400, "{why}");
        assert!(
            header(&response, "location").is_none(),
            "{why}: never redirected"
        );
        assert!(
            !text(&response).contains("evil.example"),
            "{why}: not reflected"
        );
    }
    let redirects: &[(&str, Params, &str)] = &[
        (
            "no PKCE",
            with(&base, "code_challenge", None),
            "invalid_request",
        ),
        (
            "PKCE plain",
            with(&base, "code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (
            "a malformed challenge",
            with(&base, "code_challenge", Some("short")),
            "invalid_request",
        ),
        (
            "response_type=token",
            with(&base, "response_type", Some("token")),
            "unsupported_response_type",
        ),
        (
            "no openid scope",
            with(&base, "scope", Some("profile")),
            "invalid_scope",
        ),
        (
            "prompt=none",
            with(&base, "prompt", Some("none")),
            "login_required",
        ),
        (
            "a request object",
            with(&base, "request", Some("e30.e30.")),
            "invalid_request",
        ),
    ];
    for (why, params, error) in redirects {
        let response = idp.authorize(params);
        assert_eq!(response.status, 303, "{why}: {}", text(&response));
        assert!(
            header(&response, "location").unwrap().starts_with(CALLBACK),
            "{why}"
        );
        assert_eq!(
            location_param(&response, "error").as_deref(),
            Some(*error),
            "{why}"
        );
        assert_eq!(
            location_param(&response, "state").as_deref(),
            Some("st-81"),
            "{why}"
        );
    }
    // Controls: the registered https URI keeps its own query; loopback on another port.
    let https = with(
        &base,
        "redirect_uri",
        Some("https://app.example.com/cb?tenant=7"),
    );
    let response = idp.authorize(&with(&https, "response_type", Some("token")));
    assert!(header(&response, "location")
        .unwrap()
        .starts_with("https://app.example.com/cb?tenant=7&error="));
    assert_eq!(
        idp.authorize(&with(
            &base,
            "redirect_uri",
            Some("http://127.0.0.1:9/callback")
        ))
        .status,
        200
    );
}

/// The form's submissions: without the page's CSRF cookie, with another value, or with
/// wrong credentials, nothing is redirected and no code exists.
#[test]
fn sign_in_posts_need_the_csrf_cookie_and_the_password() {
    let mut idp = Idp::new();
    let csrf = idp.page(&request());
    let good = with_credentials(&request(), "alice", PASSWORD);
    let rows: &[(&str, Params, Option<&str>, &str, u16)] = &[
        (
            "no CSRF cookie (a cross-site post)",
            good.clone(),
            None,
            &csrf,
            400,
        ),
        (
            "another CSRF value",
            good.clone(),
            Some("A".repeat(22).leak()),
            &csrf,
            400,
        ),
        (
            "a CSRF value with header syntax, the same in cookie and form",
            good.clone(),
            Some("AAAAAAAAAAAAAAAAAAAA,X=y"),
            "AAAAAAAAAAAAAAAAAAAA,X=y",
            400,
        ),
        (
            "a wrong password",
            with_credentials(&request(), "alice", "guess"),
            Some(&csrf),
            &csrf,
            200,
        ),
        (
            "an unknown user",
            with_credentials(&request(), "mallory", PASSWORD),
            Some(&csrf),
            &csrf,
            200,
        ),
        (
            "a disabled user",
            with_credentials(&request(), "bob", PASSWORD),
            Some(&csrf),
            &csrf,
            200,
        ),
        (
            "an unregistered redirect_uri in the form",
            with(&good, "redirect_uri", Some("https://evil.example/cb")),
            Some(&csrf),
            &csrf,
            400,
        ),
    ];
    for (why, params, cookie, sent, status) in rows {
        let response = idp.post(params, sent, *cookie);
        assert_eq!(response.status, *status, "{why}: {}", text(&response));
        assert!(
            header(&response, "location").is_none(),
            "{why}: no redirect, no code"
        );
    }
    let wrong = idp.post(
        &with_credentials(&request(), "alice", "guess"),
        &csrf,
        Some(&csrf),
    );
    assert!(text(&wrong).contains("The user name or password is wrong."));
    let audit: Value = serde_json::from_str(wrong.audit_event.as_deref().unwrap()).unwrap();
    assert_eq!(
        (audit["decision"].as_str(), audit["reason"].as_str()),
        (Some("denied"), Some("bad_credentials"))
    );
    // Control: the same form with the page's cookie.
    assert_eq!(idp.post(&good, &csrf, Some(&csrf)).status, 303);
}

#[test]
fn discovery_advertises_the_sign_in_and_config_guards_it() {
    let mut idp = Idp::new();
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = idp.call("GET", path, &[], "");
        let doc: Value = serde_json::from_slice(&response.body).unwrap();
        assert_eq!(
            doc["response_types_supported"],
            serde_json::json!(["code"]),
            "{path}"
        );
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"]),
            "{path}"
        );
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{ISSUER}/authorize"),
            "{path}"
        );
        assert!(
            doc["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&"authorization_code".into()),
            "{path}"
        );
    }
    let refused = |toml: &str| {
        load(toml).map_or_else(
            |e| e,
            |c| match Validator::new(runtime(), imports(true), c) {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            },
        )
    };
    let without_sign_in = refused(&toml(false, APP_REDIRECTS));
    assert!(
        without_sign_in.contains("redirect_uris need identity_provider.development_sign_in"),
        "{without_sign_in}"
    );
    for (redirects, why) in [
        (
            "redirect_uris = [\"http://app.example.com/cb\"]",
            "must use https",
        ),
        (
            "redirect_uris = [\"https://app.example.com/cb#f\"]",
            "has a fragment",
        ),
        (
            "redirect_uris = [\"https://a.example/cb\", \"https://a.example/cb\"]",
            "listed twice",
        ),
    ] {
        let errors = refused(&toml(true, redirects));
        assert!(errors.contains(why), "{redirects}: {errors}");
    }
    assert_eq!(refused(&toml(true, APP_REDIRECTS)), "", "control");
}
