// A library written by an older Exhibit must survive the update, in the real browser: version 1
// of the database had no capture summary rows (version 3) and tag rows without the capture's
// system and host (version 2), and version 2's extra tag indexes are dropped again by version 4.
// The test rewrites a library of real captures as version 1 stored it, then lets the extension's
// service worker open it: Dexie upgrades it in place, and every capture, image, tag, note and
// coverage count must come back as before, filterable by control + system, and new captures land.
// (test/unit/db-upgrade.test.ts checks the same steps on fake-indexeddb, row by row.)
import { STORES_V1 as V1 } from '../../lib/db';
import { test, expect } from './fixtures';

test('a library written by database version 1 is upgraded in place when the extension opens it, nothing lost', async ({ exhibit, api, fixtures }) => {
  await api.setCapturer();
  const consolePage = await exhibit.context.newPage();
  await consolePage.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(consolePage);
  const first = await api.call({ type: 'capture', tabId, controlIds: ['CC6.1', 'CC6.2'], note: 'Quarterly access review' });
  const second = await api.call({ type: 'capture', tabId, controlIds: ['CC6.2'] });
  const untagged = await api.call({ type: 'capture', tabId });
  const period = await api.call({ type: 'periods.create', name: 'FY2026', kind: 'type2', start: '2026-01-01', end: '2026-12-31', timeZone: 'UTC' });
  const system = first.system as string;

  const state = async () => ({
    all: await api.call({ type: 'captures.list' }),
    cc62: await api.call({ type: 'captures.list', controlId: 'CC6.2', system }),
    cc61: await api.call({ type: 'captures.list', controlId: 'CC6.1', system }),
    untagged: await api.call({ type: 'captures.list', untagged: true }),
    noted: await api.call({ type: 'captures.list', text: 'quarterly' }),
    coverage: ((await api.call({ type: 'coverage', periodId: period.id })).rows as { controlId: string; total: number }[])
      .map((r) => [r.controlId, r.total])
      .sort(),
    records: await Promise.all([first, second, untagged].map((c) => api.call({ type: 'captures.get', id: c.id }))),
    images: await Promise.all([first, second, untagged].map(async (c) => (await api.imageBytes(c.id)).toString('base64'))),
    thumbnails: await Promise.all([first, second, untagged].map(async (c) => (await api.imageBytes(c.id, 'thumbnail')).length)),
  });
  const before = await state();
  expect(before.all.total).toBe(3);
  expect(before.cc62.total).toBe(2);
  expect(before.coverage).toEqual(expect.arrayContaining([['CC6.1', 1], ['CC6.2', 2]]));

  // The same rows, stored as version 1 stored them: its stores and indexes, no summary rows, tag
  // rows without system and host. Written from an extension page, as the same origin's database.
  const written = await api.page.evaluate(async (v1) => {
    const done = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const current = await done(indexedDB.open('exhibit'));
    const version = current.version;
    const rows: Record<string, unknown[]> = {};
    const read = current.transaction([...current.objectStoreNames], 'readonly');
    for (const name of current.objectStoreNames) rows[name] = await done(read.objectStore(name).getAll());
    current.close();
    // Every other connection (the service worker's, this page's library) closes on versionchange.
    await done(indexedDB.deleteDatabase('exhibit'));
    const open = indexedDB.open('exhibit', 10);
    open.onupgradeneeded = () => {
      const db = open.result;
      for (const [name, spec] of Object.entries(v1)) {
        const [primary, ...indexes] = spec.split(',').map((s) => s.trim());
        const keyPath = (src: string) => {
          const plain = src.replace(/[&*]|\+\+/g, '');
          return plain.startsWith('[') ? plain.slice(1, -1).split('+') : plain;
        };
        const store = db.createObjectStore(name, { keyPath: keyPath(primary!) });
        for (const index of indexes) store.createIndex(index.replace(/[&*]|\+\+/g, ''), keyPath(index), { multiEntry: index.startsWith('*'), unique: index.startsWith('&') });
      }
    };
    const old = await done(open);
    const write = old.transaction(Object.keys(v1), 'readwrite');
    const counts: Record<string, number> = {};
    for (const name of Object.keys(v1)) {
      const list = (rows[name] ?? []).map((row) => {
        if (name !== 'tags') return row;
        const { system: _s, host: _h, ...v1Row } = row as Record<string, unknown>;
        return v1Row;
      });
      for (const row of list) write.objectStore(name).put(row);
      counts[name] = list.length;
    }
    await new Promise<void>((resolve, reject) => {
      write.oncomplete = () => resolve();
      write.onerror = () => reject(write.error);
    });
    old.close();
    return { version, counts, summaries: rows.captureSummaries?.length ?? 0 };
  }, V1);
  // Dexie's version 4 is IndexedDB version 40; the library held a row per capture in each store.
  expect(written.version).toBe(40);
  expect(written.summaries).toBe(3);
  expect(written.counts).toMatchObject({ captures: 3, annotationState: 3, tags: 3, periods: 1 });
  expect(written.counts.blobs).toBeGreaterThanOrEqual(6);

  // The next message opens the database again: the service worker's Dexie upgrades it.
  const after = await state();
  expect(after).toEqual(before);
  const upgraded = await api.page.evaluate(async () => {
    const request = indexedDB.open('exhibit');
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const tx = db.transaction(['tags', 'captureSummaries'], 'readonly');
    const get = <T>(r: IDBRequest<T>) => new Promise<T>((resolve) => (r.onsuccess = () => resolve(r.result)));
    const tags = (await get(tx.objectStore('tags').getAll())) as { system?: string; host?: string }[];
    const result = {
      version: db.version,
      tagIndexes: [...tx.objectStore('tags').indexNames].sort(),
      tagsWithContext: tags.filter((t) => t.system && t.host).length,
      summaries: await get(tx.objectStore('captureSummaries').count()),
    };
    db.close();
    return result;
  });
  expect(upgraded).toEqual({ version: 40, tagIndexes: ['captureId'], tagsWithContext: 3, summaries: 3 });

  // And the upgraded library takes new evidence.
  const fourth = await api.call({ type: 'capture', tabId, controlIds: ['CC6.1'] });
  expect((await api.call({ type: 'captures.list', controlId: 'CC6.1', system })).items.map((c: { id: string }) => c.id)).toEqual([fourth.id, first.id]);
});
