import { afterEach, describe, expect, it } from 'vitest';
import { browserProbe, type Rect } from '@/lib/tables/extract';
import { prepareTableScope, takeTableScope } from '@/lib/tables/scope';

// Just enough of a laid-out page: a scrolling panel (top 50, 400 px tall) holding a row far below its visible part.
type FakeEl = { parentElement: FakeEl | null; rect: Rect; overflow: string; getBoundingClientRect(): Rect };
const el = (parentElement: FakeEl | null, rect: Rect, overflow = 'visible'): FakeEl => ({ parentElement, rect, overflow, getBoundingClientRect: () => rect });
const html = el(null, { left: 0, top: 0, right: 1000, bottom: 800 });
const body = el(html, { left: 0, top: 0, right: 1000, bottom: 800 });
const panel = el(body, { left: 0, top: 50, right: 1000, bottom: 450 }, 'auto');
const farRow = el(panel, { left: 0, top: 2000, right: 1000, bottom: 2030 });
const fakeWindow = () =>
  ({
    innerWidth: 1000,
    innerHeight: 800,
    document: { documentElement: html, body },
    getComputedStyle: (e: FakeEl) => ({ overflowX: e.overflow, overflowY: e.overflow, display: 'block' }),
  }) as unknown as Window & { __exhibitScroll?: { el: unknown }; __exhibitTableScope?: unknown };

afterEach(() => {
  delete (globalThis as { __exhibitTableScope?: unknown }).__exhibitTableScope;
});

describe('browserProbe', () => {
  it('clips a row to its scrolling panel, unless that panel is the one a full-page capture stitches in full', () => {
    const clipped = browserProbe(fakeWindow()).visibleRect(farRow as unknown as Element)!;
    expect(clipped.bottom).toBeLessThanOrEqual(clipped.top);
    expect(browserProbe(fakeWindow(), { unclipped: panel as unknown as Element }).visibleRect(farRow as unknown as Element)).toEqual(farRow.rect);
  });
});

describe('table scope', () => {
  it('is the viewport when no full-page capture asked for more', () => {
    expect(takeTableScope(fakeWindow()).region).toEqual({ left: 0, top: 0, right: 1000, bottom: 800 });
  });

  it('is the whole captured height for a full-page read, with the scrolled panel unclipped, and is used once', () => {
    const win = fakeWindow();
    win.__exhibitScroll = { el: panel };
    prepareTableScope({ grow: 1700 });
    // The injected function and the page-facts script share the isolated world's global object.
    win.__exhibitTableScope = (globalThis as { __exhibitTableScope?: unknown }).__exhibitTableScope;
    const scope = takeTableScope(win);
    expect(scope.region).toEqual({ left: 0, top: 0, right: 1000, bottom: 2500 });
    expect(scope.probe.visibleRect(farRow as unknown as Element)).toEqual(farRow.rect);
    expect(takeTableScope(win).region.bottom).toBe(800);
  });

  it.each([[-5], [Number.NaN], ['900' as unknown as number]])('ignores a nonsense height (%s)', (grow) => {
    const win = fakeWindow();
    win.__exhibitTableScope = { grow };
    expect(takeTableScope(win).region.bottom).toBe(800);
  });
});
