// Coverage: for each control, how much evidence falls in each of its sub-periods of an audit
// period, which sub-periods are gaps, and how ready the period is overall.
//
// It reads the per-month capture times of every control in one request (lib/periods/tag-months.ts),
// never a capture record nor the tags index, so 200 controls × 12 months over 100,000 captures stay
// well inside 200 ms (bench/coverage.ts). Which rows appear: every control the team defined, plus the built-in SOC 2
// criteria that have evidence tagged in the period (`criteria: 'all' | 'none'` to change that).
import { CRITERIA_CONTROLS } from '../controls/catalog';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { markKey, readReadiness, type ReadinessState, type RecordedException, type RecordedNotApplicable, type RecordedSnooze } from '../readiness/events';
import type { Cadence, Control, Period } from '../schema';
import { periodBounds } from './periods';
import { expectsEvidenceEachSubPeriod, subPeriodAt, subPeriodsOf, unitForCadence, type SubPeriod, type SubPeriodUnit } from './subperiods';

/**
 * covered: evidence exists. gap: the sub-period ended without evidence. due: it is under way and
 * has none yet. upcoming: it has not begun. not-applicable: recorded as not applicable. none: no
 * evidence where none is required (per-event and continuous controls).
 */
export type CellState = 'covered' | 'gap' | 'due' | 'upcoming' | 'not-applicable' | 'none';

export interface CoverageCell extends SubPeriod {
  count: number;
  state: CellState;
  gap: boolean;
  /** An exception recorded on this control's sub-period. */
  exception?: RecordedException;
  notApplicable?: RecordedNotApplicable;
  snooze?: RecordedSnooze;
  /** Captures in this cell flagged as exceptions. */
  flaggedCaptureIds?: string[];
}

/** gap: a sub-period ended without evidence. due: the current one has none yet. no-evidence: a per-event or continuous control with nothing in the period so far. */
export type RowStatus = 'gap' | 'due' | 'no-evidence' | 'ok' | 'upcoming';

export interface CoverageRow {
  controlId: string;
  title: string;
  owner: string;
  cadence: Cadence;
  criteria: string[];
  builtIn: boolean;
  unit: SubPeriodUnit;
  /** False for per-event and continuous controls: their empty cells are not gaps. */
  expectsEvidence: boolean;
  cells: CoverageCell[];
  total: number;
  lastEvidenceAt: string | null;
  status: RowStatus;
  gaps: number;
  /** Exceptions on this row's sub-periods plus captures flagged as exceptions. */
  exceptions: number;
}

export interface OwnerGaps {
  /** The control owner as written, or "" for controls without one. */
  owner: string;
  gaps: number;
  controls: number;
}

export interface OldestGap {
  controlId: string;
  title: string;
  owner: string;
  key: string;
  label: string;
  start: string;
  end: string;
}

export interface CoverageSummary {
  /** covered / (covered + gaps) of the control sub-periods that need evidence, in percent with one decimal; null when nothing has come due. */
  percentCovered: number | null;
  covered: number;
  gaps: number;
  due: number;
  upcoming: number;
  notApplicable: number;
  /** Recorded exceptions on sub-periods plus captures flagged as exceptions, in the period. */
  exceptions: number;
  /** Controls without any evidence in the period. */
  withoutEvidence: number;
  gapsByOwner: OwnerGaps[];
  oldestGap: OldestGap | null;
}

export interface CoverageReport {
  period: Period;
  /** The instant the report describes: sub-periods ending before it are over. */
  asOf: string;
  /** The period's months: the matrix's columns. */
  subPeriods: SubPeriod[];
  /** Every unit's sub-periods, for quarterly and annual rows. */
  subPeriodsByUnit: Record<SubPeriodUnit, SubPeriod[]>;
  rows: CoverageRow[];
  summary: CoverageSummary;
}

export interface CoverageOptions {
  now?: Date;
  /** Built-in criteria as rows: those with evidence in the period (default), all, or none. */
  criteria?: 'tagged' | 'all' | 'none';
  /** Already folded readiness events, when the caller has them. */
  readiness?: ReadinessState;
}

export async function coverageByPeriod(db: ExhibitDB, periodId: string, options: CoverageOptions = {}): Promise<CoverageReport> {
  const period = await db.periods.get(periodId);
  if (!period) throw new ExhibitError('not-found', 'That audit period does not exist.');
  return coverageForPeriod(db, period, options);
}

export async function coverageForPeriod(db: ExhibitDB, period: Period, options: CoverageOptions = {}): Promise<CoverageReport> {
  const asOf = (options.now ?? new Date()).toISOString();
  const criteriaMode = options.criteria ?? 'tagged';
  const { from, to } = periodBounds(period);

  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const [candidates, readiness, flagged, monthRows] = await db.transaction('r', [db.controls, db.tags, db.tagMonths, db.annotationState, db.readinessEvents], async () => {
    const team = (await db.controls.toArray()).sort((a, b) => a.id.localeCompare(b.id));
    const candidates: Control[] = [...team.map((c) => ({ ...c, builtIn: false })), ...(criteriaMode === 'none' ? [] : CRITERIA_CONTROLS)];
    // The UTC months that overlap the period's days, every control at once.
    const monthRows = await db.tagMonths.where('month').between(from.slice(0, 7), new Date(toMs - 1).toISOString().slice(0, 7), true, true).toArray();
    const readiness = options.readiness ?? (await readReadiness(db));
    // Flagged captures are few: read them by their index, then their tag rows.
    const flaggedStates = await db.annotationState.orderBy('exception.at').toArray();
    const flaggedIds = flaggedStates.filter((s) => s.exception).map((s) => s.captureId);
    // One request per capture, all in flight at once (anyOf would walk a cursor, one step at a time).
    const flaggedTags = (await Promise.all(flaggedIds.map((id) => db.tags.where('captureId').equals(id).toArray()))).flat();
    return [candidates, readiness, flaggedTags, monthRows] as const;
  });
  // Rows come in (month, control) order: concatenating each control's months keeps its times sorted.
  const timesByControl = new Map<string, Float64Array[]>();
  for (const row of monthRows) {
    const list = timesByControl.get(row.controlId);
    if (list) list.push(row.times);
    else timesByControl.set(row.controlId, [row.times]);
  }

  const byUnit: Record<SubPeriodUnit, SubPeriod[]> = {
    month: subPeriodsOf(period, 'month'),
    quarter: subPeriodsOf(period, 'quarter'),
    year: subPeriodsOf(period, 'year'),
  };
  const flaggedByControl = new Map<string, { capturedAt: string; captureId: string }[]>();
  for (const t of flagged) {
    if (t.capturedAt < from || t.capturedAt >= to) continue;
    const list = flaggedByControl.get(t.controlId) ?? [];
    list.push(t);
    flaggedByControl.set(t.controlId, list);
  }

  const rows: CoverageRow[] = [];
  for (const control of candidates) {
    const times = inRange(timesByControl.get(control.id) ?? [], fromMs, toMs);
    if (control.builtIn && criteriaMode === 'tagged' && times.length === 0) continue;
    rows.push(buildRow(control, times, byUnit, readiness, flaggedByControl.get(control.id) ?? [], asOf));
  }
  return { period, asOf, subPeriods: byUnit.month, subPeriodsByUnit: byUnit, rows, summary: summarizeCoverage(rows) };
}

/** The capture instants of sorted month chunks that fall in [fromMs, toMs), as one sorted array. */
function inRange(chunks: readonly Float64Array[], fromMs: number, toMs: number): Float64Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const all = new Float64Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all.subarray(lowerBound(all, fromMs), lowerBound(all, toMs));
}

function lowerBound(times: Float64Array, value: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function buildRow(
  control: Control,
  times: Float64Array,
  byUnit: Record<SubPeriodUnit, SubPeriod[]>,
  readiness: ReadinessState,
  flagged: readonly { capturedAt: string; captureId: string }[],
  asOf: string,
): CoverageRow {
  const unit = unitForCadence(control.cadence);
  const expectsEvidence = expectsEvidenceEachSubPeriod(control.cadence);
  // Times are sorted: each cell is two binary searches.
  const subPeriods = byUnit[unit];
  const flaggedByKey = new Map<string, string[]>();
  for (const f of flagged) {
    const s = subPeriodAt(subPeriods, f.capturedAt);
    if (s) flaggedByKey.set(s.key, [...(flaggedByKey.get(s.key) ?? []), f.captureId]);
  }
  let gaps = 0;
  let exceptions = flagged.length;
  let anyDue = false;
  let anyStarted = false;
  const cells = subPeriods.map((s): CoverageCell => {
    const count = lowerBound(times, Date.parse(s.to)) - lowerBound(times, Date.parse(s.from));
    const marks = readiness.marks.get(markKey(control.id, s.key));
    const started = s.from <= asOf;
    const ended = s.to <= asOf;
    if (started) anyStarted = true;
    let state: CellState;
    if (count > 0) state = 'covered';
    else if (marks?.notApplicable) state = 'not-applicable';
    else if (!expectsEvidence) state = 'none';
    else if (ended) state = 'gap';
    else if (started) state = 'due';
    else state = 'upcoming';
    if (state === 'gap') gaps++;
    if (state === 'due') anyDue = true;
    const cell: CoverageCell = { ...s, count, state, gap: state === 'gap' };
    if (marks?.exception) {
      cell.exception = marks.exception;
      exceptions++;
    }
    if (marks?.notApplicable) cell.notApplicable = marks.notApplicable;
    if (marks?.snooze) cell.snooze = marks.snooze;
    const flaggedHere = flaggedByKey.get(s.key);
    if (flaggedHere) cell.flaggedCaptureIds = flaggedHere;
    return cell;
  });
  const total = times.length;
  let status: RowStatus;
  if (!anyStarted) status = 'upcoming';
  else if (gaps > 0) status = 'gap';
  else if (anyDue) status = 'due';
  else if (!expectsEvidence && total === 0) status = 'no-evidence';
  else status = 'ok';
  return {
    controlId: control.id,
    title: control.title,
    owner: control.owner,
    cadence: control.cadence,
    criteria: control.criteria,
    builtIn: control.builtIn,
    unit,
    expectsEvidence,
    cells,
    total,
    lastEvidenceAt: total > 0 ? new Date(times[total - 1]!).toISOString() : null,
    status,
    gaps,
    exceptions,
  };
}

/** The totals of some rows of a report: the whole report's, or a control filter's rows. */
export function summarizeCoverage(rows: readonly CoverageRow[]): CoverageSummary {
  let covered = 0;
  let gaps = 0;
  let due = 0;
  let upcoming = 0;
  let notApplicable = 0;
  let periodExceptions = 0;
  const flaggedCaptures = new Set<string>();
  let withoutEvidence = 0;
  const owners = new Map<string, OwnerGaps>();
  let oldest: OldestGap | null = null;
  for (const row of rows) {
    for (const cell of row.cells) {
      if (cell.exception) periodExceptions++;
      for (const id of cell.flaggedCaptureIds ?? []) flaggedCaptures.add(id);
    }
    if (row.total === 0) withoutEvidence++;
    if (!row.expectsEvidence) continue;
    for (const cell of row.cells) {
      if (cell.state === 'covered') covered++;
      else if (cell.state === 'due') due++;
      else if (cell.state === 'upcoming') upcoming++;
      else if (cell.state === 'not-applicable') notApplicable++;
      else if (cell.state === 'gap') {
        gaps++;
        // The one missing longest: the earliest to have ended without evidence.
        if (!oldest || cell.end < oldest.end || (cell.end === oldest.end && (cell.start < oldest.start || (cell.start === oldest.start && row.controlId < oldest.controlId)))) {
          oldest = { controlId: row.controlId, title: row.title, owner: row.owner, key: cell.key, label: cell.label, start: cell.start, end: cell.end };
        }
      }
    }
    if (row.gaps > 0) {
      const o = owners.get(row.owner) ?? { owner: row.owner, gaps: 0, controls: 0 };
      o.gaps += row.gaps;
      o.controls++;
      owners.set(row.owner, o);
    }
  }
  const assessed = covered + gaps;
  return {
    percentCovered: assessed === 0 ? null : Math.round((covered / assessed) * 1000) / 10,
    covered,
    gaps,
    due,
    upcoming,
    notApplicable,
    exceptions: periodExceptions + flaggedCaptures.size,
    withoutEvidence,
    gapsByOwner: [...owners.values()].sort((a, b) => b.gaps - a.gaps || a.owner.localeCompare(b.owner)),
    oldestGap: oldest,
  };
}
