// CRC-32 and SHA-256 of a file's bytes: in a dedicated worker where the platform has workers (the
// extension's pages), which also reads the bytes (the library's Blobs, windows of a zip read back),
// so the page's main thread neither holds nor collects them; on the calling thread elsewhere (Node,
// tests).
import { sha256Hex } from '../capture/signing';
import type { ChecksumReply, ChecksumRequest } from './checksum-worker';
import { crc32, inlineRangeChecksummer, type RangeChecksummer, type WindowResult } from './zip-read';

export interface Checksums {
  crc32: number;
  sha256: string;
}

export interface ChecksumService {
  /**
   * The checksums and size of a Blob's bytes, read where the sums are computed (a worker): the
   * caller's thread never holds the bytes. Several may run at once.
   */
  sumBlob(blob: Blob): Promise<Checksums & { size: number }>;
  /** Checksums of a zip being read back: of windows read where the sums are computed, or of ranges of a buffer it takes over. */
  readonly ranges: RangeChecksummer;
  close(): void;
}

/** Checksums on the calling thread. */
export const inlineChecksums: ChecksumService = {
  sumBlob: async (blob) => {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return { crc32: crc32(bytes), sha256: await sha256Hex(bytes), size: bytes.length };
  },
  ranges: inlineRangeChecksummer(sha256Hex),
  close: () => undefined,
};

/** A worker when the platform has them, else inline. Close it when done. */
export async function checksumService(): Promise<ChecksumService> {
  if (typeof Worker === 'undefined') return inlineChecksums;
  let worker: Worker;
  try {
    // The bundler builds the worker as a file of its own (an extension may not run blob: scripts).
    const { default: ChecksumWorker } = await import('./checksum-worker.ts?worker');
    worker = new ChecksumWorker();
  } catch {
    return inlineChecksums;
  }
  let next = 0;
  type Reply = { buffer?: ArrayBuffer; sums: (Checksums & { size: number })[]; results?: WindowResult[] };
  const waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  const failAll = (message: string) => {
    for (const w of waiting.values()) w.reject(new Error(message));
    waiting.clear();
  };
  worker.onmessage = (event: MessageEvent<ChecksumReply>) => {
    const reply = event.data;
    const w = waiting.get(reply.id);
    if (!w) return;
    waiting.delete(reply.id);
    if ('error' in reply) w.reject(new Error(`Checksums failed: ${reply.error}`));
    else if ('results' in reply) w.resolve({ sums: [], results: reply.results });
    else w.resolve({ buffer: reply.buffer, sums: reply.sums });
  };
  worker.onerror = (event) => {
    event.preventDefault();
    failAll(`The checksum worker failed: ${event.message || 'unknown error'}`);
  };
  const send = (request: ChecksumRequest) =>
    new Promise<Reply>((resolve, reject) => {
      waiting.set(request.id, { resolve, reject });
      worker.postMessage(request, 'buffer' in request ? [request.buffer] : []);
    });
  const service: ChecksumService = {
    async sumBlob(blob) {
      const { crc32, sha256, size } = (await send({ id: next++, blob })).sums[0]!;
      return { crc32, sha256, size };
    },
    ranges: {
      parallel: 1,
      sums: async (buffer, ranges) => (await send({ id: next++, buffer, ranges: [...ranges] })).sums.map(({ crc32, sha256 }) => ({ crc32, sha256 })),
      // A read-back window is read by the worker itself: its bytes never enter the page's memory.
      windows: async (window, entries) => {
        if (!(window instanceof Blob)) throw new Error('The checksum worker reads windows given as Blobs only.');
        return (await send({ id: next++, window, entries: [...entries] })).results ?? [];
      },
    },
    close() {
      worker.terminate();
      failAll('The checksum worker was closed.');
    },
  };
  // A worker that cannot start (a missing file, a policy) fails only its messages: try one first,
  // and work inline if it does not answer correctly within a few seconds.
  const probe = new Uint8Array([0x61, 0x62, 0x63]);
  const [answer, blobAnswer] = await Promise.race([
    Promise.all([service.ranges.sums(probe.slice().buffer, [{ start: 0, length: 3 }]).then((s) => s[0]), service.sumBlob(new Blob([probe]))]).catch(() => [null, null] as const),
    new Promise<readonly [null, null]>((r) => setTimeout(() => r([null, null]), 5000)),
  ]);
  const expected = await sha256Hex(probe);
  if (answer?.crc32 !== crc32(probe) || answer.sha256 !== expected || blobAnswer?.crc32 !== crc32(probe) || blobAnswer.sha256 !== expected || blobAnswer.size !== 3) {
    service.close();
    return inlineChecksums;
  }
  return service;
}
