// Redaction before saving, in real Chromium through the editor page: suggested and drawn boxes are
// burned into the pixels as solid fills before hashing, the same text never reaches the CSV, and
// the unredacted pixels are never written anywhere — on save, on cancel, or when the editor closes.
import { PNG } from 'pngjs';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import type { ExhibitApi } from './pages/api';
import { RedactEditorPage, type ImageBox } from './pages/redact';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A viewport rectangle of `selector`, relative to the viewport or to `origin`'s element. */
async function boxOf(page: Page, selector: string, origin?: string): Promise<ImageBox> {
  return page.evaluate(
    ([s, o]) => {
      const r = document.querySelector(s!)!.getBoundingClientRect();
      const base = o ? document.querySelector(o)!.getBoundingClientRect() : { left: -scrollX, top: -scrollY };
      return { x: Math.round(r.left - base.left), y: Math.round(r.top - base.top), width: Math.round(r.width), height: Math.round(r.height) };
    },
    [selector, origin],
  );
}

/** Every pixel of `box` (image pixels, below the banner) as [r, g, b]. */
function pixelsIn(png: Buffer, bannerHeight: number, box: ImageBox): Array<[number, number, number]> {
  const image = PNG.sync.read(png);
  const out: Array<[number, number, number]> = [];
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = ((y + bannerHeight) * image.width + x) * 4;
      out.push([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]);
    }
  }
  return out;
}
const shrink = (b: ImageBox, by: number): ImageBox => ({ x: b.x + by, y: b.y + by, width: b.width - 2 * by, height: b.height - 2 * by });
const allBlack = (px: Array<[number, number, number]>) => px.length > 0 && px.every(([r, g, b]) => r === 0 && g === 0 && b === 0);

/** Everything Exhibit keeps: the SHA-256 of every blob, and the text of every record and CSV. */
async function everythingStored(api: ExhibitApi): Promise<{ blobHashes: string[]; text: string; session: Record<string, unknown> }> {
  return api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
    const blobHashes: string[] = [];
    const texts: string[] = [];
    for (const name of Array.from(db.objectStoreNames)) {
      const rows: unknown[] = await new Promise((resolve) => {
        const q = db.transaction(name).objectStore(name).getAll();
        q.onsuccess = () => resolve(q.result);
      });
      for (const row of rows) {
        texts.push(JSON.stringify(row));
        const blob = (row as { blob?: Blob }).blob;
        if (blob instanceof Blob) {
          const bytes = await blob.arrayBuffer();
          blobHashes.push(hex(await crypto.subtle.digest('SHA-256', bytes)));
          texts.push(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
        }
      }
    }
    db.close();
    return { blobHashes, text: texts.join('\n'), session: await chrome.storage.session.get(null) };
  });
}

test.beforeEach(async ({ api }) => {
  await api.setCapturer();
});

test('a suggested email and a drawn box are burned in as solid fills, kept out of the CSV, and nothing unredacted is stored', async ({ exhibit, api, fixtures }, testInfo) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const email = await boxOf(page, '#ava-email', '#users');
  const name = await boxOf(page, '#users tbody tr:first-child td:first-child', '#users');
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element', selector: '#users', redact: true, controlIds: ['CC6.2'] });

  const editor = await RedactEditorPage.waitFor(exhibit.context);
  expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'running', mode: 'element', stage: 'redacting' });
  // Inside the table: three emails and three phone numbers (the key and card number lie outside it).
  await expect(editor.suggestionItems()).toHaveText(['Email address 1', 'Email address 2', 'Email address 3', 'Phone number 1', 'Phone number 2', 'Phone number 3']);
  const session = await editor.session();
  const original = Buffer.from(session.images[0]!.base64, 'base64');
  const originalSha = sha256(original);
  const emailSuggestion = session.suggestions.find((s) => s.reason === 'email')!;
  expect(emailSuggestion.boxes).toHaveLength(1);
  const suggested = emailSuggestion.boxes[0]!;
  // The suggestion covers the address's text inside its cell.
  expect(suggested.x).toBeGreaterThanOrEqual(email.x);
  expect(suggested.x + suggested.width).toBeLessThanOrEqual(email.x + email.width);
  expect(suggested.y).toBeGreaterThanOrEqual(email.y);
  expect(suggested.y + suggested.height).toBeLessThanOrEqual(email.y + email.height);
  // Before redaction the address's pixels are text on white: not one colour.
  expect(allBlack(pixelsIn(original, 0, suggested))).toBe(false);

  await editor.accept('Email address 1');
  await editor.drawBox(name);
  await expect(editor.manualBoxes()).toHaveCount(1);
  await expect(editor.count()).toHaveText('2 regions will be redacted.');
  await editor.save();
  const result = await reply;
  expect(result.ok, JSON.stringify(result)).toBe(true);
  const summary = (result as { data: { id: string; sha256: string; controlIds: string[] } }).data;
  expect(summary.controlIds).toEqual(['CC6.2']);
  await expect(editor.savedHeading()).toBeVisible();
  expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'saved', captureId: summary.id });

  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.imageHashValid).toBe(true);
  const record = detail.capture;
  expect(record.redaction).toEqual({ regions: 2, reasons: { email: 1, manual: 1 } });
  expect(record).toMatchObject({ mode: 'element', rendering: 'screenshot', element: { tag: 'table', id: 'users' } });
  // A redacted capture carries no element text in its metadata.
  expect(record.element.label).toBeUndefined();
  expect(record.capturedPixelsSha256).not.toBe(originalSha);

  const png = await api.imageBytes(summary.id);
  await writeFile(testInfo.outputPath('redacted.png'), png);
  expect(sha256(png)).toBe(summary.sha256);
  const top = record.image.bannerHeight;
  expect(allBlack(pixelsIn(png, top, suggested))).toBe(true);
  expect(allBlack(pixelsIn(png, top, shrink(name, 2)))).toBe(true);
  // Text that was not redacted is untouched.
  const ben = await boxOf(page, '#users tbody tr:nth-child(2) td:nth-child(2)', '#users');
  expect(allBlack(pixelsIn(png, top, ben))).toBe(false);

  const csv = await api.call({ type: 'captures.table', id: summary.id, name: 'tables/1.csv' });
  expect(csv.hashValid).toBe(true);
  expect(csv.text.split('\r\n')).toEqual([
    'Name,Email,Phone,Role',
    '[REDACTED],[REDACTED],+1 415 555 0132,Super Administrator',
    'Ben Schmidt,ben.schmidt@acme.example,(415) 555-0199,Billing Administrator',
    'Chloe Nguyen,chloe.nguyen@acme.example,+44 20 7946 0958,Read Only',
  ]);

  // Nothing anywhere holds the unredacted pixels or the redacted text, and the session is gone.
  const stored = await everythingStored(api);
  expect(stored.blobHashes).toHaveLength(3);
  expect(stored.blobHashes).not.toContain(originalSha);
  expect(stored.text).not.toContain('ava.okafor@acme.example');
  expect(stored.text).not.toContain('Ava Okafor');
  expect(stored.text).toContain('ben.schmidt@acme.example');
  expect(stored.session).toEqual({});
  const gone = await editor.page.evaluate((id) => chrome.runtime.sendMessage({ type: 'redact.session', sessionId: id }), editor.sessionId());
  expect(gone).toMatchObject({ ok: false, error: { code: 'not-found' } });
});

test('cancelling in the editor stores nothing, drops the pixels and closes the editor', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'visible', redact: true });
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  // The visible part shows the key and the card number too.
  await expect(editor.suggestion('AWS access key id 1')).toBeVisible();
  await expect(editor.suggestion('Card number 1')).toBeVisible();
  await expect(editor.suggestions()).toHaveCount(8);
  expect(Object.keys((await everythingStored(api)).session)).toHaveLength(1);
  const closed = editor.page.waitForEvent('close');
  await editor.cancel();
  expect(await reply).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/cancelled .*nothing was saved/) } });
  await closed;
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  const stored = await everythingStored(api);
  expect(stored.blobHashes).toEqual([]);
  expect(stored.session).toEqual({});
  expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'failed', error: { code: 'capture-failed' } });
});

test('closing the editor tab before saving stores nothing and says so', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'region', rect: { x: 0, y: 0, width: 600, height: 200 }, redact: true });
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  await editor.accept('Email address 1');
  await editor.page.close();
  expect(await reply).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/closed before saving; nothing was saved/) } });
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  const stored = await everythingStored(api);
  expect(stored.blobHashes).toEqual([]);
  expect(stored.session).toEqual({});
});

test('a full page is redacted across its whole height, down to text far below the first viewport', async ({ exhibit, api, fixtures }, testInfo) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const footer = await boxOf(page, '#security-email');
  expect(footer.y).toBeGreaterThan(1200);
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page', redact: true });
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  await expect(editor.suggestions()).toHaveCount(9);
  const session = await editor.session();
  const suggestion = session.suggestions.find((s) => s.reason === 'email' && s.boxes[0]!.y > 1200)!;
  expect(suggestion.boxes[0]!.y).toBeGreaterThanOrEqual(footer.y - 3);
  expect(suggestion.boxes[0]!.y).toBeLessThan(footer.y + footer.height);
  for (const box of await editor.suggestions().all()) await box.check();
  await editor.save();
  const result = await reply;
  expect(result.ok, JSON.stringify(result)).toBe(true);
  const id = (result as { data: { id: string } }).data.id;
  const record = (await api.call({ type: 'captures.get', id })).capture;
  expect(record).toMatchObject({ mode: 'full-page', redaction: { regions: 9, reasons: { email: 4, phone: 3, 'aws-key': 1, card: 1 } } });
  const png = await api.imageBytes(id);
  await writeFile(testInfo.outputPath('full-page-redacted.png'), png);
  expect(allBlack(pixelsIn(png, record.image.bannerHeight, suggestion.boxes[0]!))).toBe(true);
  const stored = await everythingStored(api);
  expect(stored.text).not.toContain('security@acme.example');
  expect(stored.text).not.toContain('AKIAIOSFODNN7EXAMPLE');
  // The thumbnail is made from the redacted pixels too.
  expect(stored.blobHashes).not.toContain(sha256(Buffer.from(session.images[0]!.base64, 'base64')));
});

test('the editor still saves after the browser stops the service worker (the pixels wait in session memory)', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const reply = api.page.evaluate((id) => chrome.runtime.sendMessage({ type: 'capture', tabId: id, mode: 'element', selector: '#users', redact: true }).catch((e: Error) => ({ ok: false, error: { code: 'port', message: e.message } })), await api.tabIdOf(page));
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  await editor.accept('Email address 1');
  const cdp = await exhibit.context.newCDPSession(api.page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  // The request that started the capture loses its answer with the worker, but not the capture.
  expect((await reply).ok).toBe(false);
  await editor.save();
  await expect(editor.savedHeading()).toBeVisible();
  const { items } = await api.call({ type: 'captures.list' });
  expect(items).toHaveLength(1);
  const detail = await api.call({ type: 'captures.get', id: items[0].id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.capture.redaction).toEqual({ regions: 1, reasons: { email: 1 } });
  expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'saved', captureId: items[0].id });
  expect((await everythingStored(api)).session).toEqual({});
  expect((await api.call({ type: 'captures.table', id: items[0].id, name: 'tables/1.csv' })).text).not.toContain('ava.okafor@acme.example');
});

test('capture.cancel while the editor is open closes it and stores nothing', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/secrets-console.html'));
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'visible', redact: true });
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  const job = await api.call({ type: 'capture.last' });
  expect(job).toMatchObject({ state: 'running', stage: 'redacting' });
  const closed = editor.page.waitForEvent('close');
  await api.call({ type: 'capture.cancel', jobId: job.id });
  expect(await reply).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/cancelled while it waited in the redaction editor/) } });
  await closed;
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  expect((await everythingStored(api)).session).toEqual({});
});

test('a full page saved in parts is redacted across the part boundary, each part burned in its own pixels', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.setViewportSize({ width: 800, height: 2000 });
  await page.goto(fixtures.url('/tall-page.html?height=17000'));
  const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page', redact: true });
  const editor = await RedactEditorPage.waitFor(exhibit.context);
  const session = await editor.session();
  expect(session.images.map((i) => i.top)).toEqual([0, 8500]);
  expect([session.width, session.height]).toEqual([800, 17000]);
  // Automation can answer the editor's session itself.
  const box = { x: 100, y: 8400, width: 200, height: 200 };
  const saved = await api.call({ type: 'redact.save', sessionId: editor.sessionId(), regions: [{ reason: 'manual', boxes: [box] }] });
  const result = await reply;
  expect(result).toMatchObject({ ok: true, data: { id: saved.id } });
  const record = (await api.call({ type: 'captures.get', id: saved.id })).capture;
  expect(record.redaction).toEqual({ regions: 1, reasons: { manual: 1 } });
  const parts = record.parts as Array<{ index: number; bannerHeight: number; sha256: string }>;
  expect(parts).toHaveLength(2);
  const bytes = await Promise.all(parts.map(async (p) => Buffer.from((await api.call({ type: 'captures.image', id: saved.id, part: p.index })).base64, 'base64')));
  bytes.forEach((b, i) => expect(sha256(b)).toBe(parts[i]!.sha256));
  expect(allBlack(pixelsIn(bytes[0]!, parts[0]!.bannerHeight, { x: 100, y: 8400, width: 200, height: 100 }))).toBe(true);
  expect(allBlack(pixelsIn(bytes[1]!, parts[1]!.bannerHeight, { x: 100, y: 0, width: 200, height: 100 }))).toBe(true);
  // Right next to the box the page is untouched.
  expect(allBlack(pixelsIn(bytes[1]!, parts[1]!.bannerHeight, { x: 100, y: 100, width: 200, height: 10 }))).toBe(false);
  expect(allBlack(pixelsIn(bytes[0]!, parts[0]!.bannerHeight, { x: 300, y: 8400, width: 10, height: 100 }))).toBe(false);
  const stored = await everythingStored(api);
  for (const image of session.images) expect(stored.blobHashes).not.toContain(sha256(Buffer.from(image.base64, 'base64')));
});
