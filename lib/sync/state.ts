// What the last sync did and what the running one is doing, kept in IndexedDB so the dashboard
// shows it after the service worker restarts and a run cut off by the browser is reported as such.
import type { ExhibitDB } from '../db';

export interface SyncRunStats {
  /** Captures and event objects uploaded by this run. */
  uploadedCaptures: number;
  uploadedEventObjects: number;
  uploadedBytes: number;
  /** Uploads the bucket refused as already present (If-None-Match): a resumed upload, nothing sent twice. */
  alreadyPresent: number;
  importedCaptures: number;
  importedEvents: number;
  quarantined: number;
}

export interface SyncStateRow {
  id: 'state';
  /** endpoint + bucket + prefix the rest of this row is about. */
  targetId: string | null;
  running: boolean;
  phase: 'idle' | 'uploading' | 'downloading';
  progress: { done: number; total: number };
  startedAt: string | null;
  /** When the last run ended, successful or not. */
  lastSyncAt: string | null;
  lastSuccessAt: string | null;
  lastError: { code: string; message: string; at: string } | null;
  lastRun: SyncRunStats | null;
  /** This installation's signer object is in the bucket of `targetId`. */
  signerUploaded: boolean;
  /** Import waits: events whose signer is not in the bucket yet, captures whose files are missing. */
  waiting: string[];
}

export function emptyStats(): SyncRunStats {
  return { uploadedCaptures: 0, uploadedEventObjects: 0, uploadedBytes: 0, alreadyPresent: 0, importedCaptures: 0, importedEvents: 0, quarantined: 0 };
}

export function initialState(targetId: string | null = null): SyncStateRow {
  return {
    id: 'state',
    targetId,
    running: false,
    phase: 'idle',
    progress: { done: 0, total: 0 },
    startedAt: null,
    lastSyncAt: null,
    lastSuccessAt: null,
    lastError: null,
    lastRun: null,
    signerUploaded: false,
    waiting: [],
  };
}

export async function readState(db: ExhibitDB): Promise<SyncStateRow> {
  return (await db.syncState.get('state')) ?? initialState();
}

export async function updateState(db: ExhibitDB, change: Partial<Omit<SyncStateRow, 'id'>>): Promise<SyncStateRow> {
  return db.transaction('rw', db.syncState, async () => {
    const next = { ...(await readState(db)), ...change };
    await db.syncState.put(next);
    return next;
  });
}

/** At service-worker start no sync can be running: a run still marked running was cut off. */
export async function markInterruptedSync(db: ExhibitDB): Promise<void> {
  const state = await readState(db);
  if (!state.running) return;
  await updateState(db, {
    running: false,
    phase: 'idle',
    lastSyncAt: new Date().toISOString(),
    lastError: {
      code: 'interrupted',
      message: 'The browser stopped Exhibit during a sync. Nothing was lost: the next sync resumes where this one stopped.',
      at: new Date().toISOString(),
    },
  });
}
