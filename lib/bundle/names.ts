// File and folder names inside a bundle. Every name is safe to extract on Windows, macOS and
// Linux: no reserved device names, no characters any of them forbids, no trailing dots or spaces,
// bounded length (paths stay well under Windows' 260-character limit once extracted), and unique
// even on the case-insensitive file systems of Windows and macOS.
import type { SignedCapture } from '../schema';

// CON, PRN, AUX, NUL, COM0–9, LPT0–9 (and the superscript digits Windows also reserves), with or
// without an extension: "nul.txt" is as unusable as "NUL".
const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;
// Forbidden on Windows, plus the path separators of every system.
const FORBIDDEN = /[<>:"/\\|?*]/g;
// Control characters, and invisible characters that make a name look like another one
// (bidirectional overrides, zero-width joiners, byte order marks).
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\uffff]/g;

export const LIMITS = {
  topFolder: 60,
  controlFolder: 40,
  /** data/requests/<request>/<sample>/: the two together stay within a control folder's 40 plus a capture name's bound. */
  requestFolder: 32,
  sampleFolder: 24,
  /** A capture's base name; the longest suffixes added to it are "_table-99.csv" and "_part-99.png". */
  baseName: 86,
  system: 24,
} as const;

function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Cuts `s` to at most `max` characters (and 3×max UTF-8 bytes) without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  const chars = Array.from(s);
  let out = chars.slice(0, max).join('');
  while (utf8Length(out) > max * 3) out = Array.from(out).slice(0, -1).join('');
  return out;
}

/**
 * One path segment made safe: invisible and forbidden characters replaced, whitespace runs turned
 * into `-`, trailing dots and spaces removed, reserved device names prefixed with `_`, at most
 * `max` characters. Never empty: `fallback` stands in for a name with nothing left.
 */
export function safeSegment(raw: string, max: number, fallback = 'untitled'): string {
  let s = raw
    .normalize('NFC')
    .replace(/\s+/g, '-')
    .replace(INVISIBLE, '')
    .replace(FORBIDDEN, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-.]+/, '');
  s = cut(s, max).replace(/[-. ]+$/, '');
  if (s === '' || s === '.' || s === '..') s = fallback;
  if (WINDOWS_RESERVED.test(s)) s = cut(`_${s}`, max);
  return s;
}

/** A lower-case slug of a page title: letters and digits of any script, joined by `-`. */
export function titleSlug(title: string, max: number): string {
  const words = title
    .normalize('NFKC')
    .toLowerCase()
    .replace(INVISIBLE, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  return safeSegment(words.join('-'), max, 'untitled');
}

/** "2026-11-22T09:41:03.123Z" → "20261122T094103Z": sortable, and no colons (Windows forbids them). */
export function compactUtc(iso: string): string {
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** `<UTC time>_<system or host>_<title slug>`, without an extension. */
export function captureBaseName(capture: Pick<SignedCapture, 'capturedAt' | 'title' | 'context'>): string {
  const time = compactUtc(capture.capturedAt);
  const system = safeSegment(capture.context.system || capture.context.host || 'unknown', LIMITS.system, 'unknown');
  const room = LIMITS.baseName - time.length - system.length - 2;
  return `${time}_${system}_${titleSlug(capture.title, Math.max(8, room))}`;
}

/** The key two names collide under on a case-insensitive, normalising file system. */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * Hands out names unique within one folder (case-insensitively): the first "a" stays "a", the
 * next becomes "a-2", then "a-3". Suffixes go before the extension, and never push a name past
 * its bound.
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  claim(base: string, ext = '', max = Infinity): string {
    for (let i = 1; ; i++) {
      const suffix = i === 1 ? '' : `-${i}`;
      const stem = Number.isFinite(max) ? cut(base, max - suffix.length - ext.length).replace(/[-. ]+$/, '') || 'x' : base;
      const name = `${stem}${suffix}${ext}`;
      const key = collisionKey(name);
      if (!this.taken.has(key)) {
        this.taken.add(key);
        return name;
      }
    }
  }

  /** Reserves a group of names that share a stem (the PNG, its sidecar and its tables). */
  claimStem(base: string, exts: readonly string[], max: number): string {
    for (let i = 1; ; i++) {
      const suffix = i === 1 ? '' : `-${i}`;
      const longest = Math.max(0, ...exts.map((e) => e.length));
      const stem = `${cut(base, max - suffix.length - longest).replace(/[-. ]+$/, '') || 'x'}${suffix}`;
      const keys = exts.map((e) => collisionKey(`${stem}${e}`));
      if (keys.every((k) => !this.taken.has(k))) {
        for (const k of keys) this.taken.add(k);
        return stem;
      }
    }
  }
}

/**
 * Whether `segment` is a name UniqueNames could have given `raw` (made safe with `max` and
 * `fallback`): the safe name itself, or it cut short with "-2", "-3"… after a collision. The
 * verifier uses it to check that a request folder's name follows from the request id its sidecars
 * name, without knowing the other names in the bag.
 */
export function isNameFor(segment: string, raw: string, max: number, fallback: string): boolean {
  const safe = safeSegment(raw, max, fallback);
  const key = collisionKey(segment);
  if (key === collisionKey(safe)) return true;
  const m = /-([2-9]|[1-9][0-9]+)$/.exec(segment);
  if (!m) return false;
  // What UniqueNames.claim makes of the name with that suffix.
  const stem = cut(safe, max - m[0].length).replace(/[-. ]+$/, '') || 'x';
  return key === collisionKey(`${stem}${m[0]}`);
}

/** "exhibit-<org>-<period>": the bag's top folder. */
export function topFolderName(organization: string, periodLabel: string): string {
  const org = safeSegment(organization || 'organization', 24, 'organization');
  const period = safeSegment(periodLabel, LIMITS.topFolder - org.length - 9, 'period');
  return safeSegment(`exhibit-${org}-${period}`, LIMITS.topFolder, 'exhibit-bundle');
}

/** "exhibit-<org>-<period>-<date>.zip", with "-part2of3" before ".zip" for a volume of a split export. */
export function bundleFileName(topFolder: string, exportDate: string, volume?: { index: number; count: number }): string {
  const part = volume && volume.count > 1 ? `-part${volume.index}of${volume.count}` : '';
  return `${topFolder}-${exportDate}${part}.zip`;
}
