//! `token_request`: the HTTP entry points of a natively configured `Validator` —
//! `authorization_server_http` (jwt-bearer token endpoint, RFC 8414 metadata, JWK Set) and
//! `identity_provider_http` (token exchange, development sign-in, metadata, JWK Set) — with a
//! fuzz-chosen method, path, headers and body, plus the request readers alone
//! (`token_request::read_jwt_bearer`, `read_token_exchange`, `client_auth::presented`,
//! `form::parse` / `decode_component`).
//!
//! The body starts from a template (an all-zero input is a correct jwt-bearer request with
//! HTTP Basic; other templates: client_secret_post, private_key_jwt, a public client, token
//! exchange with an ID token or a refresh token, the development sign-in) and the input edits
//! its fields, its tokens (the same token grammar as `structured_verify`), its encoding and its
//! headers — or replaces the body with raw bytes.
//!
//! Invariants: no 5xx but 503 `temporarily_unavailable` (an untrustworthy clock, a replay
//! store down) with this host; JSON bodies are JSON and error bodies
//! carry an RFC 6749 error code; a 401 after HTTP Basic carries `WWW-Authenticate`; a 200 from a token endpoint
//! means the request's assertion / subject token really was signed by the trusted key (and the
//! host verifier was not refusing everything), the issued token verifies under the issuer's
//! key, and it is accepted where it is meant to be used: an access token for R1 by the RS role
//! of the same instance, an ID-JAG by the AS role; a successful jwt-bearer request replayed is
//! refused (`invalid_grant`); metadata and JWK Set documents parse.

use arbitrary::{Arbitrary, Unstructured};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::Value;
use xaa_guest::host::PublicKeyRef;
use xaa_guest::jose_header::Alg;
use xaa_guest::token_request::{self, HttpRequest, HttpResponse};
use xaa_guest::{client_auth, form, jwks, Verdict};

use super::verify::{check_valid, hits_known_defect, parts, Kind};
use crate::fixtures::*;
use crate::grammar::{build, Context, TokenKind, TokenSpec, Word};
use crate::host::{reference_verify, FuzzHost, HostSpec, VerifierMode};

/// The request a template starts from.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// AS, jwt-bearer, client_secret_basic.
    AsBasic,
    /// AS, jwt-bearer, client_secret_post.
    AsPost,
    /// AS, jwt-bearer, private_key_jwt.
    AsJwt,
    /// AS, jwt-bearer, public client.
    AsPublic,
    /// IdP, token exchange of an ID token, client_secret_basic.
    IdpIdToken,
    /// IdP, token exchange of a refresh token, client_secret_post.
    IdpRefresh,
    /// IdP, token exchange, private_key_jwt.
    IdpJwt,
    /// IdP, development sign-in.
    IdpSignIn,
}

impl Template {
    fn is_as(self) -> bool {
        matches!(self, Template::AsBasic | Template::AsPost | Template::AsJwt | Template::AsPublic)
    }
}

/// A form parameter name.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `grant_type`
    GrantType,
    /// `assertion`
    Assertion,
    /// `scope`
    Scope,
    /// `resource`
    Resource,
    /// `audience`
    Audience,
    /// `client_id`
    ClientId,
    /// `client_secret`
    ClientSecret,
    /// `client_assertion`
    ClientAssertion,
    /// `client_assertion_type`
    ClientAssertionType,
    /// `subject_token`
    SubjectToken,
    /// `subject_token_type`
    SubjectTokenType,
    /// `requested_token_type`
    RequestedTokenType,
    /// `actor_token`
    ActorToken,
    /// `authorization_details`
    AuthorizationDetails,
    /// `username`
    Username,
    /// `password`
    Password,
    /// Anything.
    Word(Word),
}

impl Field {
    fn text(&self) -> String {
        match self {
            Field::GrantType => "grant_type".into(),
            Field::Assertion => "assertion".into(),
            Field::Scope => "scope".into(),
            Field::Resource => "resource".into(),
            Field::Audience => "audience".into(),
            Field::ClientId => "client_id".into(),
            Field::ClientSecret => "client_secret".into(),
            Field::ClientAssertion => "client_assertion".into(),
            Field::ClientAssertionType => "client_assertion_type".into(),
            Field::SubjectToken => "subject_token".into(),
            Field::SubjectTokenType => "subject_token_type".into(),
            Field::RequestedTokenType => "requested_token_type".into(),
            Field::ActorToken => "actor_token".into(),
            Field::AuthorizationDetails => "authorization_details".into(),
            Field::Username => "username".into(),
            Field::Password => "password".into(),
            Field::Word(w) => w.text(),
        }
    }
}

/// A parameter value.
#[derive(Arbitrary, Clone, Debug)]
pub enum FieldValue {
    /// A word.
    Word(Word),
    /// A fresh token of a kind.
    Token(TokenKind, TokenSpec),
    /// Raw bytes (percent-encoded when the encoding encodes).
    Bytes(Vec<u8>),
}

/// An edit of the template's form.
#[derive(Arbitrary, Clone, Debug)]
pub enum Edit {
    /// Remove a parameter.
    Remove(Field),
    /// Set (replace or add) a parameter.
    Set(Field, FieldValue),
    /// Add a parameter once more (repeats).
    Append(Field, FieldValue),
    /// Send a parameter without a value (`name=` or `name`).
    Empty(Field, bool),
}

/// How the form is encoded.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Encoding {
    /// RFC 3986 unreserved kept, everything else `%XX`.
    Strict,
    /// Spaces as `+`.
    Plus,
    /// Every byte `%XX` (lower-case hex).
    Everything,
    /// Not encoded at all.
    Raw,
}

/// The body.
#[derive(Arbitrary, Clone, Debug)]
pub enum Body {
    /// The template's form, edited.
    Form {
        /// Edits.
        edits: Vec<Edit>,
        /// Encoding.
        encoding: Encoding,
        /// Separator oddities: `&&`, a leading/trailing `&`.
        sloppy: bool,
    },
    /// These bytes.
    Raw(Vec<u8>),
}

/// `Content-Type`.
#[derive(Arbitrary, Clone, Debug)]
pub enum ContentType {
    /// `application/x-www-form-urlencoded`.
    Form,
    /// With a charset parameter.
    FormCharset,
    /// Upper case.
    FormUpper,
    /// `application/json`.
    Json,
    /// None.
    Missing,
    /// Twice.
    Twice,
    /// Anything.
    Raw(String),
}

/// `Authorization`.
#[derive(Arbitrary, Clone, Debug)]
pub enum Authorization {
    /// What the template sends (Basic for basic clients, nothing otherwise).
    Template,
    /// None.
    Missing,
    /// Basic with these (form-encoded) id and secret.
    Basic(Word, Word),
    /// `Basic base64(bytes)`.
    BasicBytes(Vec<u8>),
    /// `Bearer` + a token.
    Bearer(TokenKind, TokenSpec),
    /// Anything.
    Raw(String),
    /// The template's, twice.
    Twice,
}

/// The request path.
#[derive(Arbitrary, Clone, Debug)]
pub enum PathChoice {
    /// The template's endpoint.
    Template,
    /// The same with a query.
    WithQuery(String),
    /// The RFC 8414 metadata.
    Metadata,
    /// The JWK Set.
    Jwks,
    /// The other surface's token path.
    OtherToken,
    /// Anything.
    Raw(String),
}

/// The method.
#[derive(Arbitrary, Clone, Debug)]
pub enum Method {
    /// What fits the path (POST for endpoints, GET for documents).
    Fitting,
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// Anything.
    Raw(String),
}

/// One input.
#[derive(Arbitrary, Clone, Debug)]
pub struct RequestInput {
    /// Template.
    pub template: Template,
    /// The main token (assertion or subject token).
    pub token: TokenSpec,
    /// The client assertion (private_key_jwt templates).
    pub client_assertion: TokenSpec,
    /// Body.
    pub body: Body,
    /// Path.
    pub path: PathChoice,
    /// Method.
    pub method: Method,
    /// Content-Type.
    pub content_type: ContentType,
    /// Authorization.
    pub authorization: Authorization,
    /// More headers.
    pub headers: Vec<(Word, Word)>,
    /// Host behaviour.
    pub host: HostSpec,
    /// Send the same request twice.
    pub repeat: bool,
}

fn encode(bytes: &[u8], encoding: Encoding) -> String {
    let mut out = String::new();
    for &b in bytes {
        match encoding {
            Encoding::Raw => return String::from_utf8_lossy(bytes).into_owned(),
            Encoding::Everything => out.push_str(&format!("%{b:02x}")),
            Encoding::Plus if b == b' ' => out.push('+'),
            Encoding::Strict | Encoding::Plus => match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
                _ => out.push_str(&format!("%{b:02X}")),
            },
        }
    }
    out
}

struct Built {
    request: HttpRequest,
    /// Tokens the request carries whose signature a success depends on: (kind, token).
    main_token: Option<(TokenKind, String)>,
    client_assertion: Option<String>,
}

fn template_fields(input: &RequestInput, main: &str, assertion: &str) -> Vec<(String, Vec<u8>)> {
    let f = |k: &str, v: &str| (k.to_owned(), v.as_bytes().to_vec());
    let jwt_bearer = |client: Option<(&str, Option<&str>)>| {
        let mut v = vec![f("grant_type", GRANT_JWT_BEARER), f("assertion", main), f("scope", "chat.read")];
        if let Some((id, secret)) = client {
            v.push(f("client_id", id));
            if let Some(s) = secret {
                v.push(f("client_secret", s));
            }
        }
        v
    };
    let exchange = |kind: &str| {
        vec![
            f("grant_type", GRANT_TOKEN_EXCHANGE),
            f("requested_token_type", TT_ID_JAG),
            f("subject_token", main),
            f("subject_token_type", kind),
            f("audience", AS),
            f("resource", R1),
            f("scope", "chat.read"),
        ]
    };
    let private_key_jwt = |mut v: Vec<(String, Vec<u8>)>| {
        v.push(f("client_assertion_type", ASSERTION_TYPE));
        v.push(f("client_assertion", assertion));
        v
    };
    match input.template {
        Template::AsBasic => jwt_bearer(None),
        Template::AsPost => jwt_bearer(Some((AS_POST.0, Some(AS_POST.1)))),
        Template::AsJwt => private_key_jwt(jwt_bearer(None)),
        Template::AsPublic => jwt_bearer(Some((AS_PUBLIC, None))),
        Template::IdpIdToken => exchange(TT_ID_TOKEN),
        Template::IdpRefresh => {
            let mut v = exchange(TT_REFRESH);
            v.push(f("client_id", IDP_WINDSURF.0));
            v.push(f("client_secret", IDP_WINDSURF.1));
            v
        }
        Template::IdpJwt => private_key_jwt(exchange(TT_ID_TOKEN)),
        Template::IdpSignIn => vec![f("username", ALICE.0), f("password", ALICE.1)],
    }
}

fn basic(id: &str, secret: &str) -> String {
    let enc = |s: &str| encode(s.as_bytes(), Encoding::Strict);
    format!("Basic {}", STANDARD.encode(format!("{}:{}", enc(id), enc(secret))))
}

fn build_request(input: &RequestInput) -> Built {
    // The main token's kind and the client it is for follow the template.
    let (main_kind, main_client) = match input.template {
        Template::AsBasic => (TokenKind::IdJag, AS_BASIC.0),
        Template::AsPost => (TokenKind::IdJag, AS_POST.0),
        Template::AsJwt => (TokenKind::IdJag, AS_JWT),
        Template::AsPublic => (TokenKind::IdJag, AS_PUBLIC),
        Template::IdpIdToken => (TokenKind::IdToken, IDP_CURSOR.0),
        Template::IdpRefresh => (TokenKind::RefreshToken, IDP_WINDSURF.0),
        Template::IdpJwt => (TokenKind::IdToken, IDP_JWT_APP),
        Template::IdpSignIn => (TokenKind::IdToken, IDP_CURSOR.0),
    };
    let ctx = Context { client: main_client.into(), ..Context::for_kind(main_kind) };
    let main = build(main_kind, &input.token, &ctx).token;
    let assertion_kind = if input.template.is_as() { TokenKind::ClientAssertionAs } else { TokenKind::ClientAssertionIdp };
    let client_assertion = build(assertion_kind, &input.client_assertion, &Context::for_kind(assertion_kind)).token;
    let mut fields = template_fields(input, &main, &client_assertion);
    let body = match &input.body {
        Body::Raw(bytes) => bytes.clone(),
        Body::Form { edits, encoding, sloppy } => {
            let mut empties: Vec<(String, bool)> = Vec::new();
            for edit in edits {
                let value = |v: &FieldValue| match v {
                    FieldValue::Word(w) => w.text().into_bytes(),
                    FieldValue::Token(kind, spec) => build(*kind, spec, &Context::for_kind(*kind)).token.into_bytes(),
                    FieldValue::Bytes(b) => b.clone(),
                };
                match edit {
                    Edit::Remove(name) => fields.retain(|(k, _)| *k != name.text()),
                    Edit::Set(name, v) => {
                        let name = name.text();
                        match fields.iter_mut().find(|(k, _)| *k == name) {
                            Some(slot) => slot.1 = value(v),
                            None => fields.push((name, value(v))),
                        }
                    }
                    Edit::Append(name, v) => fields.push((name.text(), value(v))),
                    Edit::Empty(name, with_equals) => empties.push((name.text(), *with_equals)),
                }
            }
            let mut parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k.as_bytes(), *encoding), encode(v, *encoding)))
                .collect();
            for (name, with_equals) in empties {
                parts.push(if with_equals { format!("{name}=") } else { name });
            }
            let mut text = parts.join(if *sloppy { "&&" } else { "&" });
            if *sloppy {
                text = format!("&{text}&");
            }
            text.into_bytes()
        }
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    let form_type = "application/x-www-form-urlencoded";
    match &input.content_type {
        ContentType::Form => headers.push(("Content-Type".into(), form_type.into())),
        ContentType::FormCharset => headers.push(("content-type".into(), format!("{form_type}; charset=UTF-8"))),
        ContentType::FormUpper => headers.push(("CONTENT-TYPE".into(), form_type.to_ascii_uppercase())),
        ContentType::Json => headers.push(("Content-Type".into(), "application/json".into())),
        ContentType::Missing => {}
        ContentType::Twice => {
            headers.push(("Content-Type".into(), form_type.into()));
            headers.push(("content-type".into(), form_type.into()));
        }
        ContentType::Raw(s) => headers.push(("Content-Type".into(), s.clone())),
    }
    let template_auth = match input.template {
        Template::AsBasic => Some(basic(AS_BASIC.0, AS_BASIC.1)),
        Template::IdpIdToken | Template::IdpSignIn => Some(basic(IDP_CURSOR.0, IDP_CURSOR.1)),
        _ => None,
    };
    let auth = |v: String| ("Authorization".to_owned(), v);
    match &input.authorization {
        Authorization::Template => headers.extend(template_auth.map(auth)),
        Authorization::Missing => {}
        Authorization::Basic(id, secret) => headers.push(auth(basic(&id.text(), &secret.text()))),
        Authorization::BasicBytes(b) => headers.push(auth(format!("Basic {}", STANDARD.encode(b)))),
        Authorization::Bearer(kind, spec) => {
            headers.push(auth(format!("Bearer {}", build(*kind, spec, &Context::for_kind(*kind)).token)))
        }
        Authorization::Raw(s) => headers.push(auth(s.clone())),
        Authorization::Twice => {
            let v = template_auth.unwrap_or_else(|| basic(AS_BASIC.0, AS_BASIC.1));
            headers.push(auth(v.clone()));
            headers.push(auth(v));
        }
    }
    for (name, value) in &input.headers {
        headers.push((name.text(), value.text()));
    }
    let (token_path, other_token, metadata, jwks_path) = if input.template.is_as() {
        ("/token", "/token", "/.well-known/oauth-authorization-server", "/jwks.json")
    } else if input.template == Template::IdpSignIn {
        ("/dev/sign-in", "/token", "/.well-known/oauth-authorization-server", "/jwks.json")
    } else {
        ("/token", "/dev/sign-in", "/.well-known/oauth-authorization-server", "/jwks.json")
    };
    let path = match &input.path {
        PathChoice::Template => token_path.to_owned(),
        PathChoice::WithQuery(q) => format!("{token_path}?{q}"),
        PathChoice::Metadata => metadata.into(),
        PathChoice::Jwks => jwks_path.into(),
        PathChoice::OtherToken => other_token.into(),
        PathChoice::Raw(s) => s.clone(),
    };
    let method = match &input.method {
        Method::Fitting if matches!(input.path, PathChoice::Metadata | PathChoice::Jwks) => "GET".into(),
        Method::Fitting | Method::Post => "POST".into(),
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Raw(s) => s.clone(),
    };
    let request = HttpRequest { method, path, headers, body };
    // Which tokens the request actually carries (after edits), by parameter.
    let parsed = form::parse(&request.body).ok();
    let get = |name: &str| parsed.as_ref().and_then(|f| f.get(name)).map(str::to_owned);
    let main_token = if input.template.is_as() {
        get("assertion").map(|t| (TokenKind::IdJag, t))
    } else {
        get("subject_token").map(|t| (main_kind, t))
    };
    Built { request, main_token, client_assertion: get("client_assertion") }
}

const ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "invalid_target",
    "invalid_authorization_details",
    "temporarily_unavailable",
    // RFC 9470 step-up, from the IdP's managed connections.
    "insufficient_user_authentication",
];

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Whether `token` carries a signature that really verifies under `point` (ES256).
fn signed_by(token: &str, point: &p256::EncodedPoint) -> bool {
    parts(token).is_some_and(|(_, _, sig, input)| {
        reference_verify(Alg::Es256, PublicKeyRef::EcP256(point.as_bytes()), input.as_bytes(), &sig)
    })
}

fn signed_by_rsa(token: &str) -> bool {
    use rsa::traits::PublicKeyParts;
    let k = keys();
    let (n, e) = (k.idp2_rsa.n().to_bytes_be(), k.idp2_rsa.e().to_bytes_be());
    parts(token).is_some_and(|(_, _, sig, input)| {
        [Alg::Rs256, Alg::Ps256]
            .into_iter()
            .any(|alg| reference_verify(alg, PublicKeyRef::Rsa { n: &n, e: &e }, input.as_bytes(), &sig))
    })
}

fn check_response(
    input: &RequestInput,
    built: &Built,
    response: &HttpResponse,
    validator: &mut xaa_guest::Validator,
    host: &mut FuzzHost,
) {
    let status = response.status;
    assert!(
        matches!(status, 200 | 400 | 401 | 404 | 405 | 503),
        "status {status}: {}",
        String::from_utf8_lossy(&response.body)
    );
    // RFC 6749 §5.2: a client that tried HTTP Basic gets 401 with WWW-Authenticate.
    let basic_attempted = built.request.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("authorization") && v.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("basic "))
    });
    if status == 401 && basic_attempted {
        assert!(header(response, "www-authenticate").is_some(), "401 after Basic without WWW-Authenticate");
    }
    let json_body = header(response, "content-type").is_some_and(|t| t.starts_with("application/json"));
    let body: Option<Value> = if json_body && !response.body.is_empty() {
        Some(serde_json::from_slice(&response.body).expect("a JSON response body is JSON"))
    } else {
        None
    };
    if let Some(audit) = &response.audit_event {
        serde_json::from_str::<Value>(audit).expect("the audit event is one JSON object");
        assert!(!audit.contains('\n'), "the audit event spans several lines");
    }
    if matches!(status, 400 | 401 | 503) {
        if let Some(body) = &body {
            let error = body["error"].as_str().expect("an error body has error");
            assert!(ERRORS.contains(&error), "unknown error code {error}");
        }
    }
    if status != 200 {
        return;
    }
    let Some(body) = body else {
        // HEAD answers, non-JSON documents.
        return;
    };
    let k = keys();
    let request = &built.request;
    let path = request.path.split('?').next().unwrap_or("");
    if path == "/jwks.json" {
        let set = jwks::parse(&body.to_string()).expect("the served JWK Set parses");
        assert!(!set.keys.is_empty());
        return;
    }
    let Some(issued) = body.get("access_token").and_then(Value::as_str) else {
        // Metadata documents, the sign-in's token pair.
        if body.get("issuer").is_some() {
            assert!(body["issuer"] == AS || body["issuer"] == IDP);
        }
        return;
    };
    assert_ne!(host.spec.verifier, VerifierMode::AlwaysInvalid, "a token was issued although every signature was refused");
    let (main_kind, main) = built.main_token.clone().expect("a token was issued for a request without its token");
    if input.template.is_as() {
        // An access token for a genuinely signed ID-JAG.
        assert!(
            signed_by(&main, &k.idp_ec.verifying_key().to_encoded_point(false)) || signed_by_rsa(&main),
            "an access token was issued for an ID-JAG that no trusted key signed"
        );
        assert!(signed_by(issued, &k.as_ec.verifying_key().to_encoded_point(false)), "the issued access token is not signed by the AS key");
        assert_eq!(body["token_type"], "Bearer");
        let (_, payload, _, _) = parts(issued).expect("the issued token splits");
        let claims: Value = serde_json::from_slice(&payload).expect("claims JSON");
        assert_eq!(claims["iss"], AS);
        let (_, jag_payload, _, _) = parts(&main).expect("the ID-JAG splits");
        let jag: Value = serde_json::from_slice(&jag_payload).expect("ID-JAG claims JSON");
        if let (Some(at_exp), Some(jag_exp)) = (claims["exp"].as_f64(), jag["exp"].as_f64()) {
            assert!(at_exp <= jag_exp, "the access token outlives its ID-JAG");
        }
        // The resource server of this instance (R1) accepts it when it is for R1.
        let for_r1 = match &claims["aud"] {
            Value::String(a) => a == R1,
            Value::Array(a) => a.iter().any(|v| v == R1),
            _ => false,
        };
        if for_r1 && host.spec.replay == crate::host::ReplayMode::Normal {
            let verdict = validator.validate_access_token(host, issued);
            check_valid(Kind::AccessToken, issued, None, host, &verdict);
            assert!(matches!(verdict, Verdict::Valid(_)), "the RS refuses an access token its AS issued: {:?}", verdict.code());
        }
    } else {
        assert!(matches!(main_kind, TokenKind::RefreshToken | TokenKind::IdToken));
        assert!(
            signed_by(&main, &k.idp_ec.verifying_key().to_encoded_point(false)),
            "an ID-JAG was issued for a subject token the IdP did not sign"
        );
        assert_eq!(body["issued_token_type"], TT_ID_JAG);
        assert!(signed_by(issued, &k.idp_ec.verifying_key().to_encoded_point(false)));
        let (_, payload, _, _) = parts(issued).expect("the issued ID-JAG splits");
        let claims: Value = serde_json::from_slice(&payload).expect("claims JSON");
        assert_eq!(claims["iss"], IDP);
        // The AS role of this instance accepts it, presented by the client it names.
        if claims["aud"] == AS && host.spec.replay == crate::host::ReplayMode::Normal {
            let client = claims["client_id"].as_str().unwrap_or("").to_owned();
            let verdict = validator.validate_id_jag(host, issued, &client);
            check_valid(Kind::IdJag, issued, Some(&client), host, &verdict);
            assert!(matches!(verdict, Verdict::Valid(_)), "the AS refuses an ID-JAG its IdP issued: {:?}", verdict.code());
        }
    }
    // A client assertion in the body (the only method then, or the request is refused) must
    // really be signed by the client's key.
    if let Some(assertion) = &built.client_assertion {
        assert!(
            signed_by(assertion, &k.client.verifying_key().to_encoded_point(false)),
            "a token was issued to a client whose assertion its key did not sign"
        );
    }
}

/// The target.
pub fn token_request(data: &[u8]) -> String {
    let Ok(input) = RequestInput::arbitrary_take_rest(Unstructured::new(data)) else {
        return "undecodable".into();
    };
    let built = build_request(&input);
    let request = &built.request;
    // Known defect (see targets::strict): a `typ` that crashes check_typ, in any token.
    if let Ok(form) = form::parse(&request.body) {
        let tokens = ["assertion", "subject_token", "client_assertion"];
        if tokens.iter().filter_map(|n| form.get(n)).any(hits_known_defect) {
            return "known-defect".into();
        }
    }
    // The readers alone.
    let jwt_bearer = token_request::read_jwt_bearer(request);
    let exchange = token_request::read_token_exchange(request);
    if let Ok(form) = form::parse(&request.body) {
        for name in form.names() {
            let value = form.get(name).expect("a listed name has a value");
            assert!(!value.is_empty(), "an empty value is not omitted");
            let again = form::decode_component(&encode(value.as_bytes(), Encoding::Strict)).expect("re-encoded");
            assert_eq!(again, value);
        }
        if let Ok(authorization) = request.header("authorization") {
            let _ = client_auth::presented(authorization, &form);
        }
    }
    let mut validator = validator();
    let mut host = FuzzHost::new(&input.host);
    let call = |v: &mut xaa_guest::Validator, h: &mut FuzzHost| {
        if input.template.is_as() {
            v.authorization_server_http(h, request)
        } else {
            v.identity_provider_http(h, request)
        }
    };
    let response = call(&mut validator, &mut host);
    if std::env::var_os("XAA_FUZZ_DEBUG").is_some() {
        eprintln!("input: {input:#?}\nrequest: {request:#?}\nresponse: {} {}", response.status, String::from_utf8_lossy(&response.body));
    }
    let path = request.path.split('?').next().unwrap_or("");
    if response.status == 200 && path == "/token" {
        if input.template.is_as() {
            assert!(jwt_bearer.is_ok(), "200 for a request read_jwt_bearer refuses");
        } else {
            assert!(exchange.is_ok(), "200 for a request read_token_exchange refuses");
        }
    }
    check_response(&input, &built, &response, &mut validator, &mut host);
    if input.repeat {
        let second = call(&mut validator, &mut host);
        if std::env::var_os("XAA_FUZZ_DEBUG").is_some() {
            eprintln!("second response: {} {}", second.status, String::from_utf8_lossy(&second.body));
        }
        check_response(&input, &built, &second, &mut validator, &mut host);
        // The same ID-JAG never buys a second access token (J05). The refusal is
        // `invalid_grant` (400), or `invalid_client` (401) when a replayed client assertion
        // is caught first.
        if response.status == 200 && path == "/token" && input.template.is_as() {
            assert!(matches!(second.status, 400 | 401), "an ID-JAG was exchanged twice ({})", second.status);
        }
    }
    let error = serde_json::from_slice::<Value>(&response.body)
        .ok()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    format!("{:?}:{}:{error}", input.template, response.status)
}
