// Google Workspace Admin console (admin.google.com): the page from the URL, the signed-in
// administrator from the Google account button (or an `authuser` address in the URL), and the
// domain from that administrator's address unless the console names it.
import { attr, compact, findEmail, firstOf, googleAccountEmail, isEmail, param, query, segments, textAt } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const PAGES: Array<[RegExp, string, PageKind?]> = [
  [/^ac\/users\/([^/]+)/, 'Users', 'users'],
  [/^ac\/users/, 'Users', 'users'],
  [/^ac\/groups/, 'Groups', 'groups'],
  [/^ac\/roles/, 'Admin roles', 'admins'],
  [/^ac\/security\/2sv/, '2-Step Verification', 'mfa'],
  [/^ac\/security\/passwordmanagement/, 'Password management', 'password-policy'],
  [/^ac\/security\/(?:ssoprofiles|sso)/, 'SSO with third-party IdP', 'sso'],
  [/^ac\/security\/context-aware/, 'Context-Aware Access', 'conditional-access'],
  [/^ac\/security\/alertcenter|^ac\/ac\/alerts|^ac\/alertcenter/, 'Alert center', 'monitoring'],
  [/^ac\/(?:owl|security\/api)/, 'API controls', 'apps'],
  [/^ac\/apps/, 'Apps', 'apps'],
  [/^ac\/reporting\/audit\/([^/]+)/, 'Audit and investigation', 'logging'],
  [/^ac\/reporting/, 'Reporting', 'logging'],
  [/^ac\/devices/, 'Devices', 'devices'],
  [/^ac\/home|^$/, 'Home', 'dashboard'],
];

function fromUrl(url: URL): DetectorResult {
  let path = segments(url.pathname);
  // Several signed-in accounts: /u/1/ac/users.
  if (path[0] === 'u' && /^\d+$/.test(path[1] ?? '')) path = path.slice(2);
  const route = path.join('/');
  const authuser = param(url, 'authuser');
  const consoleUser = isEmail(authuser) ? authuser : undefined;
  let resource: string | undefined;
  let pageKind: PageKind | undefined;
  for (const [pattern, label, kind] of PAGES) {
    const m = pattern.exec(route);
    if (m) {
      resource = [label, m[1]].filter(Boolean).join(' › ');
      pageKind = kind;
      break;
    }
  }
  return compact({ consoleUser, account: consoleUser?.split('@')[1], resource, pageKind });
}

function fromDom(dom: Document): DetectorResult {
  const consoleUser = firstOf(
    () => googleAccountEmail(dom),
    () => findEmail(attr(query(dom, '[data-admin-email]'), 'data-admin-email')),
  );
  const account = firstOf(
    () => attr(query(dom, '[data-customer-domain]'), 'data-customer-domain'),
    () => textAt(dom, '[data-primary-domain]', '[aria-label="Primary domain"]'),
    () => consoleUser?.split('@')[1],
  );
  const accountName = textAt(dom, '[data-organization-name]', '[aria-label="Organization name"]');
  return compact({ consoleUser, account, accountName });
}

export const googleWorkspace: ConsoleDetector = {
  id: 'google-workspace',
  system: 'Google Workspace',
  matches: (url) => url.hostname === 'admin.google.com',
  detect(url, dom) {
    const page = dom ? fromDom(dom) : {};
    const address = fromUrl(url);
    return { ...address, ...page, resource: address.resource, pageKind: address.pageKind };
  },
  testUrls: [
    { url: 'https://admin.google.com/ac/users', expect: { resource: 'Users', pageKind: 'users' } },
    { url: 'https://admin.google.com/u/1/ac/users?journey=217', expect: { resource: 'Users', pageKind: 'users' } },
    { url: 'https://admin.google.com/ac/users/0f1e2d3c-aaaa-4bbb-8ccc-123456789abc', expect: { pageKind: 'users' } },
    { url: 'https://admin.google.com/ac/security/2sv?authuser=it-admin@acme.example', expect: { pageKind: 'mfa', consoleUser: 'it-admin@acme.example', account: 'acme.example' } },
    { url: 'https://admin.google.com/ac/security/passwordmanagement', expect: { pageKind: 'password-policy' } },
    { url: 'https://admin.google.com/ac/groups', expect: { pageKind: 'groups' } },
    { url: 'https://admin.google.com/ac/roles', expect: { pageKind: 'admins' } },
    { url: 'https://admin.google.com/ac/reporting/audit/admin', expect: { resource: 'Audit and investigation › admin', pageKind: 'logging' } },
    { url: 'https://admin.google.com/ac/owl/list?tab=apps', expect: { pageKind: 'apps' } },
  ],
};
