//! Building the format's steps and requests from minted tokens and forms: the format crate
//! (`xaa-vectors`) stays serde only, so the builders that need [`Minted`] or form encoding
//! live here, as traits the cases call like constructors (`Step::id_jag(...)`).

use xaa_vectors::{Expect, HttpRequest, Input, Step};

use crate::form::{basic_header, form};
use crate::mint::Minted;

/// Steps that present a minted token (its provenance goes to the step's `minted`).
pub trait MintedStep {
    /// An ID-JAG presented by `client_id`.
    fn id_jag(minted: Minted, client_id: &str, expect: &str) -> Self;
    /// An access token.
    fn access_token(minted: Minted, expect: &str) -> Self;
}

impl MintedStep for Step {
    fn id_jag(minted: Minted, client_id: &str, expect: &str) -> Self {
        Step {
            input: Input::IdJag {
                token: minted.token,
                client_id: client_id.to_owned(),
            },
            minted: minted.how,
            expect: Expect::verdict(expect),
        }
    }

    fn access_token(minted: Minted, expect: &str) -> Self {
        Step {
            input: Input::AccessToken {
                token: minted.token,
            },
            minted: minted.how,
            expect: Expect::verdict(expect),
        }
    }
}

/// Form-encoded requests.
pub trait FormPost {
    /// A `POST` with a form body, and optional Basic credentials.
    fn form_post(path: &str, basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> Self;
}

impl FormPost for HttpRequest {
    fn form_post(path: &str, basic: Option<(&str, &str)>, params: &[(&str, &str)]) -> Self {
        let mut headers = vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )];
        if let Some((id, secret)) = basic {
            headers.push(("Authorization".to_owned(), basic_header(id, secret)));
        }
        HttpRequest {
            method: "POST".into(),
            path: path.into(),
            headers,
            body: form(params),
        }
    }
}
