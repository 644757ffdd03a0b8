// The library's index path (lib/library.ts matchingIdsByIndex, what the grid and captures.list
// read) must give exactly what a scan of every record gives: same captures, newest first, ties by id.
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { emptyAnnotation, eventsForChange } from '@/lib/annotations';
import { buildEvidence } from '@/lib/capture/evidence';
import { encodePngRgba } from '@/lib/capture/png';
import { saveCaptures, type CaptureToSave } from '@/lib/capture/store';
import { ExhibitDB } from '@/lib/db';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
import { listCaptures, matchingIdsByIndex, type LibraryFilter } from '@/lib/library';
import { periodBounds } from '@/lib/periods/periods';
import type { Period } from '@/lib/schema';
import { countInRange, findMatches, loadChunk } from '@/entrypoints/dashboard/libraryQuery';

function random(seed: number) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
}
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

// "github.com" is both a system (pages no detector knows) and the host of "GitHub" captures: the
// system filter matches either, which is the ambiguity the index path must get right.
const CONTEXTS = [
  { system: 'GitHub', host: 'github.com' },
  { system: 'github.com', host: 'github.com' },
  { system: 'Okta', host: 'acme.okta.com' },
  { system: 'acme.okta.com', host: 'acme.okta.com' },
  { system: 'Okta', host: 'okta.example' },
  { system: 'AWS', host: 'console.aws.amazon.com' },
] as const;
const SYSTEMS = ['GitHub', 'github.com', 'Okta', 'acme.okta.com', 'okta.example', 'AWS', 'nothing'];
const CONTROLS = ['CC6.1', 'CC6.2', 'CC7.1', 'TEAM-1'];
const PEOPLE = ['ada@acme.example', 'bo@acme.example'];

let db: ExhibitDB;
const period: Period = { id: 'P1', name: 'Q1', kind: 'type2', start: '2026-02-01', end: '2026-03-31', timeZone: 'America/New_York', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'Ada' };

beforeAll(async () => {
  fakeBrowser.reset();
  resetInstallationCache();
  db = new ExhibitDB('library-index');
  await db.open();
  await db.periods.add(period);
  const installation = await getInstallation(db);
  const r = random(11);
  const png = encodePngRgba(new Uint8Array(4 * 4 * 4).fill(90), 4, 4);
  const items: CaptureToSave[] = [];
  for (let i = 0; i < 240; i++) {
    // Coarse times (whole hours over five months): many captures share an instant.
    const capturedAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 150 * 24) * 3_600_000);
    const context = pick(r, CONTEXTS);
    const email = pick(r, PEOPLE);
    const capturer = { name: email.split('@')[0]!, email, team: 'IT' };
    const evidence = await buildEvidence(
      { png, capturedAt, url: `https://${context.host}/page/${i}`, title: `Page ${i}`, viewport: { width: 4, height: 4 }, devicePixelRatio: 1, mode: 'visible', context: { ...context } },
      {
        timeZone: 'UTC',
        capturer,
        browser: { name: 'Chromium', version: '156' },
        extensionVersion: '0.1.0',
        signer: installation,
        renderBanner: (_l, width) => ({ rgba: new Uint8Array(width * 4 * 4), height: 4 }),
        makeThumbnail: async () => new Blob([new Uint8Array([1])], { type: 'image/jpeg' }),
      },
    );
    const controlIds = CONTROLS.filter(() => r() < 0.35);
    const events = eventsForChange(emptyAnnotation(evidence.capture.id), { controlIds }, capturer, installation.installationId, capturedAt);
    items.push({ capture: evidence.capture, image: evidence.image, thumbnail: evidence.thumbnail, events });
  }
  await saveCaptures(db, items);
}, 120_000);

/** The reference: every record read and filtered in memory. */
async function scan(filter: LibraryFilter): Promise<string[]> {
  const [captures, states] = await Promise.all([db.captures.toArray(), db.annotationState.toArray()]);
  const controls = new Map(states.map((s) => [s.captureId, s.controlIds]));
  const notes = new Map(states.map((s) => [s.captureId, s.note]));
  let from = '0000';
  let to = '9999';
  if (filter.periodId) ({ from, to } = periodBounds(period));
  if (filter.from) from = [from, `${filter.from}T00:00:00.000Z`].sort()[1]!;
  if (filter.to) to = [to, new Date(Date.parse(`${filter.to}T00:00:00.000Z`) + 86_400_000).toISOString()].sort()[0]!;
  return captures
    .filter((c) => c.capturedAt >= from && c.capturedAt < to)
    .filter((c) => !filter.controlId || (controls.get(c.id) ?? []).includes(filter.controlId))
    .filter((c) => !filter.system || c.context.system === filter.system || c.context.host === filter.system)
    .filter((c) => !filter.capturedBy || c.capturedBy.email === filter.capturedBy)
    .filter((c) => !filter.untagged || (controls.get(c.id) ?? []).length === 0)
    .filter((c) => !filter.text || `${c.title}\n${c.url}\n${notes.get(c.id) ?? ''}`.toLowerCase().includes(filter.text.trim().toLowerCase()))
    .sort((a, b) => (a.capturedAt < b.capturedAt ? 1 : a.capturedAt > b.capturedAt ? -1 : a.id < b.id ? 1 : -1))
    .map((c) => c.id);
}

describe('library filters read by index', () => {
  const filters: LibraryFilter[] = [];
  for (const periodId of [undefined, 'P1'])
    for (const controlId of [undefined, ...CONTROLS, 'NONE'])
      for (const system of [undefined, ...SYSTEMS]) filters.push({ periodId, controlId, system });
  filters.push(
    { controlId: 'CC6.1', system: 'github.com', capturedBy: 'bo@acme.example' },
    { controlId: 'CC6.2', system: 'Okta', from: '2026-02-10', to: '2026-03-05' },
    { periodId: 'P1', system: 'acme.okta.com', untagged: true },
    { periodId: 'P1', controlId: 'TEAM-1', system: 'okta.example', from: '2026-03-01' },
    // Free text: with control and system it is one read of their summary rows, otherwise a scan of the rows.
    { controlId: 'CC6.1', system: 'github.com', text: 'PAGE 1' },
    { periodId: 'P1', controlId: 'CC7.1', system: 'Okta', text: ' okta ' },
    { controlId: 'CC6.2', system: 'AWS', capturedBy: 'ada@acme.example', text: 'page' },
    { system: 'acme.okta.com', text: 'page 2' },
    { text: 'GITHUB.COM/page/1' },
    { controlId: 'TEAM-1', text: 'page' },
  );

  it('gives the scan’s captures in its order for every combination of period, control and system', async () => {
    let nonEmpty = 0;
    for (const filter of filters) {
      const expected = await scan(filter);
      if (expected.length) nonEmpty++;
      const indexed = await matchingIdsByIndex(db, filter);
      // Null only where the index path may defer to the scan: free text, or a system alone that is also a host.
      if (indexed === null) expect(!!filter.text || (filter.controlId === undefined && filter.system !== undefined)).toBe(true);
      else expect(indexed, JSON.stringify(filter)).toEqual(expected);
      const listed = await listCaptures(db, { ...filter, offset: 0, limit: 1000 } as never);
      expect(listed.items.map((c) => c.id), JSON.stringify(filter)).toEqual(expected);
      expect(listed.total).toBe(expected.length);
    }
    expect(nonEmpty).toBeGreaterThan(filters.length / 2);
  }, 60_000);

  it('answers control + system from one index range, whatever the system-versus-host mix', async () => {
    // Both GitHub captures (host github.com) and github.com captures match "github.com".
    const ids = await matchingIdsByIndex(db, { controlId: 'CC6.1', system: 'github.com' });
    const systems = new Set((await db.captures.bulkGet(ids!)).map((c) => c!.context.system));
    expect(systems).toEqual(new Set(['GitHub', 'github.com']));
  });

  it('pages the grid by position in the capture-time index when only dates filter, in the scan’s order', async () => {
    for (const filter of [{}, { periodId: 'P1' }, { from: '2026-02-10', to: '2026-04-02' }, { controlId: 'CC6.2', system: 'Okta' }] as LibraryFilter[]) {
      const expected = await scan(filter);
      const matches = await findMatches(db, filter);
      expect(matches.kind).toBe(filter.controlId ? 'ids' : 'range');
      expect(matches.kind === 'range' ? await countInRange(db, matches) : matches.total).toBe(expected.length);
      const paged: string[] = [];
      for (let at = 0; at < expected.length + 37; at += 37) {
        const chunk = await loadChunk(db, matches, at, at + 37);
        expect(chunk.offset).toBe(at);
        expect(chunk.thumbnails.size).toBe(chunk.items.length);
        paged.push(...chunk.items.map((c) => c.id));
      }
      expect(paged, JSON.stringify(filter)).toEqual(expected);
    }
  }, 60_000);
});
