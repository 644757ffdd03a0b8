import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { deflateSync } from 'node:zlib';
import { adler32, adler32Combine, canSpliceBanner, encodePngRgba, PngRowEncoder, readPngHeader, spliceBannerAbove } from '@/lib/capture/png';

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

  it('works on a large image split over several IDAT chunks', () => {
    const width = 1200;
    const height = 900;
    const pixels = gradient(width, height);
    const png = encodePngRgba(pixels, width, height);
    const out = PNG.sync.read(Buffer.from(spliceBannerAbove(png, solid(width, 40, [1, 2, 3]), 40)));
    expect(out.height).toBe(940);
    expect(Buffer.compare(Buffer.from(out.data.subarray(40 * width * 4)), Buffer.from(pixels))).toBe(0);
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
