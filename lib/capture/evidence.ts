// Turns the browser's captured PNG into evidence: banner above the pixels, SHA-256 of the final
// bytes, the signed record, and a thumbnail. Pure apart from the injected banner renderer and
// thumbnail maker, so unit tests run it in Node.
import { ulid } from 'ulid';
import type { CaptureMode, CaptureRecord, Capturer, PageContext, SignedCapture } from '../schema';
import type { TableFile } from '../tables/csv';
import { utcOffset } from '../time';
import { bannerLines } from './banner';
import { readPngHeader, spliceBannerAbove } from './png';
import { sha256Hex, signRecord } from './signing';

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
}

export interface Evidence {
  capture: SignedCapture;
  image: Uint8Array;
  thumbnail: Blob;
  tables: readonly TableFile[];
}

export async function buildEvidence(page: CapturedPage, env: EvidenceEnvironment): Promise<Evidence> {
  const id = ulid(page.capturedAt.getTime());
  const header = readPngHeader(page.png);
  // The thumbnail decodes the captured pixels while the banner is drawn and spliced.
  const thumbnailPromise = env.makeThumbnail(page.png);
  const capturedPixelsSha256 = await sha256Hex(page.png);
  const offset = utcOffset(page.capturedAt, env.timeZone);
  const lines = bannerLines({
    url: page.url,
    capturedAt: page.capturedAt,
    timeZone: env.timeZone,
    utcOffset: offset,
    capturedBy: env.capturer,
    system: page.context.system,
    consoleUser: page.context.consoleUser,
    captureId: id,
    capturedPixelsSha256,
  });
  const scale = header.width / page.viewport.width || page.devicePixelRatio || 1;
  const banner = env.renderBanner(lines, header.width, scale);
  const image = spliceBannerAbove(page.png, banner.rgba, banner.height);

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
    image: {
      mediaType: 'image/png',
      sha256: await sha256Hex(image),
      width: header.width,
      height: header.height + banner.height,
      bytes: image.length,
      bannerHeight: banner.height,
    },
    capturedPixelsSha256,
    ...(page.tables?.length ? { tables: page.tables.map((t) => t.info) } : {}),
    installationId: env.signer.installationId,
    signingKeyFingerprint: env.signer.fingerprint,
  };
  const signature = { alg: 'ES256' as const, keyFingerprint: env.signer.fingerprint, value: await signRecord(env.signer.privateKey, record) };
  return { capture: { ...record, signature }, image, thumbnail: await thumbnailPromise, tables: page.tables ?? [] };
}
