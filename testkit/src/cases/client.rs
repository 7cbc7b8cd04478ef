//! The `client` interface (what an MCP client uses to find and talk to the servers): each
//! case calls one function with fixed arguments and states its result as JSON, written by
//! hand with the rule behind it.

use serde_json::{json, Value};

use crate::fixtures::{merge, AS_ISSUER, IDP_ISSUER, RESOURCE, TOKEN_URL};
use xaa_vectors::{Case, Step};

const SECTION: &str = "client";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_JAG_TYPE: &str = "urn:ietf:params:oauth:token-type:id-jag";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const GRANT_PROFILE_ID_JAG: &str = "urn:ietf:params:oauth:grant-profile:id-jag";
/// The RFC 9728 metadata URL of [`RESOURCE`].
const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
/// The largest metadata document or token response the client reads.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024;

/// One row: id (after `client-`), title, arguments, expected result, why.
type Row<'a> = (&'a str, &'a str, Value, Value, &'a str);

fn rows(function: &str, rule: &str, rows: Vec<Row<'_>>) -> Vec<Case> {
    rows.into_iter()
        .map(|(id, title, args, output, reason)| {
            Case::new(
                &format!("client-{id}"),
                SECTION,
                rule,
                "validator",
                &format!("{function}: {title}"),
            )
            // Not an object: no arguments, which the runners report as a wrong call.
            .step(Step::client(
                function,
                args.as_object().cloned().unwrap_or_default(),
                output,
                reason,
            ))
        })
        .collect()
}

fn err(message: &str) -> Value {
    json!({ "err": message })
}

/// The cases.
pub(super) fn cases() -> Vec<Case> {
    [
        challenge(),
        metadata_urls(),
        read_protected_resource_metadata(),
        read_authorization_server_metadata(),
        read_identity_provider_metadata(),
        request_bodies(),
        read_token_response(),
    ]
    .concat()
}

#[rustfmt::skip]
fn challenge() -> Vec<Case> {
    let c = |header: String| json!({ "www_authenticate": header });
    let found = json!(PRM);
    rows("resource-metadata-from-challenge", "RFC 9728 §5.1", vec![
        ("challenge-resource-metadata", "the parameter of a Bearer challenge", c(format!(r#"Bearer resource_metadata="{PRM}""#)), found.clone(), "the resource_metadata auth-param of the Bearer challenge"),
        ("challenge-after-error-with-escapes", "after a quoted-string holding escapes, commas and =", c(format!(r#"Bearer error="invalid_token", error_description="a, \"b\", c=d", resource_metadata="{PRM}""#)), found.clone(), "quoted-strings are skipped whole (RFC 9110 §5.6.4), so their commas split nothing"),
        ("challenge-lowercase-scheme-no-space", "scheme in lower case, no space after the comma", c(format!(r#"bearer realm="x",resource_metadata="{PRM}""#)), found.clone(), "auth-schemes are case-insensitive and OWS is optional (RFC 9110 §11.1)"),
        ("challenge-parameter-name-uppercase", "parameter name in upper case", c(format!(r#"Bearer RESOURCE_METADATA="{PRM}""#)), found.clone(), "auth-param names are case-insensitive (RFC 9110 §11.2)"),
        ("challenge-token-value", "an unquoted token value", c(format!("Bearer resource_metadata={PRM}, scope=\"a\"")), json!("https"), "an unquoted value is a token (RFC 9110 §5.6.2), which ends at the first ':' (not a tchar)"),
        ("challenge-escaped-quote-in-value", "escapes inside the value", c(r#"Bearer resource_metadata="https://mcp.example.com/\"x\"\\y""#.into()), json!(r#"https://mcp.example.com/"x"\y"#), "a quoted-pair stands for the character after the backslash (RFC 9110 §5.6.4)"),
        ("challenge-decoy-inside-quoted-string", "a decoy parameter inside another parameter's value", c(r#"Bearer error_description="x, resource_metadata=\"https://evil.example.com\"", realm="r""#.into()), Value::Null, "text inside a quoted-string is never a parameter"),
        ("challenge-first-of-two", "the parameter twice", c(format!(r#"Bearer resource_metadata="{PRM}", resource_metadata="https://evil.example.com""#)), found.clone(), "the first occurrence counts; a later one cannot override it"),
        ("challenge-leading-whitespace", "leading whitespace", c(format!(r#"   Bearer resource_metadata="{PRM}""#)), found.clone(), "OWS before the challenge is allowed"),
        ("challenge-spaces-around-equals", "whitespace around '='", c(format!(r#"Bearer resource_metadata = "{PRM}""#)), found.clone(), "BWS around '=' is allowed (RFC 9110 §11.2)"),
        ("challenge-empty-value", "an empty value", c(r#"Bearer resource_metadata="""#.into()), Value::Null, "an empty URL is no metadata URL"),
        ("challenge-non-ascii", "non-ASCII text", c(r#"Bearer realm="é—ü", resource_metadata="https://mcp.example.com/é""#.into()), json!("https://mcp.example.com/é"), "obs-text inside a quoted-string is taken as it is"),
        ("challenge-without-resource-metadata", "no resource_metadata parameter", c(r#"Bearer error="invalid_token""#.into()), Value::Null, "nothing to find"),
        ("challenge-similar-parameter-name", "a parameter whose name ends in resource_metadata", c(format!(r#"Bearer xresource_metadata="{PRM}""#)), Value::Null, "names are compared whole"),
        ("challenge-basic-scheme", "the parameter on a Basic challenge", c(format!(r#"Basic realm="x", resource_metadata="{PRM}""#)), Value::Null, "only the Bearer challenge carries it (RFC 9728 §5.1)"),
        ("challenge-dpop-scheme", "the parameter on a DPoP challenge", c(format!(r#"DPoP algs="ES256", resource_metadata="{PRM}""#)), Value::Null, "only the Bearer challenge is read"),
        ("challenge-scheme-prefix", "a scheme that starts with Bearer", c(format!(r#"Bearerx resource_metadata="{PRM}""#)), Value::Null, "schemes are compared whole"),
        ("challenge-bearer-second-challenge", "Bearer as the second challenge of the field", c(format!(r#"Basic realm="api", Bearer resource_metadata="{PRM}""#)), found, "a field may list several challenges (RFC 9110 §11.6.1)"),
        ("challenge-unterminated-quote", "an unterminated quoted-string", c(r#"Bearer resource_metadata="https://mcp.example.com"#.into()), Value::Null, "a malformed field yields nothing"),
        ("challenge-trailing-backslash", "a quoted-string ending in a lone backslash", c(r#"Bearer resource_metadata="https://mcp.example.com\"#.into()), Value::Null, "a malformed field yields nothing"),
        ("challenge-scheme-only", "a scheme and no parameters", c("Bearer".into()), Value::Null, "nothing to find"),
        ("challenge-empty", "an empty field", c(String::new()), Value::Null, "nothing to find"),
    ])
}

#[rustfmt::skip]
fn metadata_urls() -> Vec<Case> {
    let r = |resource: &str| json!({ "resource": resource });
    let i = |issuer: &str| json!({ "issuer": issuer });
    let mut cases = rows("protected-resource-metadata-url", "RFC 9728 §3.1", vec![
        ("prm-url-with-path", "a resource with a path", r(RESOURCE), json!(PRM), "the well-known segment goes between the host and the path"),
        ("prm-url-no-path", "a resource without a path", r("https://mcp.example.com"), json!("https://mcp.example.com/.well-known/oauth-protected-resource"), "no path: the well-known URL alone"),
        ("prm-url-root-slash", "a resource whose path is '/'", r("https://mcp.example.com/"), json!("https://mcp.example.com/.well-known/oauth-protected-resource"), "a terminating '/' is removed before inserting"),
        ("prm-url-trailing-slash", "a path with a trailing '/'", r("https://mcp.example.com/mcp/"), json!(PRM), "a terminating '/' is removed before inserting"),
        ("prm-url-port-and-deep-path", "a port and a deep path", r("https://mcp.example.com:8443/tenant/a/mcp"), json!("https://mcp.example.com:8443/.well-known/oauth-protected-resource/tenant/a/mcp"), "the authority is kept, the whole path follows the well-known segment"),
        ("prm-url-loopback-http", "a loopback http resource", r("http://127.0.0.1:8080/mcp"), json!("http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp"), "the scheme is kept"),
        ("prm-url-query", "a resource with a query", r("https://mcp.example.com/mcp?x=1"), json!(PRM), "query and fragment are not part of the metadata URL"),
        ("prm-url-fragment", "a resource with a fragment", r("https://mcp.example.com/mcp#f"), json!(PRM), "query and fragment are not part of the metadata URL"),
        ("prm-url-not-a-url", "text that is no URL", r("not a url"), json!("not a url/.well-known/oauth-protected-resource"), "no authority found: the suffix is appended (reading the answer then fails)"),
        ("prm-url-empty", "an empty resource", r(""), json!("/.well-known/oauth-protected-resource"), "no authority found: the suffix is appended"),
    ]);
    cases.extend(rows("authorization-server-metadata-url", "RFC 8414 §3.1", vec![
        ("as-url-no-path", "an issuer without a path", i(AS_ISSUER), json!("https://as.example.com/.well-known/oauth-authorization-server"), "no path: the well-known URL alone"),
        ("as-url-root-slash", "an issuer whose path is '/'", i("https://as.example.com/"), json!("https://as.example.com/.well-known/oauth-authorization-server"), "a terminating '/' is removed before inserting"),
        ("as-url-with-path", "an issuer with a path", i("https://as.example.com/tenant-1"), json!("https://as.example.com/.well-known/oauth-authorization-server/tenant-1"), "the well-known segment goes between the host and the path"),
        ("as-url-with-path-trailing-slash", "a path with a trailing '/'", i("https://as.example.com/tenant-1/"), json!("https://as.example.com/.well-known/oauth-authorization-server/tenant-1"), "a terminating '/' is removed before inserting"),
        ("as-url-loopback-port", "a loopback issuer with a port", i("http://localhost:9000"), json!("http://localhost:9000/.well-known/oauth-authorization-server"), "scheme and port are kept"),
        ("as-url-query-with-slash", "a query holding a '/'", i("https://as.example.com?x=/a"), json!("https://as.example.com/.well-known/oauth-authorization-server"), "the query is not part of the path"),
    ]));
    cases
}

/// A JSON object with its members in this order.
fn object(members: &[(&str, Value)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("{}:{value}", json!(name)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[rustfmt::skip]
fn read_protected_resource_metadata() -> Vec<Case> {
    let a = |resource: &str, document: &str| json!({ "resource": resource, "document": document });
    let doc = |resource: Value, servers: Value| object(&[
        ("resource", resource),
        ("authorization_servers", servers),
        ("bearer_methods_supported", json!(["header"])),
    ]);
    let four = json!([AS_ISSUER, "http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000/as"]);
    let good = doc(json!(RESOURCE), four.clone());
    let servers = json!([AS_ISSUER]);
    let d = |servers: Value| a(RESOURCE, &doc(json!(RESOURCE), servers));
    let not_identical = err("\"resource\" is not identical to the resource asked for (RFC 9728 §3.3)");
    let not_https = |server: &str| err(&format!("authorization server \"{server}\" is not an https URL"));
    let bare = object(&[("resource", json!(RESOURCE)), ("authorization_servers", servers.clone()), ("pad", json!(""))]);
    let at_limit = object(&[("resource", json!(RESOURCE)), ("authorization_servers", servers.clone()), ("pad", json!("x".repeat(MAX_DOCUMENT_BYTES - bare.len())))]);
    assert_eq!(at_limit.len(), MAX_DOCUMENT_BYTES);
    rows("read-protected-resource-metadata", "RFC 9728 §3.2-3.3", vec![
        ("prm-read-good", "https and loopback http servers", a(RESOURCE, &good), json!({ "ok": four }), "https, or http on a loopback host (IPv4, localhost, IPv6), in document order"),
        ("prm-read-asked-with-trailing-slash", "asked with a trailing '/'", a(&format!("{RESOURCE}/"), &good), not_identical.clone(), "`resource` must be identical to the URL asked for: no normalisation"),
        ("prm-read-resource-trailing-slash", "the document's resource with a trailing '/'", a(RESOURCE, &doc(json!(format!("{RESOURCE}/")), servers.clone())), not_identical.clone(), "identical means byte for byte"),
        ("prm-read-resource-host-case", "the document's host in upper case", a(RESOURCE, &doc(json!("https://MCP.example.com/mcp"), servers.clone())), not_identical, "identical means byte for byte"),
        ("prm-read-resource-missing", "no resource member", a(RESOURCE, &object(&[("authorization_servers", servers.clone())])), err("\"resource\" is missing"), "`resource` is REQUIRED"),
        ("prm-read-resource-number", "resource a number", a(RESOURCE, &doc(json!(1), servers.clone())), err("\"resource\" is not a string"), "`resource` is a string"),
        ("prm-read-servers-missing", "no authorization_servers", a(RESOURCE, &object(&[("resource", json!(RESOURCE))])), err("no \"authorization_servers\""), "a client needs an authorization server"),
        ("prm-read-servers-empty", "authorization_servers empty", d(json!([])), err("no \"authorization_servers\""), "a client needs an authorization server"),
        ("prm-read-servers-string", "authorization_servers a string", d(json!(AS_ISSUER)), err("\"authorization_servers\" is not an array"), "`authorization_servers` is a JSON array"),
        ("prm-read-servers-number-member", "a number among the servers", d(json!([AS_ISSUER, 7])), err("\"authorization_servers\" holds a non-string"), "every member is an issuer identifier string"),
        ("prm-read-server-http-non-loopback", "an http server that is not loopback", d(json!(["http://as.example.com"])), not_https("http://as.example.com"), "issuer identifiers use https (RFC 8414 §2); http only on loopback"),
        ("prm-read-server-localhost-prefix", "a host that only starts with localhost", d(json!(["http://localhost.evil.example"])), not_https("http://localhost.evil.example"), "the host must be loopback, not merely start like one"),
        ("prm-read-server-loopback-userinfo", "loopback as userinfo before another host", d(json!(["http://127.0.0.1@evil.example"])), not_https("http://127.0.0.1@evil.example"), "the host is what follows the userinfo"),
        ("prm-read-server-scheme-uppercase", "HTTPS in upper case", d(json!(["HTTPS://as.example.com"])), not_https("HTTPS://as.example.com"), "issuer identifiers are compared as written: the scheme must be `https`"),
        ("prm-read-server-https-without-host", "https without a host", d(json!(["https://"])), not_https("https://"), "an https URL needs a host"),
        ("prm-read-duplicate-member", "a member twice", a(RESOURCE, &format!(r#"{{"resource":"{RESOURCE}","authorization_servers":["{AS_ISSUER}"],"resource":"https://evil.example.com/mcp"}}"#)), err("not strict JSON: invalid JSON: duplicate member resource at line 1 column 103"), "duplicate members are refused, never resolved"),
        ("prm-read-not-json", "an HTML page", a(RESOURCE, "<html>Not Found</html>"), err("not strict JSON: invalid JSON: expected value at line 1 column 1"), "the document must be JSON"),
        ("prm-read-json-array", "an array around the object", a(RESOURCE, &format!("[{good}]")), err("not a JSON object"), "the document is a JSON object"),
        ("prm-read-json-null", "null", a(RESOURCE, "null"), err("not a JSON object"), "the document is a JSON object"),
        ("prm-read-empty", "an empty document", a(RESOURCE, ""), err("not strict JSON: invalid JSON: EOF while parsing a value at line 1 column 0"), "the document must be JSON"),
        ("prm-read-trailing-comma", "a trailing comma", a(RESOURCE, &format!("{},}}", &good[..good.len() - 1])), err("not strict JSON: invalid JSON: trailing comma at line 1 column 198"), "strict JSON (RFC 8259)"),
        ("prm-read-byte-order-mark", "a byte order mark", a(RESOURCE, &format!("\u{feff}{good}")), err("not strict JSON: invalid JSON: expected value at line 1 column 1"), "JSON text MUST NOT begin with a BOM (RFC 8259 §8.1)"),
        ("prm-read-trailing-garbage", "text after the object", a(RESOURCE, &format!("{good} x")), err("not strict JSON: invalid JSON: trailing characters at line 1 column 199"), "one JSON value and nothing else"),
        ("prm-read-deep-nesting", "200 nested arrays", a(RESOURCE, &format!(r#"{{"resource":"{RESOURCE}","authorization_servers":["{AS_ISSUER}"],"x":{}{}}}"#, "[".repeat(200), "]".repeat(200))), err("not strict JSON: JSON nesting deeper than 16"), "nesting is bounded"),
        ("prm-read-at-size-limit", "exactly 64 KiB", a(RESOURCE, &at_limit), json!({ "ok": [AS_ISSUER] }), "the size limit is inclusive"),
        ("prm-read-over-size-limit", "one byte over 64 KiB", a(RESOURCE, &format!("{at_limit} ")), err("the document exceeds 65536 bytes"), "documents are bounded before parsing"),
    ])
}

#[rustfmt::skip]
fn read_authorization_server_metadata() -> Vec<Case> {
    let a = |issuer: &str, document: String| json!({ "issuer": issuer, "document": document });
    let doc = |changes: Value| {
        let mut doc = json!({
            "issuer": AS_ISSUER,
            "token_endpoint": TOKEN_URL,
            "grant_types_supported": [JWT_BEARER, "authorization_code"],
            "authorization_grant_profiles_supported": [GRANT_PROFILE_ID_JAG],
        });
        merge(&mut doc, changes);
        doc.to_string()
    };
    let d = |changes: Value| a(AS_ISSUER, doc(changes));
    let ok = json!({ "ok": { "token_endpoint": TOKEN_URL } });
    let not_identical = err("\"issuer\" is not identical to the issuer asked for (RFC 8414 §3.3)");
    let no_jwt_bearer = err("the jwt-bearer grant is not supported");
    let no_profile = err("the id-jag grant profile is not supported");
    rows("read-authorization-server-metadata", "RFC 8414 §3.3, ID-JAG §7.2", vec![
        ("as-read-good", "the jwt-bearer grant and the id-jag profile", d(json!({})), ok, "issuer identical, jwt-bearer and the id-jag profile advertised: the token endpoint"),
        ("as-read-asked-with-trailing-slash", "asked with a trailing '/'", a("https://as.example.com/", doc(json!({}))), not_identical.clone(), "`issuer` must be identical to the issuer asked for"),
        ("as-read-issuer-trailing-slash", "the document's issuer with a trailing '/'", d(json!({"issuer": "https://as.example.com/"})), not_identical, "identical means byte for byte"),
        ("as-read-issuer-missing", "no issuer", d(json!({"issuer": null})), err("\"issuer\" is missing"), "`issuer` is REQUIRED"),
        ("as-read-issuer-array", "issuer an array", d(json!({"issuer": [AS_ISSUER]})), err("\"issuer\" is not a string"), "`issuer` is a string"),
        ("as-read-jwt-bearer-missing", "grant types without jwt-bearer", d(json!({"grant_types_supported": ["authorization_code"]})), no_jwt_bearer.clone(), "the client needs the jwt-bearer grant"),
        ("as-read-grant-types-absent", "no grant_types_supported", d(json!({"grant_types_supported": null})), no_jwt_bearer.clone(), "absent, the default is authorization_code and implicit: no jwt-bearer"),
        ("as-read-grant-types-string", "grant_types_supported a string", d(json!({"grant_types_supported": JWT_BEARER})), err("\"grant_types_supported\" is not an array"), "`grant_types_supported` is a JSON array"),
        ("as-read-profile-missing", "another grant profile", d(json!({"authorization_grant_profiles_supported": ["urn:example:other"]})), no_profile.clone(), "the AS must advertise the id-jag grant profile (ID-JAG §7.2)"),
        ("as-read-profiles-absent", "no authorization_grant_profiles_supported", d(json!({"authorization_grant_profiles_supported": null})), no_profile, "the AS must advertise the id-jag grant profile"),
        ("as-read-token-endpoint-http", "an http token endpoint", d(json!({"token_endpoint": "http://as.example.com/token"})), err("\"token_endpoint\" is not an https URL"), "credentials are sent there: https, or http on loopback"),
        ("as-read-token-endpoint-loopback-http", "a loopback http token endpoint", d(json!({"token_endpoint": "http://localhost:8080/token"})), json!({ "ok": { "token_endpoint": "http://localhost:8080/token" } }), "loopback http is allowed for local development"),
        ("as-read-token-endpoint-missing", "no token endpoint", d(json!({"token_endpoint": null})), err("\"token_endpoint\" is missing"), "the client needs the token endpoint"),
        ("as-read-token-endpoint-number", "token_endpoint a number", d(json!({"token_endpoint": 443})), err("\"token_endpoint\" is not a string"), "`token_endpoint` is a URL string"),
        ("as-read-idp-document", "an IdP's document", d(json!({"grant_types_supported": [TOKEN_EXCHANGE], "authorization_grant_profiles_supported": null, "identity_chaining_requested_token_types_supported": [ID_JAG_TYPE]})), no_jwt_bearer, "an IdP is no resource authorization server"),
        ("as-read-not-json", "not JSON", a(AS_ISSUER, "{issuer: 1}".into()), err("not strict JSON: invalid JSON: key must be a string at line 1 column 2"), "strict JSON (RFC 8259)"),
    ])
}

#[rustfmt::skip]
fn read_identity_provider_metadata() -> Vec<Case> {
    let a = |issuer: &str, document: String| json!({ "issuer": issuer, "document": document });
    let idp_token = format!("{IDP_ISSUER}/token");
    let doc = |changes: Value| {
        let mut doc = json!({
            "issuer": IDP_ISSUER,
            "token_endpoint": idp_token,
            "grant_types_supported": [TOKEN_EXCHANGE],
            "identity_chaining_requested_token_types_supported": [ID_JAG_TYPE],
        });
        merge(&mut doc, changes);
        doc.to_string()
    };
    let d = |changes: Value| a(IDP_ISSUER, doc(changes));
    let ok = |sign_in: Value| json!({ "ok": { "token_endpoint": idp_token, "development_sign_in_endpoint": sign_in } });
    let sign_in = format!("{IDP_ISSUER}/dev/sign-in");
    let no_exchange = err("the token-exchange grant is not supported");
    let no_id_jag = err("ID-JAGs are not among the requested token types supported");
    let sign_in_not_https = err("\"xaa_development_sign_in_endpoint\" is not an https URL");
    rows("read-identity-provider-metadata", "RFC 8414 §3.3, ID-JAG §4.3", vec![
        ("idp-read-good", "token exchange for ID-JAGs", d(json!({})), ok(Value::Null), "issuer identical, token exchange and the id-jag token type advertised; no sign-in endpoint"),
        ("idp-read-development-sign-in", "with the development sign-in endpoint", d(json!({"xaa_development_sign_in_endpoint": sign_in})), ok(json!(sign_in)), "the optional development sign-in endpoint is returned"),
        ("idp-read-development-sign-in-loopback-http", "a loopback http sign-in endpoint", d(json!({"xaa_development_sign_in_endpoint": "http://127.0.0.1:8080/dev/sign-in"})), ok(json!("http://127.0.0.1:8080/dev/sign-in")), "loopback http is allowed"),
        ("idp-read-development-sign-in-http", "an http sign-in endpoint", d(json!({"xaa_development_sign_in_endpoint": "http://idp.example.com/dev/sign-in"})), sign_in_not_https.clone(), "a password is sent there: https, or http on loopback"),
        ("idp-read-development-sign-in-number", "the sign-in endpoint a number", d(json!({"xaa_development_sign_in_endpoint": 1})), sign_in_not_https, "not a URL string"),
        ("idp-read-issuer-other", "another issuer", d(json!({"issuer": "https://evil-idp.example.com"})), err("\"issuer\" is not identical to the issuer asked for (RFC 8414 §3.3)"), "`issuer` must be identical to the issuer asked for"),
        ("idp-read-token-exchange-missing", "no token-exchange grant", d(json!({"grant_types_supported": [JWT_BEARER]})), no_exchange.clone(), "the client needs the token-exchange grant"),
        ("idp-read-id-jag-type-missing", "another requested token type", d(json!({"identity_chaining_requested_token_types_supported": [ACCESS_TOKEN_TYPE]})), no_id_jag.clone(), "the IdP must issue ID-JAGs"),
        ("idp-read-id-jag-types-absent", "no requested token types", d(json!({"identity_chaining_requested_token_types_supported": null})), no_id_jag, "the IdP must advertise ID-JAGs"),
        ("idp-read-token-endpoint-http", "an http token endpoint", d(json!({"token_endpoint": "http://idp.example.com/token"})), err("\"token_endpoint\" is not an https URL"), "credentials are sent there: https, or http on loopback"),
        ("idp-read-as-document", "a resource authorization server's document", a(AS_ISSUER, json!({"issuer": AS_ISSUER, "token_endpoint": TOKEN_URL, "grant_types_supported": [JWT_BEARER], "authorization_grant_profiles_supported": [GRANT_PROFILE_ID_JAG]}).to_string()), no_exchange, "a resource authorization server is no IdP"),
        ("idp-read-json-array", "an empty array", a(IDP_ISSUER, "[]".into()), err("not a JSON object"), "the document is a JSON object"),
    ])
}

#[rustfmt::skip]
fn request_bodies() -> Vec<Case> {
    let exchange = |subject: &str, subject_type: &str, audience: &str, resource: Option<&str>, scope: Option<&str>| {
        json!({"subject_token": subject, "subject_type": subject_type, "audience": audience, "resource": resource, "scope": scope})
    };
    let head = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid-jag";
    let id_token = "subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aid_token";
    let refresh_token = "subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Arefresh_token";
    let mut cases = rows("token-exchange-body", "ID-JAG §4.3, RFC 6749 Appendix B", vec![
        ("exchange-body-id-token", "an ID token, no resource or scope", exchange("eyJ.eyJ.sig", "id-token", AS_ISSUER, None, None), json!(format!("{head}&audience=https%3A%2F%2Fas.example.com&subject_token=eyJ.eyJ.sig&{id_token}")), "grant type, requested type id-jag, audience, subject token and its type; absent options are left out"),
        ("exchange-body-refresh-token-resource-scope", "a refresh token with resource and scope", exchange("r.t.s", "refresh-token", AS_ISSUER, Some(RESOURCE), Some("chat.read chat.history")), json!(format!("{head}&audience=https%3A%2F%2Fas.example.com&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&scope=chat.read+chat.history&subject_token=r.t.s&{refresh_token}")), "resource and scope after the audience; a space is '+'"),
        ("exchange-body-reserved-characters", "reserved and non-ASCII characters", exchange("a+b/c=d&e", "id-token", "urn:example:as", Some("https://mcp.example.com/mcp?x=1&y=2#z"), Some("é ü\u{1F600} %20")), json!(format!("{head}&audience=urn%3Aexample%3Aas&resource=https%3A%2F%2Fmcp.example.com%2Fmcp%3Fx%3D1%26y%3D2%23z&scope=%C3%A9+%C3%BC%F0%9F%98%80+%2520&subject_token=a%2Bb%2Fc%3Dd%26e&{id_token}")), "UTF-8 percent-encoding of everything but unreserved characters; '%' itself encoded"),
        ("exchange-body-empty-strings", "empty strings", exchange("", "refresh-token", "", Some(""), Some("")), json!(format!("{head}&audience=&resource=&scope=&subject_token=&{refresh_token}")), "an empty string given is sent empty, unlike an absent option"),
    ]);
    let bearer = |id_jag: &str, resource: Option<&str>, scope: Option<&str>| json!({"id_jag": id_jag, "resource": resource, "scope": scope});
    let head = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer";
    cases.extend(rows("jwt-bearer-body", "ID-JAG §4.4, RFC 7523 §2.1", vec![
        ("bearer-body-bare", "an ID-JAG alone", bearer("x.y.z", None, None), json!(format!("{head}&assertion=x.y.z")), "grant type and assertion; absent options are left out"),
        ("bearer-body-resource-scope", "with resource and scope", bearer("x.y.z", Some(RESOURCE), Some("chat.read")), json!(format!("{head}&assertion=x.y.z&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&scope=chat.read")), "resource and scope after the assertion"),
        ("bearer-body-reserved-characters", "reserved characters", bearer("a&b=c", Some("https://mcp.example.com/a b"), Some("x+y")), json!(format!("{head}&assertion=a%26b%3Dc&resource=https%3A%2F%2Fmcp.example.com%2Fa+b&scope=x%2By")), "form-encoded: '&' '=' '+' escaped, a space is '+'"),
    ]));
    cases.extend(rows("sign-in-body", "RFC 6749 Appendix B", vec![
        ("sign-in-body-plain", "a user name and a password with spaces", json!({"username": "alice", "password": "correct horse battery staple"}), json!("username=alice&password=correct+horse+battery+staple"), "username then password, form-encoded: a space is '+'"),
        ("sign-in-body-reserved-characters", "reserved and non-ASCII characters", json!({"username": "a b+c/é", "password": "p&q=r"}), json!("username=a+b%2Bc%2F%C3%A9&password=p%26q%3Dr"), "UTF-8 percent-encoding of everything but unreserved characters"),
    ]));
    cases.extend(rows("basic-authorization", "RFC 6749 §2.3.1", vec![
        ("basic-authorization-plain", "a plain id and secret", json!({"client_id": "mcp-client", "client_secret": "s3cret"}), json!("Basic bWNwLWNsaWVudDpzM2NyZXQ="), "`Basic ` and base64(\"mcp-client:s3cret\")"),
        ("basic-authorization-reserved-characters", "a ':' in the id, a space in the secret", json!({"client_id": "a:b", "client_secret": "c d"}), json!("Basic YSUzQWI6Yytk"), "id and secret form-encoded before base64: base64(\"a%3Ab:c+d\"), so the ':' of the id cannot split it"),
        ("basic-authorization-non-ascii", "non-ASCII and reserved characters", json!({"client_id": "clienté", "client_secret": "p@ss:w+ord"}), json!("Basic Y2xpZW50JUMzJUE5OnAlNDBzcyUzQXclMkJvcmQ="), "base64(\"client%C3%A9:p%40ss%3Aw%2Bord\")"),
    ]));
    cases
}

#[rustfmt::skip]
fn read_token_response() -> Vec<Case> {
    let a = |kind: &str, status: u16, body: String| json!({"kind": kind, "status": status, "body": body});
    let exchanged = |changes: Value| {
        let mut body = json!({
            "access_token": "j.a.g", "issued_token_type": ID_JAG_TYPE, "token_type": "N_A",
            "expires_in": 300, "scope": "chat.read",
        });
        merge(&mut body, changes);
        body.to_string()
    };
    let te = |changes: Value| a("token-exchange", 200, exchanged(changes));
    let issued = |token: &str, expires_in: Value, scope: Value| json!({"ok": {"issued": {"token": token, "expires_in": expires_in, "scope": scope}}});
    let jag = |expires_in: Value| issued("j.a.g", expires_in, json!("chat.read"));
    let refused = |status: u16, error: &str| json!({"ok": {"refused": {"status": status, "error": error}}});
    let not_id_jag = err("not an ID-JAG token-exchange response");
    let bad_expiry = err("\"expires_in\" is not a non-negative integer");
    let scope_not_string = err("\"scope\" is not a string");
    let expected_value = err("not strict JSON: invalid JSON: expected value at line 1 column 1");
    let replace = |changes: Value, from: &str, to: &str| a("token-exchange", 200, exchanged(changes).replace(from, to));
    let mut cases = rows("read-token-response", "ID-JAG §4.3.2, RFC 8693 §2.2", vec![
        ("response-exchange-issued", "an ID-JAG issued", te(json!({})), jag(json!(300)), "access_token, issued_token_type id-jag, token_type N_A: issued"),
        ("response-exchange-minimal", "no expires_in or scope", te(json!({"expires_in": null, "scope": null})), issued("j.a.g", Value::Null, Value::Null), "expires_in and scope are optional"),
        ("response-exchange-bearer", "token_type Bearer", te(json!({"token_type": "Bearer"})), not_id_jag.clone(), "an ID-JAG is not a Bearer token: token_type must be N_A"),
        ("response-exchange-n-a-lowercase", "token_type n_a", te(json!({"token_type": "n_a"})), jag(json!(300)), "token_type values are case-insensitive (RFC 6749 §5.1)"),
        ("response-exchange-issued-token-type-missing", "no issued_token_type", te(json!({"issued_token_type": null})), err("\"issued_token_type\" is missing"), "issued_token_type is REQUIRED (RFC 8693 §2.2.1)"),
        ("response-exchange-access-token-type", "an access token issued", te(json!({"issued_token_type": ACCESS_TOKEN_TYPE})), not_id_jag, "the client asked for an ID-JAG"),
        ("response-exchange-access-token-missing", "no access_token", te(json!({"access_token": null})), err("\"access_token\" is missing"), "access_token is REQUIRED"),
        ("response-exchange-access-token-number", "access_token a number", te(json!({"access_token": 1})), err("\"access_token\" is not a string"), "access_token is a string"),
        ("response-exchange-access-token-empty", "access_token empty", te(json!({"access_token": ""})), issued("", json!(300), json!("chat.read")), "the token is opaque to this reader; the AS judges it"),
        ("response-exchange-expires-in-negative", "expires_in -1", te(json!({"expires_in": -1})), bad_expiry.clone(), "expires_in is a non-negative integer"),
        ("response-exchange-expires-in-zero", "expires_in 0", te(json!({"expires_in": 0})), jag(json!(0)), "0 is a non-negative integer"),
        ("response-exchange-expires-in-fraction", "expires_in 1.5", te(json!({"expires_in": 1.5})), bad_expiry.clone(), "expires_in is an integer"),
        ("response-exchange-expires-in-string", "expires_in a string", te(json!({"expires_in": "300"})), err("\"expires_in\" is not a number"), "expires_in is a JSON number"),
        ("response-exchange-expires-in-2-pow-53", "expires_in 2^53", te(json!({"expires_in": 1u64 << 53})), jag(json!("9007199254740992")), "a u64; above 2^53 - 1 rendered as its decimal string"),
        ("response-exchange-expires-in-u64-max", "expires_in 2^64 - 1", te(json!({"expires_in": u64::MAX})), jag(json!("18446744073709551615")), "the largest u64"),
        ("response-exchange-scope-array", "scope an array", te(json!({"scope": ["chat.read"]})), scope_not_string.clone(), "scope is a space-separated string"),
        ("response-exchange-scope-empty", "scope empty", te(json!({"scope": ""})), issued("j.a.g", json!(300), json!("")), "an empty string is a string"),
        ("response-exchange-expires-in-2-pow-64", "expires_in 2^64", replace(json!({"expires_in": 0}), "\"expires_in\":0", "\"expires_in\":18446744073709551616"), bad_expiry.clone(), "beyond u64"),
        ("response-exchange-expires-in-exponent", "expires_in 3e2", replace(json!({"expires_in": 0}), "\"expires_in\":0", "\"expires_in\":3e2"), bad_expiry.clone(), "an exponent form is not an integer literal"),
        ("response-exchange-scope-null", "scope null", replace(json!({"scope": 0}), "\"scope\":0", "\"scope\":null"), scope_not_string, "null is not absent"),
        ("response-exchange-duplicate-access-token", "access_token twice", a("token-exchange", 200, format!("{},\"access_token\":\"evil\"}}", exchanged(json!({})).trim_end_matches('}'))), err("not strict JSON: invalid JSON: duplicate member access_token at line 1 column 156"), "duplicate members are refused, never resolved"),
        ("response-exchange-invalid-target", "a 400 invalid_target", a("token-exchange", 400, r#"{"error":"invalid_target","error_description":"no connection allows this client to reach that audience and resource"}"#.into()), refused(400, "invalid_target"), "an RFC 6749 §5.2 error response: refused with its status and error"),
        ("response-exchange-step-up", "a step-up error with acr_values", a("token-exchange", 400, r#"{"error":"insufficient_user_authentication","error_description":"the user must authenticate again","acr_values":"phrh phr"}"#.into()), refused(400, "insufficient_user_authentication"), "an error response; extra members are ignored"),
        ("response-exchange-invalid-client-401", "a 401 invalid_client", a("token-exchange", 401, r#"{"error":"invalid_client"}"#.into()), refused(401, "invalid_client"), "an error response may be 401"),
        ("response-exchange-error-missing", "a 400 without error", a("token-exchange", 400, r#"{"error_description":"x"}"#.into()), err("\"error\" is missing"), "error is REQUIRED in an error response"),
        ("response-exchange-error-number", "error a number", a("token-exchange", 400, r#"{"error":400}"#.into()), err("\"error\" is not a string"), "error is a string"),
        ("response-exchange-500-not-json", "a 500 text page", a("token-exchange", 500, "Internal Server Error".into()), expected_value.clone(), "every answer must be JSON"),
        ("response-exchange-200-not-json", "a form-encoded 200", a("token-exchange", 200, "access_token=j.a.g&token_type=N_A".into()), expected_value, "a token response is JSON (RFC 6749 §5.1)"),
        ("response-exchange-200-empty", "an empty 200", a("token-exchange", 200, String::new()), err("not strict JSON: invalid JSON: EOF while parsing a value at line 1 column 0"), "a token response is JSON"),
        ("response-exchange-201-success-body", "a success body with status 201", a("token-exchange", 201, exchanged(json!({}))), err("\"error\" is missing"), "only 200 is success; anything else is read as an error response"),
        ("response-exchange-302-error", "an error body with status 302", a("token-exchange", 302, r#"{"error":"x"}"#.into()), refused(302, "x"), "any non-200 status with an error member is a refusal"),
        ("response-exchange-over-size-limit", "a body over 64 KiB", te(json!({"pad": "x".repeat(MAX_DOCUMENT_BYTES)})), err("the document exceeds 65536 bytes"), "responses are bounded before parsing"),
    ]);
    let bearer_body = |changes: Value| {
        let mut body = json!({
            "access_token": "a.t.s", "token_type": "Bearer", "expires_in": 290,
            "scope": "chat.read", "resource": RESOURCE,
        });
        merge(&mut body, changes);
        body.to_string()
    };
    let jb = |changes: Value| a("jwt-bearer", 200, bearer_body(changes));
    let access = json!({"ok": {"issued": {"token": "a.t.s", "expires_in": 290, "scope": "chat.read"}}});
    cases.extend(rows("read-token-response", "ID-JAG §4.4, RFC 6749 §5.1", vec![
        ("response-bearer-issued", "a Bearer access token", jb(json!({})), access.clone(), "access_token and token_type Bearer: issued"),
        ("response-bearer-lowercase", "token_type bearer", jb(json!({"token_type": "bearer"})), access.clone(), "token_type values are case-insensitive"),
        ("response-bearer-dpop", "token_type DPoP", jb(json!({"token_type": "DPoP"})), err("token_type \"DPoP\" is not Bearer"), "this client presents Bearer tokens only"),
        ("response-bearer-id-jag-answer", "a token-exchange answer", jb(json!({"token_type": "N_A", "issued_token_type": ID_JAG_TYPE})), err("token_type \"N_A\" is not Bearer"), "the jwt-bearer grant answers with a Bearer token"),
        ("response-bearer-token-type-missing", "no token_type", jb(json!({"token_type": null})), err("\"token_type\" is missing"), "token_type is REQUIRED"),
        ("response-bearer-with-issued-token-type", "with issued_token_type", jb(json!({"issued_token_type": ACCESS_TOKEN_TYPE})), access, "an extra member is ignored"),
        ("response-bearer-expires-in-negative", "expires_in negative", jb(json!({"expires_in": -290})), err("\"expires_in\" is not a non-negative integer"), "expires_in is a non-negative integer"),
        ("response-bearer-invalid-grant", "a 400 invalid_grant", a("jwt-bearer", 400, r#"{"error":"invalid_grant","error_description":"The assertion is not valid"}"#.into()), refused(400, "invalid_grant"), "an error response: refused"),
    ]));
    cases
}
