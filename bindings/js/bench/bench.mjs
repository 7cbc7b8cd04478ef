// xaa-token (this package, the component through jco) vs jose 6, per verdict, on the same tokens
// with the same checks, keys pre-imported as a server would:
//   cold ID-JAG verdict       distinct pre-minted ID-JAGs (each jti consumed once)
//   cold access-token verdict distinct pre-minted access tokens (no cache hit)
//   cached access-token       the same token again (the component's verdict cache; jose: per call)
// For xaa-token: with node:crypto accelerators (the default) and without (pure Rust in wasm).
// Then where the time goes: node:crypto's ES256 verify alone, the synchronous export alone.
// Each figure is the median of RUNS runs of N verdicts, all measured in this one process.
//
//   node bench/bench.mjs [--runs 7] [--n 2000] [--json out.json]
// The tokens are minted here with the suite's published test keys (tests/vectors/conformance).
import { createPublicKey, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT, jwtVerify, importJWK } from 'jose';
import { MemoryReplayStore, Validator, configJsonFromToml } from '../dist/index.js';
import { suite } from '../test/suite_data.mjs';

const { values: args } = parseArgs({
  options: { runs: { type: 'string', default: '7' }, n: { type: 'string', default: '2000' }, json: { type: 'string' } },
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
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Median microseconds per call of `f(token)` over RUNS runs of N, tokens from `pick(run, i)`. */
async function measure(f, pick) {
  const perRun = [];
  for (let warm = 0; warm < 200; warm++) await f(pick(-1, warm));
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await f(pick(run, i));
    perRun.push(Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
  return median(perRun);
}
// Warm-up tokens come from the second half, measured ones from the first: every one distinct.
const fresh = (list) => (run, i) => (run < 0 ? list[total + i] : list[run * N + i]);
const same = (list) => () => list[0];

const validator = async (accelerators) => {
  const v = await Validator.fromConfig(cfg, { accelerators, clock: () => NOW, replayStore: new MemoryReplayStore(total * 4) });
  return v;
};
const must = (v) => {
  if (!v.valid) throw new Error(`refused: ${v.code}`);
};

const results = {};
const row = (name, us) => {
  results[name] = us;
  console.log(`${name.padEnd(52)} ${us.toFixed(2).padStart(8)} µs`);
};

console.log(`node ${process.version}, ${RUNS} runs x ${N} verdicts, median per verdict`);
const joseJag = await measure(async (t) => joseIdJag(t), fresh(jags));
row('jose: cold ID-JAG', joseJag);
const joseAt = await measure(async (t) => joseAccessToken(t), fresh(ats));
row('jose: cold access token', joseAt);
const joseCached = await measure(async (t) => joseAccessToken(t), same(ats));
row('jose: same access token again (per call)', joseCached);

for (const accelerators of [true, false]) {
  const tag = accelerators ? 'accel on' : 'accel off';
  const v = await validator(accelerators);
  row(`xaa-token (${tag}): cold ID-JAG`, await measure(async (t) => must(await v.validateIdJag(t, CLIENT)), fresh(jags.slice().reverse())));
  const w = await validator(accelerators);
  row(`xaa-token (${tag}): cold access token`, await measure(async (t) => must(await w.validateAccessToken(t)), fresh(ats)));
  row(`xaa-token (${tag}): cached access token`, await measure(async (t) => must(await w.validateAccessToken(t)), same(ats)));
  // Where the time goes: the synchronous export through `call` (no Promise, no Verdict object).
  const x = await validator(accelerators);
  row(`xaa-token (${tag}): sync export, cold access token`, await measure((t) => x.call('validator.validate-access-token', [t]), fresh(ats.slice().reverse())));
}

// node:crypto's ES256 verify alone, key pre-imported (the floor of any verifier here).
const pub = createPublicKey({ key: asPublic, format: 'jwk' });
const sigs = ats.map((t) => {
  const dot = t.lastIndexOf('.');
  return [Buffer.from(t.slice(0, dot)), Buffer.from(t.slice(dot + 1), 'base64url')];
});
row('node:crypto: ES256 verify alone', await measure(([m, s]) => {
  if (!verify('sha256', m, { key: pub, dsaEncoding: 'ieee-p1363' }, s)) throw new Error('bad');
}, fresh(sigs)));

const ratio = (a, b) => (results[a] / results[b]);
console.log('\nratios (xaa-token / jose, lower is faster; target <= 0.8 cold, cached >= 20x faster)');
for (const tag of ['accel on', 'accel off']) {
  console.log(`  ${tag}: cold ID-JAG ${ratio(`xaa-token (${tag}): cold ID-JAG`, 'jose: cold ID-JAG').toFixed(2)}x, `
    + `cold access token ${ratio(`xaa-token (${tag}): cold access token`, 'jose: cold access token').toFixed(2)}x, `
    + `cached: ${(results['jose: same access token again (per call)'] / results[`xaa-token (${tag}): cached access token`]).toFixed(1)}x faster than jose`);
}
if (args.json) writeFileSync(args.json, `${JSON.stringify({ node: process.version, runs: RUNS, n: N, us: results }, null, 2)}\n`);
