//! The client's side of signing a user in at an OpenID provider (`xaa login`): OpenID Connect
//! Discovery (RFC 8414 metadata as the fallback), the authorization request with PKCE S256,
//! `state` and `nonce` (RFC 6749 §4.1.1, RFC 7636, OpenID Connect Core §3.1.2.1), the redirect
//! read at the loopback listener (RFC 8252 §7.3; RFC 9207 `iss`), the code redemption's body
//! and the token response. The ID token itself is checked by [`crate::foreign_id_token`].
//! The host opens the browser, listens, fetches and stores; every question is answered here.

use crate::base64url;
use crate::discovery::{document, form, https, string_member, strings_member};
use crate::form as form_body;
use crate::host::Host;
use crate::json::{Json, Number};
use crate::urn::{GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// OpenID Connect Discovery 1.0 §4: the issuer followed by this path.
pub const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";

/// The discovery document's URL for `issuer`.
pub fn openid_configuration_url(issuer: &str) -> String {
    format!("{}{OPENID_CONFIGURATION}", issuer.trim_end_matches('/'))
}

/// What a client needs from a provider's metadata to sign a user in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInEndpoints {
    /// Where the user's browser goes.
    pub authorization_endpoint: String,
    /// Where the code is redeemed.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// Whether the same server exchanges ID tokens for ID-JAGs (token exchange with the
    /// id-jag token type advertised).
    pub issues_id_jags: bool,
}

/// Reads discovery metadata fetched for `issuer`: `issuer` identical (OpenID Connect Discovery
/// §4.3, RFC 8414 §3.3); https (or loopback http) authorization, token and JWK Set URLs;
/// `code` among `response_types_supported`; `S256` among `code_challenge_methods_supported`
/// when the member is there (PKCE is sent either way).
pub fn read_sign_in_metadata(issuer: &str, text: &str) -> Result<SignInEndpoints, String> {
    let doc = document(text)?;
    if string_member(&doc, "issuer")? != issuer {
        return Err("\"issuer\" is not identical to the issuer asked for".into());
    }
    let url = |name: &str| -> Result<String, String> {
        let value = string_member(&doc, name)?;
        if https(value) {
            Ok(value.to_owned())
        } else {
            Err(format!("\"{name}\" is not an https URL"))
        }
    };
    let endpoints = SignInEndpoints {
        authorization_endpoint: url("authorization_endpoint")?,
        token_endpoint: url("token_endpoint")?,
        jwks_uri: url("jwks_uri")?,
        issues_id_jags: strings_member(&doc, "grant_types_supported")?
            .iter()
            .any(|g| g == GRANT_TYPE_TOKEN_EXCHANGE)
            && strings_member(&doc, "identity_chaining_requested_token_types_supported")?
                .iter()
                .any(|t| t == TOKEN_TYPE_ID_JAG),
    };
    if !strings_member(&doc, "response_types_supported")?
        .iter()
        .any(|t| t == "code")
    {
        return Err("the authorization code flow (response type \"code\") is not offered".into());
    }
    let pkce = strings_member(&doc, "code_challenge_methods_supported")?;
    if !pkce.is_empty() && !pkce.iter().any(|m| m == "S256") {
        return Err("PKCE with S256 is not offered".into());
    }
    Ok(endpoints)
}

/// One sign-in: the URL for the user's browser and the secrets the answer is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The authorization endpoint with the request in its query.
    pub url: String,
    /// `state`: the redirect must bring it back.
    pub state: String,
    /// `nonce`: the ID token must carry it.
    pub nonce: String,
    /// The PKCE verifier, sent only with the code.
    pub code_verifier: String,
}

/// A new authorization request (`response_type=code`, PKCE S256), with `state`, `nonce` and
/// the verifier drawn from host entropy (256 bits each).
pub fn new_authorization_request(
    host: &mut dyn Host,
    authorization_endpoint: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
) -> Result<AuthorizationRequest, String> {
    let mut secret = || {
        let bytes = host.random_bytes(32);
        (bytes.len() == 32)
            .then(|| base64url::encode(&bytes))
            .ok_or_else(|| "the host gave no entropy".to_owned())
    };
    let (state, nonce, code_verifier) = (secret()?, secret()?, secret()?);
    let challenge = base64url::encode(&Sha256::digest(code_verifier.as_bytes()));
    let query = form(&[
        ("response_type", Some("code")),
        ("client_id", Some(client_id)),
        ("redirect_uri", Some(redirect_uri)),
        ("scope", Some(scope)),
        ("state", Some(&state)),
        ("nonce", Some(&nonce)),
        ("code_challenge", Some(&challenge)),
        ("code_challenge_method", Some("S256")),
    ]);
    let separator = if authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    Ok(AuthorizationRequest {
        url: format!("{authorization_endpoint}{separator}{query}"),
        state,
        nonce,
        code_verifier,
    })
}

/// Reads the query of the redirect to the client's listener: `state` must be the request's
/// (compared in constant time; anything else may be a forged redirect), `iss`, when sent,
/// the provider's (RFC 9207 §2.4), and an `error` is reported with its description.
/// Returns the code.
pub fn read_authorization_response(query: &str, state: &str, issuer: &str) -> Result<String, String> {
    let params = form_body::parse(query.as_bytes()).map_err(|e| format!("the redirect's query: {}", e.0))?;
    let sent = params.get("state").unwrap_or("");
    if !bool::from(sent.as_bytes().ct_eq(state.as_bytes())) {
        return Err("the redirect's state is not this sign-in's (ignored)".into());
    }
    if params.get("iss").is_some_and(|iss| iss != issuer) {
        return Err("the redirect's iss is not the provider signed in at (RFC 9207)".into());
    }
    if let Some(error) = params.get("error") {
        let description = params.get("error_description").unwrap_or("");
        return Err(format!("the provider refused: {error} {description}").trim_end().to_owned());
    }
    params
        .get("code")
        .map(str::to_owned)
        .ok_or_else(|| "the redirect carries no code".into())
}

/// The token request body redeeming `code` (RFC 6749 §4.1.3, RFC 7636 §4.5). A public client
/// names itself in the body; a confidential one authenticates with HTTP Basic instead.
pub fn authorization_code_body(
    code: &str,
    redirect_uri: &str,
    code_verifier: &str,
    public_client_id: Option<&str>,
) -> String {
    form(&[
        ("grant_type", Some("authorization_code")),
        ("code", Some(code)),
        ("redirect_uri", Some(redirect_uri)),
        ("code_verifier", Some(code_verifier)),
        ("client_id", public_client_id),
    ])
}

/// The tokens of a sign-in's token response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInTokens {
    /// The ID token (still to be validated).
    pub id_token: String,
    /// A refresh token, if the provider gave one.
    pub refresh_token: Option<String>,
    /// Its lifetime in seconds, if said.
    pub refresh_token_expires_in: Option<u64>,
}

/// Reads the token response of a code redemption: 200 with an `id_token` string (and an
/// optional `refresh_token`); anything else names the OAuth `error`.
pub fn read_sign_in_response(status: u16, body: &str) -> Result<SignInTokens, String> {
    let doc = document(body)?;
    if status != 200 {
        let error = string_member(&doc, "error").unwrap_or("(no error member)");
        return Err(format!("the provider refused the code: {error} (HTTP {status})"));
    }
    let member = |name| doc.as_object().and_then(|m| m.get(name));
    let refresh_token = match member("refresh_token") {
        None => None,
        Some(Json::String(token)) => Some(token.clone()),
        Some(_) => return Err("\"refresh_token\" is not a string".into()),
    };
    let refresh_token_expires_in = match member("refresh_token_expires_in") {
        None => None,
        Some(Json::Number(Number::Unsigned(n))) => Some(*n),
        Some(_) => return Err("\"refresh_token_expires_in\" is not a non-negative integer".into()),
    };
    Ok(SignInTokens {
        id_token: string_member(&doc, "id_token")?.to_owned(),
        refresh_token,
        refresh_token_expires_in,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_must_bring_back_this_sign_ins_state_and_issuer() {
        let iss = "https://idp.example.com";
        let rows: &[(&str, Result<&str, &str>, &str)] = &[
            ("code=c1&state=s1", Ok("c1"), "the answer"),
            ("code=c1&state=s1&iss=https%3A%2F%2Fidp.example.com", Ok("c1"), "with RFC 9207 iss"),
            ("code=c1&state=s2", Err("state"), "another state: a forged redirect"),
            ("code=c1", Err("state"), "no state"),
            ("code=c1&state=s1&iss=https%3A%2F%2Fevil.example", Err("iss"), "a mix-up (RFC 9207)"),
            ("error=access_denied&state=s1", Err("access_denied"), "the provider's refusal"),
            ("state=s1", Err("no code"), "no code"),
            ("code=c1&code=c2&state=s1", Err("query"), "a repeated parameter"),
        ];
        for (query, expected, why) in rows {
            match (read_authorization_response(query, "s1", iss), expected) {
                (Ok(code), Ok(want)) => assert_eq!(code, *want, "{why}"),
                (Err(e), Err(want)) => assert!(e.contains(want), "{why}: {e}"),
                (got, _) => panic!("{why}: {got:?}"),
            }
        }
    }

    #[test]
    fn metadata_must_offer_the_code_flow_at_https_urls() {
        let doc = |extra: &str| {
            format!(
                r#"{{"issuer":"https://op.example.com","authorization_endpoint":"https://op.example.com/auth",
                "token_endpoint":"https://op.example.com/token","jwks_uri":"https://op.example.com/jwks",
                "response_types_supported":["code"]{extra}}}"#
            )
        };
        let read = |text: &str| read_sign_in_metadata("https://op.example.com", text);
        assert!(!read(&doc("")).unwrap().issues_id_jags);
        assert!(read(&doc(r#","code_challenge_methods_supported":["plain"]"#)).is_err());
        assert!(read(&doc(r#","code_challenge_methods_supported":["S256"]"#)).is_ok());
        assert!(read(&doc("").replace("https://op.example.com/auth", "http://op.example.com/auth")).is_err());
        assert!(read(&doc("").replace(r#"["code"]"#, r#"["id_token"]"#)).is_err());
        assert!(read_sign_in_metadata("https://op.example.com/", &doc("")).is_err(), "issuer identical");
        let xaa = doc(r#","grant_types_supported":["urn:ietf:params:oauth:grant-type:token-exchange"],
            "identity_chaining_requested_token_types_supported":["urn:ietf:params:oauth:token-type:id-jag"]"#);
        assert!(read(&xaa).unwrap().issues_id_jags);
    }
}
