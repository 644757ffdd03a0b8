// Element and region captures in real Chromium: real pixels cut out of the viewport at the
// device pixel ratio, a DOM rendering only for an element taller than the window, the picker
// driven by the mouse, and the faults around them.
import { PNG } from 'pngjs';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';

type Rgb = [number, number, number];
function pixels(png: Buffer) {
  const image = PNG.sync.read(png);
  const at = (x: number, y: number): Rgb => {
    const i = (y * image.width + x) * 4;
    return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
  };
  const near = (a: Rgb, b: Rgb, tolerance = 10) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);
  return { image, at, near };
}

const GREEN: Rgb = [0x16, 0xa3, 0x4a];
const RED: Rgb = [0xdc, 0x26, 0x26];
const PURPLE: Rgb = [0x7c, 0x3a, 0xed];
const AMBER: Rgb = [0xf5, 0x9e, 0x0b];

async function elementBox(page: Page, selector: string) {
  return page.evaluate((s) => {
    const r = document.querySelector(s)!.getBoundingClientRect();
    return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
  }, selector);
}

test.beforeEach(async ({ api }) => {
  await api.setCapturer();
});

test('an element captured by selector is scrolled into view and cut from real pixels at its exact size', async ({ exhibit, api, fixtures }, testInfo) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/element-console.html'));
  const box = await elementBox(page, '#status-card');
  // Below the fold: the capture must scroll it into view, then put the page back.
  expect(box.y).toBeGreaterThan(800);
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element', selector: '#status-card', controlIds: ['A1.2'] });
  expect(summary.mode).toBe('element');
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.imageHashValid).toBe(true);
  const record = detail.capture;
  expect(record).toMatchObject({ mode: 'element', rendering: 'screenshot', element: { tag: 'div', id: 'status-card', label: 'Backup status' }, region: box });
  expect(record.context.consoleUser).toBe('ops-admin@acme.example');

  const png = await api.imageBytes(summary.id);
  expect(createHash('sha256').update(png).digest('hex')).toBe(summary.sha256);
  await writeFile(testInfo.outputPath('element.png'), png);
  const { image, at, near } = pixels(png);
  const top = record.image.bannerHeight;
  expect([image.width, image.height - top]).toEqual([400, 200]);
  // Every pixel of the element, and nothing around it: green left half, red right half, edge to edge.
  const wrong: string[] = [];
  for (let y = 0; y < 200; y++) for (let x = 0; x < 400; x++) if (!near(at(x, top + y), x < 200 ? GREEN : RED)) wrong.push(`${x},${y}`);
  expect(wrong.slice(0, 10)).toEqual([]);
  // The element's table-free area stores no tables; the page is back where it was.
  expect(record.tables).toBeUndefined();
  expect(await page.evaluate(() => scrollY)).toBe(0);
});

test.describe('on a display with a device pixel ratio of 2', () => {
  // No Playwright viewport emulation: it would pin the ratio to 1. The browser's own scale factor decides.
  test.use({ exhibitLaunch: { viewport: null, args: ['--force-device-scale-factor=2', '--window-size=1280,900'] } });

  test('the crop has twice the CSS size, and the banner is drawn at that scale', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    expect(await page.evaluate(() => devicePixelRatio)).toBe(2);
    const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element', selector: '#status-card' });
    const detail = await api.call({ type: 'captures.get', id: summary.id });
    expect(detail.capture.devicePixelRatio).toBe(2);
    const { image, at, near } = pixels(await api.imageBytes(summary.id));
    const top = detail.capture.image.bannerHeight;
    expect([image.width, image.height - top]).toEqual([800, 400]);
    expect(near(at(1, top + 1), GREEN)).toBe(true);
    expect(near(at(398, top + 398), GREEN)).toBe(true);
    expect(near(at(401, top + 1), RED)).toBe(true);
    expect(near(at(798, top + 398), RED)).toBe(true);
    // 13 px type at twice the density: at least five 18 px rows of text, doubled.
    expect(top).toBeGreaterThanOrEqual((16 + 18 * 5 + 2) * 2);
  });
});

test('a region captured by rectangle keeps the rows of the table inside it', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/element-console.html'));
  const table = await elementBox(page, '#plans');
  // The caption, header and first two data rows; the third row is outside.
  const rows = await page.evaluate(() => Array.from(document.querySelectorAll('#plans tbody tr'), (r) => { const b = r.getBoundingClientRect(); return { top: b.top + scrollY, bottom: b.bottom + scrollY }; }));
  const rect = { x: table.x, y: table.y, width: 300, height: Math.round(rows[1]!.bottom - table.y - 2) };
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'region', rect });
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  const record = detail.capture;
  expect(record).toMatchObject({ mode: 'region', rendering: 'screenshot', region: rect });
  expect(record.element).toBeUndefined();
  const image = PNG.sync.read(await api.imageBytes(summary.id));
  expect([image.width, image.height - record.image.bannerHeight]).toEqual([rect.width, rect.height]);
  expect(record.tables).toHaveLength(1);
  const csv = await api.call({ type: 'captures.table', id: summary.id, name: 'tables/1.csv' });
  expect(csv.hashValid).toBe(true);
  expect(csv.text).toBe('Plan,Schedule,Retention\r\nprod-db-daily,Daily 02:00 UTC,35 days\r\nprod-files-weekly,Sundays 03:00 UTC,12 weeks');
  expect(record.tables[0]).toMatchObject({ caption: 'Backup plans', rowCount: 2, renderedRowCount: 3 });
});

test('an element taller than the window is drawn from the DOM and says so, in the record and the banner', async ({ exhibit, api, fixtures }, testInfo) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/element-console.html'));
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element', selector: '#audit-log' });
  const detail = await api.call({ type: 'captures.get', id: summary.id });
  expect(detail.signatureValid).toBe(true);
  expect(detail.capture).toMatchObject({ mode: 'element', rendering: 'dom', element: { id: 'audit-log', label: 'Audit log' } });
  const png = await api.imageBytes(summary.id);
  await writeFile(testInfo.outputPath('dom-rendering.png'), png);
  const { image, at, near } = pixels(png);
  const top = detail.capture.image.bannerHeight;
  expect([image.width, image.height - top]).toEqual([500, 2400]);
  // Rows all the way down, amber and purple in turn; the oklch-coloured first row did not stop html2canvas.
  expect(near(at(400, top + 150), AMBER)).toBe(true);
  expect(near(at(400, top + 250), PURPLE)).toBe(true);
  expect(near(at(400, top + 2250), PURPLE)).toBe(true);
  expect(near(at(400, top + 2350), AMBER)).toBe(true);
  const [r, g, b] = at(400, top + 50);
  expect(Math.min(r, g, b)).toBeGreaterThan(215);
  expect(b).toBeGreaterThan(r);
  // One more banner line than a plain screenshot's four.
  const visible = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'visible' });
  const plain = (await api.call({ type: 'captures.get', id: visible.id })).capture.image.bannerHeight;
  expect(top).toBeGreaterThan(plain);
});

test('bad selectors, hidden elements and oversized regions are refused with clear errors and nothing is stored', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/element-console.html'));
  const tabId = await api.tabIdOf(page);
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ mode: 'element', selector: 'div[' }, 'invalid-request', /not a valid CSS selector/],
    [{ mode: 'element', selector: '#nope' }, 'invalid-request', /No element .* matches the selector "#nope"/],
    [{ mode: 'element', selector: '#empty' }, 'capture-failed', /has no size/],
    [{ mode: 'region', rect: { x: 0, y: 0, width: 2000, height: 300 } }, 'invalid-request', /bigger than the window/],
    [{ mode: 'visible', selector: '#plans' }, 'invalid-request', /selector is for mode "element"/],
    [{ mode: 'element', rect: { x: 0, y: 0, width: 10, height: 10 } }, 'invalid-request', /rect is for mode "region"/],
  ];
  for (const [params, code, message] of cases) {
    const reply = await api.request({ type: 'capture', tabId, ...params });
    expect(reply, JSON.stringify(params)).toMatchObject({ ok: false, error: { code, message: expect.stringMatching(message) } });
  }
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  expect(await page.evaluate(() => scrollY)).toBe(0);
});

test.describe('the picker', () => {
  test('hover highlights, ↑ widens to the parent, a click captures that element', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    await page.evaluate(() => window.scrollTo(0, 600));
    const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element', controlIds: ['A1.2'] });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'running', stage: 'picking' });
    const half = (await page.locator('#status-card .ok').boundingBox())!;
    await page.mouse.move(half.x + 40, half.y + 40, { steps: 3 });
    await page.keyboard.press('ArrowUp');
    await page.mouse.click(half.x + 40, half.y + 40);
    const result = await reply;
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const id = (result as { data: { id: string } }).data.id;
    const detail = await api.call({ type: 'captures.get', id });
    expect(detail.capture).toMatchObject({ mode: 'element', element: { id: 'status-card' }, region: await elementBox(page, '#status-card') });
    expect(detail.annotation.controlIds).toEqual(['A1.2']);
    const { image, at, near } = pixels(await api.imageBytes(id));
    const top = detail.capture.image.bannerHeight;
    expect([image.width, image.height - top]).toEqual([400, 200]);
    expect(near(at(10, top + 10), GREEN) && near(at(390, top + 190), RED)).toBe(true);
    // The overlay is gone, the page did not see the click, and it is scrolled where it was.
    await expect(page.locator('exhibit-picker')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { pageClicks: number }).pageClicks)).toBe(0);
    expect(await page.evaluate(() => scrollY)).toBe(600);
    expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'saved', captureId: id });
  });

  test('the picker lies above the page’s own sticky and fixed layers: their elements can be picked too', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    await page.evaluate(() => window.scrollTo(0, 400));
    const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element' });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    // The sticky header (z-index 10) at the top of the window, under the picker's instructions:
    // pointing at it moves them to the bottom edge.
    await page.mouse.move(900, 30, { steps: 2 });
    await page.mouse.move(1100, 30, { steps: 2 });
    await page.mouse.move(900, 30, { steps: 2 });
    await page.mouse.click(900, 30);
    const result = await reply;
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const record = (await api.call({ type: 'captures.get', id: (result as { data: { id: string } }).data.id })).capture;
    expect(record.element.tag).toBe('header');
    expect(record.region).toMatchObject({ x: 0, y: 400, height: 56 });
    const { at, near } = pixels(await api.imageBytes(record.id));
    expect(near(at(5, record.image.bannerHeight + 5), [0x1d, 0x4e, 0xd8])).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { pageClicks: number }).pageClicks)).toBe(0);
  });

  test('a drag captures the rectangle drawn, in page coordinates', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    await page.evaluate(() => window.scrollTo(0, 300));
    const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'region' });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    await page.mouse.move(120, 200);
    await page.mouse.down();
    await page.mouse.move(300, 300, { steps: 5 });
    await page.mouse.move(420, 360, { steps: 5 });
    await page.mouse.up();
    const result = await reply;
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const id = (result as { data: { id: string } }).data.id;
    const record = (await api.call({ type: 'captures.get', id })).capture;
    expect(record).toMatchObject({ mode: 'region', rendering: 'screenshot', region: { x: 120, y: 500, width: 300, height: 160 } });
    const image = PNG.sync.read(await api.imageBytes(id));
    expect([image.width, image.height - record.image.bannerHeight]).toEqual([300, 160]);
  });

  test('Esc cancels and nothing is captured', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element' });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    await page.mouse.move(300, 300);
    await page.keyboard.press('Escape');
    expect(await reply).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/cancelled the pick; nothing was captured/) } });
    await expect(page.locator('exhibit-picker')).toHaveCount(0);
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  });

  test('only the injected picker can answer: a result with another nonce is refused and the pick goes on', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    const tabId = await api.tabIdOf(page);
    const reply = api.request({ type: 'capture', tabId, mode: 'region' });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    // The page's own scripts have no extension messaging at all.
    expect(await page.evaluate(() => typeof (globalThis as { chrome?: { runtime?: { sendMessage?: unknown } } }).chrome?.runtime?.sendMessage)).toBe('undefined');
    // A script in the extension's world of that tab, without the nonce, is refused.
    const [forged] = await api.page.evaluate(
      (id) =>
        chrome.scripting.executeScript({
          target: { tabId: id },
          func: () => chrome.runtime.sendMessage({ type: 'picker.result', nonce: '0'.repeat(32), outcome: { kind: 'region', rect: { x: 0, y: 0, width: 50, height: 50 } } }),
        }),
      tabId,
    );
    expect(forged!.result).toEqual({ ok: false });
    // From an extension page it is not a message of the protocol at all.
    expect(await api.request({ type: 'picker.result', nonce: '0'.repeat(32), outcome: { kind: 'cancelled' } })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'running', stage: 'picking' });
    await page.keyboard.press('Escape');
    expect(await reply).toMatchObject({ ok: false });
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  });

  test('closing the tab while the person picks fails clearly and stores nothing', async ({ exhibit, api, fixtures }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    const reply = api.request({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'element' });
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    await page.close();
    expect(await reply).toMatchObject({ ok: false, error: { code: 'tab-not-found', message: expect.stringMatching(/closed while you were picking; nothing was captured/) } });
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
    expect(await api.call({ type: 'capture.last' })).toMatchObject({ state: 'failed', error: { code: 'tab-not-found' } });
  });
});

test.describe('the popup’s capture modes', () => {
  test('“Element or region” starts the picker from the popup, and the choice is remembered', async ({ exhibit, api, fixtures, popup }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/element-console.html'));
    await page.evaluate(() => window.scrollTo(0, 600));
    const tabId = await api.tabIdOf(page);
    await popup.open(tabId);
    await expect(popup.modeOption('Visible part')).toBeChecked();
    await popup.chooseMode('Element or region');
    await expect(popup.startButton()).toHaveText(/Pick element or region/);
    await popup.startButton().click();
    await expect(popup.captureStatus()).toHaveText(/Pick an element \(click\) or a region \(drag\)/);
    await expect(page.locator('exhibit-picker')).toHaveCount(1);
    const half = (await page.locator('#status-card .bad').boundingBox())!;
    await page.mouse.move(half.x + 20, half.y + 20);
    await page.mouse.click(half.x + 20, half.y + 20);
    await expect(popup.savedHeading()).toBeVisible();
    const id = (await popup.captureId().innerText()).trim();
    const record = (await api.call({ type: 'captures.get', id })).capture;
    expect(record).toMatchObject({ mode: 'element', region: { width: 200, height: 200 } });
    // The next popup opens on the same choice.
    await popup.open(tabId);
    await expect(popup.modeOption('Element or region')).toBeChecked();
  });

  test('“Full page” shows its progress, and Cancel stops it with nothing stored', async ({ exhibit, api, fixtures, popup }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/long-page.html'));
    await popup.open(await api.tabIdOf(page));
    await popup.chooseMode('Full page');
    await expect(popup.startButton()).toHaveText(/Capture full page/);
    await popup.startButton().click();
    await expect(popup.progress()).toBeVisible();
    await expect(popup.captureStatus()).toHaveText(/Capturing the full page: \d+ of 15 viewports/);
    await popup.cancelCapture();
    await expect(popup.alerts()).toContainText(/cancelled; nothing was saved/);
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  });

  test('“Redact before saving” opens the editor before anything is stored', async ({ exhibit, api, fixtures, popup }) => {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url('/secrets-console.html'));
    await popup.open(await api.tabIdOf(page));
    await popup.chooseMode('Visible part');
    await popup.redactOption().check();
    await popup.startButton().click();
    const editor = await exhibit.context.waitForEvent('page', { predicate: (p) => p.url().includes('/redact.html#') });
    await editor.getByRole('application', { name: /drag to draw a redaction box/ }).waitFor();
    await expect(popup.captureStatus()).toHaveText(/redaction boxes in the editor tab/);
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
    await editor.getByRole('button', { name: 'Save redacted evidence' }).click();
    await expect(popup.savedHeading()).toBeVisible();
    const id = (await popup.captureId().innerText()).trim();
    expect((await api.call({ type: 'captures.get', id })).capture.redaction).toEqual({ regions: 0, reasons: {} });
  });
});
