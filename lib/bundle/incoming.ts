// Bundles on their way to the background. A runtime message cannot carry a File, so the dashboard
// copies a dropped bundle into the extension's origin-private file system (a stream: any size)
// and names it in the `bundle.import` or `bundle.verify` message; the background reads it from
// there and removes it afterwards.
import { ExhibitError } from '../errors';
import { base64UrlDecode } from '../capture/signing';
import { ulid } from 'ulid';

const FOLDER = 'incoming-bundles';

async function folder(create: boolean): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(FOLDER, { create });
}

/** Copies `file` into the origin-private file system; returns the name to put in `source.opfsPath`. */
export async function stageIncomingBundle(file: Blob): Promise<string> {
  const name = `${ulid()}.zip`;
  const dir = await folder(true);
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  try {
    await file.stream().pipeTo(writable);
  } catch (err) {
    await dir.removeEntry(name).catch(() => undefined);
    throw err;
  }
  return name;
}

export type BundleSourceSpec = { opfsPath: string; name?: string } | { base64: string; name: string };

/** The bundle a message names, as a Blob, and how to clean up after it. */
export async function openIncomingBundle(source: BundleSourceSpec): Promise<{ blob: Blob; label: string; cleanup(): Promise<void> }> {
  if ('base64' in source) {
    let bytes: Uint8Array;
    try {
      bytes = base64UrlDecode(source.base64.replace(/\s+/g, '').replace(/=+$/, ''));
    } catch {
      throw new ExhibitError('invalid-request', 'source.base64 is not base64.');
    }
    return { blob: new Blob([bytes as BlobPart]), label: source.name, cleanup: async () => undefined };
  }
  let dir: FileSystemDirectoryHandle;
  let file: File;
  try {
    dir = await folder(false);
    file = await (await dir.getFileHandle(source.opfsPath)).getFile();
  } catch {
    throw new ExhibitError('not-found', `No staged bundle named ${source.opfsPath}; stage it again.`);
  }
  return { blob: file, label: source.name ?? source.opfsPath, cleanup: () => dir.removeEntry(source.opfsPath).catch(() => undefined) };
}
