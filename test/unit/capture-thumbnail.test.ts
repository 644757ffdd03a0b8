import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  answerThumbnailRequest,
  captureThumbnail,
  isThumbnailRequest,
  answerThumbnailPort,
  answerThumbnailRequests,
  THUMBNAIL_CONNECT,
  THUMBNAIL_REQUEST,
  thumbnailFromClient,
  thumbnailSize,
  type ThumbnailClient,
  type ThumbnailReply,
  type ThumbnailRequest,
} from '@/lib/capture/thumbnail';
import { CaptureClock } from '@/lib/capture/timing';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

/**
 * A stand-in for the offscreen document, wired as the real one is: each connect message hands it
 * a channel, and requests on it are answered with `answer(request)`, or left for the test to
 * answer (`answerLater`). `id` is the client's id (each document opened has its own).
 */
let documents = 0;
function fakeDocument(answer?: (request: ThumbnailRequest) => ThumbnailReply | undefined, id = `offscreen-${++documents}`) {
  const received: ThumbnailRequest[] = [];
  const connects: unknown[] = [];
  let channel: MessagePort | undefined;
  const client: ThumbnailClient = {
    id,
    url: 'chrome-extension://x/offscreen.html',
    postMessage(message, transfer) {
      // What the page receives: the message and, as event.ports, the transferred ports.
      const delivered = structuredClone({ message, ports: transfer.filter((t) => t instanceof MessagePort) }, { transfer });
      connects.push(delivered.message);
      const port = delivered.ports[0] as MessagePort | undefined;
      if (!port || (delivered.message as { kind?: string }).kind !== THUMBNAIL_CONNECT) return;
      channel = port;
      port.onmessage = ({ data }: MessageEvent<ThumbnailRequest>) => {
        received.push(data);
        const reply = answer?.(data);
        if (reply) port.postMessage({ id: data.id, ...reply });
      };
    },
  };
  const answerLater = (request: ThumbnailRequest, reply: ThumbnailReply) => channel!.postMessage({ id: request.id, ...reply });
  return { client, received, connects, answerLater };
}

describe('thumbnailSize', () => {
  it.each([
    [1280, 800, 320, 200],
    [2560, 1600, 320, 200],
    [320, 1000, 320, 1000],
    [100, 50, 100, 50],
    [1280, 1, 320, 1],
    [12000, 15, 320, 1],
  ])('%i × %i → %i × %i', (w, h, tw, th) => {
    expect(thumbnailSize(w, h)).toEqual({ width: tw, height: th });
  });
});

describe('thumbnails on the offscreen document', () => {
  it('sends a transferred copy of the PNG and returns the JPEG the document answers', async () => {
    const doc = fakeDocument((request) => ({ ok: true, thumbnail: new Blob([JPEG], { type: 'image/jpeg' }), spans: [{ stage: 'thumbnail decode', start: request.png.byteLength, end: request.png.byteLength + 5 }] }));
    const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const { thumbnail, spans } = await thumbnailFromClient(doc.client, png);
    expect(new Uint8Array(await thumbnail.arrayBuffer())).toEqual(JPEG);
    expect(spans).toEqual([{ stage: 'thumbnail decode', start: 7, end: 12 }]);
    // The bytes went over as a transfer, not base64; the capture's own bytes stay intact for the evidence.
    const request = doc.received[0]!;
    expect(isThumbnailRequest(request)).toBe(true);
    expect(new Uint8Array(request.png)).toEqual(png);
    expect(png.byteLength).toBe(7);
    expect([...png]).toEqual([137, 80, 78, 71, 1, 2, 3]);
  });

  it('records the document’s decode and encode on the capture’s clock', async () => {
    const clock = new CaptureClock();
    const at = performance.timeOrigin + performance.now();
    const doc = fakeDocument(() => ({ ok: true, thumbnail: new Blob([JPEG], { type: 'image/jpeg' }), spans: [{ stage: 'thumbnail decode', start: at, end: at + 4 }] }));
    await captureThumbnail(new Uint8Array([1]), clock, Promise.resolve(doc.client), { fallback: () => Promise.reject(new Error('not used')) });
    const spans = clock.finish('visible').spans;
    const decode = spans.find((s) => s.stage === 'thumbnail decode')!;
    expect(decode.end - decode.start).toBeCloseTo(4, 5);
    expect(spans.some((s) => s.stage === 'thumbnail offscreen')).toBe(true);
  });

  it.each([
    ['no offscreen document', () => Promise.resolve(undefined)],
    ['the lookup failed', () => Promise.reject(new Error('no clients'))],
    ['the document failed to decode', () => Promise.resolve(fakeDocument(() => ({ ok: false, message: 'bad PNG' })).client)],
    ['the document closed and never answers', () => Promise.resolve(fakeDocument().client)],
  ])('makes the thumbnail in the worker when %s', async (_case, client) => {
    const fallback = vi.fn(async () => new Blob([JPEG], { type: 'image/jpeg' }));
    const png = new Uint8Array([9, 9, 9]);
    const thumbnail = await captureThumbnail(png, new CaptureClock(), client(), { fallback, timeoutMs: 50 });
    expect(thumbnail.type).toBe('image/jpeg');
    expect(fallback).toHaveBeenCalledTimes(1);
    expect([...(fallback.mock.calls[0] as unknown as [Uint8Array])[0]]).toEqual([9, 9, 9]);
  });

  it('the document side ignores other messages and turns a decoding failure into a reply', async () => {
    expect(isThumbnailRequest({ kind: THUMBNAIL_REQUEST, id: 1, png: 'aGk=' })).toBe(false);
    expect(isThumbnailRequest({ kind: THUMBNAIL_REQUEST, png: new ArrayBuffer(1) })).toBe(false);
    expect(isThumbnailRequest({ target: 'exhibit-offscreen', op: 'export' })).toBe(false);
    // Node has no image decoder: the request fails, and the failure is an answer, not a silence.
    const reply = await answerThumbnailRequest({ png: new Uint8Array([1, 2]).buffer });
    expect(reply).toMatchObject({ ok: false, message: expect.any(String) });
  });
});

describe('the channel to the offscreen document', () => {
  const jpeg = (n: number): ThumbnailReply => ({ ok: true, thumbnail: new Blob([JPEG, new Uint8Array([n])], { type: 'image/jpeg' }), spans: [] });
  const lastByte = async (blob: Blob) => new Uint8Array(await blob.arrayBuffer()).at(-1);

  it('connects once per document and sends every later request over that channel', async () => {
    const doc = fakeDocument((request) => jpeg(new Uint8Array(request.png)[0]!), 'doc-a');
    expect(await lastByte((await thumbnailFromClient(doc.client, new Uint8Array([1]))).thumbnail)).toBe(1);
    expect(await lastByte((await thumbnailFromClient(doc.client, new Uint8Array([2]))).thumbnail)).toBe(2);
    expect(doc.connects).toEqual([{ kind: THUMBNAIL_CONNECT }]);
    // A document opened again is another client: it gets a channel of its own.
    const again = fakeDocument(() => jpeg(3), 'doc-b');
    await thumbnailFromClient(again.client, new Uint8Array([3]));
    expect(again.connects).toEqual([{ kind: THUMBNAIL_CONNECT }]);
  });

  it('gives each request in flight its own answer, in whatever order they come back', async () => {
    const doc = fakeDocument(undefined, 'doc-c');
    const first = thumbnailFromClient(doc.client, new Uint8Array([10]));
    const second = thumbnailFromClient(doc.client, new Uint8Array([20]));
    await vi.waitFor(() => expect(doc.received).toHaveLength(2));
    const [a, b] = doc.received;
    expect(a!.id).not.toBe(b!.id);
    doc.answerLater(b!, jpeg(20));
    doc.answerLater(a!, jpeg(10));
    expect(await lastByte((await first).thumbnail)).toBe(10);
    expect(await lastByte((await second).thumbnail)).toBe(20);
  });

  it('connects again after the document stopped answering', async () => {
    let answering = false;
    const doc = fakeDocument(() => (answering ? jpeg(1) : undefined), 'doc-d');
    await expect(thumbnailFromClient(doc.client, new Uint8Array([1]), 30)).rejects.toThrow(/did not answer/);
    answering = true;
    await thumbnailFromClient(doc.client, new Uint8Array([2]));
    expect(doc.connects).toHaveLength(2);
  });

  it('fails every request still waiting on a dropped channel at once, so each capture makes its thumbnail in the worker', async () => {
    const doc = fakeDocument(() => undefined, 'doc-e');
    const first = thumbnailFromClient(doc.client, new Uint8Array([1]), 30);
    const second = thumbnailFromClient(doc.client, new Uint8Array([2]), 60_000);
    second.catch(() => undefined);
    await expect(first).rejects.toThrow(/did not answer/);
    // The second gave up with the first, not after its own minute.
    await expect(second).rejects.toThrow(/did not answer/);
  });

  it('the document answers on the newest channel only: a worker started again replaces the old one', async () => {
    const container = Object.assign(new EventTarget(), { startMessages: vi.fn() }) as unknown as ServiceWorkerContainer;
    answerThumbnailRequests(container);
    const old = new MessageChannel();
    const closed = new Promise<void>((resolve) => old.port1.addEventListener('close', () => resolve()));
    container.dispatchEvent(new MessageEvent('message', { data: { kind: THUMBNAIL_CONNECT }, ports: [old.port2] }));
    const fresh = new MessageChannel();
    container.dispatchEvent(new MessageEvent('message', { data: { kind: THUMBNAIL_CONNECT }, ports: [fresh.port2] }));
    await closed;
    const replies: unknown[] = [];
    fresh.port1.onmessage = ({ data }) => replies.push(data);
    fresh.port1.postMessage({ kind: THUMBNAIL_REQUEST, id: 3, png: new Uint8Array([1]).buffer });
    await vi.waitFor(() => expect(replies).toMatchObject([{ id: 3, ok: false }]));
    expect(container.startMessages).toHaveBeenCalledTimes(1);
    fresh.port1.close();
  });

  it('the document answers each request under its id and ignores anything else on the channel', async () => {
    const channel = new MessageChannel();
    answerThumbnailPort(channel.port2);
    const replies: unknown[] = [];
    channel.port1.onmessage = ({ data }) => replies.push(data);
    channel.port1.postMessage({ kind: 'something else', id: 1, png: new ArrayBuffer(2) });
    channel.port1.postMessage({ kind: THUMBNAIL_REQUEST, id: 7, png: new Uint8Array([1, 2]).buffer });
    await vi.waitFor(() => expect(replies).toHaveLength(1));
    expect(replies[0]).toMatchObject({ id: 7, ok: false });
    channel.port1.close();
    channel.port2.close();
  });
});

describe('the shared offscreen document', () => {
  let contexts: unknown[];
  let created: number;
  let closed: number;
  let createDelay: Promise<void>;

  beforeEach(() => {
    vi.resetModules();
    contexts = [];
    created = 0;
    closed = 0;
    createDelay = Promise.resolve();
    vi.stubGlobal('chrome', {
      runtime: { ContextType: { OFFSCREEN_DOCUMENT: 'OFFSCREEN_DOCUMENT' }, getContexts: async () => contexts },
      offscreen: {
        Reason: { BLOBS: 'BLOBS' },
        createDocument: async (params: { url: string; reasons: string[] }) => {
          await createDelay;
          if (contexts.length) throw new Error('Only a single offscreen document may be created.');
          created++;
          expect(params).toMatchObject({ url: 'offscreen.html', reasons: ['BLOBS'] });
          contexts = [{ contextType: 'OFFSCREEN_DOCUMENT' }];
        },
        closeDocument: async () => {
          closed++;
          contexts = [];
        },
      },
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is created once for callers that arrive together, and reused when present', async () => {
    const m = await import('@/lib/offscreen-document');
    let open!: () => void;
    createDelay = new Promise((r) => (open = r));
    const both = Promise.all([m.ensureOffscreenDocument(), m.ensureOffscreenDocument()]);
    await new Promise((r) => setTimeout(r, 5));
    open();
    await both;
    await m.ensureOffscreenDocument();
    expect(created).toBe(1);
    expect(await m.hasOffscreenDocument()).toBe(true);
  });

  it('takes a document another context created first as its own', async () => {
    const m = await import('@/lib/offscreen-document');
    let open!: () => void;
    createDelay = new Promise((r) => (open = r));
    const ours = m.ensureOffscreenDocument();
    await new Promise((r) => setTimeout(r, 5));
    contexts = [{ contextType: 'OFFSCREEN_DOCUMENT' }];
    open();
    await expect(ours).resolves.toBeUndefined();
  });

  it('an export closes it at its last release, unless a capture keeps it open for the next thumbnail', async () => {
    let m = await import('@/lib/offscreen-document');
    const a = await m.holdOffscreenDocument();
    const b = await m.holdOffscreenDocument();
    expect(m.offscreenDocumentHeld()).toBe(true);
    await a();
    await a();
    expect(closed).toBe(0);
    await b();
    expect(closed).toBe(1);
    expect(m.offscreenDocumentHeld()).toBe(false);

    vi.resetModules();
    m = await import('@/lib/offscreen-document');
    m.keepOffscreenDocumentOpen();
    const c = await m.holdOffscreenDocument();
    await c();
    expect(closed).toBe(1);
    expect(await m.hasOffscreenDocument()).toBe(true);
  });
});
