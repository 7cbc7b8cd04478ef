//! The IdP's sign-in page and its error page: small, self-contained HTML (no script, no
//! external resource), every value escaped, readable from a phone's width to a desktop's.
//!
//! The response headers forbid framing (clickjacking), caching and referrers, and confine
//! the form to this origin and the client's redirection URI (Content-Security-Policy
//! `form-action` also governs the redirect that answers the form).

use crate::authorization_request::AuthorizationRequest;
use crate::token_request::HttpResponse;

/// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;\
background:#f4f5f7;color:#1d2430}main{box-sizing:border-box;max-width:26rem;margin:8vh auto;\
padding:2rem 1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}\
h1{font-size:1.5rem;margin:0 0 .25rem}p{margin:.25rem 0 1rem;overflow-wrap:anywhere}\
label{display:block;margin:1rem 0 .25rem;font-weight:600}\
input{box-sizing:border-box;width:100%;padding:.6rem .7rem;font:inherit;border:1px solid #9aa3b2;\
border-radius:8px}button{margin-top:1.5rem;width:100%;padding:.7rem;font:inherit;font-weight:600;\
color:#fff;background:#2450c8;border:0;border-radius:8px;cursor:pointer}\
.error{padding:.6rem .8rem;background:#fdecec;color:#8a1c1c;border-radius:8px}\
.note{margin-top:1.5rem;font-size:.85rem;color:#5b6475}\
@media (max-width:480px){main{margin:0;min-height:100vh;border-radius:0;box-shadow:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head>\n<body><main>\n{body}\n</main></body></html>\n",
        escape(title)
    )
}

/// The headers of every page: no caching, no framing, no referrer, and where the form may go.
fn html(status: u16, body: String, form_targets: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![
            ("Content-Type".to_owned(), "text/html; charset=utf-8".to_owned()),
            ("Cache-Control".to_owned(), "no-store".to_owned()),
            (
                "Content-Security-Policy".to_owned(),
                format!(
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
                     frame-ancestors 'none'; form-action 'self'{form_targets}"
                ),
            ),
            ("X-Frame-Options".to_owned(), "DENY".to_owned()),
            ("Referrer-Policy".to_owned(), "no-referrer".to_owned()),
            ("X-Content-Type-Options".to_owned(), "nosniff".to_owned()),
        ],
        body: body.into_bytes(),
        verdict_code: None,
        audit_event: None,
    }
}

/// The origin (`scheme://authority`) of an absolute URI, for `form-action`.
fn origin(uri: &str) -> &str {
    let after_scheme = uri.find("://").map_or(0, |i| i + 3);
    let end = uri[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(uri.len(), |i| after_scheme + i);
    &uri[..end]
}

/// The sign-in form for `request`, posting to `action` with the CSRF token `csrf`; `error`
/// says why the previous attempt failed.
pub fn sign_in(
    issuer: &str,
    action: &str,
    request: &AuthorizationRequest,
    csrf: &str,
    error: Option<&str>,
) -> HttpResponse {
    let mut hidden = String::new();
    let mut field = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            hidden.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                escape(value)
            ));
        }
    };
    field("response_type", Some("code"));
    field("client_id", Some(&request.client_id));
    field("redirect_uri", Some(&request.redirect_uri));
    field("scope", Some(&request.scope));
    field("state", request.state.as_deref());
    field("nonce", request.nonce.as_deref());
    field("code_challenge", Some(&request.code_challenge));
    field("code_challenge_method", Some("S256"));
    field("csrf", Some(csrf));
    let error = error.map_or_else(String::new, |e| {
        format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(e))
    });
    let body = format!(
        "<h1>Sign in</h1>\n<p>to continue to <strong>{client}</strong></p>\n{error}\
<form method=\"post\" action=\"{action}\">\n{hidden}\
<label for=\"username\">User name</label>\
<input id=\"username\" name=\"username\" autocomplete=\"username\" autocapitalize=\"none\" required autofocus>\n\
<label for=\"password\">Password</label>\
<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
<button type=\"submit\">Sign in</button>\n</form>\n\
<p class=\"note\">{issuer} · development sign-in</p>",
        client = escape(&request.client_id),
        action = escape(action),
        issuer = escape(issuer),
    );
    let targets = format!(" {}", origin(&request.redirect_uri));
    html(200, page("Sign in", &body), &targets)
}

/// A page for an error that must not be redirected (RFC 6749 §4.1.2.1).
pub fn error(status: u16, message: &str) -> HttpResponse {
    let body = format!(
        "<h1>Cannot sign in</h1>\n<p class=\"error\" role=\"alert\">{}</p>\n\
<p>Return to the application and start again.</p>",
        escape(message)
    );
    html(status, page("Cannot sign in", &body), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn origins_for_form_action() {
        for (uri, expected) in [
            ("http://127.0.0.1:5555/callback?x=1", "http://127.0.0.1:5555"),
            ("https://app.example.com", "https://app.example.com"),
            ("https://app.example.com#f", "https://app.example.com"),
        ] {
            assert_eq!(origin(uri), expected, "{uri}");
        }
    }

    #[test]
    fn hostile_request_values_stay_inert() {
        let request = AuthorizationRequest {
            client_id: "app".into(),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            state: Some(r#""><script>alert(1)</script>"#.into()),
            nonce: Some("n'\"".into()),
            code_challenge: "c".repeat(43),
            scope: "openid".into(),
        };
        let response = sign_in("https://idp.example.com", "/authorize", &request, "t", Some("<b>"));
        let body = String::from_utf8(response.body.clone()).unwrap();
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
        assert!(body.contains("&quot;&gt;&lt;script&gt;"), "{body}");
        let csp = response.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.ends_with("form-action 'self' http://127.0.0.1:1"), "{csp}");
    }
}
