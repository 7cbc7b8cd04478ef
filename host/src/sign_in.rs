//! `xaa login` at any OpenID provider: the authorization code flow with PKCE, the redirect
//! received on a loopback listener (RFC 8252 §7.3), the user's browser opened for them.
//!
//! The order: discovery (OpenID Connect Discovery, then RFC 8414) → a listener on
//! `127.0.0.1:<ephemeral>` → the component's authorization request (`state`, `nonce`, PKCE
//! verifier) → the browser (and the URL printed) → the one redirect to `/callback`, read by
//! the component (`state`, `iss`, `error`) → the code redeemed at the token endpoint → the
//! provider's JWK Set → the ID token validated by the component (signature, `iss`, `aud`,
//! `nonce`, times) → the session. Nothing is stored unless every step passed. This file
//! only listens, fetches and sends.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::client::{check_idp_url, check_server_url, Client, Event, Session};

/// What one sign-in needs.
pub struct SignIn<'a> {
    /// The provider's issuer identifier.
    pub idp: &'a str,
    /// This client's id there.
    pub client_id: &'a str,
    /// Its secret, for a confidential client; `None` for a public one.
    pub client_secret: Option<&'a str>,
    /// Scopes to ask for (must include `openid`).
    pub scope: &'a str,
    /// How long to wait for the user.
    pub timeout: Duration,
    /// Where the ID token is exchanged for ID-JAGs when the provider does not do it itself:
    /// an ID-JAG broker (`xaa serve idp` with `[[upstream_idps]]`).
    pub broker: Option<Broker<'a>>,
}

/// An ID-JAG broker the session exchanges its ID token at.
pub struct Broker<'a> {
    /// Its issuer identifier (its RFC 8414 metadata is read from it).
    pub issuer: &'a str,
    /// This client's secret there (the same `client_id`).
    pub client_secret: &'a str,
}

/// Largest request head read from the browser at the listener.
const MAX_CALLBACK_BYTES: usize = 16 * 1024;

const DONE_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>xaa login</title>\
</head><body style=\"font:16px system-ui,sans-serif;margin:10vh auto;max-width:30rem;padding:0 1rem\">\
<h1>xaa login</h1><p>The sign-in's answer reached xaa. You can close this window; the \
terminal says whether it succeeded.</p></body></html>";

impl Client {
    /// Signs a user in at `sign_in.idp`; `open` shows the authorization URL to the user (a
    /// browser, or the terminal). Returns the session to store.
    pub fn sign_in(
        &mut self,
        sign_in: &SignIn<'_>,
        open: &mut dyn FnMut(&str),
        now: i64,
        events: &mut dyn FnMut(Event),
    ) -> Result<Session, String> {
        let idp = sign_in.idp;
        check_idp_url(idp)?;
        let discovery = self
            .component
            .client(|s, c| c.call_openid_configuration_url(s, idp))?;
        let endpoints = match self.metadata(
            &discovery,
            "OpenID provider metadata",
            events,
            |s, c, body| c.call_read_sign_in_metadata(s, idp, body),
        ) {
            Ok(endpoints) => endpoints,
            Err(first) => {
                let rfc8414 = self
                    .component
                    .client(|s, c| c.call_authorization_server_metadata_url(s, idp))?;
                self.metadata(&rfc8414, "IdP metadata (RFC 8414)", events, |s, c, body| {
                    c.call_read_sign_in_metadata(s, idp, body)
                })
                .map_err(|second| format!("{first}; {second}"))?
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| format!("a loopback listener for the redirect: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("the loopback listener: {e}"))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let request = self
            .component
            .client(|s, c| {
                c.call_new_authorization_request(
                    s,
                    &endpoints.authorization_endpoint,
                    sign_in.client_id,
                    &redirect_uri,
                    sign_in.scope,
                )
            })?
            .map_err(|why| format!("the authorization request: {why}"))?;
        open(&request.url);
        let query = wait_for_redirect(&listener, sign_in.timeout)?;
        let code = self
            .component
            .client(|s, c| c.call_read_authorization_response(s, &query, &request.state, idp))?
            .map_err(|why| format!("sign-in at {idp}: {why}"))?;
        let public = sign_in.client_secret.is_none().then_some(sign_in.client_id);
        let body = self.component.client(|s, c| {
            c.call_authorization_code_body(s, &code, &redirect_uri, &request.code_verifier, public)
        })?;
        let credentials = sign_in
            .client_secret
            .map(|secret| (sign_in.client_id, secret));
        let reply = self.post(
            &endpoints.token_endpoint,
            credentials,
            body,
            "redeem the authorization code",
            events,
        )?;
        let tokens = self
            .component
            .client(|s, c| c.call_read_sign_in_response(s, reply.status, &reply.body))?
            .map_err(|why| format!("{}: {why}", endpoints.token_endpoint))?;
        let jwks = self.get(&endpoints.jwks_uri, "the provider's signing keys", events)?;
        if jwks.status != 200 {
            return Err(format!("{}: HTTP {}", endpoints.jwks_uri, jwks.status));
        }
        let claims = self
            .component
            .client(|s, c| {
                c.call_validate_id_token(
                    s,
                    &tokens.id_token,
                    idp,
                    sign_in.client_id,
                    &request.nonce,
                    &jwks.body,
                )
            })?
            .map_err(|why| format!("the provider's ID token was refused: {why}"))?;
        events(Event::Token {
            label: "ID token".into(),
            token: tokens.id_token.clone(),
        });
        let (exchange_endpoint, exchange_secret, refresh_token) = match &sign_in.broker {
            Some(broker) => {
                check_server_url("--broker", "the broker", broker.issuer)?;
                let url = self
                    .component
                    .client(|s, c| c.call_authorization_server_metadata_url(s, broker.issuer))?;
                let metadata = self.metadata(
                    &url,
                    "the broker's metadata (RFC 8414)",
                    events,
                    |s, c, body| c.call_read_identity_provider_metadata(s, broker.issuer, body),
                )?;
                // The provider's refresh token is no subject token at the broker: once the ID
                // token expires, the user signs in again.
                (
                    metadata.token_endpoint,
                    broker.client_secret.to_owned(),
                    None,
                )
            }
            None => {
                if !endpoints.issues_id_jags {
                    events(Event::Note(format!(
                        "{idp} does not advertise ID-JAG token exchange: `xaa token` needs an IdP that does, or --broker"
                    )));
                }
                let secret = sign_in.client_secret.unwrap_or_default().to_owned();
                (endpoints.token_endpoint, secret, tokens.refresh_token)
            }
        };
        // The component validated `exp`; it is read here only to know when to stop using it.
        let exp = serde_json::from_str::<serde_json::Value>(&claims)
            .ok()
            .and_then(|c| c["exp"].as_f64())
            .map_or(now, |exp| exp as i64);
        Ok(Session {
            idp: idp.to_owned(),
            token_endpoint: exchange_endpoint,
            client_id: sign_in.client_id.to_owned(),
            client_secret: exchange_secret,
            id_token: tokens.id_token,
            id_token_expires_at: exp,
            refresh_token,
            refresh_token_expires_at: tokens
                .refresh_token_expires_in
                .map(|s| now.saturating_add(i64::try_from(s).unwrap_or(i64::MAX))),
            access_tokens: Default::default(),
        })
    }
}

/// Serves the listener until the browser brings the redirect (`GET /callback?...`) or
/// `timeout` passes; answers other paths 404. Returns the redirect's query.
fn wait_for_redirect(listener: &TcpListener, timeout: Duration) -> Result<String, String> {
    let deadline = Instant::now() + timeout;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("the loopback listener: {e}"))?;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(query) = answer(stream) {
                    return Ok(query);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(format!(
                        "no sign-in within {} s (nothing was stored); run xaa login again",
                        timeout.as_secs()
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(format!("the loopback listener: {e}")),
        }
    }
}

/// Reads one request; answers it; returns the query of `GET /callback`.
fn answer(mut stream: TcpStream) -> Option<String> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_CALLBACK_BYTES {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let target = line
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let query = match target.split_once('?') {
        Some(("/callback", query)) => Some(query.to_owned()),
        _ if target == "/callback" => Some(String::new()),
        _ => None,
    };
    let (status, body) = match query {
        Some(_) => ("200 OK", DONE_PAGE),
        None => ("404 Not Found", "not found"),
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    query
}
