//! `xaa serve as` over real HTTP on 127.0.0.1 with a real client (reqwest): the happy path,
//! the issued token at the resource server, single use, concurrency, self-issued assertions,
//! the metadata and JWK Set documents, and the server's transport behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::as_server::*;
use common::*;
use serde_json::json;

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
