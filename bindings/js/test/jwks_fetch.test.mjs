// JWK Set fetching against a local server: same-origin redirects followed, cross-origin ones
// refused, oversize bodies refused (declared or streamed), timeouts; and the async path end to
// end: a resource server whose keys are at a jwks_uri validates once the package fetched them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { DEFAULT_MAX_BYTES, JwksFetchError, Validator, configJsonFromToml, fetchJwks } from '../dist/index.js';
import { suite, suiteCase, suiteConfig } from './suite_data.mjs';

const { fileMap } = suiteConfig('validator');
const AS_JWKS = fileMap['as.jwks'];
let server;
let base;
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    hits += 1;
    const port = server.address().port;
    switch (req.url) {
      case '/jwks':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=120' });
        return res.end(AS_JWKS);
      case '/same':
        res.writeHead(302, { location: '/jwks' });
        return res.end();
      case '/cross':
        res.writeHead(302, { location: `http://localhost:${port}/jwks` });
        return res.end();
      case '/loop':
        res.writeHead(307, { location: '/loop' });
        return res.end();
      case '/big-declared':
        res.writeHead(200, { 'content-length': String(DEFAULT_MAX_BYTES + 1) });
        return res.end(' '.repeat(DEFAULT_MAX_BYTES + 1));
      case '/big-streamed':
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no length declared
        for (let i = 0; i < 300; i++) res.write(' '.repeat(1024));
        return res.end();
      case '/not-utf8':
        res.writeHead(200);
        return res.end(Buffer.from([0xff, 0xfe]));
      case '/slow':
        return undefined; // never answers
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('a JWK Set is fetched with its max-age; same-origin redirects are followed', async () => {
  assert.deepEqual(await fetchJwks(`${base}/jwks`), { status: 200, body: AS_JWKS, maxAge: 120 });
  assert.deepEqual(await fetchJwks(`${base}/same`), { status: 200, body: AS_JWKS, maxAge: 120 });
  assert.equal((await fetchJwks(`${base}/nothing`)).status, 404);
});

test('refused: cross-origin redirect, redirect loop, oversize (declared and streamed), non-UTF-8, timeout', async () => {
  const refused = async (path, why, options) => {
    await assert.rejects(fetchJwks(`${base}${path}`, options),
      (e) => e instanceof JwksFetchError && e.message.includes(why), `${path}: ${why}`);
  };
  await refused('/cross', 'cross-origin redirect refused');
  await refused('/loop', 'too many redirects');
  await refused('/big-declared', 'body over 262144 bytes');
  await refused('/big-streamed', 'body over 262144 bytes');
  await refused('/not-utf8', 'not UTF-8');
  await refused('/slow', 'timed out after 200 ms', { timeoutMs: 200 });
  await assert.rejects(fetchJwks('file:///etc/passwd'), /scheme file: refused/);
  await assert.rejects(fetchJwks('not a url'), /not a URL/);
});

// The suite's validator configuration with the resource server's keys at `path` of this server.
const atUri = (path) => {
  const { toml, files } = suiteConfig('validator');
  const text = toml.replace('jwks_file = "as.jwks"', `jwks_uri = "${base}${path}"`);
  assert.notEqual(text, toml);
  return configJsonFromToml(text, files);
};
const { token } = suiteCase('baseline-access-token-valid').steps[0].input;

test('validateAccessToken fetches pending keys, supplies them, and answers (then from cache)', async () => {
  const v = await Validator.fromConfig(atUri('/jwks'));
  const before = hits;
  const verdict = await v.validateAccessToken(token, { now: suite.now });
  assert.equal(verdict.code, 'valid');
  assert.equal(hits - before, 1);
  await Promise.all([1, 2, 3].map(() => v.validateAccessToken(token, { now: suite.now })));
  assert.equal(hits - before, 1, 'cached for max-age');
});

test('keys behind a cross-origin redirect are unavailable: the token is refused', async () => {
  const v = await Validator.fromConfig(atUri('/cross'));
  const verdict = await v.validateAccessToken(token, { now: suite.now });
  assert.equal(verdict.valid, false);
  assert.equal(verdict.code, 'keys_unavailable');
  const big = await Validator.fromConfig(atUri('/big-streamed'));
  assert.equal((await big.validateAccessToken(token, { now: suite.now })).code, 'keys_unavailable');
});
