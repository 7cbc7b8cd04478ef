//! `xaa serve as`: reads the configuration, builds a pool of configured component instances
//! (a refused configuration stops here, exit 2), binds, prints `listening on http://ADDR`
//! on standard output and serves until Ctrl-C or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use tracing_subscriber::EnvFilter;

use xaa_host::server::{serve, shutdown_signal, InstancePool, ServerLimits};
use xaa_host::{config_file, default_imports, Validator};

#[derive(Subcommand)]
pub(crate) enum ServeCommand {
    /// The resource authorization server: POST token endpoint (jwt-bearer grant with an
    /// ID-JAG), RFC 8414 metadata and the signing keys' JWK Set.
    As(ServeArgs),
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Configuration file (TOML) with [authorization_server], [[trusted_issuers]],
    /// [token_endpoint] and [[clients]].
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Component instances serving requests in parallel (default: the number of CPUs).
    #[arg(long)]
    instances: Option<usize>,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = ServerLimits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Verify signatures with the component's pure-Rust code instead of the native verifier.
    #[arg(long)]
    no_native_verify: bool,
    /// Pin the clock (seconds since the Unix epoch). Testing and conformance runs only.
    #[arg(long, value_name = "UNIX_SECONDS")]
    now: Option<i64>,
    /// Use this component instead of the embedded one.
    #[arg(long, value_name = "PATH.wasm")]
    component: Option<PathBuf>,
}

pub(crate) fn run(command: ServeCommand) -> Result<ExitCode, String> {
    let ServeCommand::As(args) = command;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("XAA_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = config_file::load(&args.config)?;
    let has_endpoint = config
        .authorization_server
        .as_ref()
        .is_some_and(|a| a.token_endpoint.is_some());
    if !has_endpoint {
        return Err(format!(
            "{}: `xaa serve as` needs [authorization_server] and [token_endpoint] sections",
            args.config.display()
        ));
    }
    let count = args
        .instances
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if !(1..=256).contains(&count) {
        return Err("--instances must be 1–256".into());
    }
    let runtime = crate::runtime(args.component.as_ref())?;
    // One replay store for the whole pool: a jti is single-use across instances.
    let imports = default_imports(args.now, !args.no_native_verify);
    let instances = (0..count)
        .map(|_| Validator::new(runtime.clone(), imports.clone(), config.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: configuration refused:\n{e}", args.config.display()))?;
    let pool = InstancePool::new(instances);
    let limits = ServerLimits {
        max_body_bytes: args.max_body_bytes,
        ..ServerLimits::default()
    };
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    tokio.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("listening on {}: {e}", args.listen))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("listening on {}: {e}", args.listen))?;
        let mut stdout = std::io::stdout();
        writeln!(stdout, "listening on http://{address}")
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("writing to standard output: {e}"))?;
        tracing::info!(%address, instances = count, "xaa serve as: ready");
        serve(listener, pool, limits, shutdown_signal()).await;
        tracing::info!("stopped");
        Ok::<_, String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
