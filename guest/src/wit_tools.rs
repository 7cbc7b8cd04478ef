//! What the exports for host tools compute (`wit` converts and calls): the MCP client's
//! remaining request encodings (the development sign-in form, `client_secret_basic`
//! credentials) and the `keys` interface behind `xaa keys` (the RFC 7638 thumbprint of an
//! issuing key read exactly as the token endpoint reads it, the client-secret digest exactly
//! as the configuration holds it). Composition of the modules' functions only, so a host
//! encodes, parses and hashes none of this itself.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::client_auth::secret_digest;
use crate::discovery::form_encode;
use crate::signing::{parse_private_jwk, thumbprint};

/// The development sign-in's form body: the two fields `dev_sign_in` reads.
pub(crate) fn sign_in_body(username: &str, password: &str) -> String {
    format!(
        "username={}&password={}",
        form_encode(username),
        form_encode(password)
    )
}

/// RFC 6749 §2.3.1: the id and the secret are form-encoded before base64, as
/// `client_auth` decodes them.
pub(crate) fn basic_authorization(client_id: &str, client_secret: &str) -> String {
    let pair = format!("{}:{}", form_encode(client_id), form_encode(client_secret));
    format!("Basic {}", STANDARD.encode(pair))
}

/// The RFC 7638 thumbprint of a private JWK that `signing` accepts as an issuing key.
pub(crate) fn signing_key_thumbprint(private_jwk: &str) -> Result<String, String> {
    parse_private_jwk(private_jwk).map(|issuing| thumbprint(issuing.key.verifying_key()))
}

/// A client secret's digest as `client-credential` holds it: lowercase hex.
pub(crate) fn client_secret_digest(secret: &str) -> String {
    secret_digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
