// Hashing and ECDSA P-256 signatures over RFC 8785 canonical JSON. Runs unchanged in the
// extension and in Node (the `exhibit verify` CLI), using only WebCrypto.
import canonicalize from 'canonicalize';
import type { PublicKeyJwk } from '../schema';

const subtle = () => globalThis.crypto.subtle;
const ECDSA_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Lower-case hex of `bytes`, as one flat string (a join): adding two digits at a time would leave a
 * chain of small strings behind each digest, which an export keeps for every file it writes.
 */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const pairs = new Array<string>(u8.length);
  for (let i = 0; i < u8.length; i++) pairs[i] = HEX_PAIRS[u8[i]!]!;
  return pairs.join('');
}

export async function sha256Hex(data: Uint8Array | ArrayBuffer | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return toHex(await subtle().digest('SHA-256', bytes as BufferSource));
}

export function base64Encode(bytes: Uint8Array | ArrayBuffer): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bin = '';
  for (let i = 0; i < u8.length; i += 0x8000) bin += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function base64UrlEncode(bytes: Uint8Array | ArrayBuffer): string {
  return base64Encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Bytes of base64url (or standard base64) text; throws on any other character. Decoded natively
 * where the platform can (Uint8Array.fromBase64 in browsers, Buffer in Node: the CLI decodes a
 * signature per capture, and Node's atob is slow); atob and a loop otherwise.
 */
export function base64UrlDecode(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(padded);
  const NodeBuffer = (globalThis as unknown as { Buffer?: { from(s: string, encoding: 'base64'): Uint8Array } }).Buffer;
  if (NodeBuffer) {
    // Buffer skips what is not base64; atob and fromBase64 refuse it, and so does this.
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(padded)) throw new SyntaxError('not base64');
    return new Uint8Array(NodeBuffer.from(padded, 'base64'));
  }
  const bin = atob(padded);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** RFC 8785 (JSON Canonicalization Scheme) text of a JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value cannot be canonicalized as JSON');
  return text;
}

/** RFC 7638 JWK thumbprint (SHA-256, hex): the key fingerprint handed to auditors. */
export function keyFingerprint(jwk: PublicKeyJwk): Promise<string> {
  return sha256Hex(canonicalJson({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }));
}

export async function generateSigningKey(): Promise<{ privateKey: CryptoKey; publicJwk: PublicKeyJwk; fingerprint: string }> {
  // Non-extractable: the private key can sign but can never be read out of the browser.
  const pair = (await subtle().generateKey(ECDSA_KEY, false, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await subtle().exportKey('jwk', pair.publicKey);
  const publicJwk: PublicKeyJwk = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
  return { privateKey: pair.privateKey, publicJwk, fingerprint: await keyFingerprint(publicJwk) };
}

export async function signBytes(privateKey: CryptoKey, data: Uint8Array): Promise<string> {
  return base64UrlEncode(await subtle().sign(ECDSA_SIGN, privateKey, data as BufferSource));
}

export async function verifyBytes(publicJwk: PublicKeyJwk, signature: string, data: Uint8Array): Promise<boolean> {
  try {
    const key = await subtle().importKey('jwk', { ...publicJwk, ext: true }, ECDSA_KEY, false, ['verify']);
    return await subtle().verify(ECDSA_SIGN, key, base64UrlDecode(signature) as BufferSource, data as BufferSource);
  } catch {
    return false;
  }
}

/** Signs the canonical JSON of `record` (which must not contain `signature`). */
export function signRecord(privateKey: CryptoKey, record: object): Promise<string> {
  return signBytes(privateKey, new TextEncoder().encode(canonicalJson(record)));
}

/** Verifies `signed.signature.value` over the canonical JSON of every other field of `signed`. */
export async function verifyRecordSignature(
  signed: { signature?: { value?: unknown } } & Record<string, unknown>,
  publicJwk: PublicKeyJwk,
): Promise<boolean> {
  const value = signed.signature?.value;
  if (typeof value !== 'string') return false;
  const { signature: _omit, ...unsigned } = signed;
  let text: string;
  try {
    text = canonicalJson(unsigned);
  } catch {
    return false;
  }
  return verifyBytes(publicJwk, value, new TextEncoder().encode(text));
}
