// MCP end to end through `xaa gateway`, with the official MCP TypeScript SDK client
// (@modelcontextprotocol/client) only: `Client` over `StreamableHTTPClientTransport`, whose
// `authProvider` is a `CrossAppAccessProvider`. On the gateway's 401 the transport runs the SDK's
// `auth()`: RFC 9728 discovery from the gateway, RFC 8414 discovery of `xaa serve as`, the
// assertion callback (`discoverAndRequestJwtAuthGrant` at `xaa serve idp`: ID token -> ID-JAG)
// and the jwt-bearer grant with client_secret_basic. Then initialize, tools/list and tools/call
// reach the SDK's Python MCP server behind the gateway (tests/sdk/mcp_server.py).
//
// `delete_all` needs scope "admin", which nobody is granted: the gateway answers 403
// insufficient_scope, the transport's step-up asks the IdP and the AS for "chat.read admin", gets
// no token with "admin" (refused, or narrowed to chat.read as RFC 6749 §3.3 allows, which the
// gateway refuses again), and the call fails; with `onInsufficientScope: 'throw'` the SDK reports
// the challenged scope without a step-up.
//
// Input: the environment variable XAA_SDK (JSON, written by tests/sdk/sdk_clients.py).
// Output: one JSON line per check on standard output; exit 1 when any check failed.
import { Client, InsufficientScopeError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { checks, crossAppAccessProvider, describe, env, signIn } from './harness.mjs';

const { report, check, failed } = checks('typescript e2e');

const idToken = await signIn();
// Every call of the assertion callback: what the SDK asked the IdP for.
const legs = [];
const provider = crossAppAccessProvider(idToken, legs);

const text = (result) => result?.content?.[0]?.text;
const connect = async (options = {}) => {
  const client = new Client({ name: 'xaa-sdk-ts-e2e', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(env.gateway), { authProvider: provider, ...options }));
  return client;
};
// Close without letting a failing DELETE hide the checks' outcome.
const close = async (client) => {
  try {
    await client?.close();
  } catch {
    /* ignored */
  }
};

let client;
const connected = await check(
  'Client.connect through xaa gateway: 401 -> RFC 9728 discovery at the gateway -> ID-JAG -> jwt-bearer -> initialize',
  async () => {
    client = await connect();
    const server = client.getServerVersion();
    if (server?.name !== 'xaa-sdk-upstream') throw new Error(`server ${JSON.stringify(server)}`);
    if (legs.length !== 1 || legs[0].authorizationServerUrl !== env.as_issuer || legs[0].resourceUrl !== env.gateway) {
      throw new Error(`assertion callback saw ${JSON.stringify(legs)}`);
    }
    return { server, legs };
  },
);

if (connected) {
  await check('listTools through the gateway: add, delete_all, whoami', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    if (names.join(',') !== 'add,delete_all,whoami') throw new Error(`tools ${names}`);
    return names;
  });
  await check('callTool add(2, 3) = 5 through the gateway', async () => {
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    if (result.isError || text(result) !== '5') throw new Error(JSON.stringify(result));
    return text(result);
  });
  await check('callTool whoami: the upstream sees subject alice, the client id, scope chat.read, no Authorization', async () => {
    const who = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} })));
    if (who.subject !== env.user || who.client_id !== env.as_client_id || who.scope !== 'chat.read' || who.authorization_reached_upstream !== false) {
      throw new Error(JSON.stringify(who));
    }
    return who;
  });

  const before = legs.length;
  let outcome;
  try {
    outcome = { returned: await client.callTool({ name: 'delete_all', arguments: {} }) };
  } catch (e) {
    outcome = { error: e };
  }
  const stepUps = legs.slice(before);
  report(
    'callTool delete_all: gateway 403 insufficient_scope, the SDK step-up asks for scope admin, gets none, the call fails',
    'error' in outcome && stepUps.length >= 1 && stepUps.every((l) => (l.scope ?? '').split(' ').includes('admin')),
    {
      outcome: 'error' in outcome ? describe(outcome.error) : `returned ${JSON.stringify(outcome.returned)}`,
      stepUpAssertions: stepUps,
    },
  );
  await close(client);

  let strict;
  await check("onInsufficientScope 'throw': callTool delete_all raises InsufficientScopeError for scope admin", async () => {
    strict = await connect({ onInsufficientScope: 'throw' });
    try {
      const returned = await strict.callTool({ name: 'delete_all', arguments: {} });
      throw new Error(`returned ${JSON.stringify(returned)}`);
    } catch (e) {
      const inner = e instanceof InsufficientScopeError ? e : e?.cause instanceof InsufficientScopeError ? e.cause : undefined;
      if (!inner) throw e;
      if (inner.requiredScope !== 'admin') throw new Error(`requiredScope ${JSON.stringify(inner.requiredScope)}: ${describe(e)}`);
      return { requiredScope: inner.requiredScope, resourceMetadataUrl: inner.resourceMetadataUrl };
    }
  });
  await close(strict);

  let after;
  await check('after the refusals: a new connection works, delete_all never ran upstream', async () => {
    after = await connect();
    const who = JSON.parse(text(await after.callTool({ name: 'whoami', arguments: {} })));
    if (who.subject !== env.user || who.delete_all_calls !== 0) throw new Error(JSON.stringify(who));
    return who;
  });
  await close(after);
}

process.exitCode = failed() ? 1 : 0;
