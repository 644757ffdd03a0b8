// Okta admin console: the org (from the host, acme-admin.okta.com → acme), the page, the signed-in
// administrator (from the header's user menu).
import { attr, compact, findEmail, firstOf, meta, query, segments, signedInAs, textAt } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const OKTA_DOMAINS = ['okta.com', 'oktapreview.com', 'okta-emea.com', 'okta-gov.com', 'okta.mil', 'trexcloud.com'];

function oktaDomain(host: string): string | undefined {
  return OKTA_DOMAINS.find((d) => host.endsWith(`.${d}`));
}

const PAGES: Array<[RegExp, string, PageKind?]> = [
  [/^admin\/user\/profile\/view\/([^/]+)/, 'User', 'users'],
  [/^admin\/users/, 'People', 'users'],
  [/^admin\/people/, 'People', 'users'],
  [/^admin\/group\/([^/]+)/, 'Group', 'groups'],
  [/^admin\/groups/, 'Groups', 'groups'],
  [/^admin\/access\/admins/, 'Administrators', 'admins'],
  [/^admin\/access\/(?:multifactor|authenticators)/, 'Authenticators', 'mfa'],
  [/^admin\/authn\/authentication-policies/, 'Authentication policies', 'mfa'],
  [/^admin\/access\/policies/, 'Global session policy', 'mfa'],
  [/^admin\/access\/password/, 'Password policy', 'password-policy'],
  [/^admin\/access\/networks/, 'Networks', 'firewall'],
  [/^admin\/access-certifications|^admin\/governance\/access-certifications/, 'Access certifications', 'access-review'],
  [/^admin\/app\/([^/]+)/, 'Application', 'apps'],
  [/^admin\/apps/, 'Applications', 'apps'],
  [/^report\/system_log/, 'System Log', 'logging'],
  [/^admin\/reports/, 'Reports', 'logging'],
  [/^admin\/devices/, 'Devices', 'devices'],
  [/^admin\/dashboard/, 'Dashboard', 'dashboard'],
];

function fromUrl(url: URL): DetectorResult {
  const domain = oktaDomain(url.hostname)!;
  const sub = url.hostname.slice(0, -domain.length - 1).split('.').pop() ?? '';
  const account = sub.replace(/-admin$/, '') || undefined;
  const path = segments(url.pathname).join('/');
  for (const [pattern, label, kind] of PAGES) {
    const m = pattern.exec(path);
    if (m) return compact({ account, resource: [label, m[1]].filter(Boolean).join(' › '), pageKind: kind });
  }
  return compact({ account });
}

function fromDom(dom: Document): DetectorResult {
  const consoleUser = firstOf(
    // The header's user menu shows the admin's login (email) under the name.
    () => textAt(dom, '[data-se="user-menu"] [data-se="user-email"]', '[data-se="dropdown-menu-button-header"] [data-se="user-email"]', '.header-user-email'),
    () => findEmail(attr(query(dom, '[data-se="user-menu"], [data-se="dropdown-menu-button-header"]'), 'aria-label')),
    () => findEmail(textAt(dom, '[data-se="user-menu"]', '[data-se="dropdown-menu-button-header"]', '.header-user-menu', '#header-user-menu')),
    () => textAt(dom, '[data-se="user-menu"] [data-se="user-name"]', '[data-se="user-name"]', '.header-user-name'),
    () => meta(dom, 'okta-admin-login'),
    () => signedInAs(dom),
  );
  const accountName = textAt(dom, '[data-se="org-name"]', '.header-org-name');
  return compact({ consoleUser, accountName });
}

export const okta: ConsoleDetector = {
  id: 'okta',
  system: 'Okta',
  matches: (url) => !!oktaDomain(url.hostname),
  detect(url, dom) {
    return { ...(dom ? fromDom(dom) : {}), ...fromUrl(url) };
  },
  testUrls: [
    { url: 'https://acme-admin.okta.com/admin/users', expect: { account: 'acme', resource: 'People', pageKind: 'users' } },
    { url: 'https://acme-admin.okta.com/admin/users?status=active&search=eng#', expect: { account: 'acme', pageKind: 'users' } },
    { url: 'https://acme-admin.okta.com/admin/user/profile/view/00u1a2b3c4d5e6f7g8h9', expect: { resource: 'User › 00u1a2b3c4d5e6f7g8h9', pageKind: 'users' } },
    { url: 'https://acme-admin.okta.com/admin/groups', expect: { pageKind: 'groups' } },
    { url: 'https://acme-admin.okta.com/admin/access/multifactor#policies', expect: { pageKind: 'mfa' } },
    { url: 'https://acme-admin.okta.com/admin/authn/authentication-policies', expect: { pageKind: 'mfa' } },
    { url: 'https://acme-admin.okta.com/admin/access/admins', expect: { pageKind: 'admins' } },
    { url: 'https://acme-admin.okta.com/report/system_log_2?search=user.session.start', expect: { resource: 'System Log', pageKind: 'logging' } },
    { url: 'https://acme-admin.okta.com/admin/apps/active', expect: { pageKind: 'apps' } },
    { url: 'https://acme.okta.com/app/UserHome', expect: { account: 'acme' } },
    { url: 'https://dev-123456-admin.oktapreview.com/admin/users', expect: { account: 'dev-123456', pageKind: 'users' } },
    { url: 'https://acme-admin.okta-emea.com/admin/groups', expect: { account: 'acme', pageKind: 'groups' } },
  ],
};
