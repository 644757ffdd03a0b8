// Evidence bundles end to end: capture fixture pages in real Chromium, export through the
// dashboard, read the downloaded zip from disk, verify it with the CLI, open its index.html,
// tamper with it and watch the verifier fail; the message API's export; and a 2,000-capture export.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import JSZip from 'jszip';
import { test, expect } from './fixtures';
import { BundlesPage } from './pages/bundles';

const BIN = resolve(import.meta.dirname, '../../bin/exhibit.mjs');
const downloadsDir = mkdtempSync(join(tmpdir(), 'exhibit-downloads-'));
const work = mkdtempSync(join(tmpdir(), 'exhibit-bundle-e2e-'));
test.use({ exhibitLaunch: { downloadsDir } });
test.afterAll(() => {
  rmSync(downloadsDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

async function downloaded(fileName: string): Promise<string> {
  const path = join(downloadsDir, fileName);
  await expect.poll(() => existsSync(path) && !existsSync(`${path}.crdownload`), { timeout: 30_000 }).toBe(true);
  return path;
}

async function extract(zipPath: string, into: string): Promise<string> {
  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  for (const [name, entry] of Object.entries(zip.files)) {
    if (entry.dir) continue;
    mkdirSync(dirname(join(into, name)), { recursive: true });
    writeFileSync(join(into, name), await entry.async('uint8array'));
  }
  return join(into, Object.keys(zip.files)[0]!.split('/')[0]!);
}

const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);

test('exports through the dashboard a bundle the CLI verifies, whose index renders safely, and that fails once tampered', async ({ exhibit, api, fixtures }) => {
  await api.setCapturer();
  await api.call({ type: 'settings.set', organization: 'Acme' });
  const { signingKeyFingerprint: fingerprint } = await api.call({ type: 'settings.get' });
  const shots = [
    { path: '/sample-console.html', controlIds: ['CC6.2'], note: 'Q4 access review' },
    { path: '/hostile.html', controlIds: ['CC8.1'], note: '=HYPERLINK("http://127.0.0.1/x","click")' },
    { path: '/titled?title=Backup%20plans', controlIds: [], note: '' },
  ];
  const titles: string[] = [];
  for (const shot of shots) {
    const page = await exhibit.context.newPage();
    await page.goto(fixtures.url(shot.path));
    const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), controlIds: shot.controlIds, note: shot.note });
    titles.push(summary.title);
    await page.close();
  }
  expect(titles[1]).toContain('<img src=x onerror=');

  // Export through the dashboard; the zip lands in Downloads under its real name.
  const bundles = await BundlesPage.open(exhibit);
  const { fileName, summary } = await bundles.exportRange(isoDay(-1), isoDay(1));
  expect(fileName).toBe(`exhibit-Acme-${isoDay(-1)}-to-${isoDay(1)}-${isoDay(0)}.zip`);
  expect(summary).toMatch(/Exported 3 captures .* every file was read back and verified/);
  const zipPath = await downloaded(fileName);

  // The CLI verifies it, pinned to the key the dashboard shows.
  await expect(bundles.keyRow(fingerprint)).toContainText('This browser');
  const good = await cli('verify', zipPath, '--expect-key', fingerprint);
  expect(good.stdout).toMatch(/^OK .*3 captures/);
  expect(good.code).toBe(0);

  // index.html renders offline, lists the captures, and runs nothing from page content.
  const bag = await extract(zipPath, join(work, 'good'));
  const index = await exhibit.context.newPage();
  const dialogs: string[] = [];
  index.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const requests: string[] = [];
  index.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await index.goto(pathToFileURL(join(bag, 'data', 'index.html')).href);
  await expect(index).toHaveTitle(/^SOC 2 evidence — Acme — /);
  for (const title of titles) await expect(index.locator('#all')).toContainText(title);
  await expect(index.locator('section', { has: index.getByRole('heading', { name: /^CC6\.2/ }) })).toContainText('People · Acme Identity Admin');
  await expect(index.locator('section#untagged')).toContainText('Backup plans');
  expect(await index.locator('script').count()).toBe(0);
  expect(await index.locator('img[src="x"]').count()).toBe(0);
  const thumbs = index.locator('article.evidence img');
  expect(await thumbs.count()).toBe(3);
  await expect.poll(() => thumbs.evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0))).toBe(true);
  await index.waitForTimeout(300);
  expect(dialogs).toEqual([]);
  expect(requests).toEqual([]);
  expect(await index.title()).not.toBe('pwned');

  // One flipped bit in an evidence image: the CLI names the file, the dashboard too.
  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  const png = Object.keys(zip.files).find((n) => n.includes('/data/controls/CC8.1/') && n.endsWith('.png'))!;
  const bytes = await zip.file(png)!.async('uint8array');
  bytes[bytes.length - 30]! ^= 0x01;
  zip.file(png, bytes);
  const tamperedPath = join(work, 'tampered.zip');
  writeFileSync(tamperedPath, await zip.generateAsync({ type: 'uint8array', compression: 'STORE' }));
  const bad = await cli('verify', tamperedPath);
  expect(bad.code).toBe(1);
  const rel = png.slice(png.indexOf('/') + 1);
  expect(bad.stdout).toContain(`FAIL ${rel}: SHA-256 is`);
  expect(bad.stdout).toMatch(/^FAILED tampered\.zip: 2 problems in 1 file/m);

  const badResult = await bundles.verify(tamperedPath);
  await expect(badResult).toContainText('does not verify: 2 problems in 1 file');
  await expect(badResult).toContainText(rel);
  const goodResult = await bundles.verify(zipPath, fingerprint);
  await expect(goodResult).toContainText('verifies: 3 captures');

  // Importing it into the same library skips what is there; the tampered one is refused.
  await expect(await bundles.import(zipPath)).toContainText('Imported 0 new captures; skipped 3 captures already in the library.');
  const refused = await bundles.import(tamperedPath);
  await expect(refused).toContainText('failed verification, so nothing was imported');
  await expect(refused.getByRole('table', { name: 'Import problems' })).toContainText(rel);

  // The message API exports the same through an offscreen document and chrome.downloads.
  const viaApi = await api.call({ type: 'bundle.export', from: isoDay(-1), to: isoDay(1), timeZone: 'UTC', controlIds: ['CC6.2'] });
  expect(viaApi.captures).toBe(1);
  expect(viaApi.files).toHaveLength(1);
  expect(viaApi.files[0].path).toBe(join(downloadsDir, viaApi.files[0].fileName.replace(/\.zip$/, ' (1).zip')));
  const apiCheck = await cli('verify', viaApi.files[0].path, '--json', '--expect-key', fingerprint);
  expect(apiCheck.code).toBe(0);
  expect(JSON.parse(apiCheck.stdout).captures).toBe(1);
});

test('a full-page capture saved in parts travels in the bundle: every part exported, verified, named when removed, imported back', async ({ exhibit, api, fixtures }) => {
  await api.setCapturer();
  const page = await exhibit.context.newPage();
  await page.setViewportSize({ width: 800, height: 2000 });
  await page.goto(fixtures.url('/tall-page.html?height=17000'));
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(page), mode: 'full-page', controlIds: ['CC6.2'] });
  await page.close();
  const { capture } = await api.call({ type: 'captures.get', id: summary.id });
  expect(capture.parts).toHaveLength(2);

  const exported = await api.call({ type: 'bundle.export', from: isoDay(-1), to: isoDay(1), timeZone: 'UTC' });
  const zipPath = exported.files[0].path;
  const ok = await cli('verify', zipPath, '--json');
  expect(JSON.parse(ok.stdout).problems).toEqual([]);
  expect(ok.code).toBe(0);

  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  const names = Object.keys(zip.files);
  const sidecarName = names.find((n) => n.includes('/data/controls/CC6.2/') && n.endsWith('.json'))!;
  const sidecar = JSON.parse(await zip.file(sidecarName)!.async('string'));
  const stem = sidecar.files.image.replace(/\.png$/, '');
  expect(sidecar.files.parts).toEqual([`${stem}.png`, `${stem}_part-2.png`]);
  const folder = sidecarName.slice(0, sidecarName.lastIndexOf('/') + 1);
  for (const [i, part] of capture.parts.entries()) {
    const bytes = await zip.file(folder + sidecar.files.parts[i])!.async('uint8array');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(part.sha256);
    const stored = Buffer.from((await api.call({ type: 'captures.image', id: summary.id, part: part.index })).base64, 'base64');
    expect(Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
  }
  const html = await zip.file(names.find((n) => n.endsWith('/data/index.html'))!)!.async('string');
  expect(html).toContain(`>part 2 of 2</a>`);

  // Part 2 removed from the zip: the CLI names it.
  const partPath = folder + sidecar.files.parts[1];
  zip.remove(partPath);
  const tamperedPath = join(work, 'without-part-2.zip');
  writeFileSync(tamperedPath, await zip.generateAsync({ type: 'uint8array', compression: 'STORE' }));
  const bad = await cli('verify', tamperedPath);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(`FAIL ${partPath.slice(partPath.indexOf('/') + 1)}: part 2 of 2 of capture ${summary.id}`);

  // Imported into an empty library (after removing the capture here), both parts come back.
  await exhibit.serviceWorker.evaluate(() => new Promise<void>((done, fail) => {
    const req = indexedDB.open('exhibit');
    req.onsuccess = () => {
      const tx = req.result.transaction(['captures', 'blobs'], 'readwrite');
      tx.objectStore('captures').clear();
      tx.objectStore('blobs').clear();
      tx.oncomplete = () => done();
      tx.onerror = () => fail(tx.error);
    };
    req.onerror = () => fail(req.error);
  }));
  const imported = await api.call({ type: 'bundle.import', source: { base64: readFileSync(zipPath).toString('base64'), name: 'parts.zip' } });
  expect(imported.added).toEqual([summary.id]);
  for (const part of capture.parts) {
    const back = Buffer.from((await api.call({ type: 'captures.image', id: summary.id, part: part.index })).base64, 'base64');
    expect(createHash('sha256').update(back).digest('hex')).toBe(part.sha256);
  }
});

test('exports 2,000 captures without running out of memory', async ({ exhibit, api }) => {
  test.setTimeout(120_000);
  // A teammate's 2,000 signed captures, made in Node with the library's own code, arrive as a bundle.
  const made = await import('./support/teammate-bundle');
  const started = Date.now();
  const teammate = await made.teammateBundle(2000);
  const generated = Date.now();
  await api.setCapturer();
  const { signingKeyFingerprint: mine } = await api.call({ type: 'settings.get' });
  const imported = await api.call({ type: 'bundle.import', source: { base64: Buffer.from(teammate.zip).toString('base64'), name: 'teammate.zip' } });
  expect(imported.added).toHaveLength(2000);
  const importedAt = Date.now();

  const exported = await api.call({ type: 'bundle.export', from: '2026-01-01', to: '2026-12-31', timeZone: 'UTC' });
  const exportedAt = Date.now();
  expect(exported.captures).toBe(2000);
  const zipPath = exported.files[0].path;
  const check = await cli('verify', zipPath, '--json', '--expect-key', mine, '--expect-key', teammate.fingerprint);
  const report = JSON.parse(check.stdout);
  expect(report.problems).toEqual([]);
  expect(check.code).toBe(0);
  expect(report.captures).toBe(2000);
  expect(report.captureSigners).toEqual([expect.objectContaining({ fingerprint: teammate.fingerprint, captures: 2000 })]);
  const mb = exported.files[0].bytes / 1e6;
  console.log(`2,000 captures: generated in ${generated - started} ms, imported in ${importedAt - generated} ms, exported ${mb.toFixed(1)} MB (${report.payloadFiles} payload files) in ${exportedAt - importedAt} ms including read-back`);
  // The offscreen document that wrote it is gone again.
  expect(await exhibit.serviceWorker.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT' as chrome.runtime.ContextType] })).length)).toBe(0);
});
