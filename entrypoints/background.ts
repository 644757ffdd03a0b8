import { browser } from 'wxt/browser';
import { captureFromGesture } from '@/lib/capture/gesture';
import { handlePickerResult } from '@/lib/capture/picker';
import { isPickerResult } from '@/lib/capture/picker-protocol';
import { setupCaptureSessions } from '@/lib/capture/redaction';
import { getDb } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { markInterruptedJobs } from '@/lib/jobs';
import { setupReadinessBadge } from '@/lib/readiness/badge';
import { setupSync } from '@/lib/sync/service';

const MENU_ID = 'exhibit-capture-visible';

export default defineBackground(() => {
  const ctx = { db: getDb() };
  const startedAt = new Date().toISOString();
  void markInterruptedJobs(ctx.db, startedAt);

  // All listeners are registered synchronously: MV3 wakes the worker only for listeners that exist.
  browser.runtime.onMessage.addListener((message, sender) => {
    // The one exception: the element picker Exhibit injected reports the person's pick. It is
    // answered only for the tab with a pick pending and that pick's nonce (lib/capture/picker.ts).
    if (sender.tab && isPickerResult(message) && !sender.url?.startsWith(browser.runtime.getURL('/'))) return Promise.resolve(handlePickerResult(message, sender));
    // Only Exhibit's own pages may talk to the background; web pages have no voice here.
    if (sender.id !== browser.runtime.id || (sender.url && !sender.url.startsWith(browser.runtime.getURL('/')))) return undefined;
    return handleMessage(message, ctx);
  });

  browser.runtime.onInstalled.addListener(async ({ reason }) => {
    browser.contextMenus.create({ id: MENU_ID, title: 'Capture this page as evidence (Exhibit)', contexts: ['page', 'frame', 'selection', 'image', 'link'] });
    if (reason === 'install' && import.meta.env.MODE !== 'e2e') {
      await browser.tabs.create({ url: browser.runtime.getURL('/dashboard.html#/welcome') });
    }
  });

  browser.contextMenus.onClicked.addListener((info, tab) => {
    if (info.menuItemId === MENU_ID) void captureFromGesture(tab?.id, ctx);
  });

  // The toolbar badge counts the person's overdue evidence (lib/readiness/badge.ts).
  setupReadinessBadge(ctx.db);

  // Team sync: periodic and soon-after-capture alarms (lib/sync/service.ts).
  setupSync(ctx.db);

  // Picks and redaction editors end when their tabs close or navigate (lib/capture/redaction.ts).
  setupCaptureSessions(ctx.db);

  browser.commands.onCommand.addListener(async (command, tab) => {
    if (command !== 'capture-visible') return;
    const target = tab?.id ?? (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id;
    void captureFromGesture(target, ctx);
  });
});
