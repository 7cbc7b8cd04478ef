// The public API: one component instance with a Node host (clocks, JWKS fetched asynchronously,
// a replay store, node:crypto entropy and accelerators), configured once, answering verdicts and
// HTTP responses. A trap (or any exception out of the component) replaces the instance and
// answers a refusal (`internal_error`, 500); nothing here throws on input.
import { randomBytes } from 'node:crypto';
import { Accelerators, type AcceleratorStats } from './accelerators.js';
import {
  instantiate, load, type Exports, type HostImports, type WitHttpRequest, type WitHttpResponse, type WitVerdict,
} from './component.js';
import { ConfigFileError, readConfigFile, readConfigFilePath, type ConfigFile, type FileSource } from './config_file.js';
import { configFromJson } from './config_json.js';
import { fetchJwks, JwksFetchError, type FetchOptions, type JwksResponse } from './jwks_fetch.js';
import { MemoryReplayStore, type ReplayStore } from './replay.js';
import { Verdict } from './verdict.js';

export interface ValidatorOptions {
  /** Native verification and signing with node:crypto (default true); false: the component's
   * pure-Rust crypto. */
  accelerators?: boolean;
  /** Where used `jti`s are recorded (default: a bounded in-memory store). */
  replayStore?: ReplayStore;
  /** Wall-clock seconds (default: the system clock). */
  clock?: () => number;
  /** JWK Set fetching limits. */
  fetch?: FetchOptions;
}

/** Per call: the clock (Unix seconds) this call runs at. */
export interface CallOptions {
  now?: number;
}

/** A configuration the component refused, with each of its reasons. */
export class ConfigError extends Error {
  constructor(readonly errors: { path: string; message: string }[]) {
    super(`configuration refused: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** An HTTP request for one of the component's HTTP surfaces. */
export interface HttpRequest {
  method: string;
  /** The request target's path (a query is ignored for routing). */
  path: string;
  headers?: Iterable<[string, string]> | Record<string, string | string[] | undefined>;
  body?: Uint8Array | string;
}

export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
  /** For the host's log only: the verdict code behind a refusal. */
  verdictCode?: string;
  /** For the audit log: an IdP token-exchange decision as one JSON line (never a token). */
  auditEvent?: string;
}

/** What `call` answers: a function's value, its `result` error, or a trap (instance replaced). */
export type CallResult = { ok: unknown } | { err: unknown } | { trap: string };

const INTERNAL_ERROR_BODY = new TextEncoder().encode('{"error":"server_error"}');
const internalErrorResponse = (): HttpResponse => ({
  status: 500,
  headers: [['content-type', 'application/json'], ['cache-control', 'no-store']],
  body: INTERNAL_ERROR_BODY,
  verdictCode: 'internal_error',
});

const badRequestResponse = (): HttpResponse => ({
  status: 400,
  headers: [['content-type', 'application/json'], ['cache-control', 'no-store']],
  body: new TextEncoder().encode('{"error":"invalid_request"}'),
});

/** jco's error for an exported `result`'s err (its class is not exported: known by name). */
const isComponentError = (e: unknown): e is { payload: unknown } =>
  e instanceof Error && e.constructor.name === 'ComponentError' && Object.hasOwn(e, 'payload');

function witHeaders(h: HttpRequest['headers']): { name: string; value: string }[] {
  if (h === undefined) return [];
  if (Symbol.iterator in h) return [...(h as Iterable<[string, string]>)].map(([name, value]) => ({ name, value }));
  const out: { name: string; value: string }[] = [];
  for (const [name, v] of Object.entries(h)) {
    if (v === undefined) continue;
    for (const value of Array.isArray(v) ? v : [v]) out.push({ name, value });
  }
  return out;
}

const toWitRequest = (r: HttpRequest): WitHttpRequest => ({
  method: r.method,
  path: r.path,
  headers: witHeaders(r.headers),
  body: typeof r.body === 'string' ? new TextEncoder().encode(r.body) : (r.body ?? new Uint8Array()),
});

const fromWitResponse = (r: WitHttpResponse): HttpResponse => ({
  status: r.status,
  headers: r.headers.map((h) => [h.name, h.value]),
  body: r.body,
  verdictCode: r.verdictCode,
  auditEvent: r.auditEvent,
});

/** WIT names (kebab-case) to jco's (camelCase), memoized (`call` is on hot paths of runners). */
const camelNames = new Map<string, string>();
const camel = (name: string): string => {
  let c = camelNames.get(name);
  if (c === undefined) {
    c = name.replace(/-([a-z0-9])/g, (_, x: string) => x.toUpperCase());
    if (camelNames.size < 1024) camelNames.set(name, c);
  }
  return c;
};

export class Validator {
  #exports!: Exports;
  #config: unknown;
  #pinnedNow: number | undefined;
  #resource: string | undefined;
  readonly #loaded: Awaited<ReturnType<typeof load>>;
  readonly #host: HostImports;
  readonly #replay: ReplayStore;
  readonly #clock: () => number;
  readonly #fetchOptions: FetchOptions;
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #accel: Accelerators | undefined;
  #traps = 0;

  private constructor(loaded: Awaited<ReturnType<typeof load>>, options: ValidatorOptions) {
    this.#loaded = loaded;
    this.#replay = options.replayStore ?? new MemoryReplayStore();
    this.#clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.#fetchOptions = options.fetch ?? {};
    const accel = options.accelerators === false ? undefined : new Accelerators();
    this.#accel = accel;
    const t0 = process.hrtime.bigint();
    const replay = this.#replay;
    this.#host = {
      // A clock that answers no finite number makes the call trap: refused (internal_error).
      now: () => BigInt(Math.floor(this.#now())),
      monotonicMillis: () => (process.hrtime.bigint() - t0) / 1000000n,
      // Imports are synchronous: the component lists the URI in pending-jwks-fetches, and the
      // async API fetches it and calls again.
      fetchJwks: () => ({ tag: 'err', val: { tag: 'would-block' } }),
      replayInsert: (key, expiresAt) => {
        const unavailable = (why: string) => ({ tag: 'err' as const, val: { tag: 'unavailable' as const, val: why } });
        try {
          const fresh: unknown = replay.insert(key, Number(expiresAt), this.#now());
          // Only a boolean answers; anything else (a Promise of an async store) is "cannot answer".
          return typeof fresh === 'boolean' ? fresh : unavailable('the replay store did not answer true or false');
        } catch (e) {
          return unavailable(e instanceof Error ? e.message : 'unavailable');
        }
      },
      randomBytes: (len) => new Uint8Array(randomBytes(len)),
      registerPublicKey: (alg, key) => accel?.registerPublicKey(alg, key),
      verifySignature: (key, input, sig) => accel?.verifySignature(key, input, sig) ?? 'not-offered',
      registerSigningKey: (d, point) => accel?.registerSigningKey(d, point),
      signEs256: (key, input) => accel?.signEs256(key, input),
    };
    this.#exports = instantiate(loaded, this.#host);
  }

  /** An unconfigured instance (the `client` and `keys` functions, `call`); `configure` later. */
  static async create(options: ValidatorOptions = {}): Promise<Validator> {
    return new Validator(await load(), options);
  }

  /** From the host-neutral JSON of the WIT `config` record (`xaa conformance configs --out F`). */
  static async fromConfig(config: unknown, options: ValidatorOptions = {}): Promise<Validator> {
    const v = await Validator.create(options);
    v.configure(config);
    return v;
  }

  /**
   * From an `xaa` TOML configuration file (files it names are relative to its directory). A
   * `[replay_store]` section (Redis, shared by replicas) needs the `replayStore` option: this
   * package does not connect to Redis, and silently keeping used `jti`s per process instead would
   * let a token be replayed at another replica.
   */
  static async fromConfigFile(path: string, options: ValidatorOptions = {}): Promise<Validator> {
    return Validator.#fromFile(readConfigFilePath(path), options);
  }

  /** From TOML text and its files (a directory or a lookup by name); as `fromConfigFile`. */
  static async fromToml(text: string, files: FileSource, options: ValidatorOptions = {}): Promise<Validator> {
    return Validator.#fromFile(readConfigFile(text, files), options);
  }

  static #fromFile(file: ConfigFile, options: ValidatorOptions): Promise<Validator> {
    if (file.replayStore !== undefined && options.replayStore === undefined) {
      throw new ConfigFileError('[replay_store]: this package does not connect to it; pass a `replayStore` '
        + 'option that shares used jtis across replicas (or remove the section for one process)');
    }
    return Validator.fromConfig(file.config, options);
  }

  /** (Re)configures from the JSON form; throws `ConfigError` listing every refusal (the instance is then
   * unconfigured: it refuses every token with `not_configured`). */
  configure(config: unknown): void {
    const c = configFromJson(config);
    try {
      this.#exports.validator.configure(c);
    } catch (e) {
      // Refused (or trapped), the instance is unconfigured, as the component leaves it: a later
      // replacement must not bring the previous configuration back.
      this.#config = undefined;
      this.#resource = undefined;
      if (isComponentError(e)) throw new ConfigError(e.payload as { path: string; message: string }[]);
      this.#replace();
      throw new ConfigError([{ path: '', message: 'the component trapped while configuring' }]);
    }
    this.#config = c;
    const rs = (config as { resource_server?: { resource?: unknown } | null }).resource_server;
    this.#resource = typeof rs?.resource === 'string' ? rs.resource : undefined;
  }

  /** Times the instance was replaced after a trap (for metrics; each answered internal_error). */
  get traps(): number {
    return this.#traps;
  }

  /** Keys registered and operations done by the node:crypto accelerators (undefined: off). */
  get acceleratorStats(): Readonly<AcceleratorStats> | undefined {
    return this.#accel?.stats;
  }

  /** The configured resource server's resource identifier, if any. */
  get resource(): string | undefined {
    return this.#resource;
  }

  /** Validates an RFC 9068 access token presented to this resource server. */
  validateAccessToken(token: string, options: CallOptions = {}): Promise<Verdict> {
    return this.#verdict(() => this.#exports.validator.validateAccessToken(token), options);
  }

  /** Validates an ID-JAG presented by `clientId` (a valid verdict consumes its `jti`). */
  validateIdJag(token: string, clientId: string, options: CallOptions = {}): Promise<Verdict> {
    return this.#verdict(() => this.#exports.validator.validateIdJag(token, clientId), options);
  }

  /** The resource authorization server: token endpoint (jwt-bearer), RFC 8414 metadata, JWK Set. */
  authorizationServerHttp(request: HttpRequest, options: CallOptions = {}): Promise<HttpResponse> {
    return this.#http((r) => this.#exports.validator.authorizationServerHttp(r), request, options);
  }

  /** The IdP: token exchange for ID-JAGs, metadata, JWK Set. */
  identityProviderHttp(request: HttpRequest, options: CallOptions = {}): Promise<HttpResponse> {
    return this.#http((r) => this.#exports.validator.identityProviderHttp(r), request, options);
  }

  /** A protected resource: RFC 9728 metadata and a bearer-protected echo. */
  resourceServerHttp(request: HttpRequest, options: CallOptions = {}): Promise<HttpResponse> {
    return this.#http((r) => this.#exports.validator.resourceServerHttp(r), request, options);
  }

  /**
   * Escape hatch: any exported function by WIT name, `interface.function` (e.g.
   * `client.basic-authorization`, `validator.verify-jws-signature`), with jco's argument shapes.
   * Synchronous: a JWK Set URI is not fetched here.
   */
  call(functionName: string, args: unknown[], options: CallOptions = {}): CallResult {
    const dot = functionName.indexOf('.');
    const iface = functionName.slice(0, dot) as keyof Exports;
    const fn = camel(functionName.slice(dot + 1));
    const target = dot > 0 && ['validator', 'client', 'keys'].includes(iface) ? this.#exports[iface] : undefined;
    if (target === undefined || typeof target[fn] !== 'function') {
      throw new TypeError(`no exported function ${JSON.stringify(functionName)}`);
    }
    if (functionName === 'validator.configure') {
      throw new TypeError('use configure(): it keeps the configuration a replaced instance gets again');
    }
    this.#pinnedNow = options.now;
    try {
      return { ok: (target[fn] as (...a: unknown[]) => unknown)(...args) };
    } catch (e) {
      if (isComponentError(e)) return { err: e.payload };
      this.#replace();
      return { trap: e instanceof Error ? e.message : String(e) };
    } finally {
      this.#pinnedNow = undefined;
    }
  }

  #now(): number {
    return this.#pinnedNow ?? this.#clock();
  }

  /** A fresh instance, configured as this one was (a trap left the old one unusable). */
  #replace(): void {
    this.#traps += 1;
    try {
      this.#exports = instantiate(this.#loaded, this.#host);
    } catch {
      return; // the old instance stays, refusing to be entered: the next call tries again
    }
    if (this.#config !== undefined) {
      try {
        this.#exports.validator.configure(this.#config);
      } catch {
        this.#config = undefined; // it configured before; if not now, stay unconfigured (refusals)
      }
    }
  }

  /** `f` once; undefined if it threw (the instance is then replaced). */
  #guarded<T>(f: () => T, now: number | undefined): T | undefined {
    this.#pinnedNow = now;
    try {
      return f();
    } catch {
      this.#replace();
      return undefined;
    } finally {
      this.#pinnedNow = undefined;
    }
  }

  /**
   * Runs `f`; when it was refused while JWK Sets were pending, fetches them and runs it again
   * (a success is never repeated: it may have consumed a `jti`). Undefined after a trap.
   * Synchronous up to the first fetch: an answer that needs none costs no extra Promise.
   */
  #withFetches<T>(f: () => T, refused: (t: T) => boolean, now: number | undefined): T | undefined | Promise<T | undefined> {
    const result = this.#guarded(f, now);
    if (result === undefined || !refused(result)) return result;
    const pending = this.#guarded(() => this.#exports.validator.pendingJwksFetches(), now) ?? [];
    return pending.length === 0 ? result : this.#fetchThenRetry(f, refused, now, pending);
  }

  async #fetchThenRetry<T>(f: () => T, refused: (t: T) => boolean, now: number | undefined, pending: string[]): Promise<T | undefined> {
    let result: T | undefined;
    for (let round = 0; round < 2 && pending.length > 0; round++) {
      await Promise.all(pending.map((uri) => this.#fetchAndSupply(uri)));
      result = this.#guarded(f, now);
      if (result === undefined || !refused(result)) break;
      pending = this.#guarded(() => this.#exports.validator.pendingJwksFetches(), now) ?? [];
    }
    return result;
  }

  #verdict(f: () => WitVerdict, options: CallOptions): Promise<Verdict> {
    const toVerdict = (v: WitVerdict | undefined): Verdict => (v === undefined ? Verdict.internalError() : new Verdict(v));
    const r = this.#withFetches(f, (x) => x.tag !== 'valid', options.now);
    return r instanceof Promise ? r.then(toVerdict) : Promise.resolve(toVerdict(r));
  }

  #http(f: (r: WitHttpRequest) => WitHttpResponse, request: HttpRequest, options: CallOptions): Promise<HttpResponse> {
    const toResponse = (x: WitHttpResponse | undefined): HttpResponse => (x === undefined ? internalErrorResponse() : fromWitResponse(x));
    let wit: WitHttpRequest;
    try {
      wit = toWitRequest(request);
    } catch {
      return Promise.resolve(badRequestResponse()); // headers or body of the wrong type
    }
    const r = this.#withFetches(() => f(wit), (x) => x.status >= 400, options.now);
    return r instanceof Promise ? r.then(toResponse) : Promise.resolve(toResponse(r));
  }

  /** One fetch per URI at a time; the response (or a status-0 failure) handed to the component. */
  #fetchAndSupply(uri: string): Promise<void> {
    let p = this.#inflight.get(uri);
    if (p === undefined) {
      p = (async () => {
        let response: JwksResponse;
        try {
          response = await fetchJwks(uri, this.#fetchOptions);
        } catch (e) {
          // Not an HTTP response: status 0 makes the component record a failure (and its cooldown).
          response = { status: 0, body: e instanceof JwksFetchError ? e.message : '' };
        }
        this.#guarded(() => this.#exports.validator.supplyJwks(uri, response), undefined);
      })().finally(() => this.#inflight.delete(uri));
      this.#inflight.set(uri, p);
    }
    return p;
  }
}
