// The sync target and its secret live in local extension storage only (never storage.sync, never
// IndexedDB), the secret under a key of its own so no settings read hands it out by accident.
// Nothing here logs; messages show at most the secret's last four characters.
import { browser } from 'wxt/browser';
import { syncSecretSchema, syncTargetSchema, type SyncTarget } from '../schema';
import type { SyncConfig } from './engine';

const TARGET_KEY = 'syncTarget';
const SECRET_KEY = 'syncSecret';
const CLOCK_KEY = 'syncClockOffsetMs';

export async function readSyncTarget(): Promise<SyncTarget | null> {
  const stored = (await browser.storage.local.get(TARGET_KEY))[TARGET_KEY];
  const parsed = syncTargetSchema.safeParse(stored);
  return stored && parsed.success ? parsed.data : null;
}

async function readSecret(): Promise<string | null> {
  const stored = (await browser.storage.local.get(SECRET_KEY))[SECRET_KEY];
  return syncSecretSchema.safeParse(stored).success ? (stored as string) : null;
}

/** The saved target with its secret, or null while sync is not set up. */
export async function readSyncConfig(): Promise<SyncConfig | null> {
  const [target, secret, clock] = await Promise.all([readSyncTarget(), readSecret(), browser.storage.local.get(CLOCK_KEY)]);
  if (!target || !secret) return null;
  const offset = clock[CLOCK_KEY];
  return { target, secretAccessKey: secret, ...(typeof offset === 'number' && offset !== 0 ? { clockOffsetMs: offset } : {}) };
}

export async function secretInfo(): Promise<{ set: boolean; hint: string | null }> {
  const secret = await readSecret();
  // The last four characters identify which secret is stored without revealing it (short ones: nothing).
  return { set: !!secret, hint: secret && secret.length >= 16 ? `…${secret.slice(-4)}` : null };
}

export async function readClockOffset(): Promise<number> {
  const v = (await browser.storage.local.get(CLOCK_KEY))[CLOCK_KEY];
  return typeof v === 'number' ? v : 0;
}

export async function writeSyncSettings(target: SyncTarget, secretAccessKey?: string, clockOffsetMs?: number): Promise<void> {
  await browser.storage.local.set({
    [TARGET_KEY]: target,
    ...(secretAccessKey !== undefined ? { [SECRET_KEY]: secretAccessKey } : {}),
    ...(clockOffsetMs !== undefined ? { [CLOCK_KEY]: clockOffsetMs } : {}),
  });
}

export async function clearSyncSettings(): Promise<void> {
  await browser.storage.local.remove([TARGET_KEY, SECRET_KEY, CLOCK_KEY]);
}

export async function hasStoredSecret(): Promise<boolean> {
  return (await readSecret()) !== null;
}

/** The origin pattern a host permission for the endpoint needs (bucket subdomains included for virtual-host addressing). */
export function endpointOrigins(target: Pick<SyncTarget, 'endpoint' | 'addressing'>): string[] {
  const u = new URL(target.endpoint);
  // Match patterns carry no port: a host's permission covers all its ports.
  const host = u.hostname;
  return target.addressing === 'virtual-host' ? [`${u.protocol}//${host}/*`, `${u.protocol}//*.${host}/*`] : [`${u.protocol}//${host}/*`];
}
