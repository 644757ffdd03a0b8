// Version 2 of the database adds the capture's system and host to tag rows. A library written by
// version 1 must open with every capture, tag and month row intact and filter correctly.
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ExhibitDB, type TagRow } from '@/lib/db';
import { resetInstallationCache } from '@/lib/installation';
import { matchingIdsByIndex } from '@/lib/library';
import { rebuildTagMonths } from '@/lib/periods/tag-months';
import { seedCapture } from './coverage-fixtures';

// Version 1's schema, as lib/db.ts declared it before the upgrade.
const V1 = {
  captures: 'id, capturedAt, context.system, capturedBy.email, [context.system+capturedAt], [context.host+capturedAt], [capturedBy.email+capturedAt]',
  blobs: '[captureId+name], captureId',
  annotations: 'id, captureId, at',
  annotationState: 'captureId, *requestIds, exception.at',
  tags: '[controlId+capturedAt+captureId], captureId',
  tagMonths: '[controlId+month], month',
  controls: 'id',
  periods: 'id, start',
  keys: 'id',
  signers: 'fingerprint, email',
  jobs: 'id, state, startedAt',
  requests: 'id, periodId, [periodId+ref]',
  readinessEvents: 'id, at',
  syncQueue: 'id, kind, enqueuedAt',
  syncObjects: 'key',
  syncQuarantine: 'key, at',
  syncState: 'id',
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
    expect(db.verno).toBe(2);
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
    db.close();
  });
});
