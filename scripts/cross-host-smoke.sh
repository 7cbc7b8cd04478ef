#!/usr/bin/env bash
# Cross-host smoke test: the same xaa_token.wasm, run by the Rust host (the `xaa` CLI), by Python
# (wasmtime-py) and by Node (jco), must give identical verdicts on the `xaa dev sample` tokens.
# Node also checks that the component imports nothing but xaa:token/*.
#
# Needs: a Rust build (cargo build --release -p xaa-host), python3 (>= 3.11, for tomllib) with
# venv, node >= 20 and npm. Network: PyPI and npm only, and only on the first run.
#
#   scripts/cross-host-smoke.sh            # XAA=... WASM=... override the defaults
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
XAA="${XAA:-$ROOT/target/release/xaa}"
WASM="${WASM:-$ROOT/target/release/xaa_token.wasm}"
VENV="$ROOT/target/py-venv"
JSDIR="$ROOT/tests/js"
JSOUT="$ROOT/target/js-out"
NOW=1800000000
EXPECTED="valid,replayed,expired,client_id_mismatch,audience_mismatch,valid,audience_mismatch"

say() { echo "cross-host: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[[ -x "$XAA" ]] || die "$XAA missing: run cargo build --release -p xaa-host"
[[ -f "$WASM" ]] || die "$WASM missing: run cargo build --release -p xaa-host"
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
echo "cross-host: verdicts: $(paste -sd' ' "$TMP/rust.txt")"
echo "cross-host: 3 hosts agree on $n verdicts"
