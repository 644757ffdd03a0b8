// The banner strip drawn ABOVE the captured pixels: what an auditor needs to accept a screenshot
// at first sight (where, when, who) without opening any metadata.
import { formatWallClock } from '../time';

export interface BannerFacts {
  url: string;
  capturedAt: Date;
  timeZone: string;
  utcOffset: string;
  capturedBy: { name: string; email: string; team?: string };
  system: string;
  consoleUser?: string;
  captureId: string;
  capturedPixelsSha256: string;
  /** For a full-page capture saved in parts. */
  part?: { index: number; count: number };
  /** What the image is when not a plain screenshot of the tab (an element, a DOM rendering, redactions): one more line. */
  notes?: readonly string[];
}

// Directional overrides and isolates could make a hostile URL read differently in the banner;
// they are shown as visible code points instead.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const OTHER_CONTROLS = /[\u0000-\u001F\u007F-\u009F]/g;

export function bannerSafeText(text: string): string {
  return text
    .replace(BIDI_CONTROLS, (c) => `⟦U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟧`)
    .replace(OTHER_CONTROLS, ' ');
}

export function bannerLines(f: BannerFacts): string[] {
  const who = `${f.capturedBy.name} <${f.capturedBy.email}>${f.capturedBy.team ? ` (${f.capturedBy.team})` : ''}`;
  return [
    `${f.system}  ·  console user: ${f.consoleUser || 'not detected'}${f.part ? `  ·  part ${f.part.index} of ${f.part.count}` : ''}`,
    f.url,
    `${formatWallClock(f.capturedAt, 'UTC')} UTC  ·  ${formatWallClock(f.capturedAt, f.timeZone)} ${f.timeZone} (UTC${f.utcOffset})`,
    `Captured by ${who}  ·  capture ${f.captureId}  ·  pixels sha256 ${f.capturedPixelsSha256.slice(0, 16)}`,
    ...(f.notes?.length ? [f.notes.join('  ·  ')] : []),
  ].map(bannerSafeText);
}

/** CSS-pixel layout; multiplied by the device pixel ratio when drawn. */
export const BANNER_LAYOUT = { padding: 8, lineHeight: 18, fontSize: 13 } as const;

export function bannerHeightFor(lineCount: number, scale: number): number {
  return Math.round((BANNER_LAYOUT.padding * 2 + BANNER_LAYOUT.lineHeight * lineCount + 2) * scale);
}

/** Shortens `text` with an ellipsis until `measure(text)` fits `maxWidth`. */
export function fitText(text: string, maxWidth: number, measure: (t: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  let lo = 0;
  let hi = Math.min(text.length, 4000);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${text.slice(0, mid)}…`) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** The lines that need no pixel hash (console, URL, times): drawn while the browser takes the picture. */
export const BANNER_HEAD_LINES = 3;

export interface BannerPart {
  rgba: Uint8ClampedArray;
  height: number;
  /** Text rows drawn (a long line wraps onto several). */
  rows: number;
}

/**
 * Draws the banner's head (its first BANNER_HEAD_LINES lines) or its tail (the rest, below a head
 * of `headRows` rows) as a strip of its own and returns its RGBA pixels. A line too long for the width (a narrow element capture, a long URL) wraps
 * onto up to three rows before the last row is shortened with an ellipsis, so the URL, times and
 * ids stay readable. The head ends at the bottom of its rows; the tail holds the padding below
 * and the accent line. Both are cut at whole pixel rows of one banner, so the head drawn alone
 * above the tail equals the banner drawn at once. Needs OffscreenCanvas.
 */
export function renderBannerPart(lines: readonly string[], width: number, scale: number, part: 'head' | 'tail', headRows = 0): BannerPart {
  const [from, to, rowsAbove] = part === 'head' ? [0, BANNER_HEAD_LINES, 0] : [BANNER_HEAD_LINES, lines.length, headRows];
  const canvas = new OffscreenCanvas(width, 1);
  let ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas for the banner');
  const { padding, lineHeight, fontSize } = BANNER_LAYOUT;
  const maxWidth = width - padding * 2 * scale;
  const fontOf = (i: number) => `${i === 0 ? '600 ' : ''}${fontSize * scale}px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif`;
  const rows: Array<{ text: string; line: number }> = [];
  for (let i = from; i < Math.min(to, lines.length); i++) {
    ctx.font = fontOf(i);
    const measure = (t: string) => ctx!.measureText(t).width;
    let rest = lines[i]!;
    for (let row = 0; row < 2 && measure(rest) > maxWidth; row++) {
      // The longest start that fits, broken after a space or a slash when there is one.
      let lo = 1;
      let hi = Math.min(rest.length, 4000);
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (measure(rest.slice(0, mid)) <= maxWidth) lo = mid;
        else hi = mid - 1;
      }
      const cut = Math.max(rest.lastIndexOf(' ', lo), rest.lastIndexOf('/', lo - 1) + 1);
      const end = cut > lo / 2 ? cut : lo;
      rows.push({ text: rest.slice(0, end).trimEnd(), line: i });
      rest = rest.slice(end).trimStart();
    }
    rows.push({ text: fitText(rest, maxWidth, measure), line: i });
  }
  const last = part === 'tail';
  // Where the head ends: below its last row, rounded to a whole pixel row of the banner.
  const cutAt = (n: number) => (n === 0 ? 0 : Math.round((padding + lineHeight * n) * scale));
  const top = cutAt(rowsAbove);
  const bottom = last ? bannerHeightFor(rowsAbove + rows.length, scale) : cutAt(rowsAbove + rows.length);
  const height = Math.max(0, bottom - top);
  if (height === 0) return { rgba: new Uint8ClampedArray(0), height: 0, rows: rows.length };
  canvas.height = height;
  ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, width, height);
  if (last) {
    ctx.fillStyle = '#38bdf8';
    ctx.fillRect(0, height - Math.max(1, Math.round(2 * scale)), width, Math.max(1, Math.round(2 * scale)));
  }
  ctx.textBaseline = 'middle';
  ctx.direction = 'ltr';
  rows.forEach(({ text, line }, i) => {
    ctx!.font = fontOf(line);
    ctx!.fillStyle = line === 0 ? '#f8fafc' : line === 1 ? '#7dd3fc' : '#e2e8f0';
    const y = (padding + lineHeight * (rowsAbove + i) + lineHeight / 2) * scale - top;
    ctx!.fillText(text, padding * scale, y);
  });
  return { rgba: ctx.getImageData(0, 0, width, height).data, height, rows: rows.length };
}

/** The banner's head: the lines that need no pixel hash, drawn alone (see renderBannerPart). */
export function renderBannerHead(lines: readonly string[], width: number, scale: number): BannerPart {
  return renderBannerPart(lines, width, scale, 'head');
}

/** The banner below a head of `headRows` rows: the remaining lines, the padding and the accent line. */
export function renderBannerTail(lines: readonly string[], width: number, scale: number, headRows: number): BannerPart {
  return renderBannerPart(lines, width, scale, 'tail', headRows);
}

/** Draws the whole banner and returns its RGBA pixels (width × height × 4): the head above the tail. */
export function renderBanner(lines: string[], width: number, scale: number): { rgba: Uint8ClampedArray; height: number } {
  const head = renderBannerPart(lines, width, scale, 'head');
  const tail = renderBannerPart(lines, width, scale, 'tail', head.rows);
  const rgba = new Uint8ClampedArray(head.rgba.length + tail.rgba.length);
  rgba.set(head.rgba, 0);
  rgba.set(tail.rgba, head.rgba.length);
  return { rgba, height: head.height + tail.height };
}
