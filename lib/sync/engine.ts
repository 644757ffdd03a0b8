// One sync run: upload what is queued, then download what teammates added. Runs the same in the
// service worker (alarms, "Sync now"), in Vitest and in the benchmark. Progress and the outcome
// are written to the syncState row as it goes; a failure leaves the queue as it was, so the next
// run resumes where this one stopped.
import type { ExhibitDB, InstallationKeyRow } from '../db';
import { ExhibitError } from '../errors';
import { getInstallation } from '../installation';
import type { SyncTarget } from '../schema';
import { targetId } from './layout';
import { pullAll } from './pull';
import { pushAll, type SyncContext } from './push';
import { queueCounts, requeueAll } from './queue';
import { DEFAULT_RETRY, type RetryHooks, type RetryPolicy } from './retry';
import { S3Client, S3Error, type S3Config } from './s3';
import { emptyStats, initialState, readState, updateState, type SyncRunStats } from './state';

export interface SyncConfig {
  target: SyncTarget;
  secretAccessKey: string;
  clockOffsetMs?: number;
}

export interface RunOptions {
  retry?: RetryPolicy;
  fetch?: typeof fetch;
  concurrency?: number;
  /** Words added to a network failure (e.g. that the endpoint lacks a host permission). */
  networkHint?: string;
  /** Called every few seconds while running (keeps an extension service worker awake). */
  heartbeat?: () => void;
  /** This installation (default: the database's own); tests and the benchmark run several in one process. */
  installation?: InstallationKeyRow;
}

export function clientFor(config: SyncConfig, retry: RetryPolicy = DEFAULT_RETRY, hooks: RetryHooks & { fetch?: typeof fetch } = {}): S3Client {
  const s3: S3Config = {
    endpoint: config.target.endpoint,
    region: config.target.region,
    bucket: config.target.bucket,
    accessKeyId: config.target.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    addressing: config.target.addressing,
    ...(config.clockOffsetMs ? { clockOffsetMs: config.clockOffsetMs } : {}),
  };
  return new S3Client(s3, retry, hooks);
}

/** A new target starts empty: everything of ours is queued for it, and nothing there is known yet. */
async function adoptTarget(db: ExhibitDB, id: string, installationId: string): Promise<void> {
  await requeueAll(db, installationId);
  await db.transaction('rw', db.syncObjects, db.syncQuarantine, db.syncState, async () => {
    await db.syncObjects.clear();
    await db.syncQuarantine.clear();
    await db.syncState.put(initialState(id));
  });
}

export async function runSync(db: ExhibitDB, config: SyncConfig, options: RunOptions = {}): Promise<SyncRunStats> {
  const installation = options.installation ?? (await getInstallation(db));
  const id = targetId(config.target);
  if ((await readState(db)).targetId !== id) await adoptTarget(db, id, installation.installationId);
  const stats = emptyStats();
  const waiting: string[] = [];
  const startedAt = new Date().toISOString();
  let lastWrite = 0;
  let phase: 'uploading' | 'downloading' = 'uploading';
  let pending: Promise<unknown> = Promise.resolve();
  const ctx: SyncContext = {
    db,
    client: clientFor(config, options.retry, options.fetch ? { fetch: options.fetch } : {}),
    target: config.target,
    installation,
    stats,
    concurrency: options.concurrency ?? 4,
    progress(done, total) {
      // A row write per item would cost more than the item: at most ten a second, and the last one.
      const now = Date.now();
      if (done !== 0 && done !== total && now - lastWrite < 100) return;
      lastWrite = now;
      pending = pending.then(() => updateState(db, { phase, progress: { done, total }, lastRun: { ...stats } })).catch(() => undefined);
    },
    wait(note) {
      waiting.push(note);
    },
  };
  const state = await updateState(db, { running: true, phase, progress: { done: 0, total: 0 }, startedAt });
  const beat = options.heartbeat ? setInterval(options.heartbeat, 10_000) : undefined;
  try {
    await pushAll(ctx, state.signerUploaded);
    await pending;
    phase = 'downloading';
    await pullAll(ctx);
    await pending;
    const at = new Date().toISOString();
    await updateState(db, { running: false, phase: 'idle', lastSyncAt: at, lastSuccessAt: at, lastError: null, lastRun: stats, waiting });
    return stats;
  } catch (err) {
    await pending;
    const error = await describeFailure(db, err, options.networkHint);
    await updateState(db, {
      running: false,
      phase: 'idle',
      lastSyncAt: new Date().toISOString(),
      lastError: { code: error.kind, message: error.message, at: new Date().toISOString() },
      lastRun: stats,
      waiting,
    });
    throw new ExhibitError('sync-failed', error.message, { kind: error.kind, stats });
  } finally {
    if (beat) clearInterval(beat);
  }
}

async function describeFailure(db: ExhibitDB, err: unknown, networkHint?: string): Promise<{ kind: string; message: string }> {
  const queued = await queueCounts(db).catch(() => ({ captures: 0, events: 0 }));
  const waitingNote =
    queued.captures || queued.events
      ? ` Nothing was lost: ${queued.captures} capture${queued.captures === 1 ? '' : 's'} and ${queued.events} annotation change${queued.events === 1 ? '' : 's'} wait to be uploaded.`
      : '';
  if (err instanceof S3Error) {
    const hint = (err.kind === 'network' || err.kind === 'wrong-region') && networkHint ? ` ${networkHint}` : '';
    return { kind: err.kind, message: `${err.message}${hint}${waitingNote}` };
  }
  if (err instanceof ExhibitError) return { kind: err.code, message: `${err.message}${waitingNote}` };
  return { kind: 'internal', message: `Sync stopped on an unexpected error: ${String((err as Error)?.message ?? err)}.${waitingNote}` };
}
