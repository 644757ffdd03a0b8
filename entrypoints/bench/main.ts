// The benchmark harness's hands inside the extension (E2E build only): seeds realistic evidence
// through the extension's own evidence and storage code, and times queries where they run.
import Dexie from 'dexie';
import { eventsForChange, emptyAnnotation } from '@/lib/annotations';
import { renderBanner } from '@/lib/capture/banner';
import { buildEvidence } from '@/lib/capture/evidence';
import { saveCaptures, THUMBNAIL_NAME, type CaptureToSave } from '@/lib/capture/store';
import { makeThumbnail } from '@/lib/capture/visible';
import { ExhibitDB, getDb } from '@/lib/db';
import { benchCoverage } from '../../bench/coverage';
import { getInstallation } from '@/lib/installation';
import { listCaptures, matchingIdsByIndex, resolveRange, summariesByIndex, summariesOf } from '@/lib/library';
import { captureFilterSchema, type Capturer } from '@/lib/schema';
import { checksumService, inlineChecksums } from '@/lib/bundle/checksums';
import { blobSink, libraryLoader, planExport, runExport, volumeStream, type ExportSelection } from '@/lib/bundle/export';
import { base64Encode, sha256Hex } from '@/lib/capture/signing';
import { periodBounds } from '@/lib/periods/periods';
import { tagMonthsMiddleware } from '@/lib/periods/tag-months';
import { syncQueueMiddleware } from '@/lib/sync/queue';
import { captureSummariesMiddleware } from '@/lib/capture-summaries';

const SYSTEMS = [
  ['Okta', 'acme-admin.okta.com', '/admin/users'],
  ['AWS', 'console.aws.amazon.com', '/iam/home#/users'],
  ['GitHub', 'github.com', '/acme/app/settings/branches'],
  ['Google Workspace', 'admin.google.com', '/ac/users'],
  ['Microsoft Entra', 'entra.microsoft.com', '/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade'],
  ['Jira', 'acme.atlassian.net', '/admin/users'],
] as const;
const PEOPLE: Capturer[] = ['ada', 'bo', 'chen', 'dara', 'eli'].map((n) => ({ name: n[0]!.toUpperCase() + n.slice(1), email: `${n}@acme.example`, team: 'IT' }));

/** A synthetic console screenshot: noisy enough that PNG compression leaves about `targetBytes`. */
async function syntheticPng(width: number, height: number, noise: number): Promise<Uint8Array> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(0, 0, width, height);
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  ctx.font = '13px sans-serif';
  for (let y = 40; y < height; y += 22) {
    ctx.fillStyle = '#1e293b';
    ctx.fillText(`user-${Math.floor(rand() * 1e6)}@acme.example   Active   MFA enforced   ${new Date(1.7e12 + rand() * 3e10).toISOString()}`, 12, y);
  }
  const image = ctx.getImageData(0, 0, width, height);
  for (let i = 0; i < image.data.length; i += 4) if (rand() < noise) image.data[i] = (image.data[i]! + rand() * 40) & 255;
  ctx.putImageData(image, 0, 0);
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

export interface SeedOptions {
  count: number;
  /** 'realistic': ~300 KB 1280×800 PNGs with real thumbnails; 'light': tiny images, for index-only cases. */
  images: 'realistic' | 'light';
  controlIds: string[];
  /** Captures spread evenly from this day over `months`. */
  start: string;
  months: number;
  batch?: number;
}

type Installation = Awaited<ReturnType<typeof getInstallation>>;

/** Capture number `n` of a seeding spread over `count` captures: signed through the capture pipeline's own code, tagged with two controls. */
async function seededItem(n: number, options: SeedOptions, png: Uint8Array, thumbnail: Blob, installation: Installation): Promise<CaptureToSave> {
  const [system, host, path] = SYSTEMS[n % SYSTEMS.length]!;
  const person = PEOPLE[n % PEOPLE.length]!;
  const startMs = Date.parse(`${options.start}T00:00:00Z`);
  const span = options.months * 30.4 * 86_400_000;
  const capturedAt = new Date(startMs + Math.floor((span * n) / options.count));
  const evidence = await buildEvidence(
    {
      png,
      capturedAt,
      url: `https://${host}${path}?page=${n}`,
      title: `${system} — users (${n})`,
      viewport: { width: 1280, height: 800 },
      devicePixelRatio: 1,
      mode: 'visible',
      context: { system, host },
    },
    {
      timeZone: 'Europe/Berlin',
      capturer: person,
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: installation,
      renderBanner: options.images === 'realistic' ? renderBanner : (_l, width) => ({ rgba: new Uint8Array(width * 4 * 4), height: 4 }),
      makeThumbnail: async () => thumbnail,
    },
  );
  const controls = [options.controlIds[n % options.controlIds.length]!, options.controlIds[(n * 7 + 3) % options.controlIds.length]!];
  const events = eventsForChange(emptyAnnotation(evidence.capture.id), { controlIds: controls }, person, installation.installationId, capturedAt);
  return { capture: evidence.capture, image: evidence.image, imageBlob: evidence.imageBlob, thumbnail: evidence.thumbnail, events };
}

async function seedInto(db: ExhibitDB, options: SeedOptions): Promise<{ seeded: number; pngBytes: number; ms: number }> {
  const t0 = performance.now();
  const installation = await getInstallation(db);
  const png = options.images === 'realistic' ? await syntheticPng(1280, 800, 0.012) : await syntheticPng(64, 40, 0);
  // Light seeding still gets a real (tiny) JPEG: the library grid decodes what it shows.
  const thumbnail = await makeThumbnail(png);
  const batchSize = options.batch ?? (options.images === 'realistic' ? 50 : 1000);
  let seeded = 0;
  while (seeded < options.count) {
    const items: CaptureToSave[] = [];
    for (let i = 0; i < batchSize && seeded + i < options.count; i++) items.push(await seededItem(seeded + i, options, png, thumbnail, installation));
    await saveCaptures(db, items);
    seeded += items.length;
  }
  return { seeded, pngBytes: png.length, ms: performance.now() - t0 };
}

function seedCaptures(options: SeedOptions): Promise<{ seeded: number; pngBytes: number; ms: number }> {
  return seedInto(getDb(), options);
}

async function captureCount(): Promise<number> {
  return getDb().captures.count();
}

/**
 * Gives the newest `newest` captures a thumbnail of a realistic console screenshot (what the
 * library shows first), without storing a realistic thumbnail for every one of 100,000 captures.
 */
async function useRealisticThumbnails(newest: number): Promise<{ captures: number; thumbnailBytes: number }> {
  const db = getDb();
  const thumbnail = await makeThumbnail(await syntheticPng(1280, 800, 0.012));
  const ids = await db.captures.orderBy('capturedAt').reverse().limit(newest).primaryKeys();
  await db.blobs.bulkPut(ids.map((captureId) => ({ captureId, name: THUMBNAIL_NAME, mediaType: 'image/jpeg', bytes: thumbnail.size, blob: thumbnail })));
  return { captures: ids.length, thumbnailBytes: thumbnail.size };
}

/**
 * What the three write middlewares (tag months, sync queue, capture summaries) add to a capture's
 * transaction: the same realistic capture saved into databases with all, each alone, and none, in
 * turn, after `preload` captures, timed from saveCapture's call to its transaction's commit.
 */
const TAG_MONTHS = { stack: 'dbcore', name: tagMonthsMiddleware.name! } as const;
const SYNC_QUEUE = { stack: 'dbcore', name: syncQueueMiddleware.name! } as const;
const SUMMARIES = { stack: 'dbcore', name: captureSummariesMiddleware.name! } as const;
type TxVariant = 'all' | 'tagMonthsOnly' | 'syncQueueOnly' | 'summariesOnly' | 'none';

async function timeCaptureTransaction(options: { runs: number; preload: number }): Promise<Record<TxVariant, number[]>> {
  const installation = await getInstallation(getDb());
  const stamp = Date.now();
  const variants: Record<TxVariant, ExhibitDB> = {
    all: new ExhibitDB(`exhibit-bench-tx-all-${stamp}`),
    tagMonthsOnly: new ExhibitDB(`exhibit-bench-tx-months-${stamp}`).unuse(SYNC_QUEUE).unuse(SUMMARIES),
    syncQueueOnly: new ExhibitDB(`exhibit-bench-tx-queue-${stamp}`).unuse(TAG_MONTHS).unuse(SUMMARIES),
    summariesOnly: new ExhibitDB(`exhibit-bench-tx-summaries-${stamp}`).unuse(TAG_MONTHS).unuse(SYNC_QUEUE),
    none: new ExhibitDB(`exhibit-bench-tx-none-${stamp}`).unuse(TAG_MONTHS).unuse(SYNC_QUEUE).unuse(SUMMARIES),
  };
  const samples: Record<TxVariant, number[]> = { all: [], tagMonthsOnly: [], syncQueueOnly: [], summariesOnly: [], none: [] };
  const seed: SeedOptions = { count: options.preload + options.runs * 2, images: 'realistic', controlIds: ['CC6.1', 'CC6.2', 'CC7.2', 'CC8.1'], start: '2026-01-01', months: 12 };
  const png = await syntheticPng(1280, 800, 0.012);
  const thumbnail = await makeThumbnail(png);
  try {
    for (const db of Object.values(variants)) {
      await db.keys.put(installation);
      await seedInto(db, { ...seed, images: 'light', count: options.preload });
    }
    for (let run = 0; run < options.runs; run++) {
      // Rotating the order spreads the machine's drift over every variant.
      const names = Object.keys(variants) as (keyof typeof variants)[];
      for (let k = 0; k < names.length; k++) {
        const name = names[(run + k) % names.length]!;
        const item = await seededItem(options.preload + run, seed, png, thumbnail, installation);
        const t0 = performance.now();
        await saveCaptures(variants[name], [item]);
        samples[name].push(performance.now() - t0);
      }
    }
    return samples;
  } finally {
    for (const db of Object.values(variants)) {
      db.close();
      await Dexie.delete(db.name);
    }
  }
}

async function timeListCaptures(filter: Record<string, unknown>, runs: number): Promise<{ samples: number[]; total: number }> {
  const db = getDb();
  const parsed = captureFilterSchema.parse(filter);
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    total = (await listCaptures(db, parsed)).total;
    samples.push(performance.now() - t0);
  }
  return { samples, total };
}

/**
 * Where a filter's time goes: the period; the matches' summary rows in one index read (what
 * listCaptures does for control + system); and the two-step path other filters and the grid take,
 * matching ids from indexes, then the page's summary rows by id.
 */
async function timeFilterStages(filter: Record<string, unknown>, runs: number): Promise<Record<'period' | 'rows' | 'ids' | 'byId', number[]>> {
  const db = getDb();
  const parsed = captureFilterSchema.parse(filter);
  const out = { period: [] as number[], rows: [] as number[], ids: [] as number[], byId: [] as number[] };
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await resolveRange(db, parsed);
    out.period.push(performance.now() - t);
    t = performance.now();
    await summariesByIndex(db, parsed);
    out.rows.push(performance.now() - t);
    t = performance.now();
    const ids = (await matchingIdsByIndex(db, parsed)) ?? [];
    out.ids.push(performance.now() - t);
    t = performance.now();
    await summariesOf(db, ids.slice(parsed.offset, parsed.offset + parsed.limit));
    out.byId.push(performance.now() - t);
  }
  return out;
}

/** The baseline: one index (the control's tags over all time), then period and system in JS. */
async function timeControlIndexThenFilter(filter: { controlId: string; from: string; to: string; system: string }, runs: number): Promise<{ samples: number[]; total: number }> {
  const db = getDb();
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const tags = await db.tags.where('[controlId+capturedAt+captureId]').between([filter.controlId, Dexie.minKey, Dexie.minKey], [filter.controlId, Dexie.maxKey, Dexie.maxKey]).toArray();
    const captures = await db.captures.bulkGet(tags.map((t) => t.captureId));
    total = captures.filter((c) => c && c.capturedAt >= filter.from && c.capturedAt < filter.to && c.context.system === filter.system).length;
    samples.push(performance.now() - t0);
  }
  return { samples, total };
}

async function storageUsage(): Promise<number> {
  return (await navigator.storage.estimate()).usage ?? 0;
}

async function clearAll(): Promise<void> {
  const db = getDb();
  await Promise.all(db.tables.filter((t) => !['keys', 'signers', 'controls', 'periods'].includes(t.name)).map((t) => t.clear()));
}

/**
 * The export's baseline: every blob of the captures in `range` (image, thumbnail, tables — what the
 * export reads), read from IndexedDB and hashed, `inFlight` captures at a time, in capture order.
 */
async function timeReadAndHash(range: { from: string; to: string; timeZone?: string }, inFlight = 1): Promise<{ ms: number; bytes: number; blobs: number; captures: number }> {
  const db = getDb();
  const t0 = performance.now();
  const { from, to } = periodBounds({ start: range.from, end: range.to, timeZone: range.timeZone ?? 'UTC' });
  const ids = (await db.captures.where('capturedAt').between(from, to, true, false).primaryKeys()) as string[];
  let bytes = 0;
  let blobs = 0;
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      for (const row of await db.blobs.where('captureId').equals(id).toArray()) {
        const data = new Uint8Array(await row.blob.arrayBuffer());
        await sha256Hex(data);
        bytes += data.length;
        blobs++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  return { ms: performance.now() - t0, bytes, blobs, captures: ids.length };
}

let keptBundle: Blob | null = null;

/**
 * The real export engine (plan, write the zip into a Blob as the offscreen document does, read
 * back and verify), timed by phase. `keep`: hold the zip for readKeptBundle.
 */
async function timeExport(selection: ExportSelection, keep = false) {
  const db = getDb();
  keptBundle = null;
  const signer = await getInstallation(db);
  const identity = { organization: 'Acme', exportedBy: { name: 'Bench Runner', email: 'bench@acme.example' }, signer, exhibitVersion: '0.1.0' };
  const t0 = performance.now();
  const plan = await planExport(db, selection, identity);
  const planned = performance.now();
  let checking = 0;
  let delivered: { fileName: string; blob: Blob }[] = [];
  const result = await runExport(db, plan, identity, blobSink(async (files) => (delivered = [...files])), {
    onProgress: (p) => {
      if (p.phase === 'checking' && !checking) checking = performance.now();
    },
  });
  const done = performance.now();
  if (keep) keptBundle = delivered[0]?.blob ?? null;
  const report = result.reports[0]!;
  return {
    planMs: planned - t0,
    writeMs: checking - t0,
    checkMs: done - checking,
    totalMs: done - t0,
    captures: result.captures,
    volumes: result.files.length,
    zipBytes: result.files.reduce((n, f) => n + f.bytes, 0),
    verified: result.reports.every((r) => r.ok),
    verifiedCaptures: result.reports.reduce((n, r) => n + r.captures, 0),
    verifiedFiles: report.files,
  };
}

/**
 * Where an export's time goes: planning; reading every capture's files as the export does (four
 * captures in flight, checksums included) and dropping them; the zip stream read and dropped; and
 * the zip stream into a Blob (what the export's sink does), without the read-back check.
 */
async function timeExportStages(selection: ExportSelection, options: { worker?: boolean } = {}) {
  const db = getDb();
  const signer = await getInstallation(db);
  const identity = { organization: 'Acme', exportedBy: null, signer, exhibitVersion: '0.1.0' };
  let t0 = performance.now();
  const plan = await planExport(db, selection, identity);
  const planMs = performance.now() - t0;
  const volume = plan.volumes[0]!;
  const checksums = options.worker === false ? inlineChecksums : await checksumService();
  t0 = performance.now();
  const load = libraryLoader(db, checksums);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < volume.captures.length) await load(volume.captures[next++]!);
    }),
  );
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  let drained = 0;
  const reader = volumeStream(load, plan, volume, identity).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) drained += r.value.length;
  const drainMs = performance.now() - t0;
  t0 = performance.now();
  const blob = await new Response(volumeStream(load, plan, volume, identity), { headers: { 'content-type': 'application/zip' } }).blob();
  const blobMs = performance.now() - t0;
  // The same stream into a file of the origin-private file system, as a folder sink writes.
  const dir = await navigator.storage.getDirectory();
  t0 = performance.now();
  const handle = await dir.getFileHandle('bench-export.zip', { create: true });
  await volumeStream(load, plan, volume, identity).pipeTo(await handle.createWritable());
  const opfsMs = performance.now() - t0;
  const opfsBytes = (await handle.getFile()).size;
  await dir.removeEntry('bench-export.zip');
  checksums.close();
  return { planMs, loadMs, drainMs, blobMs, opfsMs, zipBytes: drained, blobBytes: blob.size, opfsBytes, checksumsInWorker: checksums !== inlineChecksums };
}

/** Base64 of `length` bytes at `offset` of the zip timeExport kept (to copy it to the harness's disk). */
async function readKeptBundle(offset: number, length: number): Promise<{ size: number; base64: string }> {
  if (!keptBundle) throw new Error('No bundle kept: run timeExport(selection, true) first.');
  return { size: keptBundle.size, base64: base64Encode(new Uint8Array(await keptBundle.slice(offset, offset + length).arrayBuffer())) };
}

function dropKeptBundle(): void {
  keptBundle = null;
}

/**
 * Coverage for 200 controls × 12 months over 100,000 captures, in a database of its own.
 * Baseline: the naive way, one indexed count per control and month.
 */
async function timeCoverage(options: { controls: number; captures: number; runs: number }): Promise<{ samples: number[]; baseline: number[]; months: number }> {
  const name = `exhibit-bench-coverage-${Date.now()}`;
  const db = new ExhibitDB(name);
  try {
    const result = await benchCoverage({ db, controls: options.controls, captures: options.captures, runs: options.runs });
    const controls = await db.controls.toArray();
    const period = (await db.periods.toArray())[0]!;
    const baseline: number[] = [];
    for (let run = 0; run < Math.min(3, options.runs); run++) {
      const t0 = performance.now();
      for (const control of controls) {
        for (let m = 0; m < result.months; m++) {
          const start = new Date(`${period.start}T00:00:00Z`);
          const from = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m, 1)).toISOString();
          const to = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m + 1, 1)).toISOString();
          await db.tags.where('[controlId+capturedAt+captureId]').between([control.id, from, Dexie.minKey], [control.id, to, Dexie.minKey]).count();
        }
      }
      baseline.push(performance.now() - t0);
    }
    return { samples: result.runsMs, baseline, months: result.months };
  } finally {
    db.close();
    await Dexie.delete(name);
  }
}

Object.assign(globalThis, { exhibitBench: { seedCaptures, captureCount, timeFilterStages, useRealisticThumbnails, timeCaptureTransaction, timeListCaptures, timeControlIndexThenFilter, storageUsage, clearAll, timeCoverage, timeReadAndHash, timeExport, timeExportStages, readKeptBundle, dropKeptBundle } });
document.title = 'Exhibit benchmark harness (ready)';
