//! `xaa serve idp` over real HTTP (issue 4, in progress): the token exchange at the IdP, the
//! ID-JAG then exchanged at `xaa serve as` for an access token that the resource accepts;
//! deny by default with an audit line; revocation by configuration reload (SIGHUP).

use crate::common;

use common::as_server::*;
use common::*;
use serde_json::{json, Value};

const CURSOR_SECRET: &str = "cursor-secret-5d1f";

/// The IdP: issuer IDP_ISSUER signing with the IdP key (the key the baseline AS trusts);
/// client "cursor" connected to the baseline AS for RESOURCE, as CLIENT there.
fn idp_toml(connected: bool) -> String {
    let connection = if connected {
        baseline_connection_toml(&[])
    } else {
        String::new()
    };
    format!(
        r#"{head}{client}
[[users]]
sub = "alice"
email = "alice@example.com"
{password}

[[users]]
sub = "bob"
disabled = true
{password}
{connection}"#,
        head = idp_head_toml(IDP_ISSUER, "development_sign_in = true\n"),
        client = idp_basic_client_toml("cursor", &secret_sha256(CURSOR_SECRET)),
        password = format!("password_sha256 = \"{}\"", secret_sha256(PASSWORD)),
    )
}

const PASSWORD: &str = "correct horse battery staple";

fn sign_in(idp: &Idp, user: &str, password: &str) -> Reply {
    idp.server.http_post(
        "/dev/sign-in",
        Some(("cursor", CURSOR_SECRET)),
        &[("username", user), ("password", password)],
    )
}

/// A running `xaa serve idp` and its audit log.
struct Idp {
    server: AsServer,
    audit: std::path::PathBuf,
    _audit_dir: tempfile::TempDir,
}

fn start_idp() -> Idp {
    let audit_dir = tempfile::tempdir().unwrap();
    let audit = audit_dir.path().join("audit.jsonl");
    let server = AsServer::try_start_role(
        "idp",
        &idp_toml(true),
        &["--audit-log", audit.to_str().unwrap()],
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    Idp {
        server,
        audit,
        _audit_dir: audit_dir,
    }
}

fn audit_lines(idp: &Idp) -> Vec<Value> {
    std::fs::read_to_string(&idp.audit)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn id_token(sub: &str) -> String {
    mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &json!({
            "iss": IDP_ISSUER, "sub": sub, "aud": "cursor", "jti": format!("idt-{sub}"),
            "iat": NOW - 30, "exp": NOW + 3600, "auth_time": NOW - 30,
        }),
        Signer::Es256(&keys().idp_ec),
    )
}

fn exchange(idp: &Idp, subject: &str, audience: &str) -> Reply {
    exchange_typed(idp, subject, TYPE_ID_TOKEN, audience)
}

fn exchange_typed(idp: &Idp, subject: &str, subject_type: &str, audience: &str) -> Reply {
    idp.server.token(
        Some(("cursor", CURSOR_SECRET)),
        &[
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("requested_token_type", TYPE_ID_JAG),
            ("subject_token", subject),
            ("subject_token_type", subject_type),
            ("audience", audience),
        ],
    )
}

/// A refresh token as the IdP's development sign-in writes it, minted with the IdP's key.
fn refresh_token(sub: &str, aud: &str, exp: i64) -> String {
    mint(
        &json!({"typ": "xaa-refresh+jwt", "alg": "ES256", "kid": "idp-ec"}),
        &json!({
            "iss": IDP_ISSUER, "sub": sub, "aud": aud, "jti": format!("rt-{sub}-{exp}"),
            "iat": NOW - 7200, "exp": exp, "auth_time": NOW - 7200, "amr": ["pwd"],
        }),
        Signer::Es256(&keys().idp_ec),
    )
}

fn payload(jwt: &str) -> Value {
    use base64::Engine as _;
    let part = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn one_login_reaches_the_resource_through_both_servers() {
    let idp = start_idp();
    let reply = exchange(&idp, &id_token("alice"), AS_ISSUER);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let body = reply.json();
    assert_eq!(body["issued_token_type"], TYPE_ID_JAG);
    assert_eq!(body["token_type"], "N_A");
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let id_jag = body["access_token"].as_str().unwrap().to_owned();

    let ras = AsServer::start();
    let reply = ras.exchange(&id_jag, &[]);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let (code, verdict) = validate_access_token(&ras, &token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    // The AS trusts two IdPs: its subjects are namespaced by issuer (README, "The subject").
    assert_eq!(
        verdict["claims"]["sub"],
        "https%3A%2F%2Fidp.example.com:alice"
    );

    let audit = audit_lines(&idp);
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0]["decision"], "granted");
    let text = serde_json::to_string(&audit).unwrap();
    assert!(!text.contains(&id_jag) && !text.contains(&id_token("alice")));
}

#[test]
fn deny_by_default_and_revocation_by_reload() {
    let idp = start_idp();
    let reply = exchange(&idp, &id_token("alice"), "https://other-as.example.com");
    assert_eq!(
        (reply.status, reply.error().as_str()),
        (400, "invalid_target")
    );
    assert_eq!(exchange(&idp, &id_token("alice"), AS_ISSUER).status, 200);

    // The administrator removes the connection; SIGHUP reloads the configuration.
    std::fs::write(idp.server.dir.path().join("xaa.toml"), idp_toml(false)).unwrap();
    assert!(idp.server.reload(), "{}", idp.server.log());
    let reply = exchange(&idp, &id_token("alice"), AS_ISSUER);
    assert_eq!(
        (reply.status, reply.error().as_str()),
        (400, "invalid_target")
    );

    // A broken configuration is refused and the running one stays.
    std::fs::write(
        idp.server.dir.path().join("xaa.toml"),
        "[identity_provider]\nissuer = 1\n",
    )
    .unwrap();
    assert!(!idp.server.reload());
    assert_eq!(
        exchange(&idp, &id_token("alice"), AS_ISSUER).error(),
        "invalid_target"
    );

    let reasons: Vec<String> = audit_lines(&idp)
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["decision"].as_str().unwrap(),
                e["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "denied:no_connection",
            "granted:granted",
            "denied:no_connection",
            "denied:no_connection"
        ]
    );
}

// The IdP metadata over HTTP: serve_idp_rules::s3a_r18_metadata_advertises_the_id_jag_token_type
// (and the published kid: s3a_r13_...).

#[test]
fn development_sign_in_then_exchange_without_a_prompt() {
    let idp = start_idp();
    let reply = sign_in(&idp, "alice", PASSWORD);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let body = reply.json();
    assert_eq!(body["expires_in"], 3600);
    let id_token = body["id_token"].as_str().unwrap().to_owned();
    // The same ID token reaches the AS twice (two ID-JAGs), with no new sign-in.
    for _ in 0..2 {
        let reply = exchange(&idp, &id_token, AS_ISSUER);
        assert_eq!(reply.status, 200, "{:?}", reply.json());
    }
    for (user, password) in [("alice", "wrong"), ("bob", PASSWORD), ("nobody", PASSWORD)] {
        let reply = sign_in(&idp, user, password);
        assert_eq!(
            (reply.status, reply.error().as_str()),
            (400, "invalid_grant"),
            "{user}"
        );
        assert_eq!(
            reply.json()["error_description"],
            "the user name or password is wrong",
            "no user enumeration"
        );
    }
    let reasons: Vec<String> = audit_lines(&idp)
        .iter()
        .map(|e| e["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        reasons,
        [
            "signed_in",
            "granted",
            "granted",
            "bad_credentials",
            "bad_credentials",
            "bad_credentials"
        ]
    );
    let text = std::fs::read_to_string(&idp.audit).unwrap();
    assert!(!text.contains(&id_token) && !text.contains(PASSWORD));
}

#[test]
fn no_development_sign_in_unless_enabled() {
    let toml = idp_toml(true).replace("development_sign_in = true\n", "");
    let (status, stderr) = match AsServer::try_start_role("idp", &toml, &[]) {
        Ok(_) => panic!("passwords without development_sign_in must be refused"),
        Err(refusal) => refusal,
    };
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("users[0].password_sha256"), "{stderr}");
    let without_passwords: String = toml
        .lines()
        .filter(|l| !l.starts_with("password_sha256"))
        .collect::<Vec<_>>()
        .join("\n");
    let server = AsServer::start_with_role("idp", &without_passwords);
    let reply = server.http_post(
        "/dev/sign-in",
        Some(("cursor", CURSOR_SECRET)),
        &[("username", "alice"), ("password", PASSWORD)],
    );
    assert_eq!(reply.status, 404);
}

/// specs.md §3a rule 5: a refresh token from the sign-in is a subject token while the user
/// stays enabled: issued by this IdP, to this client, unexpired, of its own type (never an
/// ID token in its place, nor the reverse).
#[test]
fn s3a_r05_refresh_tokens_as_subject_tokens() {
    let idp = start_idp();
    let body = sign_in(&idp, "alice", PASSWORD).json();
    assert_eq!(body["refresh_token_expires_in"], 28_800);
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let id_token = body["id_token"].as_str().unwrap().to_owned();
    let reply = exchange_typed(&idp, &refresh, TYPE_REFRESH_TOKEN, AS_ISSUER);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let jag = payload(reply.json()["access_token"].as_str().unwrap());
    assert_eq!(
        (jag["sub"].as_str(), jag["email"].as_str()),
        (Some("alice"), Some("alice@example.com"))
    );

    let refused = |reply: Reply| (reply.status, reply.error());
    let bad = (400, "invalid_request".to_owned());
    assert_eq!(
        refused(exchange_typed(&idp, &refresh, TYPE_ID_TOKEN, AS_ISSUER)),
        bad,
        "refresh token as ID token"
    );
    assert_eq!(
        refused(exchange_typed(
            &idp,
            &id_token,
            TYPE_REFRESH_TOKEN,
            AS_ISSUER
        )),
        bad,
        "ID token as refresh token"
    );

    // The ID token has expired; the refresh token carries on until its own expiry.
    let expired_id_token = mint(
        &json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"}),
        &json!({"iss": IDP_ISSUER, "sub": "alice", "aud": "cursor", "jti": "idt-old",
                "iat": NOW - 7200, "exp": NOW - 3600, "auth_time": NOW - 7200}),
        Signer::Es256(&keys().idp_ec),
    );
    assert_eq!(refused(exchange(&idp, &expired_id_token, AS_ISSUER)), bad);
    let later = refresh_token("alice", "cursor", NOW + 3600);
    assert_eq!(
        exchange_typed(&idp, &later, TYPE_REFRESH_TOKEN, AS_ISSUER).status,
        200
    );
    let expired = refresh_token("alice", "cursor", NOW - 120);
    assert_eq!(
        refused(exchange_typed(
            &idp,
            &expired,
            TYPE_REFRESH_TOKEN,
            AS_ISSUER
        )),
        bad,
        "expired"
    );
    let others = refresh_token("alice", "windsurf", NOW + 3600);
    assert_eq!(
        refused(exchange_typed(&idp, &others, TYPE_REFRESH_TOKEN, AS_ISSUER)),
        bad,
        "another client's"
    );

    // Disabling the user revokes every refresh token they hold, at the next exchange.
    let disabled =
        idp_toml(true).replacen("sub = \"alice\"\n", "sub = \"alice\"\ndisabled = true\n", 1);
    std::fs::write(idp.server.dir.path().join("xaa.toml"), disabled).unwrap();
    assert!(idp.server.reload(), "{}", idp.server.log());
    let reply = exchange_typed(&idp, &refresh, TYPE_REFRESH_TOKEN, AS_ISSUER);
    assert_eq!(reply.status, 400, "{:?}", reply.json());
    let last = audit_lines(&idp).pop().unwrap();
    assert_eq!(
        (last["decision"].as_str(), last["subject"].as_str()),
        (Some("denied"), Some("alice"))
    );
    let text = std::fs::read_to_string(&idp.audit).unwrap();
    assert!(!text.contains(&refresh), "no token in the audit log");
}

#[test]
fn no_id_jag_leaves_without_its_audit_line() {
    // Every write to /dev/full fails (ENOSPC): the IdP must refuse rather than grant
    // unaudited (issue 11).
    let server = AsServer::try_start_role("idp", &idp_toml(true), &["--audit-log", "/dev/full"])
        .unwrap_or_else(|e| panic!("{e:?}"));
    let reply = server.token(
        Some(("cursor", CURSOR_SECRET)),
        &[
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("requested_token_type", TYPE_ID_JAG),
            ("subject_token", &id_token("alice")),
            ("subject_token_type", TYPE_ID_TOKEN),
            ("audience", AS_ISSUER),
        ],
    );
    assert_eq!(
        reply.status,
        500,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.error(), "server_error");
    assert!(reply.json().get("access_token").is_none());
    // The server says why in its log (read by a background thread: give it a moment).
    let logged = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        server.log().contains("could not write an audit event")
    });
    assert!(logged, "{}", server.log());
}
