// Scroll-and-stitch geometry for full-page captures. Pure arithmetic, so unit tests cover every
// layout; the canvas work in fullpage.ts just follows the plan.

/** Chromium's own full-page capture corrupts past about 16,384 device pixels; parts stay below. */
export const MAX_PART_HEIGHT = 16_000;
/** A page taller than this (CSS px) is cut off: infinite lists never end. */
export const MAX_PAGE_HEIGHT_CSS = 60_000;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface StitchGeometry {
  container: 'document' | 'element';
  /** The scrolling box in viewport CSS px (the whole viewport for the document). */
  rect: Box;
  viewport: { width: number; height: number };
  scrollHeight: number;
  clientHeight: number;
  devicePixelRatio: number;
}

export interface TilePlan {
  /** scrollTop values to visit, top to bottom. */
  tops: number[];
  /** The content height that will be captured (CSS px). */
  capturedHeight: number;
  truncated: boolean;
}

export function planTiles(g: Pick<StitchGeometry, 'scrollHeight' | 'clientHeight'>, maxHeight = MAX_PAGE_HEIGHT_CSS): TilePlan {
  const step = Math.max(1, g.clientHeight);
  const capturedHeight = Math.min(g.scrollHeight, maxHeight);
  const tops: number[] = [];
  for (let top = 0; top < capturedHeight; top += step) {
    // The last tile scrolls only as far as the page goes; its overlap redraws identical pixels.
    tops.push(Math.max(0, Math.min(top, g.scrollHeight - step)));
    if (top + step >= capturedHeight) break;
  }
  return { tops: [...new Set(tops)], capturedHeight, truncated: g.scrollHeight > maxHeight };
}

/** Output size in device pixels: the viewport with the scrolling box grown to its content height. */
export function outputSize(g: StitchGeometry, capturedHeight: number): { width: number; height: number } {
  const d = g.devicePixelRatio;
  const grow = Math.max(0, capturedHeight - g.clientHeight);
  return { width: Math.round(g.viewport.width * d), height: Math.round((g.viewport.height + grow) * d) };
}

/** One copy from a captured tile (device px) to the output (device px). */
export interface Blit {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
}

/**
 * Where the pixels of the tile taken at `scrollTop` go. The first tile also gives everything
 * around the scrolling box (headers, sidebars: shown once); the part of the viewport below the
 * box moves down by the content's extra height. Later tiles give only the box.
 */
export function blitsForTile(g: StitchGeometry, scrollTop: number, first: boolean, capturedHeight: number): Blit[] {
  const d = g.devicePixelRatio;
  const px = (v: number) => Math.round(v * d);
  const r = g.rect;
  const grow = Math.max(0, capturedHeight - g.clientHeight);
  const blits: Blit[] = [];
  const boxBottom = r.top + r.height;
  // Only as much of the box as lies within the captured height.
  const visible = Math.min(r.height, Math.max(0, capturedHeight - scrollTop));
  if (first) {
    blits.push({ sx: 0, sy: 0, sw: px(g.viewport.width), sh: px(boxBottom), dx: 0, dy: 0 });
    if (g.viewport.height > boxBottom) {
      blits.push({ sx: 0, sy: px(boxBottom), sw: px(g.viewport.width), sh: px(g.viewport.height - boxBottom), dx: 0, dy: px(boxBottom + grow) });
    }
    if (visible < r.height) blits[0]!.sh = px(r.top + visible);
  } else {
    blits.push({ sx: px(r.left), sy: px(r.top), sw: px(r.width), sh: px(visible), dx: px(r.left), dy: px(r.top + scrollTop) });
  }
  return blits.filter((b) => b.sw > 0 && b.sh > 0);
}

/** Splits an output of `height` device px into parts no taller than MAX_PART_HEIGHT. */
export function partRanges(height: number, maxPart = MAX_PART_HEIGHT): Array<{ top: number; height: number }> {
  const count = Math.max(1, Math.ceil(height / maxPart));
  const size = Math.ceil(height / count);
  return Array.from({ length: count }, (_, i) => ({ top: i * size, height: Math.min(size, height - i * size) }));
}
