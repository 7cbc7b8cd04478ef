//! Runs a suite against a build of the component: every case on a fresh instance of its
//! configuration (pinned clock, empty replay store), every step compared with its expected
//! outcome. Reports a table grouped by section, JUnit XML, and one case in full.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::client_call;
use crate::wit::{self, Header, JwsVerdict, Verdict};
use crate::{config_file, default_imports, Runtime, Validator};
use xaa_vectors::{Case, ConfigFiles, Expect, HttpRequest, Input, Step, Suite, FORMAT};

/// How one case turned out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every step as expected.
    Pass,
    /// Which step, expected what, got what.
    Fail(String),
    /// The component under test lacks what the case needs (an export or a role).
    NotApplicable(String),
    /// Allowed by the specifications but weaker than they recommend (a MAY or SHOULD the
    /// server does not take): reported, and an error only under `remote --strict`.
    Warning(String),
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case id.
    pub id: String,
    /// Its section.
    pub section: String,
    /// Its rule.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// The outcome.
    pub outcome: Outcome,
    /// What each step produced (rendered like its expectation).
    pub actual: Vec<Value>,
}

/// What the runner needs.
pub struct Runner {
    runtime: Arc<Runtime>,
    native: bool,
    configs: Configs,
    exports: Vec<String>,
}

/// A suite's configurations by name, each loaded by the host's config loader (or why not).
pub type Configs = BTreeMap<String, Result<wit::Config, String>>;

/// A private temporary directory, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir, String> {
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| format!("OS random source: {e}"))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join(format!("xaa-conformance-{suffix}"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(TempDir(dir))
}

fn load_config(dir: &Path, name: &str, files: &ConfigFiles) -> Result<wit::Config, String> {
    let dir = dir.join(name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (file, text) in &files.files {
        if file.contains('/') || file.contains("..") {
            return Err(format!(
                "config {name}: file name {file:?} is not a plain name"
            ));
        }
        std::fs::write(dir.join(file), text).map_err(|e| format!("{file}: {e}"))?;
    }
    let path = dir.join("xaa.toml");
    std::fs::write(&path, &files.toml).map_err(|e| format!("{}: {e}", path.display()))?;
    config_file::load(&path)
}

/// Loads every configuration of `suite` as `xaa` loads a user's: its TOML and named files
/// written to a private temporary directory (removed on return), then [`config_file::load`].
pub fn load_configs(suite: &Suite) -> Result<Configs, String> {
    if suite.format != FORMAT {
        return Err(format!(
            "vector format {:?}; this runner reads {FORMAT}",
            suite.format
        ));
    }
    let dir = temp_dir()?;
    Ok(suite
        .configs
        .iter()
        .map(|(name, files)| (name.clone(), load_config(&dir.0, name, files)))
        .collect())
}

impl Runner {
    /// Prepares `suite`'s configurations for `runtime`; `native`: the host's native
    /// verifier and signer, else the component's pure-Rust code.
    pub fn new(
        runtime: Arc<Runtime>,
        suite: &Suite,
        native: bool,
        exports: Vec<String>,
    ) -> Result<Self, String> {
        Ok(Runner {
            runtime,
            native,
            configs: load_configs(suite)?,
            exports,
        })
    }

    /// Runs one case.
    pub fn run_case(&self, suite: &Suite, case: &Case) -> CaseResult {
        let (outcome, actual) = self.outcome(suite, case);
        CaseResult {
            id: case.id.clone(),
            section: case.section.clone(),
            rule: case.rule.clone(),
            title: case.title.clone(),
            outcome,
            actual,
        }
    }

    fn outcome(&self, suite: &Suite, case: &Case) -> (Outcome, Vec<Value>) {
        let needs_validator = !self
            .exports
            .iter()
            .any(|e| e.starts_with("xaa:token/validator"));
        if needs_validator {
            return (
                Outcome::NotApplicable("the component exports no xaa:token/validator".into()),
                Vec::new(),
            );
        }
        let config = match self.configs.get(&case.config) {
            None => {
                return (
                    Outcome::Fail(format!("unknown config {:?}", case.config)),
                    Vec::new(),
                )
            }
            Some(Err(why)) => {
                return (
                    Outcome::Fail(format!("config {:?} does not load: {why}", case.config)),
                    Vec::new(),
                )
            }
            Some(Ok(config)) => config.clone(),
        };
        let imports = default_imports(Some(case.now.unwrap_or(suite.now)), self.native);
        let mut instance = match Validator::new(self.runtime.clone(), imports, config) {
            Ok(instance) => instance,
            Err(why) => {
                return (
                    Outcome::Fail(format!(
                        "the component refused config {:?}: {why}",
                        case.config
                    )),
                    Vec::new(),
                )
            }
        };
        let mut actual = Vec::new();
        for (i, step) in case.steps.iter().enumerate() {
            let got = run_step(&mut instance, step);
            let verdict = compare(&step.expect, &got);
            actual.push(got);
            if let Err(why) = verdict {
                return (Outcome::Fail(format!("step {}: {why}", i + 1)), actual);
            }
        }
        (Outcome::Pass, actual)
    }
}

fn to_wit(request: &HttpRequest) -> wit::HttpRequest {
    wit::HttpRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: request
            .headers
            .iter()
            .map(|(name, value)| Header {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        body: request.body.as_bytes().to_vec(),
    }
}

fn verdict_value(verdict: &Verdict) -> Value {
    match verdict {
        Verdict::Valid(_) => serde_json::json!({"verdict": "valid"}),
        Verdict::Rejected(r) => serde_json::json!({"verdict": r.code}),
    }
}

fn http_value(response: Result<wit::HttpResponse, String>) -> Value {
    match response {
        Err(trap) => serde_json::json!({"status": 500, "trap": trap}),
        Ok(response) => {
            let error = serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|body| body.get("error").and_then(Value::as_str).map(str::to_owned));
            serde_json::json!({
                "status": response.status,
                "error": error,
                "verdict_code": response.verdict_code,
            })
        }
    }
}

/// Runs one step; the result is rendered like an [`Expect`].
fn run_step(instance: &mut Validator, step: &Step) -> Value {
    match &step.input {
        Input::IdJag { token, client_id } => {
            verdict_value(&instance.validate_id_jag(token, client_id))
        }
        Input::AccessToken { token } => verdict_value(&instance.validate_access_token(token)),
        Input::Jws {
            token,
            jwks,
            algorithms,
        } => match instance.verify_jws_signature(token, jwks, algorithms) {
            JwsVerdict::SignatureValid(_) => serde_json::json!({"verdict": "signature-valid"}),
            JwsVerdict::Rejected(r) => serde_json::json!({"verdict": r.code}),
        },
        Input::AsHttp { request } => {
            http_value(instance.authorization_server_http(&to_wit(request)))
        }
        Input::IdpHttp { request } => http_value(instance.identity_provider_http(&to_wit(request))),
        Input::ResourceHttp { request } => {
            http_value(instance.resource_server_http(&to_wit(request)))
        }
        Input::Client { function, args } => match client_call::call(instance, function, args) {
            Ok(output) => serde_json::json!({ "output": output }),
            Err(why) => serde_json::json!({ "malformed": why }),
        },
    }
}

/// The expected verdict that any rejection code satisfies (Wycheproof's `invalid`).
pub const ANY_REJECTION: &str = "rejected";

fn compare(expect: &Expect, got: &Value) -> Result<(), String> {
    match expect {
        Expect::Verdict { verdict } => {
            let actual = got.get("verdict").and_then(Value::as_str).unwrap_or("?");
            let rejected = !matches!(actual, "valid" | "signature-valid" | "?");
            if actual == verdict || (verdict == ANY_REJECTION && rejected) {
                Ok(())
            } else {
                Err(format!("expected verdict {verdict}, got {actual}"))
            }
        }
        Expect::Http {
            status,
            error,
            verdict_code,
        } => {
            let actual_status = got.get("status").and_then(Value::as_u64).unwrap_or(0);
            let actual_error = got.get("error").and_then(Value::as_str);
            let actual_code = got.get("verdict_code").and_then(Value::as_str);
            if actual_status != u64::from(*status) {
                return Err(format!(
                    "expected HTTP {status}, got {actual_status} ({got})"
                ));
            }
            if actual_error != error.as_deref() {
                return Err(format!(
                    "expected error {}, got {}",
                    error.as_deref().unwrap_or("(none)"),
                    actual_error.unwrap_or("(none)")
                ));
            }
            if let Some(code) = verdict_code {
                if actual_code != Some(code.as_str()) {
                    return Err(format!(
                        "expected verdict code {code}, got {}",
                        actual_code.unwrap_or("(none)")
                    ));
                }
            }
            Ok(())
        }
        Expect::Output { output, .. } => match got.get("output") {
            Some(actual) if actual == output => Ok(()),
            Some(actual) => Err(format!("expected output {output}, got {actual}")),
            None => Err(format!("expected output {output}, got {got}")),
        },
    }
}

/// Counts per section: (pass, fail, not applicable, warning).
pub fn by_section(results: &[CaseResult]) -> BTreeMap<String, (usize, usize, usize, usize)> {
    let mut table: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    for r in results {
        let row = table.entry(r.section.clone()).or_default();
        match r.outcome {
            Outcome::Pass => row.0 += 1,
            Outcome::Fail(_) => row.1 += 1,
            Outcome::NotApplicable(_) => row.2 += 1,
            Outcome::Warning(_) => row.3 += 1,
        }
    }
    table
}

/// The table a person reads. The `warn` column appears only when a run has warnings (the
/// vector mode never has any), so the suite's table keeps its shape.
pub fn table(results: &[CaseResult]) -> String {
    let rows = by_section(results);
    let warnings = rows.values().any(|row| row.3 > 0);
    let width = rows.keys().map(String::len).max().unwrap_or(7).max(7);
    let line = |label: &str, (pass, fail, na, warn): (usize, usize, usize, usize)| {
        let mut line = format!("{label:<width$}  {pass:>5}  {fail:>5}  {na:>5}");
        if warnings {
            line.push_str(&format!("  {warn:>5}"));
        }
        line.push('\n');
        line
    };
    let mut out = format!(
        "{:<width$}  {:>5}  {:>5}  {:>5}",
        "section", "pass", "fail", "n/a"
    );
    if warnings {
        out.push_str(&format!("  {:>5}", "warn"));
    }
    out.push('\n');
    let mut total = (0, 0, 0, 0);
    for (section, row) in &rows {
        out.push_str(&line(section, *row));
        total = (
            total.0 + row.0,
            total.1 + row.1,
            total.2 + row.2,
            total.3 + row.3,
        );
    }
    out.push_str(&line("total", total));
    for r in results {
        match &r.outcome {
            Outcome::Fail(why) => out.push_str(&format!(
                "FAIL {} ({}): {} — {why}\n",
                r.id, r.rule, r.title
            )),
            Outcome::Warning(why) => out.push_str(&format!(
                "WARN {} ({}): {} — {why}\n",
                r.id, r.rule, r.title
            )),
            Outcome::NotApplicable(why) => {
                out.push_str(&format!("N/A  {} ({}): {why}\n", r.id, r.rule))
            }
            Outcome::Pass => {}
        }
    }
    out
}

fn xml_escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&apos;".to_owned(),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => " ".to_owned(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: one `testsuite` per section, one `testcase` per case.
pub fn junit(results: &[CaseResult]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"xaa conformance\">\n",
    );
    for (section, (pass, fail, na, warn)) in by_section(results) {
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fail}\" skipped=\"{na}\">\n",
            xml_escape(&section),
            pass + fail + na + warn
        ));
        for r in results.iter().filter(|r| r.section == section) {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{} {}\">",
                xml_escape(&r.rule),
                xml_escape(&r.id),
                xml_escape(&r.title)
            ));
            match &r.outcome {
                Outcome::Pass => {}
                Outcome::Fail(why) => {
                    out.push_str(&format!("<failure message=\"{}\"/>", xml_escape(why)))
                }
                Outcome::NotApplicable(why) => {
                    out.push_str(&format!("<skipped message=\"{}\"/>", xml_escape(why)))
                }
                // JUnit has no warning: a passing case that says why in its output.
                Outcome::Warning(why) => out.push_str(&format!(
                    "<system-out>WARN {}</system-out>",
                    xml_escape(why)
                )),
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
