// Node host smoke test for the xaa-token component (jco transpile --instantiation async).
//
//   node smoke.mjs --wasm ../../target/release/xaa_token.wasm --samples DIR \
//                  [--out ../../target/js-out] [--expect valid,replayed,...]
//
// 1. Import-list test: `jco wit <wasm>` must show no import outside `xaa:token/*`.
// 2. `jco transpile <wasm> -o <out> --instantiation async`.
// 3. Instantiates it with a JS implementation of `xaa:token/host`, configures it from the sample
//    xaa.toml (mapped to the WIT `config` record, JWKS files inline), validates every ID-JAG (client
//    "mcp-client") and access token, and prints one line per token: `valid` or the rejection code.
//    The conformance suite runs through the npm package instead (bindings/js/test/suite.test.mjs,
//    with and without node:crypto): this file stays the smallest complete host, with no
//    accelerators (the component's pure-Rust crypto decides).
// Exits 1 on a failed check or verdict mismatch, 2 on a setup error.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const NOW = 1800000000n;
const CLIENT_ID = 'mcp-client';

const { values: args } = parseArgs({
  options: {
    wasm: { type: 'string' },
    samples: { type: 'string' },
    out: { type: 'string', default: resolve(here, '../../target/js-out') },
    expect: { type: 'string' },
  },
});
if (!args.wasm || args.samples === undefined) {
  console.error('usage: node smoke.mjs --wasm FILE.wasm --samples DIR [--expect a,b,...] [--out DIR]');
  process.exit(2);
}
// The host state: the pinned clock (s64 -> BigInt), the replay store.
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
const start = async () => {
  const root = await instantiate(
    async (f) => WebAssembly.compile(await readFile(join(outDir, f))),
    // The generated code reads the unversioned key; the .d.ts names the versioned one. Pass both.
    { 'xaa:token/host': host, 'xaa:token/host@0.2.0': host, 'xaa:token/types': {}, 'xaa:token/types@0.2.0': {} },
  );
  v = root.validator ?? root['xaa:token/validator@0.2.0'];
};
await start();

try {
  v.configure(configFromToml(join(resolve(args.samples), 'xaa.toml')));
} catch (e) {
  // An exported result's err throws (ComponentError with .payload = list<config-error>).
  console.error('node: configure refused:', JSON.stringify(e.payload ?? String(e)));
  process.exit(2);
}

const verdictStr = (r) => {
  if (r.tag === 'valid') return 'valid';
  if (r.tag === 'rejected') return r.val.code;
  throw new Error(`unexpected verdict ${JSON.stringify(r)}`);
};

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
