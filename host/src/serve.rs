//! `xaa serve as` and `xaa serve idp`: read the configuration, build a pool of configured
//! component instances (a refused configuration stops here, exit 2), bind, print
//! `listening on http://ADDR` on standard output and serve until Ctrl-C or SIGTERM. SIGHUP
//! reloads the configuration (a refused one leaves the running one in place): a removed
//! connection, client or user takes effect without a restart.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand};
use tracing_subscriber::EnvFilter;

use std::sync::Arc;

use xaa_host::gateway::{metrics_handler, Gateway, Metrics, Options};
use xaa_host::imports::jwks::HttpJwksFetcher;
use xaa_host::imports::redis_replay::{self, RedisReplayStore, RedisUrl};
use xaa_host::server::{
    serve, serve_with, shutdown_signal, InstancePool, Role, ServerLimits, Service,
};
use xaa_host::{config_file, default_imports, Imports, Runtime, Validator};

use crate::cpu_policy::{self, CpuPolicy};

#[derive(Subcommand)]
pub(crate) enum ServeCommand {
    /// The resource authorization server: POST token endpoint (jwt-bearer grant with an
    /// ID-JAG), RFC 8414 metadata and the signing keys' JWK Set.
    As(ServeArgs),
    /// The IdP (development and tests): the token-exchange endpoint that turns its own ID
    /// tokens into ID-JAGs under the managed connections, its metadata and JWK Set. Every
    /// decision is written as one JSON line to the audit log.
    Idp(ServeArgs),
    /// A protected resource (development and tests, the seed of the gateway): RFC 9728
    /// metadata and a bearer-protected echo at the resource's path, checked by the
    /// [resource_server] configuration.
    Resource(ServeArgs),
}

/// How a server process runs, the same for `xaa serve` and `xaa gateway`.
#[derive(Args)]
pub(crate) struct ProcessArgs {
    /// Component instances deciding requests in parallel (default: the number of CPUs).
    #[arg(long)]
    instances: Option<usize>,
    /// Async worker threads (default: the number of CPUs this process may use); 1 runs the
    /// single-threaded scheduler.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Linux scheduling policy of every thread (default: the one the process started with).
    /// `batch` (SCHED_BATCH) keeps a woken server from preempting the process running on its
    /// CPU: for a server that shares a core with the MCP server behind it.
    #[arg(long, value_enum, value_name = "POLICY")]
    cpu_policy: Option<CpuPolicy>,
}

impl ProcessArgs {
    /// Checks `--instances` and `--threads` (`count_or_cpus`) and applies `--cpu-policy`;
    /// returns (instances, threads). Call it before any thread starts (the compiler's, the
    /// runtime's): they inherit the policy.
    fn settle(&self) -> Result<(usize, usize), String> {
        let instances = count_or_cpus(self.instances, "--instances")?;
        let threads = count_or_cpus(self.threads, "--threads")?;
        if let Some(policy) = self.cpu_policy {
            policy.apply()?;
        }
        Ok((instances, threads))
    }
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
    #[command(flatten)]
    process: ProcessArgs,
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
    /// Append audit events (JSON lines; `serve idp`) to this file (mode 0600) instead of
    /// standard output.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Record used `jti`s in this Redis instead of in memory (`serve as` and `serve idp`), so
    /// that every replica pointing at it refuses a replay; overrides the configuration
    /// file's [replay_store] url. When Redis cannot answer, requests that need it get 503.
    #[arg(long, value_name = "redis://HOST:PORT[/DB]")]
    replay_store: Option<String>,
    /// Most connections open at once from one peer IP address (behind a load balancer or a
    /// proxy every connection comes from its address: raise it).
    #[arg(long, value_name = "N", default_value_t = ServerLimits::default().max_connections_per_peer)]
    max_connections_per_ip: usize,
}

/// `xaa gateway`'s arguments.
#[derive(Args)]
pub(crate) struct GatewayArgs {
    /// Configuration file (TOML): [resource_server] describes the protected resource (its
    /// `resource` is the gateway's public URL of the MCP endpoint), [gateway] adds options
    /// (required scopes per method or tool, identity header names, body cap, timeout).
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on (port 0 picks a free port; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The MCP server's origin, `http://host:port`; request paths pass through unchanged.
    #[arg(long, value_name = "URL")]
    upstream: String,
    /// Serve Prometheus metrics at `http://ADDR/metrics` (a separate listener; off by default).
    #[arg(long, value_name = "ADDR")]
    metrics_listen: Option<SocketAddr>,
    #[command(flatten)]
    process: ProcessArgs,
    /// Verify signatures with the component's pure-Rust code instead of the native verifier.
    #[arg(long)]
    no_native_verify: bool,
    /// Use this component instead of the embedded one.
    #[arg(long, value_name = "PATH.wasm")]
    component: Option<PathBuf>,
    /// Pin the clock (seconds since the Unix epoch). Testing only.
    #[arg(long, value_name = "UNIX_SECONDS", hide = true)]
    now: Option<i64>,
    /// Most connections open at once from one peer IP address (behind a load balancer or a
    /// proxy every connection comes from its address: raise it).
    #[arg(long, value_name = "N", default_value_t = ServerLimits::default().max_connections_per_peer)]
    max_connections_per_ip: usize,
}

/// What building a pool needs, kept for reloads: the compiled component and the imports
/// (one replay store for every instance and every reload).
struct PoolFactory {
    config: PathBuf,
    role: Role,
    count: usize,
    runtime: Arc<Runtime>,
    imports: Imports,
}

impl PoolFactory {
    /// Reads the configuration and builds a full pool, or says why not.
    fn build(&self) -> Result<Arc<InstancePool>, String> {
        let config = config_file::load(&self.config)?;
        let (served, needs) = match self.role {
            Role::AuthorizationServer => (
                config
                    .authorization_server
                    .as_ref()
                    .is_some_and(|a| a.token_endpoint.is_some()),
                "`xaa serve as` needs [authorization_server] and [token_endpoint] sections",
            ),
            Role::IdentityProvider => (
                config.identity_provider.is_some(),
                "`xaa serve idp` needs an [identity_provider] section",
            ),
            Role::ResourceServer => (
                config.resource_server.is_some(),
                "`xaa serve resource` needs a [resource_server] section",
            ),
        };
        if !served {
            return Err(format!("{}: {needs}", self.config.display()));
        }
        let instances = (0..self.count)
            .map(|_| Validator::new(self.runtime.clone(), self.imports.clone(), config.clone()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: configuration refused:\n{e}", self.config.display()))?;
        Ok(InstancePool::new(instances, self.role))
    }
}

/// Rebuilds the pool from the configuration file on every SIGHUP; a refused configuration
/// leaves the running one in place.
async fn reload_on_sighup(factory: Arc<PoolFactory>, service: Arc<Service>) {
    #[cfg(unix)]
    {
        let Ok(mut hangups) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            tracing::warn!("SIGHUP cannot be watched; configuration reload is off");
            return;
        };
        while hangups.recv().await.is_some() {
            let factory = Arc::clone(&factory);
            match tokio::task::spawn_blocking(move || factory.build()).await {
                Ok(Ok(pool)) => {
                    service.replace_pool(pool);
                    tracing::info!("configuration reloaded");
                }
                Ok(Err(why)) => {
                    tracing::error!(error = %why, "configuration reload refused; the running configuration stays");
                }
                Err(_) => tracing::error!("configuration reload failed"),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (factory, service);
    }
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("XAA_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// `--instances` or `--threads`: the value given, else the number of CPUs this process may
/// use; 1–256.
fn count_or_cpus(given: Option<usize>, flag: &str) -> Result<usize, String> {
    let count =
        given.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    if !(1..=256).contains(&count) {
        return Err(format!("{flag} must be 1–256"));
    }
    Ok(count)
}

fn connections_per_ip(n: usize) -> Result<usize, String> {
    if n == 0 {
        return Err("--max-connections-per-ip must be at least 1".into());
    }
    Ok(n)
}

/// The Redis replay store `--replay-store` or the file's `[replay_store]` names (the flag
/// wins); `None`: the in-memory store. Redis not answering yet is logged, not fatal:
/// requests that need it get 503 until it does.
fn replay_store(args: &ServeArgs, role: Role) -> Result<Option<RedisReplayStore>, String> {
    let section = config_file::load_replay_store(&args.config)?;
    if role == Role::ResourceServer {
        if args.replay_store.is_some() {
            return Err(
                "--replay-store is for `xaa serve as` and `xaa serve idp`; `xaa serve resource` keeps no replay store"
                    .into(),
            );
        }
        return Ok(None);
    }
    let timeout = section
        .as_ref()
        .and_then(|s| s.timeout_ms)
        .map_or(redis_replay::DEFAULT_TIMEOUT, Duration::from_millis);
    let (url, origin) = match (&args.replay_store, &section) {
        (Some(url), _) => (url.as_str(), "--replay-store".to_owned()),
        (None, Some(section)) => (
            section.url.as_str(),
            format!("{}: [replay_store] url", args.config.display()),
        ),
        (None, None) => return Ok(None),
    };
    let url = RedisUrl::parse(url).map_err(|why| format!("{origin}: {why}"))?;
    let store = RedisReplayStore::new(url, timeout).map_err(|why| {
        format!(
            "{}: [replay_store] timeout_ms: {why}",
            args.config.display()
        )
    })?;
    if let Err(why) = store.ping() {
        tracing::warn!(
            error = %why,
            "the replay store does not answer yet; requests that need it get 503 until it does"
        );
    }
    Ok(Some(store))
}

/// The runtime a server runs on, with `threads` workers (`count_or_cpus`). One worker gets
/// the single-threaded scheduler: with one CPU (a container limited to one, `taskset -c 0`)
/// a work-stealing scheduler has nobody to steal from and only adds bookkeeping to every
/// wake-up; the single-threaded one served 8–30 % more requests per second through
/// `xaa gateway` on one core (BENCHMARKS.md). Component calls that may block (a JWK Set
/// fetch, Redis) run on the blocking pool either way.
fn async_runtime(threads: usize) -> Result<tokio::runtime::Runtime, String> {
    let built = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    built.map_err(|e| format!("starting the async runtime: {e}"))
}

/// The scheduler this task runs on, for the ready line.
fn scheduler() -> &'static str {
    match tokio::runtime::Handle::current().runtime_flavor() {
        tokio::runtime::RuntimeFlavor::CurrentThread => "single-threaded",
        _ => "multi-threaded",
    }
}

/// Binds `address` and prints `listening on http://ADDR` on standard output.
async fn bind(address: SocketAddr) -> Result<tokio::net::TcpListener, String> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("listening on {address}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("listening on {address}: {e}"))?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{bound}")
        .and_then(|()| stdout.flush())
        .map_err(|e| format!("writing to standard output: {e}"))?;
    Ok(listener)
}

/// `xaa gateway`: the component's `gateway-http` decision in front of an MCP server.
pub(crate) fn gateway(args: GatewayArgs) -> Result<ExitCode, String> {
    init_logging();
    let (count, threads) = args.process.settle()?;
    let (_, file) = config_file::load_with_gateway(&args.config)?;
    let options = Options::new(&args.upstream, &file)?;
    let jwks = Arc::new(HttpJwksFetcher::default());
    let mut imports = default_imports(args.now, !args.no_native_verify);
    imports.jwks = jwks.clone();
    let factory = Arc::new(PoolFactory {
        config: args.config.clone(),
        role: Role::ResourceServer,
        count,
        runtime: crate::runtime(args.component.as_ref())?,
        imports,
    });
    let service = Service::new(factory.build()?, Box::new(std::io::sink()));
    let metrics = Arc::new(Metrics::new(Some(jwks)));
    let limits = ServerLimits {
        max_connections_per_peer: connections_per_ip(args.max_connections_per_ip)?,
        ..ServerLimits::default()
    };
    let upstream = options.upstream.clone();
    let gateway = Gateway::new(Arc::clone(&service), options, limits, Arc::clone(&metrics));
    let tokio = async_runtime(threads)?;
    tokio.block_on(async {
        let listener = bind(args.listen).await?;
        if let Some(address) = args.metrics_listen {
            let metrics_listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| format!("--metrics-listen {address}: {e}"))?;
            let bound = metrics_listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!("metrics at http://{bound}/metrics");
            tokio::spawn(serve_with(
                metrics_listener,
                limits,
                std::future::pending::<()>(),
                move |request, _| metrics_handler(Arc::clone(&metrics), request),
            ));
        }
        tracing::info!(
            %upstream,
            instances = count,
            scheduler = scheduler(),
            cpu_policy = cpu_policy::current(),
            "xaa gateway: ready"
        );
        tokio::spawn(reload_on_sighup(factory, Arc::clone(&service)));
        serve_with(listener, limits, shutdown_signal(), move |request, peer| {
            Arc::clone(&gateway).handle(request, peer)
        })
        .await;
        tracing::info!("stopped");
        Ok::<_, String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run(command: ServeCommand) -> Result<ExitCode, String> {
    let (args, role, name) = match command {
        ServeCommand::As(args) => (args, Role::AuthorizationServer, "as"),
        ServeCommand::Idp(args) => (args, Role::IdentityProvider, "idp"),
        ServeCommand::Resource(args) => (args, Role::ResourceServer, "resource"),
    };
    init_logging();
    let (count, threads) = args.process.settle()?;
    let max_connections_per_peer = connections_per_ip(args.max_connections_per_ip)?;
    // One replay store for the whole pool: a jti is single-use across instances (and, on
    // Redis, across every replica sharing it).
    let mut imports = default_imports(args.now, !args.no_native_verify);
    let store = match replay_store(&args, role)? {
        Some(redis) => {
            let shown = redis.url().to_string();
            imports.replay = Arc::new(redis);
            shown
        }
        None => "memory".to_owned(),
    };
    let factory = Arc::new(PoolFactory {
        config: args.config.clone(),
        role,
        count,
        runtime: crate::runtime(args.component.as_ref())?,
        imports,
    });
    let pool = factory.build()?;
    let audit: Box<dyn Write + Send> = match &args.audit_log {
        None => Box::new(std::io::stdout()),
        Some(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            Box::new(
                options
                    .open(path)
                    .map_err(|e| format!("{}: {e}", path.display()))?,
            )
        }
    };
    let service = Service::new(pool, audit);
    let limits = ServerLimits {
        max_body_bytes: args.max_body_bytes,
        max_connections_per_peer,
        ..ServerLimits::default()
    };
    let tokio = async_runtime(threads)?;
    tokio.block_on(async {
        let listener = bind(args.listen).await?;
        let scheduler = scheduler();
        let cpu_policy = cpu_policy::current();
        if role == Role::ResourceServer {
            tracing::info!(instances = count, scheduler, cpu_policy, "xaa serve {name}: ready");
        } else {
            tracing::info!(instances = count, scheduler, cpu_policy, replay_store = %store, "xaa serve {name}: ready");
        }
        tokio::spawn(reload_on_sighup(factory, Arc::clone(&service)));
        serve(listener, service, limits, shutdown_signal()).await;
        tracing::info!("stopped");
        Ok::<_, String>(())
    })?;
    Ok(ExitCode::SUCCESS)
}
