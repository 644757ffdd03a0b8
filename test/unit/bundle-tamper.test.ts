// Every way an exported bundle can be changed after the fact is detected, and named.
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, generateSigningKey, keyFingerprint, sha256Hex, signBytes } from '@/lib/capture/signing';
import { formatManifest, parseManifest, parseTagFile, formatTagFile } from '@/lib/bundle/bagit';
import { verifyZipBlob, type VerifyReport } from '@/lib/bundle/verify';
import { bytes, exportZips, freshDb, rezip, seedLibrary, text, unzipAll } from './bundle-support';

let original: Map<string, Uint8Array>;
let other: Map<string, Uint8Array>;
let top: string;
let fingerprint: string;

beforeAll(async () => {
  const db = await freshDb();
  await seedLibrary(db);
  const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
  original = await unzipAll(zips[0]!.bytes);
  fingerprint = result.signingKeyFingerprint;
  top = [...original.keys()][0]!.split('/')[0]! + '/';
  // A second export of the same library: same key, different signing time, so a different signature.
  const again = await exportZips(db, { from: '2026-01-01', to: '2026-02-28' });
  other = await unzipAll(again.zips[0]!.bytes);
});

function copy(): Map<string, Uint8Array> {
  return new Map([...original].map(([k, v]) => [k, new Uint8Array(v)]));
}
const find = (files: Map<string, Uint8Array>, re: RegExp) => [...files.keys()].find((k) => re.test(k.slice(top.length)))!;

async function verify(files: Map<string, Uint8Array>, expectKeys?: string[]): Promise<VerifyReport> {
  return (await verifyZipBlob(new Blob([(await rezip(files)) as BlobPart]), 'tampered.zip', { expectKeys })).report;
}

/** Re-signs the whole bag with a new key, as someone rewriting the evidence would. */
async function resignWholesale(files: Map<string, Uint8Array>) {
  const attacker = await generateSigningKey();
  const info = parseTagFile(text(files.get(`${top}bag-info.txt`)!)).fields.map(([l, v]) => [l, l === 'Signing-Key-Fingerprint' ? attacker.fingerprint : v] as [string, string]);
  files.set(`${top}bag-info.txt`, bytes(formatTagFile(info)));
  const tags = [];
  for (const p of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']) tags.push({ path: p, sha256: await sha256Hex(files.get(top + p)!) });
  const tagManifest = bytes(formatManifest(tags));
  files.set(`${top}tagmanifest-sha256.txt`, tagManifest);
  const sig = JSON.parse(text(files.get(`${top}signature.json`)!));
  Object.assign(sig, { keyFingerprint: attacker.fingerprint, publicKeyJwk: attacker.publicJwk, signedFileSha256: await sha256Hex(tagManifest), value: await signBytes(attacker.privateKey, tagManifest) });
  files.set(`${top}signature.json`, bytes(JSON.stringify(sig)));
  return attacker;
}

describe('tampering', () => {
  it('the untouched bundle verifies (also with its key pinned)', async () => {
    expect((await verify(copy())).problems).toEqual([]);
    expect((await verify(copy(), [fingerprint])).ok).toBe(true);
  });

  it('one flipped bit in an image', async () => {
    const files = copy();
    const png = find(files, /^data\/controls\/CC8\.1\/.*\.png$/);
    files.get(png)![files.get(png)!.length - 20]! ^= 0x01;
    const r = await verify(files);
    expect(r.ok).toBe(false);
    const rel = png.slice(top.length);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: rel, code: 'hash-mismatch' }),
      expect.objectContaining({ file: rel, code: 'capture-image' }),
    ]));
  });

  it('an edited sidecar field', async () => {
    const files = copy();
    const json = find(files, /^data\/controls\/CC6\.2\/.*\.json$/);
    const sidecar = JSON.parse(text(files.get(json)!));
    sidecar.capture.capturedAt = '2026-03-01T10:00:00.000Z';
    files.set(json, bytes(JSON.stringify(sidecar, null, 2)));
    const r = await verify(files);
    const rel = json.slice(top.length);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: rel, code: 'hash-mismatch' }),
      expect.objectContaining({ file: rel, code: 'capture-signature', message: expect.stringMatching(/changed after capture/) }),
    ]));
    // The same capture's intact copy under AC-01 verifies: a record's signature is checked once
    // per identical record, so the two copies are checked apart (the edited one also conflicts with it).
    const intact = find(files, /^data\/controls\/AC-01\/.*\.json$/).slice(top.length);
    expect(JSON.parse(text(files.get(top + intact)!)).capture.id).toBe(sidecar.capture.id);
    expect(r.problems.filter((p) => p.file === intact)).toEqual([]);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: rel, code: 'capture-conflict' })]));
  });

  it('an edited sidecar with the payload manifest rewritten to match still fails', async () => {
    const files = copy();
    const json = find(files, /^data\/untagged\/.*\.json$/);
    const sidecar = JSON.parse(text(files.get(json)!));
    sidecar.capture.url = 'https://elsewhere.example/';
    files.set(json, bytes(JSON.stringify(sidecar, null, 2)));
    const manifest = parseManifest(text(files.get(`${top}manifest-sha256.txt`)!));
    manifest.entries.set(json.slice(top.length), await sha256Hex(files.get(json)!));
    files.set(`${top}manifest-sha256.txt`, bytes(formatManifest([...manifest.entries].map(([path, sha256]) => ({ path, sha256 })))));
    const r = await verify(files);
    // The tag manifest (signed) still holds the old manifest's hash, and the record's own signature fails.
    expect(r.problems.map((p) => p.code).sort()).toEqual(['capture-signature', 'hash-mismatch', 'payload-oxum']);
    expect(r.problems.find((p) => p.code === 'hash-mismatch')!.file).toBe('manifest-sha256.txt');
  });

  it('a removed file', async () => {
    const files = copy();
    const png = find(files, /^data\/untagged\/.*\.png$/);
    files.delete(png);
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: png.slice(top.length), code: 'file-missing' })]));
    expect(r.problems.map((p) => p.code)).toContain('payload-oxum');
  });

  it('an added payload file, and an added top-level file', async () => {
    const files = copy();
    files.set(`${top}data/controls/CC6.2/extra.png`, new Uint8Array([1, 2, 3]));
    files.set(`${top}README.txt`, bytes('trust me'));
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: 'data/controls/CC6.2/extra.png', code: 'file-unlisted' }),
      expect.objectContaining({ file: 'data/controls/CC6.2/extra.png', code: 'orphan-image' }),
      expect.objectContaining({ file: 'README.txt', code: 'file-unlisted' }),
      expect.objectContaining({ file: 'bag-info.txt', code: 'payload-oxum' }),
    ]));
  });

  it('an edited manifest line', async () => {
    const files = copy();
    const m = text(files.get(`${top}manifest-sha256.txt`)!);
    const lines = m.split('\n');
    lines[1] = lines[1]!.replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0'));
    files.set(`${top}manifest-sha256.txt`, bytes(lines.join('\n')));
    const edited = lines[1]!.split('  ')[1]!;
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: edited, code: 'hash-mismatch' }),
      expect.objectContaining({ file: 'manifest-sha256.txt', code: 'hash-mismatch' }),
    ]));
  });

  it('a swapped signature', async () => {
    const files = copy();
    files.set(`${top}signature.json`, other.get([...other.keys()].find((k) => k.endsWith('/signature.json'))!)!);
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'signature.json', code: 'signature-invalid' })]));
  });

  it('a substituted public key in signature.json', async () => {
    const files = copy();
    const sig = JSON.parse(text(files.get(`${top}signature.json`)!));
    sig.publicKeyJwk = (await generateSigningKey()).publicJwk;
    files.set(`${top}signature.json`, bytes(JSON.stringify(sig)));
    const r = await verify(files);
    expect(r.problems).toEqual([expect.objectContaining({ file: 'signature.json', code: 'key-mismatch' })]);
  });

  it('a substituted signer key in a sidecar', async () => {
    const files = copy();
    const json = find(files, /^data\/controls\/CC8\.1\/.*\.json$/);
    const sidecar = JSON.parse(text(files.get(json)!));
    const fake = await generateSigningKey();
    sidecar.signer.publicKeyJwk = fake.publicJwk;
    files.set(json, bytes(JSON.stringify(sidecar)));
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: json.slice(top.length), code: 'key-mismatch' })]));
    // …and with the fingerprints changed to match, the capture signature no longer verifies.
    sidecar.signer.fingerprint = fake.fingerprint;
    sidecar.capture.signingKeyFingerprint = fake.fingerprint;
    sidecar.capture.signature.keyFingerprint = fake.fingerprint;
    files.set(json, bytes(JSON.stringify(sidecar)));
    const r2 = await verify(files);
    expect(r2.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: json.slice(top.length), code: 'capture-signature' })]));
  });

  it('a bundle re-signed wholesale with another key passes alone but fails when the signer is pinned', async () => {
    const files = copy();
    const attacker = await resignWholesale(files);
    expect((await verify(files)).ok).toBe(true);
    const pinned = await verify(files, [fingerprint]);
    expect(pinned.ok).toBe(false);
    expect(pinned.problems).toEqual([expect.objectContaining({ file: 'signature.json', code: 'unexpected-key', message: expect.stringContaining(attacker.fingerprint) })]);
  });

  it('captures re-signed by another key fail when the signer is pinned', async () => {
    const files = copy();
    const json = find(files, /^data\/untagged\/.*\.json$/);
    const sidecar = JSON.parse(text(files.get(json)!));
    const fake = await generateSigningKey();
    const { signature: _s, ...record } = sidecar.capture;
    record.signingKeyFingerprint = fake.fingerprint;
    sidecar.capture = { ...record, signature: { alg: 'ES256', keyFingerprint: fake.fingerprint, value: await signBytes(fake.privateKey, bytes(canonicalJson(record))) } };
    sidecar.signer = { ...sidecar.signer, fingerprint: fake.fingerprint, publicKeyJwk: fake.publicJwk };
    files.set(json, bytes(JSON.stringify(sidecar)));
    expect(await keyFingerprint(fake.publicJwk)).toBe(fake.fingerprint);
    const r = await verify(files, [fingerprint]);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: json.slice(top.length), code: 'unexpected-key' })]));
  });

  it('one copy of a capture filed under two controls holding another record, validly signed by another key', async () => {
    const files = copy();
    const copies = [...files.keys()].filter((k) => /^data\/controls\/(CC6\.2|AC-01)\/.*\.json$/.test(k.slice(top.length))).sort();
    expect(copies).toHaveLength(2);
    const [first, second] = copies as [string, string];
    const sidecar = JSON.parse(text(files.get(second)!));
    expect(JSON.parse(text(files.get(first)!)).capture.id).toBe(sidecar.capture.id);
    const fake = await generateSigningKey();
    const { signature: _s, ...record } = sidecar.capture;
    Object.assign(record, { title: 'Another title', signingKeyFingerprint: fake.fingerprint });
    sidecar.capture = { ...record, signature: { alg: 'ES256', keyFingerprint: fake.fingerprint, value: await signBytes(fake.privateKey, bytes(canonicalJson(record))) } };
    sidecar.signer = { ...sidecar.signer, fingerprint: fake.fingerprint, publicKeyJwk: fake.publicJwk };
    files.set(second, bytes(JSON.stringify(sidecar)));
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: second.slice(top.length), code: 'capture-conflict', message: expect.stringContaining(first.slice(top.length)) })]));
    // Its own signature verifies: the conflict is what gives it away (besides the manifest).
    expect(r.problems.filter((p) => p.file === second.slice(top.length)).map((p) => p.code).sort()).toEqual(['capture-conflict', 'hash-mismatch']);
  });

  it('an edited bag-info.txt', async () => {
    const files = copy();
    files.set(`${top}bag-info.txt`, bytes(text(files.get(`${top}bag-info.txt`)!).replace(/Audit-Period-End: .*/, 'Audit-Period-End: 2026-12-31')));
    const r = await verify(files);
    expect(r.problems).toEqual([expect.objectContaining({ file: 'bag-info.txt', code: 'hash-mismatch' })]);
  });

  it('an annotation history that does not match the tags shown', async () => {
    const files = copy();
    const json = find(files, /^data\/controls\/CC8\.1\/.*\.json$/);
    const sidecar = JSON.parse(text(files.get(json)!));
    sidecar.annotation.note = 'approved by the board';
    files.set(json, bytes(JSON.stringify(sidecar)));
    const r = await verify(files);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: json.slice(top.length), code: 'annotation-mismatch' })]));
  });
});
