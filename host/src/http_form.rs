//! `application/x-www-form-urlencoded` request bodies and RFC 6749 §2.3.1 Basic credentials
//! for the requests the conformance suite and the host's tests send. Written here, not taken
//! from the component: those requests are the inputs the component is judged on, so they are
//! encoded independently of it. (`xaa login` / `xaa token` ask the component's `client`
//! interface instead, like every other client question.)

use base64::Engine as _;

/// Form-urlencodes one value (RFC 6749 Appendix B: the HTML form encoding, space as `+`).
pub fn form_encode(value: &str) -> String {
    const KEPT: &[u8] = b"-._*";
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || KEPT.contains(&byte) {
            out.push(char::from(byte));
        } else if byte == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{byte:02X}"));
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
        assert_eq!(form_encode("a b+c/é"), "a+b%2Bc%2F%C3%A9");
        assert_eq!(form_encode("AZaz09-._*~!"), "AZaz09-._*%7E%21");
        assert_eq!(
            form(&[("grant_type", "x y"), ("k", "")]),
            "grant_type=x+y&k="
        );
        // RFC 6749 §2.3.1: the id and secret are form-encoded before base64.
        assert_eq!(basic_header("a:b", "c d"), "Basic YSUzQWI6Yytk");
    }
}
