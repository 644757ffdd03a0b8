import { browser } from 'wxt/browser';
import { captureFromGesture } from '@/lib/capture/gesture';
import { getDb } from '@/lib/db';
import { handleMessage } from '@/lib/handlers';
import { markInterruptedJobs } from '@/lib/jobs';

const MENU_ID = 'exhibit-capture-visible';

export default defineBackground(() => {
  const ctx = { db: getDb() };
  const startedAt = new Date().toISOString();
  void markInterruptedJobs(ctx.db, startedAt);

  // All listeners are registered synchronously: MV3 wakes the worker only for listeners that exist.
  browser.runtime.onMessage.addListener((message, sender) => {
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

  browser.commands.onCommand.addListener(async (command, tab) => {
    if (command !== 'capture-visible') return;
    const target = tab?.id ?? (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id;
    void captureFromGesture(target, ctx);
  });
});
