//! The MCP client's side of XAA over HTTP: sign in once at the IdP, then reach any connected
//! MCP server with no prompt. Used by `xaa login`, `xaa token` and `xaa demo`.
//!
//! This file fetches, sends and stores; the component's `client` interface decides: which
//! metadata URL to fetch, whether a fetched document is acceptable (identical `resource` and
//! `issuer`, the jwt-bearer grant and the id-jag profile), how each request body is written
//! and whether a token response is one. The path of one `token` call:
//!
//! 1. a cached access token for the resource that is still good for [`EXPIRY_MARGIN`] → done;
//! 2. `GET` the resource without a token → 401 → `resource_metadata` from the challenge
//!    (or the well-known URL) → RFC 9728 document → its authorization servers;
//! 3. the first one with credentials in [`AsCredential`]s → RFC 8414 document → its token
//!    endpoint;
//! 4. token exchange at the IdP with the ID token (or, once it has expired, the refresh
//!    token) → an ID-JAG;
//! 5. jwt-bearer grant at the authorization server → an access token, cached until it
//!    expires.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use wasmtime::Store;

use crate::bindings::exports::xaa::token::client::{
    Guest as ClientGuest, IssuedToken, SubjectTokenType, TokenRequestKind, TokenResponse,
};
use crate::imports::HostState;
use crate::Validator;

/// A cached token is used only while it has at least this many seconds left (or half its
/// lifetime, for tokens shorter-lived than twice this).
pub const EXPIRY_MARGIN: i64 = 5;

/// Largest response body read.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// Refuses an IdP URL the client must not talk to: anything but `https`, except `http` to
/// `localhost`, `127.0.0.1` or `[::1]` (the configuration's rule for issuers); user
/// information; whitespace, control characters or backslashes. The IdP's metadata, fetched
/// from this URL, says where the client secret and the user's password are sent, so a
/// plain-HTTP IdP would let anyone on the path redirect them. The URL is read by the same
/// parser as the HTTP client's.
pub fn check_idp_url(idp: &str) -> Result<(), String> {
    check_server_url("--idp", "the IdP", idp)
}

/// [`check_idp_url`]'s rule for any server the client sends credentials or tokens to, named
/// by its command-line `flag` and its `role` in messages.
pub fn check_server_url(flag: &str, role: &str, idp: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "{flag} {idp:?}: {why}; {role} must be an https URL (http only for localhost, 127.0.0.1 or [::1])"
        ))
    };
    if idp
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return refuse("whitespace, control characters and backslashes are not allowed");
    }
    let Ok(url) = reqwest::Url::parse(idp) else {
        return refuse("not a URL");
    };
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("user information is not allowed");
    }
    // The parser lowercases names and writes addresses canonically (127.1 is 127.0.0.1).
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" if loopback => Ok(()),
        "http" => refuse("plain http to a host other than this machine"),
        _ => refuse("not an https URL"),
    }
}

/// One HTTP exchange, for a person to read. Bodies are redacted: token and secret values
/// never appear (see [`redact_form`], [`redact_json`]).
#[derive(Clone, Debug)]
pub struct HttpTrace {
    /// What the step is for.
    pub purpose: String,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Where.
    pub url: String,
    /// The request body, redacted.
    pub request_body: Option<String>,
    /// The response status.
    pub status: u16,
    /// The response's `WWW-Authenticate`, if any.
    pub www_authenticate: Option<String>,
    /// The response body, redacted.
    pub response_body: String,
}

/// What a flow reports as it goes.
#[derive(Clone, Debug)]
pub enum Event {
    /// An HTTP exchange.
    Http(HttpTrace),
    /// A token obtained (the value, for the caller to decode and show redacted).
    Token {
        /// What kind of token.
        label: String,
        /// Its value.
        token: String,
    },
    /// A remark.
    Note(String),
}

/// The component's client interface plus an HTTP client.
pub struct Client {
    pub(crate) component: Validator,
    http: reqwest::blocking::Client,
}

/// A reply read under the size cap.
pub(crate) struct Reply {
    pub(crate) status: u16,
    www_authenticate: Option<String>,
    pub(crate) body: String,
}

/// A response header's value, when it is text.
pub fn header_text(response: &reqwest::blocking::Response, name: &str) -> Option<String> {
    let value = response.headers().get(name)?;
    value.to_str().ok().map(str::to_owned)
}

impl Client {
    /// `component`: an unconfigured instance ([`Validator::unconfigured`]).
    pub fn new(component: Validator) -> Result<Self, String> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Client { component, http })
    }

    /// The token the component reads in `reply`; `refused` and `unreadable` begin the error
    /// when the server refused or the response is not a token response.
    fn issued(
        &mut self,
        kind: TokenRequestKind,
        reply: &Reply,
        refused: &str,
        unreadable: &str,
    ) -> Result<IssuedToken, String> {
        let read = self
            .component
            .client(|s, c| c.call_read_token_response(s, kind, reply.status, &reply.body))?;
        match read {
            Ok(TokenResponse::Issued(issued)) => Ok(issued),
            Ok(TokenResponse::Refused(refusal)) => Err(format!(
                "{refused}: {} (HTTP {})",
                refusal.error, refusal.status
            )),
            Err(why) => Err(format!("{unreadable}: {why}")),
        }
    }

    fn send(
        &self,
        request: reqwest::blocking::RequestBuilder,
        purpose: &str,
        method: &'static str,
        url: &str,
        request_body: Option<String>,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, String> {
        let response = request
            .send()
            .map_err(|e| format!("{purpose}: {method} {url}: {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        let www_authenticate = header_text(&response, "www-authenticate");
        let mut bytes = Vec::new();
        response
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{purpose}: reading the response of {url}: {e}"))?;
        if bytes.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(format!(
                "{purpose}: the response of {url} is over {MAX_RESPONSE_BYTES} bytes"
            ));
        }
        let body = String::from_utf8(bytes)
            .map_err(|_| format!("{purpose}: the response of {url} is not UTF-8"))?;
        events(Event::Http(HttpTrace {
            purpose: purpose.to_owned(),
            method,
            url: url.to_owned(),
            request_body,
            status,
            www_authenticate: www_authenticate.clone(),
            response_body: redact_json(&body),
        }));
        Ok(Reply {
            status,
            www_authenticate,
            body,
        })
    }

    pub(crate) fn get(
        &self,
        url: &str,
        purpose: &str,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, String> {
        self.send(self.http.get(url), purpose, "GET", url, None, events)
    }

    /// GETs a metadata document and has the component read it (`read` is one of the client
    /// interface's `read-*-metadata` functions); errors name the URL.
    pub(crate) fn metadata<T>(
        &mut self,
        url: &str,
        purpose: &str,
        events: &mut dyn FnMut(Event),
        read: impl FnOnce(
            &mut Store<HostState>,
            &ClientGuest,
            &str,
        ) -> wasmtime::Result<Result<T, String>>,
    ) -> Result<T, String> {
        let reply = self.get(url, purpose, events)?;
        if reply.status != 200 {
            return Err(format!("{purpose} at {url}: HTTP {}", reply.status));
        }
        self.component
            .client(|s, c| read(s, c, &reply.body))?
            .map_err(|why| format!("{purpose} at {url}: {why}"))
    }

    /// POSTs a form, with `client_secret_basic` when `credentials` are given (a public
    /// client names itself in the body instead).
    pub(crate) fn post(
        &mut self,
        url: &str,
        credentials: Option<(&str, &str)>,
        body: String,
        purpose: &str,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, String> {
        let shown = redact_form(&body);
        let mut request = self
            .http
            .post(url)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some((id, secret)) = credentials {
            let basic = self
                .component
                .client(|s, c| c.call_basic_authorization(s, id, secret))?;
            let mut authorization = reqwest::header::HeaderValue::from_str(&basic)
                .map_err(|_| format!("{purpose}: the client credentials make no header value"))?;
            authorization.set_sensitive(true);
            request = request.header(reqwest::header::AUTHORIZATION, authorization);
        }
        self.send(request, purpose, "POST", url, Some(shown), events)
    }

    /// Signs `username` in at the IdP's development sign-in (`xaa serve idp` with
    /// `development_sign_in = true`) as the IdP client `client_id`.
    #[allow(clippy::too_many_arguments)] // one flat call for the CLI; each is distinct
    pub fn login(
        &mut self,
        idp: &str,
        client_id: &str,
        client_secret: &str,
        username: &str,
        password: &str,
        now: i64,
        events: &mut dyn FnMut(Event),
    ) -> Result<Session, String> {
        check_idp_url(idp)?;
        let url = self
            .component
            .client(|s, c| c.call_authorization_server_metadata_url(s, idp))?;
        let endpoints = self.metadata(&url, "IdP metadata (RFC 8414)", events, |s, c, body| {
            c.call_read_identity_provider_metadata(s, idp, body)
        })?;
        let sign_in = endpoints.development_sign_in_endpoint.ok_or_else(|| {
            format!("{idp} offers no development sign-in (xaa login signs in only at `xaa serve idp` with development_sign_in = true)")
        })?;
        let body = self
            .component
            .client(|s, c| c.call_sign_in_body(s, username, password))?;
        let reply = self.post(
            &sign_in,
            Some((client_id, client_secret)),
            body,
            "sign in (DEVELOPMENT ONLY)",
            events,
        )?;
        let signed_in: SignInResponse = serde_json::from_str(&reply.body).map_err(|_| {
            format!(
                "sign-in at {sign_in}: HTTP {}: not a sign-in response",
                reply.status
            )
        })?;
        let (Some(id_token), Some(expires_in)) = (signed_in.id_token, signed_in.expires_in) else {
            return Err(format!(
                "sign-in at {sign_in} refused: {}",
                signed_in.error.as_deref().unwrap_or("no ID token")
            ));
        };
        events(Event::Token {
            label: "ID token".into(),
            token: id_token.clone(),
        });
        Ok(Session {
            idp: idp.to_owned(),
            token_endpoint: endpoints.token_endpoint,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            id_token,
            id_token_expires_at: now.saturating_add(expires_in),
            refresh_token: signed_in.refresh_token,
            refresh_token_expires_at: signed_in
                .refresh_token_expires_in
                .map(|s| now.saturating_add(s)),
            access_tokens: BTreeMap::new(),
        })
    }

    /// An access token for `resource`: from the cache, or through discovery, token exchange
    /// and the jwt-bearer grant (no prompt). Updates `session` (the cache); the caller saves it.
    pub fn token(
        &mut self,
        session: &mut Session,
        credentials: &[AsCredential],
        resource: &str,
        scope: Option<&str>,
        now: i64,
        events: &mut dyn FnMut(Event),
    ) -> Result<Obtained, String> {
        session
            .access_tokens
            .retain(|_, cached| cached.expires_at > now);
        if let Some(cached) = session.access_tokens.get(resource) {
            let lifetime = cached.expires_at - cached.issued_at;
            let margin = EXPIRY_MARGIN.min(lifetime / 2).max(1);
            if cached.expires_at - now >= margin && cached.scope.as_deref() == scope {
                events(Event::Note(format!(
                    "cached access token for {resource}, {} s left",
                    cached.expires_at - now
                )));
                return Ok(Obtained {
                    token: cached.token.clone(),
                    expires_at: cached.expires_at,
                    from_cache: true,
                });
            }
        }
        // Discovery: the resource says where its metadata is.
        let reply = self.get(resource, "the resource, without a token", events)?;
        let metadata_url = match (reply.status, reply.www_authenticate) {
            (401, Some(challenge)) => self
                .component
                .client(|s, c| c.call_resource_metadata_from_challenge(s, &challenge))?,
            (401, None) => None,
            (status, _) => {
                return Err(format!(
                    "{resource} answered HTTP {status} without a token, not 401: it is not an OAuth-protected resource"
                ))
            }
        };
        let metadata_url = match metadata_url {
            Some(url) => url,
            None => self
                .component
                .client(|s, c| c.call_protected_resource_metadata_url(s, resource))?,
        };
        let servers = self.metadata(
            &metadata_url,
            "protected resource metadata (RFC 9728)",
            events,
            |s, c, body| c.call_read_protected_resource_metadata(s, resource, body),
        )?;
        let (issuer, credential) = servers
            .iter()
            .find_map(|issuer| {
                credentials
                    .iter()
                    .find(|c| &c.issuer == issuer)
                    .map(|c| (issuer.clone(), c))
            })
            .ok_or_else(|| {
                format!(
                    "no client credentials for any authorization server of {resource} ({}); add one to the authorization-server credentials file",
                    servers.join(", ")
                )
            })?;
        let url = self
            .component
            .client(|s, c| c.call_authorization_server_metadata_url(s, &issuer))?;
        let endpoints = self.metadata(
            &url,
            "authorization server metadata (RFC 8414)",
            events,
            |s, c, body| c.call_read_authorization_server_metadata(s, &issuer, body),
        )?;

        // Token exchange at the IdP: an ID-JAG for this authorization server and resource.
        let (subject, kind) = if session.id_token_expires_at - now >= EXPIRY_MARGIN {
            (session.id_token.clone(), SubjectTokenType::IdToken)
        } else {
            match (&session.refresh_token, session.refresh_token_expires_at) {
                (Some(token), Some(at)) if at - now >= EXPIRY_MARGIN => {
                    events(Event::Note(
                        "the ID token has expired: the refresh token is the subject".into(),
                    ));
                    (token.clone(), SubjectTokenType::RefreshToken)
                }
                _ => {
                    return Err(format!(
                        "the sign-in at {} has expired: run xaa login again",
                        session.idp
                    ))
                }
            }
        };
        let body = self.component.client(|s, c| {
            c.call_token_exchange_body(s, &subject, kind, &issuer, Some(resource), scope)
        })?;
        let reply = self.post(
            &session.token_endpoint,
            Some((&session.client_id, &session.client_secret)),
            body,
            "token exchange at the IdP (RFC 8693): ID token → ID-JAG",
            events,
        )?;
        let id_jag = self
            .issued(
                TokenRequestKind::TokenExchange,
                &reply,
                &format!("the IdP refused an ID-JAG for {issuer}"),
                "IdP token exchange",
            )?
            .token;
        events(Event::Token {
            label: "ID-JAG".into(),
            token: id_jag.clone(),
        });

        // The jwt-bearer grant at the resource's authorization server.
        let body = self
            .component
            .client(|s, c| c.call_jwt_bearer_body(s, &id_jag, Some(resource), scope))?;
        let reply = self.post(
            &endpoints.token_endpoint,
            Some((&credential.client_id, &credential.client_secret)),
            body,
            "jwt-bearer grant at the authorization server (RFC 7523): ID-JAG → access token",
            events,
        )?;
        let issued = self.issued(
            TokenRequestKind::JwtBearer,
            &reply,
            &format!("{issuer} refused the ID-JAG"),
            &format!("{issuer} token response"),
        )?;
        events(Event::Token {
            label: "access token".into(),
            token: issued.token.clone(),
        });
        // No `expires_in`: use it once, never cache it.
        let expires_at = issued.expires_in.map_or(now, |s| {
            now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))
        });
        if expires_at > now {
            session.access_tokens.insert(
                resource.to_owned(),
                CachedToken {
                    token: issued.token.clone(),
                    issued_at: now,
                    expires_at,
                    authorization_server: issuer,
                    scope: scope.map(str::to_owned),
                },
            );
        }
        Ok(Obtained {
            token: issued.token,
            expires_at,
            from_cache: false,
        })
    }
}

/// An error with its chain of causes, for messages.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[derive(Deserialize)]
struct SignInResponse {
    id_token: Option<String>,
    expires_in: Option<i64>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<i64>,
    error: Option<String>,
}

/// An access token handed out by [`Client::token`].
#[derive(Clone, Debug)]
pub struct Obtained {
    /// The token.
    pub token: String,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// Whether it came from the cache (no request at all).
    pub from_cache: bool,
}

/// One signed-in user at one IdP, as `xaa login` stores it (mode 0600).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// The IdP's issuer identifier.
    pub idp: String,
    /// Its token endpoint (from its metadata).
    pub token_endpoint: String,
    /// This client's id at the IdP.
    pub client_id: String,
    /// This client's secret at the IdP.
    pub client_secret: String,
    /// The ID token of the sign-in.
    pub id_token: String,
    /// When it expires.
    pub id_token_expires_at: i64,
    /// The refresh token of the sign-in, if any.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// When it expires.
    #[serde(default)]
    pub refresh_token_expires_at: Option<i64>,
    /// Access tokens by resource, until they expire.
    #[serde(default)]
    pub access_tokens: BTreeMap<String, CachedToken>,
}

/// A cached access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachedToken {
    /// The token.
    pub token: String,
    /// When it was obtained (Unix seconds, the client's clock).
    pub issued_at: i64,
    /// When it expires (Unix seconds).
    pub expires_at: i64,
    /// The authorization server that issued it.
    pub authorization_server: String,
    /// The scope requested, if any.
    #[serde(default)]
    pub scope: Option<String>,
}

/// This client's registration at one resource authorization server.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsCredential {
    /// The authorization server's issuer identifier.
    pub issuer: String,
    /// The client's id there.
    pub client_id: String,
    /// The client's secret there.
    pub client_secret: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    authorization_servers: Vec<AsCredential>,
}

/// Reads an authorization-server credentials file (TOML, `[[authorization_servers]]` with
/// `issuer`, `client_id`, `client_secret`).
pub fn read_credentials(path: &Path) -> Result<Vec<AsCredential>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: CredentialsFile =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file.authorization_servers)
}

/// Where `xaa login` keeps its session: `$XAA_CONFIG_DIR`, else `$XDG_CONFIG_HOME/xaa`, else
/// `~/.config/xaa`.
pub fn config_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("XAA_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("xaa"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|home| PathBuf::from(home).join(".config").join("xaa"))
        .ok_or_else(|| "no configuration directory: set XAA_CONFIG_DIR or HOME".into())
}

/// The session file in `dir`.
pub fn session_path(dir: &Path) -> PathBuf {
    dir.join("session.json")
}

/// Reads the session `xaa login` stored.
pub fn load_session(dir: &Path) -> Result<Session, String> {
    let path = session_path(dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "not signed in ({} does not exist): run xaa login",
                path.display()
            ))
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the session atomically: a 0600 temporary file in a 0700 directory, then a rename,
/// so a crash never leaves half a session and the tokens are never readable by others.
pub fn save_session(dir: &Path, session: &Session) -> Result<(), String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = serde_json::to_string_pretty(session).map_err(|e| format!("session: {e}"))?;
    let path = session_path(dir);
    let temporary = dir.join(".session.json.tmp");
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&temporary)
        .map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", temporary.display()))?;
    std::fs::rename(&temporary, &path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parameters whose values are tokens or secrets.
const SECRET_PARAMETERS: &[&str] = &[
    "subject_token",
    "actor_token",
    "assertion",
    "client_assertion",
    "client_secret",
    "password",
    "refresh_token",
    "code",
    "code_verifier",
];

/// JSON members whose values are tokens or secrets.
const SECRET_MEMBERS: &[&str] = &["access_token", "id_token", "refresh_token"];

/// A form body for display: token and secret values replaced by their length.
pub fn redact_form(body: &str) -> String {
    body.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if SECRET_PARAMETERS.contains(&name) => {
                format!("{name}=<redacted, {} bytes>", value.len())
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A JSON body for display: token values replaced; anything else unchanged (a body that
/// is not a JSON object is shown only by its length).
pub fn redact_json(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut members)) => {
            for (name, value) in members.iter_mut() {
                if SECRET_MEMBERS.contains(&name.as_str()) {
                    if let serde_json::Value::String(s) = value {
                        *value = format!("<redacted, {} bytes>", s.len()).into();
                    }
                }
            }
            serde_json::Value::Object(members).to_string()
        }
        _ if body.is_empty() => String::new(),
        _ => format!("<{} bytes>", body.len()),
    }
}

/// The header and claims of a compact JWS, for display; the signature is never shown.
pub fn decode_for_display(token: &str) -> Option<(serde_json::Value, serde_json::Value)> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let decode = |part: &str| -> Option<serde_json::Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    Some((decode(header)?, decode(payload)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idp_is_https_or_this_machine() {
        for good in [
            "https://idp.example.com",
            "https://idp.example.com/tenant/1",
            "HTTPS://IDP.example.com",
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://LOCALHOST:9/x",
            "http://[::1]:8080",
            "http://[0:0:0:0:0:0:0:1]:8080",
        ] {
            assert_eq!(check_idp_url(good), Ok(()), "{good}");
        }
        for bad in [
            "http://idp.example.com",
            "HTTP://idp.example.com",
            "http://10.0.0.5:8080",
            "http://127.0.0.2",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example/",
            "http://127.0.0.1@evil.example/",
            "http://evil.example#@127.0.0.1",
            "https://user:pass@idp.example.com",
            "http://local\thost",
            "http://127.0.0.1\\@evil.example",
            "ftp://idp.example.com",
            "idp.example.com",
            "",
        ] {
            let refused = check_idp_url(bad).expect_err(bad);
            assert!(refused.contains("must be an https URL"), "{refused}");
        }
    }

    #[test]
    fn redaction_hides_every_token_and_secret() {
        let form = "grant_type=x&subject_token=eyJ.a.b&audience=https%3A%2F%2Fas&password=hunter2";
        let shown = redact_form(form);
        assert!(
            !shown.contains("eyJ") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(shown.contains("audience=https%3A%2F%2Fas"));
        let json = r#"{"access_token":"eyJ.x.y","refresh_token":"r","token_type":"N_A"}"#;
        let shown = redact_json(json);
        assert!(
            !shown.contains("eyJ") && !shown.contains("\"r\""),
            "{shown}"
        );
        assert!(shown.contains("N_A"));
        assert_eq!(redact_json("eyJ.secret"), "<10 bytes>");
    }

    #[test]
    fn sessions_are_written_0600_in_a_0700_directory() {
        let dir = tempfile_dir();
        let session = Session {
            idp: "http://127.0.0.1:1".into(),
            token_endpoint: "http://127.0.0.1:1/token".into(),
            client_id: "c".into(),
            client_secret: "s".into(),
            id_token: "a.b.c".into(),
            id_token_expires_at: 10,
            refresh_token: None,
            refresh_token_expires_at: None,
            access_tokens: BTreeMap::new(),
        };
        let nested = dir.join("xaa");
        save_session(&nested, &session).unwrap();
        save_session(&nested, &session).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&session_path(&nested)), 0o600);
            assert_eq!(mode(&nested), 0o700);
        }
        assert_eq!(load_session(&nested).unwrap().id_token, "a.b.c");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_component_encodes_the_sign_in_and_basic_credentials() {
        let runtime =
            std::sync::Arc::new(crate::Runtime::embedded(crate::Limits::default()).unwrap());
        let mut component =
            Validator::unconfigured(runtime, crate::default_imports(None, false)).unwrap();
        // RFC 6749 Appendix B (space as `+`, UTF-8 percent-encoded) and §2.3.1 (the id and the
        // secret form-encoded before base64: "a%3Ab:c+d").
        let body = component
            .client(|s, c| c.call_sign_in_body(s, "a b+c/é", "p&q=r"))
            .unwrap();
        assert_eq!(body, "username=a+b%2Bc%2F%C3%A9&password=p%26q%3Dr");
        let basic = component
            .client(|s, c| c.call_basic_authorization(s, "a:b", "c d"))
            .unwrap();
        assert_eq!(basic, "Basic YSUzQWI6Yytk");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xaa-client-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
