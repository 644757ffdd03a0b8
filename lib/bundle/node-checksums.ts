// Node only (the CLI): CRC-32 and SHA-256 of an archive's entries on worker threads, one window of
// the archive per message (transferred, not copied), so hashing runs on every core while the main
// thread reads the next window and checks signatures. Plain JavaScript in the workers: they need no
// TypeScript loader and start in milliseconds.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import type { RangeChecksummer } from './zip-read';

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
parentPort.on('message', ({ id, buffer, ranges }) => {
  try {
    const sums = ranges.map(({ start, length }) => {
      const view = new Uint8Array(buffer, start, length);
      return { crc32: zlib.crc32(view), sha256: createHash('sha256').update(view).digest('hex') };
    });
    parentPort.postMessage({ id, sums });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

type Sums = { crc32: number; sha256: string }[];

/** Worker threads for checksums, or null where Node lacks zlib.crc32 (before 20.15 / 22.2). Close it when done. */
export function workerChecksummer(threads = Math.min(4, availableParallelism())): (RangeChecksummer & { close(): Promise<void> }) | null {
  if (typeof (zlib as { crc32?: unknown }).crc32 !== 'function' || threads < 1) return null;
  const pool = Array.from({ length: threads }, () => {
    const worker = new Worker(WORKER, { eval: true });
    worker.unref();
    const waiting = new Map<number, { resolve: (s: Sums) => void; reject: (e: Error) => void }>();
    worker.on('message', (m: { id: number; sums?: Sums; error?: string }) => {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.sums) w?.resolve(m.sums);
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
  return {
    parallel: threads,
    sums(buffer, ranges) {
      // The least busy thread takes the window.
      const slot = pool.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
      const id = next++;
      return new Promise<Sums>((resolve, reject) => {
        slot.waiting.set(id, { resolve, reject });
        slot.worker.postMessage({ id, buffer, ranges }, [buffer]);
      });
    },
    async close() {
      await Promise.all(pool.map((p) => p.worker.terminate()));
    },
  };
}
