import { describe, expect, it } from 'vitest';
import { detectContext } from '@/lib/context';
import { isCriterionId } from '@/lib/controls/catalog';
import { CRITERIA_BY_PAGE_KIND, suggestControls } from '@/lib/controls/suggest';
import { pageKindSchema } from '@/lib/schema';

describe('control suggestions', () => {
  it('cover every page kind with real SOC 2 criterion ids', () => {
    for (const kind of pageKindSchema.options) {
      const ids = CRITERIA_BY_PAGE_KIND[kind];
      expect(ids, kind).toBeDefined();
      for (const id of ids) expect(isCriterionId(id), `${kind} → ${id}`).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it.each([
    ['https://acme-admin.okta.com/admin/users', ['CC6.2', 'CC6.3']],
    ['https://admin.google.com/ac/users', ['CC6.2', 'CC6.3']],
    ['https://us-east-1.console.aws.amazon.com/iam/home#/users', ['CC6.2', 'CC6.3']],
    ['https://github.com/acme/api/settings/branches', ['CC8.1']],
    ['https://github.com/acme/api/settings/rules/42', ['CC8.1']],
    ['https://us-west-2.console.aws.amazon.com/backup/home?region=us-west-2#/backupplan', ['A1.2']],
    ['https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#SecurityGroups:', ['CC6.6']],
    ['https://admin.google.com/ac/security/2sv', ['CC6.1']],
    ['https://portal.azure.com/#view/Microsoft_AAD_ERM/DashboardBlade/~/Controls', ['CC6.2', 'CC6.3']],
  ])('%s suggests %j', (url, expected) => {
    const suggested = suggestControls(detectContext(url));
    for (const id of expected) expect(suggested).toContain(id);
  });

  it('suggests nothing for a page whose subject is unknown', () => {
    expect(suggestControls(detectContext('https://github.com/acme'))).toEqual([]);
    expect(suggestControls({})).toEqual([]);
    expect(suggestControls({ pageKind: 'dashboard' })).toEqual([]);
  });

  it('returns a fresh array each time', () => {
    const a = suggestControls({ pageKind: 'users' });
    a.push('X');
    expect(suggestControls({ pageKind: 'users' })).not.toContain('X');
  });
});
