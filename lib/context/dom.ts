// Defensive readers for console pages. The page is hostile or simply changed since a detector was
// written: every reader here returns undefined instead of throwing, caps what it reads, and
// never evaluates anything the page contains.
import type { DetectorResult } from './types';

/** Longest value kept for any context field; console names, ids and emails are far shorter. */
export const MAX_FIELD_LENGTH = 300;
/** Longest page text a pattern is run over, so a hostile page cannot make a regex slow. */
const MAX_SCAN_LENGTH = 2000;

/** Collapses whitespace and trims; undefined for empty or non-string input. Caps the length. */
export function clean(value: unknown, max = MAX_FIELD_LENGTH): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.slice(0, max * 4).replace(/\s+/g, ' ').trim().slice(0, max).trim();
  return text || undefined;
}

export function query(root: ParentNode | null | undefined, selector: string): Element | null {
  try {
    return root?.querySelector(selector) ?? null;
  } catch {
    return null;
  }
}

export function queryAll(root: ParentNode | null | undefined, selector: string, limit = 50): Element[] {
  try {
    return root ? Array.from(root.querySelectorAll(selector)).slice(0, limit) : [];
  } catch {
    return [];
  }
}

export function attr(el: Element | null | undefined, name: string): string | undefined {
  try {
    return el?.getAttribute(name) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The element's text, whitespace collapsed, capped. */
export function textOf(el: Element | null | undefined, max = MAX_FIELD_LENGTH): string | undefined {
  try {
    return clean(el?.textContent?.slice(0, MAX_SCAN_LENGTH * 4), max);
  } catch {
    return undefined;
  }
}

/**
 * The element's text with a space between elements, capped: textContent runs a brand and the next
 * element together ("Admin ConsoleSigned in as …"), which hides phrases that start at a word.
 */
export function wordsOf(el: Element | null | undefined, max = MAX_SCAN_LENGTH): string | undefined {
  try {
    if (!el) return undefined;
    const parts: string[] = [];
    let length = 0;
    let visited = 0;
    const stack: Node[] = [el];
    while (stack.length && length < max * 4 && visited++ < 5_000) {
      const node = stack.pop()!;
      if (node.nodeType === 3) {
        const text = node.nodeValue ?? '';
        parts.push(text);
        length += text.length;
      } else if (node.nodeType === 1) {
        const tag = (node as Element).tagName.toLowerCase();
        if (tag === 'script' || tag === 'style' || tag === 'template') continue;
        parts.push(' ');
        const children = node.childNodes;
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
      }
    }
    return clean(parts.join(''), max);
  } catch {
    return undefined;
  }
}

/** `<meta name=… content=…>` or `<meta property=… content=…>`. */
export function meta(dom: Document | null | undefined, name: string, max = MAX_FIELD_LENGTH): string | undefined {
  for (const el of queryAll(dom, 'meta[name][content], meta[property][content]', 400)) {
    if (attr(el, 'name') === name || attr(el, 'property') === name) return clean(attr(el, 'content'), max);
  }
  return undefined;
}

/** Tries each reader in turn and returns the first non-empty answer; a reader that throws is skipped. */
export function firstOf(...readers: Array<() => string | undefined>): string | undefined {
  for (const read of readers) {
    try {
      const value = clean(read());
      if (value) return value;
    } catch {
      // the next strategy may still work
    }
  }
  return undefined;
}

/** The text of the first element matching any selector. */
export function textAt(dom: ParentNode | null | undefined, ...selectors: string[]): string | undefined {
  return firstOf(...selectors.map((s) => () => textOf(query(dom, s))));
}

/** An attribute of the first element matching any selector that has it. */
export function attrAt(dom: ParentNode | null | undefined, name: string, ...selectors: string[]): string | undefined {
  return firstOf(...selectors.map((s) => () => attr(query(dom, s), name)));
}

/** Runs `pattern` over capped text and returns capture group `group`. */
export function match(text: string | undefined | null, pattern: RegExp, group = 1): string | undefined {
  if (typeof text !== 'string') return undefined;
  const m = pattern.exec(text.slice(0, MAX_SCAN_LENGTH));
  return clean(m?.[group]);
}

const EMAIL = /[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}/;

export function findEmail(text: string | undefined | null): string | undefined {
  return match(text, new RegExp(`(${EMAIL.source})`));
}

export function isEmail(text: string | undefined): boolean {
  return !!text && new RegExp(`^${EMAIL.source}$`).test(text);
}

/** Parses JSON found in the page (a meta tag's content) without ever throwing; caps the input. */
export function parseJsonObject(text: string | undefined, maxLength = 20000): Record<string, unknown> | undefined {
  if (!text || text.length > maxLength) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A URL query parameter from the search part or from a hash route (`#/users?filter=…`). */
export function param(url: URL, name: string): string | undefined {
  const direct = url.searchParams.get(name);
  if (direct) return clean(direct);
  const q = url.hash.indexOf('?');
  if (q < 0) return undefined;
  try {
    return clean(new URLSearchParams(url.hash.slice(q + 1)).get(name) ?? undefined);
  } catch {
    return undefined;
  }
}

/** Decoded, non-empty path segments. */
export function segments(path: string): string[] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The Google account bar (Workspace admin, Cloud console): "Google Account: Ada Admin (ada@acme.example)". */
export function googleAccountEmail(dom: Document | null | undefined): string | undefined {
  return firstOf(
    ...queryAll(dom, 'a[aria-label*="Google Account"], [aria-label^="Google Account"], [data-email]', 10).map(
      (el) => () => findEmail(attr(el, 'data-email')) ?? findEmail(attr(el, 'aria-label')),
    ),
  );
}

/**
 * "Signed in as …" / "Logged in as …" in a page's header: the generic way consoles name the
 * signed-in person. Looks only in headers and navigation, where that phrase means the viewer.
 */
export function signedInAs(dom: Document | null | undefined): string | undefined {
  const places = queryAll(dom, 'header, nav, [role="banner"], [role="navigation"], [data-testid*="user" i], [class*="user" i]', 40);
  for (const el of places) {
    const label = attr(el, 'aria-label');
    const text = `${label ?? ''} ${wordsOf(el, 600) ?? ''}`;
    const phrase = match(text, /\b(?:signed|logged) in as[:\s]+([^\s()|,·•]+(?:\s[^\s()|,·•@]+){0,3})/i);
    if (phrase) return findEmail(phrase) ?? phrase;
  }
  return undefined;
}

/** Drops undefined fields so results compare and serialise cleanly. */
export function compact(result: DetectorResult): DetectorResult {
  const out: DetectorResult = {};
  for (const [key, value] of Object.entries(result) as Array<[keyof DetectorResult, string | undefined]>) {
    if (typeof value === 'string' && value.trim()) (out as Record<string, string>)[key] = value;
  }
  return out;
}

