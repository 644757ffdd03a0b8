// The auditor's request list (PBC) in the database. Items are imported per audit period; captures
// are attached to an item (or to one sampled item of it) by annotation events on the capture, so
// attachments carry who and when and merge across installations like tags do. An item's status is
// derived: open until evidence answers it (every sample, when it has samples), then "evidence
// attached", and "submitted" once someone records handing it to the auditor.
import { monotonicFactory, ulid } from 'ulid';
import { applyAnnotationEvents, emptyAnnotation } from '../annotations';
import { isCriterionId } from '../controls/catalog';
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import { makeReadinessEvent, readReadiness, type RequestSubmission } from '../readiness/events';
import type { AnnotationEvent, AnnotationState, Capturer, Period, RequestRecord, RequestSample, RequestStatus } from '../schema';
import { localDate } from '../time';
import type { ParsedRequest } from './csv';

const nextId = monotonicFactory();

export interface RequestAttachment {
  captureId: string;
  sampleId: string | null;
  at: string;
  by: string;
}

export interface RequestSampleView extends RequestSample {
  captureIds: string[];
}

export interface RequestView extends Omit<RequestRecord, 'samples'> {
  status: RequestStatus;
  /** Every capture attached to the request or to one of its samples, oldest attachment first. */
  captureIds: string[];
  attachments: RequestAttachment[];
  samples: RequestSampleView[];
  fulfilledSamples: number;
  /** Past its due date (in the period's zone) and not submitted. */
  overdue: boolean;
  /** The latest submission change, if any. */
  submission: RequestSubmission | null;
  /** Captures were attached or detached after it was submitted. */
  changedSinceSubmission: boolean;
}

const who = (c: Capturer) => `${c.name} <${c.email}>`;

export function deriveStatus(samples: readonly RequestSampleView[], attachments: readonly RequestAttachment[], submission: RequestSubmission | null): RequestStatus {
  if (submission?.status === 'submitted') return 'submitted';
  const answered = samples.length > 0 ? samples.every((s) => s.captureIds.length > 0) : attachments.length > 0;
  return answered ? 'evidence-attached' : 'open';
}

async function attachmentsOf(db: ExhibitDB, requestIds: readonly string[]): Promise<Map<string, RequestAttachment[]>> {
  // One indexed read per request, all in flight together.
  const states = await Promise.all(requestIds.map((id) => db.annotationState.where('requestIds').equals(id).toArray()));
  const out = new Map<string, RequestAttachment[]>();
  requestIds.forEach((id, i) => {
    const list: RequestAttachment[] = [];
    for (const state of states[i]!) for (const link of state.requests ?? []) if (link.requestId === id) list.push({ captureId: state.captureId, sampleId: link.sampleId, at: link.at, by: link.by });
    list.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.captureId.localeCompare(b.captureId)));
    out.set(id, list);
  });
  return out;
}

export async function requestViews(db: ExhibitDB, records: readonly RequestRecord[], now = new Date()): Promise<RequestView[]> {
  if (records.length === 0) return [];
  const [attachments, readiness, periods] = await Promise.all([
    attachmentsOf(db, records.map((r) => r.id)),
    readReadiness(db),
    db.periods.bulkGet([...new Set(records.map((r) => r.periodId))]),
  ]);
  const zoneOf = new Map(periods.filter((p): p is Period => !!p).map((p) => [p.id, p.timeZone]));
  return records.map((record) => {
    const list = attachments.get(record.id) ?? [];
    const samples = record.samples.map((s) => ({ ...s, captureIds: [...new Set(list.filter((a) => a.sampleId === s.id).map((a) => a.captureId))] }));
    const submission = readiness.submissions.get(record.id) ?? null;
    const status = deriveStatus(samples, list, submission);
    const today = localDate(now, zoneOf.get(record.periodId) ?? 'UTC');
    return {
      ...record,
      status,
      captureIds: [...new Set(list.map((a) => a.captureId))],
      attachments: list,
      samples,
      fulfilledSamples: samples.filter((s) => s.captureIds.length > 0).length,
      overdue: status !== 'submitted' && record.dueDate !== null && record.dueDate < today,
      submission,
      changedSinceSubmission: submission?.status === 'submitted' && list.some((a) => a.at > submission.at),
    };
  });
}

export async function listRequests(db: ExhibitDB, periodId: string, now = new Date()): Promise<RequestView[]> {
  if (!(await db.periods.get(periodId))) throw new ExhibitError('not-found', 'That audit period does not exist.');
  const records = await db.requests.where('periodId').equals(periodId).toArray();
  records.sort((a, b) => a.position - b.position || a.ref.localeCompare(b.ref));
  return requestViews(db, records, now);
}

async function requireRequest(db: ExhibitDB, id: string): Promise<RequestRecord> {
  const record = await db.requests.get(id);
  if (!record) throw new ExhibitError('not-found', 'No request with that id.');
  return record;
}

export async function getRequest(db: ExhibitDB, id: string, now = new Date()): Promise<RequestView> {
  return (await requestViews(db, [await requireRequest(db, id)], now))[0]!;
}

export interface ImportResult {
  created: number;
  updated: number;
  /** Items of the period's list that the file no longer names: kept, never deleted silently. */
  notInFile: string[];
  requests: { id: string; ref: string }[];
}

/** Adds the file's items to the period's list; items whose id is already there (ignoring case) are updated and keep their samples and attachments. */
export async function importRequests(db: ExhibitDB, periodId: string, parsed: readonly ParsedRequest[], by: Capturer, fileName: string, now = new Date()): Promise<ImportResult> {
  if (!(await db.periods.get(periodId))) throw new ExhibitError('not-found', 'That audit period does not exist.');
  const at = now.toISOString();
  return db.transaction('rw', db.requests, async () => {
    const existing = await db.requests.where('periodId').equals(periodId).toArray();
    const byRef = new Map(existing.map((r) => [r.ref.toLowerCase(), r]));
    const records: RequestRecord[] = [];
    let created = 0;
    parsed.forEach((p, position) => {
      const old = byRef.get(p.ref.toLowerCase());
      if (!old) created++;
      records.push({
        id: old?.id ?? ulid(now.getTime()),
        periodId,
        ref: p.ref,
        text: p.text,
        controlIds: p.controlIds,
        dueDate: p.dueDate,
        owner: p.owner,
        samples: old?.samples ?? [],
        position,
        importedAt: at,
        importedBy: who(by),
        source: { fileName, row: p.row },
      });
    });
    const inFile = new Set(parsed.map((p) => p.ref.toLowerCase()));
    // Items only in the old list keep their place after the file's items.
    const leftOver = existing.filter((r) => !inFile.has(r.ref.toLowerCase())).sort((a, b) => a.position - b.position);
    leftOver.forEach((r, i) => records.push({ ...r, position: parsed.length + i }));
    await db.requests.bulkPut(records);
    return {
      created,
      updated: parsed.length - created,
      notInFile: leftOver.map((r) => r.ref),
      requests: records.slice(0, parsed.length).map((r) => ({ id: r.id, ref: r.ref })),
    };
  });
}

export interface AttachOptions {
  requestId: string;
  captureId: string;
  sampleId?: string;
  /** Also tag the capture with the request's related controls (default true): evidence answering a request about CC6.2 is evidence for CC6.2. */
  tagControls?: boolean;
}

async function knownControls(db: ExhibitDB, ids: readonly string[]): Promise<string[]> {
  const team = new Set((await db.controls.bulkGet([...ids])).filter(Boolean).map((c) => c!.id));
  return ids.filter((id) => team.has(id) || isCriterionId(id));
}

export async function attachCapture(db: ExhibitDB, options: AttachOptions, by: Capturer, installationId: string, now = new Date()): Promise<AnnotationState> {
  return changeLink(db, options, 'requests.add', by, installationId, now);
}

export async function detachCapture(db: ExhibitDB, options: AttachOptions, by: Capturer, installationId: string, now = new Date()): Promise<AnnotationState> {
  return changeLink(db, { ...options, tagControls: false }, 'requests.remove', by, installationId, now);
}

async function changeLink(db: ExhibitDB, options: AttachOptions, op: 'requests.add' | 'requests.remove', by: Capturer, installationId: string, now: Date): Promise<AnnotationState> {
  return db.transaction('rw', [db.requests, db.controls, db.captures, db.annotations, db.annotationState, db.tags], async () => {
    const request = await requireRequest(db, options.requestId);
    if (!(await db.captures.get(options.captureId))) throw new ExhibitError('not-found', 'No capture with that id.');
    const sampleId = options.sampleId ?? null;
    if (sampleId && !request.samples.some((s) => s.id === sampleId)) throw new ExhibitError('not-found', `Request ${request.ref} has no sample ${sampleId}.`);
    const current = (await db.annotationState.get(options.captureId)) ?? emptyAnnotation(options.captureId);
    const linked = (current.requests ?? []).some((l) => l.requestId === request.id && l.sampleId === sampleId);
    const base = { captureId: options.captureId, at: now.toISOString(), by: { name: by.name, email: by.email }, installationId };
    const events: AnnotationEvent[] = [];
    if (op === 'requests.add' ? !linked : linked) events.push({ ...base, id: nextId(now.getTime()), op, requests: [{ requestId: request.id, sampleId }] });
    if (op === 'requests.add' && options.tagControls !== false) {
      const missing = (await knownControls(db, request.controlIds)).filter((id) => !current.controlIds.includes(id));
      if (missing.length) events.push({ ...base, id: nextId(now.getTime()), op: 'controls.add', controlIds: missing.sort() });
    }
    const states = await applyAnnotationEvents(db, events);
    return states.get(options.captureId) ?? current;
  });
}

export async function setRequestStatus(db: ExhibitDB, requestId: string, status: 'submitted' | 'open', note: string, by: Capturer, installationId: string, now = new Date()): Promise<RequestView> {
  await requireRequest(db, requestId);
  await db.readinessEvents.add(makeReadinessEvent({ op: 'request.status', requestId, status, note }, by, installationId, now));
  return getRequest(db, requestId, now);
}

export async function addSamples(db: ExhibitDB, requestId: string, labels: readonly string[], by: Capturer, now = new Date()): Promise<RequestView> {
  await db.transaction('rw', db.requests, async () => {
    const request = await requireRequest(db, requestId);
    const seen = new Map(request.samples.map((s) => [s.label.toLowerCase(), s.id]));
    const duplicates: string[] = [];
    const fresh = new Set<string>();
    for (const label of labels) {
      const key = label.toLowerCase();
      if (seen.has(key) || fresh.has(key)) duplicates.push(seen.has(key) ? `“${label}” (already ${seen.get(key)})` : `“${label}” (twice in the list)`);
      fresh.add(key);
    }
    if (duplicates.length) throw new ExhibitError('invalid-request', `No samples were added: ${duplicates.slice(0, 10).join(', ')}${duplicates.length > 10 ? ` and ${duplicates.length - 10} more` : ''} would be duplicates.`, { duplicates });
    let n = request.samples.reduce((max, s) => Math.max(max, Number(s.id.slice(1))), 0);
    const added = labels.map((label) => ({ id: `S${++n}`, label, addedAt: now.toISOString(), addedBy: who(by) }));
    await db.requests.update(requestId, { samples: [...request.samples, ...added] });
  });
  return getRequest(db, requestId, now);
}

export async function removeSample(db: ExhibitDB, requestId: string, sampleId: string, now = new Date()): Promise<RequestView> {
  const view = await getRequest(db, requestId, now);
  const sample = view.samples.find((s) => s.id === sampleId);
  if (!sample) throw new ExhibitError('not-found', `Request ${view.ref} has no sample ${sampleId}.`);
  if (sample.captureIds.length) throw new ExhibitError('conflict', `${sample.captureIds.length} capture${sample.captureIds.length === 1 ? ' answers' : 's answer'} sample ${sampleId}; detach ${sample.captureIds.length === 1 ? 'it' : 'them'} first.`);
  await db.requests.update(requestId, { samples: view.samples.filter((s) => s.id !== sampleId).map(({ captureIds: _c, ...s }) => s) });
  return getRequest(db, requestId, now);
}

export async function deleteRequest(db: ExhibitDB, id: string): Promise<void> {
  const view = await getRequest(db, id);
  if (view.captureIds.length) throw new ExhibitError('conflict', `${view.captureIds.length} capture${view.captureIds.length === 1 ? ' answers' : 's answer'} request ${view.ref}; detach ${view.captureIds.length === 1 ? 'it' : 'them'} first.`);
  await db.requests.delete(id);
}
