// Node only (the CLI): CRC-32 and SHA-256 of an archive's entries on worker threads, so hashing
// runs on every core while the main thread parses sidecars; capture signatures (ES256) are checked
// there too. Plain JavaScript in the workers: they need no TypeScript loader and start in
// milliseconds. Given the archive's open file, each thread reads the windows it is sent from it
// into one buffer of its own (`windows`): no window's bytes cross threads. Otherwise windows come
// in by transfer and go back to a BufferPool to be read into again: fresh 8 MB buffers for every
// window cost a page fault per 4 KB and garbage collection, more than the hashing of small bundles.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import type { VerifyOptions } from './verify';
import { ZIP_WINDOW_BYTES, type RangeChecksummer, type WindowResult } from './zip-read';

/** The threads' code: a plain file beside this one (in the bundled CLI too, see bin/exhibit.mjs), never a string run as code. */
export const WORKER_FILE = fileURLToPath(new URL('./node-checksum-worker.cjs', import.meta.url));

type Sums = { crc32: number; sha256: string }[];

/**
 * Reusable buffers of `capacity` bytes for reading windows of a file. `take` hands out a buffer no
 * one else holds (a pooled one, or a new one); `give` returns one whose holder let it go (a worker
 * that hashed it and transferred it back). Requests larger than `capacity` get a buffer of their own.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  constructor(
    readonly capacity: number,
    private readonly max = 8,
  ) {}
  take(length: number): Uint8Array {
    if (length > this.capacity) return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    // Not zero-filled (every byte is read into it), and never from Node's shared pool.
    const buffer = this.free.pop() ?? (Buffer.allocUnsafeSlow(this.capacity).buffer as ArrayBuffer);
    return new Uint8Array(buffer, 0, length);
  }
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === this.capacity && this.free.length < this.max && !this.free.includes(buffer)) this.free.push(buffer);
  }
  get size(): number {
    return this.free.length;
  }
}

/**
 * Worker threads for checksums, or null where Node lacks zlib.crc32 (before 20.15 / 22.2). Close it
 * when done. Buffers coming back from the workers go to `pool`, when given.
 */
export function workerChecksummer(
  threads = Math.min(4, availableParallelism()),
  pool?: BufferPool,
  /** The descriptor of the archive's open file: given, windows of it (`windows`) are read by the threads themselves. */
  fd?: number,
  /** Threads of WORKER_FILE already started (bin/exhibit.mjs starts them while the CLI loads); used instead of starting `threads`. */
  started?: readonly Worker[],
): (RangeChecksummer & { verifyEs256: NonNullable<VerifyOptions['verifyEs256']>; close(): Promise<void> }) | null {
  if (typeof (zlib as { crc32?: unknown }).crc32 !== 'function' || (started?.length ?? threads) < 1) return null;
  const workers = (started ?? Array.from({ length: threads }, () => new Worker(WORKER_FILE))).map((worker) => {
    worker.unref();
    const waiting = new Map<number, { resolve: (s: any) => void; reject: (e: Error) => void }>();
    worker.on('message', (m: { id: number; sums?: Sums; error?: string; buffer?: ArrayBuffer; oks?: boolean[]; results?: WindowResult[] }) => {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.buffer) pool?.give(m.buffer);
      if (m.oks) w?.resolve(m.oks);
      else if (m.results) w?.resolve(m.results);
      else if (m.sums) w?.resolve(m.sums);
      else w?.reject(new Error(`Checksums failed: ${m.error}`));
    });
    const failAll = (err: Error) => {
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`A checksum thread stopped (exit code ${code}).`)));
    return { worker, waiting };
  });
  let next = 0;
  // The least busy thread takes the job.
  const post = <T>(message: Record<string, unknown>, transfer: ArrayBuffer[]) => {
    const slot = workers.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      slot.worker.postMessage({ id, ...message }, transfer);
    });
  };
  type Es256Job = { jwk: unknown; signature: Uint8Array; data: Uint8Array };
  let batch: { job: Es256Job; resolve: (ok: boolean) => void; reject: (e: Error) => void }[] = [];
  const flush = () => {
    const sent = batch;
    batch = [];
    post<boolean[]>({ es256: sent.map((b) => b.job) }, []).then(
      (oks) => sent.forEach((b, i) => b.resolve(oks[i] === true)),
      (err: Error) => sent.forEach((b) => b.reject(err)),
    );
  };
  return {
    parallel: workers.length,
    sums: (buffer, ranges) => post<Sums>({ buffer, ranges }, [buffer]),
    ...(fd === undefined
      ? {}
      : {
          windows: async (window, entries) => {
            if (window instanceof Blob) throw new Error('The checksum threads read windows of the archive file, not Blobs.');
            return post<WindowResult[]>({ window: { fd, start: window.start, end: window.end, capacity: ZIP_WINDOW_BYTES }, entries }, []);
          },
        }),
    // Capture signatures too: ECDSA costs the thread that parses sidecars more than hashing costs
    // these. Checks asked for in one turn of the event loop (a window's sidecars) go as one message.
    verifyEs256(jwk, signature, data) {
      return new Promise<boolean>((resolve, reject) => {
        batch.push({ job: { jwk, signature, data }, resolve, reject });
        if (batch.length === 1) setImmediate(flush);
      });
    },
    async close() {
      await Promise.all(workers.map((p) => p.worker.terminate()));
    },
  };
}
