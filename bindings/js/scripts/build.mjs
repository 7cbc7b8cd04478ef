// npm run build: transpile the component with jco into generated/ (gitignored), then compile the
// TypeScript wrapper into dist/ (with .d.ts). The component comes from $XAA_WASM, by default the
// workspace's build: ../../target/release/xaa_token.wasm.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
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
rmSync(generated, { recursive: true, force: true });
execFileSync(bin('jco'), ['transpile', wasm, '-o', generated, '--name', 'xaa_token', '--instantiation', 'sync',
  '--quiet'], { stdio: 'inherit' });
writeFileSync(join(generated, 'package.json'), '{"type":"module"}\n');
rmSync(join(pkg, 'dist'), { recursive: true, force: true });
execFileSync(bin('tsc'), ['-p', join(pkg, 'tsconfig.json')], { stdio: 'inherit' });
console.error(`build: ${wasm} -> generated/, src/ -> dist/`);
