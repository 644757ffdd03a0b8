// Convergence of annotations across installations: whatever order events arrive in, in whatever
// batches, every library that holds the same events computes the same tags, note, request links
// and exception flag; and concurrent tagging by two people loses nothing.
import { beforeEach, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { applyAnnotationEvents, foldAnnotations } from '@/lib/annotations';
import { ExhibitDB } from '@/lib/db';
import type { AnnotationEvent, SignedCapture } from '@/lib/schema';

/** Deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PEOPLE = [
  { installationId: 'INSTALL-IT-ADMIN', by: { name: 'Ada Admin', email: 'ada@acme.example' } },
  { installationId: 'INSTALL-ENGINEER', by: { name: 'Eve Engineer', email: 'eve@acme.example' } },
  { installationId: 'INSTALL-COMPLIANCE', by: { name: 'Cole Compliance', email: 'cole@acme.example' } },
];
const CONTROLS = ['CC6.1', 'CC6.2', 'CC6.3', 'CC7.2', 'AC-01'];
const REQUESTS = [ulid(), ulid()];

function randomEvents(rand: () => number, captureIds: string[], count: number): AnnotationEvent[] {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const base = Date.UTC(2026, 10, 1);
  return Array.from({ length: count }, () => {
    const person = pick(PEOPLE);
    // Few distinct instants, so many events tie on `at` and the id must break the tie.
    const at = new Date(base + Math.floor(rand() * 20) * 1000).toISOString();
    const common = { id: ulid(base + Math.floor(rand() * 1e6)), captureId: pick(captureIds), at, by: person.by, installationId: person.installationId };
    const r = rand();
    if (r < 0.35) return { ...common, op: 'controls.add', controlIds: [pick(CONTROLS), pick(CONTROLS)].filter((v, i, a) => a.indexOf(v) === i) };
    if (r < 0.55) return { ...common, op: 'controls.remove', controlIds: [pick(CONTROLS)] };
    if (r < 0.75) return { ...common, op: 'note.set', note: `note ${Math.floor(rand() * 1000)} by ${person.by.name}` };
    if (r < 0.85) return { ...common, op: rand() < 0.6 ? 'requests.add' : 'requests.remove', requests: [{ requestId: pick(REQUESTS), sampleId: rand() < 0.5 ? null : 'S1' }] };
    return { ...common, op: 'exception.set', exception: rand() < 0.7 ? { description: 'Quarterly review was late', remediation: '' } : null };
  }) as AnnotationEvent[];
}

function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function fakeCapture(id: string): SignedCapture {
  // What the library's summary row and the tag rows read of a record (lib/capture-summaries.ts, tagRowsFor).
  return {
    id,
    capturedAt: '2026-10-15T10:00:00.000Z',
    context: { system: 'Okta', host: 'acme.okta.com' },
    capturedBy: { name: 'x', email: 'x@acme.example', team: '' },
    image: { sha256: '0'.repeat(64), width: 1, height: 1 },
    installationId: 'elsewhere',
  } as unknown as SignedCapture;
}

async function libraryState(db: ExhibitDB) {
  const states = (await db.annotationState.toArray()).sort((a, b) => (a.captureId < b.captureId ? -1 : 1));
  const tags = (await db.tags.toArray()).map((t) => `${t.controlId}|${t.captureId}`).sort();
  return { states, tags };
}

let dbs: ExhibitDB[] = [];
beforeEach(async () => {
  await Promise.all(dbs.map((db) => db.delete()));
  dbs = [];
});

describe('annotation events converge', () => {
  it.each([1, 2, 3, 4, 5, 6])('seed %i: three libraries receiving 120 events in different orders and batches agree', async (seed) => {
    const rand = prng(seed);
    const captureIds = [ulid(), ulid(), ulid()];
    const events = randomEvents(rand, captureIds, 120);
    const results = [];
    for (let lib = 0; lib < 3; lib++) {
      const db = new ExhibitDB(`merge-${seed}-${lib}`);
      dbs.push(db);
      await db.captures.bulkAdd(captureIds.map(fakeCapture));
      // Arrival in random order, in random batch sizes, some events delivered twice (a repeated pull).
      const arrival = shuffle([...events, ...events.filter(() => rand() < 0.1)], rand);
      for (let i = 0; i < arrival.length; ) {
        const size = 1 + Math.floor(rand() * 15);
        const batch = arrival.slice(i, i + size);
        await db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], () => applyAnnotationEvents(db, batch));
        i += size;
      }
      results.push(await libraryState(db));
    }
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
    // And each equals the fold of all events in one go.
    for (const s of results[0]!.states) expect(s).toEqual(foldAnnotations(s.captureId, events));
  });

  it('concurrent tagging by two people merges without loss', async () => {
    const captureId = ulid();
    const at = '2026-11-02T09:00:00.000Z';
    const ada: AnnotationEvent = { id: ulid(), captureId, at, by: PEOPLE[0]!.by, installationId: PEOPLE[0]!.installationId, op: 'controls.add', controlIds: ['CC6.2'] };
    const eve: AnnotationEvent = { id: ulid(), captureId, at, by: PEOPLE[1]!.by, installationId: PEOPLE[1]!.installationId, op: 'controls.add', controlIds: ['CC7.2'] };
    const cole: AnnotationEvent = { id: ulid(), captureId, at: '2026-11-02T09:00:01.000Z', by: PEOPLE[2]!.by, installationId: PEOPLE[2]!.installationId, op: 'note.set', note: 'Reviewed' };
    expect(foldAnnotations(captureId, [ada, eve, cole]).controlIds).toEqual(['CC6.2', 'CC7.2']);
    expect(foldAnnotations(captureId, [cole, eve, ada])).toEqual(foldAnnotations(captureId, [ada, eve, cole]));
    expect(foldAnnotations(captureId, [eve, ada, cole]).note).toBe('Reviewed');
  });

  it('a removal and an addition of the same control: the later one wins, everywhere', () => {
    const captureId = ulid();
    const add: AnnotationEvent = { id: ulid(), captureId, at: '2026-11-02T09:00:00.000Z', by: PEOPLE[0]!.by, installationId: 'A', op: 'controls.add', controlIds: ['CC6.1'] };
    const remove: AnnotationEvent = { id: ulid(), captureId, at: '2026-11-02T09:00:05.000Z', by: PEOPLE[1]!.by, installationId: 'B', op: 'controls.remove', controlIds: ['CC6.1'] };
    expect(foldAnnotations(captureId, [add, remove]).controlIds).toEqual([]);
    expect(foldAnnotations(captureId, [remove, add]).controlIds).toEqual([]);
  });
});
