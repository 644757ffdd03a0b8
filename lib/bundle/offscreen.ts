// The export as run by the offscreen document for the `bundle.export` message: the service worker
// can neither make blob: URLs nor hold a large Blob, so this page writes and checks the zips and
// hands the background blob: URLs to download. Also the shape of the messages between the two.
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { getInstallation } from '../installation';
import { blobSink, planExport, runExport, type ExportSelection } from './export';

export const OFFSCREEN_TARGET = 'exhibit-offscreen';

export interface OffscreenExportRequest {
  target: typeof OFFSCREEN_TARGET;
  op: 'export';
  jobId: string;
  selection: ExportSelection;
  maxVolumeBytes: number;
  organization: string;
  exportedBy: { name: string; email: string } | null;
  exhibitVersion: string;
}

export interface OffscreenReleaseRequest {
  target: typeof OFFSCREEN_TARGET;
  op: 'release';
  jobId: string;
}

export type OffscreenRequest = OffscreenExportRequest | OffscreenReleaseRequest;

export interface OffscreenExportData {
  exportId: string;
  captures: number;
  signingKeyFingerprint: string;
  files: { fileName: string; bytes: number; captures: number; url: string }[];
}

export type OffscreenReply<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };

const urls = new Map<string, string[]>();

export function isOffscreenRequest(message: unknown): message is OffscreenRequest {
  return typeof message === 'object' && message !== null && (message as { target?: unknown }).target === OFFSCREEN_TARGET;
}

export async function handleOffscreenRequest(db: ExhibitDB, request: OffscreenRequest): Promise<OffscreenReply<OffscreenExportData | null>> {
  if (request.op === 'release') {
    for (const url of urls.get(request.jobId) ?? []) URL.revokeObjectURL(url);
    urls.delete(request.jobId);
    return { ok: true, data: null };
  }
  try {
    const installation = await getInstallation(db);
    const identity = {
      organization: request.organization,
      exportedBy: request.exportedBy,
      signer: installation,
      exhibitVersion: request.exhibitVersion,
    };
    const plan = await planExport(db, request.selection, identity, { maxVolumeBytes: request.maxVolumeBytes });
    const result = await runExport(
      db,
      plan,
      identity,
      blobSink(async (files) => {
        const made = files.map((f) => URL.createObjectURL(f.blob));
        urls.set(request.jobId, made);
        return made;
      }),
    );
    const made = result.delivered as string[];
    return {
      ok: true,
      data: {
        exportId: result.exportId,
        captures: result.captures,
        signingKeyFingerprint: result.signingKeyFingerprint,
        files: result.files.map((f, i) => ({ fileName: f.fileName, bytes: f.bytes, captures: f.captures, url: made[i]! })),
      },
    };
  } catch (err) {
    const e = err instanceof ExhibitError ? err : new ExhibitError('internal', `The export failed: ${String((err as Error)?.message ?? err)}`);
    return { ok: false, error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
  }
}
