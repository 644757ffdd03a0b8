// The bundle messages (docs/messages.md): export through an offscreen document and
// chrome.downloads, verify and import from a staged file or base64 bytes.
import { browser } from 'wxt/browser';
import { ulid } from 'ulid';
import { makeThumbnail } from '../capture/visible';
import { ExhibitError } from '../errors';
import type { HandlerGroup } from '../handlers';
import { getInstallation } from '../installation';
import { holdOffscreenDocument, offscreenSupported } from '../offscreen-document';
import { readSettings } from '../settings';
import { importBag } from './import';
import { openIncomingBundle } from './incoming';
import { OFFSCREEN_TARGET, type OffscreenExportData, type OffscreenReply, type OffscreenRequest } from './offscreen';
import { ZipBagSource } from './source';
import { waitForDownload } from './sinks';
import { refusal, verifyZipBlob } from './verify';

/** Message-API exports are split into volumes of at most this size unless the request says otherwise. */
export const DEFAULT_DOWNLOAD_VOLUME_BYTES = 1024 ** 3;

// The offscreen document is shared with capture thumbnails (lib/offscreen-document.ts).
async function holdOffscreen(): Promise<() => Promise<void>> {
  if (!offscreenSupported()) {
    throw new ExhibitError('internal', 'This browser cannot export in the background; export from the dashboard’s Bundles page instead.');
  }
  return holdOffscreenDocument();
}

async function toOffscreen<T>(request: OffscreenRequest): Promise<T> {
  const reply = (await browser.runtime.sendMessage(request)) as OffscreenReply<T> | undefined;
  if (!reply) throw new ExhibitError('internal', 'The export page did not answer; try again.');
  if (!reply.ok) throw new ExhibitError(reply.error.code as never, reply.error.message, reply.error.details);
  return reply.data;
}

export const bundleHandlers = {
  async 'bundle.export'(req, { db }) {
    const settings = await readSettings();
    await getInstallation(db);
    const { type: _type, maxVolumeBytes, ...selection } = req;
    const jobId = ulid();
    const release = await holdOffscreen();
    // A long export waits on one message; touching an extension API keeps the worker awake meanwhile.
    const keepAlive = setInterval(() => void browser.runtime.getPlatformInfo(), 20_000);
    try {
      const data = await toOffscreen<OffscreenExportData>({
        target: OFFSCREEN_TARGET,
        op: 'export',
        jobId,
        selection,
        maxVolumeBytes: maxVolumeBytes ?? DEFAULT_DOWNLOAD_VOLUME_BYTES,
        organization: settings.organization,
        exportedBy: settings.capturer ? { name: settings.capturer.name, email: settings.capturer.email } : null,
        exhibitVersion: browser.runtime.getManifest().version,
      });
      const files = [];
      for (const f of data.files) {
        const downloadId = await browser.downloads.download({ url: f.url, filename: f.fileName, saveAs: false, conflictAction: 'uniquify' });
        files.push({ fileName: f.fileName, bytes: f.bytes, captures: f.captures, downloadId, path: await waitForDownload(downloadId) });
      }
      return { exportId: data.exportId, captures: data.captures, signingKeyFingerprint: data.signingKeyFingerprint, files };
    } finally {
      clearInterval(keepAlive);
      await toOffscreen({ target: OFFSCREEN_TARGET, op: 'release', jobId }).catch(() => undefined);
      await release();
    }
  },

  async 'bundle.verify'(req) {
    const incoming = await openIncomingBundle(req.source);
    try {
      return (await verifyZipBlob(incoming.blob, incoming.label, { expectKeys: req.expectKeys })).report;
    } finally {
      await incoming.cleanup();
    }
  },

  async 'bundle.import'(req, { db }) {
    const incoming = await openIncomingBundle(req.source);
    try {
      let source: ZipBagSource;
      try {
        source = await ZipBagSource.open(incoming.blob, incoming.label);
      } catch (err) {
        const { report } = refusal(incoming.label, err);
        throw new ExhibitError('import-invalid', `The bundle was refused, so nothing was imported: ${report.problems[0]!.message}`, { problems: report.problems });
      }
      const result = await importBag(db, source, { expectKeys: req.expectKeys, makeThumbnail });
      const { report, ...rest } = result;
      return { ...rest, bundleSigner: report.bundleSigner, captureSigners: report.captureSigners };
    } finally {
      await incoming.cleanup();
    }
  },
} satisfies HandlerGroup;
