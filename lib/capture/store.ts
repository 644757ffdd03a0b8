// One capture is one transaction: the signed record, its image, its thumbnail, its tables and its
// first annotation land together or not at all (a full disk or a stopped service worker leaves nothing).
import { applyAnnotationEvents } from '../annotations';
import type { BlobRow, ExhibitDB } from '../db';
import { ExhibitError, isQuotaError } from '../errors';
import type { AnnotationEvent, SignedCapture } from '../schema';

export const IMAGE_NAME = 'image.png';
export const THUMBNAIL_NAME = 'thumbnail.jpg';

/** A further file of the capture, such as a table's CSV ("tables/1.csv"). */
export interface CaptureFile {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
}

export async function saveCapture(
  db: ExhibitDB,
  capture: SignedCapture,
  image: Uint8Array,
  thumbnail: Blob,
  events: readonly AnnotationEvent[],
  files: readonly CaptureFile[] = [],
): Promise<void> {
  const blobs: BlobRow[] = [
    { captureId: capture.id, name: IMAGE_NAME, mediaType: 'image/png', bytes: image.length, blob: new Blob([image as BlobPart], { type: 'image/png' }) },
    { captureId: capture.id, name: THUMBNAIL_NAME, mediaType: thumbnail.type || 'image/jpeg', bytes: thumbnail.size, blob: thumbnail },
    ...files.map((f) => ({ captureId: capture.id, name: f.name, mediaType: f.mediaType, bytes: f.bytes.length, blob: new Blob([f.bytes as BlobPart], { type: f.mediaType }) })),
  ];
  try {
    await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags], async () => {
      await db.captures.add(capture);
      await db.blobs.bulkAdd(blobs);
      await db.annotationState.put({ captureId: capture.id, controlIds: [], note: '', updatedAt: null, updatedBy: null });
      await applyAnnotationEvents(db, events);
    });
  } catch (err) {
    if (isQuotaError(err)) {
      throw new ExhibitError(
        'storage-full',
        'Browser storage is full, so this capture was not saved and nothing partial was kept. Export and archive older evidence or free disk space, then capture again.',
      );
    }
    throw err;
  }
}
