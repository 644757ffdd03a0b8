// The one offscreen document Chromium allows an extension (chrome.offscreen), shared by its two
// users: bundle export (writes zips as Blobs the service worker cannot hold) and capture thumbnails
// (decoded on the document's thread so they overlap the evidence work in the worker). Whoever needs
// it creates it if it is missing and reuses it if present; it is closed only when no user holds it
// and no capture asked to keep it open (a warm document saves the next capture its creation).

export const OFFSCREEN_PATH = 'offscreen.html';

/** Both users' reasons: Chromium fixes them when the document is created, whoever creates it. */
const JUSTIFICATION = 'Write evidence bundles as zip files for downloads, and make capture thumbnails on a second thread.';

let creating: Promise<void> | undefined;
let holds = 0;
let keepOpen = false;

/** Chromium's offscreen API is there (Firefox has none: its users fall back to their own ways). */
export function offscreenSupported(): boolean {
  return typeof chrome !== 'undefined' && !!chrome.offscreen && !!chrome.runtime?.getContexts;
}

export async function hasOffscreenDocument(): Promise<boolean> {
  if (!offscreenSupported()) return false;
  const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] });
  return contexts.length > 0;
}

/** Creates the document unless it exists (or is being created); resolves once it is loaded. */
export async function ensureOffscreenDocument(): Promise<void> {
  if (!offscreenSupported()) throw new Error('this browser has no offscreen documents');
  if (creating) return creating;
  if (await hasOffscreenDocument()) return;
  creating ??= chrome.offscreen
    .createDocument({ url: OFFSCREEN_PATH, reasons: [chrome.offscreen.Reason.BLOBS], justification: JUSTIFICATION })
    .catch(async (err: unknown) => {
      // Another context of the extension created it first: that one is as good.
      if (!(await hasOffscreenDocument())) throw err;
    })
    .finally(() => {
      creating = undefined;
    });
  return creating;
}

/**
 * Creates or reuses the document and holds it open until the returned release is called; the last
 * release closes it unless a capture asked to keep it (`keepOffscreenDocumentOpen`).
 */
export async function holdOffscreenDocument(): Promise<() => Promise<void>> {
  holds++;
  try {
    await ensureOffscreenDocument();
  } catch (err) {
    holds--;
    throw err;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    holds--;
    if (holds === 0 && !keepOpen && !creating) await chrome.offscreen.closeDocument().catch(() => undefined);
  };
}

/** An export holds the document: its thread is busy writing zips. */
export function offscreenDocumentHeld(): boolean {
  return holds > 0;
}

/** Captures keep the document open once they have used it, so the next capture finds it warm. */
export function keepOffscreenDocumentOpen(): void {
  keepOpen = true;
}
