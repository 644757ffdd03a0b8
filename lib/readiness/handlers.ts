// Messages of audit readiness (docs/messages.md, "Audit readiness"): coverage, due items,
// exceptions, the auditor's request list and the starter control library.
import { isCriterionId } from '../controls/catalog';
import { controlsFromTemplate } from '../controls/templates';
import { ExhibitError } from '../errors';
import type { HandlerGroup } from '../handlers';
import { getInstallation } from '../installation';
import { coverageByPeriod } from '../periods/coverage';
import { parseRequestFile, previewRequestFile } from '../requests/csv';
import { addSamples, attachCapture, deleteRequest, detachCapture, getRequest, importRequests, listRequests, removeSample, setRequestStatus } from '../requests/store';
import type { Capturer } from '../schema';
import { readSettings } from '../settings';
import { localDate, localTimeZone } from '../time';
import { listDue } from './due';
import { makeReadinessEvent, markKey, readReadiness } from './events';
import { listExceptions, requireControlPeriod, setCaptureException, setControlPeriodException } from './exceptions';

async function requireCapturer(): Promise<Capturer> {
  const { capturer } = await readSettings();
  if (!capturer) throw new ExhibitError('capturer-missing', 'Set who you are (name and email) in Exhibit’s dashboard first: every change to evidence is recorded with who made it.');
  return capturer;
}

export const readinessHandlers = {
  async coverage(req, { db }) {
    return coverageByPeriod(db, req.periodId, { criteria: req.criteria });
  },

  async 'due.list'(req, { db }) {
    let owner = req.owner;
    if (owner?.toLowerCase() === 'me') owner = (await requireCapturer()).email;
    return listDue(db, { periodId: req.periodId, owner, includeSnoozed: req.includeSnoozed });
  },

  async 'due.snooze'(req, { db }) {
    const by = await requireCapturer();
    await requireControlPeriod(db, req.controlId, req.subPeriod);
    const today = localDate(new Date(), localTimeZone());
    if (req.until <= today) throw new ExhibitError('invalid-request', `Snooze until a day after today (${today}).`);
    const { installationId } = await getInstallation(db);
    await db.readinessEvents.add(makeReadinessEvent({ op: 'due.snooze', controlId: req.controlId, subPeriod: req.subPeriod, until: req.until, reason: req.reason }, by, installationId));
    return (await readReadiness(db)).marks.get(markKey(req.controlId, req.subPeriod)) ?? {};
  },

  async 'due.notApplicable'(req, { db }) {
    const by = await requireCapturer();
    await requireControlPeriod(db, req.controlId, req.subPeriod);
    const { installationId } = await getInstallation(db);
    await db.readinessEvents.add(makeReadinessEvent({ op: 'due.notApplicable', controlId: req.controlId, subPeriod: req.subPeriod, reason: req.reason }, by, installationId));
    return (await readReadiness(db)).marks.get(markKey(req.controlId, req.subPeriod)) ?? {};
  },

  async 'due.reopen'(req, { db }) {
    const by = await requireCapturer();
    await requireControlPeriod(db, req.controlId, req.subPeriod);
    const marks = (await readReadiness(db)).marks.get(markKey(req.controlId, req.subPeriod));
    if (!marks?.snooze && !marks?.notApplicable) return marks ?? {};
    const { installationId } = await getInstallation(db);
    await db.readinessEvents.add(makeReadinessEvent({ op: 'due.reopen', controlId: req.controlId, subPeriod: req.subPeriod }, by, installationId));
    return (await readReadiness(db)).marks.get(markKey(req.controlId, req.subPeriod)) ?? {};
  },

  async 'exceptions.list'(req, { db }) {
    let period;
    if (req.periodId) {
      period = await db.periods.get(req.periodId);
      if (!period) throw new ExhibitError('not-found', 'That audit period does not exist.');
    }
    return { items: await listExceptions(db, period) };
  },

  async 'exceptions.set'(req, { db }) {
    const by = await requireCapturer();
    const { installationId } = await getInstallation(db);
    if (req.captureId) return { annotation: await setCaptureException(db, req.captureId, req.exception, by, installationId) };
    return { marks: await setControlPeriodException(db, req.controlId!, req.subPeriod!, req.exception, by, installationId) };
  },

  async 'requests.preview'(req) {
    return previewRequestFile(req.text, { delimiter: req.delimiter, headerRow: req.headerRow, mapping: req.mapping });
  },

  async 'requests.import'(req, { db }) {
    const by = await requireCapturer();
    if (!(await db.periods.get(req.periodId))) throw new ExhibitError('not-found', 'That audit period does not exist.');
    const team = await db.controls.toArray();
    const exact = new Set(team.map((c) => c.id));
    const folded = new Map(team.map((c) => [c.id.toLowerCase(), c.id]));
    const resolveControl = (raw: string) => {
      if (exact.has(raw) || isCriterionId(raw)) return raw;
      if (isCriterionId(raw.toUpperCase())) return raw.toUpperCase();
      return folded.get(raw.toLowerCase()) ?? null;
    };
    const parsed = parseRequestFile(req.text, { delimiter: req.delimiter, headerRow: req.headerRow, mapping: req.mapping, dateFormat: req.dateFormat, resolveControl });
    return importRequests(db, req.periodId, parsed, by, req.fileName);
  },

  async 'requests.list'(req, { db }) {
    return listRequests(db, req.periodId);
  },

  async 'requests.get'(req, { db }) {
    return getRequest(db, req.id);
  },

  async 'requests.attach'(req, { db }) {
    const by = await requireCapturer();
    const { installationId } = await getInstallation(db);
    const annotation = await attachCapture(db, { requestId: req.requestId, captureId: req.captureId, sampleId: req.sampleId }, by, installationId);
    return { annotation, request: await getRequest(db, req.requestId) };
  },

  async 'requests.detach'(req, { db }) {
    const by = await requireCapturer();
    const { installationId } = await getInstallation(db);
    const annotation = await detachCapture(db, { requestId: req.requestId, captureId: req.captureId, sampleId: req.sampleId }, by, installationId);
    return { annotation, request: await getRequest(db, req.requestId) };
  },

  async 'requests.setStatus'(req, { db }) {
    const by = await requireCapturer();
    const { installationId } = await getInstallation(db);
    return setRequestStatus(db, req.requestId, req.status, req.note, by, installationId);
  },

  async 'requests.addSamples'(req, { db }) {
    return addSamples(db, req.requestId, req.samples, await requireCapturer());
  },

  async 'requests.removeSample'(req, { db }) {
    await requireCapturer();
    return removeSample(db, req.requestId, req.sampleId);
  },

  async 'requests.delete'(req, { db }) {
    await requireCapturer();
    await deleteRequest(db, req.id);
    return { deleted: req.id };
  },

  async 'controls.template'(req, { db }) {
    const controls = controlsFromTemplate(req.ids, req.owners);
    return db.transaction('rw', db.controls, async () => {
      const existing = new Set((await db.controls.bulkGet(controls.map((c) => c.id))).filter(Boolean).map((c) => c!.id));
      const toWrite = req.replace ? controls : controls.filter((c) => !existing.has(c.id));
      await db.controls.bulkPut(toWrite);
      return {
        created: toWrite.filter((c) => !existing.has(c.id)).map((c) => c.id),
        replaced: toWrite.filter((c) => existing.has(c.id)).map((c) => c.id),
        skipped: req.replace ? [] : controls.filter((c) => existing.has(c.id)).map((c) => c.id),
      };
    });
  },
} satisfies HandlerGroup;
