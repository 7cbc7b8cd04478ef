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
import { auth, discoverAndRequestJwtAuthGrant } from '@modelcontextprotocol/client';
import { checks, crossAppAccessProvider, env, signIn } from './harness.mjs';

const { check, failed } = checks('typescript');

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
  const provider = crossAppAccessProvider(idToken, legs);
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

process.exitCode = failed() ? 1 : 0;
