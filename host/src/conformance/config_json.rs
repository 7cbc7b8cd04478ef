//! The WIT `config` record in a host-neutral JSON form, for hosts that do not carry `xaa`'s
//! config-file loader (the Python and Node runners of `scripts/cross-host-smoke.sh`): `xaa
//! conformance configs` loads each suite configuration with that loader and writes this form.
//!
//! The form: snake_case WIT field names, `null` for `none`; a `key-source` as `{"inline":
//! text}` or `{"uri": uri}` (the suite's configurations have their keys inline); a
//! `client-credential` as `{"<snake_case case>": payload}` (`{"none": null}`).

use serde_json::{json, Value};

use crate::wit;

fn key_source(keys: &wit::KeySource) -> Value {
    match keys {
        wit::KeySource::Inline(text) => json!({ "inline": text }),
        wit::KeySource::Uri(uri) => json!({ "uri": uri }),
    }
}

fn credential(credential: &wit::ClientCredential) -> Value {
    match credential {
        wit::ClientCredential::SecretBasic(hex) => json!({ "secret_basic": hex }),
        wit::ClientCredential::SecretPost(hex) => json!({ "secret_post": hex }),
        wit::ClientCredential::PrivateKeyJwt(jwks) => json!({ "private_key_jwt": jwks }),
        wit::ClientCredential::None => json!({ "none": null }),
    }
}

fn token_endpoint(t: &wit::TokenEndpointConfig) -> Value {
    json!({
        "url": t.url,
        "jwks_uri": t.jwks_uri,
        "signing_keys": t.signing_keys,
        "signing_kid": t.signing_kid,
        "access_token_lifetime": t.access_token_lifetime,
        "may_outlive_assertion": t.may_outlive_assertion,
        "client_assertion_algorithms": t.client_assertion_algorithms,
        "allow_public_clients": t.allow_public_clients,
        "clients": t.clients.iter().map(|c| json!({
            "client_id": c.client_id,
            "credential": credential(&c.credential),
            "resources": c.resources,
            "scopes": c.scopes,
            "grant_types": c.grant_types,
            "issuers": c.issuers,
        })).collect::<Vec<_>>(),
    })
}

/// The IdP role as JSON (snake_case WIT field names, `null` for `none`).
fn identity_provider(i: &wit::IdentityProviderConfig) -> Value {
    json!({
        "issuer": i.issuer,
        "token_endpoint_url": i.token_endpoint_url,
        "jwks_uri": i.jwks_uri,
        "signing_keys": i.signing_keys,
        "signing_kid": i.signing_kid,
        "leeway": i.leeway,
        "resource_root_slash_equivalence": i.resource_root_slash_equivalence,
        "clients": i.clients.iter().map(|c| json!({
            "client_id": c.client_id,
            "credential": credential(&c.credential),
        })).collect::<Vec<_>>(),
        "users": i.users.iter().map(|u| json!({
            "sub": u.sub,
            "groups": u.groups,
            "disabled": u.disabled,
            "email": u.email,
            "password_sha256": u.password_sha256,
        })).collect::<Vec<_>>(),
        "connections": i.connections.iter().map(|c| json!({
            "client_id": c.client_id,
            "audience": c.audience,
            "audience_aliases": c.audience_aliases,
            "resources": c.resources,
            "scopes": c.scopes,
            "client_id_at_audience": c.client_id_at_audience,
            "id_jag_lifetime": c.id_jag_lifetime,
            "required_acr": c.required_acr,
            "max_auth_age": c.max_auth_age,
            "users": c.users,
            "groups": c.groups,
        })).collect::<Vec<_>>(),
        "development_sign_in": i.development_sign_in,
        "id_token_lifetime": i.id_token_lifetime,
        "refresh_token_lifetime": i.refresh_token_lifetime,
    })
}

/// The WIT `config` record as host-neutral JSON.
pub fn config_to_json(c: &wit::Config) -> Value {
    let authorization_server = c.authorization_server.as_ref().map(|a| {
        json!({
            "issuer": a.issuer,
            "resources": a.resources,
            "max_assertion_lifetime": a.max_assertion_lifetime,
            "leeway": a.leeway,
            "resource_root_slash_equivalence": a.resource_root_slash_equivalence,
            "trusted_issuers": a.trusted_issuers.iter().map(|t| json!({
                "issuer": t.issuer,
                "keys": key_source(&t.keys),
                "algorithms": t.algorithms,
                "subject_namespace": t.subject_namespace,
                "tenant_required": t.tenant_required,
            })).collect::<Vec<_>>(),
            "token_endpoint": a.token_endpoint.as_ref().map(token_endpoint),
        })
    });
    let resource_server = c.resource_server.as_ref().map(|r| {
        json!({
            "resource": r.resource,
            "issuer": r.issuer,
            "keys": key_source(&r.keys),
            "algorithms": r.algorithms,
            "leeway": r.leeway,
            "resource_metadata_url": r.resource_metadata_url,
            "resource_root_slash_equivalence": r.resource_root_slash_equivalence,
            "required_scopes": r.required_scopes.iter().map(|q| json!({
                "method": q.method,
                "tool": q.tool,
                "scopes": q.scopes,
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "authorization_server": authorization_server,
        "resource_server": resource_server,
        "identity_provider": c.identity_provider.as_ref().map(identity_provider),
        "jwks_cache": {
            "min_ttl": c.jwks_cache.min_ttl,
            "max_ttl": c.jwks_cache.max_ttl,
            "refresh_cooldown": c.jwks_cache.refresh_cooldown,
            "max_stale": c.jwks_cache.max_stale,
        },
        "token_cache_size": c.token_cache_size,
    })
}
