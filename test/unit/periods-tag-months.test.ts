import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB, type TagRow } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { resetInstallationCache } from '@/lib/installation';
import { rebuildTagMonths } from '@/lib/periods/tag-months';
import { ada, seedCapture } from './coverage-fixtures';

let db: ExhibitDB;
let n = 0;

beforeEach(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB(`tag-months-${n++}`);
  await db.open();
});

async function snapshot(): Promise<Record<string, number[]>> {
  const rows = await db.tagMonths.toArray();
  return Object.fromEntries(rows.map((r) => [`${r.controlId} ${r.month}`, Array.from(r.times)]));
}

/** The month rows must always equal what a rebuild from the tags gives. */
async function expectConsistent(): Promise<Record<string, number[]>> {
  const kept = await snapshot();
  await rebuildTagMonths(db);
  expect(kept).toEqual(await snapshot());
  return kept;
}

function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}

describe('per-month capture times kept beside the tags', () => {
  it('follows every kind of write to the tags: bulk puts with repeats, deletes by key and by index, clear', async () => {
    const r = random(7);
    const rows: TagRow[] = [];
    for (let i = 0; i < 400; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 200 * 86400000)).toISOString();
      rows.push({ controlId: `C${Math.floor(r() * 5)}`, capturedAt: at, captureId: `CAP${String(i).padStart(4, '0')}` });
    }
    // Two captures in the same millisecond for the same control both count.
    rows.push({ controlId: 'C0', capturedAt: rows[0]!.capturedAt, captureId: 'TWIN' });
    await db.tags.bulkPut(rows);
    // Writing rows that already exist (and a row twice in one request) is not new evidence.
    await db.tags.bulkPut([...rows.slice(0, 50), rows[3]!, rows[3]!]);
    const first = await expectConsistent();
    expect(Object.values(first).reduce((s, t) => s + t.length, 0)).toBe(401);

    await db.tags.bulkDelete(rows.slice(100, 150).map((t) => [t.controlId, t.capturedAt, t.captureId] as [string, string, string]));
    await db.tags.where('captureId').equals('TWIN').delete();
    await db.tags.where('[controlId+capturedAt+captureId]').between(['C1', ''], ['C1', '\uffff']).delete();
    const after = await expectConsistent();
    expect(Object.keys(after).some((k) => k.startsWith('C1 '))).toBe(false);
    expect(Object.values(after).reduce((s, t) => s + t.length, 0)).toBe(await db.tags.count());

    await db.tags.clear();
    expect(await db.tagMonths.count()).toBe(0);
  });

  it('rolls back with the transaction that wrote the tags', async () => {
    await db.tags.put({ controlId: 'C0', capturedAt: '2026-03-01T10:00:00.000Z', captureId: 'A' });
    await expect(
      db.transaction('rw', db.tags, async () => {
        await db.tags.put({ controlId: 'C0', capturedAt: '2026-03-02T10:00:00.000Z', captureId: 'B' });
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await snapshot()).toEqual({ 'C0 2026-03': [Date.parse('2026-03-01T10:00:00.000Z')] });
  });

  it('stays right through real captures and re-tagging', async () => {
    await handleMessage({ type: 'settings.set', capturer: ada }, { db });
    const c = await seedCapture(db, { capturedAt: '2026-05-31T23:30:00.000Z', controlIds: ['CC6.1', 'CC6.2'] });
    expect(await snapshot()).toEqual({ 'CC6.1 2026-05': [Date.parse(c.capturedAt)], 'CC6.2 2026-05': [Date.parse(c.capturedAt)] });
    const reply = await handleMessage({ type: 'annotate', captureId: c.id, controlIds: ['CC6.2', 'CC8.1'], note: 'moved' }, { db });
    expect(reply.ok).toBe(true);
    expect(Object.keys(await expectConsistent()).sort()).toEqual(['CC6.2 2026-05', 'CC8.1 2026-05']);
  });
});
