// Time zones: captures record UTC plus the capturing machine's zone; periods are bounded by the
// calendar days of their own zone.

/** The offset of `zone` at `instant`, as "+01:00". */
export function utcOffset(instant: Date, zone: string): string {
  const minutes = offsetMinutes(instant, zone);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function offsetMinutes(instant: Date, zone: string): number {
  const parts = wallClock(instant, zone);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// Building a DateTimeFormat costs far more than using one; zones are few, so keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

export function wallClock(instant: Date, zone: string): WallClock {
  let fmt = formatters.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, fmt);
  }
  const parts = fmt.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** "2026-11-22 10:41:03" in `zone`. */
export function formatWallClock(instant: Date, zone: string): string {
  const w = wallClock(instant, zone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
}

/**
 * The UTC instant at which calendar day `isoDate` (YYYY-MM-DD) begins in `zone`: the first instant
 * whose local date is that day. Where a DST change skips midnight (America/Santiago, Asia/Beirut),
 * the day begins at the change, at 01:00 local time.
 */
export function startOfDayIn(isoDate: string, zone: string): Date {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const midnightUtc = Date.UTC(y, m - 1, d);
  // Local midnight is midnight UTC shifted by the offset in force then; the offsets a day before
  // and a day after bracket every DST change that can touch it.
  const candidates = [...new Set([-86400000, 0, 86400000].map((shift) => midnightUtc - offsetMinutes(new Date(midnightUtc + shift), zone) * 60000))].sort((a, b) => a - b);
  const localDay = (t: number) => {
    const w = wallClock(new Date(t), zone);
    return Date.UTC(w.year, w.month - 1, w.day);
  };
  for (const t of candidates) if (localDay(t) === midnightUtc && localDay(t - 1000) < midnightUtc) return new Date(t);
  // Midnight does not exist that day: find the change by bisection (changes fall on whole seconds).
  let lo = candidates[0]! - 86400000;
  let hi = candidates.at(-1)! + 86400000;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (localDay(mid) >= midnightUtc) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

export function addDays(isoDate: string, days: number): string {
  const t = new Date(`${isoDate}T00:00:00Z`).getTime() + days * 86400000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The first day of the month `months` after the month of `isoDate` ("2026-01-31", 1 → "2026-02-01"). */
export function addMonthsToMonthStart(isoDate: string, months: number): string {
  const y = Number(isoDate.slice(0, 4));
  const m = Number(isoDate.slice(5, 7)) - 1 + months;
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-01`;
}

/** The calendar date (YYYY-MM-DD) of `instant` in `zone`. */
export function localDate(instant: Date, zone: string): string {
  const w = wallClock(instant, zone);
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
