//! (being written)

use crate::conformance::suite::{Case, ConfigFiles};

/// Extra configurations these cases need (name, files), beyond the suite's shared ones.
pub(super) fn configs() -> Vec<(String, ConfigFiles)> {
    Vec::new()
}

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    Vec::new()
}
