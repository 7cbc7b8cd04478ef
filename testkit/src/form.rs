//! `application/x-www-form-urlencoded` request bodies and RFC 6749 §2.3.1 Basic credentials,
//! byte for byte as the component writes its own (RFC 6749 Appendix B: unreserved
//! `A-Z a-z 0-9 - . _ *` as is, space as `+`, every other byte `%XX` in upper case).

use base64::Engine as _;

/// Form-urlencodes one value.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A form body from name/value pairs, in order.
pub fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1).
pub fn basic_header(id: &str, secret: &str) -> String {
    let pair = format!("{}:{}", form_encode(id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6749_appendix_b_and_2_3_1() {
        assert_eq!(form_encode("a b+c/é*~"), "a+b%2Bc%2F%C3%A9*%7E");
        assert_eq!(
            form(&[("grant_type", "x y"), ("k", "")]),
            "grant_type=x+y&k="
        );
        // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
        assert_eq!(basic_header("a:b", "c d"), "Basic YSUzQWI6Yytk");
    }
}
