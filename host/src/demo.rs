//! `xaa demo`: the whole of Cross-App Access on one machine, step by step, for a person.
//!
//! On 127.0.0.1 it starts one IdP, two resource authorization servers (A and B) and two
//! protected resources (one behind each), every one of them the component served by the
//! same code as `xaa serve idp|as|resource`, with fresh keys and secrets. Then the user signs
//! in once, and the client reaches both resources with no further sign-in and no prompt
//! (discovery, token exchange, jwt-bearer); the administrator removes the connection to B
//! and reloads the IdP; B's last access token keeps working until it expires (a short
//! lifetime here), after which the IdP refuses a new ID-JAG and access to B is over, while A
//! goes on. Each request and response is printed with tokens and secrets redacted, each token
//! decoded (never its signature), each IdP decision as its audit line.
//!
//! The demo checks its own story: any step that does not turn out as described makes it
//! exit 1, so CI runs it as an end-to-end test.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;

use xaa_host::client::{self, redact_json, AsCredential, Client, Event, Session};
use xaa_host::gateway::{Gateway, Metrics, Options};
use xaa_host::server::{serve, serve_with, InstancePool, Role, ServerLimits, Service};
use xaa_host::{config_file, default_imports, Runtime, Validator};

use crate::keys::{random_secret, KeyTools};
use crate::login::{new_client, now, print_event};
use xaa_host::sign_in::SignIn;

#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Lifetime of the access tokens the two authorization servers issue, in seconds: how
    /// long access outlives a revoked connection at most.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(2..=60))]
    access_token_lifetime: u32,
    /// Keep the demo's directory (keys, configuration, session) instead of deleting it.
    #[arg(long)]
    keep: bool,
    /// Also put `xaa gateway` in front of a real MCP server started by this command (words
    /// separated by spaces; `--port N` is appended; it must print `listening on` when ready),
    /// e.g. `target/sdk-venv/bin/python tests/sdk/mcp_server.py` (what `scripts/demo` passes).
    #[arg(long, value_name = "COMMAND")]
    mcp_server: Option<String>,
}

const CLIENT_ID: &str = "mcp-client";
const USER: &str = "alice";

/// One server of the demo.
struct Server {
    name: &'static str,
    role: Role,
    config: PathBuf,
    service: Option<Arc<Service>>,
}

/// Audit lines written by the IdP, kept for printing.
#[derive(Clone, Default)]
struct AuditSink(Arc<Mutex<Vec<u8>>>);

impl Write for AuditSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut bytes) = self.0.lock() {
            bytes.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl AuditSink {
    /// Lines written since the last call.
    fn take_lines(&self) -> Vec<String> {
        let Ok(mut bytes) = self.0.lock() else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        bytes.clear();
        text.lines().map(str::to_owned).collect()
    }
}

/// What the demo expected and what happened.
#[derive(Default)]
struct Story {
    failures: Vec<String>,
}

impl Story {
    fn check(&mut self, ok: bool, what: &str) {
        if ok {
            println!("  ✔ {what}");
        } else {
            println!("  ✘ NOT AS EXPECTED: {what}");
            self.failures.push(what.to_owned());
        }
    }

    /// Checks that `result` is a value (`what`), and hands the value on.
    fn obtained<T, E>(&mut self, result: Result<T, E>, what: &str) -> Option<T> {
        self.check(result.is_ok(), what);
        result.ok()
    }
}

fn heading(n: u32, text: &str) {
    println!("\n== {n}. {text}");
}

fn write_file(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn demo_dir() -> Result<PathBuf, String> {
    let mut random = [0u8; 6];
    getrandom::fill(&mut random).map_err(|e| format!("OS random source: {e}"))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let dir = std::env::temp_dir().join(format!("xaa-demo-{suffix}"));
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn build_pool(
    runtime: &Arc<Runtime>,
    config: &Path,
    role: Role,
) -> Result<Arc<InstancePool>, String> {
    let parsed = config_file::load(config)?;
    let imports = default_imports(None, true);
    let instances = (0..2)
        .map(|_| Validator::new(runtime.clone(), imports.clone(), parsed.clone()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: configuration refused:\n{e}", config.display()))?;
    Ok(InstancePool::new(instances, role))
}

/// The IdP's configuration; `with_b` keeps the administrator's connection to server B.
fn idp_toml(urls: &Urls, client_hash: &str, password_hash: &str, with_b: bool) -> String {
    let connection = |audience: &str, resources: &str, id_at: &str| {
        format!(
            r#"
[[connections]]                 # the administrator connected the client to this server
client_id = "{CLIENT_ID}"
audience = "{audience}"
resources = [{resources}]
scopes = ["notes.read", "notes.write"]
client_id_at_audience = "{id_at}"
id_jag_lifetime = 60
"#
        )
    };
    let mut text = format!(
        r#"# DEVELOPMENT ONLY: the demo's IdP (development sign-in on: its sign-in page checks
# the directory's passwords).
[identity_provider]
issuer = "{idp}"
signing_keys = ["idp.jwk"]
development_sign_in = true

[[idp_clients]]
client_id = "{CLIENT_ID}"
auth_method = "client_secret_basic"
client_secret_sha256 = "{client_hash}"
redirect_uris = ["http://127.0.0.1/callback"]

[[users]]
sub = "{USER}"
email = "alice@example.com"
groups = ["engineering"]
password_sha256 = "{password_hash}"
"#,
        idp = urls.idp
    );
    text.push_str(&connection(
        &urls.as_a,
        &toml_list(&urls.served_by_a()),
        "mcp-client-at-a",
    ));
    if with_b {
        text.push_str(&connection(
            &urls.as_b,
            &toml_list(&[urls.resource_b.as_str()]),
            "mcp-client-at-b",
        ));
    }
    text
}

fn toml_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn as_toml(
    urls: &Urls,
    issuer: &str,
    resources: &str,
    key: &str,
    client: &str,
    hash: &str,
    lifetime: u32,
) -> String {
    format!(
        r#"[authorization_server]
issuer = "{issuer}"
resources = [{resources}]

[[trusted_issuers]]
issuer = "{idp}"
jwks_uri = "{idp}/jwks.json"
algorithms = ["ES256"]

[token_endpoint]
signing_keys = ["{key}"]
access_token_lifetime = {lifetime}

[[clients]]
client_id = "{client}"
auth_method = "client_secret_basic"
client_secret_sha256 = "{hash}"
resources = [{resources}]
scopes = ["notes.read", "notes.write"]
"#,
        idp = urls.idp
    )
}

fn resource_toml(issuer: &str, resource: &str) -> String {
    format!(
        r#"[resource_server]
resource = "{resource}"
issuer = "{issuer}"
jwks_uri = "{issuer}/jwks.json"
algorithms = ["ES256"]
leeway = 0
"#
    )
}

struct Urls {
    idp: String,
    as_a: String,
    as_b: String,
    resource_a: String,
    resource_b: String,
    /// `xaa gateway`'s MCP endpoint, when the demo runs a real MCP server behind it.
    gateway: Option<String>,
}

impl Urls {
    /// The resources authorization server A issues tokens for.
    fn served_by_a(&self) -> Vec<&str> {
        let mut resources = vec![self.resource_a.as_str()];
        resources.extend(self.gateway.as_deref());
        resources
    }
}

/// A real MCP server (a child process) behind the gateway; stopped when dropped.
struct Upstream {
    child: std::process::Child,
    origin: String,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command --port N` and waits (20 s at most) for it to print `listening on`.
fn start_upstream(command: &str) -> Result<Upstream, String> {
    use std::io::BufRead;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("binding 127.0.0.1: {e}"))?
        .port();
    let mut words = command.split_whitespace();
    let program = words.next().ok_or("--mcp-server: empty command")?;
    let mut child = std::process::Command::new(program)
        .args(words)
        .args(["--port", &port.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("--mcp-server {command:?}: {e}"))?;
    let stdout = child.stdout.take();
    let upstream = Upstream {
        child,
        origin: format!("http://127.0.0.1:{port}"),
    };
    let (ready, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Some(stdout) = stdout else { return };
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if line.contains("listening on") {
                let _ = ready.send(());
            }
        }
    });
    ready_rx
        .recv_timeout(Duration::from_secs(20))
        .map_err(|_| {
            format!("--mcp-server {command:?} did not print `listening on` within 20 s")
        })?;
    Ok(upstream)
}

pub(crate) fn run(args: &DemoArgs) -> Result<ExitCode, String> {
    let dir = demo_dir()?;
    let outcome = run_in(&dir, args);
    if args.keep {
        println!("\nthe demo's files are in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    outcome
}

fn run_in(dir: &Path, args: &DemoArgs) -> Result<ExitCode, String> {
    let bind = || {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| format!("binding 127.0.0.1: {e}"))
    };
    let listeners = [bind()?, bind()?, bind()?, bind()?, bind()?];
    let gateway_listener = match args.mcp_server {
        Some(_) => Some(bind()?),
        None => None,
    };
    let base = |l: &TcpListener| -> Result<String, String> {
        l.local_addr()
            .map(|a| format!("http://{a}"))
            .map_err(|e| e.to_string())
    };
    let urls = Urls {
        idp: base(&listeners[0])?,
        as_a: base(&listeners[1])?,
        as_b: base(&listeners[2])?,
        resource_a: format!("{}/mcp", base(&listeners[3])?),
        resource_b: format!("{}/mcp", base(&listeners[4])?),
        gateway: match &gateway_listener {
            Some(l) => Some(format!("{}/mcp", base(l)?)),
            None => None,
        },
    };

    heading(
        1,
        "Fresh keys, secrets and configuration (DEVELOPMENT ONLY)",
    );
    let runtime = crate::runtime(None)?;
    let mut keys = KeyTools::new(runtime.clone())?;
    for name in ["idp", "as-a", "as-b"] {
        let (private, _) = keys.new_private_jwk()?;
        write_file(dir, &format!("{name}.jwk"), &private)?;
    }
    let client_secret = random_secret()?;
    let secret_a = random_secret()?;
    let secret_b = random_secret()?;
    let password = random_secret()?;
    let client_hash = keys.secret_sha256(&client_secret)?;
    let password_hash = keys.secret_sha256(&password)?;
    let idp_config = write_file(
        dir,
        "idp.toml",
        &idp_toml(&urls, &client_hash, &password_hash, true),
    )?;
    let lifetime = args.access_token_lifetime;
    let mut write_as =
        |name: &str, client: &str, issuer: &str, resources: &[&str], secret: &str| {
            let config = as_toml(
                &urls,
                issuer,
                &toml_list(resources),
                &format!("{name}.jwk"),
                client,
                &keys.secret_sha256(secret)?,
                lifetime,
            );
            write_file(dir, &format!("{name}.toml"), &config)
        };
    let as_a = write_as(
        "as-a",
        "mcp-client-at-a",
        &urls.as_a,
        &urls.served_by_a(),
        &secret_a,
    )?;
    let as_b = write_as(
        "as-b",
        "mcp-client-at-b",
        &urls.as_b,
        &[urls.resource_b.as_str()],
        &secret_b,
    )?;
    let rs_a = write_file(
        dir,
        "resource-a.toml",
        &resource_toml(&urls.as_a, &urls.resource_a),
    )?;
    let rs_b = write_file(
        dir,
        "resource-b.toml",
        &resource_toml(&urls.as_b, &urls.resource_b),
    )?;
    let credentials = vec![
        AsCredential {
            issuer: urls.as_a.clone(),
            client_id: "mcp-client-at-a".into(),
            client_secret: secret_a,
        },
        AsCredential {
            issuer: urls.as_b.clone(),
            client_id: "mcp-client-at-b".into(),
            client_secret: secret_b,
        },
    ];
    println!("  IdP                            {}", urls.idp);
    println!(
        "  authorization server A         {}  (access tokens live {lifetime} s)",
        urls.as_a
    );
    println!(
        "  authorization server B         {}  (access tokens live {lifetime} s)",
        urls.as_b
    );
    println!("  MCP server A (protected echo)  {}", urls.resource_a);
    println!("  MCP server B (protected echo)  {}", urls.resource_b);
    if let Some(gateway) = &urls.gateway {
        println!("  xaa gateway (in front of an official-SDK MCP server, authorization server A)  {gateway}");
    }
    println!("  the administrator's connections at the IdP (idp.toml):");
    for line in idp_toml(&urls, "…", "…", true)
        .lines()
        .skip_while(|l| !l.starts_with("[[connections]]"))
    {
        println!("    {line}");
    }

    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let audit = AuditSink::default();
    let mut servers = [
        Server {
            name: "IdP",
            role: Role::IdentityProvider,
            config: idp_config.clone(),
            service: None,
        },
        Server {
            name: "authorization server A",
            role: Role::AuthorizationServer,
            config: as_a,
            service: None,
        },
        Server {
            name: "authorization server B",
            role: Role::AuthorizationServer,
            config: as_b,
            service: None,
        },
        Server {
            name: "MCP server A",
            role: Role::ResourceServer,
            config: rs_a,
            service: None,
        },
        Server {
            name: "MCP server B",
            role: Role::ResourceServer,
            config: rs_b,
            service: None,
        },
    ];
    let mut stops = Vec::new();
    for (server, listener) in servers.iter_mut().zip(listeners) {
        let pool = build_pool(&runtime, &server.config, server.role)
            .map_err(|e| format!("{}: {e}", server.name))?;
        let sink: Box<dyn Write + Send> = match server.role {
            Role::IdentityProvider => Box::new(audit.clone()),
            _ => Box::new(std::io::sink()),
        };
        let service = Service::new(pool, sink);
        server.service = Some(Arc::clone(&service));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        let _guard = tokio.enter();
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| format!("{}: {e}", server.name))?;
        tokio.spawn(serve(
            listener,
            service,
            ServerLimits::default(),
            async move {
                let _ = stopped.await;
            },
        ));
    }

    // The gateway in front of a real MCP server (official Python SDK), when asked for.
    let mut upstream = None;
    if let (Some(command), Some(listener), Some(gateway_url)) =
        (&args.mcp_server, gateway_listener, &urls.gateway)
    {
        let started = start_upstream(command)?;
        let config = write_file(
            dir,
            "gateway.toml",
            &format!(
                "{}\n[[gateway.required_scopes]]       # a tool nobody is granted\nmethod = \"tools/call\"\ntool = \"delete_all\"\nscopes = [\"admin\"]\n",
                resource_toml(&urls.as_a, gateway_url)
            ),
        )?;
        let (_, file) = config_file::load_with_gateway(&config)?;
        let options = Options::new(&started.origin, &file)?;
        let pool = build_pool(&runtime, &config, Role::ResourceServer)
            .map_err(|e| format!("xaa gateway: {e}"))?;
        let service = Service::new(pool, Box::new(std::io::sink()));
        let gateway = Gateway::new(
            service,
            options,
            ServerLimits::default(),
            Arc::new(Metrics::new(None)),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        stops.push(stop);
        let _guard = tokio.enter();
        let listener =
            tokio::net::TcpListener::from_std(listener).map_err(|e| format!("xaa gateway: {e}"))?;
        tokio.spawn(serve_with(
            listener,
            ServerLimits::default(),
            async move {
                let _ = stopped.await;
            },
            move |request, peer| Arc::clone(&gateway).handle(request, peer),
        ));
        upstream = Some(started);
    }

    let mut story = Story::default();
    let result = act(
        &urls,
        &credentials,
        &client_secret,
        &password,
        &audit,
        &servers,
        &runtime,
        &idp_config,
        &client_hash,
        &password_hash,
        lifetime,
        dir,
        &mut story,
    );
    for stop in stops {
        let _ = stop.send(());
    }
    tokio.shutdown_timeout(Duration::from_secs(2));
    drop(upstream);
    result?;
    if story.failures.is_empty() {
        println!("\nDone: one sign-in reached two MCP servers with no prompt; removing a connection ended access to B within one access-token lifetime ({lifetime} s), and A went on.");
        if urls.gateway.is_some() {
            println!("xaa gateway put the same sign-in in front of an MCP server that knows nothing of OAuth.");
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\n{} step(s) did not turn out as expected:",
            story.failures.len()
        );
        for failure in &story.failures {
            println!("  - {failure}");
        }
        Ok(ExitCode::from(1))
    }
}

/// What the user's browser does in the demo: opens the sign-in page (with its CSRF cookie),
/// submits it with the password, and follows the redirect to xaa login's listener. Prints
/// each step with the code redacted.
fn act_as_the_user(url: &str, password: &str) -> Result<(), String> {
    let browser = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let page = browser
        .get(url)
        .send()
        .map_err(|e| format!("the sign-in page: {e}"))?;
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .to_owned();
    let status = page.status().as_u16();
    let html = page.text().map_err(|e| e.to_string())?;
    println!("  browser → GET the authorization URL ← {status}: the IdP's sign-in page (a form, a CSRF cookie)");
    let mut fields: Vec<(String, String)> = html
        .split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|tag| {
            let attribute = |name: &str| {
                let rest = tag.split(&format!("{name}=\"")).nth(1)?;
                Some(rest.split('"').next()?.replace("&amp;", "&"))
            };
            Some((attribute("name")?, attribute("value")?))
        })
        .collect();
    fields.push(("username".into(), USER.into()));
    fields.push(("password".into(), password.into()));
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let action = url.split('?').next().unwrap_or(url);
    let answer = browser
        .post(action)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .map_err(|e| format!("the sign-in form: {e}"))?;
    let location = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("the sign-in was refused: HTTP {}", answer.status()))?
        .to_owned();
    let shown: String = location
        .split('&')
        .map(|p| match p.split_once("code=") {
            Some((head, code)) => format!("{head}code=<redacted, {} bytes>", code.len()),
            None => p.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    println!(
        "  browser → POST the form ({USER}, her password) ← {} Location: {shown}",
        answer.status().as_u16()
    );
    let landed = browser
        .get(&location)
        .send()
        .map_err(|e| format!("the redirect to xaa login: {e}"))?;
    println!(
        "  browser → GET the redirect (xaa login's loopback listener) ← {}",
        landed.status().as_u16()
    );
    Ok(())
}

fn show(event: Event) {
    print_event(&mut std::io::stdout(), &event);
}

fn print_audit(audit: &AuditSink) -> Vec<String> {
    let lines = audit.take_lines();
    for line in &lines {
        println!("  audit: {line}");
    }
    lines
}

/// Calls the protected resource with the access token.
fn call_resource(
    http: &reqwest::blocking::Client,
    resource: &str,
    token: &str,
) -> Result<u16, String> {
    let response = http
        .get(resource)
        .bearer_auth(token)
        .send()
        .map_err(|e| format!("GET {resource}: {e}"))?;
    let status = response.status().as_u16();
    let challenge = client::header_text(&response, "www-authenticate");
    let body = response.text().unwrap_or_default();
    println!("  → GET {resource}    (Authorization: Bearer <access token, redacted>)");
    print!("  ← {status}");
    if let Some(challenge) = challenge {
        print!(" WWW-Authenticate: {challenge}");
    }
    println!(" {}", redact_json(&body));
    Ok(status)
}

#[allow(clippy::too_many_arguments)] // the demo's whole cast, passed once
fn act(
    urls: &Urls,
    credentials: &[AsCredential],
    client_secret: &str,
    password: &str,
    audit: &AuditSink,
    servers: &[Server],
    runtime: &Arc<Runtime>,
    idp_config: &Path,
    client_hash: &str,
    password_hash: &str,
    lifetime: u32,
    dir: &Path,
    story: &mut Story,
) -> Result<(), String> {
    let mut client: Client = new_client()?;
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;

    heading(
        2,
        &format!("{USER} signs in once at the IdP, in the browser (xaa login: authorization code with PKCE)"),
    );
    let sign_in = SignIn {
        idp: &urls.idp,
        client_id: CLIENT_ID,
        client_secret: Some(client_secret),
        scope: "openid",
        timeout: Duration::from_secs(30),
        broker: None,
    };
    let user_password = password.to_owned();
    let mut browser = None;
    let mut open = |url: &str| {
        println!("  the authorization URL xaa login opens in the browser:\n    {url}");
        let (url, password) = (url.to_owned(), user_password.clone());
        browser = Some(std::thread::spawn(move || act_as_the_user(&url, &password)));
    };
    let mut session: Session = client.sign_in(&sign_in, &mut open, now(), &mut show)?;
    if let Some(browser) = browser {
        browser
            .join()
            .map_err(|_| "the demo's browser failed".to_owned())??;
    }
    print_audit(audit);
    let session_dir = dir.join("client");
    client::save_session(&session_dir, &session)?;
    println!(
        "  session stored in {} (mode 0600)",
        client::session_path(&session_dir).display()
    );

    let mut token_for = |session: &mut Session, resource: &str| {
        let outcome = client.token(session, credentials, resource, None, now(), &mut show);
        let _ = client::save_session(&session_dir, session);
        outcome
    };

    heading(
        3,
        "The client reaches MCP server A: discovery, token exchange, jwt-bearer (xaa token)",
    );
    let a = token_for(&mut session, &urls.resource_a);
    let lines = print_audit(audit);
    let a = story.obtained(a, "an access token for A with no new sign-in and no prompt");
    story.check(
        lines.iter().any(|l| l.contains("\"decision\":\"granted\"")),
        "the IdP audited the grant",
    );
    if let Some(a) = &a {
        story.check(
            call_resource(&http, &urls.resource_a, &a.token)? == 200,
            "MCP server A accepts it",
        );
    }

    heading(4, "The same sign-in reaches MCP server B");
    let b = token_for(&mut session, &urls.resource_b);
    print_audit(audit);
    let Some(b) = story.obtained(b, "an access token for B with no new sign-in and no prompt")
    else {
        return Ok(());
    };
    story.check(
        call_resource(&http, &urls.resource_b, &b.token)? == 200,
        "MCP server B accepts it",
    );
    story.check(
        call_resource(&http, &urls.resource_a, &b.token)? == 401,
        "MCP server A refuses the token B's server issued",
    );
    let again = token_for(&mut session, &urls.resource_b);
    story.check(
        again.as_ref().is_ok_and(|t| t.from_cache),
        "asking again for B uses the cached token: no request at all",
    );

    heading(5, "The administrator removes the connection to B and reloads the IdP (SIGHUP for xaa serve idp)");
    let text = idp_toml(urls, client_hash, password_hash, false);
    std::fs::write(idp_config, text).map_err(|e| format!("{}: {e}", idp_config.display()))?;
    let idp = &servers[0];
    let pool = build_pool(runtime, &idp.config, idp.role)?;
    if let Some(service) = &idp.service {
        service.replace_pool(pool);
    }
    println!("  idp.toml now connects {CLIENT_ID} to A only; configuration reloaded");

    heading(
        6,
        "B's last access token works until it expires: one access-token lifetime at most",
    );
    let left = b.expires_at - now();
    story.check(
        call_resource(&http, &urls.resource_b, &b.token)? == 200,
        &format!("B still accepts its token ({left} s left of {lifetime} s)"),
    );
    let wait = b.expires_at - now() + 1;
    if wait > 0 {
        println!("  … waiting {wait} s for it to expire");
        std::thread::sleep(Duration::from_secs(wait.unsigned_abs()));
    }

    heading(7, "Access to B has ended");
    story.check(
        call_resource(&http, &urls.resource_b, &b.token)? == 401,
        "B refuses the expired token",
    );
    let refused = token_for(&mut session, &urls.resource_b);
    match &refused {
        Ok(_) => println!("  the client obtained a new token for B"),
        Err(why) => println!("  xaa token: {why}"),
    }
    let lines = print_audit(audit);
    story.check(
        refused
            .as_ref()
            .is_err_and(|why| why.contains("invalid_target")),
        "the IdP refuses a new ID-JAG for B (invalid_target)",
    );
    story.check(
        lines
            .iter()
            .any(|l| l.contains("\"decision\":\"denied\"") && l.contains("no_connection")),
        "the IdP audited the denial (no_connection)",
    );

    heading(8, "MCP server A goes on, still without a prompt");
    let a = token_for(&mut session, &urls.resource_a);
    print_audit(audit);
    if let Some(a) = story.obtained(a, "a fresh access token for A") {
        story.check(
            call_resource(&http, &urls.resource_a, &a.token)? == 200,
            "MCP server A accepts it",
        );
    }

    let Some(gateway) = &urls.gateway else {
        println!("\n(`scripts/demo` also puts xaa gateway in front of an official-SDK MCP server: --mcp-server)");
        return Ok(());
    };
    heading(
        9,
        "An MCP server that knows nothing of OAuth (official Python SDK), behind xaa gateway",
    );
    let g = token_for(&mut session, gateway);
    print_audit(audit);
    let Some(g) = story.obtained(
        g,
        "an access token for the gateway's MCP endpoint (its 401 and RFC 9728 document name authorization server A), no prompt",
    ) else {
        return Ok(());
    };
    let mut mcp = McpSession {
        http: &http,
        url: gateway,
        token: &g.token,
        session: None,
        version: None,
    };
    let init = mcp.request(
        Some(1),
        "initialize",
        serde_json::json!({
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "xaa-demo", "version": env!("CARGO_PKG_VERSION")},
        }),
    )?;
    let server_name = init
        .result
        .as_ref()
        .and_then(|r| r["serverInfo"]["name"].as_str());
    story.check(
        init.status == 200 && server_name.is_some(),
        &format!(
            "initialize is answered by the upstream MCP server ({})",
            server_name.unwrap_or("none")
        ),
    );
    mcp.version = init
        .result
        .as_ref()
        .and_then(|r| r["protocolVersion"].as_str())
        .map(str::to_owned);
    mcp.request(None, "notifications/initialized", serde_json::json!({}))?;
    let add = mcp.call_tool(2, "add", serde_json::json!({"a": 2, "b": 3}))?;
    story.check(
        add.tool_text().as_deref() == Some("5"),
        "tools/call add(2, 3) through the gateway returns 5",
    );
    let who = mcp.call_tool(3, "whoami", serde_json::json!({}))?;
    let who: serde_json::Value = who
        .tool_text()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    story.check(
        who["subject"] == USER
            && who["client_id"] == "mcp-client-at-a"
            && who["authorization_reached_upstream"] == false,
        "the upstream sees who calls (X-Xaa-Subject, X-Xaa-Client-Id) and never the access token",
    );
    let delete = mcp.call_tool(4, "delete_all", serde_json::json!({}))?;
    story.check(
        delete.status == 403
            && delete
                .challenge
                .as_deref()
                .is_some_and(|c| c.contains("insufficient_scope") && c.contains("scope=\"admin\"")),
        "tools/call delete_all needs scope admin, which nobody was granted: 403 insufficient_scope, never forwarded",
    );
    Ok(())
}

/// An MCP client session over streamable HTTP, as small as the demo needs: JSON-RPC
/// requests with the access token, the session id and protocol version carried over.
struct McpSession<'a> {
    http: &'a reqwest::blocking::Client,
    url: &'a str,
    token: &'a str,
    session: Option<String>,
    version: Option<String>,
}

/// What one MCP request gave.
struct McpReply {
    status: u16,
    challenge: Option<String>,
    result: Option<serde_json::Value>,
}

impl McpReply {
    /// The text of a tool result's first content item.
    fn tool_text(&self) -> Option<String> {
        self.result.as_ref()?["content"][0]["text"]
            .as_str()
            .map(str::to_owned)
    }
}

impl McpSession<'_> {
    fn call_tool(
        &mut self,
        id: u64,
        name: &str,
        arguments: serde_json::Value,
    ) -> Result<McpReply, String> {
        self.request(
            Some(id),
            "tools/call",
            serde_json::json!({"name": name, "arguments": arguments}),
        )
    }

    /// Sends one message (a request with `id`, or a notification) and prints both sides.
    fn request(
        &mut self,
        id: Option<u64>,
        method: &str,
        params: serde_json::Value,
    ) -> Result<McpReply, String> {
        let mut message = serde_json::json!({"jsonrpc": "2.0", "method": method, "params": params});
        if let Some(id) = id {
            message["id"] = id.into();
        }
        let mut request = self
            .http
            .post(self.url)
            .bearer_auth(self.token)
            .header("Accept", "application/json, text/event-stream")
            .header("Content-Type", "application/json")
            .body(message.to_string());
        if let Some(session) = &self.session {
            request = request.header("Mcp-Session-Id", session);
        }
        if let Some(version) = &self.version {
            request = request.header("MCP-Protocol-Version", version);
        }
        println!(
            "  → POST {}  {message}    (Authorization: Bearer <access token, redacted>)",
            self.url
        );
        let response = request
            .send()
            .map_err(|e| format!("POST {}: {e}", self.url))?;
        let status = response.status().as_u16();
        let header = |name: &str| client::header_text(&response, name);
        let challenge = header("www-authenticate");
        if let Some(session) = header("mcp-session-id") {
            self.session = Some(session);
        }
        let event_stream =
            header("content-type").is_some_and(|t| t.starts_with("text/event-stream"));
        let body = response.text().unwrap_or_default();
        // A JSON body, or the message with our id among the stream's `data:` lines.
        let messages: Vec<serde_json::Value> = if event_stream {
            body.lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .filter_map(|d| serde_json::from_str(d.trim()).ok())
                .collect()
        } else {
            serde_json::from_str(&body).into_iter().collect()
        };
        let answer = messages
            .into_iter()
            .find(|m| id.is_some() && m.get("id") == id.map(serde_json::Value::from).as_ref());
        print!("  ← {status}");
        if let Some(challenge) = &challenge {
            print!(" WWW-Authenticate: {challenge}");
        }
        match &answer {
            Some(answer) => println!(" {answer}"),
            None if body.is_empty() => println!(),
            None => println!(" {}", redact_json(&body)),
        }
        Ok(McpReply {
            status,
            challenge,
            result: answer.and_then(|a| a.get("result").cloned()),
        })
    }
}
