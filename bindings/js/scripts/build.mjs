// npm run build: transpile the component with jco into generated/ (gitignored), then compile the
// TypeScript wrapper into dist/ (with .d.ts). The component comes from $XAA_WASM, by default the
// workspace's build: ../../target/release/xaa_token.wasm.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wasm = resolve(pkg, process.env.XAA_WASM ?? '../../target/release/xaa_token.wasm');
const bin = (name) => join(pkg, 'node_modules', '.bin', name);
if (!existsSync(wasm)) {
  console.error(`build: ${wasm} missing (cargo build --release -p xaa-host builds it; or set XAA_WASM)`);
  process.exit(1);
}
const generated = join(pkg, 'generated');

// jco 1.35's generated _debugLog reads process.env.JCO_DEBUG at each of its ~20 calls per export
// call: a quarter of a cached verdict's time (BENCHMARKS.md). Read it once instead. The build
// fails if the pattern is gone (a jco upgrade), so this is revisited rather than silently lost.
function patchDebugLog(file) {
  const old = '  const _debugLog = (...args) => {\n    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
  const text = readFileSync(file, 'utf8');
  if (text.split(old).length !== 2) {
    console.error(`build: ${file}: jco's _debugLog is not as expected; update scripts/build.mjs`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(old, '  const _jcoDebug = Boolean(globalThis?.process?.env?.JCO_DEBUG);\n'
    + '  const _debugLog = (...args) => {\n    if (!_jcoDebug) { return; }'));
}
rmSync(generated, { recursive: true, force: true });
execFileSync(bin('jco'), ['transpile', wasm, '-o', generated, '--name', 'xaa_token', '--instantiation', 'sync',
  '--quiet'], { stdio: 'inherit' });
writeFileSync(join(generated, 'package.json'), '{"type":"module"}\n');
patchDebugLog(join(generated, 'xaa_token.js'));
// The host here implements WIT xaa:token@0.2.0 (register-public-key, verify-signature by handle, ...).
const types = readFileSync(join(generated, 'xaa_token.d.ts'), 'utf8');
if (!types.includes("'xaa:token/host@0.2.0'")) {
  console.error(`build: ${wasm} is not a xaa:token@0.2.0 component (its imports: ${types.match(/'xaa:token\/host@[^']*'/)?.[0]})`);
  process.exit(1);
}
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
console.error(`build: ${wasm} -> generated/, src/ -> dist/`);
