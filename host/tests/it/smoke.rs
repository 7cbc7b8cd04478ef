//! The baseline tokens are valid through the component, on both verifier paths.
use crate::common;
use common::*;
use serde_json::json;

#[test]
fn baseline_id_jag_is_valid_native_and_pure_rust() {
    for mut h in [Harness::new(), Harness::pure_rust()] {
        assert_eq!(h.id_jag(&id_jag("smoke-1", json!({}))), "valid");
        let rsa = mint(
            &json!({"typ":"oauth-id-jag+jwt","alg":"RS256","kid":"idp-rsa"}),
            &id_jag_claims("smoke-rs"),
            Signer::Rs256(&keys().idp_rsa),
        );
        assert_eq!(h.id_jag(&rsa), "valid");
        let pss = mint(
            &json!({"typ":"oauth-id-jag+jwt","alg":"PS256","kid":"idp-rsa"}),
            &id_jag_claims("smoke-ps"),
            Signer::Ps256(&keys().idp_rsa),
        );
        assert_eq!(h.id_jag(&pss), "valid");
        assert_eq!(h.access_token(&access_token(json!({}))), "valid");
    }
}
