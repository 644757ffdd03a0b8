// Live reads of the extension's IndexedDB for the dashboard. The background is the only writer;
// these queries re-run by themselves when it changes what they read.
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useState } from 'react';
import { CRITERIA_CONTROLS } from '@/lib/controls/catalog';
import { getDb } from '@/lib/db';
import { send } from '@/lib/messages';
import type { Control, CustomControl, Period } from '@/lib/schema';

export function useTeamControls(): CustomControl[] | undefined {
  return useLiveQuery(() => getDb().controls.orderBy('id').toArray(), []);
}

/** The team's controls followed by the built-in criteria, as `controls.list` orders them. */
export function useAllControls(): Control[] {
  const team = useTeamControls();
  return useMemo(() => [...(team ?? []).map((c) => ({ ...c, builtIn: false })), ...CRITERIA_CONTROLS], [team]);
}

export function usePeriods(): Period[] | undefined {
  return useLiveQuery(
    async () => (await getDb().periods.toArray()).sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.name.localeCompare(b.name))),
    [],
  );
}

/**
 * Distinct values of an index, for filter choices. Each value is one seek past the previous one,
 * so the cost grows with the number of values, not of captures: uniqueKeys() walks every entry of
 * the index (about 0.7 s at 100,000 captures in Chromium), this takes milliseconds.
 */
export function useDistinct(index: 'context.system' | 'capturedBy.email', enabled = true): string[] | undefined {
  // `enabled` false: nothing is read yet (the library reads its first screen of captures first;
  // each seek costs 30–80 ms at 100,000 captures and Chromium serves the database's reads in turn).
  return useLiveQuery(async () => {
    if (!enabled) return undefined;
    const captures = getDb().captures;
    const values: string[] = [];
    let next = await captures.orderBy(index).limit(1).keys();
    while (next.length) {
      const value = String(next[0]);
      values.push(value);
      next = await captures.where(index).above(value).limit(1).keys();
    }
    return values;
  }, [index, enabled]);
}

/** Control ids most recently used for tagging, newest first. */
export function useRecentControlIds(): string[] {
  const [recent, setRecent] = useState<string[]>([]);
  useEffect(() => {
    send({ type: 'controls.list' }).then((r) => setRecent(r.recent), () => undefined);
  }, []);
  return recent;
}
