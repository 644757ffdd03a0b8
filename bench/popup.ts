// Case `popup` of `npm run bench` (issue 7): from navigation start of popup.html until the capture
// button is rendered, enabled and has its handlers (the popup's `exhibit:popup-interactive` mark,
// set by an effect after React committed it), against the same navigation of a script-free page
// of the extension (its 128 px icon) to its load event: the browser's own cost of opening an
// extension page. Playwright cannot click the toolbar button, so the popup opens as a page with
// `?tabId=` targeting a fixture tab, as the E2E tests do; the background worker is awake, as it is
// when someone has just used the browser.
import type { Page } from '@playwright/test';
import { median, summarize } from './stats';
import type { BenchCase } from './run';

const INTERACTIVE_MARK = 'exhibit:popup-interactive';
const FIRST_RENDER_MARK = 'exhibit:popup-first-render';

interface PopupTiming {
  interactive: number;
  firstRender: number;
}

/** Waits (in the page) for the interactive mark and reads the page's own timings. */
function popupTiming(page: Page): Promise<PopupTiming> {
  // A plain loop: tsx would wrap a named inner function in a helper the page lacks.
  return page.evaluate(
    async ([interactiveMark, renderMark]) => {
      for (let waited = 0; waited < 10_000; waited += 5) {
        const done = performance.getEntriesByName(interactiveMark)[0];
        if (done) {
          const rendered = performance.getEntriesByName(renderMark)[0];
          return { interactive: done.startTime, firstRender: rendered ? rendered.startTime : Number.NaN };
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error('The popup never became interactive (no capture button enabled within 10 s).');
    },
    [INTERACTIVE_MARK, FIRST_RENDER_MARK] as const,
  );
}

/** Bytes of script popup.html loads before it can render (its module and preloads; lazy chunks excluded). */
function startupScriptBytes(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const urls = [...document.querySelectorAll<HTMLScriptElement>('script[src]')].map((s) => s.src);
    for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="modulepreload"]')) urls.push(link.href);
    let bytes = 0;
    for (const url of urls) bytes += (await (await fetch(url)).arrayBuffer()).byteLength;
    return bytes;
  });
}

export const popupCase: BenchCase = async (ctx) => {
  const { context, extensionId } = ctx.exhibit;
  const target = await context.newPage();
  await target.goto(ctx.fixtures.url('/sample-console.html'));
  const tabId = await ctx.bench.evaluate(async (url) => (await chrome.tabs.query({ url }))[0]!.id!, target.url());
  const popupUrl = `chrome-extension://${extensionId}/popup.html?tabId=${tabId}`;
  const blankUrl = `chrome-extension://${extensionId}/icon/128.png`;

  const runs = ctx.quick ? 5 : 15;
  let scriptBytes = 0;
  const ours: number[] = [];
  const firstRender: number[] = [];
  const base: number[] = [];
  // One warm-up of each (the first extension page pays for the renderer process), then
  // interleaved runs so machine noise hits both alike.
  for (let i = -1; i < runs; i++) {
    const blank = await context.newPage();
    await blank.goto(blankUrl, { waitUntil: 'load' });
    const loaded = await blank.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
    await blank.close();

    const popup = await context.newPage();
    await popup.goto(popupUrl, { waitUntil: 'commit' });
    const timing = await popupTiming(popup);
    if (i < 0) scriptBytes = await startupScriptBytes(popup);
    await popup.close();
    if (i < 0) continue;
    base.push(loaded);
    ours.push(timing.interactive);
    firstRender.push(timing.firstRender);
  }
  await target.close();
  return [
    summarize({
      name: 'Popup open → interactive (capture button enabled)',
      unit: 'ms',
      samples: ours,
      baseline: base,
      baselineName: 'script-free extension page to its load event',
      notes: `first render median ${median(firstRender).toFixed(1)} ms; ${Math.round(scriptBytes / 1024)} KB of script before interactive`,
      target: { absoluteAtMost: 150 },
    }),
  ];
};
