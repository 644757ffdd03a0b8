// The two answers the capture button waits for (which tab, who is capturing) are asked for when
// the popup's script is evaluated, before React renders: they travel while React sets up.
import { browser } from 'wxt/browser';
import { send } from '@/lib/messages';

export interface Target {
  id: number;
  title: string;
  url: string | undefined;
}

const params = new URLSearchParams(location.search);
// `popup.html?tabId=N` targets tab N (automation and tests, see docs/messages.md); the popup
// then runs in a tab of its own and must not close itself.
const tabIdParam = params.get('tabId');
export const inTab = tabIdParam !== null || params.has('automation');

async function findTarget(): Promise<Target> {
  const tab = tabIdParam !== null ? await browser.tabs.get(Number(tabIdParam)) : (await browser.tabs.query({ active: true, currentWindow: true }))[0];
  if (!tab?.id) throw new Error('There is no tab to capture in this window.');
  return { id: tab.id, title: tab.title ?? '', url: tab.url };
}

export const targetReply = findTarget();
export const settingsReply = send({ type: 'settings.get' });
// The popup handles both once it has rendered; until then a failure must not count as unhandled.
targetReply.catch(() => undefined);
settingsReply.catch(() => undefined);
