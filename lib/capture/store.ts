// One capture is one transaction: the signed record, its image, its thumbnail, its tables, its
// first annotation and its job's outcome land together or not at all (a full disk or a stopped
// service worker leaves nothing, and a saved capture is never reported as lost).
import { applyAnnotationEvents, emptyAnnotation } from '../annotations';
import type { BlobRow, ExhibitDB } from '../db';
import { ExhibitError, isQuotaError } from '../errors';
import { settleJob, writeJobOutcome } from '../jobs';
import type { AnnotationEvent, SignedCapture } from '../schema';

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
  /** `jobId`: the capture job, marked saved in the same transaction. */
  options: { jobId?: string } = {},
): Promise<void> {
  return saveCaptures(db, [{ capture, image, thumbnail, events, files }], options);
}

/** Stores several captures in one transaction (imports, sync pulls, seeding): all or none. */
export async function saveCaptures(db: ExhibitDB, items: readonly CaptureToSave[], { jobId }: { jobId?: string } = {}): Promise<void> {
  const blobs: BlobRow[] = items.flatMap(({ capture, image, thumbnail, files = [] }) => [
    { captureId: capture.id, name: IMAGE_NAME, mediaType: 'image/png', bytes: image.length, blob: new Blob([image as BlobPart], { type: 'image/png' }) },
    { captureId: capture.id, name: THUMBNAIL_NAME, mediaType: thumbnail.type || 'image/jpeg', bytes: thumbnail.size, blob: thumbnail },
    ...files.map((f) => ({ captureId: capture.id, name: f.name, mediaType: f.mediaType, bytes: f.bytes.length, blob: new Blob([f.bytes as BlobPart], { type: f.mediaType }) })),
  ]);
  try {
    await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags, ...(jobId ? [db.jobs] : [])], async () => {
      await db.captures.bulkAdd(items.map((i) => i.capture));
      await db.blobs.bulkAdd(blobs);
      await db.annotationState.bulkPut(items.map((i) => emptyAnnotation(i.capture.id)));
      await applyAnnotationEvents(db, items.flatMap((i) => i.events));
      if (jobId) await writeJobOutcome(db, jobId, { state: 'saved', captureId: items[0]!.capture.id });
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
