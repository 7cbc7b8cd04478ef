// The hook for the official MCP TypeScript SDK (@modelcontextprotocol/server 2.x): an
// `OAuthTokenVerifier` whose `verifyAccessToken` asks this package's Validator, for
// `requireBearerAuth` / `verifyBearerToken`. A refusal throws the SDK's `OAuthError`
// (`invalid_token`, or `server_error` when the component trapped), which the SDK answers as 401
// (500) with its `WWW-Authenticate` challenge. Nothing here logs the token.
import {
  OAuthError,
  OAuthErrorCode,
  type AuthInfo,
  type OAuthTokenVerifier as SdkTokenVerifier,
} from '@modelcontextprotocol/server';
import type { Validator } from './validator.js';

/** What a verified token adds to `AuthInfo.extra`. */
export interface XaaAuthExtra {
  subject: string;
  issuer: string;
  jwtId: string;
  /** The verified claims set. */
  claims: Record<string, unknown>;
}

export class OAuthTokenVerifier implements SdkTokenVerifier {
  constructor(private readonly validator: Validator) {}

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const verdict = await this.validator.validateAccessToken(token);
    if (!verdict.valid) {
      const code = verdict.httpStatus >= 500 ? OAuthErrorCode.ServerError : OAuthErrorCode.InvalidToken;
      throw new OAuthError(code, verdict.description ?? verdict.code);
    }
    const resource = this.validator.resource;
    const extra: XaaAuthExtra = {
      subject: verdict.subject ?? '',
      issuer: verdict.issuer ?? '',
      jwtId: verdict.jwtId ?? '',
      claims: verdict.claims,
    };
    return {
      token,
      clientId: verdict.clientId ?? '',
      scopes: [...verdict.scopes],
      // Always set: the SDK refuses a token without it. A valid verdict always has `exp`.
      expiresAt: verdict.expiresAt ?? 0,
      // The configured resource: the component checked that the token's `aud` names it.
      ...(resource === undefined ? {} : { resource: new URL(resource) }),
      extra: { ...extra },
    };
  }
}
