// The library grid's reads: ids matching a filter come from indexes alone (lib/library.ts), once
// per filter and per change of the database; the grid then loads the summaries of the rows on
// screen only. Free text has no index: it goes through listCaptures, which reads the records.
import type { ExhibitDB } from '@/lib/db';
import { listCaptures, matchingIdsByIndex, type LibraryFilter } from '@/lib/library';
import type { CaptureSummary } from '@/lib/schema';

export { summariesOf, type LibraryFilter } from '@/lib/library';

export type Matches = { ids: string[]; items: null } | { ids: string[]; items: CaptureSummary[] };

export async function findMatches(db: ExhibitDB, filter: LibraryFilter): Promise<Matches> {
  const ids = await matchingIdsByIndex(db, filter);
  if (ids) return { ids, items: null };
  const all = await listCaptures(db, { ...filter, offset: 0, limit: Number.MAX_SAFE_INTEGER });
  return { ids: all.items.map((c) => c.id), items: all.items };
}
