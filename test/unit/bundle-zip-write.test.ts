// The export's zip writer: archives other tools read (JSZip, Python's zipfile), Zip64 past 65,534
// entries, CRC-32s given or computed, and a stream that keeps flowing for a reader that asks for
// one chunk at a time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { zipParts, zipStream, type ZipWriteEntry } from '@/lib/bundle/zip-write';
import { ZipArchive, crc32 } from '@/lib/bundle/zip-read';

const when = new Date(2026, 0, 15, 10, 30, 42);

async function* from(entries: ZipWriteEntry[]) {
  for (const e of entries) yield e;
}

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const random = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
};

describe('zipStream', () => {
  it('writes stored entries with UTF-8 names that JSZip, Python and the reader agree on', async () => {
    const entries: (ZipWriteEntry & { bytes: Uint8Array })[] = [
      { name: 'bag/bagit.txt', bytes: new TextEncoder().encode('BagIt-Version: 1.0\n'), lastModified: when },
      { name: 'bag/data/controls/CC6.2/Zugriffsprüfung — 監査.png', bytes: random(3_000_000, 1), lastModified: when },
      { name: 'bag/data/empty.txt', bytes: new Uint8Array(), lastModified: when },
      { name: 'bag/data/small.bin', bytes: random(100, 2), lastModified: when },
    ];
    const zip = await bytesOf(zipStream(from(entries), { chunkBytes: 64 * 1024 }));

    const jszip = await JSZip.loadAsync(zip);
    for (const e of entries) {
      const got = await jszip.file(e.name)!.async('uint8array');
      expect(Buffer.compare(Buffer.from(got), Buffer.from(e.bytes))).toBe(0);
    }
    expect(jszip.file(entries[1]!.name)!.date.getTime()).toBe(when.getTime());

    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    expect(archive.entries.map((e) => [e.name, e.method, e.size])).toEqual(entries.map((e) => [e.name, 0, e.bytes.length]));
    for (const e of archive.entries) expect(e.crc32).toBe(crc32(entries.find((x) => x.name === e.name)!.bytes));

    const dir = mkdtempSync(join(tmpdir(), 'exhibit-zip-'));
    try {
      writeFileSync(join(dir, 'a.zip'), zip);
      const listed = execFileSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint("\\n".join(i.filename + "|" + str(i.file_size) for i in z.infolist()))', join(dir, 'a.zip')]).toString().trim().split('\n');
      expect(listed).toEqual(entries.map((e) => `${e.name}|${e.bytes.length}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // (70,000 entries through three readers: slow on a busy machine.)
  it('writes a Zip64 end record past 65,534 entries, and readers see every entry', { timeout: 60_000 }, async () => {
    const n = 70_000;
    async function* many() {
      for (let i = 0; i < n; i++) yield { name: `bag/data/f${i}.txt`, bytes: new TextEncoder().encode(String(i)), lastModified: when };
    }
    const zip = await bytesOf(zipStream(many()));
    const tail = Buffer.from(zip.subarray(zip.length - 98));
    expect(tail.readUInt32LE(0)).toBe(0x06064b50); // Zip64 end of central directory
    expect(tail.readUInt32LE(56)).toBe(0x07064b50); // its locator
    expect(tail.readUInt16LE(76 + 8)).toBe(0xffff); // the classic record defers to it
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    expect(archive.entries).toHaveLength(n);
    expect(new TextDecoder().decode(await archive.read(archive.byName.get('bag/data/f69999.txt')!))).toBe('69999');
    const jszip = await JSZip.loadAsync(zip);
    expect(Object.keys(jszip.files)).toHaveLength(n);
  });

  it('uses a CRC-32 given with an entry (the export computes them in a worker)', async () => {
    const bytes = random(1000, 3);
    const zip = await bytesOf(zipStream(from([{ name: 'a.bin', bytes, lastModified: when, crc32: 0x12345678 }])));
    const archive = await ZipArchive.open(new Blob([zip as BlobPart]));
    expect(archive.entries[0]!.crc32).toBe(0x12345678);
    await expect(archive.read(archive.entries[0]!)).rejects.toThrow(/CRC-32/);
  });

  it('keeps flowing for a reader that pulls one chunk at a time, with entries far smaller than a chunk', async () => {
    async function* small() {
      for (let i = 0; i < 2_000; i++) yield { name: `f${i}`, bytes: random(50, i), lastModified: when };
    }
    const reader = zipStream(small(), { highWaterMark: 0, chunkBytes: 1024 * 1024 }).getReader();
    let total = 0;
    const done = (async () => {
      for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
    })();
    await Promise.race([done, new Promise((_, fail) => setTimeout(() => fail(new Error('the stream stalled')), 5000))]);
    expect(total).toBeGreaterThan(2_000 * 80);
  });

  it('refuses a name written twice (also by letter case), ending the stream with the error', async () => {
    const stream = zipStream(from([
      { name: 'bag/A.png', bytes: random(10, 1), lastModified: when },
      { name: 'bag/a.png', bytes: random(10, 2), lastModified: when },
    ]));
    await expect(bytesOf(stream)).rejects.toThrow(/written twice/);
  });
});

describe('zipParts', () => {
  const mixed = (): ZipWriteEntry[] => {
    const image = random(300_000, 7);
    const thumb = random(5_000, 8);
    return [
      { name: 'bag/bagit.txt', bytes: new TextEncoder().encode('BagIt-Version: 1.0\n'), lastModified: when },
      // Files of the library come as Blobs, with the CRC-32 the worker computed.
      { name: 'bag/data/a.png', bytes: new Blob([image]), lastModified: when, crc32: crc32(image) },
      { name: 'bag/data/a.json', bytes: new TextEncoder().encode('{"a":1}\n'), lastModified: when },
      { name: 'bag/data/thumbnails/a.jpg', bytes: new Blob([thumb]), lastModified: when, crc32: crc32(thumb) },
      { name: 'bag/data/big.bin', bytes: random(200_000, 9), lastModified: when },
      { name: 'bag/data/empty.txt', bytes: new Uint8Array(), lastModified: when },
    ];
  };

  it('yields Blob entries by reference and joins into the same bytes as the stream', async () => {
    const entries = mixed();
    const parts: (Uint8Array | Blob)[] = [];
    for await (const p of zipParts(from(entries), { chunkBytes: 64 * 1024 })) parts.push(p);
    // The Blobs themselves are parts: their bytes were never copied into the zip writer's arrays.
    expect(parts).toContain(entries[1]!.bytes);
    expect(parts).toContain(entries[3]!.bytes);
    // An array entry of 64 KB or more is a part of its own too, not copied into a chunk.
    expect(parts).toContain(entries[4]!.bytes);
    const fromParts = new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
    const fromStream = await bytesOf(zipStream(from(entries), { chunkBytes: 64 * 1024 }));
    expect(Buffer.compare(Buffer.from(fromParts), Buffer.from(fromStream))).toBe(0);
    const archive = await ZipArchive.open(new Blob([fromParts as BlobPart]));
    expect(archive.entries.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    for (const e of archive.entries) {
      const given = entries.find((x) => x.name === e.name)!.bytes;
      const want = given instanceof Blob ? new Uint8Array(await given.arrayBuffer()) : given;
      expect(Buffer.compare(Buffer.from(await archive.read(e)), Buffer.from(want))).toBe(0);
    }
    const jszip = await JSZip.loadAsync(fromParts);
    expect(Object.keys(jszip.files)).toHaveLength(entries.length);
  });

  it('streams a Blob entry larger than a chunk in chunk-sized pieces', async () => {
    const big = random(300_000, 11);
    const reader = zipStream(from([{ name: 'x.bin', bytes: new Blob([big]), lastModified: when, crc32: crc32(big) }]), { chunkBytes: 64 * 1024, highWaterMark: 0 }).getReader();
    const sizes: number[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) sizes.push(r.value.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(300_000);
  });

  it('refuses a Blob entry without its CRC-32 (it would have to be read to write its header)', async () => {
    const parts = zipParts(from([{ name: 'x.bin', bytes: new Blob([random(10, 1)]), lastModified: when }]));
    await expect((async () => {
      for await (const _ of parts) void _;
    })()).rejects.toThrow(/without its CRC-32/);
  });
});
