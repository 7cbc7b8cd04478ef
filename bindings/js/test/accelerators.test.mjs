// The node:crypto accelerators alone (the WIT 0.2.0 host functions): handles, strict base64url,
// each algorithm's padding and salt, signing. Signatures to check are made here with node:crypto
// directly, so the expected answers do not come from the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign, verify } from 'node:crypto';
import { Accelerators, MAX_HANDLES } from '../dist/accelerators.js';

const INPUT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0';
const b64u = (b) => Buffer.from(b).toString('base64url');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ecJwk = ec.privateKey.export({ format: 'jwk' });
const point = Buffer.concat([Buffer.from([4]), Buffer.from(ecJwk.x, 'base64url'), Buffer.from(ecJwk.y, 'base64url')]);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
const rsaKey = { tag: 'rsa', val: { n: Buffer.from(rsaJwk.n, 'base64url'), e: Buffer.from(rsaJwk.e, 'base64url') } };
const es256 = b64u(sign('sha256', Buffer.from(INPUT), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' }));

test('one handle per (alg, key); keys that do not fit the alg get none', () => {
  const a = new Accelerators();
  const h = a.registerPublicKey('es256', { tag: 'ec-p256', val: point });
  assert.equal(typeof h, 'number');
  assert.equal(a.registerPublicKey('es256', { tag: 'ec-p256', val: new Uint8Array(point) }), h);
  assert.equal(a.registerPublicKey('rs256', { tag: 'ec-p256', val: point }), undefined);
  assert.equal(a.registerPublicKey('es256', rsaKey), undefined);
  assert.equal(a.registerPublicKey('es256', { tag: 'ec-p256', val: point.subarray(1) }), undefined, '64 bytes');
  const offCurve = Buffer.from(point);
  offCurve[64] ^= 1;
  assert.equal(a.registerPublicKey('es256', { tag: 'ec-p256', val: offCurve }), undefined, 'not on P-256');
  assert.notEqual(a.registerPublicKey('rs256', rsaKey), a.registerPublicKey('ps256', rsaKey));
  assert.equal(a.stats.keys, 3);
});

test('ES256: valid, tampered, wrong length, non-canonical or non-base64url signatures', () => {
  const a = new Accelerators();
  const h = a.registerPublicKey('es256', { tag: 'ec-p256', val: point });
  assert.equal(a.verifySignature(h, INPUT, es256), 'valid');
  assert.equal(a.verifySignature(h, `${INPUT}x`, es256), 'invalid');
  assert.equal(a.verifySignature(h, INPUT, es256.slice(0, -4)), 'invalid');
  assert.equal(a.verifySignature(h, INPUT, `${es256}=`), 'invalid');
  assert.equal(a.verifySignature(h, INPUT, es256.replace(/^./, '+')), 'invalid');
  // The last character carries 2 unused bits: another spelling of the same bytes is refused.
  const last = es256.at(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const twin = alphabet[alphabet.indexOf(last) ^ 1];
  assert.equal(a.verifySignature(h, INPUT, es256.slice(0, -1) + twin), 'invalid');
  assert.equal(a.verifySignature(h + 1, INPUT, es256), 'not-offered');
  assert.equal(a.verifySignature(-1, INPUT, es256), 'not-offered');
});

test('RS256 is PKCS#1 v1.5; PS256 is PSS with MGF1-SHA-256 and a 32-byte salt', () => {
  const a = new Accelerators();
  const rs = a.registerPublicKey('rs256', rsaKey);
  const ps = a.registerPublicKey('ps256', rsaKey);
  const data = Buffer.from(INPUT);
  const pkcs1 = b64u(sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PADDING }));
  const pss = (saltLength) => b64u(sign('sha256', data, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }));
  assert.equal(a.verifySignature(rs, INPUT, pkcs1), 'valid');
  assert.equal(a.verifySignature(rs, INPUT, pss(32)), 'invalid');
  assert.equal(a.verifySignature(ps, INPUT, pss(32)), 'valid');
  assert.equal(a.verifySignature(ps, INPUT, pss(20)), 'invalid');
  assert.equal(a.verifySignature(ps, INPUT, pkcs1), 'invalid');
});

test('ES256 signing: r || s that node:crypto verifies; bad keys get none', () => {
  const a = new Accelerators();
  const d = Buffer.from(ecJwk.d, 'base64url');
  const h = a.registerSigningKey(d, point);
  assert.equal(a.registerSigningKey(d, point), h);
  const sig = Buffer.from(a.signEs256(h, INPUT), 'base64url');
  assert.equal(sig.length, 64);
  assert.ok(verify('sha256', Buffer.from(INPUT), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, sig));
  assert.equal(a.signEs256(h + 1, INPUT), undefined);
  assert.equal(a.registerSigningKey(d.subarray(1), point), undefined);
  assert.equal(a.registerSigningKey(d, point.subarray(1)), undefined);
});

test('registration stops at the bound (answers none)', () => {
  const a = new Accelerators();
  for (let i = 0; i < MAX_HANDLES; i++) {
    const n = Buffer.alloc(256, 0xff);
    n.writeUInt32BE(i, 252);
    a.registerPublicKey('rs256', { tag: 'rsa', val: { n, e: Buffer.from([1, 0, 1]) } });
  }
  assert.equal(a.registerPublicKey('es256', { tag: 'ec-p256', val: point }), undefined);
});
