//! The client's side of XAA (groundwork for issue 4): how an MCP client finds where to take
//! an ID-JAG, and the requests and responses of the two exchanges. Pure functions: the host
//! fetches, the component decides what the fetched documents mean.
//!
//! The discovery chain (MCP authorization; RFC 9728; RFC 8414): a 401 from the resource
//! names its metadata in `WWW-Authenticate: Bearer resource_metadata="..."` → the RFC 9728
//! document, whose `resource` must be identical to the resource asked for (§3.3) → one of its
//! `authorization_servers` → that issuer's RFC 8414 document (path insertion), whose
//! `issuer` must be identical (§3.3) and which must advertise the jwt-bearer grant and the
//! id-jag profile (ID-JAG draft §7.2) → its `token_endpoint`.

use crate::authorization_server::{url_path, WELL_KNOWN};
pub use crate::id_token::SubjectKind;
use crate::json::{self, Json};
use crate::urn::{
    GRANT_PROFILE_ID_JAG, GRANT_TYPE_JWT_BEARER, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG,
    TOKEN_TYPE_ID_TOKEN, TOKEN_TYPE_REFRESH_TOKEN,
};

/// RFC 9728 §3: the well-known suffix of protected resource metadata.
pub const PROTECTED_RESOURCE_WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// Largest metadata document read, bytes.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

fn origin(url: &str) -> &str {
    let path = url_path(url);
    let without_query = url.split(['?', '#']).next().unwrap_or(url);
    match without_query.strip_suffix(path) {
        Some(origin) if path != "/" || without_query.ends_with('/') => origin,
        _ => without_query,
    }
}

/// `origin + well_known + path` (RFC 8414 §3.1 / RFC 9728 §3.1 path insertion; a lone `/`
/// path is dropped).
fn inserted(url: &str, well_known: &str) -> String {
    let path = url_path(url).trim_end_matches('/');
    format!("{}{well_known}{path}", origin(url))
}

/// The RFC 9728 metadata URL of a resource identifier.
pub fn protected_resource_metadata_url(resource: &str) -> String {
    inserted(resource, PROTECTED_RESOURCE_WELL_KNOWN)
}

/// The RFC 8414 metadata URL of an issuer identifier.
pub fn authorization_server_metadata_url(issuer: &str) -> String {
    inserted(issuer, WELL_KNOWN)
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// The `resource_metadata` parameter of a `Bearer` challenge (RFC 9728 §5.1), if any and not
/// empty. The header may carry several challenges (RFC 9110 §11.6.1: `#challenge`, each an
/// auth-scheme followed by a token68 or by auth-params `name BWS "=" BWS (token /
/// quoted-string)`); only the Bearer challenge's parameters count.
pub fn resource_metadata_from_challenge(www_authenticate: &str) -> Option<String> {
    let text = www_authenticate;
    let mut rest = text;
    let mut in_bearer = false;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let token_end = rest.find(|c: char| !is_tchar(c)).unwrap_or(rest.len());
        if token_end == 0 {
            return None; // not a token where one must be: stop reading
        }
        let token = &rest[..token_end];
        let after = rest[token_end..].trim_start_matches([' ', '\t']);
        let Some(value_part) = after.strip_prefix('=') else {
            // A new challenge's auth-scheme.
            in_bearer = token.eq_ignore_ascii_case("Bearer");
            rest = after;
            continue;
        };
        // token68 (`abc==`): only `=` up to the next comma or the end.
        let past_padding = value_part
            .trim_start_matches('=')
            .trim_start_matches([' ', '\t']);
        if past_padding.is_empty() || past_padding.starts_with(',') {
            rest = past_padding;
            continue;
        }
        let value_part = value_part.trim_start_matches([' ', '\t']);
        let (value, next) = if let Some(quoted) = value_part.strip_prefix('"') {
            // quoted-string: a backslash escapes one character.
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end?..])
        } else {
            let end = value_part
                .find(|c: char| !is_tchar(c))
                .unwrap_or(value_part.len());
            (value_part[..end].to_owned(), &value_part[end..])
        };
        if in_bearer && token.eq_ignore_ascii_case("resource_metadata") {
            return (!value.is_empty()).then_some(value);
        }
        rest = next;
    }
}

pub(crate) fn document(text: &str) -> Result<Json, String> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(format!("the document exceeds {MAX_DOCUMENT_BYTES} bytes"));
    }
    let value = json::parse(text).map_err(|e| format!("not strict JSON: {e}"))?;
    if value.as_object().is_none() {
        return Err("not a JSON object".into());
    }
    Ok(value)
}

pub(crate) fn string_member<'a>(doc: &'a Json, name: &str) -> Result<&'a str, String> {
    match doc.as_object().and_then(|m| m.get(name)) {
        Some(Json::String(s)) => Ok(s),
        Some(_) => Err(format!("\"{name}\" is not a string")),
        None => Err(format!("\"{name}\" is missing")),
    }
}

pub(crate) fn strings_member(doc: &Json, name: &str) -> Result<Vec<String>, String> {
    match doc.as_object().and_then(|m| m.get(name)) {
        None => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("\"{name}\" holds a non-string"))
            })
            .collect(),
        Some(_) => Err(format!("\"{name}\" is not an array")),
    }
}

pub(crate) fn https(url: &str) -> bool {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|p| {
            url.strip_prefix(p)
                .is_some_and(|r| r.is_empty() || r.starts_with([':', '/']))
        })
    {
        &url["http://".len()..]
    } else {
        return false;
    };
    // A host, no user information, nothing a URL may not carry.
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    !authority.is_empty()
        && !authority.starts_with(':')
        && !authority.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Reads RFC 9728 metadata fetched for `resource`: the authorization servers it names.
pub fn read_protected_resource_metadata(resource: &str, text: &str) -> Result<Vec<String>, String> {
    let doc = document(text)?;
    let named = string_member(&doc, "resource")?;
    if named != resource {
        return Err(
            "\"resource\" is not identical to the resource asked for (RFC 9728 §3.3)".into(),
        );
    }
    let servers = strings_member(&doc, "authorization_servers")?;
    if servers.is_empty() {
        return Err("no \"authorization_servers\"".into());
    }
    if let Some(bad) = servers.iter().find(|s| !https(s)) {
        return Err(format!("authorization server {bad:?} is not an https URL"));
    }
    Ok(servers)
}

/// What a client needs from an authorization server's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationServerEndpoints {
    /// The token endpoint.
    pub token_endpoint: String,
}

/// An RFC 8414 document read for `issuer`: identical `issuer` (§3.3), an https
/// `token_endpoint`, `grant` among `grant_types_supported` and `(list, value)` in that list
/// member; each failure with its message. Returns the document and the token endpoint.
fn server_document(
    issuer: &str,
    text: &str,
    grant: (&str, &str),
    listed: (&str, &str, &str),
) -> Result<(Json, String), String> {
    let doc = document(text)?;
    if string_member(&doc, "issuer")? != issuer {
        return Err("\"issuer\" is not identical to the issuer asked for (RFC 8414 §3.3)".into());
    }
    let token_endpoint = string_member(&doc, "token_endpoint")?.to_owned();
    if !https(&token_endpoint) {
        return Err("\"token_endpoint\" is not an https URL".into());
    }
    if !strings_member(&doc, "grant_types_supported")?
        .iter()
        .any(|g| g == grant.0)
    {
        return Err(grant.1.into());
    }
    let (member, value, missing) = listed;
    if !strings_member(&doc, member)?.iter().any(|v| v == value) {
        return Err(missing.into());
    }
    Ok((doc, token_endpoint))
}

/// Reads RFC 8414 metadata fetched for `issuer`, requiring what the ID-JAG flow needs at a
/// resource authorization server: the jwt-bearer grant and the id-jag profile.
pub fn read_resource_authorization_server_metadata(
    issuer: &str,
    text: &str,
) -> Result<AuthorizationServerEndpoints, String> {
    let (_, token_endpoint) = server_document(
        issuer,
        text,
        (
            GRANT_TYPE_JWT_BEARER,
            "the jwt-bearer grant is not supported",
        ),
        (
            "authorization_grant_profiles_supported",
            GRANT_PROFILE_ID_JAG,
            "the id-jag grant profile is not supported",
        ),
    )?;
    Ok(AuthorizationServerEndpoints { token_endpoint })
}

/// Reads an IdP's RFC 8414 metadata fetched for `issuer`, requiring what a client needs to
/// ask it for ID-JAGs: the token-exchange grant and the id-jag requested token type
/// (`identity_chaining_requested_token_types_supported`, ID-JAG draft §4.3 / specs §3a rule 18).
pub fn read_identity_provider_metadata(
    issuer: &str,
    text: &str,
) -> Result<IdentityProviderEndpoints, String> {
    let (doc, token_endpoint) = server_document(
        issuer,
        text,
        (
            GRANT_TYPE_TOKEN_EXCHANGE,
            "the token-exchange grant is not supported",
        ),
        (
            "identity_chaining_requested_token_types_supported",
            TOKEN_TYPE_ID_JAG,
            "ID-JAGs are not among the requested token types supported",
        ),
    )?;
    let development_sign_in_endpoint = match doc
        .as_object()
        .and_then(|m| m.get("xaa_development_sign_in_endpoint"))
    {
        None => None,
        Some(Json::String(url)) if https(url) => Some(url.clone()),
        Some(_) => return Err("\"xaa_development_sign_in_endpoint\" is not an https URL".into()),
    };
    Ok(IdentityProviderEndpoints {
        token_endpoint,
        development_sign_in_endpoint,
    })
}

/// What a client needs from an IdP's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityProviderEndpoints {
    /// The token endpoint (token exchange).
    pub token_endpoint: String,
    /// The development sign-in of `xaa serve idp`, when it is enabled.
    pub development_sign_in_endpoint: Option<String>,
}

/// Form-urlencodes one value (RFC 6749 Appendix B): unreserved bytes as they are, space as
/// `+`, every other byte as `%XX`.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub(crate) fn form(params: &[(&str, Option<&str>)]) -> String {
    params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{}={}", form_encode(k), form_encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// The form body of a token exchange for an ID-JAG (ID-JAG draft §4.3).
pub fn token_exchange_body(
    subject_token: &str,
    subject_kind: SubjectKind,
    audience: &str,
    resource: Option<&str>,
    scope: Option<&str>,
) -> String {
    form(&[
        ("grant_type", Some(GRANT_TYPE_TOKEN_EXCHANGE)),
        ("requested_token_type", Some(TOKEN_TYPE_ID_JAG)),
        ("audience", Some(audience)),
        ("resource", resource),
        ("scope", scope),
        ("subject_token", Some(subject_token)),
        (
            "subject_token_type",
            Some(match subject_kind {
                SubjectKind::IdToken => TOKEN_TYPE_ID_TOKEN,
                SubjectKind::RefreshToken => TOKEN_TYPE_REFRESH_TOKEN,
            }),
        ),
    ])
}

/// The form body of the jwt-bearer grant with an ID-JAG (ID-JAG draft §4.4).
pub fn jwt_bearer_body(id_jag: &str, resource: Option<&str>, scope: Option<&str>) -> String {
    form(&[
        ("grant_type", Some(GRANT_TYPE_JWT_BEARER)),
        ("assertion", Some(id_jag)),
        ("resource", resource),
        ("scope", scope),
    ])
}

/// A token endpoint's answer, read strictly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenResponse {
    /// 200 with a token.
    Issued {
        /// `access_token` (an ID-JAG for a token exchange).
        token: String,
        /// `expires_in`, if given.
        expires_in: Option<u64>,
        /// `scope`, if given.
        scope: Option<String>,
    },
    /// An RFC 6749 §5.2 error.
    Refused {
        /// HTTP status.
        status: u16,
        /// `error`.
        error: String,
    },
}

/// Reads a token response; `expected` is the `issued_token_type` a token exchange must
/// report (`None` for the jwt-bearer grant, whose `token_type` must be `Bearer`).
pub fn read_token_response(
    status: u16,
    body: &str,
    expected: Option<&str>,
) -> Result<TokenResponse, String> {
    let doc = document(body)?;
    if status != 200 {
        return Ok(TokenResponse::Refused {
            status,
            error: string_member(&doc, "error")?.to_owned(),
        });
    }
    let token = string_member(&doc, "access_token")?.to_owned();
    let token_type = string_member(&doc, "token_type")?;
    match expected {
        Some(issued) => {
            // RFC 6749 §7.1: token types are case-insensitive.
            if string_member(&doc, "issued_token_type")? != issued
                || !token_type.eq_ignore_ascii_case("N_A")
            {
                return Err("not an ID-JAG token-exchange response".into());
            }
        }
        None => {
            if !token_type.eq_ignore_ascii_case("Bearer") {
                return Err(format!("token_type {token_type:?} is not Bearer"));
            }
        }
    }
    let expires_in = match doc.as_object().and_then(|m| m.get("expires_in")) {
        None => None,
        Some(Json::Number(crate::json::Number::Unsigned(n))) => Some(*n),
        Some(Json::Number(_)) => return Err("\"expires_in\" is not a non-negative integer".into()),
        Some(_) => return Err("\"expires_in\" is not a number".into()),
    };
    let scope = match doc.as_object().and_then(|m| m.get("scope")) {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => return Err("\"scope\" is not a string".into()),
    };
    Ok(TokenResponse::Issued {
        token,
        expires_in,
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_urls_with_path_insertion() {
        assert_eq!(
            protected_resource_metadata_url("https://mcp.example.com/mcp"),
            "https://mcp.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            protected_resource_metadata_url("https://mcp.example.com"),
            "https://mcp.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            authorization_server_metadata_url("https://as.example.com/tenant-1"),
            "https://as.example.com/.well-known/oauth-authorization-server/tenant-1"
        );
        assert_eq!(
            authorization_server_metadata_url("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn challenges() {
        let url = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
        for challenge in [
            format!(r#"Bearer resource_metadata="{url}""#),
            format!(
                r#"Bearer error="invalid_token", error_description="a, \"b\"", resource_metadata="{url}""#
            ),
            format!(r#"bearer realm="x",resource_metadata="{url}""#),
        ] {
            assert_eq!(
                resource_metadata_from_challenge(&challenge).as_deref(),
                Some(url),
                "{challenge}"
            );
        }
        for challenge in [
            format!(r#"Basic resource_metadata="{url}""#),
            r#"Bearer error="invalid_token""#.to_owned(),
            r#"Bearer resource_metadata="unterminated"#.to_owned(),
            String::new(),
        ] {
            assert_eq!(
                resource_metadata_from_challenge(&challenge),
                None,
                "{challenge}"
            );
        }
    }

    #[test]
    fn protected_resource_metadata_identity() {
        let r = "https://mcp.example.com/mcp";
        let doc = r#"{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://as.example.com"]}"#;
        assert_eq!(
            read_protected_resource_metadata(r, doc),
            Ok(vec!["https://as.example.com".to_owned()])
        );
        assert!(read_protected_resource_metadata("https://mcp.example.com/mcp/", doc).is_err());
        for bad in [
            r#"{"resource":"https://evil.example.com/mcp","authorization_servers":["https://as.example.com"]}"#,
            r#"{"resource":"https://mcp.example.com/mcp","authorization_servers":[]}"#,
            r#"{"resource":"https://mcp.example.com/mcp","authorization_servers":["http://as.example.com"]}"#,
            r#"{"resource":"https://mcp.example.com/mcp","resource":"x","authorization_servers":["https://as.example.com"]}"#,
            r#"[]"#,
        ] {
            assert!(read_protected_resource_metadata(r, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn authorization_server_metadata_identity_and_profile() {
        let issuer = "https://as.example.com";
        let good = r#"{"issuer":"https://as.example.com","token_endpoint":"https://as.example.com/token","grant_types_supported":["urn:ietf:params:oauth:grant-type:jwt-bearer"],"authorization_grant_profiles_supported":["urn:ietf:params:oauth:grant-profile:id-jag"]}"#;
        assert_eq!(
            read_resource_authorization_server_metadata(issuer, good)
                .unwrap()
                .token_endpoint,
            "https://as.example.com/token"
        );
        for bad in [
            good.replace(
                r#""issuer":"https://as.example.com""#,
                r#""issuer":"https://as.example.com/""#,
            ),
            good.replace("grant-profile:id-jag", "grant-profile:other"),
            good.replace("grant-type:jwt-bearer", "grant-type:token-exchange"),
            good.replace(
                "https://as.example.com/token",
                "http://as.example.com/token",
            ),
        ] {
            assert!(
                read_resource_authorization_server_metadata(issuer, &bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn identity_provider_metadata_identity_grant_and_token_type() {
        let issuer = "https://idp.example.com";
        let good = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","grant_types_supported":["urn:ietf:params:oauth:grant-type:token-exchange"],"identity_chaining_requested_token_types_supported":["urn:ietf:params:oauth:token-type:id-jag"]}"#;
        let read = read_identity_provider_metadata(issuer, good).unwrap();
        assert_eq!(read.token_endpoint, "https://idp.example.com/token");
        assert_eq!(read.development_sign_in_endpoint, None);
        let with_sign_in = good.replace(
            r#""issuer""#,
            r#""xaa_development_sign_in_endpoint":"https://idp.example.com/dev/sign-in","issuer""#,
        );
        assert_eq!(
            read_identity_provider_metadata(issuer, &with_sign_in)
                .unwrap()
                .development_sign_in_endpoint
                .as_deref(),
            Some("https://idp.example.com/dev/sign-in")
        );
        for bad in [
            good.replace(
                r#""issuer":"https://idp.example.com""#,
                r#""issuer":"https://idp.example.com/""#,
            ),
            good.replace("grant-type:token-exchange", "grant-type:jwt-bearer"),
            good.replace("token-type:id-jag", "token-type:access_token"),
            good.replace(
                "https://idp.example.com/token",
                "http://idp.example.com/token",
            ),
            good.replace(
                r#""issuer""#,
                r#""xaa_development_sign_in_endpoint":"http://idp.example.com/dev","issuer""#,
            ),
            good.replace(
                r#""issuer""#,
                r#""xaa_development_sign_in_endpoint":1,"issuer""#,
            ),
        ] {
            assert!(
                read_identity_provider_metadata(issuer, &bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn challenges_per_rfc_9110() {
        let read = resource_metadata_from_challenge;
        let url = Some("https://m.example/.well-known/oauth-protected-resource".to_owned());
        let m = "https://m.example/.well-known/oauth-protected-resource";
        assert_eq!(read(&format!("Bearer resource_metadata=\"{m}\"")), url);
        assert_eq!(
            read(&format!("Bearer resource_metadata = \"{m}\"")),
            url,
            "BWS"
        );
        assert_eq!(
            read(&format!("bearer realm=\"x\", resource_metadata=\"{m}\"")),
            url
        );
        assert_eq!(
            read(&format!(
                "Basic realm=\"api\", Bearer resource_metadata=\"{m}\""
            )),
            url,
            "the second challenge"
        );
        assert_eq!(
            read(&format!(
                "Basic abc==, Bearer error=\"invalid_token\", resource_metadata=\"{m}\""
            )),
            url,
            "after a token68"
        );
        assert_eq!(
            read(&format!("Basic resource_metadata=\"{m}\"")),
            None,
            "not Bearer"
        );
        assert_eq!(
            read(&format!(
                "Basic resource_metadata=\"{m}\", Bearer realm=\"x\""
            )),
            None,
            "a Basic parameter is not the Bearer challenge's"
        );
        assert_eq!(read("Bearer resource_metadata=\"\""), None, "empty");
        assert_eq!(read("Bearer resource_metadata=\"unterminated"), None);
        assert_eq!(read(""), None);
    }

    #[test]
    fn urls_need_a_host() {
        for bad in [
            "https://",
            "https:///x",
            "https://user@h/",
            "http://127.0.0.1.evil.example/",
            "https://h /x",
            "ftp://h",
        ] {
            assert!(!https(bad), "{bad}");
        }
        for good in [
            "https://h",
            "https://h:8443/x",
            "http://127.0.0.1:9/x",
            "http://localhost",
            "http://[::1]:8/",
        ] {
            assert!(https(good), "{good}");
        }
    }

    #[test]
    fn refresh_tokens_are_sent_with_their_own_token_type() {
        let body =
            token_exchange_body("r.t.x", SubjectKind::RefreshToken, "https://as", None, None);
        let parsed = crate::form::parse(body.as_bytes()).unwrap();
        assert_eq!(
            parsed.get("subject_token_type"),
            Some("urn:ietf:params:oauth:token-type:refresh_token")
        );
    }

    #[test]
    fn request_bodies_and_responses() {
        let body = token_exchange_body(
            "a.b.c",
            SubjectKind::IdToken,
            "https://as.example.com",
            None,
            Some("chat.read x"),
        );
        assert_eq!(
            body,
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid-jag&audience=https%3A%2F%2Fas.example.com&scope=chat.read+x&subject_token=a.b.c&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token"
        );
        let parsed = crate::form::parse(body.as_bytes()).unwrap();
        assert_eq!(parsed.get("scope"), Some("chat.read x"));
        assert_eq!(
            jwt_bearer_body("x.y.z", Some("https://m/mcp"), None),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x.y.z&resource=https%3A%2F%2Fm%2Fmcp"
        );
        let issued = r#"{"access_token":"j.a.g","issued_token_type":"urn:ietf:params:oauth:token-type:id-jag","token_type":"N_A","expires_in":300,"scope":"chat.read"}"#;
        assert_eq!(
            read_token_response(200, issued, Some(TOKEN_TYPE_ID_JAG)),
            Ok(TokenResponse::Issued {
                token: "j.a.g".into(),
                expires_in: Some(300),
                scope: Some("chat.read".into())
            })
        );
        assert!(
            read_token_response(200, issued, None).is_err(),
            "N_A is not Bearer"
        );
        assert_eq!(
            read_token_response(400, r#"{"error":"invalid_target"}"#, None),
            Ok(TokenResponse::Refused {
                status: 400,
                error: "invalid_target".into()
            })
        );
        assert!(read_token_response(
            200,
            r#"{"access_token":"t","token_type":"Bearer","expires_in":-1}"#,
            None
        )
        .is_err());
    }
}
