// The library grid's reads. With no filter but dates (opening the library), nothing is read in
// bulk: the count comes from the capture-time index and each chunk of rows is a cursor skip into
// it. Other filters get their matching ids from indexes alone (lib/library.ts), once per filter and
// per change of the database. Either way the grid then loads the summaries and thumbnails of the
// rows on screen only. Free text has no index: it goes through listCaptures, which scans summary rows.
import type { ExhibitDB } from '@/lib/db';
import { listCaptures, matchingIdsByIndex, MAX_TIME, MIN_TIME, resolveRange, summariesByIndex, summariesOf, thumbnailsOf, type LibraryFilter } from '@/lib/library';
import type { CaptureSummary } from '@/lib/schema';

export type { LibraryFilter } from '@/lib/library';

export type Matches =
  /** Every capture taken in [from, to), newest first (ties: higher id first), read by position; counted apart (countInRange). */
  | { kind: 'range'; from: string; to: string; total: null }
  /** These ids, in order; `items`: their summaries, when the filter had to read them anyway. */
  | { kind: 'ids'; ids: string[]; items: CaptureSummary[] | null; total: number };

export async function findMatches(db: ExhibitDB, filter: LibraryFilter): Promise<Matches> {
  if (!filter.text?.trim() && !filter.controlId && !filter.system && !filter.capturedBy && !filter.untagged) {
    const { from, to } = await resolveRange(db, filter);
    return { kind: 'range', from, to, total: null };
  }
  // Control + system: every match's summary row in one index read (cheaper than ids, then rows by id).
  const rows = await summariesByIndex(db, filter);
  if (rows) return { kind: 'ids', ids: rows.map((c) => c.id), items: rows, total: rows.length };
  const ids = await matchingIdsByIndex(db, filter);
  if (ids) return { kind: 'ids', ids, items: null, total: ids.length };
  const all = await listCaptures(db, { ...filter, offset: 0, limit: Number.MAX_SAFE_INTEGER });
  return { kind: 'ids', ids: all.items.map((c) => c.id), items: all.items, total: all.total };
}

/**
 * How many captures a 'range' match holds. Counting walks every entry in the browser (at 100,000
 * captures the capture-time index took 1.6 s, the store itself 0.24 s), so the grid shows its first
 * rows without waiting for it, and the whole library is counted on the store.
 */
export async function countInRange(db: ExhibitDB, matches: Extract<Matches, { kind: 'range' }>): Promise<number> {
  if (matches.from === MIN_TIME && matches.to === MAX_TIME) return db.captures.count();
  return db.captures.where('capturedAt').between(matches.from, matches.to).count();
}

/** Ids of matches `from` to `to` (exclusive). */
export async function idsAt(db: ExhibitDB, matches: Matches, from: number, to: number): Promise<string[]> {
  if (matches.kind === 'ids') return matches.ids.slice(from, to);
  // The index keeps equal times in id order, so reversed it is newest first, ties by higher id first.
  return db.captures.where('capturedAt').between(matches.from, matches.to).reverse().offset(from).limit(to - from).primaryKeys();
}

export interface Chunk {
  /** Position of `items[0]` among the matches. */
  offset: number;
  items: CaptureSummary[];
  /** Thumbnails by capture id (captures without one are absent). */
  thumbnails: Map<string, Blob>;
}

/** The summaries and thumbnails of matches `from` to `to` (exclusive), read in two bulk reads side by side. */
export async function loadChunk(db: ExhibitDB, matches: Matches, from: number, to: number): Promise<Chunk> {
  const ids = await idsAt(db, matches, from, to);
  const items = matches.kind === 'ids' ? matches.items : null;
  const [summaries, thumbnails] = await Promise.all([items ? items.slice(from, to) : summariesOf(db, ids), thumbnailsOf(db, ids)]);
  return { offset: from, items: summaries, thumbnails };
}
