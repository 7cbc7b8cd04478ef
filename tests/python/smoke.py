#!/usr/bin/env python3
"""Python host smoke test for the xaa-token component (wasmtime-py, dynamic component API).

Loads the component, implements every `xaa:token/host` import, configures it from the sample
`xaa.toml` (mapped to the WIT `config` record by hand, JWKS files read into `key-source.inline`),
validates every ID-JAG (for client "mcp-client") and every access token, and prints one line per
token: `valid` or the rejection code, ID-JAGs first.

    smoke.py --wasm target/release/xaa_token.wasm --samples DIR [--expect valid,replayed,...]

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
HOST = "xaa:token/host@0.1.0"
VALIDATOR = "xaa:token/validator@0.1.0"


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
                    algorithms=list(ti["algorithms"]))
                for ti in t.get("trusted_issuers", [])
            ],
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
        )
    return rec(
        authorization_server=as_cfg,
        resource_server=rs_cfg,
        jwks_cache=rec(min_ttl=c.get("min_ttl"), max_ttl=c.get("max_ttl"),
                       refresh_cooldown=c.get("refresh_cooldown"), max_stale=c.get("max_stale")),
        token_cache_size=t.get("token_cache_size"),
    )


def build_linker(engine):
    replay = {}
    t0 = time.monotonic()

    def replay_insert(_store, key, expires_at):
        # result<bool, replay-error> is untagged in wasmtime-py (bool vs str): return the bool.
        if key in replay and replay[key] >= NOW:
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
            host.add_func("now", lambda _s: NOW)
            host.add_func("monotonic-millis", lambda _s: int((time.monotonic() - t0) * 1000))
            host.add_func("fetch-jwks", fetch_jwks)
            host.add_func("replay-insert", replay_insert)
            # list<u8> must be `bytes` in wasmtime-py (a list of ints is refused).
            host.add_func("random-bytes", lambda _s, n: os.urandom(n))
            host.add_func("verify-signature", lambda _s, alg, key, msg, sig: "not-offered")
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasm", required=True)
    ap.add_argument("--samples", required=True, help="directory written by `xaa dev sample`")
    ap.add_argument("--expect", help="comma-separated expected verdicts (ID-JAGs then access tokens)")
    args = ap.parse_args()

    engine = Engine()
    component = Component.from_file(engine, args.wasm)
    linker = build_linker(engine)
    store = Store(engine)
    inst = linker.instantiate(store, component)
    iface = inst.get_export_index(store, VALIDATOR)
    if iface is None:
        print(f"component does not export {VALIDATOR}", file=sys.stderr)
        return 2

    def func(name):
        idx = inst.get_export_index(store, name, iface)
        if idx is None:
            raise RuntimeError(f"missing export {VALIDATOR}#{name}")
        return inst.get_func(store, idx)

    configure = func("configure")
    validate_id_jag = func("validate-id-jag")
    validate_access_token = func("validate-access-token")

    # result<_, list<config-error>> is untagged: None on success, a list on error.
    res = configure(store, config_from_toml(os.path.join(args.samples, "xaa.toml")))
    if res is not None:
        for e in res:
            print(f"config error: {e.path}: {e.message}", file=sys.stderr)
        return 2

    verdicts = [verdict_str(validate_id_jag(store, tok, CLIENT_ID))
                for tok in read_tokens(os.path.join(args.samples, "id-jags.txt"))]
    verdicts += [verdict_str(validate_access_token(store, tok))
                 for tok in read_tokens(os.path.join(args.samples, "access-tokens.txt"))]
    for v in verdicts:
        print(v)

    if args.expect is not None:
        expected = [x for x in args.expect.split(",") if x]
        if verdicts != expected:
            print(f"python: verdicts {verdicts} != expected {expected}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
