//! `xaa dev`: development helpers. `sample` writes fresh ES256 keys, a client secret, a
//! configuration and sample tokens so `xaa validate` and `xaa serve as` can be tried without
//! an identity provider. The keys and tokens are made with [`xaa_host::es256`], independent of
//! the component; every *validation* runs through the component.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use xaa_host::es256::EcKey;

use crate::keys::{random_secret, KeyTools};

#[derive(Subcommand)]
pub(crate) enum DevCommand {
    /// Write sample keys, a configuration and tokens into a directory (development only).
    Sample {
        /// Output directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Issue the tokens as of this time (seconds since the Unix epoch; default: now).
        #[arg(long, value_name = "UNIX_SECONDS")]
        now: Option<i64>,
    },
}

pub(crate) fn run(command: DevCommand) -> Result<ExitCode, String> {
    match command {
        DevCommand::Sample { out, now } => sample(&out, now),
    }
}

fn write(dir: &Path, name: &str, contents: &str, private: bool) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let _ = private;
    Ok(())
}

fn sample(out: &Path, now: Option<i64>) -> Result<ExitCode, String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let now = now.unwrap_or_else(|| xaa_host::imports::clock::Clock::system().now());
    let (idp, rs) = (EcKey::random("idp-1")?, EcKey::random("as-1")?);
    let idp_jwks = json!({"keys": [idp.public_jwk()]});
    let as_jwks = json!({"keys": [rs.public_jwk()]});
    write(out, "idp-jwks.json", &idp_jwks.to_string(), false)?;
    write(out, "as-jwks.json", &as_jwks.to_string(), false)?;
    write(out, "as-key.jwk", &format!("{}\n", rs.private_jwk()), true)?;
    let secret = random_secret()?;
    let secret_sha256 = KeyTools::new(crate::runtime(None)?)?.secret_sha256(&secret)?;
    write(out, "client-secret.txt", &format!("{secret}\n"), true)?;
    let config = format!(
        r#"# Sample configuration written by `xaa dev sample` (development only).
[authorization_server]
issuer = "https://as.example.com"
resources = ["https://mcp.example.com/mcp"]
max_assertion_lifetime = 300
leeway = 60

[[trusted_issuers]]
issuer = "https://idp.example.com"
jwks_file = "idp-jwks.json"
algorithms = ["ES256"]

# `xaa serve as`: the token endpoint signs with as-key.jwk (public half: as-jwks.json).
[token_endpoint]
url = "https://as.example.com/token"
jwks_uri = "https://as.example.com/jwks.json"
signing_keys = ["as-key.jwk"]
access_token_lifetime = 300

# The MCP client; its secret is in client-secret.txt, only the hash is configured.
[[clients]]
client_id = "mcp-client"
auth_method = "client_secret_basic"
client_secret_sha256 = "{hash}"
resources = ["https://mcp.example.com/mcp"]
scopes = ["chat.read", "chat.history"]

[resource_server]
resource = "https://mcp.example.com/mcp"
issuer = "https://as.example.com"
jwks_file = "as-jwks.json"
algorithms = ["ES256"]
"#,
        hash = secret_sha256
    );
    write(out, "xaa.toml", &config, false)?;

    let id_jag = |jti: &str, aud: &str, client: &str, iat: i64| {
        let claims = json!({
            "iss": "https://idp.example.com", "sub": "U019488227", "aud": aud,
            "client_id": client, "jti": jti, "iat": iat, "exp": iat + 300,
            "resource": "https://mcp.example.com/mcp", "scope": "chat.read chat.history",
            "email": "user@example.com",
        });
        idp.mint_text(
            r#"{"typ":"oauth-id-jag+jwt","alg":"ES256","kid":"idp-1"}"#,
            &claims.to_string(),
        )
    };
    let jti = |n: u32| format!("sample-{now}-{n}");
    let as_issuer = "https://as.example.com";
    let valid = id_jag(&jti(1), as_issuer, "mcp-client", now);
    let id_jags = [
        ("valid", valid.clone()),
        ("the same ID-JAG again (replay)", valid),
        (
            "expired",
            id_jag(&jti(2), as_issuer, "mcp-client", now - 3600),
        ),
        (
            "issued to another client",
            id_jag(&jti(3), as_issuer, "other-client", now),
        ),
        (
            "for another authorization server",
            id_jag(&jti(4), "https://other-as.example.com", "mcp-client", now),
        ),
    ];
    let access_token = |resource: &str| {
        let claims = json!({
            "iss": as_issuer, "sub": "U019488227", "aud": resource, "client_id": "mcp-client",
            "jti": format!("at-{now}-{resource}"), "iat": now, "exp": now + 300,
            "scope": "chat.read",
        });
        rs.mint_text(
            r#"{"typ":"at+jwt","alg":"ES256","kid":"as-1"}"#,
            &claims.to_string(),
        )
    };
    let access_tokens = [
        ("valid", access_token("https://mcp.example.com/mcp")),
        (
            "for another resource",
            access_token("https://other.example.com/mcp"),
        ),
    ];
    let lines = |tokens: &[(&str, String)]| {
        tokens
            .iter()
            .map(|(_, t)| format!("{t}\n"))
            .collect::<String>()
    };
    write(out, "id-jags.txt", &lines(&id_jags), true)?;
    write(out, "access-tokens.txt", &lines(&access_tokens), true)?;
    println!("wrote {}:", out.display());
    println!("  xaa.toml, idp-jwks.json, as-jwks.json, as-key.jwk (private), client-secret.txt");
    for (name, file) in [
        ("id-jags.txt", &id_jags[..]),
        ("access-tokens.txt", &access_tokens[..]),
    ] {
        println!("  {name}:");
        for (i, (what, _)) in file.iter().enumerate() {
            println!("    line {}: {what}", i + 1);
        }
    }
    Ok(ExitCode::SUCCESS)
}
