import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { resetInstallationCache } from '@/lib/installation';
import { guessDelimiter, MAX_REQUEST_FILE_BYTES, previewRequestFile } from '@/lib/requests/csv';
import { detectDateFormat, readDate } from '@/lib/requests/dates';
import type { Period } from '@/lib/schema';
import { ada, seedControl, seedPeriod } from './coverage-fixtures';

let db: ExhibitDB;
let n = 0;
let period: Period;
const ask = (msg: unknown) => handleMessage(msg, { db });
const MAPPING = { id: 0, description: 1, controls: 2, dueDate: 3, owner: 4 };
const HEADER = 'Request ID,Description,Related controls,Due date,Owner';

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`requests-import-${n++}`);
  await db.open();
  await ask({ type: 'settings.set', capturer: ada });
  period = await seedPeriod(db, { start: '2026-01-01', end: '2026-12-31', timeZone: 'America/New_York' });
  await seedControl(db, 'AC-01', 'quarterly', 'ada@acme.example');
});

const importFile = (text: string, extra: Record<string, unknown> = {}) => ask({ type: 'requests.import', periodId: period.id, text, fileName: 'pbc.csv', mapping: MAPPING, ...extra });

async function imported() {
  const reply = await ask({ type: 'requests.list', periodId: period.id });
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.data as { ref: string; text: string; controlIds: string[]; dueDate: string | null; owner: string; source: { row: number } }[];
}

/** Imports must fail with import-invalid, name the row problems, and leave nothing behind. */
async function expectRefused(text: string, message: RegExp, rows: { row: number; field?: string; message: RegExp }[] = [], extra: Record<string, unknown> = {}) {
  const reply = await importFile(text, extra);
  expect(reply.ok).toBe(false);
  if (reply.ok) return;
  expect(reply.error.code).toBe('import-invalid');
  expect(reply.error.message).toMatch(message);
  const got = (reply.error.details as { rows: { row: number; field?: string; message: string }[] }).rows;
  for (const want of rows) expect(got).toContainEqual(expect.objectContaining({ row: want.row, ...(want.field ? { field: want.field } : {}), message: expect.stringMatching(want.message) }));
  expect(await db.requests.count()).toBe(0);
}

describe('request list import: well-formed files', () => {
  it('imports a plain CSV with its header mapped, keeping order and rows', async () => {
    const reply = await importFile(`${HEADER}\nPBC-1,Population of active users,"AC-01, CC6.2",2026-03-31,ada@acme.example\nPBC-2,Terminated users list,cc6.3,,\n`);
    expect(reply).toMatchObject({ ok: true, data: { created: 2, updated: 0, notInFile: [] } });
    expect(await imported()).toMatchObject([
      { ref: 'PBC-1', text: 'Population of active users', controlIds: ['AC-01', 'CC6.2'], dueDate: '2026-03-31', owner: 'ada@acme.example', source: { row: 2 } },
      { ref: 'PBC-2', text: 'Terminated users list', controlIds: ['CC6.3'], dueDate: null, owner: '', source: { row: 3 } },
    ]);
  });

  it('ignores a UTF-8 byte order mark (Excel’s “CSV UTF-8”)', async () => {
    const text = `\uFEFF${HEADER}\nPBC-1,Zugriffsprüfung Q1,AC-01,2026-03-31,\n`;
    const preview = previewRequestFile(text);
    expect(preview.columns[0]!.name).toBe('Request ID');
    expect(preview.mapping).toMatchObject(MAPPING);
    expect((await importFile(text)).ok).toBe(true);
    expect((await imported())[0]!.text).toBe('Zugriffsprüfung Q1');
  });

  it('keeps line breaks inside quoted values, and counts spreadsheet rows by record', async () => {
    const text = `${HEADER}\r\nPBC-1,"Provide:\r\n- the user list\r\n- the filter used",AC-01,,\r\nPBC-2,Second,,,\r\n`;
    expect((await importFile(text)).ok).toBe(true);
    const rows = await imported();
    expect(rows[0]!.text).toBe('Provide:\r\n- the user list\r\n- the filter used');
    expect(rows[1]!.source.row).toBe(3);
  });

  it('reads semicolon-delimited files (European Excel) with commas inside values', async () => {
    const text = 'Request ID;Description;Related controls;Due date;Owner\nPBC-1;Users, groups and roles;AC-01, CC6.1;31/03/2026;Ada\nPBC-2;Backups;A1.2;15/04/2026;Bo\n';
    expect(guessDelimiter(text)).toBe(';');
    const preview = previewRequestFile(text);
    expect(preview).toMatchObject({ delimiter: ';', rowCount: 2, dates: { format: 'eu', column: 3, ambiguous: false, evidence: { row: 2, value: '31/03/2026' } } });
    expect((await importFile(text)).ok).toBe(true);
    expect((await imported()).map((r) => [r.text, r.controlIds, r.dueDate])).toEqual([
      ['Users, groups and roles', ['AC-01', 'CC6.1'], '2026-03-31'],
      ['Backups', ['A1.2'], '2026-04-15'],
    ]);
  });

  it('keeps formula-looking cells as text, never evaluated or altered', async () => {
    const cells = ['=HYPERLINK("http://evil.example","click")', '+1+1', '-2', '@SUM(A1:A9)', '\tTabbed'];
    const text = `${HEADER}\n${cells.map((c, i) => `"=${i}","${c.replace(/"/g, '""')}",,,"${c.replace(/"/g, '""')}"`).join('\n')}\n`;
    expect((await importFile(text)).ok).toBe(true);
    const rows = await imported();
    expect(rows.map((r) => r.ref)).toEqual(['=0', '=1', '=2', '=3', '=4']);
    expect(rows.map((r) => r.text)).toEqual(cells.map((c) => c.trim()));
    expect(rows[0]!.owner).toBe(cells[0]);
  });

  it('skips a title row above the header and blank lines', async () => {
    const text = `Acme SOC 2 FY2026 request list,,,,\n\n${HEADER}\nPBC-1,Users,,,\n,,,,\nPBC-2,Groups,,,\n`;
    const preview = previewRequestFile(text);
    expect(preview.headerRow).toBe(2);
    expect(preview.rowCount).toBe(2);
    expect((await importFile(text)).ok).toBe(true);
    expect((await imported()).map((r) => [r.ref, r.source.row])).toEqual([['PBC-1', 4], ['PBC-2', 6]]);
  });

  it('updates items already imported and keeps those the new file leaves out', async () => {
    await importFile(`${HEADER}\nPBC-1,Users,,,\nPBC-2,Groups,,,\n`);
    const reply = await importFile(`${HEADER}\npbc-1,Users and their roles,AC-01,2026-05-01,\nPBC-3,Vendors,,,\n`);
    expect(reply).toMatchObject({ ok: true, data: { created: 1, updated: 1, notInFile: ['PBC-2'] } });
    expect((await imported()).map((r) => [r.ref, r.text])).toEqual([['pbc-1', 'Users and their roles'], ['PBC-3', 'Vendors'], ['PBC-2', 'Groups']]);
  });
});

describe('request list import: bad input changes nothing', () => {
  it('refuses duplicated request ids, ignoring case, naming both rows', async () => {
    await expectRefused(`${HEADER}\nPBC-1,Users,,,\nPBC-2,Groups,,,\npbc-1,Again,,,\n`, /1 problem/, [{ row: 4, field: 'id', message: /duplicate request id “pbc-1” \(first on row 2\)/ }]);
  });

  it('refuses unknown control references', async () => {
    await expectRefused(`${HEADER}\nPBC-1,Users,"AC-01; AC-99",,\nPBC-2,Groups,CC9.9,,\n`, /2 problems/, [
      { row: 2, field: 'controls', message: /unknown control “AC-99”/ },
      { row: 3, field: 'controls', message: /unknown control “CC9.9”/ },
    ]);
  });

  it('refuses empty ids and descriptions, and values past the header’s columns', async () => {
    await expectRefused(`${HEADER}\n,Users,,,\nPBC-2,,,,\nPBC-3,Users,AC-01,,,surplus\n`, /3 problems/, [
      { row: 2, field: 'id', message: /request id is empty/ },
      { row: 3, field: 'description', message: /description is empty/ },
      { row: 4, message: /6 values but the header has 5 columns/ },
    ]);
  });

  it.each([
    ['ISO', '2026-03-04', '2026-03-04'],
    ['ISO with time', '2026-03-04T17:00:00Z', '2026-03-04'],
    ['US, settled by the day', '03/25/2026', '2026-03-25'],
    ['European, settled by the day', '25.03.2026', '2026-03-25'],
    ['month name', '4 Mar 2026', '2026-03-04'],
    ['Excel d-mmm-yy', '04-Mar-26', '2026-03-04'],
    ['US month name', 'March 4, 2026', '2026-03-04'],
    ['leap day', '29/02/2028', '2028-02-29'],
    ['same day either way', '05/05/2026', '2026-05-05'],
  ])('reads %s dates: %s → %s', async (_name, value, date) => {
    expect((await importFile(`${HEADER}\nPBC-1,Users,,"${value}",\n`)).ok).toBe(true);
    expect((await imported())[0]!.dueDate).toBe(date);
  });

  it('asks how to read ambiguous dates instead of guessing, then reads them as chosen', async () => {
    const text = `${HEADER}\nPBC-1,Users,,03/04/2026,\nPBC-2,Groups,,01/02/2026,\n`;
    expect(previewRequestFile(text).dates).toMatchObject({ format: null, ambiguous: true, examples: [{ row: 2, value: '03/04/2026', us: '2026-03-04', eu: '2026-04-03' }, { row: 3 }] });
    const reply = await importFile(text);
    expect(reply).toMatchObject({ ok: false, error: { code: 'import-invalid', message: /03\/04\/2026 \(row 2\) can mean 2026-03-04 \(US.*2026-04-03 \(European/, details: { needsDateFormat: true, candidates: ['us', 'eu'] } } });
    expect(await db.requests.count()).toBe(0);
    expect((await importFile(text, { dateFormat: 'eu' })).ok).toBe(true);
    expect((await imported()).map((r) => r.dueDate)).toEqual(['2026-04-03', '2026-02-01']);
  });

  it('refuses dates that contradict the chosen or settled format, impossible dates and spreadsheet serial numbers', async () => {
    await expectRefused(`${HEADER}\nPBC-1,Users,,03/25/2026,\nPBC-2,Groups,,25/03/2026,\n`, /1 problem/, [{ row: 3, field: 'dueDate', message: /not a valid US/ }]);
    await expectRefused(`${HEADER}\nPBC-1,Users,,03/25/2026,\n`, /1 problem/, [{ row: 2, field: 'dueDate', message: /not a valid European/ }], { dateFormat: 'eu' });
    await expectRefused(`${HEADER}\nPBC-1,Users,,2026-02-30,\nPBC-2,Groups,,29/02/2027,\nPBC-3,Roles,,46115,\nPBC-4,Apps,,next Friday,\n`, /4 problems/, [
      { row: 2, message: /not a real calendar date/ },
      { row: 3, message: /not a real calendar date/ },
      { row: 4, message: /internal date number/ },
      { row: 5, message: /not a date/ },
    ]);
  });

  it('refuses a 50 MB file with the limit in the message, before reading it', async () => {
    const big = `${HEADER}\n${'PBC-1,'.padEnd(100, 'x')}\n`.repeat(1).padEnd(50 * 1024 * 1024, 'y');
    const started = Date.now();
    await expectRefused(big, new RegExp(`50\\.0 MB.*limited to ${MAX_REQUEST_FILE_BYTES / 1024 / 1024} MB`));
    expect(Date.now() - started).toBeLessThan(2000);
    const preview = await ask({ type: 'requests.preview', text: big });
    expect(preview).toMatchObject({ ok: false, error: { code: 'import-invalid', message: /limited to 10 MB/ } });
  });

  it.each([
    ['an Excel workbook', 'PK\u0003\u0004\u0014\u0000\u0006\u0000', /Excel workbook/],
    ['binary data', 'id,description\n1,\u0000\u0001', /binary data/],
    ['an empty file', '\uFEFF \n\n', /empty/],
    ['a header without rows', `${HEADER}\n`, /no requests/],
    ['an unclosed quote', `${HEADER}\nPBC-1,"Users,,,\nPBC-2,Groups,,,\n`, /not well-formed CSV/],
  ])('refuses %s', async (_name, text, message) => {
    await expectRefused(text, message);
  });

  it('refuses a mapping that does not fit the file', async () => {
    await expectRefused(`${HEADER}\nPBC-1,Users,,,\n`, /mapping/, [{ row: 1, field: 'description', message: /chosen for both request id and description/ }], { mapping: { ...MAPPING, description: 0 } });
    await expectRefused(`${HEADER}\nPBC-1,Users,,,\n`, /mapping/, [{ row: 1, field: 'owner', message: /beyond the file's 5 columns/ }], { mapping: { ...MAPPING, owner: 9 } });
  });

  it('needs a period that exists and a capturer', async () => {
    expect(await ask({ type: 'requests.import', periodId: '01JD00000000000000000000AA', text: `${HEADER}\nPBC-1,Users,,,\n`, mapping: MAPPING })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    fakeBrowser.reset();
    expect(await importFile(`${HEADER}\nPBC-1,Users,,,\n`)).toMatchObject({ ok: false, error: { code: 'capturer-missing' } });
  });
});

describe('request list preview', () => {
  it('suggests a mapping from common header names and reports warnings', () => {
    const preview = previewRequestFile('Req #\tRequested information\tTSC\tDeadline\tAssigned to\nA-1\tUsers\tCC6.1\t2026-01-31\tAda\n');
    expect(preview).toMatchObject({ delimiter: '\t', mapping: { id: 0, description: 1, controls: 2, dueDate: 3, owner: 4 }, warnings: [] });
    expect(previewRequestFile('just one column\nx\n').warnings).toEqual([expect.stringMatching(/Only one column/)]);
    expect(previewRequestFile('id,description\n1,Caf\ufffd\n').warnings).toEqual([expect.stringMatching(/not be UTF-8/)]);
  });

  it('suggests through the message too, and keeps an explicit “not in the file”', async () => {
    const text = `${HEADER}\nPBC-1,Users,,,\n`;
    expect(await ask({ type: 'requests.preview', text, mapping: {} })).toMatchObject({ ok: true, data: { mapping: MAPPING } });
    expect(await ask({ type: 'requests.preview', text, mapping: { controls: null } })).toMatchObject({ ok: true, data: { mapping: { ...MAPPING, controls: null } } });
  });

  it('keeps a mapping the person chose over the suggestion', () => {
    expect(previewRequestFile(`${HEADER}\nPBC-1,Users,,,\n`, { mapping: { description: 4, owner: 1 } }).mapping).toMatchObject({ id: 0, description: 4, owner: 1 });
  });

  it('classifies dates one by one and across a column', () => {
    expect(readDate('03/04/26')).toEqual({ kind: 'numeric', us: '2026-03-04', eu: '2026-04-03' });
    expect(readDate('13/13/2026')).toMatchObject({ kind: 'invalid' });
    expect(detectDateFormat([[2, '03/25/2026'], [3, '25/03/2026']])).toMatchObject({ format: null, conflict: true });
    expect(detectDateFormat([[2, '2026-01-01'], [3, '']])).toMatchObject({ format: 'iso', ambiguous: false });
  });
});
