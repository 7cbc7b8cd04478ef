// Loading the jco transpilation of xaa_token.wasm (generated/, written by `npm run build`) and
// instantiating it with a host. The core modules are compiled once per process; an instance is
// made synchronously from them, so a trapped instance is replaced at once.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AcceleratedVerify, Algorithm, PublicKey } from './accelerators.js';
import type { JwksResponse } from './jwks_fetch.js';

/** The `host` interface (WIT 0.2.0) as jco calls it. */
export interface HostImports {
  now(): bigint;
  monotonicMillis(): bigint;
  fetchJwks(uri: string): JwksResponse | { tag: 'err'; val: { tag: 'failed'; val: string } | { tag: 'would-block' } };
  replayInsert(key: string, expiresAt: bigint): boolean | { tag: 'err'; val: { tag: 'unavailable'; val: string } };
  randomBytes(len: number): Uint8Array;
  registerPublicKey(alg: Algorithm, key: PublicKey): number | undefined;
  verifySignature(key: number, signingInput: string, signature: string): AcceleratedVerify;
  registerSigningKey(d: Uint8Array, publicPoint: Uint8Array): number | undefined;
  signEs256(key: number, signingInput: string): string | undefined;
}

/** WIT records as jco gives them. */
export interface Rejection {
  code: string;
  oauthError: string;
  httpStatus: number;
  wwwAuthenticate?: string;
  description: string;
}
export interface VerifiedToken {
  issuer: string;
  subject: string;
  audience: string[];
  clientId?: string;
  scope?: string;
  resource: string[];
  jwtId: string;
  issuedAt: bigint;
  expiresAt: bigint;
  claimsJson: string;
}
export type WitVerdict = { tag: 'valid'; val: VerifiedToken } | { tag: 'rejected'; val: Rejection };
export interface WitHeader {
  name: string;
  value: string;
}
export interface WitHttpRequest {
  method: string;
  path: string;
  headers: WitHeader[];
  body: Uint8Array;
}
export interface WitHttpResponse {
  status: number;
  headers: WitHeader[];
  body: Uint8Array;
  verdictCode?: string;
  auditEvent?: string;
}

/** The component's exports (jco names); each interface's functions by camelCase name. */
export interface Exports {
  validator: {
    configure(config: unknown): void;
    validateIdJag(token: string, clientId: string): WitVerdict;
    validateAccessToken(token: string): WitVerdict;
    pendingJwksFetches(): string[];
    supplyJwks(uri: string, response: JwksResponse): void;
    authorizationServerHttp(request: WitHttpRequest): WitHttpResponse;
    identityProviderHttp(request: WitHttpRequest): WitHttpResponse;
    resourceServerHttp(request: WitHttpRequest): WitHttpResponse;
    [name: string]: (...args: never[]) => unknown;
  };
  client: Record<string, (...args: never[]) => unknown>;
  keys: Record<string, (...args: never[]) => unknown>;
}

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
) => Record<string, unknown>;

interface Loaded {
  instantiate: Instantiate;
  modules: Map<string, WebAssembly.Module>;
}

const GENERATED = new URL('../generated/', import.meta.url);
const WIT_VERSION = '0.2.0';
let loading: Promise<Loaded> | undefined;

/** The transpiled component, its core modules compiled (once per process). */
export function load(): Promise<Loaded> {
  loading ??= (async () => {
    const mod = (await import(new URL('xaa_token.js', GENERATED).href)) as { instantiate: Instantiate };
    const modules = new Map<string, WebAssembly.Module>();
    // jco names its core modules xaa_token.core.wasm, .core2.wasm, ...: compile every one.
    const { readdir } = await import('node:fs/promises');
    for (const name of await readdir(fileURLToPath(GENERATED))) {
      if (name.endsWith('.wasm')) {
        const bytes = await readFile(fileURLToPath(new URL(name, GENERATED)));
        modules.set(name, await WebAssembly.compile(new Uint8Array(bytes)));
      }
    }
    return { instantiate: mod.instantiate, modules };
  })();
  return loading;
}

/** A fresh instance with `host` as its imports. */
export function instantiate(loaded: Loaded, host: HostImports): Exports {
  const root = loaded.instantiate(
    (path) => {
      const m = loaded.modules.get(path);
      if (m === undefined) throw new Error(`core module ${path} missing from generated/`);
      return m;
    },
    // The generated code reads the unversioned key; its .d.ts names the versioned one.
    {
      'xaa:token/host': host,
      [`xaa:token/host@${WIT_VERSION}`]: host,
      'xaa:token/types': {},
      [`xaa:token/types@${WIT_VERSION}`]: {},
    },
  );
  const pick = (name: string): unknown => root[name] ?? root[`xaa:token/${name}@${WIT_VERSION}`];
  return { validator: pick('validator'), client: pick('client'), keys: pick('keys') } as Exports;
}
