// The conformance suite (tests/vectors/conformance/suite.json; format in its README.md) through
// this package's public API, with node:crypto accelerators and without: every case's steps in
// order on a fresh state (configured from the case's TOML configuration and files, an empty
// replay store, the clock at the case's `now` or the suite's), each compared with its
// hand-written `expect` as `xaa conformance run` compares (host/src/conformance/run.rs).
// Any case that differs fails the test. Prints `js suite: accel=<on|off>: N/N`.
//
//   node --test test/suite.test.mjs        # XAA_SUITE=... another suite file
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { MemoryReplayStore, Validator, configJsonFromToml } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const SUITE = resolve(here, process.env.XAA_SUITE ?? '../../../tests/vectors/conformance/suite.json');
const suite = JSON.parse(readFileSync(SUITE, 'utf8'));
const ANY_REJECTION = 'rejected'; // the expected verdict any rejection code satisfies (Wycheproof)

// Each configuration read once, as the package reads a TOML file (its files from the suite).
const configs = new Map();
const configJson = (name) => {
  if (!configs.has(name)) {
    const c = suite.configs[name];
    configs.set(name, c === undefined ? undefined : configJsonFromToml(c.toml, (f) => c.files?.[f]));
  }
  return configs.get(name);
};

// --- rendering, as the suite's README writes expectations ----------------------------------
const verdictOf = (v) => (v.valid ? 'valid' : v.code);

const httpValue = (response) => {
  let body = null;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(response.body));
  } catch {
    body = null;
  }
  const error = body !== null && typeof body === 'object' && typeof body.error === 'string' ? body.error : null;
  return { status: response.status, error, verdict_code: response.verdictCode ?? null };
};

// A u64 (BigInt) as JSON: a number up to 2^53 - 1, its decimal string above.
const u64Json = (n) => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString());
const tokenResponseJson = (r) => (r.tag === 'issued'
  ? { issued: { token: r.val.token, expires_in: r.val.expiresIn === undefined ? null : u64Json(r.val.expiresIn),
    scope: r.val.scope ?? null } }
  : { refused: { status: r.val.status, error: r.val.error } });
const same = (x) => x;
const orNull = (x) => x ?? null;
// Each client function: its parameters (snake_case WIT names, in order), whether it returns a
// `result`, and how its (ok) value renders. Option arguments: null -> undefined.
const CLIENT = {
  'resource-metadata-from-challenge': [['www_authenticate'], false, orNull],
  'protected-resource-metadata-url': [['resource'], false, same],
  'authorization-server-metadata-url': [['issuer'], false, same],
  'read-protected-resource-metadata': [['resource', 'document'], true, same],
  'read-authorization-server-metadata': [['issuer', 'document'], true, (e) => ({ token_endpoint: e.tokenEndpoint })],
  'read-identity-provider-metadata': [['issuer', 'document'], true,
    (e) => ({ token_endpoint: e.tokenEndpoint, development_sign_in_endpoint: e.developmentSignInEndpoint ?? null })],
  'token-exchange-body': [['subject_token', 'subject_type', 'audience', 'resource', 'scope'], false, same],
  'jwt-bearer-body': [['id_jag', 'resource', 'scope'], false, same],
  'read-token-response': [['kind', 'status', 'body'], true, tokenResponseJson],
  'sign-in-body': [['username', 'password'], false, same],
  'basic-authorization': [['client_id', 'client_secret'], false, same],
};
const clientCall = (v, fn, args, now) => {
  const entry = CLIENT[fn];
  if (entry === undefined) throw new Error(`unknown client function ${JSON.stringify(fn)}`);
  const [names, isResult, render] = entry;
  assert.deepEqual(Object.keys(args).sort(), [...names].sort(), `${fn}: arguments`);
  const r = v.call(`client.${fn}`, names.map((n) => args[n] ?? undefined), { now });
  if ('trap' in r) return '<trap>';
  if ('err' in r) return { err: r.err };
  return isResult ? { ok: render(r.ok) } : render(r.ok);
};

const HTTP = {
  'as-http': 'authorizationServerHttp',
  'idp-http': 'identityProviderHttp',
  'resource-http': 'resourceServerHttp',
};
async function runStep(v, { input: i }, now) {
  switch (i.kind) {
    case 'id-jag': return { verdict: verdictOf(await v.validateIdJag(i.token, i.client_id, { now })) };
    case 'access-token': return { verdict: verdictOf(await v.validateAccessToken(i.token, { now })) };
    case 'jws': {
      const r = v.call('validator.verify-jws-signature', [i.token, i.jwks, i.algorithms], { now });
      if (!('ok' in r)) return { verdict: `<${JSON.stringify(r)}>` };
      return { verdict: r.ok.tag === 'signature-valid' ? 'signature-valid' : r.ok.val.code };
    }
    case 'client': return { output: clientCall(v, i.function, i.args, now) };
    default: {
      const surface = HTTP[i.kind];
      if (surface === undefined) throw new Error(`unknown input kind ${JSON.stringify(i.kind)}`);
      const { method, path, headers = [], body = '' } = i.request;
      return httpValue(await v[surface]({ method, path, headers, body }, { now }));
    }
  }
}

// undefined when `got` satisfies `expect`, else why not (as run.rs: compare).
function compare(expect, got) {
  if ('verdict' in expect) {
    const actual = got.verdict ?? '?';
    const rejected = !['valid', 'signature-valid', '?'].includes(actual);
    if (actual === expect.verdict || (expect.verdict === ANY_REJECTION && rejected)) return undefined;
    return `expected verdict ${expect.verdict}, got ${actual}`;
  }
  if ('status' in expect) {
    if (got.status !== expect.status) return `expected HTTP ${expect.status}, got ${JSON.stringify(got)}`;
    if (got.error !== (expect.error ?? null)) return `expected error ${expect.error ?? '(none)'}, got ${got.error ?? '(none)'}`;
    if (expect.verdict_code !== undefined && got.verdict_code !== expect.verdict_code) {
      return `expected verdict code ${expect.verdict_code}, got ${got.verdict_code ?? '(none)'}`;
    }
    return undefined;
  }
  if ('output' in expect) {
    if ('output' in got && isDeepStrictEqual(got.output, expect.output)) return undefined;
    return `expected output ${JSON.stringify(expect.output)}, got ${JSON.stringify(got)}`;
  }
  return `unknown expectation ${JSON.stringify(expect)}`;
}

async function runCase(v, replay, c) {
  const config = configJson(c.config);
  if (config === undefined) return `unknown config ${JSON.stringify(c.config)}`;
  replay.clear();
  try {
    v.configure(config);
  } catch (e) {
    return `config ${JSON.stringify(c.config)} refused: ${e.message}`;
  }
  const now = c.now ?? suite.now;
  for (const [n, step] of c.steps.entries()) {
    const why = compare(step.expect, await runStep(v, step, now));
    if (why !== undefined) return `step ${n + 1}: ${why}`;
  }
  return undefined;
}

for (const accelerators of [true, false]) {
  const mode = accelerators ? 'on' : 'off';
  test(`conformance suite, accelerators ${mode}`, async () => {
    assert.equal(suite.format, 'xaa-conformance/1');
    const replay = new MemoryReplayStore();
    const v = await Validator.create({ accelerators, replayStore: replay });
    const mismatches = [];
    for (const c of suite.cases) {
      const why = await runCase(v, replay, c);
      if (why !== undefined) mismatches.push(`${c.id}: ${why}`);
    }
    const n = suite.cases.length;
    console.log(`js suite: accel=${mode}: ${n - mismatches.length}/${n}`);
    assert.ok(n > 0, 'the suite has cases');
    assert.deepEqual(mismatches, [], `${mismatches.length} case(s) differ from their expect`);
    assert.equal(v.traps, 0, 'no trap');
    // With accelerators, node:crypto did verify and sign (else "accel=on" would test nothing).
    const stats = v.acceleratorStats;
    if (accelerators) {
      assert.ok(stats.verifications > 0 && stats.signatures > 0, `accelerators used: ${JSON.stringify(stats)}`);
    } else {
      assert.equal(stats, undefined);
    }
  });
}

test('the runner can fail: a case whose expect is changed here is reported as differing', async () => {
  const replay = new MemoryReplayStore();
  const v = await Validator.create({ replayStore: replay });
  const pick = (id) => structuredClone(suite.cases.find((c) => c.id === id));
  const verdictCase = pick('baseline-access-token-valid');
  assert.equal(await runCase(v, replay, verdictCase), undefined);
  verdictCase.steps[0].expect = { verdict: 'expired' };
  assert.match(await runCase(v, replay, verdictCase), /expected verdict expired, got valid/);
  const singleUse = pick('baseline-id-jag-single-use');
  singleUse.steps.at(-1).expect = { verdict: 'valid' };
  assert.match(await runCase(v, replay, singleUse), /expected verdict valid, got replayed/);
  const http = pick('3b-20-http-jwks');
  http.steps[0].expect = { status: 404 };
  assert.match(await runCase(v, replay, http), /expected HTTP 404/);
  const client = suite.cases.find((c) => c.steps.some((s) => s.input.kind === 'client'));
  const wrong = structuredClone(client);
  const step = wrong.steps.find((s) => s.input.kind === 'client');
  step.expect = { output: { surely: 'not this' } };
  assert.match(await runCase(v, replay, wrong), /expected output/);
});
