//! Every size, count, depth and time bound the component enforces, named once.
//!
//! Caps are checked before the work they protect (security.md S07, S08, S20, K08, J06).

/// Largest compact token accepted, in bytes (S08).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Deepest JSON nesting accepted in a header, claims set or JWK Set (S20).
pub const MAX_JSON_DEPTH: usize = 16;
/// Largest JWK Set document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Most keys accepted in one JWK Set.
pub const MAX_JWKS_KEYS: usize = 100;
/// Longest `kid` accepted, in bytes (K08).
pub const MAX_KID_BYTES: usize = 256;
/// Longest `jti` accepted, in bytes (J06).
pub const MAX_JTI_BYTES: usize = 256;
/// Longest identifier (`iss`, `sub`, `client_id`, a resource, ...) accepted, in bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 2048;
/// Most audience or resource values accepted in one claim.
pub const MAX_LIST_ITEMS: usize = 32;
/// Largest NumericDate accepted: 9999-12-31T23:59:59Z (C04).
pub const MAX_NUMERIC_DATE: i64 = 253_402_300_799;
/// Largest clock leeway a configuration may ask for, in seconds.
pub const MAX_LEEWAY_SECS: u32 = 300;
/// Largest ID-JAG lifetime (`exp - iat`) a configuration may allow, in seconds.
pub const MAX_ASSERTION_LIFETIME_SECS: u32 = 3600;
/// Smallest and largest RSA modulus accepted, in bits (K17, K19).
pub const RSA_MIN_BITS: usize = 2048;
/// See [`RSA_MIN_BITS`].
pub const RSA_MAX_BITS: usize = 4096;
/// Most entries a verified access-token cache may be configured with.
pub const MAX_TOKEN_CACHE_ENTRIES: u32 = 100_000;
/// Most trusted issuers one configuration may list.
pub const MAX_TRUSTED_ISSUERS: usize = 64;
/// Longest access-token lifetime a configuration may ask for, in seconds.
pub const MAX_ACCESS_TOKEN_LIFETIME_SECS: u32 = 3600;
/// Most signing keys (current and rotated) one token endpoint may hold.
pub const MAX_SIGNING_KEYS: usize = 16;
/// Most clients one token endpoint may register.
pub const MAX_CLIENTS: usize = 10_000;
