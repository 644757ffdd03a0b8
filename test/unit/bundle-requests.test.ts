// Readiness in bundles: coverage.csv is the dashboard's report, exceptions are all there, and the
// auditor's request list becomes data/requests/<id>/ (a sub-folder per sample) plus requests.csv.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { ExhibitDB } from '@/lib/db';
import { toCsv } from '@/lib/bundle/csv';
import { importBag } from '@/lib/bundle/import';
import { ZipBagSource } from '@/lib/bundle/source';
import { verifyBag, verifyZipBlob } from '@/lib/bundle/verify';
import { handleMessage } from '@/lib/handlers';
import { readinessForBundle, readinessForPeriod, transientPeriod } from '@/lib/readiness/export';
import type { Period } from '@/lib/schema';
import { HOSTILE_TITLE, bytes, capturer, exportZips, freshDb, rezip, seedCapture, text, unzipAll } from './bundle-support';

beforeEach(() => fakeBrowser.reset());

const NOW = new Date('2026-07-01T12:00:00.000Z');
const LONG = 'x'.repeat(10_000);

const call = async (db: ExhibitDB, msg: Record<string, unknown>) => {
  const reply = await handleMessage(msg, { db });
  if (!reply.ok) throw new Error(`${String(msg.type)}: ${reply.error.code}: ${reply.error.message}`);
  return reply.data as any;
};

const csvLine = (cells: string[]) => cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(',');

async function periodWithRequests(rows: string[][]) {
  const db = await freshDb();
  await call(db, { type: 'settings.set', capturer });
  const period: Period = { id: '01JD0000000000000000000001', name: 'H1 2026', kind: 'type2', start: '2026-01-01', end: '2026-06-30', timeZone: 'UTC', createdAt: '2025-12-01T00:00:00.000Z', createdBy: 'Ada Admin <ada@acme.example>' };
  await db.periods.add(period);
  await db.controls.put({ id: 'AC-01', title: 'Quarterly access review', description: '', owner: 'ciso@acme.example', cadence: 'quarterly', criteria: ['CC6.2'] });
  const list = [csvLine(['ID', 'Description', 'Controls', 'Due']), ...rows.map(csvLine)].join('\n');
  const imported = await call(db, { type: 'requests.import', periodId: period.id, text: list, mapping: { id: 0, description: 1, controls: 2, dueDate: 3 } });
  const ids: Record<string, string> = Object.fromEntries(imported.requests.map((r: { ref: string; id: string }) => [r.ref, r.id]));
  return { db, period, ids };
}

/** The bag's files, keyed by their path inside the bag (the top folder cut off). */
async function bagFiles(zip: Uint8Array) {
  const all = await unzipAll(zip);
  const top = [...all.keys()][0]!.split('/')[0]!;
  return { top, files: new Map([...all].map(([k, v]) => [k.slice(top.length + 1), v])) };
}

describe('request folders in bundles', () => {
  it('files each request’s captures in data/requests/<id>/ and each sample’s in a sub-folder, with requests.csv, and verifies', async () => {
    const { db, period, ids } = await periodWithRequests([
      ['PBC-1', 'Quarterly access review evidence', 'AC-01', '2026-03-31'],
      ['PBC-2', 'New hires with approvals', 'CC6.2', '2026-05-15'],
      ['PBC-3', 'Firewall rules', 'CC6.6', '2026-02-01'],
    ]);
    const review = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/admin/users', title: 'People · Okta', system: 'Okta', tables: ['Name\r\nAda\r\n'] });
    const hire = await seedCapture(db, { capturedAt: '2026-03-02T09:00:00.000Z', url: 'https://acme.okta.com/admin/user/1', title: 'Jane Doe', system: 'Okta', color: 80 });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: review.id });
    const samples = await call(db, { type: 'requests.addSamples', requestId: ids['PBC-2'], samples: ['Jane Doe (hired 2026-03-01)', 'CON'] });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-2'], captureId: hire.id, sampleId: samples.samples[0].id });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-2'], captureId: review.id });

    const { zips, result } = await exportZips(db, { periodId: period.id }, { now: NOW });
    expect(result.captures).toBe(2);
    const { files } = await bagFiles(zips[0]!.bytes);
    const paths = [...files.keys()];
    expect(paths.filter((p) => p.startsWith('data/requests/')).sort()).toEqual([
      'data/requests/PBC-1/20260210T150000Z_Okta_people-okta.json',
      'data/requests/PBC-1/20260210T150000Z_Okta_people-okta.png',
      'data/requests/PBC-1/20260210T150000Z_Okta_people-okta_table-1.csv',
      'data/requests/PBC-2/20260210T150000Z_Okta_people-okta.json',
      'data/requests/PBC-2/20260210T150000Z_Okta_people-okta.png',
      'data/requests/PBC-2/20260210T150000Z_Okta_people-okta_table-1.csv',
      'data/requests/PBC-2/Jane-Doe-(hired-2026-03/20260302T090000Z_Okta_jane-doe.json',
      'data/requests/PBC-2/Jane-Doe-(hired-2026-03/20260302T090000Z_Okta_jane-doe.png',
    ]);
    // The copies are the same bytes as the control folders' (attaching tagged them with the request's controls).
    expect(files.get('data/requests/PBC-1/20260210T150000Z_Okta_people-okta.png')).toEqual(files.get('data/controls/AC-01/20260210T150000Z_Okta_people-okta.png'));
    const sidecar = JSON.parse(text(files.get('data/requests/PBC-2/Jane-Doe-(hired-2026-03/20260302T090000Z_Okta_jane-doe.json')!));
    expect(sidecar.filedUnder).toBeNull();
    expect(sidecar.filedUnderRequest).toEqual({ ref: 'PBC-2', sampleLabel: 'Jane Doe (hired 2026-03-01)' });
    expect(JSON.parse(text(files.get('data/controls/CC6.2/20260302T090000Z_Okta_jane-doe.json')!)).filedUnderRequest).toBeUndefined();

    const requests = text(files.get('data/requests.csv')!).trim().split('\r\n');
    expect(requests[0]).toBe('"request_id","description","related_controls","due_date","owner","status","overdue","captures","capture_ids","samples","samples_answered","submitted_at","submitted_by","folder","captures_in_export"');
    expect(requests[1]).toMatch(/^"PBC-1","Quarterly access review evidence","AC-01","2026-03-31","","evidence-attached","true","1",.*"data\/requests\/PBC-1\/","1"$/);
    // One of two samples answered: still open.
    expect(requests[2]).toMatch(/^"PBC-2",.*"open","true","2",".*","2","1","","","data\/requests\/PBC-2\/","2"$/);
    expect(requests[3]).toMatch(/^"PBC-3","Firewall rules","CC6.6","2026-02-01","","open","true","0","","0","0","","","","0"$/);

    const html = text(files.get('data/index.html')!);
    expect(html).toContain('<section id="requests">');
    expect(html).toContain('href="requests/PBC-2/Jane-Doe-(hired-2026-03/20260302T090000Z_Okta_jane-doe.png"');
    expect(html).toContain('Sample <bdi>CON</bdi> (<code>data/requests/PBC-2/_CON/</code>): <span class="overdue">none yet</span>');

    const { report } = await verifyZipBlob(new Blob([zips[0]!.bytes as BlobPart]), 'b.zip');
    expect(report.problems).toEqual([]);
    expect(report.captures).toBe(2);
  });

  it('coverage.csv is the readiness report, for a period and for a date range, and honours the control filter', async () => {
    const { db, period, ids } = await periodWithRequests([['PBC-1', 'Access review', 'AC-01', '2026-03-31']]);
    const c = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/admin/users', system: 'Okta' });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: c.id });
    await call(db, { type: 'due.notApplicable', controlId: 'AC-01', subPeriod: '2026-Q2', reason: 'No <b>users</b> joined' });
    await call(db, { type: 'exceptions.set', controlId: 'CC6.2', subPeriod: '2026-01', exception: { description: 'Review <i>late</i>', remediation: 'Reminder added' } });
    await call(db, { type: 'exceptions.set', captureId: c.id, exception: { description: 'Shows a shared admin account', remediation: 'Account removed' } });

    const expected = (await readinessForBundle(db, period.id, NOW)).coverageCsv;
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW });
    const { files } = await bagFiles(zips[0]!.bytes);
    expect(text(files.get('data/coverage.csv')!)).toBe(toCsv(expected.header, expected.rows).slice(1));
    expect(expected.rows.map((r) => `${r[0]} ${r[5]} ${r[11]}`)).toEqual(expect.arrayContaining(['AC-01 2026-Q1 covered', 'AC-01 2026-Q2 not-applicable']));
    const exceptions = text(files.get('data/exceptions.csv')!).trim().split('\r\n');
    expect(exceptions).toHaveLength(3);
    expect(exceptions.join('\n')).toContain('"control-period","CC6.2","2026-01","","","Users are registered and authorised before access","Review <i>late</i>","Reminder added"');
    const html = text(files.get('data/index.html')!);
    expect(html).toContain('<td><bdi>AC-01</bdi></td><td>Q2 2026</td><td><bdi>No &lt;b&gt;users&lt;/b&gt; joined</bdi></td><td><bdi>Ada Admin &lt;ada@acme.example&gt;</bdi></td>');
    expect(html).toContain('<bdi>Review &lt;i&gt;late&lt;/i&gt;</bdi>');
    expect(html).toContain('<bdi>Shows a shared admin account</bdi>');
    expect(html).toMatch(/<td class="na" title="2026-04-01 to 2026-06-30">Q2 2026: N\/A<\/td>/);

    // A date range: the same report over a transient period.
    const range = await exportZips(db, { from: '2026-01-01', to: '2026-03-31', timeZone: 'UTC' }, { now: NOW });
    const rangeCsv = (await readinessForPeriod(db, transientPeriod({ name: 'r', start: '2026-01-01', end: '2026-03-31', timeZone: 'UTC' }), { now: NOW, withRequests: false })).coverageCsv;
    const rangeFiles = (await bagFiles(range.zips[0]!.bytes)).files;
    expect(text(rangeFiles.get('data/coverage.csv')!)).toBe(toCsv(rangeCsv.header, rangeCsv.rows).slice(1));
    expect([...rangeFiles.keys()].some((p) => p.startsWith('data/requests'))).toBe(false);

    // A control filter: only those rows (a criterion without evidence still gets its row).
    const filtered = await exportZips(db, { periodId: period.id, controlIds: ['AC-01', 'CC7.2'] }, { now: NOW });
    const rows = text((await bagFiles(filtered.zips[0]!.bytes)).files.get('data/coverage.csv')!).trim().split('\r\n').slice(1);
    expect(new Set(rows.map((r) => r.split(',')[0]))).toEqual(new Set(['"AC-01"', '"CC7.2"']));
  });

  it('keeps a request whose captures were filtered out in requests.csv, and says so in the index', async () => {
    const { db, period, ids } = await periodWithRequests([['PBC-9', 'Backups', 'A1.2', '2026-06-30']]);
    const c = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://console.aws.amazon.com/backup', system: 'AWS' });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-9'], captureId: c.id });
    const { zips, result } = await exportZips(db, { periodId: period.id, controlIds: ['CC6.2'] }, { now: NOW });
    expect(result.captures).toBe(0);
    const { files } = await bagFiles(zips[0]!.bytes);
    expect([...files.keys()].some((p) => p.startsWith('data/requests/'))).toBe(false);
    expect(text(files.get('data/requests.csv')!)).toMatch(/"PBC-9","Backups","A1.2","2026-06-30","","evidence-attached","true","1",".*","0","0","","","","0"/);
    expect(text(files.get('data/index.html')!)).toContain('1 of 1 answering capture is not in this export');
  });

  it('gives request ids that make the same safe name separate folders, and each verifies against its own id', async () => {
    const { db, period, ids } = await periodWithRequests([
      ['PBC/1', 'slash', '', ''],
      ['PBC:1', 'colon', '', ''],
      ['CON', 'reserved', '', ''],
    ]);
    const a = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/a', system: 'Okta' });
    const b = await seedCapture(db, { capturedAt: '2026-02-11T15:00:00.000Z', url: 'https://acme.okta.com/b', system: 'Okta', color: 10 });
    await call(db, { type: 'requests.attach', requestId: ids['PBC/1'], captureId: a.id });
    await call(db, { type: 'requests.attach', requestId: ids['PBC:1'], captureId: b.id });
    await call(db, { type: 'requests.attach', requestId: ids['CON'], captureId: b.id });
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW });
    const { files } = await bagFiles(zips[0]!.bytes);
    const folders = [...new Set([...files.keys()].filter((p) => p.startsWith('data/requests/')).map((p) => p.split('/')[2]))].sort();
    expect(folders).toEqual(['PBC-1', 'PBC-1-2', '_CON']);
    const csv = text(files.get('data/requests.csv')!);
    expect(csv).toContain('"data/requests/PBC-1/"');
    expect(csv).toContain('"data/requests/PBC-1-2/"');
    expect(JSON.parse(text(files.get('data/requests/PBC-1-2/20260211T150000Z_Okta_users.json')!)).filedUnderRequest.ref).toBe('PBC:1');
  });

  it('escapes hostile request ids, descriptions and sample labels in index.html, a 10,000-character one too', async () => {
    const ref = '<img src=x onerror=alert(1)>';
    const { db, period, ids } = await periodWithRequests([[ref, `${HOSTILE_TITLE} ${LONG}`, 'CC6.2', '']]);
    const c = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/a', system: 'Okta', title: HOSTILE_TITLE });
    const withSamples = await call(db, { type: 'requests.addSamples', requestId: ids[ref], samples: ['<script>alert(2)</script>'] });
    await call(db, { type: 'requests.attach', requestId: ids[ref], captureId: c.id, sampleId: withSamples.samples[0].id });
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW });
    const { files } = await bagFiles(zips[0]!.bytes);
    const html = text(files.get('data/index.html')!);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(html).toContain('<bdi>&lt;img src=x onerror=alert(1)&gt;</bdi>');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain(LONG);
    const folder = [...files.keys()].find((p) => p.startsWith('data/requests/'))!;
    expect(folder.split('/').slice(0, 4).join('/')).toBe('data/requests/img-src=x-onerror=alert(1)/script-alert(2)-script');
    expect(text(files.get('data/requests.csv')!)).toContain(LONG);
    const { report } = await verifyZipBlob(new Blob([zips[0]!.bytes as BlobPart]), 'b.zip');
    expect(report.problems).toEqual([]);
  });

  it('catches a request-folder copy moved to another request’s folder', async () => {
    const { db, period, ids } = await periodWithRequests([['PBC-1', 'one', '', ''], ['PBC-2', 'two', '', '']]);
    const a = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/a', system: 'Okta' });
    const b = await seedCapture(db, { capturedAt: '2026-02-11T15:00:00.000Z', url: 'https://acme.okta.com/b', system: 'Okta', color: 10 });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: a.id });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-2'], captureId: b.id });
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW });
    const all = await unzipAll(zips[0]!.bytes);
    const moved = new Map<string, Uint8Array>();
    for (const [name, data] of all) moved.set(name.replace('/data/requests/PBC-1/', '/data/requests/PBC-2/'), data);
    const { report } = await verifyZipBlob(new Blob([(await rezip(moved)) as BlobPart]), 'moved.zip');
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(expect.objectContaining({ code: 'annotation-mismatch', file: 'data/requests/PBC-2/20260210T150000Z_Okta_users.json', message: expect.stringContaining('is filed under request PBC-1, whose folder is not PBC-2') }));

    // A copy whose sidecar drops filedUnderRequest (and a manifest fixed to match) is still caught.
    const path = [...all.keys()].find((n) => n.endsWith('/data/requests/PBC-1/20260210T150000Z_Okta_users.json'))!;
    const edited = new Map(all);
    const sc = JSON.parse(text(all.get(path)!));
    delete sc.filedUnderRequest;
    edited.set(path, bytes(`${JSON.stringify(sc, null, 2)}\n`));
    const source = await ZipBagSource.open(new Blob([(await rezip(edited)) as BlobPart]), 'edited.zip');
    const result = await verifyBag(source);
    expect(result.report.problems).toContainEqual(expect.objectContaining({ code: 'annotation-mismatch', message: 'is in a request folder but names no request (filedUnderRequest).' }));
  });

  it('splits into volumes that each verify, carry the whole requests.csv and hold their own captures’ copies', async () => {
    const { db, period, ids } = await periodWithRequests([['PBC-1', 'one', 'CC6.2', '']]);
    const seeded = [];
    for (let i = 0; i < 4; i++) seeded.push(await seedCapture(db, { capturedAt: `2026-02-1${i}T15:00:00.000Z`, url: 'https://acme.okta.com/a', system: 'Okta', color: 20 * i }));
    for (const c of seeded) await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: c.id });
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW, maxVolumeBytes: 9_000 });
    expect(zips.length).toBeGreaterThan(1);
    let copies = 0;
    for (const z of zips) {
      const { report } = await verifyZipBlob(new Blob([z.bytes as BlobPart]), z.fileName);
      expect(report.problems).toEqual([]);
      const { files } = await bagFiles(z.bytes);
      expect(text(files.get('data/requests.csv')!)).toMatch(/"PBC-1",.*"data\/requests\/PBC-1\/","4"/);
      copies += [...files.keys()].filter((p) => p.startsWith('data/requests/PBC-1/') && p.endsWith('.json')).length;
    }
    expect(copies).toBe(4);
  });

  it('imports a bundle with request folders: each capture once, skipped the second time', async () => {
    const { db, period, ids } = await periodWithRequests([['PBC-1', 'one', 'CC6.2', '']]);
    const a = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', url: 'https://acme.okta.com/a', system: 'Okta' });
    const samples = await call(db, { type: 'requests.addSamples', requestId: ids['PBC-1'], samples: ['S one'] });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: a.id });
    await call(db, { type: 'requests.attach', requestId: ids['PBC-1'], captureId: a.id, sampleId: samples.samples[0].id });
    const { zips } = await exportZips(db, { periodId: period.id }, { now: NOW });
    const mine = await freshDb();
    const open = () => ZipBagSource.open(new Blob([zips[0]!.bytes as BlobPart]), 'b.zip');
    const first = await importBag(mine, await open());
    expect(first.added).toEqual([a.id]);
    expect(await mine.captures.count()).toBe(1);
    expect((await mine.blobs.where('captureId').equals(a.id).toArray()).map((r) => r.name).sort()).toEqual(['image.png', 'thumbnail.jpg']);
    const second = await importBag(mine, await open());
    expect(second).toMatchObject({ added: [], skipped: [a.id] });
  });
});
