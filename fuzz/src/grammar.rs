//! A small grammar of JOSE headers, claims sets, signatures and token-level mutations, driven
//! by `arbitrary`. An input of all zero bytes (or an empty one) decodes to the first variant
//! everywhere, which is always "the correct value": a valid, correctly signed token of the
//! requested kind. Every other choice is one mutation away from it, so the fuzzer gets past the
//! signature check and spends its time in claim rules, key selection and the token endpoint.

use arbitrary::Arbitrary;
use p256::ecdsa::signature::Signer as _;
use rsa::{Pkcs1v15Sign, Pss};
use sha2::{Digest, Sha256};
use xaa_guest::base64url;

use crate::fixtures::*;

/// Interesting strings: identifiers of this configuration, near misses and a raw escape.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum Word {
    /// [`IDP`]
    Idp,
    /// [`IDP2`]
    Idp2,
    /// [`AS`]
    As,
    /// An untrusted issuer.
    Evil,
    /// [`R1`]
    R1,
    /// [`R2`]
    R2,
    /// `R1` with a trailing slash.
    R1Slash,
    /// `AS` with a trailing slash.
    AsSlash,
    /// The AS token endpoint URL.
    AsTokenUrl,
    /// An AS client id.
    BasicClient,
    /// An AS client id.
    PostClient,
    /// An AS client id.
    JwtClient,
    /// An AS client id.
    PublicClient,
    /// An IdP client id.
    Cursor,
    /// An IdP client id.
    Windsurf,
    /// An IdP client id.
    JwtApp,
    /// A user.
    Alice,
    /// A disabled user.
    Bob,
    /// A user without a password.
    Carol,
    /// A scope.
    ScopeRead,
    /// Two scopes.
    ScopeBoth,
    /// A scope nobody grants.
    ScopeAdmin,
    /// Not a scope token.
    ScopeBad,
    /// The empty string.
    Empty,
    /// `jti-N`.
    Jti(u8),
    /// A `typ`.
    TypIdJag,
    /// A `typ`.
    TypAt,
    /// A `typ`.
    TypJwt,
    /// A `typ`.
    TypRefresh,
    /// A URN.
    GrantJwtBearer,
    /// A URN.
    GrantTokenExchange,
    /// A URN.
    TokenTypeIdJag,
    /// A URN.
    TokenTypeIdToken,
    /// A URN.
    TokenTypeRefresh,
    /// A URN.
    AssertionType,
    /// An alg name.
    Es256,
    /// An alg name.
    Rs256,
    /// An alg name.
    Ps256,
    /// An alg name.
    NoneAlg,
    /// An alg name.
    Hs256,
    /// A kid.
    KidIdp,
    /// A kid.
    KidIdp2,
    /// A kid.
    KidAs,
    /// `acr` value the windsurf connection requires.
    AcrPhr,
    /// A secret.
    SecretBasic,
    /// A secret.
    SecretCursor,
    /// A password.
    PasswordAlice,
    /// `n` times "a" (limits).
    Long(u16),
    /// Control, bidi and non-ASCII characters.
    Unicode,
    /// Anything.
    Raw(String),
}

impl Word {
    /// The string.
    pub fn text(&self) -> String {
        match self {
            Word::Idp => IDP.into(),
            Word::Idp2 => IDP2.into(),
            Word::As => AS.into(),
            Word::Evil => "https://evil.example.com".into(),
            Word::R1 => R1.into(),
            Word::R2 => R2.into(),
            Word::R1Slash => format!("{R1}/"),
            Word::AsSlash => format!("{AS}/"),
            Word::AsTokenUrl => AS_TOKEN_URL.into(),
            Word::BasicClient => AS_BASIC.0.into(),
            Word::PostClient => AS_POST.0.into(),
            Word::JwtClient => AS_JWT.into(),
            Word::PublicClient => AS_PUBLIC.into(),
            Word::Cursor => IDP_CURSOR.0.into(),
            Word::Windsurf => IDP_WINDSURF.0.into(),
            Word::JwtApp => IDP_JWT_APP.into(),
            Word::Alice => ALICE.0.into(),
            Word::Bob => BOB.0.into(),
            Word::Carol => "carol".into(),
            Word::ScopeRead => "chat.read".into(),
            Word::ScopeBoth => "chat.read chat.history".into(),
            Word::ScopeAdmin => "admin".into(),
            Word::ScopeBad => "chat.read  \"x\\".into(),
            Word::Empty => String::new(),
            Word::Jti(n) => format!("jti-{n}"),
            Word::TypIdJag => "oauth-id-jag+jwt".into(),
            Word::TypAt => "at+jwt".into(),
            Word::TypJwt => "JWT".into(),
            Word::TypRefresh => "xaa-refresh+jwt".into(),
            Word::GrantJwtBearer => GRANT_JWT_BEARER.into(),
            Word::GrantTokenExchange => GRANT_TOKEN_EXCHANGE.into(),
            Word::TokenTypeIdJag => TT_ID_JAG.into(),
            Word::TokenTypeIdToken => TT_ID_TOKEN.into(),
            Word::TokenTypeRefresh => TT_REFRESH.into(),
            Word::AssertionType => ASSERTION_TYPE.into(),
            Word::Es256 => "ES256".into(),
            Word::Rs256 => "RS256".into(),
            Word::Ps256 => "PS256".into(),
            Word::NoneAlg => "none".into(),
            Word::Hs256 => "HS256".into(),
            Word::KidIdp => "idp-ec".into(),
            Word::KidIdp2 => "idp2-rsa".into(),
            Word::KidAs => "as-ec".into(),
            Word::AcrPhr => "phr".into(),
            Word::SecretBasic => AS_BASIC.1.into(),
            Word::SecretCursor => IDP_CURSOR.1.into(),
            Word::PasswordAlice => ALICE.1.into(),
            Word::Long(n) => "a".repeat(usize::from(*n) % 10_000),
            Word::Unicode => "é\u{0}\u{1f}\u{202e}\u{fffd}\"\\".into(),
            Word::Raw(s) => s.clone(),
        }
    }
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// A JSON value, rendered as text (so that odd numbers, duplicates and raw text survive).
#[derive(Arbitrary, Clone, Debug)]
pub enum JsonSpec {
    /// `null`
    Null,
    /// `true`
    True,
    /// `false`
    False,
    /// An integer.
    Int(i64),
    /// A float (non-finite values render as an out-of-range literal).
    Float(f64),
    /// A string from the vocabulary.
    Word(Word),
    /// An array.
    Array(Vec<JsonSpec>),
    /// An object (duplicate names allowed).
    Object(Vec<(Word, JsonSpec)>),
    /// `n` nested arrays (depth limits).
    Deep(u8),
    /// Raw text in value position.
    Raw(String),
}

impl JsonSpec {
    /// The JSON text.
    pub fn render(&self) -> String {
        match self {
            JsonSpec::Null => "null".into(),
            JsonSpec::True => "true".into(),
            JsonSpec::False => "false".into(),
            JsonSpec::Int(i) => i.to_string(),
            JsonSpec::Float(f) if f.is_finite() => format!("{f:?}"),
            JsonSpec::Float(_) => "1e999".into(),
            JsonSpec::Word(w) => quote(&w.text()),
            JsonSpec::Array(items) => format!(
                "[{}]",
                items.iter().map(JsonSpec::render).collect::<Vec<_>>().join(",")
            ),
            JsonSpec::Object(members) => format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", quote(&k.text()), v.render()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            JsonSpec::Deep(n) => format!("{}{}", "[".repeat(usize::from(*n)), "]".repeat(usize::from(*n))),
            JsonSpec::Raw(s) => s.clone(),
        }
    }
}

/// What kind of token is being built (decides the defaults).
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// An ID-JAG for the AS (from IDP, or IDP2 when the alg is RSA).
    IdJag,
    /// An access token of the AS for R1.
    AccessToken,
    /// An ID token of the IdP (subject token of a token exchange).
    IdToken,
    /// A refresh token of the IdP.
    RefreshToken,
    /// A client assertion (private_key_jwt) of `jwt-client` for the AS token endpoint.
    ClientAssertionAs,
    /// A client assertion of `jwt-app` for the IdP token endpoint.
    ClientAssertionIdp,
}

/// `alg` in the header.
#[derive(Arbitrary, Clone, Debug)]
pub enum AlgChoice {
    /// ES256 (or what the signer needs).
    Default,
    /// RS256 (switches the defaults to IDP2 and its RSA key for ID-JAGs).
    Rs256,
    /// PS256 (likewise).
    Ps256,
    /// A name from the vocabulary (none, HS256, ...).
    Word(Word),
    /// No `alg`.
    Missing,
    /// A non-string value.
    Json(JsonSpec),
}

/// `typ` in the header.
#[derive(Arbitrary, Clone, Debug)]
pub enum TypChoice {
    /// The kind's own `typ`.
    Default,
    /// `application/` + the kind's own, in upper case.
    LongUpper,
    /// A value from the vocabulary.
    Word(Word),
    /// No `typ`.
    Missing,
    /// A non-string value.
    Json(JsonSpec),
}

/// `kid` in the header.
#[derive(Arbitrary, Clone, Debug)]
pub enum KidChoice {
    /// The signing key's kid.
    Default,
    /// A value from the vocabulary.
    Word(Word),
    /// No `kid`.
    Missing,
    /// A non-string value.
    Json(JsonSpec),
}

/// An extra header member.
#[derive(Arbitrary, Clone, Debug)]
pub enum HeaderName {
    /// Refused parameters (RFC 7515/7516 key-carrying, JWE, crit, b64, zip...).
    Jwk,
    /// See above.
    Jku,
    /// See above.
    X5c,
    /// See above.
    X5u,
    /// See above.
    Crit,
    /// See above.
    B64,
    /// See above.
    Zip,
    /// See above.
    Enc,
    /// See above.
    Cty,
    /// Tolerated hint.
    X5t,
    /// A second `alg`.
    Alg,
    /// A second `typ`.
    Typ,
    /// A second `kid`.
    Kid,
    /// Anything.
    Word(Word),
}

impl HeaderName {
    fn text(&self) -> String {
        match self {
            HeaderName::Jwk => "jwk".into(),
            HeaderName::Jku => "jku".into(),
            HeaderName::X5c => "x5c".into(),
            HeaderName::X5u => "x5u".into(),
            HeaderName::Crit => "crit".into(),
            HeaderName::B64 => "b64".into(),
            HeaderName::Zip => "zip".into(),
            HeaderName::Enc => "enc".into(),
            HeaderName::Cty => "cty".into(),
            HeaderName::X5t => "x5t".into(),
            HeaderName::Alg => "alg".into(),
            HeaderName::Typ => "typ".into(),
            HeaderName::Kid => "kid".into(),
            HeaderName::Word(w) => w.text(),
        }
    }
}

/// The protected header.
#[derive(Arbitrary, Clone, Debug)]
pub enum HeaderSpec {
    /// Built from choices.
    Built {
        /// `alg`
        alg: AlgChoice,
        /// `typ`
        typ: TypChoice,
        /// `kid`
        kid: KidChoice,
        /// Extra members, appended in order.
        extra: Vec<(HeaderName, JsonSpec)>,
    },
    /// These exact bytes.
    Raw(Vec<u8>),
}

/// A registered (or any) claim name.
#[derive(Arbitrary, Clone, Debug, PartialEq, Eq)]
pub enum ClaimName {
    /// `iss`
    Iss,
    /// `sub`
    Sub,
    /// `aud`
    Aud,
    /// `client_id`
    ClientId,
    /// `jti`
    Jti,
    /// `iat`
    Iat,
    /// `exp`
    Exp,
    /// `nbf`
    Nbf,
    /// `resource`
    Resource,
    /// `scope`
    Scope,
    /// `auth_time`
    AuthTime,
    /// `acr`
    Acr,
    /// `amr`
    Amr,
    /// `cnf`
    Cnf,
    /// `azp`
    Azp,
    /// `email`
    Email,
    /// Anything.
    Other(Word),
}

impl ClaimName {
    fn text(&self) -> String {
        match self {
            ClaimName::Iss => "iss".into(),
            ClaimName::Sub => "sub".into(),
            ClaimName::Aud => "aud".into(),
            ClaimName::ClientId => "client_id".into(),
            ClaimName::Jti => "jti".into(),
            ClaimName::Iat => "iat".into(),
            ClaimName::Exp => "exp".into(),
            ClaimName::Nbf => "nbf".into(),
            ClaimName::Resource => "resource".into(),
            ClaimName::Scope => "scope".into(),
            ClaimName::AuthTime => "auth_time".into(),
            ClaimName::Acr => "acr".into(),
            ClaimName::Amr => "amr".into(),
            ClaimName::Cnf => "cnf".into(),
            ClaimName::Azp => "azp".into(),
            ClaimName::Email => "email".into(),
            ClaimName::Other(w) => w.text(),
        }
    }
}

/// A new value for a claim.
#[derive(Arbitrary, Clone, Debug)]
pub enum ClaimValue {
    /// Remove the claim.
    Remove,
    /// Emit the current member twice.
    Duplicate,
    /// `NOW + offset`.
    Time(i16),
    /// `NOW + offset` with a wide range.
    FarTime(i32),
    /// `NOW + offset + 0.5` (fractional NumericDate).
    FracTime(i16),
    /// Any integer.
    Int(i64),
    /// A string.
    Word(Word),
    /// An array of strings.
    Words(Vec<Word>),
    /// Any JSON.
    Json(JsonSpec),
}

/// One edit to the default claims set.
#[derive(Arbitrary, Clone, Debug)]
pub struct ClaimEdit {
    /// Which claim.
    pub name: ClaimName,
    /// Its new value.
    pub value: ClaimValue,
}

/// The payload.
#[derive(Arbitrary, Clone, Debug)]
pub enum PayloadSpec {
    /// The kind's default claims with edits applied in order.
    Edits(Vec<ClaimEdit>),
    /// These exact bytes.
    Raw(Vec<u8>),
}

/// Which key signs.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyChoice {
    /// The IdP's EC key.
    IdpEc,
    /// IDP2's RSA key, PKCS#1 v1.5.
    Idp2Rs256,
    /// IDP2's RSA key, PSS.
    Idp2Ps256,
    /// The AS's EC key.
    AsEc,
    /// The clients' EC key.
    ClientEc,
    /// An untrusted EC key.
    Attacker,
}

/// The signature.
#[derive(Arbitrary, Clone, Debug)]
pub enum SignerChoice {
    /// The right key for the kind and alg.
    Proper,
    /// A given key.
    Key(KeyChoice),
    /// No signature bytes.
    Empty,
    /// These bytes.
    Raw(Vec<u8>),
}

/// A change to the signature bytes after signing.
#[derive(Arbitrary, Clone, Debug)]
pub enum SigMutation {
    /// None.
    None,
    /// XOR one byte.
    Flip(u16, u8),
    /// Keep only the first `n` bytes.
    Truncate(u16),
    /// Append bytes.
    Append(Vec<u8>),
    /// ES256: replace s by n - s (the other valid signature).
    HighS,
    /// ES256: r || s as an ASN.1 DER signature (the classic JOSE mistake).
    Der,
    /// Prefix a zero byte.
    LeadingZero,
}

/// A change to the whole compact serialization.
#[derive(Arbitrary, Clone, Debug)]
pub enum TokenMutation {
    /// None.
    None,
    /// Insert a byte at a position.
    Insert(u16, u8),
    /// Delete the byte at a position.
    Delete(u16),
    /// Replace the byte at a position.
    Replace(u16, u8),
    /// Append text (a fourth segment, padding, whitespace...).
    Append(String),
    /// Base64url-pad every segment with `=`.
    Padded,
    /// Standard base64 alphabet (`+` and `/`) for every segment.
    StandardAlphabet,
    /// These exact bytes instead.
    Raw(String),
}

/// Everything about one token.
#[derive(Arbitrary, Clone, Debug)]
pub struct TokenSpec {
    /// Header.
    pub header: HeaderSpec,
    /// Payload.
    pub payload: PayloadSpec,
    /// Signer.
    pub signer: SignerChoice,
    /// Signature mutation.
    pub sig: SigMutation,
    /// Token mutation.
    pub token: TokenMutation,
}

impl TokenSpec {
    /// The all-defaults spec (a valid token).
    pub fn valid() -> Self {
        TokenSpec {
            header: HeaderSpec::Built {
                alg: AlgChoice::Default,
                typ: TypChoice::Default,
                kid: KidChoice::Default,
                extra: vec![],
            },
            payload: PayloadSpec::Edits(vec![]),
            signer: SignerChoice::Proper,
            sig: SigMutation::None,
            token: TokenMutation::None,
        }
    }
}

/// Parameters the caller decides: who the token is for.
#[derive(Clone, Debug)]
pub struct Context {
    /// `client_id` of an ID-JAG / access token, `aud` of an ID token, `iss`/`sub` of an
    /// assertion.
    pub client: String,
    /// `sub` (the user).
    pub subject: String,
    /// `jti`.
    pub jti: String,
}

impl Context {
    /// Defaults for a kind.
    pub fn for_kind(kind: TokenKind) -> Self {
        let client = match kind {
            TokenKind::IdJag | TokenKind::AccessToken => AS_BASIC.0,
            TokenKind::IdToken | TokenKind::RefreshToken => IDP_CURSOR.0,
            TokenKind::ClientAssertionAs => AS_JWT,
            TokenKind::ClientAssertionIdp => IDP_JWT_APP,
        };
        Context {
            client: client.into(),
            subject: ALICE.0.into(),
            jti: format!("{kind:?}-1"),
        }
    }
}

/// A built token and what the harness knows about it.
#[derive(Clone, Debug)]
pub struct Built {
    /// The compact serialization.
    pub token: String,
    /// The key that signed the exact bytes, if a proper signature over them was made and
    /// neither the signature nor the token was changed afterwards.
    pub signed_by: Option<KeyChoice>,
}

fn kind_typ(kind: TokenKind) -> Option<&'static str> {
    match kind {
        TokenKind::IdJag => Some("oauth-id-jag+jwt"),
        TokenKind::AccessToken => Some("at+jwt"),
        TokenKind::IdToken => Some("JWT"),
        TokenKind::RefreshToken => Some("xaa-refresh+jwt"),
        TokenKind::ClientAssertionAs | TokenKind::ClientAssertionIdp => None,
    }
}

fn default_key(kind: TokenKind, alg: &AlgChoice) -> KeyChoice {
    match (kind, alg) {
        (TokenKind::IdJag, AlgChoice::Rs256) => KeyChoice::Idp2Rs256,
        (TokenKind::IdJag, AlgChoice::Ps256) => KeyChoice::Idp2Ps256,
        (TokenKind::IdJag | TokenKind::IdToken | TokenKind::RefreshToken, _) => KeyChoice::IdpEc,
        (TokenKind::AccessToken, _) => KeyChoice::AsEc,
        (TokenKind::ClientAssertionAs | TokenKind::ClientAssertionIdp, _) => KeyChoice::ClientEc,
    }
}

fn key_kid(key: KeyChoice) -> &'static str {
    match key {
        KeyChoice::IdpEc => "idp-ec",
        KeyChoice::Idp2Rs256 | KeyChoice::Idp2Ps256 => "idp2-rsa",
        KeyChoice::AsEc => "as-ec",
        KeyChoice::ClientEc => "c1",
        KeyChoice::Attacker => "attacker",
    }
}

fn key_alg(key: KeyChoice) -> &'static str {
    match key {
        KeyChoice::Idp2Rs256 => "RS256",
        KeyChoice::Idp2Ps256 => "PS256",
        _ => "ES256",
    }
}

fn header_json(kind: TokenKind, spec: &HeaderSpec, key: KeyChoice) -> Vec<u8> {
    let HeaderSpec::Built {
        alg,
        typ,
        kid,
        extra,
    } = spec
    else {
        let HeaderSpec::Raw(bytes) = spec else {
            unreachable!()
        };
        return bytes.clone();
    };
    let mut members: Vec<(String, String)> = Vec::new();
    let typ_value = match typ {
        TypChoice::Default => kind_typ(kind).map(quote),
        TypChoice::LongUpper => Some(quote(
            &format!("application/{}", kind_typ(kind).unwrap_or("jwt")).to_ascii_uppercase(),
        )),
        TypChoice::Word(w) => Some(quote(&w.text())),
        TypChoice::Missing => None,
        TypChoice::Json(j) => Some(j.render()),
    };
    let alg_value = match alg {
        AlgChoice::Default | AlgChoice::Rs256 | AlgChoice::Ps256 => Some(quote(key_alg(key))),
        AlgChoice::Word(w) => Some(quote(&w.text())),
        AlgChoice::Missing => None,
        AlgChoice::Json(j) => Some(j.render()),
    };
    let kid_value = match kid {
        KidChoice::Default => Some(quote(key_kid(key))),
        KidChoice::Word(w) => Some(quote(&w.text())),
        KidChoice::Missing => None,
        KidChoice::Json(j) => Some(j.render()),
    };
    let chosen = [("typ", typ_value), ("alg", alg_value), ("kid", kid_value)];
    for (name, value) in chosen {
        if let Some(v) = value {
            members.push((name.into(), v));
        }
    }
    for (name, value) in extra {
        members.push((name.text(), value.render()));
    }
    object(&members).into_bytes()
}

fn object(members: &[(String, String)]) -> String {
    format!(
        "{{{}}}",
        members
            .iter()
            .map(|(k, v)| format!("{}:{v}", quote(k)))
            .collect::<Vec<_>>()
            .join(",")
    )
}

fn default_claims(kind: TokenKind, key: KeyChoice, ctx: &Context) -> Vec<(String, String)> {
    let s = |v: &str| quote(v);
    let t = |offset: i64| (NOW + offset).to_string();
    // The claims an ID-JAG and an access token share, in their order: from `iss` to `exp`.
    let granted = |iss: &str, aud: &str, lifetime: i64| {
        vec![
            ("iss", s(iss)),
            ("sub", s(&ctx.subject)),
            ("aud", s(aud)),
            ("client_id", s(&ctx.client)),
            ("jti", s(&ctx.jti)),
            ("iat", t(-5)),
            ("exp", t(lifetime - 5)),
        ]
    };
    let mut c: Vec<(&str, String)> = match kind {
        TokenKind::IdJag => {
            let idp2 = matches!(key, KeyChoice::Idp2Rs256 | KeyChoice::Idp2Ps256);
            let mut c = granted(if idp2 { IDP2 } else { IDP }, AS, 120);
            c.extend([
                ("resource", s(R1)),
                ("scope", s("chat.read chat.history")),
                ("auth_time", t(-60)),
                ("amr", "[\"mfa\"]".into()),
            ]);
            c
        }
        TokenKind::AccessToken => {
            let mut c = granted(AS, R1, 300);
            c.push(("scope", s("chat.read")));
            c
        }
        TokenKind::IdToken | TokenKind::RefreshToken => vec![
            ("iss", s(IDP)),
            ("sub", s(&ctx.subject)),
            ("aud", s(&ctx.client)),
            ("jti", s(&ctx.jti)),
            ("iat", t(-5)),
            ("exp", t(595)),
            ("auth_time", t(-60)),
            ("acr", s("phr")),
            ("amr", "[\"pwd\",\"mfa\"]".into()),
        ],
        TokenKind::ClientAssertionAs | TokenKind::ClientAssertionIdp => vec![
            ("iss", s(&ctx.client)),
            ("sub", s(&ctx.client)),
            (
                "aud",
                s(if kind == TokenKind::ClientAssertionAs { AS_TOKEN_URL } else { IDP }),
            ),
            ("jti", s(&ctx.jti)),
            ("iat", t(-5)),
            ("exp", t(55)),
        ],
    };
    c.drain(..).map(|(k, v)| (k.to_owned(), v)).collect()
}

fn apply(claims: &mut Vec<(String, String)>, edit: &ClaimEdit) {
    let name = edit.name.text();
    let position = claims.iter().position(|(k, _)| *k == name);
    let value = match &edit.value {
        ClaimValue::Remove => {
            claims.retain(|(k, _)| *k != name);
            return;
        }
        ClaimValue::Duplicate => {
            let current = position.map(|i| claims[i].1.clone()).unwrap_or_else(|| "1".into());
            claims.push((name, current));
            return;
        }
        ClaimValue::Time(o) => (NOW + i64::from(*o)).to_string(),
        ClaimValue::FarTime(o) => (NOW + i64::from(*o)).to_string(),
        ClaimValue::FracTime(o) => format!("{}.5", NOW + i64::from(*o)),
        ClaimValue::Int(i) => i.to_string(),
        ClaimValue::Word(w) => quote(&w.text()),
        ClaimValue::Words(ws) => format!(
            "[{}]",
            ws.iter().map(|w| quote(&w.text())).collect::<Vec<_>>().join(",")
        ),
        ClaimValue::Json(j) => j.render(),
    };
    match position {
        Some(i) => claims[i].1 = value,
        None => claims.push((name, value)),
    }
}

/// A deterministic RNG for PSS salts (rand_core 0.6, as rsa 0.9 wants).
struct CounterRng(u64);

impl rand_core::RngCore for CounterRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for CounterRng {}

/// Signature bytes over `signing_input` with `key` (raw r || s for ES256).
pub fn sign(key: KeyChoice, signing_input: &[u8]) -> Vec<u8> {
    let k = keys();
    let ec = |sk: &p256::ecdsa::SigningKey| {
        let sig: p256::ecdsa::Signature = sk.sign(signing_input);
        sig.to_bytes().to_vec()
    };
    match key {
        KeyChoice::IdpEc => ec(&k.idp_ec),
        KeyChoice::AsEc => ec(&k.as_ec),
        KeyChoice::ClientEc => ec(&k.client),
        KeyChoice::Attacker => ec(&k.attacker),
        KeyChoice::Idp2Rs256 => k
            .idp2_rsa
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(signing_input))
            .expect("RSA signing"),
        KeyChoice::Idp2Ps256 => k
            .idp2_rsa
            .sign_with_rng(
                &mut CounterRng(signing_input.len() as u64),
                Pss::new_with_salt::<Sha256>(32),
                &Sha256::digest(signing_input),
            )
            .expect("RSA-PSS signing"),
    }
}

fn der(sig: &[u8]) -> Vec<u8> {
    match p256::ecdsa::Signature::from_slice(sig) {
        Ok(s) => s.to_der().as_bytes().to_vec(),
        Err(_) => sig.to_vec(),
    }
}

fn high_s(sig: &[u8]) -> Vec<u8> {
    use p256::elliptic_curve::ops::Neg;
    match p256::ecdsa::Signature::from_slice(sig) {
        Ok(s) => {
            let (r, s) = s.split_scalars();
            let neg = s.as_ref().neg();
            let mut out = r.to_bytes().to_vec();
            out.extend_from_slice(&neg.to_bytes());
            out
        }
        Err(_) => sig.to_vec(),
    }
}

fn mutate_bytes(bytes: &mut Vec<u8>, m: &TokenMutation) {
    let at = |i: u16, len: usize| if len == 0 { 0 } else { usize::from(i) % len };
    match m {
        TokenMutation::None | TokenMutation::Padded | TokenMutation::StandardAlphabet | TokenMutation::Raw(_) => {}
        TokenMutation::Insert(i, b) => {
            let i = at(*i, bytes.len() + 1);
            bytes.insert(i, *b);
        }
        TokenMutation::Delete(i) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes.remove(i);
        }
        TokenMutation::Replace(i, b) if !bytes.is_empty() => {
            let i = at(*i, bytes.len());
            bytes[i] = *b;
        }
        TokenMutation::Append(s) => bytes.extend_from_slice(s.as_bytes()),
        _ => {}
    }
}

/// Builds a token of `kind` from `spec`.
pub fn build(kind: TokenKind, spec: &TokenSpec, ctx: &Context) -> Built {
    let alg = match &spec.header {
        HeaderSpec::Built { alg, .. } => alg.clone(),
        HeaderSpec::Raw(_) => AlgChoice::Default,
    };
    let key = match spec.signer {
        SignerChoice::Key(k) => k,
        _ => default_key(kind, &alg),
    };
    let header = header_json(kind, &spec.header, key);
    let payload = match &spec.payload {
        PayloadSpec::Edits(edits) => {
            let mut claims = default_claims(kind, key, ctx);
            for edit in edits {
                apply(&mut claims, edit);
            }
            object(&claims).into_bytes()
        }
        PayloadSpec::Raw(bytes) => bytes.clone(),
    };
    let signing_input = format!("{}.{}", base64url::encode(&header), base64url::encode(&payload));
    let (mut signature, mut signed_by) = match &spec.signer {
        SignerChoice::Proper | SignerChoice::Key(_) => (sign(key, signing_input.as_bytes()), Some(key)),
        SignerChoice::Empty => (vec![], None),
        SignerChoice::Raw(bytes) => (bytes.clone(), None),
    };
    match &spec.sig {
        SigMutation::None => {}
        SigMutation::Flip(i, mask) => {
            if !signature.is_empty() && *mask != 0 {
                let i = usize::from(*i) % signature.len();
                signature[i] ^= mask;
                signed_by = None;
            }
        }
        SigMutation::Truncate(n) => {
            if usize::from(*n) < signature.len() {
                signature.truncate(usize::from(*n));
                signed_by = None;
            }
        }
        SigMutation::Append(extra) => {
            if !extra.is_empty() {
                signature.extend_from_slice(extra);
                signed_by = None;
            }
        }
        // Still a valid ECDSA signature by the same key over the same bytes.
        SigMutation::HighS => signature = high_s(&signature),
        SigMutation::Der => {
            let encoded = der(&signature);
            if encoded != signature {
                signature = encoded;
                signed_by = None;
            }
        }
        SigMutation::LeadingZero => {
            signature.insert(0, 0);
            signed_by = None;
        }
    }
    let encode = |bytes: &[u8]| match &spec.token {
        TokenMutation::Padded => {
            let mut s = base64url::encode(bytes);
            while s.len() % 4 != 0 {
                s.push('=');
            }
            s
        }
        TokenMutation::StandardAlphabet => base64url::encode(bytes).replace('-', "+").replace('_', "/"),
        _ => base64url::encode(bytes),
    };
    let token = match &spec.token {
        TokenMutation::Raw(raw) => {
            signed_by = None;
            raw.clone()
        }
        m => {
            let text = format!("{}.{}.{}", encode(&header), encode(&payload), encode(&signature));
            let mut bytes = text.into_bytes();
            mutate_bytes(&mut bytes, m);
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if !text.starts_with(&signing_input) || !text.ends_with(&base64url::encode(&signature))
                || text.len() != signing_input.len() + 1 + base64url::encode(&signature).len()
            {
                signed_by = None;
            }
            text
        }
    };
    Built { token, signed_by }
}
