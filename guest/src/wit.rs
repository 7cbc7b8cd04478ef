//! The component's WIT glue: `wit_bindgen::generate!` and type conversions only. A protocol
//! decision here would be in the wrong place; every `if` on a token value belongs to the
//! modules above.

use std::cell::RefCell;

use crate::config::{
    AuthorizationServerConfig, ClientCredentialConfig, ClientRegistrationConfig, Config,
    DirectoryUserConfig, IdentityProviderConfig, IdpClientConfig, JwksCacheConfig, KeySource,
    ManagedConnectionConfig, ResourceServerConfig, ScopeRequirement, TokenEndpointConfig,
    TrustedIssuerConfig,
};
use crate::discovery;
use crate::explain::{Check, Outcome};
use crate::host::{Accelerated, FetchError, Host, JwksResponse, PublicKeyRef};
use crate::jose_header::Alg;
use crate::token_request::{HttpRequest, HttpResponse};
use crate::{foreign_id_token, sign_in_client};
use crate::{Refusal, Validator, Verdict, VerifiedToken};

wit_bindgen::generate!({
    world: "xaa",
    path: "../wit",
});

use exports::xaa::token::client as wit_client;
use exports::xaa::token::validator::Guest;
use xaa::token::host as imports;
use xaa::token::types as wit;

// getrandom 0.2 (pulled by jwt-compact's rsa feature) needs a backend on
// wasm32-unknown-unknown. Verification never draws randomness; entropy for issued tokens
// comes from the host's `random-bytes` import. This backend always fails.
#[cfg(target_os = "unknown")]
fn no_ambient_randomness(_: &mut [u8]) -> Result<(), getrandom::Error> {
    Err(getrandom::Error::UNSUPPORTED)
}
#[cfg(target_os = "unknown")]
getrandom::register_custom_getrandom!(no_ambient_randomness);

thread_local! {
    static INSTANCE: RefCell<Validator> = RefCell::new(Validator::new());
}

struct Imports;

impl Host for Imports {
    fn now(&mut self) -> i64 {
        imports::now()
    }
    fn monotonic_millis(&mut self) -> u64 {
        imports::monotonic_millis()
    }
    fn fetch_jwks(&mut self, uri: &str) -> Result<JwksResponse, FetchError> {
        match imports::fetch_jwks(uri) {
            Ok(r) => Ok(JwksResponse {
                status: r.status,
                body: r.body,
                max_age: r.max_age,
            }),
            Err(wit::FetchError::Failed(why)) => Err(FetchError::Failed(why)),
            Err(wit::FetchError::WouldBlock) => Err(FetchError::WouldBlock),
        }
    }
    fn replay_insert(&mut self, key: &str, expires_at: i64) -> Result<bool, String> {
        imports::replay_insert(key, expires_at).map_err(|wit::ReplayError::Unavailable(why)| why)
    }
    fn random_bytes(&mut self, len: u32) -> Vec<u8> {
        imports::random_bytes(len)
    }
    fn verify_signature(
        &mut self,
        alg: Alg,
        key: PublicKeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Accelerated {
        // The signing input of a compact JWS is base64url text; anything else stays in wasm.
        let Ok(signing_input) = core::str::from_utf8(message) else {
            return Accelerated::NotOffered;
        };
        let Some(handle) = public_key_handle(alg, key) else {
            return Accelerated::NotOffered;
        };
        let signature = crate::base64url::encode(signature);
        match imports::verify_signature(handle, signing_input, &signature) {
            wit::AcceleratedVerify::Valid => Accelerated::Valid,
            wit::AcceleratedVerify::Invalid => Accelerated::Invalid,
            wit::AcceleratedVerify::NotOffered => Accelerated::NotOffered,
        }
    }
    fn sign_es256(&mut self, d: &[u8], point: &[u8], message: &[u8]) -> Option<Vec<u8>> {
        let signing_input = core::str::from_utf8(message).ok()?;
        let handle = signing_key_handle(d, point)?;
        let signature = imports::sign_es256(handle, signing_input)?;
        crate::base64url::decode(&signature)
    }
}

/// Most handles remembered per kind; past it the map starts afresh (the host hands out the
/// same handle again for a key it knows, so forgetting costs one import call).
const MAX_KEY_HANDLES: usize = 256;

type HandleMap = std::collections::BTreeMap<Vec<u8>, Option<u32>>;

thread_local! {
    /// The host's handle for each (algorithm, public key) registered so far, `None` when the
    /// host declined it. Keyed by the key bytes the host received.
    static PUBLIC_KEY_HANDLES: RefCell<HandleMap> = const { RefCell::new(HandleMap::new()) };
    /// Likewise for ES256 signing keys, keyed by the public point.
    static SIGNING_KEY_HANDLES: RefCell<HandleMap> = const { RefCell::new(HandleMap::new()) };
}

fn remembered(
    map: &'static std::thread::LocalKey<RefCell<HandleMap>>,
    id: Vec<u8>,
    register: impl FnOnce() -> Option<u32>,
) -> Option<u32> {
    if let Some(known) = map.with(|m| m.borrow().get(&id).copied()) {
        return known;
    }
    let handle = register();
    map.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_KEY_HANDLES {
            m.clear();
        }
        m.insert(id, handle);
    });
    handle
}

fn public_key_handle(alg: Alg, key: PublicKeyRef<'_>) -> Option<u32> {
    let (tag, wit_alg) = match alg {
        Alg::Es256 => (0u8, wit::Algorithm::Es256),
        Alg::Rs256 => (1, wit::Algorithm::Rs256),
        Alg::Ps256 => (2, wit::Algorithm::Ps256),
    };
    let mut id = vec![tag];
    match key {
        PublicKeyRef::EcP256(point) => id.extend_from_slice(point),
        PublicKeyRef::Rsa { n, e } => {
            // Length-prefixed so (n, e) pairs cannot collide.
            id.extend_from_slice(&(n.len() as u32).to_be_bytes());
            id.extend_from_slice(n);
            id.extend_from_slice(e);
        }
    }
    remembered(&PUBLIC_KEY_HANDLES, id, || {
        let key = match key {
            PublicKeyRef::EcP256(point) => wit::PublicKey::EcP256(point.to_vec()),
            PublicKeyRef::Rsa { n, e } => wit::PublicKey::Rsa(wit::RsaPublicKey {
                n: n.to_vec(),
                e: e.to_vec(),
            }),
        };
        imports::register_public_key(wit_alg, &key)
    })
}

fn signing_key_handle(d: &[u8], point: &[u8]) -> Option<u32> {
    remembered(&SIGNING_KEY_HANDLES, point.to_vec(), || {
        imports::register_signing_key(d, point)
    })
}

fn key_source(source: wit::KeySource) -> KeySource {
    match source {
        wit::KeySource::Inline(doc) => KeySource::Inline(doc),
        wit::KeySource::Uri(uri) => KeySource::Uri(uri),
    }
}

fn credential(c: wit::ClientCredential) -> ClientCredentialConfig {
    match c {
        wit::ClientCredential::SecretBasic(hex) => ClientCredentialConfig::SecretBasic(hex),
        wit::ClientCredential::SecretPost(hex) => ClientCredentialConfig::SecretPost(hex),
        wit::ClientCredential::PrivateKeyJwt(jwks) => ClientCredentialConfig::PrivateKeyJwt(jwks),
        wit::ClientCredential::None => ClientCredentialConfig::None,
    }
}

fn identity_provider(i: wit::IdentityProviderConfig) -> IdentityProviderConfig {
    IdentityProviderConfig {
        issuer: i.issuer,
        token_endpoint_url: i.token_endpoint_url,
        jwks_uri: i.jwks_uri,
        signing_keys: i.signing_keys,
        signing_kid: i.signing_kid,
        leeway: i.leeway,
        resource_root_slash_equivalence: i.resource_root_slash_equivalence,
        clients: i
            .clients
            .into_iter()
            .map(|c| IdpClientConfig {
                client_id: c.client_id,
                credential: credential(c.credential),
                redirect_uris: c.redirect_uris,
            })
            .collect(),
        users: i
            .users
            .into_iter()
            .map(|u| DirectoryUserConfig {
                sub: u.sub,
                groups: u.groups,
                disabled: u.disabled,
                email: u.email,
                password_sha256: u.password_sha256,
            })
            .collect(),
        connections: i
            .connections
            .into_iter()
            .map(|c| ManagedConnectionConfig {
                client_id: c.client_id,
                audience: c.audience,
                audience_aliases: c.audience_aliases,
                resources: c.resources,
                scopes: c.scopes,
                client_id_at_audience: c.client_id_at_audience,
                id_jag_lifetime: c.id_jag_lifetime,
                required_acr: c.required_acr,
                max_auth_age: c.max_auth_age,
                users: c.users,
                groups: c.groups,
            })
            .collect(),
        development_sign_in: i.development_sign_in,
        id_token_lifetime: i.id_token_lifetime,
        refresh_token_lifetime: i.refresh_token_lifetime,
    }
}

fn client(c: wit::ClientRegistration) -> ClientRegistrationConfig {
    ClientRegistrationConfig {
        client_id: c.client_id,
        credential: credential(c.credential),
        resources: c.resources,
        scopes: c.scopes,
        grant_types: c.grant_types,
        issuers: c.issuers,
    }
}

fn token_endpoint(t: wit::TokenEndpointConfig) -> TokenEndpointConfig {
    TokenEndpointConfig {
        url: t.url,
        jwks_uri: t.jwks_uri,
        signing_keys: t.signing_keys,
        signing_kid: t.signing_kid,
        access_token_lifetime: t.access_token_lifetime,
        may_outlive_assertion: t.may_outlive_assertion,
        client_assertion_algorithms: t.client_assertion_algorithms,
        allow_public_clients: t.allow_public_clients,
        clients: t.clients.into_iter().map(client).collect(),
    }
}

fn config(c: wit::Config) -> Config {
    Config {
        authorization_server: c.authorization_server.map(|a| AuthorizationServerConfig {
            issuer: a.issuer,
            resources: a.resources,
            max_assertion_lifetime: a.max_assertion_lifetime,
            leeway: a.leeway,
            resource_root_slash_equivalence: a.resource_root_slash_equivalence,
            trusted_issuers: a
                .trusted_issuers
                .into_iter()
                .map(|t| TrustedIssuerConfig {
                    issuer: t.issuer,
                    keys: key_source(t.keys),
                    algorithms: t.algorithms,
                    subject_namespace: t.subject_namespace,
                    tenant_required: t.tenant_required,
                })
                .collect(),
            token_endpoint: a.token_endpoint.map(token_endpoint),
        }),
        resource_server: c.resource_server.map(|r| ResourceServerConfig {
            resource: r.resource,
            issuer: r.issuer,
            keys: key_source(r.keys),
            algorithms: r.algorithms,
            leeway: r.leeway,
            resource_metadata_url: r.resource_metadata_url,
            resource_root_slash_equivalence: r.resource_root_slash_equivalence,
            required_scopes: r
                .required_scopes
                .into_iter()
                .map(|s| ScopeRequirement {
                    method: s.method,
                    tool: s.tool,
                    scopes: s.scopes,
                })
                .collect(),
        }),
        identity_provider: c.identity_provider.map(identity_provider),
        jwks_cache: JwksCacheConfig {
            min_ttl: c.jwks_cache.min_ttl,
            max_ttl: c.jwks_cache.max_ttl,
            refresh_cooldown: c.jwks_cache.refresh_cooldown,
            max_stale: c.jwks_cache.max_stale,
        },
        token_cache_size: c.token_cache_size,
    }
}

fn verified(v: &VerifiedToken) -> wit::VerifiedToken {
    wit::VerifiedToken {
        issuer: v.issuer().to_owned(),
        subject: v.subject().to_owned(),
        audience: v.audience().to_vec(),
        client_id: v.client_id().map(str::to_owned),
        scope: v.scope().map(str::to_owned),
        resource: v.resource().to_vec(),
        jwt_id: v.jwt_id().to_owned(),
        issued_at: v.issued_at(),
        expires_at: v.expires_at(),
        claims_json: v.claims_json().to_owned(),
    }
}

fn rejection(refusal: Refusal) -> wit::Rejection {
    wit::Rejection {
        code: refusal.rejection.code.as_str().to_owned(),
        oauth_error: refusal.wire.oauth_error.to_owned(),
        http_status: refusal.wire.http_status,
        www_authenticate: refusal.wire.www_authenticate,
        description: refusal.rejection.detail,
    }
}

fn verdict(v: Verdict) -> wit::Verdict {
    match v {
        Verdict::Valid(token) => wit::Verdict::Valid(verified(&token)),
        Verdict::Rejected(refusal) => wit::Verdict::Rejected(rejection(refusal)),
    }
}

fn explanation((v, checks): (Verdict, Vec<Check>)) -> wit::Explanation {
    wit::Explanation {
        verdict: verdict(v),
        checks: checks
            .into_iter()
            .map(|c| wit::Check {
                name: c.name.to_owned(),
                outcome: match c.outcome {
                    Outcome::Passed => wit::CheckOutcome::Passed,
                    Outcome::Failed => wit::CheckOutcome::Failed,
                    Outcome::Skipped => wit::CheckOutcome::Skipped,
                },
                detail: c.detail,
            })
            .collect(),
    }
}

struct Component;

impl Guest for Component {
    fn configure(c: wit::Config) -> Result<(), Vec<wit::ConfigError>> {
        INSTANCE
            .with_borrow_mut(|v| v.configure(&config(c)))
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|e| wit::ConfigError {
                        path: e.path,
                        message: e.message,
                    })
                    .collect()
            })
    }
    fn validate_id_jag(token: String, client_id: String) -> wit::Verdict {
        verdict(INSTANCE.with_borrow_mut(|v| v.validate_id_jag(&mut Imports, &token, &client_id)))
    }
    fn validate_access_token(token: String) -> wit::Verdict {
        verdict(INSTANCE.with_borrow_mut(|v| v.validate_access_token(&mut Imports, &token)))
    }
    fn explain_id_jag(token: String, client_id: String) -> wit::Explanation {
        explanation(
            INSTANCE.with_borrow_mut(|v| v.explain_id_jag(&mut Imports, &token, &client_id)),
        )
    }
    fn explain_access_token(token: String) -> wit::Explanation {
        explanation(INSTANCE.with_borrow_mut(|v| v.explain_access_token(&mut Imports, &token)))
    }
    fn pending_jwks_fetches() -> Vec<String> {
        INSTANCE.with_borrow(|v| v.pending_jwks_fetches())
    }
    fn supply_jwks(uri: String, response: wit::JwksResponse) {
        let response = JwksResponse {
            status: response.status,
            body: response.body,
            max_age: response.max_age,
        };
        INSTANCE.with_borrow_mut(|v| v.supply_jwks(&mut Imports, &uri, &response))
    }
    fn clear_token_cache() {
        INSTANCE.with_borrow_mut(|v| v.clear_token_cache())
    }
    fn take_token_cache_stats() -> wit::TokenCacheStats {
        let (hits, misses) = INSTANCE.with_borrow_mut(|v| v.take_token_cache_stats());
        wit::TokenCacheStats { hits, misses }
    }
    fn authorization_server_http(request: wit::HttpRequest) -> wit::HttpResponse {
        let request = http_request(request);
        http_response(
            INSTANCE.with_borrow_mut(|v| v.authorization_server_http(&mut Imports, &request)),
        )
    }
    fn identity_provider_http(request: wit::HttpRequest) -> wit::HttpResponse {
        let request = http_request(request);
        http_response(
            INSTANCE.with_borrow_mut(|v| v.identity_provider_http(&mut Imports, &request)),
        )
    }
    fn resource_server_http(request: wit::HttpRequest) -> wit::HttpResponse {
        let request = http_request(request);
        http_response(INSTANCE.with_borrow_mut(|v| v.resource_server_http(&mut Imports, &request)))
    }
    fn gateway_http(request: wit::HttpRequest) -> wit::GatewayDecision {
        let request = http_request(request);
        match INSTANCE.with_borrow_mut(|v| v.gateway_http(&mut Imports, &request)) {
            crate::gateway::Decision::Respond(response) => {
                wit::GatewayDecision::Respond(http_response(response))
            }
            crate::gateway::Decision::Forward(token) => {
                wit::GatewayDecision::Forward(verified(&token))
            }
        }
    }
    fn verify_jws_signature(
        token: String,
        jwks: String,
        algorithms: Vec<String>,
    ) -> wit::JwsVerdict {
        match crate::verify_jws_signature(&mut Imports, &token, &jwks, &algorithms) {
            Ok(payload) => wit::JwsVerdict::SignatureValid(payload),
            Err(refusal) => wit::JwsVerdict::Rejected(rejection(refusal)),
        }
    }
}

fn http_request(request: wit::HttpRequest) -> HttpRequest {
    HttpRequest {
        method: request.method,
        path: request.path,
        headers: request
            .headers
            .into_iter()
            .map(|h| (h.name, h.value))
            .collect(),
        body: request.body,
    }
}

fn http_response(response: HttpResponse) -> wit::HttpResponse {
    wit::HttpResponse {
        status: response.status,
        headers: response
            .headers
            .into_iter()
            .map(|(name, value)| wit::Header { name, value })
            .collect(),
        body: response.body,
        verdict_code: response.verdict_code.map(|c| c.as_str().to_owned()),
        audit_event: response.audit_event,
    }
}

export!(Component);

impl exports::xaa::token::keys::Guest for Component {
    fn signing_key_thumbprint(private_jwk: String) -> Result<String, String> {
        crate::wit_tools::signing_key_thumbprint(&private_jwk)
    }
    fn client_secret_digest(secret: String) -> String {
        crate::wit_tools::client_secret_digest(&secret)
    }
}

impl wit_client::Guest for Component {
    fn resource_metadata_from_challenge(www_authenticate: String) -> Option<String> {
        discovery::resource_metadata_from_challenge(&www_authenticate)
    }
    fn protected_resource_metadata_url(resource: String) -> String {
        discovery::protected_resource_metadata_url(&resource)
    }
    fn authorization_server_metadata_url(issuer: String) -> String {
        discovery::authorization_server_metadata_url(&issuer)
    }
    fn read_protected_resource_metadata(
        resource: String,
        document: String,
    ) -> Result<Vec<String>, String> {
        discovery::read_protected_resource_metadata(&resource, &document)
    }
    fn read_authorization_server_metadata(
        issuer: String,
        document: String,
    ) -> Result<wit_client::AuthorizationServerEndpoints, String> {
        discovery::read_resource_authorization_server_metadata(&issuer, &document).map(endpoints)
    }
    fn read_identity_provider_metadata(
        issuer: String,
        document: String,
    ) -> Result<wit_client::IdentityProviderEndpoints, String> {
        discovery::read_identity_provider_metadata(&issuer, &document).map(|e| {
            wit_client::IdentityProviderEndpoints {
                token_endpoint: e.token_endpoint,
                development_sign_in_endpoint: e.development_sign_in_endpoint,
            }
        })
    }
    fn token_exchange_body(
        subject_token: String,
        subject_type: wit_client::SubjectTokenType,
        audience: String,
        resource: Option<String>,
        scope: Option<String>,
    ) -> String {
        let kind = match subject_type {
            wit_client::SubjectTokenType::IdToken => discovery::SubjectKind::IdToken,
            wit_client::SubjectTokenType::RefreshToken => discovery::SubjectKind::RefreshToken,
        };
        discovery::token_exchange_body(
            &subject_token,
            kind,
            &audience,
            resource.as_deref(),
            scope.as_deref(),
        )
    }
    fn jwt_bearer_body(id_jag: String, resource: Option<String>, scope: Option<String>) -> String {
        discovery::jwt_bearer_body(&id_jag, resource.as_deref(), scope.as_deref())
    }
    fn openid_configuration_url(issuer: String) -> String {
        sign_in_client::openid_configuration_url(&issuer)
    }
    fn read_sign_in_metadata(
        issuer: String,
        document: String,
    ) -> Result<wit_client::SignInEndpoints, String> {
        sign_in_client::read_sign_in_metadata(&issuer, &document).map(|e| {
            wit_client::SignInEndpoints {
                authorization_endpoint: e.authorization_endpoint,
                token_endpoint: e.token_endpoint,
                jwks_uri: e.jwks_uri,
                issues_id_jags: e.issues_id_jags,
            }
        })
    }
    fn new_authorization_request(
        authorization_endpoint: String,
        client_id: String,
        redirect_uri: String,
        scope: String,
    ) -> Result<wit_client::AuthorizationRequest, String> {
        sign_in_client::new_authorization_request(
            &mut Imports,
            &authorization_endpoint,
            &client_id,
            &redirect_uri,
            &scope,
        )
        .map(|r| wit_client::AuthorizationRequest {
            url: r.url,
            state: r.state,
            nonce: r.nonce,
            code_verifier: r.code_verifier,
        })
    }
    fn read_authorization_response(
        query: String,
        state: String,
        issuer: String,
    ) -> Result<String, String> {
        sign_in_client::read_authorization_response(&query, &state, &issuer)
    }
    fn authorization_code_body(
        code: String,
        redirect_uri: String,
        code_verifier: String,
        public_client_id: Option<String>,
    ) -> String {
        sign_in_client::authorization_code_body(
            &code,
            &redirect_uri,
            &code_verifier,
            public_client_id.as_deref(),
        )
    }
    fn read_sign_in_response(
        status: u16,
        body: String,
    ) -> Result<wit_client::SignInTokens, String> {
        sign_in_client::read_sign_in_response(status, &body).map(|t| wit_client::SignInTokens {
            id_token: t.id_token,
            refresh_token: t.refresh_token,
            refresh_token_expires_in: t.refresh_token_expires_in,
        })
    }
    fn validate_id_token(
        token: String,
        issuer: String,
        client_id: String,
        nonce: String,
        jwks: String,
    ) -> Result<String, String> {
        let expected = foreign_id_token::Expected {
            issuer: &issuer,
            client_id: &client_id,
            nonce: &nonce,
            jwks: &jwks,
        };
        foreign_id_token::validate(&mut Imports, &token, &expected)
            .map_err(|r| format!("{}: {}", r.code.as_str(), r.detail))
    }
    fn sign_in_body(username: String, password: String) -> String {
        crate::wit_tools::sign_in_body(&username, &password)
    }
    fn basic_authorization(client_id: String, client_secret: String) -> String {
        crate::wit_tools::basic_authorization(&client_id, &client_secret)
    }
    fn read_token_response(
        kind: wit_client::TokenRequestKind,
        status: u16,
        body: String,
    ) -> Result<wit_client::TokenResponse, String> {
        let expected = match kind {
            wit_client::TokenRequestKind::TokenExchange => Some(crate::urn::TOKEN_TYPE_ID_JAG),
            wit_client::TokenRequestKind::JwtBearer => None,
        };
        Ok(
            match discovery::read_token_response(status, &body, expected)? {
                discovery::TokenResponse::Issued {
                    token,
                    expires_in,
                    scope,
                } => wit_client::TokenResponse::Issued(wit_client::IssuedToken {
                    token,
                    expires_in,
                    scope,
                }),
                discovery::TokenResponse::Refused { status, error } => {
                    wit_client::TokenResponse::Refused(wit_client::TokenRefusal { status, error })
                }
            },
        )
    }
}

fn endpoints(
    e: discovery::AuthorizationServerEndpoints,
) -> wit_client::AuthorizationServerEndpoints {
    wit_client::AuthorizationServerEndpoints {
        token_endpoint: e.token_endpoint,
    }
}
