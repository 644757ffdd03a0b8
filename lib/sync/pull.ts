// Downloads what teammates uploaded. Nothing enters the library unchecked: sizes are limited
// before and while reading, every object is parsed with its zod schema, the signer's key must
// match its fingerprint (RFC 7638), the capture's signature and every file's SHA-256 must verify.
// An object that fails is quarantined with the reason and never imported; one that is merely
// incomplete (files still uploading, signer not there yet) is tried again at the next sync.
import { applyAnnotationEvents } from '../annotations';
import { canonicalJson, keyFingerprint, sha256Hex, verifyRecordSignature } from '../capture/signing';
import { IMAGE_NAME, saveCaptures, THUMBNAIL_NAME, type CaptureFile } from '../capture/store';
import {
  syncCaptureObjectSchema,
  syncEventsObjectSchema,
  syncSignerObjectSchema,
  type SignedCapture,
  type SyncCaptureObject,
  type SyncFile,
} from '../schema';
import type { z } from 'zod';
import { fileKey, LIMITS, parseKey, type ParsedKey } from './layout';
import { pool, type SyncContext } from './push';
import { S3Error, type ListedObject } from './s3';

/** An object that must not be imported: quarantined with `reason` and `message`. */
class Refused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** An object that cannot be imported yet; tried again at the next sync. */
class NotYet extends Error {}

async function quarantine(ctx: SyncContext, object: ListedObject, reason: string, message: string): Promise<void> {
  const at = new Date().toISOString();
  await ctx.db.transaction('rw', ctx.db.syncQuarantine, ctx.db.syncObjects, async () => {
    await ctx.db.syncQuarantine.put({ key: object.key, reason, message, bytes: object.size, at });
    await ctx.db.syncObjects.put({ key: object.key, state: 'quarantined', at });
  });
  ctx.stats.quarantined++;
}

function checkListedSize(object: ListedObject, limit: number, what: string): void {
  if (object.size > limit) {
    throw new Refused('too-large', `The bucket lists this ${what} at ${object.size} bytes, over the limit of ${limit} bytes; it was not downloaded.`);
  }
}

async function download(ctx: SyncContext, key: string, limit: number): Promise<Uint8Array> {
  try {
    return await ctx.client.get(key, limit);
  } catch (err) {
    if (err instanceof S3Error && err.kind === 'too-large') throw new Refused('too-large', err.message);
    if (err instanceof S3Error && err.kind === 'not-found') throw new NotYet(`${key} is not in the bucket (yet)`);
    throw err;
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new Refused('invalid-json', `Not valid JSON (${(err as Error).message}).`);
  }
}

function validate<S extends z.ZodType>(schema: S, raw: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Refused('invalid-schema', `Not a valid ${what}: ${issues.join('; ')}${parsed.error.issues.length > 5 ? ' …' : ''}.`);
  }
  // Signatures cover the JSON as written: a field this version does not know would be dropped by
  // parsing and the stored record would no longer verify.
  if (canonicalJson(parsed.data) !== canonicalJson(raw)) {
    throw new Refused('invalid-schema', `The ${what} has fields this version of Exhibit does not know; update Exhibit to import it.`);
  }
  return parsed.data;
}

async function importSigner(ctx: SyncContext, object: ListedObject, parsed: Extract<ParsedKey, { kind: 'signer' }>): Promise<void> {
  checkListedSize(object, LIMITS.signer, 'signer key');
  const signer = validate(syncSignerObjectSchema, parseJson(await download(ctx, object.key, LIMITS.signer)), 'signer key');
  const thumbprint = await keyFingerprint(signer.publicJwk);
  if (signer.fingerprint !== parsed.fingerprint || thumbprint !== parsed.fingerprint) {
    throw new Refused('signer', `The public key's fingerprint (RFC 7638 thumbprint ${thumbprint}) does not match the fingerprint it is filed under.`);
  }
  const { db } = ctx;
  await db.transaction('rw', db.signers, db.syncObjects, async () => {
    const known = await db.signers.get(signer.fingerprint);
    if (known && known.installationId !== signer.installationId) {
      throw new Refused('mismatch', `This key is already known here as installation ${known.installationId}, not ${signer.installationId}.`);
    }
    if (!known) await db.signers.add({ fingerprint: signer.fingerprint, publicJwk: signer.publicJwk, installationId: signer.installationId, name: '', email: '', firstSeenAt: new Date().toISOString() });
    await db.syncObjects.put({ key: object.key, state: 'imported', at: new Date().toISOString() });
  });
}

/** The files a capture must have, from its signed record (the thumbnail is the one unsigned file). */
function expectedFiles(capture: SignedCapture): Map<string, { sha256: string; bytes: number } | null> {
  const files = new Map<string, { sha256: string; bytes: number } | null>([
    [IMAGE_NAME, { sha256: capture.image.sha256, bytes: capture.image.bytes }],
    [THUMBNAIL_NAME, null],
  ]);
  for (const part of capture.parts ?? []) if (part.index > 1) files.set(part.name, { sha256: part.sha256, bytes: part.bytes });
  for (const table of capture.tables ?? []) files.set(table.name, { sha256: table.sha256, bytes: table.bytes });
  return files;
}

function checkFileList(manifest: SyncCaptureObject): void {
  const expected = expectedFiles(manifest.capture);
  const names = manifest.files.map((f) => f.name);
  if (new Set(names).size !== names.length) throw new Refused('mismatch', 'The file list names a file twice.');
  for (const f of manifest.files) {
    if (!expected.has(f.name)) throw new Refused('mismatch', `The file list has ${f.name}, which the signed record does not describe.`);
    const signed = expected.get(f.name);
    if (signed && (signed.sha256 !== f.sha256 || signed.bytes !== f.bytes)) {
      throw new Refused('mismatch', `The file list's hash or size of ${f.name} differs from the signed record's.`);
    }
    if (f.bytes > LIMITS.file) throw new Refused('too-large', `${f.name} is ${f.bytes} bytes, over the limit of ${LIMITS.file} bytes; it was not downloaded.`);
  }
  for (const name of expected.keys()) if (!names.includes(name)) throw new Refused('mismatch', `The file list lacks ${name}.`);
}

async function downloadFile(ctx: SyncContext, manifest: SyncCaptureObject, file: SyncFile): Promise<Uint8Array> {
  const { capture } = manifest;
  const bytes = await download(ctx, fileKey(ctx.target.prefix, capture.id, capture.image.sha256, file.name), file.bytes);
  const hash = await sha256Hex(bytes);
  if (bytes.length !== file.bytes || hash !== file.sha256) {
    throw new Refused(
      file.name === IMAGE_NAME ? 'image-hash' : 'file-hash',
      `${file.name} in the bucket does not match the ${file.name === THUMBNAIL_NAME ? 'file list' : 'signed record'}: SHA-256 ${hash} (${bytes.length} bytes), expected ${file.sha256} (${file.bytes} bytes). It was changed after it was captured.`,
    );
  }
  return bytes;
}

async function importCapture(ctx: SyncContext, object: ListedObject, parsed: Extract<ParsedKey, { kind: 'capture' }>): Promise<void> {
  const { db } = ctx;
  const existing = await db.captures.get(parsed.captureId);
  if (existing) {
    if (existing.image.sha256 !== parsed.imageSha256) {
      throw new Refused('mismatch', `A different capture with id ${parsed.captureId} (image ${existing.image.sha256.slice(0, 16)}…) is already in the library.`);
    }
    await db.syncObjects.put({ key: object.key, state: 'imported', at: new Date().toISOString() });
    return;
  }
  checkListedSize(object, LIMITS.manifest, 'capture record');
  const raw = parseJson(await download(ctx, object.key, LIMITS.manifest));
  const manifest = validate(syncCaptureObjectSchema, raw, 'capture record');
  const { capture } = manifest;
  if (capture.id !== parsed.captureId || capture.image.sha256 !== parsed.imageSha256) {
    throw new Refused('mismatch', `The record inside is capture ${capture.id} with image ${capture.image.sha256.slice(0, 16)}…, not the one its name says.`);
  }
  const thumbprint = await keyFingerprint(manifest.signerPublicKey);
  if (thumbprint !== capture.signingKeyFingerprint || capture.signature.keyFingerprint !== capture.signingKeyFingerprint) {
    throw new Refused('signer', `The enclosed public key (fingerprint ${thumbprint}) is not the key the capture names (${capture.signingKeyFingerprint}).`);
  }
  if (!(await verifyRecordSignature((raw as { capture: Record<string, unknown> }).capture, manifest.signerPublicKey))) {
    throw new Refused('signature', 'The capture record’s signature does not verify: the record was changed after it was signed.');
  }
  checkFileList(manifest);
  const contents = new Map<string, Uint8Array>();
  for (const file of manifest.files) contents.set(file.name, await downloadFile(ctx, manifest, file));
  const thumbnailFile = manifest.files.find((f) => f.name === THUMBNAIL_NAME)!;
  const files: CaptureFile[] = manifest.files
    .filter((f) => f.name !== IMAGE_NAME && f.name !== THUMBNAIL_NAME)
    .map((f) => ({ name: f.name, mediaType: f.mediaType, bytes: contents.get(f.name)! }));
  await db.transaction('rw', [db.captures, db.blobs, db.annotations, db.annotationState, db.tags, db.signers, db.syncObjects], async () => {
    // Events may have arrived before their capture: folding them again gives the capture its tags.
    const earlier = await db.annotations.where('captureId').equals(capture.id).toArray();
    await saveCaptures(db, [
      {
        capture,
        image: contents.get(IMAGE_NAME)!,
        thumbnail: new Blob([contents.get(THUMBNAIL_NAME)! as BlobPart], { type: thumbnailFile.mediaType }),
        events: earlier,
        files,
      },
    ]);
    const signer = await db.signers.get(capture.signingKeyFingerprint);
    if (!signer) {
      await db.signers.add({
        fingerprint: capture.signingKeyFingerprint,
        publicJwk: manifest.signerPublicKey,
        installationId: capture.installationId,
        name: capture.capturedBy.name,
        email: capture.capturedBy.email,
        firstSeenAt: new Date().toISOString(),
      });
    } else if (!signer.email) {
      await db.signers.update(signer.fingerprint, { name: capture.capturedBy.name, email: capture.capturedBy.email });
    }
    await db.syncObjects.put({ key: object.key, state: 'imported', at: new Date().toISOString() });
  });
  ctx.stats.importedCaptures++;
}

async function importEvents(ctx: SyncContext, object: ListedObject, parsed: Extract<ParsedKey, { kind: 'events' }>): Promise<void> {
  const { db } = ctx;
  checkListedSize(object, LIMITS.events, 'event batch');
  const raw = parseJson(await download(ctx, object.key, LIMITS.events));
  const batch = validate(syncEventsObjectSchema, raw, 'event batch');
  if (batch.installationId !== parsed.installationId || batch.events.some((e) => e.installationId !== batch.installationId)) {
    throw new Refused('mismatch', `The batch holds events of another installation than ${parsed.installationId}, the one it is filed under.`);
  }
  const ids = batch.events.map((e) => e.id).sort();
  if (ids[0] !== parsed.firstEventId || (await sha256Hex(ids.join(','))).slice(0, 16) !== parsed.idsHash) {
    throw new Refused('mismatch', 'The batch does not hold the events its name says.');
  }
  const signer = await db.signers.get(batch.signingKeyFingerprint);
  if (!signer) throw new NotYet(`the key ${batch.signingKeyFingerprint.slice(0, 16)}… that signed it is not in the bucket yet`);
  if (signer.installationId !== batch.installationId) {
    throw new Refused('signer', `The batch is signed with the key of installation ${signer.installationId}, not ${batch.installationId}.`);
  }
  if (batch.signature.keyFingerprint !== batch.signingKeyFingerprint || !(await verifyRecordSignature(raw as Record<string, unknown>, signer.publicJwk))) {
    throw new Refused('signature', 'The event batch’s signature does not verify: it was changed after it was signed.');
  }
  await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags, db.syncObjects], async () => {
    await applyAnnotationEvents(db, batch.events);
    await db.syncObjects.put({ key: object.key, state: 'imported', at: new Date().toISOString() });
  });
  ctx.stats.importedEvents += batch.events.length;
}

async function handle(ctx: SyncContext, object: ListedObject, parsed: ParsedKey): Promise<void> {
  try {
    if (parsed.kind === 'signer') await importSigner(ctx, object, parsed);
    else if (parsed.kind === 'capture') await importCapture(ctx, object, parsed);
    else await importEvents(ctx, object, parsed);
  } catch (err) {
    if (err instanceof Refused) await quarantine(ctx, object, err.reason, err.message);
    else if (err instanceof NotYet) ctx.wait(`${object.key}: ${err.message}`);
    else throw err;
  }
}

/** Lists the team's objects and imports every one this library has not dealt with yet. */
export async function pullAll(ctx: SyncContext): Promise<void> {
  const { client, db, target } = ctx;
  // Signers first, so captures and events find their keys; captures before the events that tag them.
  const listed = [
    ...(await client.listAll(`${target.prefix}signers/`)),
    ...(await client.listAll(`${target.prefix}captures/`, '/')),
    ...(await client.listAll(`${target.prefix}events/`)),
  ];
  const seen = await db.syncObjects.bulkGet(listed.map((o) => o.key));
  const todo = listed
    .map((object, i) => ({ object, parsed: seen[i] ? null : parseKey(target.prefix, object.key) }))
    .filter((t): t is { object: ListedObject; parsed: ParsedKey } => t.parsed !== null);
  let done = 0;
  ctx.progress(0, todo.length);
  for (const kind of ['signer', 'capture', 'events'] as const) {
    await pool(
      todo.filter((t) => t.parsed.kind === kind),
      ctx.concurrency,
      async ({ object, parsed }) => {
        await handle(ctx, object, parsed);
        ctx.progress(++done, todo.length);
      },
    );
  }
}
