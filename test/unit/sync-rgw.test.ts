// The sync engine against a real Ceph RGW on 127.0.0.1 (test/support/rgw.ts), with libraries in
// Node (Dexie on fake-indexeddb): upload, pull, verification, quarantine, resume, retries, Object
// Lock and the words of every failure. No fake S3: the server checks signatures, payload hashes,
// Content-MD5, If-None-Match and Object Lock itself.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from '@/lib/capture/signing';
import { ExhibitDB, type InstallationKeyRow } from '@/lib/db';
import type { ExhibitError } from '@/lib/errors';
import type { Capturer, SyncTarget } from '@/lib/schema';
import { syncTargetSchema } from '@/lib/schema';
import { testConnection } from '@/lib/sync/connection';
import { clientFor, runSync, type RunOptions, type SyncConfig } from '@/lib/sync/engine';
import { fileKey, LIMITS, manifestKey } from '@/lib/sync/layout';
import { S3Error } from '@/lib/sync/s3';
import { startRgw, type RgwServer } from '../support/rgw';
import { makeCapture, makeInstallation, seedCaptures, tag } from '../support/sync-fixtures';

type Installation = InstallationKeyRow & { capturer: Capturer };

vi.setConfig({ testTimeout: 60_000 });

let rgw: RgwServer;
let bucketNo = 0;
const FAST_RETRY = { attempts: 3, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 10_000 };

beforeAll(async () => {
  rgw = await startRgw();
}, 120_000);

afterAll(async () => {
  await rgw?.stop();
}, 60_000);

interface Library {
  db: ExhibitDB;
  me: Installation;
  config: SyncConfig;
  sync(options?: RunOptions): ReturnType<typeof runSync>;
}

let libraries: ExhibitDB[] = [];
beforeEach(async () => {
  await Promise.all(libraries.map((db) => db.delete()));
  libraries = [];
});

async function newBucket(objectLock = false): Promise<string> {
  const name = `unit-${process.pid}-${++bucketNo}${objectLock ? '-lock' : ''}`;
  await rgw.createBucket(name, { objectLock });
  return name;
}

function targetFor(bucket: string, extra: Partial<SyncTarget> = {}): SyncTarget {
  return syncTargetSchema.parse({ endpoint: rgw.endpoint, region: rgw.region, bucket, prefix: 'team/', accessKeyId: rgw.accessKeyId, ...extra });
}

async function library(name: string, who: Capturer, bucket: string, extra: Partial<SyncTarget> = {}): Promise<Library> {
  const db = new ExhibitDB(`sync-${name}-${bucketNo}-${Math.random()}`);
  libraries.push(db);
  const me = await makeInstallation(db, who);
  const config: SyncConfig = { target: targetFor(bucket, extra), secretAccessKey: rgw.secretAccessKey };
  return { db, me, config, sync: (options = {}) => runSync(db, config, { retry: FAST_RETRY, installation: me, ...options }) };
}

const ADA = { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' };
const EVE = { name: 'Eve Engineer', email: 'eve@acme.example', team: 'Engineering' };

async function snapshot(db: ExhibitDB) {
  const captures = (await db.captures.toArray()).sort((a, b) => (a.id < b.id ? -1 : 1));
  const states = (await db.annotationState.toArray()).sort((a, b) => (a.captureId < b.captureId ? -1 : 1));
  const blobs = (await db.blobs.toArray()).map((b) => `${b.captureId}/${b.name}:${b.bytes}`).sort();
  return { captures, states, blobs };
}

describe('two installations through a real RGW', () => {
  it('upload, pull and tag concurrently, and end with identical libraries', async () => {
    const bucket = await newBucket();
    const a = await library('a', ADA, bucket);
    const b = await library('b', EVE, bucket);
    const [a1, a2] = await seedCaptures(a.db, a.me, 2);
    const withTable = await makeCapture(a.me, { table: 'User,Role\nada,admin\neve,engineer\n' });
    const { saveCaptures } = await import('@/lib/capture/store');
    await saveCaptures(a.db, [withTable]);
    const [b1] = await seedCaptures(b.db, b.me, 1);
    await tag(a.db, a.me, a1!.id, { controlIds: ['CC6.2'], note: 'Q4 access review' });

    const first = await a.sync();
    expect(first).toMatchObject({ uploadedCaptures: 3, uploadedEventObjects: 1, alreadyPresent: 0, importedCaptures: 0 });
    const keys = (await rgw.listKeys(bucket)).map((o) => o.key);
    expect(keys).toContain(manifestKey('team/', a1!.id, a1!.image.sha256));
    expect(keys).toContain(fileKey('team/', withTable.capture.id, withTable.capture.image.sha256, 'tables/1.csv'));
    expect(keys).toContain(`team/signers/${a.me.fingerprint}.json`);

    const pulledByB = await b.sync();
    expect(pulledByB).toMatchObject({ uploadedCaptures: 1, importedCaptures: 3, importedEvents: 2, quarantined: 0 });
    expect((await b.db.annotationState.get(a1!.id))!.controlIds).toEqual(['CC6.2']);
    // The table travelled with its capture and still hashes to the signed record.
    expect((await b.db.blobs.get([withTable.capture.id, 'tables/1.csv']))!.bytes).toBe(withTable.files![0]!.bytes.length);

    expect(await a.sync()).toMatchObject({ importedCaptures: 1 });
    // Both tag the same capture at once, before either syncs: nothing is lost.
    await Promise.all([tag(a.db, a.me, b1!.id, { controlIds: ['CC7.2'] }), tag(b.db, b.me, b1!.id, { controlIds: ['CC6.1'] })]);
    await tag(b.db, b.me, a2!.id, { note: 'Checked by Eve' });
    await a.sync();
    await b.sync();
    await a.sync();
    const [sa, sb] = [await snapshot(a.db), await snapshot(b.db)];
    expect(sa).toEqual(sb);
    expect(sa.captures).toHaveLength(4);
    expect(sa.states.find((s) => s.captureId === b1!.id)!.controlIds).toEqual(['CC6.1', 'CC7.2']);
    expect(sa.states.find((s) => s.captureId === a2!.id)!.note).toBe('Checked by Eve');
    // Who captured: the pulled capture names its person, and the team's keys are known.
    expect((await a.db.captures.get(b1!.id))!.capturedBy.email).toBe('eve@acme.example');
    expect((await a.db.signers.get(b.me.fingerprint))!.email).toBe('eve@acme.example');

    // Nothing left to do: a further sync sends and fetches nothing.
    expect(await a.sync()).toMatchObject({ uploadedCaptures: 0, uploadedEventObjects: 0, uploadedBytes: 0, alreadyPresent: 0, importedCaptures: 0, importedEvents: 0 });
    expect(await a.db.syncQueue.count()).toBe(0);
  });

  it('a sync cut off mid-upload resumes without sending anything twice or duplicating', async () => {
    const bucket = await newBucket();
    const a = await library('resume', ADA, bucket);
    await seedCaptures(a.db, a.me, 6);
    let puts = 0;
    // The 8th upload reaches the server, but its answer is lost: the connection drops.
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'PUT' && ++puts >= 8) throw new TypeError('network connection lost');
      return res;
    };
    const failure = await a.sync({ fetch: flaky, concurrency: 1, retry: { ...FAST_RETRY, attempts: 1 } }).catch((e: ExhibitError) => e);
    expect((failure as ExhibitError).code).toBe('sync-failed');
    expect((failure as ExhibitError).message).toMatch(/Could not reach the storage server.*Nothing was lost: \d captures? and 0 annotation changes wait/);
    const queuedAfterFailure = await a.db.syncQueue.count();
    expect(queuedAfterFailure).toBeGreaterThan(0);
    expect(queuedAfterFailure).toBeLessThan(6);

    const resumed = await a.sync();
    // Only the object whose answer was lost is sent again, and the bucket refuses it as present.
    expect(resumed.alreadyPresent).toBe(1);
    expect(await a.db.syncQueue.count()).toBe(0);
    const keys = (await rgw.listKeys(bucket)).map((o) => o.key);
    expect(keys.filter((k) => /captures\/[^/]+\.json$/.test(k))).toHaveLength(6);
    expect(keys.filter((k) => k.endsWith('/image.png'))).toHaveLength(6);
    expect(keys).toHaveLength(6 * 3 + 1);
  });

  it('retries 503 and 429 with backoff, then succeeds', async () => {
    const bucket = await newBucket();
    const a = await library('retry', ADA, bucket);
    await seedCaptures(a.db, a.me, 1);
    let calls = 0;
    const overloaded: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response('<Error><Code>SlowDown</Code></Error>', { status: 503 });
      if (calls === 2) return new Response('', { status: 429, headers: { 'retry-after': '0' } });
      return fetch(input, init);
    };
    const stats = await a.sync({ fetch: overloaded, concurrency: 1 });
    expect(stats.uploadedCaptures).toBe(1);
    expect(calls).toBeGreaterThan(2);
  });
});

describe('downloads are verified before they enter the library', () => {
  it('quarantines tampered, malformed, oversized and inconsistent objects and imports only the good', async () => {
    const bucket = await newBucket();
    const b = await library('b', EVE, bucket);
    const [good, tampered, badImage] = await seedCaptures(b.db, b.me, 3);
    await b.sync();
    const a = await library('a', ADA, bucket);
    const put = (key: string, body: string | Uint8Array) => rgw.putObject(bucket, key, body, 'application/json');
    // The record's title changed after signing.
    const manifest = JSON.parse(new TextDecoder().decode(await rgw.getObject(bucket, manifestKey('team/', tampered!.id, tampered!.image.sha256))));
    manifest.capture.title = 'Nothing to see here';
    await put(manifestKey('team/', tampered!.id, tampered!.image.sha256), canonicalJson(manifest));
    // The image replaced by other bytes.
    await put(fileKey('team/', badImage!.id, badImage!.image.sha256, 'image.png'), new Uint8Array(badImage!.image.bytes).fill(7));
    // Not JSON, too large, wrong shape, a record filed under another capture's name.
    const other = await makeCapture(b.me);
    await put(`team/captures/01JD0000000000000000000000-${'a'.repeat(64)}.json`, '{"schema": "exhibit.sync.capture/1", ');
    await put(`team/captures/01JD0000000000000000000001-${'b'.repeat(64)}.json`, new Uint8Array(LIMITS.manifest + 1).fill(32));
    await put(`team/captures/01JD0000000000000000000002-${'c'.repeat(64)}.json`, JSON.stringify({ schema: 'exhibit.sync.capture/1', capture: { id: 'x' } }));
    await put(manifestKey('team/', other.capture.id, 'd'.repeat(64)), canonicalJson({ ...manifest, capture: other.capture }));
    await put(`team/signers/${'e'.repeat(64)}.json`, JSON.stringify({ schema: 'exhibit.signer/1', installationId: 'X', fingerprint: 'e'.repeat(64), publicJwk: manifest.signerPublicKey, createdAt: '2026-01-01T00:00:00.000Z' }));

    const stats = await a.sync();
    expect(stats.importedCaptures).toBe(1);
    expect((await a.db.captures.toArray()).map((c) => c.id)).toEqual([good!.id]);
    const reasons = Object.fromEntries((await a.db.syncQuarantine.toArray()).map((q) => [q.key.replace('team/', ''), q.reason]));
    expect(reasons).toEqual({
      [`captures/${tampered!.id}-${tampered!.image.sha256}.json`]: 'signature',
      [`captures/${badImage!.id}-${badImage!.image.sha256}.json`]: 'image-hash',
      [`captures/01JD0000000000000000000000-${'a'.repeat(64)}.json`]: 'invalid-json',
      [`captures/01JD0000000000000000000001-${'b'.repeat(64)}.json`]: 'too-large',
      [`captures/01JD0000000000000000000002-${'c'.repeat(64)}.json`]: 'invalid-schema',
      [`captures/${other.capture.id}-${'d'.repeat(64)}.json`]: 'mismatch',
      [`signers/${'e'.repeat(64)}.json`]: 'signer',
    });
    const messages = (await a.db.syncQuarantine.toArray()).map((q) => q.message).join('\n');
    expect(messages).toMatch(/signature does not verify/);
    expect(messages).toMatch(/image\.png in the bucket does not match the signed record/);
    expect(messages).toMatch(/over the limit of 1048576 bytes; it was not downloaded/);
    // Nothing unverified was stored, not even blobs.
    expect((await a.db.blobs.toArray()).every((blob) => blob.captureId === good!.id)).toBe(true);

    // Quarantined objects are not fetched again at every sync.
    let gets = 0;
    const counting: typeof fetch = (input, init) => {
      if ((init?.method ?? 'GET') === 'GET' && !String(input).includes('list-type')) gets++;
      return fetch(input, init);
    };
    expect(await a.sync({ fetch: counting })).toMatchObject({ quarantined: 0, importedCaptures: 0 });
    expect(gets).toBe(0);
  });

  it('refuses a body larger than its limit while reading, whatever the listing says', async () => {
    const bucket = await newBucket();
    const a = await library('limit', ADA, bucket);
    await rgw.putObject(bucket, 'big.bin', new Uint8Array(300_000));
    const client = clientFor(a.config, FAST_RETRY);
    await expect(client.get('big.bin', 100_000)).rejects.toMatchObject({ kind: 'too-large' });
    expect((await client.get('big.bin', 300_000)).length).toBe(300_000);
  });

  it('verifies event batches: a forged batch is quarantined, a batch whose signer is unknown waits', async () => {
    const bucket = await newBucket();
    const b = await library('b', EVE, bucket);
    const [capture] = await seedCaptures(b.db, b.me, 1);
    await tag(b.db, b.me, capture!.id, { controlIds: ['CC6.1'] });
    await b.sync();
    const batchKey = (await rgw.listKeys(bucket, 'team/events/')).map((o) => o.key)[0]!;
    const batch = JSON.parse(new TextDecoder().decode(await rgw.getObject(bucket, batchKey)));
    batch.events[0].controlIds = ['CC9.9'];
    await rgw.putObject(bucket, batchKey, canonicalJson(batch), 'application/json');
    const a = await library('a', ADA, bucket);
    await a.sync();
    expect((await a.db.syncQuarantine.get(batchKey))!.reason).toBe('signature');
    expect((await a.db.annotationState.get(capture!.id))!.controlIds).toEqual([]);
  });
});

describe('failures a person can fix, in words, with nothing lost', () => {
  it('wrong secret: one request, no retry, a clear message, the queue kept', async () => {
    const bucket = await newBucket();
    const a = await library('secret', ADA, bucket);
    await seedCaptures(a.db, a.me, 2);
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const err = (await runSync(a.db, { ...a.config, secretAccessKey: 'not-the-secret-0000000000' }, { installation: a.me, fetch: counting }).catch((e) => e)) as ExhibitError;
    expect(err.code).toBe('sync-failed');
    expect(err.message).toMatch(/secret access key does not belong to access key EXHIBITTESTACCESSKEY/);
    expect(err.message).toMatch(/Nothing was lost: 2 captures and 0 annotation changes wait to be uploaded/);
    expect(calls).toBe(1);
    expect(await a.db.captures.count()).toBe(2);
    expect(await a.sync()).toMatchObject({ uploadedCaptures: 2 });
  });

  it('explains clock skew, a missing bucket, an unknown key and retention without Object Lock', async () => {
    const bucket = await newBucket();
    const base = { target: targetFor(bucket), secretAccessKey: rgw.secretAccessKey };
    const body = new TextEncoder().encode('x');
    const skewed = clientFor({ ...base, clockOffsetMs: 20 * 60_000 }, FAST_RETRY);
    const skew = (await skewed.putIfAbsent('team/x', body, 'text/plain').catch((e) => e)) as S3Error;
    expect(skew.kind).toBe('clock-skew');
    expect(skew.message).toMatch(/This computer's clock is 20 minutes ahead of the storage server's/);
    const behind = (await clientFor({ ...base, clockOffsetMs: -3 * 3600_000 }, FAST_RETRY).putIfAbsent('team/x', body, 'text/plain').catch((e) => e)) as S3Error;
    expect(behind.message).toMatch(/is 3 hours behind the storage server's/);
    const missing = (await clientFor({ ...base, target: targetFor('no-such-bucket-here') }, FAST_RETRY).putIfAbsent('team/x', body, 'text/plain').catch((e) => e)) as S3Error;
    expect(missing.kind).toBe('no-bucket');
    expect(missing.message).toContain('There is no bucket "no-such-bucket-here"');
    const unknown = (await clientFor({ ...base, target: targetFor(bucket, { accessKeyId: 'AKIANOBODY' }) }, FAST_RETRY).get('team/x', 10).catch((e) => e)) as S3Error;
    expect(unknown.kind).toBe('unknown-access-key');
    const locked = (await clientFor(base, FAST_RETRY).putIfAbsent('team/y', body, 'text/plain', { mode: 'COMPLIANCE', until: new Date(Date.now() + 86_400_000) }).catch((e) => e)) as S3Error;
    expect(locked.kind).toBe('object-lock');
    expect(locked.message).toMatch(/Object Lock is not enabled/);
  });

  it('stops at a server that is down, and resumes when it is back', async () => {
    const bucket = await newBucket();
    const a = await library('down', ADA, bucket);
    await seedCaptures(a.db, a.me, 2);
    await rgw.stopGateway('SIGKILL');
    try {
      const err = (await a.sync().catch((e) => e)) as ExhibitError;
      expect(err.message).toMatch(/Could not reach the storage server at http:\/\/127\.0\.0\.1:\d+/);
      expect(await a.db.syncQueue.count()).toBe(2);
    } finally {
      await rgw.startGateway();
    }
    expect(await a.sync()).toMatchObject({ uploadedCaptures: 2 });
  });
});

describe('Object Lock', () => {
  it('uploads carry the retention period, and locked evidence cannot be deleted', async () => {
    const bucket = await newBucket(true);
    const a = await library('lock', ADA, bucket, { retentionDays: 2, retentionMode: 'COMPLIANCE' });
    const [capture] = await seedCaptures(a.db, a.me, 1);
    await a.sync();
    const key = manifestKey('team/', capture!.id, capture!.image.sha256);
    const head = await rgw.request('HEAD', `/${bucket}/${key}`);
    expect(head.headers.get('x-amz-object-lock-mode')).toBe('COMPLIANCE');
    const until = Date.parse(head.headers.get('x-amz-object-lock-retain-until-date')!);
    expect(until - Date.now()).toBeGreaterThan(1.9 * 86_400_000);
    const versionId = head.headers.get('x-amz-version-id')!;
    const del = await rgw.request('DELETE', `/${bucket}/${key}?versionId=${encodeURIComponent(versionId)}`);
    expect(del.status).toBe(403);
  });
});

describe('Test connection', () => {
  it('checks write, read, list and delete, and explains failures step by step', async () => {
    const bucket = await newBucket();
    const lockBucket = await newBucket(true);
    const config: SyncConfig = { target: targetFor(bucket), secretAccessKey: rgw.secretAccessKey };
    const ok = await testConnection(clientFor(config, FAST_RETRY), config.target, 'INSTALLATION');
    expect(ok.ok).toBe(true);
    expect(ok.steps.map((s) => `${s.step}:${s.ok}`)).toEqual(['write:true', 'read:true', 'list:true', 'delete:true']);
    expect(ok.objectLock).toBe(false);
    expect(await rgw.listKeys(bucket)).toEqual([]);

    const wrong = await testConnection(clientFor({ ...config, secretAccessKey: 'wrong-wrong-wrong-wrong' }, FAST_RETRY), config.target, 'INSTALLATION');
    expect(wrong.ok).toBe(false);
    expect(wrong.steps[0]).toMatchObject({ step: 'write', ok: false, kind: 'wrong-secret' });
    expect(wrong.message).toMatch(/secret access key does not belong/);

    const wantsLock = { ...config, target: targetFor(bucket, { retentionDays: 30 }) };
    const noLock = await testConnection(clientFor(wantsLock, FAST_RETRY), wantsLock.target, 'INSTALLATION');
    expect(noLock.ok).toBe(false);
    expect(noLock.steps.at(-1)).toMatchObject({ step: 'object-lock', ok: false });

    const withLock = { ...config, target: targetFor(lockBucket, { retentionDays: 30 }) };
    const locked = await testConnection(clientFor(withLock, FAST_RETRY), withLock.target, 'INSTALLATION');
    expect(locked).toMatchObject({ ok: true, objectLock: true });
  });
});
