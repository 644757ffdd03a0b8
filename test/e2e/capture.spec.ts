import { writeFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { createHash, webcrypto } from 'node:crypto';
import canonicalize from 'canonicalize';
import { test, expect } from './fixtures';

test('captures the visible tab as signed evidence with a banner above the pixels', async ({ exhibit, api, fixtures }, testInfo) => {
  await api.setCapturer();
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(page);
  const summary = await api.call({ type: 'capture', tabId, mode: 'visible', controlIds: ['CC6.2'], note: 'Q4 access review' });
  expect(summary.url).toBe(fixtures.url('/sample-console.html'));
  expect(summary.title).toBe('People · Acme Identity Admin');
  expect(summary.controlIds).toEqual(['CC6.2']);

  const png = await api.imageBytes(summary.id);
  expect(createHash('sha256').update(png).digest('hex')).toBe(summary.sha256);
  await writeFile(testInfo.outputPath('evidence.png'), png);
  const decoded = PNG.sync.read(png);
  expect(decoded.width).toBe(summary.width);
  expect(decoded.height).toBe(summary.height);

  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.imageHashValid).toBe(true);
  const bannerHeight = detail.capture.image.bannerHeight;
  expect(bannerHeight).toBeGreaterThan(40);
  expect(decoded.height).toBe(800 + bannerHeight);
  // The banner's dark background sits above the page's blue header.
  const at = (x: number, y: number) => [...decoded.data.subarray((y * decoded.width + x) * 4, (y * decoded.width + x) * 4 + 3)];
  expect(at(2, 2)).toEqual([0x0f, 0x17, 0x2a]);
  expect(at(2, bannerHeight + 5)).toEqual([0x1d, 0x4e, 0xd8]);

  // An independent check of the signature with Node's WebCrypto over RFC 8785 JSON.
  const { signature, ...unsigned } = detail.capture;
  const key = await webcrypto.subtle.importKey('jwk', detail.signerPublicKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const ok = await webcrypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(signature.value, 'base64url'), new TextEncoder().encode(canonicalize(unsigned)!));
  expect(ok).toBe(true);
});
