"""The native crypto the component may ask for (`register-public-key`, `verify-signature`,
`register-signing-key`, `sign-es256`), with `cryptography`.

Keys are loaded ONCE, when registered; the component names them by handle afterwards. The
same (alg, key) gets the same handle; past `max_keys` keys registration answers None (the
component then verifies or signs in pure Rust). Every failure answers the safe value:
`invalid` for a signature that cannot be decoded or checked, None for a key that cannot be
loaded. Nothing here raises into the component.
"""

from __future__ import annotations

import base64
import binascii
import threading
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization as _serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature, encode_dss_signature)

__all__ = ["KeyRegistry", "VALID", "INVALID", "NOT_OFFERED"]

VALID, INVALID, NOT_OFFERED = "valid", "invalid", "not-offered"
_P256 = ec.SECP256R1()
_SHA256 = hashes.SHA256()
_ECDSA = ec.ECDSA(_SHA256)
_PKCS1 = padding.PKCS1v15()
_PSS = padding.PSS(mgf=padding.MGF1(_SHA256), salt_length=32)
_B64URL = bytes.maketrans(b"-_", b"+/")


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_UNUSED_BITS = {2: 0b1111, 3: 0b11}  # length % 4 -> the last character's unused low bits


def b64url_decode(text: str) -> bytes | None:
    """Strict base64url: no padding, canonical (unused bits zero), or None."""
    rest = len(text) % 4
    if rest == 1 or "=" in text:
        return None
    if rest and _ALPHABET.find(text[-1]) & _UNUSED_BITS[rest]:
        return None
    try:
        raw = text.encode("ascii").translate(_B64URL) + b"=" * (-len(text) % 4)
        return base64.b64decode(raw, validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _verify_es256(key: ec.EllipticCurvePublicKey, message: bytes, sig: bytes) -> str:
    if len(sig) != 64:
        return INVALID
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    key.verify(der, message, _ECDSA)
    return VALID


def _verify_rs256(key: rsa.RSAPublicKey, message: bytes, sig: bytes) -> str:
    key.verify(sig, message, _PKCS1, _SHA256)
    return VALID


def _verify_ps256(key: rsa.RSAPublicKey, message: bytes, sig: bytes) -> str:
    key.verify(sig, message, _PSS, _SHA256)
    return VALID


_VERIFIERS = {"es256": _verify_es256, "rs256": _verify_rs256, "ps256": _verify_ps256}


def load_public_key(alg: str, key: Any) -> Any:
    """The `cryptography` key object for a WIT `public-key` (bytes: EC SEC1 point; a record
    with `n`, `e`: RSA), or None when it cannot be one for `alg`."""
    try:
        if alg == "es256" and isinstance(key, (bytes, bytearray)) and len(key) == 65:
            return ec.EllipticCurvePublicKey.from_encoded_point(_P256, bytes(key))
        if alg in ("rs256", "ps256") and not isinstance(key, (bytes, bytearray)):
            n = int.from_bytes(bytes(key.n), "big")
            e = int.from_bytes(bytes(key.e), "big")
            return rsa.RSAPublicNumbers(e, n).public_key()
    except (ValueError, TypeError, AttributeError):
        return None
    return None


def _key_id(alg: str, key: Any) -> tuple[Any, ...]:
    if isinstance(key, (bytes, bytearray)):
        return (alg, bytes(key))
    return (alg, bytes(key.n), bytes(key.e))


class _Rsa:
    __slots__ = ("n", "e")

    def __init__(self, n: bytes, e: bytes):
        self.n, self.e = n, e


class KeyRegistry:
    """Handles for verification and signing keys, shared by the instances of one Validator."""

    def __init__(self, max_keys: int = 1024):
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._ids: dict[tuple[Any, ...], int] = {}
        self._verify: list[tuple[Any, Any]] = []  # handle -> (verify function, key object)
        self._sign: list[ec.EllipticCurvePrivateKey] = []

    # register-public-key: func(alg: algorithm, key: public-key) -> option<u32>
    def register_public_key(self, alg: str, key: Any) -> int | None:
        try:
            ident = _key_id(alg, key)
        except (AttributeError, TypeError):
            return None
        with self._lock:
            handle = self._ids.get(ident)
            if handle is not None:
                return handle
            if len(self._ids) >= self.max_keys:
                return None
            obj = load_public_key(alg, key)
            if obj is None:
                return None
            handle = len(self._verify)
            self._verify.append((_VERIFIERS[alg], obj))
            self._ids[ident] = handle
            return handle

    def register_public_key_raw(self, alg: str, key: tuple[str, Any]) -> int | None:
        """`register_public_key` with the key as fastcall lifts a `public-key` variant:
        ("ec-p256", point) or ("rsa", {"n": ..., "e": ...})."""
        case, payload = key
        if case == "ec-p256":
            return self.register_public_key(alg, bytes(payload))
        if case == "rsa" and isinstance(payload, dict):
            return self.register_public_key(alg, _Rsa(bytes(payload["n"]), bytes(payload["e"])))
        return None

    # verify-signature: func(key: u32, signing-input: string, signature: string) -> accelerated-verify
    def verify_signature(self, handle: int, signing_input: str, signature: str) -> str:
        try:
            verify, key = self._verify[handle]
        except IndexError:
            return NOT_OFFERED
        sig = b64url_decode(signature)
        if sig is None:
            return INVALID
        try:
            return verify(key, signing_input.encode("ascii"), sig)
        except (InvalidSignature, ValueError, UnicodeEncodeError):
            return INVALID

    # register-signing-key: func(d: list<u8>, public-point: list<u8>) -> option<u32>
    def register_signing_key(self, d: bytes, public_point: bytes) -> int | None:
        d, public_point = bytes(d), bytes(public_point)
        ident = ("sign", d, public_point)
        with self._lock:
            handle = self._ids.get(ident)
            if handle is not None:
                return handle
            if len(self._ids) >= self.max_keys or len(d) != 32:
                return None
            try:
                key = ec.derive_private_key(int.from_bytes(d, "big"), _P256)
            except (ValueError, TypeError):
                return None
            point = key.public_key().public_bytes(
                encoding=_serialization.Encoding.X962,
                format=_serialization.PublicFormat.UncompressedPoint)
            if point != bytes(public_point):
                return None
            handle = len(self._sign)
            self._sign.append(key)
            self._ids[ident] = handle
            return handle

    # sign-es256: func(key: u32, signing-input: string) -> option<string>
    def sign_es256(self, handle: int, signing_input: str) -> str | None:
        try:
            key = self._sign[handle]
            r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), _ECDSA))
            return b64url_encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        except (IndexError, ValueError, UnicodeEncodeError):
            return None



