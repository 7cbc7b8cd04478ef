//! Managed connections: the administrator's policy at the IdP, deciding whether a client may
//! obtain an ID-JAG for a user at a resource authorization server (ID-JAG draft §4.3.3;
//! specs.md §3a rules 6–9, 11). Deny by default: a request is granted only through a
//! connection that names this client and this audience, and then only for that connection's
//! resources, scopes, users and groups.
//!
//! Groundwork for issue 4: pure decisions, tested natively; the token-exchange endpoint,
//! its configuration record and the audit log come next.

use crate::config::{same_resource, Connection};
use crate::error::oauth;

/// What the client asks for, after its authentication and the subject token's validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeRequest<'a> {
    /// The authenticated client's id at the IdP.
    pub client_id: &'a str,
    /// `audience` as requested.
    pub audience: &'a str,
    /// `resource` as requested, if any.
    pub resource: Option<&'a str>,
    /// `scope` as requested, if any (already syntax-checked).
    pub scope: Option<&'a str>,
}

/// The user, as the validated subject token and the IdP's directory describe them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject<'a> {
    /// Subject identifier.
    pub sub: &'a str,
    /// Groups the user belongs to.
    pub groups: &'a [String],
    /// When the user authenticated (`auth_time`), if known.
    pub auth_time: Option<i64>,
    /// How (`acr`), if known.
    pub acr: Option<&'a str>,
    /// Whether the user is disabled at the IdP.
    pub disabled: bool,
}

/// A granted request: what goes into the ID-JAG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant<'c> {
    /// The connection that granted it.
    pub connection: &'c Connection,
    /// The ID-JAG's `aud` (the connection's audience, never an alias).
    pub audience: &'c str,
    /// The ID-JAG's `resource`.
    pub resource: &'c str,
    /// The granted scope (space-separated), `None` when none was asked for or allowed.
    pub scope: Option<String>,
}

/// Why a request is refused; each maps to one RFC 8693 / ID-JAG error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Denial {
    /// No connection for this client and audience, or not for this resource (`invalid_target`).
    NoConnection,
    /// The connection covers several resources and the request named none (`invalid_target`).
    ResourceRequired,
    /// None of the requested scopes is allowed (`invalid_scope`).
    ScopeNotAllowed,
    /// The user is disabled, or not among the connection's users or groups (`invalid_grant`:
    /// re-authentication would not help).
    UserNotAllowed,
    /// The user's authentication is too old or too weak for this connection
    /// (`insufficient_user_authentication`, with the hints to retry).
    StepUpRequired {
        /// `acr_values` to ask for, if an `acr` is required.
        acr_values: Option<String>,
        /// `max_age` to ask for, if the authentication was too old.
        max_age: Option<u32>,
    },
}

impl Denial {
    /// The OAuth error code of this refusal.
    pub fn error(&self) -> &'static str {
        match self {
            Denial::NoConnection | Denial::ResourceRequired => oauth::INVALID_TARGET,
            Denial::ScopeNotAllowed => oauth::INVALID_SCOPE,
            Denial::UserNotAllowed => oauth::INVALID_GRANT,
            Denial::StepUpRequired { .. } => oauth::INSUFFICIENT_USER_AUTHENTICATION,
        }
    }

    /// A stable reason code for the audit log.
    pub fn reason(&self) -> &'static str {
        match self {
            Denial::NoConnection => "no_connection",
            Denial::ResourceRequired => "resource_required",
            Denial::ScopeNotAllowed => "scope_not_allowed",
            Denial::UserNotAllowed => "user_not_allowed",
            Denial::StepUpRequired { .. } => "step_up_required",
        }
    }
}

/// Decides a token-exchange request against the managed connections at time `now`.
///
/// Order: a connection for (client, audience or alias) → the resource among its resources
/// (or its only resource when none is requested) → the user allowed and enabled → the
/// authentication context → scope = requested ∩ connection (all the connection's scopes when
/// none is requested). `root_slash` is the RFC 9728 root-slash equivalence for resources.
pub fn decide<'c>(
    connections: &'c [Connection],
    request: &ExchangeRequest<'_>,
    subject: &Subject<'_>,
    now: i64,
    root_slash: bool,
) -> Result<Grant<'c>, Denial> {
    let mut candidates = connections.iter().filter(|c| {
        c.client_id == request.client_id
            && (c.audience == request.audience
                || c.audience_aliases.iter().any(|a| a == request.audience))
    });
    let (connection, resource) = match request.resource {
        Some(wanted) => candidates
            .find_map(|c| {
                c.resources
                    .iter()
                    .find(|r| same_resource(r, wanted, root_slash))
                    .map(|r| (c, r.as_str()))
            })
            .ok_or(Denial::NoConnection)?,
        None => {
            let connection = candidates.next().ok_or(Denial::NoConnection)?;
            match connection.resources.as_slice() {
                [only] => (connection, only.as_str()),
                _ => return Err(Denial::ResourceRequired),
            }
        }
    };

    let listed = |list: &Option<Vec<String>>, value: &str| {
        list.as_ref().is_some_and(|l| l.iter().any(|v| v == value))
    };
    let everyone = connection.users.is_none() && connection.groups.is_none();
    let member = listed(&connection.users, subject.sub)
        || subject.groups.iter().any(|g| listed(&connection.groups, g));
    if subject.disabled || !(everyone || member) {
        return Err(Denial::UserNotAllowed);
    }

    let acr_ok = match (&connection.required_acr, subject.acr) {
        (None, _) => true,
        (Some(accepted), Some(acr)) => accepted.iter().any(|a| a == acr),
        (Some(_), None) => false,
    };
    let fresh = match (connection.max_auth_age, subject.auth_time) {
        (None, _) => true,
        (Some(max), Some(at)) => now.saturating_sub(at) <= i64::from(max),
        (Some(_), None) => false,
    };
    if !acr_ok || !fresh {
        return Err(Denial::StepUpRequired {
            acr_values: (!acr_ok)
                .then(|| connection.required_acr.as_ref().map(|a| a.join(" ")))
                .flatten(),
            max_age: (!fresh).then_some(connection.max_auth_age).flatten(),
        });
    }

    let scope = match request.scope {
        Some(requested) => {
            let mut granted: Vec<&str> = Vec::new();
            for s in requested.split(' ') {
                if connection.scopes.iter().any(|c| c == s) && !granted.contains(&s) {
                    granted.push(s);
                }
            }
            if granted.is_empty() {
                return Err(Denial::ScopeNotAllowed);
            }
            Some(granted.join(" "))
        }
        None if connection.scopes.is_empty() => None,
        None => Some(connection.scopes.join(" ")),
    };
    Ok(Grant {
        connection,
        audience: &connection.audience,
        resource,
        scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_host::connection;

    const NOW: i64 = 1_800_000_000;

    fn request<'a>(
        client: &'a str,
        audience: &'a str,
        resource: Option<&'a str>,
        scope: Option<&'a str>,
    ) -> ExchangeRequest<'a> {
        ExchangeRequest {
            client_id: client,
            audience,
            resource,
            scope,
        }
    }

    const NO_GROUPS: &[String] = &[];

    fn user(sub: &str) -> Subject<'_> {
        Subject {
            sub,
            groups: NO_GROUPS,
            auth_time: Some(NOW - 60),
            acr: None,
            disabled: false,
        }
    }

    const A: &str = "https://as-a.example.com";
    const B: &str = "https://as-b.example.com";
    const RA: &str = "https://a.example.com/mcp";
    const RB: &str = "https://b.example.com/mcp";

    /// The decision on cursor's plain request for A (no resource, no scope) by `subject`.
    fn plain_request_by(connections: &[Connection], subject: &Subject<'_>) -> Result<(), Denial> {
        decide(
            connections,
            &request("cursor", A, None, None),
            subject,
            NOW,
            false,
        )
        .map(|_| ())
    }

    #[test]
    fn deny_by_default_and_connected_pairs_only() {
        let connections = [connection("cursor", A, &[RA])];
        let decide = |r: &ExchangeRequest<'_>| decide(&connections, r, &user("u1"), NOW, false);
        let grant = decide(&request("cursor", A, None, None)).unwrap();
        assert_eq!((grant.audience, grant.resource), (A, RA));
        assert_eq!(grant.scope.as_deref(), Some("chat.read chat.history"));
        assert_eq!(
            decide(&request("cursor", B, None, None)),
            Err(Denial::NoConnection),
            "connected to A, asking for B"
        );
        assert_eq!(
            decide(&request("other", A, None, None)),
            Err(Denial::NoConnection),
            "another client"
        );
        assert_eq!(
            decide(&request("cursor", A, Some(RB), None)),
            Err(Denial::NoConnection),
            "a resource of another server at A's audience (rule 7: pairs)"
        );
        assert!(super::decide(
            &[],
            &request("cursor", A, None, None),
            &user("u"),
            NOW,
            false
        )
        .is_err());
    }

    #[test]
    fn aliases_resolve_to_the_issuer_and_resources_narrow() {
        let mut c = connection("cursor", A, &[RA, RB]);
        c.audience_aliases = vec!["urn:example:as-a".into()];
        let connections = [c];
        let grant = decide(
            &connections,
            &request("cursor", "urn:example:as-a", Some(RB), None),
            &user("u1"),
            NOW,
            false,
        )
        .unwrap();
        assert_eq!(
            (grant.audience, grant.resource),
            (A, RB),
            "aud is never the alias"
        );
        assert_eq!(
            decide(
                &connections,
                &request("cursor", A, None, None),
                &user("u1"),
                NOW,
                false
            ),
            Err(Denial::ResourceRequired)
        );
    }

    #[test]
    fn scope_is_requested_intersect_connection() {
        let connections = [connection("cursor", A, &[RA])];
        let scope = |s: &str| {
            decide(
                &connections,
                &request("cursor", A, None, Some(s)),
                &user("u1"),
                NOW,
                false,
            )
            .map(|g| g.scope)
        };
        assert_eq!(scope("chat.read"), Ok(Some("chat.read".into())));
        assert_eq!(
            scope("admin chat.read chat.read"),
            Ok(Some("chat.read".into()))
        );
        assert_eq!(scope("admin"), Err(Denial::ScopeNotAllowed));
    }

    #[test]
    fn users_groups_and_disabled_users() {
        let mut c = connection("cursor", A, &[RA]);
        c.users = Some(vec!["alice".into()]);
        c.groups = Some(vec!["engineering".into()]);
        let connections = [c];
        let check = |subject: &Subject<'_>| plain_request_by(&connections, subject);
        assert_eq!(check(&user("alice")), Ok(()));
        assert_eq!(check(&user("bob")), Err(Denial::UserNotAllowed));
        let groups = vec!["engineering".to_owned()];
        let bob = Subject {
            groups: &groups,
            ..user("bob")
        };
        assert_eq!(check(&bob), Ok(()));
        let disabled = Subject {
            disabled: true,
            ..user("alice")
        };
        assert_eq!(check(&disabled), Err(Denial::UserNotAllowed));
    }

    #[test]
    fn step_up_when_authentication_is_too_old_or_too_weak() {
        let mut c = connection("cursor", A, &[RA]);
        c.required_acr = Some(vec!["phr".into(), "phrh".into()]);
        c.max_auth_age = Some(600);
        let connections = [c];
        let check = |subject: &Subject<'_>| plain_request_by(&connections, subject);
        let strong = Subject {
            acr: Some("phrh"),
            ..user("u")
        };
        assert_eq!(check(&strong), Ok(()));
        assert_eq!(
            check(&user("u")),
            Err(Denial::StepUpRequired {
                acr_values: Some("phr phrh".into()),
                max_age: None
            })
        );
        let old = Subject {
            auth_time: Some(NOW - 601),
            ..strong.clone()
        };
        assert_eq!(
            check(&old),
            Err(Denial::StepUpRequired {
                acr_values: None,
                max_age: Some(600)
            })
        );
        let unknown_time = Subject {
            auth_time: None,
            ..strong
        };
        assert!(matches!(
            check(&unknown_time),
            Err(Denial::StepUpRequired { .. })
        ));
        assert_eq!(
            Denial::StepUpRequired {
                acr_values: None,
                max_age: None
            }
            .error(),
            "insufficient_user_authentication"
        );
    }
}
