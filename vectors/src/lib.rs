//! # xaa-vectors: the conformance suite's vector format, `xaa-conformance/1`
//!
//! Documented in `tests/vectors/conformance/README.md`. One definition for both sides: the
//! test kit's generator (`xaa-testkit`) writes `tests/vectors/conformance/suite.json` with
//! these types and `xaa conformance run` reads it with them. Only serde here: no minting, no
//! component.
//!
//!
//! A suite is a pinned clock, named configurations (TOML as users write it, plus the files it
//! names) and cases. A case checks one spec rule or catalog row: it names them, says in one
//! line what it checks, and holds one or more steps that run in order on ONE fresh instance
//! of the named configuration (so a replay is two steps). A step is an input — a token for a
//! validator, a JWS for the signature layer alone, or an HTTP request for one of the
//! component's HTTP surfaces, or a call of one function of the `client` interface — and its
//! expected outcome: a verdict code, an HTTP status with the OAuth `error` and the log-only
//! verdict code, or the client function's result as JSON with the reason it is right.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The format identifier.
pub const FORMAT: &str = "xaa-conformance/1";

/// A whole suite.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// [`FORMAT`].
    pub format: String,
    /// What this is, for a person.
    pub description: String,
    /// The pinned clock (Unix seconds) unless a case sets its own.
    pub now: i64,
    /// Named configurations.
    pub configs: BTreeMap<String, ConfigFiles>,
    /// The cases, in order.
    pub cases: Vec<Case>,
}

/// One configuration: `xaa.toml` text and the files it names (relative paths).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFiles {
    /// The TOML.
    pub toml: String,
    /// File name → contents.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// One case.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id, e.g. `S01`, `3b-07-aud-array-of-two`, `wycheproof-es256-12`.
    pub id: String,
    /// One line: what is checked.
    pub title: String,
    /// Where the rule lives, for grouping: e.g. `security.md §1 S`, `specs.md §3b`.
    pub section: String,
    /// The rule or catalog row, e.g. `S01`, `§3b rule 7`, `RFC 7515 §5.2`.
    pub rule: String,
    /// The configuration (a key of [`Suite::configs`]).
    pub config: String,
    /// The clock for this case, when not the suite's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<i64>,
    /// The steps, run in order on one fresh instance.
    pub steps: Vec<Step>,
}

/// One input and what must come out.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// The input.
    pub input: Input,
    /// How a minted token was made (header and payload text, signer), for `--explain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minted: Option<Value>,
    /// The expected outcome.
    pub expect: Expect,
}

/// An input.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Input {
    /// `validate-id-jag(token, client-id)` at the resource authorization server.
    IdJag {
        /// The token.
        token: String,
        /// The presenting client.
        client_id: String,
    },
    /// `validate-access-token(token)` at the resource server.
    AccessToken {
        /// The token.
        token: String,
    },
    /// `verify-jws-signature(token, jwks, algorithms)`: the JWS layer alone (Wycheproof).
    Jws {
        /// The token.
        token: String,
        /// The JWK Set text.
        jwks: String,
        /// Allowed `alg` names.
        algorithms: Vec<String>,
    },
    /// A request to `authorization-server-http`.
    AsHttp {
        /// The request.
        request: HttpRequest,
    },
    /// A request to `identity-provider-http`.
    IdpHttp {
        /// The request.
        request: HttpRequest,
    },
    /// A request to `resource-server-http`.
    ResourceHttp {
        /// The request.
        request: HttpRequest,
    },
    /// A call of one function of the `client` interface (pure: no configuration needed).
    Client {
        /// The WIT function name, e.g. `basic-authorization`.
        function: String,
        /// Its arguments by snake_case WIT parameter name: strings, numbers, enum cases by
        /// their WIT names, `null` for an absent option.
        args: serde_json::Map<String, Value>,
    },
}

/// An HTTP request (body as text; form bodies are text).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Header fields, in order.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Body.
    #[serde(default)]
    pub body: String,
}

/// An expected outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Expect {
    /// A validator verdict: `valid` (or `signature-valid` for a [`Input::Jws`]) or the
    /// rejection code (README verdict-code table).
    Verdict {
        /// The verdict.
        verdict: String,
    },
    /// An HTTP outcome.
    Http {
        /// Status.
        status: u16,
        /// The JSON body's `error`, when the response is an OAuth error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The response's `verdict-code` (log only), when one must be given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verdict_code: Option<String>,
    },
    /// A `client` function's result as JSON: an option is its value or `null`; a result is
    /// `{"ok": ...}` or `{"err": message}`; a record an object with snake_case field names; a
    /// variant `{"<case>": payload}`; an enum its WIT name; a u64 above 2^53 - 1 its decimal
    /// string; a trap `"<trap>"`.
    Output {
        /// The result.
        output: Value,
        /// Why this is the right result (the rule it follows), for a person.
        reason: String,
    },
}

impl Expect {
    /// A verdict.
    pub fn verdict(code: &str) -> Self {
        Expect::Verdict {
            verdict: code.to_owned(),
        }
    }

    /// An HTTP status and OAuth error (`None`: a success or a non-OAuth response).
    pub fn http(status: u16, error: Option<&str>) -> Self {
        Expect::Http {
            status,
            error: error.map(str::to_owned),
            verdict_code: None,
        }
    }

    /// An HTTP status and OAuth error, and the log-only verdict code behind it.
    pub fn http_code(status: u16, error: &str, verdict_code: &str) -> Self {
        Expect::Http {
            status,
            error: Some(error.to_owned()),
            verdict_code: Some(verdict_code.to_owned()),
        }
    }
}

impl Step {
    /// A JWS for the signature layer alone.
    pub fn jws(token: &str, jwks: &str, algorithms: &[&str], expect: &str) -> Self {
        Step {
            input: Input::Jws {
                token: token.to_owned(),
                jwks: jwks.to_owned(),
                algorithms: algorithms.iter().map(|a| (*a).to_owned()).collect(),
            },
            minted: None,
            expect: Expect::verdict(expect),
        }
    }

    /// A call of a `client` function and its expected result.
    pub fn client(
        function: &str,
        args: serde_json::Map<String, Value>,
        output: Value,
        reason: &str,
    ) -> Self {
        Step {
            input: Input::Client {
                function: function.to_owned(),
                args,
            },
            minted: None,
            expect: Expect::Output {
                output,
                reason: reason.to_owned(),
            },
        }
    }

    /// A request to one of the HTTP surfaces.
    pub fn http(input: Input, expect: Expect) -> Self {
        Step {
            input,
            minted: None,
            expect,
        }
    }
}

impl Case {
    /// A case with no steps yet.
    pub fn new(id: &str, section: &str, rule: &str, config: &str, title: &str) -> Self {
        Case {
            id: id.to_owned(),
            title: title.to_owned(),
            section: section.to_owned(),
            rule: rule.to_owned(),
            config: config.to_owned(),
            now: None,
            steps: Vec::new(),
        }
    }

    /// Adds a step.
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Sets the clock.
    pub fn at(mut self, now: i64) -> Self {
        self.now = Some(now);
        self
    }
}

impl HttpRequest {
    /// A `GET`.
    pub fn get(path: &str) -> Self {
        HttpRequest {
            method: "GET".into(),
            path: path.into(),
            headers: Vec::new(),
            body: String::new(),
        }
    }
}

impl Suite {
    /// Reads a suite from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The suite as the committed file holds it: pretty-printed JSON and a final newline.
    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string_pretty(self)
            .map(|text| text + "\n")
            .map_err(|e| format!("encoding the suite: {e}"))
    }
}
