#!/usr/bin/env python3
"""Per-verdict time of xaa_token (native and wasmtime backends) against PyJWT, same process.

    bench.py [--runs 7] [--n 1000] [--cached 5000] [--backends native,wasmtime] [--json FILE]

The same ES256 tokens (minted here with the suite's published test keys, current time) and the
same checks: signature, `iss`, `aud`, `exp`/`iat`/`nbf` (60 s leeway), `typ`, the required
claims (and for an ID-JAG the presenting `client_id`). PyJWT (2.15.1) decodes with the key
pre-loaded, as a server would. Three workloads:

- cold ID-JAG: a distinct token every call (an ID-JAG is single-use anyway);
- cold access token: a distinct token every call (no verdict cache can answer);
- cached access token: one token again and again (PyJWT has no cache: its per-call time).

In each run the contenders take turns every 50 calls (rotating who goes first), each over the
run's tokens (every contender has its own replay store and caches, so a token is cold for each
of them); the figure is the median of `--runs` runs, and each ratio is against PyJWT measured
in the same runs. Targets (issue 15): cold <= 0.8x
PyJWT's time; cached >= 20x faster than PyJWT.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
import uuid

import jwt  # PyJWT
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import xaa_token

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SUITE = os.path.join(ROOT, "tests/vectors/conformance/suite.json")
CLIENT_ID = "f53f191f9311af35"
IDP, AS, RESOURCE = "https://idp.example.com", "https://as.example.com", \
    "https://mcp.example.com/mcp"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """ES256 with a private JWK of the suite (published test keys)."""

    def __init__(self, jwk_text: str):
        jwk_ = json.loads(jwk_text)
        self.kid = jwk_["kid"]
        self.key = ec.derive_private_key(int.from_bytes(unb64(jwk_["d"]), "big"),
                                         ec.SECP256R1())
        self.public = self.key.public_key()

    def mint(self, typ: str, claims: dict) -> str:
        header = b64(json.dumps({"typ": typ, "alg": "ES256", "kid": self.kid},
                                separators=(",", ":")).encode())
        payload = b64(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}"
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(),
                                                  ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def id_jag(idp: Signer, now: int) -> str:
    return idp.mint("oauth-id-jag+jwt", {
        "iss": IDP, "sub": "U019488227", "aud": AS, "client_id": CLIENT_ID,
        "jti": str(uuid.uuid4()), "iat": now, "exp": now + 300, "resource": RESOURCE,
        "scope": "chat.read chat.history"})


def access_token(as_: Signer, now: int) -> str:
    return as_.mint("at+jwt", {
        "iss": AS, "sub": "U019488227", "aud": RESOURCE, "client_id": CLIENT_ID,
        "jti": str(uuid.uuid4()), "iat": now, "exp": now + 3600, "scope": "chat.read"})


class PyJwt:
    """The same checks with PyJWT, keys pre-loaded."""

    name = "pyjwt"

    def __init__(self, idp: Signer, as_: Signer):
        self.idp_key, self.as_key = idp.public, as_.public

    def validate_id_jag(self, token: str, client_id: str) -> bool:
        d = jwt.decode_complete(token, self.idp_key, algorithms=["ES256"], audience=AS,
                                issuer=IDP, leeway=60, options={
                                    "require": ["iss", "sub", "aud", "exp", "iat", "jti",
                                                "client_id", "resource"]})
        if d["header"].get("typ") != "oauth-id-jag+jwt":
            raise jwt.InvalidTokenError("typ")
        if d["payload"]["client_id"] != client_id:
            raise jwt.InvalidTokenError("client_id")
        return True

    def validate_access_token(self, token: str) -> bool:
        d = jwt.decode_complete(token, self.as_key, algorithms=["ES256"], audience=RESOURCE,
                                issuer=AS, leeway=60, options={
                                    "require": ["iss", "sub", "aud", "exp", "iat", "jti",
                                                "client_id"]})
        if d["header"].get("typ") != "at+jwt":
            raise jwt.InvalidTokenError("typ")
        return True


class Xaa:
    def __init__(self, config_path: str, backend: str, accelerators: bool = True):
        self.v = xaa_token.Validator.from_config_file(config_path, backend=backend,
                                                      accelerators=accelerators)
        self.name = backend + ("" if accelerators else " (no accel)")

    def validate_id_jag(self, token: str, client_id: str) -> bool:
        r = self.v.validate_id_jag(token, client_id)
        if not r.valid:
            raise RuntimeError(f"{self.name}: ID-JAG refused: {r.code}")
        return True

    def validate_access_token(self, token: str) -> bool:
        r = self.v.validate_access_token(token)
        if not r.valid:
            raise RuntimeError(f"{self.name}: access token refused: {r.code}")
        return True


CHUNK = 50  # calls timed in one go before the next contender's turn


def interleaved(fns, args_lists) -> list[float]:
    """Seconds per call of each `fns[i]` over `args_lists[i]`, the contenders taking turns
    every CHUNK calls (in rotating order), so that a load change on a shared machine falls
    on all of them alike."""
    totals = [0.0] * len(fns)
    n = len(args_lists[0])
    perf = time.perf_counter
    for turn, start in enumerate(range(0, n, CHUNK)):
        order = list(range(len(fns)))
        order = order[turn % len(order):] + order[:turn % len(order)]
        for i in order:
            fn, chunk = fns[i], args_lists[i][start:start + CHUNK]
            t0 = perf()
            for args in chunk:
                fn(*args)
            totals[i] += perf() - t0
    return [t / n for t in totals]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--n", type=int, default=1000, help="distinct tokens per cold run")
    ap.add_argument("--cached", type=int, default=5000, help="calls per cached run")
    ap.add_argument("--backends", default="native,wasmtime")
    ap.add_argument("--no-accel", action="store_true",
                    help="also the wasmtime backend with the component's pure-Rust crypto")
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()

    with open(SUITE, encoding="utf-8") as f:
        suite = json.load(f)
    idp = Signer(suite["configs"]["identity-provider"]["files"]["idp.jwk"])
    as_ = Signer(suite["configs"]["token-endpoint"]["files"]["as.jwk"])
    tmp = tempfile.TemporaryDirectory()
    cfg = suite["configs"]["validator"]
    for name, text in cfg["files"].items():
        with open(os.path.join(tmp.name, name), "w", encoding="utf-8") as f:
            f.write(text)
    config_path = os.path.join(tmp.name, "xaa.toml")
    with open(config_path, "w", encoding="utf-8") as f:
        f.write(cfg["toml"])

    contenders = [PyJwt(idp, as_)]
    for backend in [b for b in args.backends.split(",") if b]:
        try:
            contenders.append(Xaa(config_path, backend))
        except ImportError as e:
            print(f"bench: {backend} backend unavailable ({e}); skipped", file=sys.stderr)
    if args.no_accel:
        contenders.append(Xaa(config_path, "wasmtime", accelerators=False))

    now = int(time.time())
    t0 = time.perf_counter()
    jags = [[(id_jag(idp, now), CLIENT_ID) for _ in range(args.n)] for _ in range(args.runs)]
    ats = [[(access_token(as_, now),) for _ in range(args.n)] for _ in range(args.runs)]
    print(f"bench: minted {2 * args.runs * args.n} ES256 tokens in "
          f"{time.perf_counter() - t0:.1f} s; python {sys.version.split()[0]}, "
          f"runs={args.runs}, n={args.n}, cached calls={args.cached}")
    cached = (access_token(as_, now),)

    # Warm up every contender (compiled code, key registration, the cached token).
    warm = [(id_jag(idp, now), CLIENT_ID) for _ in contenders]
    for c, w in zip(contenders, warm):
        c.validate_id_jag(*w)
        c.validate_access_token(*cached)
        c.validate_access_token(access_token(as_, now))

    times: dict[str, dict[str, list[float]]] = {
        c.name: {"cold_id_jag": [], "cold_access_token": [], "cached_access_token": []}
        for c in contenders}
    for r in range(args.runs):
        for workload, method, tokens in (
                ("cold_id_jag", "validate_id_jag", jags[r]),
                ("cold_access_token", "validate_access_token", ats[r]),
                ("cached_access_token", "validate_access_token", [cached] * args.cached)):
            per = interleaved([getattr(c, method) for c in contenders],
                              [tokens] * len(contenders))
            for c, seconds in zip(contenders, per):
                times[c.name][workload].append(seconds)

    med = {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()}
    base = med["pyjwt"]
    print(f"\n{'contender':<24}{'cold ID-JAG':>22}{'cold access token':>24}"
          f"{'cached access token':>26}")
    for name, m in med.items():
        cells = []
        for k in ("cold_id_jag", "cold_access_token"):
            cells.append(f"{m[k] * 1e6:8.1f} us {m[k] / base[k]:5.2f}x")
        k = "cached_access_token"
        cells.append(f"{m[k] * 1e6:8.1f} us {base[k] / m[k]:6.1f}x faster")
        print(f"{name:<24}{cells[0]:>22}{cells[1]:>24}{cells[2]:>26}")
    print("\ncold: time relative to PyJWT (target <= 0.80x); cached: PyJWT's time divided by "
          "the contender's (target >= 20x)")
    verdicts = []
    for name, m in med.items():
        if name == "pyjwt":
            continue
        cold = max(m["cold_id_jag"] / base["cold_id_jag"],
                   m["cold_access_token"] / base["cold_access_token"])
        speed = base["cached_access_token"] / m["cached_access_token"]
        verdicts.append(f"{name}: cold {'meets' if cold <= 0.8 else 'MISSES'} (worst "
                        f"{cold:.2f}x), cached {'meets' if speed >= 20 else 'MISSES'} "
                        f"({speed:.1f}x)")
    print("\n".join(verdicts))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"runs": args.runs, "n": args.n, "median_seconds": med}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
