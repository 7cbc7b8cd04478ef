// The host-neutral JSON of the WIT `config` record (serde's form: snake_case names, null for none,
// a variant case as {"CaseName": payload} or "CaseName" without one) converted to jco's shapes
// (camelCase names, undefined for none, a variant as {tag: 'kebab-name', val}).
// Nothing is defaulted or checked here beyond shape: the component judges every value.

type Obj = Record<string, unknown>;

/** A JSON configuration whose shape is not the WIT `config` record's. */
export class ConfigShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigShapeError';
  }
}

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function object(x: unknown, path: string): Obj {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) {
    throw new ConfigShapeError(`${path}: expected an object`);
  }
  return x as Obj;
}

type Convert = (x: unknown, path: string) => unknown;

/** An object's members as they are (null -> undefined), names in camelCase; `convert` maps some. */
const record = (convert: Record<string, Convert> = {}): Convert => (x, path) => {
  const o = object(x, path);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => {
    const f = convert[k];
    return [camel(k), f !== undefined ? f(v, `${path}.${k}`) : (v ?? undefined)];
  }));
};
const optional = (f: Convert): Convert => (x, path) => (x === null || x === undefined ? undefined : f(x, path));
const each = (f: Convert): Convert => (x, path) => {
  if (!Array.isArray(x)) throw new ConfigShapeError(`${path}: expected an array`);
  return x.map((v, i) => f(v, `${path}[${i}]`));
};
/** {"SecretBasic": hex} -> {tag: 'secret-basic', val: hex}; "None" -> {tag: 'none'}. */
const variant = (cases: string[]): Convert => (v, path) => {
  const entries: [string, unknown][] = typeof v === 'string' ? [[v, undefined]] : Object.entries(object(v, path));
  const [first, ...rest] = entries;
  const tag = first?.[0].replace(/[A-Z]/g, (c, at: number) => (at ? '-' : '') + c.toLowerCase());
  if (first === undefined || rest.length !== 0 || tag === undefined || !cases.includes(tag)) {
    throw new ConfigShapeError(`${path}: expected one of ${cases.join(', ')}`);
  }
  return first[1] === undefined ? { tag } : { tag, val: first[1] };
};

const keys = variant(['inline', 'uri']);
const credential = variant(['secret-basic', 'secret-post', 'private-key-jwt', 'none']);
const client = record({ credential });
const plain = record();

const CONFIG = record({
  authorization_server: optional(record({
    trusted_issuers: each(record({ keys })),
    token_endpoint: optional(record({ clients: each(client) })),
  })),
  resource_server: optional(record({ keys, required_scopes: each(plain) })),
  identity_provider: optional(record({
    clients: each(client), users: each(plain), connections: each(plain), upstream_idps: each(record({ keys })),
  })),
  jwks_cache: plain,
});

/** The WIT `config` record as jco takes it, from its host-neutral JSON. */
export function configFromJson(json: unknown): unknown {
  const c = CONFIG(json, 'config') as Obj;
  if (c.jwksCache === undefined) throw new ConfigShapeError('config.jwks_cache: missing');
  return c;
}
