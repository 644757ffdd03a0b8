// Where an export from an extension page goes: a download under the bundle's real name, or a
// folder the person picks (File System Access API), written as a stream so its size is not bound
// by memory. Either way nothing is handed over until every volume has been read back and verified.
import { browser } from 'wxt/browser';
import { ExhibitError } from '../errors';
import { blobSink, type BundleSink } from './export';

/** Resolves with the downloaded file's full path once the browser has finished writing it. */
export function waitForDownload(id: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      browser.downloads.onChanged.removeListener(listener);
      fn();
    };
    const check = async () => {
      const [item] = await browser.downloads.search({ id });
      if (!item) finish(() => reject(new ExhibitError('internal', 'The download of the bundle vanished.')));
      else if (item.state === 'complete') finish(() => resolve(item.filename));
      else if (item.state === 'interrupted') finish(() => reject(new ExhibitError('internal', `The download of the bundle was interrupted (${item.error ?? 'unknown reason'}).`)));
    };
    const listener = (delta: { id: number }) => {
      if (delta.id === id) void check();
    };
    browser.downloads.onChanged.addListener(listener);
    void check();
  });
}

export interface DeliveredFile {
  fileName: string;
  /** Full path of the downloaded file, or the name inside the chosen folder. */
  path: string;
}

/** Volumes kept as Blobs, then downloaded under their names; resolves once every download finished. */
export function downloadSink(): BundleSink {
  return blobSink(async (files) => {
    const delivered: DeliveredFile[] = [];
    for (const f of files) {
      const url = URL.createObjectURL(f.blob);
      try {
        const id = await browser.downloads.download({ url, filename: f.fileName, saveAs: false, conflictAction: 'uniquify' });
        delivered.push({ fileName: f.fileName, path: await waitForDownload(id) });
      } finally {
        URL.revokeObjectURL(url);
      }
    }
    return delivered;
  });
}

/** Volumes streamed straight into a folder the person picked; a failed or cancelled volume is removed. */
export function folderSink(dir: FileSystemDirectoryHandle): BundleSink {
  return {
    async write(fileName, stream) {
      const handle = await dir.getFileHandle(fileName, { create: true });
      const writable = await handle.createWritable();
      try {
        await stream.pipeTo(writable);
      } catch (err) {
        await dir.removeEntry(fileName).catch(() => undefined);
        throw err;
      }
      return handle.getFile();
    },
    discard: (fileName) => dir.removeEntry(fileName),
    deliver: async (files) => files.map((f): DeliveredFile => ({ fileName: f.fileName, path: `${dir.name}/${f.fileName}` })),
  };
}
