// Where every capture goes in the bag: one copy under data/controls/<control>/ for each
// selected control it is tagged with, or data/untagged/ when it has none; one more under
// data/requests/<request>/ (or its <sample>/ sub-folder) for each request of the auditor's list it
// answers; a shared thumbnail in data/thumbnails/. Names are decided here, once, so the index,
// the CSVs and the zip agree.
import type { AnnotationState, Cadence, Control, PageContext, PublicKeyJwk, SignedCapture } from '../schema';
import type { BundleRequest } from '../readiness/export';
import { LIMITS, UniqueNames, captureBaseName, safeSegment } from './names';

export interface SignerInfo {
  fingerprint: string;
  publicKeyJwk: PublicKeyJwk;
  installationId: string;
  name: string;
  email: string;
}

export interface Placement {
  /** null: filed under data/untagged/, or under a request. */
  controlId: string | null;
  /** Set for a copy under data/requests/: the request id, and the sample's label in a sample's sub-folder. */
  request: { ref: string; sampleLabel: string | null } | null;
  /** Path from the bag root to the folder, with a trailing slash. */
  folder: string;
  stem: string;
  image: string;
  sidecar: string;
  /** Table file names (in `folder`), in the order of `tableBlobs`. */
  tables: string[];
  /**
   * File names (in `folder`) of every part of a capture saved in parts, in the order of the
   * record's `parts` (the first is `image`); empty for a capture in one image.
   */
  parts: string[];
}

/**
 * What an export's plan keeps of a capture's signed record: what names its files and volumes, and
 * what index.html and index.csv show. The record itself (with page facts, tables and signature;
 * thousands of them are tens of megabytes, held until the last volume is checked) is read again
 * when its sidecar is written.
 */
export type CaptureListing = Pick<SignedCapture, 'id' | 'capturedAt' | 'timeZone' | 'utcOffset' | 'url' | 'title' | 'capturedBy' | 'mode' | 'image' | 'parts' | 'signingKeyFingerprint'> & {
  context: Pick<PageContext, 'system' | 'host' | 'account' | 'consoleUser'>;
};

/**
 * The listing of a capture. `intern` gives back one copy of equal strings (a console's name, a
 * person, a time zone), which thousands of records read from IndexedDB would each hold their own of.
 */
export function listingOf(capture: SignedCapture, intern: (value: string) => string = (value) => value): CaptureListing {
  const { context, capturedBy, image } = capture;
  return {
    id: capture.id,
    capturedAt: capture.capturedAt,
    timeZone: intern(capture.timeZone),
    utcOffset: intern(capture.utcOffset),
    url: capture.url,
    title: capture.title,
    capturedBy: { name: intern(capturedBy.name), email: intern(capturedBy.email), team: intern(capturedBy.team ?? '') },
    mode: capture.mode,
    image: { mediaType: image.mediaType, sha256: image.sha256, width: image.width, height: image.height, bytes: image.bytes, bannerHeight: image.bannerHeight },
    ...(capture.parts ? { parts: capture.parts } : {}),
    signingKeyFingerprint: intern(capture.signingKeyFingerprint),
    context: {
      system: intern(context.system),
      host: intern(context.host),
      ...(context.account !== undefined ? { account: intern(context.account) } : {}),
      ...(context.consoleUser !== undefined ? { consoleUser: intern(context.consoleUser) } : {}),
    },
  };
}

export interface BundleCapture {
  capture: CaptureListing;
  annotation: AnnotationState;
  /** Ids of the annotation events `annotation` is the fold of, oldest first: the sidecar's history, read again when it is written. */
  historyIds: string[];
  signer: SignerInfo;
  /** Blob names of extracted tables ("tables/1.csv"). */
  tableBlobs: string[];
  /** Path from data/ ("thumbnails/<id>.jpg"), or null when the library has no thumbnail. */
  thumbnail: string | null;
  placements: Placement[];
}

export interface BundleControl {
  id: string;
  title: string;
  description: string;
  owner: string;
  cadence: Cadence;
  builtIn: boolean;
  /** Path from the bag root, with a trailing slash. */
  folder: string;
}

/** A request of the auditor's list and where its captures are in the bag. */
export interface RequestFolder {
  request: BundleRequest;
  /** Path from the bag root, with a trailing slash: data/requests/<safe id>/. */
  folder: string;
  samples: { id: string; label: string; folder: string; captureIds: string[] }[];
  /** Captures answering the request that are in this export (as a whole or for a sample). */
  exported: number;
  /** Captures answering it, in this export or not. */
  attached: number;
}

export interface LayoutInput {
  capture: CaptureListing;
  annotation: AnnotationState;
  /** Ids of the annotation events `annotation` is the fold of, oldest first. */
  historyIds: string[];
  signer: SignerInfo;
  tableBlobs: string[];
  hasThumbnail: boolean;
}

/** "_part-2.png" … "_part-<n>.png" for parts 2…n of a capture saved in parts (part 1 is the image itself). */
export function partSuffixes(capture: Pick<SignedCapture, 'parts'>): string[] {
  const n = capture.parts?.length ?? 0;
  return n > 1 ? Array.from({ length: n - 1 }, (_, i) => `_part-${i + 2}.png`) : [];
}

/**
 * Lays out captures (sorted by time, then id). `controlFilter`: when given, copies go only under
 * those controls; `includeUntagged`: whether captures with no (selected) control go to untagged/.
 */
export function layOut(
  inputs: readonly LayoutInput[],
  controls: ReadonlyMap<string, Control>,
  options: { controlFilter?: ReadonlySet<string>; includeUntagged: boolean; requests?: readonly BundleRequest[] },
): { captures: BundleCapture[]; controls: BundleControl[]; requests: RequestFolder[] } {
  const sorted = [...inputs].sort((a, b) => (a.capture.capturedAt < b.capture.capturedAt ? -1 : a.capture.capturedAt > b.capture.capturedAt ? 1 : a.capture.id < b.capture.id ? -1 : 1));
  const folderNames = new UniqueNames();
  const folders = new Map<string, { folder: string; names: UniqueNames }>();
  const usedControls: BundleControl[] = [];
  const folderFor = (controlId: string) => {
    let f = folders.get(controlId);
    if (!f) {
      const seg = folderNames.claim(safeSegment(controlId, LIMITS.controlFolder, 'control'), '', LIMITS.controlFolder);
      f = { folder: `data/controls/${seg}/`, names: new UniqueNames() };
      folders.set(controlId, f);
      const c = controls.get(controlId);
      usedControls.push({
        id: controlId,
        title: c?.title ?? '(control not in this library)',
        description: c?.description ?? '',
        owner: c?.owner ?? '',
        cadence: c?.cadence ?? 'continuous',
        builtIn: c?.builtIn ?? false,
        folder: f.folder,
      });
    }
    return f;
  };
  // Control folders in id order: claim them before any capture so their names do not depend on capture order.
  const allTagged = new Set(sorted.flatMap((i) => i.annotation.controlIds.filter((id) => !options.controlFilter || options.controlFilter.has(id))));
  for (const id of [...allTagged].sort()) folderFor(id);
  const untagged = { folder: 'data/untagged/', names: new UniqueNames() };

  // Request folders in list order, each sample's sub-folder claimed in its request's folder before
  // any capture file, so a sample label cannot take a capture's name or the other way round.
  const requestNames = new UniqueNames();
  const requestTargets = new Map<string, { ref: string; sampleLabel: string | null; folder: string; names: UniqueNames }[]>();
  const target = (captureId: string, t: { ref: string; sampleLabel: string | null; folder: string; names: UniqueNames }) => {
    const list = requestTargets.get(captureId) ?? [];
    list.push(t);
    requestTargets.set(captureId, list);
  };
  const selected = new Set(sorted.filter((i) => includeCapture(i, options)).map((i) => i.capture.id));
  const requests: RequestFolder[] = (options.requests ?? []).map((request) => {
    const folder = `data/requests/${requestNames.claim(safeSegment(request.ref, LIMITS.requestFolder, 'request'), '', LIMITS.requestFolder)}/`;
    const names = new UniqueNames();
    const samples = request.samples.map((s) => ({
      id: s.id,
      label: s.label,
      folder: `${folder}${names.claim(safeSegment(s.label, LIMITS.sampleFolder, 'sample'), '', LIMITS.sampleFolder)}/`,
      captureIds: s.captureIds,
    }));
    for (const id of request.captureIds) if (selected.has(id)) target(id, { ref: request.ref, sampleLabel: null, folder, names });
    for (const s of samples) {
      const sampleNames = new UniqueNames();
      for (const id of s.captureIds) if (selected.has(id)) target(id, { ref: request.ref, sampleLabel: s.label, folder: s.folder, names: sampleNames });
    }
    const all = new Set([...request.captureIds, ...request.samples.flatMap((s) => s.captureIds)]);
    return { request, folder, samples, exported: [...all].filter((id) => selected.has(id)).length, attached: all.size };
  });

  const captures: BundleCapture[] = [];
  for (const input of sorted) {
    if (!selected.has(input.capture.id)) continue;
    const ids = input.annotation.controlIds.filter((id) => !options.controlFilter || options.controlFilter.has(id)).sort();
    const base = captureBaseName(input.capture);
    const partExts = partSuffixes(input.capture);
    const exts = ['.png', '.json', ...input.tableBlobs.map((_, i) => `_table-${i + 1}.csv`), ...partExts];
    const targets = [
      ...(ids.length ? ids.map((id) => ({ controlId: id as string | null, request: null, ...folderFor(id) })) : [{ controlId: null, request: null, ...untagged }]),
      ...(requestTargets.get(input.capture.id) ?? []).map((t) => ({ controlId: null, request: { ref: t.ref, sampleLabel: t.sampleLabel }, folder: t.folder, names: t.names })),
    ];
    const placements = targets.map(({ controlId, request, folder, names }): Placement => {
      const stem = names.claimStem(base, exts, LIMITS.baseName + 14);
      return {
        controlId,
        request,
        folder,
        stem,
        image: `${stem}.png`,
        sidecar: `${stem}.json`,
        tables: input.tableBlobs.map((_, i) => `${stem}_table-${i + 1}.csv`),
        parts: input.capture.parts?.length ? [`${stem}.png`, ...partExts.map((ext) => `${stem}${ext}`)] : [],
      };
    });
    captures.push({
      capture: input.capture,
      annotation: input.annotation,
      historyIds: input.historyIds,
      signer: input.signer,
      tableBlobs: input.tableBlobs,
      thumbnail: input.hasThumbnail ? `thumbnails/${input.capture.id}.jpg` : null,
      placements,
    });
  }
  usedControls.sort((a, b) => a.id.localeCompare(b.id));
  return { captures, controls: usedControls, requests };
}

/** In the selection: tagged with a selected control, or untagged (or tagged only with others) when untagged captures are wanted. */
function includeCapture(input: LayoutInput, options: { controlFilter?: ReadonlySet<string>; includeUntagged: boolean }): boolean {
  return options.includeUntagged || input.annotation.controlIds.some((id) => !options.controlFilter || options.controlFilter.has(id));
}
