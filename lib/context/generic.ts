// Any other page: the host, the application's own name from its meta tags, a "Signed in as …"
// in its header, and a guess at the page's subject from words in its path (the person confirms
// any control suggested from it).
import { clean, compact, firstOf, meta, segments, signedInAs } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const PATH_WORDS: Array<[RegExp, PageKind]> = [
  [/branch[-_]?protection|protected[-_]?branches/i, 'branch-protection'],
  [/\b(?:mfa|2fa|2sv|two[-_]?factor|multi[-_]?factor|authenticators?)\b/i, 'mfa'],
  [/password[-_]?polic/i, 'password-policy'],
  [/\bbackups?\b|\bsnapshots?\b/i, 'backups'],
  [/firewall|security[-_]?groups?/i, 'firewall'],
  [/audit[-_]?logs?|system[-_]?log/i, 'logging'],
  [/access[-_]?reviews?|certifications?/i, 'access-review'],
  [/\b(?:users|people|members|accounts)\b/i, 'users'],
  [/\bgroups\b/i, 'groups'],
  [/\b(?:admins|administrators|roles)\b/i, 'roles'],
];

function pageKindFromPath(url: URL): PageKind | undefined {
  const words = segments(url.pathname).join(' ').replace(/\.[a-z]{2,5}$/i, '').slice(0, 500);
  return PATH_WORDS.find(([pattern]) => pattern.test(words))?.[1];
}

export const generic: ConsoleDetector = {
  id: 'generic',
  system: 'the page’s host',
  matches: () => true,
  detect(url, dom): DetectorResult {
    const named = firstOf(() => meta(dom, 'application-name'), () => meta(dom, 'og:site_name'));
    const consoleUser = firstOf(() => meta(dom, 'user-login'), () => signedInAs(dom));
    return compact({ system: clean(named, 200) ?? (url.hostname || undefined), consoleUser, pageKind: pageKindFromPath(url) });
  },
  testUrls: [
    { url: 'https://vault.acme.example/ui/vault/access/userpass/users', expect: { system: 'vault.acme.example', pageKind: 'users' } },
    { url: 'https://jenkins.acme.example/manage/configureSecurity/', expect: { system: 'jenkins.acme.example' } },
    { url: 'https://backup.acme.example/dashboard/backups?status=failed', expect: { pageKind: 'backups' } },
    { url: 'https://idp.acme.example/admin/mfa-settings', expect: { pageKind: 'mfa' } },
    { url: 'http://127.0.0.1:8080/sample-console.html', expect: { system: '127.0.0.1' } },
  ],
};
