//! The component's answers as the Python tuples `Engine` returns (see the module docs in
//! lib.rs): plain tuples, so that a call costs no class instantiation.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use xaa_host::wit::{Header, HttpResponse, Verdict};

/// `("valid", issuer, subject, audience, client_id, scope, resource, jwt_id, issued_at,
/// expires_at, claims_json)` or `("rejected", code, oauth_error, http_status,
/// www_authenticate, description)`.
pub(crate) fn verdict(py: Python<'_>, verdict: Verdict) -> PyResult<Bound<'_, PyTuple>> {
    match verdict {
        Verdict::Valid(t) => (
            "valid",
            t.issuer,
            t.subject,
            t.audience,
            t.client_id,
            t.scope,
            t.resource,
            t.jwt_id,
            t.issued_at,
            t.expires_at,
            t.claims_json,
        )
            .into_pyobject(py),
        Verdict::Rejected(r) => (
            "rejected",
            r.code,
            r.oauth_error,
            r.http_status,
            r.www_authenticate,
            r.description,
        )
            .into_pyobject(py),
    }
}

/// `(status, [(name, value)], body: bytes, verdict_code, audit_event)`.
pub(crate) fn http_response(
    py: Python<'_>,
    response: HttpResponse,
) -> PyResult<Bound<'_, PyTuple>> {
    (
        response.status,
        headers_out(response.headers),
        PyBytes::new(py, &response.body),
        response.verdict_code,
        response.audit_event,
    )
        .into_pyobject(py)
}

fn headers_out(headers: Vec<Header>) -> Vec<(String, String)> {
    headers.into_iter().map(|h| (h.name, h.value)).collect()
}

/// `[(name, value)]` as WIT headers.
pub(crate) fn headers_in(headers: Vec<(String, String)>) -> Vec<Header> {
    headers
        .into_iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}
