// The export engine: reads the library (IndexedDB) and writes one BagIt bag per zip as a stream.
// The plan holds a listing of each capture (layout.ts CaptureListing), not its signed record: a
// capture's record, history and files are read when it is written, so only a few captures are in
// memory at a time (the IndexedDB read is the bottleneck, so a few are read ahead); index.html and
// index.csv are Blobs built piece by piece. PNGs are stored, not deflated again (lib/bundle/zip-write.ts). Each file's
// CRC-32 and SHA-256 are computed once, in a worker where there is one (lib/bundle/checksums.ts),
// and the image's hash is checked there against the signed record. Every volume written is read
// back and verified in full before anything is handed to the person, so a damaged or partial zip
// is never reported as a success.
import { CRITERIA_CONTROLS } from '../controls/catalog';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { periodBounds } from '../periods/periods';
import type { AnnotationEvent, Control, PublicKeyJwk, SignedCapture } from '../schema';
import { isoDateSchema } from '../schema';
import { sha256Hex, signBytes } from '../capture/signing';
import { partName } from '../capture/evidence';
import { IMAGE_NAME, THUMBNAIL_NAME } from '../capture/store';
import { BAG_INFO, BAGIT, BAGIT_TXT, PAYLOAD_MANIFEST, SIGNATURE, TAG_MANIFEST, formatManifest, formatTagFile, humanSize, payloadOxum, type ManifestEntry } from './bagit';
import { BAG_INFO_LABELS, SIDECAR_SCHEMA, SIGNATURE_SCHEMA, type BundleSignature, type Sidecar } from './format';
import { indexCsvLines, indexHtmlParts, type IndexModel } from './index-files';
import { layOut, listingOf, type BundleCapture, type LayoutInput, type RequestFolder, type SignerInfo } from './layout';
import { readinessForPeriod, transientPeriod, type ReadinessBundleData } from '../readiness/export';
import { toCsv } from './csv';
import { bundleFileName, topFolderName } from './names';
import { verifyZipBlob, type VerifyReport } from './verify';
import { checksumService, inlineChecksums, type ChecksumService, type Checksums } from './checksums';
import { zipParts, zipStream, type ZipWriteEntry } from './zip-write';
import { ulid } from 'ulid';

export interface ExportSelection {
  /** An audit period; or `from`/`to` dates (YYYY-MM-DD, inclusive) in `timeZone` (default UTC). */
  periodId?: string;
  from?: string;
  to?: string;
  timeZone?: string;
  /** Only captures tagged with one of these controls, filed only under them. */
  controlIds?: readonly string[];
  /** Only captures of these systems (detected system or host name). */
  systems?: readonly string[];
  /** Whether captures with no (selected) control go to data/untagged/. Default: true without a control filter. */
  includeUntagged?: boolean;
}

export interface ExportIdentity {
  organization: string;
  exportedBy: { name: string; email: string } | null;
  signer: { privateKey: CryptoKey; publicJwk: PublicKeyJwk; fingerprint: string; installationId: string };
  exhibitVersion: string;
}

export interface ExportProgress {
  phase: 'writing' | 'checking';
  volume: number;
  volumes: number;
  filesDone: number;
  filesTotal: number;
}

export interface VolumePlan {
  index: number;
  count: number;
  fileName: string;
  captures: BundleCapture[];
  /** Files in the zip: payload and tag files. */
  files: number;
  payloadFiles: number;
  estimatedBytes: number;
}

export interface ExportPlan {
  exportId: string;
  exportedAt: string;
  topFolder: string;
  period: { name: string; start: string; end: string; timeZone: string };
  selectionText: string;
  controls: IndexModel['controls'];
  /** Coverage, exceptions and requests of the whole export (every volume carries all of it); null for a bag assembled without a library. */
  readiness: ReadinessBundleData | null;
  /** The period's request list, with the folder of each request: empty when it has none (or for a date range). */
  requests: RequestFolder[];
  volumes: VolumePlan[];
  captures: number;
  filesTotal: number;
  estimatedBytes: number;
}

const SIDECAR_RESERVE = 6000;
const ZIP_ENTRY_OVERHEAD = 200;

async function resolvePeriod(db: ExhibitDB, s: ExportSelection): Promise<ExportPlan['period']> {
  if (s.periodId) {
    const p = await db.periods.get(s.periodId);
    if (!p) throw new ExhibitError('not-found', 'That audit period does not exist.');
    return { name: p.name, start: p.start, end: p.end, timeZone: p.timeZone };
  }
  if (!s.from || !s.to) throw new ExhibitError('invalid-request', 'Choose an audit period, or a date range with both a first and a last day.');
  for (const d of [s.from, s.to]) if (!isoDateSchema.safeParse(d).success) throw new ExhibitError('invalid-request', `"${d}" is not a date like 2026-01-31.`);
  if (s.to < s.from) throw new ExhibitError('invalid-request', 'The last day of the range is before the first.');
  const timeZone = s.timeZone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ExhibitError('invalid-request', `"${timeZone}" is not an IANA time zone.`);
  }
  return { name: `${s.from} to ${s.to}`, start: s.from, end: s.to, timeZone };
}

async function allControls(db: ExhibitDB): Promise<Map<string, Control>> {
  const custom = (await db.controls.toArray()).map((c) => ({ ...c, builtIn: false }));
  return new Map([...CRITERIA_CONTROLS, ...custom].map((c) => [c.id, c]));
}

/** What an export is made of, read from the library: the period, each capture with its annotations and signer, and the controls. */
export interface ExportInputs {
  period: ExportPlan['period'];
  inputs: LayoutInput[];
  controls: Map<string, Control>;
  /** Bytes of each capture's thumbnail and tables, for sizing volumes. */
  extraBytes: Map<string, number>;
  /** The readiness report of the period (or of the range, as a transient period); absent for a bag assembled without a library. */
  readiness?: ReadinessBundleData;
}

export async function readExportInputs(db: ExhibitDB, selection: ExportSelection, now = new Date()): Promise<ExportInputs> {
  const period = await resolvePeriod(db, selection);
  const stored = selection.periodId ? await db.periods.get(selection.periodId) : undefined;
  // The dashboard's coverage, exceptions and request list: one definition of readiness in the product.
  const readiness = await readinessForPeriod(db, stored ?? transientPeriod(period, now), {
    now,
    controlIds: selection.controlIds?.length ? new Set(selection.controlIds) : undefined,
    withRequests: !!stored,
  });
  const { from, to } = periodBounds(period);
  const systems = selection.systems?.length ? new Set(selection.systems) : undefined;
  let captures = await db.captures.where('capturedAt').between(from, to, true, false).toArray();
  if (systems) captures = captures.filter((c) => systems.has(c.context.system) || systems.has(c.context.host));
  const ids = captures.map((c) => c.id);
  const [states, events, blobRows] = await Promise.all([
    db.annotationState.bulkGet(ids),
    db.annotations.where('captureId').anyOf(ids).toArray(),
    db.blobs.where('captureId').anyOf(ids).toArray(),
  ]);
  const history = new Map<string, AnnotationEvent[]>();
  for (const e of events) {
    const list = history.get(e.captureId);
    if (list) list.push(e);
    else history.set(e.captureId, [e]);
  }
  const blobNames = new Map<string, Set<string>>();
  for (const b of blobRows) blobNames.set(b.captureId, (blobNames.get(b.captureId) ?? new Set()).add(b.name));
  const fingerprints = [...new Set(captures.map((c) => c.signingKeyFingerprint))];
  const signerRows = new Map((await db.signers.bulkGet(fingerprints)).filter((s) => !!s).map((s) => [s!.fingerprint, s!]));

  const inputs: LayoutInput[] = [];
  // One object per signer and one copy of each repeated string, however many captures share them.
  const signers = new Map<string, SignerInfo>();
  const strings = new Map<string, string>();
  const intern = (value: string) => strings.get(value) ?? (strings.set(value, value), value);
  captures.forEach((capture, i) => {
    const signer = signerRows.get(capture.signingKeyFingerprint);
    if (!signer) {
      throw new ExhibitError('conflict', `Capture ${capture.id} was signed by key ${capture.signingKeyFingerprint}, whose public key this library does not hold, so nobody could verify it; nothing was exported.`);
    }
    const names = blobNames.get(capture.id) ?? new Set<string>();
    if (!names.has(IMAGE_NAME)) throw new ExhibitError('conflict', `Capture ${capture.id} has no stored image; nothing was exported.`);
    const missingPart = (capture.parts ?? []).find((p) => !names.has(partName(p.index)));
    if (missingPart) throw new ExhibitError('conflict', `Capture ${capture.id} is saved in ${capture.parts!.length} parts, but part ${missingPart.index} is not stored; nothing was exported.`);
    let signerInfo = signers.get(signer.fingerprint);
    if (!signerInfo) signers.set(signer.fingerprint, (signerInfo = { fingerprint: signer.fingerprint, publicKeyJwk: signer.publicJwk, installationId: signer.installationId, name: signer.name, email: signer.email }));
    inputs.push({
      capture: listingOf(capture, intern),
      annotation: states[i] ?? { captureId: capture.id, controlIds: [], note: '', updatedAt: null, updatedBy: null },
      historyIds: (history.get(capture.id) ?? []).sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.id < b.id ? -1 : 1)).map((e) => e.id),
      signer: signerInfo,
      tableBlobs: [...names].filter((n) => n.startsWith('tables/')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
      hasThumbnail: names.has(THUMBNAIL_NAME),
    });
  });
  const extraBytes = new Map<string, number>();
  for (const b of blobRows) if (b.name !== IMAGE_NAME) extraBytes.set(b.captureId, (extraBytes.get(b.captureId) ?? 0) + b.bytes);
  return { period, inputs, controls: await allControls(db), extraBytes, readiness };
}

/** Decides what goes where, and how the export splits into volumes, without reading any image. */
export async function planExport(db: ExhibitDB, selection: ExportSelection, identity: ExportIdentity, options: { now?: Date; maxVolumeBytes?: number } = {}): Promise<ExportPlan> {
  return planFromInputs(await readExportInputs(db, selection, options.now), selection, identity, options);
}

export function planFromInputs(data: ExportInputs, selection: ExportSelection, identity: Pick<ExportIdentity, 'organization'>, options: { now?: Date; maxVolumeBytes?: number } = {}): ExportPlan {
  const { period, inputs, controls } = data;
  const now = options.now ?? new Date();
  const controlFilter = selection.controlIds?.length ? new Set(selection.controlIds) : undefined;
  const systems = selection.systems?.length ? new Set(selection.systems) : undefined;
  const includeUntagged = selection.includeUntagged ?? !controlFilter;
  const readiness = data.readiness ?? null;
  const laid = layOut(inputs, controls, { controlFilter, includeUntagged, requests: readiness?.requests });

  const topFolder = topFolderName(identity.organization, period.name);
  const exportDate = now.toISOString().slice(0, 10);
  const selectionText = [
    controlFilter ? `controls ${[...controlFilter].sort().join(', ')}` : 'all controls',
    systems ? `systems ${[...systems].sort().join(', ')}` : 'all systems',
    includeUntagged ? 'untagged captures included' : 'untagged captures left out',
  ].join('; ');

  // Volumes: consecutive captures until the next would pass the size limit.
  const sizeOf = (bc: BundleCapture) => {
    const extra = data.extraBytes.get(bc.capture.id) ?? 0;
    return bc.placements.length * (bc.capture.image.bytes + extra + SIDECAR_RESERVE + ZIP_ENTRY_OVERHEAD * filesPerPlacement(bc)) + ZIP_ENTRY_OVERHEAD;
  };
  const groups: BundleCapture[][] = [[]];
  let running = 0;
  for (const bc of laid.captures) {
    const size = sizeOf(bc);
    if (options.maxVolumeBytes && running > 0 && running + size > options.maxVolumeBytes) {
      groups.push([]);
      running = 0;
    }
    groups[groups.length - 1]!.push(bc);
    running += size;
  }
  const volumes: VolumePlan[] = groups.map((group, i) => {
    const payloadFiles = group.reduce((n, bc) => n + bc.placements.length * filesPerPlacement(bc) + (bc.thumbnail ? 1 : 0), 0) + 2 + (readiness ? 2 : 0) + (laid.requests.length ? 1 : 0);
    return {
      index: i + 1,
      count: groups.length,
      fileName: bundleFileName(topFolder, exportDate, { index: i + 1, count: groups.length }),
      captures: group,
      payloadFiles,
      files: payloadFiles + 5,
      estimatedBytes: group.reduce((n, bc) => n + sizeOf(bc), 0) + 200_000,
    };
  });
  return {
    exportId: ulid(now.getTime()),
    exportedAt: now.toISOString(),
    topFolder,
    period,
    selectionText,
    controls: laid.controls,
    readiness,
    requests: laid.requests,
    volumes,
    captures: laid.captures.length,
    filesTotal: volumes.reduce((n, v) => n + v.files, 0),
    estimatedBytes: volumes.reduce((n, v) => n + v.estimatedBytes, 0),
  };
}

/** Files in each folder a capture is filed under: image, sidecar, tables, and parts 2…n. */
function filesPerPlacement(bc: BundleCapture): number {
  return 2 + bc.tableBlobs.length + Math.max(0, (bc.capture.parts?.length ?? 0) - 1);
}

function sidecarFor(bc: BundleCapture, loaded: LoadedCapture, placementIndex: number): Sidecar {
  const p = bc.placements[placementIndex]!;
  return {
    schema: SIDECAR_SCHEMA,
    filedUnder: p.controlId,
    ...(p.request ? { filedUnderRequest: p.request } : {}),
    files: { image: p.image, ...(p.parts.length ? { parts: p.parts } : {}), tables: p.tables, thumbnail: bc.thumbnail },
    capture: loaded.record,
    signer: bc.signer,
    annotation: (({ captureId: _id, ...state }) => state)(bc.annotation),
    annotationHistory: loaded.history,
  };
}

/** requests.csv: the readiness rows, plus where each request's captures are (empty when the export holds none) and how many of them this export holds. */
function requestsCsvFile(plan: ExportPlan): string {
  const table = plan.readiness?.requestsCsv;
  if (!table) throw new ExhibitError('internal', 'The export has request folders but no request list; the export stopped.');
  const byRef = plan.requests;
  return toCsv(
    [...table.header, 'folder', 'captures_in_export'],
    table.rows.map((row, i) => [...row, byRef[i]!.exported ? byRef[i]!.folder : '', byRef[i]!.exported]),
  );
}

/** A file's bytes: in memory, or a Blob (a file of the library, written into the zip by reference). */
export type FileBytes = Uint8Array | Blob;

export interface LoadedCapture {
  /** The capture's signed record (the plan holds only its listing). */
  record: SignedCapture;
  /** The annotation events of the plan's `historyIds`, in that order. */
  history: AnnotationEvent[];
  image: FileBytes;
  /** Parts 2…n of a capture saved in parts, in order (part 1 is `image`); absent for a capture in one image. */
  parts?: FileBytes[];
  thumbnail: FileBytes | null;
  tables: FileBytes[];
  /**
   * CRC-32 and SHA-256 of the files above, where the loader computed them (the library loader
   * does, and checks the image and every part against the hashes the record was signed with): the
   * writer uses them instead of going over the same bytes again. Required for every Blob.
   */
  checksums?: ReadonlyMap<FileBytes, Checksums>;
}

/** Reads the bytes of one capture's files. */
export type CaptureLoader = (bc: BundleCapture) => Promise<LoadedCapture>;

/**
 * Reads from the library, refusing an image that no longer matches its signed hash. `checksums`:
 * where CRC-32s and hashes are computed. The files come back as the library's Blobs, read (once)
 * only where they are checksummed, a worker in the extension: the zip references them.
 */
export function libraryLoader(db: ExhibitDB, checksums: ChecksumService = inlineChecksums): CaptureLoader {
  return (bc) => loadCapture(db, bc, checksums);
}

async function loadCapture(db: ExhibitDB, bc: BundleCapture, service: ChecksumService): Promise<LoadedCapture> {
  const id = bc.capture.id;
  const extraParts = (bc.capture.parts ?? []).slice(1);
  const names = [IMAGE_NAME, ...extraParts.map((p) => partName(p.index)), ...(bc.thumbnail ? [THUMBNAIL_NAME] : []), ...bc.tableBlobs];
  const gone = (what: string) => new ExhibitError('conflict', `The ${what} of capture ${id} disappeared during the export; nothing was saved.`);
  // The files, the record and its history (signed and append-only: what the plan saw is still
  // there), in one read transaction: one per capture, not one per store.
  const [rows, record, events] = await db.transaction('r', [db.blobs, db.captures, db.annotations], () =>
    Promise.all([db.blobs.bulkGet(names.map((n) => [id, n] as [string, string])), db.captures.get(id), db.annotations.bulkGet(bc.historyIds)]),
  );
  const summed = await Promise.all(
    rows.map(async (row, i) => {
      if (!row) throw gone(names[i]!);
      const sums = await service.sumBlob(row.blob);
      // A Blob's bytes never change: the bytes summed are the bytes the zip will hold.
      if (sums.size !== row.blob.size) throw new ExhibitError('conflict', `The ${names[i]} of capture ${id} could not be read in full; nothing was saved.`);
      return { blob: row.blob, ...sums };
    }),
  );
  if (!record) throw gone('record');
  const history = events.filter((e) => e !== undefined);
  if (history.length !== bc.historyIds.length) throw gone('annotation history');
  const image = summed[0]!;
  if (record.image.sha256 !== bc.capture.image.sha256 || image.size !== record.image.bytes || image.sha256 !== record.image.sha256) {
    throw new ExhibitError('conflict', `The stored image of capture ${id} no longer matches the hash it was signed with (storage damage?); the export stopped and nothing was saved.`);
  }
  const parts = summed.slice(1, 1 + extraParts.length);
  for (let i = 0; i < extraParts.length; i++) {
    const signed = extraParts[i]!;
    if (parts[i]!.size !== signed.bytes || parts[i]!.sha256 !== signed.sha256) {
      throw new ExhibitError('conflict', `Part ${signed.index} of capture ${id} no longer matches the hash it was signed with (storage damage?); the export stopped and nothing was saved.`);
    }
  }
  const rest = summed.slice(1 + extraParts.length).map((s) => s.blob);
  return {
    record,
    history,
    image: image.blob,
    parts: parts.map((p) => p.blob),
    thumbnail: bc.thumbnail ? rest[0]! : null,
    tables: rest.slice(bc.thumbnail ? 1 : 0),
    checksums: new Map(summed.map((s) => [s.blob, { crc32: s.crc32, sha256: s.sha256 }])),
  };
}

const encoder = new TextEncoder();

/** A file's SHA-256 (done or under way) and, where computed, its CRC-32. */
type KnownSums = { sha256: string | Promise<string>; crc32?: number };

type VolumeHooks = {
  signal?: AbortSignal;
  onFile?: () => void;
  /** Checksums a Blob the export made itself (index.html) where the library's files are checksummed; without it, the Blob is read back here. */
  sumBlob?: ChecksumService['sumBlob'];
};

const TEXT_GROUP_BYTES = 1024 * 1024;

/** Text given in pieces as a Blob of its UTF-8 bytes, encoded piece by piece and gathered into Blobs of about a megabyte. */
function textBlob(pieces: Iterable<string>): Blob {
  const blobs: Blob[] = [];
  let group: Uint8Array[] = [];
  let bytes = 0;
  for (const piece of pieces) {
    const encoded = encoder.encode(piece);
    group.push(encoded);
    bytes += encoded.length;
    if (bytes >= TEXT_GROUP_BYTES) {
      blobs.push(new Blob(group as BlobPart[]));
      group = [];
      bytes = 0;
    }
  }
  blobs.push(new Blob(group as BlobPart[]));
  return new Blob(blobs);
}

async function blobSums(sumBlob: ChecksumService['sumBlob'], blob: Blob, path: string): Promise<KnownSums> {
  const sums = await sumBlob(blob);
  if (sums.size !== blob.size) throw new ExhibitError('internal', `The bundle's ${path} could not be read back in full; the export stopped.`);
  return { crc32: sums.crc32, sha256: sums.sha256 };
}

/** The zip of one volume, as a stream. Errors (and `signal` aborting) end the stream with that error. */
export function volumeStream(load: CaptureLoader, plan: ExportPlan, volume: VolumePlan, identity: ExportIdentity, hooks: VolumeHooks = {}): ReadableStream<Uint8Array> {
  return zipStream(volumeEntries(load, plan, volume, identity, hooks));
}

/**
 * The zip of one volume, as parts of a Blob in order (zipParts): the library's files go in as the
 * Blobs they are, by reference, never through this thread's memory. Errors (and `signal`
 * aborting) end the iteration with that error.
 */
export function volumeParts(load: CaptureLoader, plan: ExportPlan, volume: VolumePlan, identity: ExportIdentity, hooks: VolumeHooks = {}): AsyncGenerator<Uint8Array | Blob> {
  return zipParts(volumeEntries(load, plan, volume, identity, hooks));
}

function volumeEntries(load: CaptureLoader, plan: ExportPlan, volume: VolumePlan, identity: ExportIdentity, hooks: VolumeHooks): AsyncGenerator<ZipWriteEntry> {
  const top = `${plan.topFolder}/`;
  const exportedAt = new Date(plan.exportedAt);
  const payload: { path: string; sha256: string | Promise<string> }[] = [];
  let payloadBytes = 0;
  const checkAbort = () => {
    if (hooks.signal?.aborted) throw hooks.signal.reason ?? new DOMException('The export was cancelled.', 'AbortError');
  };
  // Payload hashes run (on WebCrypto's thread) while the zip writer computes CRC-32s and writes;
  // only a few are left in flight, so unhashed buffers cannot pile up.
  const MAX_HASHING = 8;
  const hashing: Promise<string>[] = [];
  /** Starts hashing `bytes` (after waiting while too many hashes are in flight); the hash itself is not awaited. */
  const startHash = async (bytes: Uint8Array): Promise<{ sha256: Promise<string> }> => {
    while (hashing.length >= MAX_HASHING) await hashing.shift();
    const sha256 = sha256Hex(bytes);
    sha256.catch(() => undefined);
    hashing.push(sha256);
    return { sha256 };
  };

  async function* entries() {
    /** `known`: the bytes' SHA-256 (and CRC-32), when already computed or under way. */
    const file = async (path: string, input: FileBytes | string, lastModified: Date, isPayload: boolean, known?: KnownSums): Promise<ZipWriteEntry> => {
      checkAbort();
      let bytes = typeof input === 'string' ? encoder.encode(input) : input;
      // A Blob the loader did not checksum is read here, and hashed like any array.
      if (bytes instanceof Blob && known?.crc32 === undefined) bytes = new Uint8Array(await bytes.arrayBuffer());
      if (isPayload) {
        // A hash under way is replaced by its value once known: one string per file, not a promise too.
        const entry = { path, sha256: known ? known.sha256 : (await startHash(bytes as Uint8Array)).sha256 };
        if (entry.sha256 instanceof Promise) entry.sha256.then((hex) => (entry.sha256 = hex), () => undefined);
        payload.push(entry);
        payloadBytes += bytes instanceof Blob ? bytes.size : bytes.length;
      }
      hooks.onFile?.();
      return { name: top + path, bytes, lastModified, crc32: known?.crc32 };
    };
    yield await file(BAGIT, BAGIT_TXT, exportedAt, false);

    // Read a few captures ahead: IndexedDB reads overlap with hashing and writing.
    const AHEAD = 3;
    const loads: Promise<LoadedCapture>[] = [];
    const start = (i: number) => {
      if (i < volume.captures.length && !loads[i]) {
        loads[i] = load(volume.captures[i]!);
        loads[i]!.catch(() => undefined);
      }
    };
    for (let i = 0; i < volume.captures.length; i++) {
      for (let k = i; k <= i + AHEAD; k++) start(k);
      const bc = volume.captures[i]!;
      const loaded = await loads[i]!;
      delete loads[i];
      if (loaded.record.id !== bc.capture.id) throw new ExhibitError('internal', `The record read for capture ${bc.capture.id} is capture ${loaded.record.id}'s; the export stopped.`);
      const capturedAt = new Date(bc.capture.capturedAt);
      // Each file's hash is worked out once, however many folders the capture is filed in.
      const sums = new Map<FileBytes, KnownSums>(loaded.checksums ?? []);
      const sumOf = async (bytes: FileBytes): Promise<KnownSums | undefined> => {
        let known = sums.get(bytes);
        if (!known && bytes instanceof Uint8Array) sums.set(bytes, (known = await startHash(bytes)));
        return known;
      };
      for (let pi = 0; pi < bc.placements.length; pi++) {
        const p = bc.placements[pi]!;
        yield await file(p.folder + p.image, loaded.image, capturedAt, true, await sumOf(loaded.image));
        for (let k = 1; k < p.parts.length; k++) {
          const part = loaded.parts?.[k - 1];
          if (!part) throw new ExhibitError('internal', `Part ${k + 1} of capture ${bc.capture.id} was not read; the export stopped.`);
          yield await file(p.folder + p.parts[k]!, part, capturedAt, true, await sumOf(part));
        }
        yield await file(p.folder + p.sidecar, `${JSON.stringify(sidecarFor(bc, loaded, pi), null, 2)}\n`, capturedAt, true);
        for (let t = 0; t < p.tables.length; t++) yield await file(p.folder + p.tables[t]!, loaded.tables[t]!, capturedAt, true, await sumOf(loaded.tables[t]!));
      }
      if (bc.thumbnail && loaded.thumbnail) yield await file(`data/${bc.thumbnail}`, loaded.thumbnail, capturedAt, true, await sumOf(loaded.thumbnail));
    }

    const model: IndexModel = {
      organization: identity.organization,
      period: plan.period,
      selection: plan.selectionText,
      exportId: plan.exportId,
      exportedAt: plan.exportedAt,
      exportedBy: identity.exportedBy,
      signingKeyFingerprint: identity.signer.fingerprint,
      exhibitVersion: identity.exhibitVersion,
      volume: volume.count > 1 ? { index: volume.index, count: volume.count } : null,
      controls: plan.controls.filter((c) => volume.captures.some((bc) => bc.placements.some((p) => p.controlId === c.id)) || volume.count === 1),
      captures: volume.captures,
      readiness: plan.readiness,
      requests: plan.requests,
    };
    // The page is a Blob of its encoded pieces (checksummed where the library's files are): at
    // thousands of captures it is tens of megabytes, which this page need never hold as one string.
    const indexHtml = textBlob(indexHtmlParts(model));
    yield await file('data/index.html', indexHtml, exportedAt, true, hooks.sumBlob ? await blobSums(hooks.sumBlob, indexHtml, 'data/index.html') : undefined);
    const indexCsv = textBlob(indexCsvLines(volume.captures, plan.controls));
    yield await file('data/index.csv', indexCsv, exportedAt, true, hooks.sumBlob ? await blobSums(hooks.sumBlob, indexCsv, 'data/index.csv') : undefined);
    if (plan.readiness) {
      yield await file('data/coverage.csv', toCsv(plan.readiness.coverageCsv.header, plan.readiness.coverageCsv.rows), exportedAt, true);
      yield await file('data/exceptions.csv', toCsv(plan.readiness.exceptionsCsv.header, plan.readiness.exceptionsCsv.rows), exportedAt, true);
    }
    if (plan.requests.length) yield await file('data/requests.csv', requestsCsvFile(plan), exportedAt, true);

    const L = BAG_INFO_LABELS;
    const info: [string, string][] = [
      [L.sourceOrganization, identity.organization || '(organization not set)'],
      ...(identity.exportedBy ? ([[L.contactName, identity.exportedBy.name], [L.contactEmail, identity.exportedBy.email]] as [string, string][]) : []),
      [L.externalDescription, `SOC 2 evidence captured with Exhibit for ${plan.period.name} (${plan.period.start} to ${plan.period.end})`],
      [L.baggingDate, plan.exportedAt.slice(0, 10)],
      [L.bagSize, humanSize(payloadBytes)],
      [L.payloadOxum, payloadOxum(payloadBytes, payload.length)],
      ...(volume.count > 1 ? ([[L.bagGroupIdentifier, plan.exportId], [L.bagCount, `${volume.index} of ${volume.count}`]] as [string, string][]) : []),
      [L.periodName, plan.period.name],
      [L.periodStart, plan.period.start],
      [L.periodEnd, plan.period.end],
      [L.periodTimeZone, plan.period.timeZone],
      [L.selection, plan.selectionText],
      [L.exportId, plan.exportId],
      [L.exhibitVersion, identity.exhibitVersion],
      [L.captureCount, String(volume.captures.length)],
      [L.signingKeyFingerprint, identity.signer.fingerprint],
    ];
    const bagInfo = encoder.encode(formatTagFile(info));
    const manifest = encoder.encode(formatManifest(await Promise.all(payload.map(async (e): Promise<ManifestEntry> => ({ path: e.path, sha256: await e.sha256 })))));
    const tags: ManifestEntry[] = [];
    for (const [path, bytes] of [[BAGIT, encoder.encode(BAGIT_TXT)], [BAG_INFO, bagInfo], [PAYLOAD_MANIFEST, manifest]] as const) {
      tags.push({ path, sha256: await sha256Hex(bytes) });
    }
    const tagManifest = encoder.encode(formatManifest(tags));
    yield await file(BAG_INFO, bagInfo, exportedAt, false);
    yield await file(PAYLOAD_MANIFEST, manifest, exportedAt, false);
    yield await file(TAG_MANIFEST, tagManifest, exportedAt, false);
    const signature: BundleSignature = {
      schema: SIGNATURE_SCHEMA,
      alg: 'ES256',
      signedFile: 'tagmanifest-sha256.txt',
      signedFileSha256: await sha256Hex(tagManifest),
      keyFingerprint: identity.signer.fingerprint,
      publicKeyJwk: identity.signer.publicJwk,
      installationId: identity.signer.installationId,
      signedAt: new Date().toISOString(),
      value: await signBytes(identity.signer.privateKey, tagManifest),
    };
    yield await file(SIGNATURE, `${JSON.stringify(signature, null, 2)}\n`, exportedAt, false);
  }
  return entries();
}

/** Where volumes go: written (and kept hidden) first; delivered only once every volume verified. */
export interface BundleSink {
  /** Writes the stream; returns the written bytes to read back. */
  write(fileName: string, stream: ReadableStream<Uint8Array>): Promise<Blob>;
  /** Where the sink keeps a Blob: makes it of the parts (taken by reference), instead of `write`. */
  writeParts?(fileName: string, parts: AsyncIterable<Uint8Array | Blob>): Promise<Blob>;
  /** Removes a written volume (after a failure). */
  discard(fileName: string): Promise<void>;
  /** Hands the verified volumes to the person (a download, or nothing when written in place). */
  deliver(files: readonly { fileName: string; blob: Blob }[]): Promise<unknown>;
}

export interface ExportResult {
  exportId: string;
  captures: number;
  files: { fileName: string; bytes: number; captures: number; payloadFiles: number }[];
  signingKeyFingerprint: string;
  delivered: unknown;
  reports: VerifyReport[];
}

/** Plans, writes, reads back and verifies every volume, then delivers them; on any failure removes what was written. */
export async function runExport(
  db: ExhibitDB,
  plan: ExportPlan,
  identity: ExportIdentity,
  sink: BundleSink,
  hooks: { signal?: AbortSignal; onProgress?: (p: ExportProgress) => void } = {},
): Promise<ExportResult> {
  const written: { fileName: string; blob: Blob }[] = [];
  const reports: VerifyReport[] = [];
  const checksums = await checksumService();
  let filesDone = 0;
  const progress = (phase: ExportProgress['phase'], volume: number) =>
    hooks.onProgress?.({ phase, volume, volumes: plan.volumes.length, filesDone, filesTotal: plan.filesTotal * 2 });
  try {
    for (const volume of plan.volumes) {
      progress('writing', volume.index);
      const volumeHooks: VolumeHooks = {
        signal: hooks.signal,
        sumBlob: (blob) => checksums.sumBlob(blob),
        onFile: () => {
          filesDone++;
          progress('writing', volume.index);
        },
      };
      const load = libraryLoader(db, checksums);
      const blob = sink.writeParts
        ? await sink.writeParts(volume.fileName, volumeParts(load, plan, volume, identity, volumeHooks))
        : await sink.write(volume.fileName, volumeStream(load, plan, volume, identity, volumeHooks));
      written.push({ fileName: volume.fileName, blob });
      if (hooks.signal?.aborted) throw hooks.signal.reason ?? new DOMException('The export was cancelled.', 'AbortError');
      progress('checking', volume.index);
      const { report } = await verifyZipBlob(blob, volume.fileName, {
        checksummer: checksums.ranges,
        collectSidecars: false,
        // This installation signs the bag; the captures keep the keys that signed them (teammates' too).
        expectKeys: [...new Set([identity.signer.fingerprint, ...volume.captures.map((bc) => bc.signer.fingerprint)])],
        signal: hooks.signal,
        onProgress: () => {
          filesDone++;
          progress('checking', volume.index);
        },
      });
      if (!report.ok || report.captures !== volume.captures.length || report.files !== volume.files) {
        const first = report.problems[0];
        throw new ExhibitError(
          'internal',
          `The bundle ${volume.fileName} did not verify when read back after writing${first ? ` (${first.file}: ${first.message})` : ` (it holds ${report.files} files, ${volume.files} were written)`}; it was removed. Try the export again.`,
          { problems: report.problems.slice(0, 50) },
        );
      }
      reports.push(report);
    }
    const delivered = await sink.deliver(written);
    return {
      exportId: plan.exportId,
      captures: plan.captures,
      files: plan.volumes.map((v, i) => ({ fileName: v.fileName, bytes: written[i]!.blob.size, captures: v.captures.length, payloadFiles: v.payloadFiles })),
      signingKeyFingerprint: identity.signer.fingerprint,
      delivered,
      reports,
    };
  } catch (err) {
    for (const w of written) await sink.discard(w.fileName).catch(() => undefined);
    if (hooks.signal?.aborted) throw new ExhibitError('conflict', 'The export was cancelled; nothing was saved.');
    throw err;
  } finally {
    checksums.close();
  }
}

const SEGMENT_BYTES = 4 * 1024 * 1024;
const SEGMENT_PARTS = 4096;

/** A sink keeping each volume as a Blob (the browser pages large ones to disk). */
export function blobSink(deliver: (files: readonly { fileName: string; blob: Blob }[]) => Promise<unknown>): BundleSink {
  return {
    // The media type matters: without it Chromium sniffs the bytes and may save the zip as .txt.
    write: (_name, stream) => new Response(stream, { headers: { 'content-type': 'application/zip' } }).blob(),
    // Small records gathered into arrays, and the library's own Blobs: a Blob of references, its
    // images never copied (the browser reads them from IndexedDB's files when the zip is read).
    // The small records go into a Blob of their own every few megabytes (with the library Blobs
    // between them, still by reference): the browser's blob store holds their bytes from then on,
    // not this page, whose memory would otherwise grow with every capture until the zip is done.
    async writeParts(_name, parts) {
      const segments: Blob[] = [];
      let list: (Uint8Array | Blob)[] = [];
      let bytes = 0;
      for await (const part of parts) {
        list.push(part);
        if (part instanceof Uint8Array) bytes += part.length;
        if (bytes >= SEGMENT_BYTES || list.length >= SEGMENT_PARTS) {
          segments.push(new Blob(list as BlobPart[]));
          list = [];
          bytes = 0;
        }
      }
      return new Blob([...segments, ...(list as BlobPart[])], { type: 'application/zip' });
    },
    discard: async () => undefined,
    deliver,
  };
}
