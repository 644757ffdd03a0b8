// Tables as data: every rendered HTML table and ARIA grid in the captured region becomes a header
// row plus data rows of plain text. Runs in the page (the page-facts script), so it is plain
// DOM code with no imports. The page is hostile: text is taken as data and never interpreted,
// sizes are capped, and odd markup gives fewer rows, never an exception.

/** Viewport (CSS pixel) coordinates, as DOMRect has them. */
export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** What the extractor asks of layout; the browser's answers in the page, a stand-in in tests. */
export interface LayoutProbe {
  /** False when the element is not drawn (display:none, visibility:hidden, opacity 0, hidden ancestors). */
  isRendered(el: Element): boolean;
  /** The part of the element its scrolling or clipping ancestors leave visible; null when unknown (no layout). */
  visibleRect(el: Element): Rect | null;
  /** Where a text node's characters are drawn; null when unknown. */
  textRects(node: Text): Rect[] | null;
}

export interface TableLimits {
  tables: number;
  rows: number;
  columns: number;
  cellChars: number;
  totalChars: number;
}

export const DEFAULT_TABLE_LIMITS: TableLimits = { tables: 50, rows: 10_000, columns: 200, cellChars: 10_000, totalChars: 5_000_000 };

export interface ExtractOptions {
  /** Only rows inside this rectangle are kept (a row partly inside counts). Default: everything. */
  region?: Rect;
  /** Text drawn inside any of these rectangles is replaced by "[REDACTED]", in cells, headers and captions. */
  redactions?: readonly Rect[];
  probe?: LayoutProbe;
  limits?: Partial<TableLimits>;
}

export interface ExtractedTable {
  kind: 'table' | 'grid';
  caption?: string;
  columns: string[];
  rows: string[][];
  /** Data rows the page rendered for this table (before the region cut). */
  renderedRowCount: number;
  /** Data rows the grid declares (aria-rowcount minus header rows), when it declares a count. */
  declaredRowCount?: number;
  virtualized: boolean;
  truncated: boolean;
}

export const REDACTED = '[REDACTED]';

const CANDIDATES = 'table, [role="grid"], [role="treegrid"], [role="table"]';
const GRID_ROLES = new Set(['grid', 'treegrid', 'table']);
const CELL_ROLES = new Set(['gridcell', 'cell', 'columnheader', 'rowheader']);
// Elements whose text is never drawn as page text.
const SKIP = new Set(['script', 'style', 'template', 'noscript', 'head', 'title', 'iframe', 'object', 'embed', 'canvas', 'video', 'audio', 'svg']);
const BLOCK = new Set(['address', 'article', 'aside', 'blockquote', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul']);

/** Layout stand-in where nothing is measured: everything not hidden by attribute is kept. */
export const noLayoutProbe: LayoutProbe = {
  isRendered: (el) => !el.hasAttribute('hidden'),
  visibleRect: () => null,
  textRects: () => null,
};

function intersects(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

function role(el: Element): string {
  return (el.getAttribute('role') ?? '').trim().toLowerCase().split(/\s+/)[0] ?? '';
}

function intAttr(el: Element, name: string): number | undefined {
  const value = el.getAttribute(name);
  if (value === null || !/^\s*-?\d{1,9}\s*$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

interface Budget {
  limits: TableLimits;
  chars: number;
  truncated: boolean;
}

class TextReader {
  constructor(
    private readonly probe: LayoutProbe,
    private readonly redactions: readonly Rect[],
    private readonly budget: Budget,
  ) {}

  private redacted(node: Text, owner: Element): boolean {
    if (!this.redactions.length) return false;
    const rects = this.probe.textRects(node) ?? [this.probe.visibleRect(owner)].filter((r): r is Rect => !!r);
    // With no geometry at all, keep nothing that might sit under a redaction.
    if (!rects.length) return true;
    return rects.some((r) => this.redactions.some((x) => intersects(r, x)));
  }

  /** The text a person sees in `el`: blocks and <br> become line breaks, spaces collapse. */
  read(el: Element): string {
    const pieces: string[] = [];
    let length = 0;
    const max = this.budget.limits.cellChars;
    const push = (s: string) => {
      if (length >= max) return;
      pieces.push(s);
      length += s.length;
    };
    const walk = (node: Node, owner: Element, depth: number) => {
      if (length >= max || depth > 64) return;
      if (node.nodeType === 3) {
        const text = (node as Text).data.slice(0, max - length + 1).replace(/[ \t\n\r\f]+/g, ' ');
        if (!text) return;
        // Collapsed whitespace has no boxes and reveals nothing: never a redaction.
        if (text === ' ') return push(text);
        if (this.redacted(node as Text, owner)) {
          if (pieces[pieces.length - 1] !== REDACTED) push(REDACTED);
        } else push(text);
        return;
      }
      if (node.nodeType !== 1) return;
      const child = node as Element;
      const tag = child.localName.toLowerCase();
      if (SKIP.has(tag) || !this.probe.isRendered(child)) return;
      if (tag === 'br') return push('\n');
      if (tag === 'img') {
        const alt = child.getAttribute('alt');
        if (alt?.trim()) push(this.redactions.length && this.isUnderRedaction(child) ? REDACTED : alt.replace(/\s+/g, ' '));
        return;
      }
      if (tag === 'input') {
        const type = (child.getAttribute('type') ?? 'text').toLowerCase();
        if (type === 'checkbox' || type === 'radio') {
          // The live state where there is one (a person may have toggled it), else the markup's.
          const live = (child as HTMLInputElement).checked;
          push((typeof live === 'boolean' ? live : child.hasAttribute('checked')) ? '[x]' : '[ ]');
        } else if (!['password', 'hidden', 'file'].includes(type)) {
          const value = String((child as HTMLInputElement).value ?? child.getAttribute('value') ?? '');
          if (value) push(this.redactions.length && this.isUnderRedaction(child) ? REDACTED : value);
        }
        return;
      }
      const block = BLOCK.has(tag);
      if (block) push('\n');
      for (const c of Array.from(child.childNodes)) walk(c, child, depth + 1);
      if (block) push('\n');
    };
    for (const c of Array.from(el.childNodes)) walk(c, el, 0);
    let text = pieces
      .join('')
      .split('\n')
      .map((line) => line.replace(/ +/g, ' ').trim())
      .filter(Boolean)
      .join('\n');
    if (text.length > max) {
      text = text.slice(0, max);
      this.budget.truncated = true;
    } else if (length >= max) this.budget.truncated = true;
    this.budget.chars += text.length;
    return text;
  }

  private isUnderRedaction(el: Element): boolean {
    const rect = this.probe.visibleRect(el);
    return !rect || this.redactions.some((x) => intersects(rect, x));
  }
}

interface RowSource {
  row: Element;
  cells: Array<{ el: Element; colIndex?: number; colSpan: number; rowSpan: number; header: boolean }>;
  rowIndex?: number;
  inHead: boolean;
}

function htmlRows(table: Element): RowSource[] {
  const head: Element[] = [];
  const body: Element[] = [];
  const foot: Element[] = [];
  for (const child of Array.from(table.children)) {
    const tag = child.localName.toLowerCase();
    if (tag === 'tr') body.push(child);
    else if (tag === 'thead' || tag === 'tbody' || tag === 'tfoot') {
      const rows = Array.from(child.children).filter((r) => r.localName.toLowerCase() === 'tr');
      (tag === 'thead' ? head : tag === 'tfoot' ? foot : body).push(...rows);
    }
  }
  const toSource = (row: Element, inHead: boolean): RowSource => ({
    row,
    inHead,
    rowIndex: intAttr(row, 'aria-rowindex'),
    cells: Array.from(row.children)
      .filter((c) => c.localName.toLowerCase() === 'td' || c.localName.toLowerCase() === 'th')
      .map((c) => ({
        el: c,
        colSpan: intAttr(c, 'colspan') ?? 1,
        // rowspan="0" spans to the end of its section; treated as the rest of the table.
        rowSpan: intAttr(c, 'rowspan') === 0 ? Number.MAX_SAFE_INTEGER : (intAttr(c, 'rowspan') ?? 1),
        header: c.localName.toLowerCase() === 'th' || role(c) === 'columnheader',
      })),
  });
  return [...head.map((r) => toSource(r, true)), ...body.map((r) => toSource(r, false)), ...foot.map((r) => toSource(r, false))];
}

function nearestGrid(el: Element, root: Element): Element | null {
  let node = el.parentElement;
  while (node) {
    if (node === root) return root;
    if (GRID_ROLES.has(role(node)) || node.localName.toLowerCase() === 'table') return node;
    node = node.parentElement;
  }
  return null;
}

function ariaRows(grid: Element, limit: number): RowSource[] {
  const rows = Array.from(grid.querySelectorAll('[role="row"]'))
    .slice(0, limit * 2)
    .filter((row) => nearestGrid(row, grid) === grid);
  const sources = rows.map((row): RowSource => {
    const cells = Array.from(row.querySelectorAll('[role]'))
      .filter((c) => CELL_ROLES.has(role(c)) && c.parentElement && closestRow(c) === row)
      .map((c) => ({
        el: c,
        colIndex: intAttr(c, 'aria-colindex'),
        colSpan: intAttr(c, 'aria-colspan') ?? 1,
        rowSpan: intAttr(c, 'aria-rowspan') ?? 1,
        header: role(c) === 'columnheader',
      }));
    return { row, cells, rowIndex: intAttr(row, 'aria-rowindex'), inHead: false };
  });
  // Virtualised grids often render rows out of order and position them; aria-rowindex is their order.
  if (sources.length && sources.every((s) => s.rowIndex !== undefined)) sources.sort((a, b) => a.rowIndex! - b.rowIndex!);
  return sources;
}

function closestRow(el: Element): Element | null {
  let node = el.parentElement;
  while (node) {
    if (role(node) === 'row') return node;
    node = node.parentElement;
  }
  return null;
}

function captionOf(el: Element, reader: TextReader): string | undefined {
  const caption = Array.from(el.children).find((c) => c.localName.toLowerCase() === 'caption');
  let text = caption ? reader.read(caption) : '';
  if (!text) text = (el.getAttribute('aria-label') ?? '').replace(/\s+/g, ' ').trim();
  if (!text) {
    const ids = (el.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean).slice(0, 5);
    const doc = el.ownerDocument;
    text = ids
      .map((id) => doc.getElementById(id))
      .filter((n): n is HTMLElement => !!n)
      .map((n) => reader.read(n))
      .filter(Boolean)
      .join(' ');
  }
  return text ? text.slice(0, 500) : undefined;
}

interface ExtractContext {
  probe: LayoutProbe;
  region?: Rect;
  reader: TextReader;
  budget: Budget;
}

function inRegion(el: Element, ctx: ExtractContext): boolean {
  if (!ctx.region) return true;
  const rect = ctx.probe.visibleRect(el);
  // No geometry (a test document): keep. Fully scrolled or clipped away: drop.
  return rect === null || (rect.right > rect.left && rect.bottom > rect.top && intersects(rect, ctx.region));
}

function extractOne(el: Element, ctx: ExtractContext): ExtractedTable | null {
  const { limits } = ctx.budget;
  const isHtml = el.localName.toLowerCase() === 'table';
  const sources = (isHtml ? htmlRows(el) : ariaRows(el, limits.rows)).filter((s) => ctx.probe.isRendered(s.row));
  if (!sources.some((s) => s.cells.length)) return null;

  // Header rows: a <thead>, or leading rows made only of header cells.
  let headerCount = sources.filter((s) => s.inHead).length;
  if (headerCount === 0) {
    while (headerCount < sources.length - 1 && headerCount < 5 && sources[headerCount]!.cells.length && sources[headerCount]!.cells.every((c) => c.header)) headerCount++;
  }
  let truncated = false;
  const width = { value: 0 };
  const pending: Array<{ left: number; text: string } | undefined> = [];
  const layoutRow = (source: RowSource, isHeader: boolean, keep: boolean): string[] => {
    const out: string[] = [];
    let col = 0;
    const fillPending = () => {
      while (pending[col]) {
        const p = pending[col]!;
        out[col] = p.text;
        p.left--;
        if (p.left <= 0) pending[col] = undefined;
        col++;
      }
    };
    for (const cell of source.cells) {
      fillPending();
      if (cell.colIndex !== undefined && cell.colIndex - 1 > col && cell.colIndex - 1 < limits.columns) col = cell.colIndex - 1;
      if (col >= limits.columns) {
        truncated = true;
        break;
      }
      const text = keep ? ctx.reader.read(cell.el) : '';
      const colSpan = Math.min(Math.max(cell.colSpan, 1), limits.columns - col);
      const rowSpan = Math.max(cell.rowSpan, 1);
      for (let k = 0; k < colSpan; k++) {
        // A spanning header names every column it spans; a spanning data cell fills its first.
        out[col + k] = k === 0 || isHeader ? text : '';
        if (rowSpan > 1) pending[col + k] = { left: rowSpan - 1, text: k === 0 || isHeader ? text : '' };
      }
      col += colSpan;
    }
    fillPending();
    for (let i = 0; i < out.length; i++) out[i] ??= '';
    width.value = Math.max(width.value, out.length);
    return out;
  };

  const headerRows: string[][] = [];
  const rows: string[][] = [];
  let rendered = 0;
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    if (i < headerCount) {
      headerRows.push(layoutRow(source, true, true));
      continue;
    }
    rendered++;
    if (rows.length >= limits.rows || ctx.budget.chars >= limits.totalChars) {
      truncated = true;
      layoutRow(source, false, false);
      continue;
    }
    const keep = inRegion(source.row, ctx);
    const row = layoutRow(source, false, keep);
    if (keep) rows.push(row);
  }
  if (width.value === 0) return null;

  const columns: string[] = [];
  for (let c = 0; c < width.value; c++) {
    const names: string[] = [];
    for (const h of headerRows) {
      const name = h[c] ?? '';
      if (name && names[names.length - 1] !== name) names.push(name);
    }
    columns.push(names.join(' / ') || `Column ${c + 1}`);
  }
  for (const row of rows) while (row.length < width.value) row.push('');

  // A declared row count (aria-rowcount) counts header rows too; -1 means "unknown, more than shown".
  const declaredTotal = intAttr(el, 'aria-rowcount');
  const declaredRowCount = declaredTotal !== undefined && declaredTotal >= 0 ? Math.max(0, declaredTotal - headerCount) : undefined;
  // aria-rowindex (1-based, header rows included) that starts late or jumps: rows were left unrendered.
  const indexes = sources.slice(headerCount).map((s) => s.rowIndex);
  const skipsRows =
    indexes.length > 0 &&
    indexes.every((n): n is number => n !== undefined) &&
    (indexes[0]! > headerCount + 1 || indexes.some((n, i) => i > 0 && n !== indexes[i - 1]! + 1));
  const virtualized = declaredTotal === -1 || (declaredRowCount !== undefined && declaredRowCount > rendered) || skipsRows;

  return {
    kind: isHtml ? 'table' : 'grid',
    caption: captionOf(el, ctx.reader),
    columns,
    rows,
    renderedRowCount: rendered,
    ...(declaredRowCount !== undefined ? { declaredRowCount } : {}),
    virtualized,
    truncated,
  };
}

/** Every rendered table and ARIA grid of `doc` that reaches into the region, in document order. */
export function extractTables(doc: Document, options: ExtractOptions = {}): ExtractedTable[] {
  const limits = { ...DEFAULT_TABLE_LIMITS, ...options.limits };
  const probe = options.probe ?? noLayoutProbe;
  const budget: Budget = { limits, chars: 0, truncated: false };
  const ctx: ExtractContext = { probe, region: options.region, reader: new TextReader(probe, options.redactions ?? [], budget), budget };
  let candidates: Element[];
  try {
    candidates = Array.from(doc.querySelectorAll(CANDIDATES)).slice(0, limits.tables * 20);
  } catch {
    return [];
  }
  const tables: ExtractedTable[] = [];
  for (const el of candidates) {
    if (tables.length >= limits.tables || budget.chars >= limits.totalChars) break;
    try {
      const r = role(el);
      if (r === 'presentation' || r === 'none') continue;
      // A table holding other tables is page layout; the inner ones hold the data.
      const inner = Array.from(el.querySelectorAll(CANDIDATES)).some((c) => role(c) !== 'presentation' && role(c) !== 'none');
      if (inner) continue;
      if (!probe.isRendered(el) || !inRegion(el, ctx)) continue;
      budget.truncated = false;
      const table = extractOne(el, ctx);
      if (table) tables.push({ ...table, truncated: table.truncated || budget.truncated });
    } catch {
      // Markup this extractor does not understand yields no table, never a failed capture.
    }
  }
  return tables;
}

/**
 * The browser’s layout, for the page-facts script. `unclipped`: a scrolling element whose own
 * clipping is ignored — the panel a full-page capture stitches in full, so rows scrolled out of
 * it still count as inside the captured image.
 */
export function browserProbe(win: Window, options: { unclipped?: Element | null } = {}): LayoutProbe {
  const clipCache = new Map<Element, Rect | null>();
  const style = (el: Element) => win.getComputedStyle(el);
  const rectOf = (el: Element): Rect => el.getBoundingClientRect();
  // The rectangle an element's scrolling or clipping ancestors leave open (null: no clipping).
  const clipOf = (el: Element | null): Rect | null => {
    if (!el || el === win.document.documentElement || el === win.document.body) return null;
    if (clipCache.has(el)) return clipCache.get(el)!;
    const s = style(el);
    let clip = clipOf(el.parentElement);
    if (el !== options.unclipped && (s.overflowX !== 'visible' || s.overflowY !== 'visible')) {
      const r = rectOf(el);
      clip = clip ? { left: Math.max(clip.left, r.left), top: Math.max(clip.top, r.top), right: Math.min(clip.right, r.right), bottom: Math.min(clip.bottom, r.bottom) } : r;
    }
    clipCache.set(el, clip);
    return clip;
  };
  // Grids often lay rows out with display: contents; such an element has no box of its own, so
  // it is as visible as its parent and occupies the union of its children's boxes.
  const isContents = (el: Element) => style(el).display === 'contents';
  const isRendered = (el: Element): boolean => {
    if (isContents(el)) return !el.parentElement || isRendered(el.parentElement);
    const check = (el as Element & { checkVisibility?: (o: object) => boolean }).checkVisibility;
    if (typeof check === 'function') return check.call(el, { opacityProperty: true, visibilityProperty: true });
    const s = style(el);
    return s.display !== 'none' && s.visibility !== 'hidden';
  };
  const boxOf = (el: Element, depth = 0): Rect => {
    if (depth < 8 && isContents(el)) {
      const boxes = Array.from(el.children, (c) => boxOf(c, depth + 1)).filter((r) => r.right > r.left && r.bottom > r.top);
      if (boxes.length) {
        return {
          left: Math.min(...boxes.map((b) => b.left)),
          top: Math.min(...boxes.map((b) => b.top)),
          right: Math.max(...boxes.map((b) => b.right)),
          bottom: Math.max(...boxes.map((b) => b.bottom)),
        };
      }
    }
    const r = rectOf(el);
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  return {
    isRendered,
    visibleRect(el) {
      const r = boxOf(el);
      const clip = clipOf(el.parentElement);
      if (!clip) return r;
      return { left: Math.max(clip.left, r.left), top: Math.max(clip.top, r.top), right: Math.min(clip.right, r.right), bottom: Math.min(clip.bottom, r.bottom) };
    },
    textRects(node) {
      const range = win.document.createRange();
      range.selectNodeContents(node);
      return Array.from(range.getClientRects(), (r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom }));
    },
  };
}
