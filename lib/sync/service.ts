// Sync in the service worker: one run at a time (a request during a run gets one more run after
// it, which picks up what was queued meanwhile), a periodic alarm, and an alarm soon after new
// work is queued, so teammates see a capture within a minute without anyone pressing "Sync now".
import { browser } from 'wxt/browser';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { runSync } from './engine';
import { markInterruptedSync, type SyncRunStats } from './state';
import { endpointOrigins, readSyncConfig, readSyncTarget } from './settings';

export const SYNC_ALARM = 'exhibit-sync';
export const SYNC_SOON_ALARM = 'exhibit-sync-soon';
/** Delay after a capture or tag before the background sync; test builds wait seconds, not minutes. */
const SOON_MINUTES = import.meta.env?.MODE === 'e2e' ? 0.05 : 0.5;

let current: Promise<SyncRunStats> | null = null;
/** Settles once a run cut off by a previous service worker is marked as such; runs wait for it. */
let ready: Promise<void> = Promise.resolve();
let again: Promise<SyncRunStats> | null = null;

export function isSyncRunning(): boolean {
  return current !== null;
}

/** Waits for the running sync, if any, to end (its outcome does not matter here). */
export async function syncSettled(): Promise<void> {
  await again?.catch(() => undefined);
  await current?.catch(() => undefined);
}

/** Words for a failure to connect when the endpoint is not covered by a granted host permission. */
export async function hostPermissionHint(target: { endpoint: string; addressing: 'path' | 'virtual-host' }): Promise<string | undefined> {
  const origins = endpointOrigins(target);
  let granted = false;
  try {
    granted = await browser.permissions.contains({ origins });
  } catch {
    granted = false;
  }
  if (granted) return undefined;
  return `Exhibit has no permission to reach ${new URL(target.endpoint).origin}, so the browser applies CORS: press Save in Sync settings and allow the site, or add the CORS rule from docs/sync.md to the bucket.`;
}

function start(db: ExhibitDB): Promise<SyncRunStats> {
  current = (async () => {
    await ready;
    const config = await readSyncConfig();
    if (!config) throw new ExhibitError('sync-not-configured', 'Sync is not set up: enter the bucket and access key under Sync, then sync.');
    return runSync(db, config, {
      networkHint: await hostPermissionHint(config.target),
      heartbeat: () => void browser.runtime.getPlatformInfo().catch(() => undefined),
    });
  })().finally(() => {
    current = null;
  });
  return current;
}

/** Runs a sync now, or right after the one running. */
export function syncNow(db: ExhibitDB): Promise<SyncRunStats> {
  if (!current) return start(db);
  again ??= current
    .catch(() => undefined)
    .then(() => {
      again = null;
      return start(db);
    });
  return again;
}

/** Keeps the periodic alarm in step with the setting (or removes it when sync is off). */
export async function scheduleSync(intervalMinutes: number | null): Promise<void> {
  if (intervalMinutes === null) {
    await browser.alarms.clear(SYNC_ALARM);
    await browser.alarms.clear(SYNC_SOON_ALARM);
    return;
  }
  const existing = await browser.alarms.get(SYNC_ALARM);
  if (existing?.periodInMinutes !== intervalMinutes) {
    await browser.alarms.create(SYNC_ALARM, { delayInMinutes: Math.min(intervalMinutes, 1), periodInMinutes: intervalMinutes });
  }
}

let soonChecking = false;

async function syncSoon(): Promise<void> {
  // One check at a time: a queue filled with hundreds of rows at once needs one alarm, not hundreds.
  if (soonChecking) return;
  soonChecking = true;
  try {
    if (!(await readSyncTarget())) return;
    // An alarm already set stays: a stream of captures must not push the sync away forever.
    if (await browser.alarms.get(SYNC_SOON_ALARM)) return;
    await browser.alarms.create(SYNC_SOON_ALARM, { delayInMinutes: SOON_MINUTES });
  } finally {
    soonChecking = false;
  }
}

/** Registers the sync listeners; call synchronously while the service worker starts. */
export function setupSync(db: ExhibitDB): void {
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === SYNC_ALARM || alarm.name === SYNC_SOON_ALARM) void syncNow(db).catch(() => undefined);
  });
  db.syncQueue.hook('creating', () => {
    void syncSoon().catch(() => undefined);
  });
  ready = markInterruptedSync(db).catch(() => undefined);
  void (async () => {
    const target = await readSyncTarget();
    await scheduleSync(target ? target.intervalMinutes : null);
  })().catch(() => undefined);
}
