// Library queries. Each filter reads the most selective index it can (a control's tag rows of one
// system, a control's tag rows, a system's or person's captures in time order) and intersects the
// rest in memory, then reads the compact summary rows of the matches (lib/capture-summaries.ts),
// never their signed records.
import Dexie from 'dexie';
import { compareEvents } from './annotations';
import { IMAGE_NAME, THUMBNAIL_NAME } from './capture/store';
import { sha256Hex, verifyRecordSignature } from './capture/signing';
import { summaryOf } from './capture-summaries';
import type { ExhibitDB } from './db';
import { ExhibitError } from './errors';
import { getInstallation } from './installation';
import { periodBounds } from './periods/periods';
import type { AnnotationEvent, AnnotationState, CaptureFilter, CaptureSummary, PublicKeyJwk, SignedCapture } from './schema';
import { addDays } from './time';

/** The bounds of an open range of capture times. */
export const MIN_TIME = '0000';
export const MAX_TIME = '9999';

function lowerBound(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : new Date(value).toISOString();
}
function upperBound(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${addDays(value, 1)}T00:00:00.000Z` : new Date(value).toISOString();
}

export async function resolveRange(db: ExhibitDB, filter: Pick<CaptureFilter, 'periodId' | 'from' | 'to'>): Promise<{ from: string; to: string }> {
  let from = MIN_TIME;
  let to = MAX_TIME;
  if (filter.periodId) {
    const period = await db.periods.get(filter.periodId);
    if (!period) throw new ExhibitError('not-found', 'That audit period does not exist.');
    ({ from, to } = periodBounds(period));
  }
  try {
    const lo = lowerBound(filter.from);
    const hi = upperBound(filter.to);
    if (lo && lo > from) from = lo;
    if (hi && hi < to) to = hi;
  } catch {
    throw new ExhibitError('invalid-request', 'The date range is not a valid date or time.');
  }
  return { from, to };
}

async function candidateIds(db: ExhibitDB, filter: CaptureFilter, from: string, to: string): Promise<string[] | null> {
  if (filter.controlId) {
    const rows = await db.tags
      .where('[controlId+capturedAt+captureId]')
      .between([filter.controlId, from, Dexie.minKey], [filter.controlId, to, Dexie.minKey])
      .toArray();
    return rows.map((r) => r.captureId);
  }
  if (filter.system) {
    const [bySystem, byHost] = await Promise.all([
      db.captures.where('[context.system+capturedAt]').between([filter.system, from], [filter.system, to]).primaryKeys(),
      db.captures.where('[context.host+capturedAt]').between([filter.system, from], [filter.system, to]).primaryKeys(),
    ]);
    return [...new Set([...bySystem, ...byHost])];
  }
  if (filter.capturedBy) {
    const email = filter.capturedBy.trim().toLowerCase();
    return db.captures.where('[capturedBy.email+capturedAt]').between([email, from], [email, to]).primaryKeys();
  }
  return null;
}

export { summarize } from './capture-summaries';

export type LibraryFilter = Pick<CaptureFilter, 'periodId' | 'from' | 'to' | 'controlId' | 'system' | 'capturedBy' | 'text' | 'untagged'>;

/**
 * Capture ids matching `filter`, newest first (ties: higher id first), as listCaptures orders
 * them; null when indexes cannot decide: free text, or a system name that is also the host of
 * captures of another system.
 */
export async function matchingIdsByIndex(db: ExhibitDB, filter: LibraryFilter): Promise<string[] | null> {
  if (filter.text?.trim()) return null;
  const { from, to } = await resolveRange(db, filter);
  // Each list is in index order: capture time, then id, ascending.
  const lists: string[][] = [];
  if (filter.controlId && filter.system) {
    // One range of the summary rows' [control, system or host, time] index, in (time, id) order.
    lists.push((await controlSystemRange(db, filter.controlId, filter.system, from, to).primaryKeys()) as string[]);
  } else if (filter.controlId) {
    const keys = await db.tags.where('[controlId+capturedAt+captureId]').between([filter.controlId, from, Dexie.minKey], [filter.controlId, to, Dexie.minKey]).primaryKeys();
    lists.push(keys.map((k) => k[2]));
  } else if (filter.system) {
    const [bySystem, byHost] = await Promise.all([
      db.captures.where('[context.system+capturedAt]').between([filter.system, from], [filter.system, to]).primaryKeys(),
      db.captures.where('[context.host+capturedAt]').between([filter.system, from], [filter.system, to]).primaryKeys(),
    ]);
    const inSystem = new Set(bySystem);
    if (byHost.some((id) => !inSystem.has(id))) return null;
    lists.push(bySystem);
  }
  if (filter.capturedBy) {
    const email = filter.capturedBy.trim().toLowerCase();
    lists.push(await db.captures.where('[capturedBy.email+capturedAt]').between([email, from], [email, to]).primaryKeys());
  }
  if (lists.length === 0) lists.push(await db.captures.where('capturedAt').between(from, to).primaryKeys());
  let ids = lists[0]!;
  for (const other of lists.slice(1)) {
    const keep = new Set(other);
    ids = ids.filter((id) => keep.has(id));
  }
  if (filter.untagged) {
    const tagged = new Set(await db.tags.orderBy('captureId').uniqueKeys());
    ids = ids.filter((id) => !tagged.has(id));
  }
  return ids.reverse();
}

/** The summary rows of captures tagged `controlId` whose system or host is `system`, taken in [from, to): (time, id) order. */
function controlSystemRange(db: ExhibitDB, controlId: string, system: string, from: string, to: string) {
  return db.captureSummaries.where('controlKeys').between([controlId, system, from], [controlId, system, to], true, false);
}

/**
 * Every match's summary, newest first (ties: higher id first), when one index read decides:
 * period + control + system, read as the matches' rows in one request (by id it would be one
 * request per match). Null for other filters.
 */
export async function summariesByIndex(db: ExhibitDB, filter: LibraryFilter): Promise<CaptureSummary[] | null> {
  if (!filter.controlId || !filter.system) return null;
  const { from, to } = await resolveRange(db, filter);
  const rows = await controlSystemRange(db, filter.controlId, filter.system, from, to).toArray();
  const text = filter.text?.trim().toLowerCase();
  const email = filter.capturedBy?.trim().toLowerCase();
  const out: CaptureSummary[] = [];
  for (let i = rows.length - 1; i >= 0; i--) {
    const s = summaryOf(rows[i]!);
    if (filter.untagged || (email && s.capturedBy.email !== email) || (text && !matchesText(s, text))) continue;
    out.push(s);
  }
  return out;
}

const matchesText = (s: CaptureSummary, lowerText: string) => `${s.title}\n${s.url}\n${s.note}`.toLowerCase().includes(lowerText);

/** Summaries of `ids`, in that order, from their summary rows (lib/capture-summaries.ts); ids deleted meanwhile are left out. */
export async function summariesOf(db: ExhibitDB, ids: readonly string[]): Promise<CaptureSummary[]> {
  return (await db.captureSummaries.bulkGet([...ids])).flatMap((row) => (row ? [summaryOf(row)] : []));
}

/** The thumbnails of `ids`, by capture id, in one bulk read (the blobs, not their bytes). */
export async function thumbnailsOf(db: ExhibitDB, ids: readonly string[]): Promise<Map<string, Blob>> {
  const rows = await db.blobs.bulkGet(ids.map((id): [string, string] => [id, THUMBNAIL_NAME]));
  return new Map(rows.flatMap((r) => (r ? [[r.captureId, r.blob] as const] : [])));
}

export async function listCaptures(db: ExhibitDB, filter: CaptureFilter): Promise<{ total: number; items: CaptureSummary[] }> {
  const all = await summariesByIndex(db, filter);
  if (all) return { total: all.length, items: all.slice(filter.offset, filter.offset + filter.limit) };
  // Indexes alone decide most other filters: only the requested page of summary rows is read.
  const indexed = await matchingIdsByIndex(db, filter);
  if (indexed) return { total: indexed.length, items: await summariesOf(db, indexed.slice(filter.offset, filter.offset + filter.limit)) };
  // The rest (free text, a system name that is also a host) is decided on the summary rows, which
  // hold every field a filter looks at.
  const { from, to } = await resolveRange(db, filter);
  const ids = await candidateIds(db, filter, from, to);
  const rows = ids ? await summariesOf(db, ids) : (await db.captureSummaries.where('capturedAt').between(from, to).toArray()).map(summaryOf);
  const text = filter.text?.trim().toLowerCase();
  const system = filter.system;
  const email = filter.capturedBy?.trim().toLowerCase();
  const matches = rows.filter((s) => {
    if (s.capturedAt < from || s.capturedAt >= to) return false;
    if (system && s.system !== system && s.host !== system) return false;
    if (email && s.capturedBy.email !== email) return false;
    if (filter.controlId && !s.controlIds.includes(filter.controlId)) return false;
    if (filter.untagged && s.controlIds.length > 0) return false;
    if (text && !matchesText(s, text)) return false;
    return true;
  });
  matches.sort((a, b) => (a.capturedAt < b.capturedAt ? 1 : a.capturedAt > b.capturedAt ? -1 : a.id < b.id ? 1 : -1));
  return { total: matches.length, items: matches.slice(filter.offset, filter.offset + filter.limit) };
}

export interface CaptureDetail {
  capture: SignedCapture;
  annotation: AnnotationState;
  history: AnnotationEvent[];
  /** The stored image's bytes still hash to the recorded SHA-256. */
  imageHashValid: boolean;
  /** The record's signature verifies with the signer's public key (null: the signer's key is unknown here). */
  signatureValid: boolean | null;
  signerPublicKey: PublicKeyJwk | null;
}

export async function getCaptureDetail(db: ExhibitDB, id: string): Promise<CaptureDetail> {
  const capture = await db.captures.get(id);
  if (!capture) throw new ExhibitError('not-found', 'No capture with that id.');
  await getInstallation(db);
  const [annotation, history, image, signer] = await Promise.all([
    db.annotationState.get(id),
    db.annotations.where('captureId').equals(id).toArray(),
    db.blobs.get([id, IMAGE_NAME]),
    db.signers.get(capture.signingKeyFingerprint),
  ]);
  const imageHashValid = image ? (await sha256Hex(await image.blob.arrayBuffer())) === capture.image.sha256 : false;
  const signerPublicKey = signer?.publicJwk ?? null;
  const signatureValid = signerPublicKey ? await verifyRecordSignature(capture as unknown as Record<string, unknown>, signerPublicKey) : null;
  return {
    capture,
    annotation: annotation ?? { captureId: id, controlIds: [], note: '', updatedAt: null, updatedBy: null },
    history: history.sort(compareEvents),
    imageHashValid,
    signatureValid,
    signerPublicKey,
  };
}
