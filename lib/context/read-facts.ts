// The background's side of reading a page: inject the page-facts script into the tab's top frame,
// wait for its answer (bounded), and parse it. Frames are not entered, so a cross-origin iframe's
// content is captured as pixels only, never extracted.
import { browser } from 'wxt/browser';
import { z } from '../zod';
import { pageContextSchema } from '../schema';
import { DEFAULT_TABLE_LIMITS } from '../tables/extract';

/** Built from entrypoints/page-facts.ts. */
export const PAGE_FACTS_SCRIPT = '/page-facts.js';
/** A page busy enough to take longer than this is captured without its facts rather than not at all. */
export const PAGE_FACTS_TIMEOUT_MS = 5000;

const limits = DEFAULT_TABLE_LIMITS;
const cell = z.string().max(limits.cellChars);

export const extractedTableSchema = z.object({
  kind: z.enum(['table', 'grid']),
  caption: z.string().max(500).optional(),
  columns: z.array(cell).max(limits.columns),
  rows: z.array(z.array(cell).max(limits.columns)).max(limits.rows),
  renderedRowCount: z.number().int().nonnegative(),
  declaredRowCount: z.number().int().nonnegative().optional(),
  virtualized: z.boolean(),
  truncated: z.boolean(),
});
export type ExtractedTableFacts = z.infer<typeof extractedTableSchema>;

export const pageFactsSchema = z.object({
  url: z.string(),
  title: z.string(),
  contentType: z.string().max(200),
  viewport: z.object({ width: z.number().nonnegative(), height: z.number().nonnegative() }),
  devicePixelRatio: z.number().positive(),
  context: pageContextSchema,
  tables: z.array(extractedTableSchema).max(limits.tables),
});
export type PageFacts = z.infer<typeof pageFactsSchema>;
export type PageFactsInput = z.input<typeof pageFactsSchema>;

/**
 * Reads the tab's page, or returns null when it cannot be read (no permission, a browser page,
 * the page too slow or its answer malformed): the capture then goes on with URL-only context.
 */
export async function readPageFacts(tabId: number, timeoutMs = PAGE_FACTS_TIMEOUT_MS): Promise<PageFacts | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const injected = browser.scripting.executeScript({ target: { tabId }, files: [PAGE_FACTS_SCRIPT] });
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    const results = await Promise.race([injected, timeout]);
    const parsed = pageFactsSchema.safeParse(results?.[0]?.result);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The facts, if they describe the page at `url`: a page that navigated to another origin between
 * the read and the capture must not lend its context or tables to the capture.
 */
export function factsFor(url: string, facts: PageFacts | null): PageFacts | null {
  if (!facts) return null;
  try {
    return new URL(facts.url).origin === new URL(url).origin ? facts : null;
  } catch {
    return null;
  }
}
