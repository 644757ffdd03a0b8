// Due and overdue evidence. In the period under way, a control whose current sub-period has no
// evidence yet is due (by the sub-period's last day); a sub-period that ended without evidence is
// overdue until someone records an exception for it or marks it not applicable. Snoozed items leave
// the list until the snooze's day. Per-event and continuous controls are never due.
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { coverageForPeriod, type CoverageReport } from '../periods/coverage';
import { currentPeriod } from '../periods/subperiods';
import type { Cadence, Period } from '../schema';
import { localDate } from '../time';
import type { RecordedException, RecordedSnooze } from './events';

export interface DueItem {
  controlId: string;
  title: string;
  owner: string;
  cadence: Cadence;
  subPeriod: string;
  label: string;
  start: string;
  end: string;
  /** The sub-period's last day: evidence captured later counts for a later sub-period. */
  dueDate: string;
  state: 'due' | 'overdue';
  snooze?: RecordedSnooze;
  exception?: RecordedException;
}

export interface DueList {
  period: Period | null;
  /** Today in the period's zone. */
  today: string | null;
  items: DueItem[];
  counts: { due: number; overdue: number; snoozed: number };
}

/** "ada@acme.example" owns controls whose owner is that email, "Ada Admin <ada@acme.example>", or the given name; case is ignored. */
export function ownerMatches(owner: string, person: string): boolean {
  const o = owner.trim().toLowerCase();
  const p = person.trim().toLowerCase();
  if (!o || !p) return false;
  if (o === p) return true;
  const emails: string[] = o.match(/[^\s<>,;()]+@[^\s<>,;()]+/g) ?? [];
  return emails.includes(p);
}

export function dueFromCoverage(report: CoverageReport, options: { owner?: string; includeSnoozed?: boolean; now?: Date } = {}): DueList {
  const today = localDate(options.now ?? new Date(report.asOf), report.period.timeZone);
  const items: DueItem[] = [];
  let snoozed = 0;
  for (const row of report.rows) {
    if (!row.expectsEvidence || row.builtIn) continue;
    if (options.owner && !ownerMatches(row.owner, options.owner)) continue;
    for (const cell of row.cells) {
      const state = cell.state === 'due' ? 'due' : cell.state === 'gap' && !cell.exception ? 'overdue' : null;
      if (!state) continue;
      const isSnoozed = cell.snooze !== undefined && cell.snooze.until > today;
      if (isSnoozed) snoozed++;
      if (isSnoozed && !options.includeSnoozed) continue;
      const item: DueItem = {
        controlId: row.controlId,
        title: row.title,
        owner: row.owner,
        cadence: row.cadence,
        subPeriod: cell.key,
        label: cell.label,
        start: cell.start,
        end: cell.end,
        dueDate: cell.end,
        state,
      };
      if (isSnoozed) item.snooze = cell.snooze;
      if (cell.exception) item.exception = cell.exception;
      items.push(item);
    }
  }
  // The oldest overdue first, then what is due soonest.
  items.sort((a, b) => (a.state !== b.state ? (a.state === 'overdue' ? -1 : 1) : a.dueDate.localeCompare(b.dueDate) || a.controlId.localeCompare(b.controlId)));
  return {
    period: report.period,
    today,
    items,
    counts: { due: items.filter((i) => i.state === 'due').length, overdue: items.filter((i) => i.state === 'overdue').length, snoozed },
  };
}

/** Due items of a period, by default the one under way today. */
export async function listDue(db: ExhibitDB, options: { periodId?: string; owner?: string; includeSnoozed?: boolean; now?: Date } = {}): Promise<DueList> {
  const now = options.now ?? new Date();
  let period: Period | undefined;
  if (options.periodId) {
    period = await db.periods.get(options.periodId);
    if (!period) throw new ExhibitError('not-found', 'That audit period does not exist.');
  } else {
    period = currentPeriod(await db.periods.toArray(), now);
  }
  if (!period) return { period: null, today: null, items: [], counts: { due: 0, overdue: 0, snoozed: 0 } };
  const report = await coverageForPeriod(db, period, { now, criteria: 'none' });
  return dueFromCoverage(report, { ...options, now });
}
