import { useEffect, useState, type DependencyList } from 'react';

/** An object URL for a blob read from IndexedDB, revoked when the component lets go of it. */
export function useObjectUrl(load: () => Promise<Blob | undefined>, deps: DependencyList): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    let created: string | null = null;
    load().then(
      (blob) => {
        if (cancelled || !blob) return;
        created = URL.createObjectURL(blob);
        setUrl(created);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      if (created) URL.revokeObjectURL(created);
      setUrl(null);
    };
    // The caller's deps decide when a different blob is meant.
  }, deps);
  return url;
}
