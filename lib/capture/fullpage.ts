// Full-page capture: scroll the element that really scrolls, capture each viewport at the
// browser's quota, and stitch real pixels into one image (or numbered parts past the canvas limit).
// The page's scroll position and hidden elements are restored afterwards, also on failure.
import { browser } from 'wxt/browser';
import { ExhibitError } from '../errors';
import { PngRowEncoder } from './png';
import { preparePageScroll, restorePageScroll, scrollPageTo, type ScrollPlan } from './page-scroll';
import { blitsForTile, outputSize, partRanges, planTiles, type StitchGeometry } from './stitch';

export interface FullPageProgress {
  tilesDone: number;
  tilesTotal: number;
}

export interface FullPageResult {
  /** PNG bytes of each part, top to bottom (one part for most pages). */
  parts: Uint8Array[];
  /** The first viewport as captured: the thumbnail shows what a person saw first. */
  firstTile: Uint8Array;
  /** Where each part starts in the stitched page, in device pixels. */
  partTops: number[];
  plan: ScrollPlan;
  tiles: number;
  capturedHeight: number;
  truncated: boolean;
  /** The page grew or shrank while it was captured (lazy loading, live updates). */
  changedDuringCapture: boolean;
  capturedAt: Date;
}

export interface FullPageOptions {
  tabId: number;
  /** Takes one viewport picture (paced by the caller's quota limiter); returns PNG bytes. */
  captureViewport: () => Promise<Uint8Array>;
  onProgress?: (p: FullPageProgress) => void;
  signal?: AbortSignal;
  /** Runs once the page shows its first tile (scrolled to the top), before it is captured: redaction reads the page's text here. */
  beforeFirstTile?: (plan: ScrollPlan, capturedHeight: number) => Promise<void>;
}

async function inPage<T>(tabId: number, func: (...args: never[]) => T | Promise<T>, args: unknown[] = []): Promise<T> {
  const injection = { target: { tabId }, func, args } as unknown as Parameters<typeof browser.scripting.executeScript>[0];
  const [result] = await browser.scripting.executeScript(injection);
  if (!result) throw new ExhibitError('capture-failed', 'The page did not answer while it was being scrolled.');
  return result.result as T;
}

export async function captureFullPage(options: FullPageOptions): Promise<FullPageResult> {
  const { tabId } = options;
  const plan = await inPage(tabId, preparePageScroll);
  try {
    const geometry: StitchGeometry = {
      container: plan.container,
      rect: plan.rect,
      viewport: plan.viewport,
      scrollHeight: plan.scrollHeight,
      clientHeight: plan.clientHeight,
      devicePixelRatio: plan.devicePixelRatio,
    };
    const tiles = planTiles(geometry);
    const size = outputSize(geometry, tiles.capturedHeight);
    const ranges = partRanges(size.height);
    const parts = ranges.map((r) => ({ ...r, canvas: null as OffscreenCanvas | null, encoder: new PngRowEncoder(size.width, r.height), png: null as Uint8Array | null }));
    let changed = false;
    let capturedAt: Date | undefined;
    let firstTile: Uint8Array | undefined;

    // Rows above `limit` (device px in the stitched page) will not be drawn again: compress them
    // now, while the quota makes the next capture wait, instead of encoding everything at the end.
    const encodeFinalRows = (limit: number) => {
      for (const part of parts) {
        if (!part.canvas) continue;
        const end = Math.min(part.height, limit - part.top);
        const start = part.encoder.rowsDone;
        if (end <= start) continue;
        part.encoder.pushRows(part.canvas.getContext('2d')!.getImageData(0, start, size.width, end - start).data, end - start);
        if (part.encoder.rowsDone === part.height) {
          part.png = part.encoder.finish();
          part.canvas = null;
        }
      }
    };

    for (let i = 0; i < tiles.tops.length; i++) {
      if (options.signal?.aborted) throw new ExhibitError('capture-failed', 'The full-page capture was cancelled; nothing was saved.');
      const state = await inPage(tabId, scrollPageTo, [tiles.tops[i], i > 0]);
      if (state.scrollHeight !== plan.scrollHeight) changed = true;
      if (i === 0) await options.beforeFirstTile?.(plan, tiles.capturedHeight);
      capturedAt ??= new Date();
      const tile = await options.captureViewport();
      firstTile ??= tile;
      const bitmap = await createImageBitmap(new Blob([tile as BlobPart], { type: 'image/png' }));
      try {
        for (const blit of blitsForTile(geometry, state.scrollTop, i === 0, tiles.capturedHeight)) {
          for (const part of parts) {
            if (part.png || blit.dy >= part.top + part.height || blit.dy + blit.sh <= part.top) continue;
            if (!part.canvas) {
              part.canvas = new OffscreenCanvas(size.width, part.height);
              const ctx = part.canvas.getContext('2d')!;
              ctx.fillStyle = '#ffffff';
              ctx.fillRect(0, 0, size.width, part.height);
            }
            part.canvas.getContext('2d')!.drawImage(bitmap, blit.sx, blit.sy, blit.sw, blit.sh, blit.dx, blit.dy - part.top, blit.sw, blit.sh);
          }
        }
      } finally {
        bitmap.close();
      }
      // Tiles go top to bottom: rows above the next tile's first row are final.
      const nextTop = i + 1 < tiles.tops.length ? Math.min(...blitsForTile(geometry, tiles.tops[i + 1]!, false, tiles.capturedHeight).map((b) => b.dy)) : Infinity;
      encodeFinalRows(nextTop);
      options.onProgress?.({ tilesDone: i + 1, tilesTotal: tiles.tops.length });
    }
    return {
      parts: parts.map((p) => p.png!),
      firstTile: firstTile!,
      partTops: parts.map((p) => p.top),
      plan,
      tiles: tiles.tops.length,
      capturedHeight: tiles.capturedHeight,
      truncated: tiles.truncated,
      changedDuringCapture: changed,
      capturedAt: capturedAt ?? new Date(),
    };
  } finally {
    await inPage(tabId, restorePageScroll).catch(() => undefined);
  }
}
