"""What the unit tests read from the conformance suite (the data, never copied): cases by id,
their configurations written to a directory, and the backends under test."""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SUITE = os.environ.get("XAA_SUITE", os.path.join(ROOT, "tests/vectors/conformance/suite.json"))
XAA = os.environ.get("XAA", os.path.join(ROOT, "target/release/xaa"))


def backends() -> list[str]:
    """The backends to test: $XAA_TOKEN_BACKENDS (comma-separated), default both."""
    return [b for b in os.environ.get("XAA_TOKEN_BACKENDS", "native,wasmtime").split(",") if b]


@lru_cache(maxsize=None)
def suite() -> dict:
    with open(SUITE, encoding="utf-8") as f:
        return json.load(f)


def case(case_id: str) -> dict:
    for c in suite()["cases"]:
        if c["id"] == case_id:
            return c
    raise KeyError(case_id)


def now() -> int:
    return int(suite()["now"])


_dirs: dict[str, str] = {}
_tmp = tempfile.TemporaryDirectory(prefix="xaa-py-tests-")


def config_path(name: str) -> str:
    """The suite's configuration `name` as an xaa.toml (with its files) in a directory."""
    if name not in _dirs:
        c = suite()["configs"][name]
        d = os.path.join(_tmp.name, name)
        os.makedirs(d)
        for fname, text in c.get("files", {}).items():
            with open(os.path.join(d, fname), "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(d, "xaa.toml"), "w", encoding="utf-8") as f:
            f.write(c["toml"])
        _dirs[name] = d
    return os.path.join(_dirs[name], "xaa.toml")
