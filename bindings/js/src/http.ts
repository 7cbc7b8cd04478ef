// Serving the component's HTTP surfaces from node:http (or Express 5, whose handlers take the
// same request and response): the request's body read under a cap, handed to the component, its
// response sent unchanged. Mount it before any body parser. Nothing here logs a request: bodies
// and headers carry tokens and secrets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRequest, HttpResponse, Validator } from './validator.js';

export type Surface = 'authorization-server' | 'identity-provider' | 'resource-server';

export interface HandlerOptions {
  /** Which surface (default: the resource authorization server: token endpoint, metadata, JWKS). */
  surface?: Surface;
  /** Largest request body, bytes (default 64 KiB, as `xaa serve`); larger: 413. */
  maxBodyBytes?: number;
  /** Milliseconds to receive the body (default 10 s); slower: 408. */
  bodyTimeoutMs?: number;
  /** Called once per answered request with log-safe facts (no token, no body). */
  onResponse?: (event: { method: string; path: string; status: number; verdictCode?: string; auditEvent?: string }) => void;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const json = (status: number, error: string): HttpResponse => ({
  status,
  headers: [['content-type', 'application/json'], ['cache-control', 'no-store']],
  body: new TextEncoder().encode(JSON.stringify({ error })),
});

class BodyError extends Error {
  constructor(readonly status: number) {
    super(String(status));
  }
}

/** The body, or BodyError 413 (over the cap) / 408 (too slow) / 400 (broken). */
function readBody(req: IncomingMessage, cap: number, timeoutMs: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > cap) return Promise.reject(new BodyError(413));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let seen = 0;
    const timer = setTimeout(() => finish(new BodyError(408)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      if (err !== undefined) {
        req.resume(); // drain, so the answer reaches the client
        reject(err);
      } else {
        resolve(new Uint8Array(Buffer.concat(chunks)));
      }
    };
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > cap) finish(new BodyError(413));
      else chunks.push(chunk);
    });
    req.once('end', () => finish());
    req.once('error', () => finish(new BodyError(400)));
  });
}

const call = (v: Validator, surface: Surface, r: HttpRequest): Promise<HttpResponse> => {
  switch (surface) {
    case 'identity-provider': return v.identityProviderHttp(r);
    case 'resource-server': return v.resourceServerHttp(r);
    default: return v.authorizationServerHttp(r);
  }
};

/** A `(req, res)` handler for node:http's `createServer` or an Express 5 app/router. */
export function httpHandler(validator: Validator, options: HandlerOptions = {}): Handler {
  const surface = options.surface ?? 'authorization-server';
  const cap = options.maxBodyBytes ?? 64 * 1024;
  const timeoutMs = options.bodyTimeoutMs ?? 10_000;
  return async (req, res) => {
    // Express keeps the full target in originalUrl when mounted under a path.
    const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const path = target.split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    let response: HttpResponse;
    try {
      const body = await readBody(req, cap, timeoutMs);
      const headers: [string, string][] = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      response = await call(validator, surface, { method, path, headers, body });
    } catch (e) {
      const status = e instanceof BodyError ? e.status : 500;
      response = json(status, status === 500 ? 'server_error' : 'invalid_request');
    }
    if (!res.headersSent) {
      res.statusCode = response.status;
      for (const [name, value] of response.headers) res.appendHeader(name, value);
      res.end(response.body);
    }
    options.onResponse?.({
      method, path, status: response.status, verdictCode: response.verdictCode, auditEvent: response.auditEvent,
    });
  };
}
