// httpHandler (node:http and Express 5) serving the component's AS surface, with its body cap;
// OAuthTokenVerifier against the MCP SDK's own verifyBearerToken / requireBearerAuth.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import express from 'express';
import { OAuthError, requireBearerAuth, verifyBearerToken } from '@modelcontextprotocol/server';
import { Validator, configJsonFromToml, httpHandler } from '../dist/index.js';
import { OAuthTokenVerifier } from '../dist/mcp.js';
import { jwtPayload, suite, suiteCase, suiteConfig } from './suite_data.mjs';

const config = (name) => {
  const { toml, files } = suiteConfig(name);
  return configJsonFromToml(toml, files);
};
const events = [];
let server;
let base;

before(async () => {
  const v = await Validator.fromConfig(config('token-endpoint'), { clock: () => suite.now });
  const handler = httpHandler(v, { maxBodyBytes: 64 * 1024, onResponse: (e) => events.push(e) });
  server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('node:http: the token endpoint answers a suite request as the suite expects', async () => {
  const c = suiteCase('3b-02-http-private-key-jwt');
  const { input: { request }, expect } = c.steps[0];
  const r = await fetch(`${base}${request.path}`, {
    method: request.method, headers: request.headers, body: request.body,
  });
  assert.equal(r.status, expect.status);
  const body = await r.json();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(typeof body.access_token, 'string');
  const logged = JSON.stringify(events);
  assert.ok(!logged.includes(body.access_token) && !logged.includes(request.body.slice(0, 200)), 'no token in events');
});

test('node:http: metadata and JWK Set are served; unknown paths are 404', async () => {
  const meta = await fetch(`${base}/.well-known/oauth-authorization-server`);
  assert.equal(meta.status, 200);
  assert.equal((await meta.json()).issuer, config('token-endpoint').authorization_server.issuer);
  assert.equal((await fetch(`${base}/jwks.json`)).status, 200);
  assert.equal((await fetch(`${base}/.well-known/openid-configuration`)).status, 404);
});

test('node:http: a body over the cap is 413, declared or streamed', async () => {
  const big = 'a'.repeat(64 * 1024 + 1);
  const declared = await fetch(`${base}/token`, { method: 'POST', body: big });
  assert.equal(declared.status, 413);
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < 80; i++) c.enqueue(new TextEncoder().encode('a'.repeat(1024)));
      c.close();
    },
  });
  const streamed = await fetch(`${base}/token`, { method: 'POST', body: stream, duplex: 'half' });
  assert.equal(streamed.status, 413);
  assert.equal((await streamed.json()).error, 'invalid_request');
});

test('Express 5: mounted as middleware, it serves the same surface', async () => {
  const app = express();
  app.use(httpHandler(await Validator.fromConfig(config('token-endpoint'))));
  const s = app.listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  try {
    const r = await fetch(`http://127.0.0.1:${s.address().port}/jwks.json`);
    assert.equal(r.status, 200);
    assert.ok(Array.isArray((await r.json()).keys));
    assert.equal((await fetch(`http://127.0.0.1:${s.address().port}/token`)).status, 405);
  } finally {
    s.closeAllConnections();
    s.close();
  }
});

const { token } = suiteCase('baseline-access-token-valid').steps[0].input;

test('OAuthTokenVerifier: AuthInfo with expiresAt, resource, scopes, clientId, extra', async () => {
  const claims = jwtPayload(token);
  const v = await Validator.fromConfig(config('validator'), { clock: () => suite.now });
  const info = await new OAuthTokenVerifier(v).verifyAccessToken(token);
  assert.equal(info.token, token);
  assert.equal(info.expiresAt, claims.exp);
  assert.equal(info.clientId, claims.client_id);
  assert.deepEqual(info.scopes, claims.scope.split(' '));
  assert.equal(info.resource.href, config('validator').resource_server.resource);
  assert.equal(info.extra.subject, claims.sub);
  assert.deepEqual(info.extra.claims, claims);
});

test('OAuthTokenVerifier: a refusal throws the SDK OAuthError invalid_token; a trap server_error', async () => {
  let broken = false;
  const v = await Validator.fromConfig(config('validator'), {
    clock: () => {
      if (broken) throw new Error('clock failure');
      return suite.now;
    },
  });
  const verifier = new OAuthTokenVerifier(v);
  await assert.rejects(verifier.verifyAccessToken(suiteCase('T05-b').steps[0].input.token),
    (e) => e instanceof OAuthError && e.code === 'invalid_token');
  await assert.rejects(verifier.verifyAccessToken('not a token'), (e) => e instanceof OAuthError && e.code === 'invalid_token');
  broken = true;
  await assert.rejects(verifier.verifyAccessToken(token), (e) => e instanceof OAuthError && e.code === 'server_error');
});

test("the SDK's verifyBearerToken and requireBearerAuth accept and refuse through it", async () => {
  const v = await Validator.fromConfig(config('validator'), { clock: () => suite.now });
  const options = { verifier: new OAuthTokenVerifier(v), expectedResource: new URL(v.resource) };
  const info = await verifyBearerToken(`Bearer ${token}`, options);
  assert.equal(info.token, token);
  await assert.rejects(verifyBearerToken(`Bearer ${token}`, { ...options, expectedResource: new URL('https://other.example/mcp') }),
    (e) => e instanceof OAuthError && e.code === 'invalid_token');
  await assert.rejects(verifyBearerToken(`Bearer ${token}`, { ...options, requiredScopes: ['admin'] }),
    (e) => e instanceof OAuthError && e.code === 'insufficient_scope');
  const gate = requireBearerAuth(options);
  const refused = await gate(new Request('https://mcp.example.com/mcp', { headers: { authorization: 'Bearer x.y.z' } }));
  assert.ok(refused instanceof Response);
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate'), /invalid_token/);
});
