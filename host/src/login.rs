//! `xaa login`, `xaa token` and `xaa logout`: the MCP client's side on the command line
//! (the flow itself is [`xaa_host::client`]), and how its steps are shown to a person.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use xaa_host::client::{self, decode_for_display, Client, Event};
use xaa_host::sign_in::{Broker, SignIn};
use xaa_host::{default_imports, Validator};

#[derive(Args)]
pub(crate) struct LoginArgs {
    /// The IdP's issuer identifier (its OpenID Connect or RFC 8414 metadata is read from it).
    #[arg(long, value_name = "URL")]
    idp: String,
    /// This client's id at the IdP.
    #[arg(long)]
    client_id: String,
    /// Environment variable holding this client's secret at the IdP; when it is unset, the
    /// sign-in is a public client's (PKCE only).
    #[arg(long, value_name = "VAR", default_value = "XAA_CLIENT_SECRET")]
    client_secret_env: String,
    /// Scopes of the sign-in.
    #[arg(long, default_value = "openid")]
    scope: String,
    /// Print the sign-in URL instead of opening a browser (a headless shell).
    #[arg(long)]
    no_browser: bool,
    /// Seconds to wait for the sign-in in the browser.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
    /// An ID-JAG broker (`xaa serve idp` with `[[upstream_idps]]`) to exchange the ID token at,
    /// when the IdP signed in at issues no ID-JAGs itself. This client has the same id there.
    #[arg(long, value_name = "URL")]
    broker: Option<String>,
    /// Environment variable holding this client's secret at the broker.
    #[arg(long, value_name = "VAR", default_value = "XAA_BROKER_CLIENT_SECRET")]
    broker_client_secret_env: String,
    /// DEVELOPMENT ONLY: sign this user in with a password at `xaa serve idp`'s development
    /// sign-in instead of the browser.
    #[arg(long)]
    user: Option<String>,
    /// Environment variable holding the development password; when it is unset, one line is
    /// read from standard input.
    #[arg(long, value_name = "VAR", default_value = "XAA_PASSWORD")]
    password_env: String,
    /// Print every request and response (tokens and secrets redacted).
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
pub(crate) struct TokenArgs {
    /// The protected resource (MCP server) URL.
    #[arg(long = "resource", value_name = "URL")]
    resource: String,
    /// Scopes to ask for (space-separated; default: what the connection allows).
    #[arg(long)]
    scope: Option<String>,
    /// This client's credentials at resource authorization servers (TOML
    /// `[[authorization_servers]]` with `issuer`, `client_id`, `client_secret`; default
    /// `authorization-servers.toml` in the configuration directory).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Print every request and response (tokens and secrets redacted).
    #[arg(long, short)]
    verbose: bool,
}

/// The wall clock, as the component's hosts read it.
pub(crate) fn now() -> i64 {
    xaa_host::imports::clock::Clock::system().now()
}

/// `--verbose`: every step on standard error.
fn shown_on_stderr(verbose: bool) -> impl FnMut(Event) {
    move |event| {
        if verbose {
            print_event(&mut std::io::stderr(), &event);
        }
    }
}

pub(crate) fn new_client() -> Result<Client, String> {
    let runtime = crate::runtime(None)?;
    let component = Validator::unconfigured(runtime, default_imports(None, true))
        .map_err(|e| format!("loading the component: {e}"))?;
    Client::new(component)
}

fn secret_from_env(var: &str, what: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(format!("{what}: set the environment variable {var}")),
    }
}

pub(crate) fn login(args: &LoginArgs) -> Result<ExitCode, String> {
    // Before anything is read or sent (exit 2, like any misconfiguration).
    client::check_idp_url(&args.idp)?;
    let dir = client::config_dir()?;
    let mut client = new_client()?;
    let mut show = shown_on_stderr(args.verbose);
    let outcome = match &args.user {
        Some(user) => {
            let client_secret = secret_from_env(&args.client_secret_env, "the client secret")?;
            let password = match std::env::var(&args.password_env) {
                Ok(value) if !value.is_empty() => value,
                _ => {
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| format!("reading the password from standard input: {e}"))?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            client.login(
                &args.idp,
                &args.client_id,
                &client_secret,
                user,
                &password,
                now(),
                &mut show,
            )
        }
        None => {
            let client_secret = std::env::var(&args.client_secret_env)
                .ok()
                .filter(|s| !s.is_empty());
            let broker_secret = match &args.broker {
                Some(_) => Some(secret_from_env(
                    &args.broker_client_secret_env,
                    "the client secret at the broker",
                )?),
                None => None,
            };
            let broker = args.broker.as_deref().zip(broker_secret.as_deref()).map(
                |(issuer, client_secret)| Broker {
                    issuer,
                    client_secret,
                },
            );
            let sign_in = SignIn {
                broker,
                idp: &args.idp,
                client_id: &args.client_id,
                client_secret: client_secret.as_deref(),
                scope: &args.scope,
                timeout: std::time::Duration::from_secs(args.timeout),
            };
            let no_browser = args.no_browser;
            let mut open = |url: &str| {
                eprintln!(
                    "Sign in at {}: open this URL in a browser:\n\n  {url}\n",
                    args.idp
                );
                if !no_browser && !open_browser(url) {
                    eprintln!("(no browser could be started; open the URL yourself)");
                }
            };
            client.sign_in(&sign_in, &mut open, now(), &mut show)
        }
    };
    let session = match outcome {
        Ok(session) => session,
        Err(why) => {
            eprintln!("xaa login: {why}");
            return Ok(ExitCode::from(1));
        }
    };
    client::save_session(&dir, &session)?;
    let who = decode_for_display(&session.id_token)
        .and_then(|(_, claims)| claims["sub"].as_str().map(str::to_owned))
        .unwrap_or_default();
    eprintln!(
        "signed in as {who} at {}; session in {} (mode 0600)",
        args.idp,
        client::session_path(&dir).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens `url` in the user's browser: `$BROWSER`, else the platform's opener. Whether one
/// started.
fn open_browser(url: &str) -> bool {
    let mut candidates: Vec<(String, Vec<String>)> = Vec::new();
    if let Ok(browser) = std::env::var("BROWSER") {
        if !browser.is_empty() {
            candidates.push((browser, vec![url.to_owned()]));
        }
    }
    let opener = if cfg!(target_os = "macos") {
        ("open", vec![url.to_owned()])
    } else if cfg!(windows) {
        ("explorer", vec![url.to_owned()])
    } else {
        ("xdg-open", vec![url.to_owned()])
    };
    candidates.push((opener.0.to_owned(), opener.1));
    candidates.into_iter().any(|(program, args)| {
        std::process::Command::new(program)
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .is_ok()
    })
}

pub(crate) fn token(args: &TokenArgs) -> Result<ExitCode, String> {
    let dir = client::config_dir()?;
    let mut session = client::load_session(&dir)?;
    let credentials_path = args
        .credentials
        .clone()
        .unwrap_or_else(|| dir.join("authorization-servers.toml"));
    let credentials = client::read_credentials(&credentials_path)?;
    let mut client = new_client()?;
    let mut show = shown_on_stderr(args.verbose);
    let outcome = client.token(
        &mut session,
        &credentials,
        &args.resource,
        args.scope.as_deref(),
        now(),
        &mut show,
    );
    // The cache changed either way (expired entries dropped, a new token added).
    client::save_session(&dir, &session)?;
    match outcome {
        Ok(obtained) => {
            println!("{}", obtained.token);
            Ok(ExitCode::SUCCESS)
        }
        Err(why) => {
            eprintln!("xaa token: {why}");
            Ok(ExitCode::from(1))
        }
    }
}

pub(crate) fn logout() -> Result<ExitCode, String> {
    let path = client::session_path(&client::config_dir()?);
    match std::fs::remove_file(&path) {
        Ok(()) => eprintln!("removed {}", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => eprintln!("not signed in"),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints one step for a person: requests and responses with tokens and secrets redacted,
/// tokens decoded (header and claims; never the signature).
pub(crate) fn print_event(out: &mut dyn std::io::Write, event: &Event) {
    let _ = match event {
        Event::Http(t) => {
            let mut text = format!("  → {} {}    ({})\n", t.method, t.url, t.purpose);
            if let Some(body) = &t.request_body {
                text.push_str("      Authorization: Basic <redacted>\n");
                text.push_str(&format!("      {body}\n"));
            }
            text.push_str(&format!("  ← {}", t.status));
            if let Some(challenge) = &t.www_authenticate {
                text.push_str(&format!(" WWW-Authenticate: {challenge}"));
            }
            if !t.response_body.is_empty() {
                text.push_str(&format!(" {}", t.response_body));
            }
            writeln!(out, "{text}")
        }
        Event::Token { label, token } => match decode_for_display(token) {
            Some((header, claims)) => writeln!(
                out,
                "    {label}: header {}\n    {label}: claims {}\n    {label}: signature <redacted>",
                header,
                pretty(&claims)
            ),
            None => writeln!(out, "    {label}: <not a JWS, {} bytes>", token.len()),
        },
        Event::Note(note) => writeln!(out, "    · {note}"),
    };
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value)
        .unwrap_or_default()
        .replace('\n', "\n      ")
}
