//! Runs the real `xaa serve as` binary on 127.0.0.1 (a free port, the clock pinned at
//! [`NOW`]) with a configuration written to a temporary directory, and talks to it with a
//! real HTTP client (reqwest). The server is stopped with SIGTERM when the test is done.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::*;

/// The AS's issuing key in these tests (kid "as-ec"): the key `as_jwks()` publishes.
pub const SIGNING_KID: &str = "as-ec";
// The token endpoint's URL, clients, secrets and the client's key are the conformance
// fixtures' (the same configuration runs there and here).
pub use xaa_testkit::fixtures::{
    secret_sha256, CLIENT_SECRET as BASIC_SECRET, DISABLED_CLIENT, DISABLED_SECRET, JWT_CLIENT,
    POST_CLIENT, POST_SECRET, TOKEN_URL,
};

/// Registered clients: (client id, secret or key), see [`base_toml`].
pub const BASIC_CLIENT: &str = CLIENT;
pub const PUBLIC_CLIENT: &str = "public-client";

/// The `private_key_jwt` client's key (kid "jwt-client-1").
pub fn client_key() -> SigningKey {
    keys().client.clone()
}

/// A private JWK for `key`.
pub fn private_jwk(key: &SigningKey, kid: &str) -> Value {
    xaa_testkit::fixtures::private_ec_jwk(key, kid)
}

/// The baseline `xaa.toml`: one AS (issuer [`AS_ISSUER`], resources [`RESOURCE`] and
/// [`OTHER_RESOURCE`]), two trusted IdPs (the IdP keys of `common`), a token endpoint signing
/// with `as.jwk` (kid "as-ec"), and five clients:
/// - [`BASIC_CLIENT`] (`client_secret_basic`): RESOURCE; scopes chat.read, chat.history
/// - [`POST_CLIENT`] (`client_secret_post`): RESOURCE, OTHER_RESOURCE; scope chat.read
/// - [`JWT_CLIENT`] (`private_key_jwt`, `client.jwks`): RESOURCE; scope chat.read
/// - [`PUBLIC_CLIENT`] (`none`; only usable with `allow_public_clients`): RESOURCE
/// - [`DISABLED_CLIENT`] (`client_secret_basic`, no grant types): RESOURCE
///
/// `endpoint_extra` lines are appended to `[token_endpoint]`.
pub fn base_toml(endpoint_extra: &str) -> String {
    xaa_testkit::fixtures::token_endpoint_toml_with(endpoint_extra)
}

/// The public-client registration, for configurations with `allow_public_clients = true`.
pub fn public_client_toml() -> String {
    format!(
        r#"
[[clients]]
client_id = "{PUBLIC_CLIENT}"
auth_method = "none"
resources = ["{RESOURCE}"]
scopes = ["chat.read"]
"#
    )
}

/// Writes the key files `base_toml` names into `dir`.
pub fn write_key_files(dir: &Path) {
    let k = keys();
    let write =
        |name: &str, value: Value| std::fs::write(dir.join(name), value.to_string()).unwrap();
    write("idp.jwks", idp_jwks());
    write(
        "other-idp.jwks",
        json!({"keys": [ec_jwk(&k.other_ec, "other-ec", json!({}))]}),
    );
    write("as.jwk", private_jwk(&k.as_ec, SIGNING_KID));
    // For `xaa serve idp`: the IdP's private key (the key `idp_jwks()` publishes as "idp-ec").
    write("idp.jwk", private_jwk(&k.idp_ec, "idp-ec"));
    // For `xaa serve resource`: the public half of `as.jwk`.
    write("as-public.jwks", as_jwks());
    write(
        "client.jwks",
        json!({"keys": [ec_jwk(&client_key(), "jwt-client-1", json!({}))]}),
    );
}

/// A running `xaa serve as`.
pub struct AsServer {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The directory holding the configuration and key files.
    pub dir: tempfile::TempDir,
    stderr: Arc<Mutex<String>>,
    /// The HTTP client.
    pub http: reqwest::blocking::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON (panics if it is not).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    /// The `error` member of a JSON body.
    pub fn error(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }
    /// A header value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap_or_default().to_owned())
    }
}

impl AsServer {
    /// Starts the server with the baseline configuration.
    pub fn start() -> Self {
        Self::start_with(&base_toml(""), &[])
    }

    /// Starts the server with this `xaa.toml` (the key files of [`write_key_files`] are
    /// written beside it) and extra command-line arguments.
    pub fn start_with(toml: &str, args: &[&str]) -> Self {
        Self::try_start(toml, args).unwrap_or_else(|e| panic!("server did not start: {e:?}"))
    }

    /// Like [`AsServer::start_with`], returning the exit status and stderr when the server
    /// refuses to start.
    pub fn try_start(toml: &str, args: &[&str]) -> Result<Self, (ExitStatus, String)> {
        Self::try_start_role("as", toml, args)
    }

    /// `xaa serve ROLE` (`as` or `idp`) with this configuration, like [`AsServer::try_start`].
    pub fn try_start_role(
        role: &str,
        toml: &str,
        args: &[&str],
    ) -> Result<Self, (ExitStatus, String)> {
        Self::try_start_command(&["serve", role], toml, args)
    }

    /// `xaa COMMAND... --config xaa.toml --listen 127.0.0.1:0 --now NOW ARGS...` (a server
    /// command: `serve as`, `gateway`, ...), like [`AsServer::try_start`].
    pub fn try_start_command(
        command: &[&str],
        toml: &str,
        args: &[&str],
    ) -> Result<Self, (ExitStatus, String)> {
        let dir = tempfile::tempdir().unwrap();
        write_key_files(dir.path());
        std::fs::write(dir.path().join("xaa.toml"), toml).unwrap();
        let mut child = xaa_command(command)
            .arg("--config")
            .arg(dir.path().join("xaa.toml"))
            .args(["--listen", "127.0.0.1:0", "--now", &NOW.to_string()])
            .args(args)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let mut pipe = child.stderr.take().unwrap();
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // Keep draining standard output (an IdP's audit lines go there by default): with the
        // pipe closed those writes would fail, and the IdP refuses any decision it cannot audit.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let status = child.wait().unwrap();
            // Let the stderr reader drain.
            std::thread::sleep(Duration::from_millis(100));
            let text = stderr.lock().unwrap().clone();
            return Err((status, text));
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Ok(AsServer {
            child: Some(child),
            base: base.to_owned(),
            dir,
            stderr,
            http,
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the server wrote to stderr so far (its request log).
    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// GET `path`.
    pub fn get(&self, path: &str) -> Reply {
        reply(self.http.get(self.url(path)).send().unwrap())
    }

    /// POST a form to `/token`, optionally with HTTP Basic credentials (form-urlencoded
    /// before base64, RFC 6749 §2.3.1).
    pub fn token(&self, basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> Reply {
        self.http_post("/token", basic, params)
    }

    /// A POST to `path` declaring a form body (the body and any credentials: the caller's).
    pub fn post_form(&self, path: &str) -> reqwest::blocking::RequestBuilder {
        let request = self.http.post(self.url(path));
        request.header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// POST a form to `path`, optionally with HTTP Basic credentials.
    pub fn http_post(
        &self,
        path: &str,
        basic: Option<(&str, &str)>,
        params: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.post_form(path).body(form(params));
        if let Some((id, secret)) = basic {
            request = request.header("Authorization", basic_header(id, secret));
        }
        reply(request.send().unwrap())
    }

    /// `xaa serve ROLE` with this configuration (panics if it does not start).
    pub fn start_with_role(role: &str, toml: &str) -> Self {
        Self::try_start_role(role, toml, &[])
            .unwrap_or_else(|e| panic!("server did not start: {e:?}"))
    }

    /// The jwt-bearer grant with `assertion`, authenticated as [`BASIC_CLIENT`], plus `extra`
    /// parameters.
    pub fn exchange(&self, assertion: &str, extra: &[(&str, &str)]) -> Reply {
        let mut params = vec![("grant_type", GRANT_JWT_BEARER), ("assertion", assertion)];
        params.extend_from_slice(extra);
        self.token(Some((BASIC_CLIENT, BASIC_SECRET)), &params)
    }

    /// Sends SIGHUP (configuration reload) and waits until the log reports the outcome.
    pub fn reload(&self) -> bool {
        let before = self.log().matches("configuration reload").count();
        let child = self.child.as_ref().unwrap();
        let _ = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status();
        for _ in 0..200 {
            let log = self.log();
            if log.matches("configuration reload").count() > before {
                // "configuration reloaded" or "configuration reload refused: ...".
                return log
                    .rsplit("configuration reload")
                    .next()
                    .is_some_and(|tail| tail.starts_with("ed"));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("no reload outcome in the log:\n{}", self.log());
    }

    /// Stops the server with SIGTERM and returns its exit status and complete stderr.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        terminate(&mut child);
        let status = child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        (status, self.log())
    }
}

impl Drop for AsServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn terminate(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

/// The jwt-bearer grant type.
pub const GRANT_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The RFC 7523 client assertion type.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// RFC 8693 token exchange (the IdP's grant) and the token types the tests name.
pub const GRANT_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
pub const TYPE_ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
pub const TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
pub const TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";

pub use xaa_testkit::form::{basic_header, form, form_encode};

/// An RFC 7523 client assertion for [`JWT_CLIENT`] at this server's token endpoint, with
/// claim changes merged in, signed by [`client_key`].
pub fn client_assertion(jti: &str, changes: Value) -> String {
    client_assertion_for(TOKEN_URL, jti, changes, &client_key())
}

/// An RFC 7523 client assertion of [`JWT_CLIENT`] for `aud` (a token endpoint), with claim
/// changes merged in, signed by `key` under the registered kid.
pub fn client_assertion_for(aud: &str, jti: &str, changes: Value, key: &SigningKey) -> String {
    let mut claims = json!({
        "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": aud, "jti": jti, "iat": NOW - 5, "exp": NOW + 60,
    });
    merge(&mut claims, changes);
    let header = json!({"alg": "ES256", "kid": "jwt-client-1"});
    mint(&header, &claims, Signer::Es256(key))
}

/// The status, headers and body of `response`.
pub fn reply(response: reqwest::blocking::Response) -> Reply {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().unwrap().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// `[resource_server]` for `resource`, trusting this AS's ES256 keys in `jwks_file`.
pub fn resource_server_toml(resource: &str, jwks_file: &str) -> String {
    format!(
        "[resource_server]\nresource = \"{resource}\"\nissuer = \"{AS_ISSUER}\"\n\
         jwks_file = \"{jwks_file}\"\nalgorithms = [\"ES256\"]\n"
    )
}

/// Runs `xaa validate access-token` on `token` as the resource server of `resource`, trusting
/// the JWK Set the server publishes at `/jwks.json`; returns (exit code, JSON line).
pub fn validate_access_token(server: &AsServer, token: &str, resource: &str) -> (i32, Value) {
    let jwks = server.get("/jwks.json");
    assert_eq!(jwks.status, 200);
    let dir = server.dir.path();
    std::fs::write(dir.join("published.jwks"), &jwks.body).unwrap();
    let toml = resource_server_toml(resource, "published.jwks");
    let config: PathBuf = dir.join(format!("rs-{}.toml", secret_sha256(resource)));
    std::fs::write(&config, toml).unwrap();
    let output = xaa_command(&["validate", "access-token", "--config"])
        .arg(&config)
        .args(["--now", &NOW.to_string(), token])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&output.stdout);
    let value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("{e}: {line} {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap_or(-1), value)
}

/// Waits (up to 5 s) for the server's log to record a request refused with verdict `code`:
/// the log is read by a thread of its own, so a reply can arrive before its log line.
#[track_caller]
pub fn assert_logged_code(server: &AsServer, code: &str) {
    let needle = format!("code={code}");
    for _ in 0..100 {
        if server.log().contains(&needle) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no {needle} in the log:\n{}", server.log());
}

/// Asserts a 200 token response carrying an `access_token` and returns its body.
#[track_caller]
pub fn assert_token_issued(reply: &Reply, what: &str) -> Value {
    let text = String::from_utf8_lossy(&reply.body);
    assert_eq!(reply.status, 200, "{what}: {text}");
    let body = reply.json();
    assert!(body["access_token"].is_string(), "{what}: {body}");
    body
}

/// The `kid` of every key of a JWK Set, in order.
pub fn kids(set: &Value) -> Vec<&str> {
    let keys = set["keys"].as_array().unwrap();
    keys.iter().map(|k| k["kid"].as_str().unwrap()).collect()
}
