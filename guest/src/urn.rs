//! Every wire constant of the protocols, in one place (specs.md §1).
//!
//! Pinned to draft-ietf-oauth-identity-assertion-authz-grant-04 semantics.

/// JWS `typ` of an ID-JAG (draft §3.1).
pub const TYP_ID_JAG: &str = "oauth-id-jag+jwt";
/// JWS `typ` of an RFC 9068 access token (RFC 9068 §2.1).
pub const TYP_ACCESS_TOKEN: &str = "at+jwt";
/// Grant type of the RFC 7523 JWT bearer grant.
pub const GRANT_TYPE_JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Grant type of RFC 8693 token exchange.
pub const GRANT_TYPE_TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// Token type of an ID-JAG in token exchange (draft §4.3).
pub const TOKEN_TYPE_ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";
/// Grant profile advertised in `authorization_grant_profiles_supported` (draft §7.2).
pub const GRANT_PROFILE_ID_JAG: &str = "urn:ietf:params:oauth:grant-profile:id-jag";
/// RFC 8693 §3: an OpenID Connect ID token as a subject token.
pub const TOKEN_TYPE_ID_TOKEN: &str = "urn:ietf:params:oauth:token-type:id_token";
/// RFC 8693 §3: a refresh token as a subject token (ID-JAG draft §4.3: MAY be accepted).
pub const TOKEN_TYPE_REFRESH_TOKEN: &str = "urn:ietf:params:oauth:token-type:refresh_token";
/// JWS `typ` of this IdP's refresh tokens: self-contained and signed, so the IdP keeps no
/// session store; the explicit type keeps them from passing as ID tokens and back.
pub const TYP_REFRESH_TOKEN: &str = "xaa-refresh+jwt";
/// The authorization code grant (RFC 6749 §4.1), at the IdP's sign-in.
pub const GRANT_TYPE_AUTHORIZATION_CODE: &str = "authorization_code";
