//! The baseline: one valid token of each kind, and single use.

use serde_json::json;

use crate::fixtures::{CLIENT, RESOURCE};
use crate::mint::{access_token, id_jag};
use crate::steps::MintedStep;
use xaa_vectors::{Case, Step};

const SECTION: &str = "baseline";

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    vec![
        Case::new("baseline-id-jag-valid", SECTION, "specs.md §3b", "validator", "a valid ES256 ID-JAG from the trusted IdP, presented by its client").step(Step::id_jag(id_jag("baseline-1", json!({})), CLIENT, "valid")),
        Case::new("baseline-id-jag-single-use", SECTION, "specs.md §3b rule 10", "validator", "the same ID-JAG twice: the second is a replay").step(Step::id_jag(id_jag("baseline-2", json!({})), CLIENT, "valid")).step(Step::id_jag(id_jag("baseline-2", json!({})), CLIENT, "replayed")),
        Case::new("baseline-access-token-valid", SECTION, "specs.md §3c", "validator", "a valid RFC 9068 access token for this resource").step(Step::access_token(access_token(json!({"aud": RESOURCE})), "valid")),
    ]
}
