// Team sync end to end: real Chromium with the extension (one or two profiles), a real Ceph RGW on
// 127.0.0.1 started once for these tests (test/support/rgw.ts), real captures of a fixture page.
// No fake S3 anywhere: the server verifies every signature, payload hash, Content-MD5,
// If-None-Match and Object Lock itself.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { launchWithExtension, type LaunchedExtension } from '../support/launcher';
import { startRgw, type RgwServer } from '../support/rgw';
import { bucketObjectsFor, makeCapture, newInstallation } from '../support/sync-fixtures';
import { test as base, expect } from './fixtures';
import { ExhibitApi } from './pages/api';
import { SyncApi, SyncPageObject } from './pages/sync';

const test = base.extend<{ sync: SyncApi }, { rgw: RgwServer }>({
  rgw: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startRgw();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 120_000 },
  ],
  sync: async ({ api, rgw }, use) => {
    await use(new SyncApi(api, rgw));
  },
});

const ADA = { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' };
const EVE = { name: 'Eve Engineer', email: 'eve@acme.example', team: 'Engineering' };
let buckets = 0;

async function newBucket(rgw: RgwServer, objectLock = false): Promise<string> {
  const name = `e2e-${process.pid}-${++buckets}${objectLock ? '-lock' : ''}`;
  await rgw.createBucket(name, { objectLock });
  return name;
}

/** Captures the fixture page `count` times in this browser (paced by Chromium's quota). */
async function captureSome(exhibit: LaunchedExtension, api: ExhibitApi, url: string, count: number): Promise<{ id: string; title: string }[]> {
  const page = await exhibit.context.newPage();
  await page.goto(url);
  const tabId = await api.tabIdOf(page);
  const out = [];
  for (let i = 0; i < count; i++) out.push(await api.call<{ id: string; title: string }>({ type: 'capture', tabId, mode: 'visible' }));
  await page.close();
  return out;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test.describe('team sync through a real Ceph RGW', () => {
  test('two people capture and tag concurrently, sync, and end with identical libraries', async ({ rgw, fixtures }) => {
    test.setTimeout(120_000);
    const bucket = await newBucket(rgw, true);
    const [a, b] = await Promise.all([launchWithExtension(), launchWithExtension()]);
    try {
      const [apiA, apiB] = await Promise.all([ExhibitApi.open(a), ExhibitApi.open(b)]);
      await apiA.setCapturer(ADA);
      await apiB.setCapturer(EVE);
      const [syncA, syncB] = [new SyncApi(apiA, rgw), new SyncApi(apiB, rgw)];
      for (const s of [syncA, syncB]) expect((await s.configure({ bucket, retentionDays: 1 })).ok).toBe(true);

      // Both capture at the same time, in their own browsers.
      const [capturedA, capturedB] = await Promise.all([captureSome(a, apiA, fixtures.url('/sample-console.html'), 2), captureSome(b, apiB, fixtures.url('/sample-console.html'), 2)]);
      await syncA.sync();
      await syncB.sync();
      const afterA = await syncA.sync();
      expect(afterA.queued).toEqual({ captures: 0, events: 0 });
      expect(afterA.quarantine.count).toBe(0);

      // Both tag Ada's first capture at once, neither having seen the other's change.
      const shared = capturedA[0]!.id;
      await Promise.all([
        apiA.call({ type: 'annotate', captureId: shared, controlIds: ['CC6.2'] }),
        apiB.call({ type: 'annotate', captureId: shared, controlIds: ['CC7.2'], note: 'Reviewed by Eve' }),
        apiB.call({ type: 'annotate', captureId: capturedB[1]!.id, controlIds: ['CC6.1'] }),
      ]);
      await syncA.sync();
      await syncB.sync();
      await syncA.sync();

      const [libraryA, libraryB] = [await syncA.library(), await syncB.library()];
      expect(libraryA).toHaveLength(4);
      expect(libraryA).toEqual(libraryB);
      const sharedDetail = await apiB.call({ type: 'captures.get', id: shared });
      expect(sharedDetail.annotation).toMatchObject({ controlIds: ['CC6.2', 'CC7.2'], note: 'Reviewed by Eve' });
      // Evidence from the other browser verifies here: the image hash and its signer's signature.
      expect(sharedDetail).toMatchObject({ imageHashValid: true, signatureValid: true });
      expect(sharedDetail.capture.capturedBy.email).toBe('ada@acme.example');
      // Filters by the person who captured work across the team.
      const byEve = await apiA.call({ type: 'captures.list', capturedBy: 'eve@acme.example' });
      expect(byEve.items.map((i: { id: string }) => i.id).sort()).toEqual(capturedB.map((c) => c.id).sort());
      expect((await syncA.status()).team.map((t) => t.email).sort()).toEqual(['ada@acme.example', 'eve@acme.example']);

      // Uploads carry the bucket's Object Lock retention.
      const keys = await rgw.listKeys(bucket, 'team/captures/');
      const manifest = keys.find((k) => k.key.endsWith('.json'))!.key;
      const head = await rgw.request('HEAD', `/${bucket}/${manifest}`);
      expect(head.headers.get('x-amz-object-lock-mode')).toBe('COMPLIANCE');

      // Without "Sync now": a new capture is uploaded by the background sync within seconds.
      const before = (await syncA.status()).lastSuccessAt;
      await captureSome(a, apiA, fixtures.url('/sample-console.html'), 1);
      const background = await until('the background sync', async () => {
        const s = await syncA.status();
        return s.lastSuccessAt !== before && !s.running && s.queued.captures === 0 && s;
      });
      expect(background.lastRun?.uploadedCaptures).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('the server stopped mid-sync: the queue survives, and sync resumes without duplicates', async ({ exhibit, api, rgw, fixtures }) => {
    test.setTimeout(120_000);
    const bucket = await newBucket(rgw);
    const proxy = await slowProxy(Number(new URL(rgw.endpoint).port), 60);
    try {
      await api.setCapturer(ADA);
      await captureSome(exhibit, api, fixtures.url('/sample-console.html'), 8);
      const sync = new SyncApi(api, rgw);
      await sync.configure({ bucket, endpoint: proxy.endpoint });
      await sync.start();
      // 8 captures are at least 24 uploads and the signer 1: stop the server after the 20th has
      // begun, when the first captures are complete and the rest are not.
      await proxy.waitForPuts(20);
      await rgw.stopGateway('SIGKILL');
      const failed = await until('the sync to give up', async () => {
        const s = await sync.status();
        return !s.running && s.lastError && s;
      });
      expect(failed.lastError!.message).toMatch(/Could not reach the storage server at http:\/\/127\.0\.0\.1:\d+/);
      expect(failed.lastError!.message).toMatch(/Nothing was lost: \d captures? and 0 annotation changes wait to be uploaded/);
      expect(failed.queued.captures).toBeGreaterThan(0);
      expect(failed.queued.captures).toBeLessThan(8);
      expect((await api.call({ type: 'captures.list' })).total).toBe(8);

      await rgw.startGateway();
      const resumed = await sync.sync();
      expect(resumed.queued).toEqual({ captures: 0, events: 0 });
      expect(resumed.lastError).toBeNull();
      // Only requests in flight when the server died can be sent again (the bucket refuses them as present).
      expect(resumed.lastRun!.alreadyPresent).toBeLessThanOrEqual(4);
      const keys = (await rgw.listKeys(bucket)).map((k) => k.key);
      expect(new Set(keys).size).toBe(keys.length);
      const manifests = keys.filter((k) => /^team\/captures\/[^/]+\.json$/.test(k));
      expect(manifests).toHaveLength(8);
      // Exactly the files each record lists (image, thumbnail, the page's tables), the records and the signer key.
      let files = 0;
      for (const m of manifests) {
        const listed: { name: string }[] = JSON.parse(new TextDecoder().decode(await rgw.getObject(bucket, m))).files;
        for (const f of listed) expect(keys).toContain(`${m.slice(0, -'.json'.length)}/${f.name}`);
        files += listed.length;
      }
      expect(keys).toHaveLength(files + 8 + 1);
    } finally {
      await proxy.close();
    }
  });

  test('a wrong secret gives a clear error and loses nothing', async ({ exhibit, api, rgw, sync, fixtures }) => {
    const bucket = await newBucket(rgw);
    await api.setCapturer(ADA);
    await captureSome(exhibit, api, fixtures.url('/sample-console.html'), 2);
    expect((await sync.configure({ bucket, secretAccessKey: 'this-is-not-the-secret-key-0000' })).ok).toBe(true);

    const settings = await api.call({ type: 'sync.settings.get' });
    expect(JSON.stringify(settings)).not.toContain('this-is-not-the-secret-key-0000');
    expect(settings.secret).toEqual({ set: true, hint: '…0000' });

    const tested = await sync.test();
    expect(tested.ok && tested.data).toMatchObject({ ok: false, steps: [{ step: 'write', ok: false, kind: 'wrong-secret' }, {}, {}, {}] });
    const reply = await sync.now();
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('sync-failed');
    expect(reply.error.message).toContain(`the secret access key does not belong to access key ${rgw.accessKeyId}`);
    expect(reply.error.message).toContain('Nothing was lost: 2 captures and 0 annotation changes wait to be uploaded');
    expect(reply.error.message).not.toContain('this-is-not-the-secret-key');
    expect((await sync.status()).lastError?.code).toBe('wrong-secret');
    expect((await api.call({ type: 'captures.list' })).total).toBe(2);
    expect(await rgw.listKeys(bucket)).toEqual([]);

    await sync.configure({ bucket });
    const fixed = await sync.sync();
    expect(fixed.queued).toEqual({ captures: 0, events: 0 });
    expect(fixed.lastRun!.uploadedCaptures).toBe(2);
  });

  test('a tampered object in the bucket is quarantined, not imported', async ({ api, rgw, sync }) => {
    const bucket = await newBucket(rgw);
    const eve = await newInstallation(EVE);
    const good = await makeCapture(eve, { title: 'Okta admins, untouched' });
    const retitled = await makeCapture(eve, { title: 'Okta admins, original title' });
    const repainted = await makeCapture(eve, { title: 'Okta admins, original pixels' });
    const objects = [
      ...(await bucketObjectsFor(good, eve, 'team/')),
      ...(await bucketObjectsFor(retitled, eve, 'team/', { title: 'Okta admins, edited afterwards' })),
      ...(await bucketObjectsFor(repainted, eve, 'team/', { image: new Uint8Array(repainted.image).map((v, i) => (i > 100 && i < 200 ? 0 : v)) })),
    ];
    for (const o of objects) await rgw.putObject(bucket, o.key, o.body, o.contentType);

    await api.setCapturer(ADA);
    await sync.configure({ bucket });
    const status = await sync.sync();
    const list = await api.call({ type: 'captures.list' });
    expect(list.items.map((i: { title: string }) => i.title)).toEqual(['Okta admins, untouched']);
    expect(status.quarantine.count).toBe(2);
    const byCapture = Object.fromEntries(status.quarantine.items.map((q) => [q.key.split('/').pop()!.slice(0, 26), q]));
    expect(byCapture[retitled.capture.id]).toMatchObject({ reason: 'signature', message: expect.stringMatching(/signature does not verify/) });
    expect(byCapture[repainted.capture.id]).toMatchObject({ reason: 'image-hash', message: expect.stringMatching(/image\.png in the bucket does not match the signed record/) });
    const detail = await api.call({ type: 'captures.get', id: good.capture.id });
    expect(detail).toMatchObject({ imageHashValid: true, signatureValid: true });
    expect(await api.call({ type: 'captures.get', id: retitled.capture.id }).catch((e: Error) => e.message)).toMatch(/No capture with that id/);
  });

  test('a malformed JSON object is quarantined and the rest imports', async ({ api, rgw, sync }) => {
    const bucket = await newBucket(rgw);
    const eve = await newInstallation(EVE);
    const good = await makeCapture(eve);
    for (const o of await bucketObjectsFor(good, eve, 'team/')) await rgw.putObject(bucket, o.key, o.body, o.contentType);
    const broken = `team/captures/01JD8N9V5M7K3Q2W4E6R8T0Y1X-${'ab'.repeat(32)}.json`;
    await rgw.putObject(bucket, broken, '{"schema": "exhibit.sync.capture/1", "capture": {', 'application/json');
    const brokenEvents = `team/events/${eve.installationId}/01JD8N9V5M7K3Q2W4E6R8T0Y1V-0123456789abcdef.json`;
    await rgw.putObject(bucket, brokenEvents, '[1, 2', 'application/json');

    await api.setCapturer(ADA);
    await sync.configure({ bucket });
    const status = await sync.sync();
    expect((await api.call({ type: 'captures.list' })).total).toBe(1);
    expect(Object.fromEntries(status.quarantine.items.map((q) => [q.key, q.reason]))).toEqual({ [broken]: 'invalid-json', [brokenEvents]: 'invalid-json' });
    expect(status.quarantine.items.find((q) => q.key === broken)!.message).toMatch(/^Not valid JSON/);
    // Reported once, not fetched and refused again at every sync.
    expect((await sync.sync()).lastRun!.quarantined).toBe(0);
  });

  test('an object far larger than expected is refused by a size limit, unread', async ({ api, rgw, sync }) => {
    const bucket = await newBucket(rgw);
    const huge = `team/captures/01JD8N9V5M7K3Q2W4E6R8T0Y1W-${'cd'.repeat(32)}.json`;
    await rgw.putObject(bucket, huge, new Uint8Array(24 * 1024 * 1024).fill(0x20), 'application/json');
    const eve = await newInstallation(EVE);
    // A signed record that declares a 200 MB image: refused before any download.
    const oversizedImage = await makeCapture(eve, { declaredImageBytes: 200 * 1024 * 1024 });
    const objects = await bucketObjectsFor(oversizedImage, eve, 'team/');
    const manifestObject = objects.at(-1)!;
    const manifest = JSON.parse(new TextDecoder().decode(manifestObject.body));
    manifest.files.find((f: { name: string }) => f.name === 'image.png').bytes = 200 * 1024 * 1024;
    for (const o of objects.slice(0, -1)) await rgw.putObject(bucket, o.key, o.body, o.contentType);
    await rgw.putObject(bucket, manifestObject.key, JSON.stringify(manifest), 'application/json');

    await api.setCapturer(ADA);
    await sync.configure({ bucket });
    // Refused from the declared sizes: the messages below say nothing was downloaded.
    const status = await sync.sync();
    const reasons = Object.fromEntries(status.quarantine.items.map((q) => [q.key, q]));
    expect(reasons[huge]).toMatchObject({ reason: 'too-large', message: expect.stringMatching(/lists this capture record at 25165824 bytes, over the limit of 1048576 bytes; it was not downloaded/) });
    expect(reasons[manifestObject.key]).toMatchObject({ reason: 'too-large', message: 'image.png is 209715200 bytes, over the limit of 67108864 bytes; it was not downloaded.' });
    expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  });

  test('clock skew is explained in words, and sync works once the clock is right', async ({ exhibit, api, rgw, sync, fixtures }) => {
    const bucket = await newBucket(rgw);
    await api.setCapturer(ADA);
    await captureSome(exhibit, api, fixtures.url('/sample-console.html'), 1);
    await sync.configure({ bucket, clockOffsetMs: 25 * 60_000 });
    const tested = await sync.test();
    expect(tested.ok && tested.data).toMatchObject({ ok: false, message: expect.stringMatching(/This computer's clock is 25 minutes ahead of the storage server's/) });
    const reply = await sync.now();
    expect(!reply.ok && reply.error.message).toMatch(/clock is 25 minutes ahead.*set the clock to update automatically/);
    expect((await sync.status()).queued.captures).toBe(1);

    await sync.configure({ bucket, clockOffsetMs: 0 });
    expect((await sync.sync()).queued.captures).toBe(0);
  });

  test('Test connection checks path-style and virtual-host addressing and names what is wrong', async ({ rgw, sync }) => {
    const bucket = await newBucket(rgw);
    const path = await sync.test({ bucket });
    expect(path.ok && path.data).toMatchObject({ ok: true, steps: [{ step: 'write', ok: true }, { step: 'read', ok: true }, { step: 'list', ok: true }, { step: 'delete', ok: true }] });
    // <bucket>.localhost resolves to this computer in Chromium; the gateway knows "localhost" as its DNS name.
    const virtualHost = await sync.test({ bucket, endpoint: rgw.virtualHostEndpoint, addressing: 'virtual-host', secretAccessKey: rgw.secretAccessKey });
    expect(virtualHost.ok && virtualHost.data).toMatchObject({ ok: true });
    const missing = await sync.test({ bucket: 'no-such-team-bucket', secretAccessKey: rgw.secretAccessKey });
    expect(missing.ok && missing.data).toMatchObject({ ok: false, message: expect.stringContaining('There is no bucket "no-such-team-bucket"') });
    const lockWanted = await sync.test({ bucket, retentionDays: 30, secretAccessKey: rgw.secretAccessKey });
    expect(lockWanted.ok && lockWanted.data).toMatchObject({ ok: false, message: expect.stringContaining('has no Object Lock') });
    const down = await sync.test({ bucket, endpoint: 'http://127.0.0.1:9', secretAccessKey: rgw.secretAccessKey });
    expect(down.ok && down.data).toMatchObject({ ok: false, message: expect.stringMatching(/^Could not reach the storage server at http:\/\/127\.0\.0\.1:9/) });
    expect(await rgw.listKeys(bucket)).toEqual([]);
  });

  test('the Sync page sets up the bucket, tests it, syncs and shows the status', async ({ exhibit, api, rgw, dashboard, fixtures }) => {
    const bucket = await newBucket(rgw);
    await api.setCapturer(ADA);
    await captureSome(exhibit, api, fixtures.url('/sample-console.html'), 1);
    const page = await dashboard.open('/sync');
    const ui = new SyncPageObject(page);
    await expect(page.getByRole('heading', { level: 1, name: 'Team sync' })).toBeVisible();
    await ui.fill({ Endpoint: rgw.endpoint, Region: rgw.region, Bucket: bucket, 'Folder (prefix)': 'ui/', 'Access key id': rgw.accessKeyId, 'Secret access key': 'wrong-secret-for-the-ui-test' });
    await ui.button('Test connection').click();
    await expect(ui.connectionReport()).toContainText('the secret access key does not belong');
    await ui.field('Secret access key').fill(rgw.secretAccessKey);
    await ui.button('Test connection').click();
    await expect(ui.connectionReport()).toContainText('Connected: Exhibit can write, read and list ui/');
    await ui.button('Save').click();
    await expect(page.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();
    await expect(ui.field('Secret access key')).toHaveValue('');
    await expect(ui.field('Secret access key')).toHaveAttribute('placeholder', new RegExp(`Stored \\(ends …${rgw.secretAccessKey.slice(-4)}\\)`));
    await expect(ui.queued()).toHaveText('1 capture, 0 annotation changes');
    await ui.button('Sync now').click();
    await expect(ui.queued()).toHaveText('0 captures, 0 annotation changes');
    await expect(page.getByRole('table', { name: 'Team keys' })).toContainText('Ada Admin <ada@acme.example>');
    expect((await rgw.listKeys(bucket, 'ui/captures/')).filter((k) => /^ui\/captures\/[^/]+\.json$/.test(k.key))).toHaveLength(1);
  });
});

/** A TCP proxy that delays every chunk both ways (a slow network) and counts PUT requests. */
async function slowProxy(targetPort: number, delayMs: number) {
  let puts = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    const forward = (from: Socket, to: Socket, countPuts: boolean) => {
      from.on('data', (chunk: Buffer) => {
        if (countPuts && chunk.subarray(0, 4).toString('latin1') === 'PUT ') {
          puts++;
          for (const w of waiters.filter((w) => puts >= w.n)) w.resolve();
        }
        setTimeout(() => to.destroyed || to.write(chunk), delayMs);
      });
      from.on('end', () => setTimeout(() => to.end(), delayMs));
      from.on('error', () => to.destroy());
      from.on('close', () => setTimeout(() => to.destroy(), delayMs));
    };
    forward(client, upstream, true);
    forward(upstream, client, false);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    waitForPuts: (n: number) => (puts >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

