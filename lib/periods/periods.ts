// Audit periods: a Type 1 report looks at one date, a Type 2 report at a window. Both are
// bounded by calendar days in the period's own time zone.
import type { Period } from '../schema';
import { addDays, startOfDayIn } from '../time';

/** [start, end) as UTC ISO instants: from the first day's midnight to the day after the last. */
export function periodBounds(period: Pick<Period, 'start' | 'end' | 'timeZone'>): { from: string; to: string } {
  return {
    from: startOfDayIn(period.start, period.timeZone).toISOString(),
    to: startOfDayIn(addDays(period.end, 1), period.timeZone).toISOString(),
  };
}

export function describePeriod(period: Pick<Period, 'kind' | 'start' | 'end'>): string {
  return period.kind === 'type1' ? `Type 1 as of ${period.start}` : `Type 2, ${period.start} to ${period.end}`;
}
