// Due dates as auditors' spreadsheets write them: ISO (2026-03-04), US (03/04/2026), European
// (04/03/2026 or 04.03.2026), or with a month name (4 Mar 2026, Mar 4, 2026, 04-Mar-26). A date
// like 03/04/2026 means 4 March in the US and 3 April in Europe: when no value in the column
// settles which, the person is asked; Exhibit never guesses.
import type { DateFormat } from '../schema';

export type DateReading =
  | { kind: 'empty' }
  /** One meaning whatever the convention. */
  | { kind: 'exact'; date: string }
  /** day/month or month/day: what each convention makes of it (null: not a date that way). */
  | { kind: 'numeric'; us: string | null; eu: string | null }
  | { kind: 'invalid'; message: string };

const MONTH_NAMES: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

function fullYear(y: string): number {
  return y.length === 2 ? 2000 + Number(y) : Number(y);
}

/** "2026-02-29" only if that day exists. */
export function calendarDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return d.toISOString().slice(0, 10);
}

export function readDate(raw: string): DateReading {
  const value = raw.trim();
  if (value === '') return { kind: 'empty' };
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(value);
  if (m) {
    const date = calendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
    return date ? { kind: 'exact', date } : { kind: 'invalid', message: `"${value}" is not a real calendar date` };
  }
  m = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?)?$/.exec(value);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = fullYear(m[4]!);
    const us = calendarDate(year, a, b);
    const eu = calendarDate(year, b, a);
    if (!us && !eu) return { kind: 'invalid', message: `"${value}" is not a real calendar date` };
    // 05/05/2026 means the same day either way.
    if (us && us === eu) return { kind: 'exact', date: us };
    return { kind: 'numeric', us, eu };
  }
  // 4 Mar 2026, 4-Mar-2026, 04-Mar-26 (Excel's d-mmm-yy), 4 March, 2026
  m = /^(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?,?[\s-]+(\d{4}|\d{2})$/.exec(value);
  if (m) return named(value, fullYear(m[3]!), m[2]!, Number(m[1]));
  // Mar 4, 2026, March 4 2026
  m = /^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$/.exec(value);
  if (m) return named(value, Number(m[3]), m[1]!, Number(m[2]));
  if (/^\d{5}(\.\d+)?$/.test(value)) {
    return { kind: 'invalid', message: `"${value}" looks like a spreadsheet's internal date number: format the column as a date before saving as CSV` };
  }
  return { kind: 'invalid', message: `"${value}" is not a date (use 2026-03-31, 03/31/2026, 31/03/2026 or 31 Mar 2026)` };
}

function named(value: string, year: number, monthName: string, day: number): DateReading {
  const month = MONTH_NAMES[monthName.toLowerCase()];
  const date = month ? calendarDate(year, month, day) : null;
  return date ? { kind: 'exact', date } : { kind: 'invalid', message: `"${value}" is not a real calendar date` };
}

export interface DateColumnDetection {
  /** What the values themselves settle: "us" or "eu" when some value can be read only one way, "iso" when no value depends on the convention. Null when the person must choose. */
  format: DateFormat | null;
  /** Some values read differently as US and as European dates, and no value settles it. */
  ambiguous: boolean;
  /** Some values can only be US dates and others only European ones. */
  conflict: boolean;
  /** A value that settled the format. */
  evidence?: { row: number; value: string };
  /** Values that could be either (at most five), to show the person. */
  examples: { row: number; value: string; us: string; eu: string }[];
}

/** `values` are [spreadsheet row, cell text] pairs of the due date column. */
export function detectDateFormat(values: readonly [number, string][]): DateColumnDetection {
  let usOnly: { row: number; value: string } | undefined;
  let euOnly: { row: number; value: string } | undefined;
  const examples: DateColumnDetection['examples'] = [];
  let anyAmbiguous = false;
  for (const [row, value] of values) {
    const r = readDate(value);
    if (r.kind !== 'numeric') continue;
    if (r.us && r.eu) {
      anyAmbiguous = true;
      if (examples.length < 5) examples.push({ row, value: value.trim(), us: r.us, eu: r.eu });
    } else if (r.us) usOnly ??= { row, value: value.trim() };
    else euOnly ??= { row, value: value.trim() };
  }
  if (usOnly && euOnly) return { format: null, ambiguous: anyAmbiguous, conflict: true, examples };
  if (usOnly) return { format: 'us', ambiguous: false, conflict: false, evidence: usOnly, examples };
  if (euOnly) return { format: 'eu', ambiguous: false, conflict: false, evidence: euOnly, examples };
  if (anyAmbiguous) return { format: null, ambiguous: true, conflict: false, examples };
  return { format: 'iso', ambiguous: false, conflict: false, examples };
}

/** The date a cell means under `format` ("iso" accepts only values that need no convention). */
export function resolveDate(raw: string, format: DateFormat): { date: string | null } | { error: string } {
  const r = readDate(raw);
  if (r.kind === 'empty') return { date: null };
  if (r.kind === 'invalid') return { error: r.message };
  if (r.kind === 'exact') return { date: r.date };
  const value = raw.trim();
  if (format === 'iso') return { error: `"${value}" could be ${r.us ?? '—'} (US) or ${r.eu ?? '—'} (European): choose how to read such dates` };
  const date = format === 'us' ? r.us : r.eu;
  return date ? { date } : { error: `"${value}" is not a valid ${format === 'us' ? 'US month/day/year' : 'European day/month/year'} date` };
}
