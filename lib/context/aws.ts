// AWS Management Console: account id and alias, region, service and page, the signed-in IAM user
// or role. The URL gives region, service and page (and the account in multi-session URLs such as
// https://123456789012-abcd1234.us-east-1.console.aws.amazon.com/…); the navigation bar gives the
// account and the signed-in identity.
import { attr, clean, compact, firstOf, match, meta, param, parseJsonObject, query, queryAll, segments, textAt, textOf } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const CONSOLE_DOMAINS = ['console.aws.amazon.com', 'console.amazonaws-us-gov.com', 'console.amazonaws.cn'];
const REGION = /^(?:[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)$/;

const SERVICE_LABELS: Record<string, string> = {
  iam: 'IAM',
  ec2: 'EC2',
  vpc: 'VPC',
  backup: 'AWS Backup',
  s3: 'S3',
  rds: 'RDS',
  kms: 'KMS',
  cloudtrail: 'CloudTrail',
  cloudwatch: 'CloudWatch',
  guardduty: 'GuardDuty',
  securityhub: 'Security Hub',
  inspector: 'Inspector',
  config: 'Config',
  singlesignon: 'IAM Identity Center',
  organizations: 'Organizations',
  codepipeline: 'CodePipeline',
  console: 'Console Home',
};

interface PageRule {
  services: string[];
  /** Matched against the page route: the hash without "#", or for path-routed services the path after the service. */
  route: RegExp;
  label: string;
  kind?: PageKind;
  /** Only when this query parameter has this value (S3's bucket tabs). */
  when?: [string, string];
}

// Most specific first: the first rule that matches names the page.
const PAGES: PageRule[] = [
  { services: ['iam'], route: /^\/?users\/details\/([^/?#]+)/, label: 'Users', kind: 'users' },
  { services: ['iam'], route: /^\/?users\b/, label: 'Users', kind: 'users' },
  { services: ['iam'], route: /^\/?roles\/details\/([^/?#]+)/, label: 'Roles', kind: 'roles' },
  { services: ['iam'], route: /^\/?roles\b/, label: 'Roles', kind: 'roles' },
  { services: ['iam'], route: /^\/?groups\/details\/([^/?#]+)/, label: 'User groups', kind: 'groups' },
  { services: ['iam'], route: /^\/?groups\b/, label: 'User groups', kind: 'groups' },
  { services: ['iam'], route: /^\/?policies\b/, label: 'Policies', kind: 'roles' },
  { services: ['iam'], route: /^\/?account_settings\b/, label: 'Account settings (password policy)', kind: 'password-policy' },
  { services: ['iam'], route: /^\/?security_credentials\b/, label: 'Security credentials (MFA)', kind: 'mfa' },
  { services: ['ec2', 'vpc'], route: /^SecurityGroups?:(?:.*?\bgroupId=(sg-[0-9a-f]+))?/i, label: 'Security groups', kind: 'firewall' },
  { services: ['ec2', 'vpc'], route: /^(?:NetworkAcls?|acls):/i, label: 'Network ACLs', kind: 'firewall' },
  { services: ['ec2'], route: /^Snapshots:/i, label: 'Snapshots', kind: 'backups' },
  { services: ['ec2'], route: /^Instances?:(?:.*?\binstanceId=(i-[0-9a-f]+))?/i, label: 'Instances' },
  { services: ['backup'], route: /^\/?backupplan\/details\/([^/?#]+)/, label: 'Backup plans', kind: 'backups' },
  { services: ['backup'], route: /^\/?backupplan/, label: 'Backup plans', kind: 'backups' },
  { services: ['backup'], route: /^\/?backupvaults?(?:\/details\/([^/?#]+))?/, label: 'Backup vaults', kind: 'backups' },
  { services: ['backup'], route: /^\/?(?:jobs|restorejobs|restoretesting)/, label: 'Jobs', kind: 'backups' },
  { services: ['backup'], route: /^\/?(?:dashboard)?$/, label: 'Dashboard', kind: 'backups' },
  { services: ['rds'], route: /^(?:automatedbackups|snapshots|snapshots-list|db-snapshot)/i, label: 'Backups and snapshots', kind: 'backups' },
  { services: ['rds'], route: /^databases:/i, label: 'Databases' },
  { services: ['s3'], route: /^\/?buckets\/([^/?#]+)/, label: 'Buckets', kind: 'encryption', when: ['tab', 'properties'] },
  { services: ['s3'], route: /^\/?buckets\/([^/?#]+)/, label: 'Buckets' },
  { services: ['s3'], route: /^\/?buckets/, label: 'Buckets' },
  { services: ['kms'], route: /^\/?kms\/(?:keys|defaultKeys)(?:\/([^/?#]+))?/, label: 'Keys', kind: 'encryption' },
  { services: ['cloudtrail'], route: /^\/?trails(?:\/([^/?#]+))?/, label: 'Trails', kind: 'logging' },
  { services: ['cloudtrail'], route: /^\/?events/, label: 'Event history', kind: 'logging' },
  { services: ['cloudwatch'], route: /^alarms/i, label: 'Alarms', kind: 'monitoring' },
  { services: ['cloudwatch'], route: /^logs/i, label: 'Logs', kind: 'logging' },
  { services: ['guardduty'], route: /^\/?findings/, label: 'Findings', kind: 'monitoring' },
  { services: ['securityhub'], route: /^\/?findings/, label: 'Findings', kind: 'vulnerabilities' },
  { services: ['inspector'], route: /^\/?findings/, label: 'Findings', kind: 'vulnerabilities' },
  { services: ['config'], route: /^\/?rules/, label: 'Rules', kind: 'monitoring' },
  { services: ['singlesignon'], route: /\/users\b/, label: 'Users', kind: 'users' },
  { services: ['singlesignon'], route: /\/groups\b/, label: 'Groups', kind: 'groups' },
  { services: ['singlesignon'], route: /\/permissionSets\b/i, label: 'Permission sets', kind: 'roles' },
  { services: ['codepipeline'], route: /^\/?pipelines/, label: 'Pipelines', kind: 'pipeline' },
  { services: ['console'], route: /^/, label: 'Home', kind: 'dashboard' },
];

// Services whose console sits on its own host (s3.console.aws.amazon.com).
const SERVICE_HOSTS = new Set(['s3']);

function consoleDomain(host: string): string | undefined {
  return CONSOLE_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
}

function normaliseService(name: string): string {
  const lower = name.toLowerCase();
  if (lower === 'vpcconsole') return 'vpc';
  if (lower === 'codesuite') return 'codepipeline';
  if (lower === 'iamv2' || lower === 'cloudtrailv2' || lower === 'securityhubv2') return lower.slice(0, -2);
  return lower;
}

function fromUrl(url: URL): DetectorResult {
  const domain = consoleDomain(url.hostname)!;
  const labels = url.hostname.slice(0, url.hostname.length - domain.length).split('.').filter(Boolean);
  let account: string | undefined;
  let region = param(url, 'region');
  let hostService: string | undefined;
  for (const label of labels) {
    const multiSession = /^(\d{12})-[a-z0-9]+$/.exec(label);
    if (multiSession) account = multiSession[1];
    else if (REGION.test(label)) region ??= label;
    else if (SERVICE_HOSTS.has(label)) hostService = label;
  }
  if (region && !REGION.test(region)) region = undefined;

  const path = segments(url.pathname);
  let service = hostService ?? (path[0] ? normaliseService(path[0]) : undefined);
  let rest = hostService && path[0] !== hostService ? path : path.slice(1);
  if (path[0]?.toLowerCase() === 'codesuite') {
    service = path[1] ? normaliseService(path[1]) : service;
    rest = path.slice(2);
  }
  if (!service) return compact({ account, region });

  const hashRoute = url.hash.replace(/^#/, '');
  const route = hashRoute || rest.filter((s) => s !== 'home').join('/');
  const serviceLabel = SERVICE_LABELS[service] ?? clean(service, 60);
  let resource = serviceLabel;
  let pageKind: PageKind | undefined;
  for (const rule of PAGES) {
    if (!rule.services.includes(service)) continue;
    if (rule.when && param(url, rule.when[0]) !== rule.when[1]) continue;
    const m = rule.route.exec(route.slice(0, 500));
    if (!m) continue;
    const id = clean(m[1], 200);
    resource = [serviceLabel, rule.label, id].filter(Boolean).join(' › ');
    pageKind = rule.kind;
    break;
  }
  return compact({ account, region, resource, pageKind });
}

/** "arn:aws:sts::123456789012:assumed-role/Admin/alice" → { account, user: "Admin/alice" }. */
export function parseAwsArn(arn: string | undefined): { account?: string; user?: string } {
  const m = /^arn:aws[a-z-]*:(?:sts|iam)::(\d{12}):(assumed-role|user|root|federated-user)(?:\/(.+))?$/.exec((arn ?? '').trim().slice(0, 600));
  if (!m) return {};
  const [, account, kind, rest = ''] = m;
  if (kind === 'root') return { account, user: 'root' };
  if (kind === 'user') return { account, user: clean(rest.split('/').pop()) };
  return { account, user: clean(rest) };
}

/** The dashed 12-digit form AWS prints (1234-5678-9012), or bare digits, → bare digits. */
export function awsAccountId(text: string | undefined): string | undefined {
  const m = /(?:^|\D)(\d{4})-?(\d{4})-?(\d{4})(?!\d)/.exec((text ?? '').slice(0, 2000));
  return m ? `${m[1]}${m[2]}${m[3]}` : undefined;
}

function fromDom(dom: Document): DetectorResult {
  const session = parseJsonObject(meta(dom, 'awsc-session-data', 20000));
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const arn = parseAwsArn(str(session?.sessionARN) ?? str(session?.sessionArn));

  // The account menu button reads "Admin/alice @ acme-prod" (or "… @ 1234-5678-9012").
  const menuText = firstOf(
    () => textAt(dom, '[data-testid="awsc-nav-account-menu-button"]', '#nav-usernameMenu', '[data-testid="more-menu__awsc-nav-account-menu-button"]'),
    () => attr(query(dom, '[data-testid="awsc-nav-account-menu-button"]'), 'aria-label'),
  );
  const menuUser = match(menuText, /^(.+?)\s+@\s+/);
  const menuAccount = match(menuText, /\s@\s+(.+)$/);

  const accountIdText = firstOf(
    () => str(session?.accountId),
    () => textAt(dom, '[data-testid="awsc-copy-accountid"]', '[data-testid="account-detail-menu-account-id"]', '#menu--account [data-account-id]'),
    () => attr(query(dom, '[data-account-id]'), 'data-account-id'),
    () => queryAll(dom, '[aria-label*="Account ID" i], [data-testid*="account" i]', 20).map((el) => match(textOf(el, 400) ?? attr(el, 'aria-label'), /Account ID[:\s]*([\d-]{12,14})/i)).find(Boolean),
    () => arn.account,
    () => (menuAccount && awsAccountId(menuAccount) && /^[\d-]+$/.test(menuAccount) ? menuAccount : undefined),
  );
  const alias = firstOf(
    () => str(session?.accountAlias),
    () => textAt(dom, '[data-testid="awsc-account-alias"]', '[data-testid="account-detail-menu-account-alias"]'),
    () => (menuAccount && !/^[\d-]+$/.test(menuAccount) ? menuAccount : undefined),
  );
  const consoleUser = firstOf(
    () => arn.user,
    () => str(session?.displayName),
    () => menuUser,
    () => textAt(dom, '[data-testid="awsc-nav-username"]', '[data-testid="awsc-user-display-name"]'),
  );
  return compact({ account: awsAccountId(accountIdText), accountName: alias, consoleUser });
}

export const aws: ConsoleDetector = {
  id: 'aws',
  system: 'AWS',
  matches: (url) => !!consoleDomain(url.hostname),
  detect(url, dom) {
    const fromPage = dom ? fromDom(dom) : {};
    const fromAddress = fromUrl(url);
    // The URL's account (multi-session sign-in) names the session exactly; the page fills gaps.
    return { ...fromPage, ...fromAddress, account: fromAddress.account ?? fromPage.account };
  },
  testUrls: [
    { url: 'https://us-east-1.console.aws.amazon.com/iam/home?region=us-east-1#/users', expect: { region: 'us-east-1', resource: 'IAM › Users', pageKind: 'users' } },
    { url: 'https://console.aws.amazon.com/iam/home#/users/details/alice?section=permissions', expect: { resource: 'IAM › Users › alice', pageKind: 'users' } },
    { url: 'https://us-east-1.console.aws.amazon.com/iamv2/home#/roles', expect: { resource: 'IAM › Roles', pageKind: 'roles' } },
    { url: 'https://us-east-1.console.aws.amazon.com/iam/home#/account_settings', expect: { pageKind: 'password-policy' } },
    { url: 'https://us-east-1.console.aws.amazon.com/iam/home#/security_credentials', expect: { pageKind: 'mfa' } },
    { url: 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroups:', expect: { region: 'eu-west-1', resource: 'EC2 › Security groups', pageKind: 'firewall' } },
    {
      url: 'https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#SecurityGroup:groupId=sg-0123456789abcdef0',
      expect: { region: 'eu-central-1', resource: 'EC2 › Security groups › sg-0123456789abcdef0', pageKind: 'firewall' },
    },
    { url: 'https://us-east-1.console.aws.amazon.com/vpcconsole/home?region=us-east-1#SecurityGroups:', expect: { resource: 'VPC › Security groups', pageKind: 'firewall' } },
    { url: 'https://us-west-2.console.aws.amazon.com/backup/home?region=us-west-2#/backupplan', expect: { region: 'us-west-2', resource: 'AWS Backup › Backup plans', pageKind: 'backups' } },
    {
      url: 'https://123456789012-a1b2c3d4.us-east-1.console.aws.amazon.com/backup/home?region=us-east-1#/backupplan/details/4f2a9c1e-77b0-4a3e-9d51-0c6b1c2d3e4f',
      expect: { account: '123456789012', region: 'us-east-1', resource: 'AWS Backup › Backup plans › 4f2a9c1e-77b0-4a3e-9d51-0c6b1c2d3e4f', pageKind: 'backups' },
    },
    { url: 'https://us-east-1.console.aws.amazon.com/rds/home?region=us-east-1#automatedbackups:', expect: { resource: 'RDS › Backups and snapshots', pageKind: 'backups' } },
    { url: 'https://s3.console.aws.amazon.com/s3/buckets/acme-audit-logs?region=us-east-1&tab=properties', expect: { region: 'us-east-1', resource: 'S3 › Buckets › acme-audit-logs', pageKind: 'encryption' } },
    { url: 'https://us-east-1.console.aws.amazon.com/kms/home?region=us-east-1#/kms/keys', expect: { resource: 'KMS › Keys', pageKind: 'encryption' } },
    { url: 'https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/trails', expect: { resource: 'CloudTrail › Trails', pageKind: 'logging' } },
    { url: 'https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings', expect: { pageKind: 'vulnerabilities' } },
    { url: 'https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines?region=us-east-1', expect: { resource: 'CodePipeline › Pipelines', pageKind: 'pipeline' } },
    { url: 'https://console.amazonaws-us-gov.com/iam/home?region=us-gov-west-1#/roles', expect: { region: 'us-gov-west-1', pageKind: 'roles' } },
    { url: 'https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1#/functions', expect: { region: 'us-east-1', resource: 'lambda' } },
  ],
};
