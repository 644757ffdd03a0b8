// Uploads what the queue holds. A capture's files go first and its record last, so a teammate who
// sees the record finds every file; each upload is If-None-Match, so an upload cut off and started
// again never duplicates or overwrites, and the queue row remembers which files are already up.
import { canonicalJson, sha256Hex, signRecord } from '../capture/signing';
import type { ExhibitDB, InstallationKeyRow } from '../db';
import { syncFileSchema, type AnnotationEvent, type SyncCaptureObject, type SyncEventsObject, type SyncFile, type SyncSignerObject, type SyncTarget } from '../schema';
import { EVENTS_PER_BATCH, eventsKey, fileKey, manifestKey, signerKey } from './layout';
import type { SyncQueueRow } from './queue';
import type { Retention, S3Client } from './s3';
import { updateState, type SyncRunStats } from './state';

export interface SyncContext {
  db: ExhibitDB;
  client: S3Client;
  target: SyncTarget;
  installation: InstallationKeyRow;
  stats: SyncRunStats;
  /** Requests in flight at once. */
  concurrency: number;
  /** Items done of the phase's total. */
  progress(done: number, total: number): void;
  /** Something that will be retried at a later sync, in words. */
  wait(note: string): void;
}

const JSON_TYPE = 'application/json';
const encoder = new TextEncoder();

export function retentionFor(target: SyncTarget, now = Date.now()): Retention | undefined {
  return target.retentionDays > 0 ? { mode: target.retentionMode, until: new Date(now + target.retentionDays * 86_400_000) } : undefined;
}

/** Runs `work` over `items` with at most `limit` at once; the first failure stops new work and is thrown. */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

async function putCounted(ctx: SyncContext, key: string, body: Uint8Array, contentType: string): Promise<void> {
  const result = await ctx.client.putIfAbsent(key, body, contentType, retentionFor(ctx.target));
  if (result === 'created') ctx.stats.uploadedBytes += body.length;
  else ctx.stats.alreadyPresent++;
}

export async function uploadSigner(ctx: SyncContext): Promise<void> {
  const { installation, target } = ctx;
  const object: SyncSignerObject = {
    schema: 'exhibit.signer/1',
    installationId: installation.installationId,
    fingerprint: installation.fingerprint,
    publicJwk: installation.publicJwk,
    createdAt: installation.createdAt,
  };
  const key = signerKey(target.prefix, installation.fingerprint);
  await putCounted(ctx, key, encoder.encode(canonicalJson(object)), JSON_TYPE);
  await ctx.db.syncObjects.put({ key, state: 'uploaded', at: new Date().toISOString() });
}

/** Turns queued single events into signed batch objects whose bytes are fixed from now on. */
export async function freezeEventBatches(ctx: SyncContext): Promise<void> {
  const { db, installation, target } = ctx;
  const rows = (await db.syncQueue.where('kind').equals('event').toArray()).sort((a, b) => (a.eventId! < b.eventId! ? -1 : 1));
  if (!rows.length) return;
  const events = await db.annotations.bulkGet(rows.map((r) => r.eventId!));
  // Rows whose event is gone or not ours are dropped with the rest.
  const mine = events.filter((e): e is AnnotationEvent => !!e && e.installationId === installation.installationId);
  const batches: SyncQueueRow[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < mine.length; i += EVENTS_PER_BATCH) {
    const chunk = mine.slice(i, i + EVENTS_PER_BATCH);
    const unsigned: Omit<SyncEventsObject, 'signature'> = {
      schema: 'exhibit.sync.events/1',
      installationId: installation.installationId,
      signingKeyFingerprint: installation.fingerprint,
      events: chunk,
    };
    const signature = { alg: 'ES256' as const, keyFingerprint: installation.fingerprint, value: await signRecord(installation.privateKey, unsigned) };
    const idsHash = (await sha256Hex(chunk.map((e) => e.id).join(','))).slice(0, 16);
    batches.push({
      id: `batch:${chunk[0]!.id}-${idsHash}`,
      kind: 'batch',
      enqueuedAt: now,
      key: eventsKey(target.prefix, installation.installationId, chunk[0]!.id, idsHash),
      body: canonicalJson({ ...unsigned, signature }),
      eventCount: chunk.length,
    });
  }
  await db.transaction('rw', db.syncQueue, async () => {
    await db.syncQueue.bulkDelete(rows.map((r) => r.id));
    await db.syncQueue.bulkPut(batches);
  });
}

async function uploadBatch(ctx: SyncContext, row: SyncQueueRow): Promise<void> {
  await putCounted(ctx, row.key!, encoder.encode(row.body!), JSON_TYPE);
  await ctx.db.transaction('rw', ctx.db.syncQueue, ctx.db.syncObjects, async () => {
    await ctx.db.syncQueue.delete(row.id);
    await ctx.db.syncObjects.put({ key: row.key!, state: 'uploaded', at: new Date().toISOString() });
  });
  ctx.stats.uploadedEventObjects++;
}

async function uploadCapture(ctx: SyncContext, row: SyncQueueRow): Promise<void> {
  const { db, installation, target } = ctx;
  const capture = await db.captures.get(row.captureId!);
  if (!capture || capture.installationId !== installation.installationId) {
    await db.syncQueue.delete(row.id);
    return;
  }
  const signerPublicKey =
    capture.signingKeyFingerprint === installation.fingerprint ? installation.publicJwk : (await db.signers.get(capture.signingKeyFingerprint))?.publicJwk;
  if (!signerPublicKey) {
    ctx.wait(`capture ${capture.id}: the public key that signed it is not in this library`);
    return;
  }
  const blobs = (await db.blobs.where('captureId').equals(capture.id).toArray()).filter((b) => syncFileSchema.shape.name.safeParse(b.name).success);
  blobs.sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: SyncFile[] = [];
  const done = new Set(row.done ?? []);
  for (const blob of blobs) {
    const bytes = new Uint8Array(await blob.blob.arrayBuffer());
    const file: SyncFile = { name: blob.name, mediaType: blob.mediaType, sha256: await sha256Hex(bytes), bytes: bytes.length };
    files.push(file);
    if (done.has(blob.name)) continue;
    await putCounted(ctx, fileKey(target.prefix, capture.id, capture.image.sha256, blob.name), bytes, blob.mediaType);
    done.add(blob.name);
    await db.syncQueue.update(row.id, { done: [...done] });
  }
  const manifest: SyncCaptureObject = { schema: 'exhibit.sync.capture/1', capture, signerPublicKey, files };
  const key = manifestKey(target.prefix, capture.id, capture.image.sha256);
  await putCounted(ctx, key, encoder.encode(canonicalJson(manifest)), JSON_TYPE);
  await db.transaction('rw', db.syncQueue, db.syncObjects, async () => {
    await db.syncQueue.delete(row.id);
    await db.syncObjects.put({ key, state: 'uploaded', at: new Date().toISOString() });
  });
  ctx.stats.uploadedCaptures++;
}

/** Uploads the signer object (once per target), then every queued capture and event batch. */
export async function pushAll(ctx: SyncContext, signerUploaded: boolean): Promise<void> {
  if (!signerUploaded) {
    await uploadSigner(ctx);
    await updateState(ctx.db, { signerUploaded: true });
  }
  await freezeEventBatches(ctx);
  const rows = (await ctx.db.syncQueue.orderBy('enqueuedAt').toArray()).filter((r) => r.kind !== 'event');
  let done = 0;
  ctx.progress(0, rows.length);
  await pool(rows, ctx.concurrency, async (row) => {
    if (row.kind === 'capture') await uploadCapture(ctx, row);
    else await uploadBatch(ctx, row);
    ctx.progress(++done, rows.length);
  });
}
