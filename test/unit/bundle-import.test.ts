import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { importBag } from '@/lib/bundle/import';
import { ZipBagSource } from '@/lib/bundle/source';
import { getCaptureDetail } from '@/lib/library';
import { handleMessage } from '@/lib/handlers';
import { bytes, exportZips, freshDb, retag, rezip, seedLibrary, text, unzipAll } from './bundle-support';

beforeEach(() => fakeBrowser.reset());

async function colleagueBundle() {
  const db = await freshDb();
  const seeded = await seedLibrary(db);
  await retag(db, seeded.c.id, ['A1.2'], '2026-03-01T09:00:00.000Z');
  const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
  return { seeded, zip: zips[0]!, result };
}

const open = (zip: Uint8Array, name = 'bundle.zip') => ZipBagSource.open(new Blob([zip as BlobPart]), name);

describe('import', () => {
  it('adds a colleague’s captures with their images, thumbnails, tables, history and signer key', async () => {
    const { seeded, zip, result } = await colleagueBundle();
    const mine = await freshDb();
    const imported = await importBag(mine, await open(zip.bytes));
    expect(imported.added.sort()).toEqual([seeded.a.id, seeded.b.id, seeded.c.id].sort());
    expect(imported.skipped).toEqual([]);
    expect(imported.signersAdded).toEqual([result.signingKeyFingerprint]);
    expect(imported.unknownControls).toEqual(['AC-01']);

    const detail = await getCaptureDetail(mine, seeded.c.id);
    expect(detail.signatureValid).toBe(true);
    expect(detail.imageHashValid).toBe(true);
    expect(detail.annotation.controlIds).toEqual(['A1.2']);
    expect(detail.history.map((e) => `${e.op} ${e.by.email}`)).toEqual(['controls.add bob@acme.example']);
    expect(await mine.blobs.get([seeded.a.id, 'thumbnail.jpg'])).toBeTruthy();
    const table = await mine.blobs.get([seeded.a.id, 'tables/1.csv']);
    expect(await table!.blob.text()).toContain('=HYPERLINK("x")');
    expect((await mine.tags.where('captureId').equals(seeded.a.id).toArray()).map((t) => t.controlId).sort()).toEqual(['AC-01', 'CC6.2']);
  });

  it('skips captures already present (same id and hash)', async () => {
    const { zip } = await colleagueBundle();
    const mine = await freshDb();
    await importBag(mine, await open(zip.bytes));
    const events = await mine.annotations.count();
    const again = await importBag(mine, await open(zip.bytes));
    expect(again.added).toEqual([]);
    expect(again.skipped).toHaveLength(3);
    expect(await mine.captures.count()).toBe(3);
    expect(await mine.annotations.count()).toBe(events);
  });

  it('refuses a bundle that fails verification with the verifier’s reasons, changing nothing', async () => {
    const { zip } = await colleagueBundle();
    const files = await unzipAll(zip.bytes);
    const json = [...files.keys()].find((k) => k.includes('/data/untagged/') || k.includes('/A1.2/') ? k.endsWith('.json') : false)!;
    const sidecar = JSON.parse(text(files.get(json)!));
    sidecar.capture.title = 'Edited';
    files.set(json, bytes(JSON.stringify(sidecar, null, 2)));
    const mine = await freshDb();
    const err = await importBag(mine, await open(await rezip(files))).then(() => null, (e) => e);
    expect(err?.code).toBe('import-invalid');
    expect(err?.message).toMatch(/failed verification, so nothing was imported/);
    expect(err?.details.problems.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['hash-mismatch', 'capture-signature']));
    expect(await mine.captures.count()).toBe(0);
    expect(await mine.signers.count()).toBe(0);
  });

  it('refuses different evidence under an id the library already has', async () => {
    const { zip, seeded } = await colleagueBundle();
    const mine = await freshDb();
    await importBag(mine, await open(zip.bytes));
    await mine.captures.update(seeded.b.id, { 'image.sha256': '0'.repeat(64) } as never);
    const err = await importBag(mine, await open(zip.bytes)).then(() => null, (e) => e);
    expect(err?.code).toBe('conflict');
  });

  it('imports through the bundle.import message, pinning the expected key', async () => {
    const { zip, result } = await colleagueBundle();
    const mine = await freshDb();
    const base64 = Buffer.from(zip.bytes).toString('base64');
    const wrongKey = await handleMessage({ type: 'bundle.import', source: { base64, name: zip.fileName }, expectKeys: ['f'.repeat(64)] }, { db: mine });
    expect(wrongKey.ok).toBe(false);
    expect(await mine.captures.count()).toBe(0);
    const reply = await handleMessage({ type: 'bundle.import', source: { base64, name: zip.fileName }, expectKeys: [result.signingKeyFingerprint] }, { db: mine });
    expect(reply.ok).toBe(true);
    if (reply.ok) expect((reply.data as { added: string[] }).added).toHaveLength(3);
    const verify = await handleMessage({ type: 'bundle.verify', source: { base64, name: zip.fileName } }, { db: mine });
    expect(verify.ok && (verify.data as { ok: boolean }).ok).toBe(true);
  });
});
