// A verdict as this package gives it: the WIT `verdict` variant flattened into one object, with
// the claims parsed only when read.
import type { Rejection, WitVerdict } from './component.js';

/** The refusal a host gives when the component trapped (README verdict table). */
export const INTERNAL_ERROR: Rejection = {
  code: 'internal_error',
  oauthError: 'server_error',
  httpStatus: 500,
  description: 'the token engine failed; the instance was replaced',
};

export class Verdict {
  /** True only for a token every check accepted. */
  readonly valid: boolean;
  /** `valid`, or the rejection code of the README's verdict-code table. */
  readonly code: string;
  /** OAuth error code of a refusal (`invalid_token`, `invalid_grant`, ...). */
  readonly oauthError?: string;
  /** HTTP status to answer a refusal with (200 when valid). */
  readonly httpStatus: number;
  /** `WWW-Authenticate` value of a refusal, where one applies. */
  readonly wwwAuthenticate?: string;
  /** Log-safe description of a refusal. */
  readonly description?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly audience: readonly string[];
  readonly clientId?: string;
  /** The `scope` claim as given (space-separated). */
  readonly scope?: string;
  /** `scope` split on spaces. */
  readonly scopes: readonly string[];
  /** An ID-JAG's `resource` claim (empty for access tokens). */
  readonly resource: readonly string[];
  readonly jwtId?: string;
  /** Unix seconds. */
  readonly issuedAt?: number;
  /** Unix seconds. */
  readonly expiresAt?: number;
  readonly #claimsJson: string | undefined;
  #claims: Record<string, unknown> | undefined;

  constructor(v: WitVerdict) {
    if (v.tag === 'valid') {
      const t = v.val;
      this.valid = true;
      this.code = 'valid';
      this.httpStatus = 200;
      this.issuer = t.issuer;
      this.subject = t.subject;
      this.audience = t.audience;
      this.clientId = t.clientId;
      this.scope = t.scope;
      this.scopes = t.scope === undefined ? [] : t.scope.split(' ').filter((s) => s !== '');
      this.resource = t.resource;
      this.jwtId = t.jwtId;
      this.issuedAt = Number(t.issuedAt);
      this.expiresAt = Number(t.expiresAt);
      this.#claimsJson = t.claimsJson;
    } else {
      const r = v.val;
      this.valid = false;
      this.code = r.code;
      this.oauthError = r.oauthError;
      this.httpStatus = r.httpStatus;
      this.wwwAuthenticate = r.wwwAuthenticate;
      this.description = r.description;
      this.audience = [];
      this.scopes = [];
      this.resource = [];
      this.#claimsJson = undefined;
    }
  }

  /** The verified claims set (a JSON object), parsed on first read; {} for a refusal. */
  get claims(): Record<string, unknown> {
    this.#claims ??= this.#claimsJson === undefined ? {} : (JSON.parse(this.#claimsJson) as Record<string, unknown>);
    return this.#claims;
  }

  /** A refusal not from the component: it trapped, and was replaced. */
  static internalError(): Verdict {
    return new Verdict({ tag: 'rejected', val: INTERNAL_ERROR });
  }
}
