// Capture thumbnails: the captured pixels 320 px wide as a JPEG, what the library and the popup show.
//
// In the service worker, createImageBitmap's decode only gets going when the worker's thread is
// free, so it waits behind the banner, the splice and the hashes instead of overlapping them. The
// offscreen document (lib/offscreen-document.ts) is a second thread: the worker hands it a copy of
// the PNG bytes (transferred, not base64) over a MessageChannel and stores the JPEG it answers.
// When that document is missing, held by an export, or does not answer, the worker makes the
// thumbnail itself, as before; a capture never waits for the document to be created.
import { browser } from 'wxt/browser';
import { ensureOffscreenDocument, keepOffscreenDocumentOpen, offscreenDocumentHeld, OFFSCREEN_PATH, offscreenSupported } from '../offscreen-document';
import { readPngHeader } from './png';
import { CaptureClock, type StageSpan } from './timing';

export const THUMBNAIL_WIDTH = 320;
export const THUMBNAIL_TYPE = 'image/jpeg';
const THUMBNAIL_QUALITY = 0.82;
/** A document that has not answered by then is taken for gone: the worker makes the thumbnail itself. */
export const OFFSCREEN_THUMBNAIL_TIMEOUT_MS = 1500;

/** The thumbnail's size for an image of `width` × `height` pixels: at most 320 wide, never upscaled. */
export function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const w = Math.max(1, Math.min(THUMBNAIL_WIDTH, width));
  return { width: w, height: Math.max(1, Math.round((height * w) / Math.max(1, width))) };
}

interface FrameDecoder {
  decode(): Promise<{ image: VideoFrame }>;
  close(): void;
}
type FrameDecoderClass = new (init: { data: BufferSource; type: string }) => FrameDecoder;

/**
 * `png` decoded and scaled to thumbnail size. Where WebCodecs' ImageDecoder exists (documents,
 * not service workers) it decodes straight from the bytes: about half the time of
 * createImageBitmap on a Blob, which first hands the bytes to the browser's blob store.
 */
async function scaledBitmap(png: Uint8Array, clock: CaptureClock): Promise<ImageBitmap> {
  const Decoder = (globalThis as unknown as { ImageDecoder?: FrameDecoderClass }).ImageDecoder;
  if (Decoder) {
    let frame: VideoFrame | undefined;
    const decoder = new Decoder({ data: png as BufferSource, type: 'image/png' });
    try {
      frame = (await clock.time('thumbnail decode', decoder.decode())).image;
      const size = thumbnailSize(frame.displayWidth, frame.displayHeight);
      return await clock.time('thumbnail scale', createImageBitmap(frame, { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' }));
    } catch {
      // A decoder that cannot read it: the Blob path below reports the real error, if any.
    } finally {
      frame?.close();
      decoder.close();
    }
  }
  const header = readPngHeader(png);
  const size = thumbnailSize(header.width, header.height);
  return clock.time('thumbnail decode', () =>
    createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }), { resizeWidth: size.width, resizeHeight: size.height, resizeQuality: 'medium' }),
  );
}

/** Decodes `png` and draws it at thumbnail size as a JPEG, on the calling thread's event loop. */
export async function makeThumbnail(png: Uint8Array, clock = new CaptureClock()): Promise<Blob> {
  const bitmap = await scaledBitmap(png, clock);
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    // The scaled bitmap becomes the canvas's picture as it is (no second draw of it); a browser
    // without that context draws it.
    const renderer = canvas.getContext('bitmaprenderer');
    if (renderer) renderer.transferFromImageBitmap(bitmap);
    else canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    return await clock.time('thumbnail encode', () => canvas.convertToBlob({ type: THUMBNAIL_TYPE, quality: THUMBNAIL_QUALITY }));
  } finally {
    bitmap.close();
  }
}

// ---- The offscreen document's side ----------------------------------------------------------

/**
 * Sent once per document by the worker (`Client.postMessage`), with the document's end of a
 * MessageChannel in `ports[0]`. Every thumbnail request and reply then goes over that channel,
 * straight between the two threads: a `Client.postMessage` per request is routed through the
 * browser process and took ~2–3 ms to arrive while the capture kept both cores busy.
 */
export const THUMBNAIL_CONNECT = 'exhibit.thumbnail-connect';
export const THUMBNAIL_REQUEST = 'exhibit.thumbnail';

/** Sent by the worker over the channel. */
export interface ThumbnailRequest {
  kind: typeof THUMBNAIL_REQUEST;
  /** Matches the reply to its request (a burst has several in flight). */
  id: number;
  /** The PNG's bytes, transferred. */
  png: ArrayBuffer;
}

/** Stage spans in milliseconds since the epoch (the two threads' clocks share no origin). */
export type ThumbnailReply = { ok: true; thumbnail: Blob; spans: StageSpan[] } | { ok: false; message: string };

export function isThumbnailRequest(data: unknown): data is ThumbnailRequest {
  return (
    typeof data === 'object' &&
    data !== null &&
    (data as ThumbnailRequest).kind === THUMBNAIL_REQUEST &&
    Number.isSafeInteger((data as ThumbnailRequest).id) &&
    (data as ThumbnailRequest).png instanceof ArrayBuffer
  );
}

/** Makes the thumbnail a request asks for; never throws (a failure is a reply too). */
export async function answerThumbnailRequest(request: Pick<ThumbnailRequest, 'png'>): Promise<ThumbnailReply> {
  const clock = new CaptureClock();
  try {
    const thumbnail = await makeThumbnail(new Uint8Array(request.png), clock);
    return { ok: true, thumbnail, spans: clock.epochSpans() };
  } catch (err) {
    return { ok: false, message: String((err as Error)?.message ?? err) };
  }
}

/** Answers every thumbnail request that arrives on `port`, on the same port. */
export function answerThumbnailPort(port: MessagePort): void {
  port.onmessage = ({ data }: MessageEvent<unknown>) => {
    if (!isThumbnailRequest(data)) return;
    void answerThumbnailRequest(data).then((reply) => port.postMessage({ id: data.id, ...reply }));
  };
}

/** Wires the document to answer the worker's thumbnail requests (entrypoints/offscreen/main.ts). */
export function answerThumbnailRequests(container: ServiceWorkerContainer): void {
  // One worker runs at a time: a new channel (a worker started again) replaces the one before.
  let current: MessagePort | undefined;
  container.addEventListener('message', (event) => {
    const port = event.ports[0];
    if ((event.data as { kind?: unknown } | null)?.kind !== THUMBNAIL_CONNECT || !port) return;
    current?.close();
    current = port;
    answerThumbnailPort(port);
  });
  // Messages from the worker wait until the page says it is listening.
  container.startMessages();
}

// ---- The worker's side ----------------------------------------------------------------------

/** The part of a window client (ServiceWorker `Client`) the worker uses. */
export interface ThumbnailClient {
  /** The client's id: a document opened again is a new client, and gets a new channel. */
  id: string;
  url: string;
  postMessage(message: unknown, transfer: Transferable[]): void;
}

interface WorkerClients {
  matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly ThumbnailClient[]>;
}

/** The offscreen document as a client of this worker, or undefined when it is not open (or this is no worker). */
export async function findOffscreenClient(): Promise<ThumbnailClient | undefined> {
  const clients = (globalThis as unknown as { clients?: WorkerClients }).clients;
  if (!clients || !offscreenSupported() || offscreenDocumentHeld()) return undefined;
  const url = browser.runtime.getURL(`/${OFFSCREEN_PATH}`);
  const client = (await clients.matchAll({ type: 'window', includeUncontrolled: true })).find((c) => c.url === url);
  if (!client) return undefined;
  // Found by a worker that started after the capture that opened it: still the captures' to keep.
  keepOffscreenDocumentOpen();
  // Connected now, while the browser takes the picture, so the request finds the channel open.
  connectionTo(client);
  return client;
}

type PendingReply = (reply: ThumbnailReply) => void;
interface ThumbnailConnection {
  clientId: string;
  port: MessagePort;
  pending: Map<number, PendingReply>;
  nextId: number;
}
/** This worker's channel to the offscreen document (a worker that restarts connects again). */
let connection: ThumbnailConnection | undefined;

function connectionTo(client: ThumbnailClient): ThumbnailConnection {
  if (connection?.clientId === client.id) return connection;
  dropConnection();
  const channel = new MessageChannel();
  const opened: ThumbnailConnection = { clientId: client.id, port: channel.port1, pending: new Map(), nextId: 1 };
  channel.port1.onmessage = ({ data }: MessageEvent<(ThumbnailReply & { id?: unknown }) | null>) => {
    const answer = typeof data?.id === 'number' ? opened.pending.get(data.id) : undefined;
    if (!answer) return;
    opened.pending.delete(data!.id as number);
    answer(data!);
  };
  client.postMessage({ kind: THUMBNAIL_CONNECT }, [channel.port2]);
  connection = opened;
  return opened;
}

/**
 * Closes the channel; requests still waiting on it fail at once, so their captures make the
 * thumbnail in the worker now instead of each waiting out its own timeout.
 */
function dropConnection(): void {
  const dropped = connection;
  connection = undefined;
  if (!dropped) return;
  dropped.port.close();
  for (const answer of dropped.pending.values()) answer({ ok: false, message: 'the offscreen document did not answer' });
  dropped.pending.clear();
}

/** Asks `client` for the thumbnail of `png` (a copy is transferred; `png` stays usable). */
export function thumbnailFromClient(client: ThumbnailClient, png: Uint8Array, timeoutMs = OFFSCREEN_THUMBNAIL_TIMEOUT_MS): Promise<{ thumbnail: Blob; spans: StageSpan[] }> {
  const copy = png.slice();
  const open = connectionTo(client);
  const id = open.nextId++;
  return new Promise<{ thumbnail: Blob; spans: StageSpan[] }>((resolve, reject) => {
    const timer = setTimeout(() => {
      open.pending.delete(id);
      // A document that stopped answering: the next capture connects again (or finds it gone).
      if (connection === open) dropConnection();
      reject(new Error('the offscreen document did not answer'));
    }, timeoutMs);
    open.pending.set(id, (data) => {
      clearTimeout(timer);
      if (data.ok && data.thumbnail instanceof Blob) resolve({ thumbnail: data.thumbnail, spans: data.spans ?? [] });
      else reject(new Error(!data.ok && data.message ? data.message : 'the offscreen document sent no thumbnail'));
    });
    const request: ThumbnailRequest = { kind: THUMBNAIL_REQUEST, id, png: copy.buffer as ArrayBuffer };
    open.port.postMessage(request, [copy.buffer as ArrayBuffer]);
  });
}

/**
 * The thumbnail of `png`, made on the offscreen document's thread when `client` (the document,
 * looked up while the browser was still taking the picture) is there, else in this worker.
 */
export async function captureThumbnail(
  png: Uint8Array,
  clock: CaptureClock,
  client: Promise<ThumbnailClient | undefined> = findOffscreenClient(),
  { fallback = makeThumbnail, timeoutMs = OFFSCREEN_THUMBNAIL_TIMEOUT_MS }: { fallback?: (png: Uint8Array, clock: CaptureClock) => Promise<Blob>; timeoutMs?: number } = {},
): Promise<Blob> {
  const document = await client.catch(() => undefined);
  if (document) {
    try {
      const { thumbnail, spans } = await clock.time('thumbnail offscreen', thumbnailFromClient(document, png, timeoutMs));
      for (const span of spans) clock.addEpochSpan(span.stage, span.start, span.end);
      return thumbnail;
    } catch {
      // Closed under us or stuck: the worker makes it after all.
    }
  }
  return fallback(png, clock);
}

/**
 * After a capture: if the offscreen document was not there, create it now for the next capture,
 * and keep it open. Never awaited by a capture; a browser without the API just keeps the fallback.
 */
export function warmThumbnailDocument(): void {
  if (!offscreenSupported()) return;
  keepOffscreenDocumentOpen();
  void ensureOffscreenDocument().catch(() => undefined);
}
