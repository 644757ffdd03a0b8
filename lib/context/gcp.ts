// Google Cloud console (console.cloud.google.com): the project (or organisation, or folder) from
// the URL's query, the zone or region from the path, the page, and the signed-in account from the
// Google account button or an `authuser` address.
import { compact, firstOf, googleAccountEmail, isEmail, param, segments } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const PAGES: Array<[RegExp, string, PageKind?]> = [
  [/^iam-admin\/iam/, 'IAM', 'users'],
  [/^iam-admin\/serviceaccounts/, 'Service accounts', 'users'],
  [/^iam-admin\/groups/, 'Groups', 'groups'],
  [/^iam-admin\/roles/, 'Roles', 'roles'],
  [/^iam-admin\/audit/, 'Audit logs configuration', 'logging'],
  [/^iam-admin\/orgpolicies/, 'Organization policies'],
  [/^logs/, 'Logs Explorer', 'logging'],
  [/^networking\/firewalls/, 'Firewall', 'firewall'],
  [/^net-security\/(?:firewall|securitypolicies)/, 'Network security', 'firewall'],
  [/^sql\/instances\/([^/]+)\/backups/, 'Cloud SQL backups', 'backups'],
  [/^compute\/(?:snapshots|instantSnapshots|schedules)/, 'Snapshots', 'backups'],
  [/^backup/, 'Backup and DR', 'backups'],
  [/^security\/kms/, 'Key Management', 'encryption'],
  [/^security\/command-center/, 'Security Command Center', 'vulnerabilities'],
  [/^monitoring\/alerting/, 'Alerting', 'monitoring'],
  [/^monitoring/, 'Monitoring', 'monitoring'],
  [/^cloud-build\/(?:builds|triggers)/, 'Cloud Build', 'pipeline'],
  [/^compute\/instancesDetail\/zones\/[^/]+\/instances\/([^/]+)/, 'VM instance'],
  [/^compute\/instances/, 'VM instances'],
  [/^home\/dashboard/, 'Dashboard', 'dashboard'],
];

const LOCATION = /^[a-z]+-[a-z]+\d+(?:-[a-z])?$/;

function fromUrl(url: URL): DetectorResult {
  const path = segments(url.pathname);
  // Some pages keep their state after ";" (logs/query;query=…;duration=…).
  const route = path.map((s) => s.split(';')[0]).join('/');
  const project = param(url, 'project');
  const organization = param(url, 'organizationId');
  const folder = param(url, 'folder');
  const account = project ?? (organization ? `organizations/${organization}` : folder ? `folders/${folder}` : undefined);
  let region: string | undefined;
  for (let i = 0; i < path.length - 1; i++) {
    if (['zones', 'regions', 'locations'].includes(path[i]!) && LOCATION.test(path[i + 1]!)) region = path[i + 1];
  }
  const authuser = param(url, 'authuser');
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
  return compact({ account, region, resource, pageKind, consoleUser: isEmail(authuser) ? authuser : undefined });
}

export const gcp: ConsoleDetector = {
  id: 'gcp',
  system: 'Google Cloud',
  matches: (url) => url.hostname === 'console.cloud.google.com',
  detect(url, dom) {
    const address = fromUrl(url);
    return { ...address, consoleUser: firstOf(() => address.consoleUser, () => googleAccountEmail(dom)) };
  },
  testUrls: [
    { url: 'https://console.cloud.google.com/iam-admin/iam?project=acme-prod', expect: { account: 'acme-prod', resource: 'IAM', pageKind: 'users' } },
    { url: 'https://console.cloud.google.com/iam-admin/iam?organizationId=123456789012', expect: { account: 'organizations/123456789012', pageKind: 'users' } },
    { url: 'https://console.cloud.google.com/networking/firewalls/list?project=acme-prod&authuser=ops@acme.example', expect: { account: 'acme-prod', pageKind: 'firewall', consoleUser: 'ops@acme.example' } },
    { url: 'https://console.cloud.google.com/sql/instances/orders-db/backups?project=acme-prod', expect: { resource: 'Cloud SQL backups › orders-db', pageKind: 'backups' } },
    {
      url: 'https://console.cloud.google.com/compute/instancesDetail/zones/europe-west1-b/instances/web-1?project=acme-prod',
      expect: { account: 'acme-prod', region: 'europe-west1-b', resource: 'VM instance › web-1' },
    },
    { url: 'https://console.cloud.google.com/logs/query;query=protoPayload.methodName%3D%22SetIamPolicy%22;duration=P30D?project=acme-prod', expect: { pageKind: 'logging' } },
    { url: 'https://console.cloud.google.com/security/kms/keyrings?project=acme-prod', expect: { pageKind: 'encryption' } },
    { url: 'https://console.cloud.google.com/security/command-center/findings?organizationId=123456789012', expect: { pageKind: 'vulnerabilities' } },
    { url: 'https://console.cloud.google.com/home/dashboard?project=acme-staging', expect: { account: 'acme-staging', pageKind: 'dashboard' } },
  ],
};
