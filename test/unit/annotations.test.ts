import { describe, expect, it } from 'vitest';
import { foldAnnotations, eventsForChange, emptyAnnotation } from '@/lib/annotations';
import type { AnnotationEvent } from '@/lib/schema';

const CAPTURE = '01JD00000000000000000000AA';
const ada = { name: 'Ada', email: 'ada@acme.example', team: '' };
const bo = { name: 'Bo', email: 'bo@acme.example', team: '' };

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('annotation events', () => {
  it('turns a wanted state into add, remove and note events with who and when', () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    const first = eventsForChange(emptyAnnotation(CAPTURE), { controlIds: ['CC6.2', 'AC-1'], note: 'Q1' }, ada, 'inst-a', at);
    expect(first.map((e) => e.op)).toEqual(['controls.add', 'note.set']);
    expect(first[0]).toMatchObject({ by: { name: 'Ada', email: 'ada@acme.example' }, at: at.toISOString(), controlIds: ['AC-1', 'CC6.2'] });
    const state = foldAnnotations(CAPTURE, first);
    expect(state).toMatchObject({ controlIds: ['AC-1', 'CC6.2'], note: 'Q1', updatedBy: 'Ada <ada@acme.example>' });
    const second = eventsForChange(state, { controlIds: ['CC6.2', 'CC6.3'] }, bo, 'inst-b', new Date('2026-03-02T00:00:00.000Z'));
    expect(second.map((e) => [e.op, 'controlIds' in e ? e.controlIds : null])).toEqual([
      ['controls.add', ['CC6.3']],
      ['controls.remove', ['AC-1']],
    ]);
    expect(foldAnnotations(CAPTURE, [...first, ...second]).controlIds).toEqual(['CC6.2', 'CC6.3']);
    expect(eventsForChange(state, { controlIds: ['AC-1', 'CC6.2'], note: 'Q1' }, ada, 'inst-a')).toEqual([]);
  });

  it('converges to one state whatever order the events arrive in, and merges concurrent tagging', () => {
    const base = foldAnnotations(CAPTURE, []);
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m));
    // Two people tag the same capture concurrently from their own view of it.
    const a1 = eventsForChange(base, { controlIds: ['CC6.1'] }, ada, 'inst-a', t(1));
    const b1 = eventsForChange(base, { controlIds: ['CC8.1'], note: 'from Bo' }, bo, 'inst-b', t(1));
    const a2 = eventsForChange(foldAnnotations(CAPTURE, a1), { controlIds: ['CC6.1', 'A1.2'] }, ada, 'inst-a', t(2));
    const b2 = eventsForChange(foldAnnotations(CAPTURE, b1), { controlIds: [], note: 'from Bo, later' }, bo, 'inst-b', t(3));
    const all: AnnotationEvent[] = [...a1, ...b1, ...a2, ...b2];
    const expected = foldAnnotations(CAPTURE, all);
    // Nothing tagged concurrently is lost; Bo's later removal of his own tag wins.
    expect(expected.controlIds).toEqual(['A1.2', 'CC6.1']);
    expect(expected.note).toBe('from Bo, later');
    for (let seed = 1; seed < 50; seed++) expect(foldAnnotations(CAPTURE, shuffle(all, seed))).toEqual(expected);
  });
});
