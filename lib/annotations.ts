// Annotations are append-only events. The current tags and note of a capture are a fold over
// its events in (at, id) order, so every installation holding the same events computes the same
// state whatever order they arrived in, and concurrent tagging by two people merges: each
// control's presence is decided by the latest event that names it.
import { monotonicFactory } from 'ulid';
import type { ExhibitDB, TagRow } from './db';
import type { AnnotationEvent, AnnotationState, Capturer, RequestLink, SignedCapture } from './schema';

// Monotonic: events made in the same millisecond keep their (at, id) order.
const nextId = monotonicFactory();

export function compareEvents(a: AnnotationEvent, b: AnnotationEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const author = (e: AnnotationEvent) => `${e.by.name} <${e.by.email}>`;

export function foldAnnotations(captureId: string, events: readonly AnnotationEvent[]): AnnotationState {
  const present = new Map<string, boolean>();
  let note = '';
  // Request links merge like tags: each (request, sample) pair is decided by the latest event naming it.
  const links = new Map<string, { link: RequestLink; on: boolean; at: string; by: string }>();
  let exception: AnnotationState['exception'];
  let last: AnnotationEvent | undefined;
  for (const e of [...events].sort(compareEvents)) {
    if (e.captureId !== captureId) continue;
    if (e.op === 'controls.add') for (const id of e.controlIds) present.set(id, true);
    else if (e.op === 'controls.remove') for (const id of e.controlIds) present.set(id, false);
    else if (e.op === 'note.set') note = e.note;
    else if (e.op === 'requests.add' || e.op === 'requests.remove') {
      for (const link of e.requests) links.set(`${link.requestId}/${link.sampleId ?? ''}`, { link, on: e.op === 'requests.add', at: e.at, by: author(e) });
    } else exception = e.exception ? { ...e.exception, at: e.at, by: author(e) } : null;
    last = e;
  }
  const state: AnnotationState = {
    captureId,
    controlIds: [...present].filter(([, on]) => on).map(([id]) => id).sort(),
    note,
    updatedAt: last?.at ?? null,
    updatedBy: last ? author(last) : null,
  };
  // Present only for captures that ever had such events, so older states keep their exact shape.
  if (links.size > 0) {
    const requests = [...links.entries()]
      .filter(([, l]) => l.on)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, l]) => ({ requestId: l.link.requestId, sampleId: l.link.sampleId, at: l.at, by: l.by }));
    state.requests = requests;
    state.requestIds = [...new Set(requests.map((r) => r.requestId))];
  }
  if (exception !== undefined) state.exception = exception;
  return state;
}

/** The events that turn `current` into the wanted controls and note, by `who`, at `now`. */
export function eventsForChange(
  current: AnnotationState,
  wanted: { controlIds?: readonly string[]; note?: string },
  who: Capturer,
  installationId: string,
  now = new Date(),
): AnnotationEvent[] {
  const base = { captureId: current.captureId, at: now.toISOString(), by: { name: who.name, email: who.email }, installationId };
  const events: AnnotationEvent[] = [];
  if (wanted.controlIds) {
    const want = new Set(wanted.controlIds);
    const have = new Set(current.controlIds);
    const added = [...want].filter((id) => !have.has(id)).sort();
    const removed = [...have].filter((id) => !want.has(id)).sort();
    if (added.length) events.push({ ...base, id: nextId(now.getTime()), op: 'controls.add', controlIds: added });
    if (removed.length) events.push({ ...base, id: nextId(now.getTime()), op: 'controls.remove', controlIds: removed });
  }
  if (wanted.note !== undefined && wanted.note !== current.note) {
    events.push({ ...base, id: nextId(now.getTime()), op: 'note.set', note: wanted.note });
  }
  return events;
}

export function emptyAnnotation(captureId: string): AnnotationState {
  return { captureId, controlIds: [], note: '', updatedAt: null, updatedBy: null };
}

/** The tag rows of a capture tagged with `controlIds`: every writer of `db.tags` builds them here. */
export function tagRowsFor(capture: Pick<SignedCapture, 'id' | 'capturedAt' | 'context'>, controlIds: readonly string[]): TagRow[] {
  return controlIds.map((controlId) => ({ controlId, capturedAt: capture.capturedAt, captureId: capture.id, system: capture.context.system, host: capture.context.host }));
}

/**
 * Stores events (skipping ones already present) and refreshes the folded state and the
 * control index of the captures they touch. Call inside a transaction over
 * annotations, annotationState, tags and captures.
 */
export async function applyAnnotationEvents(db: ExhibitDB, events: readonly AnnotationEvent[]): Promise<Map<string, AnnotationState>> {
  const states = new Map<string, AnnotationState>();
  if (events.length === 0) return states;
  await db.annotations.bulkPut([...events]);
  const captureIds = [...new Set(events.map((e) => e.captureId))];
  // Bulk reads and writes: one pass over every capture the events touch.
  const [all, captures] = await Promise.all([db.annotations.where('captureId').anyOf(captureIds).toArray(), db.captures.bulkGet(captureIds)]);
  const byCapture = new Map<string, AnnotationEvent[]>();
  for (const e of all) (byCapture.get(e.captureId) ?? byCapture.set(e.captureId, []).get(e.captureId)!).push(e);
  const tags: TagRow[] = [];
  captureIds.forEach((captureId, i) => {
    const state = foldAnnotations(captureId, byCapture.get(captureId) ?? []);
    states.set(captureId, state);
    const capture = captures[i];
    if (capture) tags.push(...tagRowsFor(capture, state.controlIds));
  });
  await db.annotationState.bulkPut([...states.values()]);
  await db.tags.where('captureId').anyOf(captureIds).delete();
  await db.tags.bulkPut(tags);
  return states;
}
