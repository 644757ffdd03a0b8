// One compact row per capture holding exactly what the library shows of it (a CaptureSummary), so
// a page of the library reads a few hundred bytes per capture instead of its signed record (facts,
// tables, signature…) and its annotation state: at 100,000 captures, the ~130 matches of a period +
// control + system filter took 25 ms to read as records (bench/library.ts).
//
// Reading rows by id still costs one IndexedDB request each (about 0.15 ms in Chromium, whatever
// the row's size), so the rows also carry `controlKeys`, a multi-entry index of [control, system or
// host, capture time]: period + control + system is one range read returning the matches' rows.
//
// The rows are kept by a Dexie middleware under every write to `captures` and `annotationState`,
// in the same IndexedDB transaction, whoever writes (capture, annotations, bundle import, sync
// pull), so a row can never disagree with its capture and annotation state. Writers need not name
// the table: the middleware adds it to their transactions.
import type { DBCore, DBCoreMutateRequest, DBCoreMutateResponse, DBCoreTable, DBCoreTransaction, Middleware, Transaction } from 'dexie';
import type { AnnotationState, CaptureSummary, SignedCapture } from './schema';

export const CAPTURE_SUMMARIES_TABLE = 'captureSummaries';

/** A stored row: the summary, and its index keys (never shown; summaryOf drops them). */
export type CaptureSummaryRow = CaptureSummary & {
  /** [controlId, system, capturedAt] per control, and [controlId, host, capturedAt] when the host differs. */
  controlKeys: [string, string, string][];
};

export function summaryRow(summary: CaptureSummary): CaptureSummaryRow {
  const places = summary.host === summary.system ? [summary.system] : [summary.system, summary.host];
  return { ...summary, controlKeys: summary.controlIds.flatMap((c) => places.map((p): [string, string, string] => [c, p, summary.capturedAt])) };
}

export function summaryOf(row: CaptureSummaryRow): CaptureSummary {
  const { controlKeys: _keys, ...summary } = row;
  return summary;
}

export function summarize(capture: SignedCapture, controlIds: string[], note: string): CaptureSummary {
  return {
    id: capture.id,
    sha256: capture.image.sha256,
    url: capture.url,
    title: capture.title,
    capturedAt: capture.capturedAt,
    timeZone: capture.timeZone,
    capturedBy: capture.capturedBy,
    width: capture.image.width,
    height: capture.image.height,
    mode: capture.mode,
    system: capture.context.system,
    host: capture.context.host,
    controlIds,
    note,
  };
}

const failed = (res: DBCoreMutateResponse, i: number) => res.failures[i] !== undefined;
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Captures written: their rows are built from the records and the annotation states, read in the
 * same batch as the write (IndexedDB runs a transaction's requests in order, so this costs no
 * extra round trip; a capture's write does not change its state). Deleted: their rows go too.
 */
function wrapCaptures(captures: DBCoreTable, core: DBCore): DBCoreTable {
  return {
    ...captures,
    async mutate(req: DBCoreMutateRequest): Promise<DBCoreMutateResponse> {
      const summaries = core.table(CAPTURE_SUMMARIES_TABLE);
      if (req.type === 'add' || req.type === 'put') {
        const values = req.values as SignedCapture[];
        if (values.length === 0) return captures.mutate(req);
        const [states, res] = await Promise.all([
          core.table('annotationState').getMany({ trans: req.trans, keys: values.map((c) => c.id) }) as Promise<(AnnotationState | undefined)[]>,
          captures.mutate(req),
        ]);
        const rows = values.flatMap((c, i) => (failed(res, i) ? [] : [summaryRow(summarize(c, states[i]?.controlIds ?? [], states[i]?.note ?? ''))]));
        if (rows.length) await summaries.mutate({ type: 'put', trans: req.trans, values: rows });
        return res;
      }
      // Both stores are keyed by capture id: the same keys, or the same range, name the same captures.
      const [res] = await Promise.all([
        captures.mutate(req),
        req.type === 'delete' ? summaries.mutate({ type: 'delete', trans: req.trans, keys: req.keys }) : summaries.mutate({ type: 'deleteRange', trans: req.trans, range: req.range }),
      ]);
      return res;
    },
  };
}

/**
 * Annotation states written or deleted: the rows of their captures take the new tags and note. The
 * rows are read in the same batch as the write; a row not there yet (its capture written in the
 * same transaction by a request still in flight, or not at all) is built from the capture record,
 * read after the write.
 */
function wrapStates(states: DBCoreTable, core: DBCore): DBCoreTable {
  return {
    ...states,
    async mutate(req: DBCoreMutateRequest): Promise<DBCoreMutateResponse> {
      const summaries = core.table(CAPTURE_SUMMARIES_TABLE);
      const trans = req.trans;
      let wanted: { id: string; controlIds: string[]; note: string }[];
      let existing: (CaptureSummaryRow | undefined)[];
      let res: DBCoreMutateResponse;
      if (req.type === 'add' || req.type === 'put') {
        const values = req.values as AnnotationState[];
        if (values.length === 0) return states.mutate(req);
        [existing, res] = await Promise.all([
          summaries.getMany({ trans, keys: values.map((s) => s.captureId) }) as Promise<(CaptureSummaryRow | undefined)[]>,
          states.mutate(req),
        ]);
        wanted = values.map((s, i) => (failed(res, i) ? null : { id: s.captureId, controlIds: s.controlIds, note: s.note })).filter((w) => w !== null);
        existing = existing.filter((_, i) => !failed(res, i));
      } else if (req.type === 'delete') {
        [existing, res] = await Promise.all([summaries.getMany({ trans, keys: req.keys }) as Promise<(CaptureSummaryRow | undefined)[]>, states.mutate(req)]);
        wanted = (req.keys as string[]).map((id) => ({ id, controlIds: [], note: '' }));
      } else {
        const [found, r] = await Promise.all([summaries.query({ trans, values: true, query: { index: summaries.schema.primaryKey, range: req.range } }), states.mutate(req)]);
        existing = found.result as CaptureSummaryRow[];
        res = r;
        wanted = existing.map((s) => ({ id: s!.id, controlIds: [], note: '' }));
      }
      await applyStates(core, trans, wanted, existing);
      return res;
    },
  };
}

/** Puts the rows whose tags or note change; builds missing ones from their capture records. */
async function applyStates(core: DBCore, trans: DBCoreTransaction, wanted: { id: string; controlIds: string[]; note: string }[], existing: (CaptureSummaryRow | undefined)[]): Promise<void> {
  // In request order, so of one capture's states written together, the last wins (as in the store).
  const rows = new Map<string, CaptureSummaryRow>();
  const missing = new Map<string, { controlIds: string[]; note: string }>();
  wanted.forEach((w, i) => {
    const base = rows.get(w.id) ?? existing[i];
    if (!base) {
      missing.set(w.id, w);
      return;
    }
    missing.delete(w.id);
    if (base.note !== w.note || !sameList(base.controlIds, w.controlIds)) rows.set(w.id, summaryRow({ ...summaryOf(base), controlIds: w.controlIds, note: w.note }));
  });
  if (missing.size) {
    const ids = [...missing.keys()];
    const captures = (await core.table('captures').getMany({ trans, keys: ids })) as (SignedCapture | undefined)[];
    captures.forEach((c, i) => {
      const w = missing.get(ids[i]!)!;
      if (c) rows.set(c.id, summaryRow(summarize(c, w.controlIds, w.note)));
    });
  }
  if (rows.size) await core.table(CAPTURE_SUMMARIES_TABLE).mutate({ type: 'put', trans, values: [...rows.values()] });
}

export const captureSummariesMiddleware: Middleware<DBCore> = {
  stack: 'dbcore',
  name: 'CaptureSummaries',
  // Above Dexie's own middlewares (levels −1 to 2), so its writes are observed by liveQuery.
  level: 12,
  create(down) {
    return {
      ...down,
      transaction(stores, mode, options) {
        const widen = mode === 'readwrite' && (stores.includes('captures') || stores.includes('annotationState'));
        const extra = widen ? [CAPTURE_SUMMARIES_TABLE, 'captures', 'annotationState'].filter((s) => !stores.includes(s)) : [];
        return down.transaction(extra.length ? [...stores, ...extra] : stores, mode, options);
      },
      table(name) {
        const table = down.table(name);
        if (name === 'captures') return wrapCaptures(table, down);
        if (name === 'annotationState') return wrapStates(table, down);
        return table;
      },
    };
  },
};

const UPGRADE_BATCH = 2_000;

/** Writes every capture's row from its record and annotation state (the v2 → v3 upgrade), a batch at a time. */
export async function fillCaptureSummaries(tx: Transaction): Promise<void> {
  const captures = tx.table<SignedCapture, string>('captures');
  const states = tx.table<AnnotationState, string>('annotationState');
  const rows = tx.table<CaptureSummaryRow, string>(CAPTURE_SUMMARIES_TABLE);
  let last: string | undefined;
  for (;;) {
    const batch = await (last === undefined ? captures.orderBy(':id') : captures.where(':id').above(last)).limit(UPGRADE_BATCH).toArray();
    if (batch.length === 0) return;
    const annotation = await states.bulkGet(batch.map((c) => c.id));
    await rows.bulkPut(batch.map((c, i) => summaryRow(summarize(c, annotation[i]?.controlIds ?? [], annotation[i]?.note ?? ''))));
    last = batch[batch.length - 1]!.id;
  }
}
