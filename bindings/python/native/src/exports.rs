//! `Engine.call`: any export of the component by its WIT name, arguments and result as JSON
//! in the serde shape of the host bindings (`Option` as the value or `null`, a variant case
//! as `{"Case": payload}` or `"Case"`, a `result` as `{"Ok": ...}` / `{"Err": ...}`,
//! records with snake_case field names, `list<u8>` as an array of numbers).

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use xaa_host::bindings::exports::xaa::token::client::{SubjectTokenType, TokenRequestKind};
use xaa_host::wit::{HttpRequest, JwksResponse};

use crate::pool::Pool;
use crate::serde_shape;

/// Why a call gave no result.
pub(crate) enum CallError {
    /// Unknown function, or arguments that are not its parameters (Python `ValueError`).
    Request(String),
    /// The component trapped; the instance was replaced (Python `xaa_token._native.Trap`).
    Trap(String),
}

/// Every function `call` accepts, by WIT name (interface-qualified).
pub(crate) const FUNCTIONS: &[&str] = &[
    "validator.validate-id-jag",
    "validator.validate-access-token",
    "validator.explain-id-jag",
    "validator.explain-access-token",
    "validator.pending-jwks-fetches",
    "validator.supply-jwks",
    "validator.clear-token-cache",
    "validator.take-token-cache-stats",
    "validator.authorization-server-http",
    "validator.identity-provider-http",
    "validator.resource-server-http",
    "validator.gateway-http",
    "validator.verify-jws-signature",
    "client.resource-metadata-from-challenge",
    "client.protected-resource-metadata-url",
    "client.authorization-server-metadata-url",
    "client.read-protected-resource-metadata",
    "client.read-authorization-server-metadata",
    "client.read-identity-provider-metadata",
    "client.token-exchange-body",
    "client.jwt-bearer-body",
    "client.read-token-response",
    "client.sign-in-body",
    "client.basic-authorization",
    "keys.signing-key-thumbprint",
    "keys.client-secret-digest",
];

/// Calls `function` with the JSON array `args_json`; the result as JSON text.
pub(crate) fn call(pool: &Pool, function: &str, args_json: &str) -> Result<String, CallError> {
    let args: Value = serde_json::from_str(args_json).map_err(|e| {
        CallError::Request(format!(
            "{function}: args_json: {}",
            serde_shape::without_strings(&e.to_string())
        ))
    })?;
    if !args.is_array() {
        return Err(CallError::Request(format!(
            "{function}: args_json must be a JSON array of the arguments"
        )));
    }
    let a = Args { function, args };
    let result = match function {
        "validator.validate-id-jag" => {
            let (token, client_id): (String, String) = a.take()?;
            json(pool.with(|v| v.validate_id_jag(&token, &client_id)))
        }
        "validator.validate-access-token" => {
            let (token,): (String,) = a.take()?;
            json(pool.with(|v| v.validate_access_token(&token)))
        }
        "validator.explain-id-jag" => {
            let (token, client_id): (String, String) = a.take()?;
            json(pool.with(|v| v.explain_id_jag(&token, &client_id)))
        }
        "validator.explain-access-token" => {
            let (token,): (String,) = a.take()?;
            json(pool.with(|v| v.explain_access_token(&token)))
        }
        // Per-instance state: every instance answers or receives.
        "validator.pending-jwks-fetches" => {
            a.none()?;
            json(pool.with_all(|all| {
                let mut uris: Vec<String> = Vec::new();
                for v in all.iter_mut() {
                    for uri in v.pending_jwks_fetches() {
                        if !uris.contains(&uri) {
                            uris.push(uri);
                        }
                    }
                }
                uris
            }))
        }
        "validator.supply-jwks" => {
            let (uri, response): (String, JwksResponse) = a.take()?;
            trapped(pool.with_all(|all| {
                all.iter_mut()
                    .try_for_each(|v| v.supply_jwks(&uri, &response))
            }))
        }
        "validator.clear-token-cache" => {
            a.none()?;
            trapped(pool.with_all(|all| all.iter_mut().try_for_each(|v| v.clear_token_cache())))
        }
        "validator.take-token-cache-stats" => {
            a.none()?;
            trapped(pool.with_all(|all| {
                let (mut hits, mut misses) = (0u64, 0u64);
                for v in all.iter_mut() {
                    let stats = v.take_token_cache_stats()?;
                    hits = hits.saturating_add(stats.hits);
                    misses = misses.saturating_add(stats.misses);
                }
                Ok(xaa_host::wit::TokenCacheStats { hits, misses })
            }))
        }
        "validator.authorization-server-http" => {
            let (request,): (HttpRequest,) = a.take()?;
            trapped(pool.with(|v| v.authorization_server_http(&request)))
        }
        "validator.identity-provider-http" => {
            let (request,): (HttpRequest,) = a.take()?;
            trapped(pool.with(|v| v.identity_provider_http(&request)))
        }
        "validator.resource-server-http" => {
            let (request,): (HttpRequest,) = a.take()?;
            trapped(pool.with(|v| v.resource_server_http(&request)))
        }
        "validator.gateway-http" => {
            let (request,): (HttpRequest,) = a.take()?;
            trapped(pool.with(|v| v.gateway_http(&request)))
        }
        "validator.verify-jws-signature" => {
            let (token, jwks, algorithms): (String, String, Vec<String>) = a.take()?;
            json(pool.with(|v| v.verify_jws_signature(&token, &jwks, &algorithms)))
        }
        "validator.configure" => Err(CallError::Request(
            "validator.configure: an Engine is configured once, when it is made".into(),
        )),
        "client.resource-metadata-from-challenge" => {
            let (challenge,): (String,) = a.take()?;
            trapped(
                pool.with(|v| {
                    v.client(|s, c| c.call_resource_metadata_from_challenge(s, &challenge))
                }),
            )
        }
        "client.protected-resource-metadata-url" => {
            let (resource,): (String,) = a.take()?;
            trapped(
                pool.with(|v| {
                    v.client(|s, c| c.call_protected_resource_metadata_url(s, &resource))
                }),
            )
        }
        "client.authorization-server-metadata-url" => {
            let (issuer,): (String,) = a.take()?;
            trapped(
                pool.with(|v| {
                    v.client(|s, c| c.call_authorization_server_metadata_url(s, &issuer))
                }),
            )
        }
        "client.read-protected-resource-metadata" => {
            let (resource, document): (String, String) = a.take()?;
            trapped(pool.with(|v| {
                v.client(|s, c| c.call_read_protected_resource_metadata(s, &resource, &document))
            }))
        }
        "client.read-authorization-server-metadata" => {
            let (issuer, document): (String, String) = a.take()?;
            trapped(pool.with(|v| {
                v.client(|s, c| c.call_read_authorization_server_metadata(s, &issuer, &document))
            }))
        }
        "client.read-identity-provider-metadata" => {
            let (issuer, document): (String, String) = a.take()?;
            trapped(pool.with(|v| {
                v.client(|s, c| c.call_read_identity_provider_metadata(s, &issuer, &document))
            }))
        }
        "client.token-exchange-body" => {
            type A = (
                String,
                SubjectTokenType,
                String,
                Option<String>,
                Option<String>,
            );
            let (subject, subject_type, audience, resource, scope): A = a.take()?;
            trapped(pool.with(|v| {
                v.client(|s, c| {
                    c.call_token_exchange_body(
                        s,
                        &subject,
                        subject_type,
                        &audience,
                        resource.as_deref(),
                        scope.as_deref(),
                    )
                })
            }))
        }
        "client.jwt-bearer-body" => {
            let (id_jag, resource, scope): (String, Option<String>, Option<String>) = a.take()?;
            trapped(pool.with(|v| {
                v.client(|s, c| {
                    c.call_jwt_bearer_body(s, &id_jag, resource.as_deref(), scope.as_deref())
                })
            }))
        }
        "client.read-token-response" => {
            let (kind, status, body): (TokenRequestKind, u16, String) = a.take()?;
            trapped(
                pool.with(|v| v.client(|s, c| c.call_read_token_response(s, kind, status, &body))),
            )
        }
        "client.sign-in-body" => {
            let (username, password): (String, String) = a.take()?;
            trapped(pool.with(|v| v.client(|s, c| c.call_sign_in_body(s, &username, &password))))
        }
        "client.basic-authorization" => {
            let (client_id, secret): (String, String) = a.take()?;
            trapped(
                pool.with(|v| v.client(|s, c| c.call_basic_authorization(s, &client_id, &secret))),
            )
        }
        "keys.signing-key-thumbprint" => {
            let (private_jwk,): (String,) = a.take()?;
            trapped(pool.with(|v| v.keys(|s, k| k.call_signing_key_thumbprint(s, &private_jwk))))
        }
        "keys.client-secret-digest" => {
            let (secret,): (String,) = a.take()?;
            trapped(pool.with(|v| v.keys(|s, k| k.call_client_secret_digest(s, &secret))))
        }
        _ => Err(CallError::Request(format!(
            "unknown function {function:?}; known: {}",
            FUNCTIONS.join(", ")
        ))),
    }?;
    Ok(result)
}

/// The argument array of one call.
struct Args<'a> {
    function: &'a str,
    args: Value,
}

impl Args<'_> {
    /// No arguments: the array is empty.
    fn none(self) -> Result<(), CallError> {
        match self.args.as_array() {
            Some(args) if args.is_empty() => Ok(()),
            _ => Err(CallError::Request(format!(
                "{}: takes no arguments ([])",
                self.function
            ))),
        }
    }

    /// The arguments as the tuple of the function's parameter types: exactly that many, each
    /// of its type.
    fn take<T: DeserializeOwned + Serialize>(self) -> Result<T, CallError> {
        serde_shape::read(self.args)
            .map_err(|e| CallError::Request(format!("{}: arguments: {e}", self.function)))
    }
}

fn json<T: Serialize>(value: T) -> Result<String, CallError> {
    serde_json::to_string(&value)
        .map_err(|e| CallError::Request(format!("the result has no JSON form: {e}")))
}

fn trapped<T: Serialize>(value: Result<T, String>) -> Result<String, CallError> {
    json(value.map_err(CallError::Trap)?)
}
