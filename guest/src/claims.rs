//! The JWT claims set (RFC 7519 §4) read strictly into typed registered claims.
//!
//! Absent means absent and a wrong type is an error, never "treated as absent" (C02,
//! CVE-2026-25537). NumericDates are JSON numbers in 1..=253402300799 (C04, C05); fractions
//! are allowed (RFC 7519 §2) and rounded towards rejection. `aud` is a string or a
//! non-empty array of strings (C14, C17); `scope` is one space-separated string of RFC 6749
//! §3.3 scope-tokens (C22). Unknown claims are kept in the raw JSON and never interpreted
//! (C23).

use std::collections::BTreeMap;

use crate::error::{escape_for_log, Code, Rejection};
use crate::json::{self, Json, JsonError, Number};
use crate::limits::{MAX_IDENTIFIER_BYTES, MAX_JTI_BYTES, MAX_LIST_ITEMS, MAX_NUMERIC_DATE};

/// Registered and profile claims, read from a verified payload.
#[derive(Clone, Debug)]
pub struct Claims {
    /// `iss`
    pub iss: String,
    /// `sub`
    pub sub: String,
    /// `aud`, as a list.
    pub aud: Vec<String>,
    /// Whether `aud` was a JSON array (the ID-JAG rule cares about one-element arrays).
    pub aud_is_array: bool,
    /// `exp`, rounded down.
    pub exp: i64,
    /// `iat`, rounded up.
    pub iat: i64,
    /// `nbf`, rounded up.
    pub nbf: Option<i64>,
    /// `jti`
    pub jti: String,
    /// `client_id`
    pub client_id: Option<String>,
    /// `scope`
    pub scope: Option<String>,
    /// `resource` (string or array), empty when absent.
    pub resource: Vec<String>,
    /// Whether `resource` was present at all.
    pub resource_present: bool,
    /// Whether a `cnf` claim is present.
    pub cnf_present: bool,
    /// Whether an `authorization_details` claim (RFC 9396) is present.
    pub authorization_details_present: bool,
    /// `auth_time`, rounded down.
    pub auth_time: Option<i64>,
    /// `acr`
    pub acr: Option<String>,
    /// `tenant` (ID-JAG draft §3: the IdP tenant of a multi-tenant issuer)
    pub tenant: Option<String>,
    /// `amr`
    pub amr: Option<Vec<String>>,
}

type Members = BTreeMap<String, Json>;

fn invalid(detail: String) -> Rejection {
    Rejection::new(Code::ClaimInvalid, detail)
}

fn identifier(name: &str, value: &Json) -> Result<String, Rejection> {
    let Json::String(s) = value else {
        return Err(invalid(format!(
            "\"{name}\" is a {}, not a string",
            value.type_name()
        )));
    };
    if s.is_empty() {
        return Err(invalid(format!("\"{name}\" is empty")));
    }
    if s.len() > MAX_IDENTIFIER_BYTES {
        return Err(Rejection::new(
            Code::LimitExceeded,
            format!("\"{name}\" is longer than {MAX_IDENTIFIER_BYTES} bytes"),
        ));
    }
    if s.chars().any(char::is_control) {
        return Err(invalid(format!("\"{name}\" contains control characters")));
    }
    Ok(s.clone())
}

fn required<'a>(members: &'a Members, name: &str) -> Result<&'a Json, Rejection> {
    members
        .get(name)
        .ok_or_else(|| invalid(format!("required claim \"{name}\" is missing")))
}

fn required_identifier(members: &Members, name: &str) -> Result<String, Rejection> {
    identifier(name, required(members, name)?)
}

fn optional_identifier(members: &Members, name: &str) -> Result<Option<String>, Rejection> {
    members.get(name).map(|v| identifier(name, v)).transpose()
}

/// `jti`: an identifier of at most [`MAX_JTI_BYTES`].
fn required_jti(members: &Members) -> Result<String, Rejection> {
    match required(members, "jti")? {
        Json::String(s) if s.len() > MAX_JTI_BYTES => Err(Rejection::new(
            Code::LimitExceeded,
            format!("\"jti\" is longer than {MAX_JTI_BYTES} bytes"),
        )),
        other => identifier("jti", other),
    }
}

/// Which way a fractional NumericDate is rounded: always towards rejecting the token.
#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

fn numeric_date(name: &str, value: &Json, round: Round) -> Result<i64, Rejection> {
    let seconds = match value {
        Json::Number(Number::Unsigned(n)) => i64::try_from(*n).unwrap_or(i64::MAX),
        Json::Number(Number::Signed(n)) => *n,
        Json::Number(Number::Float(f)) if f.is_finite() => {
            let rounded = match round {
                Round::Down => f.floor(),
                Round::Up => f.ceil(),
            };
            if rounded < 1.0 || rounded > MAX_NUMERIC_DATE as f64 {
                return Err(invalid(format!("\"{name}\" is out of range")));
            }
            rounded as i64
        }
        other => {
            return Err(invalid(format!(
                "\"{name}\" is a {}, not a NumericDate",
                other.type_name()
            )))
        }
    };
    if !(1..=MAX_NUMERIC_DATE).contains(&seconds) {
        return Err(invalid(format!("\"{name}\" is out of range")));
    }
    Ok(seconds)
}

fn required_date(members: &Members, name: &str, round: Round) -> Result<i64, Rejection> {
    numeric_date(name, required(members, name)?, round)
}

fn optional_date(members: &Members, name: &str, round: Round) -> Result<Option<i64>, Rejection> {
    members
        .get(name)
        .map(|v| numeric_date(name, v, round))
        .transpose()
}

fn string_or_list(name: &str, value: &Json) -> Result<(Vec<String>, bool), Rejection> {
    match value {
        Json::String(_) => Ok((vec![identifier(name, value)?], false)),
        Json::Array(items) => {
            if items.is_empty() {
                return Err(invalid(format!("\"{name}\" is an empty array")));
            }
            if items.len() > MAX_LIST_ITEMS {
                return Err(Rejection::new(
                    Code::LimitExceeded,
                    format!("\"{name}\" has more than {MAX_LIST_ITEMS} values"),
                ));
            }
            let values = items
                .iter()
                .map(|item| identifier(name, item))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((values, true))
        }
        other => Err(invalid(format!(
            "\"{name}\" is a {}, not a string or array of strings",
            other.type_name()
        ))),
    }
}

/// Parses a JWS payload as a strict JSON object (the claims set), keeping its text.
pub fn parse_payload(bytes: &[u8]) -> Result<(Json, &str), Rejection> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Rejection::new(Code::Malformed, "payload is not UTF-8"))?;
    let value = json::parse(text).map_err(|e| match e {
        JsonError::TooDeep => Rejection::new(Code::LimitExceeded, format!("claims: {e}")),
        JsonError::Syntax(_) => Rejection::new(Code::Malformed, format!("claims: {e}")),
    })?;
    if value.as_object().is_none() {
        return Err(Rejection::new(
            Code::Malformed,
            "claims set is not a JSON object",
        ));
    }
    Ok((value, text))
}

/// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces.
pub fn is_valid_scope(scope: &str) -> bool {
    !scope.is_empty()
        && scope.split(' ').all(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
        })
}

impl Claims {
    /// Reads the claims both profiles require: `iss`, `sub`, `aud`, `exp`, `iat`, `jti`
    /// (RFC 9068 §2.2; ID-JAG draft §3.1), plus the optional ones they interpret.
    pub fn read(payload: &Json) -> Result<Claims, Rejection> {
        let members = payload
            .as_object()
            .ok_or_else(|| Rejection::new(Code::Malformed, "claims set is not a JSON object"))?;
        let iss = required_identifier(members, "iss")?;
        let sub = required_identifier(members, "sub")?;
        let (aud, aud_is_array) = string_or_list("aud", required(members, "aud")?)?;
        let exp = required_date(members, "exp", Round::Down)?;
        let iat = required_date(members, "iat", Round::Up)?;
        let nbf = optional_date(members, "nbf", Round::Up)?;
        let jti = required_jti(members)?;
        let client_id = optional_identifier(members, "client_id")?;
        let scope = match members.get("scope") {
            None => None,
            Some(Json::String(s)) if is_valid_scope(s) => Some(s.clone()),
            Some(Json::String(s)) => {
                return Err(invalid(format!(
                    "\"scope\" \"{}\" is not a space-separated list of scope tokens",
                    escape_for_log(s, 64)
                )))
            }
            Some(other) => {
                return Err(invalid(format!(
                    "\"scope\" is a {}, not a string",
                    other.type_name()
                )))
            }
        };
        let (resource, resource_present) = match members.get("resource") {
            None => (Vec::new(), false),
            Some(value) => (string_or_list("resource", value)?.0, true),
        };
        let auth_time = optional_date(members, "auth_time", Round::Down)?;
        let acr = optional_identifier(members, "acr")?;
        let tenant = optional_identifier(members, "tenant")?;
        let amr = match members.get("amr") {
            None => None,
            Some(Json::Array(items)) if items.len() <= MAX_LIST_ITEMS => Some(
                items
                    .iter()
                    .map(|i| identifier("amr", i))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(_) => return Err(invalid("\"amr\" is not an array of strings".into())),
        };
        Ok(Claims {
            iss,
            sub,
            aud,
            aud_is_array,
            exp,
            iat,
            nbf,
            jti,
            client_id,
            scope,
            resource,
            resource_present,
            cnf_present: members.contains_key("cnf"),
            authorization_details_present: members.contains_key("authorization_details"),
            auth_time,
            acr,
            amr,
            tenant,
        })
    }

    /// No `cnf` (RFC 7800): a sender-constrained token cannot be honoured yet, so it is
    /// refused rather than taken as a bearer token. `what` names the tokens in the detail.
    pub fn check_no_cnf(&self, what: &str) -> Result<(), Rejection> {
        if self.cnf_present {
            return Err(Rejection::new(
                Code::ConfirmationUnsupported,
                format!("cnf is present; sender-constrained {what} are not supported yet"),
            ));
        }
        Ok(())
    }

    /// RFC 7519 §4.1.4–4.1.6 with leeway: `exp` must be after `now - leeway` (C06), `nbf`
    /// and `iat` not after `now + leeway` (C07, C08). No overflow for any input (C04).
    pub fn check_time(&self, now: i64, leeway: u32) -> Result<(), Rejection> {
        check_times(self.exp, self.iat, self.nbf, now, leeway)
    }
}

/// `exp` after `now - leeway`; `nbf` and `iat` not after `now + leeway`; no overflow.
fn check_times(exp: i64, iat: i64, nbf: Option<i64>, now: i64, leeway: u32) -> Result<(), Rejection> {
    let (now, leeway) = (i128::from(now), i128::from(leeway));
    if i128::from(exp) <= now - leeway {
        return Err(Rejection::new(Code::Expired, "exp has passed"));
    }
    if let Some(nbf) = nbf {
        if i128::from(nbf) > now + leeway {
            return Err(Rejection::new(Code::NotYetValid, "nbf is in the future"));
        }
    }
    if i128::from(iat) > now + leeway {
        return Err(Rejection::new(Code::IssuedInFuture, "iat is in the future"));
    }
    Ok(())
}

/// The claims of an OpenID Connect ID token from any provider (OpenID Connect Core §2):
/// `iss`, `sub`, `aud`, `exp` and `iat` required, no `jti` (providers need not send one).
#[derive(Clone, Debug)]
pub struct OpenIdClaims {
    /// `iss`
    pub iss: String,
    /// `aud`, as a list.
    pub aud: Vec<String>,
    /// `azp`, if present.
    pub azp: Option<String>,
    /// `exp`, rounded down.
    pub exp: i64,
    /// `iat`, rounded up.
    pub iat: i64,
    /// `nbf`, rounded up, if present.
    pub nbf: Option<i64>,
    /// `nonce`, if present.
    pub nonce: Option<String>,
}

impl OpenIdClaims {
    /// Reads and type-checks the claims (`sub`, `auth_time` and `acr` too, though only the
    /// caller of the whole claims set uses them).
    pub fn read(payload: &Json) -> Result<Self, Rejection> {
        let members = payload
            .as_object()
            .ok_or_else(|| Rejection::new(Code::Malformed, "claims set is not a JSON object"))?;
        required_identifier(members, "sub")?;
        optional_date(members, "auth_time", Round::Down)?;
        optional_identifier(members, "acr")?;
        Ok(OpenIdClaims {
            iss: required_identifier(members, "iss")?,
            aud: string_or_list("aud", required(members, "aud")?)?.0,
            azp: optional_identifier(members, "azp")?,
            exp: required_date(members, "exp", Round::Down)?,
            iat: required_date(members, "iat", Round::Up)?,
            nbf: optional_date(members, "nbf", Round::Up)?,
            nonce: optional_identifier(members, "nonce")?,
        })
    }

    /// [`Claims::check_time`]'s rule.
    pub fn check_time(&self, now: i64, leeway: u32) -> Result<(), Rejection> {
        check_times(self.exp, self.iat, self.nbf, now, leeway)
    }
}

/// The claims of an RFC 7523 §3 client assertion (`private_key_jwt`): `iss`, `sub`, `aud`,
/// `exp` and `jti` are required; `iat` and `nbf` are checked when present.
#[derive(Clone, Debug)]
pub struct ClientAssertionClaims {
    /// `iss` (the client id).
    pub iss: String,
    /// `sub` (the client id).
    pub sub: String,
    /// `aud`, as a list.
    pub aud: Vec<String>,
    /// `exp`, rounded down.
    pub exp: i64,
    /// `iat`, rounded up, if present.
    pub iat: Option<i64>,
    /// `nbf`, rounded up, if present.
    pub nbf: Option<i64>,
    /// `jti`
    pub jti: String,
}

impl ClientAssertionClaims {
    /// Reads the claims strictly (same types and caps as [`Claims::read`]).
    pub fn read(payload: &Json) -> Result<Self, Rejection> {
        let members = payload
            .as_object()
            .ok_or_else(|| Rejection::new(Code::Malformed, "claims set is not a JSON object"))?;
        let jti = required_jti(members)?;
        Ok(ClientAssertionClaims {
            iss: required_identifier(members, "iss")?,
            sub: required_identifier(members, "sub")?,
            aud: string_or_list("aud", required(members, "aud")?)?.0,
            exp: required_date(members, "exp", Round::Down)?,
            iat: optional_date(members, "iat", Round::Up)?,
            nbf: optional_date(members, "nbf", Round::Up)?,
            jti,
        })
    }
}

/// Seconds since the epoch the component accepts from a host clock: 2000-01-01 up to
/// 2100-01-01. Outside that the clock is broken and every time check would be meaningless.
pub fn check_clock(now: i64) -> Result<(), Rejection> {
    const EARLIEST: i64 = 946_684_800;
    const LATEST: i64 = 4_102_444_800;
    if (EARLIEST..LATEST).contains(&now) {
        Ok(())
    } else {
        Err(Rejection::new(
            Code::ClockInvalid,
            format!("host clock reads {now}, outside 2000–2100"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_syntax() {
        assert!(is_valid_scope("chat.read chat.history"));
        assert!(is_valid_scope("a"));
        assert!(!is_valid_scope(""));
        assert!(!is_valid_scope("a  b"));
        assert!(!is_valid_scope(" a"));
        assert!(!is_valid_scope("a\"b"));
        assert!(!is_valid_scope("a\\b"));
        assert!(!is_valid_scope("é"));
    }

    #[test]
    fn numeric_dates_round_towards_rejection() {
        let f = |x: f64| Json::Number(Number::Float(x));
        assert_eq!(numeric_date("exp", &f(1000.9), Round::Down).unwrap(), 1000);
        assert_eq!(numeric_date("iat", &f(1000.1), Round::Up).unwrap(), 1001);
        assert!(numeric_date("exp", &f(1e308), Round::Down).is_err());
        assert!(numeric_date("exp", &f(0.4), Round::Down).is_err());
        assert!(numeric_date("exp", &Json::Number(Number::Unsigned(0)), Round::Down).is_err());
        assert!(numeric_date(
            "exp",
            &Json::Number(Number::Unsigned(u64::MAX)),
            Round::Down
        )
        .is_err());
    }
}
