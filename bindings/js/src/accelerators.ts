// The optional native crypto of `host` (WIT 0.2.0) with node:crypto: the component registers a
// key once (`register-public-key`, `register-signing-key`) and names it by the handle from then
// on. Each handle holds one KeyObject, built once from a JWK. The component still decides every
// verdict: a signature this module calls valid is only the signature layer, and a signature it
// makes is checked by the component (through `verify-signature`) before use.
import { createPrivateKey, createPublicKey, constants, sign, verify, type KeyObject } from 'node:crypto';

/** WIT `algorithm`. */
export type Algorithm = 'es256' | 'rs256' | 'ps256';
/** WIT `public-key`. */
export type PublicKey = { tag: 'ec-p256'; val: Uint8Array } | { tag: 'rsa'; val: { n: Uint8Array; e: Uint8Array } };
/** WIT `accelerated-verify`. */
export type AcceleratedVerify = 'valid' | 'invalid' | 'not-offered';

/** Keys registered past this bound are answered `none` (the component verifies in pure Rust). */
export const MAX_HANDLES = 4096;

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');
const B64URL = /^[A-Za-z0-9_-]*$/;

/** The bytes of canonical unpadded base64url, or undefined (any other spelling is refused). */
function decodeB64u(text: string): Buffer | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

interface Verifier {
  alg: Algorithm;
  key: KeyObject;
}

/** An EC P-256 public JWK from a 65-byte uncompressed SEC1 point, or undefined. */
function ecJwk(point: Uint8Array): { kty: string; crv: string; x: string; y: string } | undefined {
  if (point.length !== 65 || point[0] !== 0x04) return undefined;
  return { kty: 'EC', crv: 'P-256', x: b64u(point.subarray(1, 33)), y: b64u(point.subarray(33)) };
}

/** What the accelerators did (for tests and metrics). */
export interface AcceleratorStats {
  keys: number;
  verifications: number;
  signatures: number;
}

export class Accelerators {
  readonly stats: AcceleratorStats = { keys: 0, verifications: 0, signatures: 0 };
  private readonly verifiers: Verifier[] = [];
  private readonly verifierIds = new Map<string, number>();
  private readonly signers: KeyObject[] = [];
  private readonly signerIds = new Map<string, number>();

  /** WIT `register-public-key`: the same handle for the same (alg, key); none when unusable. */
  registerPublicKey(alg: Algorithm, key: PublicKey): number | undefined {
    const id = key.tag === 'ec-p256' ? `${alg}:ec:${b64u(key.val)}` : `${alg}:rsa:${b64u(key.val.n)}.${b64u(key.val.e)}`;
    const known = this.verifierIds.get(id);
    if (known !== undefined) return known;
    if (this.verifiers.length >= MAX_HANDLES) return undefined;
    const fits = key.tag === 'ec-p256' ? alg === 'es256' : alg === 'rs256' || alg === 'ps256';
    if (!fits) return undefined;
    let keyObject: KeyObject;
    try {
      const jwk = key.tag === 'ec-p256' ? ecJwk(key.val) : { kty: 'RSA', n: b64u(key.val.n), e: b64u(key.val.e) };
      if (jwk === undefined) return undefined;
      keyObject = createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      return undefined; // node:crypto refuses the key: the component's own verifier decides
    }
    const handle = this.verifiers.length;
    this.stats.keys += 1;
    this.verifiers.push({ alg, key: keyObject });
    this.verifierIds.set(id, handle);
    return handle;
  }

  /** WIT `verify-signature`: over the ASCII `signing-input` with the handle's key and alg. */
  verifySignature(handle: number, signingInput: string, signature: string): AcceleratedVerify {
    const v = this.verifiers[handle];
    if (v === undefined) return 'not-offered';
    this.stats.verifications += 1;
    const sig = decodeB64u(signature);
    if (sig === undefined) return 'invalid';
    const data = Buffer.from(signingInput, 'utf8');
    try {
      switch (v.alg) {
        case 'es256':
          if (sig.length !== 64) return 'invalid';
          return verify('sha256', data, { key: v.key, dsaEncoding: 'ieee-p1363' }, sig) ? 'valid' : 'invalid';
        case 'rs256':
          return verify('sha256', data, { key: v.key, padding: constants.RSA_PKCS1_PADDING }, sig) ? 'valid' : 'invalid';
        case 'ps256':
          return verify('sha256', data, {
            key: v.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32,
          }, sig) ? 'valid' : 'invalid';
      }
    } catch {
      return 'invalid';
    }
    return 'not-offered';
  }

  /** WIT `register-signing-key`: d = 32-byte big-endian scalar, 65-byte uncompressed point. */
  registerSigningKey(d: Uint8Array, publicPoint: Uint8Array): number | undefined {
    const id = `${b64u(d)}.${b64u(publicPoint)}`;
    const known = this.signerIds.get(id);
    if (known !== undefined) return known;
    if (this.signers.length >= MAX_HANDLES || d.length !== 32) return undefined;
    const pub = ecJwk(publicPoint);
    if (pub === undefined) return undefined;
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: { ...pub, d: b64u(d) }, format: 'jwk' });
    } catch {
      return undefined;
    }
    const handle = this.signers.length;
    this.stats.keys += 1;
    this.signers.push(key);
    this.signerIds.set(id, handle);
    return handle;
  }

  /** WIT `sign-es256`: base64url of the 64-byte r || s signature, or none. */
  signEs256(handle: number, signingInput: string): string | undefined {
    const key = this.signers[handle];
    if (key === undefined) return undefined;
    this.stats.signatures += 1;
    try {
      return sign('sha256', Buffer.from(signingInput, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    } catch {
      return undefined;
    }
  }
}
