// A dedicated worker that computes CRC-32s and SHA-256s off the page's main thread: of the files an
// export writes (for the zip and the manifest, and the check against the signed record), and of the
// entries of the zip it reads back. Buffers are transferred in and back, never copied.
import { toHex } from '../capture/signing';
import { crc32 } from './zip-read';

export interface ChecksumRequest {
  id: number;
  buffer: ArrayBuffer;
  /** Ranges of `buffer` to checksum; absent: the whole buffer. */
  ranges?: { start: number; length: number }[];
}

export type ChecksumReply = { id: number; buffer: ArrayBuffer; sums: { crc32: number; sha256: string }[] } | { id: number; buffer: ArrayBuffer; error: string };

const scope = self as unknown as { onmessage: ((e: MessageEvent<ChecksumRequest>) => void) | null; postMessage(message: ChecksumReply, transfer: Transferable[]): void };

scope.onmessage = async (event) => {
  const { id, buffer, ranges } = event.data;
  try {
    const sums: { crc32: number; sha256: string }[] = [];
    for (const r of ranges ?? [{ start: 0, length: buffer.byteLength }]) {
      const bytes = new Uint8Array(buffer, r.start, r.length);
      sums.push({ crc32: crc32(bytes), sha256: toHex(await crypto.subtle.digest('SHA-256', bytes)) });
    }
    scope.postMessage({ id, buffer, sums }, [buffer]);
  } catch (err) {
    scope.postMessage({ id, buffer, error: err instanceof Error ? err.message : String(err) }, [buffer]);
  }
};
