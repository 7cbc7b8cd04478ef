//! Issuing tokens: RFC 9068 JWT access tokens at the resource authorization server (RFC 9068
//! §2; DESIGN §6) and ID-JAGs at the IdP (ID-JAG draft §3.1; specs.md §2, §3a rules 10, 12,
//! 13). ES256 (natively through the host when offered, else pure Rust with RFC 6979 nonces),
//! header `{"typ":...,"alg":"ES256","kid":...}`, claims built only from validated input and
//! policy — never copied wholesale from an incoming token (C23, I01).

use serde::Serialize;

use crate::base64url;
use crate::host::Host;
use crate::jws::sign_es256_with;
use crate::signing::IssuingKey;

/// The claims of an access token, in the order they are written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessTokenClaims {
    /// This authorization server's issuer identifier.
    pub iss: String,
    /// The subject, as validated.
    pub sub: String,
    /// The one resource the token is for (RFC 9068 §3; MCP: audience-restricted).
    pub aud: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// Unique id, from host entropy.
    pub jti: String,
    /// Granted scope, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Copied from the validated ID-JAG.
    #[serde(flatten)]
    pub authentication: Authentication,
}

/// How and when the user authenticated (`auth_time`, `acr`, `amr`; OpenID Connect Core §2),
/// carried from the validated incoming token into the issued one: the component never
/// asserts these itself. Written inline, each member only when present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Authentication {
    /// When the user authenticated, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Authentication context class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acr: Option<String>,
    /// Authentication methods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

/// The claims of an ID-JAG, in the order they are written (specs.md §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdJagClaims {
    /// This IdP's issuer identifier.
    pub iss: String,
    /// The user, as the IdP identifies them to the resource authorization server.
    pub sub: String,
    /// The resource authorization server's issuer identifier (never an alias).
    pub aud: String,
    /// The client's id at the resource authorization server.
    pub client_id: String,
    /// Unique id, from host entropy.
    pub jti: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry (short: at most 300 s after `iat`).
    pub exp: i64,
    /// The granted resource.
    pub resource: String,
    /// The granted scope, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The IdP tenant, for a multi-tenant issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// From the validated subject token.
    #[serde(flatten)]
    pub authentication: Authentication,
    /// From the validated subject token (helps the resource side resolve the user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Signs `claims` with `key` under the header `{"typ":typ,"alg":"ES256","kid":...}`
/// (natively when the host offers ES256 signing). `Err` is the log-safe description of the
/// server error.
pub fn sign(
    host: &mut dyn Host,
    typ: &str,
    key: &IssuingKey,
    claims: &impl Serialize,
) -> Result<String, &'static str> {
    #[derive(Serialize)]
    struct Header<'a> {
        typ: &'a str,
        alg: &'a str,
        kid: &'a str,
    }
    let header = Header {
        typ,
        alg: "ES256",
        kid: &key.kid,
    };
    let header = serde_json::to_string(&header).map_err(|_| "signing failed")?;
    let payload = serde_json::to_string(claims).map_err(|_| "signing failed")?;
    Ok(sign_es256_with(host, &header, &payload, &key.key))
}

/// A new `jti` from host entropy (see [`new_jti`]).
pub fn draw_jti(host: &mut dyn Host) -> Result<String, &'static str> {
    new_jti(&host.random_bytes(16)).ok_or("no entropy")
}

/// The claims of an ID token from the IdP's development sign-in (OpenID Connect Core §2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdTokenClaims {
    /// This IdP's issuer identifier.
    pub iss: String,
    /// The user.
    pub sub: String,
    /// The client the user signed in to.
    pub aud: String,
    /// Unique id, from host entropy.
    pub jti: String,
    /// Issued at.
    pub iat: i64,
    /// Expiry.
    pub exp: i64,
    /// When the user authenticated.
    pub auth_time: i64,
    /// How.
    pub amr: Vec<String>,
    /// The user's email, if the directory has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The client's `nonce` from its authorization request, echoed (OpenID Connect Core
    /// §3.1.3.7 rule 11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// A `jti` from 16 bytes of host entropy (128 bits), base64url.
pub fn new_jti(entropy: &[u8]) -> Option<String> {
    (entropy.len() >= 16).then(|| base64url::encode(&entropy[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::Accelerated;
    use crate::jose_header::Alg;
    use crate::jwks;
    use crate::test_host::FixedHost;
    use crate::urn::TYP_ACCESS_TOKEN;
    use p256::ecdsa::SigningKey;

    fn key() -> IssuingKey {
        IssuingKey {
            kid: "as-1".into(),
            key: SigningKey::from_slice(&[7u8; 32]).unwrap(),
        }
    }

    fn claims() -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://as.example.com".into(),
            sub: "U019488227".into(),
            aud: "https://mcp.example.com/mcp".into(),
            client_id: "c\"lient".into(),
            iat: 1_800_000_000,
            exp: 1_800_000_300,
            jti: new_jti(&[1; 16]).unwrap(),
            scope: Some("chat.read".into()),
            authentication: Authentication {
                amr: Some(vec!["mfa".into()]),
                ..Authentication::default()
            },
        }
    }

    #[test]
    fn issued_tokens_are_deterministic_typed_and_verify() {
        let host = &mut FixedHost::default();
        let token = sign(host, TYP_ACCESS_TOKEN, &key(), &claims()).unwrap();
        assert_eq!(
            token,
            sign(host, TYP_ACCESS_TOKEN, &key(), &claims()).unwrap()
        );
        let point = key().key.verifying_key().to_encoded_point(false);
        let jwks = format!(
            r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"as-1","x":"{}","y":"{}"}}]}}"#,
            base64url::encode(point.x().unwrap()),
            base64url::encode(point.y().unwrap())
        );
        let keys = jwks::parse(&jwks).unwrap();
        let checked = crate::jws::check_header(&token, &[Alg::Es256]).unwrap();
        let payload = checked
            .verify(
                &mut FixedHost::default(),
                crate::jws::Keys::Set(&keys),
                &mut crate::explain::Trace::off(),
            )
            .unwrap()
            .payload;
        let text = String::from_utf8(payload).unwrap();
        assert!(text.starts_with(r#"{"iss":"https://as.example.com","sub":"U019488227","aud":"https://mcp.example.com/mcp","client_id":"c\"lient""#), "{text}");
        assert!(
            !text.contains("auth_time"),
            "absent claims are omitted: {text}"
        );
        let header = crate::jose_header::parse(
            &base64url::decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        header.check_typ("at+jwt").unwrap();
        assert_eq!(header.kid.as_deref(), Some("as-1"));
    }

    /// A host whose native signer answers `signature` and whose verifier answers `verdict`.
    struct Signer {
        signature: Option<Vec<u8>>,
        verdict: Accelerated,
        calls: usize,
    }

    impl crate::host::Host for Signer {
        fn now(&mut self) -> i64 {
            1_800_000_000
        }
        fn monotonic_millis(&mut self) -> u64 {
            0
        }
        fn fetch_jwks(
            &mut self,
            _: &str,
        ) -> Result<crate::host::JwksResponse, crate::host::FetchError> {
            Err(crate::host::FetchError::Failed("offline".into()))
        }
        fn replay_insert(&mut self, _: &str, _: i64) -> Result<bool, String> {
            Ok(true)
        }
        fn random_bytes(&mut self, len: u32) -> Vec<u8> {
            vec![1; len as usize]
        }
        fn verify_signature(
            &mut self,
            _: Alg,
            _: crate::host::PublicKeyRef<'_>,
            _: &[u8],
            _: &[u8],
        ) -> Accelerated {
            self.verdict
        }
        fn sign_es256(&mut self, d: &[u8], _: &[u8], _: &[u8]) -> Option<Vec<u8>> {
            assert_eq!(d, &key().key.to_bytes()[..], "the configured scalar");
            self.calls += 1;
            self.signature.clone()
        }
    }

    #[test]
    fn a_native_signature_is_used_only_when_it_verifies() {
        let pure = sign(&mut FixedHost::default(), TYP_ACCESS_TOKEN, &key(), &claims()).unwrap();
        let input = pure.rsplit_once('.').unwrap().0.to_owned();
        let marker = vec![7u8; 64];
        let mut host = Signer {
            signature: Some(marker.clone()),
            verdict: Accelerated::Valid,
            calls: 0,
        };
        let native = sign(&mut host, TYP_ACCESS_TOKEN, &key(), &claims()).unwrap();
        assert_eq!(native, format!("{input}.{}", base64url::encode(&marker)));
        assert_eq!(host.calls, 1);
        // A signature that does not verify, or cannot be checked, or has the wrong length:
        // the pure-Rust signature instead.
        for (signature, verdict) in [
            (Some(marker.clone()), Accelerated::Invalid),
            (Some(marker.clone()), Accelerated::NotOffered),
            (Some(vec![7u8; 63]), Accelerated::Valid),
            (None, Accelerated::Valid),
        ] {
            let mut host = Signer {
                signature,
                verdict,
                calls: 0,
            };
            assert_eq!(
                sign(&mut host, TYP_ACCESS_TOKEN, &key(), &claims()).unwrap(),
                pure
            );
        }
    }

    #[test]
    fn jti_needs_128_bits() {
        assert_eq!(new_jti(&[0; 15]), None);
        assert_eq!(new_jti(&[0; 16]).unwrap().len(), 22);
    }
}
