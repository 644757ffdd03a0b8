import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { deflateSync } from 'node:zlib';
import { adler32, adler32Combine, canSpliceBanner, crc32, deflateRows, encodePngRgba, PngRowEncoder, readPngHeader, spliceBannerAbove, spliceChannels } from '@/lib/capture/png';

function gradient(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba.set([(x * 7) & 255, (y * 13) & 255, (x * y) & 255, 255], i);
    }
  return rgba;
}

function solid(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([...rgb, 255], i);
  return rgba;
}

/** A PNG as other encoders write it (pngjs uses adaptive filters, including Up and Paeth on row 0). */
function foreignPng(rgba: Uint8Array, width: number, height: number, colorType: 2 | 6 = 6, filterType = -1): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, filterType });
  png.data = Buffer.from(rgba);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, filterType }));
}

/** The data of each IDAT chunk, in order. */
function idatChunksOf(png: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = view.getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) === 'IDAT') out.push(png.subarray(pos, pos + 12 + length));
    pos += 12 + length;
  }
  return out;
}

/** The same PNG with its zlib stream cut into IDAT chunks of `sizes` bytes (the rest in a last chunk), as other encoders may write it. */
function rechunk(png: Uint8Array, sizes: readonly number[]): Uint8Array {
  const decoded = PNG.sync.read(Buffer.from(png));
  const zlib = Buffer.concat(idatChunksOf(png).map((c) => Buffer.from(c.subarray(8, c.length - 4))));
  const pieces: Buffer[] = [];
  let pos = 0;
  for (const size of sizes) {
    pieces.push(zlib.subarray(pos, pos + size));
    pos += size;
  }
  if (pos < zlib.length) pieces.push(zlib.subarray(pos));
  const chunk = (type: string, data: Buffer) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'latin1');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(decoded.width, 0);
  ihdr.writeUInt32BE(decoded.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return new Uint8Array(Buffer.concat([Buffer.from(png.subarray(0, 8)), chunk('IHDR', ihdr), ...pieces.map((p) => chunk('IDAT', p)), chunk('IEND', Buffer.alloc(0))]));
}

describe('adler32', () => {
  it.each([0, 1, 5551, 5552, 5553, 100_000])('combines like computing over the whole (%i bytes in B)', (n) => {
    const a = new Uint8Array(3000).map((_, i) => (i * 31) & 255);
    const b = new Uint8Array(n).map((_, i) => (i * 17 + 3) & 255);
    const whole = new Uint8Array(a.length + b.length);
    whole.set(a);
    whole.set(b, a.length);
    expect(adler32Combine(adler32(a), adler32(b), b.length)).toBe(adler32(whole));
    // Node's zlib agrees with our Adler-32.
    const z = deflateSync(whole);
    expect(z.readUInt32BE(z.length - 4)).toBe(adler32(whole));
  });
});

describe('spliceBannerAbove', () => {
  it.each([
    ['RGBA, adaptive filters', 6 as const, -1],
    ['RGB, adaptive filters', 2 as const, -1],
    ['RGBA, Up filter on every row', 6 as const, 2],
    ['RGBA, Average filter on every row', 6 as const, 3],
    ['RGB, Paeth filter on every row', 2 as const, 4],
  ])('puts the banner above the pixels and keeps every captured pixel (%s)', (_name, colorType, filterType) => {
    const width = 97;
    const height = 61;
    const pixels = gradient(width, height);
    const banner = solid(width, 12, [15, 23, 42]);
    const out = PNG.sync.read(Buffer.from(spliceBannerAbove(foreignPng(pixels, width, height, colorType, filterType), banner, 12)));
    expect(out.width).toBe(width);
    expect(out.height).toBe(height + 12);
    // Banner rows (all but the last, which is zeroed so the captured rows' filters decode unchanged).
    for (let y = 0; y < 11; y++) expect([...out.data.subarray(y * width * 4, y * width * 4 + 3)]).toEqual([15, 23, 42]);
    expect(Buffer.compare(Buffer.from(out.data.subarray(12 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it.each([
    ['RGBA', 6 as const, 4 as const],
    ['RGB', 2 as const, 3 as const],
  ])('puts a head compressed earlier above the banner rows and the pixels (%s)', (_name, colorType, channels) => {
    const width = 83;
    const height = 40;
    const pixels = gradient(width, height);
    const png = foreignPng(pixels, width, height, colorType);
    expect(spliceChannels(png)).toBe(channels);
    const headPixels = gradient(width, 9).map((v, i) => (i % 4 === 3 ? 255 : 255 - v));
    const head = deflateRows(headPixels, width, 9, channels);
    const out = PNG.sync.read(Buffer.from(spliceBannerAbove(png, solid(width, 5, [15, 23, 42]), 5, head)));
    expect(out.height).toBe(9 + 5 + height);
    expect(Buffer.compare(Buffer.from(out.data.subarray(0, 9 * width * 4)), Buffer.from(headPixels))).toBe(0);
    for (let y = 9; y < 13; y++) expect([...out.data.subarray(y * width * 4, y * width * 4 + 3)]).toEqual([15, 23, 42]);
    expect(Buffer.compare(Buffer.from(out.data.subarray(14 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it('refuses a head compressed for another width or channel count', () => {
    const png = foreignPng(gradient(20, 10), 20, 10, 6);
    expect(() => spliceBannerAbove(png, solid(20, 2, [0, 0, 0]), 2, deflateRows(solid(21, 3, [1, 1, 1]), 21, 3, 4))).toThrow(/head does not match/);
    expect(() => spliceBannerAbove(png, solid(20, 2, [0, 0, 0]), 2, deflateRows(solid(20, 3, [1, 1, 1]), 20, 3, 3))).toThrow(/head does not match/);
  });

  it('works on a large image split over several IDAT chunks', () => {
    const width = 1200;
    const height = 900;
    const pixels = gradient(width, height);
    const png = encodePngRgba(pixels, width, height);
    const out = PNG.sync.read(Buffer.from(spliceBannerAbove(png, solid(width, 40, [1, 2, 3]), 40)));
    expect(out.height).toBe(940);
    expect(Buffer.compare(Buffer.from(out.data.subarray(40 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it('copies the captured IDAT chunks between the first and the last byte for byte, CRCs included', () => {
    const width = 300;
    const height = 200;
    const pixels = gradient(width, height);
    const png = rechunk(foreignPng(pixels, width, height), [1000, 1000, 1000]);
    const chunks = idatChunksOf(png);
    expect(chunks.length).toBeGreaterThan(3);
    const out = spliceBannerAbove(png, solid(width, 8, [15, 23, 42]), 8);
    const outChunks = idatChunksOf(out).map((c) => Buffer.from(c).toString('hex'));
    for (const middle of chunks.slice(1, -1)) expect(outChunks).toContain(Buffer.from(middle).toString('hex'));
    const decoded = PNG.sync.read(Buffer.from(out));
    expect(Buffer.compare(Buffer.from(decoded.data.subarray(8 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it.each([
    ['the zlib header split over two chunks', [1]],
    ['the Adler-32 split over two chunks', 'adler'],
    ['one-byte chunks at both ends', [1, 1]],
  ] as const)('splices when %s', (_name, split) => {
    const width = 40;
    const height = 30;
    const pixels = gradient(width, height);
    const base = foreignPng(pixels, width, height);
    const total = idatChunksOf(base).reduce((n, c) => n + c.length - 12, 0);
    const sizes = split === 'adler' ? [total - 2] : [...split, total - 4 - split.reduce((a, b) => a + b, 0), 2];
    const png = rechunk(base, sizes);
    expect(idatChunksOf(png).length).toBeGreaterThan(1);
    const decoded = PNG.sync.read(Buffer.from(spliceBannerAbove(png, solid(width, 5, [200, 10, 10]), 5)));
    expect([...decoded.data.subarray(0, 3)]).toEqual([200, 10, 10]);
    expect(Buffer.compare(Buffer.from(decoded.data.subarray(5 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it('refuses what it cannot splice with a clear error', () => {
    expect(() => spliceBannerAbove(new Uint8Array([1, 2, 3]), new Uint8Array(0), 0)).toThrow(/not a PNG/);
    const png = encodePngRgba(gradient(10, 10), 10, 10);
    expect(() => spliceBannerAbove(png, solid(11, 2, [0, 0, 0]), 2)).toThrow(/banner size/);
    const palette = new PNG({ width: 4, height: 4, colorType: 0, inputColorType: 6 } as never);
    palette.data = Buffer.from(gradient(4, 4));
    const grey = new Uint8Array(PNG.sync.write(palette, { colorType: 0, inputColorType: 6 }));
    expect(canSpliceBanner(grey)).toBe(false);
    expect(() => spliceBannerAbove(grey, solid(4, 2, [0, 0, 0]), 2)).toThrow(/colour type 0/);
  });

  it('reads the header of an encoded PNG', () => {
    expect(readPngHeader(encodePngRgba(gradient(3, 5), 3, 5))).toEqual({ width: 3, height: 5, bitDepth: 8, colorType: 6, interlace: 0 });
  });
});

describe('PngRowEncoder', () => {
  it('encodes row bands into a PNG any decoder reads, and the banner splices onto it', () => {
    const width = 131;
    const height = 77;
    const pixels = gradient(width, height);
    const encoder = new PngRowEncoder(width, height);
    for (const [start, rows] of [
      [0, 10],
      [10, 1],
      [11, 66],
    ] as const) encoder.pushRows(pixels.subarray(start * width * 4, (start + rows) * width * 4), rows);
    const png = encoder.finish();
    const decoded = PNG.sync.read(Buffer.from(png));
    expect(Buffer.compare(Buffer.from(decoded.data), Buffer.from(pixels))).toBe(0);
    const withBanner = PNG.sync.read(Buffer.from(spliceBannerAbove(png, solid(width, 6, [9, 9, 9]), 6)));
    expect(Buffer.compare(Buffer.from(withBanner.data.subarray(6 * width * 4)), Buffer.from(pixels))).toBe(0);
  });

  it('refuses to finish an image with missing rows', () => {
    const encoder = new PngRowEncoder(4, 4);
    encoder.pushRows(gradient(4, 2), 2);
    expect(() => encoder.finish()).toThrow(/2 of 4 rows/);
  });
});
