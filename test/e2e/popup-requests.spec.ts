// Attaching captures to the auditor's requests from the popup (issue 6): before a capture as a
// choice that sticks, after it from the saved view, to a request and to one sampled item; what
// the popup says when the request went away or there is no list; hostile and huge descriptions.
import { writeFile } from 'node:fs/promises';
import type { ExhibitApi } from './pages/api';
import { PopupRequests } from './pages/popup-requests';
import { test, expect } from './fixtures';

const MARKUP = '<img src=x onerror="window.__pwned=1"><b>bold</b> admin export';
const LONG = `Evidence of the quarterly review ${'of every privileged account in production '.repeat(240)}`.slice(0, 10_000);

const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** A period around today and its request list: PBC-12 has 25 sampled items. */
async function seedRequests(api: ExhibitApi): Promise<{ periodId: string; id: (ref: string) => string }> {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const period = await api.call({ type: 'periods.create', name: 'SOC 2 Type 2 · current', kind: 'type2', start: day(-60), end: day(120), timeZone: 'UTC' });
  const rows = [
    ['PBC-1', 'Quarterly access review evidence', 'CC6.2', day(10)],
    ['PBC-2', 'Branch protection on the main repository', 'CC8.1', day(-3)],
    ['PBC-3', MARKUP, 'CC6.1', day(30)],
    ['PBC-4', LONG, 'CC6.1', ''],
    ['PBC-12', 'Sample of new hires: signed offer and access approval', 'CC6.2', day(20)],
  ];
  const text = ['ID,Description,Controls,Due', ...rows.map((r) => r.map(csvCell).join(','))].join('\n');
  const imported = await api.call({ type: 'requests.import', periodId: period.id, text, fileName: 'pbc.csv', mapping: { id: 0, description: 1, controls: 2, dueDate: 3 } });
  const byRef = new Map<string, string>(imported.requests.map((r: { id: string; ref: string }) => [r.ref, r.id]));
  await api.call({ type: 'requests.addSamples', requestId: byRef.get('PBC-12'), samples: Array.from({ length: 25 }, (_, i) => `hire-${String(i + 1).padStart(2, '0')}@acme.example`) });
  return { periodId: period.id, id: (ref) => byRef.get(ref)! };
}

test('chooses a request and sample before capturing, attaches after, and the choice sticks', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const { id } = await seedRequests(api);
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await popup.open(await api.tabIdOf(target));
  const requests = new PopupRequests(popup.page);

  await expect(requests.field()).toContainText('None');
  await requests.openFromField();
  // Open requests only, in the auditor's order, grouped under the current period.
  await expect(requests.list()).toHaveAccessibleName('Requests of SOC 2 Type 2 · current');
  await expect(requests.options()).toHaveCount(5);
  await expect(requests.option('PBC-2')).toContainText('Overdue');
  await expect(requests.option('PBC-12')).toContainText('0/25 samples');

  // Markup in a description is text; nothing in it runs.
  await requests.search().fill('bold');
  await expect(requests.options()).toHaveCount(1);
  await expect(requests.option('PBC-3')).toContainText(MARKUP);
  await expect(requests.list().locator('img, b')).toHaveCount(0);
  expect(await popup.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();

  // A 10,000-character description stays two lines in a popup that does not widen.
  await requests.search().fill('privileged');
  const long = requests.option('PBC-4');
  await expect(long).toBeVisible();
  expect((await long.boundingBox())!.height).toBeLessThan(90);
  expect(await popup.page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth)).toBe(true);
  expect((await popup.root().boundingBox())!.width).toBeLessThanOrEqual(382);

  // Keyboard: search by id, Enter chooses; the first unanswered sample is proposed, sample 3 picked.
  await requests.chooseByKeyboard('pbc-12');
  await expect(requests.option('PBC-12')).toHaveAttribute('aria-selected', 'true');
  await expect(requests.sample()).toHaveValue('S1');
  await requests.sample().selectOption('S3');
  await expect(requests.field()).toContainText('PBC-12 · sample 3 of 25');

  // The popup with the request search open (the whole open list), at twice the pixel density.
  await requests.search().fill('');
  await expect(requests.options()).toHaveCount(5);
  const cdp = await exhibit.context.newCDPSession(popup.page);
  await cdp.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1000, deviceScaleFactor: 2, mobile: false });
  const box = (await popup.root().boundingBox())!;
  const shot = await cdp.send('Page.captureScreenshot', { format: 'png', clip: { x: box.x - 12, y: box.y - 12, width: box.width + 24, height: box.height + 24, scale: 1 } });
  await writeFile('docs/screenshots/popup-request.png', Buffer.from(shot.data, 'base64'));
  await cdp.send('Emulation.clearDeviceMetricsOverride');

  await requests.closeFromField();
  await popup.captureButton().click();
  await expect(popup.savedHeading()).toBeVisible();
  await expect(requests.outcome()).toHaveText('Attached to PBC-12 · sample 3 of 25');
  const captureId = (await popup.captureId().innerText()).trim();
  const pbc12 = await api.call({ type: 'requests.get', id: id('PBC-12') });
  expect(pbc12.samples.find((s: { id: string }) => s.id === 'S3').captureIds).toEqual([captureId]);
  expect(pbc12.fulfilledSamples).toBe(1);
  // Attaching tags the capture with the request's related controls.
  expect((await api.call({ type: 'captures.get', id: captureId })).annotation.controlIds).toContain('CC6.2');

  // After the capture: attach it to another request as a whole.
  await requests.attachSection().getByRole('button', { name: 'Attach to another request' }).click();
  await requests.search().fill('access review');
  await requests.option('PBC-1').click();
  await requests.attachSection().getByRole('button', { name: 'Attach to PBC-1' }).click();
  await expect(requests.outcome().last()).toHaveText('Attached to PBC-1');
  const pbc1 = await api.call({ type: 'requests.get', id: id('PBC-1') });
  expect(pbc1.attachments).toEqual([expect.objectContaining({ captureId, sampleId: null, by: 'Ada Admin <ada@acme.example>' })]);
  expect(pbc1.status).toBe('evidence-attached');
  await popup.thumbnail().waitFor();
  await popup.root().screenshot({ path: 'docs/screenshots/popup-attached.png' });
  // The tags attaching added are in the form, so saving a note afterwards keeps them.
  await expect(popup.adjustForm().getByRole('list', { name: 'Selected controls' })).toContainText('CC6.2');
  await popup.adjustForm().getByLabel('Note').fill('New hire 3 of 25');
  await popup.adjustForm().getByRole('button', { name: 'Save changes' }).click();
  await expect(popup.adjustForm().getByRole('status')).toHaveText(/Changes saved/);
  const after = (await api.call({ type: 'captures.get', id: captureId })).annotation;
  expect(after).toMatchObject({ note: 'New hire 3 of 25', controlIds: ['CC6.2'] });

  // The choice sticks for the next capture, moving on to a sample not yet answered.
  await popup.page.getByRole('button', { name: 'New capture' }).click();
  await expect(requests.field()).toContainText('PBC-1 ');
  await popup.close();
  await popup.open(await api.tabIdOf(target));
  const again = new PopupRequests(popup.page);
  await expect(again.field()).toContainText('PBC-1');
  await expect(again.field()).toContainText('Evidence attached');
});

test('a request chosen for the next capture sticks, and answered samples give way to the next', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const { id } = await seedRequests(api);
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(target);
  await popup.open(tabId);
  let requests = new PopupRequests(popup.page);
  await requests.openFromField();
  await requests.chooseByKeyboard('new hires');
  await expect(requests.field()).toContainText('PBC-12 · sample 1 of 25');
  await requests.search().press('Escape');
  await expect(requests.search()).toHaveCount(0);
  // Enter in the note captures, and the capture answers sample 1.
  await popup.captureForm().getByLabel('Note').press('Enter');
  await expect(requests.outcome()).toHaveText('Attached to PBC-12 · sample 1 of 25');

  await popup.close();
  await popup.open(tabId);
  requests = new PopupRequests(popup.page);
  await expect(requests.field()).toContainText('PBC-12 · sample 2 of 25');
  await requests.openFromField();
  // Samples not yet answered come first.
  await expect(requests.sample()).toHaveValue('S2');
  const labels = await requests.sample().locator('optgroup').evaluateAll((groups) => groups.map((g) => (g as HTMLOptGroupElement).label));
  expect(labels).toEqual(['Not yet answered', 'Answered']);
  await expect(requests.sample().locator('optgroup[label="Answered"] option')).toHaveText(['1 of 25 · hire-01@acme.example']);
  await requests.search().press('Escape');
  await popup.captureButton().click();
  await expect(requests.outcome()).toHaveText('Attached to PBC-12 · sample 2 of 25');
  const pbc12 = await api.call({ type: 'requests.get', id: id('PBC-12') });
  expect(pbc12.fulfilledSamples).toBe(2);
});

test('with several audit periods, the period drop-down switches the list and the capture answers the chosen period’s request', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const { id } = await seedRequests(api);
  // A second, earlier period with its own list (a Type 1 the auditor is still closing).
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const earlier = await api.call({ type: 'periods.create', name: 'SOC 2 Type 1 · <i>last year</i>', kind: 'type1', start: day(-400), timeZone: 'UTC' });
  const text = ['ID,Description,Controls', 'T1-7,Password policy settings,CC6.1', 'T1-8,Backup restore test,A1.3'].join('\n');
  const imported = await api.call({ type: 'requests.import', periodId: earlier.id, text, fileName: 't1.csv', mapping: { id: 0, description: 1, controls: 2 } });
  const t17 = imported.requests.find((r: { ref: string }) => r.ref === 'T1-7').id as string;

  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await popup.open(await api.tabIdOf(target));
  const requests = new PopupRequests(popup.page);
  await requests.openFromField();
  // The current period is proposed first; the drop-down names both, markup as text.
  const periodSelect = popup.page.getByRole('combobox', { name: 'Audit period' });
  await expect(periodSelect).toHaveValue(await api.call({ type: 'periods.list' }).then((ps: { id: string; name: string }[]) => ps.find((p) => p.name.startsWith('SOC 2 Type 2'))!.id));
  await expect(periodSelect.locator('option')).toHaveText(['SOC 2 Type 2 · current', 'SOC 2 Type 1 · <i>last year</i>'], { useInnerText: true });
  await expect(requests.options()).toHaveCount(5);

  await periodSelect.selectOption(earlier.id);
  await expect(requests.list()).toHaveAccessibleName('Requests of SOC 2 Type 1 · <i>last year</i>');
  await expect(requests.options()).toHaveCount(2);
  await expect(requests.option('PBC-1')).toHaveCount(0);
  await requests.chooseByKeyboard('password');
  await requests.closeFromField();
  await expect(requests.field()).toContainText('T1-7');
  // Which period the chosen request belongs to is said when there are several.
  await expect(requests.field()).toContainText('In SOC 2 Type 1 · <i>last year</i>');

  await popup.captureButton().click();
  await expect(requests.outcome()).toHaveText('Attached to T1-7');
  const captureId = (await popup.captureId().innerText()).trim();
  expect((await api.call({ type: 'requests.get', id: t17 })).attachments).toEqual([expect.objectContaining({ captureId, sampleId: null })]);
  // Nothing was attached in the other period.
  for (const ref of ['PBC-1', 'PBC-2', 'PBC-12']) expect((await api.call({ type: 'requests.get', id: id(ref) })).attachments).toEqual([]);
});

test('a long request list shows 100 at a time, with "show more" and search to narrow', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const period = await api.call({ type: 'periods.create', name: 'FY26', kind: 'type2', start: day(-60), end: day(120), timeZone: 'UTC' });
  const text = ['ID,Description', ...Array.from({ length: 230 }, (_, i) => `R-${i + 1},Evidence item ${i + 1}`)].join('\n');
  await api.call({ type: 'requests.import', periodId: period.id, text, fileName: 'long.csv', mapping: { id: 0, description: 1 } });
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await popup.open(await api.tabIdOf(target));
  const requests = new PopupRequests(popup.page);
  await requests.openFromField();
  await expect(requests.options()).toHaveCount(100);
  const more = popup.page.locator('.request-more');
  await expect(more).toContainText('Showing 100 of 230');
  await more.getByRole('button', { name: 'show 100 more' }).click();
  await expect(requests.options()).toHaveCount(200);
  await more.getByRole('button', { name: 'show 30 more' }).click();
  await expect(requests.options()).toHaveCount(230);
  await expect(more).toHaveCount(0);
  // The last one is reachable and can be chosen.
  await requests.option('R-230').click();
  await expect(requests.field()).toContainText('R-230');
  // A new search starts from the first 100 again.
  await requests.search().fill('evidence');
  await expect(requests.options()).toHaveCount(100);
  await expect(more).toContainText('Showing 100 of 230');
});

test('a request deleted meanwhile is refused clearly and the capture is kept', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const { id } = await seedRequests(api);
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await popup.open(await api.tabIdOf(target));
  const requests = new PopupRequests(popup.page);
  await requests.openFromField();
  await requests.chooseByKeyboard('branch protection');
  await requests.closeFromField();
  await expect(requests.field()).toContainText('PBC-2');

  await api.call({ type: 'requests.delete', id: id('PBC-2') });
  await popup.captureButton().click();
  await expect(popup.savedHeading()).toBeVisible();
  await expect(requests.attachSection().getByRole('alert')).toContainText('PBC-2 is no longer in the request list');
  expect((await api.call({ type: 'captures.list' })).total).toBe(1);

  // Back in the form, the field says so instead of pretending.
  await popup.page.getByRole('button', { name: 'New capture' }).click();
  await expect(requests.field()).toContainText('PBC-2 is no longer in the request list');
  await requests.field().getByRole('button', { name: 'Answer no request' }).click();
  await expect(requests.field()).toContainText('None');
});

test('without an audit period the field stays hidden, and after a capture the popup explains', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await popup.open(await api.tabIdOf(target));
  const requests = new PopupRequests(popup.page);
  await expect(popup.captureButton()).toBeEnabled();
  await expect(requests.field()).toHaveCount(0);
  await popup.captureButton().click();
  await expect(requests.attachSection()).toContainText('No audit period yet');
  await expect(requests.attachSection().getByRole('button')).toHaveCount(0);

  // A period without a list: said so, with the period's name.
  await api.call({ type: 'periods.create', name: 'FY27', kind: 'type1', start: new Date().toISOString().slice(0, 10), timeZone: 'UTC' });
  await popup.close();
  await popup.open(await api.tabIdOf(target));
  await expect(new PopupRequests(popup.page).field()).toHaveCount(0);
});

test('a pick the popup stepped aside for is attached when the popup next opens', async ({ exhibit, api, fixtures, popup }) => {
  await api.setCapturer();
  const { id } = await seedRequests(api);
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/element-console.html'));
  await page.evaluate(() => window.scrollTo(0, 600));
  const tabId = await api.tabIdOf(page);
  await popup.open(tabId);
  const requests = new PopupRequests(popup.page);
  await requests.openFromField();
  await requests.chooseByKeyboard('PBC-12');
  await requests.closeFromField();
  await popup.chooseMode('Element or region');
  await popup.startButton().click();
  await expect(popup.captureStatus()).toHaveText(/Pick an element/);
  await expect(page.locator('exhibit-picker')).toHaveCount(1);
  // The real popup closes itself here; this one is closed by hand.
  await popup.close();
  const half = (await page.locator('#status-card .bad').boundingBox())!;
  await page.mouse.move(half.x + 20, half.y + 20);
  await page.mouse.click(half.x + 20, half.y + 20);
  await expect.poll(async () => (await api.call({ type: 'capture.last' })).state).toBe('saved');
  const captureId = (await api.call({ type: 'capture.last' })).captureId;

  await popup.open(tabId);
  await expect(popup.page.getByRole('status').filter({ hasText: 'Last capture: Attached to PBC-12 · sample 1 of 25' })).toBeVisible();
  const pbc12 = await api.call({ type: 'requests.get', id: id('PBC-12') });
  expect(pbc12.samples[0].captureIds).toEqual([captureId]);
});
