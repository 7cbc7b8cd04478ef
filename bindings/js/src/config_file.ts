// The `xaa` TOML configuration file, read into the host-neutral JSON form of the WIT `config`
// record (what `xaa conformance configs --out F` writes: serde's form of the Rust bindings —
// snake_case names, null for an absent option, a variant case as {"CaseName": payload} or
// "CaseName"). It mirrors host/src/config_file.rs: this file only reads syntax (unknown keys,
// wrong TOML types, unreadable files, jwks_file vs jwks_uri); every rule about values is the
// component's, so all hosts refuse alike. File paths are relative to the configuration file's
// directory. The test `test/config_file.test.mjs` proves the mapping equal to the Rust host's on
// every configuration of the conformance suite.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';

/** A JSON value as serde writes it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Table = Record<string, unknown>;

/** A configuration the host could not read (before the component saw it). */
export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigFileError';
  }
}

const fail = (message: string): never => {
  throw new ConfigFileError(message);
};

// The TOML types a key may hold. `files` is a list of paths read as text.
type Kind = 'string' | 'u32' | 'bool' | 'strings' | 'table' | 'tables';
type Schema = Record<string, Kind>;

const U32_MAX = 4294967295;

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date || (v !== null && typeof v === 'object' && 'isDate' in (v as object))) return 'a date';
  if (v !== null && typeof v === 'object') return 'a table';
  if (typeof v === 'bigint' || typeof v === 'number') return Number.isInteger(Number(v)) ? 'an integer' : 'a float';
  return `a ${typeof v}`;
}

/** One table checked against its schema: no unknown key, every value of its kind. */
function checked(value: unknown, path: string, schema: Schema): Table {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(`${path}: expected a table, found ${typeName(value)}`);
  }
  const table = value as Table;
  for (const [key, v] of Object.entries(table)) {
    const kind = schema[key];
    const where = path === '' ? key : `${path}.${key}`;
    if (kind === undefined) {
      const known = Object.keys(schema).map((k) => `\`${k}\``).join(', ');
      return fail(`${where}: unknown field \`${key}\`, expected one of ${known}`);
    }
    const ok =
      kind === 'string' ? typeof v === 'string'
        : kind === 'u32' ? (typeof v === 'number' || typeof v === 'bigint') && Number.isInteger(Number(v))
          && Number(v) >= 0 && Number(v) <= U32_MAX
          : kind === 'bool' ? typeof v === 'boolean'
            : kind === 'strings' ? Array.isArray(v) && v.every((x) => typeof x === 'string')
              : kind === 'table' ? v !== null && typeof v === 'object' && !Array.isArray(v)
                : Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    if (!ok) {
      const want = { string: 'a string', u32: 'an integer in 0..=4294967295', bool: 'a boolean',
        strings: 'an array of strings', table: 'a table', tables: 'an array of tables' }[kind];
      fail(`${where}: expected ${want}, found ${typeName(v)}`);
    }
  }
  return table;
}

// Each table's keys (host/src/config_file.rs's structs).
const FILE: Schema = {
  authorization_server: 'table', trusted_issuers: 'tables', token_endpoint: 'table', clients: 'tables',
  resource_server: 'table', identity_provider: 'table', idp_clients: 'tables', users: 'tables',
  connections: 'tables', jwks_cache: 'table', token_cache_size: 'u32', gateway: 'table', replay_store: 'table',
  upstream_idps: 'tables',
};
const AUTHORIZATION_SERVER: Schema = {
  issuer: 'string', resources: 'strings', max_assertion_lifetime: 'u32', leeway: 'u32',
  resource_root_slash_equivalence: 'bool',
};
const TRUSTED_ISSUER: Schema = {
  issuer: 'string', jwks_file: 'string', jwks_uri: 'string', algorithms: 'strings', subject_namespace: 'string',
  tenant_required: 'bool',
};
const TOKEN_ENDPOINT: Schema = {
  url: 'string', jwks_uri: 'string', signing_keys: 'strings', signing_kid: 'string', access_token_lifetime: 'u32',
  may_outlive_assertion: 'bool', client_assertion_algorithms: 'strings', allow_public_clients: 'bool',
};
const CLIENT: Schema = {
  client_id: 'string', auth_method: 'string', client_secret_sha256: 'string', jwks_file: 'string',
  resources: 'strings', scopes: 'strings', grant_types: 'strings', issuers: 'strings',
};
const IDENTITY_PROVIDER: Schema = {
  issuer: 'string', token_endpoint_url: 'string', jwks_uri: 'string', signing_keys: 'strings', signing_kid: 'string',
  leeway: 'u32', resource_root_slash_equivalence: 'bool', development_sign_in: 'bool', id_token_lifetime: 'u32',
  refresh_token_lifetime: 'u32',
};
const IDP_CLIENT: Schema = {
  client_id: 'string', auth_method: 'string', client_secret_sha256: 'string', jwks_file: 'string',
  redirect_uris: 'strings',
};
const UPSTREAM_IDP: Schema = {
  issuer: 'string', jwks_file: 'string', jwks_uri: 'string', algorithms: 'strings', client_ids: 'strings',
  subject_claim: 'string', admit_unknown_users: 'bool',
};
const USER: Schema = {
  sub: 'string', groups: 'strings', disabled: 'bool', email: 'string', password_sha256: 'string',
};
const CONNECTION: Schema = {
  client_id: 'string', audience: 'string', audience_aliases: 'strings', resources: 'strings', scopes: 'strings',
  client_id_at_audience: 'string', id_jag_lifetime: 'u32', required_acr: 'strings', max_auth_age: 'u32',
  users: 'strings', groups: 'strings',
};
const RESOURCE_SERVER: Schema = {
  resource: 'string', issuer: 'string', jwks_file: 'string', jwks_uri: 'string', algorithms: 'strings',
  leeway: 'u32', resource_metadata_url: 'string', resource_root_slash_equivalence: 'bool',
};
const JWKS_CACHE: Schema = { min_ttl: 'u32', max_ttl: 'u32', refresh_cooldown: 'u32', max_stale: 'u32' };
const GATEWAY: Schema = {
  required_scopes: 'tables', subject_header: 'string', client_id_header: 'string', scope_header: 'string',
  max_body_bytes: 'u32', upstream_timeout: 'u32', upstream_idle_timeout: 'u32',
};
const REQUIRED_SCOPE: Schema = { method: 'string', tool: 'string', scopes: 'strings' };
const REPLAY_STORE: Schema = { url: 'string', timeout_ms: 'u32' };

/** Where the configuration's files are read from: a directory, or a map of names (tests). */
export type FileSource = string | ((name: string) => string | undefined);

class Reader {
  constructor(private readonly files: FileSource) {}

  read(path: string, name: string): string {
    if (typeof this.files === 'string') {
      const full = join(this.files, name);
      try {
        return readFileSync(full, 'utf8');
      } catch (e) {
        return fail(`${path}: cannot read ${full}: ${(e as Error).message}`);
      }
    }
    const text = this.files(name);
    return text ?? fail(`${path}: cannot read ${name}: no such file`);
  }
}

// Field helpers: an absent option is null; an absent list or bool its default.
const opt = (t: Table, k: string): Json => (t[k] === undefined ? null : (t[k] as Json));
const u32 = (t: Table, k: string): Json => (t[k] === undefined ? null : Number(t[k]));
const list = (t: Table, k: string): Json => (t[k] ?? []) as Json;
const flag = (t: Table, k: string): boolean => (t[k] ?? false) as boolean;
const tables = (t: Table, k: string, schema: Schema): Table[] =>
  ((t[k] ?? []) as unknown[]).map((x, i) => checked(x, `${k}[${i}]`, schema));

function keySource(r: Reader, path: string, t: Table): Json {
  const file = t.jwks_file as string | undefined;
  const uri = t.jwks_uri as string | undefined;
  if (file !== undefined && uri === undefined) return { Inline: r.read(`${path}.jwks_file`, file) };
  if (file === undefined && uri !== undefined) return { Uri: uri };
  if (file !== undefined) return fail(`${path}: give jwks_file or jwks_uri, not both`);
  return fail(`${path}: give jwks_file or jwks_uri`);
}

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

function credential(r: Reader, path: string, c: Table): Json {
  const method = c.auth_method;
  if (method === undefined) return fail(`${path}: missing field \`auth_method\``);
  if (!AUTH_METHODS.includes(method as string)) {
    return fail(`${path}.auth_method: unknown variant \`${String(method)}\`, expected one of ${
      AUTH_METHODS.map((m) => `\`${m}\``).join(', ')}`);
  }
  const secret = c.client_secret_sha256 as string | undefined;
  const jwks = c.jwks_file as string | undefined;
  switch (method) {
    case 'client_secret_basic':
    case 'client_secret_post': {
      if (secret === undefined) {
        return fail(`${path}: client_secret_sha256 is required for this auth_method (make it with \`xaa keys hash-secret\`)`);
      }
      if (jwks !== undefined) return fail(`${path}: jwks_file is only for auth_method = "private_key_jwt"`);
      return method === 'client_secret_basic' ? { SecretBasic: secret } : { SecretPost: secret };
    }
    case 'private_key_jwt':
      if (jwks === undefined) return fail(`${path}: jwks_file is required for auth_method = "private_key_jwt"`);
      if (secret !== undefined) return fail(`${path}: client_secret_sha256 is not used with private_key_jwt`);
      return { PrivateKeyJwt: r.read(`${path}.jwks_file`, jwks) };
    default:
      if (jwks !== undefined || secret !== undefined) {
        return fail(`${path}: a public client (auth_method = "none") has no credential`);
      }
      return 'None';
  }
}

const required = (t: Table, path: string, k: string): string =>
  (t[k] as string | undefined) ?? fail(`${path}: missing field \`${k}\``);

const signingKeys = (r: Reader, section: string, t: Table): Json =>
  ((t.signing_keys ?? []) as string[]).map((f, i) => r.read(`${section}.signing_keys[${i}]`, f));

function tokenEndpoint(r: Reader, f: Table): Json {
  if (f.token_endpoint === undefined) {
    if (((f.clients ?? []) as unknown[]).length > 0) fail('[[clients]] needs a [token_endpoint] section');
    return null;
  }
  const t = checked(f.token_endpoint, 'token_endpoint', TOKEN_ENDPOINT);
  const clients = tables(f, 'clients', CLIENT).map((c, i) => {
    const path = `clients[${i}]`;
    return {
      client_id: required(c, path, 'client_id'),
      credential: credential(r, path, c),
      resources: list(c, 'resources'),
      scopes: list(c, 'scopes'),
      grant_types: opt(c, 'grant_types'),
      issuers: list(c, 'issuers'),
    };
  });
  return {
    url: opt(t, 'url'),
    jwks_uri: opt(t, 'jwks_uri'),
    signing_keys: signingKeys(r, 'token_endpoint', t),
    signing_kid: opt(t, 'signing_kid'),
    access_token_lifetime: u32(t, 'access_token_lifetime'),
    may_outlive_assertion: flag(t, 'may_outlive_assertion'),
    client_assertion_algorithms: opt(t, 'client_assertion_algorithms'),
    allow_public_clients: flag(t, 'allow_public_clients'),
    clients,
  };
}

function identityProvider(r: Reader, f: Table): Json {
  if (f.identity_provider === undefined) {
    for (const k of ['idp_clients', 'users', 'connections', 'upstream_idps']) {
      if (((f[k] ?? []) as unknown[]).length > 0) {
        fail('[[idp_clients]], [[users]], [[connections]] and [[upstream_idps]] need an [identity_provider] section');
      }
    }
    return null;
  }
  const i = checked(f.identity_provider, 'identity_provider', IDENTITY_PROVIDER);
  const path = 'identity_provider';
  const clients = tables(f, 'idp_clients', IDP_CLIENT).map((c, n) => ({
    client_id: required(c, `idp_clients[${n}]`, 'client_id'),
    credential: credential(r, `idp_clients[${n}]`, c),
    redirect_uris: list(c, 'redirect_uris'),
  }));
  return {
    issuer: required(i, path, 'issuer'),
    token_endpoint_url: opt(i, 'token_endpoint_url'),
    jwks_uri: opt(i, 'jwks_uri'),
    signing_keys: signingKeys(r, path, i),
    signing_kid: opt(i, 'signing_kid'),
    leeway: u32(i, 'leeway'),
    resource_root_slash_equivalence: flag(i, 'resource_root_slash_equivalence'),
    clients,
    users: tables(f, 'users', USER).map((u, n) => ({
      sub: required(u, `users[${n}]`, 'sub'),
      groups: list(u, 'groups'),
      disabled: flag(u, 'disabled'),
      email: opt(u, 'email'),
      password_sha256: opt(u, 'password_sha256'),
    })),
    connections: tables(f, 'connections', CONNECTION).map((c, n) => ({
      client_id: required(c, `connections[${n}]`, 'client_id'),
      audience: required(c, `connections[${n}]`, 'audience'),
      audience_aliases: list(c, 'audience_aliases'),
      resources: list(c, 'resources'),
      scopes: list(c, 'scopes'),
      client_id_at_audience: required(c, `connections[${n}]`, 'client_id_at_audience'),
      id_jag_lifetime: u32(c, 'id_jag_lifetime'),
      required_acr: opt(c, 'required_acr'),
      max_auth_age: u32(c, 'max_auth_age'),
      users: opt(c, 'users'),
      groups: opt(c, 'groups'),
    })),
    development_sign_in: flag(i, 'development_sign_in'),
    id_token_lifetime: u32(i, 'id_token_lifetime'),
    refresh_token_lifetime: u32(i, 'refresh_token_lifetime'),
    upstream_idps: tables(f, 'upstream_idps', UPSTREAM_IDP).map((u, n) => ({
      issuer: required(u, `upstream_idps[${n}]`, 'issuer'),
      keys: keySource(r, `upstream_idps[${n}]`, u),
      algorithms: list(u, 'algorithms'),
      client_ids: list(u, 'client_ids'),
      subject_claim: opt(u, 'subject_claim'),
      admit_unknown_users: flag(u, 'admit_unknown_users'),
    })),
  };
}

/**
 * The configuration in TOML text, its files read through `files` (a directory or a lookup),
 * as the host-neutral JSON of the WIT `config` record. Throws `ConfigFileError`.
 */
export function configJsonFromToml(text: string, files: FileSource): { [key: string]: Json } {
  return readConfigFile(text, files).config;
}

/** What a configuration file holds: the WIT `config` record's JSON, and the `[replay_store]`
 * section (`xaa serve`'s Redis; this package does not connect to it: see Validator). */
export interface ConfigFile {
  config: { [key: string]: Json };
  replayStore?: { url: string; timeoutMs?: number };
}

/** The configuration in TOML text, with the host-only sections. Throws `ConfigFileError`. */
export function readConfigFile(text: string, files: FileSource): ConfigFile {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch (e) {
    return fail((e as Error).message.split('\n')[0] ?? 'invalid TOML');
  }
  const r = new Reader(files);
  const f = checked(doc, '', FILE);
  if (f.authorization_server === undefined && ((f.trusted_issuers ?? []) as unknown[]).length > 0) {
    fail('[[trusted_issuers]] needs an [authorization_server] section');
  }
  if (f.authorization_server === undefined && f.token_endpoint !== undefined) {
    fail('[token_endpoint] needs an [authorization_server] section');
  }
  const te = tokenEndpoint(r, f);
  const idp = identityProvider(r, f);
  const trusted = tables(f, 'trusted_issuers', TRUSTED_ISSUER).map((t, i) => {
    const path = `trusted_issuers[${i}]`;
    return {
      issuer: required(t, path, 'issuer'),
      keys: keySource(r, path, t),
      algorithms: list(t, 'algorithms'),
      subject_namespace: opt(t, 'subject_namespace'),
      tenant_required: flag(t, 'tenant_required'),
    };
  });
  let authorizationServer: Json = null;
  if (f.authorization_server !== undefined) {
    const a = checked(f.authorization_server, 'authorization_server', AUTHORIZATION_SERVER);
    authorizationServer = {
      issuer: required(a, 'authorization_server', 'issuer'),
      resources: list(a, 'resources'),
      max_assertion_lifetime: u32(a, 'max_assertion_lifetime'),
      leeway: u32(a, 'leeway'),
      resource_root_slash_equivalence: flag(a, 'resource_root_slash_equivalence'),
      trusted_issuers: trusted,
      token_endpoint: te,
    };
  }
  if (f.resource_server === undefined && f.gateway !== undefined) fail('[gateway] needs a [resource_server] section');
  const gateway = f.gateway === undefined ? {} : checked(f.gateway, 'gateway', GATEWAY);
  const requiredScopes = tables(gateway, 'required_scopes', REQUIRED_SCOPE).map((s, i) => ({
    method: required(s, `gateway.required_scopes[${i}]`, 'method'),
    tool: opt(s, 'tool'),
    scopes: list(s, 'scopes'),
  }));
  let replayStore: ConfigFile['replayStore'];
  if (f.replay_store !== undefined) {
    const s = checked(f.replay_store, 'replay_store', REPLAY_STORE);
    const url = required(s, 'replay_store', 'url');
    replayStore = s.timeout_ms === undefined ? { url } : { url, timeoutMs: Number(s.timeout_ms) };
  }
  let resourceServer: Json = null;
  if (f.resource_server !== undefined) {
    const s = checked(f.resource_server, 'resource_server', RESOURCE_SERVER);
    resourceServer = {
      resource: required(s, 'resource_server', 'resource'),
      issuer: required(s, 'resource_server', 'issuer'),
      keys: keySource(r, 'resource_server', s),
      algorithms: list(s, 'algorithms'),
      leeway: u32(s, 'leeway'),
      resource_metadata_url: opt(s, 'resource_metadata_url'),
      resource_root_slash_equivalence: flag(s, 'resource_root_slash_equivalence'),
      required_scopes: requiredScopes,
    };
  }
  const c = f.jwks_cache === undefined ? {} : checked(f.jwks_cache, 'jwks_cache', JWKS_CACHE);
  const config = {
    authorization_server: authorizationServer,
    resource_server: resourceServer,
    identity_provider: idp,
    jwks_cache: {
      min_ttl: u32(c, 'min_ttl'),
      max_ttl: u32(c, 'max_ttl'),
      refresh_cooldown: u32(c, 'refresh_cooldown'),
      max_stale: u32(c, 'max_stale'),
    },
    token_cache_size: u32(f, 'token_cache_size'),
  };
  return replayStore === undefined ? { config } : { config, replayStore };
}

/** A configuration file read as `xaa` reads it; its files are relative to its directory. */
export function configJsonFromFile(path: string): { [key: string]: Json } {
  return readConfigFilePath(path).config;
}

/** `readConfigFile` of the file at `path`. */
export function readConfigFilePath(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`${path}: cannot read the configuration: ${(e as Error).message}`);
  }
  try {
    return readConfigFile(text, dirname(path));
  } catch (e) {
    if (e instanceof ConfigFileError) throw new ConfigFileError(`${path}: ${e.message}`);
    throw e;
  }
}
