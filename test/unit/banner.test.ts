import { describe, expect, it } from 'vitest';
import { bannerLines, bannerSafeText, fitText } from '@/lib/capture/banner';

describe('banner', () => {
  it('states where, when (UTC and local with zone) and who', () => {
    const lines = bannerLines({
      url: 'https://acme.okta.com/admin/users?status=ACTIVE#list',
      capturedAt: new Date('2026-01-31T23:30:05.000Z'),
      timeZone: 'Europe/Berlin',
      utcOffset: '+01:00',
      capturedBy: { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' },
      system: 'Okta',
      consoleUser: 'it-admin@acme.example',
      captureId: '01JD00000000000000000000AA',
      capturedPixelsSha256: 'ab'.repeat(32),
    });
    expect(lines).toEqual([
      'Okta  ·  console user: it-admin@acme.example',
      'https://acme.okta.com/admin/users?status=ACTIVE#list',
      '2026-01-31 23:30:05 UTC  ·  2026-02-01 00:30:05 Europe/Berlin (UTC+01:00)',
      'Captured by Ada Admin <ada@acme.example> (IT)  ·  capture 01JD00000000000000000000AA  ·  pixels sha256 abababababababab',
    ]);
  });

  it('shows direction overrides and control characters harmlessly instead of obeying them', () => {
    expect(bannerSafeText('a\u202Eevil\u202C\nb\u0000c')).toBe('a⟦U+202E⟧evil⟦U+202C⟧ b c');
  });

  it('shortens long text with an ellipsis to fit', () => {
    const measure = (t: string) => t.length * 7;
    expect(fitText('x'.repeat(10_000), 700, measure)).toBe(`${'x'.repeat(99)}…`);
    expect(fitText('short', 700, measure)).toBe('short');
  });
});
