// A small hash router: the dashboard is one extension page, and #/path?query keeps every view
// (and the library's filters) linkable, bookmarkable and restorable with the Back button.
import { useEffect, useMemo, useState, type ComponentType, type ReactNode } from 'react';

/** The library: where "back" from a capture leads, and the nav entry a capture page belongs to. */
export const HOME_PATH = '/library';
/** Where the dashboard opens and the brand leads: readiness at a glance. */
export const START_PATH = '/readiness';

export interface RouteProps {
  /** Values of `:name` segments in the route's path. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface RouteDef {
  /** "/library", or with parameters "/capture/:id". */
  path: string;
  /** The page's name in the navigation and the window title. */
  label: string;
  component: ComponentType<RouteProps>;
  icon?: ReactNode;
  /** Listed in the navigation; defaults to true for paths without parameters. */
  nav?: boolean;
}

export interface HashLocation {
  path: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): HashLocation {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)) || '/';
  return { path: path.startsWith('/') ? path : `/${path}`, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

export function matchRoute(routes: readonly RouteDef[], path: string): { route: RouteDef; params: Record<string, string> } | null {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((seg, i) => {
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeURIComponent(parts[i]!);
        return true;
      }
      return seg === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

export function isNavRoute(route: RouteDef): boolean {
  return route.nav ?? !route.path.includes(':');
}

/** "#/library?control=CC6.2"; empty query values are left out. */
export function hrefTo(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) params.set(k, v);
  const qs = params.toString();
  return `#${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) {
    history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = href.replace(/^#/, '');
  }
}

export function useHashLocation(): HashLocation {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return useMemo(() => parseHash(hash), [hash]);
}
