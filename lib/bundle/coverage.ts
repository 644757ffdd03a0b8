// data/coverage.csv: for each control, how many captures fall in each month of the export's
// range (each quarter for quarterly controls, the whole range for annual ones), with gaps marked.
// Days are the calendar days of the period's own time zone, as everywhere else in Exhibit.
import type { Cadence, Control } from '../schema';
import { addDays, wallClock } from '../time';
import { toCsv } from './csv';

export type CoverageUnit = 'month' | 'quarter' | 'period';

export interface CoverageBucket {
  label: string;
  /** First and last day (inclusive), clipped to the range. */
  from: string;
  to: string;
}

export interface CoverageRow {
  controlId: string;
  controlTitle: string;
  cadence: Cadence;
  bucket: CoverageBucket;
  captures: number;
  /** OK: evidence exists; GAP: none where the cadence expects some; NONE: none, and per-event controls need none. */
  status: 'OK' | 'GAP' | 'NONE';
}

export function coverageUnit(cadence: Cadence): CoverageUnit {
  if (cadence === 'quarterly') return 'quarter';
  if (cadence === 'annually') return 'period';
  return 'month';
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The months, quarters or the one whole range covering [start, end] (YYYY-MM-DD, inclusive). */
export function subPeriods(start: string, end: string, unit: CoverageUnit): CoverageBucket[] {
  if (unit === 'period') return [{ label: `${start}..${end}`, from: start, to: end }];
  const out: CoverageBucket[] = [];
  let year = Number(start.slice(0, 4));
  let month = Number(start.slice(5, 7));
  if (unit === 'quarter') month = Math.floor((month - 1) / 3) * 3 + 1;
  const step = unit === 'quarter' ? 3 : 1;
  for (;;) {
    const first = `${year}-${pad(month)}-01`;
    if (first > end) break;
    let nextYear = year;
    let nextMonth = month + step;
    if (nextMonth > 12) {
      nextMonth -= 12;
      nextYear++;
    }
    const last = addDays(`${nextYear}-${pad(nextMonth)}-01`, -1);
    out.push({
      label: unit === 'quarter' ? `${year}-Q${(month - 1) / 3 + 1}` : `${year}-${pad(month)}`,
      from: first < start ? start : first,
      to: last > end ? end : last,
    });
    year = nextYear;
    month = nextMonth;
  }
  return out;
}

export interface TaggedCapture {
  controlId: string;
  capturedAt: string;
}

export function localDate(instant: string, timeZone: string): string {
  const w = wallClock(new Date(instant), timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

export function coverageRows(
  controls: readonly Pick<Control, 'id' | 'title' | 'cadence'>[],
  tagged: readonly TaggedCapture[],
  range: { start: string; end: string; timeZone: string },
): CoverageRow[] {
  const days = new Map<string, string[]>();
  for (const t of tagged) {
    const list = days.get(t.controlId) ?? [];
    list.push(localDate(t.capturedAt, range.timeZone));
    days.set(t.controlId, list);
  }
  const rows: CoverageRow[] = [];
  for (const control of controls) {
    const dates = days.get(control.id) ?? [];
    for (const bucket of subPeriods(range.start, range.end, coverageUnit(control.cadence))) {
      const captures = dates.filter((d) => d >= bucket.from && d <= bucket.to).length;
      rows.push({
        controlId: control.id,
        controlTitle: control.title,
        cadence: control.cadence,
        bucket,
        captures,
        status: captures > 0 ? 'OK' : control.cadence === 'per-event' ? 'NONE' : 'GAP',
      });
    }
  }
  return rows;
}

export function coverageCsv(rows: readonly CoverageRow[]): string {
  return toCsv(
    ['control_id', 'control_title', 'cadence', 'sub_period', 'from', 'to', 'captures', 'status'],
    rows.map((r) => [r.controlId, r.controlTitle, r.cadence, r.bucket.label, r.bucket.from, r.bucket.to, r.captures, r.status]),
  );
}
