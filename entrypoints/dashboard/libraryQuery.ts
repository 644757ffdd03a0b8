// The library grid's reads: ids matching a filter come from indexes alone (lib/library.ts), once
// per filter and per change of the database; the grid then loads the summaries and thumbnails of
// the rows on screen only. Free text has no index: it goes through listCaptures, which reads the records.
import type { ExhibitDB } from '@/lib/db';
import { listCaptures, matchingIdsByIndex, summariesOf, thumbnailsOf, type LibraryFilter } from '@/lib/library';
import type { CaptureSummary } from '@/lib/schema';

export type { LibraryFilter } from '@/lib/library';

export type Matches = { ids: string[]; items: null } | { ids: string[]; items: CaptureSummary[] };

export async function findMatches(db: ExhibitDB, filter: LibraryFilter): Promise<Matches> {
  const ids = await matchingIdsByIndex(db, filter);
  if (ids) return { ids, items: null };
  const all = await listCaptures(db, { ...filter, offset: 0, limit: Number.MAX_SAFE_INTEGER });
  return { ids: all.items.map((c) => c.id), items: all.items };
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
  const ids = matches.ids.slice(from, to);
  const [items, thumbnails] = await Promise.all([matches.items ? matches.items.slice(from, to) : summariesOf(db, ids), thumbnailsOf(db, ids)]);
  return { offset: from, items, thumbnails };
}
