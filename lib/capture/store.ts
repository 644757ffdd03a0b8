// One capture is one transaction: the signed record, its image, its thumbnail, its tables, its
// first annotation and its job's outcome land together or not at all (a full disk or a stopped
// service worker leaves nothing, and a saved capture is never reported as lost).
import { foldAnnotations, tagRowsFor } from '../annotations';
import type { BlobRow, ExhibitDB } from '../db';
import { ExhibitError, isQuotaError } from '../errors';
import { settleJob, writeJobOutcome } from '../jobs';
import type { AnnotationEvent, SignedCapture } from '../schema';
import type { CaptureClock } from './timing';

export const IMAGE_NAME = 'image.png';
export const THUMBNAIL_NAME = 'thumbnail.jpg';

/** A further file of the capture, such as a table's CSV ("tables/1.csv"). */
export interface CaptureFile {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
}

export interface CaptureToSave {
  capture: SignedCapture;
  image: Uint8Array;
  /** `image` as a Blob already made (lib/capture/evidence.ts); made here when absent. */
  imageBlob?: Blob;
  thumbnail: Blob;
  events: readonly AnnotationEvent[];
  /** Further files: the page's tables as CSV ("tables/1.csv" …). */
  files?: readonly CaptureFile[];
}

export function saveCapture(
  db: ExhibitDB,
  capture: SignedCapture,
  image: Uint8Array,
  thumbnail: Blob,
  events: readonly AnnotationEvent[],
  files: readonly CaptureFile[] = [],
  /** `jobId`: the capture job, marked saved in the same transaction; `clock`: times its stages; `imageBlob`: `image` as a Blob already made. */
  { imageBlob, ...options }: { jobId?: string; clock?: CaptureClock; imageBlob?: Blob } = {},
): Promise<void> {
  return saveCaptures(db, [{ capture, image, ...(imageBlob ? { imageBlob } : {}), thumbnail, events, files }], options);
}

/**
 * Stores several captures in one transaction (imports, sync pulls, seeding): all or none. Each
 * item's `events` are every annotation event of its capture (new ones are stored, and the
 * capture's annotation state and tags are their fold).
 *
 * The writes go out in two batches (IndexedDB runs a transaction's requests in order): first
 * everything but the records (images, events, states, tags, the job), then the records, whose
 * summary rows (lib/capture-summaries.ts) read the annotation states written just before. The
 * state is folded here from the events, not written empty and read back. Measured (bench/analysis.md):
 * fewer requests, but no faster than awaiting each in turn; the time goes per request and at commit.
 */
export async function saveCaptures(db: ExhibitDB, items: readonly CaptureToSave[], { jobId, clock }: { jobId?: string; clock?: CaptureClock } = {}): Promise<void> {
  const blobs: BlobRow[] = items.flatMap(({ capture, image, imageBlob, thumbnail, files = [] }) => [
    { captureId: capture.id, name: IMAGE_NAME, mediaType: 'image/png', bytes: image.length, blob: imageBlob ?? new Blob([image as BlobPart], { type: 'image/png' }) },
    { captureId: capture.id, name: THUMBNAIL_NAME, mediaType: thumbnail.type || 'image/jpeg', bytes: thumbnail.size, blob: thumbnail },
    ...files.map((f) => ({ captureId: capture.id, name: f.name, mediaType: f.mediaType, bytes: f.bytes.length, blob: new Blob([f.bytes as BlobPart], { type: f.mediaType }) })),
  ]);
  const states = items.map((i) => foldAnnotations(i.capture.id, i.events));
  const tags = items.flatMap((i, k) => tagRowsFor(i.capture, states[k]!.controlIds));
  const events = items.flatMap((i) => i.events);
  try {
    await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags, ...(jobId ? [db.jobs] : [])], async () => {
      const phase = <T>(stage: string, work: Promise<T>) => (clock ? clock.time(stage, work) : work);
      await phase('transaction writes', Promise.all([
        db.blobs.bulkAdd(blobs),
        events.length ? db.annotations.bulkPut(events) : undefined,
        db.annotationState.bulkPut(states),
        tags.length ? db.tags.bulkPut(tags) : undefined,
        jobId ? writeJobOutcome(db, jobId, { state: 'saved', captureId: items[0]!.capture.id }) : undefined,
      ]));
      await phase('transaction records', db.captures.bulkAdd(items.map((i) => i.capture)));
    });
    if (jobId) settleJob(jobId);
  } catch (err) {
    if (isQuotaError(err)) {
      throw new ExhibitError(
        'storage-full',
        `Browser storage is full, so ${items.length === 1 ? 'this capture was' : 'these captures were'} not saved and nothing partial was kept. Export and archive older evidence or free disk space, then capture again.`,
      );
    }
    throw err;
  }
}
