"""xaa_token.fastmcp.XaaTokenVerifier: FastMCP's TokenVerifier base class, the component's verdict.
Keys, configuration and tokens: test_sdk_mcp."""

from __future__ import annotations

import os
import unittest

# These tests need the SDKs (bindings/python/examples/requirements.txt); scripts/python-examples
# installs them and sets XAA_SDK_TESTS_REQUIRED=1, so there a missing SDK fails. Elsewhere (a
# plain `unittest discover` of the package's tests) they are skipped.
try:
    import fastmcp  # noqa: F401
except ImportError:
    if os.environ.get("XAA_SDK_TESTS_REQUIRED"):
        raise
    raise unittest.SkipTest("FastMCP is not installed: scripts/python-examples runs these tests") from None

from fastmcp.server.auth import AccessToken, TokenVerifier

from test_sdk_mcp import AS, NOW, RESOURCE, RESOURCE_2, RESOURCE_TOML, access_token, run, validator
from xaa_token.fastmcp import XaaTokenVerifier


class FastMCPTokenVerifierTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.verifier = XaaTokenVerifier(validator(RESOURCE_TOML), resource=RESOURCE, required_scopes=["chat.read"])

    def test_it_is_fastmcp_s_token_verifier(self) -> None:
        self.assertIsInstance(self.verifier, TokenVerifier)
        self.assertEqual(self.verifier.required_scopes, ["chat.read"])

    def test_fields(self) -> None:
        token, claims = access_token()
        got = run(self.verifier.verify_token(token))
        self.assertIsInstance(got, AccessToken)
        self.assertEqual(
            (got.token, got.client_id, got.scopes, got.expires_at, got.resource, got.subject),
            (token, "agent-1", ["chat.read", "chat.write"], NOW + 290, RESOURCE, "alice"),
        )
        self.assertEqual(got.claims, claims)
        self.assertEqual(got.claims["iss"], AS)

    def test_refused_is_none(self) -> None:
        for row, token in {
            "another audience": access_token(aud=RESOURCE_2)[0],
            "expired": access_token(iat=NOW - 400, exp=NOW - 61)[0],
            "garbage": "x.y.z",
        }.items():
            with self.subTest(row):
                self.assertIsNone(run(self.verifier.verify_token(token)))

    def test_a_missing_required_scope_is_left_to_fastmcp_s_middleware(self) -> None:
        # FastMCP answers 403 insufficient_scope for it; the verifier reports what the token holds.
        token, _ = access_token(scope="chat.write")
        self.assertEqual(run(self.verifier.verify_token(token)).scopes, ["chat.write"])


if __name__ == "__main__":
    unittest.main()
