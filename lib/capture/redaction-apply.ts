// Applying the person's redaction: solid fills burned into RGBA pixels, and the same boxes
// applied to the page's tables so redacted text never reaches a CSV. Pure functions over buffers
// and strings; the background (redaction.ts) decodes and encodes around them.
//
// Tables under redaction: at capture time the page-side script extracts every table with each
// piece of text replaced by a marker (\uE000<n>\uE001) and reports, per marker, the text and where
// it was drawn (in image pixels). Once the boxes are final, each marker becomes its text, or
// "[REDACTED]" when any of its boxes meets a redaction box: the same rule, at the same text-node
// granularity, as extractTables' own `redactions` option, without asking the page again (it may
// have changed or closed while the editor was open).
import type { ExtractedTableFacts } from '../context/read-facts';
import type { ImageBox, RedactionInfo, RedactionReason, RedactionRegion } from '../schema';
import { DEFAULT_TABLE_LIMITS, REDACTED } from '../tables/extract';
import { boxesIntersect } from './crop';

/** Opaque black: a fill that hides, never a blur that a model could invert. */
export const REDACTION_FILL: readonly [number, number, number, number] = [0, 0, 0, 255];

/** Clamps `box` to a width × height image; null when nothing of it is inside. */
export function clampBox(box: ImageBox, width: number, height: number): ImageBox | null {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(height, Math.ceil(box.y + box.height));
  return x1 > x0 && y1 > y0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** Fills every box with `fill` in RGBA pixels (row-major, 4 bytes a pixel), in place. Returns the pixels written. */
export function burnBoxes(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, boxes: readonly ImageBox[], fill = REDACTION_FILL): number {
  if (rgba.length !== width * height * 4) throw new Error(`RGBA buffer is ${rgba.length} bytes, not ${width}×${height}×4`);
  let written = 0;
  const pattern = new Uint8Array(4 * Math.max(1, width));
  for (let i = 0; i < pattern.length; i += 4) pattern.set(fill, i);
  for (const raw of boxes) {
    const box = clampBox(raw, width, height);
    if (!box) continue;
    const row = pattern.subarray(0, box.width * 4);
    for (let line = box.y; line < box.y + box.height; line++) rgba.set(row, (line * width + box.x) * 4);
    written += box.width * box.height;
  }
  return written;
}

/** True when every pixel of every box is exactly `fill`: checked before the pixels are encoded. */
export function boxesAreFilled(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, boxes: readonly ImageBox[], fill = REDACTION_FILL): boolean {
  for (const raw of boxes) {
    const box = clampBox(raw, width, height);
    if (!box) continue;
    for (let row: number = box.y; row < box.y + box.height; row++) {
      for (let col: number = box.x; col < box.x + box.width; col++) {
        const i = (row * width + col) * 4;
        if (rgba[i] !== fill[0] || rgba[i + 1] !== fill[1] || rgba[i + 2] !== fill[2] || rgba[i + 3] !== fill[3]) return false;
      }
    }
  }
  return true;
}

/** Count of regions per reason, for the signed record. */
export function redactionSummary(regions: readonly RedactionRegion[]): RedactionInfo {
  const reasons: Partial<Record<RedactionReason, number>> = {};
  for (const r of regions) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  return { regions: regions.length, reasons };
}

export const MARK_OPEN = '\uE000';
export const MARK_CLOSE = '\uE001';
const MARK = /\uE000([0-9a-z]{1,8})\uE001/g;

export function marker(index: number): string {
  return `${MARK_OPEN}${index.toString(36)}${MARK_CLOSE}`;
}

/** One piece of table text and where the capture drew it. */
export interface TextSegment {
  text: string;
  /** Image-pixel boxes of its characters (or of its element, for input values and image alt text). */
  boxes: ImageBox[];
  /** The page gave no geometry for it: it is treated as under every redaction. */
  unplaced?: boolean;
}

/** Tables whose cell, header and caption text hold markers for `segments`. */
export interface TableTemplates {
  tables: ExtractedTableFacts[];
  segments: TextSegment[];
}

/** TextReader's final pass: lines trimmed, spaces collapsed, empty lines dropped. */
function normalizeCell(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/ +/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/**
 * The tables' text with every marker replaced by its text, or by "[REDACTED]" when it lies under
 * any of `boxes` (adjacent redacted pieces read as one "[REDACTED]").
 */
export function fillTables(templates: TableTemplates, boxes: readonly ImageBox[]): ExtractedTableFacts[] {
  const { segments } = templates;
  const redacted = (i: number): boolean => {
    const segment = segments[i];
    if (!segment) throw new Error(`table text ${i} is missing: the capture's table data is inconsistent`);
    if (!boxes.length) return false;
    if (segment.unplaced) return true;
    return segment.boxes.some((b) => boxes.some((x) => boxesIntersect(b, x)));
  };
  const limit = DEFAULT_TABLE_LIMITS.cellChars;
  return templates.tables.map((table) => {
    let truncated = table.truncated;
    const fill = (template: string, max = limit): string => {
      if (!template.includes(MARK_OPEN)) return template;
      let out = '';
      let last = 0;
      let redactedEnd = -1;
      MARK.lastIndex = 0;
      for (let m = MARK.exec(template); m; m = MARK.exec(template)) {
        out += template.slice(last, m.index);
        const i = Number.parseInt(m[1]!, 36);
        if (redacted(i)) {
          if (redactedEnd !== out.length) out += REDACTED;
          redactedEnd = out.length;
        } else out += segments[i]!.text;
        last = m.index + m[0].length;
      }
      out = normalizeCell(out + template.slice(last));
      if (out.length > max) {
        truncated = true;
        out = out.slice(0, max);
      }
      return out;
    };
    const filled: ExtractedTableFacts = {
      ...table,
      columns: table.columns.map((c) => fill(c)),
      rows: table.rows.map((row) => row.map((c) => fill(c))),
    };
    if (table.caption !== undefined) filled.caption = fill(table.caption, 500);
    return { ...filled, truncated };
  });
}
