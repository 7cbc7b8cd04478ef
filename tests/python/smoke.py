#!/usr/bin/env python3
"""Python host smoke test for the xaa-token component (wasmtime-py, dynamic component API).

Loads the component, implements every `xaa:token/host` import, configures it from the sample
`xaa.toml` (mapped to the WIT `config` record by hand, JWKS files read into `key-source.inline`),
validates every ID-JAG (for client "mcp-client") and every access token, and prints one line per
token: `valid` or the rejection code, ID-JAGs first.

    smoke.py --wasm target/release/xaa_token.wasm --samples DIR [--expect valid,replayed,...]

Suite mode runs the conformance suite (tests/vectors/conformance/suite.json, format in
tests/vectors/conformance/README.md) as `xaa conformance run` does (host/src/conformance/run.rs),
on ONE instance: per case a fresh state (configure with the case's configuration, an empty
replay store, the clock at the case's `now` or the suite's), its steps in order, each compared
with its hand-written `expect` (a verdict code or `valid`; `signature-valid` or a code for `jws`
inputs; for HTTP the status, the JSON body's `error` and the verdict code when given; for
`client` calls the result rendered as JSON, see `client_call`). The configurations come from
`xaa conformance configs` (the Rust host's own config loader; host-neutral JSON), so this host
reads no TOML there. `verify-signature` answers `not-offered`, so the component's pure-Rust
verifier is exercised. Prints `python: N/N suite cases agree`, and each mismatch on stderr.

    xaa conformance configs --out configs.json
    smoke.py --wasm target/release/xaa_token.wasm --suite tests/vectors/conformance/suite.json \
        --configs configs.json

Exits 1 if --expect is given and the verdicts differ (or on any suite mismatch), 2 on a
host/setup error.
"""
import argparse
import base64
import json
import os
import re
import sys
import time
import tomllib

from wasmtime import Engine, Store, Trap, WasmtimeError
from wasmtime.component import Component, Linker, Record, Variant

NOW = 1800000000
CLIENT_ID = "mcp-client"
HOST = "xaa:token/host@0.2.0"
VALIDATOR = "xaa:token/validator@0.2.0"
CLIENT = "xaa:token/client@0.2.0"


def rec(**fields):
    """A WIT record: wasmtime-py reads fields by their kebab-case WIT names."""
    r = Record()
    for k, v in fields.items():
        setattr(r, k.replace("_", "-"), v)
    return r


def inline_jwks(base, path):
    with open(os.path.join(base, path), encoding="utf-8") as f:
        # key-source is tagged (both cases are strings), so a Variant is needed.
        return Variant("inline", f.read())


def read_text(base, path):
    with open(os.path.join(base, path), encoding="utf-8") as f:
        return f.read()


# `auth_method` of an xaa.toml [[clients]] entry -> the client-credential case.
AUTH_METHODS = {
    "client_secret_basic": "secret-basic",
    "client_secret_post": "secret-post",
    "private_key_jwt": "private-key-jwt",
    "none": "none",
}


def token_endpoint_from_toml(base, t):
    """xaa.toml's [token_endpoint] and [[clients]] as the WIT `token-endpoint-config` (or None)."""
    te = t.get("token_endpoint")
    if te is None:
        return None
    clients = []
    for c in t.get("clients", []):
        case = AUTH_METHODS[c["auth_method"]]
        if case in ("secret-basic", "secret-post"):
            credential = Variant(case, c["client_secret_sha256"])
        elif case == "private-key-jwt":
            credential = Variant(case, read_text(base, c["jwks_file"]))
        else:
            credential = Variant("none")  # a payload-less case of a tagged variant
        clients.append(rec(client_id=c["client_id"], credential=credential,
                           resources=list(c.get("resources", [])),
                           scopes=list(c.get("scopes", [])),
                           grant_types=c.get("grant_types"),
                           issuers=list(c.get("issuers", []))))
    return rec(
        url=te.get("url"),
        jwks_uri=te.get("jwks_uri"),
        signing_keys=[read_text(base, k) for k in te.get("signing_keys", [])],
        signing_kid=te.get("signing_kid"),
        access_token_lifetime=te.get("access_token_lifetime"),
        may_outlive_assertion=bool(te.get("may_outlive_assertion", False)),
        client_assertion_algorithms=te.get("client_assertion_algorithms"),
        allow_public_clients=bool(te.get("allow_public_clients", False)),
        clients=clients,
    )


def config_from_toml(path):
    """Map xaa.toml (the CLI's file format) to the WIT `config` record."""
    base = os.path.dirname(os.path.abspath(path))
    with open(path, "rb") as f:
        t = tomllib.load(f)
    a = t.get("authorization_server")
    r = t.get("resource_server")
    c = t.get("jwks_cache", {})
    as_cfg = None
    if a is not None:
        as_cfg = rec(
            issuer=a["issuer"],
            resources=list(a.get("resources", [])),
            max_assertion_lifetime=a.get("max_assertion_lifetime"),
            leeway=a.get("leeway"),
            resource_root_slash_equivalence=bool(a.get("resource_root_slash_equivalence", False)),
            trusted_issuers=[
                rec(issuer=ti["issuer"],
                    keys=inline_jwks(base, ti["jwks_file"]),
                    algorithms=list(ti["algorithms"]),
                    subject_namespace=ti.get("subject_namespace"),
                    tenant_required=bool(ti.get("tenant_required", False)))
                for ti in t.get("trusted_issuers", [])
            ],
            token_endpoint=token_endpoint_from_toml(base, t),
        )
    rs_cfg = None
    if r is not None:
        rs_cfg = rec(
            resource=r["resource"],
            issuer=r["issuer"],
            keys=inline_jwks(base, r["jwks_file"]),
            algorithms=list(r["algorithms"]),
            leeway=r.get("leeway"),
            resource_metadata_url=r.get("resource_metadata_url"),
            resource_root_slash_equivalence=bool(r.get("resource_root_slash_equivalence", False)),
            required_scopes=[],
        )
    return rec(
        authorization_server=as_cfg,
        resource_server=rs_cfg,
        identity_provider=None,  # the IdP role is not part of the cross-host samples yet
        jwks_cache=rec(min_ttl=c.get("min_ttl"), max_ttl=c.get("max_ttl"),
                       refresh_cooldown=c.get("refresh_cooldown"), max_stale=c.get("max_stale")),
        token_cache_size=t.get("token_cache_size"),
    )


def variant(*cases):
    """A variant in serde's form, {"SecretBasic": hex} or "None" without a payload, as the tagged
    WIT variant of one of `cases` (kebab-case WIT names; wasmtime-py wants a Variant)."""
    def convert(v):
        (name, value), = [(v, None)] if isinstance(v, str) else v.items()
        tag = re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()
        if tag not in cases:
            raise ValueError(f"unknown variant case {name!r}")
        return Variant(tag) if isinstance(v, str) else Variant(tag, value)
    return convert


key_source = variant("inline", "uri")
credential = variant("secret-basic", "secret-post", "private-key-jwt", "none")


def record(obj, **convert):
    """A JSON object with snake_case WIT field names as a WIT record, its members taken as
    they are (null -> None) except those `convert` maps (variants, nested records)."""
    return rec(**{k: convert[k](v) if k in convert else v for k, v in obj.items()})


def optional(f):
    return lambda v: None if v is None else f(v)


def each(f):
    return lambda vs: [f(v) for v in vs]


def config_from_json(c):
    """Map the host-neutral JSON form of a config (what `xaa conformance configs` writes,
    serde's form of the Rust bindings: snake_case WIT field names, null for none) to the WIT `config` record. Every field must
    be there: the record refuses a missing one."""
    client = lambda cl: record(cl, credential=credential)  # noqa: E731
    token_endpoint = optional(lambda te: record(te, clients=each(client)))
    trusted_issuer = lambda ti: record(ti, keys=key_source)  # noqa: E731
    return record(
        c,
        authorization_server=optional(lambda a: record(
            a, trusted_issuers=each(trusted_issuer), token_endpoint=token_endpoint)),
        resource_server=optional(lambda r: record(
            r, keys=key_source, required_scopes=each(record))),
        identity_provider=optional(lambda i: record(
            i, clients=each(client), users=each(record), connections=each(record))),
        jwks_cache=record,
    )


def new_clock(now=NOW):
    """The host state a run changes between cases: the pinned clock and the replay store."""
    return {"now": now, "replay": {}}


def build_linker(engine, clock):
    replay = clock["replay"]
    t0 = time.monotonic()

    def replay_insert(_store, key, expires_at):
        # result<bool, replay-error> is untagged in wasmtime-py (bool vs str): return the bool.
        if key in replay and replay[key] >= clock["now"]:
            return False
        replay[key] = expires_at
        return True

    def fetch_jwks(_store, uri):
        # result<jwks-response, fetch-error>: untagged; fetch-error is untagged too
        # (failed(string) -> str, would-block -> None). So `None` means err(would-block).
        return None

    linker = Linker(engine)
    with linker.root() as root:
        with root.add_instance(HOST) as host:
            host.add_func("now", lambda _s: clock["now"])
            host.add_func("monotonic-millis", lambda _s: int((time.monotonic() - t0) * 1000))
            host.add_func("fetch-jwks", fetch_jwks)
            host.add_func("replay-insert", replay_insert)
            # list<u8> must be `bytes` in wasmtime-py (a list of ints is refused).
            host.add_func("random-bytes", lambda _s, n: os.urandom(n))
            # No accelerators: `none` handles, so the component's pure-Rust crypto decides.
            host.add_func("register-public-key", lambda _s, alg, key: None)
            host.add_func("verify-signature", lambda _s, handle, signing_input, sig: "not-offered")
            host.add_func("register-signing-key", lambda _s, d, point: None)
            host.add_func("sign-es256", lambda _s, handle, signing_input: None)
    return linker


def verdict_str(v):
    # verdict is tagged (both cases are records): Variant(tag, payload).
    if v.tag == "valid":
        return "valid"
    if v.tag == "rejected":
        return v.payload.code
    raise RuntimeError(f"unexpected verdict tag {v.tag!r}")


def read_tokens(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


COMPILED = {}  # .wasm path -> (engine, component)


def instantiate(wasm, clock):
    """One component instance: (store, {export name: func}); compiles `wasm` once."""
    if wasm not in COMPILED:
        engine = Engine()
        COMPILED[wasm] = (engine, Component.from_file(engine, wasm))
    engine, component = COMPILED[wasm]
    linker = build_linker(engine, clock)
    store = Store(engine)
    inst = linker.instantiate(store, component)
    def funcs(interface, names):
        iface = inst.get_export_index(store, interface)
        if iface is None:
            raise RuntimeError(f"component does not export {interface}")

        def func(name):
            idx = inst.get_export_index(store, name, iface)
            if idx is None:
                raise RuntimeError(f"missing export {interface}#{name}")
            return inst.get_func(store, idx)

        return {n: func(n) for n in names}

    f = funcs(VALIDATOR, ("configure", "validate-id-jag", "validate-access-token",
                          "verify-jws-signature", "authorization-server-http",
                          "identity-provider-http", "resource-server-http"))
    f.update(funcs(CLIENT, CLIENT_FUNCTIONS))
    return store, f


def configure(store, funcs, config):
    # result<_, list<config-error>> is untagged: None on success, a list on error.
    res = funcs["configure"](store, config)
    if res is not None:
        for e in res:
            print(f"config error: {e.path}: {e.message}", file=sys.stderr)
        return False
    return True


def run_samples(args):
    store, f = instantiate(args.wasm, new_clock())
    if not configure(store, f, config_from_toml(os.path.join(args.samples, "xaa.toml"))):
        return 2

    verdicts = [verdict_str(f["validate-id-jag"](store, tok, CLIENT_ID))
                for tok in read_tokens(os.path.join(args.samples, "id-jags.txt"))]
    verdicts += [verdict_str(f["validate-access-token"](store, tok))
                 for tok in read_tokens(os.path.join(args.samples, "access-tokens.txt"))]
    for v in verdicts:
        print(v)

    if args.expect is not None:
        expected = [x for x in args.expect.split(",") if x]
        if verdicts != expected:
            print(f"python: verdicts {verdicts} != expected {expected}", file=sys.stderr)
            return 1
    return 0


SUITE_FORMAT = "xaa-conformance/1"
CONFIGS_FORMAT = "xaa-conformance-configs/1"
ANY_REJECTION = "rejected"  # the expected verdict any rejection code satisfies (Wycheproof)


def http_request(r):
    """A suite request as the WIT `http-request` (headers: [name, value] pairs; body: UTF-8
    text -> bytes)."""
    return rec(method=r["method"], path=r["path"],
               headers=[rec(name=n, value=v) for n, v in r.get("headers", [])],
               body=r.get("body", "").encode("utf-8"))


def http_value(response):
    """What the suite compares of an http-response: status, the JSON body's `error`, and
    the log-only verdict code."""
    try:
        body = json.loads(bytes(response.body).decode("utf-8"))
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    return {"status": response.status, "error": error if isinstance(error, str) else None,
            "verdict_code": getattr(response, "verdict-code")}


def jws_verdict_str(v):
    """jws-verdict: signature-valid(list<u8>) | rejected(rejection). wasmtime-py leaves it
    untagged when the payload types differ (bytes vs a record), so accept both forms."""
    if isinstance(v, Variant):
        return "signature-valid" if v.tag == "signature-valid" else v.payload.code
    if isinstance(v, (bytes, bytearray, list)):
        return "signature-valid"
    return v.code


MAX_SAFE_INTEGER = 2**53 - 1  # a u64 above it is compared as its decimal string


def u64_json(n):
    return n if n <= MAX_SAFE_INTEGER else str(n)


def result_json(value, ok):
    """result<T, string>, which wasmtime-py returns untagged (T is never a str here)."""
    return {"err": value} if isinstance(value, str) else {"ok": ok(value)}


def token_response_json(r):
    # token-response is tagged (both cases are records): Variant(tag, payload).
    if r.tag == "issued":
        t = r.payload
        expires_in = getattr(t, "expires-in")
        return {"issued": {"token": t.token,
                           "expires_in": None if expires_in is None else u64_json(expires_in),
                           "scope": t.scope}}
    if r.tag == "refused":
        return {"refused": {"status": r.payload.status, "error": r.payload.error}}
    raise RuntimeError(f"unexpected token-response tag {r.tag!r}")


# Each client function: its arguments (snake_case WIT parameter names, in order) and how its
# result is rendered as JSON.
CLIENT_FUNCTIONS = {
    "resource-metadata-from-challenge": (["www_authenticate"], lambda r: r),
    "protected-resource-metadata-url": (["resource"], lambda r: r),
    "authorization-server-metadata-url": (["issuer"], lambda r: r),
    "read-protected-resource-metadata": (
        ["resource", "document"], lambda r: result_json(r, list)),
    "read-authorization-server-metadata": (
        ["issuer", "document"],
        lambda r: result_json(r, lambda e: {"token_endpoint": getattr(e, "token-endpoint")})),
    "read-identity-provider-metadata": (
        ["issuer", "document"],
        lambda r: result_json(r, lambda e: {
            "token_endpoint": getattr(e, "token-endpoint"),
            "development_sign_in_endpoint": getattr(e, "development-sign-in-endpoint")})),
    "token-exchange-body": (
        ["subject_token", "subject_type", "audience", "resource", "scope"], lambda r: r),
    "jwt-bearer-body": (["id_jag", "resource", "scope"], lambda r: r),
    "read-token-response": (
        ["kind", "status", "body"], lambda r: result_json(r, token_response_json)),
    "sign-in-body": (["username", "password"], lambda r: r),
    "basic-authorization": (["client_id", "client_secret"], lambda r: r),
}


def client_call(store, f, function, args):
    """One call of the client interface, its result rendered as JSON: option -> value or None;
    result -> {"ok": ...} / {"err": message}; records -> dicts with snake_case names; the
    token-response variant -> {"issued": {...}} / {"refused": {...}}; enums are their WIT names
    (strings, as wasmtime-py takes them); a u64 above 2^53 - 1 -> its decimal string."""
    names, render = CLIENT_FUNCTIONS[function]
    if sorted(args) != sorted(names):
        raise RuntimeError(f"{function}: args {sorted(args)} are not {names}")
    try:
        result = f[function](store, *[args[n] for n in names])
    except Exception:  # a trap
        return "<trap>"
    return render(result)


def run_step(store, f, step):
    """One step, rendered like its expectation (host/src/conformance/run.rs: run_step)."""
    i = step["input"]
    kind = i["kind"]
    if kind == "id-jag":
        return {"verdict": verdict_str(f["validate-id-jag"](store, i["token"], i["client_id"]))}
    if kind == "access-token":
        return {"verdict": verdict_str(f["validate-access-token"](store, i["token"]))}
    if kind == "jws":
        return {"verdict": jws_verdict_str(
            f["verify-jws-signature"](store, i["token"], i["jwks"], list(i["algorithms"])))}
    if kind in HTTP_SURFACES:
        return http_value(f[HTTP_SURFACES[kind]](store, http_request(i["request"])))
    if kind == "client":
        return {"output": client_call(store, f, i["function"], i["args"])}
    raise RuntimeError(f"unknown input kind {kind!r}")


HTTP_SURFACES = {"as-http": "authorization-server-http", "idp-http": "identity-provider-http",
                 "resource-http": "resource-server-http"}


def compare(expect, got):
    """None when `got` satisfies `expect`, else why not (mirrors run.rs: compare)."""
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


def json_equal(a, b):
    """JSON equality (Python's == also takes True for 1 and 1.0 for 1: not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return a == b


def run_case(store, f, clock, suite, configs, case):
    """One case on a fresh state: configure (which drops every cache of the component), an
    empty replay store, the clock at the case's `now` or the suite's. None or why it fails."""
    entry = configs.get(case["config"])
    if entry is None:
        return f"unknown config {case['config']!r}"
    if "error" in entry:
        return f"config {case['config']!r} does not load: {entry['error']}"
    clock["now"] = int(case.get("now", suite["now"]))
    clock["replay"].clear()
    res = f["configure"](store, config_from_json(entry["config"]))
    if res is not None:
        errors = "; ".join(f"{e.path}: {e.message}" for e in res)
        return f"the component refused config {case['config']!r}: {errors}"
    for n, step in enumerate(case["steps"], 1):
        why = compare(step["expect"], run_step(store, f, step))
        if why is not None:
            return f"step {n}: {why}"
    return None


def run_suite(args):
    with open(args.suite, encoding="utf-8") as fh:
        suite = json.load(fh)
    with open(args.configs, encoding="utf-8") as fh:
        configs = json.load(fh)
    for name, doc, want in ((args.suite, suite, SUITE_FORMAT),
                            (args.configs, configs, CONFIGS_FORMAT)):
        if doc.get("format") != want:
            print(f"python: {name}: format {doc.get('format')!r}, want {want!r}",
                  file=sys.stderr)
            return 2
    clock = new_clock(int(suite["now"]))
    store, f = instantiate(args.wasm, clock)
    cases = suite["cases"]
    mismatches = 0
    for case in cases:
        try:
            why = run_case(store, f, clock, suite, configs["configs"], case)
        except (Trap, WasmtimeError) as e:  # a trap poisons the instance: start afresh
            why = f"trap: {e}"
            store, f = instantiate(args.wasm, clock)
        except (AttributeError, KeyError, TypeError, ValueError) as e:  # a malformed case
            why = f"cannot run: {e!r}"
        if why is not None:
            mismatches += 1
            print(f"python: MISMATCH {case['id']}: {why}", file=sys.stderr)
    agree = len(cases) - mismatches
    print(f"python: {agree}/{len(cases)} suite cases agree")
    return 1 if mismatches else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm", required=True)
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--samples", help="directory written by `xaa dev sample`")
    mode.add_argument("--suite", help="conformance suite (tests/vectors/conformance/suite.json)")
    ap.add_argument("--configs", help="its configurations as `xaa conformance configs` writes them")
    ap.add_argument("--expect", help="comma-separated expected verdicts (ID-JAGs then access tokens)")
    args = ap.parse_args()
    if (args.suite is None) != (args.configs is None):
        ap.error("--suite and --configs go together")
    try:
        return run_suite(args) if args.suite else run_samples(args)
    except RuntimeError as e:
        print(f"python: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
