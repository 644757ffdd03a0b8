// A dedicated worker that computes CRC-32s and SHA-256s off the page's main thread: of the files an
// export writes (for the zip and the manifest, and the check against the signed record), and of the
// entries of the zip it reads back. Buffers are transferred in and back, never copied; a Blob (a
// file of the library) is read here, so its bytes never pass through the page's memory at all.
import { toHex } from '../capture/signing';
import { checkWindow, crc32, type WindowEntry, type WindowResult } from './zip-read';

export type ChecksumRequest =
  | {
      id: number;
      buffer: ArrayBuffer;
      /** Ranges of `buffer` to checksum; absent: the whole buffer. */
      ranges?: { start: number; length: number }[];
    }
  /** A Blob (a file in IndexedDB): read here, checksummed, and dropped; only the sums go back. */
  | { id: number; blob: Blob }
  /** A window of a zip being read back (a Blob slice): read here and checked by checkWindow. */
  | { id: number; window: Blob; entries: WindowEntry[] };

export type ChecksumReply =
  | { id: number; buffer?: ArrayBuffer; sums: { crc32: number; sha256: string; size: number }[] }
  | { id: number; results: WindowResult[] }
  | { id: number; buffer?: ArrayBuffer; error: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<ChecksumRequest>) => void) | null; postMessage(message: ChecksumReply, transfer: Transferable[]): void };

scope.onmessage = async (event) => {
  const request = event.data;
  const { id } = request;
  const buffer = 'buffer' in request ? request.buffer : undefined;
  try {
    if ('window' in request) {
      const results = await checkWindow(new Uint8Array(await request.window.arrayBuffer()), request.entries, crc32, async (b) => toHex(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>)));
      // (Views of one buffer: it is listed once.)
      const transfer = [...new Set(results.flatMap((r) => [r.header.buffer as ArrayBuffer, ...(r.bytes ? [r.bytes.buffer as ArrayBuffer] : [])]))];
      scope.postMessage({ id, results }, transfer);
      return;
    }
    const sums: { crc32: number; sha256: string; size: number }[] = [];
    if ('blob' in request) {
      const bytes = new Uint8Array(await request.blob.arrayBuffer());
      sums.push({ crc32: crc32(bytes), sha256: toHex(await crypto.subtle.digest('SHA-256', bytes)), size: bytes.length });
    } else {
      for (const r of request.ranges ?? [{ start: 0, length: request.buffer.byteLength }]) {
        const bytes = new Uint8Array(request.buffer, r.start, r.length);
        sums.push({ crc32: crc32(bytes), sha256: toHex(await crypto.subtle.digest('SHA-256', bytes)), size: r.length });
      }
    }
    scope.postMessage({ id, ...(buffer ? { buffer } : {}), sums }, buffer ? [buffer] : []);
  } catch (err) {
    scope.postMessage({ id, ...(buffer ? { buffer } : {}), error: err instanceof Error ? err.message : String(err) }, buffer ? [buffer] : []);
  }
};
