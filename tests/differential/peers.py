#!/usr/bin/env python3
"""Python peers of the differential corpus: PyJWT and joserfc.

Every token of tests/vectors/differential.json is verified with the STRICTEST options of each
library that are equivalent to the component's configuration (the case's profile):

- algorithms: the profile's allow-list, never `none`;
- typ: required, compared by RFC 7515 §4.1.9 (case-insensitive, optional `application/`
  prefix; the rule panva/jose and the component apply); neither PyJWT nor joserfc has a typ
  option, so this is the one check written here;
- key: from the profile's JWK Set, selected as panva/jose's LocalJWKSet does (kty/crv from
  alg, kid when the token has one, the JWK's alg/use/key_ops when present) and exactly one
  candidate, else a rejection; neither library selects a key from a set by itself with these
  rules (PyJWT needs one key; joserfc's KeySet refuses a kid-less token whenever the set holds
  more than one key, which RFC 7515 does not require);
- issuer, audience, required claims (present, and for joserfc also non-blank), the clock pinned
  at the profile's `now` (a suite case with its own clock) or else the corpus `now`, with the
  profile's leeway.

Application rules that no JWT library has an option for (client_id binding, resource, lifetime,
replay, cnf, scope syntax, ...) are NOT emulated: where we are stricter because of them, the
comparer lists it with the rule (tests/differential/README.md).

    python peers.py --corpus tests/vectors/differential.json --peer pyjwt --out pyjwt.json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.metadata
import json
import sys
import warnings
from typing import Any

warnings.simplefilter("ignore")

# The only algorithms any profile allows, and what they need of a JWK (panva/jose's table).
ALG_KEY = {
    "ES256": ("EC", "P-256"),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}


class Reject(Exception):
    """A rejection decided by the peer harness itself (typ, key selection)."""


def normalize_typ(value: str) -> str:
    lowered = value.lower()
    return lowered if "/" in value else f"application/{lowered}"


def check_typ(header: dict[str, Any], profile: dict[str, Any]) -> None:
    typ = header.get("typ")
    if not isinstance(typ, str) or normalize_typ(typ) != normalize_typ(profile["typ"]):
        raise Reject(f"typ {typ!r} is not {profile['typ']!r}")


def select_jwk(jwks: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    """panva/jose LocalJWKSet selection: exactly one usable key, else a rejection."""
    alg = header.get("alg")
    if alg not in ALG_KEY:
        raise Reject(f"no key type for alg {alg!r}")
    kty, crv = ALG_KEY[alg]
    has_kid = "kid" in header
    kid = header.get("kid")
    candidates = []
    for jwk in jwks["keys"]:
        ops = jwk.get("key_ops")
        if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
            continue
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
            continue
        if has_kid and not (isinstance(kid, str) and kid == jwk.get("kid")):
            continue
        if "alg" in jwk and jwk["alg"] != alg:
            continue
        if "use" in jwk and jwk["use"] != "sig":
            continue
        candidates.append(jwk)
    if not candidates:
        raise Reject("no matching key in the JWK Set")
    if len(candidates) > 1:
        raise Reject("several matching keys in the JWK Set")
    return candidates[0]


# --- PyJWT -------------------------------------------------------------------------------


def pyjwt_peer(now: int):
    import jwt
    import jwt.api_jwt

    clock = [now]  # the profile's own clock, set before each decode

    class PinnedDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: D102 - PyJWT's only clock read
            return _dt.datetime.fromtimestamp(clock[0], tz=tz)

    jwt.api_jwt.datetime = PinnedDatetime  # type: ignore[misc]
    keys: dict[int, Any] = {}

    def verify(token: str, profile: dict[str, Any]) -> None:
        clock[0] = profile.get("now", now)
        header = jwt.get_unverified_header(token)
        check_typ(header, profile)
        jwk = select_jwk(profile["jwks"], header)
        key = keys.setdefault(id(jwk), jwt.PyJWK(jwk).key)
        jwt.decode(
            token,
            key=key,
            algorithms=profile["algorithms"],
            audience=profile["audience"],
            issuer=profile["issuer"],
            leeway=profile["leeway"],
            options={
                "verify_signature": True,
                "verify_exp": True,
                "verify_nbf": True,
                "verify_iat": True,
                "verify_aud": True,
                "verify_iss": True,
                "verify_sub": True,
                "verify_jti": True,
                "require": profile["required_claims"],
                "enforce_minimum_key_length": True,
            },
        )

    return verify, {
        "algorithms": "profile allow-list",
        "issuer": "profile issuer",
        "audience": "profile audience (not strict_aud: it refuses a one-element array, which ID-JAG §4.4.1 allows)",
        "leeway": "profile leeway",
        "clock": "datetime.now pinned at the profile now or the corpus now",
        "require": "profile required_claims",
        "verify_*": "all on; enforce_minimum_key_length on",
        "typ/key": "harness: RFC 7515 §4.1.9 typ, panva-style JWK selection",
        "not available": "max token age",
    }


# --- joserfc -----------------------------------------------------------------------------


def joserfc_peer(now: int):
    from joserfc import jwk as jrjwk
    from joserfc import jwt as jrjwt
    from joserfc.jws import JWSRegistry

    registries: dict[str, Any] = {}
    keys: dict[int, Any] = {}

    def registry_for(profile: dict[str, Any]) -> Any:
        name = profile["_name"]
        if name not in registries:
            # strict_check_header=False: RFC 7515 §4 says unrecognized header parameters MUST
            # be ignored, as the component does (x5t hints, private members); joserfc's
            # default refuses every name outside its registry. Size caps: the component's
            # 8 KiB token cap instead of joserfc's 512-byte header cap.
            registry = JWSRegistry(algorithms=profile["algorithms"], strict_check_header=False)
            registry.max_header_length = 8192
            registry.max_payload_length = 8192
            registry.max_signature_length = 8192
            registries[name] = registry
        return registries[name]

    def verify(token: str, profile: dict[str, Any]) -> None:
        def key_for(obj: Any) -> Any:
            jwk = select_jwk(profile["jwks"], obj.headers())
            return keys.setdefault(id(jwk), jrjwk.import_key(jwk))

        decoded = jrjwt.decode(
            token, key_for, algorithms=profile["algorithms"], registry=registry_for(profile)
        )
        check_typ(decoded.header, profile)
        options: dict[str, Any] = {c: {"essential": True} for c in profile["required_claims"]}
        options["iss"] = {"essential": True, "value": profile["issuer"]}
        options["aud"] = {"essential": True, "value": profile["audience"]}
        claims = jrjwt.JWTClaimsRegistry(now=profile.get("now", now), leeway=profile["leeway"], **options)
        claims.validate(decoded.claims)

    return verify, {
        "registry": "JWSRegistry(algorithms=profile allow-list, strict_check_header=False), size caps 8192",
        "key": "harness: panva-style JWK selection, joserfc.jwk.import_key",
        "claims": "JWTClaimsRegistry(now=profile or corpus now, leeway=profile leeway, iss/aud essential with value, every required claim essential)",
        "typ": "harness: RFC 7515 §4.1.9",
        "not available": "max token age",
    }


PEERS = {
    "pyjwt": ("PyJWT", pyjwt_peer),
    "joserfc": ("joserfc", joserfc_peer),
}


def run(peer: str, corpus: dict[str, Any]) -> dict[str, Any]:
    dist, make = PEERS[peer]
    verify, options = make(int(corpus["now"]))
    profiles = corpus["profiles"]
    for name, profile in profiles.items():
        profile["_name"] = name
    verdicts = {}
    for case in corpus["cases"]:
        try:
            verify(case["token"], profiles[case["profile"]])
            verdicts[case["id"]] = {"verdict": "accept", "reason": ""}
        except Exception as error:  # every failure of the library is a rejection
            reason = f"{type(error).__name__}: {error}".strip()
            verdicts[case["id"]] = {"verdict": "reject", "reason": reason[:200]}
    return {
        "peer": peer,
        "library": dist,
        "version": importlib.metadata.version(dist),
        "runtime": f"Python {sys.version.split()[0]}",
        "options": options,
        "verdicts": verdicts,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--peer", choices=sorted(PEERS), action="append", required=True)
    parser.add_argument("--out-dir", required=True, help="writes <peer>.json there")
    args = parser.parse_args()
    for peer in args.peer:
        with open(args.corpus, encoding="utf-8") as f:
            corpus = json.load(f)
        if corpus.get("format") != "xaa-differential/1":
            print(f"{args.corpus}: not an xaa-differential/1 corpus", file=sys.stderr)
            return 2
        result = run(peer, corpus)
        with open(f"{args.out_dir}/{peer}.json", "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1, ensure_ascii=False)
            f.write("\n")
        accepted = sum(v["verdict"] == "accept" for v in result["verdicts"].values())
        print(f"{peer} {result['version']}: {accepted}/{len(result['verdicts'])} accepted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
