// Runs inside the captured page (entrypoints/picker-facts.ts, the extension's isolated world) for
// element, region and redacted captures: find the element or rectangle, bring it into view,
// measure it, and read the text the capture needs (suggestions, table templates) in that same
// layout. What it changes (scroll position, hidden overlays) is recorded so restoreRegionCapture
// puts the page back. The request arrives in a global set by a preceding injection, because
// scripts injected from files take no arguments.
import { detectContext } from '../context';
import type { PageFactsInput } from '../context/read-facts';
import type { ElementDescriptor, RegionRect } from '../schema';
import type { Rect } from '../tables/extract';
import { findSensitive } from './redaction-suggest';
import { findSuggestions, tableTemplates, type PageMarks, type PlaceRect } from './region-marks';

export type RegionTarget =
  | { kind: 'selector'; selector: string }
  | { kind: 'rect'; rect: RegionRect }
  /** The element the picker left in `__exhibitPicked`. */
  | { kind: 'picked' }
  | { kind: 'viewport' }
  /**
   * A full page at its first tile (scrolled to the top by the full-page capture): the whole page,
   * with what lies below an inner scrolling panel moved down by `grow` as the stitched image has it.
   */
  | { kind: 'page'; grow: number };

export interface RegionFactsRequest {
  target: RegionTarget;
  /** Element captures hide fixed and sticky elements lying over the element. */
  hideOverlaps: boolean;
  /** Read suggestions for the redaction editor. */
  suggestions: boolean;
  /** Leave the element's label out (a redacted capture must not carry its text in metadata). */
  redacted: boolean;
}

export type RegionFactsResult =
  | {
      ok: true;
      page: PageFactsInput;
      /** The element or rectangle, viewport CSS px, measured after scrolling. */
      rect: Rect;
      /** The same in page coordinates (document CSS px). */
      region: RegionRect;
      /** True when real pixels can show all of it: inside the viewport and not clipped by a scrolling ancestor. */
      fits: boolean;
      /** Content area of the viewport (without scroll bars), CSS px. */
      client: { width: number; height: number };
      element?: ElementDescriptor;
      marks: PageMarks;
    }
  | { ok: false; code: 'invalid-request' | 'capture-failed'; message: string };

interface RegionState {
  scroll: { x: number; y: number };
  scrolled: Array<[Element, number, number]>;
  hidden: Array<[HTMLElement, string, string]>;
  target: Element | null;
}

type Globals = typeof globalThis & {
  __exhibitRegionRequest?: RegionFactsRequest;
  __exhibitRegionState?: RegionState;
  __exhibitPicked?: Element | null;
};

function quote(text: string, max = 120): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return JSON.stringify(clean.length > max ? `${clean.slice(0, max)}…` : clean);
}

async function settle(win: Window): Promise<void> {
  // A frame, or 100 ms where frames do not run (a tab in the background).
  const frame = () => new Promise((r) => {
    win.requestAnimationFrame(() => r(undefined));
    setTimeout(r, 100);
  });
  const deadline = performance.now() + 1000;
  let last = '';
  for (let stable = 0; stable < 2 && performance.now() < deadline; ) {
    await frame();
    const pending = Array.from(win.document.images).filter((img) => {
      if (img.complete) return false;
      const r = img.getBoundingClientRect();
      return r.bottom > 0 && r.top < win.innerHeight;
    });
    if (pending.length) await Promise.race([Promise.all(pending.map((img) => img.decode().catch(() => undefined))), new Promise((r) => setTimeout(r, 400))]);
    const now = `${win.scrollX},${win.scrollY},${win.document.documentElement.scrollHeight}`;
    stable = now === last && pending.length === 0 ? stable + 1 : 0;
    last = now;
  }
}

/** The rectangle of `el` its clipping ancestors leave visible. */
function unclippedPart(win: Window, el: Element, rect: Rect): Rect {
  // Field by field: a DOMRect's fields are getters, which spreading would drop.
  let r = { left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom };
  for (let node = el.parentElement; node && node !== win.document.body && node !== win.document.documentElement; node = node.parentElement) {
    const s = win.getComputedStyle(node);
    if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
    const c = node.getBoundingClientRect();
    r = { left: Math.max(r.left, c.left), top: Math.max(r.top, c.top), right: Math.min(r.right, c.right), bottom: Math.min(r.bottom, c.bottom) };
  }
  return r;
}

function describe(el: Element, redacted: boolean): ElementDescriptor {
  const descriptor: ElementDescriptor = { tag: el.localName.slice(0, 100) };
  const id = el.getAttribute('id');
  // An id can carry data (user-ada@acme.example): under redaction, one that looks sensitive is left out.
  if (id && !(redacted && findSensitive(id).length)) descriptor.id = id.slice(0, 200);
  if (!redacted) {
    const caption = el.localName === 'table' ? el.querySelector(':scope > caption')?.textContent : undefined;
    const heading = el.querySelector('h1, h2, h3, h4, legend')?.textContent;
    const label = (el.getAttribute('aria-label') || caption || el.getAttribute('title') || heading || '').replace(/\s+/g, ' ').trim();
    if (label) descriptor.label = label.slice(0, 200);
  }
  return descriptor;
}

/** Fixed and sticky elements drawn over `rect` that are neither inside the target nor around it. */
function hideOverlaps(win: Window, target: Element, rect: Rect, state: RegionState): void {
  for (const node of Array.from(win.document.querySelectorAll('body *'))) {
    const he = node as HTMLElement;
    if (he.contains(target) || target.contains(he)) continue;
    const position = win.getComputedStyle(he).position;
    if (position !== 'fixed' && position !== 'sticky') continue;
    const r = he.getBoundingClientRect();
    if (!(r.left < rect.right && rect.left < r.right && r.top < rect.bottom && rect.top < r.bottom)) continue;
    state.hidden.push([he, he.style.getPropertyValue('visibility'), he.style.getPropertyPriority('visibility')]);
    he.style.setProperty('visibility', 'hidden', 'important');
  }
}

export async function collectRegionFacts(win: Window): Promise<RegionFactsResult> {
  const g = win as unknown as Globals;
  const request = g.__exhibitRegionRequest;
  delete g.__exhibitRegionRequest;
  if (!request) return { ok: false, code: 'capture-failed', message: 'The page was not prepared for this capture; capture again.' };
  const doc = win.document;
  const state: RegionState = { scroll: { x: win.scrollX, y: win.scrollY }, scrolled: [], hidden: [], target: null };
  // A full page is scrolled and restored by the full-page capture itself.
  if (request.target.kind !== 'page') g.__exhibitRegionState = state;
  const viewport = () => ({ width: doc.documentElement.clientWidth || win.innerWidth, height: doc.documentElement.clientHeight || win.innerHeight });
  const { target } = request;

  let el: Element | null = null;
  if (target.kind === 'selector') {
    try {
      el = doc.querySelector(target.selector);
    } catch {
      return { ok: false, code: 'invalid-request', message: `${quote(target.selector)} is not a valid CSS selector; nothing was captured.` };
    }
    if (!el) return { ok: false, code: 'invalid-request', message: `No element on this page matches the selector ${quote(target.selector)}; nothing was captured.` };
  } else if (target.kind === 'picked') {
    el = g.__exhibitPicked ?? null;
    delete g.__exhibitPicked;
    if (!el || !el.isConnected) return { ok: false, code: 'capture-failed', message: 'The element you picked was removed from the page before it could be captured (the page changed); nothing was saved. Pick it again.' };
  }
  state.target = el;

  if (el) {
    const first = el.getBoundingClientRect();
    if (first.width < 1 || first.height < 1) {
      return { ok: false, code: 'capture-failed', message: `The element ${quote(el.localName)} has no size on the page (it is hidden or empty); nothing was captured.` };
    }
    const view = viewport();
    const visible = unclippedPart(win, el, first);
    const shown = visible.left <= first.left + 0.5 && visible.top <= first.top + 0.5 && visible.right >= first.right - 0.5 && visible.bottom >= first.bottom - 0.5;
    if (!(shown && first.left >= 0 && first.top >= 0 && first.right <= view.width && first.bottom <= view.height)) {
      // Remember every scrolled ancestor, so the person's page is put back afterwards.
      for (let node = el.parentElement; node; node = node.parentElement) {
        if (node.scrollHeight > node.clientHeight || node.scrollWidth > node.clientWidth) state.scrolled.push([node, node.scrollLeft, node.scrollTop]);
      }
      const tall = first.height > view.height || first.width > view.width;
      el.scrollIntoView({ block: tall ? 'start' : 'center', inline: tall ? 'start' : 'center', behavior: 'instant' as ScrollBehavior });
    }
  } else if (target.kind === 'rect') {
    const view = viewport();
    const r = target.rect;
    const want = {
      x: r.x >= win.scrollX && r.x + r.width <= win.scrollX + view.width ? win.scrollX : Math.max(0, Math.round(r.x - Math.max(0, view.width - r.width) / 2)),
      y: r.y >= win.scrollY && r.y + r.height <= win.scrollY + view.height ? win.scrollY : Math.max(0, Math.round(r.y - Math.max(0, view.height - r.height) / 2)),
    };
    if (want.x !== win.scrollX || want.y !== win.scrollY) win.scrollTo({ left: want.x, top: want.y, behavior: 'instant' as ScrollBehavior });
  }
  await settle(win);

  let rect: Rect;
  let fits: boolean;
  const view = viewport();
  if (el) {
    if (!el.isConnected) return { ok: false, code: 'capture-failed', message: 'The element was removed from the page while it was being captured; nothing was saved.' };
    const r = el.getBoundingClientRect();
    rect = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    if (request.hideOverlaps) hideOverlaps(win, el, rect, state);
    const visible = unclippedPart(win, el, rect);
    const clipped = visible.left > rect.left + 0.5 || visible.top > rect.top + 0.5 || visible.right < rect.right - 0.5 || visible.bottom < rect.bottom - 0.5;
    fits = !clipped && rect.left >= -0.5 && rect.top >= -0.5 && rect.right <= view.width + 0.5 && rect.bottom <= view.height + 0.5;
  } else if (target.kind === 'rect') {
    const r = target.rect;
    rect = { left: r.x - win.scrollX, top: r.y - win.scrollY, right: r.x - win.scrollX + r.width, bottom: r.y - win.scrollY + r.height };
    fits = rect.left >= -0.5 && rect.top >= -0.5 && rect.right <= view.width + 0.5 && rect.bottom <= view.height + 0.5;
  } else if (target.kind === 'page') {
    rect = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight + target.grow };
    fits = true;
  } else {
    rect = { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
    fits = true;
  }
  if (request.hideOverlaps && state.hidden.length) await settle(win);

  let place: PlaceRect | undefined;
  let panel: Element | null = null;
  if (target.kind === 'page' && target.grow > 0) {
    // The panel the full-page capture scrolls (page-scroll.ts keeps it in this same isolated world).
    panel = (win as unknown as { __exhibitScroll?: { el: Element | null } }).__exhibitScroll?.el ?? null;
    if (panel) {
      const scrolled = panel;
      const bottom = scrolled.getBoundingClientRect().bottom;
      place = (node, r) => (!scrolled.contains(node) && r.top >= bottom - 0.5 ? { left: r.left, top: r.top + target.grow, right: r.right, bottom: r.bottom + target.grow } : r);
    }
  }
  const marks: PageMarks = { suggestions: [], tables: [], segments: [] };
  try {
    Object.assign(marks, tableTemplates(win, rect, place, panel));
  } catch {
    // Tables are a bonus to the pixels (as for visible captures): odd markup gives none.
  }
  if (request.suggestions) marks.suggestions = findSuggestions(win, rect, place);

  return {
    ok: true,
    page: {
      url: win.location.href,
      title: doc.title,
      contentType: doc.contentType,
      viewport: { width: win.innerWidth, height: win.innerHeight },
      devicePixelRatio: win.devicePixelRatio,
      context: detectContext(win.location.href, doc),
      tables: [],
    },
    rect,
    region: { x: rect.left + win.scrollX, y: rect.top + win.scrollY, width: rect.right - rect.left, height: rect.bottom - rect.top },
    fits,
    client: view,
    ...(el ? { element: describe(el, request.redacted) } : {}),
    marks,
  };
}

/**
 * Puts the page back after the capture: hidden elements shown, scroll positions restored. Runs
 * as an injected function, so it is self-contained. Safe to call more than once.
 */
export function restoreRegionCapture(): boolean {
  const g = globalThis as unknown as { __exhibitRegionState?: { scroll: { x: number; y: number }; scrolled: Array<[Element, number, number]>; hidden: Array<[HTMLElement, string, string]> } };
  const state = g.__exhibitRegionState;
  if (!state) return false;
  delete g.__exhibitRegionState;
  for (const [he, value, priority] of state.hidden) {
    if (value) he.style.setProperty('visibility', value, priority);
    else he.style.removeProperty('visibility');
  }
  for (const [node, left, top] of state.scrolled.reverse()) {
    node.scrollLeft = left;
    node.scrollTop = top;
  }
  window.scrollTo({ left: state.scroll.x, top: state.scroll.y, behavior: 'instant' as ScrollBehavior });
  return true;
}

/** Hands the request to the next injected script (files take no arguments). Self-contained. */
export function prepareRegionRequest(request: RegionFactsRequest): boolean {
  (globalThis as unknown as { __exhibitRegionRequest?: RegionFactsRequest }).__exhibitRegionRequest = request;
  return true;
}

/** Hands a render request to the render script (picker-render.ts). Self-contained. */
export function prepareRenderRequest(request: { scale: number; maxSide: number }): boolean {
  (globalThis as unknown as { __exhibitRenderRequest?: { scale: number; maxSide: number } }).__exhibitRenderRequest = request;
  return true;
}
