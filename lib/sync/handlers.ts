// The sync messages (docs/messages.md, "Sync"). No reply ever carries the secret access key: at
// most its last four characters.
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import type { HandlerGroup } from '../handlers';
import { getInstallation } from '../installation';
import { testConnection } from './connection';
import { clientFor } from './engine';
import { targetId } from './layout';
import { queueCounts } from './queue';
import { DEFAULT_RETRY } from './retry';
import { readState } from './state';
import { clearSyncSettings, endpointOrigins, hasStoredSecret, readClockOffset, readSyncConfig, readSyncTarget, secretInfo, writeSyncSettings } from './settings';
import { hostPermissionHint, scheduleSync, syncNow, syncSettled } from './service';

/** Builds made for tests may sign with a skewed clock; a user's build never does. */
const TEST_BUILD = import.meta.env?.MODE === 'e2e' || import.meta.env?.MODE === 'test';

/** The connection test answers quickly: two tries, ten seconds each. */
const TEST_RETRY = { ...DEFAULT_RETRY, attempts: 2, timeoutMs: 10_000 };

async function settingsView() {
  const [target, secret] = await Promise.all([readSyncTarget(), secretInfo()]);
  return {
    configured: !!target && secret.set,
    target,
    secret,
    /** Origins the browser must allow for the endpoint (granted in the E2E build). */
    origins: target ? endpointOrigins(target) : [],
    ...(TEST_BUILD ? { clockOffsetMs: await readClockOffset() } : {}),
  };
}

async function statusView(db: ExhibitDB) {
  const [config, state, queued, quarantineCount, quarantine, signers, installation] = await Promise.all([
    readSyncConfig(),
    readState(db),
    queueCounts(db),
    db.syncQuarantine.count(),
    db.syncQuarantine.orderBy('at').reverse().limit(100).toArray(),
    db.signers.toArray(),
    getInstallation(db),
  ]);
  const current = config ? state.targetId === targetId(config.target) : false;
  return {
    configured: !!config,
    running: state.running,
    phase: state.phase,
    progress: state.progress,
    lastSyncAt: current ? state.lastSyncAt : null,
    lastSuccessAt: current ? state.lastSuccessAt : null,
    lastError: current ? state.lastError : null,
    lastRun: current ? state.lastRun : null,
    waiting: current ? state.waiting : [],
    queued,
    quarantine: { count: quarantineCount, items: quarantine },
    team: signers
      .map((s) => ({ fingerprint: s.fingerprint, installationId: s.installationId, name: s.name, email: s.email, own: s.fingerprint === installation.fingerprint }))
      .sort((a, b) => Number(b.own) - Number(a.own) || a.name.localeCompare(b.name)),
  };
}

export const syncHandlers = {
  async 'sync.settings.get'() {
    return settingsView();
  },

  async 'sync.settings.set'(req) {
    if (req.clockOffsetMs !== undefined && !TEST_BUILD) {
      throw new ExhibitError('invalid-request', 'clockOffsetMs exists only in test builds.');
    }
    if (req.secretAccessKey === undefined && !(await hasStoredSecret())) {
      throw new ExhibitError('invalid-request', 'Enter the secret access key that belongs to the access key id.');
    }
    // A run against the old target finishes first; the next one starts on the new target afresh.
    await syncSettled();
    await writeSyncSettings(req.target, req.secretAccessKey, req.clockOffsetMs);
    await scheduleSync(req.target.intervalMinutes);
    return settingsView();
  },

  async 'sync.settings.clear'() {
    await syncSettled();
    await clearSyncSettings();
    await scheduleSync(null);
    return settingsView();
  },

  async 'sync.test'(req, { db }) {
    const saved = await readSyncConfig();
    const target = req.target ?? saved?.target;
    const secretAccessKey = req.secretAccessKey ?? saved?.secretAccessKey;
    if (!target) throw new ExhibitError('sync-not-configured', 'Enter the endpoint, bucket and access key to test.');
    if (!secretAccessKey) throw new ExhibitError('invalid-request', 'Enter the secret access key to test the connection.');
    const client = clientFor({ target, secretAccessKey, ...(saved?.clockOffsetMs ? { clockOffsetMs: saved.clockOffsetMs } : {}) }, TEST_RETRY);
    const installation = await getInstallation(db);
    return testConnection(client, target, installation.installationId, await hostPermissionHint(target));
  },

  async 'sync.now'(_req, { db }) {
    await syncNow(db);
    return statusView(db);
  },

  async 'sync.status'(_req, { db }) {
    return statusView(db);
  },
} satisfies HandlerGroup;
