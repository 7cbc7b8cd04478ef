#!/usr/bin/env python3
"""Runs every case of the conformance suite through the INSTALLED `xaa_token` package.

    run_suite.py [--suite tests/vectors/conformance/suite.json] [--wit wit/xaa.wit]
                 [--backend native|wasmtime|all] [--accel on|off|both] [--wasm FILE]

For each backend x accelerators setting it prints `python suite: <backend> accel=<on|off>: N/N`
and each case whose outcome differs from its hand-written `expect` on stderr; the exit status
is 1 if any case differs in any run, 2 on a setup error (a backend that cannot load counts).

Semantics as `xaa conformance run` (host/src/conformance/run.rs) and tests/python/smoke.py:
per case a fresh Validator of the case's configuration (its TOML and files written to a
directory and read with `Validator.from_config_file`, the public API), an empty replay store,
the clock fixed at the case's `now` or the suite's, the steps in order. JWK Sets are never
fetched (the suite's configurations are inline). Every input kind goes through the public
API: `validate_id_jag`, `validate_access_token`, the three `*_http` surfaces, and
`Validator.call` for `jws` (`validator.verify-jws-signature`) and `client` inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time

import xaa_token

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SUITE_FORMAT = "xaa-conformance/1"
ANY_REJECTION = "rejected"  # the expected verdict any rejection code satisfies (Wycheproof)
MAX_SAFE_INTEGER = 2**53 - 1
HTTP_SURFACES = {"as-http": "authorization_server_http", "idp-http": "identity_provider_http",
                 "resource-http": "resource_server_http"}


# ---- the client interface's signatures, read from the WIT (not restated here) -------------

def _split_top(text: str) -> list[str]:
    """Splits `a: T, b: option<list<T>>` at the commas outside angle brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "<"
        depth -= ch == ">"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]


def client_signatures(wit_path: str) -> dict[str, list[tuple[str, bool]]]:
    """Each `client` function: its parameters in order, (snake_case name, is an enum)."""
    with open(wit_path, encoding="utf-8") as f:
        wit = f.read()
    m = re.search(r"^interface client \{(.*?)^\}", wit, re.S | re.M)
    if m is None:
        raise RuntimeError(f"{wit_path}: no `interface client`")
    body = m.group(1)
    enums = set(re.findall(r"^\s*enum ([a-z0-9-]+) \{", body, re.M))
    sigs = {}
    for name, params in re.findall(r"^\s*([a-z0-9-]+): func\((.*?)\)", body, re.M):
        sigs[name] = [(p.split(":", 1)[0].strip().lstrip("%").replace("-", "_"),
                       p.split(":", 1)[1].strip() in enums) for p in _split_top(params)]
    return sigs


def camel(kebab: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in kebab.split("-"))


def render(value):
    """A result in the bindings' serde shape, as the suite writes outputs: a result or
    variant `{"Ok": v}` / `{"Issued": r}` -> `{"ok": v}` / `{"issued": r}`; a u64 above
    2^53 - 1 -> its decimal string; records (snake_case) and options as they are."""
    if isinstance(value, dict):
        if len(value) == 1:
            (k, v), = value.items()
            if k[:1].isupper():
                return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): render(v)}
        return {k: render(v) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SAFE_INTEGER:
        return str(value)
    return value


# ---- one step --------------------------------------------------------------------------------

def http_value(resp: xaa_token.HttpResponse) -> dict:
    try:
        body = json.loads(resp.body.decode("utf-8"))
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return {"status": resp.status, "error": error if isinstance(error, str) else None,
            "verdict_code": resp.verdict_code}


def client_output(v: xaa_token.Validator, sigs, function: str, args: dict):
    params = sigs.get(function)
    if params is None:
        raise RuntimeError(f"no client function {function!r} in the WIT")
    if sorted(args) != sorted(n for n, _ in params):
        raise RuntimeError(f"{function}: args {sorted(args)} are not {[n for n, _ in params]}")
    values = [camel(args[n]) if is_enum and args[n] is not None else args[n]
              for n, is_enum in params]
    try:
        return render(v.call(f"client.{function}", values))
    except ValueError:
        raise
    except Exception:  # noqa: BLE001 - a trap
        return "<trap>"


def jws_verdict(result) -> str:
    if isinstance(result, dict) and "SignatureValid" in result:
        return "signature-valid"
    if isinstance(result, dict) and "Rejected" in result:
        return result["Rejected"]["code"]
    raise RuntimeError(f"unexpected jws-verdict {str(result)[:80]}")


def run_step(v: xaa_token.Validator, sigs, step: dict) -> dict:
    i = step["input"]
    kind = i["kind"]
    if kind == "id-jag":
        return {"verdict": v.validate_id_jag(i["token"], i["client_id"]).code}
    if kind == "access-token":
        return {"verdict": v.validate_access_token(i["token"]).code}
    if kind == "jws":
        return {"verdict": jws_verdict(v.call("validator.verify-jws-signature",
                                              [i["token"], i["jwks"], list(i["algorithms"])]))}
    if kind in HTTP_SURFACES:
        r = i["request"]
        resp = getattr(v, HTTP_SURFACES[kind])(
            r["method"], r["path"], [(n, val) for n, val in r.get("headers", [])],
            r.get("body", "").encode("utf-8"))
        return http_value(resp)
    if kind == "client":
        return {"output": client_output(v, sigs, i["function"], i["args"])}
    raise RuntimeError(f"unknown input kind {kind!r}")


def json_equal(a, b) -> bool:
    """JSON equality (Python's == also takes True for 1 and 1.0 for 1: not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


def compare(expect: dict, got: dict) -> str | None:
    """None when `got` satisfies `expect`, else why not (as run.rs: compare)."""
    if "verdict" in expect:
        actual = got.get("verdict", "?")
        rejected = actual not in ("valid", "signature-valid", "?")
        if actual == expect["verdict"] or (expect["verdict"] == ANY_REJECTION and rejected):
            return None
        return f"expected verdict {expect['verdict']}, got {actual}"
    if "status" in expect:
        if got.get("status") != expect["status"]:
            return f"expected HTTP {expect['status']}, got {json.dumps(got)}"
        if got.get("error") != expect.get("error"):
            return f"expected error {expect.get('error')}, got {got.get('error')}"
        code = expect.get("verdict_code")
        if code is not None and got.get("verdict_code") != code:
            return f"expected verdict code {code}, got {got.get('verdict_code')}"
        return None
    if "output" in expect:
        if "output" in got and json_equal(got["output"], expect["output"]):
            return None
        return f"expected output {json.dumps(expect['output'])}, got {json.dumps(got)}"
    return f"unknown expectation {json.dumps(expect)}"


# ---- a run -----------------------------------------------------------------------------------

def write_configs(suite: dict, base: str) -> dict[str, str]:
    """Each named configuration as a directory with its xaa.toml and files."""
    paths = {}
    for name, c in suite["configs"].items():
        d = os.path.join(base, name)
        os.makedirs(d)
        for fname, text in c.get("files", {}).items():
            with open(os.path.join(d, fname), "w", encoding="utf-8") as f:
                f.write(text)
        paths[name] = os.path.join(d, "xaa.toml")
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write(c["toml"])
    return paths


WASM = None  # --wasm: another component file (default: the package's)


def run_case(suite, paths, sigs, case, backend: str, accel: bool) -> str | None:
    path = paths.get(case["config"])
    if path is None:
        return f"unknown config {case['config']!r}"
    now = int(case.get("now", suite["now"]))
    try:
        v = xaa_token.Validator.from_config_file(path, backend=backend, accelerators=accel,
                                                 now=now, fetch_jwks=False, wasm=WASM)
    except xaa_token.ConfigError as e:
        return f"config {case['config']!r} refused: {e}"
    for n, step in enumerate(case["steps"], 1):
        why = compare(step["expect"], run_step(v, sigs, step))
        if why is not None:
            return f"step {n}: {why}"
    return None


def run(suite, paths, sigs, backend: str, accel: bool) -> int:
    cases = suite["cases"]
    mismatches = 0
    t0 = time.monotonic()
    for case in cases:
        try:
            why = run_case(suite, paths, sigs, case, backend, accel)
        except (AttributeError, KeyError, TypeError, ValueError, RuntimeError) as e:
            why = f"cannot run: {e!r}"
        if why is not None:
            mismatches += 1
            print(f"python suite: {backend} accel={'on' if accel else 'off'}: "
                  f"MISMATCH {case['id']}: {why}", file=sys.stderr)
    took = time.monotonic() - t0
    print(f"python suite: {backend} accel={'on' if accel else 'off'}: "
          f"{len(cases) - mismatches}/{len(cases)}")
    print(f"python suite: ({backend} accel={'on' if accel else 'off'} took {took:.1f} s)",
          file=sys.stderr)
    return mismatches


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", default=os.path.join(ROOT, "tests/vectors/conformance/suite.json"))
    ap.add_argument("--wit", default=os.path.join(ROOT, "wit/xaa.wit"))
    ap.add_argument("--backend", choices=("native", "wasmtime", "all"), default="all")
    ap.add_argument("--accel", choices=("on", "off", "both"), default="both")
    ap.add_argument("--wasm", help="another component file (default: the installed package's)")
    args = ap.parse_args()
    global WASM
    WASM = args.wasm
    with open(args.suite, encoding="utf-8") as f:
        suite = json.load(f)
    if suite.get("format") != SUITE_FORMAT:
        print(f"python suite: {args.suite}: format {suite.get('format')!r}, want "
              f"{SUITE_FORMAT!r}", file=sys.stderr)
        return 2
    sigs = client_signatures(args.wit)
    backends = ["native", "wasmtime"] if args.backend == "all" else [args.backend]
    accels = {"on": [True], "off": [False], "both": [True, False]}[args.accel]
    print(f"python suite: xaa_token from {os.path.dirname(xaa_token.__file__)}")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_configs(suite, tmp)
        for backend in backends:
            for accel in accels:
                try:
                    xaa_token.Validator.from_config_file(
                        next(iter(paths.values())), backend=backend, accelerators=accel,
                        wasm=WASM)
                except (ImportError, FileNotFoundError, RuntimeError) as e:
                    print(f"python suite: {backend}: cannot load: {e}", file=sys.stderr)
                    return 2
                except xaa_token.ConfigError:
                    pass  # the backend loads; that configuration is judged per case
                failed += run(suite, paths, sigs, backend, accel)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
