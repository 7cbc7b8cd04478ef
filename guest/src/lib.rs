//! # xaa-guest: the xaa-token component
//!
//! Every Cross-App Access token decision — ID-JAGs at a resource authorization server,
//! RFC 9068 access tokens at a resource server — made by one piece of code that runs as a
//! WebAssembly component in any host, and natively in tests and benchmarks.
//!
//! What this crate refuses to do:
//! - **No I/O, no clock, no entropy of its own.** Time, JWK Set fetches, the replay store,
//!   random bytes and the optional native verifier come from the [`Host`] trait (the
//!   WIT `xaa:token/host` interface in the component). Every verdict is reproducible from
//!   (configuration, token, keys, now, replay state).
//! - **No `none`, no HMAC, no keys from the token.** Algorithms come from configuration,
//!   keys from the issuer's configured or fetched JWK Set only.
//! - **No verdict without a code.** Every refusal carries a stable [`Code`] and one
//!   mapping to OAuth errors, HTTP status and `WWW-Authenticate` ([`Rejection::to_wire`]).
//!
//! The pipeline is DESIGN §5's: size caps → compact split → strict header → header policy →
//! key selection → signature over the received bytes → strict claims → claim rules →
//! replay. `id_jag` and `access_token` read top to bottom in that order.

// `unsafe` is denied everywhere; only the generated WIT glue (mod wit) may contain it.
#![deny(unsafe_code)]
// Internal modules are private without the `internals` feature; their items keep `pub`, which
// is their visibility with it.
#![cfg_attr(not(feature = "internals"), allow(unreachable_pub))]
// A native build without `internals` has no WIT glue (wasm32 only), so what only the glue
// uses (the client interface's discovery, the endpoints records) is unused there.
#![cfg_attr(
    not(any(feature = "internals", target_arch = "wasm32")),
    allow(dead_code)
)]

/// Declares internal modules: private behind the façade below, public with the `internals`
/// feature for the fuzz crate, the host's benches and the tests that mint raw tokens.
macro_rules! internal_modules {
    ($($module:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $module;
            #[cfg(not(feature = "internals"))]
            mod $module;
        )*
    };
}

internal_modules!(
    access_token,
    audit,
    authorization_code,
    authorization_endpoint,
    authorization_request,
    authorization_server,
    base64url,
    claims,
    client_auth,
    compact,
    config,
    dev_sign_in,
    discovery,
    error,
    explain,
    foreign_id_token,
    form,
    gateway,
    host,
    id_jag,
    id_token,
    identity_provider,
    issue,
    jose_header,
    json,
    jwk,
    jwks,
    jws,
    key_store,
    limits,
    metadata,
    policy,
    replay,
    resource_server,
    sign_in,
    sign_in_client,
    sign_in_page,
    signing,
    subject,
    token_cache,
    token_endpoint,
    token_exchange,
    token_request,
    urn,
    verified_token,
);
// The fixed host serves the unit tests and, through `internals`, the integration tests.
#[cfg(any(test, feature = "internals"))]
pub mod test_host;

// The façade: what an embedder (the WIT glue, a native host, the tests) needs to configure
// an instance, hand it tokens and requests, and read its verdicts.
pub use config::{
    AuthorizationServerConfig, ClientCredentialConfig, ClientRegistrationConfig, Config,
    ConfigError, DirectoryUserConfig, IdentityProviderConfig, IdpClientConfig, JwksCacheConfig,
    KeySource, ManagedConnectionConfig, ResourceServerConfig, ScopeRequirement,
    TokenEndpointConfig, TrustedIssuerConfig,
};
pub use error::{Code, Rejection, WireError};
pub use explain::{Check, Outcome};
pub use gateway::Decision as GatewayDecision;
pub use host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
pub use jose_header::Alg;
pub use token_request::{HttpRequest, HttpResponse};
pub use verified_token::VerifiedToken;

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code, unreachable_pub, missing_docs)]
mod wit;
#[cfg(target_arch = "wasm32")]
mod wit_tools;

use config::ValidConfig;
use error::Role;
use explain::Trace;
use key_store::{KeyStore, SourceId};
use token_cache::TokenCache;

/// A refusal with its wire form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Code and log-safe detail.
    pub rejection: Rejection,
    /// OAuth error, status, challenge.
    pub wire: WireError,
}

/// The outcome of one validation.
#[derive(Clone, Debug, PartialEq, Eq)]
// Returned by value once per validation and matched at once: boxing the token would only add
// an allocation to every valid verdict.
#[allow(clippy::large_enum_variant)]
pub enum Verdict {
    /// The token is valid.
    Valid(VerifiedToken),
    /// The token is refused.
    Rejected(Refusal),
}

impl Verdict {
    /// The rejection code, if refused.
    pub fn code(&self) -> Option<Code> {
        match self {
            Verdict::Valid(_) => None,
            Verdict::Rejected(r) => Some(r.rejection.code),
        }
    }
}

struct Configured {
    config: ValidConfig,
    keys: KeyStore,
    issuer_sources: Vec<SourceId>,
    resource_source: Option<SourceId>,
    token_cache: TokenCache,
}

/// One configured instance of the component: configuration, parsed keys and caches.
#[derive(Default)]
pub struct Validator {
    state: Option<Configured>,
}

impl Validator {
    /// An unconfigured instance.
    pub fn new() -> Self {
        Validator::default()
    }

    /// Configures the instance; on refusal the instance is left unconfigured.
    pub fn configure(&mut self, config: &Config) -> Result<(), Vec<ConfigError>> {
        self.state = None;
        let config = config.validate()?;
        let mut keys = KeyStore::new(config.cache);
        let issuer_sources = config
            .authorization_server
            .iter()
            .flat_map(|a| a.issuers.iter())
            .map(|i| keys.add(&i.keys))
            .collect();
        let resource_source = config.resource_server.as_ref().map(|r| keys.add(&r.keys));
        let token_cache = TokenCache::new(config.token_cache_size);
        self.state = Some(Configured {
            config,
            keys,
            issuer_sources,
            resource_source,
            token_cache,
        });
        Ok(())
    }

    /// Validates an ID-JAG presented by `client_id`.
    pub fn validate_id_jag(
        &mut self,
        host: &mut dyn Host,
        token: &str,
        client_id: &str,
    ) -> Verdict {
        self.id_jag(host, token, client_id, &mut Trace::off())
    }

    /// Validates an access token for this resource.
    pub fn validate_access_token(&mut self, host: &mut dyn Host, token: &str) -> Verdict {
        self.access_token(host, token, &mut Trace::off())
    }

    /// [`Validator::validate_id_jag`] with every check performed.
    pub fn explain_id_jag(
        &mut self,
        host: &mut dyn Host,
        token: &str,
        client_id: &str,
    ) -> (Verdict, Vec<Check>) {
        let mut trace = Trace::on();
        let verdict = self.id_jag(host, token, client_id, &mut trace);
        (verdict, trace.into_checks())
    }

    /// [`Validator::validate_access_token`] with every check performed.
    pub fn explain_access_token(
        &mut self,
        host: &mut dyn Host,
        token: &str,
    ) -> (Verdict, Vec<Check>) {
        let mut trace = Trace::on();
        let verdict = self.access_token(host, token, &mut trace);
        (verdict, trace.into_checks())
    }

    /// Serves the resource authorization server's HTTP surface: the token endpoint, the
    /// RFC 8414 metadata and the signing keys' JWK Set (`authorization_server`).
    pub fn authorization_server_http(
        &mut self,
        host: &mut dyn Host,
        request: &token_request::HttpRequest,
    ) -> token_request::HttpResponse {
        let Some(state) = &mut self.state else {
            return token_request::OAuthError::server_error("not configured").to_response();
        };
        let Some(config) = &state.config.authorization_server else {
            return token_request::OAuthError::server_error("no authorization server configured")
                .to_response();
        };
        let (sources, keys) = (&state.issuer_sources, &mut state.keys);
        authorization_server::handle(config, request, |endpoint| {
            let ctx = token_endpoint::Context {
                config,
                sources,
                keys,
                endpoint,
            };
            token_endpoint::handle(ctx, host, request)
        })
    }

    /// Serves the IdP's HTTP surface: the token-exchange endpoint (with its audit event), the
    /// RFC 8414 metadata and the signing keys' JWK Set (`identity_provider`).
    pub fn identity_provider_http(
        &mut self,
        host: &mut dyn Host,
        request: &token_request::HttpRequest,
    ) -> token_request::HttpResponse {
        match self
            .state
            .as_ref()
            .and_then(|s| s.config.identity_provider.as_ref())
        {
            Some(idp) => identity_provider::handle(idp, host, request),
            None => token_request::OAuthError::server_error("no identity provider configured")
                .to_response(),
        }
    }

    /// Serves a protected resource: its RFC 9728 metadata and a bearer-protected echo at the
    /// resource's path (`resource_server`).
    pub fn resource_server_http(
        &mut self,
        host: &mut dyn Host,
        request: &token_request::HttpRequest,
    ) -> token_request::HttpResponse {
        self.with_resource_server(host, |config, validate| {
            resource_server::handle(config, request, validate)
        })
        .unwrap_or_else(|refusal| refusal)
    }

    /// The gateway's decision for one request (`gateway`).
    pub fn gateway_http(
        &mut self,
        host: &mut dyn Host,
        request: &token_request::HttpRequest,
    ) -> gateway::Decision {
        self.with_resource_server(host, |config, validate| {
            gateway::handle(config, request, validate)
        })
        .unwrap_or_else(gateway::Decision::Respond)
    }

    /// Runs `f` with the resource server's configuration and its access-token validation (with
    /// the instance's key store and token cache); `Err` (500) when that role is not configured.
    fn with_resource_server<T>(
        &mut self,
        host: &mut dyn Host,
        f: impl FnOnce(
            &config::ValidResourceServer,
            &mut dyn FnMut(&str) -> Result<VerifiedToken, Rejection>,
        ) -> T,
    ) -> Result<T, token_request::HttpResponse> {
        let Some(state) = &mut self.state else {
            return Err(token_request::OAuthError::server_error("not configured").to_response());
        };
        let (Some(config), Some(source)) = (&state.config.resource_server, state.resource_source)
        else {
            return Err(
                token_request::OAuthError::server_error("no resource server configured")
                    .to_response(),
            );
        };
        let (keys, cache) = (&mut state.keys, &mut state.token_cache);
        let mut validate = |token: &str| {
            let ctx = access_token::Context {
                config,
                source,
                keys: &mut *keys,
                cache: &mut *cache,
            };
            access_token::validate(ctx, host, token, &mut Trace::off())
        };
        Ok(f(config, &mut validate))
    }

    /// JWK Set URIs waiting for a host that could not fetch synchronously.
    pub fn pending_jwks_fetches(&self) -> Vec<String> {
        self.state
            .as_ref()
            .map(|s| s.keys.pending())
            .unwrap_or_default()
    }

    /// Hands in a JWK Set fetched outside `fetch_jwks`.
    pub fn supply_jwks(&mut self, host: &mut dyn Host, uri: &str, response: &JwksResponse) {
        if let Some(state) = &mut self.state {
            let now = host.monotonic_millis();
            state.keys.supply(uri, response, now);
        }
    }

    /// Access-token cache hits and misses since the last call (then zero).
    pub fn take_token_cache_stats(&mut self) -> (u64, u64) {
        self.state
            .as_mut()
            .map_or((0, 0), |state| state.token_cache.take_stats())
    }

    /// Forgets every cached access-token verdict.
    pub fn clear_token_cache(&mut self) {
        if let Some(state) = &mut self.state {
            state.token_cache.clear();
        }
    }

    fn id_jag(
        &mut self,
        host: &mut dyn Host,
        token: &str,
        client_id: &str,
        trace: &mut Trace,
    ) -> Verdict {
        let role = Role::AuthorizationServer;
        let Some(state) = &mut self.state else {
            return refuse(role, None, not_configured("no configuration"));
        };
        let Some(config) = &state.config.authorization_server else {
            return refuse(
                role,
                None,
                not_configured("no [authorization_server] configured"),
            );
        };
        let ctx = id_jag::Context {
            config,
            sources: &state.issuer_sources,
            keys: &mut state.keys,
        };
        match id_jag::validate(ctx, host, token, client_id, true, trace) {
            Ok(verified) => Verdict::Valid(verified),
            Err(rejection) => refuse(role, None, rejection),
        }
    }

    fn access_token(&mut self, host: &mut dyn Host, token: &str, trace: &mut Trace) -> Verdict {
        let role = Role::ResourceServer;
        let Some(state) = &mut self.state else {
            return refuse(role, None, not_configured("no configuration"));
        };
        let (Some(config), Some(source)) = (&state.config.resource_server, state.resource_source)
        else {
            return refuse(
                role,
                None,
                not_configured("no [resource_server] configured"),
            );
        };
        let ctx = access_token::Context {
            config,
            source,
            keys: &mut state.keys,
            cache: &mut state.token_cache,
        };
        match access_token::validate(ctx, host, token, trace) {
            Ok(verified) => Verdict::Valid(verified),
            Err(rejection) => refuse(role, config.resource_metadata_url.as_deref(), rejection),
        }
    }
}

/// DIAGNOSTICS AND CONFORMANCE ONLY: the JWS layer of `token` against the JWK Set `jwks`
/// and the `alg` names in `algorithms` (unknown names never match), checking no claim and no
/// `typ`. A verified signature does not make a token acceptable.
pub fn verify_jws_signature(
    host: &mut dyn Host,
    token: &str,
    jwks: &str,
    algorithms: &[String],
) -> Result<Vec<u8>, Refusal> {
    let role = Role::Diagnostic;
    let allowed: Vec<jose_header::Alg> = algorithms
        .iter()
        .filter_map(|name| jose_header::Alg::from_name(name))
        .collect();
    let refuse = |rejection: Rejection| {
        let wire = rejection.to_wire(role, None);
        Refusal { rejection, wire }
    };
    // Same order as the validators: the keys are consulted only after the header passed.
    let checked = jws::check_header(token, &allowed).map_err(refuse)?;
    let keys = jwks::parse(jwks).map_err(|why| refuse(Rejection::new(Code::KeyRejected, why)))?;
    checked
        .verify(host, jws::Keys::Set(&keys), &mut Trace::off())
        .map(|verified| verified.payload)
        .map_err(refuse)
}

fn not_configured(detail: &str) -> Rejection {
    Rejection::new(Code::NotConfigured, detail)
}

fn refuse(role: Role, resource_metadata: Option<&str>, rejection: Rejection) -> Verdict {
    let wire = rejection.to_wire(role, resource_metadata);
    Verdict::Rejected(Refusal { rejection, wire })
}
