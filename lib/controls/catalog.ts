// The 61 SOC 2 Trust Services Criteria (2017, points of focus revised 2022), with short titles in
// our own words. The AICPA's wording is copyrighted and is deliberately not reproduced.
import type { Control, Criterion } from '../schema';

const rows: Array<[string, string, string]> = [
  ['CC1.1', 'Control environment', 'Leadership commits to integrity and ethical values'],
  ['CC1.2', 'Control environment', 'The board oversees internal control independently'],
  ['CC1.3', 'Control environment', 'Structures, reporting lines and authority are set'],
  ['CC1.4', 'Control environment', 'Competent people are hired, trained and kept'],
  ['CC1.5', 'Control environment', 'People are held accountable for their control duties'],
  ['CC2.1', 'Information and communication', 'Quality information supports internal control'],
  ['CC2.2', 'Information and communication', 'Control responsibilities are communicated internally'],
  ['CC2.3', 'Information and communication', 'Relevant matters are communicated to outside parties'],
  ['CC3.1', 'Risk assessment', 'Objectives are clear enough to assess risks against'],
  ['CC3.2', 'Risk assessment', 'Risks to objectives are identified and analysed'],
  ['CC3.3', 'Risk assessment', 'Fraud risk is considered'],
  ['CC3.4', 'Risk assessment', 'Significant changes are identified and assessed'],
  ['CC4.1', 'Monitoring activities', 'Controls are evaluated on an ongoing or periodic basis'],
  ['CC4.2', 'Monitoring activities', 'Control deficiencies are reported and fixed in time'],
  ['CC5.1', 'Control activities', 'Control activities are chosen to reduce risks'],
  ['CC5.2', 'Control activities', 'General controls over technology are in place'],
  ['CC5.3', 'Control activities', 'Policies set expectations and procedures apply them'],
  ['CC6.1', 'Logical and physical access', 'Access to systems and data is restricted by design'],
  ['CC6.2', 'Logical and physical access', 'Users are registered and authorised before access'],
  ['CC6.3', 'Logical and physical access', 'Access is changed or removed when roles change'],
  ['CC6.4', 'Logical and physical access', 'Physical access to facilities is restricted'],
  ['CC6.5', 'Logical and physical access', 'Assets are disposed of securely'],
  ['CC6.6', 'Logical and physical access', 'Threats from outside the system boundary are blocked'],
  ['CC6.7', 'Logical and physical access', 'Data is protected in transit and movement is restricted'],
  ['CC6.8', 'Logical and physical access', 'Unauthorised or malicious software is prevented or detected'],
  ['CC7.1', 'System operations', 'Vulnerabilities and configuration changes are detected'],
  ['CC7.2', 'System operations', 'Systems are monitored for anomalies and attacks'],
  ['CC7.3', 'System operations', 'Security events are evaluated to decide if they are incidents'],
  ['CC7.4', 'System operations', 'Incidents are responded to under a defined program'],
  ['CC7.5', 'System operations', 'Recovery from incidents is planned and carried out'],
  ['CC8.1', 'Change management', 'Changes are authorised, tested, approved and tracked'],
  ['CC9.1', 'Risk mitigation', 'Business disruption risks are mitigated'],
  ['CC9.2', 'Risk mitigation', 'Vendor and partner risks are assessed and managed'],
  ['A1.1', 'Availability', 'Capacity is monitored and planned to meet demand'],
  ['A1.2', 'Availability', 'Backups and recovery infrastructure are in place and monitored'],
  ['A1.3', 'Availability', 'Recovery plans are tested'],
  ['C1.1', 'Confidentiality', 'Confidential information is identified and protected'],
  ['C1.2', 'Confidentiality', 'Confidential information is disposed of as required'],
  ['PI1.1', 'Processing integrity', 'Information about processing objectives is defined and used'],
  ['PI1.2', 'Processing integrity', 'Inputs are complete and accurate'],
  ['PI1.3', 'Processing integrity', 'Processing is complete, accurate and timely'],
  ['PI1.4', 'Processing integrity', 'Outputs are complete, accurate and delivered as intended'],
  ['PI1.5', 'Processing integrity', 'Stored inputs and outputs are complete and protected'],
  ['P1.1', 'Privacy', 'Data subjects are told about privacy practices'],
  ['P2.1', 'Privacy', 'Choices and consent are offered and recorded'],
  ['P3.1', 'Privacy', 'Personal information is collected only for stated purposes'],
  ['P3.2', 'Privacy', 'Explicit consent is obtained where required'],
  ['P4.1', 'Privacy', 'Personal information is used only for stated purposes'],
  ['P4.2', 'Privacy', 'Personal information is retained only as long as needed'],
  ['P4.3', 'Privacy', 'Personal information is disposed of securely'],
  ['P5.1', 'Privacy', 'Data subjects can access their personal information'],
  ['P5.2', 'Privacy', 'Data subjects can correct their personal information'],
  ['P6.1', 'Privacy', 'Disclosures to third parties have consent'],
  ['P6.2', 'Privacy', 'Authorised disclosures are recorded'],
  ['P6.3', 'Privacy', 'Unauthorised disclosures are recorded'],
  ['P6.4', 'Privacy', 'Third parties are bound to privacy commitments'],
  ['P6.5', 'Privacy', 'Third parties report unauthorised disclosures'],
  ['P6.6', 'Privacy', 'Affected parties are notified of breaches'],
  ['P6.7', 'Privacy', 'Data subjects can learn what was disclosed about them'],
  ['P7.1', 'Privacy', 'Personal information is kept accurate and complete'],
  ['P8.1', 'Privacy', 'Privacy complaints and disputes are handled'],
];

export const SOC2_CRITERIA: readonly Criterion[] = rows.map(([id, category, title]) => ({ id, category, title }));

const criterionIds = new Set(SOC2_CRITERIA.map((c) => c.id));

export function isCriterionId(id: string): boolean {
  return criterionIds.has(id);
}

/** The criteria as taggable controls: a team without its own library tags captures to these. */
export const CRITERIA_CONTROLS: readonly Control[] = SOC2_CRITERIA.map((c) => ({
  id: c.id,
  title: c.title,
  description: `SOC 2 ${c.category} criterion`,
  owner: '',
  cadence: 'continuous',
  criteria: [c.id],
  builtIn: true,
}));
