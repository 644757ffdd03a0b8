// How Exhibit writes times, sizes and hashes for people. Shared by the popup and the dashboard,
// so a capture reads the same everywhere.
import { formatWallClock, utcOffset } from '@/lib/time';

/** "2026-11-22 09:41:03 UTC" */
export function formatUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** "2026-11-22 10:41:03 Europe/Berlin (UTC+01:00)" */
export function formatInZone(iso: string, zone: string): string {
  const instant = new Date(iso);
  try {
    return `${formatWallClock(instant, zone)} ${zone} (UTC${utcOffset(instant, zone)})`;
  } catch {
    return `${formatUtc(iso)} (zone ${zone} unknown to this browser)`;
  }
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// One formatter for every call: toLocaleString builds a new one each time (a fraction of a
// millisecond, which the library grid paid twice per card while scrolling).
const shortFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A compact local date and time for cards and lists: "22 Nov 2026, 10:41". */
export function formatShort(iso: string): string {
  const date = new Date(iso);
  // format() throws on an invalid date where toLocaleString said "Invalid Date".
  return Number.isNaN(date.getTime()) ? String(date) : shortFormat.format(date);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "3 minutes ago", for recent events; older ones get a date. */
export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  if (Math.abs(seconds) < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (Math.abs(seconds) < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (Math.abs(seconds) < 86400 * 7) return relative.format(Math.round(seconds / 86400), 'day');
  return formatShort(iso);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

export function formatCount(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export function shortHash(hex: string, digits = 12): string {
  return hex.slice(0, digits);
}

/** A fingerprint in groups of four hex digits, as people read them aloud to an auditor. */
export function groupHex(hex: string): string {
  return hex.replace(/(.{4})(?=.)/g, '$1 ');
}

// Invisible characters that reorder or hide text. Page titles and URLs come from the web and may
// carry them to make evidence read differently from what it is; they are shown as visible marks.
const BIDI_NAMES: Record<string, string> = {
  '\u200e': 'LRM',
  '\u200f': 'RLM',
  '\u202a': 'LRE',
  '\u202b': 'RLE',
  '\u202c': 'PDF',
  '\u202d': 'LRO',
  '\u202e': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
  '\u061c': 'ALM',
  '\u200b': 'ZWSP',
  '\ufeff': 'BOM',
};
const BIDI_PATTERN = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\u200b\ufeff]/g;

export interface TextPart {
  text: string;
  /** Set when this part stands for an invisible control character. */
  control?: { name: string; codePoint: string };
}

export function splitControls(value: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of value.matchAll(BIDI_PATTERN)) {
    const at = match.index;
    if (at > last) parts.push({ text: value.slice(last, at) });
    const ch = match[0];
    parts.push({ text: ch, control: { name: BIDI_NAMES[ch] ?? 'CTRL', codePoint: `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` } });
    last = at + ch.length;
  }
  if (last < value.length) parts.push({ text: value.slice(last) });
  return parts;
}

export function countControls(value: string): number {
  return value.match(BIDI_PATTERN)?.length ?? 0;
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
