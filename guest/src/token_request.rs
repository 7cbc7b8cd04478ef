//! The HTTP shape of a token request and of OAuth error responses (RFC 6749 §3.2, §5.2), as
//! plain records so any host forwards bytes: `POST`, `Content-Type:
//! application/x-www-form-urlencoded`, a strict form body, the jwt-bearer grant (RFC 7523
//! §2.1) with exactly one `assertion`. Groundwork for the token endpoint (issue 3).

use serde::Serialize;

use crate::claims::is_valid_scope;
use crate::error::{oauth, Code, Rejection, Role};
use crate::form::{self, Form};
use crate::id_token::SubjectKind;
use crate::urn::{
    GRANT_TYPE_JWT_BEARER, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG, TOKEN_TYPE_ID_TOKEN,
    TOKEN_TYPE_REFRESH_TOKEN,
};

/// An HTTP request as a host hands it over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method, e.g. `POST`.
    pub method: String,
    /// Request-target path (a query, if any, is ignored for routing).
    pub path: String,
    /// Header fields in order; names compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// An HTTP response for the host to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Header fields.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
    /// The verdict code behind a refused assertion, for the host's log only: the response
    /// itself never says which check failed (specs.md §3b rule 19).
    pub verdict_code: Option<Code>,
    /// The IdP's audit event of this decision, as one JSON line, for the host's audit log.
    pub audit_event: Option<String>,
}

impl HttpResponse {
    /// A JSON response that must not be cached (`Content-Type: application/json`,
    /// `Cache-Control: no-store`): every token-endpoint answer, success or error.
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ],
            body,
            verdict_code: None,
            audit_event: None,
        }
    }

    /// 404 for a path this surface does not serve.
    pub fn not_found() -> Self {
        Self::json(404, br#"{"error":"not_found"}"#.to_vec())
    }

    /// 405 with the methods the path accepts in `Allow` (RFC 9110 §15.5.6).
    pub fn method_not_allowed(allow: &str) -> Self {
        Self::json(405, br#"{"error":"method_not_allowed"}"#.to_vec())
            .with_header("Allow", allow.to_owned())
    }

    /// Adds a header field.
    pub fn with_header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    /// The value of the first header field named `name` (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl HttpRequest {
    /// The only value of header `name`; `Err` when it is repeated.
    pub fn header(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut found = None;
        for (n, v) in &self.headers {
            if n.eq_ignore_ascii_case(name) {
                if found.is_some() {
                    return Err(OAuthError::invalid_request(&format!(
                        "the {name} header is repeated"
                    )));
                }
                found = Some(v.as_str());
            }
        }
        Ok(found)
    }
}

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// `error`
    pub error: &'static str,
    /// `error_description`, restricted to the RFC 6749 charset when rendered.
    pub description: String,
    /// HTTP status.
    pub status: u16,
    /// `WWW-Authenticate` value (401 after a failed HTTP Basic attempt).
    pub www_authenticate: Option<String>,
    /// The verdict code behind it, for the host's log.
    pub verdict_code: Option<Code>,
}

impl OAuthError {
    /// `error` with `description` and `status`, nothing else.
    fn new(error: &'static str, description: &str, status: u16) -> Self {
        OAuthError {
            error,
            description: description.to_owned(),
            status,
            www_authenticate: None,
            verdict_code: None,
        }
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(description: &str) -> Self {
        Self::new(oauth::INVALID_REQUEST, description, 400)
    }

    /// 500 `server_error`: a fault of this server, not of the request.
    pub fn server_error(description: &str) -> Self {
        Self::new(oauth::SERVER_ERROR, description, 500)
    }

    /// 400 `unsupported_response_type` (RFC 6749 §4.1.2.1), at the authorization endpoint.
    pub fn unsupported_response_type(description: &str) -> Self {
        Self::new(oauth::UNSUPPORTED_RESPONSE_TYPE, description, 400)
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type() -> Self {
        Self::new(
            oauth::UNSUPPORTED_GRANT_TYPE,
            "this grant type is not supported here",
            400,
        )
    }

    /// 401 `invalid_client`, with a Basic challenge when HTTP Basic was tried (RFC 6749 §5.2).
    pub fn invalid_client(description: &str, basic_attempted: bool) -> Self {
        OAuthError {
            www_authenticate: basic_attempted.then(|| "Basic realm=\"token\"".to_owned()),
            ..Self::new(oauth::INVALID_CLIENT, description, 401)
        }
    }

    /// 400 `invalid_grant`.
    pub fn invalid_grant(description: &str) -> Self {
        Self::new(oauth::INVALID_GRANT, description, 400)
    }

    /// A token refused on behalf of `role`, as [`Rejection::to_wire`] maps it, with the
    /// verdict code for the log.
    pub fn refused(rejection: &Rejection, role: Role) -> Self {
        let wire = rejection.to_wire(role, None);
        OAuthError {
            error: wire.oauth_error,
            description: wire.description.to_owned(),
            status: wire.http_status,
            www_authenticate: wire.www_authenticate,
            verdict_code: Some(rejection.code),
        }
    }

    /// 400 `unauthorized_client`.
    pub fn unauthorized_client(description: &str) -> Self {
        Self::new(oauth::UNAUTHORIZED_CLIENT, description, 400)
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope(description: &str) -> Self {
        Self::new(oauth::INVALID_SCOPE, description, 400)
    }

    /// 400 `invalid_target` (RFC 8707 §2, RFC 8693 §2.2.2).
    pub fn invalid_target(description: &str) -> Self {
        Self::new(oauth::INVALID_TARGET, description, 400)
    }

    /// 400 `invalid_authorization_details` (RFC 9396 §5).
    pub fn invalid_authorization_details(description: &str) -> Self {
        Self::new(oauth::INVALID_AUTHORIZATION_DETAILS, description, 400)
    }

    /// 400 `insufficient_user_authentication` (ID-JAG §4.3.4, step-up).
    pub fn insufficient_user_authentication(description: &str) -> Self {
        Self::new(oauth::INSUFFICIENT_USER_AUTHENTICATION, description, 400)
    }

    /// The JSON response: `Content-Type: application/json`, `Cache-Control: no-store`.
    pub fn to_response(&self) -> HttpResponse {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            error_description: String,
        }
        // RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
        let description: String = self
            .description
            .chars()
            .filter(|c| matches!(*c as u32, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
            .take(200)
            .collect();
        let body = serde_json::to_vec(&Body {
            error: self.error,
            error_description: description,
        })
        .unwrap_or_else(|_| oauth::SERVER_ERROR_BODY.to_vec());
        let mut response = HttpResponse::json(self.status, body);
        if let Some(challenge) = &self.www_authenticate {
            response = response.with_header("WWW-Authenticate", challenge.clone());
        }
        response.verdict_code = self.verdict_code;
        response
    }
}

/// A well-formed jwt-bearer token request; nothing in it is validated beyond its shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtBearerRequest {
    /// The whole form (client authentication reads it too).
    pub form: Form,
    /// `assertion`: the ID-JAG.
    pub assertion: String,
    /// `scope`, if requested.
    pub scope: Option<String>,
    /// `resource` (RFC 8707), if requested (one value: the form refuses repeats).
    pub resource: Option<String>,
}

/// Reads the form of a token request: `POST`, `Content-Type:
/// application/x-www-form-urlencoded`, a strict form body (RFC 6749 §3.2, App. B).
pub fn read_form_post(request: &HttpRequest) -> Result<Form, OAuthError> {
    if request.method != "POST" {
        return Err(OAuthError {
            status: 405,
            ..OAuthError::invalid_request("the token endpoint accepts POST only")
        });
    }
    let content_type = request.header("content-type")?.unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request(
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    form::parse(&request.body).map_err(|e| OAuthError::invalid_request(&e.0))
}

/// `scope`, checked as RFC 6749 §3.3 scope tokens (`invalid_scope` otherwise).
fn read_scope(form: &Form) -> Result<Option<String>, OAuthError> {
    match form.get("scope") {
        Some(scope) if !is_valid_scope(scope) => Err(OAuthError::invalid_scope(
            "scope is not a space-separated list of scope tokens",
        )),
        scope => Ok(scope.map(str::to_owned)),
    }
}

/// RFC 9396 §5: authorization details are not processed here; granting without them would
/// be broader than asked.
fn refuse_authorization_details(form: &Form) -> Result<(), OAuthError> {
    match form.get("authorization_details") {
        Some(_) => Err(OAuthError::invalid_authorization_details(
            "authorization_details is not supported here",
        )),
        None => Ok(()),
    }
}

/// Reads a token request for the jwt-bearer grant.
pub fn read_jwt_bearer(request: &HttpRequest) -> Result<JwtBearerRequest, OAuthError> {
    let form = read_form_post(request)?;
    match form.get("grant_type") {
        None => return Err(OAuthError::invalid_request("grant_type is missing")),
        Some(GRANT_TYPE_JWT_BEARER) => {}
        Some(_) => return Err(OAuthError::unsupported_grant_type()),
    }
    let assertion = form
        .get("assertion")
        .ok_or_else(|| OAuthError::invalid_request("assertion is missing"))?
        .to_owned();
    let scope = read_scope(&form)?;
    refuse_authorization_details(&form)?;
    refuse_several_targets(&form)?;
    let resource = form.get("resource").map(str::to_owned);
    Ok(JwtBearerRequest {
        assertion,
        scope,
        resource,
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(body: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/token".into(),
            headers: vec![(
                "Content-Type".into(),
                "application/x-www-form-urlencoded; charset=UTF-8".into(),
            )],
            body: body.as_bytes().to_vec(),
        }
    }

    const GRANT: &str = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";

    #[test]
    fn a_well_formed_request() {
        let r = read_jwt_bearer(&post(&format!(
            "{GRANT}&assertion=a.b.c&scope=chat.read&resource=https%3A%2F%2Fmcp.example.com%2Fmcp"
        )))
        .unwrap();
        assert_eq!(r.assertion, "a.b.c");
        assert_eq!(r.scope.as_deref(), Some("chat.read"));
        assert_eq!(r.resource.as_deref(), Some("https://mcp.example.com/mcp"));
    }

    #[test]
    fn rfc6749_shape_errors() {
        let err = |req: HttpRequest| read_jwt_bearer(&req).unwrap_err();
        assert_eq!(
            err(HttpRequest {
                method: "GET".into(),
                ..post(GRANT)
            })
            .status,
            405
        );
        let mut json = post(GRANT);
        json.headers = vec![("content-type".into(), "application/json".into())];
        assert_eq!(err(json).error, "invalid_request");
        assert_eq!(err(post("assertion=a.b.c")).error, "invalid_request");
        assert_eq!(
            err(post("grant_type=authorization_code&code=x")).error,
            "unsupported_grant_type"
        );
        assert_eq!(err(post(GRANT)).error, "invalid_request", "no assertion");
        assert_eq!(
            err(post(&format!("{GRANT}&assertion=a&assertion=b"))).error,
            "invalid_request",
            "exactly one assertion (RFC 7523 §2.1)"
        );
        assert_eq!(
            err(post(&format!("{GRANT}&assertion=a&scope=a++b"))).error,
            "invalid_scope"
        );
        let mut two = post(&format!("{GRANT}&assertion=a"));
        two.headers
            .push(("Content-Type".into(), "text/plain".into()));
        assert_eq!(err(two).error, "invalid_request");
    }

    #[test]
    fn error_responses_are_json_no_store_and_charset_safe() {
        let mut e = OAuthError::invalid_request("bad \"quote\" and \\ and é\n");
        e.www_authenticate = Some("Basic realm=\"token\"".into());
        let r = e.to_response();
        assert_eq!(r.status, 400);
        assert!(r
            .headers
            .contains(&("Cache-Control".into(), "no-store".into())));
        assert!(r.headers.iter().any(|(n, _)| n == "WWW-Authenticate"));
        let body = String::from_utf8(r.body).unwrap();
        assert_eq!(
            body,
            r#"{"error":"invalid_request","error_description":"bad quote and  and "}"#
        );
    }
}

/// A well-formed token-exchange request for an ID-JAG (RFC 8693 §2.1; ID-JAG draft §4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenExchangeRequest {
    /// The whole form (client authentication reads it too).
    pub form: Form,
    /// `subject_token`: an ID token or a refresh token of this IdP.
    pub subject_token: String,
    /// What `subject_token_type` says the subject token is.
    pub subject_kind: SubjectKind,
    /// `audience`: the resource authorization server (issuer or alias).
    pub audience: String,
    /// `resource`, if requested.
    pub resource: Option<String>,
    /// `scope`, if requested.
    pub scope: Option<String>,
}

/// RFC 8707 §2 / RFC 8693 §2.1 allow several `resource` and `audience` values; an ID-JAG
/// and an access token here are for exactly one, so several are `invalid_target` (RFC 8693
/// §2.2.2), never silently narrowed to one the client did not single out.
fn refuse_several_targets(form: &Form) -> Result<(), OAuthError> {
    for name in crate::form::MULTI_VALUED {
        if form.is_repeated(name) {
            return Err(OAuthError::invalid_target(&format!(
                "one {name} per request: a token is issued for exactly one"
            )));
        }
    }
    Ok(())
}

/// Reads a token-exchange request for an ID-JAG: `requested_token_type` is the id-jag URN,
/// the subject an ID token, `audience` present; actor tokens are refused (their processing
/// is out of scope since draft -03, specs.md §3a rule 16).
pub fn read_token_exchange(request: &HttpRequest) -> Result<TokenExchangeRequest, OAuthError> {
    let form = read_form_post(request)?;
    match form.get("grant_type") {
        None => return Err(OAuthError::invalid_request("grant_type is missing")),
        Some(GRANT_TYPE_TOKEN_EXCHANGE) => {}
        Some(_) => return Err(OAuthError::unsupported_grant_type()),
    }
    let required = |name: &str| {
        form.get(name)
            .map(str::to_owned)
            .ok_or_else(|| OAuthError::invalid_request(&format!("{name} is missing")))
    };
    if required("requested_token_type")? != TOKEN_TYPE_ID_JAG {
        return Err(OAuthError::invalid_request(
            "requested_token_type must be urn:ietf:params:oauth:token-type:id-jag",
        ));
    }
    let subject_token = required("subject_token")?;
    let subject_kind = match required("subject_token_type")?.as_str() {
        TOKEN_TYPE_ID_TOKEN => SubjectKind::IdToken,
        TOKEN_TYPE_REFRESH_TOKEN => SubjectKind::RefreshToken,
        _ => {
            return Err(OAuthError::invalid_request(
                "subject_token_type must be urn:ietf:params:oauth:token-type:id_token or \
                 urn:ietf:params:oauth:token-type:refresh_token",
            ))
        }
    };
    if form.get("actor_token").is_some() || form.get("actor_token_type").is_some() {
        return Err(OAuthError::invalid_request(
            "actor tokens are not supported",
        ));
    }
    let audience = required("audience")?;
    let scope = read_scope(&form)?;
    refuse_authorization_details(&form)?;
    refuse_several_targets(&form)?;
    let resource = form.get("resource").map(str::to_owned);
    Ok(TokenExchangeRequest {
        subject_token,
        subject_kind,
        audience,
        resource,
        scope,
        form,
    })
}
