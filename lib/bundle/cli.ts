// `exhibit verify <bundle.zip|folder> [--json] [--expect-key <fingerprint>]…`: the same verifier
// the dashboard and import use, for auditors and scripts. Exit code 0 only when everything
// verifies; 1 when the bundle fails or is refused; 2 for a usage error or an unreadable path.
import * as crypto from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { FolderBagSource } from './folder-source';
import { BufferPool, workerChecksummer } from './node-checksums';
import { formatReport, refusal, verifyBag, verifyZipBlob, type VerifyResult } from './verify';
import { ZIP_WINDOW_BYTES, ZipError, type ByteSource } from './zip-read';

const USAGE = `Usage: exhibit verify <bundle.zip | bundle folder> [--json] [--expect-key <fingerprint>]...

Checks an Exhibit evidence bundle: the BagIt structure, every manifest and tag-manifest hash,
Payload-Oxum, the bundle signature, and each capture's own signature against its record and image.
Prints one line per problem, then a summary. Exit code 0 only when everything verifies.

  --json                 print the full report as JSON instead
  --expect-key <hex>     the signing key fingerprint the team gave you out of band; the bundle and
                         every capture must be signed by one of the given keys (repeatable)
`;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const stdio: Io = { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) };

/** Positioned reads of an open file, into buffers of `pool` (which workers hand back once they have hashed them). */
function fileByteSource(file: import('node:fs/promises').FileHandle, size: number, pool: BufferPool, threadsRead: boolean): ByteSource {
  return {
    size,
    ownBuffers: true,
    // Windows of entries are read by the hashing threads themselves, from this open file.
    ...(threadsRead ? { slice: (start: number, end: number) => ({ start, end }) } : {}),
    async read(start, length) {
      const out = pool.take(length);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await file.read(out, done, length - done, start + done);
        if (bytesRead === 0) throw new ZipError('truncated', 'The archive ended while it was being read (was it changed meanwhile?).');
        done += bytesRead;
      }
      return out;
    },
  };
}

/**
 * Runs the command in `argv`. `checksumThreads`: threads of node-checksum-worker.cjs the launcher
 * (bin/exhibit.mjs) started before loading this module, so they are ready by the time the archive's
 * directory is read; they are used for a zip and ended in any case.
 */
export async function main(argv: readonly string[], io: Io = stdio, { checksumThreads }: { checksumThreads?: readonly Worker[] } = {}): Promise<number> {
  try {
    return await run(argv, io, checksumThreads);
  } finally {
    await Promise.all((checksumThreads ?? []).map((t) => t.terminate()));
  }
}

async function run(argv: readonly string[], io: Io, checksumThreads: readonly Worker[] | undefined): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'verify') {
    io.err(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  let json = false;
  const expectKeys: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--expect-key' || arg.startsWith('--expect-key=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : rest[++i];
      const fp = value?.toLowerCase().replace(/[\s:]/g, '');
      if (!fp || !/^[0-9a-f]{64}$/.test(fp)) {
        io.err(`--expect-key needs a 64-hex-digit key fingerprint, got "${value ?? ''}".`);
        return 2;
      }
      expectKeys.push(fp);
    } else if (arg.startsWith('-')) {
      io.err(`Unknown option "${arg}".\n\n${USAGE}`);
      return 2;
    } else paths.push(arg);
  }
  if (paths.length !== 1) {
    io.err(`Give exactly one bundle (a .zip file or an extracted folder).\n\n${USAGE}`);
    return 2;
  }
  const path = paths[0]!;
  let info;
  try {
    info = await stat(path);
  } catch {
    io.err(`Cannot read ${path}: no such file or folder.`);
    return 2;
  }
  // crypto.hash (Node 20.12, 21.7) hashes in one call, without a Hash object per file or record.
  const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
  const sha256 = oneShot ? (bytes: Uint8Array) => oneShot('sha256', bytes, 'hex') : (bytes: Uint8Array) => crypto.createHash('sha256').update(bytes).digest('hex');
  // zlib.crc32 arrived in Node 20.15 and 22.2; older ones use the verifier's own.
  const nativeCrc = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  const crc32 = nativeCrc ? (bytes: Uint8Array) => nativeCrc(bytes) : undefined;
  let result: VerifyResult;
  if (info.isDirectory()) {
    try {
      result = await verifyBag(await FolderBagSource.open(path), { expectKeys, sha256, collectSidecars: false });
    } catch (err) {
      result = refusal(path, err, expectKeys);
    }
  } else {
    const file = await open(path, 'r');
    // Entries are checksummed on worker threads while this one reads on and checks signatures.
    const pool = new BufferPool(ZIP_WINDOW_BYTES);
    const checksummer = workerChecksummer(undefined, pool, file.fd, checksumThreads?.length ? checksumThreads : undefined) ?? undefined;
    try {
      result = await verifyZipBlob(fileByteSource(file, info.size, pool, !!checksummer?.windows), basename(path), {
        expectKeys,
        sha256,
        crc32,
        checksummer,
        verifyEs256: checksummer?.verifyEs256,
        // The report is all the CLI prints: no parsed sidecar is kept for it.
        collectSidecars: false,
      });
    } finally {
      await checksummer?.close();
      await file.close();
    }
  }
  io.out(json ? JSON.stringify(result.report, null, 2) : formatReport(result.report));
  return result.report.ok ? 0 : 1;
}
