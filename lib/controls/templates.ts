// A starter library of controls a typical SaaS company runs for SOC 2, written in our own words,
// each with a cadence, a suggested owner role and the criteria it supports. A first-time team
// imports it (`controls.template`), assigns owners and edits what does not fit.
import { ExhibitError } from '../errors';
import type { Cadence, CustomControl } from '../schema';

export const OWNER_ROLES = ['IT lead', 'Engineering lead', 'Security lead', 'People lead', 'Compliance lead', 'CEO'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

export interface ControlTemplate {
  id: string;
  title: string;
  description: string;
  cadence: Cadence;
  ownerRole: OwnerRole;
  criteria: string[];
}

const t = (id: string, title: string, cadence: Cadence, ownerRole: OwnerRole, criteria: string[], description: string): ControlTemplate => ({ id, title, description, cadence, ownerRole, criteria });

export const CONTROL_TEMPLATES: readonly ControlTemplate[] = [
  // Access
  t('AC-01', 'Quarterly user access review', 'quarterly', 'Security lead', ['CC6.1', 'CC6.2', 'CC6.3'],
    'Each quarter, system owners go through the user lists of every in-scope system, confirm each person still needs their access and remove what is not needed. Evidence: the user list with the date, and the ticket recording the review and removals.'),
  t('AC-02', 'Access is approved before it is granted', 'per-event', 'IT lead', ['CC6.2'],
    'New accounts and added permissions are requested in a ticket and approved by the person’s manager or the system owner before anyone grants them. Evidence: the approved request next to the account as created.'),
  t('AC-03', 'Leavers lose access within one business day', 'per-event', 'IT lead', ['CC6.2', 'CC6.3'],
    'When someone leaves, their identity-provider account is suspended and their direct accounts in other systems removed by the next business day. Evidence: the offboarding ticket and the account shown as suspended or absent.'),
  t('AC-04', 'Multi-factor authentication is enforced', 'quarterly', 'IT lead', ['CC6.1', 'CC6.6'],
    'The identity provider requires a second factor for every user, and in-scope systems that sign in outside it require their own. Evidence: the enforcement setting and a user list showing enrolment.'),
  t('AC-05', 'Password and session rules meet the standard', 'annually', 'IT lead', ['CC6.1'],
    'Password length, reuse and lockout rules and session timeouts are set as the access policy says, in the identity provider and in systems with local accounts. Evidence: the policy settings pages.'),
  t('AC-06', 'Administrator accounts are reviewed', 'quarterly', 'Security lead', ['CC6.1', 'CC6.3'],
    'Every quarter the list of people with administrator or owner rights in each in-scope system is reviewed, and each one is justified or removed. Evidence: the admin lists and the review record.'),
  t('AC-07', 'Production access is limited to those who need it', 'quarterly', 'Engineering lead', ['CC6.1', 'CC6.3'],
    'Direct access to production infrastructure and databases is held by a named group of engineers, granted through roles, and reviewed each quarter. Evidence: the cloud IAM roles and their members.'),
  t('AC-08', 'Service and shared accounts have an owner', 'annually', 'Security lead', ['CC6.1', 'CC6.2'],
    'Non-personal accounts and API keys are listed with an owner and a purpose; unused ones are disabled and keys are rotated on schedule. Evidence: the inventory and the key ages in the console.'),
  // Change management
  t('CH-01', 'Code changes need a reviewed pull request', 'quarterly', 'Engineering lead', ['CC8.1', 'CC6.1'],
    'Branch protection on production repositories requires an approving review by someone other than the author and passing checks before merge, and administrators cannot bypass it. Evidence: the branch protection settings of each repository.'),
  t('CH-02', 'Changes are tested automatically before merge', 'quarterly', 'Engineering lead', ['CC8.1'],
    'Every pull request runs the automated test suite, and a failing run blocks the merge. Evidence: required status checks and a sample of pipeline runs.'),
  t('CH-03', 'Production is changed only through the pipeline', 'quarterly', 'Engineering lead', ['CC8.1', 'CC7.1'],
    'Deploys to production happen from the main branch through the deployment pipeline; nobody deploys from a laptop. Evidence: the pipeline’s deployment history and who may trigger it.'),
  t('CH-04', 'Emergency changes are reviewed afterwards', 'per-event', 'Engineering lead', ['CC8.1'],
    'A change made outside the normal process to fix an outage gets a review within two business days, recorded on the change. Evidence: the emergency change and its after-the-fact approval.'),
  t('CH-05', 'Infrastructure is defined as reviewed code', 'annually', 'Engineering lead', ['CC8.1', 'CC7.1'],
    'Cloud infrastructure is described in version-controlled code and changed through the same reviewed pull requests as the application. Evidence: the infrastructure repository’s protection and a recent change.'),
  // Vulnerability management
  t('VM-01', 'Monthly vulnerability scan', 'monthly', 'Security lead', ['CC7.1', 'CC3.2'],
    'Production hosts, containers and public endpoints are scanned for known vulnerabilities every month. Evidence: the scanner’s scan history and the latest report.'),
  t('VM-02', 'Vulnerabilities are fixed within target times', 'monthly', 'Security lead', ['CC7.1', 'CC4.2'],
    'Scan findings get tickets; critical ones are fixed within 15 days and high ones within 30, or an exception is approved. Evidence: the open findings by age and the tickets.'),
  t('VM-03', 'Independent penetration test', 'annually', 'Security lead', ['CC4.1', 'CC7.1'],
    'An outside firm tests the product and its infrastructure once a year, and each finding is tracked to a fix. Evidence: the report summary and the remediation tickets.'),
  t('VM-04', 'Dependencies and images are scanned in CI', 'quarterly', 'Engineering lead', ['CC7.1', 'CC8.1'],
    'Third-party libraries and container images are checked for known vulnerabilities on every build, and alerts are triaged. Evidence: the scanning settings and the alert list.'),
  t('VM-05', 'Systems are patched', 'monthly', 'IT lead', ['CC6.8', 'CC7.1'],
    'Operating systems, managed databases and laptops receive security updates on schedule. Evidence: patch compliance from the cloud or device management console.'),
  // Endpoints and network
  t('EP-01', 'Laptops are managed and encrypted', 'quarterly', 'IT lead', ['CC6.1', 'CC6.7'],
    'Company laptops are enrolled in device management, with disk encryption, screen lock and automatic updates enforced. Evidence: the device list with encryption status.'),
  t('EP-02', 'Endpoint protection is running', 'quarterly', 'IT lead', ['CC6.8'],
    'Anti-malware or endpoint detection runs on every company laptop and server and reports to a console someone watches. Evidence: the console’s device coverage.'),
  t('NW-01', 'Firewall rules and security groups are reviewed', 'quarterly', 'Engineering lead', ['CC6.6'],
    'Inbound rules to production are reviewed each quarter; nothing administrative is open to the internet. Evidence: the security group rules and the review record.'),
  t('NW-02', 'Data is encrypted in transit', 'annually', 'Engineering lead', ['CC6.7'],
    'Public endpoints accept only TLS 1.2 or later, and internal traffic that crosses networks is encrypted. Evidence: load balancer listener and TLS policy settings.'),
  t('DP-01', 'Data is encrypted at rest', 'annually', 'Engineering lead', ['CC6.1', 'C1.1'],
    'Databases, object storage, backups and disks holding customer data are encrypted with managed keys. Evidence: the encryption settings of each data store.'),
  t('DP-02', 'Customer data is deleted when a contract ends', 'per-event', 'Engineering lead', ['C1.2', 'CC6.5'],
    'When a customer leaves, their data is deleted within the period the contract sets, and the deletion is recorded. Evidence: the deletion request and its completion.'),
  t('DP-03', 'Retired devices and media are wiped', 'per-event', 'IT lead', ['CC6.5'],
    'Laptops and drives leaving the company are wiped or destroyed, with a certificate or a device-management record. Evidence: the wipe record per device.'),
  // Monitoring and availability
  t('MN-01', 'Audit logs are on and kept', 'quarterly', 'Engineering lead', ['CC7.2', 'CC7.1'],
    'Cloud, identity-provider and application audit logs are enabled, protected from change and kept for at least a year. Evidence: the log trail settings and retention.'),
  t('MN-02', 'Security alerts reach someone', 'quarterly', 'Security lead', ['CC7.2', 'CC7.3'],
    'Alerts for suspicious activity (root logins, disabled logging, impossible travel) page the on-call person, who looks into each one. Evidence: the alert rules and a sample of handled alerts.'),
  t('MN-03', 'Capacity and uptime are monitored', 'monthly', 'Engineering lead', ['A1.1'],
    'Dashboards and alerts track load, storage and availability of production so capacity is added before it runs out. Evidence: the monitoring dashboard and alert thresholds.'),
  t('BC-01', 'Backups run and are kept', 'monthly', 'Engineering lead', ['A1.2', 'CC9.1'],
    'Production databases are backed up daily to a separate account or region and kept for the period the policy sets. Evidence: the backup plan and recent backup jobs.'),
  t('BC-02', 'Restores are tested', 'annually', 'Engineering lead', ['A1.3', 'CC7.5'],
    'At least once a year a backup is restored to a separate environment and checked, and the time it took is recorded. Evidence: the restore test record.'),
  t('BC-03', 'Continuity and disaster recovery plan is tested', 'annually', 'Engineering lead', ['CC9.1', 'A1.3'],
    'The business continuity and disaster recovery plan is reviewed and exercised once a year, and what the exercise taught is fed back into it. Evidence: the exercise notes and the plan’s revision.'),
  // Incidents
  t('IR-01', 'Incident response plan is approved', 'annually', 'Security lead', ['CC7.4'],
    'A written plan says who does what when a security incident happens, including customer notification, and management approves it yearly. Evidence: the plan with its approval.'),
  t('IR-02', 'Incidents are handled and reviewed', 'per-event', 'Security lead', ['CC7.3', 'CC7.4', 'CC7.5'],
    'Security incidents are logged with their timeline, resolved and followed by a postmortem with action items. Evidence: the incident tickets and postmortems of the period.'),
  t('IR-03', 'Incident response is rehearsed', 'annually', 'Security lead', ['CC7.4', 'CC7.5'],
    'Once a year the team runs a tabletop exercise on a realistic incident and records what to improve. Evidence: the exercise notes.'),
  // Vendors
  t('VR-01', 'Critical vendors are reviewed yearly', 'annually', 'Compliance lead', ['CC9.2'],
    'Vendors that hold customer data or run production are reviewed before signing and each year: their SOC 2 report or questionnaire, and any gaps. Evidence: the review record per vendor.'),
  t('VR-02', 'The vendor list is kept current', 'quarterly', 'Compliance lead', ['CC9.2'],
    'A list of vendors with their data access and criticality is updated when vendors are added or dropped. Evidence: the vendor inventory.'),
  // People
  t('HR-01', 'Security training at hire and yearly', 'annually', 'People lead', ['CC1.4', 'CC2.2'],
    'Everyone completes security awareness training when they join and once a year after. Evidence: the training platform’s completion report.'),
  t('HR-02', 'Background checks before starting', 'per-event', 'People lead', ['CC1.4'],
    'New hires pass a background check, as local law allows, before their first day. Evidence: the check status for hires in the period.'),
  t('HR-03', 'Policies are acknowledged', 'annually', 'People lead', ['CC1.1', 'CC2.2'],
    'Employees acknowledge the code of conduct and acceptable use policy at hire and when they change. Evidence: the acknowledgement records.'),
  t('HR-04', 'Performance reviews cover security duties', 'annually', 'People lead', ['CC1.5', 'CC1.4'],
    'Yearly performance reviews include each person’s security and control responsibilities. Evidence: the review cycle’s completion.'),
  // Governance
  t('GV-01', 'Policies are reviewed and approved yearly', 'annually', 'Compliance lead', ['CC5.3', 'CC2.2'],
    'The information security policies are reviewed, updated and approved by management once a year and published to staff. Evidence: each policy’s approval and publication.'),
  t('GV-02', 'Risk assessment', 'annually', 'Compliance lead', ['CC3.1', 'CC3.2', 'CC3.3', 'CC3.4'],
    'Once a year, and after significant changes, risks including fraud are identified, rated and given owners and treatments in the risk register. Evidence: the risk register and its review.'),
  t('GV-03', 'Leadership reviews the security program', 'quarterly', 'CEO', ['CC1.2', 'CC1.3', 'CC4.2'],
    'Leadership meets each quarter on security: open risks, incidents, audit findings and control gaps, with decisions recorded. Evidence: the meeting notes.'),
  t('GV-04', 'Controls are monitored', 'quarterly', 'Compliance lead', ['CC4.1', 'CC4.2'],
    'Each quarter the compliance lead checks that controls ran as described (this coverage view), and deficiencies get owners and dates. Evidence: the coverage report and follow-up tickets.'),
  t('GV-05', 'Security commitments are published to customers', 'annually', 'Compliance lead', ['CC2.3'],
    'Customers can read the security commitments and how to report a problem, on the website and in the contract terms. Evidence: the security page and terms.'),
];

/** The template's controls as the team's own: owners filled from `owners` (by role), or the role itself as a placeholder. */
export function controlsFromTemplate(ids: readonly string[] | undefined, owners: Readonly<Record<string, string>> = {}): CustomControl[] {
  const byId = new Map(CONTROL_TEMPLATES.map((c) => [c.id, c]));
  const unknownIds = (ids ?? []).filter((id) => !byId.has(id));
  if (unknownIds.length) throw new ExhibitError('invalid-request', `Not in the starter library: ${unknownIds.join(', ')}.`);
  const unknownRoles = Object.keys(owners).filter((role) => !(OWNER_ROLES as readonly string[]).includes(role));
  if (unknownRoles.length) throw new ExhibitError('invalid-request', `Unknown owner role${unknownRoles.length > 1 ? 's' : ''}: ${unknownRoles.join(', ')} (roles: ${OWNER_ROLES.join(', ')}).`);
  const chosen = ids ? [...new Set(ids)].map((id) => byId.get(id)!) : CONTROL_TEMPLATES;
  return chosen.map((c) => ({
    id: c.id,
    title: c.title,
    description: c.description,
    owner: owners[c.ownerRole]?.trim() || c.ownerRole,
    cadence: c.cadence,
    criteria: [...c.criteria],
  }));
}
