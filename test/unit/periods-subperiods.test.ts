import { describe, expect, it } from 'vitest';
import { periodBounds } from '@/lib/periods/periods';
import { currentPeriod, expectsEvidenceEachSubPeriod, subPeriodAt, subPeriodsOf, unitForCadence, unitOfKey } from '@/lib/periods/subperiods';
import { addMonthsToMonthStart, localDate, startOfDayIn } from '@/lib/time';

const ny = { start: '2026-01-01', end: '2026-12-31', timeZone: 'America/New_York' };

describe('sub-periods of an audit period', () => {
  it('cuts a calendar year into months whose bounds are midnights in the period’s zone, across DST', () => {
    const months = subPeriodsOf(ny, 'month');
    expect(months.map((m) => m.key)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12']);
    expect(months[0]).toMatchObject({ label: 'Jan 2026', start: '2026-01-01', end: '2026-01-31', from: '2026-01-01T05:00:00.000Z', to: '2026-02-01T05:00:00.000Z', partial: false });
    // DST begins 8 March in New York: March starts at UTC−5 and April at UTC−4.
    expect(months[2]).toMatchObject({ from: '2026-03-01T05:00:00.000Z', to: '2026-04-01T04:00:00.000Z' });
    expect(months[11]!.to).toBe(periodBounds({ ...ny }).to);
    // Consecutive months share their boundary: no instant falls between two or into both.
    for (let i = 1; i < months.length; i++) expect(months[i]!.from).toBe(months[i - 1]!.to);
  });

  it('handles a period crossing the year end that starts mid-month, in quarters and in a year counted from its first month', () => {
    const p = { start: '2025-10-15', end: '2026-03-31', timeZone: 'Europe/Berlin' };
    expect(subPeriodsOf(p, 'month').map((m) => [m.key, m.start, m.end, m.partial])).toEqual([
      ['2025-10', '2025-10-15', '2025-10-31', true],
      ['2025-11', '2025-11-01', '2025-11-30', false],
      ['2025-12', '2025-12-01', '2025-12-31', false],
      ['2026-01', '2026-01-01', '2026-01-31', false],
      ['2026-02', '2026-02-01', '2026-02-28', false],
      ['2026-03', '2026-03-01', '2026-03-31', false],
    ]);
    expect(subPeriodsOf(p, 'quarter').map((q) => [q.key, q.label, q.start, q.end])).toEqual([
      ['2025-Q4', 'Q4 2025', '2025-10-15', '2025-12-31'],
      ['2026-Q1', 'Q1 2026', '2026-01-01', '2026-03-31'],
    ]);
    expect(subPeriodsOf(p, 'year').map((y) => [y.key, y.label, y.start, y.end, y.partial])).toEqual([['2025-10..2026-09', 'Oct 2025 – Sep 2026', '2025-10-15', '2026-03-31', true]]);
    // Berlin is UTC+1 in winter: the period starts at 22:00 UTC the day before (summer time, UTC+2, in October).
    expect(subPeriodsOf(p, 'month')[0]!.from).toBe('2025-10-14T22:00:00.000Z');
    expect(subPeriodsOf(p, 'month')[3]!.from).toBe('2025-12-31T23:00:00.000Z');
  });

  it('asks an annual control for one year in a July–June window, and for a calendar year in a calendar window', () => {
    expect(subPeriodsOf({ start: '2025-07-01', end: '2026-06-30', timeZone: 'UTC' }, 'year').map((y) => [y.key, y.partial])).toEqual([['2025-07..2026-06', false]]);
    expect(subPeriodsOf(ny, 'year').map((y) => [y.key, y.label, y.partial])).toEqual([['2026', '2026', false]]);
    expect(subPeriodsOf({ start: '2025-07-10', end: '2026-12-31', timeZone: 'UTC' }, 'year').map((y) => [y.key, y.start, y.end])).toEqual([
      ['2025-07..2026-06', '2025-07-10', '2026-06-30'],
      ['2026-07..2027-06', '2026-07-01', '2026-12-31'],
    ]);
  });

  it('counts leap days: February 2028 has 29 days, February 2027 has 28', () => {
    const leap = subPeriodsOf({ start: '2028-01-01', end: '2028-12-31', timeZone: 'Europe/Berlin' }, 'month')[1]!;
    expect(leap).toMatchObject({ start: '2028-02-01', end: '2028-02-29', to: '2028-02-29T23:00:00.000Z' });
    expect(subPeriodAt([leap], '2028-02-29T22:59:59.999Z')?.key).toBe('2028-02');
    expect(subPeriodAt([leap], '2028-02-29T23:00:00.000Z')).toBeUndefined();
    expect(subPeriodsOf({ start: '2027-01-01', end: '2027-12-31', timeZone: 'UTC' }, 'month')[1]!.end).toBe('2027-02-28');
    // A period ending on the leap day.
    const toLeap = subPeriodsOf({ start: '2027-03-01', end: '2028-02-29', timeZone: 'UTC' }, 'quarter');
    expect(toLeap.at(-1)).toMatchObject({ key: '2028-Q1', start: '2028-01-01', end: '2028-02-29', partial: true });
  });

  it.each([
    // [capture instant (UTC), period zone, sub-period it counts for]
    ['2026-02-01T04:59:00.000Z', 'America/New_York', '2026-01'], // 23:59 on 31 January in New York
    ['2026-02-01T05:00:00.000Z', 'America/New_York', '2026-02'], // midnight on 1 February in New York
    ['2026-02-01T04:59:00.000Z', 'UTC', '2026-02'],
    ['2026-01-31T14:59:00.000Z', 'Asia/Tokyo', '2026-01'], // 23:59 on 31 January in Tokyo
    ['2026-01-31T15:00:00.000Z', 'Asia/Tokyo', '2026-02'],
    ['2026-03-31T18:29:59.000Z', 'Asia/Kolkata', '2026-03'], // UTC+05:30
    ['2026-03-31T18:30:00.000Z', 'Asia/Kolkata', '2026-04'],
    ['2026-12-31T23:30:00.000Z', 'Europe/London', '2026-12'],
    ['2027-01-01T00:30:00.000Z', 'Pacific/Kiritimati', undefined], // already 2 January there, after the period
    ['2026-01-01T04:59:59.999Z', 'America/New_York', undefined], // 23:59 on 31 December 2025 in New York
  ])('a capture at %s counts, in a %s period, for %s', (instant, zone, key) => {
    const months = subPeriodsOf({ start: '2026-01-01', end: '2026-12-31', timeZone: zone }, 'month');
    expect(subPeriodAt(months, instant)?.key).toBe(key);
    if (key) expect(localDate(new Date(instant), zone).slice(0, 7)).toBe(key);
  });

  it('begins a day at the DST change where midnight does not exist, and at the single midnight where it repeats', () => {
    // Chile moves its clocks from 00:00 to 01:00 on 6 September 2026.
    expect(startOfDayIn('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(localDate(new Date('2026-09-06T03:59:59.000Z'), 'America/Santiago')).toBe('2026-09-05');
    // On 5 April 2026 its clocks go back from 00:00 to 23:00 on the 4th: the 5th begins once, at 04:00 UTC.
    expect(startOfDayIn('2026-04-05', 'America/Santiago').toISOString()).toBe('2026-04-05T04:00:00.000Z');
    expect(localDate(new Date('2026-04-05T03:30:00.000Z'), 'America/Santiago')).toBe('2026-04-04');
    const sept = subPeriodsOf({ start: '2026-09-01', end: '2026-09-30', timeZone: 'America/Santiago' }, 'month')[0]!;
    expect(sept.from).toBe('2026-09-01T04:00:00.000Z');
    expect(sept.to).toBe('2026-10-01T03:00:00.000Z');
  });

  it('gives a Type 1 period (one date) one sub-period of that day', () => {
    const months = subPeriodsOf({ start: '2026-06-30', end: '2026-06-30', timeZone: 'UTC' }, 'month');
    expect(months).toEqual([{ key: '2026-06', label: 'Jun 2026', unit: 'month', start: '2026-06-30', end: '2026-06-30', from: '2026-06-30T00:00:00.000Z', to: '2026-07-01T00:00:00.000Z', partial: true }]);
  });

  it.each([
    ['monthly', 'month', true],
    ['weekly', 'month', true],
    ['daily', 'month', true],
    ['quarterly', 'quarter', true],
    ['annually', 'year', true],
    ['per-event', 'month', false],
    ['continuous', 'month', false],
  ] as const)('a %s control is checked by %s; empty sub-periods are gaps: %s', (cadence, unit, gaps) => {
    expect(unitForCadence(cadence)).toBe(unit);
    expect(expectsEvidenceEachSubPeriod(cadence)).toBe(gaps);
  });

  it('reads the unit of a key and steps months across years', () => {
    expect(['2026-01', '2026-Q4', '2026', '2025-07..2026-06'].map(unitOfKey)).toEqual(['month', 'quarter', 'year', 'year']);
    expect(addMonthsToMonthStart('2025-11-15', 3)).toBe('2026-02-01');
    expect(addMonthsToMonthStart('2026-01-31', -1)).toBe('2025-12-01');
    expect(addMonthsToMonthStart('2026-12-01', 12)).toBe('2027-12-01');
  });

  it('finds the period under way, preferring the latest start and a Type 2 window', () => {
    const periods = [
      { id: 'a', kind: 'type2' as const, start: '2025-01-01', end: '2025-12-31', timeZone: 'America/New_York' },
      { id: 'b', kind: 'type2' as const, start: '2026-01-01', end: '2026-12-31', timeZone: 'America/New_York' },
      { id: 'c', kind: 'type1' as const, start: '2026-01-01', end: '2026-01-01', timeZone: 'America/New_York' },
    ];
    expect(currentPeriod(periods, new Date('2026-01-01T12:00:00.000Z'))?.id).toBe('b');
    // 23:00 on 31 December 2025 in New York is already 2026 in UTC, but still the 2025 period there.
    expect(currentPeriod(periods, new Date('2026-01-01T04:00:00.000Z'))?.id).toBe('a');
    expect(currentPeriod(periods, new Date('2027-06-01T00:00:00.000Z'))).toBeUndefined();
  });
});
