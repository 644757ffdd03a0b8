// What the background does for each message of the protocol (docs/messages.md). Every request is
// parsed with its zod schema first; every failure becomes { ok: false, error: { code, message } }.
import { browser } from 'wxt/browser';
import { applyAnnotationEvents, emptyAnnotation, eventsForChange } from './annotations';
import { captureQuota, captureTab, readCaptureTab } from './capture/visible';
import { partName } from './capture/evidence';
import { CaptureClock, recentCaptureTimings } from './capture/timing';
import { THUMBNAIL_NAME } from './capture/store';
import { contextHandlers } from './context/handlers';
import { CRITERIA_CONTROLS, isCriterionId } from './controls/catalog';
import { parseControlsFile } from './controls/import';
import type { ExhibitDB } from './db';
import { ExhibitError, isQuotaError } from './errors';
import { getInstallation } from './installation';
import { getCaptureDetail, listCaptures } from './library';
import { beginJob, cancelJob, finishJob, jobRunning, lastJob, reportProgress, reportStage } from './jobs';
import { requestSchemas, type Capturer, type Control, type MessageType, type ParsedRequestOf, type Period } from './schema';
import { readSettings, writeSettings } from './settings';
import { localTimeZone } from './time';
import { ulid } from 'ulid';
import { base64Encode } from './capture/signing';
import { bundleHandlers } from './bundle/handlers';
import { readinessHandlers } from './readiness/handlers';
import { redactionHandlers } from './capture/redaction';
import { syncHandlers } from './sync/handlers';

export interface HandlerContext {
  db: ExhibitDB;
}

const RECENT_KEY = 'recentControlIds';

async function requireCapturer(): Promise<Capturer> {
  const { capturer } = await readSettings();
  if (!capturer) {
    throw new ExhibitError(
      'capturer-missing',
      'Set who is capturing first (name, email, team) in Exhibit’s dashboard. Captures are refused until then so every piece of evidence names its author.',
    );
  }
  return capturer;
}

export async function allControls(db: ExhibitDB): Promise<Control[]> {
  const custom = await db.controls.toArray();
  return [...custom.map((c) => ({ ...c, builtIn: false })).sort((a, b) => a.id.localeCompare(b.id)), ...CRITERIA_CONTROLS];
}

async function requireKnownControls(db: ExhibitDB, ids: readonly string[]): Promise<void> {
  const unknown = [];
  for (const id of new Set(ids)) if (!isCriterionId(id) && !(await db.controls.get(id))) unknown.push(id);
  if (unknown.length) throw new ExhibitError('invalid-request', `Unknown control${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Create ${unknown.length > 1 ? 'them' : 'it'} under Controls first.`, { unknown });
}

async function rememberRecent(ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  const current = ((await browser.storage.local.get(RECENT_KEY))[RECENT_KEY] as string[] | undefined) ?? [];
  const next = [...ids, ...current.filter((id) => !ids.includes(id))].slice(0, 30);
  await browser.storage.local.set({ [RECENT_KEY]: next });
}

function validateCriteria(criteria: readonly string[]): void {
  const bad = criteria.filter((c) => !isCriterionId(c));
  if (bad.length) throw new ExhibitError('invalid-request', `Not SOC 2 criterion ids: ${bad.join(', ')} (for example CC6.1).`);
}

async function hasAllUrls(): Promise<boolean> {
  try {
    return await browser.permissions.contains({ origins: ['<all_urls>'] });
  } catch {
    return false;
  }
}

export type Handlers = { [K in MessageType]: (request: ParsedRequestOf<K>, ctx: HandlerContext) => Promise<unknown> };
/** The handlers of one concern (bundles, sync, readiness …): `{ … } satisfies HandlerGroup`, merged into `handlers` below. */
export type HandlerGroup = Partial<Handlers>;

const coreHandlers = {
  async 'settings.get'(_req, { db }) {
    const [settings, installation] = await Promise.all([readSettings(), getInstallation(db)]);
    return {
      ...settings,
      installationId: installation.installationId,
      signingKeyFingerprint: installation.fingerprint,
      publicKeyJwk: installation.publicJwk,
      capturesWithoutGesture: await hasAllUrls(),
    };
  },

  async 'settings.set'(req, { db }) {
    const change: Parameters<typeof writeSettings>[0] = {};
    if (req.capturer) change.capturer = req.capturer;
    if (req.organization !== undefined) change.organization = req.organization;
    const settings = await writeSettings(change);
    if (req.capturer) {
      const installation = await getInstallation(db);
      await db.signers.update(installation.fingerprint, { name: req.capturer.name, email: req.capturer.email });
    }
    return settings;
  },

  async capture(req, { db }) {
    const clock = new CaptureClock();
    // The tab is read while the settings are checked (its error, if any, comes after theirs).
    const tab = readCaptureTab(req.tabId);
    tab.catch(() => undefined);
    // Checked together; a missing capturer is reported before unknown controls.
    const [capturer, controls] = await clock.time('settings and controls', Promise.allSettled([requireCapturer(), requireKnownControls(db, req.controlIds)]));
    if (capturer.status === 'rejected') throw capturer.reason;
    if (controls.status === 'rejected') throw controls.reason;
    // The job's row is written while the capture starts (its outcome is written after it, lib/jobs.ts).
    const { id: jobId, signal, written } = beginJob(db, req.tabId, req.mode);
    void clock.time('job start', written).catch(() => undefined);
    try {
      const summary = await captureTab(db, capturer.value, {
        clock,
        tabId: req.tabId,
        tab,
        mode: req.mode,
        controlIds: req.controlIds,
        note: req.note,
        ...(req.selector !== undefined ? { selector: req.selector } : {}),
        ...(req.rect !== undefined ? { rect: req.rect } : {}),
        redact: req.redact,
        jobId,
        signal,
        onProgress: ({ tilesDone, tilesTotal }) => void reportProgress(db, jobId, tilesDone, tilesTotal).catch(() => undefined),
        onStage: (stage) => void reportStage(db, jobId, stage).catch(() => undefined),
      });
      // A capture saved here wrote its job's outcome in its own transaction (the redaction editor's did not).
      if (jobRunning(jobId)) await clock.time('job finish', finishJob(db, jobId, { state: 'saved', captureId: summary.id }));
      await clock.time('recent controls', rememberRecent(req.controlIds));
      clock.finish(req.mode);
      return summary;
    } catch (err) {
      const e = toError(err);
      // Never over a saved capture's outcome (a later step, such as remembering the controls, failed).
      if (jobRunning(jobId)) await finishJob(db, jobId, { state: 'failed', error: { code: e.code, message: e.message } }).catch(() => undefined);
      throw e;
    }
  },

  async 'capture.last'(_req, { db }) {
    return (await lastJob(db)) ?? null;
  },

  async 'capture.cancel'(req) {
    if (!cancelJob(req.jobId)) throw new ExhibitError('not-found', 'No capture with that job id is running.');
    return { cancelling: req.jobId };
  },

  async diagnostics() {
    return { captureQuota: { ...captureQuota.stats, marginMs: captureQuota.currentMarginMs }, captureTimings: recentCaptureTimings() };
  },

  async 'captures.list'(req, { db }) {
    const { type: _type, ...filter } = req;
    return listCaptures(db, filter);
  },

  async 'captures.get'(req, { db }) {
    return getCaptureDetail(db, req.id);
  },

  async 'captures.image'(req, { db }) {
    const name = req.kind === 'thumbnail' ? THUMBNAIL_NAME : partName(req.part ?? 1);
    const row = await db.blobs.get([req.id, name]);
    if (!row) throw new ExhibitError('not-found', 'No capture with that id.');
    return { mediaType: row.mediaType, bytes: row.bytes, base64: base64Encode(new Uint8Array(await row.blob.arrayBuffer())) };
  },

  async annotate(req, { db }) {
    const capturer = await requireCapturer();
    if (!(await db.captures.get(req.captureId))) throw new ExhibitError('not-found', 'No capture with that id.');
    if (req.controlIds) await requireKnownControls(db, req.controlIds);
    const installation = await getInstallation(db);
    const state = await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], async () => {
      const current = (await db.annotationState.get(req.captureId)) ?? emptyAnnotation(req.captureId);
      const events = eventsForChange(current, { controlIds: req.controlIds, note: req.note }, capturer, installation.installationId);
      const states = await applyAnnotationEvents(db, events);
      return states.get(req.captureId) ?? current;
    });
    if (req.controlIds) await rememberRecent(req.controlIds);
    const detail = await getCaptureDetail(db, req.captureId);
    return { annotation: state, history: detail.history };
  },

  async 'controls.list'(_req, { db }) {
    const recent = ((await browser.storage.local.get(RECENT_KEY))[RECENT_KEY] as string[] | undefined) ?? [];
    return { controls: await allControls(db), recent };
  },

  async 'controls.save'(req, { db }) {
    if (isCriterionId(req.control.id)) throw new ExhibitError('invalid-request', `"${req.control.id}" is a built-in SOC 2 criterion; give your control its own id.`);
    validateCriteria(req.control.criteria);
    await db.controls.put(req.control);
    return { ...req.control, builtIn: false };
  },

  async 'controls.delete'(req, { db }) {
    if (isCriterionId(req.id)) throw new ExhibitError('invalid-request', 'Built-in SOC 2 criteria cannot be deleted.');
    const tagged = await db.tags.where('[controlId+capturedAt+captureId]').between([req.id, '', ''], [req.id, '\uffff', '\uffff']).count();
    if (tagged > 0) throw new ExhibitError('conflict', `${tagged} capture${tagged === 1 ? ' is' : 's are'} tagged with ${req.id}; remove the tag from them first.`);
    if (!(await db.controls.get(req.id))) throw new ExhibitError('not-found', `No control ${req.id}.`);
    await db.controls.delete(req.id);
    return { deleted: req.id };
  },

  async 'controls.import'(req, { db }) {
    const controls = parseControlsFile(req.format, req.text);
    return db.transaction('rw', db.controls, async () => {
      const existing = new Set(await db.controls.bulkGet(controls.map((c) => c.id)).then((rows) => rows.filter(Boolean).map((r) => r!.id)));
      await db.controls.bulkPut(controls);
      const updated = controls.filter((c) => existing.has(c.id)).length;
      return { imported: controls.length, created: controls.length - updated, updated };
    });
  },

  async 'periods.create'(req, { db }) {
    const { capturer } = await readSettings();
    const period: Period = {
      id: ulid(),
      name: req.name,
      kind: req.kind,
      start: req.start,
      end: req.kind === 'type1' ? req.start : req.end!,
      timeZone: req.timeZone ?? localTimeZone(),
      createdAt: new Date().toISOString(),
      createdBy: capturer ? `${capturer.name} <${capturer.email}>` : '',
    };
    await db.periods.add(period);
    return period;
  },

  async 'periods.list'(_req, { db }) {
    return (await db.periods.toArray()).sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : a.name.localeCompare(b.name)));
  },

  async 'periods.delete'(req, { db }) {
    if (!(await db.periods.get(req.id))) throw new ExhibitError('not-found', 'That audit period does not exist.');
    await db.periods.delete(req.id);
    return { deleted: req.id };
  },
} satisfies HandlerGroup;

// Each concern's handlers live beside its code; this is the one place they are joined.
export const handlers = {
  ...coreHandlers,
  ...bundleHandlers,
  ...contextHandlers,
  ...redactionHandlers,
  ...readinessHandlers,
  ...syncHandlers,
} satisfies Handlers;

export type ResponseOf<T extends MessageType> = Awaited<ReturnType<(typeof handlers)[T]>>;

export type Reply<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };

function toError(err: unknown): ExhibitError {
  if (err instanceof ExhibitError) return err;
  if (isQuotaError(err)) return new ExhibitError('storage-full', 'Browser storage is full; nothing was changed. Free disk space or archive older evidence, then try again.');
  return new ExhibitError('internal', `Something went wrong inside Exhibit: ${String((err as Error)?.message ?? err)}`);
}

export async function handleMessage(raw: unknown, ctx: HandlerContext): Promise<Reply> {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !Object.hasOwn(requestSchemas, type)) {
    return { ok: false, error: { code: 'invalid-request', message: `Unknown message type ${JSON.stringify(type ?? null)}; see docs/messages.md.` } };
  }
  const parsed = requestSchemas[type as MessageType].safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return {
      ok: false,
      error: { code: 'invalid-request', message: `Invalid ${type} request: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`, details: { issues } },
    };
  }
  try {
    const handler = handlers[type as MessageType] as (req: unknown, ctx: HandlerContext) => Promise<unknown>;
    return { ok: true, data: await handler(parsed.data, ctx) };
  } catch (err) {
    const e = toError(err);
    return { ok: false, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
  }
}
