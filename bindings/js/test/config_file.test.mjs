// The TOML mapping proved equal to the Rust host's: every configuration of the conformance suite
// read by this package (configJsonFromToml) and by `xaa conformance configs` (host/src/config_file.rs)
// gives the same JSON. Then the errors: the host's (syntax) and the component's (values), listed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError, ConfigFileError, MemoryReplayStore, Validator, configJsonFromFile, configJsonFromToml, readConfigFile,
} from '../dist/index.js';
import { SUITE_PATH, suite, suiteConfig } from './suite_data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const XAA = resolve(here, process.env.XAA ?? '../../../target/release/xaa');

test('every suite configuration maps as `xaa conformance configs` maps it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xaa-js-configs-'));
  try {
    const out = join(dir, 'configs.json');
    execFileSync(XAA, ['conformance', 'configs', '--suite', SUITE_PATH, '--out', out], { stdio: 'inherit' });
    const rust = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(rust.format, 'xaa-conformance-configs/1');
    const names = Object.keys(suite.configs);
    assert.deepEqual(Object.keys(rust.configs).sort(), [...names].sort());
    assert.ok(names.length >= 20, `${names.length} configurations`);
    for (const name of names) {
      const { toml, files } = suiteConfig(name);
      assert.ok('config' in rust.configs[name], `${name}: xaa loads it`);
      assert.deepEqual(configJsonFromToml(toml, files), rust.configs[name].config, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configuration file is read with its files relative to its directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xaa-js-file-'));
  try {
    const { toml, fileMap } = suiteConfig('validator');
    for (const [name, text] of Object.entries(fileMap)) writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, 'xaa.toml'), toml);
    assert.deepEqual(configJsonFromFile(join(dir, 'xaa.toml')), configJsonFromToml(toml, (f) => fileMap[f]));
    rmSync(join(dir, 'as.jwks'));
    assert.throws(() => configJsonFromFile(join(dir, 'xaa.toml')), (e) => e instanceof ConfigFileError
      && e.message.includes('resource_server.jwks_file: cannot read'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Each row: a TOML text the host must refuse, and a part of the message saying why.
const HOST_REFUSES = [
  ['[resource_server]\nresource = "https://r"\nissuer = "https://as"\njwks_uri = "https://as/j"\nsurprise = 1\n',
    'resource_server.surprise: unknown field'],
  ['[resource_server]\nresource = "https://r"\nissuer = "https://as"\njwks_uri = "https://as/j"\nleeway = "60"\n',
    'resource_server.leeway: expected an integer'],
  ['[resource_server]\nresource = "https://r"\nissuer = "https://as"\njwks_uri = "https://as/j"\nleeway = -1\n',
    'resource_server.leeway: expected an integer'],
  ['[resource_server]\nresource = "https://r"\nissuer = "https://as"\njwks_uri = "https://as/j"\njwks_file = "k"\n',
    'give jwks_file or jwks_uri, not both'],
  ['[resource_server]\nresource = "https://r"\nissuer = "https://as"\n', 'give jwks_file or jwks_uri'],
  ['[resource_server]\nissuer = "https://as"\njwks_uri = "https://as/j"\n', 'missing field `resource`'],
  ['[[trusted_issuers]]\nissuer = "https://idp"\njwks_uri = "https://idp/j"\n', 'needs an [authorization_server]'],
  ['[[clients]]\nclient_id = "c"\nauth_method = "none"\n', '[[clients]] needs a [token_endpoint]'],
  ['[authorization_server]\nissuer = "https://as"\n[token_endpoint]\n[[clients]]\nclient_id = "c"\nauth_method = "client_secret_jwt"\n',
    'unknown variant `client_secret_jwt`'],
  ['[authorization_server]\nissuer = "https://as"\n[token_endpoint]\n[[clients]]\nclient_id = "c"\nauth_method = "client_secret_basic"\n',
    'client_secret_sha256 is required'],
  ['[gateway]\n', '[gateway] needs a [resource_server]'],
  ['token_cache_size = 4294967296\n', 'token_cache_size: expected an integer in 0..=4294967295'],
  ['[resource_server\n', ''],
];

test('the host refuses what it cannot read, saying where', () => {
  for (const [toml, why] of HOST_REFUSES) {
    assert.throws(() => configJsonFromToml(toml, () => undefined), (e) => e instanceof ConfigFileError
      && e.message.includes(why), `${JSON.stringify(toml)} refused with "${why}"`);
  }
});

test('the component refuses unsafe values and lists every reason', async () => {
  const { toml, files } = suiteConfig('validator');
  const good = configJsonFromToml(toml, files);
  const bad = structuredClone(good);
  bad.resource_server.algorithms = ['HS256'];
  bad.resource_server.leeway = 100000;
  bad.authorization_server.trusted_issuers[0].algorithms = ['none'];
  const v = await Validator.create();
  assert.throws(() => v.configure(bad), (e) => {
    assert.ok(e instanceof ConfigError);
    assert.ok(e.errors.length >= 3, JSON.stringify(e.errors));
    const paths = e.errors.map((x) => x.path).join(' ');
    for (const p of ['resource-server', 'trusted-issuers']) {
      assert.match(paths.replaceAll('_', '-'), new RegExp(p), paths);
    }
    return true;
  });
  // Refused, it stays unconfigured: tokens are refused, not judged by some other configuration.
  const token = suite.cases.find((c) => c.id === 'baseline-access-token-valid').steps[0].input.token;
  const verdict = await v.validateAccessToken(token, { now: suite.now });
  assert.equal(verdict.valid, false);
  assert.equal(verdict.code, 'not_configured');
  v.configure(good);
  assert.equal((await v.validateAccessToken(token, { now: suite.now })).valid, true);
});

test('a JSON configuration of the wrong shape is refused before the component', async () => {
  const v = await Validator.create();
  assert.throws(() => v.configure({ authorization_server: null }), /jwks_cache: missing/);
  assert.throws(() => v.configure([]), /expected an object/);
  const { toml, files } = suiteConfig('token-endpoint');
  const c = configJsonFromToml(toml, files);
  c.authorization_server.token_endpoint.clients[0].credential = { ClientSecretJwt: 'x' };
  assert.throws(() => v.configure(c), /credential: expected one of/);
});

test('[replay_store] (Redis) needs the replayStore option: never silently per process', async () => {
  const { toml, files } = suiteConfig('validator');
  const text = `${toml}\n[replay_store]\nurl = "redis://127.0.0.1:6379/0"\ntimeout_ms = 150\n`;
  const file = readConfigFile(text, files);
  assert.deepEqual(file.replayStore, { url: 'redis://127.0.0.1:6379/0', timeoutMs: 150 });
  assert.deepEqual(file.config, configJsonFromToml(toml, files), 'the component configuration is unchanged');
  await assert.rejects(Validator.fromToml(text, files), (e) => e instanceof ConfigFileError && /\[replay_store\]/.test(e.message));
  const v = await Validator.fromToml(text, files, { replayStore: new MemoryReplayStore() });
  assert.equal(v.resource, file.config.resource_server.resource);
  assert.equal(readConfigFile(toml, files).replayStore, undefined);
  assert.throws(() => readConfigFile('[replay_store]\ntimeout_ms = 1\n', files), /missing field `url`/);
});

test('a configuration with every key of every section maps as xaa maps it', () => {
  const toml = readFileSync(join(here, 'every_key.toml'), 'utf8');
  // Its files: the suite's test keys, from the configurations that carry them.
  const files = Object.assign({}, ...['validator', 'token-endpoint', 'identity-provider'].map((n) => suiteConfig(n).fileMap));
  const dir = mkdtempSync(join(tmpdir(), 'xaa-js-every-key-'));
  try {
    const one = join(dir, 'suite.json');
    writeFileSync(one, JSON.stringify({ ...suite, configs: { all: { toml, files } }, cases: [] }));
    execFileSync(XAA, ['conformance', 'configs', '--suite', one, '--out', join(dir, 'configs.json')], { stdio: 'inherit' });
    const rust = JSON.parse(readFileSync(join(dir, 'configs.json'), 'utf8')).configs.all;
    assert.ok('config' in rust, JSON.stringify(rust));
    const mine = readConfigFile(toml, (f) => files[f]);
    assert.deepEqual(mine.config, rust.config);
    assert.deepEqual(mine.replayStore, { url: 'redis://127.0.0.1:6379/0', timeoutMs: 100 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
