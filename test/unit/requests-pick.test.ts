import { describe, expect, it } from 'vitest';
import { defaultSampleId, describeChoice, filterRequests, orderSamples, periodForPicking, type PickableRequest, type PickableSample } from '@/lib/requests/pick';

const sample = (id: string, answered = false): PickableSample => ({ id, label: `user ${id}`, captureIds: answered ? [`cap-${id}`] : [] });

function request(ref: string, text: string, over: Partial<PickableRequest> = {}): PickableRequest {
  return { id: `id-${ref}`, ref, text, status: 'open', dueDate: null, overdue: false, position: 0, samples: [], fulfilledSamples: 0, ...over };
}

const LIST: PickableRequest[] = [
  request('PBC-1', 'Quarterly access review evidence', { position: 0 }),
  request('PBC-2', 'Sample of new hires with approvals', { position: 1, status: 'evidence-attached' }),
  request('PBC-12', 'Terminated users removed within 24 hours', { position: 2 }),
  request('PBC-3', 'Change tickets for PBC-12 follow-up', { position: 3 }),
  request('PBC-4', 'Backups restored in a test', { position: 4, status: 'submitted' }),
];
const refs = (list: PickableRequest[]) => list.map((r) => r.ref);

describe('filterRequests', () => {
  it.each([
    ['', false, ['PBC-1', 'PBC-12', 'PBC-3']],
    ['', true, ['PBC-1', 'PBC-2', 'PBC-12', 'PBC-3', 'PBC-4']],
    // The exact id first, then ids that contain it, then descriptions that mention it.
    ['pbc-12', false, ['PBC-12', 'PBC-3']],
    ['PBC-1', false, ['PBC-1', 'PBC-12', 'PBC-3']],
    // Every word must match, in id or description, ignoring case.
    ['access REVIEW', false, ['PBC-1']],
    ['hires', false, []],
    ['hires', true, ['PBC-2']],
    ['users 24', false, ['PBC-12']],
    ['nothing like this', true, []],
  ])('%j (answered too: %s) lists %j', (query, includeAnswered, expected) => {
    expect(refs(filterRequests(LIST, { query, includeAnswered }))).toEqual(expected);
  });

  it('keeps the current choice listed even when it is no longer open', () => {
    expect(refs(filterRequests(LIST, { query: '', keepId: 'id-PBC-4' }))).toEqual(['PBC-1', 'PBC-12', 'PBC-3', 'PBC-4']);
  });

  it('treats markup in a search as plain text', () => {
    const list = [request('X-1', '<img src=x onerror=alert(1)> admin list')];
    expect(refs(filterRequests(list, { query: '<img' }))).toEqual(['X-1']);
    expect(refs(filterRequests(list, { query: '.*' }))).toEqual([]);
  });
});

describe('samples', () => {
  const samples = [sample('S1', true), sample('S2'), sample('S3', true), sample('S4')];

  it('orders unanswered samples first, keeping their numbers in the auditor’s list', () => {
    expect(orderSamples(samples).map((s) => [s.sample.id, s.number, s.answered])).toEqual([
      ['S2', 2, false],
      ['S4', 4, false],
      ['S1', 1, true],
      ['S3', 3, true],
    ]);
  });

  it.each([
    [undefined, 'S2'],
    ['S4', 'S4'],
    // A preferred sample already answered gives way to the next unanswered one.
    ['S1', 'S2'],
    ['S99', 'S2'],
  ])('preferred %s → %s', (preferred, expected) => {
    expect(defaultSampleId({ samples }, preferred)).toBe(expected);
  });

  it('offers no default when every sample is answered, or there are none', () => {
    expect(defaultSampleId({ samples: [sample('S1', true)] })).toBeNull();
    expect(defaultSampleId({ samples: [] })).toBeNull();
  });

  it('describes the choice as the person reads it', () => {
    const r = request('PBC-12', 'x', { samples: Array.from({ length: 25 }, (_, i) => sample(`S${i + 1}`)) });
    expect(describeChoice(r, 'S3')).toBe('PBC-12 · sample 3 of 25');
    expect(describeChoice(r, null)).toBe('PBC-12');
    expect(() => describeChoice(r, 'S40')).toThrow('Request PBC-12 has no sample S40.');
  });
});

describe('periodForPicking', () => {
  const q1 = { id: 'q1', kind: 'type2' as const, start: '2026-01-01', end: '2026-03-31', timeZone: 'UTC' };
  const year = { id: 'y', kind: 'type2' as const, start: '2025-07-01', end: '2026-06-30', timeZone: 'UTC' };
  const old = { id: 'old', kind: 'type1' as const, start: '2024-12-31', end: '2024-12-31', timeZone: 'UTC' };

  it('takes the period containing today, the latest-starting if several do', () => {
    expect(periodForPicking([year, q1, old], new Date('2026-02-10T12:00:00Z'))?.id).toBe('q1');
    expect(periodForPicking([year, q1, old], new Date('2026-05-10T12:00:00Z'))?.id).toBe('y');
  });

  it('falls back to the latest-starting period when none contains today, and to none without periods', () => {
    expect(periodForPicking([old, q1, year], new Date('2027-05-01T00:00:00Z'))?.id).toBe('q1');
    expect(periodForPicking([], new Date())).toBeUndefined();
  });
});
