//! The record of checks behind `explain-*`: every step the pipeline performed, in order,
//! with its outcome and a log-safe detail. Disabled, it records nothing and builds no text.

use crate::error::Rejection;

/// Outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check refused the token.
    Failed,
    /// The check did not apply.
    Skipped,
}

/// One performed check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Stable step name.
    pub name: &'static str,
    /// Outcome.
    pub outcome: Outcome,
    /// Log-safe detail.
    pub detail: String,
}

/// A recorder of checks.
#[derive(Debug, Default)]
pub struct Trace {
    enabled: bool,
    checks: Vec<Check>,
}

impl Trace {
    /// A trace that records nothing (the fast path).
    pub fn off() -> Self {
        Trace::default()
    }

    /// A trace that records every check.
    pub fn on() -> Self {
        Trace {
            enabled: true,
            checks: Vec::new(),
        }
    }

    /// The recorded checks.
    pub fn into_checks(self) -> Vec<Check> {
        self.checks
    }

    fn record(&mut self, name: &'static str, outcome: Outcome, detail: String) {
        self.checks.push(Check {
            name,
            outcome,
            detail,
        });
    }

    /// Records a passed check; `detail` runs only when recording.
    pub fn pass(&mut self, name: &'static str, detail: impl FnOnce() -> String) {
        if self.enabled {
            self.record(name, Outcome::Passed, detail());
        }
    }

    /// Records a skipped check.
    pub fn skip(&mut self, name: &'static str, detail: impl FnOnce() -> String) {
        if self.enabled {
            self.record(name, Outcome::Skipped, detail());
        }
    }

    /// Runs a check: records its outcome and passes its result through.
    pub fn step<T>(
        &mut self,
        name: &'static str,
        result: Result<T, Rejection>,
        detail: impl FnOnce(&T) -> String,
    ) -> Result<T, Rejection> {
        if self.enabled {
            match &result {
                Ok(value) => self.record(name, Outcome::Passed, detail(value)),
                Err(rejection) => self.record(
                    name,
                    Outcome::Failed,
                    format!("{}: {}", rejection.code, rejection.detail),
                ),
            }
        }
        result
    }
}
