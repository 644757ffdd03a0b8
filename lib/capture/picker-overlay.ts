// The element / region picker drawn over the page (entrypoints/picker.ts, the extension's
// isolated world): hover highlights an element, a click picks it, a drag draws a rectangle, the
// arrow keys widen or narrow the highlight, Enter picks it, Esc cancels. It lives in a closed
// shadow root, so the page's styles neither reach it nor read it. It reports straight to the
// background (the popup has closed by then) with `picker.result` and the nonce it was given.
import { browser } from 'wxt/browser';
import type { PickerOutcome } from './picker-protocol';

interface PickerArgs {
  nonce: string;
}

type Globals = typeof globalThis & {
  __exhibitPickerArgs?: PickerArgs;
  __exhibitPicked?: Element | null;
  __exhibitPickerCancel?: () => void;
};

const DRAG_THRESHOLD = 6;
const MIN_REGION = 8;

const CSS = `
/* In a shadow tree, !important :host rules beat the page's own: the overlay stays on top of everything. */
:host { all: initial !important; position: fixed !important; inset: 0 !important; z-index: 2147483647 !important; display: block !important; }
.shield { position: fixed; inset: 0; cursor: crosshair; background: transparent; pointer-events: auto; }
.box { position: fixed; box-sizing: border-box; pointer-events: none; border: 2px solid #2563eb; background: rgba(37, 99, 235, 0.12); border-radius: 2px; display: none; }
.drag { border-style: dashed; border-color: #7c3aed; background: rgba(124, 58, 237, 0.12); }
.tag { position: fixed; pointer-events: none; font: 600 12px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #fff; background: #1e3a8a; padding: 2px 6px; border-radius: 3px; white-space: nowrap; max-width: 60vw; overflow: hidden; text-overflow: ellipsis; display: none; }
.bar { position: fixed; left: 50%; transform: translateX(-50%); top: 12px; display: flex; gap: 12px; align-items: center; max-width: min(880px, calc(100vw - 24px)); box-sizing: border-box;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #f8fafc; background: #0f172a; border: 1px solid #38bdf8; border-radius: 8px; padding: 10px 12px 10px 16px; box-shadow: 0 8px 24px rgba(15, 23, 42, 0.35); pointer-events: auto; cursor: default; }
.bar.bottom { top: auto; bottom: 12px; }
.bar strong { color: #7dd3fc; font-weight: 600; }
.bar kbd { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; background: #1e293b; border: 1px solid #475569; border-radius: 4px; padding: 0 4px; }
.bar p { margin: 0; }
.bar .hint { color: #cbd5e1; font-size: 12px; margin-top: 2px; }
.bar button { font: 600 13px system-ui, sans-serif; color: #0f172a; background: #e2e8f0; border: 0; border-radius: 6px; padding: 6px 12px; cursor: pointer; flex: none; }
.bar button:focus-visible { outline: 2px solid #38bdf8; outline-offset: 2px; }
`;

/** A notice that covers nothing but itself: the page stays usable under it. */
const TOAST_CSS = `
:host { all: initial !important; position: fixed !important; left: 0 !important; right: 0 !important; bottom: 16px !important; z-index: 2147483647 !important; display: flex !important; justify-content: center !important; pointer-events: none !important; }
.toast { max-width: min(640px, calc(100vw - 32px)); font: 14px/1.45 system-ui, sans-serif; color: #fff; background: #b91c1c; padding: 10px 14px; border-radius: 8px; box-shadow: 0 8px 24px rgba(15, 23, 42, 0.35); pointer-events: auto; }
`;

function describe(el: Element, rect: DOMRect): string {
  const id = el.id ? `#${el.id.slice(0, 40)}` : '';
  return `${el.localName}${id}  ${Math.round(rect.width)} × ${Math.round(rect.height)}`;
}

export function startPicker(win: Window): boolean {
  const g = win as unknown as Globals;
  const args = g.__exhibitPickerArgs;
  delete g.__exhibitPickerArgs;
  if (!args) return false;
  // A picker still open from an earlier request is replaced.
  g.__exhibitPickerCancel?.();
  const doc = win.document;

  const host = doc.createElement('exhibit-picker');
  host.setAttribute('style', 'all: initial !important; position: fixed !important; inset: 0 !important; z-index: 2147483647 !important; display: block !important;');
  const root = host.attachShadow({ mode: 'closed' });
  const style = doc.createElement('style');
  style.textContent = CSS;
  const shield = doc.createElement('div');
  shield.className = 'shield';
  const box = doc.createElement('div');
  box.className = 'box';
  const tag = doc.createElement('div');
  tag.className = 'tag';
  const bar = doc.createElement('div');
  bar.className = 'bar';
  bar.setAttribute('role', 'dialog');
  bar.setAttribute('aria-label', 'Exhibit: pick what to capture');
  const text = doc.createElement('div');
  const line = doc.createElement('p');
  const brand = doc.createElement('strong');
  brand.textContent = 'Exhibit';
  line.append(brand, ' · Click an element to capture it, or drag to capture a region.');
  const hint = doc.createElement('p');
  hint.className = 'hint';
  const key = (k: string) => {
    const kbd = doc.createElement('kbd');
    kbd.textContent = k;
    return kbd;
  };
  hint.append(key('↑'), ' ', key('↓'), ' widen or narrow the highlight · ', key('Enter'), ' captures it · ', key('Esc'), ' cancels');
  text.append(line, hint);
  const cancelButton = doc.createElement('button');
  cancelButton.type = 'button';
  cancelButton.textContent = 'Cancel';
  bar.append(text, cancelButton);
  root.append(style, shield, box, tag, bar);

  let hovered: Element | null = null;
  /** The highlighted element: `hovered` or one of its ancestors (arrow keys). */
  let chain: Element[] = [];
  let level = 0;
  let drag: { x: number; y: number; moved: boolean } | null = null;
  let done = false;

  const current = () => chain[level] ?? null;
  const show = (left: number, top: number, width: number, height: number, label: string, dragging: boolean) => {
    box.className = dragging ? 'box drag' : 'box';
    Object.assign(box.style, { display: 'block', left: `${left}px`, top: `${top}px`, width: `${width}px`, height: `${height}px` });
    tag.textContent = label;
    const above = top - 24 >= 0;
    Object.assign(tag.style, { display: 'block', left: `${Math.max(0, Math.min(left, win.innerWidth - 200))}px`, top: `${above ? top - 24 : Math.min(top + height + 4, win.innerHeight - 24)}px` });
    // Keep the instructions out of the way of what is being picked.
    bar.classList.toggle('bottom', top < 90 && top + height < win.innerHeight - 90);
  };
  const highlight = () => {
    const el = current();
    if (!el) {
      box.style.display = 'none';
      tag.style.display = 'none';
      return;
    }
    const r = el.getBoundingClientRect();
    show(r.left, r.top, r.width, r.height, describe(el, r), false);
  };
  const elementAt = (x: number, y: number): Element | null => {
    for (const el of doc.elementsFromPoint(x, y)) if (el !== host && el !== doc.documentElement) return el;
    return null;
  };
  const hover = (x: number, y: number) => {
    const el = elementAt(x, y);
    if (el === hovered) return;
    hovered = el;
    chain = [];
    for (let node = el; node && node !== doc.documentElement; node = node.parentElement) chain.push(node);
    level = 0;
    highlight();
  };

  const cleanup = () => {
    done = true;
    win.removeEventListener('keydown', onKey, true);
    win.removeEventListener('scroll', onScroll, true);
    host.remove();
    if (g.__exhibitPickerCancel === cancelSilently) delete g.__exhibitPickerCancel;
  };
  const toast = (message: string) => {
    const notice = doc.createElement('exhibit-picker');
    const shadow = notice.attachShadow({ mode: 'closed' });
    const s = doc.createElement('style');
    s.textContent = TOAST_CSS;
    const t = doc.createElement('div');
    t.className = 'toast';
    t.setAttribute('role', 'alert');
    t.textContent = message;
    shadow.append(s, t);
    (doc.body ?? doc.documentElement).append(notice);
    setTimeout(() => notice.remove(), 5000);
  };
  const report = async (outcome: PickerOutcome) => {
    if (done) return;
    cleanup();
    // Let the page repaint without the overlay before the background takes its picture.
    await new Promise((r) => {
      win.requestAnimationFrame(() => win.requestAnimationFrame(() => r(undefined)));
      setTimeout(r, 250);
    });
    try {
      const reply = (await browser.runtime.sendMessage({ type: 'picker.result', nonce: args.nonce, outcome })) as { ok?: boolean } | undefined;
      if (!reply?.ok && outcome.kind !== 'cancelled') toast('Exhibit is no longer waiting for this pick, so nothing was captured. Start the capture again from Exhibit’s toolbar button.');
    } catch {
      if (outcome.kind !== 'cancelled') toast('Exhibit could not be reached, so nothing was captured. Start the capture again from Exhibit’s toolbar button.');
    }
  };
  const pickElement = () => {
    const el = current();
    if (!el) return;
    g.__exhibitPicked = el;
    void report({ kind: 'element' });
  };
  function cancelSilently() {
    if (!done) cleanup();
  }

  shield.addEventListener('pointermove', (e) => {
    if (drag) {
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      drag.moved = true;
      const left = Math.min(drag.x, e.clientX);
      const top = Math.min(drag.y, e.clientY);
      show(left, top, Math.abs(dx), Math.abs(dy), `region  ${Math.round(Math.abs(dx))} × ${Math.round(Math.abs(dy))}`, true);
      return;
    }
    hover(e.clientX, e.clientY);
  });
  shield.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    shield.setPointerCapture?.(e.pointerId);
    drag = { x: e.clientX, y: e.clientY, moved: false };
  });
  shield.addEventListener('pointerup', (e) => {
    if (!drag) return;
    e.preventDefault();
    e.stopPropagation();
    const start = drag;
    drag = null;
    const width = Math.abs(e.clientX - start.x);
    const height = Math.abs(e.clientY - start.y);
    if (start.moved && width >= MIN_REGION && height >= MIN_REGION) {
      const left = Math.max(0, Math.min(start.x, e.clientX));
      const top = Math.max(0, Math.min(start.y, e.clientY));
      const right = Math.min(win.innerWidth, Math.max(start.x, e.clientX));
      const bottom = Math.min(win.innerHeight, Math.max(start.y, e.clientY));
      void report({ kind: 'region', rect: { x: left + win.scrollX, y: top + win.scrollY, width: right - left, height: bottom - top } });
      return;
    }
    if (start.moved) {
      highlight();
      return;
    }
    hover(e.clientX, e.clientY);
    pickElement();
  });
  for (const type of ['click', 'dblclick', 'contextmenu', 'mousedown', 'mouseup'] as const) {
    shield.addEventListener(type, (e) => {
      e.preventDefault();
      e.stopPropagation();
    });
  }
  // Over the instructions (not their button), the page under them is what the person points at:
  // highlighting it moves the instructions to the other edge, out of the way.
  bar.addEventListener('pointermove', (e) => {
    if (!drag && !(e.target as Element).closest('button')) hover(e.clientX, e.clientY);
  });
  cancelButton.addEventListener('click', (e) => {
    e.stopPropagation();
    void report({ kind: 'cancelled' });
  });
  function onKey(e: KeyboardEvent) {
    if (e.key === 'Escape') void report({ kind: 'cancelled' });
    else if (e.key === 'ArrowUp' && level < chain.length - 1) {
      level++;
      highlight();
    } else if (e.key === 'ArrowDown' && level > 0) {
      level--;
      highlight();
    } else if (e.key === 'Enter' && current() && root.activeElement !== cancelButton) pickElement();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }
  function onScroll() {
    if (!drag) highlight();
  }
  win.addEventListener('keydown', onKey, true);
  win.addEventListener('scroll', onScroll, true);
  g.__exhibitPickerCancel = cancelSilently;
  (doc.body ?? doc.documentElement).append(host);
  return true;
}

/** Removes an open picker without reporting (the background gave up on it). Self-contained. */
export function removePicker(): boolean {
  const g = globalThis as unknown as { __exhibitPickerCancel?: () => void };
  const cancel = g.__exhibitPickerCancel;
  cancel?.();
  return cancel !== undefined;
}

/** Hands the nonce to the picker script (files take no arguments). Self-contained. */
export function preparePicker(nonce: string): boolean {
  (globalThis as unknown as { __exhibitPickerArgs?: { nonce: string } }).__exhibitPickerArgs = { nonce };
  return true;
}
