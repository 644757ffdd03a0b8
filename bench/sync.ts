// Sync benchmark: upload and pull of 500 captures through a real Ceph RGW on 127.0.0.1, as
// captures per second and as a ratio to raw signed requests of the same bytes in the same run:
// upload vs signed PUTs (real SHA-256 + Content-MD5, If-None-Match) of each capture's image,
// thumbnail and record; pull vs signed GETs of those same objects. The difference is what sync
// adds: reading the library, verifying signatures and hashes, writing IndexedDB, bookkeeping.
//
// The sync engine runs in Node on fake-indexeddb (lib/sync is the same code the service worker
// runs); images are 140 KB PNGs, the size of a 1280×800 console capture (notes/measured.md).
//
// Alone: `npx tsx bench/sync.ts [--quick] [--captures=N] [--runs=N]` (starts and stops its own RGW).
// From the harness: `CASES.sync = (ctx) => syncBench({ quick: ctx.quick, log: ctx.log })`.
import 'fake-indexeddb/auto';
import { pathToFileURL } from 'node:url';
import { canonicalJson, sha256Hex } from '../lib/capture/signing';
import { ExhibitDB } from '../lib/db';
import { syncTargetSchema, type SyncCaptureObject } from '../lib/schema';
import { clientFor, runSync, type SyncConfig } from '../lib/sync/engine';
import { fileKey, LIMITS, manifestKey } from '../lib/sync/layout';
import { pool } from '../lib/sync/push';
import { startRgw, type RgwServer } from '../test/support/rgw';
import { makeInstallation, seedCaptures } from '../test/support/sync-fixtures';
import { summarize, type CaseResult } from './stats';

export interface SyncBenchOptions {
  captures?: number;
  runs?: number;
  quick?: boolean;
  /** An RGW already running (else one is started and stopped). */
  rgw?: RgwServer;
  log?: (line: string) => void;
}

export interface SyncBenchRun {
  uploadSeconds: number;
  rawPutSeconds: number;
  pullSeconds: number;
  rawGetSeconds: number;
}

const CONCURRENCY = 4;
const WHO = { name: 'Bench Capturer', email: 'bench@acme.example', team: '' };

export async function syncBench(options: SyncBenchOptions = {}): Promise<CaseResult[]> {
  const count = options.captures ?? (options.quick ? 20 : 500);
  const runs = options.runs ?? (options.quick ? 1 : 3);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const rgw = options.rgw ?? (await startRgw());
  const dbs: ExhibitDB[] = [];
  try {
    const bucket = `bench-sync-${process.pid}-${Date.now()}`;
    await rgw.createBucket(bucket);
    const source = new ExhibitDB(`bench-sync-source-${Date.now()}`);
    dbs.push(source);
    const me = await makeInstallation(source, WHO);
    const t0 = Date.now();
    const captures = await seedCaptures(source, me, count, { side: 216 });
    const blobs = await source.blobs.toArray();
    const bytes = blobs.reduce((n, b) => n + b.bytes, 0);
    log(`sync bench: seeded ${count} captures (${(bytes / 1e6).toFixed(1)} MB) in ${Date.now() - t0} ms`);

    const results: SyncBenchRun[] = [];
    for (let run = 1; run <= runs; run++) {
      const prefix = `run${run}/`;
      const config = (p: string): SyncConfig => ({
        target: syncTargetSchema.parse({ endpoint: rgw.endpoint, region: rgw.region, bucket, prefix: p, accessKeyId: rgw.accessKeyId }),
        secretAccessKey: rgw.secretAccessKey,
      });
      const client = clientFor(config(prefix));

      // The same bytes as raw signed PUTs: each capture's image, thumbnail and record.
      const bodies = await Promise.all(
        captures.map(async (capture) => {
          const own = blobs.filter((b) => b.captureId === capture.id);
          const files = await Promise.all(own.map(async (b) => ({ name: b.name, mediaType: b.mediaType, bytes: new Uint8Array(await b.blob.arrayBuffer()) })));
          const manifest: SyncCaptureObject = {
            schema: 'exhibit.sync.capture/1',
            capture,
            signerPublicKey: me.publicJwk,
            files: await Promise.all(files.map(async (f) => ({ name: f.name, mediaType: f.mediaType, sha256: await sha256Hex(f.bytes), bytes: f.bytes.length }))),
          };
          return [...files.map((f) => ({ key: `raw${run}/${capture.id}/${f.name}`, body: f.bytes, type: f.mediaType })), { key: `raw${run}/${capture.id}.json`, body: new TextEncoder().encode(canonicalJson(manifest)), type: 'application/json' }];
        }),
      );
      let t = performance.now();
      await pool(bodies.flat(), CONCURRENCY, async (o) => {
        await client.putIfAbsent(o.key, o.body, o.type);
      });
      const rawPutSeconds = (performance.now() - t) / 1000;

      t = performance.now();
      const up = await runSync(source, config(prefix), { installation: me, concurrency: CONCURRENCY });
      const uploadSeconds = (performance.now() - t) / 1000;
      if (up.uploadedCaptures !== count) throw new Error(`sync bench: uploaded ${up.uploadedCaptures} of ${count} captures`);

      // Raw signed GETs of what a pull downloads: every record and the files it lists.
      const keys = captures.flatMap((c) => [
        manifestKey(prefix, c.id, c.image.sha256),
        ...blobs.filter((b) => b.captureId === c.id).map((b) => fileKey(prefix, c.id, c.image.sha256, b.name)),
      ]);
      t = performance.now();
      await pool(keys, CONCURRENCY, async (key) => {
        await client.get(key, LIMITS.file);
      });
      const rawGetSeconds = (performance.now() - t) / 1000;

      const target = new ExhibitDB(`bench-sync-target-${run}-${Date.now()}`);
      dbs.push(target);
      const other = await makeInstallation(target, { ...WHO, email: 'other@acme.example' });
      t = performance.now();
      const down = await runSync(target, config(prefix), { installation: other, concurrency: CONCURRENCY });
      const pullSeconds = (performance.now() - t) / 1000;
      if (down.importedCaptures !== count || down.quarantined) throw new Error(`sync bench: pulled ${down.importedCaptures} of ${count} captures, ${down.quarantined} quarantined`);

      results.push({ uploadSeconds, rawPutSeconds, pullSeconds, rawGetSeconds });
      log(
        `sync bench run ${run}: upload ${(count / uploadSeconds).toFixed(1)} captures/s (raw PUTs ${(count / rawPutSeconds).toFixed(1)}), pull ${(count / pullSeconds).toFixed(1)} captures/s (raw GETs ${(count / rawGetSeconds).toFixed(1)})`,
      );
      await target.delete();
    }
    const rate = (seconds: number) => count / seconds;
    const note = `${count} captures, ${(bytes / 1e6).toFixed(1)} MB, ${CONCURRENCY} requests in flight, local Ceph RGW (memstore); library on fake-indexeddb in Node`;
    return [
      summarize({
        name: `Sync upload, ${count} captures`,
        unit: 'captures/s',
        samples: results.map((r) => rate(r.uploadSeconds)),
        baseline: results.map((r) => rate(r.rawPutSeconds)),
        baselineName: 'raw signed PUTs of the same bytes',
        target: {},
        notes: note,
      }),
      summarize({
        name: `Sync pull (verify + import), ${count} captures`,
        unit: 'captures/s',
        samples: results.map((r) => rate(r.pullSeconds)),
        baseline: results.map((r) => rate(r.rawGetSeconds)),
        baselineName: 'raw signed GETs of the same objects',
        target: {},
        notes: note,
      }),
    ];
  } finally {
    for (const db of dbs) await db.delete().catch(() => undefined);
    if (!options.rgw) await rgw.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const results = await syncBench({
    quick: process.argv.includes('--quick'),
    ...(arg('captures') ? { captures: Number(arg('captures')) } : {}),
    ...(arg('runs') ? { runs: Number(arg('runs')) } : {}),
  });
  for (const r of results) {
    process.stdout.write(
      `${r.name}: ${r.median.toFixed(1)} ${r.unit} (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)}); ${r.baselineName}: ${r.baselineMedian?.toFixed(1)} ${r.unit}; ratio ${r.ratio?.toFixed(2)}×\n`,
    );
  }
}
