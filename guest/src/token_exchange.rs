//! The IdP's token-exchange endpoint: an ID token in, an ID-JAG out (RFC 8693; ID-JAG draft
//! §4.3; specs.md §3a), as `handle(request) -> (response, audit event)`.
//!
//! Order: request shape (`token_request::read_token_exchange`: grant type, requested token
//! type id-jag, an ID token or refresh token as subject, `audience`, no actor token; rule 2)
//! → client authentication (`token_endpoint::authenticate`; rule 1) → the client enabled for
//! token exchange (`unauthorized_client`) → the ID token or refresh token issued by this IdP
//! to this very client (`id_token`; rules 3–5; `invalid_request` per RFC 8693 §2.2.2) → the
//! user read afresh from the
//! directory and enabled → managed-connection policy (`policy`; rules 6–9, 11: deny by
//! default, `invalid_target`, `invalid_scope`, `insufficient_user_authentication`) → the
//! ID-JAG with the granted `aud`, `resource`, `scope` (rules 10, 12, 13) → RFC 8693 §2.2.1
//! response with `token_type` `N_A` and no refresh token (rule 15). Every decision yields an
//! audit event.

use serde::Serialize;

use crate::audit::{self, AuditEvent};
use crate::client_auth::{authenticate, ClientDirectory};
use crate::config::IdentityProvider;
use crate::error::{oauth, Role};
use crate::host::Host;
use crate::error::Rejection;
use crate::foreign_id_token;
use crate::id_token::{self, Expectations, SubjectKind};
use crate::identity_provider::UpstreamKeys;
use crate::jws::Keys;
use crate::issue::{draw_jti, sign, Authentication, IdJagClaims};
use crate::policy::{self, Denial, ExchangeRequest, Subject};
use crate::token_request::{read_token_exchange, HttpRequest, HttpResponse, OAuthError};
use crate::urn::{GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE_ID_JAG, TYP_ID_JAG};

#[derive(Serialize)]
struct Success<'a> {
    access_token: &'a str,
    issued_token_type: &'a str,
    token_type: &'a str,
    expires_in: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

fn denied(denial: &Denial) -> HttpResponse {
    #[derive(Serialize)]
    struct Body<'a> {
        error: &'a str,
        error_description: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        acr_values: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_age: Option<u32>,
    }
    let (acr_values, max_age) = match denial {
        Denial::StepUpRequired {
            acr_values,
            max_age,
        } => (acr_values.as_deref(), *max_age),
        _ => (None, None),
    };
    let description = match denial {
        Denial::NoConnection => {
            "no connection allows this client to reach that audience and resource"
        }
        Denial::ResourceRequired => {
            "several resources are connected; request one with the resource parameter"
        }
        Denial::ScopeNotAllowed => "none of the requested scopes is allowed for this connection",
        Denial::UserNotAllowed => "this user may not use this connection",
        Denial::StepUpRequired { .. } => "the user must authenticate again",
    };
    let body = serde_json::to_vec(&Body {
        error: denial.error(),
        error_description: description,
        acr_values,
        max_age,
    })
    .unwrap_or_else(|_| oauth::SERVER_ERROR_BODY.to_vec());
    HttpResponse::json(400, body)
}

/// Handles one token-exchange request; always returns the audit event of the decision.
pub fn handle(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    request: &HttpRequest,
    upstream_keys: UpstreamKeys<'_>,
) -> (HttpResponse, AuditEvent) {
    AuditEvent::record(
        host.now(),
        "granted",
        |event| respond(idp, host, request, upstream_keys, event),
        |refused| match refused {
            Refused::OAuth(error, reason) => (error.to_response(), reason),
            Refused::Policy(denial) => (denied(&denial), denial.reason().into()),
        },
    )
}

enum Refused {
    OAuth(OAuthError, String),
    Policy(Denial),
}

fn as_refused(error: OAuthError) -> Refused {
    let reason = error.verdict_code.map_or(error.error, |c| c.as_str());
    Refused::OAuth(error, reason.to_owned())
}

fn respond(
    idp: &IdentityProvider,
    host: &mut dyn Host,
    http: &HttpRequest,
    upstream_keys: UpstreamKeys<'_>,
    event: &mut AuditEvent,
) -> Result<HttpResponse, Refused> {
    let request = read_token_exchange(http).map_err(as_refused)?;
    let authorization = http.header("authorization").map_err(as_refused)?;
    let directory = ClientDirectory::of_identity_provider(idp);
    let client =
        authenticate(host, &directory, authorization, &request.form).map_err(as_refused)?;
    event.client_id = Some(client.client_id.clone());
    // What was asked is recorded only for an authenticated client, and shortened: an
    // anonymous caller must not be able to write into the audit log (issue 11).
    event.audience = Some(audit::shortened(&request.audience));
    event.resource = request.resource.as_deref().map(audit::shortened);
    event.scope = request.scope.as_deref().map(audit::shortened);
    if !client.may_use(GRANT_TYPE_TOKEN_EXCHANGE) {
        return Err(as_refused(OAuthError::unauthorized_client(
            "this client is not enabled for token exchange",
        )));
    }
    let refused = |r: Rejection| {
        Refused::OAuth(
            OAuthError::refused(&r, Role::SubjectToken),
            r.code.as_str().to_owned(),
        )
    };
    // An ID token of an upstream provider (the broker): its `iss`, read unverified, only
    // picks whose keys must verify it.
    let upstream = match request.subject_kind {
        SubjectKind::IdToken => foreign_id_token::unverified_issuer(&request.subject_token)
            .filter(|iss| iss != &idp.issuer)
            .and_then(|iss| idp.upstreams.iter().position(|u| u.issuer == iss)),
        SubjectKind::RefreshToken => None,
    };
    let subject = match upstream {
        Some(index) => {
            let config = &idp.upstreams[index];
            event.upstream_issuer = Some(config.issuer.clone());
            let keys = Keys::Store {
                store: upstream_keys.store,
                source: upstream_keys.sources.get(index).copied().unwrap_or(usize::MAX),
            };
            let expected = foreign_id_token::Upstream {
                config,
                client_id: &client.client_id,
                leeway: idp.leeway,
            };
            foreign_id_token::validate_upstream(host, &request.subject_token, &expected, keys)
                .map_err(refused)?
        }
        None => {
            let expect = Expectations {
                issuer: &idp.issuer,
                keys: &idp.public_keys,
                client_id: &client.client_id,
                leeway: idp.leeway,
                kind: request.subject_kind,
            };
            id_token::validate(host, &request.subject_token, &expect).map_err(refused)?
        }
    };
    event.subject = Some(subject.subject.clone());
    let user = idp.users.iter().find(|u| u.sub == subject.subject);
    let admit_unknown = upstream.is_some_and(|i| idp.upstreams[i].admit_unknown_users);
    // A user no longer in the directory is as revoked as a disabled one, unless the
    // upstream's users are admitted as they come (no groups).
    let (groups, disabled) = match user {
        Some(u) => (u.groups.as_slice(), u.disabled),
        None => (&[][..], !admit_unknown),
    };
    let now = host.now();
    let grant = policy::decide(
        &idp.connections,
        &ExchangeRequest {
            client_id: &client.client_id,
            audience: &request.audience,
            resource: request.resource.as_deref(),
            scope: request.scope.as_deref(),
        },
        &Subject {
            sub: &subject.subject,
            groups,
            auth_time: subject.auth_time,
            acr: subject.acr.as_deref(),
            disabled,
        },
        now,
        idp.root_slash,
    )
    .map_err(Refused::Policy)?;
    event.audience = Some(grant.audience.to_owned());
    event.resource = Some(grant.resource.to_owned());
    event.scope = grant.scope.clone();

    let server_error = |why: &str| as_refused(OAuthError::server_error(why));
    let jti = draw_jti(host).map_err(server_error)?;
    let key = idp.signing.current().map_err(server_error)?;
    let lifetime = grant.connection.id_jag_lifetime_secs();
    let claims = IdJagClaims {
        iss: idp.issuer.clone(),
        sub: subject.subject.clone(),
        aud: grant.audience.to_owned(),
        client_id: grant.connection.client_id_at_audience.clone(),
        jti: jti.clone(),
        iat: now,
        exp: now.saturating_add(i64::from(lifetime)),
        resource: grant.resource.to_owned(),
        scope: grant.scope.clone(),
        tenant: subject.tenant.clone(),
        authentication: Authentication {
            auth_time: subject.auth_time,
            acr: subject.acr.clone(),
            amr: subject.amr.clone(),
        },
        email: subject.email.clone(),
    };
    let id_jag = sign(host, TYP_ID_JAG, key, &claims).map_err(server_error)?;
    event.id_jag_jti = Some(jti);
    let body = serde_json::to_vec(&Success {
        access_token: &id_jag,
        issued_token_type: TOKEN_TYPE_ID_JAG,
        token_type: "N_A",
        expires_in: lifetime,
        scope: grant.scope.as_deref(),
    })
    .map_err(|_| server_error("encoding failed"))?;
    Ok(HttpResponse::json(200, body).with_header("Pragma", "no-cache".into()))
}
