// Runs inside the captured page (picker-facts script, extension's isolated world): everything an
// element, region or redacted capture needs to know about the page's text, measured in the same
// instant as the pixels. The page is hostile: its text is data, sizes are capped, and no page
// code runs on our behalf (the table clone lives in an inert document).
//
// - suggestions: text that looks like secrets or personal data (redaction-suggest.ts), with the
//   viewport rectangles its characters are drawn in;
// - table templates: the page's tables as extractTables sees them, every piece of text replaced
//   by a marker, with the text and rectangles of each marker (redaction-apply.ts fills them in).
import { browserProbe, extractTables, type LayoutProbe, type Rect } from '../tables/extract';
import type { ExtractedTableFacts } from '../context/read-facts';
import { findSensitive, type SuggestionReason } from './redaction-suggest';
import { MARK_CLOSE, MARK_OPEN, marker } from './redaction-apply';

export interface PageSuggestion {
  reason: SuggestionReason;
  /** Viewport rectangles of the finding (several when it wraps). */
  rects: Rect[];
}

export interface PageSegment {
  text: string;
  rects: Rect[];
}

export interface PageMarks {
  suggestions: PageSuggestion[];
  tables: ExtractedTableFacts[];
  segments: PageSegment[];
}

const MAX_TEXT_NODES = 50_000;
const MAX_SCAN_CHARS = 3_000_000;
const MAX_SUGGESTIONS = 1_000;
const SKIP = new Set(['script', 'style', 'template', 'noscript', 'head', 'title', 'textarea', 'select', 'option', 'iframe', 'object', 'embed', 'svg', 'canvas']);
const CANDIDATES = 'table, [role="grid"], [role="treegrid"], [role="table"]';

function intersects(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function plainRect(r: DOMRect | Rect): Rect {
  return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
}

/**
 * Where a node's rectangle lands in the captured picture, when that is not where the viewport
 * shows it now (a full page grows its scrolling panel, moving what is below it down).
 */
export type PlaceRect = (node: Node, rect: Rect) => Rect;
const inPlace: PlaceRect = (_node, rect) => rect;

/** Text that looks sensitive inside `region`: text nodes grouped by block, then input values. */
export function findSuggestions(win: Window, region: Rect, place: PlaceRect = inPlace): PageSuggestion[] {
  const doc = win.document;
  const root = doc.body ?? doc.documentElement;
  if (!root) return [];
  const styles = new Map<Element, CSSStyleDeclaration>();
  const style = (el: Element) => {
    let s = styles.get(el);
    if (!s) styles.set(el, (s = win.getComputedStyle(el)));
    return s;
  };
  const rendered = new Map<Element, boolean>();
  const isRendered = (el: Element): boolean => {
    let r = rendered.get(el);
    if (r === undefined) {
      const check = (el as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
      r = typeof check === 'function' ? check.call(el, { opacityProperty: true, visibilityProperty: true }) : style(el).display !== 'none' && style(el).visibility !== 'hidden';
      rendered.set(el, r);
    }
    return r;
  };
  const blockOf = (el: Element): Element => {
    let node: Element | null = el;
    while (node && node !== root) {
      const display = style(node).display;
      if (display !== 'inline' && display !== 'contents') return node;
      node = node.parentElement;
    }
    return root;
  };

  // Runs of text drawn together (one block), so "ada@" + <b>"acme.example"</b> is one finding.
  interface Run {
    block: Element;
    text: string;
    pieces: Array<{ node: Text; from: number }>;
  }
  const runs: Run[] = [];
  let current: Run | null = null;
  let nodes = 0;
  let chars = 0;
  const walker = doc.createTreeWalker(root, 0x1 | 0x4, {
    acceptNode(node) {
      if (node.nodeType === 1) {
        const el = node as Element;
        if (SKIP.has(el.localName)) return 2; // FILTER_REJECT: skip the subtree
        return 1;
      }
      return 1;
    },
  });
  for (let node = walker.nextNode(); node && nodes < MAX_TEXT_NODES && chars < MAX_SCAN_CHARS; node = walker.nextNode()) {
    if (node.nodeType === 1) {
      if ((node as Element).localName === 'br' && current) current.text += '\n';
      continue;
    }
    const text = node as Text;
    const parent = text.parentElement;
    if (!parent || !text.data.trim() || !isRendered(parent)) continue;
    nodes++;
    const block = blockOf(parent);
    if (!current || current.block !== block) {
      current = { block, text: '', pieces: [] };
      runs.push(current);
    }
    current.pieces.push({ node: text, from: current.text.length });
    current.text += text.data;
    chars += text.data.length;
  }

  const suggestions: PageSuggestion[] = [];
  const range = doc.createRange();
  const locate = (run: Run, offset: number): [Text, number] => {
    let i = run.pieces.length - 1;
    while (i > 0 && run.pieces[i]!.from > offset) i--;
    const piece = run.pieces[i]!;
    return [piece.node, Math.min(piece.node.data.length, Math.max(0, offset - piece.from))];
  };
  for (const run of runs) {
    if (suggestions.length >= MAX_SUGGESTIONS) break;
    for (const finding of findSensitive(run.text)) {
      const [startNode, startOffset] = locate(run, finding.start);
      const [endNode, endOffset] = locate(run, finding.end);
      try {
        range.setStart(startNode, startOffset);
        range.setEnd(endNode, endOffset);
      } catch {
        continue;
      }
      const rects = Array.from(range.getClientRects(), (r) => place(startNode, plainRect(r))).filter((r) => r.right > r.left && r.bottom > r.top && intersects(r, region));
      if (rects.length) suggestions.push({ reason: finding.reason, rects });
      if (suggestions.length >= MAX_SUGGESTIONS) break;
    }
  }

  // Values typed into fields are not text nodes: the whole field is the suggestion.
  for (const field of Array.from(doc.querySelectorAll('input, textarea')).slice(0, 2000)) {
    if (suggestions.length >= MAX_SUGGESTIONS) break;
    const type = (field.getAttribute('type') ?? 'text').toLowerCase();
    if (field.localName === 'input' && ['password', 'hidden', 'checkbox', 'radio', 'file', 'submit', 'button', 'reset', 'image', 'range', 'color'].includes(type)) continue;
    if (!isRendered(field)) continue;
    const value = String((field as HTMLInputElement).value ?? '');
    const finding = value ? findSensitive(value.slice(0, 10_000))[0] : undefined;
    if (!finding) continue;
    const rect = place(field, plainRect(field.getBoundingClientRect()));
    if (intersects(rect, region)) suggestions.push({ reason: finding.reason, rects: [rect] });
  }
  return suggestions;
}

/**
 * The page's tables inside `region` as extractTables gives them, with each piece of text as a
 * marker whose text and rectangles are in `segments`. The document is cloned into an inert
 * document (no scripts, no custom element constructors, no image loads); layout questions about
 * the clone are answered by the live page.
 */
export function tableTemplates(win: Window, region: Rect, place: PlaceRect = inPlace, unclipped: Element | null = null): { tables: ExtractedTableFacts[]; segments: PageSegment[] } {
  const doc = win.document;
  const live = browserProbe(win, { unclipped });
  const anyInRegion = Array.from(doc.querySelectorAll(CANDIDATES)).some((el) => {
    const r = el.getBoundingClientRect();
    return r.right > r.left && r.bottom > r.top && intersects(r, region);
  });
  if (!anyInRegion) return { tables: [], segments: [] };

  const inert = doc.implementation.createHTMLDocument('');
  inert.replaceChild(inert.importNode(doc.documentElement, true), inert.documentElement);
  return templatesFromClone(doc, inert, live, region, place);
}

/**
 * The work of tableTemplates on a given clone: `clone`'s document element is a deep copy of
 * `doc`'s (it is rewritten with markers); `live` answers layout questions about `doc`.
 */
export function templatesFromClone(doc: Document, clone: Document, live: LayoutProbe, region: Rect, place: PlaceRect = inPlace): { tables: ExtractedTableFacts[]; segments: PageSegment[] } {
  const cloneRoot = clone.documentElement;
  const original = new Map<Node, Node>();
  const pending: Array<{ clone: Node; kind: 'text' | 'value' | 'alt'; text: string }> = [];
  // The clone has the same shape as the page: walk both in step.
  const a = doc.createTreeWalker(doc.documentElement, 0x1 | 0x4);
  const b = clone.createTreeWalker(cloneRoot, 0x1 | 0x4);
  for (let n: Node | null = a.currentNode, c: Node | null = b.currentNode; n && c; n = a.nextNode(), c = b.nextNode()) {
    original.set(c, n);
    if (c.nodeType === 3) {
      const t = c as Text;
      // As TextReader reads it: whitespace collapsed, a lone space kept as it is (never redacted).
      const collapsed = t.data.replace(/[ \t\n\r\f]+/g, ' ');
      if (collapsed === '' || collapsed === ' ') continue;
      pending.push({ clone: c, kind: 'text', text: collapsed });
      t.data = marker(pending.length - 1);
      continue;
    }
    const el = c as Element;
    // Private-use characters in page-controlled attributes would read as markers.
    const label = el.getAttribute('aria-label');
    if (label && /[\uE000\uE001]/.test(label)) el.setAttribute('aria-label', label.replace(/[\uE000\uE001]/g, ''));
    if (el.localName === 'img') {
      const alt = el.getAttribute('alt');
      if (alt?.trim()) {
        pending.push({ clone: c, kind: 'alt', text: alt.replace(/\s+/g, ' ') });
        el.setAttribute('alt', marker(pending.length - 1));
      }
    } else if (el.localName === 'input') {
      const type = (el.getAttribute('type') ?? 'text').toLowerCase();
      const value = String((n as HTMLInputElement).value ?? '');
      if (!['checkbox', 'radio', 'password', 'hidden', 'file'].includes(type) && value) {
        pending.push({ clone: c, kind: 'value', text: value.replace(/[\uE000\uE001]/g, '') });
        (el as HTMLInputElement).value = marker(pending.length - 1);
      }
    }
  }

  const toLive = <T extends Node>(node: T): T => (original.get(node) as T | undefined) ?? node;
  const probe: LayoutProbe = {
    isRendered: (el) => live.isRendered(toLive(el)),
    visibleRect: (el) => live.visibleRect(toLive(el)),
    textRects: (node) => live.textRects(toLive(node)),
  };
  const tables = extractTables(clone, { region, probe });

  // Only the markers the tables kept are reported, renumbered from 0.
  const pattern = new RegExp(`${MARK_OPEN}([0-9a-z]{1,8})${MARK_CLOSE}`, 'g');
  const kept: number[] = [];
  const renumber = new Map<number, number>();
  const rewrite = (s: string): string =>
    s.includes(MARK_OPEN)
      ? s.replace(pattern, (_m, id: string) => {
          const old = Number.parseInt(id, 36);
          let index = renumber.get(old);
          if (index === undefined) {
            index = kept.push(old) - 1;
            renumber.set(old, index);
          }
          return marker(index);
        })
      : s;
  for (const t of tables) {
    if (t.caption !== undefined) t.caption = rewrite(t.caption);
    t.columns = t.columns.map(rewrite);
    t.rows = t.rows.map((row) => row.map(rewrite));
  }
  const segments: PageSegment[] = kept.map((old) => {
    const p = pending[old]!;
    const node = toLive(p.clone);
    let rects: Rect[] = [];
    if (p.kind === 'text') {
      rects = (live.textRects(node as Text) ?? []).filter((r) => r.right > r.left && r.bottom > r.top);
      const owner = (node as Text).parentElement;
      if (!rects.length && owner) rects = [live.visibleRect(owner)].filter((r): r is Rect => !!r && r.right > r.left && r.bottom > r.top);
    } else {
      const r = live.visibleRect(node as Element);
      if (r && r.right > r.left && r.bottom > r.top) rects = [r];
    }
    return { text: p.text, rects: rects.map((r) => place(node, plainRect(r))) };
  });
  return { tables, segments };
}
