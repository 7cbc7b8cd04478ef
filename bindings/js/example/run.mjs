// The example end to end, as CI runs it: a real `xaa serve idp` and `xaa serve as` on 127.0.0.1
// issue an access token (development sign-in, RFC 8693 token exchange for an ID-JAG, the
// jwt-bearer grant), the example MCP server (example/mcp_server.mjs: the official SDK's
// requireBearerAuth with this package's OAuthTokenVerifier, its keys fetched from the AS's
// jwks_uri) accepts it, and the official @modelcontextprotocol/client lists and calls the tool.
// Refused with 401: no token, an expired token (signed with the AS's own key), a token the AS
// issued for another resource.
//
//   node example/run.mjs        # XAA=path/to/xaa (default ../../target/release/xaa)
// Prints one line per check; exits 1 when any check failed.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { Validator } from 'xaa-token';
import { startMcpServer } from './mcp_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const XAA = resolve(here, process.env.XAA ?? '../../../target/release/xaa');
const PASSWORD = 'example-password';
const work = mkdtempSync(join(tmpdir(), 'xaa-js-example-'));
const procs = [];
let failures = 0;

const check = async (name, f) => {
  try {
    const detail = await f();
    console.log(`example: ok - ${name}${detail === undefined ? '' : `: ${detail}`}`);
  } catch (e) {
    failures += 1;
    console.log(`example: FAIL - ${name}: ${e?.message ?? e}`);
  }
};
const expect = (cond, why) => {
  if (!cond) throw new Error(why);
};
const freePort = () => new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => res(port));
  });
});
const xaa = (...args) => execFileSync(XAA, args, { cwd: work, encoding: 'utf8' });
const write = (name, lines) => writeFileSync(join(work, name), `${lines.join('\n')}\n`);

/** Starts `xaa serve ROLE`; resolves when it prints `listening on`. */
const serve = (role, listen) => new Promise((res, rej) => {
  const p = spawn(XAA, ['serve', role, '--config', `${role}.toml`, '--listen', listen, '--instances', '1'],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(p);
  let out = '';
  let err = '';
  const timer = setTimeout(() => rej(new Error(`xaa serve ${role} did not start: ${err.slice(-500)}`)), 20000);
  p.stdout.on('data', (d) => {
    out += d;
    if (out.includes('listening on')) {
      clearTimeout(timer);
      res();
    }
  });
  p.stderr.on('data', (d) => { err += d; });
  p.on('exit', (code) => rej(new Error(`xaa serve ${role} exited ${code}: ${err.slice(-500)}`)));
});

const form = async (url, fields) => {
  const r = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${body.error}`);
  return body;
};

try {
  const [pi, pa, pm] = [await freePort(), await freePort(), await freePort()];
  const idp = `http://127.0.0.1:${pi}`;
  const as = `http://127.0.0.1:${pa}`;
  const resource = `http://127.0.0.1:${pm}/mcp`;
  const other = 'http://127.0.0.1:1/other-mcp';

  // --- keys, secrets, configurations ----------------------------------------------------------
  const idpPublic = JSON.parse(xaa('keys', 'generate', '--out', 'idp.jwk'));
  xaa('keys', 'generate', '--out', 'as.jwk');
  writeFileSync(join(work, 'idp.jwks'), JSON.stringify({ keys: [idpPublic] }));
  const secret = () => JSON.parse(xaa('keys', 'client-secret'));
  const agent = secret();
  const client = secret();
  write('idp.toml', [
    '[identity_provider]', `issuer = "${idp}"`, 'signing_keys = ["idp.jwk"]', 'development_sign_in = true', '',
    '[[users]]', 'sub = "alice"', `password_sha256 = "${createHash('sha256').update(PASSWORD).digest('hex')}"`, '',
    '[[idp_clients]]', 'client_id = "agent"', 'auth_method = "client_secret_post"',
    `client_secret_sha256 = "${agent.client_secret_sha256}"`, '',
    '[[connections]]', 'client_id = "agent"', `audience = "${as}"`, `resources = ${JSON.stringify([resource, other])}`,
    'scopes = ["chat.read"]', 'client_id_at_audience = "mcp-client"',
  ]);
  write('as.toml', [
    '[authorization_server]', `issuer = "${as}"`, `resources = ${JSON.stringify([resource, other])}`, '',
    '[[trusted_issuers]]', `issuer = "${idp}"`, 'jwks_file = "idp.jwks"', 'algorithms = ["ES256"]', '',
    '[token_endpoint]', 'signing_keys = ["as.jwk"]', '',
    '[[clients]]', 'client_id = "mcp-client"', 'auth_method = "client_secret_post"',
    `client_secret_sha256 = "${client.client_secret_sha256}"`, `resources = ${JSON.stringify([resource, other])}`,
    'scopes = ["chat.read"]',
  ]);
  // The MCP server's keys: the AS's published JWK Set, fetched by this package.
  write('resource.toml', [
    '[resource_server]', `resource = "${resource}"`, `issuer = "${as}"`, `jwks_uri = "${as}/jwks.json"`,
    'algorithms = ["ES256"]',
  ]);
  await Promise.all([serve('idp', `127.0.0.1:${pi}`), serve('as', `127.0.0.1:${pa}`)]);

  // --- an access token from the real servers ------------------------------------------------
  const accessToken = async (forResource) => {
    const { id_token: idToken } = await form(`${idp}/dev/sign-in`,
      { username: 'alice', password: PASSWORD, client_id: 'agent', client_secret: agent.client_secret });
    const { access_token: idJag } = await form(`${idp}/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
      subject_token: idToken, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      audience: as, resource: forResource, client_id: 'agent', client_secret: agent.client_secret,
    });
    const { access_token: token } = await form(`${as}/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: idJag, resource: forResource,
      scope: 'chat.read', client_id: 'mcp-client', client_secret: client.client_secret,
    });
    return token;
  };
  const token = await accessToken(resource);
  const otherToken = await accessToken(other);
  // Expired: the same claims an hour back, signed with the AS's own key (so only `exp` is wrong).
  const asKey = JSON.parse(readFileSync(join(work, 'as.jwk'), 'utf8'));
  const claims = decodeJwt(token);
  const expired = await new SignJWT({ ...claims, iat: claims.iat - 3600, exp: claims.exp - 3600 })
    .setProtectedHeader(decodeProtectedHeader(token))
    .sign(await importJWK(asKey, 'ES256'));

  const validator = await Validator.fromConfigFile(join(work, 'resource.toml'));
  const server = await startMcpServer(validator, { port: pm });
  try {
    const connect = async (bearer) => {
      const c = new Client({ name: 'xaa-token-example-client', version: '0.2.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(resource),
        bearer === undefined ? {} : { requestInit: { headers: { authorization: `Bearer ${bearer}` } } }));
      return c;
    };
    await check('the official client lists and calls the tool with an access token from xaa serve as', async () => {
      const c = await connect(token);
      try {
        const tools = (await c.listTools()).tools.map((t) => t.name);
        expect(JSON.stringify(tools) === '["whoami"]', `tools ${JSON.stringify(tools)}`);
        const result = await c.callTool({ name: 'whoami', arguments: { greeting: 'hi' } });
        const who = JSON.parse(result.content[0].text);
        expect(who.subject === 'alice' && who.client_id === 'mcp-client' && who.scopes.join(' ') === 'chat.read',
          `whoami ${JSON.stringify(who)}`);
        return `tools ${tools}, whoami ${JSON.stringify(who)}`;
      } finally {
        await c.close().catch(() => undefined);
      }
    });
    // The same initialize request as the client sends, refused before the MCP server sees it.
    const initialize = (bearer) => fetch(resource, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', accept: 'application/json, text/event-stream',
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {
        protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
    });
    const refused = (name, bearer, error) => check(name, async () => {
      const r = await initialize(bearer);
      const challenge = r.headers.get('www-authenticate') ?? '';
      expect(r.status === 401, `HTTP ${r.status}`);
      expect(challenge.startsWith('Bearer'), `WWW-Authenticate ${challenge}`);
      expect(challenge.includes('resource_metadata="'), `no resource_metadata in ${challenge}`);
      if (error !== undefined) expect(challenge.includes(`error="${error}"`), `challenge ${challenge}`);
      return `401 ${challenge}`;
    });
    await refused('no token: 401 with the RFC 9728 challenge', undefined);
    await refused('an expired token (signed by the AS): 401 invalid_token', expired, 'invalid_token');
    await refused('a token the AS issued for another resource: 401 invalid_token', otherToken, 'invalid_token');
    await check('the official client cannot connect with the expired token', async () => {
      let connected = false;
      try {
        const c = await connect(expired);
        connected = true;
        await c.close();
      } catch (e) {
        return e.constructor.name;
      }
      expect(!connected, 'connected');
      return undefined;
    });
    await check('the RFC 9728 metadata is served by the component', async () => {
      const r = await fetch(new URL('/.well-known/oauth-protected-resource/mcp', resource));
      const prm = await r.json();
      expect(r.status === 200 && prm.resource === resource && prm.authorization_servers?.[0] === as,
        `HTTP ${r.status} ${JSON.stringify(prm)}`);
      return JSON.stringify(prm.authorization_servers);
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
} catch (e) {
  failures += 1;
  console.log(`example: FAIL - setup: ${e?.stack ?? e}`);
} finally {
  for (const p of procs) p.kill();
  rmSync(work, { recursive: true, force: true });
}
console.log(`example: ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`}`);
process.exit(failures === 0 ? 0 : 1);
