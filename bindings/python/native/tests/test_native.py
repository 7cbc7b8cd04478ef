"""Tests of the native extension `xaa_token._native` (bindings/python/native), stdlib only.

Builds nothing. It installs the built library the way the Python package does (as
`xaa_token/_native.abi3.so` in a temporary directory) and imports it from there:

    cargo build --release --workspace                  # target/release/libxaa_token_native.so
    target/release/xaa conformance configs --out /tmp/configs.json
    XAA_NATIVE_SO=target/release/libxaa_token_native.so XAA_CONFIGS=/tmp/configs.json \\
        python3 bindings/python/native/tests/test_native.py -v

Optional: XAA_SUITE (default tests/vectors/conformance/suite.json), XAA_WASM (a component
file, default target/release/xaa_token.wasm, for the `wasm=` argument), XAA_WIT (default
wit/xaa.wit: the parameter order of the `client` functions).

It runs every case of the suite (id-jag, access-token, jws, HTTP and client) and prints
`native extension: N/M suite cases agree`, then `native extension: N passed, N failed`.
Every expected outcome comes from the conformance suite (hand-written `expect` of each case)
or is written here by hand; none is computed by the code under test.
"""

import base64
import concurrent.futures
import hashlib
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SUITE = Path(os.environ.get("XAA_SUITE", ROOT / "tests/vectors/conformance/suite.json"))
WASM = Path(os.environ.get("XAA_WASM", ROOT / "target/release/xaa_token.wasm"))
WIT = Path(os.environ.get("XAA_WIT", ROOT / "wit/xaa.wit"))

native = None  # the module, imported by setUpModule
CHECKED = {}  # suite cases run, by test
AGREED = set()  # ids of the suite cases a passing test ran
suite = None
configs = None
_tmp = None


def setUpModule():
    global native, suite, configs, _tmp
    so = os.environ.get("XAA_NATIVE_SO")
    conf = os.environ.get("XAA_CONFIGS")
    if not so or not conf:
        raise RuntimeError("set XAA_NATIVE_SO (the built library) and XAA_CONFIGS "
                           "(xaa conformance configs --out FILE); see this file's docstring")
    _tmp = tempfile.mkdtemp(prefix="xaa-native-test-")
    pkg = Path(_tmp, "xaa_token")
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    shutil.copyfile(so, pkg / "_native.abi3.so")
    sys.path.insert(0, _tmp)
    import xaa_token._native as module  # noqa: E402 (the file installed just above)
    native = module
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    if suite.get("format") != "xaa-conformance/1":
        raise RuntimeError(f"{SUITE}: unknown format {suite.get('format')!r}")
    doc = json.loads(Path(conf).read_text(encoding="utf-8"))
    if doc.get("format") != "xaa-conformance-configs/1":
        raise RuntimeError(f"{conf}: unknown format {doc.get('format')!r}")
    configs = doc["configs"]


def tearDownModule():
    if _tmp:
        shutil.rmtree(_tmp, ignore_errors=True)


def config_json(name):
    entry = configs[name]
    if "config" not in entry:
        raise AssertionError(f"config {name!r} does not load: {entry.get('error')}")
    return json.dumps(entry["config"])


def case_now(case):
    return int(case.get("now", suite["now"]))


def cases_of(*kinds):
    """The suite's cases whose every step is one of `kinds`."""
    return [c for c in suite["cases"] if {s["input"]["kind"] for s in c["steps"]} <= set(kinds)]


def first_case(kind, *expects):
    """The first case of `kind` whose steps expect exactly these verdicts."""
    for c in cases_of(kind):
        if [s["expect"].get("verdict") for s in c["steps"]] == list(expects):
            return c
    raise AssertionError(f"the suite has no {kind} case expecting {expects}")


def verdict_code(v):
    """The suite's name for a verdict tuple."""
    return "valid" if v[0] == "valid" else v[1]


def meets(expect, got):
    """None when the verdict `got` is what `expect` asks, else why not (README: `rejected`
    accepts any rejection)."""
    want = expect["verdict"]
    if got == want or (want == "rejected" and got not in ("valid", "signature-valid")):
        return None
    return f"expected {want}, got {got}"


def http_outcome(response):
    """What the suite compares of a response: status, the JSON body's `error`, verdict code."""
    status, _headers, body, code, _audit = response
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError:
        doc = None
    error = doc.get("error") if isinstance(doc, dict) else None
    return status, error if isinstance(error, str) else None, code


HTTP_ROLES = {"as-http": "authorization-server", "idp-http": "identity-provider",
              "resource-http": "resource-server"}


def wit_client_functions():
    """The `client` interface's functions from the WIT: name -> ([(param, type)], result)."""
    text = WIT.read_text(encoding="utf-8")
    body = re.search(r"interface client \{(.*?)\n\}", text, re.S).group(1)
    functions = {}
    for name, params, result in re.findall(r"^\s*([a-z0-9-]+): func\((.*?)\) -> (.+);$", body, re.M):
        pairs = [p.split(":", 1) for p in params.split(", ")] if params else []
        functions[name] = ([(n.strip().lstrip("%"), t.strip()) for n, t in pairs], result.strip())
    return functions


def serde_enum(wit_name):
    """A WIT enum case in the bindings' serde shape: `id-token` -> `IdToken`."""
    return "".join(part.capitalize() for part in wit_name.split("-"))


class VerdictCases(unittest.TestCase):
    """Every ID-JAG and access-token case of the suite, each on a fresh engine at its `now`."""

    def run_cases(self, accelerators):
        cases = cases_of("id-jag", "access-token")
        self.assertGreater(len(cases), 100)
        failures = []
        for case in cases:
            engine = native.Engine(config_json(case["config"]), now=case_now(case),
                                   accelerators=accelerators)
            for n, step in enumerate(case["steps"], 1):
                i = step["input"]
                if i["kind"] == "id-jag":
                    v = engine.validate_id_jag(i["token"], i["client_id"])
                else:
                    v = engine.validate_access_token(i["token"])
                why = meets(step["expect"], verdict_code(v))
                if why:
                    failures.append(f"{case['id']} step {n}: {why}")
        self.assertEqual(failures, [])
        CHECKED[f"id-jag+access-token ({'native' if accelerators else 'pure-Rust'})"] = len(cases)
        AGREED.update(c["id"] for c in cases)

    def test_native_verifier(self):
        self.run_cases(accelerators=True)

    def test_pure_rust_verifier(self):
        self.run_cases(accelerators=False)


class JwsCases(unittest.TestCase):
    """Every `jws` case (Wycheproof and the RFC examples) through the generic `call`."""

    def test_all(self):
        cases = cases_of("jws")
        self.assertGreater(len(cases), 100)
        engine = native.Engine.unconfigured()
        failures = []
        for case in cases:
            for step in case["steps"]:
                i = step["input"]
                out = json.loads(engine.call("validator.verify-jws-signature",
                                             json.dumps([i["token"], i["jwks"], i["algorithms"]])))
                got = "signature-valid" if "SignatureValid" in out else out["Rejected"]["code"]
                why = meets(step["expect"], got)
                if why:
                    failures.append(f"{case['id']}: {why}")
        self.assertEqual(failures, [])
        CHECKED["jws"] = len(cases)
        AGREED.update(c["id"] for c in cases)


class HttpCases(unittest.TestCase):
    """Every HTTP case of the suite through `Engine.http`."""

    def test_all(self):
        cases = cases_of(*HTTP_ROLES)
        self.assertGreater(len(cases), 100)
        failures = []
        for case in cases:
            engine = native.Engine(config_json(case["config"]), now=case_now(case))
            for n, step in enumerate(case["steps"], 1):
                r = step["input"]["request"]
                got = http_outcome(engine.http(
                    HTTP_ROLES[step["input"]["kind"]], r["method"], r["path"],
                    [tuple(h) for h in r.get("headers", [])], r.get("body", "").encode("utf-8")))
                e = step["expect"]
                want = (e["status"], e.get("error"), e.get("verdict_code", got[2]))
                if got != want:
                    failures.append(f"{case['id']} step {n}: expected {want}, got {got}")
        self.assertEqual(failures, [])
        CHECKED["http"] = len(cases)
        AGREED.update(c["id"] for c in cases)

    def test_unknown_role(self):
        engine = native.Engine(config_json("validator"))
        with self.assertRaises(ValueError):
            engine.http("gateway", "GET", "/", [], b"")


def suite_form(value):
    """A `call` result (the bindings' serde shape) in the suite's form (its README): a
    variant case `{"CamelCase": v}` as `{"kebab-case": v}` (a `result`'s `Ok`/`Err` as
    `ok`/`err`), an integer above 2^53 - 1 as its decimal string; records and options are
    the same in both."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value))[:1].isupper():
            (case, payload), = value.items()
            kebab = re.sub(r"(?<!^)([A-Z])", r"-\1", case).lower()
            return {kebab: suite_form(payload)}
        return {k: suite_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [suite_form(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value > 2**53 - 1:
        return str(value)
    return value


def json_equal(a, b):
    """JSON equality (Python's == also takes True for 1 and 1.0 for 1: not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


class ClientCases(unittest.TestCase):
    """Every `client` case of the suite through `call`, the arguments in the WIT's parameter
    order (enum arguments in the bindings' serde shape), the result in the suite's form."""

    def test_all(self):
        functions = wit_client_functions()
        engine = native.Engine.unconfigured()
        cases = cases_of("client")
        self.assertGreater(len(cases), 100)
        failures = []
        for case in cases:
            for step in case["steps"]:
                i = step["input"]
                params, _result = functions[i["function"]]
                self.assertEqual(sorted(n.replace("-", "_") for n, _ in params), sorted(i["args"]))
                args = []
                for name, ty in params:
                    value = i["args"][name.replace("-", "_")]
                    plain = ty in ("string", "option<string>", "u16")
                    args.append(value if plain else serde_enum(value))
                want = step["expect"]["output"]
                try:
                    got = suite_form(json.loads(engine.call("client." + i["function"],
                                                            json.dumps(args))))
                except native.Trap:
                    got = "<trap>"
                if not json_equal(got, want):
                    failures.append(f"{case['id']}: expected {want!r}, got {got!r}")
        self.assertEqual(failures, [])
        CHECKED["client"] = len(cases)
        AGREED.update(c["id"] for c in cases)


class Configuration(unittest.TestCase):
    def test_refused_config_lists_every_error(self):
        c = json.loads(config_json("validator"))
        c["resource_server"]["algorithms"] = ["none"]
        c["resource_server"]["issuer"] = "http://as.example.com"
        with self.assertRaises(ValueError) as raised:
            native.Engine(json.dumps(c))
        message = str(raised.exception)
        self.assertTrue(message.startswith("config: "), message)
        self.assertIn("resource_server.algorithms[0]: ", message)
        self.assertIn("resource_server.issuer: ", message)
        self.assertIn("; ", message)

    def test_not_a_config_record(self):
        good = json.loads(config_json("validator"))
        for bad in ("", "{", "[]", "null", '{"authorization_server": 5}',
                    json.dumps(dict(good, unknown_field=1)),
                    json.dumps({k: v for k, v in good.items() if k != "token_cache_size"}),
                    json.dumps(configs["validator"])):  # the file's wrapper, not the record
            with self.subTest(bad=bad[:40]), self.assertRaises(ValueError) as raised:
                native.Engine(bad)
            self.assertTrue(str(raised.exception).startswith("config: "))

    def test_from_config_file(self):
        case = first_case("access-token", "valid")
        with tempfile.TemporaryDirectory() as d:
            spec = suite["configs"][case["config"]]
            Path(d, "xaa.toml").write_text(spec["toml"], encoding="utf-8")
            for name, text in spec.get("files", {}).items():
                Path(d, name).write_text(text, encoding="utf-8")
            engine = native.Engine.from_config_file(str(Path(d, "xaa.toml")), now=case_now(case))
            self.assertEqual(verdict_code(engine.validate_access_token(
                case["steps"][0]["input"]["token"])), "valid")
            Path(d, "bad.toml").write_text("[resource_server]\nnot_a_key = 1\n", encoding="utf-8")
            with self.assertRaises(ValueError):
                native.Engine.from_config_file(str(Path(d, "bad.toml")))
            with self.assertRaises(ValueError):
                native.Engine.from_config_file(str(Path(d, "missing.toml")))

    def test_instances_bounds(self):
        for bad in (0, native.MAX_INSTANCES + 1):
            with self.subTest(instances=bad), self.assertRaises(ValueError):
                native.Engine(config_json("validator"), instances=bad)
        with self.assertRaises((ValueError, OverflowError, TypeError)):
            native.Engine(config_json("validator"), instances=-1)

    def test_component_bytes(self):
        wasm = WASM.read_bytes()
        engine = native.Engine(config_json("validator"), wasm=wasm)
        self.assertEqual(engine.component_sha256(), hashlib.sha256(wasm).hexdigest())
        self.assertRegex(native.Engine(config_json("validator")).component_sha256(), "^[0-9a-f]{64}$")
        for bad in (b"", b"\0asm\x01\0\0\0", b"not wasm at all"):
            with self.subTest(wasm=bad), self.assertRaises(ValueError) as raised:
                native.Engine(config_json("validator"), wasm=bad)
            self.assertTrue(str(raised.exception).startswith("wasm: "))


class Refusals(unittest.TestCase):
    """Hostile input is refused by the component with a verdict, never a trap or an exception."""

    GARBAGE = ["", ".", "..", "a.b.c", "a.b.c.d.e", "\0", "é.é.é", "eyJ.eyJ.", " " * 64,
               "A" * (1 << 20), "." * 100_000, "eyJhbGciOiJub25lIn0.e30.", "\ud7ff" * 1000]

    def test_garbage_tokens(self):
        engine = native.Engine(config_json("validator"), now=suite["now"])
        for token in self.GARBAGE:
            for v in (engine.validate_access_token(token), engine.validate_id_jag(token, "c")):
                with self.subTest(token=token[:20]):
                    self.assertEqual(v[0], "rejected")
                    self.assertNotEqual(v[1], "internal_error")
                    self.assertIsInstance(v[3], int)

    def test_garbage_requests(self):
        for config, role in (("token-endpoint", "authorization-server"),
                             ("identity-provider", "identity-provider"),
                             ("validator", "resource-server")):
            engine = native.Engine(config_json(config), now=suite["now"])
            for body in (b"\xff\xfe\x00", b"grant_type=" + b"%" * 10_000, b"\0" * 70_000):
                with self.subTest(role=role, body=body[:8]):
                    status, _, _, code, _ = engine.http(role, "POST", "/token",
                                                        [("Content-Type", "\x7f")], body)
                    self.assertGreaterEqual(status, 400)
                    self.assertLess(status, 500)
                    self.assertNotEqual(code, "internal_error")

    def test_call_errors_are_value_errors(self):
        engine = native.Engine(config_json("validator"))
        for function, args in (("nope", "[]"), ("client.basic-authorization", '["a"]'),
                               ("client.basic-authorization", '["a", "b", "c"]'),
                               ("client.basic-authorization", '{"client_id": "a"}'),
                               ("client.basic-authorization", "[1, 2]"),
                               ("client.basic-authorization", "not json"),
                               ("client.token-exchange-body", '["s", "id-token", "a", null, null]'),
                               ("validator.supply-jwks", '["u", {"status": 200, "body": ""}]'),
                               ("validator.pending-jwks-fetches", "[null]"),
                               ("validator.configure", "[]")):
            with self.subTest(function=function, args=args), self.assertRaises(ValueError):
                engine.call(function, args)

    def test_errors_quote_no_token(self):
        token = first_case("access-token", "valid")["steps"][0]["input"]["token"]
        engine = native.Engine(config_json("validator"))
        for function, args in (("client.read-token-response", [token, 200, "{}"]),
                               ("client.read-token-response", ["JwtBearer", token, "{}"]),
                               ("client.token-exchange-body", [token, token, "a", None, None]),
                               ("validator.validate-access-token", [token, token]),
                               ("validator.supply-jwks", [token, {"status": token}])):
            with self.subTest(function=function), self.assertRaises(ValueError) as raised:
                engine.call(function, json.dumps(args))
            self.assertNotIn(token[:20], str(raised.exception))
        with self.assertRaises(ValueError) as raised:
            native.Engine(json.dumps(dict(json.loads(config_json("validator")), token_cache_size=token)))
        self.assertNotIn(token[:20], str(raised.exception))

    def test_every_listed_function_is_known(self):
        engine = native.Engine(config_json("validator"))
        for function in native.Engine.functions():
            with self.subTest(function=function):
                # Wrong arity is a ValueError about the arguments, not "unknown function".
                try:
                    engine.call(function, '["x", "x", "x", "x", "x", "x", "x"]')
                except ValueError as e:
                    self.assertNotIn("unknown function", str(e))


class Calls(unittest.TestCase):
    def test_client_and_keys_calls(self):
        engine = native.Engine.unconfigured()
        # RFC 6749 §2.3.1: id and secret form-urlencoded, then RFC 7617 Basic.
        self.assertEqual(json.loads(engine.call("client.basic-authorization",
                                                '["Aladdin", "open sesame"]')),
                         "Basic " + base64.b64encode(b"Aladdin:open+sesame").decode())
        self.assertEqual(json.loads(engine.call("keys.client-secret-digest", '["s3cret"]')),
                         hashlib.sha256(b"s3cret").hexdigest())
        out = json.loads(engine.call("client.read-token-response", '["JwtBearer", 200, "{}"]'))
        self.assertEqual(list(out), ["Err"])

    def test_token_cache_stats_and_clear(self):
        case = first_case("access-token", "valid")
        token = case["steps"][0]["input"]["token"]
        engine = native.Engine(config_json(case["config"]), now=case_now(case))
        for _ in range(3):
            self.assertEqual(engine.validate_access_token(token)[0], "valid")
        self.assertEqual(json.loads(engine.call("validator.take-token-cache-stats", "[]")),
                         {"hits": 2, "misses": 1})
        self.assertEqual(json.loads(engine.call("validator.clear-token-cache", "[]")), None)
        engine.validate_access_token(token)
        self.assertEqual(json.loads(engine.call("validator.take-token-cache-stats", "[]")),
                         {"hits": 0, "misses": 1})

    def test_explain(self):
        case = first_case("id-jag", "valid", "replayed")
        i = case["steps"][0]["input"]
        engine = native.Engine(config_json(case["config"]), now=case_now(case))
        out = json.loads(engine.call("validator.explain-id-jag",
                                     json.dumps([i["token"], i["client_id"]])))
        self.assertIn("Valid", out["verdict"])
        self.assertTrue(out["checks"])


class Traps(unittest.TestCase):
    """A call interrupted by its time budget is refused, the instance replaced, no crash."""

    def test_interrupted_calls_then_recovery(self):
        case = first_case("access-token", "valid")
        token = case["steps"][0]["input"]["token"]
        engine = native.Engine(config_json(case["config"]), now=case_now(case), instances=2)
        engine.set_time_budget(0)
        v = engine.validate_access_token(token)
        self.assertEqual((v[0], v[1], v[2], v[3]), ("rejected", "internal_error", "server_error", 500))
        self.assertEqual(engine.validate_id_jag(token, "c")[1], "internal_error")
        with self.assertRaises(native.Trap):
            engine.call("client.basic-authorization", '["a", "b"]')
        status, _, _, code, _ = engine.http("resource-server", "GET", "/mcp", [], b"")
        self.assertEqual((status, code), (500, "internal_error"))
        engine.set_time_budget(1)
        self.assertEqual(verdict_code(engine.validate_access_token(token)), "valid")

    def test_budget_bounds(self):
        engine = native.Engine(config_json("validator"))
        for bad in (-1, float("nan"), float("inf"), 61):
            with self.subTest(seconds=bad), self.assertRaises(ValueError):
                engine.set_time_budget(bad)


class Fork(unittest.TestCase):
    @unittest.skipUnless(hasattr(os, "fork"), "POSIX only")
    def test_child_refuses_the_parents_engine(self):
        """After fork() the parent's engine has no time-limit ticker in the child: refused."""
        case = first_case("access-token", "valid")
        token = case["steps"][0]["input"]["token"]
        parent = native.Engine(config_json(case["config"]), now=case_now(case))
        pid = os.fork()
        if pid == 0:  # the child: exit 0 only if both hold
            code = 1
            try:
                try:
                    parent.validate_access_token(token)
                except RuntimeError:
                    own = native.Engine(config_json(case["config"]), now=case_now(case))
                    code = 0 if verdict_code(own.validate_access_token(token)) == "valid" else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 0)
        self.assertEqual(verdict_code(parent.validate_access_token(token)), "valid")


class Clock(unittest.TestCase):
    def test_set_now_reaches_every_instance(self):
        case = first_case("access-token", "valid")
        token, now = case["steps"][0]["input"]["token"], case_now(case)
        engine = native.Engine(config_json(case["config"]), now=now, instances=3)

        def verdicts():
            with concurrent.futures.ThreadPoolExecutor(6) as pool:
                return set(pool.map(lambda _: verdict_code(engine.validate_access_token(token)),
                                    range(60)))

        self.assertEqual(verdicts(), {"valid"})
        engine.set_now(now + 10**7)  # months after `exp`
        self.assertEqual(verdicts(), {"expired"})
        engine.set_now(None)  # the system clock: not within the token's few minutes
        if abs(time.time() - now) > 3600:
            self.assertEqual(len(verdicts() & {"valid"}), 0)
        engine.set_now(now)
        self.assertEqual(verdicts(), {"valid"})


class Threads(unittest.TestCase):
    def test_gil_is_released_during_a_call(self):
        """The component fetches its JWK Set from an HTTP server running in a Python thread
        of this process: that thread can answer only if the call released the GIL."""
        case = first_case("access-token", "valid")
        c = json.loads(config_json(case["config"]))
        jwks = c["resource_server"]["keys"]["Inline"].encode()
        served = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(jwks)))
                self.end_headers()
                self.wfile.write(jwks)

            def log_message(self, *args):
                pass

        with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler) as server:
            threading.Thread(target=server.serve_forever, daemon=True).start()
            try:
                uri = f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
                c["resource_server"]["keys"] = {"Uri": uri}
                engine = native.Engine(json.dumps(c), now=case_now(case))
                v = engine.validate_access_token(case["steps"][0]["input"]["token"])
            finally:
                server.shutdown()
        self.assertEqual(served, ["/jwks.json"])
        self.assertEqual(verdict_code(v), "valid")

    def test_single_use_across_instances(self):
        case = first_case("id-jag", "valid", "replayed")
        i = case["steps"][0]["input"]
        engine = native.Engine(config_json(case["config"]), now=case_now(case), instances=4)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda _: verdict_code(engine.validate_id_jag(i["token"], i["client_id"])),
                                range(16)))
        self.assertEqual(sorted(got), ["replayed"] * 15 + ["valid"])

    def test_many_threads_one_instance(self):
        valid = first_case("access-token", "valid")
        token = valid["steps"][0]["input"]["token"]
        engine = native.Engine(config_json(valid["config"]), now=case_now(valid), instances=1)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda n: verdict_code(engine.validate_access_token(
                token if n % 2 else "x.y.z")), range(200)))
        self.assertEqual(got.count("valid"), 100)
        self.assertEqual(got.count("malformed"), 100)


if __name__ == "__main__":
    program = unittest.main(exit=False)
    r = program.result
    failed = len(r.failures) + len(r.errors) + len(r.unexpectedSuccesses)
    print(f"suite cases checked: {', '.join(f'{k} {n}' for k, n in CHECKED.items())}")
    if suite is not None:
        print(f"native extension: {len(AGREED)}/{len(suite['cases'])} suite cases agree")
    print(f"native extension: {r.testsRun - failed - len(r.skipped)} passed, {failed} failed"
          + (f", {len(r.skipped)} skipped" if r.skipped else ""))
    sys.exit(1 if failed or not r.wasSuccessful() else 0)
