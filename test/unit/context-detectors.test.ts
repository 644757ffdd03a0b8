import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { ALL_DETECTORS, DETECTORS, detectContext, detectorFor } from '@/lib/context';
import { parseAwsArn } from '@/lib/context/aws';
import { MAX_FIELD_LENGTH } from '@/lib/context/dom';
import { pageContextSchema } from '@/lib/schema';
import { CONSOLE_FIXTURES } from '../fixtures/consoles/fixtures';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/consoles');

function documentOf(html: string): Document {
  return parseHTML(html).document as unknown as Document;
}
function fixtureDocument(id: string): Document {
  return documentOf(readFileSync(resolve(FIXTURES, `${id}.html`), 'utf8'));
}

describe('detector conventions', () => {
  it.each(ALL_DETECTORS.map((d) => [d.id, d] as const))('%s has test URLs, a fixture page and a fixture entry', (id, detector) => {
    expect(detector.testUrls.length).toBeGreaterThanOrEqual(3);
    expect(existsSync(resolve(FIXTURES, `${id}.html`)), `test/fixtures/consoles/${id}.html`).toBe(true);
    expect(CONSOLE_FIXTURES.find((f) => f.id === id), `CONSOLE_FIXTURES entry for ${id}`).toBeDefined();
    expect(existsSync(resolve(import.meta.dirname, `../../lib/context/${id}.ts`))).toBe(true);
  });

  it('every fixture belongs to a detector, and no two detectors share an id', () => {
    const ids = ALL_DETECTORS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const f of CONSOLE_FIXTURES) expect(ids).toContain(f.id);
  });

  const cases = ALL_DETECTORS.flatMap((d) => d.testUrls.map((t) => [d.id, t.url, t.expect] as const));
  it.each(cases)('%s: %s', (id, url, expected) => {
    const parsed = new URL(url);
    // The URL is routed to this detector and to no other.
    expect(detectorFor(parsed).id).toBe(id);
    const found = ALL_DETECTORS.find((d) => d.id === id)!.detect(parsed, null);
    for (const [key, value] of Object.entries(expected)) expect(found[key as keyof typeof found], key).toEqual(value);
    if (Object.keys(expected).length === 0) expect(found.pageKind).toBeUndefined();
  });
});

describe('fixture pages', () => {
  it.each(CONSOLE_FIXTURES.map((f) => [f.id, f] as const))('%s: URL and page give the expected context', (_id, fixture) => {
    const context = detectContext(fixture.url, fixtureDocument(fixture.id));
    expect(context).toEqual(fixture.expect);
    expect(pageContextSchema.parse(context)).toEqual(context);
  });

  it.each(CONSOLE_FIXTURES.filter((f) => f.id !== 'generic').map((f) => [f.id, f] as const))('%s: the URL alone gives system, host and what the address says', (_id, fixture) => {
    const context = detectContext(fixture.url);
    expect(context.system).toBe(fixture.expect.system);
    expect(context.host).toBe(fixture.expect.host);
    expect(context.pageKind).toBe(fixture.expect.pageKind);
  });
});

describe('DOM strategies', () => {
  const aws = 'https://us-east-1.console.aws.amazon.com/iam/home#/users';

  it('AWS: the session-data meta tag names account, alias and the assumed role', () => {
    const session = JSON.stringify({ accountId: '210987654321', accountAlias: 'acme-staging', sessionARN: 'arn:aws:sts::210987654321:assumed-role/ReadOnly/grace' });
    const doc = documentOf(`<head><meta name="awsc-session-data" content='${session.replace(/'/g, '&#39;')}'></head><body></body>`);
    expect(detectContext(aws, doc)).toMatchObject({ account: '210987654321', accountName: 'acme-staging', consoleUser: 'ReadOnly/grace' });
  });

  it('AWS: the account menu button with an account id instead of an alias', () => {
    const doc = documentOf('<body><button data-testid="awsc-nav-account-menu-button"><span>ops @ 2109-8765-4321</span></button></body>');
    expect(detectContext(aws, doc)).toMatchObject({ account: '210987654321', consoleUser: 'ops' });
    expect(detectContext(aws, doc).accountName).toBeUndefined();
  });

  it('AWS: a multi-session URL names the account even when the page says another', () => {
    const doc = fixtureDocument('aws');
    expect(detectContext('https://111122223333-abcd1234.us-east-1.console.aws.amazon.com/iam/home#/users', doc).account).toBe('111122223333');
  });

  it.each([
    ['arn:aws:sts::123456789012:assumed-role/Admin/ada@acme.example', { account: '123456789012', user: 'Admin/ada@acme.example' }],
    ['arn:aws:iam::123456789012:user/ops/alice', { account: '123456789012', user: 'alice' }],
    ['arn:aws:iam::123456789012:root', { account: '123456789012', user: 'root' }],
    ['arn:aws-us-gov:sts::123456789012:assumed-role/R/s', { account: '123456789012', user: 'R/s' }],
    ['not an arn', {}],
    ['arn:aws:sts::12345:assumed-role/R/s', {}],
  ])('AWS ARN %s', (arn, expected) => {
    expect(parseAwsArn(arn)).toEqual(expected);
  });

  it('Okta: the user menu label when the menu has no email element', () => {
    const doc = documentOf('<header><div data-se="user-menu" aria-label="Account menu for admin@acme.example">Ada</div></header>');
    expect(detectContext('https://acme-admin.okta.com/admin/groups', doc).consoleUser).toBe('admin@acme.example');
  });

  it('GitHub: the avatar when the meta tags are missing', () => {
    const doc = documentOf('<header class="AppHeader"><img class="avatar" alt="@mona"></header>');
    expect(detectContext('https://github.com/orgs/acme/people', doc).consoleUser).toBe('mona');
  });

  it('GitHub: a login that is not a GitHub login is not taken', () => {
    const doc = documentOf('<head><meta name="user-login" content="<img src=x onerror=alert(1)>"></head>');
    expect(detectContext('https://github.com/orgs/acme/people', doc).consoleUser).toBeUndefined();
  });

  it('Entra admin center: the Microsoft account control', () => {
    const doc = documentOf('<div id="mectrl_currentAccount_primary">Ada Admin</div><div id="mectrl_currentAccount_secondary">ada@contoso.onmicrosoft.com</div>');
    expect(detectContext('https://entra.microsoft.com/#view/Microsoft_AAD_IAM/GroupsManagementMenuBlade/~/AllGroups', doc)).toMatchObject({
      system: 'Microsoft Entra',
      consoleUser: 'ada@contoso.onmicrosoft.com',
      account: 'contoso.onmicrosoft.com',
      pageKind: 'groups',
    });
  });

  it('Jira site: the ajs meta tags', () => {
    const doc = documentOf('<head><meta name="ajs-remote-user-fullname" content="Ada Admin"><meta name="ajs-site-title" content="Acme Jira"></head>');
    expect(detectContext('https://acme.atlassian.net/jira/people/search', doc)).toMatchObject({ consoleUser: 'Ada Admin', accountName: 'Acme Jira', account: 'acme.atlassian.net' });
  });

  it('finds "Signed in as" right after another element (no space between them in the markup)', () => {
    const doc = documentOf('<html><body><header><b>okta · Admin Console</b><span>Signed in as <b>it-admin@acme.example</b></span></header></body></html>');
    expect(detectContext('https://acme-admin.okta.com/admin/users', doc).consoleUser).toBe('it-admin@acme.example');
  });

  it('a console whose user menu changed still yields "Signed in as" from its header', () => {
    const doc = documentOf('<header>Okta · Signed in as root-admin@acme.example</header>');
    expect(detectContext('https://acme-admin.okta.com/admin/users', doc).consoleUser).toBe('root-admin@acme.example');
  });

  it('generic pages: host when the page names no application', () => {
    expect(detectContext('https://tools.acme.example/x', documentOf('<p>hi</p>'))).toEqual({ system: 'tools.acme.example', host: 'tools.acme.example' });
  });
});

describe('bad input', () => {
  const garbage = [
    '',
    '<',
    '<<<>>>&&&;;',
    '<meta name="awsc-session-data" content="{not json">',
    `<meta name="awsc-session-data" content='${JSON.stringify({ accountId: { $gt: 1 }, sessionARN: ['x'], displayName: 42 })}'>`,
    '<div data-se="user-menu"><span data-se="user-email"></span></div>',
    `<header>Signed in as ${'a'.repeat(100000)}</header>`,
    `<meta name="user-login" content="${'x'.repeat(50000)}">`,
    `${'<div>'.repeat(3000)}deep${'</div>'.repeat(3000)}`,
    '<button data-testid="awsc-nav-account-menu-button"> @ </button><span data-testid="awsc-copy-accountid">12345678901234567890</span>',
    '<table><tr><td><table><tr><td>x</td></tr></table></td></tr></table><svg><foreignObject><header>Signed in as</header></foreignObject></svg>',
    '<a aria-label="Google Account: (((((((((((((((((((((((((((((((((((((((((@">x</a>',
  ];
  const urls = [...DETECTORS.map((d) => d.testUrls[0]!.url), 'https://example.org/'];

  it.each(urls)('never throws on hostile or garbage markup: %s', (url) => {
    for (const html of garbage) {
      const context = detectContext(url, documentOf(html));
      expect(() => pageContextSchema.parse(context)).not.toThrow();
      for (const value of Object.values(context)) expect(String(value).length).toBeLessThanOrEqual(MAX_FIELD_LENGTH);
    }
  });

  it('a DOM that throws on every call still yields the URL facts', () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error('boom');
      },
    }) as Document;
    expect(detectContext('https://github.com/acme/api/settings/branches', hostile)).toMatchObject({ system: 'GitHub', account: 'acme', pageKind: 'branch-protection' });
    expect(detectContext('https://us-east-1.console.aws.amazon.com/backup/home?region=us-east-1#/backupplan', hostile)).toMatchObject({ system: 'AWS', region: 'us-east-1', pageKind: 'backups' });
  });

  it.each(['not a url', '', 'http://', 'javascript:alert(1)'])('an unusable address gives an unknown system: %j', (url) => {
    const context = detectContext(url);
    expect(() => pageContextSchema.parse(context)).not.toThrow();
  });

  it('unusual but valid URLs do not break URL parsing', () => {
    for (const url of [
      'https://console.aws.amazon.com/',
      'https://console.aws.amazon.com/%E0%A4%A/home#%',
      'https://acme-admin.okta.com/',
      'https://github.com/',
      'https://github.com/%ZZ/repo',
      'https://portal.azure.com/#@/resource/subscriptions/',
      'https://portal.azure.com/#%E0%A4%A',
      'https://console.cloud.google.com/?project=',
      'https://admin.atlassian.com/o/',
      'https://admin.google.com/u/x/ac/',
    ]) {
      expect(() => detectContext(url)).not.toThrow();
    }
  });
});
