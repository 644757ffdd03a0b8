// Sub-periods of an audit period: the months, quarters or years in which a control must show
// evidence. Bounds are calendar days in the period's own time zone; a capture counts for the
// sub-period that contains its UTC instant once that instant is read in the period's zone (a
// capture at 23:59 in New York on 31 January is 04:59 UTC on 1 February, and still counts for
// January in a New York period, for February in a UTC one). docs/readiness.md explains the rules.
import type { Cadence, Period } from '../schema';
import { addDays, addMonthsToMonthStart, startOfDayIn } from '../time';

export type SubPeriodUnit = 'month' | 'quarter' | 'year';

export interface SubPeriod {
  /** "2026-01", "2026-Q1", "2026" or "2025-07..2026-06". */
  key: string;
  /** "Jan 2026", "Q1 2026", "2026", "Jul 2025 – Jun 2026". */
  label: string;
  unit: SubPeriodUnit;
  /** First and last calendar day (inclusive) in the period's zone, clipped to the period. */
  start: string;
  end: string;
  /** The same days as UTC instants: from ≤ capturedAt < to. */
  from: string;
  to: string;
  /** Cut short by the period's first or last day. */
  partial: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Monthly, weekly and daily controls are checked month by month (a matrix of days helps nobody);
 * per-event and continuous controls show monthly counts. Quarterly controls get calendar quarters;
 * annual ones a year counted from the period's first month, so a July–June window asks for one
 * annual review, not two.
 */
export function unitForCadence(cadence: Cadence): SubPeriodUnit {
  if (cadence === 'quarterly') return 'quarter';
  if (cadence === 'annually') return 'year';
  return 'month';
}

/** Per-event and continuous controls have no sub-period they can miss: their empty cells are not gaps. */
export function expectsEvidenceEachSubPeriod(cadence: Cadence): boolean {
  return cadence !== 'per-event' && cadence !== 'continuous';
}

export function unitOfKey(key: string): SubPeriodUnit {
  if (/^\d{4}-Q[1-4]$/.test(key)) return 'quarter';
  if (/^\d{4}$/.test(key) || key.includes('..')) return 'year';
  return 'month';
}

const ym = (date: string) => date.slice(0, 7);
const monthLabel = (date: string) => `${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;

interface Span {
  key: string;
  label: string;
  /** Unclipped first day and the first day after. */
  first: string;
  next: string;
}

function spans(period: Pick<Period, 'start' | 'end'>, unit: SubPeriodUnit): Span[] {
  const out: Span[] = [];
  const startMonth = `${ym(period.start)}-01`;
  let first: string;
  let step: number;
  if (unit === 'month') {
    first = startMonth;
    step = 1;
  } else if (unit === 'quarter') {
    const m = Number(period.start.slice(5, 7));
    first = `${period.start.slice(0, 4)}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
    step = 3;
  } else {
    first = startMonth;
    step = 12;
  }
  while (first <= period.end) {
    const next = addMonthsToMonthStart(first, step);
    const year = first.slice(0, 4);
    const last = addDays(next, -1);
    let key: string;
    let label: string;
    if (unit === 'month') {
      key = ym(first);
      label = monthLabel(first);
    } else if (unit === 'quarter') {
      const q = (Number(first.slice(5, 7)) - 1) / 3 + 1;
      key = `${year}-Q${q}`;
      label = `Q${q} ${year}`;
    } else if (first.slice(5, 7) === '01') {
      key = year;
      label = year;
    } else {
      key = `${ym(first)}..${ym(last)}`;
      label = `${monthLabel(first)} – ${monthLabel(last)}`;
    }
    out.push({ key, label, first, next });
    first = next;
  }
  return out;
}

/** The sub-periods of `unit` that cover the period, in order, clipped to its first and last day. */
export function subPeriodsOf(period: Pick<Period, 'start' | 'end' | 'timeZone'>, unit: SubPeriodUnit): SubPeriod[] {
  return spans(period, unit).map((s) => {
    const start = s.first < period.start ? period.start : s.first;
    const lastDay = addDays(s.next, -1);
    const end = lastDay > period.end ? period.end : lastDay;
    return {
      key: s.key,
      label: s.label,
      unit,
      start,
      end,
      from: startOfDayIn(start, period.timeZone).toISOString(),
      to: startOfDayIn(addDays(end, 1), period.timeZone).toISOString(),
      partial: start !== s.first || end !== lastDay,
    };
  });
}

/** The sub-period holding a UTC instant (ISO string), if it falls inside the period. */
export function subPeriodAt(subPeriods: readonly SubPeriod[], instant: string): SubPeriod | undefined {
  let lo = 0;
  let hi = subPeriods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = subPeriods[mid]!;
    if (instant < s.from) hi = mid - 1;
    else if (instant >= s.to) lo = mid + 1;
    else return s;
  }
  return undefined;
}

/** Index of the first element of sorted `times` that is ≥ `value`. */
export function lowerBound(times: readonly string[], value: string): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The period a person is working in at `now`: the one whose days contain it, the latest-starting
 * if several do (a Type 2 window before a Type 1 date on the same start).
 */
export function currentPeriod<P extends Pick<Period, 'start' | 'end' | 'timeZone' | 'kind'>>(periods: readonly P[], now: Date): P | undefined {
  const instant = now.toISOString();
  return periods
    .filter((p) => startOfDayIn(p.start, p.timeZone).toISOString() <= instant && instant < startOfDayIn(addDays(p.end, 1), p.timeZone).toISOString())
    .sort((a, b) => (a.start !== b.start ? (a.start < b.start ? 1 : -1) : a.kind === b.kind ? 0 : a.kind === 'type2' ? -1 : 1))[0];
}
