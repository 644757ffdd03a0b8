import { useEffect } from 'react';
import { AlertIcon, CameraIcon } from '@/components/icons';
import { routes } from './routes';
import { HOME_PATH, START_PATH, hrefTo, isNavRoute, matchRoute, navigate, useHashLocation } from './router';
import { SettingsProvider, useSettings } from './settings';

export function App() {
  return (
    <SettingsProvider>
      <Shell />
    </SettingsProvider>
  );
}

function Shell() {
  const location = useHashLocation();
  const { settings, error } = useSettings();
  const match = matchRoute(routes, location.path);

  useEffect(() => {
    if (location.path === '/') navigate(hrefTo(START_PATH), { replace: true });
  }, [location.path]);
  useEffect(() => {
    document.title = `${match?.route.label ?? 'Not found'} · Exhibit`;
  }, [match?.route.label]);

  const Page = match?.route.component;
  const onWelcome = location.path === '/welcome';
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Exhibit">
        <a className="brand" href={hrefTo(START_PATH)}>
          <span className="brand-mark" aria-hidden="true">
            <CameraIcon size={18} />
          </span>
          <span>
            <span className="brand-name">Exhibit</span>
            <span className="brand-org">{settings?.organization || 'SOC 2 evidence'}</span>
          </span>
        </a>
        <ul className="nav-list">
          {routes.filter(isNavRoute).map((route) => {
            const current = match?.route === route || (route.path === HOME_PATH && location.path.startsWith('/capture/'));
            return (
              <li key={route.path}>
                <a className="nav-link" href={hrefTo(route.path)} aria-current={current ? 'page' : undefined}>
                  {route.icon}
                  {route.label}
                </a>
              </li>
            );
          })}
        </ul>
        {settings?.capturer && (
          <div className="sidebar-who" title={`Captures are signed as ${settings.capturer.name} <${settings.capturer.email}>`}>
            <span className="sidebar-who-label">Capturing as</span>
            <span className="sidebar-who-name">{settings.capturer.name}</span>
            <span className="sidebar-who-email">{settings.capturer.email}</span>
          </div>
        )}
      </nav>
      <div className="main" id="main">
        {error && (
          <div className="notice notice-error shell-notice" role="alert">
            <AlertIcon />
            <p>Exhibit’s background did not answer: {error}</p>
          </div>
        )}
        {settings && !settings.capturer && !onWelcome && (
          <div className="notice notice-warn shell-notice" role="alert" aria-label="No capturer set">
            <AlertIcon />
            <div className="notice-body">
              <p className="notice-title">Captures are refused until you say who is capturing.</p>
              <p>Every piece of evidence names the person who took it.</p>
            </div>
            <a className="button button-small" href={hrefTo('/welcome')}>
              Set up capturer
            </a>
          </div>
        )}
        {Page ? (
          <Page key={location.path} params={match.params} query={location.query} />
        ) : (
          <section className="page page-narrow">
            <h1>Page not found</h1>
            <p className="lede">Nothing lives at “{location.path}”.</p>
            <a className="button" href={hrefTo(HOME_PATH)}>
              Back to the library
            </a>
          </section>
        )}
      </div>
    </div>
  );
}
