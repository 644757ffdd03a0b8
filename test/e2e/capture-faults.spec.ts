// What goes wrong around a capture: pages the browser will not let us capture, tabs that close,
// a service worker the browser stops mid-capture, bursts past the quota, hostile pages.
import { PNG } from 'pngjs';
import { test, expect, type Fixtures } from './fixtures';

test.beforeEach(async ({ api }) => {
  await api.setCapturer();
});

test('refuses pages that cannot be captured with a clear error and stores nothing', async ({ exhibit, api, fixtures }) => {
  const pdf = await exhibit.context.newPage();
  await pdf.goto(fixtures.url('/policy.pdf'));
  const browserPage = await api.page.evaluate(async () => (await chrome.tabs.create({ url: 'chrome://version', active: false })).id!);
  const extensionPage = await api.page.evaluate(async () => (await chrome.tabs.create({ url: chrome.runtime.getURL('/popup.html'), active: false })).id!);
  const cases: Array<[number, string, RegExp]> = [
    [await api.tabIdOf(pdf), 'page-not-capturable', /PDF/],
    // Exhibit may not even read a browser page's address.
    [browserPage, 'permission-denied', /browser page/],
    [extensionPage, 'page-not-capturable', /extensions/],
    [999_999, 'tab-not-found', /no longer exists/],
  ];
  for (const [tabId, code, message] of cases) {
    const reply = await api.request({ type: 'capture', tabId });
    expect(reply.ok, `tab ${tabId}`).toBe(false);
    if (!reply.ok) {
      expect(reply.error.code).toBe(code);
      expect(reply.error.message).toMatch(message);
    }
  }
  expect((await api.call({ type: 'captures.list' })).total).toBe(0);
  const last = await api.call({ type: 'capture.last' });
  expect(last).toMatchObject({ state: 'failed', error: { code: 'tab-not-found' } });
});

test('a burst of captures is paced to the browser quota instead of failing', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(page);
  const replies = await api.page.evaluate(
    (id) => Promise.all(Array.from({ length: 6 }, () => chrome.runtime.sendMessage({ type: 'capture', tabId: id }))),
    tabId,
  );
  expect(replies.map((r: { ok: boolean; error?: unknown }) => r.error ?? r.ok)).toEqual(Array(6).fill(true));
  const times = replies.map((r: { data: { capturedAt: string } }) => Date.parse(r.data.capturedAt)).sort();
  // Never more than two captures in any one second.
  for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 2]!).toBeGreaterThanOrEqual(1000);
});

test('a capture of a background tab brings it forward and puts the person’s tab back', async ({ exhibit, api, fixtures }) => {
  const target = await exhibit.context.newPage();
  await target.goto(fixtures.url('/sample-console.html'));
  await api.page.bringToFront();
  const own = await api.page.evaluate(async () => (await chrome.tabs.getCurrent())!.id!);
  const summary = await api.call({ type: 'capture', tabId: await api.tabIdOf(target) });
  expect(summary.title).toBe('People · Acme Identity Admin');
  const active = await api.page.evaluate(async () => (await chrome.tabs.query({ active: true, currentWindow: true }))[0]!.id);
  expect(active).toBe(own);
});

/**
 * Opens the sample console and a page at `otherPath`, then asks for three captures at once: the
 * console twice, which uses up this second's quota, and the other page, whose capture waits.
 */
async function thirdCaptureWaits({ exhibit, api, fixtures }: Pick<Fixtures, 'exhibit' | 'api' | 'fixtures'>, otherPath: string) {
  const keep = await exhibit.context.newPage();
  await keep.goto(fixtures.url('/sample-console.html'));
  const other = await exhibit.context.newPage();
  await other.goto(fixtures.url(otherPath));
  const ids = [await api.tabIdOf(keep), await api.tabIdOf(other)] as const;
  const replies = api.page.evaluate(
    ([a, b]) => Promise.all([a, a, b].map((tabId) => chrome.runtime.sendMessage({ type: 'capture', tabId }))),
    ids,
  );
  return { other, replies };
}

test('a tab closed during the capture leaves nothing behind', async ({ exhibit, api, fixtures }) => {
  // The third capture waits for the quota, and its tab closes meanwhile.
  const { other: doomed, replies } = await thirdCaptureWaits({ exhibit, api, fixtures }, '/titled?title=Doomed');
  await doomed.waitForTimeout(150);
  await doomed.close();
  const [, , third] = await replies;
  expect(third).toMatchObject({ ok: false, error: { code: 'tab-not-found', message: expect.stringMatching(/closed/) } });
  const list = await api.call({ type: 'captures.list' });
  expect(list.items.map((i: { title: string }) => i.title)).toEqual(['People · Acme Identity Admin', 'People · Acme Identity Admin']);
});

test('a tab that navigates while its capture waits for the quota is refused, and nothing of the other page is kept', async ({ exhibit, api, fixtures }) => {
  // The third capture waits inside the browser call's quota slot (its tab already checked), and
  // its page navigates meanwhile. The pixels would show the new page under the old address, so the
  // capture must be refused after the picture, not saved.
  const { other: moving, replies } = await thirdCaptureWaits({ exhibit, api, fixtures }, '/titled?title=Before');
  await moving.waitForTimeout(600);
  await moving.goto(fixtures.url('/titled?title=After'));
  const [first, second, third] = await replies;
  expect(first.ok && second.ok).toBe(true);
  expect(third).toMatchObject({ ok: false, error: { code: 'capture-failed', message: expect.stringMatching(/changed while it was being captured|navigated away before it could be captured/) } });
  // Only the two captures of the other tab, each with exactly its own files (no thumbnail of the refused one).
  const list = await api.call({ type: 'captures.list' });
  expect(list.items.map((i: { title: string }) => i.title)).toEqual(['People · Acme Identity Admin', 'People · Acme Identity Admin']);
  const blobKeys = await api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((r) => (open.onsuccess = () => r(open.result)));
    const keys: [string, string][] = await new Promise((r) => { const q = db.transaction('blobs').objectStore('blobs').getAllKeys(); q.onsuccess = () => r(q.result as [string, string][]); });
    db.close();
    return keys;
  });
  expect(new Set(blobKeys.map(([id]) => id))).toEqual(new Set(list.items.map((i: { id: string }) => i.id)));
  // The three jobs started within a millisecond or two: each one's outcome, not only the last's.
  const jobs = await api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((r) => (open.onsuccess = () => r(open.result)));
    const rows: Array<{ state: string; captureId?: string; error?: { code: string } }> = await new Promise((r) => { const q = db.transaction('jobs').objectStore('jobs').getAll(); q.onsuccess = () => r(q.result); });
    db.close();
    return rows;
  });
  expect(jobs.filter((j) => j.state === 'saved').map((j) => j.captureId).sort()).toEqual(list.items.map((i: { id: string }) => i.id).sort());
  expect(jobs.filter((j) => j.state !== 'saved')).toEqual([expect.objectContaining({ state: 'failed', error: expect.objectContaining({ code: 'capture-failed' }) })]);
});

test('a service worker stopped mid-capture leaves no half-written record and reports the capture as interrupted', async ({ exhibit, api, fixtures }) => {
  const page = await exhibit.context.newPage();
  await page.goto(fixtures.url('/sample-console.html'));
  const tabId = await api.tabIdOf(page);
  // Six captures take about three seconds at the quota's pace; stop the worker in the middle.
  void api.page.evaluate((id) => Promise.all(Array.from({ length: 6 }, () => chrome.runtime.sendMessage({ type: 'capture', tabId: id }).catch(() => null))), tabId);
  await expect.poll(async () => (await api.call({ type: 'captures.list' })).total, { timeout: 10_000, intervals: [50] }).toBeGreaterThanOrEqual(1);
  const cdp = await exhibit.context.newCDPSession(api.page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');

  // The next message wakes a fresh worker, which finds the cut-off job.
  await expect.poll(async () => (await api.request({ type: 'capture.last' })).ok, { timeout: 10_000 }).toBe(true);
  const { total, items } = await api.call({ type: 'captures.list' });
  expect(total).toBeGreaterThanOrEqual(1);
  expect(total).toBeLessThan(6);
  for (const item of items) {
    const detail = await api.call({ type: 'captures.get', id: item.id });
    expect(detail.imageHashValid).toBe(true);
    expect(detail.signatureValid).toBe(true);
    expect((await api.imageBytes(item.id, 'thumbnail')).length).toBeGreaterThan(100);
  }
  const stored = await api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((r) => (open.onsuccess = () => r(open.result)));
    const all = <T,>(store: string, keys = false) =>
      new Promise<T[]>((r) => {
        const os = db.transaction(store).objectStore(store);
        const q = keys ? os.getAllKeys() : os.getAll();
        q.onsuccess = () => r(q.result as T[]);
      });
    const result = {
      captures: await all<{ id: string; tables?: { name: string }[] }>('captures'),
      blobKeys: await all<[string, string]>('blobs', true),
      states: (await all<unknown>('annotationState', true)).length,
    };
    db.close();
    return result;
  });
  // Every stored capture has all its files, and no file belongs to a capture that was not stored.
  expect(stored.captures).toHaveLength(total);
  expect(stored.states).toBe(total);
  const expected = stored.captures.flatMap((c) => ['image.png', 'thumbnail.jpg', ...(c.tables ?? []).map((t) => t.name)].map((name) => `${c.id}/${name}`));
  expect(stored.blobKeys.map(([id, name]) => `${id}/${name}`).sort()).toEqual(expected.sort());
  const jobs = await api.page.evaluate(async () => {
    const open = indexedDB.open('exhibit');
    const db: IDBDatabase = await new Promise((r) => (open.onsuccess = () => r(open.result)));
    const rows: Array<{ state: string; error?: { message: string } }> = await new Promise((r) => { const q = db.transaction('jobs').objectStore('jobs').getAll(); q.onsuccess = () => r(q.result); });
    db.close();
    return rows;
  });
  expect(jobs.filter((j) => j.state === 'saved')).toHaveLength(total);
  expect(jobs.filter((j) => j.state === 'running')).toHaveLength(0);
  expect(jobs.some((j) => j.state === 'failed' && /stopped Exhibit while this capture was being saved/.test(j.error?.message ?? ''))).toBe(true);
});

test('hostile titles and URLs are stored verbatim and still verify', async ({ exhibit, api, fixtures }) => {
  const markup = '<img src=x onerror=alert(1)><script>alert(2)</script> \u202Eevil\u202C Users';
  const hostile = await exhibit.context.newPage();
  await hostile.goto(fixtures.url(`/titled?title=${encodeURIComponent(markup)}#<b>frag</b>`));
  const long = await exhibit.context.newPage();
  await long.goto(fixtures.url(`/titled?title=${encodeURIComponent('Ω')}&repeat=10000`));

  const a = await api.call({ type: 'capture', tabId: await api.tabIdOf(hostile) });
  expect(a.title).toBe(markup);
  expect(a.url).toBe(hostile.url());
  const b = await api.call({ type: 'capture', tabId: await api.tabIdOf(long) });
  expect(b.title).toBe('Ω'.repeat(10000));
  const detail = await api.call({ type: 'captures.get', id: b.id });
  expect(detail.signatureValid).toBe(true);
  const image = PNG.sync.read(await api.imageBytes(a.id));
  expect(image.width).toBe(1280);
});
