//! One call of the component's `client` interface for a suite step ([`xaa_vectors::Input::Client`]),
//! its result rendered as JSON the way every host renders it (the Python and Node runners of
//! `scripts/cross-host-smoke.sh` mirror [`call`]): an option is its value or `null`; a result
//! `{"ok": ...}` or `{"err": message}`; a record an object with snake_case field names; the
//! `token-response` variant `{"issued": {...}}` or `{"refused": {...}}`; a u64 above
//! 2^53 - 1 its decimal string (what JavaScript numbers hold exactly); a trap `"<trap>"`.

use serde_json::{json, Map, Value};

use crate::bindings::exports::xaa::token::client::{
    SubjectTokenType, TokenRequestKind, TokenResponse,
};
use crate::Validator;

/// Every function of the `client` interface and its parameters (snake_case WIT names), in
/// order.
pub const FUNCTIONS: &[(&str, &[&str])] = &[
    ("resource-metadata-from-challenge", &["www_authenticate"]),
    ("protected-resource-metadata-url", &["resource"]),
    ("authorization-server-metadata-url", &["issuer"]),
    (
        "read-protected-resource-metadata",
        &["resource", "document"],
    ),
    (
        "read-authorization-server-metadata",
        &["issuer", "document"],
    ),
    ("read-identity-provider-metadata", &["issuer", "document"]),
    (
        "token-exchange-body",
        &[
            "subject_token",
            "subject_type",
            "audience",
            "resource",
            "scope",
        ],
    ),
    ("jwt-bearer-body", &["id_jag", "resource", "scope"]),
    ("read-token-response", &["kind", "status", "body"]),
    ("sign-in-body", &["username", "password"]),
    ("basic-authorization", &["client_id", "client_secret"]),
];

/// What the trap of a call renders as.
pub const TRAP: &str = "<trap>";

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn u64_json(n: u64) -> Value {
    if n <= MAX_SAFE_INTEGER {
        json!(n)
    } else {
        json!(n.to_string())
    }
}

/// `result<T, string>` as `{"ok": T}` or `{"err": message}`.
fn result_json<T>(result: Result<T, String>, ok: impl FnOnce(T) -> Value) -> Value {
    match result {
        Ok(value) => json!({ "ok": ok(value) }),
        Err(message) => json!({ "err": message }),
    }
}

fn token_response_json(response: TokenResponse) -> Value {
    match response {
        TokenResponse::Issued(t) => json!({"issued": {
            "token": t.token,
            "expires_in": t.expires_in.map(u64_json),
            "scope": t.scope,
        }}),
        TokenResponse::Refused(r) => json!({"refused": {"status": r.status, "error": r.error}}),
    }
}

/// A result that is JSON as it is (a string, or an option of one).
fn plain<T: serde::Serialize>(result: Result<T, String>) -> Result<Value, String> {
    result.map(|value| json!(value))
}

/// The arguments of one call, checked against [`FUNCTIONS`].
struct Args<'a>(&'a Map<String, Value>);

impl Args<'_> {
    fn text(&self, name: &str) -> Result<String, String> {
        match self.0.get(name) {
            Some(Value::String(text)) => Ok(text.clone()),
            other => Err(format!("argument {name}: not a string: {other:?}")),
        }
    }

    fn option(&self, name: &str) -> Result<Option<String>, String> {
        match self.0.get(name) {
            Some(Value::Null) => Ok(None),
            _ => self.text(name).map(Some),
        }
    }
}

/// Calls `function` with `args` on `instance`; `Err` when the step itself is malformed (an
/// unknown function, missing or extra arguments, an argument of the wrong type).
pub fn call(
    instance: &mut Validator,
    function: &str,
    args: &Map<String, Value>,
) -> Result<Value, String> {
    let (_, names) = FUNCTIONS
        .iter()
        .find(|(name, _)| *name == function)
        .ok_or_else(|| format!("unknown client function {function:?}"))?;
    if args.len() != names.len() || !names.iter().all(|n| args.contains_key(*n)) {
        return Err(format!(
            "{function}: arguments {:?} are not {names:?}",
            args.keys().collect::<Vec<_>>()
        ));
    }
    let a = Args(args);
    let result = match function {
        "resource-metadata-from-challenge" => {
            let challenge = a.text("www_authenticate")?;
            plain(instance.client(|s, c| c.call_resource_metadata_from_challenge(s, &challenge)))
        }
        "protected-resource-metadata-url" => {
            let resource = a.text("resource")?;
            plain(instance.client(|s, c| c.call_protected_resource_metadata_url(s, &resource)))
        }
        "authorization-server-metadata-url" => {
            let issuer = a.text("issuer")?;
            plain(instance.client(|s, c| c.call_authorization_server_metadata_url(s, &issuer)))
        }
        "read-protected-resource-metadata" => {
            let (resource, document) = (a.text("resource")?, a.text("document")?);
            instance
                .client(|s, c| c.call_read_protected_resource_metadata(s, &resource, &document))
                .map(|r| result_json(r, |servers| json!(servers)))
        }
        "read-authorization-server-metadata" => {
            let (issuer, document) = (a.text("issuer")?, a.text("document")?);
            instance
                .client(|s, c| c.call_read_authorization_server_metadata(s, &issuer, &document))
                .map(|r| result_json(r, |e| json!({"token_endpoint": e.token_endpoint})))
        }
        "read-identity-provider-metadata" => {
            let (issuer, document) = (a.text("issuer")?, a.text("document")?);
            instance
                .client(|s, c| c.call_read_identity_provider_metadata(s, &issuer, &document))
                .map(|r| {
                    result_json(r, |e| {
                        json!({
                            "token_endpoint": e.token_endpoint,
                            "development_sign_in_endpoint": e.development_sign_in_endpoint,
                        })
                    })
                })
        }
        "token-exchange-body" => {
            let subject_type = match a.text("subject_type")?.as_str() {
                "id-token" => SubjectTokenType::IdToken,
                "refresh-token" => SubjectTokenType::RefreshToken,
                other => return Err(format!("subject_type {other:?}")),
            };
            let (subject, audience) = (a.text("subject_token")?, a.text("audience")?);
            let (resource, scope) = (a.option("resource")?, a.option("scope")?);
            instance
                .client(|s, c| {
                    c.call_token_exchange_body(
                        s,
                        &subject,
                        subject_type,
                        &audience,
                        resource.as_deref(),
                        scope.as_deref(),
                    )
                })
                .map(|r| json!(r))
        }
        "jwt-bearer-body" => {
            let id_jag = a.text("id_jag")?;
            let (resource, scope) = (a.option("resource")?, a.option("scope")?);
            instance
                .client(|s, c| {
                    c.call_jwt_bearer_body(s, &id_jag, resource.as_deref(), scope.as_deref())
                })
                .map(|r| json!(r))
        }
        "read-token-response" => {
            let kind = match a.text("kind")?.as_str() {
                "token-exchange" => TokenRequestKind::TokenExchange,
                "jwt-bearer" => TokenRequestKind::JwtBearer,
                other => return Err(format!("kind {other:?}")),
            };
            let status = args
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or("argument status: not a u16")?;
            let body = a.text("body")?;
            instance
                .client(|s, c| c.call_read_token_response(s, kind, status, &body))
                .map(|r| result_json(r, token_response_json))
        }
        "sign-in-body" => {
            let (username, password) = (a.text("username")?, a.text("password")?);
            plain(instance.client(|s, c| c.call_sign_in_body(s, &username, &password)))
        }
        "basic-authorization" => {
            let (client_id, secret) = (a.text("client_id")?, a.text("client_secret")?);
            plain(instance.client(|s, c| c.call_basic_authorization(s, &client_id, &secret)))
        }
        other => return Err(format!("client function {other:?} has no call")),
    };
    Ok(result.unwrap_or_else(|_| json!(TRAP)))
}
