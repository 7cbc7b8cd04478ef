"""The `mcp` SDK hooks (xaa_token.mcp) with the real component: every token is minted here with
a key made here, every expected value is written here.

Also the keys, configurations and token minting the other test_sdk_* modules use.
Run: python -m unittest discover -s bindings/python/tests -p 'test_sdk_*.py'
(in the examples' virtual environment: scripts/python-examples --tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import tempfile
import unittest
from pathlib import Path

# These tests need the SDKs (bindings/python/examples/requirements.txt); scripts/python-examples
# installs them and sets XAA_SDK_TESTS_REQUIRED=1, so there a missing SDK fails. Elsewhere (a
# plain `unittest discover` of the package's tests) they are skipped.
try:
    import mcp  # noqa: F401
except ImportError:
    if os.environ.get("XAA_SDK_TESTS_REQUIRED"):
        raise
    raise unittest.SkipTest("the mcp SDK is not installed: scripts/python-examples runs these tests") from None

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizeError,
    AuthorizationParams,
    IdentityAssertionParams,
    RegistrationError,
    TokenError,
    principal_components,
)
from mcp.shared.auth import OAuthClientInformationFull

import xaa_token
from xaa_token.mcp import XaaIdentityAssertionProvider, XaaTokenVerifier, XaaUnavailable

NOW = 1_900_000_000  # a fixed clock (2030-03-17), the component's and the provider's
AS = "https://as.example.com"
IDP = "https://idp.example.com"
RESOURCE = "https://mcp.example.com/mcp"
RESOURCE_2 = "https://files.example.com/mcp"
CLIENT_SECRET = "s3cret-of-agent-1-for-tests-only"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Key:
    """A P-256 key with a `kid`: signs tokens, publishes its public JWK."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public_jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key())), "kid": kid, "alg": "ES256", "use": "sig"}
        self.private_jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private)), "kid": kid, "alg": "ES256", "use": "sig"}

    def sign(self, claims: dict, typ: str) -> str:
        return jwt.encode(claims, self.private, algorithm="ES256", headers={"typ": typ, "kid": self.kid})


AS_KEY, IDP_KEY, STRANGER_KEY = Key("as-1"), Key("idp-1"), Key("as-1")  # the stranger reuses the AS key's kid
WORK = Path(tempfile.mkdtemp(prefix="xaa-test-sdk-"))


def write(name: str, text: str) -> str:
    (WORK / name).write_text(text)
    return str(WORK / name)


write("as.jwks", json.dumps({"keys": [AS_KEY.public_jwk]}))
write("idp.jwks", json.dumps({"keys": [IDP_KEY.public_jwk]}))
write("as.jwk", json.dumps(AS_KEY.private_jwk))
RESOURCE_TOML = write(
    "resource.toml",
    f'[resource_server]\nresource = "{RESOURCE}"\nissuer = "{AS}"\njwks_file = "as.jwks"\nalgorithms = ["ES256"]\n',
)
AS_TOML = write(
    "as.toml",
    f"""[authorization_server]
issuer = "{AS}"
resources = ["{RESOURCE}", "{RESOURCE_2}"]

[[trusted_issuers]]
issuer = "{IDP}"
jwks_file = "idp.jwks"
algorithms = ["ES256"]

[token_endpoint]
signing_keys = ["as.jwk"]

[[clients]]
client_id = "agent-1"
auth_method = "client_secret_post"
client_secret_sha256 = "{hashlib.sha256(CLIENT_SECRET.encode()).hexdigest()}"
resources = ["{RESOURCE}", "{RESOURCE_2}"]
scopes = ["chat.read"]
""",
)


def validator(config: str, now: int = NOW) -> "xaa_token.Validator":
    """XAA_TOKEN_BACKEND (auto, native, wasmtime) picks the backend, as in the examples."""
    return xaa_token.Validator.from_config_file(config, now=now, backend=os.environ.get("XAA_TOKEN_BACKEND", "auto"))


def access_token(key: Key = AS_KEY, typ: str = "at+jwt", **changes: object) -> tuple[str, dict]:
    """An RFC 9068 access token for RESOURCE, valid at NOW, with `changes` (None removes)."""
    claims = {
        "iss": AS,
        "sub": "alice",
        "aud": RESOURCE,
        "client_id": "agent-1",
        "scope": "chat.read chat.write",
        "iat": NOW - 10,
        "exp": NOW + 290,
        "jti": "at-1",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return key.sign(claims, typ), claims


ID_JAG_SERIAL = iter(range(1, 1_000_000))


def id_jag(**changes: object) -> str:
    """An ID-JAG of IDP for AS, client agent-1, resource RESOURCE, valid at NOW, a fresh jti."""
    claims = {
        "iss": IDP,
        "sub": "alice",
        "aud": AS,
        "client_id": "agent-1",
        "resource": RESOURCE,
        "scope": "chat.read chat.write",
        "iat": NOW - 5,
        "exp": NOW + 240,
        "jti": f"id-jag-{next(ID_JAG_SERIAL)}",
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return IDP_KEY.sign(claims, "oauth-id-jag+jwt")


def run(coro):
    return asyncio.run(coro)


class TokenVerifierTest(unittest.TestCase):
    """XaaTokenVerifier: the SDK's TokenVerifier protocol."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.validator = validator(RESOURCE_TOML)

    def test_every_access_token_field_comes_from_the_verified_token(self) -> None:
        token, claims = access_token()
        got = run(XaaTokenVerifier(self.validator).verify_token(token))
        self.assertIsInstance(got, AccessToken)
        self.assertEqual(got.token, token)
        self.assertEqual(got.client_id, "agent-1")
        self.assertEqual(got.scopes, ["chat.read", "chat.write"])
        self.assertEqual(got.expires_at, NOW + 290)
        self.assertEqual(got.resource, RESOURCE)
        self.assertEqual(got.subject, "alice")
        self.assertEqual(got.claims, claims)
        self.assertEqual(principal_components(got), ("agent-1", AS, "alice"))

    def test_no_scope_is_no_scopes(self) -> None:
        token, _ = access_token(scope=None)
        got = run(XaaTokenVerifier(self.validator).verify_token(token))
        self.assertIsNotNone(got)
        self.assertEqual(got.scopes, [])

    def test_resource_of_a_token_with_several_audiences(self) -> None:
        token, _ = access_token(aud=[RESOURCE, RESOURCE_2], jti="at-2")
        self.assertIsNone(run(XaaTokenVerifier(self.validator).verify_token(token)).resource)
        named = run(XaaTokenVerifier(self.validator, resource=RESOURCE).verify_token(token))
        self.assertEqual(named.resource, RESOURCE)

    def test_refused_tokens_are_none(self) -> None:
        rows = {
            "another audience": access_token(aud=RESOURCE_2)[0],
            "another issuer": access_token(iss=IDP)[0],
            "expired beyond the 60 s leeway": access_token(iat=NOW - 400, exp=NOW - 61)[0],
            "issued in the future": access_token(iat=NOW + 120, exp=NOW + 400)[0],
            "signed by a stranger with the AS key's kid": access_token(key=STRANGER_KEY)[0],
            "typ JWT, not at+jwt": access_token(typ="JWT")[0],
            "no client_id": access_token(client_id=None)[0],
            "an ID-JAG": id_jag(),
            "not a JWS": "not-a-token",
            "empty": "",
        }
        verifier = XaaTokenVerifier(self.validator)
        for row, token in rows.items():
            with self.subTest(row):
                self.assertIsNone(run(verifier.verify_token(token)))

    def test_expiry_within_the_leeway_is_reported_as_it_is(self) -> None:
        # The component accepts a token up to 60 s past `exp` (its leeway); expires_at stays the
        # token's own `exp`, so the SDK's BearerAuthBackend (expires_at < now) still refuses it.
        token, _ = access_token(iat=NOW - 300, exp=NOW - 30)
        got = run(XaaTokenVerifier(self.validator).verify_token(token))
        self.assertIsNotNone(got)
        self.assertEqual(got.expires_at, NOW - 30)

    def test_the_same_answers_without_the_thread_hop(self) -> None:
        good, _ = access_token()
        bad, _ = access_token(aud=RESOURCE_2)
        inline = XaaTokenVerifier(self.validator, offload=False)
        self.assertEqual(run(inline.verify_token(good)).subject, "alice")
        self.assertIsNone(run(inline.verify_token(bad)))

    def test_a_refusal_is_logged_by_code_never_the_token(self) -> None:
        token, _ = access_token(aud=RESOURCE_2)
        with self.assertLogs("xaa_token.mcp", level=logging.DEBUG) as logs:
            self.assertIsNone(run(XaaTokenVerifier(self.validator).verify_token(token)))
        self.assertEqual(logs.output, ["DEBUG:xaa_token.mcp:access token refused: audience_mismatch"])


def client(scope: str | None = "chat.read") -> OAuthClientInformationFull:
    return OAuthClientInformationFull(
        client_id="agent-1",
        client_secret=CLIENT_SECRET,
        token_endpoint_auth_method="client_secret_post",
        grant_types=[JWT_BEARER],
        scope=scope,
    )


class IdentityAssertionProviderTest(unittest.TestCase):
    """XaaIdentityAssertionProvider.exchange_identity_assertion and the tokens it keeps."""

    def provider(self, now: int = NOW, **options) -> XaaIdentityAssertionProvider:
        return XaaIdentityAssertionProvider(validator(AS_TOML, now), [client()], clock=lambda: now, **options)

    def exchange(self, provider, assertion: str, scopes=None, resource=None, who=None):
        params = IdentityAssertionParams(assertion=assertion, scopes=scopes, resource=resource)
        return run(provider.exchange_identity_assertion(who or client(), params))

    def refusal(self, provider, assertion: str, **kwargs) -> TokenError:
        with self.assertRaises(TokenError) as caught:
            self.exchange(provider, assertion, **kwargs)
        return caught.exception

    def test_a_valid_id_jag_gets_an_opaque_bearer_token_the_provider_loads(self) -> None:
        provider = self.provider()
        issued = self.exchange(provider, id_jag())
        self.assertEqual(issued.token_type, "Bearer")
        self.assertEqual(issued.expires_in, 240)  # min(300 s lifetime, the ID-JAG's exp - now)
        self.assertEqual(issued.scope, "chat.read")  # ID-JAG's chat.read chat.write ∩ the client's chat.read
        self.assertIsNone(issued.refresh_token)
        self.assertEqual(len(issued.access_token), 43)  # 256 bits, base64url
        loaded = run(provider.load_access_token(issued.access_token))
        self.assertEqual(
            (loaded.client_id, loaded.scopes, loaded.expires_at, loaded.resource, loaded.subject),
            ("agent-1", ["chat.read"], NOW + 240, RESOURCE, "alice"),
        )
        self.assertEqual(principal_components(loaded), ("agent-1", IDP, "alice"))
        self.assertIsNone(run(provider.load_access_token("an-unknown-token")))

    def test_the_lifetime_is_the_configured_one_when_shorter(self) -> None:
        issued = self.exchange(self.provider(access_token_lifetime=60), id_jag())
        self.assertEqual(issued.expires_in, 60)

    def test_an_issued_token_expires(self) -> None:
        provider = self.provider()
        issued = self.exchange(provider, id_jag())
        provider.clock = lambda: NOW + 240
        self.assertIsNone(run(provider.load_access_token(issued.access_token)))

    def test_revoked(self) -> None:
        provider = self.provider()
        issued = self.exchange(provider, id_jag())
        run(provider.revoke_token(run(provider.load_access_token(issued.access_token))))
        self.assertIsNone(run(provider.load_access_token(issued.access_token)))

    def test_refused_assertions_are_invalid_grant_with_one_description(self) -> None:
        other_client = client().model_copy(update={"client_id": "agent-2"})
        rows = {
            "another audience": (id_jag(aud="https://other-as.example.com"), client()),
            "another client": (id_jag(), other_client),
            "expired": (id_jag(iat=NOW - 400, exp=NOW - 100), client()),
            "lifetime over 300 s": (id_jag(exp=NOW + 600), client()),
            "an untrusted issuer": (id_jag(iss="https://evil.example.com"), client()),
            "a resource not served here": (id_jag(resource="https://else.example.com/mcp"), client()),
            "an access token": (access_token()[0], client()),
        }
        provider = self.provider()
        for row, (assertion, who) in rows.items():
            with self.subTest(row):
                e = self.refusal(provider, assertion, who=who)
                self.assertEqual((e.error, e.error_description), ("invalid_grant", "The assertion is not valid for this request"))

    def test_an_id_jag_is_single_use(self) -> None:
        provider, assertion = self.provider(), id_jag()
        self.exchange(provider, assertion)
        self.assertEqual(self.refusal(provider, assertion).error, "invalid_grant")

    def test_resource(self) -> None:
        provider = self.provider()
        two = id_jag(resource=[RESOURCE, RESOURCE_2])
        self.assertEqual(self.refusal(provider, two).error, "invalid_target")
        self.assertEqual(self.refusal(provider, id_jag(), resource=RESOURCE_2).error, "invalid_target")
        issued = self.exchange(provider, id_jag(resource=[RESOURCE, RESOURCE_2]), resource=RESOURCE_2)
        self.assertEqual(run(provider.load_access_token(issued.access_token)).resource, RESOURCE_2)

    def test_scope(self) -> None:
        provider = self.provider()
        self.assertEqual(self.refusal(provider, id_jag(), scopes=["admin"]).error, "invalid_scope")
        self.assertEqual(self.refusal(provider, id_jag(), scopes=["chat.write"]).error, "invalid_scope")
        no_scope_client = client(scope=None)
        self.assertEqual(self.refusal(provider, id_jag(), who=no_scope_client).error, "invalid_scope")
        issued = self.exchange(provider, id_jag(), scopes=["chat.read", "admin"])
        self.assertEqual(issued.scope, "chat.read")
        unscoped = self.exchange(provider, id_jag(scope=None))
        self.assertIsNone(unscoped.scope)

    def test_keys_unreachable_is_not_an_invalid_grant(self) -> None:
        unreachable = write(
            "as-unreachable.toml",
            Path(AS_TOML).read_text().replace('jwks_file = "idp.jwks"', 'jwks_uri = "http://127.0.0.1:9/jwks.json"'),
        )
        provider = XaaIdentityAssertionProvider(validator(unreachable), [client()], clock=lambda: NOW)
        with self.assertRaises(XaaUnavailable):
            self.exchange(provider, id_jag())

    def test_every_other_door_is_shut(self) -> None:
        provider = self.provider()
        self.assertEqual(run(provider.get_client("agent-1")).client_id, "agent-1")
        self.assertIsNone(run(provider.get_client("agent-2")))
        with self.assertRaises(RegistrationError):
            run(provider.register_client(client()))
        params = AuthorizationParams(
            state=None, scopes=None, code_challenge="x" * 43, redirect_uri="http://127.0.0.1/cb", redirect_uri_provided_explicitly=True
        )
        with self.assertRaises(AuthorizeError):
            run(provider.authorize(client(), params))
        self.assertIsNone(run(provider.load_authorization_code(client(), "code")))
        self.assertIsNone(run(provider.load_refresh_token(client(), "refresh")))


if __name__ == "__main__":
    unittest.main()
