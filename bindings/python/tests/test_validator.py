"""The public API over each backend: Verdict fields, traps, threads, the HTTP surfaces."""

from __future__ import annotations

import dataclasses
import json
import threading
import unittest

import xaa_token

import suite_data


def step(case_id: str, n: int = 0) -> dict:
    return suite_data.case(case_id)["steps"][n]


def validator(backend: str, config: str = "validator", **kw) -> xaa_token.Validator:
    return xaa_token.Validator.from_config_file(suite_data.config_path(config), backend=backend,
                                                now=suite_data.now(), **kw)


class Verdicts(unittest.TestCase):
    def test_valid_access_token_fields_are_the_minted_claims(self):
        s = step("baseline-access-token-valid")
        claims = json.loads(s["minted"]["payload"])  # what the token says, as minted
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend).validate_access_token(s["input"]["token"])
                self.assertIsInstance(v, xaa_token.Verdict)
                self.assertTrue(v.valid)
                self.assertTrue(v)
                self.assertEqual(v.code, "valid")
                self.assertEqual(v.http_status, 200)
                self.assertIsNone(v.oauth_error)
                self.assertEqual(v.issuer, claims["iss"])
                self.assertEqual(v.subject, claims["sub"])
                self.assertEqual(v.audience, (claims["aud"],))
                self.assertEqual(v.client_id, claims["client_id"])
                self.assertEqual(v.scope, claims["scope"])
                self.assertEqual(v.scopes, tuple(claims["scope"].split()))
                self.assertEqual(v.jwt_id, claims["jti"])
                self.assertEqual(v.issued_at, claims["iat"])
                self.assertEqual(v.expires_at, claims["exp"])
                self.assertEqual(v.resource, ())
                self.assertEqual(v.claims, claims)
                with self.assertRaises(dataclasses.FrozenInstanceError):
                    v.valid = False  # type: ignore[misc]

    def test_valid_id_jag_carries_its_resource(self):
        s = step("baseline-id-jag-valid")
        claims = json.loads(s["minted"]["payload"])
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend).validate_id_jag(s["input"]["token"],
                                                       s["input"]["client_id"])
                self.assertEqual(v.code, "valid")
                self.assertEqual(v.resource, (claims["resource"],))
                self.assertEqual(v.claims["amr"], claims["amr"])

    def test_refused_access_token(self):
        s = step("S01")
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend).validate_access_token(s["input"]["token"])
                self.assertFalse(v.valid)
                self.assertFalse(v)
                self.assertEqual(v.code, "malformed")
                self.assertEqual(v.oauth_error, "invalid_token")
                self.assertEqual(v.http_status, 401)
                self.assertTrue(v.www_authenticate.startswith("Bearer "))
                self.assertTrue(v.description)
                self.assertEqual(v.claims, {})
                self.assertIsNone(v.subject)
                self.assertEqual(v.audience, ())

    def test_per_call_clock(self):
        s = step("baseline-access-token-valid")
        exp = json.loads(s["minted"]["payload"])["exp"]
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend, config="validator")
                self.assertEqual(v.validate_access_token(s["input"]["token"],
                                                         now=exp + 3600).code, "expired")

    def test_replay_is_refused_across_instances(self):
        steps = suite_data.case("baseline-id-jag-single-use")["steps"]
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend, instances=2)
                codes = [v.validate_id_jag(st["input"]["token"], st["input"]["client_id"]).code
                         for st in steps]
                self.assertEqual(codes, [st["expect"]["verdict"] for st in steps])

    def test_fast_constructors_make_the_dataclass_verdict(self):
        from xaa_token import results
        self.assertEqual(
            results.valid_verdict("i", "s", ("a",), "c", "x y", ("r",), "j", 1, 2, '{"k":1}'),
            xaa_token.Verdict(True, "valid", None, 200, None, None, "i", "s", "c", "x y", "j",
                              ("a",), ("r",), 1, 2, '{"k":1}'))
        r = results.rejected_verdict("expired", "invalid_token", 401, "Bearer", "d")
        self.assertEqual(r, xaa_token.Verdict(False, "expired", "invalid_token", 401, "Bearer",
                                              "d"))
        self.assertEqual((r.claims, r.scopes, r.audience), ({}, (), ()))

    def test_every_backend_runs_the_packaged_component(self):
        import hashlib
        with open(xaa_token.COMPONENT_PATH, "rb") as f:
            want = hashlib.sha256(f.read()).hexdigest()
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                self.assertEqual(validator(backend).component_sha256, want)

    def test_backend_name(self):
        for backend in suite_data.backends():
            self.assertEqual(validator(backend).backend, backend)

    def test_wrong_argument_types_raise_type_error(self):
        for backend in suite_data.backends():
            with self.subTest(backend=backend), self.assertRaises(TypeError):
                validator(backend).validate_access_token(b"bytes")  # type: ignore[arg-type]


class Traps(unittest.TestCase):
    """A trap (here: an input larger than the instance's memory cap) is a refusal, never an
    exception, and the instance is replaced: the next call is judged normally."""

    def test_huge_token_is_internal_error_then_service_continues(self):
        s = step("baseline-access-token-valid")
        huge = "a" * (96 * 1024 * 1024)  # beyond the 64 MiB memory cap
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend)
                r = v.validate_access_token(huge)
                self.assertFalse(r.valid)
                self.assertEqual(r.code, xaa_token.INTERNAL_ERROR)
                self.assertEqual(r.http_status, 500)
                self.assertEqual(r.oauth_error, "server_error")
                self.assertEqual(v.validate_access_token(s["input"]["token"]).code, "valid")


class Threads(unittest.TestCase):
    def test_many_threads_share_two_instances(self):
        good = step("baseline-access-token-valid")["input"]["token"]
        bad = step("S01")["input"]["token"]
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend, instances=2)
                errors: list[str] = []

                def work(i: int) -> None:
                    for j in range(40):
                        token, want = (good, "valid") if (i + j) % 2 else (bad, "malformed")
                        got = v.validate_access_token(token).code
                        if got != want:
                            errors.append(f"thread {i} call {j}: {got} != {want}")

                threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                self.assertEqual(errors, [])


class Call(unittest.TestCase):
    def test_unknown_function_and_bad_arguments_raise_value_error(self):
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                v = validator(backend)
                with self.assertRaises(ValueError):
                    v.call("client.no-such-function", [])
                with self.assertRaises(ValueError):
                    v.call("client.basic-authorization", ["only one"])
                with self.assertRaises(ValueError):
                    v.call("client.basic-authorization", [1, 2])

    def test_backends_answer_in_one_shape(self):
        """`call` returns the bindings' serde shape on both backends: the same JSON."""
        if len(suite_data.backends()) < 2:
            self.skipTest("needs both backends")
        good = step("baseline-access-token-valid")["input"]["token"]
        jws = step(next(c["id"] for c in suite_data.suite()["cases"]
                        if c["steps"][0]["input"]["kind"] == "jws"))["input"]
        calls = [
            ("validator.explain-access-token", [good]),
            ("validator.explain-access-token", ["not.a.token"]),
            ("validator.verify-jws-signature", [jws["token"], jws["jwks"], jws["algorithms"]]),
            ("validator.take-token-cache-stats", []),
            ("validator.pending-jwks-fetches", []),
            ("validator.gateway-http", [{"method": "GET", "path": "/mcp", "headers": [],
                                         "body": []}]),
            ("client.read-token-response", ["JwtBearer", 200, '{"access_token":"x",'
                                            '"token_type":"Bearer","expires_in":60}']),
            ("client.token-exchange-body", ["t", "IdToken", "https://as", None, "a b"]),
            ("client.resource-metadata-from-challenge", ["Bearer realm=x"]),
            ("keys.client-secret-digest", ["secret"]),
            ("keys.signing-key-thumbprint", ["{}"]),
        ]
        vs = {b: validator(b) for b in suite_data.backends()}
        for function, args in calls:
            with self.subTest(function=function):
                got = {b: v.call(function, args) for b, v in vs.items()}
                self.assertEqual(got["native"], got["wasmtime"])

    def test_explain_has_checks(self):
        s = step("baseline-access-token-valid")
        for backend in suite_data.backends():
            with self.subTest(backend=backend):
                e = validator(backend).call("validator.explain-access-token",
                                            [s["input"]["token"]])
                self.assertIn("Valid", e["verdict"])
                self.assertTrue(e["checks"])
                self.assertTrue(all(c["outcome"] in ("Passed", "Skipped") for c in e["checks"]))


if __name__ == "__main__":
    unittest.main()
