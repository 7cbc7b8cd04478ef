// Docs true: the README's requireBearerAuth example is example/readme.ts verbatim, and it
// type-checks against this package's .d.ts and the SDK's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

test("the README's requireBearerAuth example is example/readme.ts and type-checks", () => {
  const example = readFileSync(join(pkg, 'example', 'readme.ts'), 'utf8').split('\n').filter((l) => !l.startsWith('//')).join('\n');
  assert.ok(example.includes('requireBearerAuth({ verifier: new OAuthTokenVerifier(validator)'));
  assert.ok(readFileSync(join(pkg, 'README.md'), 'utf8').includes(`\`\`\`ts\n${example}\`\`\``), 'README shows it verbatim');
  execFileSync(join(pkg, 'node_modules', '.bin', 'tsc'), ['-p', join(pkg, 'tsconfig.examples.json')], { stdio: 'inherit' });
});
