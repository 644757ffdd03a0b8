// The upload queue. Every capture and annotation event this installation writes is queued in the
// same IndexedDB transaction that writes it, by a Dexie middleware, whoever the writer is (capture,
// annotate, requests, imports): capturing never waits on the network, a capture made offline is
// uploaded when the target is reachable, and a stopped service worker loses nothing.
import type { DBCore, DBCoreMutateRequest, DBCoreTable, Middleware } from 'dexie';
import type { ExhibitDB, InstallationKeyRow } from '../db';
import type { AnnotationEvent, SignedCapture } from '../schema';

export const SYNC_QUEUE_TABLE = 'syncQueue';

export interface SyncQueueRow {
  /** "capture:<id>", "event:<id>", "batch:<first event id>". */
  id: string;
  kind: 'capture' | 'event' | 'batch';
  enqueuedAt: string;
  captureId?: string;
  eventId?: string;
  /** capture: names of the files already uploaded, so a resumed sync sends only the rest. */
  done?: string[];
  /** batch: the object key and its frozen body, so a retry sends the very same bytes. */
  key?: string;
  body?: string;
  eventCount?: number;
}

/** A key of the bucket that this library has dealt with: imported, uploaded by us, or quarantined. */
export interface SyncObjectRow {
  key: string;
  state: 'imported' | 'uploaded' | 'quarantined';
  at: string;
}

export interface SyncQuarantineRow {
  key: string;
  /** Stable reason code: invalid-json, invalid-schema, too-large, signature, image-hash, file-hash, signer, mismatch. */
  reason: string;
  /** What is wrong, in words. */
  message: string;
  /** Size in bytes as listed by the bucket. */
  bytes: number;
  at: string;
}

const own = (id: string | undefined, installation: InstallationKeyRow | undefined) => !!installation && id === installation.installationId;

function wrap(table: DBCoreTable, queue: DBCoreTable, keys: DBCoreTable, kind: 'capture' | 'event'): DBCoreTable {
  return {
    ...table,
    async mutate(req: DBCoreMutateRequest) {
      if (req.type !== 'add' && req.type !== 'put') return table.mutate(req);
      const values = req.values as (SignedCapture | AnnotationEvent)[];
      const ids = values.map((v) => v.id);
      // Only rows that are new: an event applied again (sync, a repeated import) is not queued twice.
      // An add never overwrites (a row already there fails, and failures are not queued), so only a
      // put needs to look. The reads and the write go out as one batch: IndexedDB runs a
      // transaction's requests in order, so the reads see the rows as they were before the write.
      const [existing, installation, res] = await Promise.all([
        req.type === 'put' ? table.getMany({ trans: req.trans, keys: ids }) : ids.map(() => undefined),
        keys.get({ trans: req.trans, key: 'installation' }) as Promise<InstallationKeyRow | undefined>,
        table.mutate(req),
      ]);
      const now = new Date().toISOString();
      const rows: SyncQueueRow[] = [];
      const seen = new Set<string>();
      values.forEach((v, i) => {
        if (existing[i] || res.failures[i] !== undefined || seen.has(v.id) || !own(v.installationId, installation)) return;
        seen.add(v.id);
        rows.push(
          kind === 'capture'
            ? { id: `capture:${v.id}`, kind, enqueuedAt: now, captureId: v.id, done: [] }
            : { id: `event:${v.id}`, kind, enqueuedAt: now, eventId: v.id, captureId: (v as AnnotationEvent).captureId },
        );
      });
      if (rows.length) await queue.mutate({ type: 'put', trans: req.trans, values: rows });
      return res;
    },
  };
}

export const syncQueueMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'SyncQueue',
  level: 11,
  create(down) {
    return {
      ...down,
      transaction(stores, mode, options) {
        const widen = mode === 'readwrite' && (stores.includes('captures') || stores.includes('annotations'));
        const extra = widen ? [SYNC_QUEUE_TABLE, 'keys'].filter((s) => !stores.includes(s)) : [];
        return down.transaction(extra.length ? [...stores, ...extra] : stores, mode, options);
      },
      table(name) {
        const table = down.table(name);
        if (name === 'captures') return wrap(table, down.table(SYNC_QUEUE_TABLE), down.table('keys'), 'capture');
        if (name === 'annotations') return wrap(table, down.table(SYNC_QUEUE_TABLE), down.table('keys'), 'event');
        return table;
      },
    };
  },
};

/** Queues every capture and event of this installation afresh: a new sync target starts empty. */
export async function requeueAll(db: ExhibitDB, installationId: string): Promise<number> {
  const now = new Date().toISOString();
  const captureIds = await db.captures.filter((c) => c.installationId === installationId).primaryKeys();
  const events = await db.annotations.filter((e) => e.installationId === installationId).toArray();
  const rows: SyncQueueRow[] = [
    ...captureIds.map((id): SyncQueueRow => ({ id: `capture:${id}`, kind: 'capture', enqueuedAt: now, captureId: id, done: [] })),
    ...events.map((e): SyncQueueRow => ({ id: `event:${e.id}`, kind: 'event', enqueuedAt: now, eventId: e.id, captureId: e.captureId })),
  ];
  await db.transaction('rw', db.syncQueue, async () => {
    await db.syncQueue.clear();
    await db.syncQueue.bulkPut(rows);
  });
  return rows.length;
}

export async function queueCounts(db: ExhibitDB): Promise<{ captures: number; events: number }> {
  const [captures, events, batches] = await Promise.all([
    db.syncQueue.where('kind').equals('capture').count(),
    db.syncQueue.where('kind').equals('event').count(),
    db.syncQueue.where('kind').equals('batch').toArray(),
  ]);
  return { captures, events: events + batches.reduce((n, b) => n + (b.eventCount ?? 0), 0) };
}
