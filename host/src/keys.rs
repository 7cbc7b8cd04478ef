//! `xaa keys`: the authorization server's signing keys and client secrets. `generate` writes
//! a fresh ES256 private JWK (kid = its RFC 7638 thumbprint) to a new file with mode 0600 and
//! prints only the public half; `client-secret` makes a random secret and the SHA-256 the
//! configuration stores; `hash-secret` hashes an existing secret read from standard input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use p256::ecdsa::SigningKey;
use serde_json::json;
use xaa_guest::base64url;
use xaa_guest::signing::{parse_private_jwk, thumbprint};

#[derive(Subcommand)]
pub(crate) enum KeysCommand {
    /// Write a new ES256 private key (JWK) for signing access tokens.
    Generate {
        /// Destination file; it must not exist yet.
        #[arg(long)]
        out: PathBuf,
    },
    /// Make a random client secret (256 bits, base64url) and print it with its SHA-256
    /// (the `client_secret_sha256` of a [[clients]] entry). Give the secret to the client;
    /// keep only the hash.
    ClientSecret,
    /// Print the SHA-256 (hex) of a client secret read from standard input (one line).
    HashSecret,
}

pub(crate) fn run(command: KeysCommand) -> Result<ExitCode, String> {
    match command {
        KeysCommand::Generate { out } => generate(&out),
        KeysCommand::ClientSecret => client_secret(),
        KeysCommand::HashSecret => hash_secret(),
    }
}

/// A P-256 key from the operating system's CSPRNG.
pub(crate) fn random_key() -> Result<SigningKey, String> {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| format!("OS random source: {e}"))?;
        // A scalar ≥ n (probability ~2^-32) is refused by from_slice: draw again.
        if let Ok(key) = SigningKey::from_slice(&bytes) {
            return Ok(key);
        }
    }
}

/// The public JWK of `key`, with `kid`, for a JWK Set.
pub(crate) fn public_jwk(key: &SigningKey, kid: &str) -> serde_json::Value {
    let point = key.verifying_key().to_encoded_point(false);
    json!({
        "kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
        "x": base64url::encode(point.x().map(|x| &x[..]).unwrap_or_default()),
        "y": base64url::encode(point.y().map(|y| &y[..]).unwrap_or_default()),
    })
}

/// A new ES256 signing key as private JWK text (with its thumbprint as `kid`), and its
/// public JWK.
pub(crate) fn new_private_jwk() -> Result<(String, serde_json::Value), String> {
    let key = random_key()?;
    let kid = thumbprint(key.verifying_key());
    let public = public_jwk(&key, &kid);
    let mut private = public.clone();
    private["d"] = base64url::encode(&key.to_bytes()).into();
    let text = format!("{private}\n");
    // Self-check: the file holds exactly what the component will accept as an issuing key.
    parse_private_jwk(&text).map_err(|e| format!("generated key failed its own check: {e}"))?;
    Ok((text, public))
}

fn generate(out: &Path) -> Result<ExitCode, String> {
    let (text, public) = new_private_jwk()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(out).map_err(|e| {
        format!(
            "{}: {e} (refusing to overwrite an existing key)",
            out.display()
        )
    })?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("{}: {e}", out.display()))?;
    eprintln!(
        "wrote the private key to {} (mode 0600); public JWK:",
        out.display()
    );
    println!("{public}");
    Ok(ExitCode::SUCCESS)
}

/// SHA-256 of `secret`, lowercase hex (what `client_secret_sha256` holds).
pub(crate) fn secret_sha256(secret: &str) -> String {
    // The component's own digest, so the configured value is what it compares against.
    xaa_guest::client_auth::secret_digest(secret)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random client secret: 32 bytes from the OS CSPRNG, base64url.
pub(crate) fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("OS random source: {e}"))?;
    Ok(base64url::encode(&bytes))
}

fn client_secret() -> Result<ExitCode, String> {
    let secret = random_secret()?;
    println!(
        "{}",
        json!({"client_secret": secret, "client_secret_sha256": secret_sha256(&secret)})
    );
    Ok(ExitCode::SUCCESS)
}

fn hash_secret() -> Result<ExitCode, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("reading standard input: {e}"))?;
    let secret = line.strip_suffix('\n').unwrap_or(&line);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
    if secret.is_empty() {
        return Err("no secret on standard input".into());
    }
    println!("{}", secret_sha256(secret));
    Ok(ExitCode::SUCCESS)
}
