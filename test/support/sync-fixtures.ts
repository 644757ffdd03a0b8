// Installations and signed captures made in Node for sync tests and the sync benchmark: real
// ECDSA P-256 keys, records signed over RFC 8785 JSON exactly as the extension signs them, real
// PNGs. A library in Node is an ExhibitDB on fake-indexeddb holding its own installation key.
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { monotonicFactory, ulid } from 'ulid';
import { applyAnnotationEvents, emptyAnnotation, eventsForChange } from '../../lib/annotations';
import { canonicalJson, generateSigningKey, sha256Hex, signRecord } from '../../lib/capture/signing';
import { saveCaptures, type CaptureToSave } from '../../lib/capture/store';
import type { ExhibitDB, InstallationKeyRow } from '../../lib/db';
import type { AnnotationEvent, CaptureRecord, Capturer, SignedCapture, SyncCaptureObject, SyncSignerObject } from '../../lib/schema';
import { fileKey, manifestKey, signerKey } from '../../lib/sync/layout';

const nextId = monotonicFactory();

/** A teammate's installation: an id and a real ECDSA P-256 key pair, as lib/installation.ts makes them. */
export async function newInstallation(who: Capturer): Promise<InstallationKeyRow & { capturer: Capturer }> {
  const key = await generateSigningKey();
  return {
    id: 'installation',
    installationId: ulid(),
    privateKey: key.privateKey,
    publicJwk: key.publicJwk,
    fingerprint: key.fingerprint,
    createdAt: new Date().toISOString(),
    capturer: who,
  };
}

/** A library's own installation, stored as the extension stores it. */
export async function makeInstallation(db: ExhibitDB, who: Capturer): Promise<InstallationKeyRow & { capturer: Capturer }> {
  const installation = await newInstallation(who);
  const { capturer: _who, ...row } = installation;
  await db.transaction('rw', db.keys, db.signers, async () => {
    await db.keys.put(row);
    await db.signers.put({ fingerprint: row.fingerprint, publicJwk: row.publicJwk, installationId: row.installationId, name: who.name, email: who.email, firstSeenAt: row.createdAt });
  });
  return installation;
}

/** A PNG of `width`×`height` noise: incompressible, so its size is about width·height·3 bytes. */
export function noisePng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 2 });
  png.data = randomBytes(width * height * 4);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
}

export interface CaptureOptions {
  title?: string;
  /** Side of the square noise image (default 96 → about 28 KB). */
  side?: number;
  image?: Uint8Array;
  /** Add a table CSV file, described in the signed record. */
  table?: string;
  capturedAt?: Date;
  /** Sign a record that claims this image size (a lie the receiving side must catch). */
  declaredImageBytes?: number;
}

export async function makeCapture(installation: InstallationKeyRow & { capturer: Capturer }, options: CaptureOptions = {}): Promise<CaptureToSave> {
  const side = options.side ?? 96;
  const image = options.image ?? noisePng(side, side);
  const capturedAt = options.capturedAt ?? new Date();
  const id = nextId(capturedAt.getTime());
  const table = options.table !== undefined ? new TextEncoder().encode(options.table) : undefined;
  const record: CaptureRecord = {
    schema: 'exhibit.capture/1',
    id,
    capturedAt: capturedAt.toISOString(),
    timeZone: 'Europe/Berlin',
    utcOffset: '+01:00',
    url: `https://acme.okta.com/admin/users?capture=${id}`,
    title: options.title ?? `People · Acme Identity Admin (${id.slice(-6)})`,
    capturedBy: installation.capturer,
    browser: { name: 'Chromium', version: '156' },
    extensionVersion: '0.1.0',
    viewport: { width: side, height: side },
    devicePixelRatio: 1,
    mode: 'visible',
    context: { system: 'Okta', host: 'acme.okta.com', consoleUser: installation.capturer.email },
    image: { mediaType: 'image/png', sha256: await sha256Hex(image), width: side, height: side, bytes: options.declaredImageBytes ?? image.length, bannerHeight: 0 },
    capturedPixelsSha256: await sha256Hex(image),
    ...(table
      ? { tables: [{ name: 'tables/1.csv', columns: ['User', 'Role'], rowCount: 2, virtualized: false, sha256: await sha256Hex(table), bytes: table.length }] }
      : {}),
    installationId: installation.installationId,
    signingKeyFingerprint: installation.fingerprint,
  };
  const capture: SignedCapture = { ...record, signature: { alg: 'ES256', keyFingerprint: installation.fingerprint, value: await signRecord(installation.privateKey, record) } };
  const thumbnail = new Blob([noisePng(16, 16) as BlobPart], { type: 'image/jpeg' });
  return { capture, image, thumbnail, events: [], ...(table ? { files: [{ name: 'tables/1.csv', mediaType: 'text/csv', bytes: table }] } : {}) };
}

/** Captures `count` signed captures into the library, as the capture pipeline stores them. */
export async function seedCaptures(db: ExhibitDB, installation: InstallationKeyRow & { capturer: Capturer }, count: number, options: CaptureOptions = {}): Promise<SignedCapture[]> {
  const items: CaptureToSave[] = [];
  for (let i = 0; i < count; i++) items.push(await makeCapture(installation, options));
  for (let i = 0; i < items.length; i += 50) await saveCaptures(db, items.slice(i, i + 50));
  return items.map((i) => i.capture);
}

/** Tags as the `annotate` message does: events by this installation's person, folded in one transaction. */
export async function tag(db: ExhibitDB, installation: InstallationKeyRow & { capturer: Capturer }, captureId: string, change: { controlIds?: string[]; note?: string }): Promise<AnnotationEvent[]> {
  return db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], async () => {
    const current = (await db.annotationState.get(captureId)) ?? emptyAnnotation(captureId);
    const events = eventsForChange(current, change, installation.capturer, installation.installationId);
    await applyAnnotationEvents(db, events);
    return events;
  });
}

export interface BucketObject {
  key: string;
  body: Uint8Array;
  contentType: string;
}

/**
 * The objects a teammate's Exhibit puts in the bucket for one capture (docs/sync.md): its signer
 * key, its files and, last, its record. `tamper` changes them on the way, as someone with write
 * access to the bucket could.
 */
export async function bucketObjectsFor(
  item: CaptureToSave,
  installation: InstallationKeyRow,
  prefix: string,
  tamper: { title?: string; image?: Uint8Array } = {},
): Promise<BucketObject[]> {
  const { capture } = item;
  const thumbnail = new Uint8Array(await item.thumbnail.arrayBuffer());
  const files = [
    { name: 'image.png', mediaType: 'image/png', bytes: item.image },
    { name: 'thumbnail.jpg', mediaType: 'image/jpeg', bytes: thumbnail },
    ...(item.files ?? []),
  ];
  const signer: SyncSignerObject = { schema: 'exhibit.signer/1', installationId: installation.installationId, fingerprint: installation.fingerprint, publicJwk: installation.publicJwk, createdAt: installation.createdAt };
  const manifest: SyncCaptureObject = {
    schema: 'exhibit.sync.capture/1',
    capture: tamper.title ? { ...capture, title: tamper.title } : capture,
    signerPublicKey: installation.publicJwk,
    files: await Promise.all(files.map(async (f) => ({ name: f.name, mediaType: f.mediaType, sha256: await sha256Hex(f.bytes), bytes: f.bytes.length }))),
  };
  const json = (v: unknown) => new TextEncoder().encode(canonicalJson(v));
  return [
    { key: signerKey(prefix, installation.fingerprint), body: json(signer), contentType: 'application/json' },
    ...files.map((f) => ({
      key: fileKey(prefix, capture.id, capture.image.sha256, f.name),
      body: f.name === 'image.png' && tamper.image ? tamper.image : f.bytes,
      contentType: f.mediaType,
    })),
    { key: manifestKey(prefix, capture.id, capture.image.sha256), body: json(manifest), contentType: 'application/json' },
  ];
}
