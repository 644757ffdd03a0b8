// Capture jobs live in IndexedDB, not in the popup, so the outcome of a capture survives the
// popup closing, and a capture cut off by the browser stopping the service worker is reported as
// interrupted instead of vanishing.
import { ulid } from 'ulid';
import type { CaptureJobRow, ExhibitDB } from './db';

const KEEP = 50;
/** Cancel switches of the jobs running in this service worker. */
const running = new Map<string, AbortController>();

/**
 * Starts a job without waiting for its row: the capture goes ahead while it is written. IndexedDB
 * runs write transactions on the same store in the order they were created, so every later
 * change of the job (its stage, its outcome) lands after the row.
 */
export function beginJob(db: ExhibitDB, tabId: number, mode = 'visible'): { id: string; signal: AbortSignal; written: Promise<void> } {
  const id = ulid();
  const controller = new AbortController();
  running.set(id, controller);
  const written = db.jobs.add({ id, tabId, mode, startedAt: new Date().toISOString(), state: 'running' }).then(() => undefined);
  return { id, signal: controller.signal, written };
}

export async function reportProgress(db: ExhibitDB, id: string, done: number, total: number): Promise<void> {
  await db.jobs.update(id, { progress: { done, total } });
}

/** The job waits for the person (the picker, the redaction editor), or no longer does (undefined). */
export async function reportStage(db: ExhibitDB, id: string, stage: CaptureJobRow['stage']): Promise<void> {
  await db.jobs.update(id, { stage });
}

/** Asks a running job to stop; false when no such job is running. */
export function cancelJob(id: string): boolean {
  const controller = running.get(id);
  controller?.abort();
  return controller !== undefined;
}

export type JobOutcome = Pick<CaptureJobRow, 'state' | 'captureId' | 'error'>;

export async function finishJob(db: ExhibitDB, id: string, outcome: JobOutcome): Promise<void> {
  running.delete(id);
  // One transaction, not three: the outcome and the pruning are a capture's last step before its reply.
  await db.transaction('rw', db.jobs, () => writeJobOutcome(db, id, outcome));
}

/**
 * Writes a job's outcome and drops the oldest jobs beyond the last 50. Inside a transaction that
 * includes db.jobs (a capture's own, lib/capture/store.ts) it is part of that transaction.
 */
export async function writeJobOutcome(db: ExhibitDB, id: string, outcome: JobOutcome): Promise<void> {
  // The pruning's read goes out with the update (it depends on start times only): one round trip, not two.
  const [, stale] = await Promise.all([
    db.jobs.update(id, { ...outcome, stage: undefined, finishedAt: new Date().toISOString() }),
    db.jobs.orderBy('startedAt').reverse().offset(KEEP).primaryKeys(),
  ]);
  if (stale.length) await db.jobs.bulkDelete(stale);
}

/** The job's outcome was stored with its capture: nothing is left to finish or cancel. */
export function settleJob(id: string): void {
  running.delete(id);
}

/** The job runs in this worker and has no outcome yet. */
export function jobRunning(id: string): boolean {
  return running.has(id);
}

export async function lastJob(db: ExhibitDB): Promise<CaptureJobRow | undefined> {
  return db.jobs.orderBy('startedAt').last();
}

/** At service-worker start no capture can be running: any job still marked running was cut off. */
export async function markInterruptedJobs(db: ExhibitDB, workerStartedAt: string): Promise<number> {
  // A job waiting in the redaction editor outlives the worker: its pixels are kept in session
  // storage and the editor can still save or cancel it (lib/capture/redaction.ts settles those).
  const cut = await db.jobs.where('state').equals('running').filter((j) => j.startedAt < workerStartedAt && j.stage !== 'redacting').toArray();
  for (const job of cut) {
    await db.jobs.update(job.id, {
      state: 'failed',
      finishedAt: workerStartedAt,
      error: { code: 'capture-failed', message: 'The browser stopped Exhibit while this capture was being saved; nothing was stored. Capture again.' },
    });
  }
  return cut.length;
}
