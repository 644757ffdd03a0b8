import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { resetInstallationCache } from '@/lib/installation';
import { coverageByPeriod, type CoverageRow } from '@/lib/periods/coverage';
import { overdueForPerson } from '@/lib/readiness/badge';
import { listDue, ownerMatches } from '@/lib/readiness/due';
import { makeReadinessEvent } from '@/lib/readiness/events';
import { coverageCsv, readinessForPeriod } from '@/lib/readiness/export';
import type { Period } from '@/lib/schema';
import { ada, seedCapture, seedControl, seedPeriod, seedTags } from './coverage-fixtures';

let db: ExhibitDB;
let n = 0;
let period: Period;
const ask = (msg: unknown) => handleMessage(msg, { db });
const NOW = new Date('2026-04-15T12:00:00.000Z');

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`coverage-${n++}`);
  await db.open();
  await ask({ type: 'settings.set', capturer: ada });
  period = await seedPeriod(db, { start: '2026-01-01', end: '2026-12-31', timeZone: 'America/New_York' });
  await seedControl(db, 'VM-01', 'monthly', 'Bo Builder <bo@acme.example>', ['CC7.1']);
  await seedControl(db, 'AC-01', 'quarterly', 'ada@acme.example', ['CC6.1', 'CC6.2']);
  await seedControl(db, 'GV-02', 'annually', 'ada@acme.example', ['CC3.1']);
  await seedControl(db, 'IR-02', 'per-event', '', ['CC7.4']);
  await seedTags(db, 'VM-01', [
    '2026-01-05T15:00:00.000Z',
    '2026-01-20T15:00:00.000Z',
    // 23:30 on 28 February in New York is already 1 March in UTC: it counts for February.
    '2026-03-01T04:30:00.000Z',
    // Outside the period (31 December 2025, 23:00 in New York).
    '2026-01-01T04:00:00.000Z',
  ]);
  await seedTags(db, 'AC-01', ['2026-02-10T12:00:00.000Z']);
});

const row = (rows: CoverageRow[], id: string) => rows.find((r) => r.controlId === id)!;
const states = (r: CoverageRow) => r.cells.map((c) => `${c.key}:${c.state}:${c.count}`);

describe('coverage of an audit period', () => {
  it('a control filter keeps those controls’ rows, and the totals describe only them', async () => {
    const whole = await coverageByPeriod(db, period.id, { now: NOW });
    const { coverage } = await readinessForPeriod(db, period, { now: NOW, controlIds: new Set(['VM-01']), withRequests: false });
    expect(coverage.rows.map((r) => r.controlId)).toEqual(['VM-01']);
    // VM-01 alone: January and February covered, March a gap, April due (the whole period has more).
    expect(coverage.summary).toMatchObject({ covered: 2, gaps: 1, due: 1 });
    expect(whole.summary.due).toBeGreaterThan(coverage.summary.due);
  });

  it('counts evidence per sub-period of each control’s cadence and finds the gaps', async () => {
    const report = await coverageByPeriod(db, period.id, { now: NOW });
    expect(report.subPeriods).toHaveLength(12);
    expect(report.rows.map((r) => r.controlId)).toEqual(['AC-01', 'GV-02', 'IR-02', 'VM-01']);

    const vm = row(report.rows, 'VM-01');
    expect(states(vm).slice(0, 6)).toEqual(['2026-01:covered:2', '2026-02:covered:1', '2026-03:gap:0', '2026-04:due:0', '2026-05:upcoming:0', '2026-06:upcoming:0']);
    expect(vm).toMatchObject({ total: 3, gaps: 1, status: 'gap', unit: 'month', lastEvidenceAt: '2026-03-01T04:30:00.000Z', owner: 'Bo Builder <bo@acme.example>', criteria: ['CC7.1'] });

    expect(states(row(report.rows, 'AC-01'))).toEqual(['2026-Q1:covered:1', '2026-Q2:due:0', '2026-Q3:upcoming:0', '2026-Q4:upcoming:0']);
    expect(row(report.rows, 'AC-01').status).toBe('due');
    expect(states(row(report.rows, 'GV-02'))).toEqual(['2026:due:0']);
    // Per-event controls show monthly counts and have no gaps to miss.
    const ir = row(report.rows, 'IR-02');
    expect(ir.cells.map((c) => c.state).slice(0, 4)).toEqual(['none', 'none', 'none', 'none']);
    expect(ir).toMatchObject({ gaps: 0, status: 'no-evidence', expectsEvidence: false });

    expect(report.summary).toMatchObject({
      covered: 3,
      gaps: 1,
      due: 3,
      percentCovered: 75,
      withoutEvidence: 2,
      gapsByOwner: [{ owner: 'Bo Builder <bo@acme.example>', gaps: 1, controls: 1 }],
      oldestGap: { controlId: 'VM-01', key: '2026-03', start: '2026-03-01', end: '2026-03-31', label: 'Mar 2026' },
    });
  });

  it('calls the gap missing longest the oldest: the earliest to end, not the earliest to start', async () => {
    await seedControl(db, 'AA-01', 'quarterly', 'ada@acme.example');
    await seedControl(db, 'ZZ-01', 'monthly', 'bo@acme.example');
    const { summary } = await coverageByPeriod(db, period.id, { now: NOW });
    expect(summary.oldestGap).toMatchObject({ controlId: 'ZZ-01', key: '2026-01', end: '2026-01-31' });
    expect(summary.gapsByOwner.map((o) => [o.owner, o.gaps])).toEqual([
      ['bo@acme.example', 3],
      ['ada@acme.example', 1],
      ['Bo Builder <bo@acme.example>', 1],
    ]);
  });

  it('shows built-in criteria only when evidence is tagged to them in the period, unless asked', async () => {
    const tagged = await seedCapture(db, { capturedAt: '2026-02-02T10:00:00.000Z', controlIds: ['CC6.2'] });
    await seedCapture(db, { capturedAt: '2025-06-02T10:00:00.000Z', controlIds: ['CC8.1'] });
    const report = await coverageByPeriod(db, period.id, { now: NOW });
    const criteriaRows = report.rows.filter((r) => r.builtIn);
    expect(criteriaRows.map((r) => r.controlId)).toEqual(['CC6.2']);
    expect(criteriaRows[0]).toMatchObject({ total: 1, cadence: 'continuous', gaps: 0, lastEvidenceAt: tagged.capturedAt });
    expect((await coverageByPeriod(db, period.id, { now: NOW, criteria: 'all' })).rows.filter((r) => r.builtIn)).toHaveLength(61);
    expect((await coverageByPeriod(db, period.id, { now: NOW, criteria: 'none' })).rows.filter((r) => r.builtIn)).toHaveLength(0);
  });

  it('changes when evidence is tagged or untagged, through the annotate message', async () => {
    const c = await seedCapture(db, { capturedAt: '2026-03-10T15:00:00.000Z', controlIds: [] });
    expect(row((await coverageByPeriod(db, period.id, { now: NOW })).rows, 'VM-01').cells[2]!.state).toBe('gap');
    expect((await ask({ type: 'annotate', captureId: c.id, controlIds: ['VM-01'] })).ok).toBe(true);
    const after = await coverageByPeriod(db, period.id, { now: NOW });
    expect(row(after.rows, 'VM-01').cells[2]).toMatchObject({ state: 'covered', count: 1, gap: false });
    expect(after.summary.percentCovered).toBe(100);
    expect(after.summary.oldestGap).toBeNull();
    await ask({ type: 'annotate', captureId: c.id, controlIds: [] });
    expect(row((await coverageByPeriod(db, period.id, { now: NOW })).rows, 'VM-01').cells[2]!.state).toBe('gap');
  });

  it('records not-applicable and exceptions on sub-periods with who and when, and flagged captures in their cell', async () => {
    const na = await ask({ type: 'due.notApplicable', controlId: 'VM-01', subPeriod: '2026-03', reason: 'scanner migration, no production hosts' });
    expect(na.ok).toBe(true);
    const ex = await ask({ type: 'exceptions.set', controlId: 'AC-01', subPeriod: '2026-Q2', exception: { description: 'review started late', remediation: 'calendar hold' } });
    expect(ex.ok).toBe(true);
    const flagged = await seedCapture(db, { capturedAt: '2026-01-12T15:00:00.000Z', controlIds: ['VM-01'] });
    expect((await ask({ type: 'exceptions.set', captureId: flagged.id, exception: { description: 'scan missed two hosts' } })).ok).toBe(true);

    const report = await coverageByPeriod(db, period.id, { now: NOW });
    const vm = row(report.rows, 'VM-01');
    expect(vm.cells[2]).toMatchObject({ state: 'not-applicable', gap: false, notApplicable: { reason: 'scanner migration, no production hosts', by: 'Ada Admin <ada@acme.example>' } });
    expect(vm.cells[0]).toMatchObject({ count: 3, flaggedCaptureIds: [flagged.id] });
    expect(row(report.rows, 'AC-01').cells[1]).toMatchObject({ state: 'due', exception: { description: 'review started late', remediation: 'calendar hold' } });
    expect(report.summary).toMatchObject({ gaps: 0, notApplicable: 1, exceptions: 2, percentCovered: 100 });

    // The CSV for the bundle carries the same.
    const csv = coverageCsv(report);
    const cell = (control: string, key: string) => csv.rows.find((r) => r[0] === control && r[5] === key)!;
    expect(cell('VM-01', '2026-03')).toEqual(expect.arrayContaining(['not-applicable', 'scanner migration, no production hosts']));
    expect(cell('AC-01', '2026-Q2')).toEqual(expect.arrayContaining(['review started late', 'calendar hold']));
    expect(csv.header).toContain('time_zone');

    // Reopening brings the gap back.
    await ask({ type: 'due.reopen', controlId: 'VM-01', subPeriod: '2026-03' });
    expect(row((await coverageByPeriod(db, period.id, { now: NOW })).rows, 'VM-01').cells[2]!.state).toBe('gap');
  });

  it('refuses a sub-period that is not of the control’s cadence, an unknown control, and a period that does not exist', async () => {
    const wrong = await ask({ type: 'due.notApplicable', controlId: 'AC-01', subPeriod: '2026-03', reason: 'x' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/quarterly control.*2026-Q1/) } });
    expect(await ask({ type: 'due.snooze', controlId: 'NOPE', subPeriod: '2026-03', until: '2099-01-01' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await ask({ type: 'due.notApplicable', controlId: 'VM-01', subPeriod: '2026-13', reason: 'x' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await ask({ type: 'coverage', periodId: '01JD00000000000000000000AA' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await ask({ type: 'exceptions.set', captureId: '01JD00000000000000000000AA', controlId: 'VM-01', subPeriod: '2026-03', exception: null })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await ask({ type: 'exceptions.set', controlId: 'VM-01', subPeriod: '2026-03', exception: { description: '  ' } })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    expect(await db.readinessEvents.count()).toBe(0);
  });
});

describe('due and overdue items', () => {
  it('lists the current sub-period as due and ended gaps as overdue, per owner', async () => {
    const all = await listDue(db, { periodId: period.id, now: NOW });
    expect(all.items.map((i) => `${i.state} ${i.controlId} ${i.subPeriod} ${i.dueDate}`)).toEqual([
      'overdue VM-01 2026-03 2026-03-31',
      'due VM-01 2026-04 2026-04-30',
      'due AC-01 2026-Q2 2026-06-30',
      'due GV-02 2026 2026-12-31',
    ]);
    expect(all.today).toBe('2026-04-15');
    const mine = await listDue(db, { periodId: period.id, owner: 'ada@acme.example', now: NOW });
    expect(mine.items.map((i) => i.controlId)).toEqual(['AC-01', 'GV-02']);
    expect((await listDue(db, { periodId: period.id, owner: 'BO@acme.example', now: NOW })).counts).toEqual({ due: 1, overdue: 1, snoozed: 0 });
  });

  it('defaults to the period under way, and has nothing when none is', async () => {
    expect((await listDue(db, { now: NOW })).period?.id).toBe(period.id);
    expect(await listDue(db, { now: new Date('2030-01-01T00:00:00.000Z') })).toMatchObject({ period: null, items: [] });
  });

  it('hides a snoozed item until its day, and an overdue item once an exception documents it', async () => {
    const bo = { name: 'Bo', email: 'bo@acme.example', team: '' };
    await db.readinessEvents.add(makeReadinessEvent({ op: 'due.snooze', controlId: 'VM-01', subPeriod: '2026-04', until: '2026-04-20', reason: 'scanner licence renewal' }, bo, 'i', new Date('2026-04-10T00:00:00.000Z')));
    const listed = await listDue(db, { periodId: period.id, now: NOW });
    expect(listed.items.some((i) => i.subPeriod === '2026-04')).toBe(false);
    expect(listed.counts.snoozed).toBe(1);
    const withSnoozed = await listDue(db, { periodId: period.id, now: NOW, includeSnoozed: true });
    expect(withSnoozed.items.find((i) => i.subPeriod === '2026-04')?.snooze).toMatchObject({ until: '2026-04-20', reason: 'scanner licence renewal', by: 'Bo <bo@acme.example>' });
    // On the 20th (in New York) it is back.
    expect((await listDue(db, { periodId: period.id, now: new Date('2026-04-20T04:30:00.000Z') })).items.some((i) => i.subPeriod === '2026-04')).toBe(true);

    await ask({ type: 'exceptions.set', controlId: 'VM-01', subPeriod: '2026-03', exception: { description: 'scan skipped', remediation: 'rescheduled' } });
    expect((await listDue(db, { periodId: period.id, now: NOW })).counts.overdue).toBe(0);
  });

  it('counts the overdue items the person owns for the badge, requests included', async () => {
    expect(await overdueForPerson(db, 'bo@acme.example', NOW)).toMatchObject({ controls: 1, requests: 0, total: 1 });
    expect(await overdueForPerson(db, 'ada@acme.example', NOW)).toMatchObject({ controls: 0, total: 0 });
    await db.requests.add({
      id: '01JR00000000000000000000AA', periodId: period.id, ref: 'PBC-1', text: 'Access review evidence', controlIds: ['AC-01'], dueDate: '2026-04-01', owner: 'Ada@acme.example',
      samples: [], position: 0, importedAt: '2026-03-01T00:00:00.000Z', importedBy: 'x', source: { fileName: 'pbc.csv', row: 2 },
    });
    expect(await overdueForPerson(db, 'ada@acme.example', NOW)).toMatchObject({ controls: 0, requests: 1, total: 1 });
  });

  it.each([
    ['ada@acme.example', 'ada@acme.example', true],
    ['Ada Admin <ADA@acme.example>', 'ada@acme.example', true],
    ['ada@acme.example, bo@acme.example', 'bo@acme.example', true],
    ['Ada Admin', 'ada admin', true],
    ['ada@acme.example.evil', 'ada@acme.example', false],
    ['', 'ada@acme.example', false],
    ['IT lead', 'ada@acme.example', false],
  ])('owner %j is %j: %s', (owner, person, expected) => {
    expect(ownerMatches(owner, person)).toBe(expected);
  });
});
