// The reference for the summary rows (lib/capture-summaries.ts): what the library showed before
// they existed, every signed record summarized with its annotation state.
import { summaryOf, summaryRow, type CaptureSummaryRow } from '@/lib/capture-summaries';
import type { ExhibitDB } from '@/lib/db';
import { summarize } from '@/lib/library';
import type { CaptureSummary } from '@/lib/schema';

export async function scanSummaries(db: ExhibitDB): Promise<CaptureSummary[]> {
  const [captures, states] = await Promise.all([db.captures.toArray(), db.annotationState.toArray()]);
  const byId = new Map(states.map((s) => [s.captureId, s]));
  return captures.map((c) => summarize(c, byId.get(c.id)?.controlIds ?? [], byId.get(c.id)?.note ?? ''));
}

/** Every summary row as the library shows it, in capture id order (the rows' own order). */
export const summaryRows = async (db: ExhibitDB): Promise<CaptureSummary[]> => (await db.captureSummaries.toArray()).map(summaryOf);

/** The rows as stored, with their index keys, and what they must be. */
export async function storedAndExpected(db: ExhibitDB): Promise<{ stored: CaptureSummaryRow[]; expected: CaptureSummaryRow[] }> {
  return { stored: await db.captureSummaries.toArray(), expected: (await scanSummaries(db)).map(summaryRow) };
}
