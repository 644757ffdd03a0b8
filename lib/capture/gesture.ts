// Captures started by a gesture outside the popup (keyboard shortcut, page menu) report back on
// the toolbar badge, since there is no popup to show the result.
import { browser } from 'wxt/browser';
import type { HandlerContext } from '../handlers';
import { handleMessage } from '../handlers';

export async function captureFromGesture(tabId: number | undefined, ctx: HandlerContext): Promise<void> {
  if (tabId === undefined) return;
  const reply = await handleMessage({ type: 'capture', tabId }, ctx);
  const action = browser.action ?? (browser as unknown as { browserAction: typeof browser.action }).browserAction;
  if (reply.ok) {
    await action.setBadgeBackgroundColor({ color: '#15803d', tabId });
    await action.setBadgeText({ text: '✓', tabId });
    await action.setTitle({ title: 'Exhibit: evidence saved', tabId });
    // null (not '') hands the tab back to the global badge, the count of overdue evidence; Chrome
    // documents null here though the type definitions do not list it.
    const backToGlobal = { text: null, tabId } as unknown as Parameters<typeof action.setBadgeText>[0];
    setTimeout(() => void action.setBadgeText(backToGlobal).catch(() => undefined), 4000);
    return;
  }
  if (reply.error.code === 'capturer-missing') {
    await browser.tabs.create({ url: browser.runtime.getURL('/dashboard.html#/welcome') });
    return;
  }
  await action.setBadgeBackgroundColor({ color: '#b91c1c', tabId }).catch(() => undefined);
  await action.setBadgeText({ text: '!', tabId }).catch(() => undefined);
  await action.setTitle({ title: `Exhibit: not captured — ${reply.error.message}`, tabId }).catch(() => undefined);
}
