// Node host smoke test for the xaa-token component (jco transpile --instantiation async).
//
//   node smoke.mjs --wasm ../../target/release/xaa_token.wasm --samples DIR \
//                  [--out ../../target/js-out] [--expect valid,replayed,...]
//   node smoke.mjs --wasm ../../target/release/xaa_token.wasm \
//                  --suite ../vectors/conformance/suite.json --configs CONFIGS.json [--out ../../target/js-out]
//
// 1. Import-list test: `jco wit <wasm>` must show no import outside `xaa:token/*`.
// 2. `jco transpile <wasm> -o <out> --instantiation async`.
// 3. Instantiates it with a JS implementation of `xaa:token/host`, configures it from the sample
//    xaa.toml (mapped to the WIT `config` record, JWKS files inline), validates every ID-JAG (client
//    "mcp-client") and access token, and prints one line per token: `valid` or the rejection code.
//    Or, with --suite and --configs, runs the conformance suite (tests/vectors/conformance/suite.json,
//    format in tests/vectors/conformance/README.md) as `xaa conformance run` does
//    (host/src/conformance/run.rs), on ONE instance: per case a fresh state (configure with the
//    case's configuration, an empty replay store, the clock at the case's `now` or the suite's),
//    its steps in order, each compared with its hand-written `expect` (a verdict code or `valid`;
//    `signature-valid` or a code for `jws` inputs; for HTTP the status, the JSON body's `error` and
//    the verdict code when given; for `client` calls the result rendered as JSON, see clientCall).
//    The configurations come from `xaa conformance configs` (the Rust host's own config loader,
//    host-neutral JSON), so no TOML is read there. Prints `node: N/N suite cases agree`, and each
//    mismatch on stderr. verifySignature answers 'not-offered': the component's pure-Rust verifier
//    is exercised.
// Exits 1 on a failed check or verdict mismatch, 2 on a setup error.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const NOW = 1800000000n;
const SUITE_FORMAT = 'xaa-conformance/1';
const CONFIGS_FORMAT = 'xaa-conformance-configs/1';
const ANY_REJECTION = 'rejected'; // the expected verdict any rejection code satisfies (Wycheproof)
const CLIENT_ID = 'mcp-client';

const { values: args } = parseArgs({
  options: {
    wasm: { type: 'string' },
    samples: { type: 'string' },
    out: { type: 'string', default: resolve(here, '../../target/js-out') },
    expect: { type: 'string' },
    suite: { type: 'string' },
    configs: { type: 'string' },
  },
});
if (!args.wasm || (args.samples === undefined) === (args.suite === undefined)
    || (args.suite === undefined) !== (args.configs === undefined)) {
  console.error('usage: node smoke.mjs --wasm FILE.wasm (--samples DIR [--expect a,b,...] | ' +
    '--suite FILE --configs FILE) [--out DIR]');
  process.exit(2);
}
// Suite mode: read (and check) the suite and its configurations before anything else.
const readJson = (path, format) => {
  if (path === undefined) return undefined;
  const doc = JSON.parse(readFileSync(resolve(path), 'utf8'));
  if (doc.format !== format) {
    console.error(`node: ${path}: format ${JSON.stringify(doc.format)}, want ${format}`);
    process.exit(2);
  }
  return doc;
};
const suite = readJson(args.suite, SUITE_FORMAT);
const configs = readJson(args.configs, CONFIGS_FORMAT);
// The host state a run changes between cases: the pinned clock (s64 -> BigInt), the replay store.
let now = NOW;
const wasm = resolve(args.wasm);
const outDir = resolve(args.out);
const jco = join(here, 'node_modules', '.bin', 'jco');

// --- 1. import-list test -------------------------------------------------------------------
const wit = execFileSync(jco, ['wit', wasm], { encoding: 'utf8' });
const imports = [...wit.matchAll(/^\s*import\s+([^;{]+?)\s*[;{]/gm)].map((m) => m[1]);
const foreign = imports.filter((i) => !i.startsWith('xaa:token/'));
if (imports.length === 0 || foreign.length > 0) {
  console.error(`node: import-list test FAILED: imports ${JSON.stringify(imports)}; ` +
    `not xaa:token/*: ${JSON.stringify(foreign)}`);
  process.exit(1);
}
console.error(`node: imports ok: ${imports.join(', ')}`);

// --- 2. transpile --------------------------------------------------------------------------
mkdirSync(outDir, { recursive: true });
execFileSync(jco, ['transpile', wasm, '-o', outDir, '--name', 'xaa_token', '--instantiation', 'async',
  '--quiet'], { stdio: ['ignore', 'ignore', 'inherit'] });
// The generated .js is ESM; Node 20 needs "type":"module" next to it.
writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');

// --- 3. configuration: a tiny reader for the subset of TOML that xaa.toml uses ----------------
function parseToml(text) {
  const root = {};
  let table = root;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (line === '' || line.startsWith('#')) continue;
    let m;
    if ((m = line.match(/^\[\[([\w.-]+)\]\]$/))) {
      (root[m[1]] ??= []).push((table = {}));
    } else if ((m = line.match(/^\[([\w.-]+)\]$/))) {
      table = root[m[1]] ??= {};
    } else if ((m = line.match(/^([\w-]+)\s*=\s*(.+)$/))) {
      // Values here are strings, integers, booleans or arrays of those: all valid JSON.
      table[m[1]] = JSON.parse(m[2]);
    } else {
      throw new Error(`unsupported TOML line: ${raw}`);
    }
  }
  return root;
}

// xaa.toml's [token_endpoint] and [[clients]] as the WIT token-endpoint-config (undefined: none).
// A variant is {tag, val}; the payload-less `none` case is {tag: 'none'}.
function tokenEndpointFromToml(base, t) {
  const te = t.token_endpoint;
  if (te === undefined) return undefined;
  const text = (f) => readFileSync(join(base, f), 'utf8');
  const credential = (c) => {
    switch (c.auth_method) {
      case 'client_secret_basic': return { tag: 'secret-basic', val: c.client_secret_sha256 };
      case 'client_secret_post': return { tag: 'secret-post', val: c.client_secret_sha256 };
      case 'private_key_jwt': return { tag: 'private-key-jwt', val: text(c.jwks_file) };
      case 'none': return { tag: 'none' };
      default: throw new Error(`unknown auth_method ${JSON.stringify(c.auth_method)}`);
    }
  };
  return {
    url: te.url,
    jwksUri: te.jwks_uri,
    signingKeys: (te.signing_keys ?? []).map(text),
    signingKid: te.signing_kid,
    accessTokenLifetime: te.access_token_lifetime,
    mayOutliveAssertion: te.may_outlive_assertion ?? false,
    clientAssertionAlgorithms: te.client_assertion_algorithms,
    allowPublicClients: te.allow_public_clients ?? false,
    clients: (t.clients ?? []).map((c) => ({
      clientId: c.client_id,
      credential: credential(c),
      resources: c.resources ?? [],
      scopes: c.scopes ?? [],
      grantTypes: c.grant_types,
      issuers: c.issuers ?? [],
    })),
  };
}

function configFromToml(path) {
  const base = dirname(path);
  const t = parseToml(readFileSync(path, 'utf8'));
  const inline = (f) => ({ tag: 'inline', val: readFileSync(join(base, f), 'utf8') });
  const a = t.authorization_server;
  const r = t.resource_server;
  const c = t.jwks_cache ?? {};
  return {
    authorizationServer: a && {
      issuer: a.issuer,
      resources: a.resources ?? [],
      maxAssertionLifetime: a.max_assertion_lifetime,
      leeway: a.leeway,
      resourceRootSlashEquivalence: a.resource_root_slash_equivalence ?? false,
      trustedIssuers: (t.trusted_issuers ?? []).map((ti) => ({
        issuer: ti.issuer, keys: inline(ti.jwks_file), algorithms: ti.algorithms,
        subjectNamespace: ti.subject_namespace ?? undefined, tenantRequired: ti.tenant_required ?? false,
      })),
      tokenEndpoint: tokenEndpointFromToml(base, t),
    },
    resourceServer: r && {
      resource: r.resource,
      issuer: r.issuer,
      keys: inline(r.jwks_file),
      algorithms: r.algorithms,
      leeway: r.leeway,
      resourceMetadataUrl: r.resource_metadata_url,
      resourceRootSlashEquivalence: r.resource_root_slash_equivalence ?? false,
      requiredScopes: [],
    },
    jwksCache: {
      minTtl: c.min_ttl, maxTtl: c.max_ttl, refreshCooldown: c.refresh_cooldown, maxStale: c.max_stale,
    },
    tokenCacheSize: t.token_cache_size,
  };
}

// The host-neutral JSON form of a config (what `xaa conformance configs` writes, serde's form of
// the Rust bindings): snake_case WIT field names, null for none (-> undefined here, as above), a
// variant case as {"CaseName": payload} or "CaseName" without one. `record` takes an object's
// members as they are, names in camelCase, except those `convert` maps (variants, nested records).
const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const record = (obj, convert = {}) => Object.fromEntries(Object.entries(obj).map(
  ([k, x]) => [camel(k), k in convert ? convert[k](x) : (x ?? undefined)]));
const optional = (f) => (x) => (x === null ? undefined : f(x));
const each = (f) => (xs) => xs.map((x) => f(x));
const plainRecord = (x) => record(x);
// A variant of one of the `cases` (kebab-case WIT names): {"SecretBasic": hex} -> {tag:
// 'secret-basic', val: hex}, "None" -> {tag: 'none'}.
const variant = (cases) => (v) => {
  const [[name, val], ...rest] = typeof v === 'string' ? [[v, undefined]] : Object.entries(v);
  const tag = name.replace(/[A-Z]/g, (c, at) => (at ? '-' : '') + c.toLowerCase());
  if (rest.length !== 0 || !cases.includes(tag)) throw new Error(`bad variant ${JSON.stringify(v)}`);
  return val === undefined ? { tag } : { tag, val };
};
function configFromJson(c) {
  const keys = variant(['inline', 'uri']);
  const credential = variant(['secret-basic', 'secret-post', 'private-key-jwt', 'none']);
  const client = (cl) => record(cl, { credential });
  return record(c, {
    authorization_server: optional((a) => record(a, {
      trusted_issuers: each((ti) => record(ti, { keys })),
      token_endpoint: optional((te) => record(te, { clients: each(client) })),
    })),
    resource_server: optional((r) => record(r, { keys, required_scopes: each(plainRecord) })),
    identity_provider: optional((i) => record(i, {
      clients: each(client), users: each(plainRecord), connections: each(plainRecord),
    })),
    jwks_cache: plainRecord,
  });
}

// --- 4. host imports -----------------------------------------------------------------------
const replay = new Map();
const t0 = process.hrtime.bigint();
const host = {
  now: () => now, // s64 -> BigInt
  monotonicMillis: () => (process.hrtime.bigint() - t0) / 1000000n, // u64 -> BigInt
  // An imported result: return the ok value, or {tag:'err', val}. This host cannot fetch
  // synchronously, so it asks for pending-jwks-fetches / supply-jwks instead.
  fetchJwks: (_uri) => ({ tag: 'err', val: { tag: 'would-block' } }),
  replayInsert: (key, expiresAt) => {
    const prev = replay.get(key);
    if (prev !== undefined && prev >= now) return false;
    replay.set(key, expiresAt);
    return true;
  },
  randomBytes: (len) => new Uint8Array(randomBytes(len)),
  registerPublicKey: (_alg, _key) => undefined,
  verifySignature: (_handle, _signingInput, _signature) => 'not-offered',
  registerSigningKey: (_d, _point) => undefined,
  signEs256: (_handle, _signingInput) => undefined,
};

// --- 5. run --------------------------------------------------------------------------------
const { instantiate } = await import(pathToFileURL(join(outDir, 'xaa_token.js')).href);
let v;
let client;
// (Re)instantiates: once, and again only after a trap (which leaves an instance unusable).
const start = async () => {
  const root = await instantiate(
    async (f) => WebAssembly.compile(await readFile(join(outDir, f))),
    // The generated code reads the unversioned key; the .d.ts names the versioned one. Pass both.
    { 'xaa:token/host': host, 'xaa:token/host@0.2.0': host, 'xaa:token/types': {}, 'xaa:token/types@0.2.0': {} },
  );
  v = root.validator ?? root['xaa:token/validator@0.2.0'];
  client = root.client ?? root['xaa:token/client@0.2.0'];
};
await start();

if (suite === undefined) {
  try {
    v.configure(configFromToml(join(resolve(args.samples), 'xaa.toml')));
  } catch (e) {
    // An exported result's err throws (ComponentError with .payload = list<config-error>).
    console.error('node: configure refused:', JSON.stringify(e.payload ?? String(e)));
    process.exit(2);
  }
}

const verdictStr = (r) => {
  if (r.tag === 'valid') return 'valid';
  if (r.tag === 'rejected') return r.val.code;
  throw new Error(`unexpected verdict ${JSON.stringify(r)}`);
};

// A suite request as the WIT http-request (headers: [name, value] pairs; body: UTF-8 text ->
// Uint8Array).
const httpRequest = (r) => ({
  method: r.method,
  path: r.path,
  headers: (r.headers ?? []).map(([name, value]) => ({ name, value })),
  body: new TextEncoder().encode(r.body ?? ''),
});

// What the suite compares of an http-response: status, the JSON body's `error`, the verdict code.
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
// An exported result<T, string>: jco returns the ok value and throws the err (ComponentError,
// .payload = the message).
const resultJson = (call, ok) => {
  let value;
  try {
    value = call();
  } catch (e) {
    if (e !== null && typeof e === 'object' && typeof e.payload === 'string') return { err: e.payload };
    throw e;
  }
  return { ok: ok(value) };
};
const tokenResponseJson = (r) => {
  if (r.tag === 'issued') {
    const t = r.val;
    return {
      issued: {
        token: t.token,
        expires_in: t.expiresIn === undefined ? null : u64Json(t.expiresIn),
        scope: t.scope ?? null,
      },
    };
  }
  if (r.tag === 'refused') return { refused: { status: r.val.status, error: r.val.error } };
  throw new Error(`unexpected token-response ${JSON.stringify(r)}`);
};
// Each client function: its arguments (snake_case WIT parameter names, in order) and the call,
// its result rendered as JSON: option -> value or null; result -> {ok} / {err: message}; records
// -> objects with snake_case names; the token-response variant -> {issued} / {refused}; enums are
// their WIT names (strings, as jco takes them); option arguments null -> undefined.
const opt = (x) => x ?? undefined;
const CLIENT_FUNCTIONS = {
  'resource-metadata-from-challenge': [['www_authenticate'],
    (a) => client.resourceMetadataFromChallenge(a.www_authenticate) ?? null],
  'protected-resource-metadata-url': [['resource'], (a) => client.protectedResourceMetadataUrl(a.resource)],
  'authorization-server-metadata-url': [['issuer'], (a) => client.authorizationServerMetadataUrl(a.issuer)],
  'read-protected-resource-metadata': [['resource', 'document'],
    (a) => resultJson(() => client.readProtectedResourceMetadata(a.resource, a.document), (s) => s)],
  'read-authorization-server-metadata': [['issuer', 'document'],
    (a) => resultJson(() => client.readAuthorizationServerMetadata(a.issuer, a.document),
      (e) => ({ token_endpoint: e.tokenEndpoint }))],
  'read-identity-provider-metadata': [['issuer', 'document'],
    (a) => resultJson(() => client.readIdentityProviderMetadata(a.issuer, a.document), (e) => ({
      token_endpoint: e.tokenEndpoint,
      development_sign_in_endpoint: e.developmentSignInEndpoint ?? null,
    }))],
  'token-exchange-body': [['subject_token', 'subject_type', 'audience', 'resource', 'scope'],
    (a) => client.tokenExchangeBody(a.subject_token, a.subject_type, a.audience, opt(a.resource), opt(a.scope))],
  'jwt-bearer-body': [['id_jag', 'resource', 'scope'],
    (a) => client.jwtBearerBody(a.id_jag, opt(a.resource), opt(a.scope))],
  'read-token-response': [['kind', 'status', 'body'],
    (a) => resultJson(() => client.readTokenResponse(a.kind, a.status, a.body), tokenResponseJson)],
  'sign-in-body': [['username', 'password'], (a) => client.signInBody(a.username, a.password)],
  'basic-authorization': [['client_id', 'client_secret'],
    (a) => client.basicAuthorization(a.client_id, a.client_secret)],
};
const clientCall = (fn, args) => {
  const entry = CLIENT_FUNCTIONS[fn];
  if (entry === undefined) throw new Error(`unknown client function ${JSON.stringify(fn)}`);
  const [names, call] = entry;
  if (JSON.stringify(Object.keys(args).sort()) !== JSON.stringify([...names].sort())) {
    throw new Error(`${fn}: args ${JSON.stringify(Object.keys(args))} are not ${JSON.stringify(names)}`);
  }
  try {
    return call(args);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) return '<trap>';
    throw e;
  }
};

// One step, rendered like its expectation (host/src/conformance/run.rs: run_step).
const HTTP_SURFACES = {
  'as-http': (r) => v.authorizationServerHttp(r),
  'idp-http': (r) => v.identityProviderHttp(r),
  'resource-http': (r) => v.resourceServerHttp(r),
};
const runStep = ({ input: i }) => {
  if (i.kind === 'id-jag') return { verdict: verdictStr(v.validateIdJag(i.token, i.client_id)) };
  if (i.kind === 'access-token') return { verdict: verdictStr(v.validateAccessToken(i.token)) };
  if (i.kind === 'jws') {
    const r = v.verifyJwsSignature(i.token, i.jwks, i.algorithms);
    return { verdict: r.tag === 'signature-valid' ? 'signature-valid' : r.val.code };
  }
  if (i.kind in HTTP_SURFACES) return httpValue(HTTP_SURFACES[i.kind](httpRequest(i.request)));
  if (i.kind === 'client') return { output: clientCall(i.function, i.args) };
  throw new Error(`unknown input kind ${JSON.stringify(i.kind)}`);
};

// undefined when `got` satisfies `expect`, else why not (mirrors run.rs: compare).
const compare = (expect, got) => {
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
};

// One case on a fresh state: configure (which drops every cache of the component), an empty replay
// store, the clock at the case's `now` or the suite's. undefined or why it fails.
const runCase = (c) => {
  const entry = configs.configs[c.config];
  if (entry === undefined) return `unknown config ${JSON.stringify(c.config)}`;
  if ('error' in entry) return `config ${JSON.stringify(c.config)} does not load: ${entry.error}`;
  now = BigInt(c.now ?? suite.now);
  replay.clear();
  try {
    v.configure(configFromJson(entry.config));
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw e;
    return `the component refused config ${JSON.stringify(c.config)}: ${JSON.stringify(e.payload ?? String(e))}`;
  }
  for (const [n, step] of c.steps.entries()) {
    const why = compare(step.expect, runStep(step));
    if (why !== undefined) return `step ${n + 1}: ${why}`;
  }
  return undefined;
};

if (suite !== undefined) {
  let mismatches = 0;
  for (const c of suite.cases) {
    let why;
    try {
      why = runCase(c);
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e; // a bug of this runner, not a case
      why = `trap: ${e}`; // a trap leaves the instance unusable: start afresh
      await start();
    }
    if (why !== undefined) {
      mismatches += 1;
      console.error(`node: MISMATCH ${c.id}: ${why}`);
    }
  }
  const n = suite.cases.length;
  console.log(`node: ${n - mismatches}/${n} suite cases agree`);
  process.exit(mismatches === 0 ? 0 : 1);
}

const tokens = (f) => readFileSync(join(resolve(args.samples), f), 'utf8').split('\n')
  .map((l) => l.trim()).filter((l) => l !== '');
const verdicts = [
  ...tokens('id-jags.txt').map((t) => verdictStr(v.validateIdJag(t, CLIENT_ID))),
  ...tokens('access-tokens.txt').map((t) => verdictStr(v.validateAccessToken(t))),
];
for (const x of verdicts) console.log(x);

if (args.expect !== undefined) {
  const expected = args.expect.split(',').filter((x) => x !== '');
  if (JSON.stringify(expected) !== JSON.stringify(verdicts)) {
    console.error(`node: verdicts ${JSON.stringify(verdicts)} != expected ${JSON.stringify(expected)}`);
    process.exit(1);
  }
}
