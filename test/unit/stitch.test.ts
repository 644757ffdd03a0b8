import { describe, expect, it } from 'vitest';
import { blitsForTile, outputSize, partRanges, planTiles, type StitchGeometry } from '@/lib/capture/stitch';

const page: StitchGeometry = {
  container: 'document',
  rect: { left: 0, top: 0, width: 1280, height: 800 },
  viewport: { width: 1280, height: 800 },
  scrollHeight: 12_000,
  clientHeight: 800,
  devicePixelRatio: 1,
};

describe('full-page stitching', () => {
  it('visits a 12,000 px page in 15 viewport steps and covers every row once or more', () => {
    const plan = planTiles(page);
    expect(plan.tops).toHaveLength(15);
    expect(plan.tops.at(-1)).toBe(11_200);
    const size = outputSize(page, plan.capturedHeight);
    expect(size).toEqual({ width: 1280, height: 12_000 });
    const covered = new Uint8Array(size.height);
    plan.tops.forEach((top, i) => blitsForTile(page, top, i === 0, plan.capturedHeight).forEach((b) => covered.fill(1, b.dy, b.dy + b.sh)));
    expect(covered.every((c) => c === 1)).toBe(true);
  });

  it('clamps the last tile to the end of the page and marks endless pages as cut off', () => {
    expect(planTiles({ scrollHeight: 1000, clientHeight: 800 }).tops).toEqual([0, 200]);
    expect(planTiles({ scrollHeight: 500, clientHeight: 800 }).tops).toEqual([0]);
    const endless = planTiles({ scrollHeight: 500_000, clientHeight: 800 });
    expect(endless.truncated).toBe(true);
    expect(endless.capturedHeight).toBe(60_000);
  });

  it('grows an inner scrolling panel and shows the frame around it once', () => {
    const inner: StitchGeometry = { ...page, container: 'element', rect: { left: 240, top: 100, width: 1000, height: 600 }, scrollHeight: 3000, clientHeight: 600 };
    const plan = planTiles(inner);
    expect(plan.tops).toEqual([0, 600, 1200, 1800, 2400]);
    expect(outputSize(inner, plan.capturedHeight)).toEqual({ width: 1280, height: 800 + 2400 });
    const first = blitsForTile(inner, 0, true, plan.capturedHeight);
    // Everything above and beside the panel, then the strip below it moved down by 2,400 px.
    expect(first).toEqual([
      { sx: 0, sy: 0, sw: 1280, sh: 700, dx: 0, dy: 0 },
      { sx: 0, sy: 700, sw: 1280, sh: 100, dx: 0, dy: 3100 },
    ]);
    expect(blitsForTile(inner, 1200, false, plan.capturedHeight)).toEqual([{ sx: 240, sy: 100, sw: 1000, sh: 600, dx: 240, dy: 1300 }]);
  });

  it('scales to device pixels', () => {
    const hi = { ...page, devicePixelRatio: 2, scrollHeight: 2000 };
    expect(outputSize(hi, 2000)).toEqual({ width: 2560, height: 4000 });
    expect(blitsForTile(hi, 1200, false, 2000)).toEqual([{ sx: 0, sy: 0, sw: 2560, sh: 1600, dx: 0, dy: 2400 }]);
  });

  it('splits outputs past the canvas limit into near-equal parts', () => {
    expect(partRanges(12_000)).toEqual([{ top: 0, height: 12_000 }]);
    expect(partRanges(40_000)).toEqual([
      { top: 0, height: 13_334 },
      { top: 13_334, height: 13_334 },
      { top: 26_668, height: 13_332 },
    ]);
  });
});
