//! Client authentication at the token endpoint: which credentials a request carries
//! (RFC 6749 §2.3), and the checks for shared secrets.
//!
//! `client_secret_basic` decodes `Authorization: Basic` as base64 of
//! `form-urlencode(client_id) ":" form-urlencode(secret)` (RFC 6749 §2.3.1 — this matters for
//! URL client ids that contain `:`); `client_secret_post` reads `client_id` and
//! `client_secret` from the body; `private_key_jwt` reads `client_assertion_type` and
//! `client_assertion` (RFC 7523 §2.2). A request using more than one method is refused
//! (RFC 6749 §2.3). Secrets are stored as SHA-256 digests — client secrets are random, not
//! passwords, so a fast hash suffices — and compared in constant time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::claims::{parse_payload, ClientAssertionClaims};
use crate::config::{Client, ClientAuth, IdentityProvider, TokenEndpoint};
use crate::error::{escape_for_log, Code, Rejection, Role, CLIENT_AUTHENTICATION_FAILED};
use crate::explain::Trace;
use crate::form::{decode_component, Form};
use crate::host::Host;
use crate::jose_header::Alg;
use crate::json::Json;
use crate::jwks::KeySet;
use crate::jws::{self, Keys, TypRule};
use crate::replay;
use crate::token_request::OAuthError;
use crate::urn::{TYP_ACCESS_TOKEN, TYP_ID_JAG};

/// The client assertion type of RFC 7523 §2.2.
pub const CLIENT_ASSERTION_TYPE_JWT_BEARER: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The credentials a request presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Presented {
    /// `Authorization: Basic`.
    SecretBasic {
        /// Decoded client id.
        client_id: String,
        /// Decoded secret.
        secret: String,
    },
    /// `client_id` + `client_secret` in the body.
    SecretPost {
        /// Client id.
        client_id: String,
        /// Secret.
        secret: String,
    },
    /// A JWT client assertion, with the `client_id` parameter if sent.
    PrivateKeyJwt {
        /// The `client_id` parameter, if any (it must then match the assertion).
        client_id: Option<String>,
        /// The assertion.
        assertion: String,
    },
    /// No authentication, only a `client_id` parameter (public client).
    None {
        /// Client id.
        client_id: String,
    },
}

/// Why the presented credentials cannot even be read (the caller answers `invalid_request`,
/// or `invalid_client` with 401 when Basic was attempted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialError {
    /// Log-safe reason.
    pub reason: String,
    /// Whether the request tried HTTP Basic (the 401 then carries `WWW-Authenticate: Basic`).
    pub basic_attempted: bool,
}

fn basic(value: &str) -> Result<(String, String), String> {
    let (scheme, rest) = value
        .split_once(' ')
        .ok_or("the Authorization header has no credentials")?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err("the Authorization scheme is not Basic".into());
    }
    let decoded = STANDARD
        .decode(rest.trim_start_matches(' '))
        .map_err(|_| "Basic credentials are not base64")?;
    let text = String::from_utf8(decoded).map_err(|_| "Basic credentials are not UTF-8")?;
    let (id, secret) = text
        .split_once(':')
        .ok_or("Basic credentials have no ':' separator")?;
    let id = decode_component(id).map_err(|e| e.0)?;
    let secret = decode_component(secret).map_err(|e| e.0)?;
    if id.is_empty() {
        return Err("Basic credentials have an empty client id".into());
    }
    Ok((id, secret))
}

/// Reads the credentials of a request: its `Authorization` header (if any) and form body.
pub fn presented(authorization: Option<&str>, form: &Form) -> Result<Presented, CredentialError> {
    let fail = |reason: &str, basic_attempted: bool| CredentialError {
        reason: reason.to_owned(),
        basic_attempted,
    };
    let post_secret = form.get("client_secret");
    let assertion_type = form.get("client_assertion_type");
    let assertion = form.get("client_assertion");
    let body_id = form.get("client_id");
    let mut methods = 0;
    methods += usize::from(authorization.is_some());
    methods += usize::from(post_secret.is_some());
    methods += usize::from(assertion.is_some() || assertion_type.is_some());
    if methods > 1 {
        return Err(fail(
            "more than one client authentication method was used",
            authorization.is_some(),
        ));
    }
    if let Some(value) = authorization {
        let (client_id, secret) = basic(value).map_err(|e| fail(&e, true))?;
        if body_id.is_some_and(|id| id != client_id) {
            return Err(fail(
                "client_id in the body differs from the Basic credentials",
                true,
            ));
        }
        return Ok(Presented::SecretBasic { client_id, secret });
    }
    if let Some(secret) = post_secret {
        let client_id = body_id.ok_or_else(|| fail("client_secret without client_id", false))?;
        return Ok(Presented::SecretPost {
            client_id: client_id.to_owned(),
            secret: secret.to_owned(),
        });
    }
    if assertion.is_some() || assertion_type.is_some() {
        if assertion_type != Some(CLIENT_ASSERTION_TYPE_JWT_BEARER) {
            return Err(fail("client_assertion_type is not jwt-bearer", false));
        }
        let assertion = assertion.ok_or_else(|| fail("client_assertion is missing", false))?;
        return Ok(Presented::PrivateKeyJwt {
            client_id: body_id.map(str::to_owned),
            assertion: assertion.to_owned(),
        });
    }
    match body_id {
        Some(client_id) => Ok(Presented::None {
            client_id: client_id.to_owned(),
        }),
        None => Err(fail("the request carries no client credentials", false)),
    }
}

/// The SHA-256 digest under which a client secret is configured.
pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `secret` matches a configured digest, in constant time.
pub fn secret_matches(secret: &str, configured: &[u8; 32]) -> bool {
    bool::from(secret_digest(secret).ct_eq(configured))
}

/// Most seconds a client assertion may still be valid for (RFC 7523 §3 lets the
/// authorization server refuse an `exp` unreasonably far in the future).
pub const MAX_CLIENT_ASSERTION_LIFETIME_SECS: i64 = 600;

/// What a `private_key_jwt` assertion is checked against.
pub struct AssertionPolicy<'a> {
    /// Accepted `aud` values: this authorization server's issuer and its token endpoint URL.
    pub audiences: &'a [&'a str],
    /// Allowed `alg` values.
    pub algorithms: &'a [Alg],
    /// Clock leeway, seconds.
    pub leeway: u32,
}

/// Verifies an RFC 7523 client assertion and returns the authenticated client id.
///
/// The client is named by the assertion's `sub` (read before verification only to choose
/// the keys: `keys_for` returns the registered client's JWK Set), must equal the `client_id`
/// parameter when one was sent, and must equal `iss`; `aud` must contain one of the
/// policy's audiences exactly; `exp` is required, not past and not far in the future; `jti`
/// is single-use per client until `exp` (a replay store failure fails closed). A token typed
/// as an access token or an ID-JAG is refused (RFC 8725 §3.12).
pub fn verify_client_assertion<'k>(
    host: &mut dyn Host,
    assertion: &str,
    client_id_param: Option<&str>,
    keys_for: impl Fn(&str) -> Option<&'k KeySet>,
    policy: &AssertionPolicy<'_>,
) -> Result<String, Rejection> {
    let now = host.now();
    crate::claims::check_clock(now)?;
    let mut off = Trace::off();
    let checked = jws::open(assertion, TypRule::NoneOf(NOT_CLIENT_ASSERTIONS), &mut off)?
        .check_alg(policy.algorithms, "", &mut off)?;
    let (unverified, _) = parse_payload(checked.payload_unverified())?;
    let client_id = unverified
        .as_object()
        .and_then(|m| m.get("sub"))
        .and_then(Json::as_str)
        .ok_or_else(|| Rejection::new(Code::ClaimInvalid, "\"sub\" missing or not a string"))?
        .to_owned();
    if client_id_param.is_some_and(|p| p != client_id) {
        return Err(Rejection::new(
            Code::ClientIdMismatch,
            "client_id differs from the assertion's sub",
        ));
    }
    let keys = keys_for(&client_id).ok_or_else(|| {
        Rejection::new(
            Code::IssuerUntrusted,
            format!(
                "client \"{}\" has no registered keys",
                escape_for_log(&client_id, 80)
            ),
        )
    })?;
    let payload = checked.verify(host, Keys::Set(keys), &mut off)?.payload;
    let (payload, _) = parse_payload(&payload)?;
    let claims = ClientAssertionClaims::read(&payload)?;
    if claims.iss != client_id || claims.sub != client_id {
        return Err(Rejection::new(
            Code::IssuerMismatch,
            "iss and sub must both be the client id",
        ));
    }
    if !claims
        .aud
        .iter()
        .any(|a| policy.audiences.contains(&a.as_str()))
    {
        return Err(Rejection::new(
            Code::AudienceMismatch,
            "aud names neither this authorization server nor its token endpoint",
        ));
    }
    let (now, leeway) = (i128::from(now), i128::from(policy.leeway));
    let exp = i128::from(claims.exp);
    if exp <= now - leeway {
        return Err(Rejection::new(Code::Expired, "exp has passed"));
    }
    if exp > now + leeway + i128::from(MAX_CLIENT_ASSERTION_LIFETIME_SECS) {
        return Err(Rejection::new(
            Code::LifetimeTooLong,
            format!("exp is more than {MAX_CLIENT_ASSERTION_LIFETIME_SECS} s ahead"),
        ));
    }
    if claims.nbf.is_some_and(|nbf| i128::from(nbf) > now + leeway) {
        return Err(Rejection::new(Code::NotYetValid, "nbf is in the future"));
    }
    if claims.iat.is_some_and(|iat| i128::from(iat) > now + leeway) {
        return Err(Rejection::new(Code::IssuedInFuture, "iat is in the future"));
    }
    let key = replay::key("client-assertion", &client_id, &claims.jti);
    let expires_at = claims.exp.saturating_add(i64::from(policy.leeway));
    replay::use_once(host, &key, expires_at, "this client assertion was already used")?;
    Ok(client_id)
}

/// Token types a client assertion must not carry: another kind of token presented as one
/// (RFC 8725 §3.12).
const NOT_CLIENT_ASSERTIONS: &[&str] = &[TYP_ACCESS_TOKEN, TYP_ID_JAG];

/// What client authentication is checked against: the registered clients and the audiences
/// a client assertion may name. Shared by every token endpoint (the resource authorization server's, the IdP's).
pub struct ClientDirectory<'a> {
    /// This server's issuer identifier (an accepted client-assertion `aud`).
    pub issuer: &'a str,
    /// The token endpoint URL (the other accepted `aud`).
    pub token_url: &'a str,
    /// Registered clients.
    pub clients: &'a [Client],
    /// Algorithms accepted for client assertions.
    pub algorithms: &'a [Alg],
    /// Clock leeway for client assertions, seconds.
    pub leeway: u32,
    /// Whether public clients are accepted.
    pub allow_public_clients: bool,
}

impl<'a> ClientDirectory<'a> {
    /// Client authentication at the IdP: its clients, its issuer and token URL as client-
    /// assertion audiences; confidential clients only.
    pub fn of_identity_provider(idp: &'a IdentityProvider) -> Self {
        ClientDirectory {
            issuer: &idp.issuer,
            token_url: &idp.token_url,
            clients: &idp.clients,
            algorithms: &idp.client_assertion_algorithms,
            leeway: idp.leeway,
            allow_public_clients: false,
        }
    }

    /// Client authentication at the resource authorization server's token endpoint.
    pub fn of_token_endpoint(issuer: &'a str, endpoint: &'a TokenEndpoint, leeway: u32) -> Self {
        ClientDirectory {
            issuer,
            token_url: &endpoint.url,
            clients: &endpoint.clients,
            algorithms: &endpoint.client_assertion_algorithms,
            leeway,
            allow_public_clients: endpoint.allow_public_clients,
        }
    }
}

/// Authenticates the client a request presents (RFC 6749 §2.3, RFC 7523 §2.2); returns its
/// registration. Failures are `invalid_client` (401, with a Basic challenge when Basic was
/// tried), `invalid_request` when several methods are used.
pub fn authenticate<'c>(
    host: &mut dyn Host,
    directory: &ClientDirectory<'c>,
    authorization: Option<&str>,
    form: &Form,
) -> Result<&'c Client, OAuthError> {
    let presented = presented(authorization, form).map_err(|e| {
        if e.reason.contains("more than one") {
            OAuthError::invalid_request(&e.reason)
        } else {
            OAuthError::invalid_client(&e.reason, e.basic_attempted)
        }
    })?;
    let clients = directory.clients;
    let lookup = |id: &str| clients.iter().find(|c| c.client_id == id);
    // One answer for every failure, whether the client exists or not, so a caller cannot
    // tell registered client ids from others (neither by message nor, for secrets, by time).
    let unknown = |basic: bool| OAuthError::invalid_client(CLIENT_AUTHENTICATION_FAILED, basic);
    // A secret counts only with the method the client is registered for.
    let by_secret = |client_id: &str, secret: &str, basic: bool| {
        let client = lookup(client_id);
        let digest = client.and_then(|c| match (&c.auth, basic) {
            (ClientAuth::SecretBasic(d), true) | (ClientAuth::SecretPost(d), false) => Some(d),
            _ => None,
        });
        secret_verified(client, digest, secret).ok_or_else(|| unknown(basic))
    };
    match presented {
        Presented::SecretBasic { client_id, secret } => by_secret(&client_id, &secret, true),
        Presented::SecretPost { client_id, secret } => by_secret(&client_id, &secret, false),
        Presented::PrivateKeyJwt {
            client_id,
            assertion,
        } => {
            let audiences = [directory.issuer, directory.token_url];
            let policy = AssertionPolicy {
                audiences: &audiences,
                algorithms: directory.algorithms,
                leeway: directory.leeway,
            };
            let keys_for = |id: &str| match lookup(id).map(|c| &c.auth) {
                Some(ClientAuth::PrivateKeyJwt(keys)) => Some(keys),
                _ => None,
            };
            let id =
                verify_client_assertion(host, &assertion, client_id.as_deref(), keys_for, &policy)
                    .map_err(|r| OAuthError::refused(&r, Role::ClientAssertion))?;
            lookup(&id).ok_or_else(|| unknown(false))
        }
        Presented::None { client_id } => match lookup(&client_id) {
            Some(c) if directory.allow_public_clients && matches!(c.auth, ClientAuth::None) => {
                Ok(c)
            }
            _ if directory.allow_public_clients => Err(unknown(false)),
            // The same answer for a registered confidential client and an unknown id.
            _ => Err(OAuthError::invalid_client(
                "this authorization server accepts confidential clients only",
                false,
            )),
        },
    }
}

/// The client if `secret` matches its configured digest. The secret is hashed and compared
/// (in constant time) whether or not the client exists and uses this method, against a
/// dummy digest otherwise, so a refusal takes as long for an unknown client id.
fn secret_verified<'c>(
    client: Option<&'c Client>,
    digest: Option<&[u8; 32]>,
    secret: &str,
) -> Option<&'c Client> {
    const NO_DIGEST: [u8; 32] = [0; 32];
    let matches = secret_matches(secret, digest.unwrap_or(&NO_DIGEST));
    client.filter(|_| matches && digest.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form;

    fn basic_header(id: &str, secret: &str) -> String {
        // RFC 6749 §2.3.1: form-urlencode each part, then base64 "id:secret".
        let enc = |s: &str| {
            s.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".into(),
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        };
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", enc(id), enc(secret)))
        )
    }

    #[test]
    fn basic_decodes_urlencoded_parts() {
        let id = "https://client.example.com/meta:data";
        let header = basic_header(id, "s3cr:t +%");
        let empty = form::parse(b"").unwrap();
        assert_eq!(
            presented(Some(&header), &empty).unwrap(),
            Presented::SecretBasic {
                client_id: id.into(),
                secret: "s3cr:t +%".into()
            }
        );
        let lower = header.replacen("Basic", "basic", 1);
        assert!(presented(Some(&lower), &empty).is_ok());
        for bad in ["Bearer abc", "Basic", "Basic !!!", "Basic Zm9v"] {
            let err = presented(Some(bad), &empty).unwrap_err();
            assert!(err.basic_attempted, "{bad}");
        }
    }

    #[test]
    fn one_method_per_request() {
        let header = basic_header("a", "b");
        let post = form::parse(b"client_id=a&client_secret=b").unwrap();
        assert!(presented(Some(&header), &post).is_err());
        let both = form::parse(b"client_id=a&client_secret=b&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x.y.z").unwrap();
        assert!(presented(None, &both).is_err());
        assert!(matches!(
            presented(None, &post),
            Ok(Presented::SecretPost { .. })
        ));
        let mismatch = form::parse(b"client_id=other").unwrap();
        assert!(presented(Some(&header), &mismatch).is_err());
        let jwt = form::parse(b"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=x.y.z").unwrap();
        assert!(matches!(
            presented(None, &jwt),
            Ok(Presented::PrivateKeyJwt {
                client_id: None,
                ..
            })
        ));
        let wrong_type = form::parse(b"client_assertion_type=foo&client_assertion=x.y.z").unwrap();
        assert!(presented(None, &wrong_type).is_err());
        assert!(presented(None, &form::parse(b"").unwrap()).is_err());
        assert!(matches!(
            presented(None, &form::parse(b"client_id=pub").unwrap()),
            Ok(Presented::None { .. })
        ));
    }

    mod assertions {
        use super::super::*;
        use crate::jws::sign_es256;
        use crate::test_host::RememberingHost;
        use p256::ecdsa::SigningKey;

        const NOW: i64 = 1_800_000_000;
        const AS: &str = "https://as.example.com";
        const ENDPOINT: &str = "https://as.example.com/token";

        fn key() -> SigningKey {
            SigningKey::from_slice(&[9u8; 32]).unwrap()
        }

        fn keys() -> KeySet {
            let p = key().verifying_key().to_encoded_point(false);
            crate::jwks::parse(&format!(
                r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"c1","x":"{}","y":"{}"}}]}}"#,
                crate::base64url::encode(p.x().unwrap()),
                crate::base64url::encode(p.y().unwrap())
            ))
            .unwrap()
        }

        fn assertion(claims: &str, typ: Option<&str>) -> String {
            let header = match typ {
                Some(t) => format!(r#"{{"alg":"ES256","kid":"c1","typ":"{t}"}}"#),
                None => r#"{"alg":"ES256","kid":"c1"}"#.to_owned(),
            };
            sign_es256(&header, claims, &key())
        }

        fn claims(iss: &str, aud: &str, exp: i64, jti: &str) -> String {
            format!(r#"{{"iss":"{iss}","sub":"client-1","aud":"{aud}","exp":{exp},"jti":"{jti}"}}"#)
        }

        fn check(host: &mut RememberingHost, token: &str, param: Option<&str>) -> Result<String, Code> {
            let keys = keys();
            let policy = AssertionPolicy {
                audiences: &[AS, ENDPOINT],
                algorithms: &[Alg::Es256],
                leeway: 60,
            };
            verify_client_assertion(
                host,
                token,
                param,
                |id| (id == "client-1").then_some(&keys),
                &policy,
            )
            .map_err(|r| r.code)
        }

        #[test]
        fn rfc7523_client_assertion_rules() {
            let mut h = RememberingHost::default();
            let ok = assertion(&claims("client-1", AS, NOW + 60, "a1"), None);
            assert_eq!(check(&mut h, &ok, Some("client-1")), Ok("client-1".into()));
            assert_eq!(check(&mut h, &ok, None), Err(Code::Replayed));
            let endpoint = assertion(&claims("client-1", ENDPOINT, NOW + 60, "a2"), Some("JWT"));
            assert_eq!(check(&mut h, &endpoint, None), Ok("client-1".into()));
            let cases = [
                (
                    assertion(&claims("client-1", AS, NOW + 60, "b1"), None),
                    Some("other"),
                    Code::ClientIdMismatch,
                ),
                (
                    assertion(&claims("client-2", AS, NOW + 60, "b2"), None),
                    None,
                    Code::IssuerMismatch,
                ),
                (
                    assertion(
                        &claims("client-1", "https://as.example.com/", NOW + 60, "b3"),
                        None,
                    ),
                    None,
                    Code::AudienceMismatch,
                ),
                (
                    assertion(&claims("client-1", AS, NOW - 61, "b4"), None),
                    None,
                    Code::Expired,
                ),
                (
                    assertion(&claims("client-1", AS, NOW + 3600, "b5"), None),
                    None,
                    Code::LifetimeTooLong,
                ),
                (
                    assertion(&claims("client-1", AS, NOW + 60, "b6"), Some("at+jwt")),
                    None,
                    Code::TypMismatch,
                ),
                (
                    assertion(
                        &claims("client-1", AS, NOW + 60, "b7"),
                        Some("oauth-id-jag+jwt"),
                    ),
                    None,
                    Code::TypMismatch,
                ),
                (
                    assertion(
                        r#"{"iss":"client-1","sub":"client-1","aud":"https://as.example.com","jti":"b8"}"#,
                        None,
                    ),
                    None,
                    Code::ClaimInvalid,
                ),
                (
                    assertion(
                        r#"{"iss":"client-1","sub":"nobody","aud":"https://as.example.com","exp":1800000060,"jti":"b9"}"#,
                        None,
                    ),
                    None,
                    Code::IssuerUntrusted,
                ),
            ];
            for (token, param, code) in cases {
                assert_eq!(check(&mut h, &token, param), Err(code), "{code:?}");
            }
            // A signature by another key with the registered kid.
            let forged = sign_es256(
                r#"{"alg":"ES256","kid":"c1"}"#,
                &claims("client-1", AS, NOW + 60, "c1"),
                &SigningKey::from_slice(&[8u8; 32]).unwrap(),
            );
            assert_eq!(check(&mut h, &forged, None), Err(Code::SignatureInvalid));
        }
    }

    #[test]
    fn secrets_compare_by_digest() {
        let stored = secret_digest("correct horse");
        assert!(secret_matches("correct horse", &stored));
        assert!(!secret_matches("correct horsf", &stored));
        assert!(!secret_matches("", &stored));
    }
}
