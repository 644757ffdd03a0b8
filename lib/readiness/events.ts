// Readiness events: an exception recorded on a control's sub-period, a due item snoozed or marked
// "not applicable", a request submitted to the auditor. Like annotations they are append-only
// events with who and when, and the current state is a fold over them in (at, id) order, so every
// installation holding the same events computes the same state whatever order they arrived in.
import { monotonicFactory } from 'ulid';
import type { ExhibitDB } from '../db';
import type { Capturer, ExceptionText, ReadinessEvent } from '../schema';

const nextId = monotonicFactory();

export interface Recorded {
  at: string;
  /** "Name <email>" */
  by: string;
}
export type RecordedException = ExceptionText & Recorded;
export interface RecordedNotApplicable extends Recorded {
  reason: string;
}
export interface RecordedSnooze extends Recorded {
  /** Hidden from the due list until this day (in the period's zone) begins. */
  until: string;
  reason: string;
}

/** What has been recorded about one control's sub-period. */
export interface ControlPeriodMarks {
  exception?: RecordedException;
  notApplicable?: RecordedNotApplicable;
  snooze?: RecordedSnooze;
}

export interface RequestSubmission extends Recorded {
  status: 'submitted' | 'open';
  note: string;
}

export interface ReadinessState {
  /** Keyed by markKey(controlId, subPeriod). */
  marks: Map<string, ControlPeriodMarks>;
  /** The latest submission event of each request. */
  submissions: Map<string, RequestSubmission>;
}

export function markKey(controlId: string, subPeriod: string): string {
  return `${controlId}\u0000${subPeriod}`;
}

function compare(a: ReadinessEvent, b: ReadinessEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function foldReadiness(events: readonly ReadinessEvent[]): ReadinessState {
  const marks = new Map<string, ControlPeriodMarks>();
  const submissions = new Map<string, RequestSubmission>();
  for (const e of [...events].sort(compare)) {
    const recorded = { at: e.at, by: `${e.by.name} <${e.by.email}>` };
    if (e.op === 'request.status') {
      submissions.set(e.requestId, { status: e.status, note: e.note, ...recorded });
      continue;
    }
    const key = markKey(e.controlId, e.subPeriod);
    const mark = { ...marks.get(key) };
    // An item is either snoozed, or not applicable, or neither: the latest of these decides.
    if (e.op === 'period.exception') {
      if (e.exception) mark.exception = { ...e.exception, ...recorded };
      else delete mark.exception;
    } else if (e.op === 'due.snooze') {
      mark.snooze = { until: e.until, reason: e.reason, ...recorded };
      delete mark.notApplicable;
    } else if (e.op === 'due.notApplicable') {
      mark.notApplicable = { reason: e.reason, ...recorded };
      delete mark.snooze;
    } else {
      delete mark.snooze;
      delete mark.notApplicable;
    }
    if (mark.exception || mark.notApplicable || mark.snooze) marks.set(key, mark);
    else marks.delete(key);
  }
  return { marks, submissions };
}

type EventBody = ReadinessEvent extends infer E ? (E extends ReadinessEvent ? Omit<E, 'id' | 'at' | 'by' | 'installationId'> : never) : never;

export function makeReadinessEvent(body: EventBody, who: Capturer, installationId: string, now = new Date()): ReadinessEvent {
  return { ...body, id: nextId(now.getTime()), at: now.toISOString(), by: { name: who.name, email: who.email }, installationId } as ReadinessEvent;
}

export async function readReadiness(db: ExhibitDB): Promise<ReadinessState> {
  return foldReadiness(await db.readinessEvents.toArray());
}
