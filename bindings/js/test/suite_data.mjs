// The conformance suite as test data (read, never copied): its cases and configurations.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SUITE_PATH = resolve(here, process.env.XAA_SUITE ?? '../../../tests/vectors/conformance/suite.json');
export const suite = JSON.parse(readFileSync(SUITE_PATH, 'utf8'));

/** One case by id (throws when the suite lacks it). */
export function suiteCase(id) {
  const c = suite.cases.find((x) => x.id === id);
  if (c === undefined) throw new Error(`suite case ${id} missing`);
  return c;
}

/** A configuration's TOML text and a lookup of its files. */
export function suiteConfig(name) {
  const c = suite.configs[name];
  if (c === undefined) throw new Error(`suite config ${name} missing`);
  return { toml: c.toml, files: (f) => c.files?.[f], fileMap: c.files ?? {} };
}

/** A compact JWS's payload, decoded here (not by the code under test). */
export const jwtPayload = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
