// Version 2 of the database adds the capture's system and host to tag rows; version 3 adds a
// summary row per capture (lib/capture-summaries.ts); version 4 drops version 2's tag indexes,
// which nothing reads since. A library written by version 1 or 2 must open
// with every capture, tag and month row intact, a summary row for every capture, and filter correctly.
import Dexie from 'dexie';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB, STORES_V1, type TagRow } from '@/lib/db';
import { resetInstallationCache } from '@/lib/installation';
import { listCaptures, matchingIdsByIndex } from '@/lib/library';
import { rebuildTagMonths } from '@/lib/periods/tag-months';
import type { SignedCapture } from '@/lib/schema';
import { seedCapture } from './coverage-fixtures';
import { scanSummaries, storedAndExpected, summaryRows } from './summary-scan';

// Version 1's schema, as lib/db.ts declares it.
const V1 = STORES_V1;

// Version 2's schema, as lib/db.ts declared it before the summary rows.
const V2 = {
  ...V1,
  tags: '[controlId+capturedAt+captureId], captureId, [controlId+system+capturedAt+captureId], [controlId+host+capturedAt+captureId]',
};

describe('database upgrade from version 1', () => {
  it('keeps captures, tags and annotations and fills tag rows with their capture’s system and host', async () => {
    fakeBrowser.reset();
    resetInstallationCache();
    const name = 'upgrade-v1';
    // Real captures written by today's code, then copied into a version 1 database as v1 rows.
    const source = new ExhibitDB('upgrade-source');
    const okta = await seedCapture(source, { capturedAt: '2026-02-03T10:00:00.000Z', url: 'https://acme.okta.com/admin/users', controlIds: ['CC6.1', 'CC6.2'] });
    const github = await seedCapture(source, { capturedAt: '2026-02-04T10:00:00.000Z', url: 'https://github.com/acme/app/settings', controlIds: ['CC6.1'] });
    const untagged = await seedCapture(source, { capturedAt: '2026-02-05T10:00:00.000Z', url: 'https://github.com/acme/app' });
    const tables = ['captures', 'blobs', 'annotations', 'annotationState', 'keys', 'tagMonths'] as const;
    const rows = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await source.table(t).toArray()] as const)));
    const v1Tags = (await source.tags.toArray()).map(({ controlId, capturedAt, captureId }) => ({ controlId, capturedAt, captureId }));
    source.close();

    const v1 = new Dexie(name);
    v1.version(1).stores(V1);
    await v1.transaction('rw', v1.tables, async () => {
      for (const t of tables) await v1.table(t).bulkAdd(rows[t]!);
      await v1.table('tags').bulkAdd(v1Tags);
    });
    expect(v1.verno).toBe(1);
    v1.close();

    const db = new ExhibitDB(name);
    await db.open();
    expect(db.verno).toBe(4);
    for (const t of tables) expect(await db.table(t).toArray()).toEqual(rows[t]);
    const tags = await db.tags.toArray();
    expect(tags).toHaveLength(3);
    const byKey = (t: TagRow) => `${t.controlId} ${t.captureId}`;
    expect(Object.fromEntries(tags.map((t) => [byKey(t), [t.system, t.host]]))).toEqual({
      [`CC6.1 ${okta.id}`]: ['acme.okta.com', 'acme.okta.com'],
      [`CC6.2 ${okta.id}`]: ['acme.okta.com', 'acme.okta.com'],
      [`CC6.1 ${github.id}`]: ['github.com', 'github.com'],
    });
    // The upgrade's writes left the month rows as they were, and in step with the tags.
    expect(await db.tagMonths.toArray()).toEqual(rows.tagMonths);
    await rebuildTagMonths(db);
    expect(await db.tagMonths.toArray()).toEqual(rows.tagMonths);
    // Filters read the new indexes.
    expect(await matchingIdsByIndex(db, { controlId: 'CC6.1', system: 'github.com' })).toEqual([github.id]);
    expect(await matchingIdsByIndex(db, { controlId: 'CC6.1', system: 'acme.okta.com', from: '2026-02-01', to: '2026-02-28' })).toEqual([okta.id]);
    expect(await matchingIdsByIndex(db, { system: 'github.com', untagged: true })).toEqual([untagged.id]);
    expect(await matchingIdsByIndex(db, { controlId: 'CC6.1' })).toEqual([github.id, okta.id]);
    // And every capture has its summary row.
    expect(await summaryRows(db)).toHaveLength(3);
    expect(await summaryRows(db)).toEqual(await scanSummaries(db));
    db.close();
  });
});

describe('database upgrade from version 2', () => {
  it('writes every capture’s summary row, with its tags and note, and leaves every other row as it was', async () => {
    fakeBrowser.reset();
    resetInstallationCache();
    const name = 'upgrade-v2';
    const source = new ExhibitDB('upgrade-v2-source');
    const okta = await seedCapture(source, { capturedAt: '2026-02-03T10:00:00.000Z', url: 'https://acme.okta.com/admin/users', controlIds: ['CC6.1', 'CC6.2'] });
    const github = await seedCapture(source, { capturedAt: '2026-02-04T10:00:00.000Z', url: 'https://github.com/acme/app/settings', title: 'Branch protection', controlIds: ['CC8.1'] });
    await source.annotationState.update(github.id, { note: 'main is protected' });
    await seedCapture(source, { capturedAt: '2026-02-05T10:00:00.000Z', url: 'https://github.com/acme/app' });
    // More captures than the upgrade writes in one batch, some without an annotation state row
    // (as a library may hold), so every batch boundary and the empty state are crossed.
    const clones: SignedCapture[] = Array.from({ length: 4_500 }, (_, i) => ({ ...okta, id: ulid(Date.parse('2026-03-01T00:00:00.000Z') + i * 60_000), title: `Clone ${i}` }));
    await source.captures.bulkAdd(clones);
    await source.annotationState.bulkPut(clones.filter((_, i) => i % 3 === 0).map((c, i) => ({ captureId: c.id, controlIds: ['CC7.1'], note: `clone note ${i}`, updatedAt: null, updatedBy: null })));
    const expected = await scanSummaries(source);
    const tables = ['captures', 'blobs', 'annotations', 'annotationState', 'tags', 'tagMonths', 'keys', 'syncQueue'] as const;
    const rows = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await source.table(t).toArray()] as const)));
    source.close();

    const v2 = new Dexie(name);
    v2.version(2).stores(V2);
    await v2.transaction('rw', v2.tables, async () => {
      for (const t of tables) await v2.table(t).bulkAdd(rows[t]!);
    });
    expect(v2.verno).toBe(2);
    v2.close();

    const db = new ExhibitDB(name);
    await db.open();
    expect(db.verno).toBe(4);
    for (const t of tables) expect(await db.table(t).toArray(), t).toEqual(rows[t]);
    // Version 2's tag indexes are gone from the stored database, not only from Dexie's view of it.
    const tagIndexes = db.backendDB().transaction('tags', 'readonly').objectStore('tags').indexNames;
    expect([...Array.from({ length: tagIndexes.length }, (_, i) => tagIndexes.item(i))]).toEqual(['captureId']);
    const summaries = await summaryRows(db);
    expect(summaries).toHaveLength(4_503);
    expect(summaries).toEqual(expected);
    const stored = await storedAndExpected(db);
    expect(stored.stored).toEqual(stored.expected);
    expect(summaries.find((s) => s.id === github.id)).toMatchObject({ title: 'Branch protection', controlIds: ['CC8.1'], note: 'main is protected', system: 'github.com' });
    // The library reads them: free text over titles and notes, and a page of a control's captures.
    expect((await listCaptures(db, { text: 'PROTECTED', offset: 0, limit: 10 })).items.map((s) => s.id)).toEqual([github.id]);
    const newestFirst = (a: { capturedAt: string; id: string }, b: { capturedAt: string; id: string }) => (a.capturedAt !== b.capturedAt ? (a.capturedAt < b.capturedAt ? 1 : -1) : a.id < b.id ? 1 : -1);
    const noted = await listCaptures(db, { text: 'clone note', offset: 0, limit: 5 });
    expect(noted.total).toBe(1_500);
    expect(noted.items).toEqual(expected.filter((s) => s.note.startsWith('clone note')).sort(newestFirst).slice(0, 5));
    db.close();
  }, 60_000);
});
