// Capture jobs live in IndexedDB, not in the popup, so the outcome of a capture survives the
// popup closing, and a capture cut off by the browser stopping the service worker is reported as
// interrupted instead of vanishing.
import { monotonicFactory } from 'ulid';
import type { CaptureJobRow, ExhibitDB } from './db';

const KEEP = 50;
/** Job ids grow in the order jobs start, even within one millisecond: the last job is the last started. */
const jobId = monotonicFactory();

/** A job running in this service worker: its cancel switch and its row as this worker last wrote it. */
interface RunningJob {
  controller: AbortController;
  row: CaptureJobRow;
}
const running = new Map<string, RunningJob>();

/**
 * Starts a job without waiting for its row: the capture goes ahead while it is written. IndexedDB
 * runs write transactions on the same store in the order they were created, so every later
 * change of the job (its stage, its outcome) lands after the row. The oldest jobs beyond the last
 * 50 are dropped in the same transaction, while the browser takes the picture, not at the end.
 */
export function beginJob(db: ExhibitDB, tabId: number, mode = 'visible'): { id: string; signal: AbortSignal; written: Promise<void> } {
  const id = jobId();
  const controller = new AbortController();
  const row: CaptureJobRow = { id, tabId, mode, startedAt: new Date().toISOString(), state: 'running' };
  running.set(id, { controller, row });
  const written = db.transaction('rw', db.jobs, async () => {
    const [, stale] = await Promise.all([db.jobs.add(row), db.jobs.orderBy('startedAt').reverse().offset(KEEP).primaryKeys()]);
    if (stale.length) await db.jobs.bulkDelete(stale);
  });
  return { id, signal: controller.signal, written };
}

/** Applies `changes` to the job's row in memory (while it runs here) and in the database. */
async function changeJob(db: ExhibitDB, id: string, changes: Partial<CaptureJobRow>): Promise<void> {
  const job = running.get(id);
  if (job) job.row = { ...job.row, ...changes };
  await db.jobs.update(id, changes);
}

export async function reportProgress(db: ExhibitDB, id: string, done: number, total: number): Promise<void> {
  await changeJob(db, id, { progress: { done, total } });
}

/** The job waits for the person (the picker, the redaction editor), or no longer does (undefined). */
export async function reportStage(db: ExhibitDB, id: string, stage: CaptureJobRow['stage']): Promise<void> {
  await changeJob(db, id, { stage });
}

/** Asks a running job to stop; false when no such job is running. */
export function cancelJob(id: string): boolean {
  const job = running.get(id);
  job?.controller.abort();
  return job !== undefined;
}

export type JobOutcome = Pick<CaptureJobRow, 'state' | 'captureId' | 'error'>;

export async function finishJob(db: ExhibitDB, id: string, outcome: JobOutcome): Promise<void> {
  const row = running.get(id)?.row;
  running.delete(id);
  await outcomeWrite(db, id, outcome, row);
}

/**
 * Writes a job's outcome. Inside a transaction that includes db.jobs (a capture's own,
 * lib/capture/store.ts) it is part of that transaction.
 */
export function writeJobOutcome(db: ExhibitDB, id: string, outcome: JobOutcome): Promise<unknown> {
  return outcomeWrite(db, id, outcome, running.get(id)?.row);
}

/**
 * A job running in this worker has its whole row here: the outcome is one write, with no read
 * first (a read-modify-write holds the rest of a capture's transaction until it is done). A job
 * from before the worker restarted (the redaction editor's) is updated where it is stored.
 */
function outcomeWrite(db: ExhibitDB, id: string, outcome: JobOutcome, row: CaptureJobRow | undefined): Promise<unknown> {
  const finishedAt = new Date().toISOString();
  if (!row) return db.jobs.update(id, { ...outcome, stage: undefined, finishedAt });
  const { stage: _stage, ...rest } = row;
  return db.jobs.put({ ...rest, ...outcome, finishedAt });
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
