import { describe, expect, it } from 'vitest';
import { findSensitive, luhnValid } from '@/lib/capture/redaction-suggest';

const found = (text: string) => findSensitive(text).map((f) => [f.reason, text.slice(f.start, f.end)]);

describe('redaction suggestions', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['378282246310005', true], // Amex test number
    ['5555555555554444', true],
    ['6011111111111117', true],
    ['79927398713', true], // the textbook Luhn example
    ['79927398710', false],
    ['', false],
    ['12a4', false],
  ])('Luhn check of %s is %s', (digits, valid) => {
    expect(luhnValid(digits)).toBe(valid);
  });

  it.each([
    ['email', 'Contact ava.okafor@acme.example today', [['email', 'ava.okafor@acme.example']]],
    ['email with plus and subdomain', 'to: "Ben" <ben+audit@mail.eu.acme.co.uk>', [['email', 'ben+audit@mail.eu.acme.co.uk']]],
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE used', [['aws-key', 'AKIAIOSFODNN7EXAMPLE']]],
    ['temporary AWS key id', 'ASIAY34FZKBOKMUTVV7A', [['aws-key', 'ASIAY34FZKBOKMUTVV7A']]],
    ['JWT', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', [['token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U']]],
    ['GitHub token', 'token ghp_16C7e42F292c6912E7710c838347Ae178B4a', [['token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a']]],
    ['Slack token', 'xoxb-2934726140-4829103947-aBcDeFgHiJkLmNoP', [['token', 'xoxb-2934726140-4829103947-aBcDeFgHiJkLmNoP']]],
    ['AWS secret access key', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', [['token', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']]],
    ['card with spaces', 'Card 4111 1111 1111 1111 on file', [['card', '4111 1111 1111 1111']]],
    ['card with dashes', '5555-5555-5555-4444', [['card', '5555-5555-5555-4444']]],
    ['international phone', 'Call +1 415 555 0132 now', [['phone', '+1 415 555 0132']]],
    ['US phone in parentheses', '(415) 555-0199', [['phone', '(415) 555-0199']]],
    ['US phone with dashes', '415-555-0199', [['phone', '415-555-0199']]],
    ['UK phone', '+44 20 7946 0958', [['phone', '+44 20 7946 0958']]],
    ['national phone', 'Tel. 030 1234567', [['phone', '030 1234567']]],
  ])('finds an %s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected);
  });

  it.each([
    ['dates and times', 'Last sign-in 2026-11-01 08:00 UTC, 01/02/2026'],
    ['a commit id', 'commit 3f9a2c41d7e0b5a6c8f1e2d3b4a5c6d7e8f90123'],
    ['a SHA-256', 'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'],
    ['a UUID', 'id 123e4567-e89b-12d3-a456-426614174000'],
    ['an AWS account id', 'Account 123456789012'],
    ['an IP address', 'from 192.168.100.12'],
    ['a version', 'build 4.12.7'],
    ['a non-Luhn 16-digit number', 'order 4111 1111 1111 1112'],
    ['a role ARN', 'arn:aws:iam::123456789012:role/Admin'],
    ['an address without domain', 'user@localhost'],
    ['a long lowercase slug', 'prod-eu-central-1-backup-vault-daily-retention-policy'],
    ['plain words', 'Super Administrator · Enforced · 24 people'],
  ])('ignores %s', (_name, text) => {
    expect(found(text)).toEqual([]);
  });

  it('reports every finding once, in text order, the more specific kind winning', () => {
    const text = 'ava@acme.example AKIAIOSFODNN7EXAMPLE phone +1 415 555 0132 card 4111 1111 1111 1111 bob@acme.example';
    expect(found(text)).toEqual([
      ['email', 'ava@acme.example'],
      ['aws-key', 'AKIAIOSFODNN7EXAMPLE'],
      ['phone', '+1 415 555 0132'],
      ['card', '4111 1111 1111 1111'],
      ['email', 'bob@acme.example'],
    ]);
  });

  it('finds a card number that follows other digits', () => {
    expect(found('ref 1 415 555 0132 4111 1111 1111 1111')).toEqual([['card', '4111 1111 1111 1111']]);
  });

  it('stays fast on hostile text', () => {
    const start = performance.now();
    findSensitive(`${'a'.repeat(200_000)}@${'b.'.repeat(50_000)}`);
    findSensitive('1 '.repeat(100_000));
    findSensitive('+'.repeat(100_000));
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
