//! `xaa bridge`: a stdio MCP server for MCP hosts (desktop assistants, IDEs) that start
//! local servers over stdio and cannot do Cross-App Access themselves. Every JSON-RPC
//! message read from standard input is posted to one remote MCP server over streamable HTTP
//! with an access token from the `xaa token` machinery (the session `xaa login` stored, the
//! shared token cache); every message the server answers, as JSON or as a server-sent event
//! stream, is written to standard output, one per line.
//!
//! The MCP session id and the negotiated protocol version are kept and sent on every later
//! request. A token the server refuses (401) is renewed once, transparently. Anything that
//! goes wrong reaches the host as a JSON-RPC error for the request's id, never as a hang;
//! diagnostics go to standard error, and no token is ever written anywhere but the
//! `Authorization` header.
//!
//! Requests run concurrently (a long tool call does not hold up a cancellation), while
//! notifications and responses are posted in order before the next line is read, so
//! `notifications/initialized` reaches the server before the requests that follow it.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Args;
use serde_json::{json, Value};

use xaa_host::client::{self, AsCredential, Client};

use crate::login::{new_client, now};

/// JSON-RPC error code for what the bridge could not do (the implementation-defined server
/// error range of JSON-RPC 2.0).
const BRIDGE_ERROR: i64 = -32000;
/// Largest JSON response body or single server-sent event read, bytes.
const MAX_MESSAGE_BYTES: u64 = 16 << 20;

#[derive(Args)]
pub(crate) struct BridgeArgs {
    /// The remote MCP server's streamable HTTP endpoint (the protected resource).
    #[arg(long = "resource", value_name = "URL")]
    resource: String,
    /// Scopes to ask for (space-separated; default: what the connection allows).
    #[arg(long)]
    scope: Option<String>,
    /// This client's credentials at resource authorization servers (as for `xaa token`).
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Seconds one request may wait for the server's response to start.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
}

/// The access token for the resource, from the `xaa token` machinery.
struct Tokens {
    client: Client,
    credentials: Vec<AsCredential>,
    resource: String,
    scope: Option<String>,
}

impl Tokens {
    /// A token: the cached one, or with `renew` a new one (the cached one was refused).
    fn get(&mut self, renew: bool) -> Result<String, String> {
        let dir = client::config_dir()?;
        let mut session = client::load_session(&dir)?;
        if renew {
            session.access_tokens.remove(&self.resource);
        }
        let outcome = self.client.token(
            &mut session,
            &self.credentials,
            &self.resource,
            self.scope.as_deref(),
            now(),
            &mut |_| {},
        );
        client::save_session(&dir, &session)?;
        outcome.map(|obtained| obtained.token)
    }
}

/// What every forwarding thread shares.
struct Bridge {
    http: reqwest::blocking::Client,
    resource: String,
    tokens: Mutex<Tokens>,
    session_id: Mutex<Option<String>>,
    protocol_version: Mutex<Option<String>>,
    out: Mutex<std::io::Stdout>,
}

pub(crate) fn run(args: &BridgeArgs) -> Result<ExitCode, String> {
    client::check_server_url("--resource", "the MCP server", &args.resource)?;
    let dir = client::config_dir()?;
    let credentials = client::read_credentials(
        &args
            .credentials
            .clone()
            .unwrap_or_else(|| dir.join("authorization-servers.toml")),
    )?;
    let http = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(args.timeout))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let bridge = Arc::new(Bridge {
        http,
        resource: args.resource.clone(),
        tokens: Mutex::new(Tokens {
            client: new_client()?,
            credentials,
            resource: args.resource.clone(),
            scope: args.scope.clone(),
        }),
        session_id: Mutex::new(None),
        protocol_version: Mutex::new(None),
        out: Mutex::new(std::io::stdout()),
    });
    let mut requests = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("reading standard input: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            bridge.send(&error_for(&Value::Null, -32700, "parse error: not JSON"));
            continue;
        };
        if message.get("method").is_some() && message.get("id").is_some() {
            let bridge = Arc::clone(&bridge);
            requests.push(std::thread::spawn(move || bridge.forward(&message)));
            requests.retain(|r| !r.is_finished());
        } else {
            bridge.forward(&message);
        }
    }
    for request in requests {
        let _ = request.join();
    }
    bridge.end_session();
    Ok(ExitCode::SUCCESS)
}

fn error_for(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

impl Bridge {
    /// Writes one message to the host, on one line.
    fn send(&self, message: &Value) {
        if let Ok(mut out) = self.out.lock() {
            let _ = writeln!(out, "{message}");
            let _ = out.flush();
        }
    }

    /// Posts one message and relays what comes back; errors become JSON-RPC errors for
    /// requests, and a line on standard error for anything else.
    fn forward(&self, message: &Value) {
        if let Err(why) = self.exchange(message) {
            eprintln!("xaa bridge: {why}");
            if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                self.send(&error_for(id, BRIDGE_ERROR, &format!("xaa bridge: {why}")));
            }
        }
    }

    fn exchange(&self, message: &Value) -> Result<(), String> {
        let body = message.to_string();
        let mut renewed = false;
        let response = loop {
            let token = self.token(renewed)?;
            let mut request = self
                .http
                .post(&self.resource)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .body(body.clone());
            if let Some(id) = self.session_id.lock().ok().and_then(|s| s.clone()) {
                request = request.header("mcp-session-id", id);
            }
            if let Some(v) = self.protocol_version.lock().ok().and_then(|v| v.clone()) {
                request = request.header("mcp-protocol-version", v);
            }
            let response = request
                .send()
                .map_err(|e| format!("{}: {}", self.resource, client::error_chain(&e)))?;
            if response.status() == 401 && !renewed {
                renewed = true;
                continue;
            }
            break response;
        };
        let status = response.status().as_u16();
        if let Some(id) = client::header_text(&response, "mcp-session-id") {
            if let Ok(mut session) = self.session_id.lock() {
                session.get_or_insert(id);
            }
        }
        match status {
            202 => return Ok(()),
            200 => {}
            _ => {
                let challenge = client::header_text(&response, "www-authenticate");
                let detail = challenge.map_or_else(String::new, |c| format!(" ({c})"));
                return Err(format!("the MCP server answered HTTP {status}{detail}"));
            }
        }
        let is_sse = client::header_text(&response, "content-type")
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("text/event-stream"));
        let initialize = message.get("method").and_then(Value::as_str) == Some("initialize");
        let relay = |reply: Value| {
            if initialize {
                self.remember_protocol_version(&reply);
            }
            self.send(&reply);
        };
        if is_sse {
            read_events(response, relay)
        } else {
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut std::io::Read::take(response, MAX_MESSAGE_BYTES),
                &mut text,
            )
            .map_err(|e| format!("reading the response: {e}"))?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(batch)) => batch.into_iter().for_each(relay),
                Ok(reply) => relay(reply),
                Err(_) => return Err("the MCP server's response is not JSON".into()),
            }
            Ok(())
        }
    }

    fn token(&self, renew: bool) -> Result<String, String> {
        let mut tokens = self
            .tokens
            .lock()
            .map_err(|_| "token source unavailable".to_owned())?;
        tokens
            .get(renew)
            .map_err(|why| format!("no access token: {why}"))
    }

    fn remember_protocol_version(&self, reply: &Value) {
        let version = reply
            .pointer("/result/protocolVersion")
            .and_then(Value::as_str);
        if let (Some(version), Ok(mut slot)) = (version, self.protocol_version.lock()) {
            *slot = Some(version.to_owned());
        }
    }

    /// Ends the MCP session at the server (best effort: the server may not support it).
    fn end_session(&self) {
        let Some(id) = self.session_id.lock().ok().and_then(|s| s.clone()) else {
            return;
        };
        if let Ok(token) = self.token(false) {
            let _ = self
                .http
                .delete(&self.resource)
                .bearer_auth(token)
                .header("mcp-session-id", id)
                .send();
        }
    }
}

/// Relays each `data` of a server-sent event stream (events end at a blank line; several
/// `data` lines join with newlines) as one JSON message.
fn read_events(body: impl std::io::Read, mut relay: impl FnMut(Value)) -> Result<(), String> {
    let mut reader = BufReader::new(body);
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        let read = std::io::Read::take(&mut reader, MAX_MESSAGE_BYTES)
            .read_line(&mut line)
            .map_err(|e| format!("reading the event stream: {e}"))?;
        let line = line.trim_end_matches(['\r', '\n']);
        if read == 0 || line.is_empty() {
            if !data.is_empty() {
                match serde_json::from_str(&data) {
                    Ok(message) => relay(message),
                    Err(_) => eprintln!("xaa bridge: skipped an event that is not JSON"),
                }
                data.clear();
            }
            if read == 0 {
                return Ok(());
            }
        } else if let Some(value) = line.strip_prefix("data:") {
            if data.len() as u64 + value.len() as u64 > MAX_MESSAGE_BYTES {
                return Err("an event exceeds 16 MiB".into());
            }
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(value.strip_prefix(' ').unwrap_or(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Server-sent events as streamable HTTP sends them: each event's `data` is one message.
    #[test]
    fn events_become_one_message_each() {
        let rows: &[(&str, &str, &[&str])] = &[
            ("one event", "data: {\"id\":1}\n\n", &[r#"{"id":1}"#]),
            (
                "CRLF lines, an id and a comment",
                ": hi\r\nid: 7\r\ndata: {\"id\":2}\r\n\r\n",
                &[r#"{"id":2}"#],
            ),
            (
                "data split over lines joins with a newline",
                "data: {\"a\":\ndata: 1}\n\n",
                &[r#"{"a":1}"#],
            ),
            (
                "two events, the last unterminated",
                "data: 1\n\ndata:2",
                &["1", "2"],
            ),
            (
                "an event that is not JSON is skipped",
                "data: nope\n\ndata: 3\n\n",
                &["3"],
            ),
            ("no data, no message", "event: ping\n\n", &[]),
        ];
        for (why, stream, expected) in rows {
            let mut got = Vec::new();
            read_events(stream.as_bytes(), |m| got.push(m.to_string())).unwrap();
            assert_eq!(got, *expected, "{why}");
        }
    }
}
