// Which SOC 2 criteria a page is likely evidence for, from what the detectors saw (the page kind:
// a user list, branch protection, backup plans …). Suggestions only: the person confirms or
// changes them before anything is tagged. The mapping follows notes on what console screenshots
// typically evidence (user lists → CC6.1–CC6.3, branch protection → CC8.1, backups → A1.2 …).
import type { PageContext, PageKind } from '../schema';

export const CRITERIA_BY_PAGE_KIND: Readonly<Record<PageKind, readonly string[]>> = {
  users: ['CC6.1', 'CC6.2', 'CC6.3'],
  groups: ['CC6.1', 'CC6.3'],
  roles: ['CC6.1', 'CC6.3'],
  admins: ['CC6.1', 'CC6.3'],
  'access-review': ['CC6.2', 'CC6.3'],
  mfa: ['CC6.1', 'CC6.6'],
  'password-policy': ['CC6.1', 'CC6.6'],
  sso: ['CC6.1', 'CC6.6'],
  'conditional-access': ['CC6.1', 'CC6.6'],
  apps: ['CC6.1'],
  'branch-protection': ['CC8.1', 'CC6.1'],
  'pull-requests': ['CC8.1'],
  deployments: ['CC8.1'],
  pipeline: ['CC8.1'],
  backups: ['A1.2', 'A1.3', 'CC7.5', 'CC9.1'],
  firewall: ['CC6.6'],
  encryption: ['CC6.1', 'CC6.7'],
  logging: ['CC7.1', 'CC7.2'],
  monitoring: ['CC7.1', 'CC7.2'],
  vulnerabilities: ['CC3.2', 'CC7.1'],
  devices: ['CC6.1', 'CC6.7', 'CC6.8'],
  dashboard: [],
};

/** Criterion ids to offer for a capture of this page, most specific first; [] when nothing fits. */
export function suggestControls(context: Pick<PageContext, 'pageKind'>): string[] {
  return context.pageKind ? [...(CRITERIA_BY_PAGE_KIND[context.pageKind] ?? [])] : [];
}
