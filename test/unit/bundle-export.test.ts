import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { webcrypto } from 'node:crypto';
import { verifyZipBlob } from '@/lib/bundle/verify';
import { blobSink, planExport, runExport } from '@/lib/bundle/export';
import { applyAnnotationEvents, eventsForChange } from '@/lib/annotations';
import { HOSTILE_TITLE, exportZips, freshDb, identityFor, seedLibrary, text, unzipAll } from './bundle-support';

beforeEach(() => fakeBrowser.reset());

describe('export', () => {
  it('writes one signed BagIt bag that verifies, laid out by control', async () => {
    const db = await freshDb();
    const { a, b, c, outside } = await seedLibrary(db);
    const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31', timeZone: 'Europe/Berlin' }, { now: new Date('2026-04-02T09:00:00.000Z') });
    expect(zips).toHaveLength(1);
    expect(zips[0]!.fileName).toBe('exhibit-Acme-Corp-2026-01-01-to-2026-03-31-2026-04-02.zip');
    expect(result.captures).toBe(3);
    const files = await unzipAll(zips[0]!.bytes);
    const names = [...files.keys()];
    const top = 'exhibit-Acme-Corp-2026-01-01-to-2026-03-31/';
    expect(names.every((n) => n.startsWith(top))).toBe(true);
    const rel = names.map((n) => n.slice(top.length)).sort();
    expect(rel).toEqual(expect.arrayContaining(['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'tagmanifest-sha256.txt', 'signature.json', 'data/index.html', 'data/index.csv', 'data/coverage.csv', 'data/exceptions.csv']));
    // a is under both of its controls, b under CC8.1, c untagged; the capture from 2025 is outside the range.
    expect(rel).toContain('data/controls/CC6.2/20260115T100000Z_Okta_people-okta.png');
    expect(rel).toContain('data/controls/AC-01/20260115T100000Z_Okta_people-okta.json');
    expect(rel).toContain('data/controls/AC-01/20260115T100000Z_Okta_people-okta_table-1.csv');
    expect(rel.filter((p) => p.startsWith('data/controls/CC8.1/'))).toHaveLength(2);
    expect(rel).toContain('data/untagged/20260220T120000Z_AWS_backup-plans.png');
    expect(rel).toContain(`data/thumbnails/${a.id}.jpg`);
    expect(rel.some((p) => p.includes(outside.id) || p.includes('20251231'))).toBe(false);

    expect(text(files.get(`${top}bagit.txt`)!)).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    const info = text(files.get(`${top}bag-info.txt`)!);
    const payload = rel.filter((p) => p.startsWith('data/'));
    const payloadBytes = payload.reduce((n, p) => n + files.get(top + p)!.length, 0);
    expect(info).toContain(`Payload-Oxum: ${payloadBytes}.${payload.length}\n`);
    expect(info).toMatch(/^Source-Organization: Acme Corp$/m);
    expect(info).toMatch(/^Bagging-Date: 2026-04-02$/m);
    expect(info).toMatch(/^Audit-Period-Start: 2026-01-01$/m);
    expect(info).toMatch(/^Audit-Period-End: 2026-03-31$/m);
    expect(info).toMatch(/^Exhibit-Version: 0\.1\.0$/m);
    expect(info).toMatch(new RegExp(`^Signing-Key-Fingerprint: ${result.signingKeyFingerprint}$`, 'm'));
    expect(info).not.toMatch(/Bag-Count/);

    // The manifest lists every payload file with its real SHA-256.
    const manifest = text(files.get(`${top}manifest-sha256.txt`)!).trim().split('\n');
    expect(manifest).toHaveLength(payload.length);
    for (const line of manifest) {
      const [hash, path] = line.split('  ');
      const digest = Buffer.from(await webcrypto.subtle.digest('SHA-256', files.get(top + path!)!)).toString('hex');
      expect(digest).toBe(hash);
    }

    // signature.json verifies over the tag manifest with plain WebCrypto.
    const sig = JSON.parse(text(files.get(`${top}signature.json`)!));
    const key = await webcrypto.subtle.importKey('jwk', sig.publicKeyJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    expect(await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(sig.value, 'base64url'), files.get(`${top}tagmanifest-sha256.txt`)!)).toBe(true);

    // The sidecar carries the capture, its signature, the signer's key and the tagging history.
    const sidecar = JSON.parse(text(files.get(`${top}data/controls/CC6.2/20260115T100000Z_Okta_people-okta.json`)!));
    expect(sidecar.capture.id).toBe(a.id);
    expect(sidecar.capture.signature.value).toBe(a.signature.value);
    expect(sidecar.signer.fingerprint).toBe(a.signingKeyFingerprint);
    expect(sidecar.annotation.controlIds).toEqual(['AC-01', 'CC6.2']);
    expect(sidecar.annotationHistory.map((e: { op: string }) => e.op)).toEqual(['controls.add', 'note.set']);
    expect(sidecar.filedUnder).toBe('CC6.2');

    const report = (await verifyZipBlob(new Blob([zips[0]!.bytes]), zips[0]!.fileName)).report;
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.captures).toBe(3);
    expect(b.title).toBe(HOSTILE_TITLE);
    expect(c).toBeTruthy();
  });

  it('escapes every page-derived string in index.html and neutralises formulas in the CSVs', async () => {
    const db = await freshDb();
    await seedLibrary(db);
    const { zips } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
    const files = await unzipAll(zips[0]!.bytes);
    const get = (suffix: string) => text([...files].find(([n]) => n.endsWith(suffix))![1]);
    const html = get('data/index.html');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';");
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(html).toContain('<bdi>');
    expect(html).toContain('Q1 review');

    const csv = get('data/index.csv');
    const csvBytes = [...files].find(([n]) => n.endsWith('data/index.csv'))![1];
    expect([...csvBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.startsWith('"control_id","control_title","capture_id"')).toBe(true);
    // One row per capture and control: a twice, b once, c (untagged) once.
    expect(csv.trim().split('\r\n')).toHaveLength(1 + 4);
    expect(csv).not.toMatch(/(^|,)"[=+\-@\t\r]/m);
    // Coverage is the dashboard's: continuous controls have no gaps, quarterly ones count by quarter.
    const coverage = get('data/coverage.csv');
    expect(coverage).toContain('"AC-01","Quarterly access review","ciso@acme.example","quarterly","CC6.2","2026-Q1","Q1 2026","2026-01-01","2026-03-31","UTC","1","covered","false"');
    expect(coverage).toContain('"CC8.1","Changes are authorised, tested, approved and tracked","","continuous","CC8.1","2026-03","Mar 2026","2026-03-01","2026-03-31","UTC","0","none","false"');
    expect(coverage).toContain('"CC6.2","Users are registered and authorised before access","","continuous","CC6.2","2026-01","Jan 2026","2026-01-01","2026-01-31","UTC","1","covered","false"');
    expect(get('data/exceptions.csv').startsWith('"kind","control_id","sub_period","capture_id"')).toBe(true);
    expect([...files.keys()].some((n) => n.includes('/data/requests'))).toBe(false);
  });

  it('filters by control and system, leaving untagged captures out', async () => {
    const db = await freshDb();
    await seedLibrary(db);
    const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31', controlIds: ['CC6.2'] });
    expect(result.captures).toBe(1);
    const rel = [...(await unzipAll(zips[0]!.bytes)).keys()].map((n) => n.slice(n.indexOf('/') + 1));
    expect(rel.filter((p) => p.startsWith('data/controls/'))).toEqual(['data/controls/CC6.2/20260115T100000Z_Okta_people-okta.png', 'data/controls/CC6.2/20260115T100000Z_Okta_people-okta.json', 'data/controls/CC6.2/20260115T100000Z_Okta_people-okta_table-1.csv']);
    expect(rel.some((p) => p.startsWith('data/untagged/'))).toBe(false);
    const bySystem = await exportZips(db, { from: '2026-01-01', to: '2026-03-31', systems: ['AWS'] });
    expect(bySystem.result.captures).toBe(1);
  });

  it('splits a large export into volumes, each a complete signed bag with Bag-Count', async () => {
    const db = await freshDb();
    for (let i = 0; i < 6; i++) await seedCapture_(db, i);
    const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-12-31' }, { maxVolumeBytes: 16_000 });
    expect(zips.length).toBeGreaterThan(1);
    expect(result.files.map((f) => f.fileName)).toEqual(zips.map((_, i) => expect.stringContaining(`-part${i + 1}of${zips.length}.zip`)));
    let total = 0;
    for (const [i, z] of zips.entries()) {
      const { report } = await verifyZipBlob(new Blob([z.bytes]), z.fileName);
      expect(report.ok).toBe(true);
      expect(report.bagInfo['Bag-Count']).toBe(`${i + 1} of ${zips.length}`);
      expect(report.bagInfo['Bag-Group-Identifier']).toBe(result.exportId);
      total += report.captures;
    }
    expect(total).toBe(6);
  });

  it('refuses to export a capture whose stored image no longer matches its signed hash, saving nothing', async () => {
    const db = await freshDb();
    const { a } = await seedLibrary(db);
    await db.blobs.update([a.id, 'image.png'], { blob: new Blob([new Uint8Array([1, 2, 3])]) });
    await expect(exportZips(db, { from: '2026-01-01', to: '2026-03-31' })).rejects.toThrow(/no longer matches the hash/);
  });

  it('files each capture as the plan saw it when it is tagged again while the export runs: the plan keeps listings, the records and history are read again', async () => {
    const db = await freshDb();
    const { a } = await seedLibrary(db);
    const identity = await identityFor(db);
    const plan = await planExport(db, { from: '2026-01-01', to: '2026-03-31' }, identity);
    // The plan holds a listing of each capture, not its signed record.
    const listed = plan.volumes[0]!.captures.find((bc) => bc.capture.id === a.id)!;
    expect(listed.capture).not.toHaveProperty('signature');
    expect(listed.historyIds.length).toBeGreaterThan(0);
    // A teammate removes a tag and writes a note after the plan was made.
    const state = (await db.annotationState.get(a.id))!;
    await applyAnnotationEvents(db, eventsForChange(state, { controlIds: ['CC6.2'], note: 'changed later' }, { name: 'Later', email: 'later@acme.example', team: '' }, 'inst-later', new Date('2026-04-01T00:00:00.000Z')));
    const delivered: { fileName: string; blob: Blob }[] = [];
    await runExport(db, plan, identity, blobSink(async (files) => void delivered.push(...files)));
    const { report } = await verifyZipBlob(delivered[0]!.blob, delivered[0]!.fileName);
    expect(report.problems).toEqual([]);
    const files = await unzipAll(new Uint8Array(await delivered[0]!.blob.arrayBuffer()));
    const sidecar = JSON.parse(text([...files].find(([n]) => n.endsWith('data/controls/AC-01/20260115T100000Z_Okta_people-okta.json'))![1]));
    expect(sidecar.capture).toEqual(a);
    expect(sidecar.annotation.note).toBe('Q1 review');
    expect(sidecar.annotationHistory.map((e: { id: string }) => e.id)).toEqual(listed.historyIds);
  });

  it("stops with nothing delivered when a capture's record is gone by the time its files are written", async () => {
    const db = await freshDb();
    const { b } = await seedLibrary(db);
    const identity = await identityFor(db);
    const plan = await planExport(db, { from: '2026-01-01', to: '2026-03-31' }, identity);
    await db.captures.delete(b.id);
    const delivered: unknown[] = [];
    await expect(runExport(db, plan, identity, blobSink(async (files) => void delivered.push(...files)))).rejects.toThrow(new RegExp(`The record of capture ${b.id} disappeared during the export; nothing was saved`));
    expect(delivered).toEqual([]);
  });

  it('cancels midway: nothing is delivered and what was written is discarded', async () => {
    const db = await freshDb();
    await seedLibrary(db);
    const identity = await identityFor(db);
    const plan = await planExport(db, { from: '2026-01-01', to: '2026-03-31' }, identity);
    const controller = new AbortController();
    const events: string[] = [];
    const sink = {
      write: async (name: string, stream: ReadableStream<Uint8Array>) => {
        events.push(`write ${name}`);
        return new Response(stream).blob();
      },
      discard: async (name: string) => void events.push(`discard ${name}`),
      deliver: async () => void events.push('deliver'),
    };
    const run = runExport(db, plan, identity, sink, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.filesDone === 4) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled; nothing was saved/);
    expect(events).not.toContain('deliver');
  });

  it('needs a period or a complete date range', async () => {
    const db = await freshDb();
    await expect(exportZips(db, { from: '2026-01-01' })).rejects.toThrow(/date range/);
    await expect(exportZips(db, { from: '2026-03-01', to: '2026-01-01' })).rejects.toThrow(/before the first/);
    await expect(exportZips(db, { periodId: '01JD0000000000000000000000' })).rejects.toThrow(/does not exist/);
  });
});

async function seedCapture_(db: Awaited<ReturnType<typeof freshDb>>, i: number) {
  const { seedCapture } = await import('./bundle-support');
  return seedCapture(db, { capturedAt: `2026-0${i + 1}-10T10:00:00.000Z`, url: `https://host${i}.example/`, title: `Page ${i}`, controlIds: ['CC6.1'], color: i * 30 });
}
