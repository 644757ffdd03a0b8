// Capture of the visible tab, run by the background service worker so that closing the popup
// never loses a capture in flight.
import { browser } from 'wxt/browser';
import { eventsForChange, emptyAnnotation } from '../annotations';
import { detectContext, type PageFacts } from '../context';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { getInstallation } from '../installation';
import type { Capturer, CaptureSummary } from '../schema';
import { summarize } from '../library';
import { localTimeZone } from '../time';
import { renderBanner } from './banner';
import { buildEvidence } from './evidence';
import { CaptureQuota, SerialQueue } from './quota';
import { saveCapture } from './store';
import { explainCaptureError, PDF_REFUSAL, whyNotCapturable } from './uncapturable';

export const captureQuota = new CaptureQuota();
/** One capture at a time: bringing a tab forward and picturing it must not interleave. */
const captureSection = new SerialQueue();

export interface CaptureRequest {
  tabId: number;
  controlIds: string[];
  note: string;
}

interface PageSnapshot extends PageFacts {
  title: string;
  contentType: string;
  innerWidth: number;
  innerHeight: number;
  devicePixelRatio: number;
}

/** Runs in the page: only reads, never changes it. */
function readPage(): PageSnapshot {
  const meta = (sel: string) => document.querySelector<HTMLMetaElement>(sel)?.content ?? undefined;
  return {
    title: document.title,
    contentType: document.contentType,
    innerWidth: window.innerWidth,
    innerHeight: window.innerHeight,
    devicePixelRatio: window.devicePixelRatio,
    metaApplicationName: meta('meta[name="application-name"]'),
    metaSiteName: meta('meta[property="og:site_name"]'),
  };
}

async function snapshotPage(tabId: number): Promise<PageSnapshot | null> {
  try {
    const [result] = await browser.scripting.executeScript({ target: { tabId }, func: readPage });
    return (result?.result as PageSnapshot | undefined) ?? null;
  } catch {
    return null;
  }
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

export async function makeThumbnail(png: Uint8Array): Promise<Blob> {
  const bitmap = await createImageBitmap(new Blob([png as BlobPart], { type: 'image/png' }));
  try {
    const width = Math.min(320, bitmap.width);
    const height = Math.max(1, Math.round((bitmap.height * width) / bitmap.width));
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingQuality = 'medium';
    ctx.drawImage(bitmap, 0, 0, width, height);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.82 });
  } finally {
    bitmap.close();
  }
}

async function tabOrThrow(tabId: number) {
  try {
    return await browser.tabs.get(tabId);
  } catch {
    throw new ExhibitError('tab-not-found', 'The tab to capture no longer exists (it was closed); nothing was saved.');
  }
}

/** Captures the visible part of `tabId`, stores the signed evidence, and returns its summary. */
export async function captureVisibleTab(db: ExhibitDB, capturer: Capturer, request: CaptureRequest): Promise<CaptureSummary> {
  const tab = await tabOrThrow(request.tabId);
  const address = tab.url ?? tab.pendingUrl;
  // The browser hides the address of a tab Exhibit has no access to.
  if (!address) throw new ExhibitError('permission-denied', whyNotCapturable(undefined)!);
  const refusal = whyNotCapturable(address);
  if (refusal) throw new ExhibitError('page-not-capturable', refusal);

  const installation = await getInstallation(db);
  const envPromise = getBrowserInfo();
  let restoreTabId: number | undefined;
  let png: Uint8Array;
  let capturedAt: Date;
  let snapshot: PageSnapshot | null;
  try {
    // Everything that decides what the pixels show happens in one section right around the
    // browser's capture call: a burst may wait here, and the tab may close or navigate meanwhile.
    ({ png, capturedAt, snapshot } = await captureSection.run(async () => {
      const current = await tabOrThrow(request.tabId);
      if (current.url !== tab.url) throw new ExhibitError('capture-failed', 'The page navigated away before it could be captured; nothing was saved. Capture again.');
      // captureVisibleTab pictures the active tab of a window: bring the target forward if
      // needed, and put the person's tab back afterwards.
      if (!current.active) {
        const [previous] = await browser.tabs.query({ active: true, windowId: current.windowId });
        restoreTabId = previous?.id;
        await browser.tabs.update(request.tabId, { active: true });
        await new Promise((r) => setTimeout(r, 150));
      }
      const page = await snapshotPage(request.tabId);
      if (page?.contentType === 'application/pdf') throw new ExhibitError('page-not-capturable', PDF_REFUSAL);
      let at = new Date();
      const dataUrl = await captureQuota.run(() => {
        at = new Date();
        return browser.tabs.captureVisibleTab(current.windowId!, { format: 'png' });
      });
      // If the tab closed, lost focus or navigated during the call, the pixels are not its own.
      const after = await browser.tabs.get(request.tabId).catch(() => null);
      if (!after) throw new ExhibitError('tab-not-found', 'The tab was closed while it was being captured; nothing was saved.');
      if (!after.active || after.url !== tab.url) {
        throw new ExhibitError('capture-failed', 'The tab changed while it was being captured; nothing was saved. Capture again.');
      }
      return { png: dataUrlToBytes(dataUrl), capturedAt: at, snapshot: page };
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
  const evidence = await buildEvidence(
    {
      png,
      capturedAt,
      url,
      title: snapshot?.title ?? tab.title ?? '',
      viewport: {
        width: snapshot?.innerWidth ?? tab.width ?? 1,
        height: snapshot?.innerHeight ?? tab.height ?? 1,
      },
      devicePixelRatio: snapshot?.devicePixelRatio ?? 1,
      mode: 'visible',
      context: detectContext(url, snapshot ?? {}),
    },
    {
      timeZone: localTimeZone(),
      capturer,
      browser: await envPromise,
      extensionVersion: browser.runtime.getManifest().version,
      signer: installation,
      renderBanner,
      makeThumbnail,
    },
  );
  const events = eventsForChange(
    emptyAnnotation(evidence.capture.id),
    { controlIds: request.controlIds, note: request.note },
    capturer,
    installation.installationId,
  );
  await saveCapture(db, evidence.capture, evidence.image, evidence.thumbnail, events);
  return summarize(evidence.capture, [...new Set(request.controlIds)].sort(), request.note);
}
