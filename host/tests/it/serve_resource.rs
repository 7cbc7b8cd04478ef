//! `xaa serve resource` over real HTTP (issue 4, in progress): a request without a token
//! starts discovery (401 + `resource_metadata`), the RFC 9728 document names the
//! authorization server and passes the client's identity check, and an access token from
//! `xaa serve as` opens the protected echo; a refused token gets the verdict's challenge.

use crate::common;

use common::as_server::*;
use common::*;
use serde_json::json;

/// RFC 9728 §3.1: the well-known suffix inserted between the host and the resource's path.
const METADATA_URL: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

/// The resource server of RESOURCE, trusting the baseline AS's published key ("as-ec").
fn start_resource() -> AsServer {
    AsServer::start_with_role(
        "resource",
        &resource_server_toml(RESOURCE, "as-public.jwks"),
    )
}

fn get_with(server: &AsServer, path: &str, authorization: Option<&str>) -> Reply {
    let mut request = server.http.get(server.url(path));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    reply(request.send().unwrap())
}

#[test]
fn discovery_starts_at_a_401_and_a_token_from_the_as_opens_the_resource() {
    let resource = start_resource();
    let unauthenticated = get_with(&resource, "/mcp", None);
    assert_eq!(unauthenticated.status, 401);
    let challenge = unauthenticated.header("www-authenticate").unwrap();
    assert!(
        challenge.contains(&format!("resource_metadata=\"{METADATA_URL}\"")),
        "{challenge}"
    );
    let path = METADATA_URL
        .strip_prefix("https://mcp.example.com")
        .unwrap();
    let metadata = get_with(&resource, path, None);
    assert_eq!(metadata.status, 200);
    let document = metadata.json();
    assert_eq!(
        document["resource"], RESOURCE,
        "RFC 9728 §3.3: the resource it was asked for"
    );
    assert_eq!(document["authorization_servers"], json!([AS_ISSUER]));

    let ras = AsServer::start();
    let reply = ras.exchange(&id_jag("res-1", json!({})), &[]);
    assert_eq!(reply.status, 200);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let echo = get_with(&resource, "/mcp", Some(&format!("Bearer {token}")));
    assert_eq!(echo.status, 200, "{}", String::from_utf8_lossy(&echo.body));
    let body = echo.json();
    assert_eq!(body["subject"], "https%3A%2F%2Fidp.example.com:U019488227");
    assert_eq!(body["client_id"], CLIENT);

    let refused = get_with(&resource, "/mcp", Some("Bearer not.a.token"));
    assert_eq!(refused.status, 401);
    let challenge = refused.header("www-authenticate").unwrap();
    assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    assert!(challenge.contains("resource_metadata="), "{challenge}");
    assert_eq!(
        get_with(&resource, "/mcp", Some("Basic dXNlcjpwYXNz")).status,
        400
    );
    assert_eq!(get_with(&resource, "/other", None).status, 404);
}

/// `xaa serve` takes `--threads` and `--cpu-policy` like `xaa gateway`, and its ready line
/// names what runs.
#[test]
fn the_serve_commands_take_threads_and_cpu_policy() {
    let server = AsServer::try_start_role(
        "resource",
        &resource_server_toml(RESOURCE, "as-public.jwks"),
        &["--threads", "1", "--cpu-policy", "batch"],
    )
    .unwrap_or_else(|e| panic!("serve resource did not start: {e:?}"));
    for _ in 0..50 {
        if server.log().contains("ready") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let log = server.log();
    assert!(log.contains("scheduler=\"single-threaded\""), "{log}");
    assert!(log.contains("cpu_policy=\"batch\""), "{log}");
}
