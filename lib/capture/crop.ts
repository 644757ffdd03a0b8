// Element and region captures: where the element or rectangle lies in the browser's picture of
// the viewport, in device pixels, and how page coordinates (CSS px) map into the saved image.
// Pure arithmetic, so unit tests cover zoom levels, fractional layouts and edges; the canvas work
// in element.ts just follows it.
import type { ImageBox } from '../schema';

/** Viewport CSS-pixel rectangle, as DOMRect has them. */
export interface ViewRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Device-pixel scale of a capture: the browser's PNG is `viewportWidth × scale` pixels wide. */
export function captureScale(imageWidth: number, viewportWidth: number, devicePixelRatio: number): number {
  return viewportWidth > 0 && imageWidth > 0 ? imageWidth / viewportWidth : devicePixelRatio || 1;
}

/** Rounding slack: layout gives 10.000001 for 10, which must not grow the crop by a pixel. */
const EPSILON = 1e-3;

/**
 * The device-pixel box of `rect` inside an image of `image` size taken at `scale`: rounded
 * outwards, so a fractionally placed element is never cut, and clamped to the image.
 * Null when nothing of the rectangle is inside the image.
 */
export function cropBox(rect: ViewRect, scale: number, image: { width: number; height: number }): ImageBox | null {
  const x0 = Math.max(0, Math.floor(rect.left * scale + EPSILON));
  const y0 = Math.max(0, Math.floor(rect.top * scale + EPSILON));
  const x1 = Math.min(image.width, Math.ceil(rect.right * scale - EPSILON));
  const y1 = Math.min(image.height, Math.ceil(rect.bottom * scale - EPSILON));
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** True when `rect` lies wholly inside the viewport (real pixels can show all of it). */
export function fitsViewport(rect: ViewRect, viewport: { width: number; height: number }, slack = 0.5): boolean {
  return rect.left >= -slack && rect.top >= -slack && rect.right <= viewport.width + slack && rect.bottom <= viewport.height + slack && rect.right > rect.left && rect.bottom > rect.top;
}

/**
 * Where viewport rectangles (text, table cells) land in the saved pixels. For a screenshot crop:
 * origin (0, 0) of the viewport, scale the capture's, minus the crop's offset. For a DOM rendering:
 * origin the element's top left, scale the rendering's.
 */
export interface ImageMapping {
  originLeft: number;
  originTop: number;
  scale: number;
  offsetX: number;
  offsetY: number;
  width: number;
  height: number;
}

export function screenshotMapping(crop: ImageBox, scale: number): ImageMapping {
  return { originLeft: 0, originTop: 0, scale, offsetX: crop.x, offsetY: crop.y, width: crop.width, height: crop.height };
}

export function renderingMapping(element: ViewRect, scale: number, size: { width: number; height: number }): ImageMapping {
  return { originLeft: element.left, originTop: element.top, scale, offsetX: 0, offsetY: 0, width: size.width, height: size.height };
}

/** The image box of a viewport rectangle, rounded outwards and clipped to the image; null when outside. */
export function toImageBox(rect: ViewRect, m: ImageMapping, padding = 0): ImageBox | null {
  const x0 = Math.max(0, Math.floor((rect.left - m.originLeft - padding) * m.scale + EPSILON) - m.offsetX);
  const y0 = Math.max(0, Math.floor((rect.top - m.originTop - padding) * m.scale + EPSILON) - m.offsetY);
  const x1 = Math.min(m.width, Math.ceil((rect.right - m.originLeft + padding) * m.scale - EPSILON) - m.offsetX);
  const y1 = Math.min(m.height, Math.ceil((rect.bottom - m.originTop + padding) * m.scale - EPSILON) - m.offsetY);
  if (x1 <= x0 || y1 <= y0) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

export function boxesIntersect(a: ImageBox, b: ImageBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A region given in page coordinates (document CSS px) as a viewport rectangle at a scroll position. */
export function pageRectToView(rect: { x: number; y: number; width: number; height: number }, scroll: { x: number; y: number }): ViewRect {
  return { left: rect.x - scroll.x, top: rect.y - scroll.y, right: rect.x - scroll.x + rect.width, bottom: rect.y - scroll.y + rect.height };
}

/**
 * The scroll position that brings a page rectangle into a viewport: unchanged when it already
 * fits, else the rectangle centred (or its top left at the viewport's when it is bigger).
 */
export function scrollToShow(
  rect: { x: number; y: number; width: number; height: number },
  scroll: { x: number; y: number },
  viewport: { width: number; height: number },
): { x: number; y: number } {
  const axis = (start: number, size: number, current: number, view: number) => {
    if (start >= current && start + size <= current + view) return current;
    if (size >= view) return Math.max(0, start);
    return Math.max(0, Math.round(start - (view - size) / 2));
  };
  return { x: axis(rect.x, rect.width, scroll.x, viewport.width), y: axis(rect.y, rect.height, scroll.y, viewport.height) };
}
