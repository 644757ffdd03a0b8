// Which console a page belongs to, whose account it is, and who is signed in. One detector per
// console (docs/context.md); each reads the URL first and the page second and never throws on
// unexpected markup: it returns less. Runs in the page (the page-facts script) and in the background
// (URL only, when the page could not be read).
import type { PageContext } from '../schema';
import { atlassian } from './atlassian';
import { aws } from './aws';
import { azure } from './azure';
import { clean, signedInAs } from './dom';
import { gcp } from './gcp';
import { generic } from './generic';
import { github } from './github';
import { googleWorkspace } from './google-workspace';
import { okta } from './okta';
import type { ConsoleDetector, DetectorResult } from './types';

/** The console detectors, most specific first; `generic` answers for every other page. */
export const DETECTORS: readonly ConsoleDetector[] = [aws, okta, googleWorkspace, github, azure, gcp, atlassian];
export const ALL_DETECTORS: readonly ConsoleDetector[] = [...DETECTORS, generic];

export function detectorFor(url: URL): ConsoleDetector {
  return DETECTORS.find((d) => safely(() => d.matches(url), false)) ?? generic;
}

function safely<T>(run: () => T, fallback: T): T {
  try {
    return run();
  } catch {
    return fallback;
  }
}

const FIELDS = ['account', 'accountName', 'region', 'resource', 'consoleUser'] as const;

/**
 * The capture record's context for `url`, reading `dom` too when the page could be read.
 * Never throws: an unparsable URL gives `{ system: 'unknown', host: '' }`.
 */
export function detectContext(url: string, dom?: Document | null): PageContext {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { system: 'unknown', host: '' };
  }
  const host = parsed.hostname;
  const detector = detectorFor(parsed);
  // A detector that trips over the page still has its URL facts.
  const found: DetectorResult = safely(() => detector.detect(parsed, dom), undefined) ?? safely(() => detector.detect(parsed, null), {});
  const context: PageContext = { system: clean(found.system, 200) ?? (detector === generic ? host || 'unknown' : detector.system), host };
  for (const field of FIELDS) {
    const value = clean(found[field]);
    if (value) context[field] = value;
  }
  // A console whose user menu changed may still say "Signed in as …" in its header.
  if (!context.consoleUser && dom && detector !== generic) {
    const user = safely(() => signedInAs(dom), undefined);
    if (user) context.consoleUser = user;
  }
  if (typeof found.pageKind === 'string') context.pageKind = found.pageKind;
  return context;
}

export type { ConsoleDetector, DetectorResult, PageKind } from './types';
