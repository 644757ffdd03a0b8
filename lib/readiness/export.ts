// What a bundle carries about readiness: coverage.csv (and the index.html coverage section with
// gaps and exceptions), exceptions, and — when the period has a request list — requests.csv and,
// per request, the captures that answer it (data/requests/<request id>/). Rows are plain values
// for the bundle's formula-safe CSV writer; the bundle decides file names and layout.
import type { ExhibitDB } from '../db';
import { ExhibitError } from '../errors';
import type { Period } from '../schema';
import { coverageForPeriod, summarizeCoverage, type CoverageReport } from '../periods/coverage';
import { listRequests, type RequestView } from '../requests/store';
import { listExceptions, type ExceptionItem } from './exceptions';

export type CsvValue = string | number | boolean | null;
export interface CsvTable {
  header: string[];
  rows: CsvValue[][];
}

export interface BundleRequest {
  id: string;
  /** The auditor's request id: the folder name under data/requests/ (made safe by the bundle). */
  ref: string;
  text: string;
  status: RequestView['status'];
  dueDate: string | null;
  owner: string;
  controlIds: string[];
  overdue: boolean;
  /** Captures answering the request as a whole. */
  captureIds: string[];
  /** Sampled items, each with the captures that answer it (a sub-folder per sample is natural). */
  samples: { id: string; label: string; captureIds: string[] }[];
  submittedAt: string | null;
  submittedBy: string | null;
}

export interface ReadinessBundleData {
  coverage: CoverageReport;
  coverageCsv: CsvTable;
  exceptions: ExceptionItem[];
  exceptionsCsv: CsvTable;
  /** Empty when the period has no request list: then leave out data/requests/ and requests.csv. */
  requests: BundleRequest[];
  requestsCsv: CsvTable | null;
}

export function coverageCsv(report: CoverageReport): CsvTable {
  const header = [
    'control_id', 'control_title', 'owner', 'cadence', 'criteria', 'sub_period', 'sub_period_label', 'first_day', 'last_day', 'time_zone',
    'captures', 'state', 'gap', 'exception', 'exception_remediation', 'exception_recorded_by', 'exception_recorded_at',
    'not_applicable_reason', 'not_applicable_recorded_by', 'flagged_capture_ids', 'last_evidence_at',
  ];
  const rows: CsvValue[][] = [];
  for (const row of report.rows) {
    for (const c of row.cells) {
      rows.push([
        row.controlId, row.title, row.owner, row.cadence, row.criteria.join(' '), c.key, c.label, c.start, c.end, report.period.timeZone,
        c.count, c.state, c.gap, c.exception?.description ?? '', c.exception?.remediation ?? '', c.exception?.by ?? '', c.exception?.at ?? '',
        c.notApplicable?.reason ?? '', c.notApplicable?.by ?? '', (c.flaggedCaptureIds ?? []).join(' '), row.lastEvidenceAt ?? '',
      ]);
    }
  }
  return { header, rows };
}

export function exceptionsCsv(items: readonly ExceptionItem[]): CsvTable {
  return {
    header: ['kind', 'control_id', 'sub_period', 'capture_id', 'captured_at', 'title', 'description', 'remediation', 'recorded_by', 'recorded_at'],
    rows: items.map((e) =>
      e.kind === 'capture'
        ? ['capture', e.controlIds.join(' '), '', e.captureId, e.capturedAt, e.title, e.description, e.remediation, e.by, e.at]
        : ['control-period', e.controlId, e.subPeriod, '', '', e.title, e.description, e.remediation, e.by, e.at],
    ),
  };
}

export function requestsCsv(requests: readonly BundleRequest[]): CsvTable {
  return {
    header: ['request_id', 'description', 'related_controls', 'due_date', 'owner', 'status', 'overdue', 'captures', 'capture_ids', 'samples', 'samples_answered', 'submitted_at', 'submitted_by'],
    rows: requests.map((r) => {
      const all = [...new Set([...r.captureIds, ...r.samples.flatMap((s) => s.captureIds)])];
      return [
        r.ref, r.text, r.controlIds.join(' '), r.dueDate ?? '', r.owner, r.status, r.overdue, all.length, all.join(' '),
        r.samples.length, r.samples.filter((s) => s.captureIds.length > 0).length, r.submittedAt ?? '', r.submittedBy ?? '',
      ];
    }),
  };
}

function toBundleRequest(view: RequestView): BundleRequest {
  const submitted = view.submission?.status === 'submitted' ? view.submission : null;
  return {
    id: view.id,
    ref: view.ref,
    text: view.text,
    status: view.status,
    dueDate: view.dueDate,
    owner: view.owner,
    controlIds: view.controlIds,
    overdue: view.overdue,
    captureIds: [...new Set(view.attachments.filter((a) => a.sampleId === null).map((a) => a.captureId))],
    samples: view.samples.map((s) => ({ id: s.id, label: s.label, captureIds: s.captureIds })),
    submittedAt: submitted?.at ?? null,
    submittedBy: submitted?.by ?? null,
  };
}

export interface ReadinessScope {
  now?: Date;
  /** Coverage rows for these controls only (built-in criteria included whether or not they have evidence). */
  controlIds?: ReadonlySet<string>;
  /** Whether to read the period's request list (an ad-hoc date range has none). Default true. */
  withRequests?: boolean;
}

export async function readinessForBundle(db: ExhibitDB, periodId: string, now = new Date()): Promise<ReadinessBundleData> {
  const period = await db.periods.get(periodId);
  if (!period) throw new ExhibitError('not-found', 'That audit period does not exist.');
  return readinessForPeriod(db, period, { now });
}

/**
 * The same report the dashboard shows, for a stored period or for a transient one standing for an
 * ad-hoc date range. A control filter keeps only those controls' rows (and totals); exceptions are never
 * filtered out (an exception is shown with the evidence, whatever was selected).
 */
export async function readinessForPeriod(db: ExhibitDB, period: Period, scope: ReadinessScope = {}): Promise<ReadinessBundleData> {
  const now = scope.now ?? new Date();
  const filter = scope.controlIds;
  const [full, exceptions, views] = await Promise.all([
    coverageForPeriod(db, period, { now, criteria: filter ? 'all' : 'tagged' }),
    listExceptions(db, period),
    scope.withRequests === false ? Promise.resolve([]) : listRequests(db, period.id, now),
  ]);
  // A filtered report's totals describe its rows, not the whole period.
  const rows = filter ? full.rows.filter((r) => filter.has(r.controlId)) : null;
  const coverage = rows ? { ...full, rows, summary: summarizeCoverage(rows) } : full;
  const requests = views.map(toBundleRequest);
  return {
    coverage,
    coverageCsv: coverageCsv(coverage),
    exceptions,
    exceptionsCsv: exceptionsCsv(exceptions),
    requests,
    requestsCsv: requests.length ? requestsCsv(requests) : null,
  };
}

/** A period object for an ad-hoc export range: same cadence rules, same zone, never stored. */
export function transientPeriod(range: { name: string; start: string; end: string; timeZone: string }, now = new Date()): Period {
  return { id: '00000000000000000000000000', name: range.name, kind: range.start === range.end ? 'type1' : 'type2', start: range.start, end: range.end, timeZone: range.timeZone, createdAt: now.toISOString(), createdBy: '' };
}
