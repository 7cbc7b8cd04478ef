// The README's requireBearerAuth example, verbatim: test/readme.test.mjs type-checks it and
// checks that the README still shows exactly this code.
import { McpServer, createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import { Validator } from 'xaa-token';
import { OAuthTokenVerifier } from 'xaa-token/mcp';

const validator = await Validator.fromConfigFile('xaa.toml');          // [resource_server]
const gate = requireBearerAuth({ verifier: new OAuthTokenVerifier(validator),
  expectedResource: new URL(validator.resource!) });
const mcp = createMcpHandler(() => new McpServer({ name: 'my-server', version: '1.0.0' }));
export async function fetchHandler(request: Request): Promise<Response> {
  const auth = await gate(request);                                       // 401 Response when refused
  return auth instanceof Response ? auth : mcp.fetch(request, { authInfo: auth });
}
