// The popup's side of the auditor's requests: loading the current period's list (after the
// popup is interactive, never before), the request a capture will answer (a choice that sticks
// for the next capture), and attaching through `requests.attach`.
import { ExhibitError } from '@/lib/errors';
import type { ResponseOf } from '@/lib/handlers';
import { send } from '@/lib/messages';
import { describeChoice, periodForPicking } from '@/lib/requests/pick';

export type RequestItem = ResponseOf<'requests.list'>[number];
export type PeriodItem = ResponseOf<'periods.list'>[number];

export type RequestLists =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'no-period' }
  | { state: 'ready'; period: PeriodItem; periods: PeriodItem[]; requests: RequestItem[] };

/** The period's list (`periodId`), or the current period's. */
export async function loadRequestLists(periodId?: string): Promise<RequestLists> {
  try {
    const periods = await send({ type: 'periods.list' });
    const period = periods.find((p) => p.id === periodId) ?? periodForPicking(periods, new Date());
    if (!period) return { state: 'no-period' };
    return { state: 'ready', period, periods, requests: await send({ type: 'requests.list', periodId: period.id }) };
  } catch (err) {
    return { state: 'failed', message: `The request list could not be loaded: ${(err as Error).message}` };
  }
}

/** What a capture answers: a request, or one sampled item of it. */
export interface RequestChoice {
  periodId: string;
  requestId: string;
  sampleId: string | null;
  /** The request's id in the auditor's list, shown before the list has loaded. */
  ref: string;
}

const CHOICE_KEY = 'exhibit.popup.request';
const PENDING_KEY = 'exhibit.popup.pendingAttach';
/** A capture that waits for a pick or the redaction editor can take a while. */
const PENDING_MAX_AGE_MS = 30 * 60_000;

function readJson(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

function isChoice(value: unknown): value is RequestChoice {
  const v = value as RequestChoice | null;
  return !!v && typeof v.periodId === 'string' && typeof v.requestId === 'string' && typeof v.ref === 'string' && (v.sampleId === null || typeof v.sampleId === 'string');
}

export function rememberedRequest(): RequestChoice | null {
  const value = readJson(CHOICE_KEY);
  return isChoice(value) ? value : null;
}

export function rememberRequest(choice: RequestChoice | null): void {
  if (choice) localStorage.setItem(CHOICE_KEY, JSON.stringify(choice));
  else localStorage.removeItem(CHOICE_KEY);
}

/**
 * The popup closes itself while a capture waits for a pick or the redaction editor; the request
 * chosen for it is kept with the capture's job id, and attached when the popup next opens.
 */
export function rememberPendingAttach(jobId: string, choice: RequestChoice): void {
  localStorage.setItem(PENDING_KEY, JSON.stringify({ jobId, choice, at: Date.now() }));
}

export function pendingAttachFor(jobId: string): RequestChoice | null {
  const value = readJson(PENDING_KEY) as { jobId?: unknown; choice?: unknown; at?: unknown } | null;
  if (!value || typeof value.at !== 'number' || Date.now() - value.at > PENDING_MAX_AGE_MS) {
    localStorage.removeItem(PENDING_KEY);
    return null;
  }
  return value.jobId === jobId && isChoice(value.choice) ? value.choice : null;
}

export function forgetPendingAttach(): void {
  localStorage.removeItem(PENDING_KEY);
}

/** `controlIds`: the capture's tags after attaching (it gains the request's related controls). */
export type AttachOutcome = { ok: true; text: string; request: RequestItem; controlIds: string[] } | { ok: false; message: string };

/** Attaches the capture; the outcome in words ("Attached to PBC-12 · sample 3 of 25"). */
export async function attachToRequest(captureId: string, choice: RequestChoice): Promise<AttachOutcome> {
  try {
    const { request, annotation } = await send({ type: 'requests.attach', requestId: choice.requestId, captureId, ...(choice.sampleId ? { sampleId: choice.sampleId } : {}) });
    return { ok: true, text: `Attached to ${describeChoice(request, choice.sampleId)}`, request, controlIds: annotation.controlIds };
  } catch (err) {
    const e = err as ExhibitError;
    if (e instanceof ExhibitError && e.code === 'not-found' && /request|sample/i.test(e.message)) {
      return { ok: false, message: `Not attached: ${choice.ref}${choice.sampleId ? ` (sample ${choice.sampleId})` : ''} is no longer in the request list; it was deleted or re-imported meanwhile. The capture is saved: choose another request.` };
    }
    return { ok: false, message: `Not attached to ${choice.ref}: ${e.message} The capture is saved.` };
  }
}
