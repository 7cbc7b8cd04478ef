//! `xaa keys`: the authorization server's signing keys and client secrets. `generate` writes
//! a fresh ES256 private JWK (kid = its RFC 7638 thumbprint) to a new file with mode 0600 and
//! prints only the public half; `client-secret` makes a random secret and the SHA-256 the
//! configuration stores; `hash-secret` hashes an existing secret read from standard input.
//!
//! The thumbprint and the digest come from the component's `keys` interface ([`KeyTools`]):
//! the code that will read a key file or a configured digest also writes it. This file only
//! draws randomness and encodes bytes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;
use serde_json::json;
use xaa_host::es256::{b64, EcKey};
use xaa_host::{default_imports, Runtime, Validator};

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
    let mut tools = KeyTools::new(crate::runtime(None)?)?;
    match command {
        KeysCommand::Generate { out } => generate(&mut tools, &out),
        KeysCommand::ClientSecret => client_secret(&mut tools),
        KeysCommand::HashSecret => hash_secret(&mut tools),
    }
}

/// The component's `keys` interface, on one unconfigured instance.
pub(crate) struct KeyTools {
    component: Validator,
}

impl KeyTools {
    pub(crate) fn new(runtime: Arc<Runtime>) -> Result<Self, String> {
        // The `keys` exports import nothing; an instance still needs every import wired.
        let component = Validator::unconfigured(runtime, default_imports(None, false))
            .map_err(|e| format!("loading the component: {e}"))?;
        Ok(KeyTools { component })
    }

    /// SHA-256 of `secret`, lowercase hex: what `client_secret_sha256` holds.
    pub(crate) fn secret_sha256(&mut self, secret: &str) -> Result<String, String> {
        self.component
            .keys(|s, k| k.call_client_secret_digest(s, secret))
    }

    /// The RFC 7638 thumbprint of a private JWK the component accepts as an issuing key.
    fn signing_key_thumbprint(&mut self, private_jwk: &str) -> Result<String, String> {
        self.component
            .keys(|s, k| k.call_signing_key_thumbprint(s, private_jwk))?
            .map_err(|e| format!("generated key failed its own check: {e}"))
    }

    /// A new ES256 signing key as private JWK text (with its thumbprint as `kid`), and its
    /// public JWK.
    pub(crate) fn new_private_jwk(&mut self) -> Result<(String, serde_json::Value), String> {
        // RFC 7638 §3.2: the thumbprint covers `crv`, `kty`, `x` and `y` only, so the key can
        // be read under a placeholder `kid` before it gets its own.
        let mut key = EcKey::random("thumbprint-pending")?;
        key.kid = self.signing_key_thumbprint(&key.private_jwk().to_string())?;
        let text = format!("{}\n", key.private_jwk());
        // Self-check: the file holds exactly what the component will accept as an issuing key.
        if self.signing_key_thumbprint(&text)? != key.kid {
            return Err("generated key failed its own check: the thumbprint changed".into());
        }
        Ok((text, key.public_jwk()))
    }
}

fn generate(tools: &mut KeyTools, out: &Path) -> Result<ExitCode, String> {
    let (text, public) = tools.new_private_jwk()?;
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

/// A random client secret: 32 bytes from the OS CSPRNG, base64url.
pub(crate) fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("OS random source: {e}"))?;
    Ok(b64(&bytes))
}

fn client_secret(tools: &mut KeyTools) -> Result<ExitCode, String> {
    let secret = random_secret()?;
    let digest = tools.secret_sha256(&secret)?;
    println!(
        "{}",
        json!({"client_secret": secret, "client_secret_sha256": digest})
    );
    Ok(ExitCode::SUCCESS)
}

fn hash_secret(tools: &mut KeyTools) -> Result<ExitCode, String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("reading standard input: {e}"))?;
    let secret = line.strip_suffix('\n').unwrap_or(&line);
    let secret = secret.strip_suffix('\r').unwrap_or(secret);
    if secret.is_empty() {
        return Err("no secret on standard input".into());
    }
    println!("{}", tools.secret_sha256(secret)?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_component_thumbprints_issuing_keys_and_digests_secrets() {
        let mut tools = KeyTools::new(crate::runtime(None).unwrap()).unwrap();
        // RFC 7517 Appendix A.2's P-256 key as an issuing key; its RFC 7638 thumbprint was
        // computed apart (SHA-256 of {"crv":"P-256","kty":"EC","x":...,"y":...}).
        let key = r#"{"kty":"EC","crv":"P-256","kid":"1","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"}"#;
        assert_eq!(
            tools.signing_key_thumbprint(key),
            Ok("cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s".into())
        );
        // A key the token endpoint would refuse (A.2 says "use":"enc") has no thumbprint here.
        let for_encryption = key.replace(r#""kid":"1""#, r#""kid":"1","use":"enc""#);
        assert!(tools.signing_key_thumbprint(&for_encryption).is_err());
        let (text, public) = tools.new_private_jwk().unwrap();
        assert_eq!(
            tools.signing_key_thumbprint(&text),
            Ok(public["kid"].as_str().unwrap().to_owned())
        );
        // SHA-256("abc"), FIPS 180-2 B.1.
        assert_eq!(
            tools.secret_sha256("abc").unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
