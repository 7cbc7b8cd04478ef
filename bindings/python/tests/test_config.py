"""The TOML mapper (xaa_token.config) against the Rust loader, and configuration errors."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import unittest

import xaa_token
from xaa_token import config

import suite_data


class AgreesWithTheRustLoader(unittest.TestCase):
    """Every configuration of the suite, mapped by Python and by `xaa conformance configs`."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(suite_data.XAA):
            raise unittest.SkipTest(f"{suite_data.XAA} missing (cargo build --release)")
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "configs.json")
            subprocess.run([suite_data.XAA, "conformance", "configs", "--suite",
                            suite_data.SUITE, "--out", out], check=True)
            with open(out, encoding="utf-8") as f:
                cls.rust = json.load(f)
        assert cls.rust["format"] == "xaa-conformance-configs/1"

    def test_every_suite_configuration_maps_identically(self):
        names = sorted(suite_data.suite()["configs"])
        self.assertEqual(sorted(self.rust["configs"]), names)
        self.assertGreater(len(names), 0)
        for name in names:
            with self.subTest(config=name):
                entry = self.rust["configs"][name]
                if "error" in entry:
                    with self.assertRaises(xaa_token.ConfigError):
                        config.from_config_file(suite_data.config_path(name))
                else:
                    self.assertEqual(config.from_config_file(suite_data.config_path(name)),
                                     entry["config"])


def _load(toml: str, files: dict[str, str] | None = None) -> dict:
    with tempfile.TemporaryDirectory() as d:
        for name, text in (files or {}).items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        path = os.path.join(d, "xaa.toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(toml)
        return config.from_config_file(path)


RS = '[resource_server]\nresource = "https://r"\nissuer = "https://as"\n'


class SyntaxErrors(unittest.TestCase):
    def refused(self, toml: str, fragment: str, files=None):
        with self.assertRaises(xaa_token.ConfigError) as cm:
            _load(toml, files)
        self.assertIn(fragment, str(cm.exception))

    def test_unknown_key(self):
        self.refused(RS + 'jwks_uri = "https://as/jwks"\nbogus = 1\n', "unknown field `bogus`")

    def test_unknown_section(self):
        self.refused("[nope]\n", "unknown field `nope`")

    def test_wrong_type(self):
        self.refused(RS + 'jwks_uri = "https://as/jwks"\nleeway = "60"\n',
                     "resource_server.leeway")

    def test_negative_u32(self):
        self.refused(RS + 'jwks_uri = "https://as/jwks"\nleeway = -1\n', "leeway")

    def test_missing_required_key(self):
        self.refused('[resource_server]\nissuer = "https://as"\njwks_uri = "https://as/j"\n',
                     "missing field `resource`")

    def test_neither_jwks_file_nor_uri(self):
        self.refused(RS, "resource_server: give jwks_file or jwks_uri")

    def test_both_jwks_file_and_uri(self):
        self.refused(RS + 'jwks_uri = "https://as/j"\njwks_file = "k.jwks"\n', "not both",
                     {"k.jwks": "{}"})

    def test_unreadable_jwks_file(self):
        self.refused(RS + 'jwks_file = "absent.jwks"\n', "resource_server.jwks_file: cannot read")

    def test_clients_need_a_token_endpoint(self):
        self.refused('[[clients]]\nclient_id = "c"\nauth_method = "none"\n',
                     "[[clients]] needs a [token_endpoint] section")

    def test_unknown_auth_method(self):
        self.refused('[authorization_server]\nissuer = "https://as"\n[token_endpoint]\n'
                     '[[clients]]\nclient_id = "c"\nauth_method = "magic"\n', "unknown variant")

    def test_secret_method_needs_the_digest(self):
        self.refused('[authorization_server]\nissuer = "https://as"\n[token_endpoint]\n'
                     '[[clients]]\nclient_id = "c"\nauth_method = "client_secret_basic"\n',
                     "clients[0]: client_secret_sha256 is required")

    def test_not_toml(self):
        self.refused("[resource_server\n", "xaa.toml")


class FilesAreRelativeToTheConfigFile(unittest.TestCase):
    def test_jwks_file_is_read_from_the_config_directory(self):
        c = _load(RS + 'jwks_file = "k.jwks"\n', {"k.jwks": '{"keys":[]}'})
        self.assertEqual(c["resource_server"]["keys"], {"Inline": '{"keys":[]}'})


class ComponentRefusals(unittest.TestCase):
    """Values are the component's to judge: ConfigError lists every refusal."""

    def test_every_error_is_listed(self):
        for backend in suite_data.backends():
            with self.subTest(backend=backend), tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "xaa.toml")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(RS + 'jwks_uri = "https://as/jwks"\nalgorithms = ["HS256"]\n'
                            "leeway = 100000\n")
                with self.assertRaises(xaa_token.ConfigError) as cm:
                    xaa_token.Validator.from_config_file(path, backend=backend)
                errors = cm.exception.errors
                self.assertEqual(len(errors), 2, errors)
                self.assertTrue(any("algorithms" in e for e in errors), errors)
                self.assertTrue(any("leeway" in e for e in errors), errors)
                for e in errors:
                    self.assertIn(e, str(cm.exception))


if __name__ == "__main__":
    unittest.main()
