// The official MCP TypeScript SDK client (@modelcontextprotocol/client) against xaa's servers,
// through the SDK's own code only: `discoverAndRequestJwtAuthGrant` for the first leg (RFC 8414
// discovery of `xaa serve idp`, RFC 8693 token exchange: ID token -> ID-JAG) and
// `CrossAppAccessProvider` driven by the SDK's `auth()` for the second (RFC 9728 discovery
// from the protected resource, RFC 8414 discovery of `xaa serve as`, jwt-bearer grant with
// client_secret_basic). The one step no SDK function covers, signing the user in to get an ID
// token, uses the IdP's development sign-in.
//
// Input: the environment variable XAA_SDK (JSON, written by tests/sdk/sdk_clients.py).
// Output: one JSON line per check on standard output; exit 1 when any check failed.
import {
  auth,
  CrossAppAccessProvider,
  discoverAndRequestJwtAuthGrant,
} from '@modelcontextprotocol/client';

const env = JSON.parse(process.env.XAA_SDK ?? '{}');
let failed = 0;
const report = (name, ok, detail) => {
  if (!ok) failed += 1;
  console.log(JSON.stringify({ host: 'typescript', check: name, ok, detail }));
};

async function signIn() {
  const form = new URLSearchParams({
    username: env.user,
    password: env.password,
    client_id: env.idp_client_id,
    client_secret: env.idp_client_secret,
  });
  const r = await fetch(env.sign_in_url, { method: 'POST', body: form });
  const body = await r.json();
  if (r.status !== 200) throw new Error(`sign-in: HTTP ${r.status} ${JSON.stringify(body)}`);
  return body.id_token;
}

async function check(name, fn) {
  try {
    const detail = await fn();
    report(name, true, detail);
  } catch (e) {
    report(name, false, `${e?.constructor?.name}: ${e?.message}`);
  }
}

const idToken = await signIn();

await check('first leg: discoverAndRequestJwtAuthGrant at xaa serve idp', async () => {
  const grant = await discoverAndRequestJwtAuthGrant({
    idpUrl: env.idp_issuer,
    audience: env.as_issuer,
    resource: env.resource,
    idToken,
    clientId: env.idp_client_id,
    clientSecret: env.idp_client_secret,
  });
  if (typeof grant.jwtAuthGrant !== 'string' || grant.jwtAuthGrant.split('.').length !== 3) {
    throw new Error(`not a JWT: ${JSON.stringify(grant)}`);
  }
  return { expiresIn: grant.expiresIn, scope: grant.scope };
});

await check('CrossAppAccessProvider: RFC 9728 discovery, jwt-bearer at xaa serve as, the resource accepts the token', async () => {
  const legs = [];
  const provider = new CrossAppAccessProvider({
    assertion: async (ctx) => {
      legs.push({ authorizationServerUrl: ctx.authorizationServerUrl, resourceUrl: ctx.resourceUrl });
      const grant = await discoverAndRequestJwtAuthGrant({
        idpUrl: env.idp_issuer,
        audience: ctx.authorizationServerUrl,
        resource: ctx.resourceUrl,
        idToken,
        clientId: env.idp_client_id,
        clientSecret: env.idp_client_secret,
        scope: ctx.scope,
        fetchFn: ctx.fetchFn,
      });
      return grant.jwtAuthGrant;
    },
    clientId: env.as_client_id,
    clientSecret: env.as_client_secret,
    expectedIssuer: env.as_issuer,
  });
  const result = await auth(provider, { serverUrl: env.resource });
  if (result !== 'AUTHORIZED') throw new Error(`auth() returned ${result}`);
  const tokens = provider.tokens();
  const r = await fetch(env.resource, {
    method: 'POST',
    headers: { Authorization: `Bearer ${tokens.access_token}`, 'Content-Type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
  });
  const echo = await r.json();
  if (r.status !== 200) throw new Error(`resource: HTTP ${r.status} ${JSON.stringify(echo)}`);
  if (echo.subject !== env.user || echo.client_id !== env.as_client_id) {
    throw new Error(`resource saw ${JSON.stringify(echo)}`);
  }
  if (legs.length !== 1 || legs[0].authorizationServerUrl !== env.as_issuer || legs[0].resourceUrl !== env.resource) {
    throw new Error(`assertion callback saw ${JSON.stringify(legs)}`);
  }
  return { token_type: tokens.token_type, expires_in: tokens.expires_in, subject: echo.subject };
});

process.exitCode = failed ? 1 : 0;
