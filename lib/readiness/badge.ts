// The toolbar badge: how many evidence items the person using this browser owes — overdue
// sub-periods of controls they own and overdue requests assigned to them, in the period under way.
// Owners are matched by the capturer's email (settings). It is recomputed when the database or
// the settings change, and hourly by an alarm, since a sub-period can end while nothing changes.
import Dexie from 'dexie';
import { browser } from 'wxt/browser';
import type { ExhibitDB } from '../db';
import { listRequests } from '../requests/store';
import type { Period } from '../schema';
import { readSettings } from '../settings';
import { listDue, ownerMatches } from './due';

export const READINESS_ALARM = 'exhibit-readiness';
const BADGE_COLOR = '#b42318';

export interface OverdueCount {
  period: Period | null;
  controls: number;
  requests: number;
  total: number;
}

export async function overdueForPerson(db: ExhibitDB, email: string, now = new Date()): Promise<OverdueCount> {
  const due = await listDue(db, { owner: email, now });
  const controls = due.items.filter((i) => i.state === 'overdue').length;
  const requests = due.period ? (await listRequests(db, due.period.id, now)).filter((r) => r.overdue && ownerMatches(r.owner, email)).length : 0;
  return { period: due.period, controls, requests, total: controls + requests };
}

function toolbarAction() {
  return browser.action ?? (browser as unknown as { browserAction: typeof browser.action }).browserAction;
}

export async function refreshBadge(db: ExhibitDB): Promise<number> {
  const { capturer } = await readSettings();
  const count = capturer ? (await overdueForPerson(db, capturer.email)).total : 0;
  const action = toolbarAction();
  await action.setBadgeBackgroundColor({ color: BADGE_COLOR });
  await action.setBadgeText({ text: count === 0 ? '' : count > 99 ? '99+' : String(count) });
  await action.setTitle({ title: count === 0 ? 'Exhibit: capture evidence' : `Exhibit: capture evidence — ${count} overdue evidence item${count === 1 ? '' : 's'} for you` });
  return count;
}

/** Call once, synchronously, when the background starts: it registers its listeners before any await. */
export function setupReadinessBadge(db: ExhibitDB): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Writes come in bursts (a capture is one transaction, a sync many): recount once they settle.
  const schedule = (delay: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => void refreshBadge(db).catch(() => undefined), delay);
  };
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === READINESS_ALARM) schedule(0);
  });
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && 'settings' in changes) schedule(0);
  });
  Dexie.on('storagemutated', () => schedule(750));
  void browser.alarms.create(READINESS_ALARM, { periodInMinutes: 60 });
  schedule(0);
}
