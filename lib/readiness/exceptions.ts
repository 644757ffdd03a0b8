// Exceptions: a capture, or a control's sub-period, flagged as "the control did not operate as
// described", with a description and a remediation note. They are listed and exported with the
// evidence, never hidden; clearing one is itself a recorded event.
import { monotonicFactory } from 'ulid';
import { applyAnnotationEvents, emptyAnnotation } from '../annotations';
import { CRITERIA_CONTROLS } from '../controls/catalog';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { periodBounds } from '../periods/periods';
import { subPeriodsOf, unitForCadence, unitOfKey } from '../periods/subperiods';
import type { AnnotationState, Cadence, Capturer, ExceptionText, Period } from '../schema';
import { makeReadinessEvent, readReadiness, type ControlPeriodMarks, type RecordedException } from './events';

const nextId = monotonicFactory();

export type ExceptionItem =
  | ({
      kind: 'capture';
      captureId: string;
      capturedAt: string;
      title: string;
      url: string;
      system: string;
      controlIds: string[];
    } & RecordedException)
  | ({
      kind: 'control-period';
      controlId: string;
      /** Empty when the control has since been deleted: the exception stays listed. */
      title: string;
      owner: string;
      subPeriod: string;
    } & RecordedException);

interface ControlInfo {
  id: string;
  title: string;
  owner: string;
  cadence: Cadence;
}

export async function controlInfo(db: ExhibitDB, id: string): Promise<ControlInfo | undefined> {
  const team = await db.controls.get(id);
  if (team) return team;
  return CRITERIA_CONTROLS.find((c) => c.id === id);
}

/** Refuses a sub-period key that is not of the control's cadence ("2026-03" for a quarterly control). */
export async function requireControlPeriod(db: ExhibitDB, controlId: string, subPeriod: string): Promise<ControlInfo> {
  const control = await controlInfo(db, controlId);
  if (!control) throw new ExhibitError('not-found', `No control ${controlId}.`);
  const unit = unitForCadence(control.cadence);
  if (unitOfKey(subPeriod) !== unit) {
    const example = { month: '2026-03', quarter: '2026-Q1', year: '2026 (or 2025-07..2026-06 for a year from July)' }[unit];
    throw new ExhibitError('invalid-request', `${controlId} is a ${control.cadence} control: name its sub-period as a ${unit}, like ${example}, not “${subPeriod}”.`);
  }
  return control;
}

export async function setCaptureException(db: ExhibitDB, captureId: string, exception: ExceptionText | null, by: Capturer, installationId: string, now = new Date()): Promise<AnnotationState> {
  return db.transaction('rw', [db.captures, db.annotations, db.annotationState, db.tags], async () => {
    if (!(await db.captures.get(captureId))) throw new ExhibitError('not-found', 'No capture with that id.');
    const current = (await db.annotationState.get(captureId)) ?? emptyAnnotation(captureId);
    if (exception === null && !current.exception) return current;
    const states = await applyAnnotationEvents(db, [
      { id: nextId(now.getTime()), captureId, at: now.toISOString(), by: { name: by.name, email: by.email }, installationId, op: 'exception.set', exception },
    ]);
    return states.get(captureId)!;
  });
}

export async function setControlPeriodException(db: ExhibitDB, controlId: string, subPeriod: string, exception: ExceptionText | null, by: Capturer, installationId: string, now = new Date()): Promise<ControlPeriodMarks> {
  await requireControlPeriod(db, controlId, subPeriod);
  await db.readinessEvents.add(makeReadinessEvent({ op: 'period.exception', controlId, subPeriod, exception }, by, installationId, now));
  return (await readReadiness(db)).marks.get(`${controlId}\u0000${subPeriod}`) ?? {};
}

/** Every exception, or those of one period (captures taken in it, sub-periods overlapping it), oldest first. */
export async function listExceptions(db: ExhibitDB, period?: Period): Promise<ExceptionItem[]> {
  const [flagged, readiness, team] = await Promise.all([db.annotationState.orderBy('exception.at').toArray(), readReadiness(db), db.controls.toArray()]);
  const items: ExceptionItem[] = [];
  const bounds = period ? periodBounds(period) : null;
  // Summary rows hold what the list shows (lib/capture-summaries.ts): not the signed records.
  const captures = await db.captureSummaries.bulkGet(flagged.map((s) => s.captureId));
  flagged.forEach((state, i) => {
    const capture = captures[i];
    if (!state.exception || !capture) return;
    if (bounds && (capture.capturedAt < bounds.from || capture.capturedAt >= bounds.to)) return;
    items.push({
      kind: 'capture',
      captureId: capture.id,
      capturedAt: capture.capturedAt,
      title: capture.title,
      url: capture.url,
      system: capture.system,
      controlIds: state.controlIds,
      ...state.exception,
    });
  });
  const controls = new Map<string, { title: string; owner: string }>([...CRITERIA_CONTROLS, ...team].map((c) => [c.id, c]));
  const keysInPeriod = period ? new Set([...subPeriodsOf(period, 'month'), ...subPeriodsOf(period, 'quarter'), ...subPeriodsOf(period, 'year')].map((s) => s.key)) : null;
  for (const [key, marks] of readiness.marks) {
    if (!marks.exception) continue;
    const [controlId, subPeriod] = key.split('\u0000') as [string, string];
    if (keysInPeriod && !keysInPeriod.has(subPeriod)) continue;
    const control = controls.get(controlId);
    items.push({ kind: 'control-period', controlId, title: control?.title ?? '', owner: control?.owner ?? '', subPeriod, ...marks.exception });
  }
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
