// Turns the browser's captured PNG into evidence: banner above the pixels, SHA-256 of the final
// bytes, the signed record, and a thumbnail. Pure apart from the injected banner renderer and
// thumbnail maker, so unit tests run it in Node.
import { ulid } from 'ulid';
import type { CaptureMode, CaptureRecord, Capturer, ElementDescriptor, FullPageInfo, PageContext, RedactionInfo, RegionRect, SignedCapture } from '../schema';
import type { TableFile } from '../tables/csv';
import { utcOffset } from '../time';
import { bannerLines } from './banner';
import { readPngHeader, spliceBannerAbove } from './png';
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
}

export interface Evidence {
  capture: SignedCapture;
  image: Uint8Array;
  thumbnail: Blob;
  tables: readonly TableFile[];
  /** Parts 2…n of a tall full-page capture, to store beside the image. */
  partFiles: readonly CaptureFile[];
}

export function partName(index: number): string {
  return index === 1 ? IMAGE_NAME : `image-part-${index}.png`;
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
      const pixelsSha256 = await clock.time('sha256 of pixels', sha256Hex(png));
      const lines = bannerLines({
        url: page.url,
        capturedAt: page.capturedAt,
        timeZone: env.timeZone,
        utcOffset: offset,
        capturedBy: env.capturer,
        system: page.context.system,
        consoleUser: page.context.consoleUser,
        captureId: id,
        capturedPixelsSha256: pixelsSha256,
        ...(pngs.length > 1 ? { part: { index: i + 1, count: pngs.length } } : {}),
        notes: bannerNotes(page),
      });
      const banner = clock.timeSync('banner render', () => env.renderBanner(lines, header.width, scale));
      const bytes = clock.timeSync('banner splice', () => spliceBannerAbove(png, banner.rgba, banner.height));
      const partHeader = i === 0 ? header : readPngHeader(png);
      return {
        bytes,
        pixelsSha256,
        info: {
          mediaType: 'image/png' as const,
          sha256: await clock.time('sha256 of image', sha256Hex(bytes)),
          width: partHeader.width,
          height: partHeader.height + banner.height,
          bytes: bytes.length,
          bannerHeight: banner.height,
        },
      };
    }),
  );
  const image = parts[0]!.bytes;
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
  return { capture: { ...record, signature }, image, thumbnail: await clock.time('thumbnail wait', thumbnailPromise), tables: page.tables ?? [], partFiles };
}
