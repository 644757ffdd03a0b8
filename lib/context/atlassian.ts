// Atlassian: Atlassian Administration (admin.atlassian.com, the organisation's users, groups and
// security policies) and Jira / Confluence Cloud sites (<site>.atlassian.net). The site or org
// comes from the URL; the signed-in person from the page's `ajs-*` meta tags or profile button.
import { attr, compact, findEmail, firstOf, match, meta, query, segments, textAt } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

type Page = [RegExp, string, PageKind?];

// Atlassian Administration, after /o/<orgId>/ or /s/<siteId>/.
const ADMIN_PAGES: Page[] = [
  [/^(?:directory\/)?(?:users|members|managed-accounts)/, 'Users', 'users'],
  [/^(?:directory\/)?groups/, 'Groups', 'groups'],
  [/^(?:directory\/)?admins|^(?:directory\/)?roles/, 'Administrators', 'admins'],
  [/^security\/authentication-policies/, 'Authentication policies', 'mfa'],
  [/^security\/(?:saml|identity-providers|external-directories)|^user-provisioning/, 'Identity providers', 'sso'],
  [/^(?:security\/)?audit-log/, 'Audit log', 'logging'],
  [/^(?:security\/)?(?:access-requests|user-access-settings)/, 'User access settings', 'access-review'],
  [/^(?:security\/)?(?:api-tokens|admin-api|connected-apps|apps)/, 'Apps and API keys', 'apps'],
  [/^security\/data-security-policies/, 'Data security policies', 'encryption'],
  [/^(?:overview)?$/, 'Overview', 'dashboard'],
];

// Jira and Confluence Cloud sites.
const SITE_PAGES: Page[] = [
  [/^jira\/settings\/system\/global-permissions|^secure\/admin\/(?:ViewGlobalPermissions|GlobalPermissions)/i, 'Jira global permissions', 'roles'],
  [/^jira\/people|^secure\/admin\/user\/UserBrowser|^admin\/users|^jira\/settings\/users/i, 'Users', 'users'],
  [/^jira\/settings\/(?:system\/)?audit-log|^secure\/admin\/(?:auditing|AuditLog)/i, 'Audit log', 'logging'],
  [/^wiki\/admin\/(?:permissions|viewpermissions)|^wiki\/admin\/users/i, 'Confluence permissions', 'roles'],
  [/^wiki\/admin\/audit/i, 'Confluence audit log', 'logging'],
  [/^jira\/settings\/issues\/workflows|^secure\/admin\/workflows/i, 'Workflows', 'pipeline'],
  [/^browse\/([A-Z][A-Z0-9_]+-\d+)/, 'Issue'],
];

function pageOf(pages: Page[], route: string): { label?: string; id?: string; kind?: PageKind } {
  for (const [pattern, label, kind] of pages) {
    const m = pattern.exec(route);
    if (m) return { label, id: m[1], kind };
  }
  return {};
}

function fromUrl(url: URL): DetectorResult {
  const path = segments(url.pathname);
  if (url.hostname === 'admin.atlassian.com') {
    let account: string | undefined;
    let rest = path;
    if ((path[0] === 'o' || path[0] === 's') && path[1] && /^[A-Za-z0-9-]{1,64}$/.test(path[1])) {
      account = path[1];
      rest = path.slice(2);
    }
    const page = pageOf(ADMIN_PAGES, rest.join('/'));
    return compact({ account, resource: ['Atlassian Administration', page.label].filter(Boolean).join(' › '), pageKind: page.kind });
  }
  const site = url.hostname;
  const page = pageOf(SITE_PAGES, path.join('/'));
  const product = path[0] === 'wiki' ? 'Confluence' : 'Jira';
  return compact({ account: site, resource: [product, page.label, page.id].filter(Boolean).join(' › '), pageKind: page.kind });
}

function fromDom(dom: Document): DetectorResult {
  const profileButton = '[data-testid="atlassian-navigation--secondary-actions--profile--trigger"], [data-testid="profile-button"]';
  const consoleUser = firstOf(
    () => findEmail(meta(dom, 'ajs-user-email')),
    () => findEmail(textAt(dom, '[data-testid="profile-email"]', '[data-testid="atlassian-navigation--secondary-actions--profile--email"]')),
    () => findEmail(attr(query(dom, profileButton), 'aria-label')),
    () => meta(dom, 'ajs-remote-user-fullname'),
    () => meta(dom, 'ajs-current-user-fullname'),
    () => match(attr(query(dom, profileButton), 'aria-label'), /^(?:Your profile and settings|Profile)[:\s-]+(.+)$/i),
    () => attr(query(dom, '[data-testid="atlassian-navigation--secondary-actions--profile--trigger"] img[alt], [data-testid="profile-button"] img[alt]'), 'alt'),
  );
  const accountName = firstOf(
    () => textAt(dom, '[data-testid="org-switcher-name"]', '[data-testid="organization-name"]'),
    () => meta(dom, 'ajs-site-title'),
  );
  return compact({ consoleUser, accountName });
}

export const atlassian: ConsoleDetector = {
  id: 'atlassian',
  system: 'Atlassian',
  matches: (url) => url.hostname === 'admin.atlassian.com' || (url.hostname.endsWith('.atlassian.net') && url.hostname.split('.').length === 3),
  detect(url, dom) {
    return { ...(dom ? fromDom(dom) : {}), ...fromUrl(url) };
  },
  testUrls: [
    { url: 'https://admin.atlassian.com/o/5d0f3a1b-9c2e-4a7f-8b6d-1e2f3a4b5c6d/users', expect: { account: '5d0f3a1b-9c2e-4a7f-8b6d-1e2f3a4b5c6d', resource: 'Atlassian Administration › Users', pageKind: 'users' } },
    { url: 'https://admin.atlassian.com/o/5d0f3a1b-9c2e-4a7f-8b6d-1e2f3a4b5c6d/security/authentication-policies', expect: { pageKind: 'mfa' } },
    { url: 'https://admin.atlassian.com/o/5d0f3a1b-9c2e-4a7f-8b6d-1e2f3a4b5c6d/audit-log?from=2026-10-01', expect: { pageKind: 'logging' } },
    { url: 'https://admin.atlassian.com/s/7a8b9c0d-1e2f-3a4b-5c6d-7e8f9a0b1c2d/groups', expect: { account: '7a8b9c0d-1e2f-3a4b-5c6d-7e8f9a0b1c2d', pageKind: 'groups' } },
    { url: 'https://acme.atlassian.net/jira/settings/system/global-permissions', expect: { account: 'acme.atlassian.net', resource: 'Jira › Jira global permissions', pageKind: 'roles' } },
    { url: 'https://acme.atlassian.net/secure/admin/user/UserBrowser.jspa', expect: { account: 'acme.atlassian.net', pageKind: 'users' } },
    { url: 'https://acme.atlassian.net/jira/people/search', expect: { pageKind: 'users' } },
    { url: 'https://acme.atlassian.net/browse/SEC-142', expect: { resource: 'Jira › Issue › SEC-142' } },
    { url: 'https://acme.atlassian.net/wiki/admin/viewpermissions.action', expect: { resource: 'Confluence › Confluence permissions', pageKind: 'roles' } },
  ],
};
