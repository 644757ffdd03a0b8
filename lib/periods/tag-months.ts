// The capture times of each control, month by month: one row per (control, UTC month) holding the
// sorted capture instants as a Float64Array. Coverage reads these rows instead of the tags index:
// Chromium spends 10–20 µs turning each compound index key into a JavaScript array, so reading
// 130,000 tag keys took 1–2.5 s, while the ~2,400 month rows of the same data read in under 40 ms
// and typed arrays cost next to nothing to copy (bench/coverage.ts).
//
// The rows are kept by a Dexie middleware under every write to `tags`, in the same IndexedDB
// transaction, whoever writes (annotations, sync, bundle import), so they can never disagree with
// the tags. Writers need not name the table: the middleware adds it to their transactions.
import type { DBCore, DBCoreMutateRequest, DBCoreMutateResponse, DBCoreTable, DBCoreTransaction, Middleware } from 'dexie';
import type { ExhibitDB, TagRow } from '../db';

export const TAG_MONTHS_TABLE = 'tagMonths';

export interface TagMonthRow {
  controlId: string;
  /** UTC month of the capture instants, "2026-01". */
  month: string;
  /** Capture instants (epoch milliseconds), ascending; one entry per tagged capture. */
  times: Float64Array;
}

type TagKey = [string, string, string];
const keyOf = (row: TagRow): TagKey => [row.controlId, row.capturedAt, row.captureId];
const keyString = (k: readonly unknown[]) => JSON.stringify(k);

interface Delta {
  controlId: string;
  month: string;
  add: number[];
  remove: number[];
}

function collect(deltas: Map<string, Delta>, key: TagKey, kind: 'add' | 'remove'): void {
  const [controlId, capturedAt] = key;
  const month = capturedAt.slice(0, 7);
  const id = `${controlId}\u0000${month}`;
  let d = deltas.get(id);
  if (!d) deltas.set(id, (d = { controlId, month, add: [], remove: [] }));
  d[kind].push(Date.parse(capturedAt));
}

function applyDelta(current: Float64Array | undefined, delta: Delta): Float64Array {
  // Removals by multiset (two captures may share a millisecond), additions appended then sorted:
  // O(n log n) even when a sync or an import adds thousands of rows in one request.
  const removals = new Map<number, number>();
  for (const t of delta.remove) removals.set(t, (removals.get(t) ?? 0) + 1);
  const kept: number[] = [];
  for (const t of current ?? []) {
    const pending = removals.get(t);
    if (pending) removals.set(t, pending - 1);
    else kept.push(t);
  }
  for (const t of delta.add) kept.push(t);
  return Float64Array.from(kept).sort();
}

const monthKey = (key: readonly unknown[]): [string, string] => [key[0] as string, (key[1] as string).slice(0, 7)];

/** The month rows a request may touch, one per (control, month) among `keys`: read alongside the tag write. */
function monthKeysOf(keys: readonly (readonly unknown[])[]): [string, string][] {
  const seen = new Map<string, [string, string]>();
  for (const k of keys) {
    const m = monthKey(k);
    seen.set(`${m[0]}\u0000${m[1]}`, m);
  }
  return [...seen.values()];
}

async function writeDeltas(months: DBCoreTable, trans: DBCoreTransaction, deltas: Map<string, Delta>, prefetched: Map<string, TagMonthRow | undefined>): Promise<void> {
  if (deltas.size === 0) return;
  const puts: TagMonthRow[] = [];
  const deletes: [string, string][] = [];
  for (const [id, d] of deltas) {
    const row = prefetched.get(id);
    const times = applyDelta(row?.times, d);
    if (times.length) puts.push({ controlId: d.controlId, month: d.month, times });
    else if (row) deletes.push([d.controlId, d.month]);
  }
  if (puts.length) await months.mutate({ type: 'put', trans, values: puts });
  if (deletes.length) await months.mutate({ type: 'delete', trans, keys: deletes });
}

function failed(res: DBCoreMutateResponse, i: number): boolean {
  return res.failures[i] !== undefined;
}

/**
 * Reads the tag rows at `keys` and the month rows they fall in, and applies `req`, as one batch of
 * requests: IndexedDB runs a transaction's requests in order, so the reads see the rows as they
 * were before the write, and the write costs no extra round trip to the database.
 */
async function readAndWrite(tags: DBCoreTable, months: DBCoreTable, req: DBCoreMutateRequest, keys: readonly (readonly unknown[])[]) {
  const monthKeys = monthKeysOf(keys);
  const [existing, res, monthRows] = await Promise.all([
    tags.getMany({ trans: req.trans, keys: keys as unknown[][] }) as Promise<(TagRow | undefined)[]>,
    tags.mutate(req),
    months.getMany({ trans: req.trans, keys: monthKeys }) as Promise<(TagMonthRow | undefined)[]>,
  ]);
  const prefetched = new Map(monthKeys.map((k, i) => [`${k[0]}\u0000${k[1]}`, monthRows[i]]));
  return { existing, res, prefetched };
}

function wrapTags(tags: DBCoreTable, months: DBCoreTable): DBCoreTable {
  return {
    ...tags,
    async mutate(req: DBCoreMutateRequest): Promise<DBCoreMutateResponse> {
      const deltas = new Map<string, Delta>();
      if (req.type === 'add' || req.type === 'put') {
        const keys: TagKey[] = req.keys ?? (req.values as TagRow[]).map(keyOf);
        const { existing, res, prefetched } = await readAndWrite(tags, months, req, keys);
        const seen = new Set<string>();
        keys.forEach((k, i) => {
          const s = keyString(k);
          // A row already there (or written twice in one request) is not new evidence.
          if (existing[i] || seen.has(s) || failed(res, i) || (req.type === 'put' && req.upsert === false)) return;
          seen.add(s);
          collect(deltas, k, 'add');
        });
        await writeDeltas(months, req.trans, deltas, prefetched);
        return res;
      }
      if (req.type === 'delete') {
        if (req.keys.length === 0) return tags.mutate(req);
        const { existing, res, prefetched } = await readAndWrite(tags, months, req, req.keys as TagKey[]);
        const seen = new Set<string>();
        existing.forEach((row, i) => {
          if (!row || failed(res, i)) return;
          const k = keyOf(row);
          if (seen.has(keyString(k))) return;
          seen.add(keyString(k));
          collect(deltas, k, 'remove');
        });
        await writeDeltas(months, req.trans, deltas, prefetched);
        return res;
      }
      const existing = await tags.query({ trans: req.trans, values: true, query: { index: tags.schema.primaryKey, range: req.range } });
      const res = await tags.mutate(req);
      for (const row of existing.result as TagRow[]) collect(deltas, keyOf(row), 'remove');
      const list = [...deltas.values()].map((d): [string, string] => [d.controlId, d.month]);
      const rows = (await months.getMany({ trans: req.trans, keys: list })) as (TagMonthRow | undefined)[];
      await writeDeltas(months, req.trans, deltas, new Map(list.map((k, i) => [`${k[0]}\u0000${k[1]}`, rows[i]])));
      return res;
    },
  };
}

export const tagMonthsMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'TagMonths',
  // Above Dexie's own middlewares (levels −1 to 2), so its writes are observed by liveQuery.
  level: 10,
  create(down) {
    return {
      ...down,
      transaction(stores, mode, options) {
        const widen = mode === 'readwrite' && stores.includes('tags') && !stores.includes(TAG_MONTHS_TABLE);
        return down.transaction(widen ? [...stores, TAG_MONTHS_TABLE] : stores, mode, options);
      },
      table(name) {
        const table = down.table(name);
        return name === 'tags' ? wrapTags(table, down.table(TAG_MONTHS_TABLE)) : table;
      },
    };
  },
};

/** Recomputes every month row from the tags (for a database written before the rows existed, or to check them). */
export async function rebuildTagMonths(db: ExhibitDB): Promise<number> {
  return db.transaction('rw', [db.tags, db.tagMonths], async () => {
    const groups = new Map<string, TagMonthRow & { list: number[] }>();
    await db.tags.each((t) => {
      const month = t.capturedAt.slice(0, 7);
      const id = `${t.controlId}\u0000${month}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { controlId: t.controlId, month, times: new Float64Array(), list: [] }));
      g.list.push(Date.parse(t.capturedAt));
    });
    await db.tagMonths.clear();
    await db.tagMonths.bulkPut([...groups.values()].map(({ controlId, month, list }) => ({ controlId, month, times: Float64Array.from(list.sort((a, b) => a - b)) })));
    return groups.size;
  });
}
