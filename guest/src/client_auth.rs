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

use crate::form::{decode_component, Form};

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

    #[test]
    fn secrets_compare_by_digest() {
        let stored = secret_digest("correct horse");
        assert!(secret_matches("correct horse", &stored));
        assert!(!secret_matches("correct horsf", &stored));
        assert!(!secret_matches("", &stored));
    }
}
