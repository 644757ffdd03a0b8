// A full-page capture saved in parts travels whole: every part is written beside the image, listed
// in the sidecar, the manifests and index.html; verify checks each part against the signed record
// and names a changed or missing one; import brings every part back under the library's names.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { webcrypto } from 'node:crypto';
import { formatManifest, formatTagFile, parseManifest, parseTagFile } from '@/lib/bundle/bagit';
import { importBag } from '@/lib/bundle/import';
import { ZipBagSource } from '@/lib/bundle/source';
import { verifyZipBlob, type VerifyReport } from '@/lib/bundle/verify';
import { partName } from '@/lib/capture/evidence';
import { generateSigningKey, sha256Hex, signBytes } from '@/lib/capture/signing';
import { handleMessage } from '@/lib/handlers';
import { getCaptureDetail } from '@/lib/library';
import type { ExhibitDB } from '@/lib/db';
import type { SignedCapture } from '@/lib/schema';
import { bytes, exportZips, freshDb, rezip, seedCapture, text, unzipAll } from './bundle-support';

beforeEach(() => fakeBrowser.reset());

let db: ExhibitDB;
let tall: SignedCapture;
let plain: SignedCapture;
let zip: { fileName: string; bytes: Uint8Array };
let files: Map<string, Uint8Array>;
let top: string;
const STEM = '20260210T080000Z_Okta_all-users-okta';

beforeAll(async () => {
  db = await freshDb();
  tall = await seedCapture(db, { capturedAt: '2026-02-10T08:00:00.000Z', url: 'https://acme.okta.com/admin/users?all', title: 'All users · Okta', system: 'Okta', controlIds: ['CC6.2', 'CC6.3'], parts: 3 });
  plain = await seedCapture(db, { capturedAt: '2026-02-11T08:00:00.000Z', url: 'https://github.com/acme/app/settings/branches', title: 'Branches', system: 'GitHub', controlIds: ['CC8.1'], color: 90 });
  const exported = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
  zip = exported.zips[0]!;
  files = await unzipAll(zip.bytes);
  top = [...files.keys()][0]!.split('/')[0]! + '/';
});

const copy = () => new Map([...files].map(([k, v]) => [k, new Uint8Array(v)]));
const rel = (path: string) => path.slice(top.length);

async function verify(entries: Map<string, Uint8Array>): Promise<VerifyReport> {
  return (await verifyZipBlob(new Blob([(await rezip(entries)) as BlobPart]), 'tampered.zip')).report;
}

async function storedPart(captureId: string, index: number): Promise<Uint8Array> {
  const row = await db.blobs.get([captureId, partName(index)]);
  return new Uint8Array(await row!.blob.arrayBuffer());
}

describe('a capture saved in 3 parts', () => {
  it('is exported with every part beside its image, in the sidecar, the manifest and index.html, and verifies', async () => {
    expect(tall.parts?.map((p) => p.name)).toEqual(['image.png', 'image-part-2.png', 'image-part-3.png']);
    const names = [...files.keys()].map(rel);
    for (const folder of ['data/controls/CC6.2/', 'data/controls/CC6.3/']) {
      expect(names).toEqual(expect.arrayContaining([`${folder}${STEM}.png`, `${folder}${STEM}_part-2.png`, `${folder}${STEM}_part-3.png`, `${folder}${STEM}.json`]));
      // Each part file holds exactly the bytes stored (and signed) for that part.
      for (const index of [1, 2, 3]) {
        const name = index === 1 ? `${STEM}.png` : `${STEM}_part-${index}.png`;
        const inZip = files.get(top + folder + name)!;
        expect(Buffer.from(inZip).equals(Buffer.from(await storedPart(tall.id, index)))).toBe(true);
        expect(await sha256Hex(inZip)).toBe(tall.parts![index - 1]!.sha256);
      }
      const sidecar = JSON.parse(text(files.get(`${top}${folder}${STEM}.json`)!));
      expect(sidecar.files.image).toBe(`${STEM}.png`);
      expect(sidecar.files.parts).toEqual([`${STEM}.png`, `${STEM}_part-2.png`, `${STEM}_part-3.png`]);
      expect(sidecar.capture.parts).toHaveLength(3);
    }
    // A capture in one image gets no part files and no `parts` in its sidecar.
    expect(names.filter((n) => n.includes('_part-'))).toHaveLength(4);
    const plainSidecarPath = names.find((n) => n.startsWith('data/controls/CC8.1/') && n.endsWith('.json'))!;
    expect(JSON.parse(text(files.get(top + plainSidecarPath)!)).files).not.toHaveProperty('parts');
    expect(plain.parts).toBeUndefined();

    // Every part is in the payload manifest with its real hash.
    const manifest = parseManifest(text(files.get(`${top}manifest-sha256.txt`)!));
    for (const n of names.filter((x) => x.includes('_part-'))) {
      expect(manifest.entries.get(n)).toBe(Buffer.from(await webcrypto.subtle.digest('SHA-256', files.get(top + n)!)).toString('hex'));
    }

    // index.html links every part from each card; the thumbnail is part 1's.
    const html = text(files.get(`${top}data/index.html`)!);
    for (const c of ['CC6.2', 'CC6.3']) {
      for (let i = 1; i <= 3; i++) {
        const file = i === 1 ? `${STEM}.png` : `${STEM}_part-${i}.png`;
        expect(html).toContain(`<a href="controls/${c}/${file}">part ${i} of 3</a>`);
      }
    }
    expect(html).toContain(`<a href="controls/CC6.2/${STEM}.png"><img src="thumbnails/${tall.id}.jpg"`);
    expect(html).toContain('Saved in 3 parts');

    const report = await verify(copy());
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.captures).toBe(2);
  });

  it('one flipped bit in part 2 is named, as a manifest and as a capture-image problem', async () => {
    const entries = copy();
    const part2 = `${top}data/controls/CC6.3/${STEM}_part-2.png`;
    entries.get(part2)![entries.get(part2)!.length - 20]! ^= 0x01;
    const r = await verify(entries);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({ file: rel(part2), code: 'hash-mismatch' }),
      expect.objectContaining({ file: rel(part2), code: 'capture-image', message: expect.stringMatching(new RegExp(`part 2 of 3 of capture ${tall.id} was signed with ${tall.parts![1]!.sha256}`)) }),
    ]);
  });

  it('a removed part 3 is named', async () => {
    const entries = copy();
    const part3 = `${top}data/controls/CC6.2/${STEM}_part-3.png`;
    entries.delete(part3);
    const r = await verify(entries);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: rel(part3), code: 'file-missing', message: expect.stringContaining('manifest-sha256.txt') }),
      expect.objectContaining({ file: rel(part3), code: 'file-missing', message: expect.stringContaining(`part 3 of 3 of capture ${tall.id}`) }),
      expect.objectContaining({ file: 'bag-info.txt', code: 'payload-oxum' }),
    ]));
  });

  it('a part removed everywhere and the bag re-signed by someone else still fails: the signed record lists 3 parts', async () => {
    const entries = copy();
    const folder = `${top}data/controls/CC6.2/`;
    entries.delete(`${folder}${STEM}_part-3.png`);
    const sidecar = JSON.parse(text(entries.get(`${folder}${STEM}.json`)!));
    sidecar.files.parts = sidecar.files.parts.slice(0, 2);
    entries.set(`${folder}${STEM}.json`, bytes(`${JSON.stringify(sidecar, null, 2)}\n`));
    // Rewrite the manifests, bag-info and signature so that BagIt-level checks pass.
    const payload = [...entries.keys()].filter((k) => rel(k).startsWith('data/'));
    const manifest = [];
    for (const k of payload) manifest.push({ path: rel(k), sha256: await sha256Hex(entries.get(k)!) });
    entries.set(`${top}manifest-sha256.txt`, bytes(formatManifest(manifest)));
    const attacker = await generateSigningKey();
    const octets = payload.reduce((n, k) => n + entries.get(k)!.length, 0);
    const info = parseTagFile(text(entries.get(`${top}bag-info.txt`)!)).fields.map(([l, v]) => [l, l === 'Signing-Key-Fingerprint' ? attacker.fingerprint : l === 'Payload-Oxum' ? `${octets}.${payload.length}` : v] as [string, string]);
    entries.set(`${top}bag-info.txt`, bytes(formatTagFile(info)));
    const tags = [];
    for (const p of ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt']) tags.push({ path: p, sha256: await sha256Hex(entries.get(top + p)!) });
    const tagManifest = bytes(formatManifest(tags));
    entries.set(`${top}tagmanifest-sha256.txt`, tagManifest);
    const sig = JSON.parse(text(entries.get(`${top}signature.json`)!));
    Object.assign(sig, { keyFingerprint: attacker.fingerprint, publicKeyJwk: attacker.publicJwk, signedFileSha256: await sha256Hex(tagManifest), value: await signBytes(attacker.privateKey, tagManifest) });
    entries.set(`${top}signature.json`, bytes(JSON.stringify(sig)));

    const r = await verify(entries);
    expect(r.problems).toEqual([
      expect.objectContaining({ file: `data/controls/CC6.2/${STEM}.json`, code: 'sidecar-invalid', message: expect.stringMatching(/signed as 3 image parts, but the sidecar lists 2 part files/) }),
    ]);
  });

  it('a part file added to the folder but not to any sidecar is an orphan image', async () => {
    const entries = copy();
    entries.set(`${top}data/controls/CC6.2/${STEM}_part-4.png`, new Uint8Array([1, 2, 3]));
    const r = await verify(entries);
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: `data/controls/CC6.2/${STEM}_part-4.png`, code: 'orphan-image' })]));
  });

  it('import restores every part as a blob under its library name, readable through captures.image', async () => {
    const mine = await freshDb();
    const imported = await importBag(mine, await ZipBagSource.open(new Blob([zip.bytes as BlobPart]), zip.fileName));
    expect(imported.added.sort()).toEqual([tall.id, plain.id].sort());
    const names = (await mine.blobs.where('captureId').equals(tall.id).toArray()).map((b) => b.name).sort();
    expect(names).toEqual(['image-part-2.png', 'image-part-3.png', 'image.png', 'thumbnail.jpg']);
    for (const part of tall.parts!) {
      const row = await mine.blobs.get([tall.id, part.name]);
      const got = new Uint8Array(await row!.blob.arrayBuffer());
      expect(row!.bytes).toBe(part.bytes);
      expect(row!.mediaType).toBe('image/png');
      expect(await sha256Hex(got)).toBe(part.sha256);
    }
    const reply = await handleMessage({ type: 'captures.image', id: tall.id, part: 3 }, { db: mine });
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(await sha256Hex(Buffer.from((reply.data as { base64: string }).base64, 'base64'))).toBe(tall.parts![2]!.sha256);
    const detail = await getCaptureDetail(mine, tall.id);
    expect(detail.signatureValid).toBe(true);
    expect(detail.imageHashValid).toBe(true);
    expect((await mine.blobs.where('captureId').equals(plain.id).toArray()).map((b) => b.name).sort()).toEqual(['image.png', 'thumbnail.jpg']);

    // And the imported library exports the same parts again.
    const again = await exportZips(mine, { from: '2026-01-01', to: '2026-03-31' });
    const reFiles = await unzipAll(again.zips[0]!.bytes);
    const part2 = [...reFiles.keys()].find((k) => k.endsWith(`/data/controls/CC6.2/${STEM}_part-2.png`))!;
    expect(await sha256Hex(reFiles.get(part2)!)).toBe(tall.parts![1]!.sha256);
  });

  it('the export refuses a part damaged in storage, saving nothing', async () => {
    const other = await freshDb();
    const c = await seedCapture(other, { capturedAt: '2026-02-10T08:00:00.000Z', url: 'https://acme.okta.com/admin/users', parts: 3 });
    await other.blobs.update([c.id, 'image-part-2.png'], { blob: new Blob([new Uint8Array([1, 2, 3])]) });
    await expect(exportZips(other, { from: '2026-01-01', to: '2026-03-31' })).rejects.toThrow(/Part 2 of capture .* no longer matches the hash/);
    await other.blobs.delete([c.id, 'image-part-3.png']);
    await expect(exportZips(other, { from: '2026-01-01', to: '2026-03-31' })).rejects.toThrow(/saved in 3 parts, but part 3 is not stored/);
  });
});
