// The whole chain with a certified OpenID provider nobody here wrote (npm `oidc-provider`, run
// locally as the company's IdP, which issues no ID-JAGs) — issue 12 part 5:
//
//   xaa login --idp <oidc-provider> --broker <xaa serve idp>    (the provider's own login and
//        consent pages, submitted in headless Chromium; the ID token validated and stored)
//   xaa token --resource <xaa serve resource>                   (the provider's ID token
//        exchanged at the broker for an ID-JAG of the broker, the ID-JAG at xaa serve as for an
//        access token), and the resource accepts the token.
//
// Plus: the broker's audit event names the upstream; an ID token of the provider for another
// client is refused at the broker; a second login whose redirect the test forges (wrong state)
// stores nothing.
//
// Usage: node oidc_chain.mjs --xaa target/release/xaa --chromium /usr/bin/chromium
// One line per check, then `oidc chain: N passed, M failed`; exit 1 on a failure.

import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import { check, finish, freePort, launch, newKey, serve, sha256, startLogin, within } from './harness.mjs';

const { values: args } = parseArgs({
  options: { xaa: { type: 'string' }, chromium: { type: 'string', default: '/usr/bin/chromium' } },
});
const xaa = resolve(args.xaa);
const work = mkdtempSync(join(tmpdir(), 'xaa-oidc-'));
const configDir = join(work, 'config');
const UPSTREAM_SECRET = 'secret-at-the-provider-9d2c';
const BROKER_SECRET = 'secret-at-the-broker-41ab';
const AS_SECRET = 'secret-at-the-as-7e10';
const [po, pb, pa, pr] = [await freePort(), await freePort(), await freePort(), await freePort()];
const op = `http://127.0.0.1:${po}`;
const broker = `http://127.0.0.1:${pb}`;
const as = `http://127.0.0.1:${pa}`;
const resource = `http://127.0.0.1:${pr}/mcp`;

// --- the OpenID provider: oidc-provider's own configuration API, development interactions ---
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const provider = new Provider(op, {
  clients: [
    {
      client_id: 'mcp-client',
      client_secret: UPSTREAM_SECRET,
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'op-1', alg: 'ES256', use: 'sig' }] },
  findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
});
const opServer = provider.listen(po, '127.0.0.1');
check('oidc-provider serves OpenID Connect Discovery', (await fetch(`${op}/.well-known/openid-configuration`)).ok);

// --- the broker, the authorization server, the resource ---
const idpPublic = newKey(xaa, join(work, 'broker.jwk'));
const asPublic = newKey(xaa, join(work, 'as.jwk'));
writeFileSync(join(work, 'broker.jwks'), JSON.stringify({ keys: [idpPublic] }));
writeFileSync(join(work, 'as.jwks'), JSON.stringify({ keys: [asPublic] }));
writeFileSync(
  join(work, 'broker.toml'),
  `[identity_provider]
issuer = "${broker}"
signing_keys = ["broker.jwk"]

[[upstream_idps]]
issuer = "${op}"
jwks_uri = "${op}/jwks"
algorithms = ["ES256"]
client_ids = ["mcp-client"]

[[idp_clients]]
client_id = "mcp-client"
auth_method = "client_secret_basic"
client_secret_sha256 = "${sha256(BROKER_SECRET)}"

[[users]]
sub = "alice"

[[connections]]
client_id = "mcp-client"
audience = "${as}"
resources = ["${resource}"]
scopes = ["notes.read"]
client_id_at_audience = "notes-client"
`,
);
writeFileSync(
  join(work, 'as.toml'),
  `[authorization_server]
issuer = "${as}"
resources = ["${resource}"]

[[trusted_issuers]]
issuer = "${broker}"
jwks_file = "broker.jwks"
algorithms = ["ES256"]

[token_endpoint]
signing_keys = ["as.jwk"]

[[clients]]
client_id = "notes-client"
auth_method = "client_secret_basic"
client_secret_sha256 = "${sha256(AS_SECRET)}"
resources = ["${resource}"]
scopes = ["notes.read"]
`,
);
writeFileSync(
  join(work, 'resource.toml'),
  `[resource_server]
resource = "${resource}"
issuer = "${as}"
jwks_file = "as.jwks"
algorithms = ["ES256"]
`,
);
writeFileSync(
  join(work, 'credentials.toml'),
  `[[authorization_servers]]\nissuer = "${as}"\nclient_id = "notes-client"\nclient_secret = "${AS_SECRET}"\n`,
);
const brokerProcess = await serve([xaa, 'serve', 'idp', '--config', 'broker.toml', '--listen', `127.0.0.1:${pb}`], work);
let audit = '';
brokerProcess.stdout.on('data', (d) => (audit += d));
await serve([xaa, 'serve', 'as', '--config', 'as.toml', '--listen', `127.0.0.1:${pa}`], work);
await serve([xaa, 'serve', 'resource', '--config', 'resource.toml', '--listen', `127.0.0.1:${pr}`], work);

const env = { XAA_CONFIG_DIR: configDir, XAA_CLIENT_SECRET: UPSTREAM_SECRET, XAA_BROKER_CLIENT_SECRET: BROKER_SECRET };
const loginArgs = ['--idp', op, '--client-id', 'mcp-client', '--broker', broker];

// --- a forged redirect first: another state; nothing is stored ---
{
  const login = await startLogin(xaa, loginArgs, env);
  const redirectUri = new URL(login.url).searchParams.get('redirect_uri');
  await fetch(`${redirectUri}?code=forged&state=not-this-sign-in`);
  const code = await within(login.exit, 20000);
  check(
    'a redirect with another state ends xaa login (exit 1), nothing stored',
    code === 1 && /state/.test(login.log()) && !existsSync(join(configDir, 'session.json')),
    `exit ${code}: ${login.log().trim().split('\n').pop()}`,
  );
}

// --- the sign-in at oidc-provider's own pages, in Chromium ---
const login = await startLogin(xaa, loginArgs, env);
check('xaa login sends the browser to the provider, with PKCE S256', new URL(login.url).searchParams.get('code_challenge_method') === 'S256', login.url.slice(0, 70));
const browser = await launch(args.chromium);
try {
  const page = await browser.newPage();
  await page.goto(login.url, { waitUntil: 'load' });
  await page.type('input[name=login]', 'alice');
  await page.type('input[name=password]', 'any password: devInteractions accepts it');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  // The consent page (first authorization of this client for this user).
  if (await page.$('button[type=submit]')) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('button[type=submit]')]);
  }
  const landed = new URL(page.url());
  check("the provider's login and consent pages lead to xaa login's listener", landed.hostname === '127.0.0.1' && landed.pathname === '/callback', page.url().split('?')[0]);
} finally {
  await browser.close();
}
const code = await within(login.exit, 30000);
check('xaa login validates the ID token and stores the session (exit 0)', code === 0 && login.log().includes('signed in as alice'), `exit ${code}: ${login.log().trim().split('\n').pop()}`);
const session = JSON.parse(readFileSync(join(configDir, 'session.json'), 'utf8'));
const idToken = JSON.parse(Buffer.from(session.id_token.split('.')[1], 'base64url'));
check('the stored ID token is the provider\'s, for this client', idToken.iss === op && idToken.aud === 'mcp-client' && idToken.sub === 'alice', JSON.stringify({ iss: idToken.iss, aud: idToken.aud }));
check("the session exchanges at the broker's token endpoint", session.token_endpoint === `${broker}/token`, session.token_endpoint);

// --- xaa token: the chain ---
// Asynchronously: the provider runs in this process and must answer the broker's JWKS fetch.
const token = await new Promise((done) => {
  execFile(xaa, ['token', '--resource', resource, '--credentials', join(work, 'credentials.toml')], {
    env: { ...process.env, XAA_CONFIG_DIR: configDir },
    encoding: 'utf8',
  }, (error, stdout, stderr) => done({ status: error ? error.code : 0, stdout, stderr }));
});
const accessToken = token.stdout.trim();
check('xaa token: the provider\'s ID token -> the broker\'s ID-JAG -> an access token', token.status === 0 && accessToken.split('.').length === 3, token.stderr.trim().split('\n').pop());
const echo = await fetch(resource, { headers: { authorization: `Bearer ${accessToken}` } });
const body = echo.ok ? await echo.json() : {};
check('the protected resource accepts it, for alice', echo.status === 200 && body.subject === 'alice', `HTTP ${echo.status} ${JSON.stringify(body)}`);
const event = audit.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.decision === 'granted');
check('the broker\'s audit event names the upstream provider', event?.upstream_issuer === op && event?.subject === 'alice', JSON.stringify(event));

// --- an ID token of the provider for another client is refused at the broker ---
const forged = execFileSync(process.execPath, ['-e', `
  const { createPrivateKey, sign } = require('node:crypto');
  const key = createPrivateKey({ key: ${JSON.stringify(privateKey.export({ format: 'jwk' }))}, format: 'jwk' });
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = b64({ alg: 'ES256', kid: 'op-1' }) + '.' + b64({ iss: '${op}', sub: 'alice', aud: 'another-client', iat: now, exp: now + 300 });
  process.stdout.write(input + '.' + sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url'));
`]).toString();
const refused = await fetch(`${broker}/token`, {
  method: 'POST',
  headers: {
    'content-type': 'application/x-www-form-urlencoded',
    authorization: `Basic ${Buffer.from(`mcp-client:${BROKER_SECRET}`).toString('base64')}`,
  },
  body: new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    requested_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
    subject_token: forged,
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    audience: as,
    resource,
  }),
});
const refusal = await refused.json();
check('an ID token the provider signed for another client: 400 at the broker, no ID-JAG', refused.status === 400 && !refusal.access_token, `HTTP ${refused.status} ${refusal.error}`);

opServer.close();
finish('oidc chain');
