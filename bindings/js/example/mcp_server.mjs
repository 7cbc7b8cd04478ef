// An MCP server (the official @modelcontextprotocol/server, streamable HTTP, one tool `whoami`)
// whose every /mcp request needs an access token this package's Validator accepts, through the
// SDK's own hook: requireBearerAuth({ verifier: new OAuthTokenVerifier(validator), ... }).
// Its RFC 9728 metadata is the component's (resourceServerHttp via httpHandler).
//
//   node example/mcp_server.mjs --config xaa.toml --listen 127.0.0.1:8080
//   (the [resource_server] of xaa.toml names http://127.0.0.1:8080/mcp as its resource)
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { McpServer, createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { Validator, httpHandler } from 'xaa-token';
import { OAuthTokenVerifier } from 'xaa-token/mcp';

const MAX_BODY = 1024 * 1024;

/** A node:http request as a web Request (body read under a cap). */
async function webRequest(req, origin) {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  let body;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const chunks = [];
    let n = 0;
    for await (const chunk of req) {
      n += chunk.length;
      if (n > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
      chunks.push(chunk);
    }
    body = Buffer.concat(chunks);
  }
  return new Request(new URL(req.url, origin), { method: req.method, headers, body });
}

/** A web Response written to node:http (streamed: SSE answers too). */
async function send(res, response) {
  res.writeHead(response.status, [...response.headers]);
  if (response.body !== null) for await (const chunk of response.body) res.write(chunk);
  res.end();
}

/** One MCP server per request (stateless), with the tool. */
function mcpServer() {
  const server = new McpServer({ name: 'xaa-token-example', version: '0.2.0' });
  server.registerTool('whoami', {
    description: 'Who the verified access token says is calling',
    inputSchema: z.object({ greeting: z.string().optional() }),
  }, async ({ greeting }, ctx) => {
    const auth = ctx.http?.authInfo;
    const who = { greeting: greeting ?? 'hello', subject: auth?.extra?.subject, client_id: auth?.clientId, scopes: auth?.scopes };
    return { content: [{ type: 'text', text: JSON.stringify(who) }] };
  });
  return server;
}

/** Starts the server for `validator` (configured with a [resource_server]) on host:port. */
export async function startMcpServer(validator, { host = '127.0.0.1', port = 0 } = {}) {
  const resource = new URL(validator.resource);
  const metadata = httpHandler(validator, { surface: 'resource-server' });
  const metadataPath = `/.well-known/oauth-protected-resource${resource.pathname}`;
  const gate = requireBearerAuth({
    verifier: new OAuthTokenVerifier(validator),
    expectedResource: resource,
    resourceMetadataUrl: new URL(metadataPath, resource).href,
  });
  const mcp = createMcpHandler(mcpServer);
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === metadataPath) return metadata(req, res);
    if (path !== resource.pathname) {
      res.writeHead(404).end();
      return undefined;
    }
    try {
      const request = await webRequest(req, resource.origin);
      const auth = await gate(request);
      if (auth instanceof Response) return await send(res, auth); // 401/403 with the challenge
      return await send(res, await mcp.fetch(request, { authInfo: auth }));
    } catch (e) {
      if (!res.headersSent) res.writeHead(e.status ?? 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: e.status === 413 ? 'invalid_request' : 'server_error' }));
      return undefined;
    }
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { config: { type: 'string' }, listen: { type: 'string' } } });
  if (!values.config || !values.listen) {
    console.error('usage: node example/mcp_server.mjs --config xaa.toml --listen HOST:PORT');
    process.exit(2);
  }
  const [host, port] = values.listen.split(':');
  const validator = await Validator.fromConfigFile(values.config);
  await startMcpServer(validator, { host, port: Number(port) });
  console.log(`listening on ${values.listen}`);
}
