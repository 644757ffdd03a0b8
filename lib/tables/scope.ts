// Which part of the page the page-facts script takes tables from: the viewport for a visible
// capture, or — for a full-page capture, read once the page is scrolled to its first tile — the
// whole captured height, with the panel the capture scrolls no longer clipping its rows. Runs in
// the page's isolated world; the background hands the request over with prepareTableScope.
import { browserProbe, type LayoutProbe, type Rect } from './extract';

export interface TableScopeRequest {
  /** CSS pixels the captured image is taller than the viewport (the stitched page's extra height). */
  grow: number;
}

type ScopeGlobals = { __exhibitTableScope?: TableScopeRequest; __exhibitScroll?: { el: Element | null } };

/** Injected before the page-facts script (scripting.executeScript `func`), so self-contained. */
export function prepareTableScope(request: TableScopeRequest): boolean {
  (globalThis as unknown as ScopeGlobals).__exhibitTableScope = request;
  return true;
}

/** The region and layout probe for the next read; a request is used once. */
export function takeTableScope(win: Window): { region: Rect; probe: LayoutProbe } {
  const g = win as unknown as ScopeGlobals;
  const request = g.__exhibitTableScope;
  delete g.__exhibitTableScope;
  const grow = typeof request?.grow === 'number' && Number.isFinite(request.grow) ? Math.max(0, request.grow) : 0;
  // The scrolling panel page-scroll.ts marked, when the page scrolls a panel rather than itself.
  const panel = grow > 0 ? (g.__exhibitScroll?.el ?? null) : null;
  return {
    region: { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight + grow },
    probe: browserProbe(win, { unclipped: panel }),
  };
}
