// Audit readiness end to end: a first-time team adds the starter library, imports the auditor's
// request list through the dashboard, captures fixture pages into the requests, and watches
// coverage, the due list and the toolbar badge change.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test, expect } from './fixtures';
import { ReadinessPages } from './pages/readiness';

const SCREENSHOT = resolve(import.meta.dirname, '../../docs/screenshots/readiness.png');

/** "2026-08-01": the first day of the month `back` months before now (UTC). */
function monthStart(back: number): string {
  const now = new Date();
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  return d.toISOString().slice(0, 10);
}
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const monthLabel = (date: string) => `${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
const quarterLabel = (date: string) => `Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1} ${date.slice(0, 4)}`;

test('imports a request list, answers it with captures, and coverage, due items and the badge follow', async ({ exhibit, api, fixtures }, testInfo) => {
  test.setTimeout(150_000);
  await api.setCapturer();
  const start = monthStart(3);
  const end = dayBefore(monthStart(-9));
  const period = await api.call({ type: 'periods.create', name: 'SOC 2 Type 2 (first year)', kind: 'type2', start, end, timeZone: 'UTC' });
  const today = new Date().toISOString().slice(0, 10);
  const badge = () => api.page.evaluate(() => chrome.action.getBadgeText({}));

  // A first-time team: no controls yet, so the page offers the starter library.
  const ui = new ReadinessPages(exhibit);
  const page = await ui.open('/readiness', period.id);
  await page.setViewportSize({ width: 1440, height: 1000 });
  await ui.addStarterLibrary({ 'Security lead': 'ada@acme.example', 'Engineering lead': 'eve@acme.example' });
  await expect(ui.controlRow('VM-01')).toBeVisible();
  await expect(ui.matrix().locator('tbody tr')).toHaveCount(45);
  // Monthly vulnerability scans: three months ended without evidence, the current one is due.
  await expect(ui.cell('VM-01', monthLabel(start))).toHaveText('Gap');
  await expect(ui.cell('VM-01', monthLabel(today))).toHaveText('Due');
  await expect(ui.percentCovered()).toHaveText('0%');

  // The badge counts the overdue items of the person's own controls.
  const mine = await api.call({ type: 'due.list', periodId: period.id, owner: 'me' });
  expect(mine.counts.overdue).toBeGreaterThan(3);
  await expect.poll(badge, { timeout: 10_000 }).toBe(String(mine.counts.overdue));

  // Import the auditor's list: European Excel (BOM, semicolons, a line break inside a quoted
  // value), with due dates that read two ways, so the page asks.
  const year = Number(today.slice(0, 4)) + 1;
  const csv = [
    '\uFEFFRequest #;Requested information;TSC;Deadline;Assigned to',
    `PBC-01;"Population of active users in the identity provider,\nwith the filter used";AC-01;03/04/${year};ada@acme.example`,
    `PBC-02;Branch protection settings of the production repositories;CH-01;05/06/${year};eve@acme.example`,
    `PBC-03;Access approvals for a sample of new hires;AC-02;07/08/${year};`,
    '',
  ].join('\r\n');
  await ui.open('/requests', period.id);
  await ui.chooseRequestFile('PBC list FY.csv', csv);
  await expect(ui.mapping('Request id')).toHaveValue('0');
  await expect(ui.mapping('Description')).toHaveValue('1');
  await expect(ui.mapping('Related controls')).toHaveValue('2');
  await expect(ui.mapping('Due date')).toHaveValue('3');
  await expect(ui.dateQuestion()).toContainText(`03/04/${year} is ${year}-03-04 read as US and ${year}-04-03 read as European`);
  await expect(page.getByRole('button', { name: 'Import 3 requests' })).toBeDisabled();
  await ui.dateQuestion().getByLabel('Day/month/year (European)').check();
  await ui.importChosenFile();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 3 requests' })).toBeVisible();
  await expect(ui.requestRow('PBC-01').getByText('Open', { exact: true })).toBeVisible();
  const requests = await api.call({ type: 'requests.list', periodId: period.id });
  expect(requests.map((r: { ref: string; dueDate: string; controlIds: string[] }) => [r.ref, r.dueDate, r.controlIds])).toEqual([
    ['PBC-01', `${year}-04-03`, ['AC-01']],
    ['PBC-02', `${year}-06-05`, ['CH-01']],
    ['PBC-03', `${year}-08-07`, ['AC-02']],
  ]);
  expect(requests[0].text).toBe('Population of active users in the identity provider,\nwith the filter used');
  const id = (ref: string) => requests.find((r: { ref: string }) => r.ref === ref).id as string;

  // Watch the readiness page while evidence arrives: no reload needed.
  await ui.open('/readiness', period.id);
  const thisQuarter = quarterLabel(today);
  await expect(ui.cell('AC-01', thisQuarter)).toHaveText('Due');
  await expect(ui.cell('CH-01', thisQuarter)).toHaveText('Due');

  const consolePage = await exhibit.context.newPage();
  await consolePage.goto(fixtures.url('/sample-console.html'));
  const users = await api.call({ type: 'capture', tabId: await api.tabIdOf(consolePage), mode: 'visible' });
  await api.call({ type: 'requests.attach', requestId: id('PBC-01'), captureId: users.id });
  const branchPage = await exhibit.context.newPage();
  await branchPage.goto(fixtures.url('/titled?title=Branch%20protection%20rules%20%C2%B7%20acme%2Fapp'));
  const branches = await api.call({ type: 'capture', tabId: await api.tabIdOf(branchPage), mode: 'visible' });
  await api.call({ type: 'requests.attach', requestId: id('PBC-02'), captureId: branches.id });
  await api.call({ type: 'requests.addSamples', requestId: id('PBC-03'), samples: ['jdoe@acme.example (hired 2026-09-14)', 'asmith@acme.example (hired 2026-10-05)'] });
  await api.call({ type: 'requests.attach', requestId: id('PBC-03'), captureId: users.id, sampleId: 'S1' });

  await page.bringToFront();
  await expect(ui.cell('AC-01', thisQuarter)).toHaveText('1');
  await expect(ui.cell('CH-01', thisQuarter)).toHaveText('1');
  await expect(ui.percentCovered()).not.toHaveText('0%');
  const coverage = await api.call({ type: 'coverage', periodId: period.id });
  expect(coverage.summary.covered).toBe(2);
  await expect(ui.percentCovered()).toHaveText(`${coverage.summary.percentCovered}%`);

  // A month that did not need the control: marked not applicable, with the reason, by the person.
  await ui.markNotApplicable('VM-01', monthLabel(start), 'Scanner migration: no production hosts existed yet');
  await expect(ui.cell('VM-01', monthLabel(start))).toHaveText('N/A');
  await expect.poll(badge, { timeout: 10_000 }).toBe(String(mine.counts.overdue - 1));
  const marked = await api.call({ type: 'coverage', periodId: period.id });
  expect(marked.rows.find((r: { controlId: string }) => r.controlId === 'VM-01').cells[0].notApplicable).toMatchObject({ reason: 'Scanner migration: no production hosts existed yet', by: 'Ada Admin <ada@acme.example>' });

  // An exception on a capture shows in the list with its remediation.
  await api.call({ type: 'exceptions.set', captureId: users.id, exception: { description: 'One leaver still active on the list', remediation: 'Account suspended the same day' } });
  await expect(page.getByRole('region', { name: 'Exceptions' })).toContainText('One leaver still active on the list');

  // The dashboard scrolls inside its shell: a tall window shows the glance, the matrix and the due list.
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.setViewportSize({ width: 1440, height: 1300 });
  await page.screenshot({ path: SCREENSHOT });
  // The rest of the page, for people reviewing a run (the shell scrolls inside, so in two views).
  await ui.dueTable().evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: testInfo.outputPath('due.png') });
  await page.getByRole('region', { name: 'Exceptions' }).evaluate((el) => el.scrollIntoView({ block: 'end' }));
  await page.screenshot({ path: testInfo.outputPath('exceptions.png') });

  // The request list shows each item's status, and a sampled request stays open until every sample is answered.
  await ui.open('/requests', period.id);
  await expect(ui.requestRow('PBC-01').locator('[data-status]')).toHaveText('Evidence attached');
  await expect(ui.requestRow('PBC-02').locator('[data-status]')).toHaveText('Evidence attached');
  await expect(ui.requestRow('PBC-03').locator('[data-status]')).toHaveText('Open');
  await expect(ui.requestRow('PBC-03')).toContainText('1 of 2 samples answered');
  await ui.requestRow('PBC-01').getByRole('button', { name: 'PBC-01' }).click();
  await expect(page.locator('.request-detail')).toContainText('People · Acme Identity Admin');
  await page.getByRole('button', { name: 'Mark submitted' }).click();
  await expect(ui.requestRow('PBC-01').locator('[data-status]')).toHaveText('Submitted');
  await page.screenshot({ path: resolve(dirname(SCREENSHOT), 'requests.png') });
});

test('refuses a malformed request list in the dashboard and imports nothing', async ({ exhibit, api }) => {
  await api.setCapturer();
  const period = await api.call({ type: 'periods.create', name: 'FY', kind: 'type2', start: monthStart(1), end: dayBefore(monthStart(-11)), timeZone: 'UTC' });
  const ui = new ReadinessPages(exhibit);
  const page = await ui.open('/requests', period.id);
  await ui.chooseRequestFile('pbc.csv', 'ID,Description,Controls\nR-1,Users,CC6.1\nR-2,Groups,NOPE-9\nr-1,Again,\n');
  await ui.importChosenFile();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Nothing was imported: 2 problems in the file.');
  await expect(alert).toContainText('unknown control “NOPE-9”');
  await expect(alert).toContainText('duplicate request id “r-1” (first on row 2)');
  expect(await api.call({ type: 'requests.list', periodId: period.id })).toEqual([]);
});

test('attaches a capture to a sampled request and flags it as an exception from the capture’s page', async ({ exhibit, api, fixtures }, testInfo) => {
  await api.setCapturer();
  const period = await api.call({ type: 'periods.create', name: 'FY', kind: 'type2', start: monthStart(1), end: dayBefore(monthStart(-11)), timeZone: 'UTC' });
  await api.call({ type: 'controls.template', ids: ['AC-02'] });
  const imported = await api.call({
    type: 'requests.import',
    periodId: period.id,
    text: 'ID,Description,Controls\nPBC-07,New hires had approved access requests,AC-02\n',
    mapping: { id: 0, description: 1, controls: 2 },
  });
  const requestId = imported.requests[0].id as string;
  await api.call({ type: 'requests.addSamples', requestId, samples: ['jdoe@acme.example', 'asmith@acme.example'] });
  const consolePage = await exhibit.context.newPage();
  await consolePage.goto(fixtures.url('/sample-console.html'));
  const capture = await api.call({ type: 'capture', tabId: await api.tabIdOf(consolePage), mode: 'visible' });

  const ui = new ReadinessPages(exhibit);
  const panel = await ui.openCapture(capture.id);
  await expect(panel).toContainText('Not attached to any request.');
  await panel.getByLabel('Attach to request').selectOption({ label: 'PBC-07 — New hires had approved access requests' });
  await panel.getByLabel('Sample').selectOption('S2');
  await expect(panel).toContainText('Also tags it AC-02.');
  await panel.getByRole('button', { name: 'Attach' }).click();
  await expect(panel.getByRole('list', { name: 'Requests this capture answers' })).toContainText('PBC-07 · S2');
  const request = await api.call({ type: 'requests.get', id: requestId });
  expect(request.samples.map((s: { id: string; captureIds: string[] }) => [s.id, s.captureIds])).toEqual([['S1', []], ['S2', [capture.id]]]);
  expect((await api.call({ type: 'captures.get', id: capture.id })).annotation.controlIds).toEqual(['AC-02']);

  await panel.locator('summary', { hasText: 'Flag as an exception' }).click();
  await panel.getByLabel('What does it show that should not be?').fill('A contractor without an access request');
  await panel.getByLabel('Remediation').fill('Access removed; request filed retroactively');
  await panel.getByRole('button', { name: 'Flag as an exception' }).click();
  await expect(panel).toContainText('Flagged by Ada Admin');
  expect((await api.call({ type: 'exceptions.list', periodId: period.id })).items).toMatchObject([
    { kind: 'capture', captureId: capture.id, description: 'A contractor without an access request', remediation: 'Access removed; request filed retroactively' },
  ]);
  await expect(ui.page.getByRole('list', { name: 'Annotation history' })).toContainText('Flagged as an exception');
  await ui.page.screenshot({ path: testInfo.outputPath('capture-page.png') });
});
