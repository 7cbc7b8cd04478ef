//! The subject token of a token exchange at the IdP: an OpenID Connect ID token that this IdP
//! issued itself (ID-JAG draft §4.3.3; specs.md §3a rule 4). Checks, in order: compact JWS →
//! header: no forbidden parameter, `typ` absent or `JWT` (an access token or an ID-JAG
//! presented as an ID token is refused) → `alg` ES256 → key from this IdP's own signing keys
//! → signature → claim types → `iss` = this IdP → `aud` a single value equal to the
//! authenticated client → `exp` / `iat` / `nbf` with leeway.
//!
//! Groundwork for issue 4: tested natively; the token-exchange endpoint comes next.

use crate::claims::{check_clock, parse_payload, Claims};
use crate::error::{escape_for_log, Code, Rejection};
use crate::explain::Trace;
use crate::host::Host;
use crate::jose_header::Alg;
use crate::json::Json;
use crate::jwks::KeySet;
use crate::jws::{self, Keys, TypRule};
use crate::urn::TYP_REFRESH_TOKEN;

/// What a validated ID token says about the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTokenSubject {
    /// `sub`
    pub subject: String,
    /// `auth_time`, if present.
    pub auth_time: Option<i64>,
    /// `acr`, if present.
    pub acr: Option<String>,
    /// `amr`, if present.
    pub amr: Option<Vec<String>>,
    /// `email`, if present (a string).
    pub email: Option<String>,
    /// `tenant`, if present (a string).
    pub tenant: Option<String>,
}

/// Which of the IdP's own tokens a subject token must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// An OpenID Connect ID token: `typ` absent or `JWT`.
    IdToken,
    /// A refresh token of the development sign-in: `typ` exactly `xaa-refresh+jwt` (specs.md
    /// §3a rule 5: issued by this IdP, bound to the client, unexpired; the user's current
    /// directory entry is read at every exchange, so disabling the user revokes it).
    RefreshToken,
}

/// What the validation is checked against.
pub struct Expectations<'a> {
    /// This IdP's issuer identifier.
    pub issuer: &'a str,
    /// This IdP's own signing keys (public).
    pub keys: &'a KeySet,
    /// The authenticated client's id at the IdP: the ID token's only audience.
    pub client_id: &'a str,
    /// Clock leeway, seconds.
    pub leeway: u32,
    /// The kind of token expected.
    pub kind: SubjectKind,
}

fn optional_string(payload: &Json, name: &str) -> Result<Option<String>, Rejection> {
    match payload.as_object().and_then(|m| m.get(name)) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(Rejection::new(
            Code::ClaimInvalid,
            format!("\"{name}\" is a {}, not a string", other.type_name()),
        )),
    }
}

/// Validates an ID token this IdP issued, presented by `expect.client_id`.
pub fn validate(
    host: &mut dyn Host,
    token: &str,
    expect: &Expectations<'_>,
) -> Result<IdTokenSubject, Rejection> {
    let now = host.now();
    check_clock(now)?;
    let typ = match expect.kind {
        SubjectKind::IdToken => TypRule::ExactlyOrAbsent("JWT"),
        SubjectKind::RefreshToken => TypRule::Exactly(TYP_REFRESH_TOKEN),
    };
    let mut off = Trace::off();
    let payload = jws::open(token, typ, &mut off)?
        .check_alg(&[Alg::Es256], "", &mut off)?
        .verify(host, Keys::Set(expect.keys), &mut off)?
        .payload;
    let (payload, _) = parse_payload(&payload)?;
    let claims = Claims::read(&payload)?;
    if claims.iss != expect.issuer {
        return Err(Rejection::new(
            Code::IssuerMismatch,
            format!(
                "iss \"{}\" is not this IdP",
                escape_for_log(&claims.iss, 80)
            ),
        ));
    }
    if claims.aud.len() != 1 || claims.aud[0] != expect.client_id {
        return Err(Rejection::new(
            Code::AudienceMismatch,
            "the ID token was not issued to the authenticated client",
        ));
    }
    claims.check_time(now, expect.leeway)?;
    Ok(IdTokenSubject {
        subject: claims.sub,
        auth_time: claims.auth_time,
        acr: claims.acr,
        amr: claims.amr,
        email: optional_string(&payload, "email")?,
        tenant: optional_string(&payload, "tenant")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::sign_es256;
    use crate::signing::{public_jwks, IssuingKey};
    use crate::test_host::FixedHost;
    use p256::ecdsa::SigningKey;

    const NOW: i64 = 1_800_000_000;
    const IDP: &str = "https://idp.example.com";

    fn key(seed: u8) -> IssuingKey {
        IssuingKey {
            kid: format!("k{seed}"),
            key: SigningKey::from_slice(&[seed; 32]).unwrap(),
        }
    }

    fn id_token(header: &str, claims: &str, signer: &IssuingKey) -> String {
        sign_es256(header, claims, &signer.key)
    }

    fn claims(changes: &[(&str, &str)]) -> String {
        let mut members = vec![
            ("iss", format!("\"{IDP}\"")),
            ("sub", "\"U019488227\"".to_owned()),
            ("aud", "\"cursor\"".to_owned()),
            ("jti", "\"idt-1\"".to_owned()),
            ("iat", (NOW - 10).to_string()),
            ("exp", (NOW + 3600).to_string()),
            ("auth_time", (NOW - 10).to_string()),
            ("email", "\"alice@example.com\"".to_owned()),
            ("amr", "[\"pwd\"]".to_owned()),
        ];
        for (name, value) in changes {
            members.retain(|(n, _)| n != name);
            if !value.is_empty() {
                members.push((name, (*value).to_owned()));
            }
        }
        let body: Vec<String> = members
            .iter()
            .map(|(n, v)| format!("\"{n}\":{v}"))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    fn check_as(token: &str, kind: SubjectKind) -> Result<IdTokenSubject, Code> {
        let keys = crate::jwks::parse(&public_jwks(&[key(1)]).unwrap()).unwrap();
        let expect = Expectations {
            issuer: IDP,
            keys: &keys,
            client_id: "cursor",
            leeway: 60,
            kind,
        };
        validate(&mut FixedHost::default(), token, &expect).map_err(|r| r.code)
    }

    fn check(token: &str) -> Result<IdTokenSubject, Code> {
        check_as(token, SubjectKind::IdToken)
    }

    #[test]
    fn refresh_tokens_and_id_tokens_never_pass_for_each_other() {
        let refresh_header = r#"{"typ":"xaa-refresh+jwt","alg":"ES256","kid":"k1"}"#;
        let refresh = id_token(refresh_header, &claims(&[]), &key(1));
        let id = id_token(HEADER, &claims(&[]), &key(1));
        let untyped = id_token(r#"{"alg":"ES256","kid":"k1"}"#, &claims(&[]), &key(1));
        assert!(check_as(&refresh, SubjectKind::RefreshToken).is_ok());
        assert_eq!(check(&refresh).unwrap_err(), Code::TypMismatch);
        assert_eq!(
            check_as(&id, SubjectKind::RefreshToken).unwrap_err(),
            Code::TypMismatch
        );
        assert_eq!(
            check_as(&untyped, SubjectKind::RefreshToken).unwrap_err(),
            Code::TypMismatch
        );
        let expired = claims(&[("exp", &(NOW - 61).to_string())]);
        assert_eq!(
            check_as(
                &id_token(refresh_header, &expired, &key(1)),
                SubjectKind::RefreshToken
            )
            .unwrap_err(),
            Code::Expired
        );
    }

    const HEADER: &str = r#"{"typ":"JWT","alg":"ES256","kid":"k1"}"#;

    #[test]
    fn an_id_token_of_this_idp_for_this_client() {
        let subject = check(&id_token(HEADER, &claims(&[]), &key(1))).unwrap();
        assert_eq!(subject.subject, "U019488227");
        assert_eq!(subject.email.as_deref(), Some("alice@example.com"));
        assert_eq!(subject.auth_time, Some(NOW - 10));
        assert_eq!(subject.amr, Some(vec!["pwd".to_owned()]));
        let no_typ = r#"{"alg":"ES256","kid":"k1"}"#;
        assert!(check(&id_token(no_typ, &claims(&[]), &key(1))).is_ok());
    }

    #[test]
    fn refusals() {
        let cases: [(&str, String, u8, Code); 9] = [
            ("another key", claims(&[]), 2, Code::KeyNotFound),
            (
                "another issuer",
                claims(&[("iss", "\"https://evil.example.com\"")]),
                1,
                Code::IssuerMismatch,
            ),
            (
                "issued to another client (specs §3a rule 4)",
                claims(&[("aud", "\"windsurf\"")]),
                1,
                Code::AudienceMismatch,
            ),
            (
                "two audiences",
                claims(&[("aud", "[\"cursor\",\"windsurf\"]")]),
                1,
                Code::AudienceMismatch,
            ),
            (
                "expired",
                claims(&[("exp", &(NOW - 61).to_string())]),
                1,
                Code::Expired,
            ),
            ("no sub", claims(&[("sub", "")]), 1, Code::ClaimInvalid),
            (
                "email not a string",
                claims(&[("email", "1")]),
                1,
                Code::ClaimInvalid,
            ),
            ("no exp", claims(&[("exp", "")]), 1, Code::ClaimInvalid),
            (
                "iat in the future",
                claims(&[("iat", &(NOW + 600).to_string())]),
                1,
                Code::IssuedInFuture,
            ),
        ];
        for (what, body, seed, code) in cases {
            let token = id_token(
                &HEADER.replace("k1", &format!("k{seed}")),
                &body,
                &key(seed),
            );
            assert_eq!(check(&token), Err(code), "{what}");
        }
        for typ in ["at+jwt", "oauth-id-jag+jwt", "logout+jwt"] {
            let header = HEADER.replace("\"JWT\"", &format!("\"{typ}\""));
            assert_eq!(
                check(&id_token(&header, &claims(&[]), &key(1))),
                Err(Code::TypMismatch),
                "{typ}: token confusion"
            );
        }
        let rs256 = HEADER.replace("ES256", "RS256");
        assert_eq!(
            check(&id_token(&rs256, &claims(&[]), &key(1))),
            Err(Code::AlgNotAllowed)
        );
    }
}
