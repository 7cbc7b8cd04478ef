// The Validator's public API: Verdict fields (against the token's own payload, decoded here),
// refusals, the per-call clock, single use, a trap replaced, the escape hatch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, MemoryReplayStore, Validator, Verdict, configJsonFromToml } from '../dist/index.js';
import { jwtPayload, suite, suiteCase, suiteConfig } from './suite_data.mjs';

const config = (name) => {
  const { toml, files } = suiteConfig(name);
  return configJsonFromToml(toml, files);
};
const firstInput = (id) => suiteCase(id).steps[0].input;

for (const accelerators of [true, false]) {
  test(`a valid access token's Verdict carries its claims (accelerators ${accelerators})`, async () => {
    const { token } = firstInput('baseline-access-token-valid');
    const claims = jwtPayload(token);
    const v = await Validator.fromConfig(config('validator'), { accelerators });
    const verdict = await v.validateAccessToken(token, { now: suite.now });
    assert.ok(verdict instanceof Verdict);
    assert.equal(verdict.valid, true);
    assert.equal(verdict.code, 'valid');
    assert.equal(verdict.httpStatus, 200);
    assert.equal(verdict.oauthError, undefined);
    assert.equal(verdict.issuer, claims.iss);
    assert.equal(verdict.subject, claims.sub);
    assert.deepEqual(verdict.audience, [claims.aud].flat());
    assert.equal(verdict.clientId, claims.client_id);
    assert.equal(verdict.scope, claims.scope);
    assert.deepEqual(verdict.scopes, claims.scope.split(' '));
    assert.equal(verdict.jwtId, claims.jti);
    assert.equal(verdict.issuedAt, claims.iat);
    assert.equal(verdict.expiresAt, claims.exp);
    assert.deepEqual(verdict.resource, []);
    assert.deepEqual(verdict.claims, claims);
  });
}

test("a valid ID-JAG's Verdict names its resource, and its jti is used once", async () => {
  const { token, client_id: clientId } = firstInput('baseline-id-jag-valid');
  const claims = jwtPayload(token);
  const v = await Validator.fromConfig(config('validator'));
  const first = await v.validateIdJag(token, clientId, { now: suite.now });
  assert.equal(first.valid, true);
  assert.deepEqual(first.resource, [claims.resource].flat());
  assert.equal(first.clientId, clientId);
  const again = await v.validateIdJag(token, clientId, { now: suite.now });
  assert.equal(again.valid, false);
  assert.equal(again.code, 'replayed');
});

test('a refused access token: code, OAuth error, status and challenge (RFC 6750 §3)', async () => {
  const { token } = firstInput('T05-b');
  const v = await Validator.fromConfig(config('validator'));
  const verdict = await v.validateAccessToken(token, { now: suite.now });
  assert.equal(verdict.valid, false);
  assert.equal(verdict.code, 'audience_mismatch');
  assert.equal(verdict.oauthError, 'invalid_token');
  assert.equal(verdict.httpStatus, 401);
  assert.match(verdict.wwwAuthenticate, /^Bearer .*error="invalid_token"/);
  assert.equal(typeof verdict.description, 'string');
  assert.equal(verdict.subject, undefined);
  assert.deepEqual(verdict.claims, {});
  assert.ok(!verdict.description.includes(token), 'the description does not echo the token');
});

test('the per-call clock decides expiry; the default clock is the system clock', async () => {
  const { token } = firstInput('baseline-access-token-valid');
  const { exp } = jwtPayload(token);
  const v = await Validator.fromConfig(config('validator'));
  assert.equal((await v.validateAccessToken(token, { now: exp + 3600 })).code, 'expired');
  // The system clock (2026) is before this token's iat (2027): not yet valid, never valid.
  assert.equal((await v.validateAccessToken(token)).valid, false);
  const pinned = await Validator.fromConfig(config('validator'), { clock: () => suite.now });
  assert.equal((await pinned.validateAccessToken(token)).valid, true);
});

test('a replay store that cannot answer makes the component refuse (fail closed)', async () => {
  const { token, client_id: clientId } = firstInput('baseline-id-jag-valid');
  const broken = { insert() { throw new Error('store down'); } };
  const v = await Validator.fromConfig(config('validator'), { replayStore: broken });
  const verdict = await v.validateIdJag(token, clientId, { now: suite.now });
  assert.equal(verdict.valid, false);
  assert.equal(v.traps, 0);
});

test('an asynchronous replay store is refused (a Promise is no answer): the token is refused', async () => {
  const { token, client_id: clientId } = firstInput('baseline-id-jag-valid');
  const asyncStore = { insert: async () => true };
  const v = await Validator.fromConfig(config('validator'), { replayStore: asyncStore });
  const verdict = await v.validateIdJag(token, clientId, { now: suite.now });
  assert.equal(verdict.valid, false);
  assert.notEqual(verdict.code, 'replayed');
  assert.equal(v.traps, 0);
});

test('the bounded memory replay store refuses when full of live keys, sweeps expired ones', () => {
  const s = new MemoryReplayStore(2);
  assert.equal(s.insert('a', 100, 10), true);
  assert.equal(s.insert('a', 100, 10), false);
  assert.equal(s.insert('b', 20, 10), true);
  assert.throws(() => s.insert('c', 100, 10), /full/);
  assert.equal(s.insert('c', 100, 50), true); // b expired at 20: swept
  assert.equal(s.insert('a', 100, 50), false);
  assert.throws(() => new MemoryReplayStore(0), RangeError);
});

test('a trap answers internal_error, replaces the instance, keeps the configuration', async () => {
  const { token } = firstInput('baseline-access-token-valid');
  let broken = false;
  const clock = () => {
    if (broken) throw new Error('clock failure');
    return suite.now;
  };
  const v = await Validator.fromConfig(config('validator'), { clock });
  broken = true;
  const refused = await v.validateAccessToken(token);
  assert.equal(refused.valid, false);
  assert.equal(refused.code, 'internal_error');
  assert.equal(refused.oauthError, 'server_error');
  assert.equal(refused.httpStatus, 500);
  assert.equal(v.traps, 1);
  const http = await v.resourceServerHttp({ method: 'GET', path: '/mcp', headers: [['authorization', `Bearer ${token}`]] });
  assert.equal(http.status, 500);
  assert.equal(http.verdictCode, 'internal_error');
  assert.deepEqual(JSON.parse(new TextDecoder().decode(http.body)), { error: 'server_error' });
  assert.ok(!('trap' in v.call('client.basic-authorization', ['a', 'b'])), 'no clock read: no trap');
  broken = false;
  assert.equal(v.traps, 2);
  assert.equal((await v.validateAccessToken(token)).valid, true, 'the new instance is configured');
});

test('a refused reconfiguration leaves the instance unconfigured, also after a trap', async () => {
  const { token } = firstInput('baseline-access-token-valid');
  const v = await Validator.fromConfig(config('validator'), { clock: () => suite.now });
  assert.equal((await v.validateAccessToken(token)).valid, true);
  const bad = config('validator');
  bad.resource_server.algorithms = ['none'];
  assert.throws(() => v.configure(bad), ConfigError);
  assert.equal((await v.validateAccessToken(token)).code, 'not_configured');
  assert.equal(v.resource, undefined);
  // A call that fails inside the bindings (a number where the WIT says string) replaces the instance.
  assert.ok('trap' in v.call('validator.validate-access-token', [42]));
  assert.equal(v.traps, 1);
  assert.equal((await v.validateAccessToken(token)).code, 'not_configured', 'the old configuration did not come back');
  assert.throws(() => v.call('validator.configure', [config('validator')]), /use configure\(\)/);
});

test('call: any export by WIT name; a result error is {err}; unknown names throw', async () => {
  const v = await Validator.create();
  assert.deepEqual(v.call('client.protected-resource-metadata-url', ['https://mcp.example.com/mcp']),
    { ok: 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp' });
  assert.deepEqual(v.call('client.read-protected-resource-metadata', ['https://r.example', '[]']),
    { err: 'not a JSON object' });
  assert.deepEqual(v.call('keys.client-secret-digest', ['abc']),
    { ok: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' }); // FIPS 180-2 "abc"
  assert.throws(() => v.call('client.nope', []), TypeError);
  assert.throws(() => v.call('host.now', []), TypeError);
});
