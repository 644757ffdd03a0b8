// The extension's IndexedDB. The background service worker is its only writer; pages read it.
import Dexie, { type EntityTable, type Table, type Transaction } from 'dexie';
import { captureSummariesMiddleware, fillCaptureSummaries, type CaptureSummaryRow } from './capture-summaries';
import { tagMonthsMiddleware, type TagMonthRow } from './periods/tag-months';
import { syncQueueMiddleware, type SyncObjectRow, type SyncQuarantineRow, type SyncQueueRow } from './sync/queue';
import type { SyncStateRow } from './sync/state';
import type { AnnotationEvent, AnnotationState, CustomControl, Period, PublicKeyJwk, ReadinessEvent, RequestRecord, SignedCapture } from './schema';

export interface BlobRow {
  captureId: string;
  /** "image.png", "thumbnail.jpg", later "tables/1.csv" … */
  name: string;
  mediaType: string;
  bytes: number;
  blob: Blob;
}

/**
 * One row per (control, capture): "control X in period P" is one range read, and with the capture's
 * system and host on the row (schema v2), so is "control X of system S in period P".
 */
export interface TagRow {
  controlId: string;
  capturedAt: string;
  captureId: string;
  /** The capture's `context.system` and `context.host` (a capture's record never changes). Written by tagRowsFor (lib/annotations.ts). */
  system?: string;
  host?: string;
}

export interface InstallationKeyRow {
  id: 'installation';
  installationId: string;
  privateKey: CryptoKey;
  publicJwk: PublicKeyJwk;
  fingerprint: string;
  createdAt: string;
}

/** Public keys of installations whose captures this library holds (its own among them). */
export interface SignerRow {
  fingerprint: string;
  publicJwk: PublicKeyJwk;
  installationId: string;
  /** Who captured with this key, as last seen. */
  name: string;
  email: string;
  firstSeenAt: string;
}

export interface CaptureJobRow {
  id: string;
  tabId: number;
  startedAt: string;
  state: 'running' | 'saved' | 'failed';
  mode?: string;
  /** Full-page captures report tiles done of the total while they run. */
  progress?: { done: number; total: number };
  /** While running: waiting for the person to pick an element or region, or for the redaction editor. */
  stage?: 'picking' | 'redacting';
  captureId?: string;
  error?: { code: string; message: string };
  finishedAt?: string;
}

/**
 * Version 1's stores, as first released (Dexie's syntax: the first entry is the key). A declared
 * version never changes; later ones change stores on top of it. Exported for the upgrade tests,
 * which build a library as version 1 stored it.
 */
export const STORES_V1: Readonly<Record<string, string>> = {
  captures: 'id, capturedAt, context.system, capturedBy.email, [context.system+capturedAt], [context.host+capturedAt], [capturedBy.email+capturedAt]',
  blobs: '[captureId+name], captureId',
  annotations: 'id, captureId, at',
  annotationState: 'captureId, *requestIds, exception.at',
  tags: '[controlId+capturedAt+captureId], captureId',
  tagMonths: '[controlId+month], month',
  controls: 'id',
  periods: 'id, start',
  keys: 'id',
  signers: 'fingerprint, email',
  jobs: 'id, state, startedAt',
  requests: 'id, periodId, [periodId+ref]',
  readinessEvents: 'id, at',
  syncQueue: 'id, kind, enqueuedAt',
  syncObjects: 'key',
  syncQuarantine: 'key, at',
  syncState: 'id',
};

export class ExhibitDB extends Dexie {
  captures!: EntityTable<SignedCapture, 'id'>;
  blobs!: Table<BlobRow, [string, string]>;
  annotations!: EntityTable<AnnotationEvent, 'id'>;
  annotationState!: EntityTable<AnnotationState, 'captureId'>;
  tags!: Table<TagRow, [string, string, string]>;
  /** What the library shows of each capture, kept in step with `captures` and `annotationState` by a middleware (lib/capture-summaries.ts). */
  captureSummaries!: EntityTable<CaptureSummaryRow, 'id'>;
  /** Capture times per (control, UTC month), kept in step with `tags` by a middleware (lib/periods/tag-months.ts). */
  tagMonths!: Table<TagMonthRow, [string, string]>;
  controls!: EntityTable<CustomControl, 'id'>;
  periods!: EntityTable<Period, 'id'>;
  keys!: EntityTable<InstallationKeyRow, 'id'>;
  signers!: EntityTable<SignerRow, 'fingerprint'>;
  jobs!: EntityTable<CaptureJobRow, 'id'>;
  /** The auditor's request list items (lib/requests). */
  requests!: EntityTable<RequestRecord, 'id'>;
  /** Exceptions, snoozes and "not applicable" on control sub-periods, request submissions (lib/readiness). */
  readinessEvents!: EntityTable<ReadinessEvent, 'id'>;
  /** Team sync (lib/sync): uploads waiting, bucket keys dealt with, objects refused, and the last run. */
  syncQueue!: EntityTable<SyncQueueRow, 'id'>;
  syncObjects!: EntityTable<SyncObjectRow, 'key'>;
  syncQuarantine!: EntityTable<SyncQuarantineRow, 'key'>;
  syncState!: EntityTable<SyncStateRow, 'id'>;

  constructor(name = 'exhibit') {
    super(name);
    this.version(1).stores(STORES_V1);
    // v2: tag rows carry the capture's system and host, so period + control + system is one index
    // range (lib/library.ts). Existing rows get them from their captures.
    this.version(2)
      .stores({ tags: '[controlId+capturedAt+captureId], captureId, [controlId+system+capturedAt+captureId], [controlId+host+capturedAt+captureId]' })
      .upgrade(fillTagContext);
    // v3: one compact row per capture with what the library shows of it, so a page of results
    // reads these instead of the signed records, and period + control + system is one range read
    // of them (multi-entry [control, system or host, time]). Existing captures get theirs.
    this.version(3).stores({ captureSummaries: 'id, capturedAt, *controlKeys' }).upgrade(fillCaptureSummaries);
    // v4: the library filters by control + system through the summary rows (v3), so version 2's
    // [control, system or host, time] indexes of tag rows are read by nothing: dropped, two index
    // entries fewer for every tag a capture gets. (The rows keep their system and host.)
    this.version(4).stores({ tags: '[controlId+capturedAt+captureId], captureId' });
    this.use(tagMonthsMiddleware);
    this.use(syncQueueMiddleware);
    this.use(captureSummariesMiddleware);
  }
}

/** Copies each capture's system and host onto its tag rows (the v1 → v2 upgrade). */
export async function fillTagContext(tx: Transaction): Promise<void> {
  const context = new Map<string, { system: string; host: string }>();
  await tx.table<SignedCapture, string>('captures').each((c) => context.set(c.id, { system: c.context.system, host: c.context.host }));
  await tx.table<TagRow>('tags').toCollection().modify((row) => {
    const c = context.get(row.captureId);
    if (c) Object.assign(row, c);
  });
}

let shared: ExhibitDB | undefined;
export function getDb(): ExhibitDB {
  shared ??= new ExhibitDB();
  return shared;
}
