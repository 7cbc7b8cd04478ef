// What both SDK client scripts share: the input (the environment variable XAA_SDK, JSON written
// by tests/sdk/sdk_clients.py), one JSON line per check on standard output, and the one step no
// SDK function covers: signing the user in at the IdP's development sign-in for an ID token.

import { CrossAppAccessProvider, discoverAndRequestJwtAuthGrant } from '@modelcontextprotocol/client';

export const env = JSON.parse(process.env.XAA_SDK ?? '{}');

export const describe = (e) =>
  `${e?.constructor?.name}: ${e?.message}${e?.cause ? ` (cause: ${e.cause?.message ?? e.cause})` : ''}`;

/** A reporter for `host`: `check(name, fn)` runs one check; `failed()` counts the failures. */
export function checks(host) {
  let failed = 0;
  const report = (name, ok, detail) => {
    if (!ok) failed += 1;
    console.log(JSON.stringify({ host, check: name, ok, detail }));
  };
  const check = async (name, fn) => {
    try {
      report(name, true, await fn());
      return true;
    } catch (e) {
      report(name, false, describe(e));
      return false;
    }
  };
  return { report, check, failed: () => failed };
}

/** The user's ID token from the IdP's development sign-in. */
export async function signIn() {
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

/**
 * The SDK's `CrossAppAccessProvider` whose assertion callback asks the IdP for an ID-JAG with the
 * SDK's `discoverAndRequestJwtAuthGrant`; each call's context is pushed onto `legs`.
 */
export function crossAppAccessProvider(idToken, legs) {
  return new CrossAppAccessProvider({
    assertion: async (ctx) => {
      legs.push({ authorizationServerUrl: ctx.authorizationServerUrl, resourceUrl: ctx.resourceUrl, scope: ctx.scope });
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
}
