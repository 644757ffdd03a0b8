// Choosing the auditor's request (and sampled item) a capture answers, as the popup offers it:
// which period's list to show, which requests match a search, which sample comes first, and how
// the outcome reads. Pure functions over `requests.list` / `periods.list` replies (types only, so
// the popup's bundle stays free of database and schema code).
import type { Period, RequestStatus } from '../schema';
import { currentPeriod } from '../periods/subperiods';

/** The fields of a `requests.list` item the picker uses. */
export interface PickableSample {
  id: string;
  label: string;
  captureIds: readonly string[];
}
export interface PickableRequest {
  id: string;
  ref: string;
  text: string;
  status: RequestStatus;
  dueDate: string | null;
  overdue: boolean;
  position: number;
  samples: readonly PickableSample[];
  fulfilledSamples: number;
}

/** The period whose list the popup shows: the one containing today, else the latest-starting. */
export function periodForPicking<P extends Pick<Period, 'start' | 'end' | 'timeZone' | 'kind'>>(periods: readonly P[], now: Date): P | undefined {
  if (periods.length === 0) return undefined;
  return currentPeriod(periods, now) ?? [...periods].sort((a, b) => (a.start < b.start ? 1 : a.start > b.start ? -1 : 0))[0];
}

export interface RequestFilter {
  query: string;
  /** Also list requests already answered or submitted (default: open ones only). */
  includeAnswered?: boolean;
  /** Always list this request (the current choice), whatever its status. */
  keepId?: string | null;
}

function matchRank(request: PickableRequest, words: readonly string[]): number {
  if (words.length === 0) return 3;
  const ref = request.ref.toLowerCase();
  const text = request.text.toLowerCase();
  if (!words.every((w) => ref.includes(w) || text.includes(w))) return -1;
  const whole = words.join(' ');
  if (ref === whole) return 0;
  if (ref.startsWith(whole)) return 1;
  if (words.some((w) => ref.includes(w))) return 2;
  return 3;
}

/**
 * The requests to offer for `query`: every word must appear in the id or the description
 * (ignoring case); exact and leading id matches first, then list order. Open requests only,
 * unless `includeAnswered`.
 */
export function filterRequests<R extends PickableRequest>(requests: readonly R[], filter: RequestFilter): R[] {
  const words = filter.query.toLowerCase().split(/\s+/).filter(Boolean);
  const ranked: Array<{ request: R; rank: number }> = [];
  for (const request of requests) {
    if (!filter.includeAnswered && request.status !== 'open' && request.id !== filter.keepId) continue;
    const rank = matchRank(request, words);
    if (rank >= 0) ranked.push({ request, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.request.position - b.request.position || a.request.ref.localeCompare(b.request.ref));
  return ranked.map((r) => r.request);
}

export interface OrderedSample<S extends PickableSample> {
  sample: S;
  /** 1-based place in the auditor's list ("sample 3 of 25"). */
  number: number;
  answered: boolean;
}

/** Samples not yet answered first, each group in the auditor's order. */
export function orderSamples<S extends PickableSample>(samples: readonly S[]): OrderedSample<S>[] {
  const all = samples.map((sample, i) => ({ sample, number: i + 1, answered: sample.captureIds.length > 0 }));
  return [...all.filter((s) => !s.answered), ...all.filter((s) => s.answered)];
}

/**
 * Which sample a new capture should answer: `preferred` while it is still unanswered, else the
 * first unanswered one, else none (every sample answered: the person picks one to add to).
 */
export function defaultSampleId(request: Pick<PickableRequest, 'samples'>, preferred?: string | null): string | null {
  const wanted = preferred ? request.samples.find((s) => s.id === preferred) : undefined;
  if (wanted && wanted.captureIds.length === 0) return wanted.id;
  return request.samples.find((s) => s.captureIds.length === 0)?.id ?? null;
}

/** "PBC-12 · sample 3 of 25" (or just "PBC-12"); throws if the sample is not the request's. */
export function describeChoice(request: Pick<PickableRequest, 'ref' | 'samples'>, sampleId: string | null): string {
  if (!sampleId) return request.ref;
  const index = request.samples.findIndex((s) => s.id === sampleId);
  if (index < 0) throw new Error(`Request ${request.ref} has no sample ${sampleId}.`);
  return `${request.ref} · sample ${index + 1} of ${request.samples.length}`;
}

export const STATUS_LABELS: Record<RequestStatus, string> = {
  open: 'Open',
  'evidence-attached': 'Evidence attached',
  submitted: 'Submitted',
};
