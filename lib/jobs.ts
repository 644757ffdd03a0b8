// Capture jobs live in IndexedDB, not in the popup, so the outcome of a capture survives the
// popup closing, and a capture cut off by the browser stopping the service worker is reported as
// interrupted instead of vanishing.
import { ulid } from 'ulid';
import type { CaptureJobRow, ExhibitDB } from './db';

const KEEP = 50;

export async function startJob(db: ExhibitDB, tabId: number): Promise<string> {
  const id = ulid();
  await db.jobs.add({ id, tabId, startedAt: new Date().toISOString(), state: 'running' });
  return id;
}

export async function finishJob(db: ExhibitDB, id: string, outcome: Pick<CaptureJobRow, 'state' | 'captureId' | 'error'>): Promise<void> {
  await db.jobs.update(id, { ...outcome, finishedAt: new Date().toISOString() });
  const stale = await db.jobs.orderBy('startedAt').reverse().offset(KEEP).primaryKeys();
  if (stale.length) await db.jobs.bulkDelete(stale);
}

export async function lastJob(db: ExhibitDB): Promise<CaptureJobRow | undefined> {
  return db.jobs.orderBy('startedAt').last();
}

/** At service-worker start no capture can be running: any job still marked running was cut off. */
export async function markInterruptedJobs(db: ExhibitDB, workerStartedAt: string): Promise<number> {
  const cut = await db.jobs.where('state').equals('running').filter((j) => j.startedAt < workerStartedAt).toArray();
  for (const job of cut) {
    await db.jobs.update(job.id, {
      state: 'failed',
      finishedAt: workerStartedAt,
      error: { code: 'capture-failed', message: 'The browser stopped Exhibit while this capture was being saved; nothing was stored. Capture again.' },
    });
  }
  return cut.length;
}
