// The auditor's request list in a bundle, end to end: import the list through the dashboard,
// capture fixture pages into requests and a sample, watch coverage change, export the period
// through the dashboard, find data/requests/<id>/ and requests.csv in the downloaded zip, verify
// it with the CLI, tamper with a request folder and see the CLI name the file, and look at the
// index's coverage and requests sections in Chromium.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import JSZip from 'jszip';
import { test, expect } from './fixtures';
import { BundlesPage } from './pages/bundles';
import { ReadinessPages } from './pages/readiness';

const BIN = resolve(import.meta.dirname, '../../bin/exhibit.mjs');
const SCREENSHOT = resolve(import.meta.dirname, '../../docs/screenshots/bundle-requests.png');
const downloadsDir = mkdtempSync(join(tmpdir(), 'exhibit-downloads-'));
const work = mkdtempSync(join(tmpdir(), 'exhibit-bundle-requests-'));
test.use({ exhibitLaunch: { downloadsDir } });
test.afterAll(() => {
  rmSync(downloadsDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }));
  });
}

/** "2026-08-01": the first day of the month `back` months before now (UTC). */
function monthStart(back: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 10);
}
const quarterLabel = (date: string) => `Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1} ${date.slice(0, 4)}`;

test('a request list answered with captures ends up in the bundle: request folders, requests.csv, coverage, verified by the CLI', async ({ exhibit, api, fixtures }) => {
  test.setTimeout(120_000);
  await api.setCapturer();
  await api.call({ type: 'settings.set', organization: 'Acme' });
  const today = new Date().toISOString().slice(0, 10);
  const start = monthStart(3);
  const end = new Date(Date.UTC(Number(today.slice(0, 4)) + 1, 0, 0)).toISOString().slice(0, 10);
  const period = await api.call({ type: 'periods.create', name: 'SOC 2 Type 2', kind: 'type2', start, end, timeZone: 'UTC' });
  await api.call({ type: 'controls.save', control: { id: 'AC-01', title: 'Quarterly access review', owner: 'ada@acme.example', cadence: 'quarterly', criteria: ['CC6.2'] } });

  // The auditor's list, imported through the dashboard; one id has a slash, one description is hostile.
  const year = Number(today.slice(0, 4)) + 1;
  const csv = [
    'Request #,Requested information,TSC,Deadline',
    `PBC-01,Population of active users,AC-01,${year}-03-31`,
    `PBC/02,"<img src=x onerror=alert(1)> New hires, with approvals",AC-01,${year}-04-30`,
    `PBC-03,Firewall rules,CC6.6,${year}-05-31`,
    '',
  ].join('\r\n');
  const ui = new ReadinessPages(exhibit);
  const page = await ui.open('/requests', period.id);
  await ui.chooseRequestFile('pbc.csv', csv);
  await ui.importChosenFile();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 3 requests' })).toBeVisible();
  const listed = await api.call({ type: 'requests.list', periodId: period.id });
  const id = (ref: string) => listed.find((r: { ref: string }) => r.ref === ref).id as string;

  // Coverage before: this quarter of AC-01 has no evidence yet.
  await ui.open('/readiness', period.id);
  const thisQuarter = quarterLabel(today);
  await expect(ui.cell('AC-01', thisQuarter)).toHaveText('Due');

  // Capture fixture pages into the requests and into a sample.
  const capture = async (path: string) => {
    const tab = await exhibit.context.newPage();
    await tab.goto(fixtures.url(path));
    const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(tab), mode: 'visible' });
    await tab.close();
    return summary as { id: string; title: string };
  };
  const users = await capture('/sample-console.html');
  const hire = await capture('/titled?title=Jane%20Doe%20%C2%B7%20Okta');
  await api.call({ type: 'requests.attach', requestId: id('PBC-01'), captureId: users.id });
  const sampled = await api.call({ type: 'requests.addSamples', requestId: id('PBC/02'), samples: ['Jane Doe (hired 2026-09-14)'] });
  await api.call({ type: 'requests.attach', requestId: id('PBC/02'), captureId: hire.id, sampleId: sampled.samples[0].id });

  // Coverage after, live in the dashboard: attaching tagged both captures with AC-01.
  await ui.page.bringToFront();
  await expect(ui.cell('AC-01', thisQuarter)).toHaveText('2');

  // Export the period through the dashboard.
  const bundles = await BundlesPage.open(exhibit);
  const { fileName, summary } = await bundles.exportPeriod(period.id);
  expect(summary).toMatch(/Exported 2 captures/);
  const zipPath = join(downloadsDir, fileName);
  await expect.poll(() => existsSync(zipPath) && !existsSync(`${zipPath}.crdownload`), { timeout: 30_000 }).toBe(true);

  const zip = await JSZip.loadAsync(readFileSync(zipPath));
  const top = Object.keys(zip.files)[0]!.split('/')[0]!;
  const inBag = (p: string) => zip.file(`${top}/${p}`);
  const requestFiles = Object.keys(zip.files).filter((n) => n.startsWith(`${top}/data/requests/`) && !zip.files[n]!.dir).map((n) => n.slice(top.length + 1));
  expect(requestFiles.filter((p) => p.startsWith('data/requests/PBC-01/') && p.endsWith('.png'))).toHaveLength(1);
  expect(requestFiles.filter((p) => p.startsWith('data/requests/PBC-02/Jane-Doe-(hired-2026-09/') && p.endsWith('.json'))).toHaveLength(1);
  expect(requestFiles.some((p) => p.startsWith('data/requests/PBC-03/'))).toBe(false);
  const sidecar = JSON.parse(await inBag(requestFiles.find((p) => p.startsWith('data/requests/PBC-02/') && p.endsWith('.json'))!)!.async('string'));
  expect(sidecar).toMatchObject({ filedUnder: null, filedUnderRequest: { ref: 'PBC/02', sampleLabel: 'Jane Doe (hired 2026-09-14)' }, capture: { id: hire.id } });

  const requestsCsv = (await inBag('data/requests.csv')!.async('string')).trim().split('\r\n');
  expect(requestsCsv).toHaveLength(4);
  expect(requestsCsv[1]).toMatch(/^"PBC-01","Population of active users","AC-01",.*"evidence-attached".*"data\/requests\/PBC-01\/","1"$/);
  expect(requestsCsv[2]).toMatch(/^"PBC\/02",.*"evidence-attached".*"data\/requests\/PBC-02\/","1"$/);
  expect(requestsCsv[3]).toMatch(/^"PBC-03","Firewall rules","CC6.6",.*"open".*"","0"$/);
  const coverageCsv = await inBag('data/coverage.csv')!.async('string');
  expect(coverageCsv).toContain(`"AC-01","Quarterly access review","ada@acme.example","quarterly","CC6.2","${today.slice(0, 4)}-Q${Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1}"`);
  expect(coverageCsv).toMatch(/"AC-01",[^\r\n]*"2","covered","false"/);
  expect(inBag('data/exceptions.csv')).toBeTruthy();

  // The CLI verifies it.
  const good = await cli('verify', zipPath);
  expect(good.stdout).toMatch(/^OK .*2 captures/m);
  expect(good.code).toBe(0);

  // A changed image in a request folder: the CLI names that file.
  const png = `${top}/${requestFiles.find((p) => p.startsWith('data/requests/PBC-01/') && p.endsWith('.png'))!}`;
  const bytes = await zip.file(png)!.async('uint8array');
  bytes[bytes.length - 30]! ^= 0x01;
  const tampered = await JSZip.loadAsync(readFileSync(zipPath));
  tampered.file(png, bytes);
  const tamperedPath = join(work, 'tampered.zip');
  writeFileSync(tamperedPath, await tampered.generateAsync({ type: 'uint8array', compression: 'STORE' }));
  const bad = await cli('verify', tamperedPath);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(`FAIL ${png.slice(top.length + 1)}: SHA-256 is`);

  // index.html, offline: the coverage and requests sections, hostile text shown as text.
  for (const [name, entry] of Object.entries(zip.files)) {
    if (entry.dir) continue;
    mkdirSync(dirname(join(work, name)), { recursive: true });
    writeFileSync(join(work, name), await entry.async('uint8array'));
  }
  const index = await exhibit.context.newPage();
  const dialogs: string[] = [];
  index.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await index.setViewportSize({ width: 1280, height: 900 });
  await index.goto(pathToFileURL(join(work, top, 'data', 'index.html')).href);
  const requestsSection = index.locator('section#requests');
  await expect(requestsSection.locator('tr', { hasText: 'PBC-01' })).toContainText('Evidence attached');
  await expect(requestsSection).toContainText('<img src=x onerror=alert(1)> New hires, with approvals');
  await expect(requestsSection).toContainText('Sample Jane Doe (hired 2026-09-14)');
  await expect(index.locator('section#coverage tr', { hasText: 'AC-01' })).toContainText(`${thisQuarter}: 2`);
  await expect(index.locator('section#exceptions')).toContainText('No exceptions were recorded');
  expect(await index.locator('img[src="x"]').count()).toBe(0);
  // The link to the sample's capture opens the copy in the request folder.
  const link = requestsSection.getByRole('link', { name: 'Jane Doe · Okta' });
  expect(existsSync(new URL(await link.evaluate((a) => (a as HTMLAnchorElement).href)))).toBe(true);
  expect(dialogs).toEqual([]);

  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await index.locator('section#coverage').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await index.screenshot({ path: SCREENSHOT });
});
