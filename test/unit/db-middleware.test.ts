// The two write middlewares batch their reads with the write they watch (lib/periods/tag-months.ts,
// lib/sync/queue.ts). What they keep must not change: every own capture and event queued exactly
// once, in the transaction that stores it; month rows always equal a rebuild from the tags.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { applyAnnotationEvents, emptyAnnotation, eventsForChange } from '@/lib/annotations';
import { saveCapture } from '@/lib/capture/store';
import { ExhibitDB } from '@/lib/db';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
import { rebuildTagMonths } from '@/lib/periods/tag-months';
import { ada, seedCapture } from './coverage-fixtures';

let db: ExhibitDB;
let n = 0;

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`db-middleware-${n++}`);
  await db.open();
});

async function monthsConsistent(): Promise<void> {
  const before = (await db.tagMonths.toArray()).map((r) => ({ ...r, times: Array.from(r.times) }));
  await rebuildTagMonths(db);
  expect((await db.tagMonths.toArray()).map((r) => ({ ...r, times: Array.from(r.times) }))).toEqual(before);
}

describe('capture transaction bookkeeping', () => {
  it('queues an own capture and its events once, keeps month rows in step through re-tagging, and queues nothing for a repeat', async () => {
    const capture = await seedCapture(db, { capturedAt: '2026-03-04T10:00:00.000Z', controlIds: ['CC6.1', 'CC6.2'] });
    const queued = async () => (await db.syncQueue.toArray()).map((r) => r.id).sort();
    const first = await queued();
    const events = await db.annotations.where('captureId').equals(capture.id).toArray();
    expect(first).toEqual([`capture:${capture.id}`, ...events.map((e) => `event:${e.id}`)].sort());
    expect((await db.tagMonths.toArray()).map((r) => [r.controlId, r.month, r.times.length])).toEqual([
      ['CC6.1', '2026-03', 1],
      ['CC6.2', '2026-03', 1],
    ]);

    // The same capture saved again (a sync pull, a repeated import): refused, nothing queued again.
    const image = new Uint8Array([1]);
    await expect(saveCapture(db, capture, image, new Blob([image]), events)).rejects.toThrow();
    expect(await queued()).toEqual(first);
    // Events applied again (put): not queued twice, tags unchanged.
    await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, events));
    expect(await queued()).toEqual(first);
    await monthsConsistent();

    // Re-tagging: CC6.2 removed, CC7.1 added: tags and months follow, the new event is queued.
    const installation = await getInstallation(db);
    const state = await db.annotationState.get(capture.id);
    const change = eventsForChange(state ?? emptyAnnotation(capture.id), { controlIds: ['CC6.1', 'CC7.1'] }, ada, installation.installationId);
    await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, change));
    expect((await db.tags.toArray()).map((t) => t.controlId).sort()).toEqual(['CC6.1', 'CC7.1']);
    expect((await db.tagMonths.toArray()).map((r) => r.controlId).sort()).toEqual(['CC6.1', 'CC7.1']);
    await monthsConsistent();
    expect(await queued()).toEqual([...first, ...change.map((e) => `event:${e.id}`)].sort());
  });

  it('queues nothing for another installation’s records and rolls the queue back with a failed transaction', async () => {
    const capture = await seedCapture(db, { capturedAt: '2026-03-04T10:00:00.000Z', controlIds: ['CC6.1'] });
    await db.syncQueue.clear();
    // Other ids of the same shape: the last character changed to one the seeded id does not end in
    // (a fixed letter collided with the random id once in 32 runs).
    const [otherA, otherB] = ['X', 'Y', 'Z'].filter((c) => !capture.id.endsWith(c));
    const foreign = { ...capture, id: `${capture.id.slice(0, -1)}${otherA}`, installationId: 'someone-else' };
    await db.captures.add(foreign);
    expect(await db.syncQueue.count()).toBe(0);
    const own = { ...capture, id: `${capture.id.slice(0, -1)}${otherB}` };
    await expect(
      db.transaction('rw', [db.captures, db.tags], async () => {
        await db.captures.add(own);
        await db.tags.put({ controlId: 'CC8.1', capturedAt: own.capturedAt, captureId: own.id, system: own.context.system, host: own.context.host });
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await db.syncQueue.count()).toBe(0);
    expect(await db.captures.get(own.id)).toBeUndefined();
    await monthsConsistent();
  });
});
