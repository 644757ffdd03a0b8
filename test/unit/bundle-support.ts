// Shared by the bundle tests: a library seeded through the real evidence and storage code, an
// export of it as zip bytes, and a zip re-packer for tampering.
import JSZip from 'jszip';
import { eventsForChange, emptyAnnotation, applyAnnotationEvents } from '@/lib/annotations';
import { buildEvidence } from '@/lib/capture/evidence';
import { encodePngRgba } from '@/lib/capture/png';
import { saveCapture } from '@/lib/capture/store';
import { ExhibitDB } from '@/lib/db';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
import { blobSink, planExport, runExport, type ExportIdentity, type ExportSelection } from '@/lib/bundle/export';

let n = 0;
export const capturer = { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' };
export const HOSTILE_TITLE = '<img src=x onerror="document.title=\'pwned\'"><script>alert(1)</script> \u202Eevil\u202C =cmd|\' /C calc\'!A0 Users';

export async function freshDb(): Promise<ExhibitDB> {
  resetInstallationCache();
  const db = new ExhibitDB(`bundle-${process.pid}-${n++}`);
  await db.open();
  return db;
}

export interface SeedOptions {
  capturedAt: string;
  url: string;
  title?: string;
  controlIds?: string[];
  note?: string;
  system?: string;
  tables?: string[];
  timeZone?: string;
  color?: number;
  /** A full-page capture saved in this many parts (each a differently coloured PNG), as the capture pipeline stores them. */
  parts?: number;
}

/** Stores a capture through the same evidence and transaction code as the real pipeline. */
export async function seedCapture(db: ExhibitDB, opts: SeedOptions) {
  const installation = await getInstallation(db);
  const host = new URL(opts.url).hostname;
  const partCount = opts.parts ?? 1;
  const evidence = await buildEvidence(
    {
      png: encodePngRgba(new Uint8Array(8 * 6 * 4).fill(opts.color ?? 200), 8, 6),
      capturedAt: new Date(opts.capturedAt),
      url: opts.url,
      title: opts.title ?? 'Users',
      viewport: { width: 8, height: 6 },
      devicePixelRatio: 1,
      mode: partCount > 1 ? 'full-page' : 'visible',
      context: { system: opts.system ?? host, host, consoleUser: 'it-admin@acme.example' },
      ...(partCount > 1
        ? {
            moreParts: Array.from({ length: partCount - 1 }, (_, i) => encodePngRgba(new Uint8Array(8 * 6 * 4).fill(40 + 50 * i), 8, 6)),
            partTops: Array.from({ length: partCount }, (_, i) => i * 6),
            fullPage: { container: 'document' as const, tiles: partCount, contentHeight: partCount * 6, truncated: false, changedDuringCapture: false },
          }
        : {}),
    },
    {
      timeZone: opts.timeZone ?? 'Europe/Berlin',
      capturer,
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: installation,
      renderBanner: (_lines, width) => ({ rgba: new Uint8Array(width * 4 * 4).fill(20), height: 4 }),
      makeThumbnail: async () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    },
  );
  const events = eventsForChange(emptyAnnotation(evidence.capture.id), { controlIds: opts.controlIds ?? [], note: opts.note ?? '' }, capturer, installation.installationId, new Date(opts.capturedAt));
  await saveCapture(db, evidence.capture, evidence.image, evidence.thumbnail, events, evidence.partFiles);
  if (opts.tables?.length) {
    await db.blobs.bulkAdd(opts.tables.map((csv, i) => ({ captureId: evidence.capture.id, name: `tables/${i + 1}.csv`, mediaType: 'text/csv', bytes: csv.length, blob: new Blob([csv], { type: 'text/csv' }) })));
  }
  return evidence.capture;
}

/** Changes a capture's tags later, as a second person would. */
export async function retag(db: ExhibitDB, captureId: string, controlIds: string[], at: string) {
  const installation = await getInstallation(db);
  const current = (await db.annotationState.get(captureId)) ?? emptyAnnotation(captureId);
  const events = eventsForChange(current, { controlIds }, { name: 'Bob Reviewer', email: 'bob@acme.example', team: '' }, installation.installationId, new Date(at));
  await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, events));
}

export async function identityFor(db: ExhibitDB, organization = 'Acme Corp'): Promise<ExportIdentity> {
  return { organization, exportedBy: { name: capturer.name, email: capturer.email }, signer: await getInstallation(db), exhibitVersion: '0.1.0' };
}

/** Runs a whole export (plan, write, read back, verify) and returns each volume's bytes. */
export async function exportZips(db: ExhibitDB, selection: ExportSelection, options: { maxVolumeBytes?: number; organization?: string; now?: Date } = {}) {
  const identity = await identityFor(db, options.organization);
  const plan = await planExport(db, selection, identity, { maxVolumeBytes: options.maxVolumeBytes, now: options.now });
  const delivered: { fileName: string; blob: Blob }[] = [];
  const result = await runExport(db, plan, identity, blobSink(async (files) => delivered.push(...files)));
  const zips = await Promise.all(delivered.map(async (d) => ({ fileName: d.fileName, bytes: new Uint8Array(await d.blob.arrayBuffer()) })));
  return { plan, result, zips, identity };
}

export async function seedLibrary(db: ExhibitDB) {
  await db.controls.put({ id: 'AC-01', title: 'Quarterly access review', description: 'Review every user of in-scope systems', owner: 'ciso@acme.example', cadence: 'quarterly', criteria: ['CC6.2'] });
  const a = await seedCapture(db, { capturedAt: '2026-01-15T10:00:00.000Z', url: 'https://acme.okta.com/admin/users', title: 'People · Okta', system: 'Okta', controlIds: ['CC6.2', 'AC-01'], note: 'Q1 review', tables: ['Name,Email\r\n=HYPERLINK("x"),ada@acme.example\r\n'] });
  const b = await seedCapture(db, { capturedAt: '2026-02-03T08:30:00.000Z', url: 'https://github.com/acme/app/settings/branches', title: HOSTILE_TITLE, system: 'GitHub', controlIds: ['CC8.1'], color: 90 });
  const c = await seedCapture(db, { capturedAt: '2026-02-20T12:00:00.000Z', url: 'https://console.aws.amazon.com/backup', title: 'Backup plans', system: 'AWS', color: 30 });
  const outside = await seedCapture(db, { capturedAt: '2025-12-31T22:59:59.000Z', url: 'https://acme.okta.com/admin/users', title: 'Old', system: 'Okta', controlIds: ['CC6.2'] });
  return { a, b, c, outside };
}

/** The entries of a zip, by name (directories left out). */
export async function unzipAll(bytes: Uint8Array): Promise<Map<string, Uint8Array>> {
  const zip = await JSZip.loadAsync(bytes);
  const out = new Map<string, Uint8Array>();
  for (const [name, file] of Object.entries(zip.files)) if (!file.dir) out.set(name, await file.async('uint8array'));
  return out;
}

/** A new zip from entries, in order (JSZip, stored). */
export async function rezip(entries: Map<string, Uint8Array>): Promise<Uint8Array> {
  const zip = new JSZip();
  for (const [name, bytes] of entries) zip.file(name, bytes, { binary: true });
  return zip.generateAsync({ type: 'uint8array', compression: 'STORE' });
}

export const text = (b: Uint8Array) => new TextDecoder().decode(b);
export const bytes = (s: string) => new TextEncoder().encode(s);
