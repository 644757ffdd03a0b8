// What the export and verify speed work moved around, checked on its own: window buffers reused
// between the CLI's reader and its hashing threads, windows handed over whole (with their offset)
// instead of copied, the compact record kept per sidecar, checksums of a Blob read where they are
// computed, and an export whose library files go into the zip by reference still in plan order.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferPool, workerChecksummer } from '@/lib/bundle/node-checksums';
import { inlineChecksums } from '@/lib/bundle/checksums';
import { blobSink, libraryLoader, planExport, runExport, volumeParts, volumeStream } from '@/lib/bundle/export';
import { sidecarRecord, verifyZipBlob } from '@/lib/bundle/verify';
import { ZipArchive, checkWindow, crc32, inlineRangeChecksummer, type ByteSource } from '@/lib/bundle/zip-read';
import { sidecarSchema } from '@/lib/bundle/format';
import type { ExhibitDB } from '@/lib/db';
import { exportZips, freshDb, identityFor, seedLibrary, text, unzipAll } from './bundle-support';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const random = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

let db: ExhibitDB;
let zip: Uint8Array;
let files: Map<string, Uint8Array>;
const selection = { from: '2026-01-01', to: '2026-03-31' };

beforeAll(async () => {
  db = await freshDb();
  await seedLibrary(db);
  zip = (await exportZips(db, selection)).zips[0]!.bytes;
  files = await unzipAll(zip);
});
afterAll(() => db.close());

describe('BufferPool', () => {
  it('hands out a returned buffer again, and a buffer of its own for a larger request', () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.take(100);
    expect(a.length).toBe(100);
    expect(a.buffer.byteLength).toBe(1024);
    pool.give(a.buffer as ArrayBuffer);
    expect(pool.size).toBe(1);
    const b = pool.take(1024);
    expect(b.buffer).toBe(a.buffer);
    expect(pool.size).toBe(0);
    const big = pool.take(5000);
    expect(big.length).toBe(5000);
    pool.give(big.buffer as ArrayBuffer); // not pooled: the wrong size
    pool.give(new ArrayBuffer(1024));
    pool.give(new ArrayBuffer(1024));
    pool.give(new ArrayBuffer(1024)); // beyond the limit of 2
    expect(pool.size).toBe(2);
  });
});

describe('workerChecksummer', () => {
  it('sums ranges on threads like node:crypto and zlib, and gives each buffer back to the pool', async () => {
    const pool = new BufferPool(64 * 1024);
    const sums = workerChecksummer(2, pool);
    if (!sums) return expect(typeof (zlib as { crc32?: unknown }).crc32).not.toBe('function');
    try {
      const jobs = [0, 1, 2, 3].map(async (i) => {
        const window = pool.take(50_000);
        window.set(random(50_000, i));
        const copy = window.slice();
        const ranges = [
          { start: 0, length: 10 },
          { start: 10, length: 30_000 },
          { start: 30_010, length: 19_990 },
        ];
        const got = await sums.sums(window.buffer as ArrayBuffer, ranges);
        expect(window.byteLength).toBe(0); // transferred, not copied
        expect(got).toEqual(ranges.map((r) => ({ crc32: crc32(copy.subarray(r.start, r.start + r.length)), sha256: sha(copy.subarray(r.start, r.start + r.length)) })));
      });
      await Promise.all(jobs);
      expect(pool.size).toBeGreaterThan(0);
      expect(pool.size).toBeLessThanOrEqual(4);
    } finally {
      await sums.close();
    }
  });
});

describe('reading a zip whose windows sit inside longer buffers', () => {
  it('checks every entry at its offset in the buffer (ownBuffers), and still finds a damaged byte', async () => {
    const padded = (source: Uint8Array): ByteSource => ({
      size: source.length,
      ownBuffers: true,
      async read(start, length) {
        // Each read lands 16 bytes into a larger buffer of its own, after and before garbage.
        const buffer = new ArrayBuffer(length + 64);
        new Uint8Array(buffer).fill(0xee);
        const view = new Uint8Array(buffer, 16, length);
        view.set(source.subarray(start, start + length));
        return view;
      },
    });
    const checksummer = inlineRangeChecksummer(sha, (b) => crc32(b));
    const good = await verifyZipBlob(padded(zip), 'padded.zip', { checksummer });
    expect(good.report.problems).toEqual([]);
    expect(good.report.ok).toBe(true);

    const damaged = zip.slice();
    const png = [...files.keys()].find((k) => k.endsWith('.png'))!;
    const at = Buffer.from(damaged).indexOf(Buffer.from(files.get(png)!.subarray(0, 64)));
    damaged[at + 100]! ^= 0x01;
    const bad = await verifyZipBlob(padded(damaged), 'damaged.zip', { checksummer });
    expect(bad.report.ok).toBe(false);
    expect(bad.report.problems.some((p) => p.code === 'unreadable' && /CRC-32/.test(p.message))).toBe(true);
  });
});

describe('checkWindow (the read-back work a worker does on a window of the zip)', () => {
  it('copies each local header out, and sums and keeps exactly the entry data', async () => {
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    const entries = [...archive.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset).slice(0, 4);
    const start = entries[0]!.localHeaderOffset;
    const end = entries[3]!.localHeaderOffset;
    const window = zip.slice(start, end);
    const list = entries.slice(0, 3).map((e, i) => ({ at: e.localHeaderOffset - start, region: entries[i + 1]!.localHeaderOffset - e.localHeaderOffset, size: e.size, keep: i === 1 }));
    const results = await checkWindow(window, list, crc32, sha);
    for (let i = 0; i < 3; i++) {
      const e = entries[i]!;
      const data = await archive.read(e);
      const r = results[i]!;
      expect(text(r.header.subarray(30, 30 + new TextEncoder().encode(e.name).length))).toBe(e.name);
      expect(r.start - list[i]!.at).toBe(r.header.length);
      expect(r.sums).toEqual({ crc32: crc32(data), sha256: sha(data) });
      expect(r.bytes ? Buffer.compare(Buffer.from(r.bytes), Buffer.from(data)) : 'not kept').toBe(i === 1 ? 0 : 'not kept');
    }
    // An entry whose data would run past its region gets no sums (the reader reports it damaged).
    const short = await checkWindow(window, [{ ...list[0]!, region: list[0]!.region - 1 }], crc32, sha);
    expect(short[0]!.sums).toBeUndefined();
    // No local header where the directory says: only the 30 bytes there come back.
    const shifted = await checkWindow(window, [{ ...list[1]!, at: list[1]!.at + 1 }], crc32, sha);
    expect(shifted[0]).toMatchObject({ start: -1 });
    expect(shifted[0]!.header.length).toBe(30);
  });
});

describe('sidecarRecord', () => {
  const sidecar = () => {
    const path = [...files.keys()].find((k) => k.endsWith('.json') && k.includes('/data/controls/'))!;
    const parsed = sidecarSchema.safeParse(JSON.parse(text(files.get(path)!)));
    if (!parsed.success) throw new Error('the exported sidecar does not parse');
    return parsed.data;
  };

  it('keeps what the checks need, not the annotation history or the rest of the record', async () => {
    const sc = sidecar();
    const record = sidecarRecord(sc, 'key', Promise.resolve(true), false);
    expect(record.full).toBeUndefined();
    expect(record.annotationFollows).toBe(true);
    expect(record.foreignEvent).toBeNull();
    expect(Object.keys(record.sidecar.capture).sort()).toEqual(['id', 'image', 'signature', 'signingKeyFingerprint', ...(sc.capture.parts ? ['parts'] : [])].sort());
    expect(record.sidecar).not.toHaveProperty('annotationHistory');
    expect(record.sidecar.capture.image).toEqual(sc.capture.image);
    expect(sidecarRecord(sc, 'key', Promise.resolve(true), true).full).toBe(sc);
  });

  it('records, at once, a note that does not follow from the history and an event of another capture', () => {
    const sc = sidecar();
    expect(sidecarRecord({ ...sc, annotation: { ...sc.annotation, note: 'changed afterwards' } }, 'k', Promise.resolve(true), false).annotationFollows).toBe(false);
    const foreign = { ...sc.annotationHistory[0]!, id: 'EVT-OTHER', captureId: 'SOMEONE-ELSE' };
    expect(sidecarRecord({ ...sc, annotationHistory: [...sc.annotationHistory, foreign] }, 'k', Promise.resolve(true), false).foreignEvent).toBe('EVT-OTHER');
  });
});

describe('the export with files by reference', () => {
  it('inline checksums of a Blob match the bytes', async () => {
    const bytes = random(70_000, 5);
    expect(await inlineChecksums.sumBlob(new Blob([bytes]))).toEqual({ crc32: crc32(bytes), sha256: sha(bytes), size: bytes.length });
  });

  it('writes the library Blobs themselves into the parts, in plan order, and the parts equal the stream', async () => {
    const identity = await identityFor(db);
    const plan = await planExport(db, selection, identity, { now: new Date('2026-04-02T10:00:00Z') });
    const volume = plan.volumes[0]!;
    const order: string[] = [];
    // A loader that finishes in the opposite order of its calls: the reads ahead must not reorder the zip.
    const library = libraryLoader(db);
    let delay = 40;
    const load = async (bc: (typeof volume.captures)[number]) => {
      const wait = (delay = Math.max(0, delay - 10));
      const loaded = await library(bc);
      await new Promise((r) => setTimeout(r, wait));
      order.push(bc.capture.id);
      return loaded;
    };
    const parts: (Uint8Array | Blob)[] = [];
    for await (const p of volumeParts(load, plan, volume, identity)) parts.push(p);
    const blobs = parts.filter((p) => p instanceof Blob);
    expect(blobs.length).toBeGreaterThanOrEqual(volume.captures.length);
    const fromParts = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
    const fromStream = new Uint8Array(await new Response(volumeStream(libraryLoader(db), plan, volume, identity)).arrayBuffer());
    // (The bundle signature's time differs between the two runs; everything before it is identical.)
    const names = [...(await unzipAll(fromParts)).keys()];
    expect(names).toEqual([...(await unzipAll(fromStream)).keys()]);
    // The loads finished out of order, yet every image sits where the plan put it, in plan order.
    expect(order).not.toEqual(volume.captures.map((bc) => bc.capture.id));
    expect([...order].sort()).toEqual(volume.captures.map((bc) => bc.capture.id).sort());
    const pngs = names.filter((n) => n.endsWith('.png') && n.includes('/data/'));
    expect(pngs).toEqual(volume.captures.flatMap((bc) => bc.placements.map((p) => `${plan.topFolder}/${p.folder}${p.image}`)));
    const report = (await verifyZipBlob(new Blob([fromParts as BlobPart]), 'parts.zip')).report;
    expect(report.problems).toEqual([]);
    expect(report.captures).toBe(volume.captures.length);

    const result = await runExport(db, plan, identity, blobSink(async () => null));
    expect(result.reports[0]!.ok).toBe(true);
  });
});

describe("the CLI's hashing threads reading the archive file themselves", () => {
  it('find the same headers, sums and kept bytes as checkWindow, and report a file that ends early', async () => {
    const { mkdtempSync, openSync, closeSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'exhibit-speed-'));
    const path = join(dir, 'bundle.zip');
    writeFileSync(path, zip);
    const fd = openSync(path, 'r');
    const sums = workerChecksummer(2, undefined, fd);
    try {
      if (!sums) return expect(typeof (zlib as { crc32?: unknown }).crc32).not.toBe('function');
      const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
      const byOffset = [...archive.entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
      // Every entry but the last (whose region ends at the central directory), from a window that starts mid-archive too.
      const entries = byOffset.slice(0, -1).map((e, i) => ({ e, region: byOffset[i + 1]!.localHeaderOffset - e.localHeaderOffset }));
      const cut = Math.floor(entries.length / 2);
      for (const part of [entries.slice(0, cut), entries.slice(cut)]) {
        const start = part[0]!.e.localHeaderOffset;
        const end = part.at(-1)!.e.localHeaderOffset + part.at(-1)!.region;
        const list = part.map(({ e, region }, i) => ({ at: e.localHeaderOffset - start, region, size: e.size, keep: i % 2 === 0 }));
        const expected = await checkWindow(zip.subarray(start, end), list, crc32, sha);
        expect(await sums.windows!({ start, end }, list)).toEqual(expected);
        expect(expected.every((r) => r.sums)).toBe(true);
      }
      await expect(sums.windows!({ start: zip.length - 10, end: zip.length + 10 }, [])).rejects.toThrow(/ended while it was being read/);
      await expect(sums.windows!(new Blob([zip as BlobPart]), [])).rejects.toThrow(/not Blobs/);
    } finally {
      await sums?.close();
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('still fail the CLI on one damaged byte inside an image', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { main } = await import('@/lib/bundle/cli');
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    const png = archive.entries.find((e) => e.name.endsWith('.png') && e.name.includes('/controls/') && e.size > 100)!;
    const damaged = zip.slice();
    // Past the local header (30 bytes, the name, no extra field in our zips) into the image data.
    damaged[png.localHeaderOffset + 30 + new TextEncoder().encode(png.name).length + 50]! ^= 0x01;
    const dir = mkdtempSync(join(tmpdir(), 'exhibit-speed-'));
    try {
      writeFileSync(join(dir, 'damaged.zip'), damaged);
      const out: string[] = [];
      const code = await main(['verify', join(dir, 'damaged.zip')], { out: (s) => out.push(s), err: (s) => out.push(s) });
      expect(code).toBe(1);
      expect(out.join('\n')).toContain(`FAIL ${png.name.slice(png.name.indexOf('/') + 1)}`);
      expect(out.join('\n')).toMatch(/CRC-32/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('blobSink.writeParts', () => {
  it('gathers thousands of small parts into Blobs on the way and keeps every byte in order, library Blobs included', async () => {
    const parts: (Uint8Array | Blob)[] = [];
    for (let i = 0; i < 9_000; i++) parts.push(i % 3 === 1 ? new Blob([random(700, i) as BlobPart]) : random(i % 5 === 0 ? 3_000 : 40, i));
    // And a few large arrays, so segments close on bytes as well as on counts.
    for (let i = 0; i < 5; i++) parts.push(random(2 * 1024 * 1024, 100 + i));
    async function* gen() {
      for (const p of parts) yield p;
    }
    const blob = await blobSink(async () => null).writeParts!('x.zip', gen());
    const expected = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
    const got = new Uint8Array(await blob.arrayBuffer());
    expect(blob.type).toBe('application/zip');
    expect(got.length).toBe(expected.length);
    expect(sha(got)).toBe(sha(expected));
  });
});
