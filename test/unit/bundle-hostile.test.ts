// Hostile and broken archives are refused before anything is inflated or written.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { deflateRawSync, constants } from 'node:zlib';
import { ZipArchive, ZipError, crc32 } from '@/lib/bundle/zip-read';
import { verifyZipBlob } from '@/lib/bundle/verify';
import { handleMessage } from '@/lib/handlers';
import { exportZips, freshDb, seedLibrary } from './bundle-support';

interface RawEntry {
  name: string;
  data?: Uint8Array;
  /** Deflated bytes to store as the entry's data (method 8). */
  deflated?: Uint8Array;
  /** Declared uncompressed size (default: data length). */
  size?: number;
  crc?: number;
  madeBy?: number;
  externalAttributes?: number;
  flags?: number;
  /** Point the directory at another entry's local header (overlapping entries). */
  sameDataAs?: number;
}

/** A zip written byte by byte, so tests can build what no well-behaved writer would. */
function buildZip(entries: RawEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const name = enc.encode(e.name);
    const packed = e.deflated ?? e.data ?? new Uint8Array();
    const method = e.deflated ? 8 : 0;
    const size = e.size ?? (e.data ?? new Uint8Array()).length;
    const crc = e.crc ?? crc32(e.data ?? new Uint8Array());
    let localOffset = offset;
    if (e.sameDataAs !== undefined) localOffset = offsets[e.sameDataAs]!;
    else {
      const local = new Uint8Array(30 + name.length);
      const lv = new DataView(local.buffer);
      lv.setUint32(0, 0x04034b50, true);
      lv.setUint16(4, 20, true);
      lv.setUint16(6, (e.flags ?? 0) | 0x0800, true);
      lv.setUint16(8, method, true);
      lv.setUint32(14, crc, true);
      lv.setUint32(18, packed.length, true);
      lv.setUint32(22, size, true);
      lv.setUint16(26, name.length, true);
      local.set(name, 30);
      parts.push(local, packed);
      offset += local.length + packed.length;
    }
    offsets.push(localOffset);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, e.madeBy ?? 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, (e.flags ?? 0) | 0x0800, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.sameDataAs !== undefined ? (entries[e.sameDataAs]!.deflated ?? entries[e.sameDataAs]!.data ?? new Uint8Array()).length : packed.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(38, e.externalAttributes ?? 0, true);
    cv.setUint32(42, localOffset, true);
    cd.set(name, 46);
    central.push(cd);
  });
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return new Uint8Array(Buffer.concat([...parts, ...central, eocd]));
}

const file = (name: string, content = 'x') => ({ name, data: new TextEncoder().encode(content) });
const bagit = file('bag/bagit.txt', 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');

async function refusedWith(zip: Uint8Array, message: RegExp, code?: ZipError['code']) {
  const err = await ZipArchive.open(new Blob([zip as BlobPart])).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ZipError);
  expect((err as ZipError).message).toMatch(message);
  if (code) expect((err as ZipError).code).toBe(code);
  const { report } = await verifyZipBlob(new Blob([zip as BlobPart]), 'hostile.zip');
  expect(report.ok).toBe(false);
  expect(report.problems).toHaveLength(1);
  expect(report.problems[0]!.code).toBe('archive-refused');
}

/** `n` MiB of zeros as one deflate stream, made of full-flushed 1 MiB blocks repeated (a few KB per GiB). */
function zeroBomb(mib: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(1024 * 1024), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const end = deflateRawSync(Buffer.alloc(0));
  const out = Buffer.alloc(block.length * mib + end.length);
  for (let i = 0; i < mib; i++) block.copy(out, i * block.length);
  end.copy(out, block.length * mib);
  return new Uint8Array(out);
}

beforeEach(() => fakeBrowser.reset());

describe('hostile archives', () => {
  it.each([
    ['../evil.txt', /climbs out of the archive/],
    ['bag/data/../../evil.txt', /climbs out of the archive/],
    ['/etc/cron.d/evil', /absolute path/],
    ['C:/Windows/System32/evil.dll', /absolute path/],
    ['bag\\..\\evil.txt', /backslash/],
    ['bag//data/x', /empty or "\." path segment/],
  ])('refuses the entry %j', async (name, message) => {
    await refusedWith(buildZip([bagit, file(name)]), message, 'unsafe-entry');
  });

  it('refuses a symbolic link entry', async () => {
    const link = { ...file('bag/data/link.png', '/etc/passwd'), madeBy: (3 << 8) | 20, externalAttributes: (0o120777 << 16) >>> 0 };
    await refusedWith(buildZip([bagit, link]), /symbolic link/, 'unsafe-entry');
  });

  it('refuses duplicate names, also when they differ only by letter case', async () => {
    await refusedWith(buildZip([bagit, file('bag/data/a.txt'), file('bag/data/a.txt', 'y')]), /appears twice/);
    await refusedWith(buildZip([bagit, file('bag/data/A.txt'), file('bag/data/a.txt', 'y')]), /differ only by letter case/);
  });

  it('refuses a file inside something that is a file, also when the two differ only by letter case', async () => {
    await refusedWith(buildZip([bagit, file('bag/data/report'), file('bag/data/report/2026.csv', 'y')]), /"bag\/data\/report\/2026\.csv" sits inside "bag\/data\/report", which is a file/);
    await refusedWith(buildZip([bagit, file('bag/data/Report'), file('bag/data/report/2026.csv', 'y')]), /sits inside "bag\/data\/Report", which is a file/);
    // A folder entry of the same name is a folder, not a clash.
    const archive = await ZipArchive.open(new Blob([buildZip([bagit, file('bag/data/report/'), file('bag/data/report/2026.csv', 'y')]) as BlobPart]));
    expect(archive.entries.map((e) => e.name)).toContain('bag/data/report/2026.csv');
  });

  it('refuses a zip bomb (a small file inflating to gigabytes) by its declared size, before inflating', async () => {
    const bomb = zeroBomb(4095);
    expect(bomb.length).toBeLessThan(5_000_000);
    const zip = buildZip([bagit, { name: 'bag/data/zeros.bin', deflated: bomb, size: 4095 * 1024 * 1024, crc: 0 }]);
    const started = performance.now();
    await refusedWith(zip, /declares 4293918720 bytes, more than the limit.*refused before inflating/, 'too-large');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses an archive that would unpack to many times its size, before inflating', async () => {
    const bomb = zeroBomb(300);
    await refusedWith(buildZip([bagit, { name: 'bag/data/zeros.bin', deflated: bomb, size: 300 * 1024 * 1024, crc: 0 }]), /times its own size/, 'too-large');
  });

  it('refuses overlapping entries (the zip-bomb trick of sharing one compressed stream)', async () => {
    const bomb = zeroBomb(8);
    const first = { name: 'bag/data/0.bin', deflated: bomb, size: 8 * 1024 * 1024, crc: 0 };
    await refusedWith(buildZip([bagit, first, { ...first, name: 'bag/data/1.bin', sameDataAs: 1 }, { ...first, name: 'bag/data/2.bin', sameDataAs: 1 }]), /overlaps the data of another entry/);
  });

  it('stops inflating an entry that produces more than it declares', async () => {
    const zip = buildZip([bagit, { name: 'bag/data/liar.bin', deflated: zeroBomb(64), size: 1000, crc: 0 }]);
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    await expect(archive.read(archive.byName.get('bag/data/liar.bin')!)).rejects.toThrow(/inflates to more than the 1000 bytes it declares/);
    const { report } = await verifyZipBlob(new Blob([zip as BlobPart]), 'liar.zip');
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'data/liar.bin', code: 'unreadable', message: expect.stringMatching(/inflates to more than/) })]));
  });

  it('refuses encrypted entries', async () => {
    await refusedWith(buildZip([bagit, { ...file('bag/data/secret.txt'), flags: 1 }]), /encrypted/, 'unsupported');
  });

  it('refuses a truncated zip and a file that is not a zip', async () => {
    const db = await freshDb();
    await seedLibrary(db);
    const { zips } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
    const whole = zips[0]!.bytes;
    await refusedWith(whole.subarray(0, whole.length - 30), /truncated/, 'truncated');
    await refusedWith(whole.subarray(0, Math.floor(whole.length / 2)), /truncated/, 'truncated');
    await refusedWith(new TextEncoder().encode('%PDF-1.7 this is not a zip archive at all, just some text'), /not a zip archive/, 'not-zip');
    await refusedWith(new Uint8Array(), /empty/, 'not-zip');
  });

  it('refuses a damaged entry by its CRC-32', async () => {
    const zip = buildZip([bagit, { ...file('bag/data/a.txt', 'hello'), crc: 12345 }]);
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    await expect(archive.read(archive.byName.get('bag/data/a.txt')!)).rejects.toThrow(/CRC-32/);
    // The verifier reads archives in windows of entries: it names the damaged one there too.
    const { report } = await verifyZipBlob(new Blob([zip as BlobPart]), 'damaged.zip');
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'data/a.txt', code: 'unreadable', message: expect.stringMatching(/fails its CRC-32 check/) })]));
  });

  it('names an entry whose local header disagrees with the directory', async () => {
    const zip = buildZip([bagit, file('bag/data/a.txt', 'hello'), file('bag/data/b.txt', 'world')]);
    // Rename b's local header only ("b.txt" → "c.txt"); the directory still says b.txt.
    const at = Buffer.from(zip).indexOf('bag/data/b.txt');
    zip[at + 'bag/data/'.length] = 'c'.charCodeAt(0);
    const { report } = await verifyZipBlob(new Blob([zip as BlobPart]), 'renamed.zip');
    expect(report.problems).toEqual(expect.arrayContaining([expect.objectContaining({ file: 'data/b.txt', code: 'unreadable', message: expect.stringMatching(/named differently in its local header/) })]));
    expect(report.problems.some((p) => p.file === 'data/a.txt')).toBe(false);
  });

  it('import refuses every hostile archive and changes nothing in the library', async () => {
    const db = await freshDb();
    const before = await db.captures.count();
    for (const zip of [
      buildZip([bagit, file('../evil.txt')]),
      buildZip([bagit, { ...file('bag/data/link'), madeBy: (3 << 8) | 20, externalAttributes: (0o120777 << 16) >>> 0 }]),
      buildZip([bagit, { name: 'bag/data/zeros.bin', deflated: zeroBomb(2048), size: 2048 * 1024 * 1024, crc: 0 }]),
      new TextEncoder().encode('not a zip'),
    ]) {
      const reply = await handleMessage({ type: 'bundle.import', source: { base64: Buffer.from(zip).toString('base64'), name: 'hostile.zip' } }, { db });
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('import-invalid');
        expect(reply.error.message).toMatch(/refused, so nothing was imported/);
      }
    }
    expect(await db.captures.count()).toBe(before);
    expect(await db.blobs.count()).toBe(0);
  });
});
