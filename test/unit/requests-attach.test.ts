import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { foldAnnotations } from '@/lib/annotations';
import { isCriterionId } from '@/lib/controls/catalog';
import { CONTROL_TEMPLATES, OWNER_ROLES } from '@/lib/controls/templates';
import { ExhibitDB } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { resetInstallationCache } from '@/lib/installation';
import { coverageByPeriod } from '@/lib/periods/coverage';
import { foldReadiness } from '@/lib/readiness/events';
import { readinessForBundle } from '@/lib/readiness/export';
import { customControlSchema, type AnnotationEvent, type Period, type ReadinessEvent } from '@/lib/schema';
import { ada, seedCapture, seedControl, seedPeriod } from './coverage-fixtures';

let db: ExhibitDB;
let n = 0;
let period: Period;
const ask = async (msg: Record<string, unknown>) => {
  const reply = await handleMessage(msg, { db });
  return reply;
};
const call = async (msg: Record<string, unknown>) => {
  const reply = await handleMessage(msg, { db });
  if (!reply.ok) throw new Error(`${String(msg.type)}: ${reply.error.code}: ${reply.error.message}`);
  return reply.data as any;
};

const LIST = 'ID,Description,Controls,Due\nPBC-1,Quarterly access review evidence,AC-01,2026-03-31\nPBC-2,Sample of new hires with approvals,CC6.2,2026-05-15\n';

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`requests-attach-${n++}`);
  await db.open();
  await call({ type: 'settings.set', capturer: ada });
  period = await seedPeriod(db, { start: '2026-01-01', end: '2026-12-31', timeZone: 'America/New_York' });
  await seedControl(db, 'AC-01', 'quarterly', 'ada@acme.example');
});

async function importList(): Promise<Record<string, string>> {
  const result = await call({ type: 'requests.import', periodId: period.id, text: LIST, mapping: { id: 0, description: 1, controls: 2, dueDate: 3 } });
  return Object.fromEntries(result.requests.map((r: { ref: string; id: string }) => [r.ref, r.id]));
}

describe('answering requests with captures', () => {
  it('attaches a capture to a request, tags it with the request’s controls, and coverage follows', async () => {
    const ids = await importList();
    const capture = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z' });
    expect((await call({ type: 'requests.get', id: ids['PBC-1'] })).status).toBe('open');
    const attached = await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id });
    expect(attached.request).toMatchObject({ status: 'evidence-attached', captureIds: [capture.id], attachments: [{ captureId: capture.id, sampleId: null, by: 'Ada Admin <ada@acme.example>' }] });
    expect(attached.annotation).toMatchObject({ controlIds: ['AC-01'], requestIds: [ids['PBC-1']] });
    const report = await coverageByPeriod(db, period.id, { now: new Date('2026-04-15T00:00:00.000Z') });
    expect(report.rows.find((r) => r.controlId === 'AC-01')!.cells[0]).toMatchObject({ key: '2026-Q1', count: 1, state: 'covered' });
    // Attaching twice changes nothing; the history records who did what.
    await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id });
    const detail = await call({ type: 'captures.get', id: capture.id });
    expect(detail.history.map((e: AnnotationEvent) => e.op)).toEqual(['requests.add', 'controls.add']);

    const detached = await call({ type: 'requests.detach', requestId: ids['PBC-1'], captureId: capture.id });
    expect(detached.request).toMatchObject({ status: 'open', captureIds: [] });
    expect(detached.annotation.controlIds).toEqual(['AC-01']);
  });

  it('tracks sampled items, each answered by its own capture', async () => {
    const ids = await importList();
    const request = await call({ type: 'requests.addSamples', requestId: ids['PBC-2'], samples: ['jdoe (hired 2026-02-03)', 'asmith (hired 2026-03-17)', 'bkhan (hired 2026-04-02)'] });
    expect(request.samples.map((s: { id: string; label: string }) => [s.id, s.label])).toEqual([['S1', 'jdoe (hired 2026-02-03)'], ['S2', 'asmith (hired 2026-03-17)'], ['S3', 'bkhan (hired 2026-04-02)']]);
    const dup = await ask({ type: 'requests.addSamples', requestId: ids['PBC-2'], samples: ['JDOE (hired 2026-02-03)', 'new', 'new'] });
    expect(dup).toMatchObject({ ok: false, error: { code: 'invalid-request', message: /already S1.*twice/ } });

    const captures = await Promise.all(['2026-02-04', '2026-03-18', '2026-04-03'].map((d) => seedCapture(db, { capturedAt: `${d}T15:00:00.000Z` })));
    await call({ type: 'requests.attach', requestId: ids['PBC-2'], captureId: captures[0]!.id, sampleId: 'S1' });
    let view = await call({ type: 'requests.attach', requestId: ids['PBC-2'], captureId: captures[1]!.id, sampleId: 'S2' });
    expect(view.request).toMatchObject({ status: 'open', fulfilledSamples: 2 });
    view = await call({ type: 'requests.attach', requestId: ids['PBC-2'], captureId: captures[2]!.id, sampleId: 'S3' });
    expect(view.request).toMatchObject({ status: 'evidence-attached', fulfilledSamples: 3 });
    expect(view.request.samples.map((s: { captureIds: string[] }) => s.captureIds)).toEqual(captures.map((c) => [c.id]));

    expect(await ask({ type: 'requests.attach', requestId: ids['PBC-2'], captureId: captures[0]!.id, sampleId: 'S9' })).toMatchObject({ ok: false, error: { code: 'not-found', message: /no sample S9/ } });
    expect(await ask({ type: 'requests.removeSample', requestId: ids['PBC-2'], sampleId: 'S1' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await call({ type: 'requests.detach', requestId: ids['PBC-2'], captureId: captures[0]!.id, sampleId: 'S1' });
    expect((await call({ type: 'requests.removeSample', requestId: ids['PBC-2'], sampleId: 'S1' })).samples.map((s: { id: string }) => s.id)).toEqual(['S2', 'S3']);
    // Ids are never reused, so an old reference cannot point at a different item.
    expect((await call({ type: 'requests.addSamples', requestId: ids['PBC-2'], samples: ['later pick'] })).samples.at(-1).id).toBe('S4');
  });

  it('records submission with who and when, and notices changes after it', async () => {
    const ids = await importList();
    const capture = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z' });
    await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id });
    const submitted = await call({ type: 'requests.setStatus', requestId: ids['PBC-1'], status: 'submitted', note: 'sent via the audit portal' });
    expect(submitted).toMatchObject({ status: 'submitted', submission: { status: 'submitted', note: 'sent via the audit portal', by: 'Ada Admin <ada@acme.example>' }, changedSinceSubmission: false });
    await new Promise((r) => setTimeout(r, 5));
    const other = await seedCapture(db, { capturedAt: '2026-02-11T15:00:00.000Z' });
    const after = await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: other.id });
    expect(after.request).toMatchObject({ status: 'submitted', changedSinceSubmission: true });
    expect(await call({ type: 'requests.setStatus', requestId: ids['PBC-1'], status: 'open' })).toMatchObject({ status: 'evidence-attached' });
  });

  it('refuses what cannot be done, and changes nothing', async () => {
    const ids = await importList();
    const capture = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z' });
    expect(await ask({ type: 'requests.attach', requestId: '01JD00000000000000000000AA', captureId: capture.id })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await ask({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: '01JD00000000000000000000AA' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await ask({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id, sampleId: 'X1' })).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id });
    expect(await ask({ type: 'requests.delete', id: ids['PBC-1'] })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await call({ type: 'requests.delete', id: ids['PBC-2'] })).toEqual({ deleted: ids['PBC-2'] });
    fakeBrowser.reset();
    expect(await ask({ type: 'requests.detach', requestId: ids['PBC-1'], captureId: capture.id })).toMatchObject({ ok: false, error: { code: 'capturer-missing' } });
    expect((await db.annotationState.get(capture.id))!.requestIds).toEqual([ids['PBC-1']]);
  });

  it('gives the bundle each request’s captures, its status rows, coverage and exceptions', async () => {
    const ids = await importList();
    const capture = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z' });
    await call({ type: 'requests.attach', requestId: ids['PBC-1'], captureId: capture.id });
    await call({ type: 'requests.addSamples', requestId: ids['PBC-2'], samples: ['jdoe'] });
    await call({ type: 'requests.attach', requestId: ids['PBC-2'], captureId: capture.id, sampleId: 'S1' });
    await call({ type: 'exceptions.set', captureId: capture.id, exception: { description: 'one stale admin visible', remediation: 'removed 2026-02-12' } });
    const data = await readinessForBundle(db, period.id, new Date('2026-06-01T00:00:00.000Z'));
    expect(data.requests.map((r) => [r.ref, r.status, r.captureIds, r.samples])).toEqual([
      ['PBC-1', 'evidence-attached', [capture.id], []],
      ['PBC-2', 'evidence-attached', [], [{ id: 'S1', label: 'jdoe', captureIds: [capture.id] }]],
    ]);
    expect(data.requestsCsv!.header.slice(0, 6)).toEqual(['request_id', 'description', 'related_controls', 'due_date', 'owner', 'status']);
    expect(data.requestsCsv!.rows[1]!.slice(0, 8)).toEqual(['PBC-2', 'Sample of new hires with approvals', 'CC6.2', '2026-05-15', '', 'evidence-attached', true, 1]);
    expect(data.exceptions).toMatchObject([{ kind: 'capture', captureId: capture.id, description: 'one stale admin visible', remediation: 'removed 2026-02-12' }]);
    expect(data.exceptionsCsv.rows[0]).toEqual(expect.arrayContaining(['capture', capture.id, 'one stale admin visible']));
    expect(data.coverageCsv.rows.length).toBeGreaterThan(0);
  });
});

describe('exceptions', () => {
  it('lists capture and sub-period exceptions of a period with who and when, and keeps clearing auditable', async () => {
    const inside = await seedCapture(db, { capturedAt: '2026-02-10T15:00:00.000Z', controlIds: ['AC-01'] });
    const outside = await seedCapture(db, { capturedAt: '2025-02-10T15:00:00.000Z' });
    await call({ type: 'exceptions.set', captureId: inside.id, exception: { description: 'shows a leaver still active', remediation: 'access removed' } });
    await call({ type: 'exceptions.set', captureId: outside.id, exception: { description: 'older' } });
    await call({ type: 'exceptions.set', controlId: 'AC-01', subPeriod: '2026-Q1', exception: { description: 'review a week late', remediation: 'reminders' } });
    const listed = await call({ type: 'exceptions.list', periodId: period.id });
    expect(listed.items.map((e: { kind: string }) => e.kind)).toEqual(['capture', 'control-period']);
    expect(listed.items[1]).toMatchObject({ controlId: 'AC-01', subPeriod: '2026-Q1', title: 'Control AC-01', by: 'Ada Admin <ada@acme.example>' });
    expect((await call({ type: 'exceptions.list' })).items).toHaveLength(3);

    await call({ type: 'exceptions.set', captureId: inside.id, exception: null });
    expect((await call({ type: 'exceptions.list', periodId: period.id })).items).toHaveLength(1);
    const history = (await call({ type: 'captures.get', id: inside.id })).history.map((e: AnnotationEvent) => e.op);
    expect(history).toEqual(['controls.add', 'exception.set', 'exception.set']);
  });
});

describe('annotation and readiness events converge', () => {
  const by = { name: 'Ada', email: 'ada@acme.example' };
  const CAPTURE = '01JD00000000000000000000AA';
  const R1 = '01JR00000000000000000000AA';
  const R2 = '01JR00000000000000000000BB';
  const ev = (m: number, body: Record<string, unknown>, who = by, inst = 'a') =>
    ({ id: `01JE0000000000000000000${String(m).padStart(3, '0')}`.slice(0, 26), captureId: CAPTURE, at: new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString(), by: who, installationId: inst, ...body }) as AnnotationEvent;

  function shuffle<T>(items: T[], seed: number): T[] {
    const out = [...items];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const j = s % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  it('folds request links, exception flags, tags and notes to one state whatever the arrival order', () => {
    const bo = { name: 'Bo', email: 'bo@acme.example' };
    const events = [
      ev(1, { op: 'controls.add', controlIds: ['CC6.1'] }),
      ev(2, { op: 'requests.add', requests: [{ requestId: R1, sampleId: null }, { requestId: R2, sampleId: 'S1' }] }),
      ev(2, { op: 'requests.add', requests: [{ requestId: R2, sampleId: 'S2' }] }, bo, 'b'),
      ev(3, { op: 'exception.set', exception: { description: 'stale user', remediation: '' } }),
      ev(4, { op: 'requests.remove', requests: [{ requestId: R2, sampleId: 'S1' }] }, bo, 'b'),
      ev(5, { op: 'note.set', note: 'checked' }),
      ev(6, { op: 'exception.set', exception: null }, bo, 'b'),
    ];
    const expected = foldAnnotations(CAPTURE, events);
    expect(expected).toMatchObject({
      controlIds: ['CC6.1'],
      note: 'checked',
      requestIds: [R1, R2],
      requests: [
        { requestId: R1, sampleId: null, by: 'Ada <ada@acme.example>' },
        { requestId: R2, sampleId: 'S2', by: 'Bo <bo@acme.example>' },
      ],
      exception: null,
    });
    for (let seed = 1; seed < 40; seed++) expect(foldAnnotations(CAPTURE, shuffle(events, seed))).toEqual(expected);
    // Events that never touched requests or exceptions keep the original state shape.
    expect(Object.keys(foldAnnotations(CAPTURE, events.slice(0, 1))).sort()).toEqual(['captureId', 'controlIds', 'note', 'updatedAt', 'updatedBy']);
  });

  it('folds snoozes, not-applicable, reopenings and submissions the same way', () => {
    const base = { by, installationId: 'a' };
    const events: ReadinessEvent[] = [
      { ...base, id: '01JE0000000000000000000001', at: '2026-01-01T00:01:00.000Z', op: 'due.snooze', controlId: 'AC-01', subPeriod: '2026-Q1', until: '2026-02-01', reason: '' },
      { ...base, id: '01JE0000000000000000000002', at: '2026-01-01T00:02:00.000Z', op: 'due.notApplicable', controlId: 'AC-01', subPeriod: '2026-Q1', reason: 'no users yet' },
      { ...base, id: '01JE0000000000000000000003', at: '2026-01-01T00:03:00.000Z', op: 'period.exception', controlId: 'AC-01', subPeriod: '2026-Q1', exception: { description: 'late', remediation: '' } },
      { ...base, id: '01JE0000000000000000000004', at: '2026-01-01T00:04:00.000Z', op: 'due.reopen', controlId: 'VM-01', subPeriod: '2026-01' },
      { ...base, id: '01JE0000000000000000000005', at: '2026-01-01T00:05:00.000Z', op: 'request.status', requestId: R1, status: 'submitted', note: '' },
      { ...base, id: '01JE0000000000000000000006', at: '2026-01-01T00:05:00.000Z', op: 'request.status', requestId: R1, status: 'open', note: 'withdrawn' },
    ];
    const expected = foldReadiness(events);
    expect(expected.marks.get('AC-01\u00002026-Q1')).toMatchObject({ notApplicable: { reason: 'no users yet' }, exception: { description: 'late' } });
    expect(expected.marks.get('AC-01\u00002026-Q1')?.snooze).toBeUndefined();
    expect(expected.marks.has('VM-01\u00002026-01')).toBe(false);
    expect(expected.submissions.get(R1)).toMatchObject({ status: 'open', note: 'withdrawn' });
    for (let seed = 1; seed < 40; seed++) expect(foldReadiness(shuffle(events, seed))).toEqual(expected);
  });
});

describe('starter control library', () => {
  it('has about forty valid controls in our own words, with cadence, owner role and real criteria', () => {
    expect(CONTROL_TEMPLATES.length).toBeGreaterThanOrEqual(38);
    expect(CONTROL_TEMPLATES.length).toBeLessThanOrEqual(50);
    expect(new Set(CONTROL_TEMPLATES.map((c) => c.id)).size).toBe(CONTROL_TEMPLATES.length);
    for (const c of CONTROL_TEMPLATES) {
      expect(customControlSchema.safeParse(c).success, c.id).toBe(true);
      expect(c.criteria.length, c.id).toBeGreaterThan(0);
      for (const id of c.criteria) expect(isCriterionId(id), `${c.id} maps ${id}`).toBe(true);
      expect(OWNER_ROLES).toContain(c.ownerRole);
      expect(c.description.length, c.id).toBeGreaterThan(60);
    }
    // The typical SaaS controls a first audit asks about are all there.
    const titles = CONTROL_TEMPLATES.map((c) => c.title.toLowerCase()).join('\n');
    for (const word of ['access review', 'multi-factor', 'pull request', 'backups', 'vulnerability scan', 'incident', 'vendors', 'training', 'policies']) expect(titles).toContain(word);
    // Cadences vary, as real programs do.
    expect(new Set(CONTROL_TEMPLATES.map((c) => c.cadence))).toEqual(new Set(['quarterly', 'per-event', 'annually', 'monthly']));
  });

  it('imports the library with owners per role, skips existing controls unless replacing', async () => {
    await seedControl(db, 'VM-01', 'weekly', 'custom@acme.example');
    const first = await call({ type: 'controls.template', owners: { 'Security lead': 'sec@acme.example' } });
    expect(first.created).toHaveLength(CONTROL_TEMPLATES.length - 2);
    expect(first.skipped).toEqual(['AC-01', 'VM-01']);
    expect(await db.controls.get('AC-06')).toMatchObject({ owner: 'sec@acme.example', cadence: 'quarterly' });
    expect(await db.controls.get('HR-01')).toMatchObject({ owner: 'People lead' });
    expect(await db.controls.get('VM-01')).toMatchObject({ owner: 'custom@acme.example', cadence: 'weekly' });
    expect(await call({ type: 'controls.template', ids: ['VM-01'], replace: true })).toEqual({ created: [], replaced: ['VM-01'], skipped: [] });
    expect(await db.controls.get('VM-01')).toMatchObject({ cadence: 'monthly' });
    expect(await ask({ type: 'controls.template', ids: ['ZZ-99'] })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: /ZZ-99/ } });
    expect(await ask({ type: 'controls.template', owners: { Janitor: 'x@acme.example' } })).toMatchObject({ ok: false, error: { code: 'invalid-request', message: /Janitor/ } });
  });
});
