// What the page-facts script reads in the page for a capture: address, title, viewport, the
// console context (detectors against the live DOM) and the tables in the visible region (for a
// full-page capture, its whole captured height: lib/tables/scope.ts). Runs in
// the extension's isolated world, so the page cannot change the DOM APIs it calls; it only reads.
import { browserProbe, extractTables, type LayoutProbe, type Rect } from '../tables/extract';
import { detectContext } from './index';
import type { PageFactsInput } from './read-facts';

/** `tableScope`: where tables are read (default: the viewport; a full-page capture passes its whole captured height). */
export function collectPageFacts(win: Window, tableScope?: { region: Rect; probe: LayoutProbe }): PageFactsInput {
  const doc = win.document;
  const region = tableScope?.region ?? { left: 0, top: 0, right: win.innerWidth, bottom: win.innerHeight };
  let tables: PageFactsInput['tables'] = [];
  try {
    tables = extractTables(doc, { region, probe: tableScope?.probe ?? browserProbe(win) });
  } catch {
    // Tables are a bonus to the pixels; a page that breaks extraction still gets its capture.
  }
  return {
    url: win.location.href,
    title: doc.title,
    contentType: doc.contentType,
    viewport: { width: win.innerWidth, height: win.innerHeight },
    devicePixelRatio: win.devicePixelRatio,
    context: detectContext(win.location.href, doc),
    tables,
  };
}
