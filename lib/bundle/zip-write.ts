// Writes a zip archive, for the export: as parts of a Blob (entries given as Blobs are referenced,
// not copied) or as a stream. Every entry is stored (method 0: PNGs and JPEGs do not shrink, and a
// stored entry can be checked and sliced without inflating), and its CRC-32 and size are known when
// it is written, so they go straight into the local header: no data descriptors, which some
// extractors handle badly. Entry names are UTF-8 (flag bit 11). Zip64
// records are added only where a value does not fit: more than 65,534 entries, or offsets past
// 4 GiB (an export streamed into a folder has no size limit). The CRC-32 is the slicing-by-8 one
// the reader checks with, several times faster than a byte-at-a-time table loop.
import { crc32 } from './zip-read';

export interface ZipWriteEntry {
  /** `/`-separated path inside the archive. */
  name: string;
  /** The entry's bytes; a Blob (written by reference into a Blob archive) must come with its `crc32`. */
  bytes: Uint8Array | Blob;
  lastModified: Date;
  /** The bytes' CRC-32, when already computed. */
  crc32?: number;
}

const encoder = new TextEncoder();
const U32 = 0xffffffff;
const U16 = 0xffff;
/** Version made by: 4.5 on Unix (so the external attributes carry a Unix file mode). */
const MADE_BY = (3 << 8) | 45;
/** A regular file, rw-r--r--, in the high 16 bits of the external attributes. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const UTF8_FLAG = 0x0800;

/** MS-DOS date and time (local time, 2-second resolution), as zip tools expect. */
function dosDateTime(d: Date): { time: number; date: number } {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

interface Written {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
  time: number;
  date: number;
}

function localHeader(w: Written): Uint8Array {
  const out = new Uint8Array(30 + w.name.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x04034b50, true);
  v.setUint16(4, 20, true); // version needed: 2.0 (stored, no Zip64 in a local header: sizes always fit)
  v.setUint16(6, UTF8_FLAG, true);
  v.setUint16(8, 0, true); // stored
  v.setUint16(10, w.time, true);
  v.setUint16(12, w.date, true);
  v.setUint32(14, w.crc, true);
  v.setUint32(18, w.size, true);
  v.setUint32(22, w.size, true);
  v.setUint16(26, w.name.length, true);
  v.setUint16(28, 0, true);
  out.set(w.name, 30);
  return out;
}

/**
 * The central directory, written as each entry is: one growing buffer, not a record per entry kept
 * until the end (tens of thousands of small objects in a large export).
 */
class CentralDirectory {
  private bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);
  size = 0;
  count = 0;

  add(w: Written): void {
    const zip64 = w.offset >= U32;
    const extra = zip64 ? 12 : 0;
    const length = 46 + w.name.length + extra;
    if (this.size + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.size + length));
      grown.set(this.bytes.subarray(0, this.size));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const v = this.view;
    const at = this.size;
    v.setUint32(at, 0x02014b50, true);
    v.setUint16(at + 4, MADE_BY, true);
    v.setUint16(at + 6, zip64 ? 45 : 20, true);
    v.setUint16(at + 8, UTF8_FLAG, true);
    v.setUint16(at + 10, 0, true);
    v.setUint16(at + 12, w.time, true);
    v.setUint16(at + 14, w.date, true);
    v.setUint32(at + 16, w.crc, true);
    v.setUint32(at + 20, w.size, true);
    v.setUint32(at + 24, w.size, true);
    v.setUint16(at + 28, w.name.length, true);
    v.setUint16(at + 30, extra, true);
    // comment length, disk number start, internal attributes: 0
    v.setUint16(at + 32, 0, true);
    v.setUint16(at + 34, 0, true);
    v.setUint16(at + 36, 0, true);
    v.setUint32(at + 38, FILE_ATTRIBUTES, true);
    v.setUint32(at + 42, zip64 ? U32 : w.offset, true);
    this.bytes.set(w.name, at + 46);
    if (zip64) {
      const x = at + 46 + w.name.length;
      v.setUint16(x, 0x0001, true);
      v.setUint16(x + 2, 8, true);
      v.setBigUint64(x + 4, BigInt(w.offset), true);
    }
    this.size += length;
    this.count++;
  }

  /** The directory's bytes, in copies of at most `piece` bytes (a reader may keep or transfer each). */
  *pieces(piece: number): Generator<Uint8Array> {
    for (let at = 0; at < this.size; at += piece) yield this.bytes.slice(at, Math.min(this.size, at + piece));
  }
}

function endRecords(count: number, cdOffset: number, cdSize: number): Uint8Array {
  const zip64 = count >= U16 || cdOffset >= U32 || cdSize >= U32;
  const out = new Uint8Array((zip64 ? 56 + 20 : 0) + 22);
  const v = new DataView(out.buffer);
  let at = 0;
  if (zip64) {
    v.setUint32(0, 0x06064b50, true);
    v.setBigUint64(4, 44n, true); // size of the rest of this record
    v.setUint16(12, MADE_BY, true);
    v.setUint16(14, 45, true);
    // this disk, disk with the directory: 0
    v.setBigUint64(24, BigInt(count), true);
    v.setBigUint64(32, BigInt(count), true);
    v.setBigUint64(40, BigInt(cdSize), true);
    v.setBigUint64(48, BigInt(cdOffset), true);
    v.setUint32(56, 0x07064b50, true);
    v.setUint32(60, 0, true);
    v.setBigUint64(64, BigInt(cdOffset + cdSize), true);
    v.setUint32(72, 1, true);
    at = 76;
  }
  v.setUint32(at, 0x06054b50, true);
  v.setUint16(at + 8, Math.min(count, U16), true);
  v.setUint16(at + 10, Math.min(count, U16), true);
  v.setUint32(at + 12, Math.min(cdSize, U32), true);
  v.setUint32(at + 16, Math.min(cdOffset, U32), true);
  return out;
}

/**
 * The archive of `entries`, in order, as parts to join in order: small records are gathered into
 * arrays of about `chunkBytes`, and an entry of `largeBytes` or more (or any Blob) is yielded as
 * it is, never copied. Built into a Blob (`new Blob(parts)`), an entry given as a Blob (a file in
 * IndexedDB) is referenced, not read: its bytes pass through nobody's memory. A Blob entry needs
 * its `crc32`. An error from `entries` ends the iteration with that error.
 */
export async function* zipParts(entries: AsyncIterable<ZipWriteEntry>, options: { chunkBytes?: number; largeBytes?: number } = {}): AsyncGenerator<Uint8Array | Blob> {
  const chunkBytes = options.chunkBytes ?? 2 * 1024 * 1024;
  const largeBytes = Math.min(options.largeBytes ?? 64 * 1024, chunkBytes);
  const directory = new CentralDirectory();
  const seen = new Set<string>();
  let offset = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const joined = (): Uint8Array | null => {
    if (pending.length === 0) return null;
    let out: Uint8Array;
    if (pending.length === 1) out = pending[0]!;
    else {
      out = new Uint8Array(pendingBytes);
      let at = 0;
      for (const p of pending) (out.set(p, at), (at += p.length));
    }
    pending = [];
    pendingBytes = 0;
    return out;
  };
  /** Adds a small piece; returns a full chunk to yield, if one is. */
  const add = (bytes: Uint8Array): Uint8Array | null => {
    pending.push(bytes);
    pendingBytes += bytes.length;
    return pendingBytes >= chunkBytes ? joined() : null;
  };

  for await (const entry of entries) {
    const { name, bytes, lastModified } = entry;
    const size = bytes instanceof Blob ? bytes.size : bytes.length;
    if (size >= U32) throw new RangeError(`${name} is too large for one zip entry.`);
    if (bytes instanceof Blob && entry.crc32 === undefined) throw new Error(`${name} is given as a Blob without its CRC-32.`);
    const key = name.normalize('NFC').toLowerCase();
    if (seen.has(key)) throw new Error(`${name} would be written twice into the archive.`);
    seen.add(key);
    const w: Written = { name: encoder.encode(name), crc: entry.crc32 ?? crc32(bytes as Uint8Array), size, offset, ...dosDateTime(lastModified) };
    directory.add(w);
    const header = localHeader(w);
    offset += header.length + size;
    if (bytes instanceof Blob || size >= largeBytes) {
      add(header);
      const before = joined();
      if (before) yield before;
      if (size) yield bytes;
    } else {
      const full = add(header);
      if (full) yield full;
      const fuller = size ? add(bytes) : null;
      if (fuller) yield fuller;
    }
  }
  const cdOffset = offset;
  for (const piece of directory.pieces(chunkBytes)) {
    const full = add(piece);
    if (full) yield full;
  }
  add(endRecords(directory.count, cdOffset, directory.size));
  yield joined()!;
}

/**
 * The archive of `entries`, in order, as a byte stream (zipParts, with Blob entries read in). An
 * error from `entries` (or cancelling the stream) ends it with that error. Up to `highWaterMark`
 * bytes are produced ahead of the reader.
 */
export function zipStream(entries: AsyncIterable<ZipWriteEntry>, options: { highWaterMark?: number; chunkBytes?: number } = {}): ReadableStream<Uint8Array> {
  const chunkBytes = options.chunkBytes ?? 2 * 1024 * 1024;
  const parts = zipParts(entries, { chunkBytes });
  // A Blob part is read in pieces of at most chunkBytes.
  let blob: Blob | null = null;
  let at = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!blob) {
          const next = await parts.next();
          if (next.done) return controller.close();
          if (!(next.value instanceof Blob)) return controller.enqueue(next.value);
          blob = next.value;
          at = 0;
        }
        const end = Math.min(blob.size, at + chunkBytes);
        controller.enqueue(new Uint8Array(await blob.slice(at, end).arrayBuffer()));
        at = end;
        if (at >= blob.size) blob = null;
      },
      async cancel(reason) {
        await parts.return(reason);
      },
    },
    { highWaterMark: options.highWaterMark ?? 4 * 1024 * 1024, size: (chunk) => chunk.byteLength },
  );
}
