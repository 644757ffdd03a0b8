// Functions that run inside the captured page (scripting.executeScript `func`): each must be
// self-contained — no imports, no outer variables — because only its source text is sent.
// They scroll the element that really scrolls, hide fixed and sticky elements after the first
// tile, and put everything back afterwards.

export interface ScrollPlan {
  /** 'document' when the page itself scrolls, 'element' for an inner scrolling container. */
  container: 'document' | 'element';
  /** The container's box in viewport CSS pixels (the whole viewport for 'document'). */
  rect: { left: number; top: number; width: number; height: number };
  scrollHeight: number;
  clientHeight: number;
  startScrollTop: number;
  viewport: { width: number; height: number };
  devicePixelRatio: number;
  title: string;
  contentType: string;
}

export interface TileState {
  scrollTop: number;
  scrollHeight: number;
}

/** Finds the scrolling element, marks it, and records how to restore the page. */
export function preparePageScroll(): ScrollPlan {
  const w = window as unknown as { __exhibitScroll?: { el: Element | null; top: number; docTop: number; hidden: Array<[HTMLElement, string]> } };
  const doc = document.scrollingElement ?? document.documentElement;
  let el: Element | null = null;
  if (doc.scrollHeight - doc.clientHeight <= 1) {
    // Admin consoles often keep the document fixed and scroll a panel: take the largest visible
    // element that can scroll vertically.
    let best = 0;
    for (const candidate of Array.from(document.querySelectorAll('body *'))) {
      const he = candidate as HTMLElement;
      if (he.scrollHeight - he.clientHeight <= 1 || he.clientHeight < 50) continue;
      const overflow = getComputedStyle(he).overflowY;
      if (overflow !== 'auto' && overflow !== 'scroll' && overflow !== 'overlay') continue;
      const r = he.getBoundingClientRect();
      const visible = Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0)) * Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
      if (visible > best) {
        best = visible;
        el = he;
      }
    }
  }
  w.__exhibitScroll = { el, top: el ? el.scrollTop : doc.scrollTop, docTop: doc.scrollTop, hidden: [] };
  const r = el ? el.getBoundingClientRect() : { left: 0, top: 0, width: doc.clientWidth, height: innerHeight };
  const clientHeight = el ? el.clientHeight : innerHeight;
  return {
    container: el ? 'element' : 'document',
    rect: {
      left: Math.max(0, r.left + (el ? el.clientLeft : 0)),
      top: Math.max(0, r.top + (el ? el.clientTop : 0)),
      width: el ? el.clientWidth : doc.clientWidth,
      height: clientHeight,
    },
    scrollHeight: el ? el.scrollHeight : Math.max(doc.scrollHeight, innerHeight),
    clientHeight,
    startScrollTop: el ? el.scrollTop : doc.scrollTop,
    viewport: { width: innerWidth, height: innerHeight },
    devicePixelRatio: devicePixelRatio,
    title: document.title,
    contentType: document.contentType,
  };
}

/**
 * Scrolls to `top`, hides fixed and sticky elements once `hideFloating` is set, and resolves when
 * the page has settled: images in view decoded and the layout unchanged over two frames.
 */
export async function scrollPageTo(top: number, hideFloating: boolean): Promise<TileState> {
  const state = (window as unknown as { __exhibitScroll?: { el: Element | null; hidden: Array<[HTMLElement, string]> } }).__exhibitScroll;
  if (!state) throw new Error('the page was reloaded during the capture');
  const scroller = (state.el ?? document.scrollingElement ?? document.documentElement) as HTMLElement;
  if (hideFloating && state.hidden.length === 0) {
    for (const node of Array.from(document.querySelectorAll('body *'))) {
      const he = node as HTMLElement;
      const position = getComputedStyle(he).position;
      if (position !== 'fixed' && position !== 'sticky') continue;
      // A fixed element that contains the scroller is the console's frame, not a floating widget.
      if (state.el && he.contains(state.el)) continue;
      state.hidden.push([he, he.style.getPropertyValue('visibility')]);
      he.style.setProperty('visibility', 'hidden', 'important');
    }
  }
  scroller.scrollTop = top;
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));
  const deadline = performance.now() + 1500;
  let last = -1;
  for (let stable = 0; stable < 2 && performance.now() < deadline; ) {
    await frame();
    const pending = Array.from(document.images).filter((img) => {
      if (img.complete) return false;
      const r = img.getBoundingClientRect();
      return r.bottom > 0 && r.top < innerHeight;
    });
    if (pending.length) await Promise.race([Promise.all(pending.map((img) => img.decode().catch(() => undefined))), new Promise((r) => setTimeout(r, 500))]);
    const height = scroller.scrollHeight;
    stable = height === last && pending.length === 0 ? stable + 1 : 0;
    last = height;
  }
  return { scrollTop: scroller.scrollTop, scrollHeight: scroller.scrollHeight };
}

/** Puts the scroll position and every hidden element back; safe to call more than once. */
export function restorePageScroll(): boolean {
  const w = window as unknown as { __exhibitScroll?: { el: Element | null; top: number; docTop: number; hidden: Array<[HTMLElement, string]> }; __exhibitTableScope?: unknown };
  // A table-scope request a failed read left behind must not widen a later capture's tables.
  delete w.__exhibitTableScope;
  const state = w.__exhibitScroll;
  if (!state) return false;
  for (const [he, visibility] of state.hidden) {
    if (visibility) he.style.setProperty('visibility', visibility);
    else he.style.removeProperty('visibility');
  }
  const doc = document.scrollingElement ?? document.documentElement;
  if (state.el) state.el.scrollTop = state.top;
  doc.scrollTop = state.docTop;
  delete w.__exhibitScroll;
  return true;
}
