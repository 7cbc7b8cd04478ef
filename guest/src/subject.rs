//! The subject an access token names, so that one IdP's user never becomes another's.
//!
//! An ID-JAG's `sub` is unique only within its issuer (and, for a multi-tenant issuer, its
//! tenant): two trusted IdPs may both have an `alice`. The access tokens this server issues
//! all carry *its* `iss`, so a resource cannot tell them apart by issuer; the subject itself
//! must. It is `[<namespace>:][<tenant>:]<sub>`:
//! - `namespace` is the issuer's configured `subject_namespace`, or, when the server trusts
//!   more than one issuer and none is configured, the issuer identifier percent-encoded;
//!   with a single trusted issuer and none configured there is none (`sub` unchanged). A
//!   namespace never contains `:` and no two issuers share one.
//! - `tenant` (percent-encoded, so it has no `:` either) is there exactly when the issuer is
//!   configured `tenant_required`; the ID-JAGs of other issuers must not carry one.
//!
//! So the first `:` ends the namespace, the issuer decides whether a tenant follows, and the
//! rest is the IdP's `sub` verbatim: two different (issuer, tenant, sub) never map to one
//! subject.

use crate::VerifiedToken;

/// Longest configured namespace.
const MAX_NAMESPACE: usize = 64;

/// Whether `value` may be configured as a namespace: 1–64 unreserved characters (RFC 3986
/// §2.3), so never `:` or `%`.
pub fn is_namespace(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_NAMESPACE && value.bytes().all(is_unreserved)
}

/// The namespace of an issuer's subjects: the configured one, or the percent-encoded issuer
/// identifier when `issuer_count` issuers are trusted and none is configured.
pub fn namespace_for(
    issuer: &str,
    configured: Option<&str>,
    issuer_count: usize,
) -> Option<String> {
    match configured {
        Some(namespace) => Some(namespace.to_owned()),
        None if issuer_count > 1 => Some(percent_encode(issuer)),
        None => None,
    }
}

/// The subject at this server of a verified ID-JAG from an issuer with this configured
/// `namespace` and `tenant_required`.
pub fn at_this_server(
    namespace: Option<&str>,
    tenant_required: bool,
    verified: &VerifiedToken,
) -> String {
    let mut subject = String::new();
    if let Some(namespace) = namespace {
        subject.push_str(namespace);
        subject.push(':');
    }
    if tenant_required {
        if let Some(tenant) = verified.tenant() {
            subject.push_str(&percent_encode(tenant));
            subject.push(':');
        }
    }
    subject.push_str(verified.subject());
    subject
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Every byte but the unreserved ones as `%XX` (RFC 3986 §2.1).
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    fn token(sub: &str, tenant: Option<&str>) -> VerifiedToken {
        VerifiedToken::for_tests(sub).with_tenant(tenant)
    }

    #[test]
    fn one_issuer_without_a_namespace_keeps_the_sub() {
        assert_eq!(namespace_for("https://idp.example.com", None, 1), None);
        assert_eq!(at_this_server(None, false, &token("alice", None)), "alice");
    }

    #[test]
    fn several_issuers_namespace_by_default_with_the_issuer() {
        assert_eq!(
            namespace_for("https://idp.example.com/t?x", None, 2).as_deref(),
            Some("https%3A%2F%2Fidp.example.com%2Ft%3Fx")
        );
        assert_eq!(
            namespace_for("https://idp.example.com", Some("okta"), 2).as_deref(),
            Some("okta")
        );
        assert_eq!(
            at_this_server(Some("okta"), false, &token("alice", None)),
            "okta:alice"
        );
    }

    #[test]
    fn tenants_are_part_of_the_subject_and_cannot_forge_a_split() {
        let multi = |verified: &VerifiedToken| at_this_server(Some("entra"), true, verified);
        assert_eq!(multi(&token("alice", Some("acme"))), "entra:acme:alice");
        // (tenant "a:b", sub "c") and (tenant "a", sub "b:c") stay apart.
        assert_ne!(
            multi(&token("c", Some("a:b"))),
            multi(&token("b:c", Some("a")))
        );
        assert_eq!(multi(&token("c", Some("a:b"))), "entra:a%3Ab:c");
    }

    #[test]
    fn namespaces_are_unreserved_characters_only() {
        for ok in ["okta", "idp-a.prod_1~x", &"a".repeat(64)] {
            assert!(is_namespace(ok), "{ok}");
        }
        for bad in ["", "a:b", "a%3A", "a b", "é", &"a".repeat(65)] {
            assert!(!is_namespace(bad), "{bad}");
        }
    }
}
