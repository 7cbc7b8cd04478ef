//! One configured component instance, as a host uses it: every call runs under the
//! runtime's time and memory limits; a trap becomes an `internal_error` rejection and the
//! instance is replaced (re-instantiated and re-configured), never a crash.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::Store;
use wasmtime::{Error as WasmError, Result};

use crate::bindings::xaa::token::types::{
    Config, ConfigError, Explanation, GatewayDecision, Header, HttpRequest, HttpResponse,
    JwksResponse, JwsVerdict, Rejection, TokenCacheStats, Verdict,
};
use crate::bindings::Xaa;
use crate::imports::{HostState, Imports};
use crate::runtime::{begin_call, Runtime};

/// Why an instance could not be made.
#[derive(Debug)]
pub enum ConfigureError {
    /// The component refused the configuration.
    Refused(Vec<ConfigError>),
    /// Instantiation or the call itself failed.
    Runtime(WasmError),
}

impl std::fmt::Display for ConfigureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigureError::Refused(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    if e.path.is_empty() {
                        write!(f, "{}", e.message)?;
                    } else {
                        write!(f, "{}: {}", e.path, e.message)?;
                    }
                }
                Ok(())
            }
            ConfigureError::Runtime(e) => write!(f, "component runtime: {e:#}"),
        }
    }
}

impl std::error::Error for ConfigureError {}

/// The stable code hosts give a call that trapped.
pub const INTERNAL_ERROR: &str = "internal_error";

/// A configured instance.
pub struct Validator {
    runtime: Arc<Runtime>,
    imports: Imports,
    /// `None`: an instance for the configuration-free exports (the `client` and `keys`
    /// interfaces, `verify-jws-signature`).
    config: Option<Config>,
    time_per_call: Duration,
    live: Option<(Store<HostState>, Xaa)>,
}

impl Validator {
    /// Instantiates and configures.
    pub fn new(
        runtime: Arc<Runtime>,
        imports: Imports,
        config: Config,
    ) -> Result<Self, ConfigureError> {
        Self::start(runtime, imports, Some(config))
    }

    /// Instantiates without a configuration, for the exports that need none: the MCP
    /// client's helpers ([`Validator::client`]), the operator's ([`Validator::keys`]) and
    /// `verify-jws-signature`.
    pub fn unconfigured(runtime: Arc<Runtime>, imports: Imports) -> Result<Self, ConfigureError> {
        Self::start(runtime, imports, None)
    }

    fn start(
        runtime: Arc<Runtime>,
        imports: Imports,
        config: Option<Config>,
    ) -> Result<Self, ConfigureError> {
        let time_per_call = runtime.limits().time_per_call;
        let mut validator = Validator {
            runtime,
            imports,
            config,
            time_per_call,
            live: None,
        };
        validator.live = Some(validator.instantiate()?);
        Ok(validator)
    }

    fn instantiate(&self) -> Result<(Store<HostState>, Xaa), ConfigureError> {
        let mut store = self.runtime.new_store(&self.imports);
        store.data_mut().budget.limit = self.time_per_call;
        begin_call(&mut store);
        let xaa = self
            .runtime
            .instance_pre()
            .instantiate(&mut store)
            .map_err(ConfigureError::Runtime)?;
        let Some(config) = &self.config else {
            return Ok((store, xaa));
        };
        begin_call(&mut store);
        match xaa.xaa_token_validator().call_configure(&mut store, config) {
            Ok(Ok(())) => Ok((store, xaa)),
            Ok(Err(errors)) => Err(ConfigureError::Refused(errors)),
            Err(trap) => Err(ConfigureError::Runtime(trap)),
        }
    }

    /// Drops the live instance; the next call builds a fresh one. For a host that cannot
    /// trust the instance's state any more (a panic unwound through a call on it).
    pub fn discard_instance(&mut self) {
        self.live = None;
    }

    /// Changes the guest time each call may use, from the next call on (the runtime's
    /// [`crate::Limits::time_per_call`] by default).
    pub fn set_time_budget(&mut self, time_per_call: Duration) {
        self.time_per_call = time_per_call;
        if let Some((store, _)) = self.live.as_mut() {
            store.data_mut().budget.limit = time_per_call;
        }
    }

    /// The guest time each call may use.
    pub fn time_budget(&self) -> Duration {
        self.time_per_call
    }

    /// Runs one export call under the limits; a trap replaces the instance.
    fn call<T>(
        &mut self,
        f: impl FnOnce(&mut Store<HostState>, &Xaa) -> Result<T>,
    ) -> Result<T, String> {
        if self.live.is_none() {
            self.live = Some(self.instantiate().map_err(|e| e.to_string())?);
        }
        let Some((store, xaa)) = self.live.as_mut() else {
            return Err("no live instance".into());
        };
        begin_call(store);
        match f(store, xaa) {
            Ok(value) => Ok(value),
            Err(trap) => {
                let reason = trap_reason(&trap);
                // The instance may be in any state: drop it; build a new one now if the
                // limits allow, else on the next call.
                self.live = self.instantiate().ok();
                Err(reason)
            }
        }
    }

    /// Validates an ID-JAG presented by `client_id`.
    pub fn validate_id_jag(&mut self, token: &str, client_id: &str) -> Verdict {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_validate_id_jag(s, token, client_id)
        })
        .unwrap_or_else(trap_verdict)
    }

    /// Validates an access token for this resource.
    pub fn validate_access_token(&mut self, token: &str) -> Verdict {
        self.call(|s, x| x.xaa_token_validator().call_validate_access_token(s, token))
            .unwrap_or_else(trap_verdict)
    }

    /// Explains an ID-JAG verdict.
    pub fn explain_id_jag(&mut self, token: &str, client_id: &str) -> Explanation {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_explain_id_jag(s, token, client_id)
        })
        .unwrap_or_else(trap_explanation)
    }

    /// Explains an access-token verdict.
    pub fn explain_access_token(&mut self, token: &str) -> Explanation {
        self.call(|s, x| x.xaa_token_validator().call_explain_access_token(s, token))
            .unwrap_or_else(trap_explanation)
    }

    /// JWK Set URIs the component is waiting for.
    pub fn pending_jwks_fetches(&mut self) -> Vec<String> {
        self.call(|s, x| x.xaa_token_validator().call_pending_jwks_fetches(s))
            .unwrap_or_default()
    }

    /// Hands in a JWK Set fetched elsewhere.
    pub fn supply_jwks(&mut self, uri: &str, response: &JwksResponse) -> Result<(), String> {
        self.call(|s, x| x.xaa_token_validator().call_supply_jwks(s, uri, response))
    }

    /// DIAGNOSTICS AND CONFORMANCE ONLY: the JWS layer of `token` against `jwks`, no claims
    /// (see the WIT `verify-jws-signature`).
    pub fn verify_jws_signature(
        &mut self,
        token: &str,
        jwks: &str,
        algorithms: &[String],
    ) -> JwsVerdict {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_verify_jws_signature(s, token, jwks, algorithms)
        })
        .unwrap_or_else(|reason| JwsVerdict::Rejected(trap_rejection(reason)))
    }

    /// Serves one request of the authorization server's HTTP surface (token endpoint,
    /// metadata, JWK Set). `Err` carries why the component trapped (for the log); send
    /// [`trap_response`] then.
    pub fn authorization_server_http(
        &mut self,
        request: &HttpRequest,
    ) -> Result<HttpResponse, String> {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_authorization_server_http(s, request)
        })
    }

    /// Serves one request of the IdP's HTTP surface (token exchange, metadata, JWK Set); a
    /// token exchange's response carries its `audit-event`. `Err` as for
    /// [`Validator::authorization_server_http`].
    pub fn identity_provider_http(
        &mut self,
        request: &HttpRequest,
    ) -> Result<HttpResponse, String> {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_identity_provider_http(s, request)
        })
    }

    /// The gateway's decision for one request: forward it for a verified token, or answer it.
    /// `Err` as for [`Validator::authorization_server_http`].
    pub fn gateway_http(&mut self, request: &HttpRequest) -> Result<GatewayDecision, String> {
        self.call(|s, x| x.xaa_token_validator().call_gateway_http(s, request))
    }

    /// [`Validator::gateway_http`] without waiting for the network, for a call on an async
    /// worker: `fetch-jwks` answers `would-block`, and `Ok(None)` means the component asked
    /// for a JWK Set (then [`Validator::fetch_pending_jwks`] on a thread that may block, and
    /// call [`Validator::gateway_http`] again).
    pub fn gateway_http_offline(
        &mut self,
        request: &HttpRequest,
    ) -> Result<Option<GatewayDecision>, String> {
        self.set_offline(true);
        let decision = self.gateway_http(request);
        let deferred = self.set_offline(false);
        let decision = decision?;
        Ok((!deferred).then_some(decision))
    }

    /// Fetches (blocking) every JWK Set the component is waiting for and hands it in. A
    /// failed fetch is handed in as a 503 answer, which the component records as a failed
    /// fetch (it fails closed).
    pub fn fetch_pending_jwks(&mut self) {
        for uri in self.pending_jwks_fetches() {
            let response = self.imports.jwks.fetch(&uri).unwrap_or(JwksResponse {
                status: 503,
                body: String::new(),
                max_age: None,
            });
            if let Err(reason) = self.supply_jwks(&uri, &response) {
                tracing::error!(%reason, "supplying a fetched JWK Set failed");
            }
        }
    }

    /// Switches `fetch-jwks` to `would-block` (or back); answers whether a fetch was refused
    /// since the last switch.
    fn set_offline(&mut self, offline: bool) -> bool {
        match self.live.as_mut() {
            Some((store, _)) => {
                let state = store.data_mut();
                state.offline = offline;
                std::mem::take(&mut state.deferred_fetch)
            }
            // The call trapped and no instance could be built: nothing was deferred.
            None => false,
        }
    }

    /// Serves one request of a protected resource (RFC 9728 metadata, the bearer-protected
    /// echo). `Err` as for [`Validator::authorization_server_http`].
    pub fn resource_server_http(&mut self, request: &HttpRequest) -> Result<HttpResponse, String> {
        self.call(|s, x| {
            x.xaa_token_validator()
                .call_resource_server_http(s, request)
        })
    }

    /// Runs one call of the `client` interface (pure functions; see [`crate::client`]).
    /// `Err` carries why the component trapped.
    pub fn client<T>(
        &mut self,
        f: impl FnOnce(
            &mut Store<HostState>,
            &crate::bindings::exports::xaa::token::client::Guest,
        ) -> Result<T>,
    ) -> Result<T, String> {
        self.call(|s, x| f(s, x.xaa_token_client()))
    }

    /// Runs one call of the `keys` interface (what `xaa keys` writes into configurations).
    /// `Err` carries why the component trapped.
    pub fn keys<T>(
        &mut self,
        f: impl FnOnce(
            &mut Store<HostState>,
            &crate::bindings::exports::xaa::token::keys::Guest,
        ) -> Result<T>,
    ) -> Result<T, String> {
        self.call(|s, x| f(s, x.xaa_token_keys()))
    }

    /// Access-token cache hits and misses since the last call.
    pub fn take_token_cache_stats(&mut self) -> Result<TokenCacheStats, String> {
        self.call(|s, x| x.xaa_token_validator().call_take_token_cache_stats(s))
    }

    /// Forgets cached access-token verdicts.
    pub fn clear_token_cache(&mut self) -> Result<(), String> {
        self.call(|s, x| x.xaa_token_validator().call_clear_token_cache(s))
    }
}

fn trap_reason(trap: &WasmError) -> String {
    match trap.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => {
            "the component exceeded its execution time budget".into()
        }
        Some(other) => format!("the component trapped ({other})"),
        None => format!("the component failed ({trap})"),
    }
}

fn trap_rejection(reason: String) -> Rejection {
    Rejection {
        code: INTERNAL_ERROR.into(),
        oauth_error: "server_error".into(),
        http_status: 500,
        www_authenticate: None,
        description: format!("{reason}; the instance was replaced"),
    }
}

fn trap_verdict(reason: String) -> Verdict {
    Verdict::Rejected(trap_rejection(reason))
}

/// The response for a request whose call trapped: 500 `server_error`, no detail.
pub fn trap_response() -> HttpResponse {
    // The reason stays out of the response: it is the server's business, not the client's.
    HttpResponse {
        status: 500,
        headers: vec![
            Header {
                name: "Content-Type".into(),
                value: "application/json".into(),
            },
            Header {
                name: "Cache-Control".into(),
                value: "no-store".into(),
            },
        ],
        body: br#"{"error":"server_error","error_description":"internal error"}"#.to_vec(),
        verdict_code: Some(INTERNAL_ERROR.into()),
        audit_event: None,
    }
}

fn trap_explanation(reason: String) -> Explanation {
    Explanation {
        verdict: trap_verdict(reason),
        checks: Vec::new(),
    }
}
