// Full-page captures in real Chromium: real pixels stitched from scrolled viewports.
import { PNG } from 'pngjs';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { test, expect } from './fixtures';
import { RedactEditorPage } from './pages/redact';

type Rgb = [number, number, number];
function pixels(png: Buffer) {
  const image = PNG.sync.read(png);
  const at = (x: number, y: number): Rgb => {
    const i = (y * image.width + x) * 4;
    return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
  };
  const near = (a: Rgb, b: Rgb, tolerance = 12) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
  return { image, at, near };
}

const PURPLE: Rgb = [0x7c, 0x3a, 0xed];
const ORANGE: Rgb = [0xf9, 0x73, 0x16];
const GREEN: Rgb = [0x16, 0xa3, 0x4a];

test.beforeEach(async ({ api }) => {
  await api.setCapturer();
});

test('a 12,000 px page becomes one seamless image: sticky header and fixed widget once, the end of the page present, scroll restored', async ({ exhibit, api, fixtures }, testInfo) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/long-page.html'));
  await page.evaluate(() => window.scrollTo(0, 500));
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page' });
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.capture.mode).toBe('full-page');
  expect(detail.capture.fullPage).toMatchObject({ container: 'document', tiles: 15, contentHeight: 12000, truncated: false });
  expect(detail.capture.parts).toBeUndefined();

  const png = await api.imageBytes(summary.id);
  expect(createHash('sha256').update(png).digest('hex')).toBe(summary.sha256);
  await writeFile(testInfo.outputPath('full-page.png'), png);
  const { image, at, near } = pixels(png);
  const top = detail.capture.image.bannerHeight;
  expect(image.width).toBe(1280);
  expect(image.height).toBe(top + 12000);

  // The sticky header shows at the top of the page and nowhere else.
  expect(near(at(640, top + 30), PURPLE)).toBe(true);
  for (let tile = 1; tile < 15; tile++) expect(near(at(640, top + tile * 800 + 30), PURPLE), `header repeated in tile ${tile + 1}`).toBe(false);
  // The fixed help widget (bottom right of the first viewport) is shown once.
  const widgetRows = [];
  for (let y = top; y < image.height; y += 4) if (near(at(1280 - 16 - 70, y), ORANGE)) widgetRows.push(y - top);
  expect(widgetRows.length).toBeGreaterThan(0);
  expect(Math.max(...widgetRows)).toBeLessThan(800);
  // The end of the page made it in.
  expect(near(at(100, image.height - 50), GREEN)).toBe(true);
  // The page is back where the person left it.
  expect(await page.evaluate(() => window.scrollY)).toBe(500);
  expect(await page.evaluate(() => getComputedStyle(document.querySelector('#help')!).visibility)).toBe('visible');
});

test('an inner-scrolling console panel is stitched in full, with the frame around it shown once', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/inner-scroll.html'));
  const panel = await page.evaluate(() => {
    const el = document.querySelector('#panel')!;
    el.scrollTop = 300;
    return { scrollHeight: el.scrollHeight, clientHeight: el.clientHeight };
  });
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page' });
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.capture.fullPage).toMatchObject({ container: 'element', contentHeight: panel.scrollHeight });
  const { image, at, near } = pixels(await api.imageBytes(summary.id));
  const top = detail.capture.image.bannerHeight;
  expect(image.height).toBe(top + 800 + panel.scrollHeight - panel.clientHeight);
  // The last row of the list is there, at the bottom of the grown panel.
  const lastRowY = top + 56 + panel.scrollHeight - 20;
  expect(near(at(600, lastRowY), [0xbe, 0x12, 0x3c])).toBe(true);
  // Every user row is present once: the first and a middle one.
  expect(near(at(100, top + 100), [0x13, 0x4e, 0x4a])).toBe(true);
  expect(near(at(100, top + 2000), [0x13, 0x4e, 0x4a])).toBe(false);
  expect(await page.evaluate(() => document.querySelector('#panel')!.scrollTop)).toBe(300);
});

test('a page past the canvas limit is saved as numbered parts, each with its banner and hash', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.setViewportSize({ width: 800, height: 2000 });
  await page.goto(fixtures.url('/tall-page.html?height=17000'));
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page' });
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  const parts = detail.capture.parts;
  expect(parts).toHaveLength(2);
  expect(parts.map((p: { index: number; name: string }) => [p.index, p.name])).toEqual([
    [1, 'image.png'],
    [2, 'image-part-2.png'],
  ]);
  let stitched = 0;
  for (const part of parts) {
    const bytes = Buffer.from((await api.call({ type: 'captures.image', id: summary.id, part: part.index })).base64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(part.sha256);
    const { image } = pixels(bytes);
    expect(image.height).toBe(part.height);
    expect(image.height).toBeLessThanOrEqual(16_384);
    stitched += part.height - part.bannerHeight;
  }
  expect(stitched).toBe(17_000);
});

test('a full-page capture reports progress, can be cancelled, and leaves nothing behind', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/long-page.html'));
  const tabId = await api.tabIdOf(page);
  const reply = api.request({ type: 'capture', tabId, mode: 'full-page' });
  await expect.poll(async () => (await api.call({ type: 'capture.last' }))?.progress?.done ?? 0, { timeout: 10_000, intervals: [100] }).toBeGreaterThanOrEqual(2);
  const job = await api.call({ type: 'capture.last' });
  expect(job).toMatchObject({ state: 'running', mode: 'full-page', progress: { total: 15 } });
  await api.call({ type: 'capture.cancel', jobId: job.id });
  expect(await reply).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/cancelled/) } });
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  expect(await page.evaluate(() => [window.scrollY, getComputedStyle(document.querySelector('header')!).visibility])).toEqual([0, 'visible']);
});

for (const [layout, path] of [
  ['the page scrolls', '/long-table.html'],
  ['a console panel scrolls', '/long-table.html?panel'],
] as const) {
  test(`a full-page capture stores every row of a long table, with and without redaction (${layout})`, async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url(path));
    const tabId = await api.tabIdOf(page);
    // The person left the page scrolled to the middle of the table: its rows are read over the whole image, not from where they were.
    const scrollMiddle = () => page.evaluate(() => (document.documentElement.classList.contains('panel') ? (document.querySelector('main')!.scrollTop = 2500) : window.scrollTo(0, 2500)));
    const expected = ['Name,Email,Role,MFA', ...Array.from({ length: 180 }, (_, i) => {
      const n = String(i + 1).padStart(3, '0');
      return `User ${n},user-${n}@acme.example,${['Owner', 'Admin', 'Member', 'Viewer'][(i + 1) % 4]},${(i + 1) % 7 ? 'enabled' : 'disabled'}`;
    })];

    await scrollMiddle();
    const plain = await api.call({ type: 'capture', tabId, mode: 'full-page' });
    const plainRecord = (await api.call({ type: 'captures.get', id: plain.id })).capture;
    expect(plainRecord.fullPage.truncated).toBe(false);
    expect(plainRecord.tables).toEqual([expect.objectContaining({ name: 'tables/1.csv', caption: 'Organization members', rowCount: 180, virtualized: false })]);
    expect(plainRecord.tables[0].renderedRowCount).toBeUndefined();
    const plainCsv = await api.call({ type: 'captures.table', id: plain.id, name: 'tables/1.csv' });
    expect(plainCsv.hashValid).toBe(true);
    expect(plainCsv.text.split('\r\n')).toEqual(expected);

    await scrollMiddle();
    const reply = api.request({ type: 'capture', tabId, mode: 'full-page', redact: true });
    const editor = await RedactEditorPage.waitFor(exhibit.context);
    const saved = await api.call({ type: 'redact.save', sessionId: editor.sessionId(), regions: [] });
    expect(await reply).toMatchObject({ ok: true, data: { id: saved.id } });
    const redactedRecord = (await api.call({ type: 'captures.get', id: saved.id })).capture;
    expect(redactedRecord.tables).toEqual([expect.objectContaining({ name: 'tables/1.csv', rowCount: 180 })]);
    const redactedCsv = await api.call({ type: 'captures.table', id: saved.id, name: 'tables/1.csv' });
    expect(redactedCsv.text).toBe(plainCsv.text);
  });
}
