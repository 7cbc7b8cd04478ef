//! `xaa serve idp` against specs.md §3a (the IdP issuing the ID-JAG at its token-exchange
//! endpoint), over real HTTP with a real client: what the conformance suite cannot see.
//!
//! Whether each rule refuses — the exact status and OAuth `error` of every refusal, beside a
//! request that differs only in the rule's subject and succeeds — is the suite's
//! (`3a-01-http-*` .. `3a-18-http-*` in testkit/src/cases/http.rs, run on both verifier paths
//! by `conformance.rs`), which replaced this file's per-rule refusal tests: rule 1
//! `3a-01-http-*`, 2 `3a-02-http-*`, 3 `3a-03-http-*`, 4 `3a-04-http-*` (every flaw of
//! `refused_id_tokens`, and `-id-token-of-another-client`), 6 `3a-06-http-*`, 7
//! `3a-07-http-*`, 8 `3a-08-http-*`, 9 `3a-09-http-*`, 16 `3a-16-http-*`, 17
//! `3a-17-http-*`. Here: the audit event every decision appends to `--audit-log` (one table
//! of refusals, one of grants), the content of ID-JAGs and responses (rules 10–13, 15, 18),
//! the step-up challenge's members (rule 11), and what needs a reload or another
//! configuration (deny by default, revocation, a second signing key, a connection to the IdP
//! itself).
//!
//! Not here: rule 5 (a refresh token as the subject token; covered in `serve_idp.rs`) and
//! rule 14 (DPoP proofs and `cnf.jkt`; a later issue: the IdP does not accept DPoP yet).

use crate::common;

use std::cell::Cell;
use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::as_server::*;
use common::*;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------
// The IdP under test
// ---------------------------------------------------------------------------------------

/// The one description of every refused subject token (which check failed is only in the
/// audit event).
const INVALID_SUBJECT_TOKEN: &str = "The subject token is not valid for this request";

/// Clients of the IdP (all `client_secret_basic`, but [`JWT`]).
const CURSOR: &str = "cursor";
const CURSOR_SECRET: &str = "cursor-secret-5d1f8a";
const WINDSURF: &str = "windsurf";
const WINDSURF_SECRET: &str = "windsurf-secret-2c7e9b";
/// Registered, `private_key_jwt` with `client.jwks` (the key of [`client_key`]).
const JWT: &str = JWT_CLIENT;
/// The IdP's token endpoint URL (the default, under the issuer): a client assertion's `aud`.
const IDP_TOKEN_URL: &str = "https://idp.example.com/token";

/// Resource authorization servers the connections reach.
const AS_B: &str = "https://as-b.example.com";
const AS_MULTI: &str = "https://as-multi.example.com";
const MULTI_1: &str = "https://multi.example.com/one";
const MULTI_2: &str = "https://multi.example.com/two";
const AS_RESTRICTED: &str = "https://as-restricted.example.com";
const RESTRICTED_RESOURCE: &str = "https://restricted.example.com/mcp";
const AS_STEP_UP: &str = "https://as-step-up.example.com";
const STEP_UP_RESOURCE: &str = "https://step-up.example.com/mcp";
/// An alias of [`AS_ISSUER`] in cursor's connection.
const AS_ALIAS: &str = "urn:example:mcp-as";
/// cursor's ID-JAG lifetime at [`AS_ISSUER`].
const LIFETIME: i64 = 120;

fn cursor_connection() -> String {
    baseline_connection_toml(&[AS_ALIAS])
}

fn windsurf_connection() -> String {
    chat_read(WINDSURF, AS_ISSUER, &[RESOURCE], "windsurf-at-as", "")
}

/// A connection granting at most `chat.read`.
fn chat_read(client: &str, audience: &str, resources: &[&str], at: &str, extra: &str) -> String {
    idp_connection_toml(client, audience, resources, &["chat.read"], at, extra)
}

/// The rest: cursor to B, to a server with two resources, to a server limited to some
/// users, to a server asking for strong, recent authentication; jwt-client to the baseline
/// AS.
fn other_connections() -> String {
    let b = idp_connection_toml(
        CURSOR,
        AS_B,
        &[OTHER_RESOURCE],
        &["files.read"],
        "cursor-at-b",
        "",
    );
    let users = "users = [\"alice\"]\ngroups = [\"engineering\"]\n";
    let step_up = "required_acr = [\"phrh\"]\nmax_auth_age = 600\n";
    [
        b,
        chat_read(CURSOR, AS_MULTI, &[MULTI_1, MULTI_2], "cursor-at-multi", ""),
        chat_read(
            CURSOR,
            AS_RESTRICTED,
            &[RESTRICTED_RESOURCE],
            "cursor-at-restricted",
            users,
        ),
        chat_read(
            CURSOR,
            AS_STEP_UP,
            &[STEP_UP_RESOURCE],
            "cursor-at-step-up",
            step_up,
        ),
        chat_read(JWT, AS_ISSUER, &[RESOURCE], "jwt-client-at-as", ""),
    ]
    .concat()
}

/// `[identity_provider]` (signing with `idp.jwk`, kid "idp-ec"), the clients and the
/// directory: alice (email, engineering), bob (no email, no group), carol (disabled), dave
/// (engineering).
fn head_toml() -> String {
    format!(
        r#"{head}{cursor}{windsurf}{jwt}
[[users]]
sub = "alice"
email = "alice@example.com"
groups = ["engineering"]

[[users]]
sub = "bob"

[[users]]
sub = "carol"
disabled = true

[[users]]
sub = "dave"
groups = ["engineering"]
"#,
        head = idp_head_toml(IDP_ISSUER, ""),
        cursor = idp_basic_client_toml(CURSOR, &secret_sha256(CURSOR_SECRET)),
        windsurf = idp_basic_client_toml(WINDSURF, &secret_sha256(WINDSURF_SECRET)),
        jwt = idp_jwt_client_toml(JWT),
    )
}

/// The full configuration of these tests.
fn idp_toml() -> String {
    format!(
        "{}{}{}{}",
        head_toml(),
        cursor_connection(),
        windsurf_connection(),
        other_connections()
    )
}

/// A running `xaa serve idp` and its audit log; `seen` counts the audit events already
/// checked, so every decision is checked to write exactly one event.
struct Idp {
    server: AsServer,
    audit: PathBuf,
    seen: Cell<usize>,
    _audit_dir: tempfile::TempDir,
}

fn start(toml: &str) -> Idp {
    let audit_dir = tempfile::tempdir().unwrap();
    let audit = audit_dir.path().join("audit.jsonl");
    let server = AsServer::try_start_role("idp", toml, &["--audit-log", audit.to_str().unwrap()])
        .unwrap_or_else(|e| panic!("xaa serve idp did not start: {e:?}"));
    Idp {
        server,
        audit,
        seen: Cell::new(0),
        _audit_dir: audit_dir,
    }
}

impl Idp {
    fn audit_events(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.audit)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The one audit event written since the last call.
    #[track_caller]
    fn next_event(&self, what: &str) -> Value {
        let events = self.audit_events();
        assert_eq!(
            events.len(),
            self.seen.get() + 1,
            "{what}: exactly one new audit event; log {events:?}"
        );
        self.seen.set(events.len());
        events.last().unwrap().clone()
    }

    /// Replaces the configuration and reloads it (SIGHUP); panics if the reload is refused.
    fn reconfigure(&self, toml: &str) {
        std::fs::write(self.server.dir.path().join("xaa.toml"), toml).unwrap();
        assert!(self.server.reload(), "{}", self.server.log());
    }
}

/// A baseline ID token of this IdP for `sub`, issued to `client`, with claim changes merged
/// in (null removes a claim).
fn id_token(client: &str, sub: &str, changes: Value) -> String {
    let mut claims = json!({
        "iss": IDP_ISSUER, "sub": sub, "aud": client, "jti": format!("idt-{client}-{sub}"),
        "iat": NOW - 30, "exp": NOW + 3600, "auth_time": NOW - 30, "amr": ["pwd"],
    });
    merge(&mut claims, changes);
    mint(&id_token_header(), &claims, Signer::Es256(&keys().idp_ec))
}

/// The baseline ID token's claims under another `typ`, signed by the same key.
fn id_token_typed(typ: &str, client: &str, sub: &str) -> String {
    let claims = segment(&id_token(client, sub, json!({})), 1);
    let mut header = id_token_header();
    header["typ"] = json!(typ);
    mint(&header, &claims, Signer::Es256(&keys().idp_ec))
}

fn id_token_header() -> Value {
    json!({"typ": "JWT", "alg": "ES256", "kid": "idp-ec"})
}

/// alice's ID token for cursor.
fn alice() -> String {
    id_token(CURSOR, "alice", json!({"email": "alice@example.com"}))
}

/// The token exchange for an ID-JAG, as `client` (HTTP Basic), with `subject` as an ID
/// token, plus `extra` parameters.
fn exchange_as(
    idp: &Idp,
    client: (&str, &str),
    subject: &str,
    audience: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut params = vec![
        ("grant_type", GRANT_TOKEN_EXCHANGE),
        ("requested_token_type", TYPE_ID_JAG),
        ("subject_token", subject),
        ("subject_token_type", TYPE_ID_TOKEN),
        ("audience", audience),
    ];
    params.extend_from_slice(extra);
    idp.server.token(Some(client), &params)
}

/// [`exchange_as`] cursor.
fn exchange(idp: &Idp, subject: &str, audience: &str, extra: &[(&str, &str)]) -> Reply {
    exchange_as(idp, (CURSOR, CURSOR_SECRET), subject, audience, extra)
}

/// A refusal: (HTTP status, OAuth `error`, audit `reason`).
type Refusal<'a> = (u16, &'a str, &'a str);

const CLIENT_REFUSED: Refusal<'static> = (401, "invalid_client", "invalid_client");
const BAD_REQUEST: Refusal<'static> = (400, "invalid_request", "invalid_request");
const NO_CONNECTION: Refusal<'static> = (400, "invalid_target", "no_connection");
const USER_NOT_ALLOWED: Refusal<'static> = (400, "invalid_grant", "user_not_allowed");
const STEP_UP: Refusal<'static> = (400, "insufficient_user_authentication", "step_up_required");

/// Asserts a refusal: the exact status and `error`, `Cache-Control: no-store`, and one audit
/// event, `denied` with `reason`; returns the event.
#[track_caller]
fn refused(idp: &Idp, reply: &Reply, (status, error, reason): Refusal<'_>, what: &str) -> Value {
    let body = String::from_utf8_lossy(&reply.body);
    assert_eq!(reply.status, status, "{what}: status; body {body}");
    assert_eq!(reply.error(), error, "{what}: error; body {body}");
    assert!(
        reply.json().get("access_token").is_none(),
        "{what}: no token"
    );
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("no-store"),
        "{what}"
    );
    let event = idp.next_event(what);
    assert_eq!(event["decision"], "denied", "{what}: {event}");
    assert_eq!(event["reason"], reason, "{what}: {event}");
    assert!(event["id_jag_jti"].is_null(), "{what}: {event}");
    event
}

/// [`refused`] for a subject token: 400 `invalid_request` with the one generic description.
#[track_caller]
fn subject_refused(idp: &Idp, reply: &Reply, reason: &str, what: &str) -> Value {
    let event = refused(idp, reply, (400, "invalid_request", reason), what);
    assert_eq!(
        reply.json()["error_description"],
        INVALID_SUBJECT_TOKEN,
        "{what}: the description does not say which check failed"
    );
    assert!(event["subject"].is_null(), "{what}: {event}");
    event
}

/// Asserts a 200 with an ID-JAG and its `granted` audit event (whose `id_jag_jti` is the
/// ID-JAG's); returns (body, ID-JAG header, ID-JAG claims, event).
#[track_caller]
fn granted(idp: &Idp, reply: &Reply, what: &str) -> (Value, Value, Value, Value) {
    let body = assert_token_issued(reply, what);
    let token = body["access_token"].as_str().unwrap();
    let (header, claims) = (segment(token, 0), segment(token, 1));
    let event = idp.next_event(what);
    assert_eq!(event["decision"], "granted", "{what}: {event}");
    assert_eq!(event["reason"], "granted", "{what}: {event}");
    assert_eq!(event["id_jag_jti"], claims["jti"], "{what}: {event}");
    (body, header, claims, event)
}

/// The member names of a JSON object, sorted.
fn members(object: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = object
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names
}

/// One segment of a compact JWS, base64url-decoded and parsed as JSON.
fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A client assertion (RFC 7523 §2.2) of [`JWT`] for the IdP, with claim changes, signed
/// by `key`.
fn idp_client_assertion(jti: &str, changes: Value, key: &SigningKey) -> String {
    client_assertion_for(IDP_TOKEN_URL, jti, changes, key)
}

/// The token exchange as [`JWT`] with `private_key_jwt`.
fn exchange_with_assertion(idp: &Idp, assertion: &str) -> Reply {
    let subject = id_token(JWT, "alice", json!({}));
    idp.server.token(
        None,
        &[
            ("grant_type", GRANT_TOKEN_EXCHANGE),
            ("requested_token_type", TYPE_ID_JAG),
            ("subject_token", &subject),
            ("subject_token_type", TYPE_ID_TOKEN),
            ("audience", AS_ISSUER),
            ("client_assertion_type", CLIENT_ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
    )
}

/// Whether `token`'s ES256 signature verifies with the public EC JWK `jwk`.
fn verifies_with(token: &str, jwk: &Value) -> bool {
    use p256::ecdsa::signature::Verifier as _;
    use p256::ecdsa::{Signature, VerifyingKey};
    // SEC 1 uncompressed point: 0x04 || x || y.
    let mut point = vec![4u8];
    for name in ["x", "y"] {
        point.extend(URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap());
    }
    let key = VerifyingKey::from_sec1_bytes(&point).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    key.verify(input.as_bytes(), &signature).is_ok()
}

// ---------------------------------------------------------------------------------------
// specs.md §3a: the audit log
// ---------------------------------------------------------------------------------------

/// The request of a row: built from the IdP alone, so the rows stay one line each.
type Request = fn(&Idp) -> Reply;

/// The core request of an exchange as cursor, every parameter once, `audience` the AS.
fn params(subject: &str) -> Vec<(&str, &str)> {
    vec![
        ("grant_type", GRANT_TOKEN_EXCHANGE),
        ("requested_token_type", TYPE_ID_JAG),
        ("subject_token", subject),
        ("subject_token_type", TYPE_ID_TOKEN),
        ("audience", AS_ISSUER),
    ]
}

/// [`params`] for alice with `name`'s value replaced (`None`: removed) and `extra` added,
/// authenticated as cursor with HTTP Basic.
fn alice_with(idp: &Idp, name: &str, value: Option<&str>, extra: &[(&str, &str)]) -> Reply {
    let subject = alice();
    let mut p: Vec<(&str, &str)> = params(&subject)
        .into_iter()
        .filter_map(|(n, v)| {
            if n == name {
                value.map(|v| (n, v))
            } else {
                Some((n, v))
            }
        })
        .collect();
    p.extend_from_slice(extra);
    idp.server.token(Some((CURSOR, CURSOR_SECRET)), &p)
}

/// Every kind of refusal writes exactly one audit event, `denied`, with the reason the
/// component gave and what the IdP knew of the request. Whether each rule refuses (status and
/// `error`, beside its positive control) is the suite's: `3a-01-http-*` .. `3a-17-http-*` in
/// testkit/src/cases/http.rs, run on both verifier paths by `conformance.rs`; each row names
/// the case whose refusal it is. A refused subject token (status 400 `invalid_request` with a
/// reason of its own) also gets the one generic description and no `subject` in its event.
#[test]
fn every_refusal_writes_one_denied_audit_event_with_its_reason() {
    let idp = start(&idp_toml());
    #[rustfmt::skip]
    let rows: &[(&str, Request, Refusal<'_>, Value)] = &[
        // 3a-01-http-no-credentials: nobody authenticated, no client in the event.
        ("no credentials", |idp| idp.server.token(None, &params(&alice())), CLIENT_REFUSED, json!({"client_id": null})),
        // 3a-01-http-wrong-secret (the Basic challenge: below).
        ("wrong secret", |idp| idp.server.token(Some((CURSOR, "wrong-secret")), &params(&alice())), CLIENT_REFUSED, json!({"client_id": null})),
        // 3a-01-http-unknown-client.
        ("unknown client", |idp| idp.server.token(Some(("nobody", CURSOR_SECRET)), &params(&alice())), CLIENT_REFUSED, json!({"client_id": null})),
        // 3a-01-http-private-key-jwt-wrong-key: the client assertion's own reason.
        ("assertion signed by another key", |idp| exchange_with_assertion(idp, &idp_client_assertion("pkj-1", json!({}), &keys().attacker)), (401, "invalid_client", "signature_invalid"), json!({})),
        // 3a-01-http-private-key-jwt-aud-of-as.
        ("assertion for the AS", |idp| exchange_with_assertion(idp, &idp_client_assertion("pkj-2", json!({"aud": TOKEN_URL}), &client_key())), (401, "invalid_client", "audience_mismatch"), json!({})),
        // 3a-02-http-grant-type-jwt-bearer: refused before the client is authenticated.
        ("the jwt-bearer grant", |idp| alice_with(idp, "grant_type", Some(GRANT_JWT_BEARER), &[]), (400, "unsupported_grant_type", "unsupported_grant_type"), json!({})),
        // 3a-02-http-audience-missing.
        ("no audience", |idp| alice_with(idp, "audience", None, &[]), BAD_REQUEST, json!({})),
        // 3a-03-http-access-token-as-subject: a subject token refused for its type.
        ("an access token as the subject", |idp| exchange(idp, &id_token_typed("at+jwt", CURSOR, "alice"), AS_ISSUER, &[]), (400, "invalid_request", "typ_mismatch"), json!({"client_id": CURSOR, "subject": null})),
        // 3a-04-http-id-token-of-another-client: cursor's ID token in windsurf's hands.
        ("cursor's ID token presented by windsurf", |idp| exchange_as(idp, (WINDSURF, WINDSURF_SECRET), &alice(), AS_ISSUER, &[]), (400, "invalid_request", "audience_mismatch"), json!({"client_id": WINDSURF, "subject": null})),
        // 3a-06-http-audience-unknown-server: the audience as asked.
        ("an unknown server", |idp| exchange(idp, &alice(), "https://unknown.example.com", &[]), NO_CONNECTION, json!({"audience": "https://unknown.example.com", "subject": "alice"})),
        // 3a-07-http-another-server: windsurf is connected to the baseline AS only.
        ("windsurf asking for B", |idp| exchange_as(idp, (WINDSURF, WINDSURF_SECRET), &id_token(WINDSURF, "alice", json!({})), AS_B, &[]), NO_CONNECTION, json!({"client_id": WINDSURF, "audience": AS_B})),
        // 3a-07-http-resource-of-another-server: B's resource at A.
        ("B's resource at A", |idp| exchange(idp, &alice(), AS_ISSUER, &[("resource", OTHER_RESOURCE)]), NO_CONNECTION, json!({"resource": OTHER_RESOURCE})),
        // 3a-07-http-resource-required: several resources, none named.
        ("several resources, none named", |idp| exchange(idp, &alice(), AS_MULTI, &[]), (400, "invalid_target", "resource_required"), json!({"audience": AS_MULTI})),
        // 3a-08-http-user-not-in-group: bob is neither listed nor in the group.
        ("bob at the restricted server", |idp| exchange(idp, &id_token(CURSOR, "bob", json!({})), AS_RESTRICTED, &[]), USER_NOT_ALLOWED, json!({"subject": "bob"})),
        // 3a-08-http-disabled-user.
        ("carol, disabled", |idp| exchange(idp, &id_token(CURSOR, "carol", json!({})), AS_ISSUER, &[]), USER_NOT_ALLOWED, json!({"subject": "carol"})),
        // 3a-08-http-unknown-user.
        ("mallory, not in the directory", |idp| exchange(idp, &id_token(CURSOR, "mallory", json!({})), AS_ISSUER, &[]), USER_NOT_ALLOWED, json!({"subject": "mallory"})),
        // 3a-09-http-scope-not-allowed: the scope as asked.
        ("no requested scope is allowed", |idp| exchange(idp, &alice(), AS_ISSUER, &[("scope", "admin files.read")]), (400, "invalid_scope", "scope_not_allowed"), json!({"scope": "admin files.read"})),
        // 3a-09-http-scope-syntax.
        ("not RFC 6749 §3.3 syntax", |idp| exchange(idp, &alice(), AS_ISSUER, &[("scope", "chat.read  admin")]), (400, "invalid_scope", "invalid_scope"), json!({})),
        // 3a-09-http-authorization-details.
        ("authorization_details", |idp| exchange(idp, &alice(), AS_ISSUER, &[("authorization_details", r#"[{"type":"chat"}]"#)]), (400, "invalid_authorization_details", "invalid_authorization_details"), json!({})),
        // 3a-11-http-acr-too-weak (the step-up body: `s3a_r11_...`).
        ("acr too weak", |idp| exchange(idp, &id_token(CURSOR, "alice", json!({"acr": "phr"})), AS_STEP_UP, &[]), STEP_UP, json!({"subject": "alice"})),
        // 3a-16-http-actor-token-alone.
        ("an actor token", |idp| exchange(idp, &alice(), AS_ISSUER, &[("actor_token", &id_token(CURSOR, "dave", json!({})))]), BAD_REQUEST, json!({})),
    ];
    for (what, request, refusal, fields) in rows {
        let reply = request(&idp);
        let (what, refusal) = (*what, *refusal);
        let event = if refusal.1 == "invalid_request" && refusal.2 != "invalid_request" {
            subject_refused(&idp, &reply, refusal.2, what)
        } else {
            refused(&idp, &reply, refusal, what)
        };
        for (name, value) in fields.as_object().unwrap() {
            assert_eq!(&event[name], value, "{what}: {name} in {event}");
        }
    }

    // RFC 6749 §5.2: a failed Basic attempt is challenged.
    let reply = idp
        .server
        .token(Some((CURSOR, "wrong-secret")), &params(&alice()));
    refused(&idp, &reply, CLIENT_REFUSED, "wrong secret, again");
    assert_eq!(
        reply.header("www-authenticate").as_deref(),
        Some("Basic realm=\"token\"")
    );
    // A wrong method is not a decision: no event.
    let reply = idp.server.get("/token");
    assert_eq!(reply.status, 405, "GET /token");
    assert_eq!(reply.header("allow").as_deref(), Some("POST"));
    assert_eq!(
        idp.audit_events().len(),
        idp.seen.get(),
        "no decision, no event"
    );
}

/// Every grant writes exactly one audit event, `granted`, naming the client, the user and
/// what was granted; the ID-JAG carries the connection's `client_id_at_audience` and the
/// audience's issuer (never an alias). The suite's positive controls see only the 200.
#[test]
fn every_grant_writes_one_granted_audit_event_and_the_connection_s_targets() {
    let idp = start(&idp_toml());
    // (what, request, ID-JAG claims, event fields)
    #[rustfmt::skip]
    let rows: &[(&str, Request, Value, Value)] = &[
        ("cursor with its secret", |idp| exchange(idp, &alice(), AS_ISSUER, &[]), json!({"aud": AS_ISSUER, "client_id": CLIENT}), json!({"client_id": CURSOR, "subject": "alice"})),
        ("jwt-client with its key", |idp| exchange_with_assertion(idp, &idp_client_assertion("pkj-3", json!({}), &client_key())), json!({"client_id": "jwt-client-at-as"}), json!({"client_id": JWT})),
        ("windsurf's own ID token", |idp| exchange_as(idp, (WINDSURF, WINDSURF_SECRET), &id_token(WINDSURF, "alice", json!({})), AS_ISSUER, &[]), json!({"client_id": "windsurf-at-as"}), json!({"client_id": WINDSURF})),
        ("the alias: aud is the issuer", |idp| exchange(idp, &alice(), AS_ALIAS, &[]), json!({"aud": AS_ISSUER}), json!({"audience": AS_ISSUER})),
        ("cursor asking for B", |idp| exchange(idp, &alice(), AS_B, &[]), json!({"aud": AS_B, "resource": OTHER_RESOURCE, "client_id": "cursor-at-b"}), json!({"audience": AS_B})),
        ("one resource of two named", |idp| exchange(idp, &alice(), AS_MULTI, &[("resource", MULTI_2)]), json!({"aud": AS_MULTI, "resource": MULTI_2}), json!({"resource": MULTI_2})),
        ("alice: listed at the restricted server", |idp| exchange(idp, &alice(), AS_RESTRICTED, &[]), json!({"sub": "alice", "resource": RESTRICTED_RESOURCE}), json!({"subject": "alice"})),
        ("dave: in the restricted server's group", |idp| exchange(idp, &id_token(CURSOR, "dave", json!({})), AS_RESTRICTED, &[]), json!({"sub": "dave", "resource": RESTRICTED_RESOURCE}), json!({"subject": "dave"})),
        ("a subset of the scope", |idp| exchange(idp, &alice(), AS_ISSUER, &[("scope", "admin chat.read")]), json!({"scope": "chat.read"}), json!({"scope": "chat.read"})),
        ("no scope requested", |idp| exchange(idp, &alice(), AS_ISSUER, &[]), json!({"scope": "chat.read chat.history"}), json!({"scope": "chat.read chat.history"})),
    ];
    for (what, request, claims_wanted, fields) in rows {
        let (body, _, claims, event) = granted(&idp, &request(&idp), what);
        for (name, value) in claims_wanted.as_object().unwrap() {
            assert_eq!(&claims[name], value, "{what}: {name} in {claims}");
        }
        for (name, value) in fields.as_object().unwrap() {
            assert_eq!(&event[name], value, "{what}: {name} in {event}");
        }
        assert_eq!(body["scope"], claims["scope"], "{what}");
    }
}

// ---------------------------------------------------------------------------------------
// specs.md §3a: the content of replies and reloads
// ---------------------------------------------------------------------------------------

#[test]
fn s3a_r06_deny_by_default_without_a_connection() {
    // The same IdP, clients and users, and no connection at all.
    let idp = start(&head_toml());
    let event = refused(
        &idp,
        &exchange(&idp, &alice(), AS_ISSUER, &[]),
        NO_CONNECTION,
        "no connection",
    );
    assert_eq!(event["client_id"], CURSOR);
    assert_eq!(event["subject"], "alice");
    assert_eq!(event["audience"], AS_ISSUER);

    // The administrator adds the connection: the same request now succeeds.
    idp.reconfigure(&format!("{}{}", head_toml(), cursor_connection()));
    granted(&idp, &exchange(&idp, &alice(), AS_ISSUER, &[]), "connected");
}

#[test]
fn s3a_r08_revocation_of_a_user_takes_effect_at_the_next_exchange_after_reload() {
    let idp = start(&idp_toml());
    let token = alice();
    granted(&idp, &exchange(&idp, &token, AS_ISSUER, &[]), "before");

    // The administrator disables alice; SIGHUP reloads the configuration.
    let disabled = idp_toml().replace("sub = \"alice\"\n", "sub = \"alice\"\ndisabled = true\n");
    assert_ne!(disabled, idp_toml());
    idp.reconfigure(&disabled);
    refused(
        &idp,
        &exchange(&idp, &token, AS_ISSUER, &[]),
        USER_NOT_ALLOWED,
        "the same, still unexpired, ID token after alice is disabled",
    );
    let (_, _, claims, _) = granted(
        &idp,
        &exchange(&idp, &id_token(CURSOR, "dave", json!({})), AS_ISSUER, &[]),
        "another user is unaffected",
    );
    assert_eq!(claims["sub"], "dave");
}

#[test]
fn s3a_r08_revocation_of_a_connection_takes_effect_at_the_next_exchange_after_reload() {
    let idp = start(&idp_toml());
    let windsurf = (WINDSURF, WINDSURF_SECRET);
    let windsurf_token = id_token(WINDSURF, "alice", json!({}));
    granted(
        &idp,
        &exchange_as(&idp, windsurf, &windsurf_token, AS_ISSUER, &[]),
        "before",
    );

    // The administrator removes windsurf's connection.
    let without = idp_toml().replace(&windsurf_connection(), "");
    assert_ne!(without, idp_toml());
    idp.reconfigure(&without);
    refused(
        &idp,
        &exchange_as(&idp, windsurf, &windsurf_token, AS_ISSUER, &[]),
        NO_CONNECTION,
        "windsurf after its connection is removed",
    );
    granted(
        &idp,
        &exchange(&idp, &alice(), AS_ISSUER, &[]),
        "cursor's connection to the same server stays",
    );
}

#[test]
fn s3a_r09_several_resources_or_audiences_are_narrowed_or_refused_as_invalid_target() {
    let idp = start(&idp_toml());
    // Correct either way: a 200 whose ID-JAG names only requested, connected targets (RFC
    // 8707: MAY grant a subset), or 400 invalid_target (RFC 8693 §2.2.2). Never
    // invalid_request: the request is well formed.
    let check = |reply: &Reply, field: &str, requested: &[&str], what: &str| {
        if reply.status == 200 {
            let (_, _, claims, _) = granted(&idp, reply, what);
            let values: Vec<Value> = match &claims[field] {
                Value::Array(values) => values.clone(),
                one => vec![one.clone()],
            };
            assert!(
                !values.is_empty() && values.iter().all(|v| requested.iter().any(|r| v == r)),
                "{what}: {claims}"
            );
        } else {
            let body = String::from_utf8_lossy(&reply.body);
            assert_eq!(
                (reply.status, reply.error().as_str()),
                (400, "invalid_target"),
                "{what}: {body}"
            );
            assert_eq!(idp.next_event(what)["decision"], "denied", "{what}");
        }
    };
    let reply = exchange(
        &idp,
        &alice(),
        AS_MULTI,
        &[("resource", MULTI_1), ("resource", MULTI_2)],
    );
    check(&reply, "resource", &[MULTI_1, MULTI_2], "two resources");
    let reply = exchange(&idp, &alice(), AS_ISSUER, &[("audience", AS_B)]);
    check(&reply, "aud", &[AS_ISSUER, AS_B], "two audiences");
}

#[test]
fn s3a_r10_the_id_jag_carries_what_was_granted_not_what_was_asked() {
    let idp = start(&idp_toml());
    let (body, header, claims, event) = granted(
        &idp,
        &exchange(
            &idp,
            &alice(),
            AS_ALIAS,
            &[("scope", "chat.history admin chat.history")],
        ),
        "alias, no resource, a wider scope",
    );
    assert_eq!(header["typ"], "oauth-id-jag+jwt");
    assert_eq!(claims["aud"], AS_ISSUER, "the alias resolved");
    assert_eq!(
        claims["resource"], RESOURCE,
        "the connection's only resource"
    );
    assert_eq!(claims["scope"], "chat.history", "narrowed and deduplicated");
    assert_eq!(claims["client_id"], CLIENT);
    assert!(claims.get("authorization_details").is_none());
    assert_eq!(body["scope"], claims["scope"]);
    assert_eq!(
        (&event["audience"], &event["resource"], &event["scope"]),
        (&claims["aud"], &claims["resource"], &claims["scope"])
    );

    let (_, _, claims, _) = granted(
        &idp,
        &exchange(&idp, &alice(), AS_MULTI, &[("resource", MULTI_1)]),
        "one resource of two",
    );
    assert_eq!(
        (&claims["aud"], &claims["resource"], &claims["scope"]),
        (&json!(AS_MULTI), &json!(MULTI_1), &json!("chat.read"))
    );
}

#[test]
fn s3a_r11_step_up_when_the_authentication_is_too_weak_or_too_old() {
    let idp = start(&idp_toml());
    let login = |changes: Value| id_token(CURSOR, "alice", changes);

    let reply = exchange(&idp, &login(json!({"acr": "phr"})), AS_STEP_UP, &[]);
    refused(&idp, &reply, STEP_UP, "acr too weak");
    assert_eq!(reply.json()["acr_values"], "phrh");
    assert!(reply.json().get("max_age").is_none());

    let reply = exchange(
        &idp,
        &login(json!({"acr": "phrh", "auth_time": NOW - 601})),
        AS_STEP_UP,
        &[],
    );
    refused(&idp, &reply, STEP_UP, "authentication too old");
    assert_eq!(reply.json()["max_age"], 600);
    assert!(reply.json().get("acr_values").is_none());

    let reply = exchange(
        &idp,
        &login(json!({"acr": "phrh", "auth_time": null})),
        AS_STEP_UP,
        &[],
    );
    refused(&idp, &reply, STEP_UP, "authentication time unknown");

    // Positive twin: a strong, recent authentication; the ID-JAG says so.
    let (_, _, claims, _) = granted(
        &idp,
        &exchange(
            &idp,
            &login(json!({"acr": "phrh", "auth_time": NOW - 599})),
            AS_STEP_UP,
            &[],
        ),
        "strong and recent",
    );
    assert_eq!(claims["acr"], "phrh");
    assert_eq!(claims["auth_time"], NOW - 599);
    assert_eq!(claims["resource"], STEP_UP_RESOURCE);
    // A server without those requirements accepts the weak login.
    granted(
        &idp,
        &exchange(&idp, &login(json!({"acr": "phr"})), AS_ISSUER, &[]),
        "no requirement",
    );
}

#[test]
fn s3a_r12_the_id_jag_claims() {
    let idp = start(&idp_toml());
    let subject = id_token(
        CURSOR,
        "alice",
        json!({
            "email": "alice@example.com", "auth_time": NOW - 45, "amr": ["pwd", "otp"],
            "acr": "phr", "tenant": "acme",
        }),
    );
    let (body, _, first, _) = granted(&idp, &exchange(&idp, &subject, AS_ISSUER, &[]), "first");
    assert_eq!(first["iss"], IDP_ISSUER);
    assert_eq!(first["sub"], "alice");
    assert_eq!(first["aud"], AS_ISSUER);
    assert_eq!(first["client_id"], CLIENT, "client_id_at_audience");
    assert_eq!(first["iat"], NOW);
    assert_eq!(
        first["exp"].as_i64().unwrap() - first["iat"].as_i64().unwrap(),
        LIFETIME
    );
    assert_eq!(body["expires_in"], LIFETIME);
    assert_eq!(first["email"], "alice@example.com");
    assert_eq!(first["auth_time"], NOW - 45);
    assert_eq!(first["amr"], json!(["pwd", "otp"]));
    assert_eq!(first["acr"], "phr");
    assert_eq!(first["tenant"], "acme");
    let jti = first["jti"].as_str().unwrap();
    assert!(jti.len() >= 22, "128 bits of entropy: {jti}");

    let (_, _, second, _) = granted(&idp, &exchange(&idp, &subject, AS_ISSUER, &[]), "second");
    assert_ne!(second["jti"], first["jti"], "a fresh jti per ID-JAG");

    // What the ID token does not say is not invented.
    let (_, _, bare, _) = granted(
        &idp,
        &exchange(
            &idp,
            &id_token(CURSOR, "bob", json!({"auth_time": null, "amr": null})),
            AS_ISSUER,
            &[],
        ),
        "bob: no email, auth_time, amr",
    );
    assert_eq!(
        members(&bare),
        [
            "aud",
            "client_id",
            "exp",
            "iat",
            "iss",
            "jti",
            "resource",
            "scope",
            "sub"
        ]
    );
    assert_eq!(bare["sub"], "bob");
}

#[test]
fn s3a_r13_the_id_jag_is_typed_and_signed_with_a_key_the_idp_publishes() {
    // Two signing keys, the second one current: the kid and the published key must follow.
    let keys_dir = tempfile::tempdir().unwrap();
    let second = keys_dir.path().join("idp-2.jwk");
    std::fs::write(
        &second,
        private_jwk(&keys().idp_ec2, "idp-ec-2").to_string(),
    )
    .unwrap();
    let toml = idp_toml().replace(
        "signing_keys = [\"idp.jwk\"]\n",
        &format!(
            "signing_keys = [\"idp.jwk\", \"{}\"]\nsigning_kid = \"idp-ec-2\"\n",
            second.display()
        ),
    );
    let idp = start(&toml);
    let (body, header, _, _) = granted(&idp, &exchange(&idp, &alice(), AS_ISSUER, &[]), "issued");
    let id_jag = body["access_token"].as_str().unwrap();
    assert_eq!(
        header,
        json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": "idp-ec-2"})
    );

    let jwks = idp.server.get("/jwks.json");
    assert_eq!(jwks.status, 200);
    let jwks = jwks.json();
    let published = jwks["keys"].as_array().unwrap();
    assert_eq!(published.len(), 2, "{jwks}");
    assert!(
        published.iter().all(|k| k.get("d").is_none()),
        "public keys only"
    );
    let by_kid = |kid: &str| published.iter().find(|k| k["kid"] == kid).unwrap();
    assert!(
        verifies_with(id_jag, by_kid("idp-ec-2")),
        "the kid's key verifies"
    );
    assert!(
        !verifies_with(id_jag, by_kid("idp-ec")),
        "no other key does"
    );

    // A resource authorization server trusting the IdP's keys accepts it.
    let ras = AsServer::start();
    let reply = ras.exchange(id_jag, &[]);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
}

#[test]
fn s3a_r15_the_token_exchange_response() {
    let idp = start(&idp_toml());
    let reply = exchange(&idp, &alice(), AS_ISSUER, &[("scope", "chat.read admin")]);
    let (body, _, claims, _) = granted(&idp, &reply, "response");
    assert_eq!(
        members(&body),
        [
            "access_token",
            "expires_in",
            "issued_token_type",
            "scope",
            "token_type"
        ],
        "no refresh_token"
    );
    assert_eq!(body["issued_token_type"], TYPE_ID_JAG);
    assert_eq!(body["token_type"], "N_A");
    assert_eq!(body["expires_in"], LIFETIME);
    assert_eq!(
        body["expires_in"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap() - NOW
    );
    assert_eq!(
        body["scope"], "chat.read",
        "the scope differs from the request"
    );
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    assert_eq!(reply.header("pragma").as_deref(), Some("no-cache"));
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/json")
    );
}

/// Rule 17 at startup: no connection can make this IdP an audience of its own ID-JAGs. At
/// runtime the suite checks it: `3a-17-http-own-id-jag-as-subject`,
/// `3a-17-http-own-id-jag-as-jwt-bearer`.
#[test]
fn s3a_r17_a_connection_to_this_idp_itself_is_refused_at_startup() {
    let toml = format!(
        "{}{}",
        head_toml(),
        cursor_connection().replace(
            "audience = \"https://as.example.com\"",
            &format!("audience = \"{IDP_ISSUER}\"")
        )
    );
    let Err((status, stderr)) = AsServer::try_start_role("idp", &toml, &[]) else {
        panic!("a connection to the IdP itself must be refused");
    };
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("connections[0].audience"), "{stderr}");
}

#[test]
fn s3a_r18_metadata_advertises_the_id_jag_token_type() {
    let idp = start(&idp_toml());
    let reply = idp.server.get("/.well-known/oauth-authorization-server");
    assert_eq!(reply.status, 200);
    let metadata = reply.json();
    assert_idp_metadata(&metadata);
    assert_eq!(metadata["token_endpoint"], IDP_TOKEN_URL);
    assert_eq!(metadata["jwks_uri"], "https://idp.example.com/jwks.json");
    assert!(idp.audit_events().is_empty(), "documents are not decisions");
}
