#!/usr/bin/env python3
"""Python host smoke test for the xaa-token component (wasmtime-py, dynamic component API).

Loads the component, implements every `xaa:token/host` import, configures it from the sample
`xaa.toml` (mapped to the WIT `config` record by hand, JWKS files read into `key-source.inline`),
validates every ID-JAG (for client "mcp-client") and every access token, and prints one line per
token: `valid` or the rejection code, ID-JAGs first.

    smoke.py --wasm target/release/xaa_token.wasm --samples DIR [--expect valid,replayed,...]

The conformance suite runs through the Python package instead (bindings/python/tests/run_suite.py,
both backends, with and without native crypto): this file stays the smallest complete host, with
no accelerators (the component's pure-Rust crypto decides).

Exits 1 if --expect is given and the verdicts differ, 2 on a host/setup error.
"""
import argparse
import os
import sys
import time
import tomllib

from wasmtime import Engine, Store
from wasmtime.component import Component, Linker, Record, Variant

NOW = 1800000000
CLIENT_ID = "mcp-client"
HOST = "xaa:token/host@0.2.0"
VALIDATOR = "xaa:token/validator@0.2.0"


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


def new_clock(now=NOW):
    """The host state: the pinned clock and the replay store."""
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

    return store, funcs(VALIDATOR, ("configure", "validate-id-jag", "validate-access-token"))


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--samples", required=True, help="directory written by `xaa dev sample`")
    ap.add_argument("--expect", help="comma-separated expected verdicts (ID-JAGs then access tokens)")
    args = ap.parse_args()
    try:
        return run_samples(args)
    except RuntimeError as e:
        print(f"python: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
