// A tiny signed capture for tests of what happens after the evidence is built (storing it, jobs,
// tables): a 4 × 4 PNG, a blank banner and a stand-in thumbnail, signed with the test database's
// installation key. Override any page field (time, URL, context, tables).
import type { ExhibitDB } from '@/lib/db';
import { buildEvidence, type CapturedPage, type Evidence } from '@/lib/capture/evidence';
import { encodePngRgba } from '@/lib/capture/png';
import { getInstallation } from '@/lib/installation';

export async function tinyEvidence(db: ExhibitDB, page: Partial<CapturedPage> = {}): Promise<Evidence> {
  return buildEvidence(
    {
      png: encodePngRgba(new Uint8Array(4 * 4 * 4).fill(90), 4, 4),
      capturedAt: new Date('2026-05-01T00:00:00.000Z'),
      url: 'https://a.example/',
      title: 't',
      viewport: { width: 4, height: 4 },
      devicePixelRatio: 1,
      mode: 'visible',
      context: { system: 'a.example', host: 'a.example' },
      ...page,
    },
    {
      timeZone: 'UTC',
      capturer: { name: 'Ada', email: 'ada@acme.example', team: '' },
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: await getInstallation(db),
      renderBanner: (_l, width) => ({ rgba: new Uint8Array(width * 2 * 4), height: 2 }),
      makeThumbnail: async () => new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }),
    },
  );
}
