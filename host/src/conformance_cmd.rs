//! `xaa conformance run | remote`. The suite is data (`tests/vectors/conformance/suite.json`);
//! the test kit's `xaa-suite generate` writes it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};

use xaa_host::conformance::remote::Target;
use xaa_host::conformance::run::{junit, load_configs, table, CaseResult, Outcome, Runner};
use xaa_host::es256::{b64, EcKey};
use xaa_vectors::Suite;

/// Where the generated suite is committed, relative to the repository root.
pub(crate) const DEFAULT_VECTORS: &str = "tests/vectors/conformance/suite.json";

#[derive(Subcommand)]
pub(crate) enum ConformanceCommand {
    /// Run the suite against a build of the component.
    Run(RunArgs),
    /// Write the suite's configurations, each loaded by this host's config loader, as the
    /// WIT `config` record in host-neutral JSON (for the Python and Node runners).
    Configs(ConfigsArgs),
    /// Black-box mode: play a trusted IdP against any resource authorization server,
    /// reached only through its token endpoint.
    Remote(RemoteArgs),
}

#[derive(Args)]
pub(crate) struct RemoteArgs {
    /// The AS's token endpoint URL.
    #[arg(long, value_name = "URL")]
    token_endpoint: String,
    /// The AS's issuer identifier (what an ID-JAG's aud must be).
    #[arg(long, value_name = "AS_ISSUER")]
    issuer: String,
    /// The resource to ask tokens for.
    #[arg(long = "resource", value_name = "URL")]
    resource: String,
    /// This client's id at the AS.
    #[arg(long)]
    client_id: String,
    /// Its secret (or set XAA_CLIENT_SECRET and omit this).
    #[arg(long, env = "XAA_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    /// Send the secret in the body (client_secret_post) instead of Basic.
    #[arg(long)]
    client_secret_post: bool,
    /// The IdP's private key: an EC P-256 JWK with kid (as `xaa keys generate` writes it).
    #[arg(long, value_name = "FILE")]
    idp_key: PathBuf,
    /// The IdP's issuer identifier, as the AS trusts it.
    #[arg(long, value_name = "URL")]
    idp_issuer: String,
    /// Scope to request and to grant in the ID-JAGs (space-separated).
    #[arg(long)]
    scope: Option<String>,
    /// Also write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Exit 2 when there are warnings (what the specifications allow but recommend
    /// against) and no failures; without it warnings are reported and exit 0.
    #[arg(long)]
    strict: bool,
}

#[derive(Args)]
pub(crate) struct ConfigsArgs {
    /// The suite (default: the committed one).
    #[arg(long, default_value = DEFAULT_VECTORS)]
    suite: PathBuf,
    /// Where to write the JSON.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// The format identifier of what `xaa conformance configs` writes.
const CONFIGS_FORMAT: &str = "xaa-conformance-configs/1";

#[derive(Args)]
pub(crate) struct RunArgs {
    /// The suite (default: the committed one).
    #[arg(long, default_value = DEFAULT_VECTORS)]
    vectors: PathBuf,
    /// Run against this component instead of the embedded one.
    #[arg(long, value_name = "PATH.wasm")]
    component: Option<PathBuf>,
    /// Verify and sign with the component's pure-Rust code instead of the native host code.
    #[arg(long)]
    no_native_verify: bool,
    /// Also write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Show one case in full (inputs, how its tokens were minted, expected and actual).
    #[arg(long, value_name = "ID")]
    explain: Option<String>,
}

fn read_suite(path: &Path) -> Result<Suite, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Suite::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

pub(crate) fn run(command: ConformanceCommand) -> Result<ExitCode, String> {
    match command {
        ConformanceCommand::Run(args) => run_suite(&args),
        ConformanceCommand::Configs(args) => write_configs(&args),
        ConformanceCommand::Remote(args) => remote(&args),
    }
}

/// `{"format", "configs": {name: {"config": record} | {"error": why it does not load}}}`; a
/// record in serde's form of the generated bindings (snake_case WIT field names, `null` for
/// `none`, a variant case as `{"CaseName": payload}`, or `"CaseName"` without one).
fn write_configs(args: &ConfigsArgs) -> Result<ExitCode, String> {
    let suite = read_suite(&args.suite)?;
    let configs: serde_json::Map<String, serde_json::Value> = load_configs(&suite)?
        .into_iter()
        .map(|(name, config)| {
            let entry = match config {
                Ok(config) => serde_json::json!({ "config": config }),
                Err(why) => serde_json::json!({ "error": why }),
            };
            (name, entry)
        })
        .collect();
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "format": CONFIGS_FORMAT,
        "configs": configs,
    }))
    .map_err(|e| e.to_string())?;
    std::fs::write(&args.out, text + "\n").map_err(|e| format!("{}: {e}", args.out.display()))?;
    Ok(ExitCode::SUCCESS)
}

fn run_suite(args: &RunArgs) -> Result<ExitCode, String> {
    let suite = read_suite(&args.vectors)?;
    let bytes = match &args.component {
        Some(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?,
        None => xaa_host::runtime::EMBEDDED_COMPONENT.to_vec(),
    };
    let exports: Vec<String> = xaa_host::runtime::describe(&bytes)
        .ok()
        .and_then(|info| serde_json::from_value(info["exports"].clone()).ok())
        .unwrap_or_default();
    let runtime = crate::runtime(args.component.as_ref())?;
    let runner = Runner::new(runtime, &suite, !args.no_native_verify, exports)?;
    if let Some(id) = &args.explain {
        let case = suite
            .cases
            .iter()
            .find(|c| &c.id == id)
            .ok_or_else(|| format!("no case {id} in {}", args.vectors.display()))?;
        let result = runner.run_case(&suite, case);
        let shown = serde_json::json!({
            "case": case,
            "config": suite.configs.get(&case.config).map(|c| &c.toml),
            "actual": result.actual,
            "outcome": format!("{:?}", result.outcome),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&shown).unwrap_or_default()
        );
        return Ok(if result.outcome == Outcome::Pass {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let results: Vec<_> = suite
        .cases
        .iter()
        .map(|case| runner.run_case(&suite, case))
        .collect();
    report(&results, args.junit.as_deref())?;
    let failed = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
        .count();
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the results' table and writes their JUnit XML where asked.
fn report(results: &[CaseResult], junit_path: Option<&Path>) -> Result<(), String> {
    print!("{}", table(results));
    match junit_path {
        Some(path) => {
            std::fs::write(path, junit(results)).map_err(|e| format!("{}: {e}", path.display()))
        }
        None => Ok(()),
    }
}

fn remote(args: &RemoteArgs) -> Result<ExitCode, String> {
    let text = std::fs::read_to_string(&args.idp_key)
        .map_err(|e| format!("{}: {e}", args.idp_key.display()))?;
    let idp_key =
        EcKey::from_private_jwk(&text).map_err(|e| format!("{}: {e}", args.idp_key.display()))?;
    let target = Target {
        token_endpoint: args.token_endpoint.clone(),
        issuer: args.issuer.clone(),
        resource: args.resource.clone(),
        client_id: args.client_id.clone(),
        client_secret: args.client_secret.clone(),
        basic: !args.client_secret_post,
        idp_issuer: args.idp_issuer.clone(),
        idp_key,
        scope: args.scope.clone(),
        now: crate::login::now(),
    };
    // Fresh jtis for every run: the server remembers the last run's. The only random material
    // of the black-box mode, and no verdict depends on it: every check compares HTTP status
    // and OAuth error, and every tamper changes the token's meaning (never only its
    // encoding) whatever the jti and the clock make the signature.
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).map_err(|e| format!("OS random source: {e}"))?;
    let prefix = format!("xaa-conformance-{}", b64(&random));
    let results = xaa_host::conformance::remote::run(&target, &prefix)?;
    report(&results, args.junit.as_deref())?;
    let failed = results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Fail(_)));
    let warned = results
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Warning(_)));
    Ok(if failed {
        ExitCode::from(1)
    } else if warned && args.strict {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
