//! `xaa serve as` over real HTTP on 127.0.0.1 with a real client (reqwest): the happy path,
//! the issued token at the resource server, single use, concurrency, self-issued assertions,
//! the metadata and JWK Set documents, and the server's transport behaviour.

use crate::common;

use std::path::Path;
use std::sync::Barrier;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::as_server::*;
use common::*;
use p256::ecdsa::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

#[test]
fn happy_path_token_passes_validation_for_its_resource_only() {
    let server = AsServer::start();
    let reply = server.exchange(&id_jag("happy-1", json!({})), &[]);
    assert_eq!(reply.status, 200, "{:?}", reply.json());
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 290, "capped at the ID-JAG's exp");
    assert_eq!(body["scope"], "chat.read chat.history");
    assert!(body.get("refresh_token").is_none());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let token = body["access_token"].as_str().unwrap();
    let (code, verdict) = validate_access_token(&server, token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["claims"]["aud"], RESOURCE);
    assert_eq!(verdict["claims"]["client_id"], CLIENT);
    let (code, verdict) = validate_access_token(&server, token, OTHER_RESOURCE);
    assert_eq!(code, 1, "{verdict}");
    assert_eq!(verdict["code"], "audience_mismatch");
}

// ---------------------------------------------------------------------------------------------
// Helpers local to this file.

/// `invalid_grant` descriptions are the fixed summaries of the rejection codes.
/// The one description of every refused assertion; the reason is the log's `code=`.
const GENERIC: &str = "The assertion is not valid for this request";

/// The issuer line of `base_toml`.
fn issuer_line() -> String {
    format!("issuer = \"{AS_ISSUER}\"")
}

/// Writes `value` as `name` in `dir` and returns its absolute path (TOML-safe: temporary
/// directories on the test machines hold no quotes or backslashes).
fn write_json(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    let text = path.to_str().unwrap().to_owned();
    assert!(!text.contains(['"', '\\']), "{text}");
    text
}

/// `base_toml` with `signing_keys = [...]` replaced by `replacement`.
fn with_signing_keys(replacement: &str) -> String {
    let toml = base_toml("");
    let old = "signing_keys = [\"as.jwk\"]";
    assert!(toml.contains(old));
    toml.replacen(old, replacement, 1)
}

/// A `[[clients]]` entry appended to the baseline.
fn extra_client(id: &str, auth: &str, credential: &str, resources: &str) -> String {
    format!(
        r#"
[[clients]]
client_id = "{id}"
auth_method = "{auth}"
{credential}
resources = [{resources}]
scopes = ["chat.read"]
"#
    )
}

/// Asserts that the server refuses to start with exit status 2 and that its message names
/// the configuration file and every `paths` entry; returns stderr.
fn refused(toml: &str, paths: &[&str]) -> String {
    let (status, stderr) = match AsServer::try_start(toml, &[]) {
        Ok(server) => {
            let _ = server.stop();
            panic!("the server started with a configuration it must refuse ({paths:?})");
        }
        Err(refusal) => refusal,
    };
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("xaa.toml"), "names the file: {stderr}");
    for path in paths {
        assert!(stderr.contains(path), "names {path}: {stderr}");
    }
    stderr
}

/// A fresh ES256 key from a seed.
fn seeded_key(seed: &str) -> SigningKey {
    SigningKey::from_slice(&Sha256::digest(seed.as_bytes())).unwrap()
}

/// The decoded JOSE header of a compact JWS.
fn jose_header(token: &str) -> Value {
    let (header, _, _) = parts(token);
    let bytes = xaa_testkit::base64url::decode(&header).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The jwt-bearer grant parameters for `assertion` plus `extra`.
fn grant<'a>(assertion: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("grant_type", GRANT_JWT_BEARER), ("assertion", assertion)];
    params.extend_from_slice(extra);
    params
}

/// POST `/token` with `client_assertion` authentication.
fn exchange_with_assertion(server: &AsServer, id_jag: &str, client_assertion: &str) -> Reply {
    server.token(
        None,
        &grant(
            id_jag,
            &[
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", client_assertion),
            ],
        ),
    )
}

/// Asserts an OAuth error response.
fn assert_error(reply: &Reply, status: u16, error: &str) {
    assert_eq!(
        (reply.status, reply.error().as_str()),
        (status, error),
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
}

/// Asserts a 200 token response and returns its body.
#[track_caller]
fn assert_issued(reply: &Reply) -> Value {
    assert_token_issued(reply, "token response")
}

// ---------------------------------------------------------------------------------------------
// 1. Single use of an ID-JAG.

#[test]
fn the_same_id_jag_twice_is_refused_the_second_time() {
    let server = AsServer::start();
    let jag = id_jag("replay-1", json!({}));
    assert_issued(&server.exchange(&jag, &[]));
    let again = server.exchange(&jag, &[]);
    assert_error(&again, 400, "invalid_grant");
    assert_eq!(again.json()["error_description"], GENERIC);
    assert_logged_code(&server, "replayed");
    assert!(again.json().get("access_token").is_none());
    // A third time: still refused.
    assert_error(&server.exchange(&jag, &[]), 400, "invalid_grant");
    // Another jti from the same IdP is unaffected.
    assert_issued(&server.exchange(&id_jag("replay-2", json!({})), &[]));
}

#[test]
fn a_refused_exchange_does_not_consume_the_id_jag() {
    let server = AsServer::start();
    let jag = id_jag("not-consumed-1", json!({}));
    // The basic client may not reach OTHER_RESOURCE (and the ID-JAG does not name it).
    let refused = server.exchange(&jag, &[("resource", OTHER_RESOURCE)]);
    assert_error(&refused, 400, "invalid_target");
    let refused = server.exchange(&jag, &[("scope", "chat.write")]);
    assert_error(&refused, 400, "invalid_scope");
    assert_issued(&server.exchange(&jag, &[]));
    assert_error(&server.exchange(&jag, &[]), 400, "invalid_grant");
}

#[test]
fn fifty_concurrent_submissions_of_one_id_jag_issue_exactly_one_token() {
    const N: usize = 50;
    let server = AsServer::start_with(&base_toml(""), &["--instances", "4"]);
    let jag = id_jag("concurrent-1", json!({}));
    let barrier = Barrier::new(N);
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..N)
            .map(|_| {
                let (server, jag, barrier) = (&server, &jag, &barrier);
                scope.spawn(move || {
                    let request = server
                        .post_form("/token")
                        .header("Authorization", basic_header(BASIC_CLIENT, BASIC_SECRET))
                        .body(form(&grant(jag, &[])));
                    barrier.wait();
                    reply(request.send().unwrap())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let issued: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    let outcomes: Vec<(u16, String)> = replies.iter().map(|r| (r.status, r.error())).collect();
    assert_eq!(issued.len(), 1, "{outcomes:?}");
    for reply in replies.iter().filter(|r| r.status != 200) {
        assert_error(reply, 400, "invalid_grant");
        assert_eq!(reply.json()["error_description"], GENERIC);
    }
    let token = issued[0].json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, verdict) = validate_access_token(&server, &token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
}

// ---------------------------------------------------------------------------------------------
// 2. Self-issued assertions.

#[test]
fn an_id_jag_signed_by_this_servers_own_key_as_itself_is_refused() {
    let server = AsServer::start();
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": SIGNING_KID});
    let mut claims = id_jag_claims("self-1");
    merge(&mut claims, json!({"iss": AS_ISSUER}));
    let jag = mint(&header, &claims, Signer::Es256(&keys().as_ec));
    let reply = server.exchange(&jag, &[]);
    assert_error(&reply, 400, "invalid_grant");
    assert_eq!(reply.json()["error_description"], GENERIC);
    assert_logged_code(&server, "self_issued");
}

#[test]
fn an_id_jag_signed_by_this_servers_own_key_in_the_idps_name_is_refused() {
    let server = AsServer::start();
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": SIGNING_KID});
    let jag = mint(
        &header,
        &id_jag_claims("self-2"),
        Signer::Es256(&keys().as_ec),
    );
    let reply = server.exchange(&jag, &[]);
    assert_error(&reply, 400, "invalid_grant");
    assert_eq!(reply.json()["error_description"], GENERIC);
    assert_logged_code(&server, "key_not_found");
    // With the IdP's kid the AS key is still not the IdP's key.
    let jag = mint(
        &id_jag_header(),
        &id_jag_claims("self-3"),
        Signer::Es256(&keys().as_ec),
    );
    assert_error(&server.exchange(&jag, &[]), 400, "invalid_grant");
}

#[test]
fn an_access_token_this_server_issued_is_not_accepted_as_an_id_jag() {
    let server = AsServer::start();
    let body = assert_issued(&server.exchange(&id_jag("self-4", json!({})), &[]));
    let access_token = body["access_token"].as_str().unwrap();
    assert_error(&server.exchange(access_token, &[]), 400, "invalid_grant");
}

// ---------------------------------------------------------------------------------------------
// 3. RFC 8414 metadata.

#[test]
fn metadata_has_the_rfc8414_fields_and_the_id_jag_profile() {
    let server = AsServer::start();
    let reply = server.get("/.well-known/oauth-authorization-server");
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    let doc = reply.json();
    assert_eq!(doc["issuer"], AS_ISSUER, "exactly the issuer: {doc}");
    assert_eq!(doc["token_endpoint"], TOKEN_URL);
    assert_eq!(doc["jwks_uri"], format!("{AS_ISSUER}/jwks.json"));
    assert!(doc["response_types_supported"].is_array(), "{doc}");
    let list = |name: &str| -> Vec<String> {
        doc[name]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not an array: {doc}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    assert!(list("grant_types_supported").contains(&GRANT_JWT_BEARER.to_owned()));
    assert!(list("authorization_grant_profiles_supported")
        .contains(&"urn:ietf:params:oauth:grant-profile:id-jag".to_owned()));
    let methods = list("token_endpoint_auth_methods_supported");
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ] {
        assert!(methods.contains(&method.to_owned()), "{methods:?}");
    }
    assert!(
        !methods.contains(&"none".to_owned()),
        "public clients are not accepted here: {methods:?}"
    );
    let algs = list("token_endpoint_auth_signing_alg_values_supported");
    assert!(algs.contains(&"ES256".to_owned()), "{algs:?}");
    assert!(!algs.iter().any(|a| a == "none" || a.starts_with("HS")));
}

#[test]
fn metadata_never_publishes_the_trusted_issuers() {
    let server = AsServer::start();
    for path in ["/.well-known/oauth-authorization-server", "/jwks.json"] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200);
        let text = String::from_utf8(reply.body).unwrap();
        for issuer in [IDP_ISSUER, OTHER_IDP, "idp.example.com", "trusted"] {
            assert!(!text.contains(issuer), "{path} publishes {issuer}: {text}");
        }
    }
}

#[test]
fn metadata_is_served_at_the_path_inserted_well_known_uri_for_an_issuer_with_a_path() {
    let tenant = "https://as.example.com/tenant-a";
    let toml = base_toml("").replacen(&issuer_line(), &format!("issuer = \"{tenant}\""), 1);
    assert!(toml.contains(tenant));
    let server = AsServer::start_with(&toml, &[]);
    for path in [
        "/.well-known/oauth-authorization-server/tenant-a",
        "/.well-known/oauth-authorization-server",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.json()["issuer"], tenant, "{path}");
    }
    for path in [
        "/tenant-a/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/tenant-b",
        "/.well-known/oauth-authorization-server/tenant-a/x",
        "/.well-known/openid-configuration",
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 404, "{path}");
    }
    // ID-JAGs must now name this issuer as their audience.
    let reply = server.exchange(&id_jag("tenant-1", json!({"aud": tenant})), &[]);
    assert_issued(&reply);
    let reply = server.exchange(&id_jag("tenant-2", json!({})), &[]);
    assert_error(&reply, 400, "invalid_grant");
}

// ---------------------------------------------------------------------------------------------
// 4. JWK Set, rotation and configuration refusals.

#[test]
fn jwks_is_an_rfc7517_set_of_public_es256_keys() {
    let server = AsServer::start();
    let reply = server.get("/jwks.json");
    assert_eq!(reply.status, 200);
    let text = String::from_utf8(reply.body.clone()).unwrap();
    assert!(!text.contains("\"d\""), "{text}");
    let set = reply.json();
    let keys = set["keys"].as_array().unwrap_or_else(|| panic!("{set}"));
    assert_eq!(keys.len(), 1, "{set}");
    let expected = ec_jwk(&common::keys().as_ec, SIGNING_KID, json!({}));
    for key in keys {
        assert_eq!(key["kty"], "EC");
        assert_eq!(key["crv"], "P-256");
        assert_eq!(key["kid"], SIGNING_KID);
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], "ES256");
        assert_eq!(key["x"], expected["x"]);
        assert_eq!(key["y"], expected["y"]);
        assert!(key.get("d").is_none(), "{key}");
    }
}

#[test]
fn rotation_publishes_both_keys_and_signs_with_signing_kid() {
    let keydir = tempfile::tempdir().unwrap();
    let second = seeded_key("as-ec-2");
    let path = write_json(keydir.path(), "as2.jwk", &private_jwk(&second, "as-ec-2"));
    let toml = with_signing_keys(&format!(
        "signing_keys = [\"as.jwk\", \"{path}\"]\nsigning_kid = \"as-ec-2\""
    ));
    let server = AsServer::start_with(&toml, &[]);
    let set = server.get("/jwks.json").json();
    let kids = kids(&set);
    assert_eq!(kids.len(), 2, "{set}");
    assert!(
        kids.contains(&SIGNING_KID) && kids.contains(&"as-ec-2"),
        "{set}"
    );
    let published = set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "as-ec-2")
        .unwrap();
    let expected = ec_jwk(&second, "as-ec-2", json!({}));
    assert_eq!(
        (&published["x"], &published["y"]),
        (&expected["x"], &expected["y"])
    );
    assert!(!set.to_string().contains("\"d\""));

    let body = assert_issued(&server.exchange(&id_jag("rotate-1", json!({})), &[]));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(jose_header(token)["kid"], "as-ec-2");
    let (code, verdict) = validate_access_token(&server, token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
}

#[test]
fn config_refuses_a_signing_kid_that_names_no_key() {
    refused(
        &base_toml("signing_kid = \"no-such-kid\""),
        &["token_endpoint.signing_kid", "no-such-kid"],
    );
}

#[test]
fn config_refuses_a_signing_key_that_is_also_a_trusted_idp_key() {
    let keydir = tempfile::tempdir().unwrap();
    let path = write_json(
        keydir.path(),
        "idp-as.jwk",
        &private_jwk(&keys().idp_ec, SIGNING_KID),
    );
    refused(
        &with_signing_keys(&format!("signing_keys = [\"{path}\"]")),
        &["token_endpoint.signing_keys[0]", IDP_ISSUER],
    );
}

#[test]
fn config_refuses_a_client_resource_the_server_does_not_serve() {
    let toml = base_toml("")
        + &extra_client(
            "stray-client",
            "client_secret_post",
            &format!("client_secret_sha256 = \"{}\"", secret_sha256("s")),
            &format!("\"{RESOURCE}\", \"https://elsewhere.example.com/mcp\""),
        );
    refused(
        &toml,
        &[
            "clients[4].resources[1]",
            "https://elsewhere.example.com/mcp",
        ],
    );
}

#[test]
fn config_refuses_a_client_secret_hash_that_is_not_64_lowercase_hex() {
    let digest = secret_sha256("s");
    for bad in [
        digest.to_uppercase(),
        digest[..63].to_owned(),
        format!("{digest}0"),
        "not-a-digest".to_owned(),
    ] {
        let toml = base_toml("")
            + &extra_client(
                "hash-client",
                "client_secret_basic",
                &format!("client_secret_sha256 = \"{bad}\""),
                &format!("\"{RESOURCE}\""),
            );
        refused(&toml, &["clients[4].client_secret_sha256"]);
    }
    // The same entry with the lowercase digest starts.
    let toml = base_toml("")
        + &extra_client(
            "hash-client",
            "client_secret_basic",
            &format!("client_secret_sha256 = \"{digest}\""),
            &format!("\"{RESOURCE}\""),
        );
    AsServer::start_with(&toml, &[]).stop();
}

#[test]
fn config_refuses_a_public_client_without_allow_public_clients() {
    refused(
        &(base_toml("") + &public_client_toml()),
        &["clients[4].auth_method", "allow_public_clients"],
    );
}

#[test]
fn config_refuses_access_token_lifetimes_outside_1_to_3600() {
    for lifetime in [0, 3601] {
        refused(
            &base_toml(&format!("access_token_lifetime = {lifetime}")),
            &["token_endpoint.access_token_lifetime"],
        );
    }
    for lifetime in [1, 3600] {
        AsServer::start_with(
            &base_toml(&format!("access_token_lifetime = {lifetime}")),
            &[],
        )
        .stop();
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Client authentication over HTTP.

#[test]
fn client_secret_basic_right_wrong_and_unknown() {
    let server = AsServer::start();
    assert_issued(&server.exchange(&id_jag("basic-1", json!({})), &[]));

    let jag = id_jag("basic-2", json!({}));
    let wrong = server.token(Some((BASIC_CLIENT, "not-the-secret")), &grant(&jag, &[]));
    assert_error(&wrong, 401, "invalid_client");
    let challenge = wrong.header("www-authenticate").unwrap_or_default();
    assert!(challenge.starts_with("Basic"), "{challenge:?}");

    let unknown = server.token(Some(("no-such-client", BASIC_SECRET)), &grant(&jag, &[]));
    assert_error(&unknown, 401, "invalid_client");
    assert!(unknown
        .header("www-authenticate")
        .is_some_and(|c| c.starts_with("Basic")));

    // A client registered for client_secret_post may not use Basic.
    let jag_post = id_jag("basic-3", json!({"client_id": POST_CLIENT}));
    let mismatch = server.token(Some((POST_CLIENT, POST_SECRET)), &grant(&jag_post, &[]));
    assert_error(&mismatch, 401, "invalid_client");

    // Failed authentication consumed nothing.
    assert_issued(&server.exchange(&jag, &[]));
}

#[test]
fn client_secret_basic_form_urlencodes_the_id_and_secret() {
    let (id, secret) = ("a b:c", "p@ss:w rd+");
    let toml = base_toml("")
        + &extra_client(
            id,
            "client_secret_basic",
            &format!("client_secret_sha256 = \"{}\"", secret_sha256(secret)),
            &format!("\"{RESOURCE}\""),
        );
    let server = AsServer::start_with(&toml, &[]);
    let jag = id_jag("encoded-1", json!({"client_id": id}));

    // Without the §2.3.1 encoding the header does not name this client.
    let raw = format!("Basic {}", B64.encode(format!("{id}:{secret}")));
    let reply = server
        .post_form("/token")
        .header("Authorization", raw)
        .body(form(&grant(&jag, &[])))
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 401);

    let body = assert_issued(&server.token(Some((id, secret)), &grant(&jag, &[])));
    assert_eq!(body["scope"], "chat.read");
    let token = body["access_token"].as_str().unwrap();
    let (code, verdict) = validate_access_token(&server, token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["claims"]["client_id"], id);
}

#[test]
fn client_secret_post_right_and_wrong() {
    let server = AsServer::start();
    let jag = id_jag("post-1", json!({"client_id": POST_CLIENT}));
    let wrong = server.token(
        None,
        &grant(
            &jag,
            &[
                ("client_id", POST_CLIENT),
                ("client_secret", "wrong-secret"),
            ],
        ),
    );
    assert_error(&wrong, 401, "invalid_client");
    assert!(
        !wrong
            .header("www-authenticate")
            .is_some_and(|c| c.to_ascii_lowercase().starts_with("basic")),
        "no Basic challenge when Basic was not attempted"
    );
    // An unknown client, and the Basic client's secret in the body: suite cases
    // 3b-02-http-post-unknown-client and 3b-02-http-basic-client-via-post.

    let right = server.token(
        None,
        &grant(
            &jag,
            &[("client_id", POST_CLIENT), ("client_secret", POST_SECRET)],
        ),
    );
    let body = assert_issued(&right);
    assert_eq!(
        body["scope"], "chat.read",
        "client policy narrows the scope"
    );
    let (code, verdict) =
        validate_access_token(&server, body["access_token"].as_str().unwrap(), RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["claims"]["client_id"], POST_CLIENT);
}

#[test]
fn private_key_jwt_right_key_aud_expiry_and_replay() {
    let server = AsServer::start();
    let jag = |jti: &str| id_jag(jti, json!({"client_id": JWT_CLIENT}));

    let right =
        exchange_with_assertion(&server, &jag("pkj-1"), &client_assertion("ca-1", json!({})));
    let body = assert_issued(&right);
    let (code, verdict) =
        validate_access_token(&server, body["access_token"].as_str().unwrap(), RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["claims"]["client_id"], JWT_CLIENT);

    // The issuer identifier is an accepted audience too.
    let as_aud = client_assertion("ca-2", json!({"aud": AS_ISSUER}));
    assert_issued(&exchange_with_assertion(&server, &jag("pkj-2"), &as_aud));

    let pending = jag("pkj-3");
    // Signed by another key under the registered kid.
    let claims = json!({
        "iss": JWT_CLIENT, "sub": JWT_CLIENT, "aud": TOKEN_URL, "jti": "ca-3",
        "iat": NOW - 5, "exp": NOW + 60,
    });
    let forged = mint(
        &json!({"alg": "ES256", "kid": "jwt-client-1"}),
        &claims,
        Signer::Es256(&keys().attacker),
    );
    let wrong_aud = client_assertion("ca-4", json!({"aud": "https://as.example.com/other"}));
    let expired = client_assertion("ca-5", json!({"iat": NOW - 200, "exp": NOW - 61}));
    let wrong_iss = client_assertion("ca-6", json!({"iss": BASIC_CLIENT}));
    let replayed = client_assertion("ca-1", json!({}));
    for (name, assertion) in [
        ("wrong key", &forged),
        ("wrong aud", &wrong_aud),
        ("expired", &expired),
        ("iss is not the client", &wrong_iss),
        ("replayed", &replayed),
    ] {
        let reply = exchange_with_assertion(&server, &pending, assertion);
        assert_eq!(
            (reply.status, reply.error()),
            (401, "invalid_client".to_owned()),
            "{name}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(
            reply.header("www-authenticate").is_none(),
            "{name}: no Basic challenge"
        );
    }
    // None of the failures consumed the ID-JAG.
    let fresh = client_assertion("ca-7", json!({}));
    assert_issued(&exchange_with_assertion(&server, &pending, &fresh));
}

#[test]
fn two_authentication_methods_at_once_are_invalid_request() {
    let server = AsServer::start();
    let jag = id_jag("two-1", json!({}));
    let basic_and_post = server.token(
        Some((BASIC_CLIENT, BASIC_SECRET)),
        &grant(
            &jag,
            &[("client_id", BASIC_CLIENT), ("client_secret", BASIC_SECRET)],
        ),
    );
    assert_error(&basic_and_post, 400, "invalid_request");
    let assertion = client_assertion("two-ca", json!({}));
    let post_and_jwt = server.token(
        None,
        &grant(
            &jag,
            &[
                ("client_id", POST_CLIENT),
                ("client_secret", POST_SECRET),
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", &assertion),
            ],
        ),
    );
    assert_error(&post_and_jwt, 400, "invalid_request");
    let basic_and_jwt = server.token(
        Some((BASIC_CLIENT, BASIC_SECRET)),
        &grant(
            &jag,
            &[
                ("client_assertion_type", CLIENT_ASSERTION_TYPE),
                ("client_assertion", &assertion),
            ],
        ),
    );
    assert_error(&basic_and_jwt, 400, "invalid_request");
    assert_issued(&server.exchange(&jag, &[]));
}

// No credentials, or a confidential client's client_id alone: suite cases
// 3b-02-http-no-credentials and 3b-02-http-client-id-only (each with its 200 control).

#[test]
fn a_public_client_needs_allow_public_clients() {
    let toml = base_toml("allow_public_clients = true") + &public_client_toml();
    let server = AsServer::start_with(&toml, &[]);
    let jag = id_jag("public-1", json!({"client_id": PUBLIC_CLIENT}));
    let body = assert_issued(&server.token(None, &grant(&jag, &[("client_id", PUBLIC_CLIENT)])));
    assert_eq!(body["scope"], "chat.read");
    let (code, verdict) =
        validate_access_token(&server, body["access_token"].as_str().unwrap(), RESOURCE);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["claims"]["client_id"], PUBLIC_CLIENT);
    let methods = server.get("/.well-known/oauth-authorization-server").json()
        ["token_endpoint_auth_methods_supported"]
        .clone();
    assert!(
        methods.as_array().unwrap().contains(&json!("none")),
        "{methods}"
    );
    // Even here a confidential client cannot skip authentication.
    let jag = id_jag("public-2", json!({}));
    let reply = server.token(None, &grant(&jag, &[("client_id", BASIC_CLIENT)]));
    assert_error(&reply, 401, "invalid_client");

    refused(
        &(base_toml("") + &public_client_toml()),
        &["clients[4].auth_method"],
    );
}

// A client without the jwt-bearer grant: suite case 3b-02-http-unauthorized-client (401 with a
// wrong secret, 400 unauthorized_client with the right one) and its -control.

// ---------------------------------------------------------------------------------------------
// 6. Transport.

#[test]
fn wrong_methods_are_405_with_allow_and_unknown_paths_404() {
    let server = AsServer::start();
    let reply = server.get("/token");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("allow").as_deref(), Some("POST"));
    for path in ["/.well-known/oauth-authorization-server", "/jwks.json"] {
        let reply = server.post_form(path).body("a=b").send().unwrap();
        assert_eq!(reply.status().as_u16(), 405, "{path}");
        let allow = reply.headers().get("allow").unwrap().to_str().unwrap();
        assert!(allow.contains("GET") && !allow.contains("POST"), "{allow}");
    }
    for path in ["/nope", "/token/", "/tokens", "/jwks", "/"] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    let reply = server
        .http
        .post(server.url("/nope"))
        .body("x")
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 404);
}

#[test]
fn a_body_over_64_kib_is_413() {
    let server = AsServer::start();
    let jag = id_jag("big-1", json!({}));
    let mut body = form(&grant(&jag, &[]));
    body.push_str("&pad=");
    body.push_str(&"a".repeat(64 * 1024 + 1 - body.len()));
    assert_eq!(body.len(), 64 * 1024 + 1);
    let send = |chunked: bool| {
        let request = server
            .post_form("/token")
            .header("Authorization", basic_header(BASIC_CLIENT, BASIC_SECRET));
        let request = if chunked {
            request.body(reqwest::blocking::Body::new(std::io::Cursor::new(
                body.clone().into_bytes(),
            )))
        } else {
            request.body(body.clone())
        };
        request.send().unwrap().status().as_u16()
    };
    assert_eq!(send(false), 413, "declared Content-Length");
    assert_eq!(send(true), 413, "chunked");
    // The ID-JAG was never looked at.
    assert_issued(&server.exchange(&jag, &[]));
}

#[test]
fn request_headers_over_16_kib_are_refused_and_the_server_keeps_serving() {
    let server = AsServer::start();
    let jag = id_jag("headers-1", json!({}));
    let outcome = server
        .post_form("/token")
        .header("Authorization", basic_header(BASIC_CLIENT, BASIC_SECRET))
        .header("X-Pad", "a".repeat(17 * 1024))
        .body(form(&grant(&jag, &[])))
        .send();
    match outcome {
        Ok(response) => assert_eq!(response.status().as_u16(), 431),
        Err(e) => assert!(!e.is_status(), "{e}"),
    }
    assert_eq!(
        server.get("/.well-known/oauth-authorization-server").status,
        200
    );
    assert_issued(&server.exchange(&jag, &[]));
}

#[test]
fn a_token_request_that_is_not_a_form_is_invalid_request() {
    let server = AsServer::start();
    let jag = id_jag("json-1", json!({}));
    for content_type in ["application/json", "text/plain", "multipart/form-data"] {
        let body = json!({"grant_type": GRANT_JWT_BEARER, "assertion": jag}).to_string();
        let reply = server
            .http
            .post(server.url("/token"))
            .header("Content-Type", content_type)
            .header("Authorization", basic_header(BASIC_CLIENT, BASIC_SECRET))
            .body(body)
            .send()
            .unwrap();
        let status = reply.status().as_u16();
        let value: Value = serde_json::from_slice(&reply.bytes().unwrap()).unwrap();
        assert_eq!(
            (status, value["error"].as_str()),
            (400, Some("invalid_request")),
            "{content_type}: {value}"
        );
    }
    // A form body without a Content-Type is not a form either.
    let reply = server
        .http
        .post(server.url("/token"))
        .header("Authorization", basic_header(BASIC_CLIENT, BASIC_SECRET))
        .body(form(&grant(&jag, &[])))
        .send()
        .unwrap();
    assert_eq!(reply.status().as_u16(), 400);
    assert_issued(&server.exchange(&jag, &[]));
}

#[test]
fn sigterm_stops_the_server_with_status_0() {
    let server = AsServer::start();
    assert_eq!(server.get("/jwks.json").status, 200);
    let (status, log) = server.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn the_request_log_carries_no_token_or_secret() {
    let server = AsServer::start();
    let mut secrets: Vec<String> = Vec::new();

    let jag = id_jag("log-1", json!({}));
    let body = assert_issued(&server.exchange(&jag, &[]));
    secrets.push(jag);
    secrets.push(body["access_token"].as_str().unwrap().to_owned());
    secrets.push(BASIC_SECRET.to_owned());
    let header = basic_header(BASIC_CLIENT, BASIC_SECRET);
    secrets.push(header.trim_start_matches("Basic ").to_owned());

    let jag = id_jag("log-2", json!({}));
    let wrong = "wrong-secret-5e0c1b";
    assert_error(
        &server.token(Some((BASIC_CLIENT, wrong)), &grant(&jag, &[])),
        401,
        "invalid_client",
    );
    secrets.push(wrong.to_owned());
    secrets.push(
        basic_header(BASIC_CLIENT, wrong)
            .trim_start_matches("Basic ")
            .to_owned(),
    );

    let jag_post = id_jag("log-3", json!({"client_id": POST_CLIENT}));
    assert_issued(&server.token(
        None,
        &grant(
            &jag_post,
            &[("client_id", POST_CLIENT), ("client_secret", POST_SECRET)],
        ),
    ));
    secrets.push(POST_SECRET.to_owned());
    secrets.push(jag_post);

    let jag_jwt = id_jag("log-4", json!({"client_id": JWT_CLIENT}));
    let assertion = client_assertion("log-ca", json!({}));
    let body = assert_issued(&exchange_with_assertion(&server, &jag_jwt, &assertion));
    secrets.push(body["access_token"].as_str().unwrap().to_owned());
    secrets.push(assertion);
    secrets.push(jag_jwt);

    // A query string is never logged either.
    let leaked = "query-secret-71d2";
    let _ = server
        .http
        .get(server.url(&format!("/token?client_secret={leaked}")))
        .send()
        .unwrap();
    secrets.push(leaked.to_owned());

    let (status, log) = server.stop();
    assert_eq!(status.code(), Some(0), "{log}");
    for secret in &secrets {
        // A token's signature alone is enough to be a leak; the head is shared with others.
        let needle = secret.rsplit('.').next().unwrap();
        assert!(
            !log.contains(secret.as_str()),
            "the log holds {secret}:\n{log}"
        );
        assert!(
            !log.contains(needle),
            "the log holds part of {secret}:\n{log}"
        );
    }
    let token_lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/token") && l.contains("status"))
        .collect();
    assert!(
        token_lines.iter().any(|l| l.contains("status=200")),
        "a successful /token request is logged:\n{log}"
    );
    assert!(
        token_lines
            .iter()
            .any(|l| l.contains("status=401") && l.contains("invalid_client")),
        "the failed client authentication is logged:\n{log}"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Trusted-issuer keys fetched over HTTP from inside the server.

/// A trusted IdP whose keys come from a `jwks_uri`: the server fetches them (reqwest's
/// blocking client on the instance's blocking thread) and accepts the IdP's ID-JAGs. The
/// "IdP" here is a first `xaa serve as`, whose `/jwks.json` publishes `as_ec`.
#[test]
fn trusted_issuer_keys_are_fetched_from_a_jwks_uri() {
    let idp = AsServer::start();
    let scratch = tempfile::tempdir().unwrap();
    let own_key = write_json(
        scratch.path(),
        "rs-as.jwk",
        &private_jwk(&seeded_key("second-as"), "second-as"),
    );
    let toml = with_signing_keys(&format!("signing_keys = [\"{own_key}\"]")).replacen(
        "jwks_file = \"idp.jwks\"",
        &format!("jwks_uri = \"{}/jwks.json\"", idp.base),
        1,
    );
    let server = AsServer::start_with(&toml, &[]);
    let header = json!({"typ": "oauth-id-jag+jwt", "alg": "ES256", "kid": SIGNING_KID});
    let jag = mint(
        &header,
        &id_jag_claims("fetched-1"),
        Signer::Es256(&keys().as_ec),
    );
    assert_issued(&server.exchange(&jag, &[]));
    // The IdP's own key (not in the fetched set) is now unknown.
    assert_error(
        &server.exchange(&id_jag("fetched-2", json!({})), &[]),
        400,
        "invalid_grant",
    );
    assert_logged_code(&server, "key_not_found");
    assert!(idp.log().contains("path=\"/jwks.json\""), "{}", idp.log());
}

/// With `--no-native-verify` the component signs (and verifies) in pure Rust: the same
/// exchange, a token that validates.
#[test]
fn issuance_without_the_native_crypto_imports() {
    let server = AsServer::start_with(&base_toml(""), &["--no-native-verify"]);
    let body = assert_issued(&server.exchange(&id_jag("pure-1", json!({})), &[]));
    let token = body["access_token"].as_str().unwrap();
    let (code, verdict) = validate_access_token(&server, token, RESOURCE);
    assert_eq!(code, 0, "{verdict}");
}
