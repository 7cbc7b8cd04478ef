// xaa-token (this package, the component through jco) vs jose 6, per verdict, on the same tokens
// with the same checks, keys pre-imported as a server would:
//   cold ID-JAG verdict       distinct pre-minted ID-JAGs (each jti consumed once)
//   cold access-token verdict distinct pre-minted access tokens (no cache hit)
//   cached access-token       the same token again (the component's verdict cache; jose: per call)
// For xaa-token: with node:crypto accelerators (the default) and without (pure Rust in wasm).
// Then where the time goes: node:crypto's ES256 verify alone, the synchronous export alone.
// Each figure is the median of RUNS runs of N verdicts, all measured in this one process; each
// ratio the median of the per-run ratios, jose's batch and ours run back to back.
//
//   node bench/bench.mjs [--runs 15] [--n 400] [--json out.json] [--only TEXT]
// --only runs the scenarios whose title contains TEXT (e.g. `cached`: V8 optimizes a path
// that runs alone in the process better than one sharing jco's glue with other paths).
// The tokens are minted here with the suite's published test keys (tests/vectors/conformance).
import { createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT, jwtVerify, importJWK } from 'jose';
import { MemoryReplayStore, Validator, configJsonFromToml } from '../dist/index.js';
import { suite } from '../test/suite_data.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' }, n: { type: 'string', default: '400' }, json: { type: 'string' },
    only: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const N = Number(args.n);
const NOW = suite.now;
const files = (name) => suite.configs[name].files;
const privateJwk = (config, file) => JSON.parse(files(config)[file]);

// --- the configuration both sides check against: the suite's `validator` -------------------
const cfg = configJsonFromToml(suite.configs.validator.toml, (f) => files('validator')[f]);
const AS = cfg.authorization_server.issuer;
const IDP = cfg.authorization_server.trusted_issuers[0].issuer;
const RESOURCE = cfg.resource_server.resource;
const CLIENT = 'f53f191f9311af35';
const LEEWAY = cfg.resource_server.leeway;

// --- tokens ------------------------------------------------------------------------------------
const idpJwk = privateJwk('identity-provider', 'idp.jwk');
const asJwk = privateJwk('token-endpoint', 'as.jwk');
const idpKey = await importJWK(idpJwk, 'ES256');
const asKey = await importJWK(asJwk, 'ES256');
const mint = (key, kid, typ, claims) => new SignJWT(claims).setProtectedHeader({ typ, alg: 'ES256', kid }).sign(key);
const idJag = (i) => mint(idpKey, idpJwk.kid, 'oauth-id-jag+jwt', {
  iss: IDP, sub: 'U019488227', aud: AS, client_id: CLIENT, jti: `bench-jag-${i}`, iat: NOW - 10, exp: NOW + 290,
  resource: RESOURCE, scope: 'chat.read chat.history', auth_time: NOW - 100, amr: ['mfa'],
});
const accessToken = (i) => mint(asKey, asJwk.kid, 'at+jwt', {
  iss: AS, sub: 'U019488227', aud: RESOURCE, client_id: CLIENT, jti: `bench-at-${i}`, iat: NOW - 10, exp: NOW + 290,
  scope: 'chat.read',
});
const total = RUNS * N;
const jags = await Promise.all(Array.from({ length: total * 2 }, (_, i) => idJag(i)));
const ats = await Promise.all(Array.from({ length: total * 2 }, (_, i) => accessToken(i)));

// --- jose: the same checks, keys imported once ------------------------------------------------
const { d: _d1, ...idpPublic } = idpJwk;
const { d: _d2, ...asPublic } = asJwk;
const joseIdp = await importJWK(idpPublic, 'ES256');
const joseAs = await importJWK(asPublic, 'ES256');
const currentDate = new Date(NOW * 1000);
const used = new Map();
async function joseIdJag(token) {
  const { payload } = await jwtVerify(token, joseIdp, {
    algorithms: ['ES256'], typ: 'oauth-id-jag+jwt', issuer: IDP, audience: AS, currentDate, clockTolerance: LEEWAY,
    maxTokenAge: 300 + LEEWAY, requiredClaims: ['sub', 'client_id', 'jti', 'iat', 'exp'],
  });
  if (payload.client_id !== CLIENT) throw new Error('client_id');
  if (payload.exp - payload.iat > 300) throw new Error('lifetime');
  if (payload.resource !== undefined && payload.resource !== RESOURCE) throw new Error('resource');
  if (used.has(payload.jti)) throw new Error('replayed');
  used.set(payload.jti, payload.exp);
  return payload;
}
async function joseAccessToken(token) {
  const { payload } = await jwtVerify(token, joseAs, {
    algorithms: ['ES256'], typ: 'at+jwt', issuer: AS, audience: RESOURCE, currentDate, clockTolerance: LEEWAY,
    requiredClaims: ['sub', 'client_id', 'jti', 'iat', 'exp'],
  });
  return payload;
}

// --- measuring ---------------------------------------------------------------------------------
// The machine may be shared: every contender of a scenario runs its batch in turn within each
// run, so load changes hit them alike; a ratio is the median of the per-run ratios.
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** [wall, CPU] microseconds per call of `f` over the N tokens `pick(run, i)` gives. CPU time
 * (this process, all threads: jose's WebCrypto runs on libuv's pool) is what the ratios use, being
 * the least disturbed by other processes on a shared machine. */
async function batch(f, pick, run) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await f(pick(run, i));
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / N;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / N];
}
/** Each contender [name, f, pick]: warmed up (WARM calls: V8's optimizing tier needs thousands),
 * then RUNS interleaved batches. */
const WARM = Math.min(3000, total);
async function scenario(contenders) {
  for (const [, f, pick] of contenders) for (let i = 0; i < WARM; i++) await f(pick(-1, i));
  const times = contenders.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    for (const [k, [, f, pick]] of contenders.entries()) times[k].push(await batch(f, pick, run));
  }
  return times;
}
// Warm-up tokens come from the second half, measured ones from the first: every one distinct.
const fresh = (list) => (run, i) => (run < 0 ? list[total + i] : list[run * N + i]);
const same = (list) => () => list[0];
const validator = (accelerators) => Validator.fromConfig(cfg, {
  accelerators, clock: () => NOW, replayStore: new MemoryReplayStore(total * 8),
});
const must = (v) => {
  if (!v.valid) throw new Error(`refused: ${v.code}`);
};

const results = { cpu_us: {}, wall_us: {}, ratio_cpu: {} };
console.log(`node ${process.version}, ${RUNS} runs x ${N} verdicts; medians per verdict: CPU µs (wall µs); `
  + 'ratio = xaa-token / jose in CPU time, the median of the per-run ratios');
const cpu = (xs) => xs.map((x) => x[1]);
const wall = (xs) => xs.map((x) => x[0]);
const show = (key, label, xs) => {
  results.cpu_us[key] = median(cpu(xs));
  results.wall_us[key] = median(wall(xs));
  return `${label.padEnd(40)} ${results.cpu_us[key].toFixed(1).padStart(7)} µs (${results.wall_us[key].toFixed(1)})`;
};
async function compare(title, jose, xaas) {
  if (args.only !== undefined && !title.includes(args.only)) return;
  const times = await scenario([['jose', ...jose], ...xaas]);
  console.log(`${title}\n  ${show(`${title}: jose`, 'jose', times[0])}`);
  for (const [k, [name]] of xaas.entries()) {
    const line = show(`${title}: ${name}`, name, times[k + 1]);
    const ratio = median(cpu(times[k + 1]).map((t, r) => t / times[0][r][1]));
    results.ratio_cpu[`${title}: ${name}`] = ratio;
    console.log(`  ${line}  ${ratio.toFixed(2)}x jose (${(1 / ratio).toFixed(1)}x faster)`);
  }
}

// One instance at a time where it matters: a second jco instance in the process runs slower (its
// closures share V8's feedback with the first's); the pure-Rust one is made after these rows.
const vOn = await validator(true);
await compare('cold ID-JAG verdict (distinct tokens)', [joseIdJag, fresh(jags)], [
  ['xaa-token (node:crypto accelerators)', async (t) => must(await vOn.validateIdJag(t, CLIENT)), fresh(jags)],
]);
await compare('cold access-token verdict (distinct tokens)', [joseAccessToken, fresh(ats)], [
  ['xaa-token (node:crypto accelerators)', async (t) => must(await vOn.validateAccessToken(t)), fresh(ats)],
  // Where the time goes: the synchronous export alone (no Promise, no Verdict object).
  ['sync export alone (call)', (t) => vOn.call('validator.validate-access-token', [t]), fresh(ats.slice(total))],
]);
await compare('cached access-token verdict (same token)', [joseAccessToken, same(ats)], [
  ['xaa-token (node:crypto accelerators)', async (t) => must(await vOn.validateAccessToken(t)), same(ats)],
  ['sync export alone (call)', (t) => vOn.call('validator.validate-access-token', [t]), same(ats)],
]);
// Without accelerators: the component's pure-Rust verifier (ten times slower per batch: its own
// scenarios, so it does not stretch the pairs above).
const vOff = await validator(false);
const jagsOff = jags.slice().reverse(); // its own replay store: any order of distinct tokens
used.clear(); // jose's replay map: the same ID-JAGs again
await compare('cold ID-JAG verdict, accelerators off', [joseIdJag, fresh(jags)], [
  ['xaa-token (pure Rust in wasm)', async (t) => must(await vOff.validateIdJag(t, CLIENT)), fresh(jagsOff)],
]);
await compare('cold access-token verdict, accelerators off', [joseAccessToken, fresh(ats)], [
  ['xaa-token (pure Rust in wasm)', async (t) => must(await vOff.validateAccessToken(t)), fresh(ats.slice().reverse())],
]);
await compare('cached access-token verdict, accelerators off', [joseAccessToken, same(ats)], [
  ['xaa-token (pure Rust in wasm)', async (t) => must(await vOff.validateAccessToken(t)), same(ats)],
]);

// Floors: node:crypto's ES256 verify alone (key pre-imported); one jco export call doing nothing
// much (two short strings in, one out); one with no argument (a list out).
if (args.only === undefined) {
  const pub = createPublicKey({ key: asPublic, format: 'jwk' });
  const sigs = ats.map((t) => {
    const dot = t.lastIndexOf('.');
    return [Buffer.from(t.slice(0, dot)), Buffer.from(t.slice(dot + 1), 'base64url')];
  });
  const floors = [
    ['node:crypto ES256 verify alone', ([m, sig]) => {
      if (!verify('sha256', m, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)) throw new Error('bad');
    }, fresh(sigs)],
    ['jco export call: basic-authorization', () => vOn.call('client.basic-authorization', ['a', 'b']), same(ats)],
    ['jco export call: pending-jwks-fetches', () => vOn.call('validator.pending-jwks-fetches', []), same(ats)],
  ];
  const times = await scenario(floors);
  console.log('floors');
  for (const [k, [name]] of floors.entries()) console.log(`  ${show(name, name, times[k])}`);
}
if (args.json) writeFileSync(args.json, `${JSON.stringify({ node: process.version, runs: RUNS, n: N, ...results }, null, 2)}\n`);
