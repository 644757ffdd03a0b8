// The shape every console detector shares. Detectors run in the page (bundled into the
// page-facts script) and in unit tests against parsed fixture pages, so this file and the
// detectors import nothing heavier than each other: no zod, no browser APIs beyond the DOM.

// Type-only imports are erased at build time, so the page-side bundle carries no zod.
import type { PageContext, PageKind } from '../schema';

export type { PageKind };

/**
 * What a detector found: the capture record's context fields, all optional (a detector that finds
 * nothing returns `{}`). `system` overrides the detector's own name when one detector covers
 * several products (Azure / Entra / Microsoft 365).
 */
export type DetectorResult = Partial<Omit<PageContext, 'host'>>;

export interface DetectorTestUrl {
  url: string;
  /** What `detect(url)` must return from the URL alone (fields not named are not checked). */
  expect: DetectorResult;
}

export interface ConsoleDetector {
  /** File name of the detector and of its fixture page (test/fixtures/consoles/<id>.html). */
  id: string;
  /** The console's name as stored in captures and shown in the banner. */
  system: string;
  matches(url: URL): boolean;
  /**
   * Reads the URL first, then the page when one is given. Must not throw on unexpected markup;
   * `detectContext` also catches, but a detector that throws loses its URL facts too.
   */
  detect(url: URL, dom?: Document | null): DetectorResult;
  /** Real-looking console URLs and what the URL alone must yield (a convention test runs them). */
  testUrls: readonly DetectorTestUrl[];
}
