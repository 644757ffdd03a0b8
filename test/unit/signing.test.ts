import { describe, expect, it } from 'vitest';
import { webcrypto } from 'node:crypto';
import {
  base64UrlDecode,
  base64UrlEncode,
  canonicalJson,
  generateSigningKey,
  keyFingerprint,
  sha256Hex,
  signRecord,
  toHex,
  verifyRecordSignature,
} from '@/lib/capture/signing';

describe('canonical JSON (RFC 8785)', () => {
  it.each([
    [{ b: 1, a: [3, { d: true, c: null }] }, '{"a":[3,{"c":null,"d":true}],"b":1}'],
    [{ n: 1e21, m: 0.1, k: -0 }, '{"k":0,"m":0.1,"n":1e+21}'],
    [{ s: 'é\u2028\u0000"\\' }, '{"s":"é\\u2028\\u0000\\"\\\\"}'.replace('\\u2028', '\u2028')],
    // RFC 8785 §3.2.3 sorts keys by UTF-16 code units: U+20AC before the surrogate pair U+D83D U+DE00.
    [{ '\ud83d\ude00': 3, '\u20ac': 1, '\r': 2, '1': 4, '\u00f6': 5 }, '{"\\r":2,"1":4,"ö":5,"€":1,"😀":3}'],
  ])('serializes %j', (value, text) => {
    expect(canonicalJson(value)).toBe(text);
  });
});

describe('hex', () => {
  it('writes digests and any bytes as lower-case hex, as Node does', async () => {
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7919) & 255);
    expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
    expect(toHex(bytes.buffer)).toBe(Buffer.from(bytes).toString('hex'));
    expect(toHex(new Uint8Array(0))).toBe('');
  });
});

describe('signatures', () => {
  it('signs a record that an independent WebCrypto verifier accepts, and rejects any change', async () => {
    const key = await generateSigningKey();
    const record = { id: '01JD00000000000000000000AA', title: '<b>‮</b>', url: 'https://x.example/?a=1#f', n: 3 };
    const signed = { ...record, signature: { alg: 'ES256', keyFingerprint: key.fingerprint, value: await signRecord(key.privateKey, record) } };
    expect(await verifyRecordSignature(signed, key.publicJwk)).toBe(true);

    const pub = await webcrypto.subtle.importKey('jwk', key.publicJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const sig = Buffer.from(signed.signature.value, 'base64url');
    expect(sig.length).toBe(64);
    expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, pub, sig, new TextEncoder().encode(canonicalJson(record)))).toBe(true);

    expect(await verifyRecordSignature({ ...signed, n: 4 }, key.publicJwk)).toBe(false);
    expect(await verifyRecordSignature({ ...signed, extra: 1 }, key.publicJwk)).toBe(false);
    const other = await generateSigningKey();
    expect(await verifyRecordSignature(signed, other.publicJwk)).toBe(false);
    expect(await verifyRecordSignature({ ...signed, signature: { ...signed.signature, value: 'not-base64!' } }, key.publicJwk)).toBe(false);
  });

  it('keeps the private key non-extractable', async () => {
    const key = await generateSigningKey();
    expect(key.privateKey.extractable).toBe(false);
    await expect(webcrypto.subtle.exportKey('jwk', key.privateKey as never)).rejects.toThrow();
  });

  it('fingerprints keys with the RFC 7638 thumbprint', async () => {
    // RFC 7638 §3.1 uses an RSA key; for EC the required members are crv, kty, x, y in that order.
    const jwk = { kty: 'EC' as const, crv: 'P-256' as const, x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    expect(await keyFingerprint(jwk)).toBe(await sha256Hex(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`));
  });

  it('round-trips base64url', () => {
    const bytes = new Uint8Array(300).map((_, i) => (i * 37) & 255);
    expect([...base64UrlDecode(base64UrlEncode(bytes))]).toEqual([...bytes]);
  });

  it('decodes base64url and standard base64, padded or not, and refuses anything else like atob', () => {
    expect([...base64UrlDecode('-_8')]).toEqual([0xfb, 0xff]);
    expect([...base64UrlDecode('+/8=')]).toEqual([0xfb, 0xff]);
    expect([...base64UrlDecode('')]).toEqual([]);
    for (const bad of ['ab$c', 'abcde', 'ab=c', 'a\u0000bc']) {
      expect(() => base64UrlDecode(bad), bad).toThrow();
      expect(() => atob(bad.replace(/-/g, '+').replace(/_/g, '/')), bad).toThrow();
    }
  });
});
