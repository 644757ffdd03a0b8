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
    `${f.system}  ·  console user: ${f.consoleUser || 'not detected'}`,
    f.url,
    `${formatWallClock(f.capturedAt, 'UTC')} UTC  ·  ${formatWallClock(f.capturedAt, f.timeZone)} ${f.timeZone} (UTC${f.utcOffset})`,
    `Captured by ${who}  ·  capture ${f.captureId}  ·  pixels sha256 ${f.capturedPixelsSha256.slice(0, 16)}`,
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

/** Draws the banner and returns its RGBA pixels (width × height × 4). Needs OffscreenCanvas. */
export function renderBanner(lines: string[], width: number, scale: number): { rgba: Uint8ClampedArray; height: number } {
  const height = bannerHeightFor(lines.length, scale);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas for the banner');
  ctx.fillStyle = '#0f172a';
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = '#38bdf8';
  ctx.fillRect(0, height - Math.max(1, Math.round(2 * scale)), width, Math.max(1, Math.round(2 * scale)));
  const { padding, lineHeight, fontSize } = BANNER_LAYOUT;
  ctx.textBaseline = 'middle';
  ctx.direction = 'ltr';
  const maxWidth = width - padding * 2 * scale;
  lines.forEach((line, i) => {
    ctx.font = `${i === 0 ? '600 ' : ''}${fontSize * scale}px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif`;
    ctx.fillStyle = i === 0 ? '#f8fafc' : i === 1 ? '#7dd3fc' : '#e2e8f0';
    const y = (padding + lineHeight * i + lineHeight / 2) * scale;
    ctx.fillText(fitText(line, maxWidth, (t) => ctx.measureText(t).width), padding * scale, y);
  });
  return { rgba: ctx.getImageData(0, 0, width, height).data, height };
}
