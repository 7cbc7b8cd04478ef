//! The edge gateway's decision for one request to an MCP server that knows nothing of OAuth
//! (`xaa gateway`). The host forwards what this allows and answers the rest with the
//! response given; it decides nothing itself.
//!
//! - The resource's RFC 9728 metadata is answered here ([`resource_server::metadata_response`]).
//! - Every other request, on any path, needs a valid access token for the resource (RFC 6750
//!   §2.1 header; [`resource_server::authorize`]: 401 / 400 with the challenge otherwise).
//! - A `POST` body is read as JSON-RPC (one message or a batch) when `required_scopes` rules
//!   exist: for each request message the first rule whose `method` matches, and whose `tool`
//!   (if any) is the `tools/call` tool's `params.name`, adds its scopes. A token without all
//!   of them is refused with 403 `insufficient_scope` and the needed `scope` (RFC 6750 §3.1),
//!   which MCP clients use to ask for a token with more scope (step-up). A body that cannot
//!   be read strictly (not JSON, a duplicate member such as two `name`s, the wrong types) is
//!   refused: the upstream might read it otherwise and run a tool the rules never saw.

use serde::Deserialize;

use crate::config::{ScopeRequirement, ValidResourceServer};
use crate::error::{oauth, Code, Rejection};
use crate::resource_server::{self, json_response};
use crate::token_request::{HttpRequest, HttpResponse};
use crate::VerifiedToken;

/// What the host does with the request.
#[derive(Debug)]
// Returned by value once per request and matched at once: boxing the token would only add an
// allocation to every forwarded request.
#[allow(clippy::large_enum_variant)]
pub enum Decision {
    /// Answer with this response.
    Respond(HttpResponse),
    /// Forward it upstream on behalf of this token (without the client's `Authorization`).
    Forward(VerifiedToken),
}

/// One JSON-RPC message, as far as the rules look. Serde refuses a repeated `method`,
/// `params` or `name` ("duplicate field") and a value of the wrong type; other members are
/// parsed and skipped.
#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    params: Option<Params>,
}

#[derive(Deserialize)]
struct Params {
    #[serde(default)]
    name: Option<String>,
}

/// Decides one request; `validate` checks a bearer token (the instance's access-token
/// validation, with its caches).
pub fn handle(
    config: &ValidResourceServer,
    request: &HttpRequest,
    validate: impl FnOnce(&str) -> Result<VerifiedToken, Rejection>,
) -> Decision {
    if let Some(response) = resource_server::metadata_response(config, request) {
        return Decision::Respond(response);
    }
    let verified = match resource_server::authorize(config, request, validate) {
        Ok(verified) => verified,
        Err(response) => return Decision::Respond(response),
    };
    let needed = match required_scopes(&config.required_scopes, request) {
        Ok(needed) => needed,
        Err(why) => return Decision::Respond(unreadable(why)),
    };
    let granted: Vec<&str> = verified
        .scope()
        .map(|s| s.split(' ').collect())
        .unwrap_or_default();
    if needed.iter().all(|scope| granted.contains(scope)) {
        Decision::Forward(verified)
    } else {
        Decision::Respond(insufficient_scope(config, &needed))
    }
}

/// The scopes the request's JSON-RPC messages need, in rule order without repeats.
fn required_scopes<'a>(
    rules: &'a [ScopeRequirement],
    request: &HttpRequest,
) -> Result<Vec<&'a str>, &'static str> {
    if rules.is_empty() || request.method != "POST" {
        return Ok(Vec::new());
    }
    let is_batch = request
        .body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'[');
    let messages = if is_batch {
        serde_json::from_slice::<Vec<Message>>(&request.body)
    } else {
        serde_json::from_slice::<Message>(&request.body).map(|m| vec![m])
    }
    .map_err(|_| "the body is not JSON-RPC the gateway can read strictly")?;
    let mut needed: Vec<&str> = Vec::new();
    for message in &messages {
        let Some(method) = message.method.as_deref() else {
            continue; // a response to the server: it calls nothing
        };
        let tool = message.params.as_ref().and_then(|p| p.name.as_deref());
        let rule = rules.iter().find(|rule| {
            rule.method == method && rule.tool.as_ref().is_none_or(|t| Some(t.as_str()) == tool)
        });
        for scope in rule.map(|r| r.scopes.as_slice()).unwrap_or_default() {
            if !needed.contains(&scope.as_str()) {
                needed.push(scope);
            }
        }
    }
    Ok(needed)
}

fn insufficient_scope(config: &ValidResourceServer, needed: &[&str]) -> HttpResponse {
    // Scope tokens never contain `"` or `\` (RFC 6749 §3.3, checked in the configuration).
    let challenge = format!(
        "Bearer error=\"{}\", scope=\"{}\", resource_metadata=\"{}\"",
        oauth::INSUFFICIENT_SCOPE,
        needed.join(" "),
        resource_server::metadata_url(config)
    );
    let body = format!(r#"{{"error":"{}"}}"#, oauth::INSUFFICIENT_SCOPE);
    let mut response = json_response(403, body.into_bytes(), Some(challenge));
    response.verdict_code = Some(Code::InsufficientScope);
    response
}

/// 400 with a JSON-RPC parse error (the body is the MCP layer's; `id` is unknown).
fn unreadable(why: &str) -> HttpResponse {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": {"code": -32700, "message": format!("Parse error: {why}")},
    });
    let mut response = json_response(400, serde_json::to_vec(&body).unwrap_or_default(), None);
    response.verdict_code = Some(Code::Malformed);
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, KeySource, ResourceServerConfig};
    use crate::signing::{public_jwks, IssuingKey};
    use p256::ecdsa::SigningKey;

    const PRM: &str = "https://gw.example.com/.well-known/oauth-protected-resource/mcp";

    fn validated(
        rules: Vec<ScopeRequirement>,
    ) -> Result<ValidResourceServer, Vec<crate::config::ConfigError>> {
        let key = IssuingKey {
            kid: "as-1".into(),
            key: SigningKey::from_slice(&[7u8; 32]).unwrap(),
        };
        let valid = Config {
            resource_server: Some(ResourceServerConfig {
                resource: "https://gw.example.com/mcp".into(),
                issuer: "https://as.example.com".into(),
                keys: KeySource::Inline(public_jwks(&[key]).unwrap()),
                algorithms: vec!["ES256".into()],
                leeway: None,
                resource_metadata_url: None,
                resource_root_slash_equivalence: false,
                required_scopes: rules,
            }),
            ..Config::default()
        }
        .validate()?;
        Ok(valid.resource_server.unwrap())
    }

    fn config(rules: Vec<ScopeRequirement>) -> ValidResourceServer {
        validated(rules).unwrap()
    }

    fn rule(method: &str, tool: Option<&str>, scopes: &[&str]) -> ScopeRequirement {
        ScopeRequirement {
            method: method.into(),
            tool: tool.map(str::to_owned),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn rules() -> Vec<ScopeRequirement> {
        vec![
            rule("tools/call", Some("delete_all"), &["admin"]),
            rule("tools/call", None, &["tools"]),
            rule("resources/read", None, &["read", "files"]),
        ]
    }

    fn request(method: &str, path: &str, token: Option<&str>, body: &str) -> HttpRequest {
        HttpRequest {
            method: method.into(),
            path: path.into(),
            headers: token
                .map(|t| vec![("Authorization".to_owned(), format!("Bearer {t}"))])
                .unwrap_or_default(),
            body: body.as_bytes().to_vec(),
        }
    }

    /// A token "validated" by the stand-in validation with this scope (the real validation is
    /// `access_token`'s, tested there and end to end).
    fn verified(scope: Option<&str>) -> VerifiedToken {
        VerifiedToken::for_tests("alice")
            .with_audience(&["https://gw.example.com/mcp"])
            .with_client_id("mcp-client")
            .with_scope(scope)
    }

    fn decide(config: &ValidResourceServer, scope: Option<&str>, body: &str) -> Decision {
        handle(config, &request("POST", "/mcp", Some("t"), body), |_| {
            Ok(verified(scope))
        })
    }

    fn refused(decision: Decision) -> HttpResponse {
        match decision {
            Decision::Respond(response) => response,
            Decision::Forward(token) => panic!("forwarded for {}", token.subject()),
        }
    }

    fn call(tool: &str) -> String {
        format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{{"name":"{tool}","arguments":{{}}}}}}"#
        )
    }

    #[test]
    fn the_metadata_is_answered_without_a_token() {
        let config = config(rules());
        let response = refused(handle(
            &config,
            &request("GET", "/.well-known/oauth-protected-resource/mcp", None, ""),
            |_| panic!("no token to validate"),
        ));
        assert_eq!(response.status, 200);
        let body = String::from_utf8(response.body).unwrap();
        assert!(
            body.contains(r#""resource":"https://gw.example.com/mcp""#),
            "{body}"
        );
    }

    #[test]
    fn every_other_path_needs_a_token() {
        let config = config(Vec::new());
        for path in ["/mcp", "/", "/other", "/mcp/../admin"] {
            let response = refused(handle(&config, &request("GET", path, None, ""), |_| {
                panic!("no token to validate")
            }));
            assert_eq!(response.status, 401, "{path}");
            assert_eq!(
                response.header("WWW-Authenticate"),
                Some(format!("Bearer resource_metadata=\"{PRM}\"").as_str())
            );
        }
    }

    #[test]
    fn a_refused_token_gets_the_verdicts_challenge() {
        let config = config(Vec::new());
        let response = refused(handle(
            &config,
            &request("POST", "/mcp", Some("t"), "{}"),
            |_| Err(Rejection::new(Code::Expired, "expired")),
        ));
        assert_eq!(response.status, 401);
        assert_eq!(response.verdict_code, Some(Code::Expired));
        let challenge = response.header("WWW-Authenticate").unwrap();
        assert!(
            challenge.starts_with("Bearer error=\"invalid_token\""),
            "{challenge}"
        );
        assert!(challenge.contains(PRM), "{challenge}");
    }

    #[test]
    fn a_tool_that_needs_a_scope_the_token_lacks_is_403_with_the_scope() {
        let config = config(rules());
        let response = refused(decide(
            &config,
            Some("tools chat.read"),
            &call("delete_all"),
        ));
        assert_eq!(response.status, 403);
        assert_eq!(response.verdict_code, Some(Code::InsufficientScope));
        assert_eq!(
            response.header("WWW-Authenticate"),
            Some(
                format!(
                    "Bearer error=\"insufficient_scope\", scope=\"admin\", resource_metadata=\"{PRM}\""
                )
                .as_str()
            )
        );
        // The first matching rule decides: delete_all needs admin, not tools.
        assert!(matches!(
            decide(&config, Some("admin"), &call("delete_all")),
            Decision::Forward(_)
        ));
    }

    #[test]
    fn other_tools_and_methods_follow_their_rules() {
        let config = config(rules());
        assert!(matches!(
            decide(&config, Some("tools"), &call("add")),
            Decision::Forward(_)
        ));
        assert_eq!(refused(decide(&config, None, &call("add"))).status, 403);
        let read = r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"x"}}"#;
        let response = refused(decide(&config, Some("read"), read));
        assert!(response.header("WWW-Authenticate")
            .unwrap()
            .contains("scope=\"read files\""));
        assert!(matches!(
            decide(&config, Some("files read"), read),
            Decision::Forward(_)
        ));
        // No rule for the method: a valid token suffices.
        let list = r#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#;
        assert!(matches!(decide(&config, None, list), Decision::Forward(_)));
        // A response to the server (no method) calls nothing.
        assert!(matches!(
            decide(&config, None, r#"{"jsonrpc":"2.0","id":4,"result":{}}"#),
            Decision::Forward(_)
        ));
    }

    #[test]
    fn a_batch_needs_the_union_of_its_messages_scopes() {
        let config = config(rules());
        let batch = format!(
            "[{}, {}]",
            call("add"),
            r#"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"x"}}"#
        );
        let response = refused(decide(&config, Some("tools"), &batch));
        assert!(response.header("WWW-Authenticate")
            .unwrap()
            .contains("scope=\"tools read files\""));
        assert!(matches!(
            decide(&config, Some("tools read files"), &batch),
            Decision::Forward(_)
        ));
    }

    #[test]
    fn a_body_read_otherwise_upstream_is_refused() {
        let config = config(rules());
        for body in [
            // Two names: which tool would the upstream run?
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","name":"delete_all"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","method":"tools/list","params":{"name":"delete_all"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","na\u006de":"delete_all"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":["tools/call"]}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}"#,
            "not json",
            "",
            r#"{"method":"tools/call"} trailing"#,
        ] {
            let response = refused(decide(&config, Some("tools admin read files"), body));
            assert_eq!(response.status, 400, "{body}");
            assert_eq!(response.verdict_code, Some(Code::Malformed), "{body}");
        }
    }

    #[test]
    fn without_rules_or_for_other_methods_the_body_is_not_read() {
        assert!(matches!(
            decide(&config(Vec::new()), None, "not json"),
            Decision::Forward(_)
        ));
        let config = config(rules());
        for method in ["GET", "DELETE"] {
            assert!(matches!(
                handle(
                    &config,
                    &request(method, "/mcp", Some("t"), "not json"),
                    |_| Ok(verified(None))
                ),
                Decision::Forward(_)
            ));
        }
    }

    #[test]
    fn configured_rules_are_checked() {
        let bad = |rules: Vec<ScopeRequirement>| {
            validated(rules)
                .unwrap_err()
                .into_iter()
                .map(|e| e.path)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            bad(vec![rule("tools/list", Some("x"), &["a"])]),
            vec!["resource_server.required_scopes[0].tool"]
        );
        assert_eq!(
            bad(vec![rule("tools/call", None, &[])]),
            vec!["resource_server.required_scopes[0].scopes"]
        );
        assert_eq!(
            bad(vec![rule("tools/call", None, &["a\"b"])]),
            vec!["resource_server.required_scopes[0].scopes[0]"]
        );
        assert_eq!(
            bad(vec![rule("", None, &["a"])]),
            vec!["resource_server.required_scopes[0].method"]
        );
    }
}
