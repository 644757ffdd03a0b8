// Turns the browser's captured PNG into evidence: banner above the pixels, SHA-256 of the final
// bytes, the signed record, and a thumbnail. Pure apart from the injected banner renderer and
// thumbnail maker, so unit tests run it in Node.
import { ulid } from 'ulid';
import type { CaptureMode, CaptureRecord, Capturer, ElementDescriptor, FullPageInfo, PageContext, RedactionInfo, RegionRect, SignedCapture } from '../schema';
import type { TableFile } from '../tables/csv';
import { utcOffset } from '../time';
import { BANNER_HEAD_LINES, bannerLines, type BannerPart } from './banner';
import { deflateRows, readPngHeader, spliceBannerAbove, spliceChannels, type DeflatedRows, type PngHeader } from './png';
import { sha256Hex, signRecord } from './signing';
import { IMAGE_NAME, type CaptureFile } from './store';
import { CaptureClock } from './timing';

export interface CapturedPage {
  png: Uint8Array;
  capturedAt: Date;
  url: string;
  title: string;
  viewport: { width: number; height: number };
  devicePixelRatio: number;
  mode: CaptureMode;
  context: PageContext;
  /** The page's tables as CSV files; their hashes go into the signed record. */
  tables?: readonly TableFile[];
  /** Full-page captures past the canvas limit: the PNGs of parts 2…n, below `png`. */
  moreParts?: readonly Uint8Array[];
  /** Where each part (including the first) starts in the stitched page, in device pixels. */
  partTops?: readonly number[];
  fullPage?: FullPageInfo;
  /** What the thumbnail shows, when not the image itself (a full page's first viewport). */
  thumbnailSource?: Uint8Array;
  /** Element and region captures: the captured area of the page, the element, and how the pixels were made. */
  region?: RegionRect;
  element?: ElementDescriptor;
  rendering?: 'screenshot' | 'dom';
  /** Device pixels per CSS pixel of `png`, when it is not the whole viewport (an element or region): the banner is drawn at this scale. */
  pixelScale?: number;
  /** The pixels went through the redaction editor: `png` already has the fills burned in. */
  redaction?: RedactionInfo;
}

/** The banner's extra line: what the image is, when it is not a plain screenshot of the tab. */
export function bannerNotes(page: Pick<CapturedPage, 'mode' | 'region' | 'rendering' | 'redaction'>): string[] {
  const notes: string[] = [];
  const size = page.region ? ` ${Math.round(page.region.width)} × ${Math.round(page.region.height)} px` : '';
  if (page.mode === 'element') notes.push(`Element of the page${size}`);
  if (page.mode === 'region') notes.push(`Region of the page${size} at ${Math.round(page.region?.x ?? 0)}, ${Math.round(page.region?.y ?? 0)}`);
  if (page.rendering === 'dom') notes.push('DOM rendering (html2canvas), not a screenshot');
  if (page.redaction?.regions) notes.push(`${page.redaction.regions} region${page.redaction.regions === 1 ? '' : 's'} redacted with solid fill before hashing`);
  return notes;
}

export interface Signer {
  installationId: string;
  fingerprint: string;
  privateKey: CryptoKey;
}

export interface EvidenceEnvironment {
  timeZone: string;
  capturer: Capturer;
  browser: { name: string; version: string };
  extensionVersion: string;
  signer: Signer;
  /** Draws the banner lines `width` pixels wide at `scale`; returns RGBA rows. */
  renderBanner: (lines: string[], width: number, scale: number) => { rgba: Uint8Array | Uint8ClampedArray; height: number };
  makeThumbnail: (png: Uint8Array) => Promise<Blob>;
  /** Records how long each step takes (diagnostics). */
  clock?: CaptureClock;
  /**
   * The banner's head, drawn and compressed before the pixels arrived (prepareBannerHead), and
   * the renderer of the rest below it. Used when it is still right for the image (same lines,
   * width, scale and channels); otherwise the whole banner is drawn by renderBanner.
   */
  bannerHead?: PreparedBannerHead | Promise<PreparedBannerHead | undefined>;
  renderBannerTail?: (lines: string[], width: number, scale: number, headRows: number) => { rgba: Uint8Array | Uint8ClampedArray; height: number };
}

/** The banner's first lines (console, URL, times: no pixel hash), drawn and compressed ahead of the pixels. */
export interface PreparedBannerHead {
  lines: readonly string[];
  scale: number;
  /** Text rows drawn (a long URL wraps). */
  rows: number;
  pixels: DeflatedRows;
}

export interface Evidence {
  capture: SignedCapture;
  image: Uint8Array;
  /** `image` as a Blob, made while the thumbnail was still on its way (the transaction needs no copy then). */
  imageBlob: Blob;
  thumbnail: Blob;
  tables: readonly TableFile[];
  /** Parts 2…n of a tall full-page capture, to store beside the image. */
  partFiles: readonly CaptureFile[];
}

export function partName(index: number): string {
  return index === 1 ? IMAGE_NAME : `image-part-${index}.png`;
}

type BannerPage = Pick<CapturedPage, 'url' | 'capturedAt' | 'context'>;

function linesOf(
  page: BannerPage & Pick<CapturedPage, 'mode' | 'region' | 'rendering' | 'redaction'>,
  env: Pick<EvidenceEnvironment, 'timeZone' | 'capturer'>,
  offset: string,
  id: string,
  pixelsSha256: string,
  part?: { index: number; count: number },
): string[] {
  return bannerLines({
    url: page.url,
    capturedAt: page.capturedAt,
    timeZone: env.timeZone,
    utcOffset: offset,
    capturedBy: env.capturer,
    system: page.context.system,
    consoleUser: page.context.consoleUser,
    captureId: id,
    capturedPixelsSha256: pixelsSha256,
    ...(part ? { part } : {}),
    notes: bannerNotes(page),
  });
}

/**
 * Draws and compresses the head of a one-part capture's banner (the lines before the pixel
 * hash) for an image `width` pixels wide at `scale`, in `channels` bytes per pixel: work a visible
 * capture does while the browser is still taking its picture.
 */
export function prepareBannerHead(
  page: BannerPage,
  env: Pick<EvidenceEnvironment, 'timeZone' | 'capturer'>,
  width: number,
  scale: number,
  channels: 3 | 4,
  renderHead: (lines: readonly string[], width: number, scale: number) => Omit<BannerPart, 'rgba'> & { rgba: Uint8Array | Uint8ClampedArray },
): PreparedBannerHead {
  const lines = linesOf({ ...page, mode: 'visible' }, env, utcOffset(page.capturedAt, env.timeZone), '', '').slice(0, BANNER_HEAD_LINES);
  const head = renderHead(lines, width, scale);
  return { lines, scale, rows: head.rows, pixels: deflateRows(head.rgba, width, head.height, channels) };
}

/** Why a banner head drawn ahead of the pixels does not fit the image after all, or undefined when it fits. */
export function headMisfit(head: PreparedBannerHead, lines: readonly string[], header: PngHeader, scale: number): string | undefined {
  if (head.scale !== scale) return 'scale';
  if (head.pixels.width !== header.width) return 'width';
  if (head.pixels.channels !== spliceChannels(header)) return 'channels';
  // A capture retried after a failed readback has a later time than the head was drawn with.
  if (!head.lines.every((l, i) => l === lines[i])) return 'lines';
  return undefined;
}

export async function buildEvidence(page: CapturedPage, env: EvidenceEnvironment): Promise<Evidence> {
  const clock = env.clock ?? new CaptureClock();
  const id = ulid(page.capturedAt.getTime());
  const header = readPngHeader(page.png);
  // The thumbnail decodes the captured pixels while the banner is drawn and spliced.
  const thumbnailPromise = clock.time('thumbnail', env.makeThumbnail(page.thumbnailSource ?? page.png));
  const offset = utcOffset(page.capturedAt, env.timeZone);
  const scale = page.pixelScale ?? (header.width / page.viewport.width || page.devicePixelRatio || 1);
  const pngs = [page.png, ...(page.moreParts ?? [])];
  // Every part carries its own banner, so each image stands on its own as evidence.
  const parts = await Promise.all(
    pngs.map(async (png, i) => {
      const [pixelsSha256, prepared] = await Promise.all([clock.time('sha256 of pixels', sha256Hex(png)), pngs.length === 1 ? env.bannerHead : undefined]);
      const partHeader = i === 0 ? header : readPngHeader(png);
      const lines = linesOf(page, env, offset, id, pixelsSha256, pngs.length > 1 ? { index: i + 1, count: pngs.length } : undefined);
      let bytes: Uint8Array;
      let bannerHeight: number;
      const misfit = prepared && headMisfit(prepared, lines, partHeader, scale);
      // Diagnostics only: the whole banner is drawn below, which is as right, only slower.
      if (misfit) clock.mark(`banner head unused (${misfit})`);
      if (env.renderBannerTail && prepared && !misfit) {
        // Only the lines from the pixel hash down are drawn now; the head was drawn during the capture.
        const tail = clock.timeSync('banner tail render', () => env.renderBannerTail!(lines, header.width, scale, prepared.rows));
        bytes = clock.timeSync('banner splice', () => spliceBannerAbove(png, tail.rgba, tail.height, prepared.pixels));
        bannerHeight = prepared.pixels.height + tail.height;
      } else {
        const banner = clock.timeSync('banner render', () => env.renderBanner(lines, header.width, scale));
        bytes = clock.timeSync('banner splice', () => spliceBannerAbove(png, banner.rgba, banner.height));
        bannerHeight = banner.height;
      }
      return {
        bytes,
        pixelsSha256,
        info: {
          mediaType: 'image/png' as const,
          sha256: await clock.time('sha256 of image', sha256Hex(bytes)),
          width: partHeader.width,
          height: partHeader.height + bannerHeight,
          bytes: bytes.length,
          bannerHeight,
        },
      };
    }),
  );
  const image = parts[0]!.bytes;
  // Copying the image into a Blob takes a millisecond or two: done here, while the thumbnail is
  // still being made, rather than on the way into the transaction.
  const imageBlob = new Blob([image as BlobPart], { type: 'image/png' });
  const capturedPixelsSha256 = parts[0]!.pixelsSha256;

  const record: CaptureRecord = {
    schema: 'exhibit.capture/1',
    id,
    capturedAt: page.capturedAt.toISOString(),
    timeZone: env.timeZone,
    utcOffset: offset,
    url: page.url,
    title: page.title,
    capturedBy: env.capturer,
    browser: env.browser,
    extensionVersion: env.extensionVersion,
    viewport: page.viewport,
    devicePixelRatio: page.devicePixelRatio,
    mode: page.mode,
    context: page.context,
    image: parts[0]!.info,
    capturedPixelsSha256,
    ...(page.tables?.length ? { tables: page.tables.map((t) => t.info) } : {}),
    ...(page.fullPage ? { fullPage: page.fullPage } : {}),
    ...(page.region ? { region: page.region } : {}),
    ...(page.element ? { element: page.element } : {}),
    ...(page.rendering ? { rendering: page.rendering } : {}),
    ...(page.redaction ? { redaction: page.redaction } : {}),
    ...(parts.length > 1
      ? {
          parts: parts.map((p, i) => ({
            ...p.info,
            index: i + 1,
            name: partName(i + 1),
            top: page.partTops?.[i] ?? 0,
            capturedPixelsSha256: p.pixelsSha256,
          })),
        }
      : {}),
    installationId: env.signer.installationId,
    signingKeyFingerprint: env.signer.fingerprint,
  };
  const signature = { alg: 'ES256' as const, keyFingerprint: env.signer.fingerprint, value: await clock.time('sign', () => signRecord(env.signer.privateKey, record)) };
  const partFiles = parts.slice(1).map((p, i) => ({ name: partName(i + 2), mediaType: 'image/png', bytes: p.bytes }));
  return { capture: { ...record, signature }, image, imageBlob, thumbnail: await clock.time('thumbnail wait', thumbnailPromise), tables: page.tables ?? [], partFiles };
}
