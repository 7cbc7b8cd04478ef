"""Timings of the native extension (timeit, stdlib only): what one call costs from Python.

    XAA_NATIVE_SO=target/release/libxaa_token_native.so XAA_CONFIGS=/tmp/configs.json \\
        python3 bindings/python/native/tests/bench_native.py

Prints microseconds per call (best of 5 repeats). The tokens are the suite's valid access
token (ES256, the `validator` configuration); `cold` runs that configuration with
`token_cache_size` 0, so every call verifies the signature and the claims.
"""

import json
import os
import shutil
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
SUITE = Path(os.environ.get("XAA_SUITE", ROOT / "tests/vectors/conformance/suite.json"))


def load_module():
    tmp = tempfile.mkdtemp(prefix="xaa-native-bench-")
    pkg = Path(tmp, "xaa_token")
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    shutil.copyfile(os.environ["XAA_NATIVE_SO"], pkg / "_native.abi3.so")
    sys.path.insert(0, tmp)
    import xaa_token._native as native  # noqa: E402
    return native


def per_call_us(f, number):
    return min(timeit.repeat(f, number=number, repeat=5)) / number * 1e6


def main():
    native = load_module()
    suite = json.loads(SUITE.read_text(encoding="utf-8"))
    configs = json.loads(Path(os.environ["XAA_CONFIGS"]).read_text(encoding="utf-8"))["configs"]
    case = next(c for c in suite["cases"] if c["id"] == "baseline-access-token-valid")
    token = case["steps"][0]["input"]["token"]
    now = int(case.get("now", suite["now"]))
    config = configs[case["config"]]["config"]
    uncached = dict(config, token_cache_size=0)

    rows = []
    for accelerators in (True, False):
        label = "native verifier" if accelerators else "pure-Rust verifier"
        warm = native.Engine(json.dumps(config), now=now, accelerators=accelerators)
        cold = native.Engine(json.dumps(uncached), now=now, accelerators=accelerators)
        assert warm.validate_access_token(token)[0] == "valid"
        assert cold.validate_access_token(token)[0] == "valid"
        rows.append((f"access token, cached verdict ({label})",
                     per_call_us(lambda: warm.validate_access_token(token), 20000)))
        rows.append((f"access token, cold: signature + claims ({label})",
                     per_call_us(lambda: cold.validate_access_token(token),
                                 2000 if accelerators else 200)))
    e = native.Engine(json.dumps(config), now=now)
    rows.append(("PyO3 method, no component call (component_sha256)",
                 per_call_us(e.component_sha256, 200000)))
    rows.append(("trivial component call: validate_access_token('') -> malformed",
                 per_call_us(lambda: e.validate_access_token(""), 50000)))
    rows.append(("generic call(): client.basic-authorization (JSON in/out)",
                 per_call_us(lambda: e.call("client.basic-authorization", '["a", "b"]'), 50000)))
    rows.append(("http(): resource-server metadata GET",
                 per_call_us(lambda: e.http("resource-server", "GET",
                                            "/.well-known/oauth-protected-resource/mcp", [], b""),
                             20000)))
    rows.append(("new Engine (compiled component reused)",
                 per_call_us(lambda: native.Engine(json.dumps(config), now=now), 200)))
    # Threads: the GIL is released during calls, so verdicts on separate instances overlap
    # (as far as free cores allow). Wall time per verdict, pure-Rust verifier (the slowest).
    from concurrent.futures import ThreadPoolExecutor
    for threads in (1, 2):
        e = native.Engine(json.dumps(uncached), now=now, accelerators=False, instances=threads)
        n = 100
        with ThreadPoolExecutor(threads) as pool:
            def run():
                list(pool.map(lambda _: e.validate_access_token(token), range(n)))
            rows.append((f"cold pure-Rust verdicts, {threads} thread(s) on {threads} instance(s), wall",
                         per_call_us(run, 1) / n))
    width = max(len(name) for name, _ in rows)
    for name, us in rows:
        print(f"{name:<{width}}  {us:10.2f} µs")


if __name__ == "__main__":
    main()
