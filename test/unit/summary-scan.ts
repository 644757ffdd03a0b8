// The reference for the summary rows (lib/capture-summaries.ts): what the library showed before
// they existed, every signed record summarized with its annotation state.
import type { ExhibitDB } from '@/lib/db';
import { summarize } from '@/lib/library';
import type { CaptureSummary } from '@/lib/schema';

export async function scanSummaries(db: ExhibitDB): Promise<CaptureSummary[]> {
  const [captures, states] = await Promise.all([db.captures.toArray(), db.annotationState.toArray()]);
  const byId = new Map(states.map((s) => [s.captureId, s]));
  return captures.map((c) => summarize(c, byId.get(c.id)?.controlIds ?? [], byId.get(c.id)?.note ?? ''));
}

/** Every summary row, in capture id order (the rows' own order). */
export const summaryRows = (db: ExhibitDB): Promise<CaptureSummary[]> => db.captureSummaries.toArray();
