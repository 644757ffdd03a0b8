import { describe, expect, it } from 'vitest';
import { captureScale, cropBox, fitsViewport, pageRectToView, renderingMapping, screenshotMapping, scrollToShow, toImageBox } from '@/lib/capture/crop';

describe('element and region crop geometry', () => {
  it.each([
    // [viewport rect, scale, image, expected box]
    ['an element at DPR 1', { left: 100, top: 300, right: 500, bottom: 500 }, 1, { width: 1280, height: 800 }, { x: 100, y: 300, width: 400, height: 200 }],
    ['the same element at DPR 2', { left: 100, top: 300, right: 500, bottom: 500 }, 2, { width: 2560, height: 1600 }, { x: 200, y: 600, width: 800, height: 400 }],
    ['a fractional layout, rounded outwards', { left: 10.4, top: 20.6, right: 110.2, bottom: 60.1 }, 1, { width: 1280, height: 800 }, { x: 10, y: 20, width: 101, height: 41 }],
    ['125 % zoom (scale 1.25)', { left: 8, top: 8, right: 408, bottom: 208 }, 1.25, { width: 1600, height: 1000 }, { x: 10, y: 10, width: 500, height: 250 }],
    ['layout noise does not grow the crop', { left: 100.0000001, top: 99.9999999, right: 200.0000001, bottom: 199.9999999 }, 1, { width: 1280, height: 800 }, { x: 100, y: 100, width: 100, height: 100 }],
    ['clamped to the image', { left: -20, top: 780, right: 60, bottom: 900 }, 1, { width: 1280, height: 800 }, { x: 0, y: 780, width: 60, height: 20 }],
  ])('%s', (_name, rect, scale, image, expected) => {
    expect(cropBox(rect, scale, image)).toEqual(expected);
  });

  it('has no box for a rectangle wholly outside the image', () => {
    expect(cropBox({ left: 1300, top: 0, right: 1400, bottom: 50 }, 1, { width: 1280, height: 800 })).toBeNull();
    expect(cropBox({ left: 10, top: 10, right: 10, bottom: 50 }, 1, { width: 1280, height: 800 })).toBeNull();
  });

  it('derives the scale from the picture the browser returned, not from what the page claims', () => {
    expect(captureScale(2560, 1280, 2)).toBe(2);
    // Emulated ratio 2, but the browser pictured at 1: trust the pixels.
    expect(captureScale(1280, 1280, 2)).toBe(1);
    expect(captureScale(0, 1280, 1.5)).toBe(1.5);
  });

  it('knows when real pixels can show the whole element', () => {
    const viewport = { width: 1265, height: 800 };
    expect(fitsViewport({ left: 0, top: 0, right: 1265, bottom: 800 }, viewport)).toBe(true);
    expect(fitsViewport({ left: 0, top: 100, right: 400, bottom: 2500 }, viewport)).toBe(false);
    expect(fitsViewport({ left: -30, top: 0, right: 100, bottom: 100 }, viewport)).toBe(false);
    expect(fitsViewport({ left: 0, top: 0, right: 1300, bottom: 100 }, viewport)).toBe(false);
  });

  it('maps page text into a screenshot crop and into a DOM rendering', () => {
    const crop = cropBox({ left: 100, top: 300, right: 500, bottom: 500 }, 2, { width: 2560, height: 1600 })!;
    const shot = screenshotMapping(crop, 2);
    // Text at viewport (150, 320)–(250, 340) lies 50, 20 CSS px into the element: device px × 2.
    expect(toImageBox({ left: 150, top: 320, right: 250, bottom: 340 }, shot)).toEqual({ x: 100, y: 40, width: 200, height: 40 });
    expect(toImageBox({ left: 150, top: 320, right: 250, bottom: 340 }, shot, 2)).toEqual({ x: 96, y: 36, width: 208, height: 48 });
    // Outside the crop: nothing; across its edge: clipped.
    expect(toImageBox({ left: 600, top: 320, right: 700, bottom: 340 }, shot)).toBeNull();
    expect(toImageBox({ left: 450, top: 490, right: 550, bottom: 520 }, shot)).toEqual({ x: 700, y: 380, width: 100, height: 20 });

    // An element 3,000 px tall whose top is 200 px above the viewport, drawn at scale 1.
    const dom = renderingMapping({ left: 40, top: -200, right: 540, bottom: 2800 }, 1, { width: 500, height: 3000 });
    expect(toImageBox({ left: 60, top: 2500, right: 160, bottom: 2520 }, dom)).toEqual({ x: 20, y: 2700, width: 100, height: 20 });
  });

  it('turns page coordinates into viewport ones and scrolls only as far as needed', () => {
    expect(pageRectToView({ x: 100, y: 1100, width: 400, height: 200 }, { x: 0, y: 900 })).toEqual({ left: 100, top: 200, right: 500, bottom: 400 });
    const viewport = { width: 1280, height: 800 };
    // Already in view: stay.
    expect(scrollToShow({ x: 100, y: 1100, width: 400, height: 200 }, { x: 0, y: 900 }, viewport)).toEqual({ x: 0, y: 900 });
    // Below the fold: centred.
    expect(scrollToShow({ x: 100, y: 1100, width: 400, height: 200 }, { x: 0, y: 0 }, viewport)).toEqual({ x: 0, y: 800 });
    // Taller than the viewport: its top at the top.
    expect(scrollToShow({ x: 0, y: 1500, width: 400, height: 2000 }, { x: 0, y: 0 }, viewport)).toEqual({ x: 0, y: 1500 });
  });
});
