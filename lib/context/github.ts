// GitHub (github.com and GHE.com): the organisation or owner, the repository, the settings page
// (branch protection, rulesets, org security, members), and the signed-in login, which GitHub puts
// in <meta name="user-login"> on every page.
import { attr, clean, compact, firstOf, meta, query, queryAll, segments, textAt } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

// First path segments that are GitHub's own pages, not an owner.
const RESERVED = new Set([
  'about', 'account', 'apps', 'codespaces', 'collections', 'customer-stories', 'dashboard', 'discussions', 'enterprise',
  'enterprises', 'events', 'explore', 'features', 'issues', 'login', 'logout', 'marketplace', 'new', 'notifications',
  'orgs', 'organizations', 'pricing', 'pulls', 'search', 'security', 'sessions', 'settings', 'signup', 'site', 'sponsors',
  'stars', 'topics', 'trending', 'users',
]);

type Page = [RegExp, string, PageKind?];

// Matched against the path after /orgs/<org>/ (or /organizations/<org>/, /enterprises/<slug>/).
const ORG_PAGES: Page[] = [
  [/^people\/?$|^people\b/, 'People', 'users'],
  [/^outside-collaborators/, 'Outside collaborators', 'users'],
  [/^teams\/([^/]+)/, 'Team', 'groups'],
  [/^teams/, 'Teams', 'groups'],
  [/^settings\/security/, 'Authentication security', 'mfa'],
  [/^settings\/(?:audit-log|audit_log)/, 'Audit log', 'logging'],
  [/^settings\/member_privileges/, 'Member privileges', 'roles'],
  [/^settings\/(?:org_role_assignments|roles|custom-repository-roles)/, 'Roles', 'roles'],
  [/^settings\/rules\/([^/]+)/, 'Ruleset', 'branch-protection'],
  [/^settings\/rules/, 'Rulesets', 'branch-protection'],
  [/^settings\/(?:oauth_application_policy|installations|apps)/, 'Third-party access', 'apps'],
  [/^settings\/(?:actions|hooks)/, 'Actions and hooks', 'pipeline'],
  [/^settings\/(?:security_analysis|code_security)/, 'Code security', 'vulnerabilities'],
  [/^security/, 'Security overview', 'vulnerabilities'],
  [/^settings\/profile/, 'Settings'],
];

// Matched against the path after /<owner>/<repo>/.
const REPO_PAGES: Page[] = [
  [/^settings\/branch_protection_rules\/new/, 'New branch protection rule', 'branch-protection'],
  [/^settings\/branch_protection_rules\/(\d+)/, 'Branch protection rule', 'branch-protection'],
  [/^settings\/branches/, 'Branch protection', 'branch-protection'],
  [/^settings\/rules\/(\d+)/, 'Ruleset', 'branch-protection'],
  [/^settings\/rules/, 'Rulesets', 'branch-protection'],
  [/^rules\/?/, 'Rules', 'branch-protection'],
  [/^settings\/access/, 'Collaborators and teams', 'users'],
  [/^settings\/environments\/(\d+)/, 'Environment', 'deployments'],
  [/^settings\/environments/, 'Environments', 'deployments'],
  [/^settings\/(?:actions|hooks|secrets)/, 'Actions settings', 'pipeline'],
  [/^settings\/(?:security_analysis|code_security)/, 'Code security', 'vulnerabilities'],
  [/^settings\/?$/, 'Settings'],
  [/^security\/(?:dependabot|code-scanning|secret-scanning)/, 'Security alerts', 'vulnerabilities'],
  [/^security/, 'Security', 'vulnerabilities'],
  [/^pull\/(\d+)/, 'Pull request', 'pull-requests'],
  [/^pulls/, 'Pull requests', 'pull-requests'],
  [/^deployments/, 'Deployments', 'deployments'],
  [/^actions\/runs\/(\d+)/, 'Workflow run', 'pipeline'],
  [/^actions/, 'Actions', 'pipeline'],
  [/^commits?\b/, 'Commits', 'pull-requests'],
];

function pageOf(pages: Page[], rest: string[]): { label?: string; id?: string; kind?: PageKind } {
  const route = rest.join('/');
  for (const [pattern, label, kind] of pages) {
    const m = pattern.exec(route);
    if (m) return { label, id: m[1], kind };
  }
  return {};
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function fromUrl(url: URL): DetectorResult {
  const path = segments(url.pathname);
  const [first, second] = path;
  if (!first) return {};
  if ((first === 'orgs' || first === 'organizations' || first === 'enterprises') && second && NAME.test(second)) {
    const page = pageOf(ORG_PAGES, path.slice(2));
    const owner = first === 'enterprises' ? `enterprise ${second}` : second;
    return compact({ account: second, resource: [owner, page.label, page.id].filter(Boolean).join(' › '), pageKind: page.kind });
  }
  if (first === 'settings') {
    // The signed-in person's own settings: /settings/security is their two-factor setup.
    const page = pageOf([[/^security/, 'Password and authentication', 'mfa']], path.slice(1));
    return compact({ resource: ['Personal settings', page.label].filter(Boolean).join(' › '), pageKind: page.kind });
  }
  if (RESERVED.has(first.toLowerCase()) || !NAME.test(first)) return {};
  if (!second || !NAME.test(second)) return compact({ account: first, resource: first });
  const page = pageOf(REPO_PAGES, path.slice(2));
  const id = page.id ? (page.kind === 'pull-requests' ? `#${page.id}` : page.id) : undefined;
  return compact({ account: first, resource: [`${first}/${second}`, page.label, id].filter(Boolean).join(' › '), pageKind: page.kind });
}

function fromDom(dom: Document): DetectorResult {
  const consoleUser = firstOf(
    () => meta(dom, 'user-login'),
    () => meta(dom, 'octolytics-actor-login'),
    () => attr(query(dom, '[data-login]'), 'data-login'),
    () => queryAll(dom, 'header img.avatar[alt^="@"], .AppHeader-user img[alt^="@"], img.avatar-user[alt^="@"]', 5).map((img) => clean(attr(img, 'alt'))?.slice(1)).find(Boolean),
    () => textAt(dom, '[data-testid="github-user-login"]', '.AppHeader-user .Truncate-text'),
  );
  return compact({ consoleUser: consoleUser && NAME.test(consoleUser) ? consoleUser : undefined });
}

export const github: ConsoleDetector = {
  id: 'github',
  system: 'GitHub',
  matches: (url) => url.hostname === 'github.com' || url.hostname === 'www.github.com' || url.hostname.endsWith('.ghe.com'),
  detect(url, dom) {
    return { ...(dom ? fromDom(dom) : {}), ...fromUrl(url) };
  },
  testUrls: [
    { url: 'https://github.com/acme/api/settings/branches', expect: { account: 'acme', resource: 'acme/api › Branch protection', pageKind: 'branch-protection' } },
    { url: 'https://github.com/acme/api/settings/branch_protection_rules/31415926', expect: { account: 'acme', resource: 'acme/api › Branch protection rule › 31415926', pageKind: 'branch-protection' } },
    { url: 'https://github.com/acme/api/settings/rules/1234567', expect: { resource: 'acme/api › Ruleset › 1234567', pageKind: 'branch-protection' } },
    { url: 'https://github.com/orgs/acme/people', expect: { account: 'acme', resource: 'acme › People', pageKind: 'users' } },
    { url: 'https://github.com/orgs/acme/people?query=role%3Aowner', expect: { account: 'acme', pageKind: 'users' } },
    { url: 'https://github.com/organizations/acme/settings/security', expect: { account: 'acme', pageKind: 'mfa' } },
    { url: 'https://github.com/orgs/acme/settings/audit-log?q=action%3Aprotected_branch', expect: { pageKind: 'logging' } },
    { url: 'https://github.com/acme/api/pull/1287', expect: { resource: 'acme/api › Pull request › #1287', pageKind: 'pull-requests' } },
    { url: 'https://github.com/acme/api/pulls?q=is%3Apr+is%3Amerged+merged%3A2026-10-01..2026-12-31', expect: { pageKind: 'pull-requests' } },
    { url: 'https://github.com/acme/api/security/dependabot', expect: { pageKind: 'vulnerabilities' } },
    { url: 'https://github.com/acme/api/settings/access', expect: { pageKind: 'users' } },
    { url: 'https://github.com/enterprises/acme-corp/people', expect: { account: 'acme-corp', resource: 'enterprise acme-corp › People', pageKind: 'users' } },
    { url: 'https://github.com/settings/security', expect: { pageKind: 'mfa' } },
    { url: 'https://acme.ghe.com/acme/api/settings/branches', expect: { account: 'acme', pageKind: 'branch-protection' } },
    { url: 'https://github.com/marketplace', expect: {} },
  ],
};
