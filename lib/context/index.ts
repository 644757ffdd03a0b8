// Which console a page belongs to. Detectors read the URL first and the page second and never
// throw on unexpected markup: they return less.
import type { PageContext } from '../schema';

/** Facts a content script reads from the page for the detectors. */
export interface PageFacts {
  metaApplicationName?: string;
  metaSiteName?: string;
}

export function detectContext(url: string, facts: PageFacts = {}): PageContext {
  let host = '';
  try {
    host = new URL(url).hostname;
  } catch {
    host = '';
  }
  const named = facts.metaApplicationName?.trim() || facts.metaSiteName?.trim();
  return { system: named ? named.slice(0, 200) : host || 'unknown', host };
}
