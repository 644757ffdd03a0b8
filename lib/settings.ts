// Settings live in local extension storage only (never storage.sync): they name a person, and
// later hold sync secrets that must not leave this browser.
import { browser } from 'wxt/browser';
import { settingsSchema, type Settings } from './schema';

const KEY = 'settings';

export async function readSettings(): Promise<Settings> {
  const stored = (await browser.storage.local.get(KEY))[KEY];
  const parsed = settingsSchema.safeParse(stored ?? {});
  return parsed.success ? parsed.data : settingsSchema.parse({});
}

export async function writeSettings(change: Partial<Settings>): Promise<Settings> {
  const next = settingsSchema.parse({ ...(await readSettings()), ...change });
  await browser.storage.local.set({ [KEY]: next });
  return next;
}
