import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { resetInstallationCache } from '@/lib/installation';
import { buildEvidence } from '@/lib/capture/evidence';
import { saveCapture } from '@/lib/capture/store';
import { encodePngRgba } from '@/lib/capture/png';
import { getInstallation } from '@/lib/installation';
import { eventsForChange, emptyAnnotation } from '@/lib/annotations';

let db: ExhibitDB;
let n = 0;
const ask = (msg: unknown) => handleMessage(msg, { db });
const capturer = { name: 'Ada Admin', email: 'Ada@Acme.example', team: 'IT' };

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`test-${n++}`);
  await db.open();
});

/** Stores a capture through the same evidence and transaction code as the real pipeline. */
async function seedCapture(opts: { capturedAt: string; url: string; title?: string; controlIds?: string[]; email?: string }) {
  const installation = await getInstallation(db);
  const who = { ...capturer, email: opts.email ?? 'ada@acme.example' };
  const evidence = await buildEvidence(
    {
      png: encodePngRgba(new Uint8Array(8 * 6 * 4).fill(200), 8, 6),
      capturedAt: new Date(opts.capturedAt),
      url: opts.url,
      title: opts.title ?? 'Users',
      viewport: { width: 8, height: 6 },
      devicePixelRatio: 1,
      mode: 'visible',
      context: { system: new URL(opts.url).hostname, host: new URL(opts.url).hostname },
    },
    {
      timeZone: 'Europe/Berlin',
      capturer: who,
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: installation,
      renderBanner: (_lines, width) => ({ rgba: new Uint8Array(width * 4 * 4).fill(20), height: 4 }),
      makeThumbnail: async () => new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' }),
    },
  );
  const events = eventsForChange(emptyAnnotation(evidence.capture.id), { controlIds: opts.controlIds ?? [] }, who, installation.installationId);
  await saveCapture(db, evidence.capture, evidence.image, evidence.thumbnail, events);
  return evidence.capture;
}

describe('message validation', () => {
  it.each([
    [null, /Unknown message type/],
    ['capture', /Unknown message type/],
    [{ type: 'no.such' }, /Unknown message type "no.such"/],
    [{ type: 'capture' }, /tabId/],
    [{ type: 'capture', tabId: 'x' }, /tabId/],
    [{ type: 'settings.set', capturer: { name: '', email: 'nope' } }, /name is required.*not an email|not an email.*name is required/],
    [{ type: 'periods.create', name: 'FY', kind: 'type2', start: '2026-01-01' }, /Type 2 period needs an end/],
    [{ type: 'periods.create', name: 'FY', kind: 'type2', start: '2026-02-30', end: '2026-12-31' }, /not a real calendar date/],
    [{ type: 'captures.get', id: '../../etc' }, /not a ULID/],
  ])('refuses %j with invalid-request', async (msg, text) => {
    const reply = await ask(msg);
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('invalid-request');
      expect(reply.error.message).toMatch(text);
    }
  });
});

describe('settings', () => {
  it('stores the capturing person in local storage only, with a normalised email', async () => {
    const set = await ask({ type: 'settings.set', capturer, organization: 'Acme' });
    expect(set).toMatchObject({ ok: true, data: { capturer: { email: 'ada@acme.example' }, organization: 'Acme' } });
    const got = await ask({ type: 'settings.get' });
    expect(got.ok && got.data).toMatchObject({ capturer: { name: 'Ada Admin', team: 'IT' }, signingKeyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await fakeBrowser.storage.sync.get(null)).toEqual({});
  });

  it('refuses captures and annotations until the capturer is set', async () => {
    const reply = await ask({ type: 'capture', tabId: 1 });
    expect(reply).toMatchObject({ ok: false, error: { code: 'capturer-missing', message: expect.stringMatching(/who is capturing/) } });
    expect(await db.captures.count()).toBe(0);
  });
});

describe('controls', () => {
  it('lists the 61 criteria and the team’s controls, and refuses unknown controls on capture', async () => {
    await ask({ type: 'settings.set', capturer });
    await ask({ type: 'controls.save', control: { id: 'AC-01', title: 'Quarterly access review', cadence: 'quarterly', criteria: ['CC6.2', 'CC6.3'] } });
    const list = await ask({ type: 'controls.list' });
    const controls = list.ok ? (list.data as { controls: { id: string; builtIn: boolean }[] }).controls : [];
    expect(controls.filter((c) => c.builtIn)).toHaveLength(61);
    expect(controls[0]).toMatchObject({ id: 'AC-01', builtIn: false });
    const reply = await ask({ type: 'capture', tabId: 1, controlIds: ['NOPE-1'] });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-request', message: expect.stringMatching(/Unknown control: NOPE-1/) } });
  });

  it('imports a CSV with BOM, quoted newlines and aliases; a file with one bad row changes nothing', async () => {
    const good = '\uFEFFid,title,description,owner,cadence,criteria\n' +
      'AC-01,Access review,"Reviewed by IT\nevery quarter",it@acme.example,Quarterly,CC6.2;CC6.3\n' +
      'BK-01,Backups,,ops@acme.example,annual,A1.2 CC9.1\n' +
      'FX-01,=HYPERLINK("x"),,,monthly,\n';
    expect(await ask({ type: 'controls.import', format: 'csv', text: good })).toMatchObject({ ok: true, data: { imported: 3, created: 3, updated: 0 } });
    expect(await db.controls.get('FX-01')).toMatchObject({ title: '=HYPERLINK("x")' });
    expect(await db.controls.get('AC-01')).toMatchObject({ description: 'Reviewed by IT\nevery quarter', cadence: 'quarterly', criteria: ['CC6.2', 'CC6.3'] });

    const bad = 'id,title,cadence,criteria\nAC-01,Changed title,quarterly,CC6.2\nNEW-1,,monthly,CC6.1\nNEW-2,Ok,fortnightly,CC99.9\nNEW-2,Dup,monthly,\nCC6.1,Clash,monthly,\n';
    const reply = await ask({ type: 'controls.import', format: 'csv', text: bad });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe('import-invalid');
      const rows = (reply.error.details as { rows: { row: number; field?: string; message: string }[] }).rows;
      expect(rows.map((r) => [r.row, r.field])).toEqual([
        [3, 'title'],
        [4, 'cadence'],
        [4, 'criteria'],
        [5, 'id'],
        [6, 'id'],
      ]);
    }
    expect(await db.controls.get('AC-01')).toMatchObject({ title: 'Access review' });
    expect(await db.controls.count()).toBe(3);
  });

  it('imports JSON and reports malformed JSON clearly', async () => {
    expect(await ask({ type: 'controls.import', format: 'json', text: '{"controls":[{"id":"MFA-1","title":"MFA enforced","cadence":"continuous","criteria":["CC6.1"]}]}' })).toMatchObject({ ok: true, data: { imported: 1 } });
    const broken = await ask({ type: 'controls.import', format: 'json', text: '[{"id": "X",' });
    expect(broken).toMatchObject({ ok: false, error: { code: 'import-invalid' } });
    expect(JSON.stringify(broken)).toMatch(/not valid JSON/);
    expect(await ask({ type: 'controls.import', format: 'json', text: '"x"'.padEnd(6 * 1024 * 1024, ' ') })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/larger than 5 MB/) } });
  });

  it('will not delete a control that tags captures', async () => {
    await ask({ type: 'settings.set', capturer });
    await ask({ type: 'controls.save', control: { id: 'AC-01', title: 'Access review' } });
    await seedCapture({ capturedAt: '2026-02-01T10:00:00.000Z', url: 'https://a.example/', controlIds: ['AC-01'] });
    expect(await ask({ type: 'controls.delete', id: 'AC-01' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});

describe('library', () => {
  it('filters by period, control, system and person, and records annotation history', async () => {
    await ask({ type: 'settings.set', capturer });
    const q1 = await ask({ type: 'periods.create', name: 'Q1 2026', kind: 'type2', start: '2026-01-01', end: '2026-03-31', timeZone: 'America/New_York' });
    const periodId = q1.ok ? (q1.data as { id: string }).id : '';
    // 2026-04-01T02:00Z is still 31 March in New York: inside the period.
    const a = await seedCapture({ capturedAt: '2026-04-01T02:00:00.000Z', url: 'https://acme.okta.com/admin/users', controlIds: ['CC6.2'] });
    const b = await seedCapture({ capturedAt: '2026-04-01T05:00:00.000Z', url: 'https://acme.okta.com/admin/users', controlIds: ['CC6.2'] });
    const c = await seedCapture({ capturedAt: '2026-02-10T12:00:00.000Z', url: 'https://github.com/acme/app/settings/branches', email: 'bo@acme.example' });

    const ids = async (filter: object) => {
      const r = await ask({ type: 'captures.list', ...filter });
      return r.ok ? (r.data as { items: { id: string }[] }).items.map((i) => i.id) : r.error.message;
    };
    expect(await ids({ periodId })).toEqual([a.id, c.id]);
    expect(await ids({ controlId: 'CC6.2' })).toEqual([b.id, a.id]);
    expect(await ids({ periodId, controlId: 'CC6.2' })).toEqual([a.id]);
    expect(await ids({ system: 'github.com' })).toEqual([c.id]);
    expect(await ids({ capturedBy: 'BO@acme.example' })).toEqual([c.id]);
    expect(await ids({ untagged: true })).toEqual([c.id]);
    expect(await ids({ from: '2026-04-01', to: '2026-04-01' })).toEqual([b.id, a.id]);
    expect(await ids({ text: 'BRANCHES' })).toEqual([c.id]);

    const annotated = await ask({ type: 'annotate', captureId: c.id, controlIds: ['CC8.1'], note: 'branch protection on main' });
    expect(annotated).toMatchObject({ ok: true, data: { annotation: { controlIds: ['CC8.1'], note: 'branch protection on main' } } });
    expect(await ids({ controlId: 'CC8.1' })).toEqual([c.id]);
    const detail = await ask({ type: 'captures.get', id: c.id });
    expect(detail.ok && detail.data).toMatchObject({
      signatureValid: true,
      imageHashValid: true,
      history: [
        { op: 'controls.add', controlIds: ['CC8.1'], by: { email: 'ada@acme.example' } },
        { op: 'note.set', note: 'branch protection on main' },
      ],
    });
    // The signed record never changes when it is annotated.
    expect(await db.captures.get(c.id)).toEqual(c);
  });

  it('detects an image whose bytes changed in storage', async () => {
    const capture = await seedCapture({ capturedAt: '2026-02-01T10:00:00.000Z', url: 'https://a.example/' });
    await db.blobs.update([capture.id, 'image.png'], { blob: new Blob([new Uint8Array([1, 2, 3])]) });
    const detail = await ask({ type: 'captures.get', id: capture.id });
    expect(detail.ok && detail.data).toMatchObject({ imageHashValid: false, signatureValid: true });
  });
});
