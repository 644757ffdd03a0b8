// The library reads compact summary rows (lib/capture-summaries.ts) instead of the signed records.
// Whoever writes captures or annotation states — capture, annotate, bundle import, sync pull,
// deletes, several writes in one transaction — the rows must stay exactly what summarizing every
// record with its annotation state gives (test/unit/summary-scan.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ulid } from 'ulid';
import { fakeBrowser } from 'wxt/testing';
import { applyAnnotationEvents, emptyAnnotation, eventsForChange } from '@/lib/annotations';
import { importBag } from '@/lib/bundle/import';
import { ZipBagSource } from '@/lib/bundle/source';
import { saveCaptures } from '@/lib/capture/store';
import { ExhibitDB } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
import { summaryRow } from '@/lib/capture-summaries';
import { listCaptures, summariesOf } from '@/lib/library';
import type { AnnotationEvent, AnnotationState, CaptureSummary, SignedCapture } from '@/lib/schema';
import { runSync } from '@/lib/sync/engine';
import { syncTargetSchema } from '@/lib/schema';
import { exportZips, retag, seedLibrary } from './bundle-support';
import { ada, seedCapture } from './coverage-fixtures';
import { scanSummaries, storedAndExpected, summaryRows } from './summary-scan';
import { startRgw, type RgwServer } from '../support/rgw';
import { makeCapture, makeInstallation, seedCaptures, tag } from '../support/sync-fixtures';

let db: ExhibitDB;
let n = 0;
const opened: ExhibitDB[] = [];

async function freshDb(name = 'summaries'): Promise<ExhibitDB> {
  resetInstallationCache();
  const created = new ExhibitDB(`${name}-${process.pid}-${n++}`);
  opened.push(created);
  await created.open();
  return created;
}

beforeEach(async () => {
  fakeBrowser.reset();
  await Promise.all(opened.splice(0).map((d) => d.delete()));
  db = await freshDb();
});

async function expectRowsMatchScan(target: ExhibitDB = db): Promise<CaptureSummary[]> {
  const rows = await summaryRows(target);
  expect(rows).toEqual(await scanSummaries(target));
  const { stored, expected } = await storedAndExpected(target);
  expect(stored).toEqual(expected);
  return rows;
}

const ask = (msg: unknown) => handleMessage(msg, { db });

describe('summary row index keys', () => {
  const base = { system: 'Okta', host: 'acme.okta.com', capturedAt: '2026-03-01T10:00:00.000Z' } as CaptureSummary;
  it.each([
    [{ controlIds: [] }, []],
    [{ controlIds: ['CC6.1', 'CC6.2'], host: 'Okta' }, [['CC6.1', 'Okta', base.capturedAt], ['CC6.2', 'Okta', base.capturedAt]]],
    [{ controlIds: ['CC6.1'] }, [['CC6.1', 'Okta', base.capturedAt], ['CC6.1', 'acme.okta.com', base.capturedAt]]],
  ])('%j gives [control, system or host, time] keys %j', (change, keys) => {
    expect(summaryRow({ ...base, ...change } as CaptureSummary).controlKeys).toEqual(keys);
  });
});

describe('summary rows follow every writer', () => {
  it('capture, then tag, untag and note through the annotate handler', async () => {
    expect((await ask({ type: 'settings.set', capturer: ada })).ok).toBe(true);
    const a = await seedCapture(db, { capturedAt: '2026-03-01T10:00:00.000Z', controlIds: ['CC6.1', 'CC6.2'], title: 'People · Okta' });
    const b = await seedCapture(db, { capturedAt: '2026-03-02T10:00:00.000Z', url: 'https://github.com/acme/app/settings', title: 'Branches' });
    let rows = await expectRowsMatchScan();
    expect(rows.map((r) => [r.id, r.controlIds, r.note])).toEqual([
      [a.id, ['CC6.1', 'CC6.2'], ''],
      [b.id, [], ''],
    ]);

    const steps = [
      { captureId: b.id, controlIds: ['CC8.1'], note: 'branch protection on main' },
      { captureId: a.id, controlIds: ['CC6.2'] },
      { captureId: a.id, note: 'Q1 access review' },
      { captureId: b.id, controlIds: [] },
      { captureId: b.id, note: '' },
    ];
    for (const step of steps) {
      const reply = await ask({ type: 'annotate', ...step });
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
      rows = await expectRowsMatchScan();
    }
    expect(rows.map((r) => [r.id, r.controlIds, r.note])).toEqual([
      [a.id, ['CC6.2'], 'Q1 access review'],
      [b.id, [], ''],
    ]);
    // The library's reads answer from the rows: a page of summaries, free text over title, URL and note.
    expect(await summariesOf(db, [b.id, 'gone', a.id])).toEqual([rows[1], rows[0]]);
    expect((await listCaptures(db, { text: 'ACCESS review', offset: 0, limit: 50 })).items).toEqual([rows[0]]);
    expect((await listCaptures(db, { text: 'github.com/acme', offset: 0, limit: 50 })).items).toEqual([rows[1]]);
  });

  it('a bundle import adds the colleague’s captures with their tags and notes; a repeated import changes nothing', async () => {
    const colleague = await freshDb('summaries-colleague');
    const seeded = await seedLibrary(colleague);
    await retag(colleague, seeded.c.id, ['A1.2'], '2026-03-01T09:00:00.000Z');
    const { zips } = await exportZips(colleague, { from: '2026-01-01', to: '2026-03-31' });
    const open = () => ZipBagSource.open(new Blob([zips[0]!.bytes as BlobPart]), 'bundle.zip');

    await seedCapture(db, { capturedAt: '2026-03-05T10:00:00.000Z', controlIds: ['CC7.1'] });
    const imported = await importBag(db, await open());
    expect(imported.added).toHaveLength(3);
    const rows = await expectRowsMatchScan();
    expect(rows).toHaveLength(4);
    expect(rows.find((r) => r.id === seeded.a.id)).toMatchObject({ controlIds: ['AC-01', 'CC6.2'], note: 'Q1 review', system: 'Okta' });
    expect(rows.find((r) => r.id === seeded.c.id)!.controlIds).toEqual(['A1.2']);

    await importBag(db, await open());
    expect(await expectRowsMatchScan()).toEqual(rows);
  });

  it('deleting captures deletes their rows; deleting annotation states clears the rows’ tags and note', async () => {
    const captures = [];
    for (let i = 0; i < 5; i++) captures.push(await seedCapture(db, { capturedAt: `2026-03-0${i + 1}T10:00:00.000Z`, controlIds: i % 2 ? ['CC6.1'] : [], title: `Page ${i}` }));
    await retag(db, captures[0]!.id, ['CC7.2'], '2026-03-10T10:00:00.000Z');
    await expectRowsMatchScan();

    await db.captures.delete(captures[0]!.id);
    expect(await db.captureSummaries.get(captures[0]!.id)).toBeUndefined();
    await expectRowsMatchScan();

    await db.annotationState.delete(captures[1]!.id);
    expect(await db.captureSummaries.get(captures[1]!.id)).toMatchObject({ controlIds: [], note: '' });
    await expectRowsMatchScan();

    await db.captures.bulkDelete([captures[2]!.id, captures[3]!.id]);
    expect((await summaryRows(db)).map((r) => r.id)).toEqual([captures[1]!.id, captures[4]!.id]);
    await expectRowsMatchScan();

    await db.annotationState.clear();
    await expectRowsMatchScan();
    await db.captures.where('capturedAt').above('2026-03-04').delete();
    expect((await summaryRows(db)).map((r) => r.id)).toEqual([captures[1]!.id]);
    await db.captures.clear();
    expect(await db.captureSummaries.count()).toBe(0);
  });

  it('annotation events that arrive before their capture (a sync pull) give the row its tags when the capture lands', async () => {
    const colleague = await freshDb('summaries-early');
    const capture = await seedCapture(colleague, { capturedAt: '2026-04-01T10:00:00.000Z', controlIds: ['CC6.1'] });
    await retag(colleague, capture.id, ['CC6.1', 'CC9.2'], '2026-04-02T10:00:00.000Z');
    const events = await colleague.annotations.where('captureId').equals(capture.id).toArray();
    const image = await colleague.blobs.get([capture.id, 'image.png']);

    // The events first: a state without a capture has no row.
    await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, events));
    expect(await db.captureSummaries.count()).toBe(0);
    // Then the capture, folded with the events already there, as lib/sync/pull.ts stores it.
    await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags], async () => {
      const earlier = await db.annotations.where('captureId').equals(capture.id).toArray();
      const bytes = new Uint8Array(await image!.blob.arrayBuffer());
      await saveCaptures(db, [{ capture, image: bytes, thumbnail: new Blob([new Uint8Array([1])]), events: earlier }]);
    });
    const [row] = await expectRowsMatchScan();
    expect(row!.controlIds).toEqual(['CC6.1', 'CC9.2']);
  });

  it('a capture and its state written side by side in one transaction, in either order, give the right row', async () => {
    const template = await seedCapture(db, { capturedAt: '2026-05-01T10:00:00.000Z' });
    await db.captures.clear();
    for (const stateFirst of [false, true]) {
      const capture = { ...template, id: ulid(), title: `Side by side, state first: ${stateFirst}` };
      const state: AnnotationState = { ...emptyAnnotation(capture.id), controlIds: ['CC6.3'], note: 'written together' };
      await db.transaction('rw', [db.captures, db.annotationState], () =>
        stateFirst ? Promise.all([db.annotationState.put(state), db.captures.add(capture)]) : Promise.all([db.captures.add(capture), db.annotationState.put(state)]),
      );
      expect(await db.captureSummaries.get(capture.id)).toMatchObject({ title: capture.title, controlIds: ['CC6.3'], note: 'written together' });
    }
    await expectRowsMatchScan();
  });

  it('a failed transaction leaves no row behind', async () => {
    const template = await seedCapture(db, { capturedAt: '2026-05-01T10:00:00.000Z', controlIds: ['CC6.1'] });
    const before = await expectRowsMatchScan();
    await expect(
      db.transaction('rw', [db.captures, db.annotationState], async () => {
        await db.captures.add({ ...template, id: ulid() });
        await db.annotationState.put({ ...emptyAnnotation(template.id), note: 'lost' });
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await expectRowsMatchScan()).toEqual(before);
  });

  it.each([1, 2, 3])('seed %i: a random mix of saves, annotations, replacements and deletes keeps every row equal to the scan', async (seed) => {
    let s = seed;
    const rand = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const installation = await getInstallation(db);
    const template = await seedCapture(db, { capturedAt: '2026-06-01T10:00:00.000Z' });
    const CONTROLS = ['CC6.1', 'CC6.2', 'CC7.1', 'TEAM-1'];
    const variant = (id: string): SignedCapture => ({
      ...template,
      id,
      title: `Page ${id.slice(-4)}`,
      url: `https://example.test/${id}`,
      capturedAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 1e10)).toISOString(),
      context: { ...template.context, system: pick(['Okta', 'GitHub', 'AWS']) },
      image: { ...template.image, width: 1 + Math.floor(rand() * 2000) },
    });
    const events = (captureId: string, current: AnnotationState): AnnotationEvent[] =>
      eventsForChange(current, { controlIds: CONTROLS.filter(() => rand() < 0.4), note: rand() < 0.5 ? `note ${Math.floor(rand() * 100)}` : current.note }, ada, installation.installationId);
    const annotate = async (ids: string[]) => {
      const all: AnnotationEvent[] = [];
      for (const id of ids) all.push(...events(id, (await db.annotationState.get(id)) ?? emptyAnnotation(id)));
      await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, all));
    };
    const ids = async () => (await db.captures.toCollection().primaryKeys()) as string[];

    for (let step = 0; step < 40; step++) {
      const have = await ids();
      const r = rand();
      if (r < 0.3 || have.length < 3) {
        const made = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => variant(ulid()));
        const image = new Uint8Array([1, 2, 3]);
        await saveCaptures(
          db,
          made.map((capture) => ({ capture, image, thumbnail: new Blob([image]), events: events(capture.id, emptyAnnotation(capture.id)) })),
        );
      } else if (r < 0.55) {
        await annotate([...new Set([pick(have), pick(have)])]);
      } else if (r < 0.65) {
        // A record replaced (put) while its state stays.
        await db.captures.put(variant(pick(have)));
      } else if (r < 0.75) {
        await db.annotationState.bulkPut([pick(have), pick(have)].map((id) => ({ ...emptyAnnotation(id), controlIds: [pick(CONTROLS)], note: `direct ${step}` })));
      } else if (r < 0.85) {
        await db.annotationState.bulkDelete([pick(have)]);
      } else {
        await db.captures.bulkDelete([pick(have), pick(have)]);
      }
      await expectRowsMatchScan();
    }
  }, 60_000);
});

describe('summary rows through a real sync (Ceph RGW)', () => {
  let rgw: RgwServer;
  beforeAll(async () => {
    rgw = await startRgw();
  }, 120_000);
  afterAll(async () => {
    await rgw?.stop();
  }, 60_000);
  vi.setConfig({ testTimeout: 60_000 });

  it('two libraries that upload, pull and tag each other’s captures end with the same rows, each equal to its scan', async () => {
    const bucket = `summaries-${process.pid}`;
    await rgw.createBucket(bucket, { objectLock: false });
    const target = syncTargetSchema.parse({ endpoint: rgw.endpoint, region: rgw.region, bucket, prefix: 'team/', accessKeyId: rgw.accessKeyId });
    const retry = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 10_000 };
    const a = await freshDb('summaries-sync-a');
    const b = await freshDb('summaries-sync-b');
    const aMe = await makeInstallation(a, ada);
    const bMe = await makeInstallation(b, { name: 'Eve Engineer', email: 'eve@acme.example', team: 'Engineering' });
    const sync = (d: ExhibitDB, me: typeof aMe) => runSync(d, { target, secretAccessKey: rgw.secretAccessKey }, { retry, installation: me });

    const [a1] = await seedCaptures(a, aMe, 2);
    await saveCaptures(a, [await makeCapture(aMe, { title: 'With a table', table: 'User,Role\nada,admin\n' })]);
    const [b1] = await seedCaptures(b, bMe, 1);
    await tag(a, aMe, a1!.id, { controlIds: ['CC6.2'], note: 'Q4 access review' });
    await sync(a, aMe);
    await sync(b, bMe);
    await tag(b, bMe, a1!.id, { controlIds: ['CC6.2', 'CC7.2'] });
    await tag(a, aMe, b1!.id, { note: 'Checked by Ada' });
    await sync(a, aMe);
    await sync(b, bMe);
    await sync(a, aMe);

    const rowsA = await expectRowsMatchScan(a);
    const rowsB = await expectRowsMatchScan(b);
    expect(rowsA).toHaveLength(4);
    expect(rowsB).toEqual(rowsA);
    expect(rowsA.find((r) => r.id === a1!.id)).toMatchObject({ controlIds: ['CC6.2', 'CC7.2'], note: 'Q4 access review' });
    expect(rowsA.find((r) => r.id === b1!.id)).toMatchObject({ note: 'Checked by Ada', capturedBy: { email: 'eve@acme.example' } });
  });
});
