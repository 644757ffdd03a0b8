// Redaction before saving: the captured pixels wait, in memory only, while the person draws boxes
// and accepts or rejects suggestions in the editor (entrypoints/redact/); saving burns solid
// fills into the pixels, blanks the same text in the tables, and only then builds the evidence
// (banner, hash, signature) from the redacted pixels. The unredacted pixels are never written to
// IndexedDB or sent anywhere: they live in this worker's memory and in chrome.storage.session
// (memory too; it survives a service-worker restart), and both copies are dropped the moment the
// editor saves, cancels, navigates away or its tab closes.
import { browser } from 'wxt/browser';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import type { HandlerGroup } from '../handlers';
import { finishJob, reportStage } from '../jobs';
import type { CaptureSummary, Capturer, ImageBox, RedactionRegion } from '../schema';
import { tableFiles } from '../tables/csv';
import type { ImageSuggestion, PageMarksInImage } from './element';
import type { CapturedPage } from './evidence';
import type { FullPageResult } from './fullpage';
import { readPngHeader } from './png';
import { pickerTabGone, randomHex } from './picker';
import { boxesAreFilled, burnBoxes, clampBox, fillTables, redactionSummary, type TableTemplates } from './redaction-apply';
import { REASON_LABELS } from './redaction-suggest';
import { holdWorker } from './session-keepalive';
import { storeEvidence } from './visible';

export const EDITOR_PAGE = '/redact.html';
const STORAGE_PREFIX = 'redact:';

/** Everything needed to save the capture once the boxes are final; never written to disk. */
export interface RedactionSession {
  id: string;
  jobId?: string;
  /** The captured tab (for placing the editor beside it). */
  tabId: number;
  editorTabId?: number;
  createdAt: string;
  capturer: Capturer;
  controlIds: string[];
  note: string;
  /** The capture minus its pixels and tables; `capturedAt` as an ISO string. */
  page: Omit<CapturedPage, 'png' | 'tables' | 'moreParts' | 'thumbnailSource' | 'capturedAt' | 'redaction'> & { capturedAt: string };
  /** The unredacted PNGs, top to bottom (one unless a full page needed parts). */
  images: Uint8Array[];
  /** Where each image starts in the whole picture, in its pixels. */
  tops: number[];
  width: number;
  height: number;
  /** Rows of the whole picture that show the first viewport (the thumbnail of a full page). */
  thumbnailRows?: number;
  suggestions: ImageSuggestion[];
  templates: TableTemplates;
}

type StoredSession = Omit<RedactionSession, 'images'> & { images: string[] };

const sessions = new Map<string, RedactionSession>();
const waiters = new Map<string, { resolve(summary: CaptureSummary): void; reject(error: ExhibitError): void }>();
/** Sessions being saved: a tab closing meanwhile does not cancel them. */
const saving = new Set<string>();

function toBase64(bytes: Uint8Array): string {
  const toB64 = (bytes as unknown as { toBase64?: () => string }).toBase64;
  if (toB64) return toB64.call(bytes);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

function fromBase64(b64: string): Uint8Array {
  const decode = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (decode) return decode(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function persist(session: RedactionSession): Promise<void> {
  const stored: StoredSession = { ...session, images: session.images.map(toBase64) };
  try {
    await browser.storage.session.set({ [STORAGE_PREFIX + session.id]: stored });
  } catch {
    // Larger than session storage allows (about 10 MB): the worker's memory holds it alone, so it
    // cannot survive a worker restart, and the editor then says the capture is gone.
  }
}

async function load(id: string): Promise<RedactionSession | undefined> {
  const inMemory = sessions.get(id);
  if (inMemory) return inMemory;
  const stored = (await browser.storage.session.get(STORAGE_PREFIX + id))[STORAGE_PREFIX + id] as StoredSession | undefined;
  if (!stored) return undefined;
  const session = { ...stored, images: stored.images.map(fromBase64) };
  sessions.set(id, session);
  return session;
}

async function forget(id: string): Promise<void> {
  sessions.delete(id);
  await browser.storage.session.remove(STORAGE_PREFIX + id).catch(() => undefined);
}

async function allStored(): Promise<StoredSession[]> {
  const all = await browser.storage.session.get(null);
  return Object.entries(all)
    .filter(([key]) => key.startsWith(STORAGE_PREFIX))
    .map(([, value]) => value as StoredSession);
}

const GONE = 'This capture is no longer waiting for redaction (it was saved, cancelled, or the browser was restarted); nothing unredacted was kept. Capture again.';

/**
 * Opens the editor for `session` and resolves with the saved capture's summary once the person
 * saves; rejects when they cancel or close the editor. `signal` (capture.cancel) cancels too.
 */
export async function redactBeforeSaving(db: ExhibitDB, session: RedactionSession, signal?: AbortSignal): Promise<CaptureSummary> {
  sessions.set(session.id, session);
  const release = holdWorker();
  const outcome = new Promise<CaptureSummary>((resolve, reject) => waiters.set(session.id, { resolve, reject }));
  const onAbort = () => void cancelSession(db, session.id, 'The capture was cancelled while it waited in the redaction editor; nothing was saved.', { closeEditor: true });
  try {
    await persist(session);
    if (session.jobId) await reportStage(db, session.jobId, 'redacting');
    const source = await browser.tabs.get(session.tabId).catch(() => null);
    const editor = await browser.tabs.create({
      url: browser.runtime.getURL(`${EDITOR_PAGE}#${session.id}` as '/redact.html'),
      active: true,
      ...(source ? { windowId: source.windowId, index: source.index + 1, openerTabId: session.tabId } : {}),
    });
    session.editorTabId = editor.id;
    await persist(session);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    return await outcome;
  } catch (err) {
    await forget(session.id);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    waiters.delete(session.id);
    release();
  }
}

/** Drops the session and its pixels, and settles its capture as not saved. */
async function cancelSession(db: ExhibitDB, id: string, message: string, options: { closeEditor?: boolean } = {}): Promise<boolean> {
  if (saving.has(id)) return false;
  const session = sessions.get(id) ?? (await load(id));
  await forget(id);
  if (!session) return false;
  // Cancelled from elsewhere (capture.cancel): the editor would only offer a save that cannot happen.
  if (options.closeEditor && session.editorTabId !== undefined) await browser.tabs.remove(session.editorTabId).catch(() => undefined);
  const error = new ExhibitError('capture-failed', message);
  const waiter = waiters.get(id);
  if (waiter) waiter.reject(error);
  else if (session.jobId) await finishJob(db, session.jobId, { state: 'failed', error: { code: error.code, message } }).catch(() => undefined);
  return true;
}

async function decode(png: Uint8Array): Promise<{ canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D; image: ImageData }> {
  const bitmap = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas for redaction');
    ctx.drawImage(bitmap, 0, 0);
    return { canvas, ctx, image: ctx.getImageData(0, 0, bitmap.width, bitmap.height) };
  } finally {
    bitmap.close();
  }
}

/** Burns `boxes` (this image's pixels) into `png` and proves, by decoding the result, that they are solid. */
export async function burnIntoPng(png: Uint8Array, boxes: readonly ImageBox[]): Promise<Uint8Array> {
  const { canvas, ctx, image } = await decode(png);
  burnBoxes(image.data, image.width, image.height, boxes);
  if (!boxesAreFilled(image.data, image.width, image.height, boxes)) throw new ExhibitError('internal', 'The redaction could not be burned into the pixels; nothing was saved.');
  ctx.putImageData(image, 0, 0);
  const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
  const check = await decode(out);
  if (!boxesAreFilled(check.image.data, check.image.width, check.image.height, boxes)) throw new ExhibitError('internal', 'The redacted image did not keep its fills when encoded; nothing was saved.');
  return out;
}

/** The boxes of the whole picture that fall on image `i`, in that image's pixels. */
function boxesForImage(boxes: readonly ImageBox[], top: number, width: number, height: number): ImageBox[] {
  return boxes.map((b) => clampBox({ ...b, y: b.y - top }, width, height)).filter((b): b is ImageBox => b !== null);
}

/** Applies the person's regions and stores the evidence. The unredacted pixels are dropped either way. */
async function saveRedacted(db: ExhibitDB, session: RedactionSession, regions: readonly RedactionRegion[]): Promise<CaptureSummary> {
  const boxes = regions.flatMap((r) => r.boxes.map((b) => clampBox(b, session.width, session.height))).filter((b): b is ImageBox => b !== null);
  const images = await Promise.all(
    session.images.map((png, i) => {
      const header = readPngHeader(png);
      const own = boxesForImage(boxes, session.tops[i] ?? 0, header.width, header.height);
      return own.length ? burnIntoPng(png, own) : png;
    }),
  );
  let thumbnailSource: Uint8Array | undefined;
  if (session.thumbnailRows && session.thumbnailRows < session.height) {
    const first = await decode(images[0]!);
    const rows = Math.min(session.thumbnailRows, first.image.height);
    const top = new OffscreenCanvas(first.image.width, rows);
    top.getContext('2d')!.drawImage(first.canvas, 0, 0);
    thumbnailSource = new Uint8Array(await (await top.convertToBlob({ type: 'image/png' })).arrayBuffer());
  }
  const page: CapturedPage = {
    ...session.page,
    capturedAt: new Date(session.page.capturedAt),
    png: images[0]!,
    ...(images.length > 1 ? { moreParts: images.slice(1) } : {}),
    ...(thumbnailSource ? { thumbnailSource } : {}),
    tables: await tableFiles(fillTables(session.templates, boxes)),
    redaction: redactionSummary(regions),
  };
  return storeEvidence(db, session.capturer, page, { controlIds: session.controlIds, note: session.note });
}

export const redactionHandlers = {
  async 'redact.session'(req) {
    const session = await load(req.sessionId);
    if (!session) throw new ExhibitError('not-found', GONE);
    return {
      sessionId: session.id,
      url: session.page.url,
      title: session.page.title,
      mode: session.page.mode,
      capturedAt: session.page.capturedAt,
      capturedBy: session.capturer,
      rendering: session.page.rendering ?? 'screenshot',
      width: session.width,
      height: session.height,
      devicePixelRatio: session.page.devicePixelRatio,
      images: session.images.map((png, i) => ({ top: session.tops[i] ?? 0, base64: toBase64(png) })),
      suggestions: session.suggestions.map((s) => ({ ...s, label: REASON_LABELS[s.reason] })),
      tableCount: session.templates.tables.length,
    };
  },

  async 'redact.save'(req, { db }) {
    const session = await load(req.sessionId);
    if (!session || saving.has(session.id)) throw new ExhibitError('not-found', GONE);
    saving.add(session.id);
    try {
      const summary = await saveRedacted(db, session, req.regions);
      saving.delete(session.id);
      await forget(session.id);
      const waiter = waiters.get(session.id);
      if (waiter) waiter.resolve(summary);
      else if (session.jobId) await finishJob(db, session.jobId, { state: 'saved', captureId: summary.id });
      return summary;
    } catch (err) {
      saving.delete(session.id);
      // The editor stays usable (retry or cancel) unless it was closed meanwhile.
      const open = session.editorTabId !== undefined && (await browser.tabs.get(session.editorTabId).then(() => true, () => false));
      if (!open) await cancelSession(db, session.id, 'The redaction editor was closed before the capture could be saved; nothing was saved.');
      throw err;
    }
  },

  async 'redact.cancel'(req, { db }) {
    const cancelled = await cancelSession(db, req.sessionId, 'You cancelled the capture in the redaction editor; nothing was saved.');
    return { cancelled };
  },
} satisfies HandlerGroup;

/**
 * Registers (synchronously, as MV3 requires) what ends pending picks and redactions when their
 * tabs close or navigate, and settles redactions cut off by a browser restart.
 */
export function setupCaptureSessions(db: ExhibitDB): void {
  const workerStartedAt = new Date().toISOString();
  const editorSessions = async (tabId: number): Promise<string[]> => {
    const ids = new Set([...sessions.values()].filter((s) => s.editorTabId === tabId).map((s) => s.id));
    for (const s of await allStored().catch(() => [])) if (s.editorTabId === tabId) ids.add(s.id);
    return [...ids];
  };
  browser.tabs.onRemoved.addListener((tabId) => {
    pickerTabGone(tabId, 'closed');
    void editorSessions(tabId).then((ids) => Promise.all(ids.map((id) => cancelSession(db, id, 'The redaction editor was closed before saving; nothing was saved.'))));
  });
  browser.tabs.onUpdated.addListener((tabId, change) => {
    if (change.status === 'loading' && !change.url?.startsWith(browser.runtime.getURL(EDITOR_PAGE))) pickerTabGone(tabId, 'navigated');
    if (change.url && !change.url.startsWith(browser.runtime.getURL(EDITOR_PAGE))) {
      void editorSessions(tabId).then((ids) => Promise.all(ids.map((id) => cancelSession(db, id, 'The redaction editor was left before saving; nothing was saved.'))));
    }
  });
  void (async () => {
    const stored = await allStored().catch(() => []);
    for (const s of stored) {
      const open = s.editorTabId !== undefined && (await browser.tabs.get(s.editorTabId).then(() => true, () => false));
      if (!open) await cancelSession(db, s.id, 'The redaction editor was closed before saving; nothing was saved.');
    }
    const live = new Set((await allStored().catch(() => [])).map((s) => s.jobId));
    const waiting = await db.jobs.where('state').equals('running').filter((j) => j.stage === 'redacting' && j.startedAt < workerStartedAt && !live.has(j.id)).toArray();
    for (const job of waiting) {
      await finishJob(db, job.id, { state: 'failed', error: { code: 'capture-failed', message: 'The browser stopped Exhibit while the redaction editor was open; nothing was saved. Capture again.' } });
    }
  })().catch(() => undefined);
}

/** A fresh session id: 128 random bits, hex. */
export function newSessionId(): string {
  return randomHex(16);
}

/** The session for a capture about to be redacted: its pixels (parts of a full page), text and request. */
export function redactionSession(
  page: CapturedPage,
  o: { capturer: Capturer; request: { tabId: number; controlIds: string[]; note: string; jobId?: string }; marks: PageMarksInImage; fullPage?: FullPageResult },
): RedactionSession {
  const { png, tables: _tables, moreParts: _moreParts, thumbnailSource: _thumbnail, redaction: _redaction, capturedAt, ...rest } = page;
  const images = o.fullPage ? o.fullPage.parts : [png];
  const headers = images.map(readPngHeader);
  return {
    id: newSessionId(),
    ...(o.request.jobId ? { jobId: o.request.jobId } : {}),
    tabId: o.request.tabId,
    createdAt: new Date().toISOString(),
    capturer: o.capturer,
    controlIds: o.request.controlIds,
    note: o.request.note,
    page: { ...rest, capturedAt: capturedAt.toISOString() },
    images,
    tops: o.fullPage ? o.fullPage.partTops : [0],
    width: headers[0]!.width,
    height: headers.reduce((sum, h) => sum + h.height, 0),
    ...(o.fullPage ? { thumbnailRows: Math.round(page.viewport.height * page.devicePixelRatio) } : {}),
    suggestions: o.marks.suggestions,
    templates: o.marks.templates,
  };
}
