//! What a verified token says. Its fields are private to this module and its only
//! constructor takes the [`SignatureOk`] that [`crate::jws`] mints when a signature verifies,
//! so no code path can produce one for a token whose signature was not checked.

use crate::claims::Claims;
use crate::jws::SignatureOk;

/// What a verified token says. Built only by the validators, from claims whose signature
/// verified; read through its accessors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedToken {
    issuer: String,
    subject: String,
    audience: Vec<String>,
    client_id: Option<String>,
    scope: Option<String>,
    resource: Vec<String>,
    jwt_id: String,
    issued_at: i64,
    expires_at: i64,
    claims_json: String,
    auth_time: Option<i64>,
    acr: Option<String>,
    amr: Option<Vec<String>>,
    tenant: Option<String>,
}

impl VerifiedToken {
    /// The token of `claims` (received as `claims_json`), whose signature `_proof` verified.
    pub(crate) fn new(claims: &Claims, claims_json: &str, _proof: &SignatureOk) -> Self {
        VerifiedToken {
            issuer: claims.iss.clone(),
            subject: claims.sub.clone(),
            audience: claims.aud.clone(),
            client_id: claims.client_id.clone(),
            scope: claims.scope.clone(),
            resource: claims.resource.clone(),
            jwt_id: claims.jti.clone(),
            issued_at: claims.iat,
            expires_at: claims.exp,
            claims_json: claims_json.to_owned(),
            auth_time: claims.auth_time,
            acr: claims.acr.clone(),
            amr: claims.amr.clone(),
            tenant: claims.tenant.clone(),
        }
    }

    /// `iss`
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `sub`
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `aud`
    pub fn audience(&self) -> &[String] {
        &self.audience
    }

    /// `client_id`
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// `scope`
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// `resource` (ID-JAG)
    pub fn resource(&self) -> &[String] {
        &self.resource
    }

    /// `jti`
    pub fn jwt_id(&self) -> &str {
        &self.jwt_id
    }

    /// `iat`
    pub fn issued_at(&self) -> i64 {
        self.issued_at
    }

    /// `exp`
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// The verified claims set as received.
    pub fn claims_json(&self) -> &str {
        &self.claims_json
    }

    /// `auth_time`, if present (validated as a NumericDate).
    pub fn auth_time(&self) -> Option<i64> {
        self.auth_time
    }

    /// `acr`, if present.
    pub fn acr(&self) -> Option<&str> {
        self.acr.as_deref()
    }

    /// `amr`, if present.
    pub fn amr(&self) -> Option<&[String]> {
        self.amr.as_deref()
    }

    /// `tenant`, if present (ID-JAG).
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }
}

// Unit tests of what consumes verdicts (and the internals' users) need a token without
// minting and verifying one; the component itself never builds this.
#[cfg(any(test, feature = "internals"))]
impl VerifiedToken {
    /// A token as if verified (issuer as.example.com, no optional claims), for the unit tests
    /// of what consumes verdicts; tests change what they need with the `with_*` methods.
    pub fn for_tests(subject: &str) -> Self {
        VerifiedToken {
            issuer: "https://as.example.com".into(),
            subject: subject.into(),
            audience: Vec::new(),
            client_id: None,
            scope: None,
            resource: Vec::new(),
            jwt_id: "j".into(),
            issued_at: 0,
            expires_at: 0,
            claims_json: "{}".into(),
            auth_time: None,
            acr: None,
            amr: None,
            tenant: None,
        }
    }
}

#[cfg(test)]
impl VerifiedToken {
    /// With this `aud`.
    pub(crate) fn with_audience(mut self, audience: &[&str]) -> Self {
        self.audience = audience.iter().map(|a| (*a).to_owned()).collect();
        self
    }

    /// With this `client_id`.
    pub(crate) fn with_client_id(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.to_owned());
        self
    }

    /// With this `scope`.
    pub(crate) fn with_scope(mut self, scope: Option<&str>) -> Self {
        self.scope = scope.map(str::to_owned);
        self
    }

    /// With this `exp`.
    pub(crate) fn with_expires_at(mut self, expires_at: i64) -> Self {
        self.expires_at = expires_at;
        self
    }

    /// With this `tenant`.
    pub(crate) fn with_tenant(mut self, tenant: Option<&str>) -> Self {
        self.tenant = tenant.map(str::to_owned);
        self
    }
}
