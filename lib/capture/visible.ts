// Capture of the visible tab, run by the background service worker so that closing the popup
// never loses a capture in flight. Full-page, element and region captures and redaction take
// their own paths inside the same capture section (fullpage.ts, element.ts, redaction.ts).
import { browser, type Browser } from 'wxt/browser';
import { eventsForChange, emptyAnnotation } from '../annotations';
import { detectContext } from '../context';
import { factsFor, readPageFacts, type PageFacts } from '../context/read-facts';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { getInstallation } from '../installation';
import type { CaptureMode, Capturer, CaptureSummary, RegionRect } from '../schema';
import { summarize } from '../library';
import { tableFiles, type TableFile } from '../tables/csv';
import { prepareTableScope } from '../tables/scope';
import { localTimeZone } from '../time';
import { renderBanner, renderBannerHead, renderBannerTail } from './banner';
import { captureTarget, measureFullPage, resolveTarget, type PageMarksInImage, type TargetShot } from './element';
import { buildEvidence, prepareBannerHead, type CapturedPage, type PreparedBannerHead } from './evidence';
import { captureFullPage, type FullPageProgress, type FullPageResult } from './fullpage';
import type { ScrollPlan } from './page-scroll';
import { redactBeforeSaving, redactionSession } from './redaction';
import { CaptureQuota, SerialQueue } from './quota';
import { spliceChannels } from './png';
import { saveCapture } from './store';
import { captureThumbnail, findOffscreenClient, makeThumbnail, warmThumbnailDocument, type ThumbnailClient } from './thumbnail';
import { CaptureClock } from './timing';
import { explainCaptureError, PDF_REFUSAL, whyNotCapturable } from './uncapturable';

export { makeThumbnail };

export const captureQuota = new CaptureQuota();
/**
 * Bytes per pixel of the browser's last visible capture: the banner head is compressed for the
 * same ahead of the next one. Chromium's captureVisibleTab writes opaque RGB PNGs.
 */
let lastChannels: 3 | 4 = 3;
/** One capture at a time: bringing a tab forward and picturing it must not interleave. */
const captureSection = new SerialQueue();

export interface CaptureRequest {
  tabId: number;
  mode: CaptureMode;
  controlIds: string[];
  note: string;
  /** Element captures: a CSS selector instead of the picker. */
  selector?: string;
  /** Region captures: CSS pixels of the page instead of the picker. */
  rect?: RegionRect;
  /** The redaction editor opens before anything is saved. */
  redact?: boolean;
  /** The capture job (the redaction editor can finish it after a worker restart). */
  jobId?: string;
  /** Full-page captures report tiles done and can be cancelled. */
  onProgress?: (progress: FullPageProgress) => void;
  /** Reports the person being asked to pick an element or region (and undefined once picked). */
  onStage?: (stage: 'picking' | undefined) => void;
  signal?: AbortSignal;
  /** Times the capture's stages; the caller that passes one finishes it (its own stages included). */
  clock?: CaptureClock;
  /** The tab as read when the request arrived (readCaptureTab), while the caller checked its settings. */
  tab?: Promise<Browser.tabs.Tab>;
}

function dataUrlToBytes(dataUrl: string): Uint8Array {
  const b64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(b64);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let browserInfo: Promise<{ name: string; version: string }> | undefined;
export function getBrowserInfo(): Promise<{ name: string; version: string }> {
  browserInfo ??= (async () => {
    const uaData = (navigator as unknown as { userAgentData?: { getHighEntropyValues(h: string[]): Promise<{ fullVersionList?: { brand: string; version: string }[] }> } }).userAgentData;
    if (uaData) {
      try {
        const { fullVersionList = [] } = await uaData.getHighEntropyValues(['fullVersionList']);
        const real = fullVersionList.filter((b) => !/not.?a.?brand/i.test(b.brand));
        const pick = real.find((b) => !/^Chromium$/.test(b.brand)) ?? real[0];
        if (pick) return { name: pick.brand, version: pick.version };
      } catch {
        // fall through to the user agent string
      }
    }
    const ua = navigator.userAgent;
    const m = /(Firefox|Edg|Chrome|Chromium)\/([\d.]+)/.exec(ua);
    return m ? { name: m[1] === 'Edg' ? 'Microsoft Edge' : m[1]!, version: m[2]! } : { name: 'unknown', version: 'unknown' };
  })();
  return browserInfo;
}

/**
 * The page's facts with its tables read over the whole captured height of a full-page capture
 * (every row the page rendered down to the end of the image), once the page shows its first tile.
 */
async function readWholePageFacts(tabId: number, plan: ScrollPlan, capturedHeight: number): Promise<PageFacts | null> {
  const injection = { target: { tabId }, func: prepareTableScope, args: [{ grow: Math.max(0, capturedHeight - plan.clientHeight) }] };
  const prepared = await browser.scripting.executeScript(injection as unknown as Parameters<typeof browser.scripting.executeScript>[0]).then(
    () => true,
    () => false,
  );
  return prepared ? readPageFacts(tabId) : null;
}

/** Reads the tab to capture; a tab that no longer exists is the tab-not-found error. */
export async function readCaptureTab(tabId: number): Promise<Browser.tabs.Tab> {
  try {
    return await browser.tabs.get(tabId);
  } catch {
    throw new ExhibitError('tab-not-found', 'The tab to capture no longer exists (it was closed); nothing was saved.');
  }
}

/** Captures `tabId` (its visible part, or the whole page), stores the signed evidence, and returns its summary. */
export async function captureTab(db: ExhibitDB, capturer: Capturer, request: CaptureRequest): Promise<CaptureSummary> {
  const clock = request.clock ?? new CaptureClock();
  const tab = await clock.time('tabs.get', request.tab ?? readCaptureTab(request.tabId));
  const address = tab.url ?? tab.pendingUrl;
  // The browser hides the address of a tab Exhibit has no access to.
  if (!address) throw new ExhibitError('permission-denied', whyNotCapturable(undefined)!);
  const refusal = whyNotCapturable(address);
  if (refusal) throw new ExhibitError('page-not-capturable', refusal);

  // Element and region captures need a target: the selector's, the rectangle, or the person's pick.
  let picked = false;
  const target = await resolveTarget({ ...request, onPicking: () => ((picked = true), request.onStage?.('picking')) });
  if (picked) request.onStage?.(undefined);
  void getBrowserInfo();
  // The offscreen document that will make the thumbnail, found while the browser takes the picture.
  const thumbnailClient = clock.time('find offscreen document', findOffscreenClient().catch(() => undefined));
  let restoreTabId: number | undefined;
  let png: Uint8Array;
  let capturedAt: Date;
  let snapshot: PageFacts | null;
  let fullPage: FullPageResult | undefined;
  let shot: TargetShot | undefined;
  let fullPageMarks: PageMarksInImage | undefined;
  let wholePage: PageFacts | null = null;
  let visibleTables: Promise<TableFile[]> | undefined;
  let bannerHead: Promise<PreparedBannerHead | undefined> | undefined;
  let thumbnail: Promise<Blob> | undefined;
  try {
    // Everything that decides what the pixels show happens in one section right around the
    // browser's capture call: a burst may wait here, and the tab may close or navigate meanwhile.
    // The tab as read above is still current unless this capture waited for another or for a pick
    // (and the tab is read again after the picture: a change in between is caught there).
    const readAgain = picked || !captureSection.idle;
    const queued = clock.time('capture section wait', () => captureSection.run(async () => undefined));
    ({ png, capturedAt, snapshot, fullPage } = await captureSection.run(async () => {
      await queued;
      const current = readAgain ? await clock.time('tabs.get in section', readCaptureTab(request.tabId)) : tab;
      if (current.url !== tab.url) throw new ExhibitError('capture-failed', 'The page navigated away before it could be captured; nothing was saved. Capture again.');
      // captureVisibleTab pictures the active tab of a window: bring the target forward if
      // needed, and put the person's tab back afterwards.
      if (!current.active) {
        const [previous] = await browser.tabs.query({ active: true, windowId: current.windowId });
        restoreTabId = previous?.id;
        await browser.tabs.update(request.tabId, { active: true });
        await new Promise((r) => setTimeout(r, 150));
      }
      const pageFacts = clock.time('page facts', readPageFacts(request.tabId));
      let at = new Date();
      let shotStarted: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (shotStarted = resolve));
      const captureViewport = async (onPixels?: (png: Uint8Array) => void) => {
        const shoot = () =>
          captureQuota.run(() => {
            at = new Date();
            shotStarted();
            return browser.tabs.captureVisibleTab(current.windowId!, { format: 'png' });
          });
        // A busy compositor sometimes fails one readback; a second try a moment later succeeds.
        const dataUrl = await clock.time('captureVisibleTab', () => shoot().catch(async (err: unknown) => {
          if (!/image readback failed/i.test(String((err as Error)?.message ?? err))) throw err;
          await clock.time('captureVisibleTab readback retry', new Promise((r) => setTimeout(r, 250)));
          return shoot();
        }));
        const pixels = clock.timeSync('base64 decode', () => dataUrlToBytes(dataUrl));
        onPixels?.(pixels);
        // If the tab closed, lost focus or navigated during the call, the pixels are not its own.
        const after = await clock.time('tabs.get after', browser.tabs.get(request.tabId).catch(() => null));
        if (!after) throw new ExhibitError('tab-not-found', 'The tab was closed while it was being captured; nothing was saved.');
        if (!after.active || after.url !== tab.url) {
          throw new ExhibitError('capture-failed', 'The tab changed while it was being captured; nothing was saved. Capture again.');
        }
        return pixels;
      };
      if (!target && request.mode === 'visible') {
        // The page is read, and its tables' CSVs written, while the browser takes its picture: same moment, fewer waits.
        if (!request.redact) {
          visibleTables = pageFacts.then((p) => clock.time('table CSVs', tableFiles(factsFor(tab.url ?? '', p)?.tables ?? [])));
          visibleTables.catch(() => undefined);
          // The banner's lines above the pixel hash, drawn and compressed while the browser takes the picture.
          bannerHead = Promise.all([pageFacts, started]).then(([p]) => clock.timeSync('banner head during capture', () => bannerHeadFor(tab, p, at, capturer)));
          bannerHead.catch(() => undefined);
        }
        // A visible capture's thumbnail is these very pixels: the offscreen document starts
        // decoding them the moment they are here (before the tab is checked again), while the rest
        // of the evidence is built. Never for a capture headed to redaction (its thumbnail must
        // show the redacted pixels); element, region and full-page captures make theirs later.
        const startThumbnail = request.redact ? undefined : (pixels: Uint8Array) => {
          thumbnail = captureThumbnail(pixels, clock, thumbnailClient);
          thumbnail.catch(() => undefined);
        };
        const [page, viewportPng] = await Promise.all([pageFacts, captureViewport(startThumbnail)]);
        lastChannels = spliceChannels(viewportPng) ?? lastChannels;
        if (page?.contentType === 'application/pdf') throw new ExhibitError('page-not-capturable', PDF_REFUSAL);
        return { png: viewportPng, capturedAt: at, snapshot: page, fullPage: undefined };
      }
      const page = await pageFacts;
      if (page?.contentType === 'application/pdf') throw new ExhibitError('page-not-capturable', PDF_REFUSAL);
      if (target) {
        shot = await captureTarget({ tabId: request.tabId, target: target.target, mode: target.mode, redact: !!request.redact, captureViewport, capturedAt: () => at });
        return { png: shot.png, capturedAt: shot.capturedAt, snapshot: page, fullPage: undefined };
      }
      if (request.mode === 'full-page') {
        const stitched = await captureFullPage({
          tabId: request.tabId,
          captureViewport,
          onProgress: request.onProgress,
          signal: request.signal,
          // The tables (and, for redaction, the text) where the stitched image will show them: read at the first tile.
          beforeFirstTile: async (plan, capturedHeight) => {
            if (request.redact) fullPageMarks = await measureFullPage(request.tabId, plan, capturedHeight);
            else wholePage = await readWholePageFacts(request.tabId, plan, capturedHeight);
          },
        });
        // Without that read, the context still comes from the page, but no partial tables are stored.
        return { png: stitched.parts[0]!, capturedAt: stitched.capturedAt, snapshot: wholePage ?? (page ? { ...page, tables: [] } : null), fullPage: stitched };
      }
      throw new ExhibitError('invalid-request', `Unknown capture mode ${request.mode}.`);
    }));
  } catch (err) {
    if (err instanceof ExhibitError) throw err;
    const message = String((err as Error)?.message ?? err);
    const stillThere = await browser.tabs.get(request.tabId).then(() => true, () => false);
    if (!stillThere) throw new ExhibitError('tab-not-found', 'The tab was closed before it could be captured; nothing was saved.');
    throw new ExhibitError(/permission|activeTab|all_urls|Cannot access/i.test(message) ? 'permission-denied' : 'capture-failed', explainCaptureError(message));
  } finally {
    if (restoreTabId !== undefined) await browser.tabs.update(restoreTabId, { active: true }).catch(() => undefined);
  }

  const url = tab.url ?? '';
  // What the page-facts script read (context from the live DOM, tables in the viewport or over a
  // full page's captured height), unless the page could not be read: then the context comes from
  // the URL alone and no tables are stored.
  const facts = factsFor(url, snapshot);
  const page: CapturedPage = {
    png,
    capturedAt,
    url,
    title: facts?.title ?? tab.title ?? '',
    ...viewportOf(tab, facts, fullPage?.plan),
    mode: shot?.mode ?? request.mode,
    ...(shot?.region ? { region: shot.region } : {}),
    ...(shot?.element ? { element: shot.element } : {}),
    ...(shot && shot.mode !== 'visible' ? { rendering: shot.rendering, pixelScale: shot.pixelScale } : {}),
    ...(fullPage
      ? {
          moreParts: fullPage.parts.slice(1),
          thumbnailSource: fullPage.firstTile,
          partTops: fullPage.partTops,
          fullPage: {
            container: fullPage.plan.container,
            tiles: fullPage.tiles,
            contentHeight: fullPage.capturedHeight,
            truncated: fullPage.truncated,
            changedDuringCapture: fullPage.changedDuringCapture,
          },
        }
      : {}),
    context: facts?.context ?? detectContext(url),
    // Element and region captures keep the rows inside their area; redacted ones get their tables once the boxes are final.
    tables: request.redact ? [] : await (visibleTables ?? clock.time('table CSVs', tableFiles(shot ? shot.tables : (facts?.tables ?? [])))),
  };
  if (request.redact) {
    const marks = shot ?? fullPageMarks;
    if (!marks) throw new ExhibitError('capture-failed', 'The page could not be read for redaction; nothing was saved. Reload it and capture again.');
    return redactBeforeSaving(db, redactionSession(page, { capturer, request, marks, fullPage }), request.signal);
  }
  const summary = await storeEvidence(db, capturer, page, request, {
    clock,
    thumbnailClient,
    ...(thumbnail ? { thumbnail } : {}),
    ...(bannerHead ? { bannerHead: bannerHead.catch(() => undefined) } : {}),
    ...(request.jobId ? { jobId: request.jobId } : {}),
  });
  if (!request.clock) clock.finish(page.mode);
  // The next capture finds the offscreen document open (the first one after the browser starts made its thumbnail here).
  if (!(await thumbnailClient)) warmThumbnailDocument();
  return summary;
}

/**
 * The banner's head for a visible capture of `tab` taken at `capturedAt`, at the size the picture
 * will most likely have (the viewport in device pixels); undefined when the page could not be read.
 */
function bannerHeadFor(tab: { url?: string; width?: number; height?: number }, snapshot: PageFacts | null, capturedAt: Date, capturer: Capturer): PreparedBannerHead | undefined {
  const url = tab.url ?? '';
  const facts = factsFor(url, snapshot);
  if (!facts) return undefined;
  // The viewport and scale the evidence will record, for the image width they predict.
  const { viewport, devicePixelRatio } = viewportOf(tab, facts);
  const width = Math.round(viewport.width * devicePixelRatio);
  return prepareBannerHead({ url, capturedAt, context: facts.context }, { timeZone: localTimeZone(), capturer }, width, width / viewport.width, lastChannels, renderBannerHead);
}

/** The page's viewport in CSS pixels and its device pixel ratio, as the evidence records them: a full page's scroll plan, else the page's facts, else the tab. */
function viewportOf(
  tab: { width?: number; height?: number },
  facts: PageFacts | null,
  plan?: Pick<ScrollPlan, 'viewport' | 'devicePixelRatio'>,
): Pick<CapturedPage, 'viewport' | 'devicePixelRatio'> {
  return {
    viewport: {
      width: Math.round(plan?.viewport.width || facts?.viewport.width || tab.width || 1),
      height: Math.round(plan?.viewport.height || facts?.viewport.height || tab.height || 1),
    },
    devicePixelRatio: plan?.devicePixelRatio ?? facts?.devicePixelRatio ?? 1,
  };
}

/** Banner, hash, signature and thumbnail for `page`, stored with its first annotation in one transaction. */
export async function storeEvidence(
  db: ExhibitDB,
  capturer: Capturer,
  page: CapturedPage,
  annotation: { controlIds: string[]; note: string },
  /**
   * `thumbnail`: one already being made from `page.png` itself; `thumbnailClient`: the offscreen
   * document to make it; `jobId`: the capture job, marked saved in the capture's own transaction.
   */
  {
    clock = new CaptureClock(),
    thumbnail,
    thumbnailClient,
    bannerHead,
    jobId,
  }: { clock?: CaptureClock; thumbnail?: Promise<Blob>; thumbnailClient?: Promise<ThumbnailClient | undefined>; bannerHead?: Promise<PreparedBannerHead | undefined>; jobId?: string } = {},
): Promise<CaptureSummary> {
  const installation = await clock.time('installation key', getInstallation(db));
  const browserInfo = await getBrowserInfo();
  const evidence = await clock.time('evidence', () => buildEvidence(page, {
    timeZone: localTimeZone(),
    capturer,
    browser: browserInfo,
    clock,
    extensionVersion: browser.runtime.getManifest().version,
    signer: installation,
    renderBanner,
    renderBannerTail,
    ...(bannerHead ? { bannerHead } : {}),
    makeThumbnail: (source) => (thumbnail && source === page.png ? thumbnail : captureThumbnail(source, clock, thumbnailClient)),
  }));
  const events = eventsForChange(
    emptyAnnotation(evidence.capture.id),
    { controlIds: annotation.controlIds, note: annotation.note },
    capturer,
    installation.installationId,
  );
  await clock.time('transaction', saveCapture(db, evidence.capture, evidence.image, evidence.thumbnail, events, [...evidence.tables, ...evidence.partFiles], { clock, imageBlob: evidence.imageBlob, ...(jobId ? { jobId } : {}) }));
  return summarize(evidence.capture, [...new Set(annotation.controlIds)].sort(), annotation.note);
}
