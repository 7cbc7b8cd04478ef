"""The wasmtime backend's native crypto (cryptography), called as the component calls it."""

from __future__ import annotations

import base64
import unittest

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from xaa_token.accelerators import INVALID, NOT_OFFERED, VALID, KeyRegistry


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class RsaKey:
    def __init__(self, key):
        nums = key.public_key().public_numbers()
        self.n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")
        self.e = nums.e.to_bytes(3, "big")


MSG = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0"


class Accelerators(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ec = ec.generate_private_key(ec.SECP256R1())
        cls.point = cls.ec.public_key().public_bytes(serialization.Encoding.X962,
                                                     serialization.PublicFormat.UncompressedPoint)
        cls.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def es256(self, message: str) -> str:
        r, s = decode_dss_signature(self.ec.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
        return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def test_es256(self):
        k = KeyRegistry()
        h = k.register_public_key("es256", self.point)
        self.assertIsNotNone(h)
        sig = self.es256(MSG)
        self.assertEqual(k.verify_signature(h, MSG, sig), VALID)
        self.assertEqual(k.verify_signature(h, MSG + "x", sig), INVALID)
        self.assertEqual(k.verify_signature(h, MSG, sig[:-4] + "AAAA"), INVALID)
        self.assertEqual(k.verify_signature(h, MSG, b64(b"\0" * 64)), INVALID)  # r = s = 0
        self.assertEqual(k.verify_signature(h, MSG, b64(b"\1" * 63)), INVALID)  # wrong length

    def test_rs256_and_ps256(self):
        k = KeyRegistry()
        key = RsaKey(self.rsa)
        hr = k.register_public_key("rs256", key)
        hp = k.register_public_key("ps256", key)
        self.assertNotEqual(hr, hp)
        rs = b64(self.rsa.sign(MSG.encode(), padding.PKCS1v15(), hashes.SHA256()))
        ps = b64(self.rsa.sign(MSG.encode(), padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                               hashes.SHA256()))
        self.assertEqual(k.verify_signature(hr, MSG, rs), VALID)
        self.assertEqual(k.verify_signature(hp, MSG, ps), VALID)
        self.assertEqual(k.verify_signature(hr, MSG, ps), INVALID)
        self.assertEqual(k.verify_signature(hp, MSG, rs), INVALID)

    def test_ps256_salt_must_be_32(self):
        k = KeyRegistry()
        h = k.register_public_key("ps256", RsaKey(self.rsa))
        ps = b64(self.rsa.sign(MSG.encode(), padding.PSS(padding.MGF1(hashes.SHA256()), 20),
                               hashes.SHA256()))
        self.assertEqual(k.verify_signature(h, MSG, ps), INVALID)

    def test_same_key_same_handle(self):
        k = KeyRegistry()
        self.assertEqual(k.register_public_key("es256", self.point),
                         k.register_public_key("es256", bytes(self.point)))

    def test_unusable_keys_are_not_registered(self):
        k = KeyRegistry()
        self.assertIsNone(k.register_public_key("es256", b"\4" + b"\0" * 64))  # not on curve
        self.assertIsNone(k.register_public_key("es256", self.point[:33]))
        self.assertIsNone(k.register_public_key("rs256", self.point))
        self.assertIsNone(k.register_public_key("es256", RsaKey(self.rsa)))

    def test_bound(self):
        k = KeyRegistry(max_keys=1)
        self.assertIsNotNone(k.register_public_key("es256", self.point))
        self.assertIsNone(k.register_public_key("rs256", RsaKey(self.rsa)))

    def test_undecodable_signature_is_invalid(self):
        k = KeyRegistry()
        h = k.register_public_key("es256", self.point)
        good = self.es256(MSG)
        last = good[-1]
        noncanonical = good[:-1] + chr(ord(last) + 1 if last not in "9_-zZ" else ord(last) - 1)
        for bad in ("!!!!", "A", good + "=", "é", noncanonical, good[:-2] + "+/"):
            self.assertEqual(k.verify_signature(h, MSG, bad), INVALID, bad)

    def test_unknown_handle_is_not_offered(self):
        self.assertEqual(KeyRegistry().verify_signature(7, MSG, "AAAA"), NOT_OFFERED)
        self.assertIsNone(KeyRegistry().sign_es256(7, MSG))

    def test_sign_es256_round_trip(self):
        k = KeyRegistry()
        d = self.ec.private_numbers().private_value.to_bytes(32, "big")
        hs = k.register_signing_key(d, self.point)
        self.assertIsNotNone(hs)
        sig = k.sign_es256(hs, MSG)
        hv = k.register_public_key("es256", self.point)
        self.assertEqual(k.verify_signature(hv, MSG, sig), VALID)

    def test_signing_key_must_match_its_point(self):
        other = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value
        self.assertIsNone(KeyRegistry().register_signing_key(other.to_bytes(32, "big"),
                                                             self.point))
        self.assertIsNone(KeyRegistry().register_signing_key(b"\0" * 32, self.point))


if __name__ == "__main__":
    unittest.main()
