//! Properties of the whole pipeline, run natively on generated inputs (the same code the
//! component runs): arbitrary input never panics; no single-character change of a valid
//! token is valid; validity in time is exactly the interval the claims and leeway define.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use p256::ecdsa::SigningKey;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use xaa_guest::base64url::encode as b64;
use xaa_guest::jws::sign_es256;
use xaa_guest::test_host::FixedHost;
use xaa_guest::Code;
use xaa_guest::{
    AuthorizationServerConfig, Config, JwksCacheConfig, KeySource, ResourceServerConfig,
    TrustedIssuerConfig,
};
use xaa_guest::{Validator, Verdict};

const NOW: i64 = 1_800_000_000;
const LEEWAY: i64 = 60;

fn key() -> SigningKey {
    SigningKey::from_slice(&Sha256::digest(b"properties")).unwrap()
}

fn jwks() -> String {
    let p = key().verifying_key().to_encoded_point(false);
    format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"k","x":"{}","y":"{}"}}]}}"#,
        b64(p.x().unwrap()),
        b64(p.y().unwrap())
    )
}

fn validator() -> Validator {
    let mut v = Validator::new();
    v.configure(&Config {
        authorization_server: Some(AuthorizationServerConfig {
            issuer: "https://as.example.com".into(),
            resources: vec!["https://mcp.example.com".into()],
            max_assertion_lifetime: Some(3600),
            leeway: Some(LEEWAY as u32),
            resource_root_slash_equivalence: true,
            trusted_issuers: vec![TrustedIssuerConfig {
                issuer: "https://idp.example.com".into(),
                keys: KeySource::Inline(jwks()),
                algorithms: vec!["ES256".into()],
                subject_namespace: None,
                tenant_required: false,
            }],
            token_endpoint: None,
        }),
        resource_server: Some(ResourceServerConfig {
            resource: "https://mcp.example.com".into(),
            issuer: "https://idp.example.com".into(),
            keys: KeySource::Inline(jwks()),
            algorithms: vec!["ES256".into()],
            leeway: Some(LEEWAY as u32),
            resource_metadata_url: None,
            resource_root_slash_equivalence: true,
            required_scopes: Vec::new(),
        }),
        identity_provider: None,
        jwks_cache: JwksCacheConfig::default(),
        token_cache_size: Some(0),
    })
    .unwrap();
    v
}

fn id_jag(iat: i64, exp: i64, nbf: Option<i64>) -> String {
    let nbf = nbf.map(|n| format!(r#","nbf":{n}"#)).unwrap_or_default();
    let claims = format!(
        r#"{{"iss":"https://idp.example.com","sub":"s","aud":"https://as.example.com","client_id":"c","jti":"j","iat":{iat},"exp":{exp},"resource":"https://mcp.example.com/"{nbf}}}"#
    );
    sign_es256(
        r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"k"}"#,
        &claims,
        &key(),
    )
}

fn code(verdict: &Verdict) -> Option<Code> {
    verdict.code()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(token in ".{0,600}") {
        let mut v = validator();
        let mut host = FixedHost::at(NOW);
        prop_assert!(code(&v.validate_id_jag(&mut host, &token, "c")).is_some());
        prop_assert!(code(&v.validate_access_token(&mut host, &token)).is_some());
    }

    #[test]
    fn token_shaped_noise_never_panics(
        h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,200}", s in "[A-Za-z0-9_-]{0,90}"
    ) {
        let mut v = validator();
        let mut host = FixedHost::at(NOW);
        let token = format!("{h}.{p}.{s}");
        prop_assert!(code(&v.validate_id_jag(&mut host, &token, "c")).is_some());
    }

    #[test]
    fn json_shaped_headers_and_claims_never_panic(header in "\\{.{0,60}\\}", claims in "\\{.{0,160}\\}") {
        let mut v = validator();
        let mut host = FixedHost::at(NOW);
        let token = sign_es256(&header, &claims, &key());
        prop_assert!(code(&v.validate_id_jag(&mut host, &token, "c")).is_some());
        prop_assert!(code(&v.validate_access_token(&mut host, &token)).is_some());
    }

    #[test]
    fn no_single_character_change_is_valid(index in 0usize..1000, replacement in "[A-Za-z0-9_.=+/ -]") {
        let token = id_jag(NOW - 10, NOW + 100, None);
        let index = index % token.len();
        let mut mutated = token.clone();
        mutated.replace_range(index..index + 1, &replacement);
        prop_assume!(mutated != token);
        let mut host = FixedHost::at(NOW);
        prop_assert!(code(&validator().validate_id_jag(&mut host, &mutated, "c")).is_some());
    }

    #[test]
    fn validity_in_time_is_exactly_the_claimed_interval(
        iat_offset in -400i64..400, lifetime in 1i64..600, nbf_offset in proptest::option::of(-400i64..400), now_offset in -800i64..800
    ) {
        let iat = NOW + iat_offset;
        let exp = iat + lifetime;
        let nbf = nbf_offset.map(|o| NOW + o);
        let now = NOW + now_offset;
        let token = id_jag(iat, exp, nbf);
        let verdict = validator().validate_id_jag(&mut FixedHost::at(now), &token, "c");
        let expected = if exp <= now - LEEWAY {
            Some(Code::Expired)
        } else if nbf.is_some_and(|n| n > now + LEEWAY) {
            Some(Code::NotYetValid)
        } else if iat > now + LEEWAY {
            Some(Code::IssuedInFuture)
        } else {
            None
        };
        prop_assert_eq!(code(&verdict), expected);
    }
}

#[test]
fn the_property_fixture_itself_is_valid() {
    let token = id_jag(NOW - 10, NOW + 100, None);
    let verdict = validator().validate_id_jag(&mut FixedHost::at(NOW), &token, "c");
    assert!(matches!(verdict, Verdict::Valid(_)), "{verdict:?}");
}
