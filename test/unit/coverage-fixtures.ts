// Seeding for the readiness tests: real signed captures through the capture pipeline's own code,
// and periods and controls as the handlers store them.
import { ulid } from 'ulid';
import { emptyAnnotation, eventsForChange } from '@/lib/annotations';
import { buildEvidence } from '@/lib/capture/evidence';
import { encodePngRgba } from '@/lib/capture/png';
import { saveCapture } from '@/lib/capture/store';
import type { ExhibitDB } from '@/lib/db';
import { getInstallation } from '@/lib/installation';
import type { Cadence, CustomControl, Period, SignedCapture } from '@/lib/schema';

export const ada = { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' };

export async function seedCapture(db: ExhibitDB, opts: { capturedAt: string; url?: string; title?: string; controlIds?: string[]; timeZone?: string }): Promise<SignedCapture> {
  const installation = await getInstallation(db);
  const url = opts.url ?? 'https://acme.okta.com/admin/users';
  const evidence = await buildEvidence(
    {
      png: encodePngRgba(new Uint8Array(8 * 6 * 4).fill(200), 8, 6),
      capturedAt: new Date(opts.capturedAt),
      url,
      title: opts.title ?? 'Users',
      viewport: { width: 8, height: 6 },
      devicePixelRatio: 1,
      mode: 'visible',
      context: { system: new URL(url).hostname, host: new URL(url).hostname },
    },
    {
      timeZone: opts.timeZone ?? 'America/New_York',
      capturer: ada,
      browser: { name: 'Chromium', version: '156' },
      extensionVersion: '0.1.0',
      signer: installation,
      renderBanner: (_lines, width) => ({ rgba: new Uint8Array(width * 4 * 4).fill(20), height: 4 }),
      makeThumbnail: async () => new Blob([new Uint8Array([1, 2, 3])], { type: 'image/jpeg' }),
    },
  );
  const events = eventsForChange(emptyAnnotation(evidence.capture.id), { controlIds: opts.controlIds ?? [] }, ada, installation.installationId);
  await saveCapture(db, evidence.capture, evidence.image, evidence.thumbnail, events);
  return evidence.capture;
}

export async function seedPeriod(db: ExhibitDB, p: Partial<Period> & Pick<Period, 'start' | 'end' | 'timeZone'>): Promise<Period> {
  const period: Period = { id: ulid(), name: 'FY2026', kind: 'type2', createdAt: '2025-12-01T00:00:00.000Z', createdBy: 'Ada Admin <ada@acme.example>', ...p };
  await db.periods.add(period);
  return period;
}

export async function seedControl(db: ExhibitDB, id: string, cadence: Cadence, owner = '', criteria: string[] = ['CC6.1']): Promise<CustomControl> {
  const control: CustomControl = { id, title: `Control ${id}`, description: '', owner, cadence, criteria };
  await db.controls.put(control);
  return control;
}

/** Tag rows alone (what coverage reads), for many captures at once. */
export async function seedTags(db: ExhibitDB, controlId: string, instants: readonly string[]): Promise<string[]> {
  const rows = instants.map((capturedAt) => ({ controlId, capturedAt, captureId: ulid(Date.parse(capturedAt)) }));
  await db.tags.bulkPut(rows);
  return rows.map((r) => r.captureId);
}
