// Capture thumbnails are made on the offscreen document's thread (lib/capture/thumbnail.ts), which
// bundle export shares: the first capture makes its own and opens the document, later ones use it,
// a closed document or a restarted worker still yields a saved capture with its thumbnail, and an
// export neither breaks on the shared document nor closes it under the captures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { test, expect } from './fixtures';
import type { ExhibitApi } from './pages/api';

const downloadsDir = mkdtempSync(join(tmpdir(), 'exhibit-thumbnail-downloads-'));
test.use({ exhibitLaunch: { downloadsDir } });
test.afterAll(() => rmSync(downloadsDir, { recursive: true, force: true }));

test.beforeEach(async ({ api }) => {
  await api.setCapturer();
});

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);

/** Captures `tabId` and checks its thumbnail is a JPEG of the captured pixels (no banner) 320 px wide; returns where it was made. */
async function captureWithThumbnail(api: ExhibitApi, tabId: number): Promise<'offscreen document' | 'service worker'> {
  const summary = await api.call<{ id: string }>({ type: 'capture', tabId });
  const { capture } = await api.call({ type: 'captures.get', id: summary.id });
  const image = PNG.sync.read(await api.imageBytes(summary.id));
  expect(image.height).toBe(capture.image.height);
  const pixelsHeight = capture.image.height - capture.image.bannerHeight;
  const thumbnail = await api.imageBytes(summary.id, 'thumbnail');
  expect([...thumbnail.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const decoded = await api.page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  }, thumbnail.toString('base64'));
  expect(decoded).toEqual({ width: 320, height: Math.round((pixelsHeight * 320) / capture.image.width) });
  const { captureTimings } = await api.call<{ captureTimings: { spans: { stage: string }[] }[] }>({ type: 'diagnostics' });
  const stages = new Set(captureTimings.at(-1)!.spans.map((s) => s.stage));
  expect(stages.has('thumbnail decode')).toBe(true);
  // The offscreen document decodes with WebCodecs' ImageDecoder and scales the frame; the worker has no ImageDecoder.
  expect(stages.has('thumbnail scale')).toBe(stages.has('thumbnail offscreen'));
  return stages.has('thumbnail offscreen') ? 'offscreen document' : 'service worker';
}

async function offscreenDocuments(api: ExhibitApi): Promise<number> {
  return api.page.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] })).length);
}

test('thumbnails come from the offscreen document once it is open, from the worker when it is not, and survive a restarted worker and an export', async ({ exhibit, api, fixtures }) => {
  test.setTimeout(90_000);
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(page);
  expect(await offscreenDocuments(api)).toBe(0);

  // The first capture does not wait for the document to be created: it makes its thumbnail itself and opens it for the next.
  expect(await captureWithThumbnail(api, tabId)).toBe('service worker');
  await expect.poll(() => offscreenDocuments(api)).toBe(1);
  expect(await captureWithThumbnail(api, tabId)).toBe('offscreen document');

  // Closed under the captures (as an export used to do): the next capture still saves with its thumbnail, and opens it again.
  await api.page.evaluate(() => chrome.offscreen.closeDocument());
  expect(await offscreenDocuments(api)).toBe(0);
  expect(await captureWithThumbnail(api, tabId)).toBe('service worker');
  await expect.poll(() => offscreenDocuments(api)).toBe(1);

  // The browser stops the worker: the document lives on, and the fresh worker finds it.
  const cdp = await exhibit.context.newCDPSession(api.page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await expect.poll(async () => (await api.request({ type: 'capture.last' })).ok, { timeout: 10_000 }).toBe(true);
  expect(await offscreenDocuments(api)).toBe(1);
  expect(await captureWithThumbnail(api, tabId)).toBe('offscreen document');

  // An export runs on the same document and leaves it open for the captures.
  const exported = await api.call({ type: 'bundle.export', from: isoDay(-1), to: isoDay(1), timeZone: 'UTC' });
  expect(exported.captures).toBe(4);
  expect(exported.files[0].path).toContain(downloadsDir);
  expect(await offscreenDocuments(api)).toBe(1);
  expect(await captureWithThumbnail(api, tabId)).toBe('offscreen document');

  // Every capture's job is saved.
  const jobs = await api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((r) => (open.onsuccess = () => r(open.result)));
    const rows: Array<{ state: string }> = await new Promise((r) => {
      const q = db.transaction('jobs').objectStore('jobs').getAll();
      q.onsuccess = () => r(q.result);
    });
    db.close();
    return rows.map((j) => j.state);
  });
  expect(jobs).toEqual(Array(5).fill('saved'));
});
