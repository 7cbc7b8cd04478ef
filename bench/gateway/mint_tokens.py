"""Mint ES256 access tokens for scripts/bench-gateway, one per line.

Each token is what `xaa serve as` issues (RFC 9068): header {"alg":"ES256","typ":"at+jwt",
"kid":...}; claims iss, sub, aud (the gateway's resource URL), client_id, iat, exp, jti,
scope. Every token has its own `jti`, so no two tokens are the same string and the
gateway's verified-token cache (keyed by the exact token) cannot answer for one with
another. Signed with the AS key written by `xaa keys generate` (a private JWK), using
`cryptography` directly (PyJWT would re-parse the key for each token).

Usage: python mint_tokens.py --key as.jwk --issuer URL --resource URL --count N --out FILE
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64_int(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


def mint(args: tuple[dict, dict, int, int]) -> list[str]:
    jwk, claims, first, count = args
    key = ec.derive_private_key(b64_int(jwk["d"]), ec.SECP256R1())
    header = b64(json.dumps({"alg": "ES256", "typ": "at+jwt", "kid": jwk["kid"]}, separators=(",", ":")).encode())
    out = []
    for n in range(first, first + count):
        # 128 random bits and the serial number: distinct within a run, and between runs.
        body = {**claims, "jti": f"{os.urandom(16).hex()}-{n}"}
        signing_input = f"{header}.{b64(json.dumps(body, separators=(',', ':')).encode())}"
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        out.append(f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--key", required=True, help="the AS's private JWK (xaa keys generate --out FILE)")
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--resource", required=True, help="the gateway's resource URL (the tokens' aud)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--lifetime", type=int, default=3600, help="seconds from now to exp (default 3600)")
    parser.add_argument("--scope", default="mcp.read")
    parser.add_argument("--out", required=True)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    with open(args.key) as f:
        jwk = json.load(f)
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" not in jwk:
        parser.error(f"{args.key}: not a private P-256 JWK")
    now = int(time.time())
    claims = {
        "iss": args.issuer,
        "sub": "bench-user",
        "aud": args.resource,
        "client_id": "bench-client",
        "iat": now,
        "exp": now + args.lifetime,
        "scope": args.scope,
    }
    jobs = max(1, min(args.jobs, args.count // 2000 or 1))
    per = -(-args.count // jobs)
    parts = [(jwk, claims, i * per, min(per, args.count - i * per)) for i in range(jobs)]
    started = time.monotonic()
    if jobs == 1:
        chunks = [mint(parts[0])]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            chunks = list(pool.map(mint, parts))
    with open(args.out, "w") as f:
        for chunk in chunks:
            f.write("\n".join(chunk))
            f.write("\n")
    print(
        f"minted {args.count} ES256 access tokens in {time.monotonic() - started:.1f} s -> {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
