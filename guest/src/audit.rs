//! Audit events of the IdP: one structured record per token-exchange decision — the
//! administrator's view of who reached what, and why something was refused. Hosts write
//! them as JSON lines. An event never holds a token, a secret or a claim value beyond the
//! identifiers listed here.
//!
//! Groundwork for issue 4: the record and its JSON form; the token-exchange endpoint will
//! return one with every response.

use serde::Serialize;

/// The outcome of one decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// An ID-JAG was issued.
    Granted,
    /// The request was refused.
    Denied,
}

/// One token-exchange decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When (seconds since the Unix epoch, the host's clock).
    pub time: i64,
    /// The authenticated client at the IdP, when authentication got that far.
    pub client_id: Option<String>,
    /// The user, when the subject token was valid.
    pub subject: Option<String>,
    /// The requested audience.
    pub audience: Option<String>,
    /// The granted (or requested) resource.
    pub resource: Option<String>,
    /// The granted (or requested) scope.
    pub scope: Option<String>,
    /// Granted or denied.
    pub decision: Decision,
    /// A stable reason code: `granted`, or why it was refused (e.g. `no_connection`,
    /// `user_not_allowed`, `step_up_required`, or a verdict code of the subject token).
    pub reason: String,
    /// The issued ID-JAG's `jti` (an identifier, not the token), when granted.
    pub id_jag_jti: Option<String>,
    /// The upstream OpenID provider whose ID token was the subject token (the broker); the
    /// member is absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_issuer: Option<String>,
}

/// Longest value recorded from a request, in characters.
pub const MAX_RECORDED_CHARS: usize = 256;

/// A requested value as the audit log records it: at most [`MAX_RECORDED_CHARS`] characters,
/// then `…`.
pub fn shortened(value: &str) -> String {
    match value.char_indices().nth(MAX_RECORDED_CHARS) {
        Some((cut, _)) => format!("{}…", &value[..cut]),
        None => value.to_owned(),
    }
}

impl AuditEvent {
    /// An event at `time` that knows nothing yet: a denial until the handler says otherwise.
    pub fn denied(time: i64) -> Self {
        AuditEvent {
            time,
            client_id: None,
            subject: None,
            audience: None,
            resource: None,
            scope: None,
            decision: Decision::Denied,
            reason: String::new(),
            id_jag_jti: None,
            upstream_issuer: None,
        }
    }

    /// Runs one IdP request through `respond`, which fills in the event as it learns who asks
    /// for what. Success grants the event with the reason `granted`; a refusal becomes its
    /// response and reason through `refused`. The event stays a denial unless `respond`
    /// succeeds.
    pub(crate) fn record<R, E>(
        time: i64,
        granted: &str,
        respond: impl FnOnce(&mut AuditEvent) -> Result<R, E>,
        refused: impl FnOnce(E) -> (R, String),
    ) -> (R, AuditEvent) {
        let mut event = AuditEvent::denied(time);
        let response = match respond(&mut event) {
            Ok(response) => {
                event.decision = Decision::Granted;
                event.reason = granted.to_owned();
                response
            }
            Err(refusal) => {
                let (response, reason) = refused(refusal);
                event.reason = reason;
                response
            }
        };
        (response, event)
    }

    /// The event as one JSON line (no trailing newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| r#"{"decision":"denied","reason":"audit_encoding_failed"}"#.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_json_line_with_stable_names() {
        let event = AuditEvent {
            time: 1_800_000_000,
            client_id: Some("cursor".into()),
            subject: Some("U019488227".into()),
            audience: Some("https://as.example.com".into()),
            resource: None,
            scope: Some("chat.read".into()),
            decision: Decision::Denied,
            reason: "no_connection".into(),
            id_jag_jti: None,
            upstream_issuer: None,
        };
        let line = event.to_json();
        assert!(!line.contains('\n'));
        assert_eq!(
            line,
            r#"{"time":1800000000,"client_id":"cursor","subject":"U019488227","audience":"https://as.example.com","resource":null,"scope":"chat.read","decision":"denied","reason":"no_connection","id_jag_jti":null}"#
        );
    }
}
