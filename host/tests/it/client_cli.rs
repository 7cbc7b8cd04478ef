//! `xaa login` and `xaa token` against real servers over HTTP (issue 4): one IdP, two
//! resource authorization servers and two protected resources, each a `xaa serve` process
//! on 127.0.0.1 on the real clock. One sign-in reaches both resources with no prompt; the
//! access token is cached until it expires; the refresh token carries on after the ID
//! token; removing a connection at the IdP (SIGHUP) ends access at the next exchange; and
//! the session file is private and never holds the password.

use crate::common::free_port;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use xaa_testkit::fixtures::{idp_basic_client_toml, idp_head_toml, secret_sha256 as sha256};

const XAA: &str = env!("CARGO_BIN_EXE_xaa");
const CLIENT_SECRET: &str = "idp-client-secret-6f1d0a";
const PASSWORD: &str = "alice's development password";
const SECRET_A: &str = "as-a-secret-2c9e";
const SECRET_B: &str = "as-b-secret-8d3f";
const SCOPES: &str = r#"["notes.read", "notes.write"]"#;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(role: &str, config: &Path, port: u16) -> Server {
    let mut child = Command::new(XAA)
        .args(["serve", role, "--instances", "1", "--config"])
        .arg(config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("XAA_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut line).unwrap();
    // Keep draining standard output (the IdP's audit lines go there): with the pipe closed
    // those writes would fail, and the IdP refuses any decision it cannot audit.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(
        line.starts_with("listening on"),
        "xaa serve {role}: {line:?}"
    );
    Server(child)
}

struct World {
    dir: tempfile::TempDir,
    idp: String,
    resource_a: String,
    resource_b: String,
    idp_server: Server,
    _others: Vec<Server>,
}

fn idp_toml(idp: &str, as_a: &str, as_b: &str, ra: &str, rb: &str, with_b: bool) -> String {
    let connection = |aud: &str, resource: &str, id: &str| {
        format!(
            "\n[[connections]]\nclient_id = \"mcp-client\"\naudience = \"{aud}\"\nresources = [\"{resource}\"]\nscopes = {SCOPES}\nclient_id_at_audience = \"{id}\"\n"
        )
    };
    let mut text = format!(
        r#"{head}{client}redirect_uris = ["http://127.0.0.1/callback"]

[[users]]
sub = "alice"
email = "alice@example.com"
password_sha256 = "{password}"
"#,
        head = idp_head_toml(idp, "development_sign_in = true\n"),
        client = idp_basic_client_toml("mcp-client", &sha256(CLIENT_SECRET)),
        password = sha256(PASSWORD),
    );
    text.push_str(&connection(as_a, ra, "client-at-a"));
    if with_b {
        text.push_str(&connection(as_b, rb, "client-at-b"));
    }
    text
}

fn as_toml(
    idp: &str,
    issuer: &str,
    resource: &str,
    key: &str,
    client: &str,
    secret: &str,
) -> String {
    format!(
        r#"[authorization_server]
issuer = "{issuer}"
resources = ["{resource}"]

[[trusted_issuers]]
issuer = "{idp}"
jwks_uri = "{idp}/jwks.json"
algorithms = ["ES256"]

[token_endpoint]
signing_keys = ["{key}"]
access_token_lifetime = 2

[[clients]]
client_id = "{client}"
auth_method = "client_secret_basic"
client_secret_sha256 = "{hash}"
resources = ["{resource}"]
scopes = {SCOPES}
"#,
        hash = sha256(secret)
    )
}

fn start() -> World {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key in ["idp", "as-a", "as-b"] {
        let status = Command::new(XAA)
            .args(["keys", "generate", "--out"])
            .arg(d.join(format!("{key}.jwk")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let ports: Vec<u16> = (0..5).map(|_| free_port()).collect();
    let url = |i: usize| format!("http://127.0.0.1:{}", ports[i]);
    let (idp, as_a, as_b) = (url(0), url(1), url(2));
    let (ra, rb) = (format!("{}/mcp", url(3)), format!("{}/mcp", url(4)));
    let write = |name: &str, text: String| {
        let path = d.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let idp_config = write("idp.toml", idp_toml(&idp, &as_a, &as_b, &ra, &rb, true));
    let a = write(
        "as-a.toml",
        as_toml(&idp, &as_a, &ra, "as-a.jwk", "client-at-a", SECRET_A),
    );
    let b = write(
        "as-b.toml",
        as_toml(&idp, &as_b, &rb, "as-b.jwk", "client-at-b", SECRET_B),
    );
    let resource = |issuer: &str, resource: &str| {
        format!(
            "[resource_server]\nresource = \"{resource}\"\nissuer = \"{issuer}\"\njwks_uri = \"{issuer}/jwks.json\"\nalgorithms = [\"ES256\"]\nleeway = 0\n"
        )
    };
    let rsa = write("resource-a.toml", resource(&as_a, &ra));
    let rsb = write("resource-b.toml", resource(&as_b, &rb));
    write(
        "credentials.toml",
        format!(
            "[[authorization_servers]]\nissuer = \"{as_a}\"\nclient_id = \"client-at-a\"\nclient_secret = \"{SECRET_A}\"\n\n[[authorization_servers]]\nissuer = \"{as_b}\"\nclient_id = \"client-at-b\"\nclient_secret = \"{SECRET_B}\"\n"
        ),
    );
    let idp_server = serve("idp", &idp_config, ports[0]);
    let others = vec![
        serve("as", &a, ports[1]),
        serve("as", &b, ports[2]),
        serve("resource", &rsa, ports[3]),
        serve("resource", &rsb, ports[4]),
    ];
    World {
        dir,
        idp,
        resource_a: ra,
        resource_b: rb,
        idp_server,
        _others: others,
    }
}

impl World {
    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("home").join("xaa")
    }

    fn xaa(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(XAA);
        command
            .args(args)
            .env("XAA_CONFIG_DIR", self.config_dir())
            .env_remove("XAA_CLIENT_SECRET")
            .env_remove("XAA_PASSWORD")
            .stdin(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    }

    fn login(&self, password: &str) -> Output {
        self.xaa(
            &[
                "login",
                "--idp",
                &self.idp,
                "--client-id",
                "mcp-client",
                "--user",
                "alice",
            ],
            &[
                ("XAA_CLIENT_SECRET", CLIENT_SECRET),
                ("XAA_PASSWORD", password),
            ],
        )
    }

    fn token(&self, resource: &str, verbose: bool) -> Output {
        let credentials = self.dir.path().join("credentials.toml");
        let mut args = vec!["token", "--resource", resource, "--credentials"];
        args.push(credentials.to_str().unwrap());
        if verbose {
            args.push("-v");
        }
        self.xaa(&args, &[])
    }

    fn session(&self) -> Value {
        let text = std::fs::read_to_string(self.config_dir().join("session.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn get(resource: &str, token: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(resource)
        .bearer_auth(token)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn one_login_reaches_two_resources_without_a_prompt_until_the_connection_is_removed() {
    let world = start();

    let out = world.token(&world.resource_a, false);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not signed in: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("xaa login"), "{}", stderr(&out));

    let out = world.login("wrong password");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid_grant"), "{}", stderr(&out));
    assert!(!world.config_dir().join("session.json").exists());

    let out = world.login(PASSWORD);
    assert!(out.status.success(), "{}", stderr(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(world.config_dir().join("session.json")), 0o600);
        assert_eq!(mode(world.config_dir()), 0o700);
    }
    let text = std::fs::read_to_string(world.config_dir().join("session.json")).unwrap();
    assert!(!text.contains(PASSWORD), "the password is never stored");

    // Server A: discovery, token exchange, jwt-bearer; the token works at A only.
    let out = world.token(&world.resource_a, true);
    assert!(out.status.success(), "{}", stderr(&out));
    let token_a = stdout(&out);
    let trace = stderr(&out);
    for step in [
        "the resource, without a token",
        "resource_metadata=",
        "protected resource metadata (RFC 9728)",
        "authorization server metadata (RFC 8414)",
        "token exchange at the IdP",
        "jwt-bearer grant",
    ] {
        assert!(trace.contains(step), "missing {step:?} in\n{trace}");
    }
    assert!(
        !trace.contains(&token_a),
        "the verbose trace never shows a token"
    );
    assert_eq!(get(&world.resource_a, &token_a), 200);
    assert_eq!(get(&world.resource_b, &token_a), 401);

    // Cached: the same token with no request at all.
    let out = world.token(&world.resource_a, true);
    assert_eq!(stdout(&out), token_a);
    assert!(
        stderr(&out).contains("cached access token"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("→"), "no request: {}", stderr(&out));

    // Server B with the same sign-in, no prompt (stdin is closed).
    let out = world.token(&world.resource_b, false);
    assert!(out.status.success(), "{}", stderr(&out));
    let token_b = stdout(&out);
    assert_ne!(token_a, token_b);
    assert_eq!(get(&world.resource_b, &token_b), 200);

    // The ID token has expired: the refresh token is the subject (after the cache expires).
    let mut session = world.session();
    session["id_token_expires_at"] = 0.into();
    std::fs::write(world.config_dir().join("session.json"), session.to_string()).unwrap();
    std::thread::sleep(Duration::from_millis(2100));
    let out = world.token(&world.resource_a, true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refresh token is the subject"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("token-type%3Arefresh_token"));

    // The administrator removes the connection to B; the IdP reloads on SIGHUP.
    let d = world.dir.path();
    let text = std::fs::read_to_string(d.join("idp.toml")).unwrap();
    let without_b = text
        .split("\n[[connections]]")
        .take(2)
        .collect::<Vec<_>>()
        .join("\n[[connections]]");
    assert!(without_b.contains("client-at-a") && !without_b.contains("client-at-b"));
    std::fs::write(d.join("idp.toml"), without_b).unwrap();
    let pid = world.idp_server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(Duration::from_millis(2100)); // B's token expires (2 s lifetime)
    let out = world.token(&world.resource_b, false);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("invalid_target"), "{}", stderr(&out));
    assert_eq!(get(&world.resource_b, &token_b), 401, "expired");
    let out = world.token(&world.resource_a, false);
    assert!(out.status.success(), "A goes on: {}", stderr(&out));

    let out = world.xaa(&["logout"], &[]);
    assert!(out.status.success());
    assert!(!world.config_dir().join("session.json").exists());
}

/// `xaa login --idp` refuses plain HTTP to any host but this machine (localhost, 127.0.0.1,
/// [::1]) before reading a secret or sending anything: the IdP's metadata says where the
/// client secret and the password go, and over plain HTTP anyone on the path could rewrite it.
#[test]
fn login_refuses_a_plain_http_idp_other_than_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    // 127.0.0.2 is on the loopback interface (Linux) but is not one of the three allowed
    // names: a listener there proves that nothing is sent.
    let listener = TcpListener::bind("127.0.0.2:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let watched = format!("http://{}", listener.local_addr().unwrap());
    for idp in [
        watched.as_str(),
        "http://idp.example.com",
        "HTTP://idp.example.com:8080",
        "http://10.1.2.3",
        "http://localhost.evil.example",
        "http://127.0.0.1@idp.example.com",
        "ftp://idp.example.com",
    ] {
        let out = Command::new(XAA)
            .args(["login", "--idp", idp, "--client-id", "mcp-client"])
            .args(["--user", "alice"])
            .env("XAA_CONFIG_DIR", dir.path())
            .env("XAA_CLIENT_SECRET", CLIENT_SECRET)
            .env("XAA_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{idp}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(
                "the IdP must be an https URL (http only for localhost, 127.0.0.1 or [::1])"
            ),
            "{idp}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("session.json").exists());
    }
    assert_eq!(
        listener.accept().map_err(|e| e.kind()).err(),
        Some(std::io::ErrorKind::WouldBlock),
        "no connection reached the refused IdP"
    );
}

/// The browser sign-in (issue 12 part 1) against `xaa serve idp`'s sign-in page: `xaa login
/// --no-browser` prints the authorization URL and waits on its loopback listener; a client
/// standing in for the browser opens the URL, submits the page's form with the page's CSRF
/// cookie, and follows the redirect to the listener; the ID token is validated and stored,
/// and `xaa token` reaches a resource with it. A redirect carrying another `state` ends the
/// login with nothing stored.
#[test]
fn login_in_the_browser_with_pkce_then_token_without_a_prompt() {
    let world = start();
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Starts `xaa login` and returns it with the URL it prints.
    let begin = || {
        let mut child = Command::new(XAA)
            .args([
                "login",
                "--idp",
                &world.idp,
                "--client-id",
                "mcp-client",
                "--no-browser",
            ])
            .args(["--timeout", "30"])
            .env("XAA_CONFIG_DIR", world.config_dir())
            .env("XAA_CLIENT_SECRET", CLIENT_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut url = String::new();
        while !url.starts_with("http") {
            url.clear();
            assert_ne!(
                err.read_line(&mut url).unwrap(),
                0,
                "xaa login printed no URL"
            );
            url = url.trim().to_owned();
        }
        (child, err, url)
    };
    let finish = |mut child: Child, mut err: BufReader<std::process::ChildStderr>| {
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        (status, rest)
    };
    let query_param = |url: &str, name: &str| -> String {
        let query = url.split_once('?').unwrap().1;
        query
            .split('&')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_owned()
    };

    // A forged redirect: the right listener, another state.
    let (child, err, url) = begin();
    let redirect_uri = query_param(&url, "redirect_uri")
        .replace("%3A", ":")
        .replace("%2F", "/");
    assert!(
        redirect_uri.starts_with("http://127.0.0.1:") && redirect_uri.ends_with("/callback"),
        "{redirect_uri}"
    );
    assert_eq!(query_param(&url, "code_challenge_method"), "S256");
    let forged = browser
        .get(format!("{redirect_uri}?code=x&state=forged"))
        .send()
        .unwrap();
    assert_eq!(forged.status(), 200);
    let (status, log) = finish(child, err);
    assert_eq!(status.code(), Some(1), "{log}");
    assert!(log.contains("state"), "{log}");
    assert!(
        !world.config_dir().join("session.json").exists(),
        "nothing stored"
    );

    // The real thing.
    let (child, err, url) = begin();
    let redirect_uri = query_param(&url, "redirect_uri")
        .replace("%3A", ":")
        .replace("%2F", "/");
    let page = browser.get(&url).send().unwrap();
    let status = page.status();
    assert_eq!(
        status,
        200,
        "{url}: {}",
        browser.get(&url).send().unwrap().text().unwrap()
    );
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().unwrap();
    let mut fields: Vec<(String, String)> = html
        .split("<input type=\"hidden\" ")
        .skip(1)
        .map(|tag| {
            let attr = |name: &str| {
                tag.split(&format!("{name}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect();
    fields.push(("username".into(), "alice".into()));
    fields.push(("password".into(), PASSWORD.into()));
    let action = format!("{}/authorize", world.idp);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let redirect = browser
        .post(&action)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(xaa_testkit::form::form(&pairs))
        .send()
        .unwrap();
    assert_eq!(
        redirect.status(),
        303,
        "{}",
        redirect.text().unwrap_or_default()
    );
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&redirect_uri), "{location}");
    assert_eq!(browser.get(&location).send().unwrap().status(), 200);
    let (status, log) = finish(child, err);
    assert!(status.success(), "{log}");
    assert!(log.contains("signed in as alice"), "{log}");
    let session = world.session();
    assert_eq!(session["client_id"], "mcp-client");
    let out = world.token(&world.resource_a, false);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(get(&world.resource_a, &stdout(&out)), 200);
}
