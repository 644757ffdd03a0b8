// The background's side of the element / region picker: inject it into the tab with a random
// nonce, wait for the person (bounded), and accept the answer only from that tab's top frame with
// that nonce. The popup has closed by then, so the outcome comes straight from the page
// (entrypoints/background.ts lets exactly this message through).
import { browser } from 'wxt/browser';
import { ExhibitError } from '../errors';
import { preparePicker, removePicker } from './picker-overlay';
import { pickerResultSchema, type PickerOutcome } from './picker-protocol';
import { holdWorker } from './session-keepalive';

/** Built from entrypoints/picker.ts. */
export const PICKER_SCRIPT = '/picker.js';
/** A person who walked away is not waited for forever. */
export const PICK_TIMEOUT_MS = 5 * 60_000;

interface PendingPick {
  nonce: string;
  settle(outcome: PickerOutcome | ExhibitError): void;
}

const pending = new Map<number, PendingPick>();

export function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function inject(tabId: number, injection: { func?: (...args: never[]) => unknown; args?: unknown[]; files?: string[] }): Promise<void> {
  await browser.scripting.executeScript({ target: { tabId }, ...injection } as unknown as Parameters<typeof browser.scripting.executeScript>[0]);
}

/**
 * Shows the picker in `tabId` and resolves with what the person picked: an element (left in the
 * page for the capture) or a region. Cancelling (Esc, the Cancel button, `signal`), a timeout, the
 * tab closing or navigating reject with a sentence saying nothing was captured.
 */
export async function pickInTab(tabId: number, signal?: AbortSignal, timeoutMs = PICK_TIMEOUT_MS): Promise<Exclude<PickerOutcome, { kind: 'cancelled' }>> {
  pending.get(tabId)?.settle(new ExhibitError('capture-failed', 'A newer capture request replaced this pick; nothing was captured.'));
  const nonce = randomHex(16);
  let settle!: PendingPick['settle'];
  const outcome = new Promise<PickerOutcome>((resolve, reject) => {
    settle = (value) => (value instanceof ExhibitError ? reject(value) : resolve(value));
  });
  const entry: PendingPick = { nonce, settle: (value) => settle(value) };
  pending.set(tabId, entry);
  const release = holdWorker();
  const giveUp = (error: ExhibitError) => {
    if (pending.get(tabId) !== entry) return;
    entry.settle(error);
    void inject(tabId, { func: removePicker }).catch(() => undefined);
  };
  const onAbort = () => giveUp(new ExhibitError('capture-failed', 'The capture was cancelled while you were picking; nothing was captured.'));
  signal?.addEventListener('abort', onAbort);
  const timer = setTimeout(() => giveUp(new ExhibitError('capture-failed', `Nothing was picked within ${Math.round(timeoutMs / 60_000)} minutes, so nothing was captured. Start the capture again when you are ready.`)), timeoutMs);
  try {
    try {
      // The person picks in the tab: it must be the one in front.
      const tab = await browser.tabs.update(tabId, { active: true });
      if (tab?.windowId !== undefined) await browser.windows.update(tab.windowId, { focused: true }).catch(() => undefined);
      await inject(tabId, { func: preparePicker, args: [nonce] });
      await inject(tabId, { files: [PICKER_SCRIPT] });
    } catch (err) {
      const message = String((err as Error)?.message ?? err);
      if (/No tab with id/i.test(message)) throw new ExhibitError('tab-not-found', 'The tab was closed before the picker could open; nothing was captured.');
      throw new ExhibitError(
        'permission-denied',
        'Exhibit could not show the picker on this page: start the capture from Exhibit’s toolbar button or shortcut on the page itself, or allow captures without a click in Exhibit’s settings.',
      );
    }
    if (signal?.aborted) onAbort();
    const result = await outcome;
    if (result.kind === 'cancelled') throw new ExhibitError('capture-failed', 'You cancelled the pick; nothing was captured.');
    return result;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    if (pending.get(tabId) === entry) pending.delete(tabId);
    release();
  }
}

/**
 * The `picker.result` message from a page. Answered `{ ok: true }` only when it comes from the top
 * frame of a tab with a pick pending and carries that pick's nonce; otherwise `{ ok: false }`.
 */
export function handlePickerResult(message: unknown, sender: { id?: string; tab?: { id?: number }; frameId?: number }): { ok: boolean } {
  const parsed = pickerResultSchema.safeParse(message);
  const tabId = sender.tab?.id;
  if (!parsed.success || tabId === undefined || sender.frameId !== 0 || sender.id !== browser.runtime.id) return { ok: false };
  const entry = pending.get(tabId);
  if (!entry || entry.nonce !== parsed.data.nonce) return { ok: false };
  pending.delete(tabId);
  entry.settle(parsed.data.outcome);
  return { ok: true };
}

/** The tab closed or left its page: a pick pending there can never come. */
export function pickerTabGone(tabId: number, reason: 'closed' | 'navigated'): void {
  const entry = pending.get(tabId);
  if (!entry) return;
  pending.delete(tabId);
  entry.settle(
    reason === 'closed'
      ? new ExhibitError('tab-not-found', 'The tab was closed while you were picking; nothing was captured.')
      : new ExhibitError('capture-failed', 'The page navigated away while you were picking; nothing was captured. Start the capture again on the page you want.'),
  );
}

export function hasPendingPick(tabId: number): boolean {
  return pending.has(tabId);
}
