//! The `xaa` command.
//!
//! Run with: `cargo run --release -p xaa-host --bin xaa -- --help`
//!
//! ```text
//! xaa validate id-jag       --config FILE --client-id ID [--now UNIX_SECONDS] [--explain] (TOKEN | -)
//! xaa validate access-token --config FILE                [--now UNIX_SECONDS] [--explain] (TOKEN | -)
//! xaa component export --out FILE        write the embedded component
//! xaa component info                     its SHA-256, imports and exports
//! xaa serve as --config FILE [--listen 127.0.0.1:8080]   the resource authorization server
//! xaa keys generate --out FILE           a new ES256 signing key (private JWK, mode 0600)
//! xaa keys client-secret                 a new client secret and its SHA-256 for the config
//! xaa keys hash-secret                   the SHA-256 (hex) of a secret read from stdin
//! xaa dev sample --out DIR               sample keys, configuration and tokens (development only)
//! xaa login --idp URL --client-id ID --user NAME     sign in once (development sign-in)
//! xaa token --resource URL               an access token for an MCP server, no prompt
//! xaa logout                             forget the sign-in
//! xaa demo                               the whole flow on 127.0.0.1, step by step
//! ```
//! Exit status: 0 every token valid, 1 some token rejected, 2 usage or configuration error.

mod bridge;
mod conformance_cmd;
mod cpu_policy;
mod demo;
mod dev;
mod keys;
mod login;
mod serve;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use serde_json::{json, Value};

use xaa_host::wit::{CheckOutcome, Explanation, Verdict};
use xaa_host::{config_file, default_imports, Limits, Runtime, Validator};

#[derive(Parser)]
#[command(
    name = "xaa",
    version,
    about = "Cross-App Access (ID-JAG) token engine"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate tokens through the component.
    #[command(subcommand)]
    Validate(ValidateCommand),
    /// Run a server.
    #[command(subcommand)]
    Serve(serve::ServeCommand),
    /// XAA in front of an existing MCP server: every request needs a valid access token for
    /// the [resource_server] (and the scopes [gateway] requires); allowed requests are
    /// proxied to --upstream with the caller's identity in headers, never the token.
    Gateway(serve::GatewayArgs),
    /// Inspect or export the embedded component.
    #[command(subcommand)]
    Component(ComponentCommand),
    /// Signing keys of an authorization server.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Development helpers.
    #[command(subcommand)]
    Dev(dev::DevCommand),
    /// Sign in once at an IdP (its development sign-in) and keep the ID token and refresh
    /// token in the configuration directory (mode 0600).
    Login(login::LoginArgs),
    /// An access token for a protected resource: discovery, token exchange at the IdP and
    /// the jwt-bearer grant, with no prompt; cached until it expires. Prints the token.
    Token(login::TokenArgs),
    /// Forget the stored sign-in and cached tokens.
    Logout,
    /// A stdio MCP server for MCP hosts: forwards every JSON-RPC message to the remote MCP
    /// server --resource over streamable HTTP with an access token from `xaa token` (one
    /// sign-in, no prompt; a refused token is renewed once).
    Bridge(bridge::BridgeArgs),
    /// Cross-App Access end to end on 127.0.0.1: one IdP, two authorization servers, two
    /// MCP servers, one sign-in, then a connection revoked.
    Demo(demo::DemoArgs),
    /// The conformance suite: run the committed vectors against a component, or check any AS.
    #[command(subcommand)]
    Conformance(conformance_cmd::ConformanceCommand),
}

#[derive(Subcommand)]
enum ValidateCommand {
    /// Validate ID-JAGs as a resource authorization server receiving them from CLIENT_ID.
    IdJag {
        #[command(flatten)]
        common: ValidateArgs,
        /// The client presenting the ID-JAG (its client_id at this authorization server).
        #[arg(long)]
        client_id: String,
    },
    /// Validate RFC 9068 access tokens as the configured resource server.
    AccessToken {
        #[command(flatten)]
        common: ValidateArgs,
    },
}

#[derive(Args)]
struct ValidateArgs {
    /// Configuration file (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Pin the clock (seconds since the Unix epoch).
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,
    /// Print every check performed.
    #[arg(long)]
    explain: bool,
    /// Verify signatures with the component's pure-Rust code instead of the native verifier.
    #[arg(long)]
    no_native_verify: bool,
    /// Use this component instead of the embedded one.
    #[arg(long, value_name = "PATH.wasm")]
    component: Option<PathBuf>,
    /// A token, or `-` to read one token per line from standard input.
    token: String,
}

#[derive(Subcommand)]
enum ComponentCommand {
    /// Write the embedded component to a file.
    Export {
        /// Destination.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the component's SHA-256, imports and exports.
    Info {
        /// Inspect this component instead of the embedded one.
        #[arg(long, value_name = "PATH.wasm")]
        component: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(ValidateCommand::IdJag { common, client_id }) => {
            validate(&common, Some(&client_id))
        }
        Command::Validate(ValidateCommand::AccessToken { common }) => validate(&common, None),
        Command::Serve(command) => serve::run(command),
        Command::Gateway(args) => serve::gateway(args),
        Command::Component(command) => component(command),
        Command::Keys(command) => keys::run(command),
        Command::Dev(command) => dev::run(command),
        Command::Login(args) => login::login(&args),
        Command::Token(args) => login::token(&args),
        Command::Logout => login::logout(),
        Command::Bridge(args) => bridge::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Conformance(command) => conformance_cmd::run(command),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("xaa: {message}");
            }
            ExitCode::from(2)
        }
    }
}

fn runtime(component: Option<&PathBuf>) -> Result<Arc<Runtime>, String> {
    let runtime = match component {
        None => Runtime::embedded(Limits::default()),
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Runtime::new(&bytes, Limits::default())
        }
    };
    runtime
        .map(Arc::new)
        .map_err(|e| format!("loading the component: {e:#}"))
}

/// Longest stdin line handed to the component; longer lines are truncated to this (the
/// component's own cap, far lower, then refuses them).
const MAX_LINE_BYTES: u64 = 1024 * 1024;

fn validate(args: &ValidateArgs, client_id: Option<&str>) -> Result<ExitCode, String> {
    let config = config_file::load(&args.config)?;
    let (role_configured, section, command) = match client_id {
        Some(_) => (
            config.authorization_server.is_some(),
            "[authorization_server]",
            "id-jag",
        ),
        None => (
            config.resource_server.is_some(),
            "[resource_server]",
            "access-token",
        ),
    };
    if !role_configured {
        return Err(format!(
            "{}: `xaa validate {command}` needs a {section} section",
            args.config.display()
        ));
    }
    let imports = default_imports(args.now, !args.no_native_verify);
    let mut validator = Validator::new(runtime(args.component.as_ref())?, imports, config)
        .map_err(|e| format!("{}: configuration refused:\n{e}", args.config.display()))?;
    let mut all_valid = true;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut check = |token: &str| -> Result<(), String> {
        let line = match (client_id, args.explain) {
            (Some(id), false) => verdict_json(&validator.validate_id_jag(token, id), None),
            (None, false) => verdict_json(&validator.validate_access_token(token), None),
            (Some(id), true) => explanation_json(validator.explain_id_jag(token, id)),
            (None, true) => explanation_json(validator.explain_access_token(token)),
        };
        all_valid &= line["valid"] == Value::Bool(true);
        writeln!(out, "{line}").map_err(|e| match e.kind() {
            // The reader went away (e.g. `| head`): stop quietly.
            std::io::ErrorKind::BrokenPipe => String::new(),
            _ => format!("writing output: {e}"),
        })
    };
    if args.token == "-" {
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        loop {
            let mut line = Vec::new();
            let read = std::io::Read::take(&mut input, MAX_LINE_BYTES)
                .read_until(b'\n', &mut line)
                .map_err(|e| format!("reading standard input: {e}"))?;
            if read == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
            } else if read as u64 == MAX_LINE_BYTES {
                // Drain the rest of an over-long line so the next token starts cleanly.
                let mut rest = Vec::new();
                input
                    .read_until(b'\n', &mut rest)
                    .map_err(|e| format!("reading standard input: {e}"))?;
            }
            check(&String::from_utf8_lossy(&line))?;
        }
    } else {
        check(&args.token)?;
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn verdict_json(verdict: &Verdict, checks: Option<Value>) -> Value {
    let mut object = match verdict {
        Verdict::Valid(token) => {
            let claims = serde_json::from_str::<Value>(&token.claims_json)
                .unwrap_or_else(|_| Value::String(token.claims_json.clone()));
            json!({"valid": true, "claims": claims})
        }
        Verdict::Rejected(r) => json!({
            "valid": false,
            "code": r.code,
            "oauth_error": r.oauth_error,
            "description": r.description,
        }),
    };
    if let (Some(checks), Value::Object(map)) = (checks, &mut object) {
        map.insert("checks".into(), checks);
    }
    object
}

fn explanation_json(explanation: Explanation) -> Value {
    let checks = explanation
        .checks
        .iter()
        .map(|c| {
            let outcome = match c.outcome {
                CheckOutcome::Passed => "passed",
                CheckOutcome::Failed => "failed",
                CheckOutcome::Skipped => "skipped",
            };
            json!({"name": c.name, "outcome": outcome, "detail": c.detail})
        })
        .collect();
    verdict_json(&explanation.verdict, Some(Value::Array(checks)))
}

fn component(command: ComponentCommand) -> Result<ExitCode, String> {
    match command {
        ComponentCommand::Export { out } => {
            std::fs::write(&out, xaa_host::runtime::EMBEDDED_COMPONENT)
                .map_err(|e| format!("{}: {e}", out.display()))?;
            println!("{}", out.display());
        }
        ComponentCommand::Info { component } => {
            let bytes = match &component {
                Some(path) => {
                    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?
                }
                None => xaa_host::runtime::EMBEDDED_COMPONENT.to_vec(),
            };
            let info = xaa_host::runtime::describe(&bytes).map_err(|e| format!("{e:#}"))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&info).unwrap_or_default()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
