// Microsoft Azure portal, Microsoft Entra admin center and Microsoft 365 admin center: the tenant
// (from "#@acme.onmicrosoft.com/…", a tenant in the path, or the account menu), the subscription
// and resource, the blade shown, and the signed-in user from the account menu.
import { attr, clean, compact, findEmail, firstOf, match, param, query, segments, textAt } from './dom';
import type { ConsoleDetector, DetectorResult, PageKind } from './types';

const PORTAL_HOSTS = ['portal.azure.com', 'portal.azure.us', 'portal.azure.cn'];
const ENTRA_HOSTS = ['entra.microsoft.com', 'aad.portal.azure.com'];
const M365_HOSTS = ['admin.microsoft.com', 'admin.cloud.microsoft'];

const TENANT = /^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Matched against the blade route (extension/blade/~/section) or the resource provider type.
const BLADES: Array<[RegExp, string, PageKind?]> = [
  [/Microsoft_AAD_(?:UsersAndTenants|IAM)\/(?:UserManagementMenuBlade|UsersManagementMenuBlade)/i, 'Users', 'users'],
  [/Microsoft_AAD_(?:UsersAndTenants|IAM)\/UserProfileMenuBlade/i, 'User', 'users'],
  [/Microsoft_AAD_IAM\/GroupsManagementMenuBlade/i, 'Groups', 'groups'],
  [/Microsoft_AAD_IAM\/RolesManagementMenuBlade|Microsoft_Azure_PIMCommon/i, 'Roles and administrators', 'admins'],
  [/Microsoft_AAD_ConditionalAccess/i, 'Conditional Access', 'conditional-access'],
  [/Microsoft_AAD_IAM\/(?:AuthenticationMethodsMenuBlade|MultifactorAuthenticationMenuBlade)|Microsoft_AAD_IAM\/SecurityMenuBlade\/~\/MFA/i, 'Authentication methods', 'mfa'],
  [/Microsoft_AAD_IAM\/PasswordProtectionBlade|PasswordResetMenuBlade/i, 'Password protection', 'password-policy'],
  [/Microsoft_AAD_ERM|AccessReviews/i, 'Access reviews', 'access-review'],
  [/Microsoft_AAD_IAM\/ActiveDirectoryMenuBlade\/~\/(?:Audit|SignIns)|Microsoft_AAD_IAM\/(?:AuditLogs|SignIns)/i, 'Audit and sign-in logs', 'logging'],
  [/StartboardApplicationsMenuBlade|Microsoft_AAD_RegisteredApps|Microsoft_AAD_IAM\/ManagedAppMenuBlade/i, 'Enterprise applications', 'apps'],
  [/Microsoft_AAD_IAM\/ActiveDirectoryMenuBlade/i, 'Overview', 'dashboard'],
  [/Microsoft\.Network\/(?:networkSecurityGroups|azureFirewalls|firewallPolicies)/i, 'Network security', 'firewall'],
  [/Microsoft\.(?:RecoveryServices\/vaults|DataProtection\/backupVaults)|Microsoft_Azure_RecoveryServices|Microsoft_Azure_DataProtection/i, 'Backup', 'backups'],
  [/Microsoft\.KeyVault|Microsoft_Azure_KeyVault/i, 'Key Vault', 'encryption'],
  [/Microsoft\.OperationalInsights|Microsoft_OperationsManagementSuite_Workspace|Microsoft\.Insights\/diagnosticSettings/i, 'Logs', 'logging'],
  [/Microsoft_Azure_Monitoring|Microsoft\.Insights/i, 'Monitor', 'monitoring'],
  [/Microsoft_Azure_Security|Microsoft\.Security/i, 'Defender for Cloud', 'vulnerabilities'],
];

// Microsoft 365 admin center hash routes (#/users, #/groups …).
const M365_PAGES: Array<[RegExp, string, PageKind?]> = [
  [/^\/?users/i, 'Active users', 'users'],
  [/^\/?groups/i, 'Groups', 'groups'],
  [/^\/?rbac/i, 'Role assignments', 'admins'],
  [/^\/?(?:Settings\/)?SecurityPrivacy|^\/?MultiFactor/i, 'Security and privacy', 'mfa'],
];

function hostKind(host: string): 'portal' | 'entra' | 'm365' | undefined {
  if (PORTAL_HOSTS.includes(host) || PORTAL_HOSTS.some((h) => host.endsWith(`.${h}`))) return 'portal';
  if (ENTRA_HOSTS.includes(host)) return 'entra';
  if (M365_HOSTS.includes(host)) return 'm365';
  return undefined;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function fromUrl(url: URL): DetectorResult {
  const kind = hostKind(url.hostname)!;
  let hash = decode(url.hash.replace(/^#/, '')).slice(0, 2000);
  let tenant: string | undefined;
  const at = /^@([^/]+)\/?/.exec(hash);
  if (at) {
    tenant = at[1];
    hash = hash.slice(at[0].length);
  }
  const first = segments(url.pathname)[0];
  if (!tenant && first && TENANT.test(first) && kind !== 'm365') tenant = first;
  tenant ??= param(url, 'tenantId') ?? param(url, 'tenant');
  if (tenant && !TENANT.test(tenant)) tenant = undefined;

  if (kind === 'm365') {
    for (const [pattern, label, pageKind] of M365_PAGES) {
      if (pattern.test(hash)) return compact({ system: 'Microsoft 365', account: tenant, resource: label, pageKind });
    }
    return compact({ system: 'Microsoft 365', account: tenant });
  }

  let resource: string | undefined;
  let pageKind: PageKind | undefined;
  const sub = /(?:^|\/)resource\/subscriptions\/([0-9a-f-]{36})(?:\/resourceGroups\/([^/]+))?(?:\/providers\/([^/]+\/[^/]+)\/([^/]+))?/i.exec(hash);
  if (sub) {
    const [, subscription, group, type, name] = sub;
    resource = [`subscription ${subscription}`, group, type && name ? `${type}/${name}` : undefined].filter(Boolean).join(' › ');
  }
  let label: string | undefined;
  for (const [pattern, blade, bladeKind] of BLADES) {
    if (pattern.test(hash)) {
      label = blade;
      pageKind = bladeKind;
      break;
    }
  }
  if (!resource) resource = label;
  const entra = kind === 'entra' || /Microsoft_AAD_|Microsoft_Azure_PIMCommon/i.test(hash);
  return compact({ system: entra ? 'Microsoft Entra' : 'Microsoft Azure', account: tenant, resource: clean(resource), pageKind });
}

function fromDom(dom: Document): DetectorResult {
  const consoleUser = firstOf(
    () => findEmail(textAt(dom, '.fxs-avatarmenu-username', '#mectrl_currentAccount_secondary', '[data-testid="account-manager-email"]')),
    () => textAt(dom, '.fxs-avatarmenu-username', '#mectrl_currentAccount_secondary'),
    () => findEmail(attr(query(dom, '#mectrl_main_trigger, .fxs-avatarmenu-header, [aria-label^="Account manager"]'), 'aria-label')),
    () => textAt(dom, '#mectrl_currentAccount_primary'),
    () => match(attr(query(dom, '#mectrl_main_trigger, [aria-label^="Account manager for"]'), 'aria-label'), /Account manager for\s+(.+)$/i),
  );
  // The portal prints the directory as "ACME CORP (ACME.ONMICROSOFT.COM)" or just its name.
  const tenantText = textAt(dom, '.fxs-avatarmenu-tenant', '[data-testid="tenant-name"]', '#mectrl_currentAccount_tenant');
  const tenantDomain = match(tenantText, /\(([A-Za-z0-9.-]+\.[A-Za-z]{2,})\)\s*$/) ?? attr(query(dom, '[data-tenant-domain]'), 'data-tenant-domain');
  const accountName = clean(tenantText?.replace(/\s*\([^)]*\)\s*$/, ''));
  const fromEmail = consoleUser && /@([A-Za-z0-9-]+\.onmicrosoft\.(?:com|us))$/i.exec(consoleUser)?.[1];
  return compact({ consoleUser, account: tenantDomain?.toLowerCase() ?? fromEmail?.toLowerCase(), accountName });
}

export const azure: ConsoleDetector = {
  id: 'azure',
  system: 'Microsoft Azure',
  matches: (url) => !!hostKind(url.hostname),
  detect(url, dom) {
    const page = dom ? fromDom(dom) : {};
    const address = fromUrl(url);
    return { ...page, ...address, account: address.account ?? page.account };
  },
  testUrls: [
    {
      url: 'https://portal.azure.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade/~/AllUsers',
      expect: { system: 'Microsoft Entra', resource: 'Users', pageKind: 'users' },
    },
    {
      url: 'https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserManagementMenuBlade/~/AllUsers/menuId/',
      expect: { system: 'Microsoft Entra', pageKind: 'users' },
    },
    {
      url: 'https://portal.azure.com/#@acme.onmicrosoft.com/view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/Policies',
      expect: { system: 'Microsoft Entra', account: 'acme.onmicrosoft.com', pageKind: 'conditional-access' },
    },
    {
      url: 'https://entra.microsoft.com/#view/Microsoft_AAD_IAM/AuthenticationMethodsMenuBlade/~/AdminAuthMethods',
      expect: { pageKind: 'mfa' },
    },
    { url: 'https://entra.microsoft.com/#view/Microsoft_AAD_ERM/DashboardBlade/~/Controls', expect: { pageKind: 'access-review' } },
    { url: 'https://portal.azure.com/#view/Microsoft_AAD_IAM/RolesManagementMenuBlade/~/AllRoles', expect: { pageKind: 'admins' } },
    {
      url: 'https://portal.azure.com/#@acme.onmicrosoft.com/resource/subscriptions/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/resourceGroups/rg-prod/providers/Microsoft.Network/networkSecurityGroups/nsg-web/overview',
      expect: {
        system: 'Microsoft Azure',
        account: 'acme.onmicrosoft.com',
        resource: 'subscription 0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 › rg-prod › Microsoft.Network/networkSecurityGroups/nsg-web',
        pageKind: 'firewall',
      },
    },
    {
      url: 'https://portal.azure.com/#@acme.com/resource/subscriptions/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults/rsv-prod/backupPolicies',
      expect: { account: 'acme.com', pageKind: 'backups' },
    },
    { url: 'https://portal.azure.com/#view/HubsExtension/BrowseResource/resourceType/Microsoft.Network%2FNetworkSecurityGroups', expect: { system: 'Microsoft Azure', pageKind: 'firewall' } },
    { url: 'https://portal.azure.com/acme.onmicrosoft.com/#home', expect: { account: 'acme.onmicrosoft.com' } },
    { url: 'https://admin.microsoft.com/Adminportal/Home#/users', expect: { system: 'Microsoft 365', pageKind: 'users' } },
  ],
};
