// Annotations are append-only events. The current tags and note of a capture are a fold over
// its events in (at, id) order, so every installation holding the same events computes the same
// state whatever order they arrived in, and concurrent tagging by two people merges: each
// control's presence is decided by the latest event that names it.
import { monotonicFactory } from 'ulid';
import type { ExhibitDB } from './db';
import type { AnnotationEvent, AnnotationState, Capturer } from './schema';

// Monotonic: events made in the same millisecond keep their (at, id) order.
const nextId = monotonicFactory();

export function compareEvents(a: AnnotationEvent, b: AnnotationEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function foldAnnotations(captureId: string, events: readonly AnnotationEvent[]): AnnotationState {
  const present = new Map<string, boolean>();
  let note = '';
  let last: AnnotationEvent | undefined;
  for (const e of [...events].sort(compareEvents)) {
    if (e.captureId !== captureId) continue;
    if (e.op === 'controls.add') for (const id of e.controlIds) present.set(id, true);
    else if (e.op === 'controls.remove') for (const id of e.controlIds) present.set(id, false);
    else note = e.note;
    last = e;
  }
  return {
    captureId,
    controlIds: [...present].filter(([, on]) => on).map(([id]) => id).sort(),
    note,
    updatedAt: last?.at ?? null,
    updatedBy: last ? `${last.by.name} <${last.by.email}>` : null,
  };
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
  for (const captureId of captureIds) {
    const all = await db.annotations.where('captureId').equals(captureId).toArray();
    const state = foldAnnotations(captureId, all);
    const capture = await db.captures.get(captureId);
    await db.annotationState.put(state);
    await db.tags.where('captureId').equals(captureId).delete();
    if (capture) {
      await db.tags.bulkPut(state.controlIds.map((controlId) => ({ controlId, capturedAt: capture.capturedAt, captureId })));
    }
    states.set(captureId, state);
  }
  return states;
}
