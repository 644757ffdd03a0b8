// Import of a bundle (a colleague's export, or a backup) into the library. The bundle is verified
// in full first; one problem and nothing is imported. Captures already here (same id, same image
// hash) are skipped; new ones arrive with their image (every part of one saved in parts),
// thumbnail, tables, annotation history and their signer's public key, all in one transaction.
import { foldAnnotations, tagRowsFor } from '../annotations';
import type { BlobRow, ExhibitDB, SignerRow } from '../db';
import { ExhibitError, isQuotaError } from '../errors';
import { partName } from '../capture/evidence';
import { IMAGE_NAME, THUMBNAIL_NAME } from '../capture/store';
import type { AnnotationEvent, SignedCapture } from '../schema';
import { folderOf, type Sidecar } from './format';
import type { BagSource } from './source';
import { verifyBag, type VerifyOptions, type VerifyReport } from './verify';

export interface ImportOptions extends VerifyOptions {
  /** Makes a thumbnail when the bundle has none for a capture. */
  makeThumbnail?: (png: Uint8Array) => Promise<Blob>;
  now?: Date;
}

export interface ImportResult {
  captures: number;
  added: string[];
  skipped: string[];
  signersAdded: string[];
  /** Controls the imported captures are tagged with that this library does not define. */
  unknownControls: string[];
  report: VerifyReport;
}

export async function importBag(db: ExhibitDB, source: BagSource, options: ImportOptions = {}): Promise<ImportResult> {
  const { report, sidecars } = await verifyBag(source, options);
  if (!report.ok) {
    const first = report.problems[0]!;
    throw new ExhibitError(
      'import-invalid',
      `The bundle failed verification, so nothing was imported (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}; first: ${first.file}: ${first.message})`,
      { problems: report.problems },
    );
  }

  // One entry per capture: its first copy, and the union of every copy's annotation history.
  const byId = new Map<string, { path: string; sidecar: Sidecar; events: Map<string, AnnotationEvent> }>();
  for (const { path, sidecar } of sidecars) {
    const entry = byId.get(sidecar.capture.id) ?? { path, sidecar, events: new Map() };
    for (const e of sidecar.annotationHistory) entry.events.set(e.id, e);
    byId.set(sidecar.capture.id, entry);
  }
  const ids = [...byId.keys()];
  const existing = await db.captures.bulkGet(ids);
  const conflicts = ids.filter((id, i) => existing[i] && existing[i]!.image.sha256 !== byId.get(id)!.sidecar.capture.image.sha256);
  if (conflicts.length) {
    throw new ExhibitError('conflict', `The library already holds different evidence under the id${conflicts.length === 1 ? '' : 's'} ${conflicts.slice(0, 5).join(', ')}; nothing was imported.`, { conflicts });
  }
  const skipped = ids.filter((_, i) => existing[i]);
  const added = ids.filter((_, i) => !existing[i]);

  const captures: SignedCapture[] = [];
  const blobs: BlobRow[] = [];
  const events: AnnotationEvent[] = [];
  const signerRows = new Map<string, SignerRow>();
  const now = (options.now ?? new Date()).toISOString();
  for (const id of added) {
    const { path, sidecar, events: evs } = byId.get(id)!;
    const folder = folderOf(path);
    const image = await source.blob(folder + sidecar.files.image, 'image/png');
    captures.push(sidecar.capture);
    blobs.push({ captureId: id, name: IMAGE_NAME, mediaType: 'image/png', bytes: image.size, blob: image });
    // Parts 2…n under the names the library gives them ("image-part-2.png" …); verification has
    // checked each against the signed record, and that the sidecar lists one file per part.
    const parts = sidecar.capture.parts ?? [];
    for (let i = 1; i < parts.length; i++) {
      const part = await source.blob(folder + sidecar.files.parts![i]!, 'image/png');
      blobs.push({ captureId: id, name: partName(parts[i]!.index), mediaType: 'image/png', bytes: part.size, blob: part });
    }
    let thumbnail: Blob | null = null;
    if (sidecar.files.thumbnail && source.files.has(`data/${sidecar.files.thumbnail}`)) thumbnail = await source.blob(`data/${sidecar.files.thumbnail}`, 'image/jpeg');
    else if (options.makeThumbnail) thumbnail = await options.makeThumbnail(new Uint8Array(await image.arrayBuffer()));
    if (thumbnail) blobs.push({ captureId: id, name: THUMBNAIL_NAME, mediaType: thumbnail.type || 'image/jpeg', bytes: thumbnail.size, blob: thumbnail });
    for (let i = 0; i < sidecar.files.tables.length; i++) {
      const table = await source.blob(folder + sidecar.files.tables[i]!, 'text/csv');
      blobs.push({ captureId: id, name: `tables/${i + 1}.csv`, mediaType: 'text/csv', bytes: table.size, blob: table });
    }
    events.push(...evs.values());
    const s = sidecar.signer;
    signerRows.set(s.fingerprint, { fingerprint: s.fingerprint, publicJwk: s.publicKeyJwk, installationId: s.installationId, name: s.name, email: s.email, firstSeenAt: now });
  }
  const knownSigners = new Set((await db.signers.bulkGet([...signerRows.keys()])).filter(Boolean).map((s) => s!.fingerprint));
  const newSigners = [...signerRows.values()].filter((s) => !knownSigners.has(s.fingerprint));

  const tagged = [...new Set(events.flatMap((e) => (e.op === 'controls.add' || e.op === 'controls.remove' ? e.controlIds : [])))];
  const { isCriterionId } = await import('../controls/catalog');
  const custom = new Set((await db.controls.bulkGet(tagged)).filter(Boolean).map((c) => c!.id));
  const unknownControls = tagged.filter((id) => !isCriterionId(id) && !custom.has(id)).sort();

  if (added.length) {
    try {
      await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags, db.signers], async () => {
        await db.captures.bulkAdd(captures);
        await db.blobs.bulkAdd(blobs);
        // New captures have no events here yet: their state is the fold of the imported history
        // (what applyAnnotationEvents computes, written in bulk instead of capture by capture).
        const states = added.map((id) => foldAnnotations(id, [...byId.get(id)!.events.values()]));
        const captureById = new Map(captures.map((c) => [c.id, c]));
        await db.annotations.bulkPut(events);
        await db.annotationState.bulkPut(states);
        await db.tags.bulkPut(states.flatMap((st) => tagRowsFor(captureById.get(st.captureId)!, st.controlIds)));
        if (newSigners.length) await db.signers.bulkAdd(newSigners);
      });
    } catch (err) {
      if (isQuotaError(err)) throw new ExhibitError('storage-full', 'Browser storage is full, so the bundle was not imported; nothing was changed. Free disk space and try again.');
      throw err;
    }
  }
  return { captures: ids.length, added, skipped, signersAdded: newSigners.map((s) => s.fingerprint), unknownControls, report };
}
