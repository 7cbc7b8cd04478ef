// Fetching a JWK Set URI for the component (which answered `would-block` from `fetch-jwks` and
// listed the URI in `pending-jwks-fetches`): a GET with a timeout, a 256 KiB cap, and redirects
// followed only within the same origin. Errors are log-safe text.

/** WIT `jwks-response`. */
export interface JwksResponse {
  status: number;
  body: string;
  maxAge?: number;
}

export interface FetchOptions {
  /** Milliseconds for the whole fetch, redirects and body included (default 5000). */
  timeoutMs?: number;
  /** Largest body accepted, bytes (default 256 KiB). */
  maxBytes?: number;
  /** Most redirects followed (default 3). */
  maxRedirects?: number;
}

export const DEFAULT_MAX_BYTES = 256 * 1024;

/** Why a fetch gave no response, log-safe. */
export class JwksFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}

/** `Cache-Control: max-age` in seconds (u32), if given once and well-formed. */
export function maxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const found = [...cacheControl.matchAll(/(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?=,|$)/gi)];
  if (found.length !== 1) return undefined;
  const n = Number(found[0]![1]);
  return Number.isSafeInteger(n) ? Math.min(n, 4294967295) : undefined;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new JwksFetchError(`body over ${maxBytes} bytes`);
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new JwksFetchError(`body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new JwksFetchError('body is not UTF-8');
  }
}

/** GET `uri` as the WIT contract asks of a host. Throws `JwksFetchError` (log-safe). */
export async function fetchJwks(uri: string, options: FetchOptions = {}): Promise<JwksResponse> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new JwksFetchError('not a URL');
  }
  const origin = url.origin;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new JwksFetchError(`scheme ${url.protocol} refused`);
      const response = await fetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal,
        headers: { accept: 'application/jwk-set+json, application/json' },
      });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel().catch(() => undefined);
        if (hop >= maxRedirects) throw new JwksFetchError('too many redirects');
        const next = new URL(response.headers.get('location') ?? '', url);
        if (next.origin !== origin) throw new JwksFetchError('cross-origin redirect refused');
        url = next;
        continue;
      }
      const body = await readCapped(response, maxBytes);
      const age = maxAge(response.headers.get('cache-control'));
      return age === undefined ? { status: response.status, body } : { status: response.status, body, maxAge: age };
    }
  } catch (e) {
    if (e instanceof JwksFetchError) throw e;
    if (signal.aborted) throw new JwksFetchError(`timed out after ${timeoutMs} ms`);
    throw new JwksFetchError('network error');
  }
}
