#!/usr/bin/env bash
# Cross-host smoke test: the same xaa_token.wasm, run by the Rust host (the `xaa` CLI), by Python
# (wasmtime-py) and by Node (jco), must give identical verdicts on the `xaa dev sample` tokens.
# Node also checks that the component imports nothing but xaa:token/*.
#
# Then the Rust host runs the conformance suite (tests/vectors/conformance/suite.json: every case's
# expected outcome written by hand) on this .wasm through `xaa conformance run --component` (with
# the native verifier, then with the component's pure-Rust one). Python and Node run the suite
# through their packages (scripts/python-package: both backends, with and without native crypto;
# scripts/js-package: with and without node:crypto), which scripts/test runs next; every host must
# meet every case's `expect`, so they agree case by case.
#
# Needs: target/release/xaa and xaa_token.wasm (cargo test --release --workspace --no-run builds
# both), python3 (>= 3.11, for tomllib) with venv, node >= 20 and npm. Network: PyPI and npm only,
# and only on the first run.
#
#   scripts/cross-host-smoke.sh            # XAA=... WASM=... SUITE=... override the defaults
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XAA="${XAA:-$ROOT/target/release/xaa}"
WASM="${WASM:-$ROOT/target/release/xaa_token.wasm}"
VENV="$ROOT/target/py-venv"
JSDIR="$ROOT/tests/js"
JSOUT="$ROOT/target/js-out"
NOW=1800000000
EXPECTED="valid,replayed,expired,client_id_mismatch,audience_mismatch,valid,audience_mismatch"
SUITE="${SUITE:-$ROOT/tests/vectors/conformance/suite.json}"

say() { echo "cross-host: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[[ -x "$XAA" ]] || die "$XAA missing: run cargo test --release --workspace --no-run"
[[ -f "$WASM" ]] || die "$WASM missing: run cargo test --release --workspace --no-run"
[[ -f "$SUITE" ]] || die "$SUITE missing: run cargo run --release -p xaa-testkit --bin xaa-suite -- generate"
WASM="$(cd "$(dirname "$WASM")" && pwd)/$(basename "$WASM")"

# --- Python venv (re-installs only when requirements.txt changes) ---------------------------
REQ="$ROOT/tests/python/requirements.txt"
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating $VENV"
  python3 -m venv "$VENV"
fi
if ! cmp -s "$REQ" "$VENV/.requirements.installed"; then
  say "pip install -r tests/python/requirements.txt"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/.requirements.installed"
fi

# --- Node packages (npm ci only when package-lock.json changes) -----------------------------
if ! cmp -s "$JSDIR/package-lock.json" "$JSDIR/node_modules/.xaa-lock.installed"; then
  say "npm ci in tests/js"
  (cd "$JSDIR" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$JSDIR/package-lock.json" "$JSDIR/node_modules/.xaa-lock.installed"
fi

# --- samples ------------------------------------------------------------------------------
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$XAA" dev sample --out "$TMP/s" --now "$NOW" >/dev/null

# --- Rust host: the CLI, pinned to the very same .wasm ---------------------------------------
# It prints one JSON object per token and exits 1 when any token is refused.
rust_cli() {
  local rc=0
  "$XAA" validate "$@" --config "$TMP/s/xaa.toml" --now "$NOW" --component "$WASM" - || rc=$?
  [[ $rc -le 1 ]] || die "xaa validate $1 exited $rc"
}
{
  rust_cli id-jag --client-id mcp-client < "$TMP/s/id-jags.txt"
  rust_cli access-token < "$TMP/s/access-tokens.txt"
} > "$TMP/rust.jsonl"
"$VENV/bin/python" -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        o = json.loads(line)
        print("valid" if o["valid"] else o["code"])
' "$TMP/rust.jsonl" > "$TMP/rust.txt"

# --- Python and Node hosts ------------------------------------------------------------------
"$VENV/bin/python" "$ROOT/tests/python/smoke.py" --wasm "$WASM" --samples "$TMP/s" > "$TMP/python.txt" \
  || die "python smoke failed"
node "$JSDIR/smoke.mjs" --wasm "$WASM" --samples "$TMP/s" --out "$JSOUT" > "$TMP/node.txt" 2>"$TMP/node.err" \
  || { cat "$TMP/node.err" >&2; die "node smoke failed"; }

# --- compare ------------------------------------------------------------------------------
tr ',' '\n' <<<"$EXPECTED" > "$TMP/expected.txt"
ok=1
for h in rust python node; do
  if ! cmp -s "$TMP/expected.txt" "$TMP/$h.txt"; then
    ok=0
    say "$h verdicts differ from expected:"
    diff "$TMP/expected.txt" "$TMP/$h.txt" | sed 's/^/  /' >&2 || true
  fi
done
[[ $ok == 1 ]] || die "verdicts differ (expected: $EXPECTED)"
n=$(wc -l < "$TMP/expected.txt" | tr -d ' ')
echo "cross-host: sample verdicts: $(paste -sd' ' "$TMP/rust.txt")"

# --- the conformance suite: every host runs tests/vectors/conformance/suite.json ------------
ncases=$("$VENV/bin/python" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["cases"]))' "$SUITE")
suite_ok=1
# Rust: the CLI's runner on this very .wasm, with each verifier; it prints a table by section
# (the `total` row: pass, fail, n/a) and a FAIL or N/A line per case that did not pass.
for verifier in native pure-rust; do
  flags=(); [[ $verifier == native ]] || flags=(--no-native-verify)
  rc=0
  "$XAA" conformance run --vectors "$SUITE" --component "$WASM" "${flags[@]}" \
    > "$TMP/rust-$verifier.txt" 2>&1 || rc=$?
  pass=$(awk '$1 == "total" { print $2 }' "$TMP/rust-$verifier.txt")
  echo "rust ($verifier verifier): ${pass:-0}/$ncases suite cases agree"
  if [[ $rc != 0 || $pass != "$ncases" ]]; then
    suite_ok=0
    grep -E '^(FAIL|N/A)' "$TMP/rust-$verifier.txt" >&2 || cat "$TMP/rust-$verifier.txt" >&2
    say "rust ($verifier verifier) disagrees with the suite (exit $rc)"
  fi
done
[[ $suite_ok == 1 ]] || die "hosts disagree with the suite $SUITE"
echo "cross-host: 3 hosts agree on $n sample verdicts; the Rust host on $ncases suite cases (the Python and npm packages run them: scripts/python-package, scripts/js-package)"
