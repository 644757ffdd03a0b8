// PNG assembly without re-encoding the captured pixels.
//
// Decoding the browser's PNG and encoding it again is half the cost of a naive evidence
// pipeline (../shared/notes/measured.md). A PNG's pixels are one zlib stream of filtered rows, so
// the banner rows can be compressed on their own, ended with a sync flush (byte-aligned, not
// final), and followed by the captured image's deflate data verbatim: its back-references stay
// inside its own rows. Only the Adler-32 and the chunk CRCs are recomputed.
//
// One catch: PNG row filters (Up, Average, Paeth) of the captured image's first row refer to the
// row above it, which the original encoder took to be all zeros. The banner's last row is
// therefore forced to zero bytes (transparent black), so the captured rows decode unchanged.
//
// The captured image's IDAT chunks that hold only its deflate data are copied with their CRCs as
// they are: only the chunks holding the zlib header or the Adler-32 get a new CRC, so the cost
// of the splice no longer grows with the size of the screenshot. The banner rows are compressed
// at level 3: half the time of level 6 on real banner text, for about 5 % more banner bytes.
import { Deflate, deflate, constants } from 'pako';

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

interface Chunk {
  type: string;
  data: Uint8Array;
  /** The whole chunk (length, type, data, CRC) as read, when it is copied unchanged. */
  raw?: Uint8Array;
}

export function readPngChunks(png: Uint8Array): Chunk[] {
  if (png.length < 8 || !SIGNATURE.every((b, i) => png[i] === b)) throw new Error('not a PNG file');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let pos = 8;
  while (pos + 12 <= png.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...png.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > png.length) throw new Error(`PNG chunk ${type} is truncated`);
    chunks.push({ type, data: png.subarray(pos + 8, pos + 8 + length), raw: png.subarray(pos, pos + 12 + length) });
    pos += 12 + length;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw new Error('PNG has no IHDR chunk');
  return chunks;
}

export function readPngHeader(png: Uint8Array): PngHeader {
  const ihdr = readPngChunks(png)[0]!.data;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  return {
    width: view.getUint32(0),
    height: view.getUint32(4),
    bitDepth: ihdr[8]!,
    colorType: ihdr[9]!,
    interlace: ihdr[12]!,
  };
}

/** Bytes per pixel for the 8-bit, non-interlaced truecolour PNGs the splice supports. */
function channelsOf(header: PngHeader): 3 | 4 | null {
  if (header.bitDepth !== 8 || header.interlace !== 0) return null;
  if (header.colorType === 6) return 4;
  if (header.colorType === 2) return 3;
  return null;
}

export function canSpliceBanner(png: Uint8Array): boolean {
  return spliceChannels(png) !== null;
}

/** Filtered PNG rows (filter type 0) from RGBA pixels, in the target's channel count. */
function rawRows(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4): Uint8Array {
  const stride = width * channels + 1;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    let o = y * stride + 1;
    let i = y * width * 4;
    if (channels === 4) {
      out.set(rgba.subarray(i, i + width * 4), o);
    } else {
      for (let x = 0; x < width; x++, i += 4) {
        out[o++] = rgba[i]!;
        out[o++] = rgba[i + 1]!;
        out[o++] = rgba[i + 2]!;
      }
    }
  }
  return out;
}

/**
 * Banner rows compressed ahead of the image they will top (a capture's banner head, drawn while
 * the browser takes the picture): a raw deflate segment ended by a sync flush, so more segments
 * and the captured image's own deflate data can follow it in the same zlib stream.
 */
export interface DeflatedRows {
  width: number;
  height: number;
  channels: 3 | 4;
  deflated: Uint8Array;
  /** Adler-32 and length of the filtered rows before compression. */
  adler: number;
  rawLength: number;
}

/** Compresses `height` rows of RGBA pixels as PNG rows of `channels` bytes per pixel (see DeflatedRows). */
export function deflateRows(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4): DeflatedRows {
  const raw = rawRows(rgba, width, height, channels);
  return { width, height, channels, deflated: syncFlushedDeflate(raw), adler: adler32(raw), rawLength: raw.length };
}

/** Bytes per pixel of `png` when a banner can be spliced onto it (8-bit, non-interlaced RGB or RGBA), else null. */
export function spliceChannels(png: Uint8Array | PngHeader): 3 | 4 | null {
  if (!(png instanceof Uint8Array)) return channelsOf(png);
  try {
    return channelsOf(readPngHeader(png));
  } catch {
    return null;
  }
}

/**
 * A new PNG: `bannerRgba` (width × bannerHeight RGBA pixels) above the pixels of `png`, whose
 * compressed rows are reused as they are, and `head` (rows compressed earlier, same width and
 * channels) above both. Throws if `png` is not 8-bit non-interlaced RGB(A).
 */
export function spliceBannerAbove(png: Uint8Array, bannerRgba: Uint8Array | Uint8ClampedArray, bannerHeight: number, head?: DeflatedRows): Uint8Array {
  const chunks = readPngChunks(png);
  const header = readPngHeader(png);
  const channels = channelsOf(header);
  if (channels === null) {
    throw new Error(`cannot add a banner to a PNG with bit depth ${header.bitDepth}, colour type ${header.colorType}, interlace ${header.interlace}`);
  }
  if (bannerRgba.length !== header.width * bannerHeight * 4) throw new Error('banner size does not match the image width');
  if (head && (head.width !== header.width || head.channels !== channels)) throw new Error('banner head does not match the image width and channels');
  if (bannerHeight < 1) throw new Error('the banner needs at least one row below its head');

  const idats = chunks.filter((c) => c.type === 'IDAT');
  const total = idats.reduce((n, c) => n + c.data.length, 0);
  if (total < 6) throw new Error('PNG has no image data');
  // The zlib stream is the IDAT chunks' data end to end; its header or Adler-32 may straddle two.
  const byteAt = (index: number): number => {
    for (const c of idats) {
      if (index < c.data.length) return c.data[index]!;
      index -= c.data.length;
    }
    throw new Error('PNG image data is truncated');
  };
  const [cmf, flg] = [byteAt(0), byteAt(1)];
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || (flg & 0x20) !== 0) {
    throw new Error('PNG image data is not a plain zlib stream');
  }
  const capturedAdler = ((byteAt(total - 4) << 24) | (byteAt(total - 3) << 16) | (byteAt(total - 2) << 8) | byteAt(total - 1)) >>> 0;
  const capturedRawLength = header.height * (header.width * channels + 1);

  const bannerRaw = rawRows(bannerRgba, header.width, bannerHeight, channels);
  bannerRaw.fill(0, bannerRaw.length - header.width * channels - 1);
  const bannerDeflate = syncFlushedDeflate(bannerRaw);
  const bannerAdler = head ? adler32Combine(head.adler, adler32(bannerRaw), bannerRaw.length) : adler32(bannerRaw);
  const adler = adler32Combine(bannerAdler, capturedAdler, capturedRawLength);

  const headBytes = head?.deflated.length ?? 0;
  const zhead = new Uint8Array(2 + headBytes + bannerDeflate.length);
  zhead[0] = 0x78;
  zhead[1] = 0x9c;
  if (head) zhead.set(head.deflated, 2);
  zhead.set(bannerDeflate, 2 + headBytes);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, adler);

  // The captured deflate data, bytes [2, total − 4) of its zlib stream, chunk by chunk.
  const body: Chunk[] = [];
  let start = 0;
  for (const c of idats) {
    const end = start + c.data.length;
    const from = Math.max(start, 2);
    const to = Math.min(end, total - 4);
    if (from === start && to === end && c.data.length > 0) body.push({ type: 'IDAT', data: c.data, raw: c.raw });
    else if (to > from) body.push({ type: 'IDAT', data: c.data.subarray(from - start, to - start) });
    start = end;
  }

  const ihdr = chunks[0]!.data.slice();
  new DataView(ihdr.buffer).setUint32(4, header.height + bannerHeight + (head?.height ?? 0));
  const before = chunks.slice(1, chunks.findIndex((c) => c.type === 'IDAT')).filter((c) => c.type !== 'IDAT');
  return writePng([{ type: 'IHDR', data: ihdr }, ...before, ...idatChunks(zhead), ...body, { type: 'IDAT', data: tail }, { type: 'IEND', data: new Uint8Array() }]);
}

/** Encodes RGBA pixels as an 8-bit RGBA PNG. */
export function encodePngRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const zlib = deflate(rawRows(rgba, width, height, 4), { level: 6 });
  return writePng([{ type: 'IHDR', data: ihdr }, ...idatChunks(zlib), { type: 'IEND', data: new Uint8Array() }]);
}

/**
 * Encodes an RGBA image as an 8-bit RGBA PNG row band by row band, so a full-page capture can
 * compress the rows that are final while it waits for the browser's next capture slot. Rows use
 * the Sub filter: cheap, and good on screenshots' flat colours and text.
 */
export class PngRowEncoder {
  private readonly deflater = new Deflate({ level: 6 });
  private readonly parts: Uint8Array[] = [];
  private rowsWritten = 0;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.deflater.onData = (chunk) => this.parts.push(chunk as Uint8Array);
  }

  get rowsDone(): number {
    return this.rowsWritten;
  }

  /** Appends `rows` rows of RGBA pixels (width × rows × 4 bytes), continuing from the last call. */
  pushRows(rgba: Uint8Array | Uint8ClampedArray, rows: number): void {
    if (rows <= 0) return;
    if (this.rowsWritten + rows > this.height) throw new Error('more rows than the image has');
    const stride = this.width * 4;
    const raw = new Uint8Array((stride + 1) * rows);
    for (let y = 0; y < rows; y++) {
      const o = y * (stride + 1);
      const i = y * stride;
      raw[o] = 1; // Sub
      for (let x = 0; x < 4; x++) raw[o + 1 + x] = rgba[i + x]!;
      for (let x = 4; x < stride; x++) raw[o + 1 + x] = (rgba[i + x]! - rgba[i + x - 4]!) & 0xff;
    }
    this.deflater.push(raw, false);
    if (this.deflater.err) throw new Error(`deflate failed: ${this.deflater.msg}`);
    this.rowsWritten += rows;
  }

  finish(): Uint8Array {
    if (this.rowsWritten !== this.height) throw new Error(`PNG has ${this.rowsWritten} of ${this.height} rows`);
    this.deflater.push(new Uint8Array(0), true);
    if (this.deflater.err) throw new Error(`deflate failed: ${this.deflater.msg}`);
    const ihdr = new Uint8Array(13);
    const view = new DataView(ihdr.buffer);
    view.setUint32(0, this.width);
    view.setUint32(4, this.height);
    ihdr[8] = 8;
    ihdr[9] = 6;
    return writePng([{ type: 'IHDR', data: ihdr }, ...idatChunks(concat(this.parts)), { type: 'IEND', data: new Uint8Array() }]);
  }
}

function syncFlushedDeflate(raw: Uint8Array): Uint8Array {
  const deflater = new Deflate({ raw: true, level: 3 });
  const parts: Uint8Array[] = [];
  deflater.onData = (chunk) => parts.push(chunk as Uint8Array);
  deflater.push(raw, constants.Z_SYNC_FLUSH);
  if (deflater.err) throw new Error(`deflate failed: ${deflater.msg}`);
  return concat(parts);
}

function idatChunks(zlib: Uint8Array): Chunk[] {
  const size = 1 << 20;
  const out: Chunk[] = [];
  for (let i = 0; i < zlib.length; i += size) out.push({ type: 'IDAT', data: zlib.subarray(i, i + size) });
  return out;
}

function writePng(chunks: Chunk[]): Uint8Array {
  const total = 8 + chunks.reduce((n, c) => n + (c.raw?.length ?? 12 + c.data.length), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  let pos = 8;
  for (const c of chunks) {
    if (c.raw) {
      out.set(c.raw, pos);
      pos += c.raw.length;
      continue;
    }
    view.setUint32(pos, c.data.length);
    for (let i = 0; i < 4; i++) out[pos + 4 + i] = c.type.charCodeAt(i);
    out.set(c.data, pos + 8);
    view.setUint32(pos + 8 + c.data.length, crc32(out.subarray(pos + 4, pos + 8 + c.data.length)));
    pos += 12 + c.data.length;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const ADLER_BASE = 65521;

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the largest run before b can overflow 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_BASE;
    b %= ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib's adler32_combine: the Adler-32 of A‖B from those of A and B and B's length. */
export function adler32Combine(adlerA: number, adlerB: number, lengthB: number): number {
  const rem = lengthB % ADLER_BASE;
  let sum1 = adlerA & 0xffff;
  let sum2 = (rem * sum1) % ADLER_BASE;
  sum1 += (adlerB & 0xffff) + ADLER_BASE - 1;
  sum2 += ((adlerA >>> 16) & 0xffff) + ((adlerB >>> 16) & 0xffff) + ADLER_BASE - rem;
  if (sum1 >= ADLER_BASE) sum1 -= ADLER_BASE;
  if (sum1 >= ADLER_BASE) sum1 -= ADLER_BASE;
  if (sum2 >= ADLER_BASE * 2) sum2 -= ADLER_BASE * 2;
  if (sum2 >= ADLER_BASE) sum2 -= ADLER_BASE;
  return ((sum2 << 16) | sum1) >>> 0;
}

let crcTable: Uint32Array | undefined;
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
