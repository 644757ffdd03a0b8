// The settings every dashboard page needs (who is capturing, the organization, the signing key),
// fetched from the background and refreshed whenever they or the host permission change.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { browser } from 'wxt/browser';
import type { ResponseOf } from '@/lib/handlers';
import { send } from '@/lib/messages';

export type SettingsView = ResponseOf<'settings.get'>;

interface SettingsState {
  settings: SettingsView | null;
  error: string | null;
  refresh(): Promise<void>;
}

const SettingsContext = createContext<SettingsState>({ settings: null, error: null, refresh: async () => undefined });

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      setSettings(await send({ type: 'settings.get' }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);

  useEffect(() => {
    void refresh();
    // Another tab (or the popup) may change the settings; the permission may be granted or
    // revoked from the browser's own extension page.
    const onStorage = (changes: Record<string, unknown>, area: string) => {
      if (area === 'local' && 'settings' in changes) void refresh();
    };
    const onPermissions = () => void refresh();
    browser.storage.onChanged.addListener(onStorage);
    browser.permissions.onAdded.addListener(onPermissions);
    browser.permissions.onRemoved.addListener(onPermissions);
    return () => {
      browser.storage.onChanged.removeListener(onStorage);
      browser.permissions.onAdded.removeListener(onPermissions);
      browser.permissions.onRemoved.removeListener(onPermissions);
    };
  }, [refresh]);

  return <SettingsContext.Provider value={{ settings, error, refresh }}>{children}</SettingsContext.Provider>;
}

export function useSettings(): SettingsState {
  return useContext(SettingsContext);
}
