// The auditor's request list (PBC) of an audit period: import it from CSV (the person maps the
// columns on a preview and settles ambiguous dates), then answer each item with captures — or,
// for sampled items, one capture per sample — and record when it was handed over.
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { SafeText } from '@/components/SafeText';
import { ImportProblems } from '@/components/ImportProblems';
import { SelectField } from '@/components/SelectField';
import { formatBytes, formatCount, formatShort } from '@/components/format';
import { AlertIcon, CheckIcon, SearchIcon, UploadIcon } from '@/components/icons';
import { getDb } from '@/lib/db';
import { ExhibitError } from '@/lib/errors';
import type { ResponseOf } from '@/lib/handlers';
import { listCaptures, summariesOf } from '@/lib/library';
import { send } from '@/lib/messages';
import { currentPeriod } from '@/lib/periods/subperiods';
import { ownerMatches } from '@/lib/readiness/due';
import { requestsCsv, type BundleRequest } from '@/lib/readiness/export';
import { MAX_REQUEST_FILE_BYTES, type Delimiter } from '@/lib/requests/csv';
import { listRequests, type RequestView } from '@/lib/requests/store';
import type { DateFormat, Period, RequestColumnMapping, RequestStatus } from '@/lib/schema';
import { usePeriods } from '../data';
import { hrefTo, type RouteProps } from '../router';
import { useSettings } from '../settings';
import { downloadCsv, PeriodSelect } from './ReadinessPage';
import './RequestsPage.css';
import { ErrorNotice } from '@/components/ErrorNotice';

export const RequestsIcon = () => (
  <svg className="icon" width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
    <path d="M9 4h6a1 1 0 0 1 1 1v1H8V5a1 1 0 0 1 1-1z" />
    <path d="M8 6H6a1 1 0 0 0-1 1v13a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1V7a1 1 0 0 0-1-1h-2" />
    <path d="M9 12l2 2 4-4M9 17h6" />
  </svg>
);

const STATUS_TEXT: Record<RequestStatus, string> = { open: 'Open', 'evidence-attached': 'Evidence attached', submitted: 'Submitted' };
const STATUS_BADGE: Record<RequestStatus, string> = { open: 'badge-neutral', 'evidence-attached': 'badge-ok', submitted: 'badge-submitted' };
const REQUEST_STATUS_OPTIONS = [...(Object.keys(STATUS_TEXT) as RequestStatus[]).map((value) => ({ value, label: STATUS_TEXT[value] })), { value: 'overdue', label: 'Overdue' }];

export function RequestsPage({ query }: RouteProps) {
  const periods = usePeriods();
  const wanted = query.get('period');
  const period = useMemo(() => (periods?.length ? (periods.find((p) => p.id === wanted) ?? currentPeriod(periods, new Date()) ?? periods[0]) : undefined), [periods, wanted]);
  const requests = useLiveQuery(async () => (period ? listRequests(getDb(), period.id) : undefined), [period?.id]);

  return (
    <section className="page requests" aria-labelledby="requests-title">
      <header className="page-head">
        <div>
          <h1 id="requests-title">Auditor requests</h1>
          <p className="page-sub">The auditor’s request list (PBC) for the period: import it, answer each item with captures, and record what you have handed over.</p>
        </div>
        {periods && period && (
          <div className="page-actions">
            <PeriodSelect periods={periods} period={period} path="/requests" />
          </div>
        )}
      </header>
      {periods && periods.length === 0 && (
        <div className="card-panel">
          <div className="empty empty-compact">
            <h2>No audit period yet</h2>
            <p>A request list belongs to one audit. Create its period first.</p>
            <a className="button button-primary" href={hrefTo('/periods')}>
              Create an audit period
            </a>
          </div>
        </div>
      )}
      {period && requests && (
        <>
          <ImportPanel period={period} open={requests.length === 0} />
          <RequestList period={period} requests={requests} query={query} />
        </>
      )}
    </section>
  );
}

// -------------------------------------------------------------------------------------------
// Import

type Preview = ResponseOf<'requests.preview'>;
const FIELDS: { key: keyof RequestColumnMapping; label: string; required: boolean }[] = [
  { key: 'id', label: 'Request id', required: true },
  { key: 'description', label: 'Description', required: true },
  { key: 'controls', label: 'Related controls', required: false },
  { key: 'dueDate', label: 'Due date', required: false },
  { key: 'owner', label: 'Owner', required: false },
];
const DELIMITER_NAMES: Record<Delimiter, string> = { ',': 'Comma', ';': 'Semicolon', '\t': 'Tab', '|': 'Vertical bar' };

interface RowProblem {
  row: number;
  field?: string;
  message: string;
}

/** UTF-8 if the bytes are UTF-8; otherwise Windows-1252, which older Excel writes as "CSV". */
function decode(bytes: ArrayBuffer): { text: string; encoding: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'Windows-1252' };
  }
}

function ImportPanel({ period, open }: { period: Period; open: boolean }) {
  const [file, setFile] = useState<{ name: string; size: number; text: string; encoding: string } | null>(null);
  const [delimiter, setDelimiter] = useState<Delimiter | undefined>();
  const [headerRow, setHeaderRow] = useState<number | undefined>();
  const [mapping, setMapping] = useState<Partial<Record<keyof RequestColumnMapping, number | null>>>({});
  const [dateFormat, setDateFormat] = useState<DateFormat | undefined>();
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<{ message: string; rows: RowProblem[] } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Open at first when nothing is imported yet; afterwards it stays as the person leaves it, so the
  // result of an import stays in view when the list fills.
  const [expanded, setExpanded] = useState(open);

  useEffect(() => {
    if (!file) return;
    let cancelled = false;
    const chosen = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined && v !== null));
    send({ type: 'requests.preview', text: file.text, delimiter, headerRow, mapping: chosen }).then(
      (p) => {
        if (cancelled) return;
        setPreview(p);
        setError(null);
      },
      (err: ExhibitError) => {
        if (cancelled) return;
        setPreview(null);
        setError({ message: err.message, rows: (err.details as { rows?: RowProblem[] } | undefined)?.rows ?? [] });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [file, delimiter, headerRow, mapping]);

  async function choose(f: File | undefined) {
    setDone(null);
    setError(null);
    setPreview(null);
    setMapping({});
    setDelimiter(undefined);
    setHeaderRow(undefined);
    setDateFormat(undefined);
    setFile(null);
    if (!f) return;
    if (f.size > MAX_REQUEST_FILE_BYTES) {
      setError({ message: `“${f.name}” is ${formatBytes(f.size)}; request lists are limited to ${MAX_REQUEST_FILE_BYTES / 1024 / 1024} MB. Nothing was read.`, rows: [] });
      return;
    }
    const { text, encoding } = decode(await f.arrayBuffer());
    setFile({ name: f.name, size: f.size, text, encoding });
  }

  const effective = { ...preview?.mapping, ...Object.fromEntries(Object.entries(mapping).filter(([, v]) => v !== undefined)) } as Partial<Record<keyof RequestColumnMapping, number | null>>;
  const complete = effective.id !== undefined && effective.id !== null && effective.description !== undefined && effective.description !== null;
  const needsDates = preview?.dates.ambiguous && preview.dates.format === null && !preview.dates.conflict;

  async function runImport(e: FormEvent) {
    e.preventDefault();
    if (!file || !preview || !complete) return;
    setBusy(true);
    setError(null);
    try {
      const result = await send({
        type: 'requests.import',
        periodId: period.id,
        text: file.text,
        fileName: file.name,
        delimiter: preview.delimiter,
        headerRow: preview.headerRow,
        mapping: { id: effective.id!, description: effective.description!, controls: effective.controls ?? null, dueDate: effective.dueDate ?? null, owner: effective.owner ?? null },
        dateFormat,
      });
      setDone(
        `Imported ${formatCount(result.created + result.updated, 'request')} from “${file.name}”: ${result.created} new, ${result.updated} updated.${result.notInFile.length ? ` Kept ${result.notInFile.length} earlier item(s) the file no longer lists: ${result.notInFile.join(', ')}.` : ''}`,
      );
      setFile(null);
      setPreview(null);
    } catch (err) {
      const x = err as ExhibitError;
      setError({ message: x.message, rows: (x.details as { rows?: RowProblem[] } | undefined)?.rows ?? [] });
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card-panel import-panel" open={expanded || !!file} onToggle={(e) => setExpanded(e.currentTarget.open)}>
      <summary className="panel-title">Import the request list</summary>
      <p className="panel-sub">
        CSV, or an Excel or Google Sheets list saved as CSV. You choose which column holds what; dates that could be read two ways are asked about, never guessed. If any row has a
        problem, nothing is imported. Items already imported (same id) are updated and keep their evidence.
      </p>
      <label className="request-drop">
        <UploadIcon />
        <span>{file ? `${file.name} · ${formatBytes(file.size)} · read as ${file.encoding}` : 'Choose a CSV file'}</span>
        <input type="file" accept=".csv,.tsv,.txt,text/csv,text/plain" aria-label="Request list file" onChange={(e) => void choose(e.target.files?.[0])} />
      </label>
      {file?.encoding === 'Windows-1252' && (
        <div className="notice notice-warn">
          <AlertIcon />
          <p>The file is not UTF-8, so it was read as Windows-1252 (older Excel “CSV”). Check accented letters in the preview.</p>
        </div>
      )}
      {preview && file && (
        <form className="import-form" onSubmit={runImport} aria-label="Map the columns">
          <div className="form-grid import-options">
            <SelectField
              id="import-delimiter"
              label="Delimiter"
              value={preview.delimiter}
              onChange={(d) => setDelimiter(d as Delimiter)}
              options={(Object.keys(DELIMITER_NAMES) as Delimiter[]).map((d) => ({ value: d, label: DELIMITER_NAMES[d] }))}
            />
            <div className="field">
              <label className="field-label" htmlFor="import-header">
                Header on row
              </label>
              <input id="import-header" className="input" type="number" min={1} max={51} value={preview.headerRow + 1} onChange={(e) => setHeaderRow(Math.max(0, Number(e.target.value) - 1))} />
            </div>
            <div className="field">
              <span className="field-label">Rows</span>
              <span className="import-count">{formatCount(preview.rowCount, 'request')}</span>
            </div>
          </div>
          <div className="form-grid import-mapping">
            {FIELDS.map((f) => (
              <div className="field" key={f.key}>
                <label className="field-label" htmlFor={`map-${f.key}`}>
                  {f.label} {!f.required && <span className="optional">(optional)</span>}
                </label>
                <select
                  id={`map-${f.key}`}
                  className="select"
                  value={effective[f.key] ?? ''}
                  onChange={(e) => setMapping({ ...mapping, [f.key]: e.target.value === '' ? null : Number(e.target.value) })}
                  aria-invalid={f.required && (effective[f.key] === undefined || effective[f.key] === null)}
                >
                  <option value="">{f.required ? 'Choose a column' : 'Not in the file'}</option>
                  {preview.columns.map((c) => (
                    <option key={c.index} value={c.index}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
          {preview.dates.column !== null && (needsDates || preview.dates.conflict || preview.dates.format === 'us' || preview.dates.format === 'eu') && (
            <fieldset className="date-question">
              <legend className="field-label">How are due dates like {preview.dates.examples[0]?.value ?? preview.dates.evidence?.value ?? '03/04/2026'} written?</legend>
              {preview.dates.conflict ? (
                <p className="field-error">The due date column mixes US and European dates; rows that do not fit the choice will be reported.</p>
              ) : needsDates ? (
                <p className="field-hint">
                  No date in the file settles it: {preview.dates.examples[0]?.value} is {preview.dates.examples[0]?.us} read as US and {preview.dates.examples[0]?.eu} read as European.
                </p>
              ) : (
                <p className="field-hint">
                  Row {preview.dates.evidence?.row}: {preview.dates.evidence?.value} can only be {preview.dates.format === 'us' ? 'month/day (US)' : 'day/month (European)'}.
                </p>
              )}
              <div className="segmented">
                {(
                  [
                    ['us', 'Month/day/year (US)'],
                    ['eu', 'Day/month/year (European)'],
                  ] as const
                ).map(([value, label]) => (
                  <label key={value} className={(dateFormat ?? preview.dates.format) === value ? 'is-checked' : undefined}>
                    <input type="radio" name="date-format" value={value} checked={(dateFormat ?? preview.dates.format) === value} onChange={() => setDateFormat(value)} />
                    {label}
                  </label>
                ))}
              </div>
            </fieldset>
          )}
          {preview.warnings.map((w) => (
            <div className="notice notice-warn" key={w}>
              <AlertIcon />
              <p>{w}</p>
            </div>
          ))}
          <div className="import-preview">
            <table className="table" aria-label="Preview of the first rows">
              <thead>
                <tr>
                  <th scope="col">Row</th>
                  {preview.columns.map((c) => {
                    const field = FIELDS.find((f) => effective[f.key] === c.index);
                    return (
                      <th key={c.index} scope="col" className={field ? 'is-mapped' : undefined}>
                        {c.name}
                        {field && <span className="mapped-as">→ {field.label}</span>}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {preview.sample.map((r) => (
                  <tr key={r.row}>
                    <td className="muted">{r.row}</td>
                    {preview.columns.map((c) => (
                      <td key={c.index} className={FIELDS.some((f) => effective[f.key] === c.index) ? 'is-mapped' : undefined}>
                        <SafeText value={r.cells[c.index] ?? ''} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={busy || !complete || (needsDates && !dateFormat)}>
              Import {formatCount(preview.rowCount, 'request')}
            </button>
            <button type="button" className="button button-ghost" onClick={() => void choose(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error && <ImportErrors error={error} />}
      {done && (
        <div className="notice notice-ok" role="status">
          <CheckIcon size={16} />
          <p>{done}</p>
        </div>
      )}
    </details>
  );
}

function ImportErrors({ error }: { error: { message: string; rows: RowProblem[] } }) {
  return (
    <div className="notice notice-error import-errors" role="alert">
      <AlertIcon />
      <div className="notice-body">
        <p className="notice-title">{error.message}</p>
        <ImportProblems rows={error.rows} />
      </div>
    </div>
  );
}

// -------------------------------------------------------------------------------------------
// The list

function toBundleRow(r: RequestView): BundleRequest {
  const submitted = r.submission?.status === 'submitted' ? r.submission : null;
  return {
    id: r.id,
    ref: r.ref,
    text: r.text,
    status: r.status,
    dueDate: r.dueDate,
    owner: r.owner,
    controlIds: r.controlIds,
    overdue: r.overdue,
    captureIds: [...new Set(r.attachments.filter((a) => a.sampleId === null).map((a) => a.captureId))],
    samples: r.samples.map((s) => ({ id: s.id, label: s.label, captureIds: s.captureIds })),
    submittedAt: submitted?.at ?? null,
    submittedBy: submitted?.by ?? null,
  };
}

function RequestList({ period, requests, query }: { period: Period; requests: RequestView[]; query: URLSearchParams }) {
  const { settings } = useSettings();
  const me = settings?.capturer?.email;
  const [status, setStatus] = useState<RequestStatus | 'overdue' | ''>('');
  const [text, setText] = useState('');
  const [mine, setMine] = useState(false);
  const [openId, setOpenId] = useState<string | null>(query.get('request'));
  const shown = requests.filter(
    (r) =>
      (!status || (status === 'overdue' ? r.overdue : r.status === status)) &&
      (!mine || (me && ownerMatches(r.owner, me))) &&
      (!text.trim() || `${r.ref}\n${r.text}\n${r.owner}\n${r.controlIds.join(' ')}`.toLowerCase().includes(text.trim().toLowerCase())),
  );
  const count = (s: RequestStatus) => requests.filter((r) => r.status === s).length;
  return (
    <section className="card-panel" aria-labelledby="request-list-title">
      <div className="panel-head">
        <h2 className="panel-title" id="request-list-title">
          Requests
        </h2>
        <div className="panel-tools">
          <span className="muted" role="status">
            {count('open')} open · {count('evidence-attached')} answered · {count('submitted')} submitted · {requests.filter((r) => r.overdue).length} overdue
          </span>
          <button type="button" className="button button-small" disabled={requests.length === 0} onClick={() => downloadCsv(`requests-${period.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.csv`, requestsCsv(requests.map(toBundleRow)))}>
            Download CSV
          </button>
        </div>
      </div>
      {requests.length === 0 ? (
        <div className="empty empty-compact">
          <h3>No requests imported</h3>
          <p>Import the list your auditor sent; each item can then be answered with captures.</p>
        </div>
      ) : (
        <>
          <div className="request-filters" role="search">
            <div className="field">
              <label className="field-label" htmlFor="request-q">
                Search
              </label>
              <div className="input-with-icon">
                <SearchIcon />
                <input id="request-q" className="input" type="search" placeholder="Id, text, owner or control" value={text} onChange={(e) => setText(e.target.value)} />
              </div>
            </div>
            <SelectField id="request-status" label="Status" value={status} onChange={(st) => setStatus(st as typeof status)} anyLabel="Any status" options={REQUEST_STATUS_OPTIONS} />
            <label className="checkbox">
              <input type="checkbox" checked={mine} disabled={!me} onChange={(e) => setMine(e.target.checked)} />
              Only mine
            </label>
          </div>
          <div className="table-wrap">
            <table className="table request-table">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Request</th>
                  <th scope="col">Controls</th>
                  <th scope="col">Due</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Status</th>
                  <th scope="col">Evidence</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <RequestRow key={r.id} request={r} open={openId === r.id} onToggle={() => setOpenId(openId === r.id ? null : r.id)} period={period} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function RequestRow({ request: r, open, onToggle, period }: { request: RequestView; open: boolean; onToggle(): void; period: Period }) {
  return (
    <>
      <tr className={open ? 'is-open' : undefined} data-request={r.ref}>
        <td className="cell-id">
          <button type="button" className="request-toggle" aria-expanded={open} onClick={onToggle}>
            {r.ref}
          </button>
        </td>
        <td className="request-text">
          <SafeText value={r.text} />
        </td>
        <td>
          <div className="tag-list">
            {r.controlIds.map((id) => (
              <span key={id} className="tag">
                {id}
              </span>
            ))}
          </div>
        </td>
        <td className="cell-nowrap">
          {r.dueDate ?? <span className="muted">—</span>}
          {r.overdue && <span className="badge badge-bad overdue-badge">Overdue</span>}
        </td>
        <td>{r.owner || <span className="muted">—</span>}</td>
        <td>
          <span className={`badge ${STATUS_BADGE[r.status]}`} data-status={r.status}>
            {STATUS_TEXT[r.status]}
          </span>
          {r.changedSinceSubmission && <div className="cell-desc">Changed since submitted</div>}
        </td>
        <td className="cell-nowrap">
          {formatCount(r.captureIds.length, 'capture')}
          {r.samples.length > 0 && (
            <div className="cell-desc">
              {r.fulfilledSamples} of {formatCount(r.samples.length, 'sample')} answered
            </div>
          )}
        </td>
      </tr>
      {open && (
        <tr className="request-detail-row">
          <td colSpan={7}>
            <RequestDetail request={r} period={period} />
          </td>
        </tr>
      )}
    </>
  );
}

// -------------------------------------------------------------------------------------------
// One request: its evidence, samples and submission

function useAction(): { busy: boolean; error: string | null; run(action: () => Promise<unknown>): Promise<boolean> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return {
    busy,
    error,
    async run(action) {
      setBusy(true);
      setError(null);
      try {
        await action();
        return true;
      } catch (err) {
        setError((err as Error).message);
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}

function RequestDetail({ request: r, period }: { request: RequestView; period: Period }) {
  // Summary rows (title, URL, system, time): not the signed records with their tables and signatures.
  const captures = useLiveQuery(async () => new Map((await summariesOf(getDb(), r.captureIds)).map((c) => [c.id, c])), [r.captureIds.join(',')]);
  const action = useAction();
  const [samples, setSamples] = useState('');
  const [note, setNote] = useState('');
  const general = r.attachments.filter((a) => a.sampleId === null);

  const attachmentList = (list: typeof r.attachments) =>
    list.length === 0 ? (
      <p className="muted">No captures yet.</p>
    ) : (
      <ul className="attachment-list">
        {list.map((a) => {
          const c = captures?.get(a.captureId);
          return (
            <li key={`${a.captureId} ${a.sampleId ?? ''}`}>
              <span className="attachment-main">
                <a href={hrefTo(`/capture/${a.captureId}`)}>{c ? <SafeText value={c.title || c.url} /> : a.captureId}</a>
                <span className="muted">
                  {c ? `${c.system} · captured ${formatShort(c.capturedAt)} · ` : ''}attached by {a.by.replace(/ <.*>$/, '')}, {formatShort(a.at)}
                </span>
              </span>
              <button
                type="button"
                className="button button-ghost button-small"
                disabled={action.busy}
                onClick={() => void action.run(() => send({ type: 'requests.detach', requestId: r.id, captureId: a.captureId, ...(a.sampleId ? { sampleId: a.sampleId } : {}) }))}
              >
                Detach
              </button>
            </li>
          );
        })}
      </ul>
    );

  return (
    <div className="request-detail">
      <div className="request-detail-main">
        <p className="request-full">
          <SafeText value={r.text} />
        </p>
        <p className="muted request-source">
          From {r.source.fileName || 'the imported file'}, row {r.source.row} · imported {formatShort(r.importedAt)} by {r.importedBy.replace(/ <.*>$/, '')}
        </p>
        <h3 className="detail-title">Evidence for the request</h3>
        {attachmentList(general)}
        {r.samples.length > 0 && (
          <>
            <h3 className="detail-title">Samples</h3>
            <ol className="sample-list">
              {r.samples.map((s) => (
                <li key={s.id} data-sample={s.id}>
                  <div className="sample-head">
                    <span className="sample-id">{s.id}</span>
                    <SafeText value={s.label} />
                    {s.captureIds.length > 0 ? <span className="badge badge-ok">Answered</span> : <span className="badge badge-neutral">Open</span>}
                    {s.captureIds.length === 0 && (
                      <button type="button" className="button button-ghost button-small" disabled={action.busy} onClick={() => void action.run(() => send({ type: 'requests.removeSample', requestId: r.id, sampleId: s.id }))}>
                        Remove
                      </button>
                    )}
                  </div>
                  {attachmentList(r.attachments.filter((a) => a.sampleId === s.id))}
                </li>
              ))}
            </ol>
          </>
        )}
        <form
          className="samples-form"
          onSubmit={(e) => {
            e.preventDefault();
            const list = samples.split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
            void action.run(() => send({ type: 'requests.addSamples', requestId: r.id, samples: list })).then((ok) => ok && setSamples(''));
          }}
        >
          <label className="field-label" htmlFor={`samples-${r.id}`}>
            Add the auditor’s samples, one per line
          </label>
          <textarea id={`samples-${r.id}`} className="textarea" rows={3} value={samples} onChange={(e) => setSamples(e.target.value)} placeholder={'jdoe@acme.example (hired 2026-02-03)\nCHG-1423'} />
          <div className="form-actions">
            <button type="submit" className="button button-small" disabled={action.busy || !samples.trim()}>
              Add samples
            </button>
          </div>
        </form>
      </div>
      <aside className="request-detail-side">
        <AttachPicker request={r} period={period} onAttach={(captureId, sampleId) => action.run(() => send({ type: 'requests.attach', requestId: r.id, captureId, ...(sampleId ? { sampleId } : {}) }))} busy={action.busy} />
        <div className="submit-box">
          <h3 className="detail-title">Submission</h3>
          {r.submission && (
            <p className="muted">
              {r.submission.status === 'submitted' ? 'Submitted' : 'Reopened'} by {r.submission.by.replace(/ <.*>$/, '')}, {formatShort(r.submission.at)}
              {r.submission.note ? ` — ${r.submission.note}` : ''}
            </p>
          )}
          <input className="input" aria-label="Submission note" placeholder="Note (how it was sent)" value={note} maxLength={2000} onChange={(e) => setNote(e.target.value)} />
          {r.status === 'submitted' ? (
            <button key="reopen" type="button" className="button button-small" disabled={action.busy} onClick={() => void action.run(() => send({ type: 'requests.setStatus', requestId: r.id, status: 'open', note }))}>
              Reopen
            </button>
          ) : (
            <button key="submit" type="button" className="button button-small button-primary" disabled={action.busy} onClick={() => void action.run(() => send({ type: 'requests.setStatus', requestId: r.id, status: 'submitted', note }))}>
              Mark submitted
            </button>
          )}
        </div>
      </aside>
      {action.error && (
        <div className="notice notice-error request-error" role="alert">
          <AlertIcon />
          <p>{action.error}</p>
        </div>
      )}
    </div>
  );
}

/** Captures of the period to attach, those tagged with the request's controls first. */
function AttachPicker({ request: r, period, onAttach, busy }: { request: RequestView; period: Period; onAttach(captureId: string, sampleId?: string): Promise<boolean>; busy: boolean }) {
  const [text, setText] = useState('');
  const [sampleId, setSampleId] = useState('');
  const [onlyControls, setOnlyControls] = useState(r.controlIds.length > 0);
  const result = useLiveQuery(async () => {
    const db = getDb();
    if (onlyControls && r.controlIds.length) {
      const lists = await Promise.all(r.controlIds.map((controlId) => listCaptures(db, { periodId: period.id, controlId, text: text || undefined, limit: 20, offset: 0 })));
      const seen = new Set<string>();
      return lists.flatMap((l) => l.items).filter((c) => !seen.has(c.id) && seen.add(c.id)).sort((a, b) => b.capturedAt.localeCompare(a.capturedAt)).slice(0, 20);
    }
    return (await listCaptures(db, { periodId: period.id, text: text || undefined, limit: 20, offset: 0 })).items;
  }, [period.id, text, onlyControls, r.controlIds.join(',')]);
  const attached = new Set(r.attachments.filter((a) => a.sampleId === (sampleId || null)).map((a) => a.captureId));
  return (
    <div className="attach-picker">
      <h3 className="detail-title">Attach a capture</h3>
      <div className="input-with-icon">
        <SearchIcon />
        <input className="input" type="search" aria-label="Search captures to attach" placeholder="Title, URL or note" value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="attach-options">
        {r.controlIds.length > 0 && (
          <label className="checkbox">
            <input type="checkbox" checked={onlyControls} onChange={(e) => setOnlyControls(e.target.checked)} />
            Tagged {r.controlIds.join(', ')}
          </label>
        )}
        {r.samples.length > 0 && (
          <select className="select" aria-label="Attach to" value={sampleId} onChange={(e) => setSampleId(e.target.value)}>
            <option value="">The request</option>
            {r.samples.map((s) => (
              <option key={s.id} value={s.id}>
                Sample {s.id}: {s.label.slice(0, 40)}
              </option>
            ))}
          </select>
        )}
      </div>
      {result && result.length === 0 ? (
        <p className="muted">No captures in the period match. Capture the page first (toolbar button or Alt+Shift+E).</p>
      ) : (
        <ul className="pick-list" aria-label="Captures to attach">
          {(result ?? []).map((c) => (
            <li key={c.id}>
              <span className="pick-title">
                <SafeText value={c.title || c.url} />
                <span className="muted">
                  {' '}
                  · {c.system} · {formatShort(c.capturedAt)}
                </span>
              </span>
              <button type="button" className="button button-small" disabled={busy || attached.has(c.id)} onClick={() => void onAttach(c.id, sampleId || undefined)}>
                {attached.has(c.id) ? 'Attached' : 'Attach'}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="field-hint">Attaching also tags the capture with the request’s controls, so it counts in coverage.</p>
    </div>
  );
}

// -------------------------------------------------------------------------------------------
// On a capture's page: the requests it answers, and its exception flag

/** For the capture page's side column: attach the capture to an auditor request (or a sample), and flag it as an exception. */
export function CaptureAuditPanel({ captureId }: { captureId: string }) {
  const data = useLiveQuery(async () => {
    const db = getDb();
    const [state, capture, periods, requests] = await Promise.all([db.annotationState.get(captureId), db.captures.get(captureId), db.periods.toArray(), db.requests.toArray()]);
    return { state, capture, periods, requests };
  }, [captureId]);
  const action = useAction();
  const [requestId, setRequestId] = useState('');
  const [sampleId, setSampleId] = useState('');
  const [description, setDescription] = useState('');
  const [remediation, setRemediation] = useState('');
  if (!data?.capture) return null;
  const { state, capture, periods, requests } = data;
  const byId = new Map(requests.map((r) => [r.id, r]));
  const periodName = new Map(periods.map((p) => [p.id, p.name]));
  // Periods whose days hold the capture come first: that is where its requests usually are.
  const holds = (p: Period) => p.start <= capture.capturedAt.slice(0, 10) && capture.capturedAt.slice(0, 10) <= p.end;
  const ordered = [...periods].sort((a, b) => Number(holds(b)) - Number(holds(a)) || b.start.localeCompare(a.start));
  const chosen = byId.get(requestId);
  const links = state?.requests ?? [];

  return (
    <section className="card-panel capture-audit" aria-labelledby="capture-audit-title">
      <h2 className="panel-title" id="capture-audit-title">
        Auditor requests
      </h2>
      {links.length === 0 ? (
        <p className="muted">Not attached to any request.</p>
      ) : (
        <ul className="attachment-list" aria-label="Requests this capture answers">
          {links.map((l) => {
            const r = byId.get(l.requestId);
            const sample = r?.samples.find((s) => s.id === l.sampleId);
            return (
              <li key={`${l.requestId} ${l.sampleId ?? ''}`}>
                <span className="attachment-main">
                  <a href={hrefTo('/requests', { period: r?.periodId, request: l.requestId })}>{r ? `${r.ref}${sample ? ` · ${sample.id}` : ''}` : 'A deleted request'}</a>
                  <span className="muted">{r ? `${periodName.get(r.periodId) ?? ''}${sample ? ` · ${sample.label}` : ''}` : ''}</span>
                </span>
                <button
                  type="button"
                  className="button button-ghost button-small"
                  disabled={action.busy || !r}
                  onClick={() => void action.run(() => send({ type: 'requests.detach', requestId: l.requestId, captureId, ...(l.sampleId ? { sampleId: l.sampleId } : {}) }))}
                >
                  Detach
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {requests.length > 0 ? (
        <form
          className="capture-attach"
          onSubmit={(e) => {
            e.preventDefault();
            if (requestId) void action.run(() => send({ type: 'requests.attach', requestId, captureId, ...(sampleId ? { sampleId } : {}) }));
          }}
        >
          <label className="field-label" htmlFor="capture-attach-request">
            Attach to request
          </label>
          <select
            id="capture-attach-request"
            className="select"
            value={requestId}
            onChange={(e) => {
              setRequestId(e.target.value);
              setSampleId('');
            }}
          >
            <option value="">Choose a request</option>
            {ordered.map((p) => {
              const items = requests.filter((r) => r.periodId === p.id).sort((a, b) => a.position - b.position);
              return items.length ? (
                <optgroup key={p.id} label={p.name}>
                  {items.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.ref} — {r.text.replace(/\s+/g, ' ').slice(0, 70)}
                    </option>
                  ))}
                </optgroup>
              ) : null;
            })}
          </select>
          {chosen && chosen.samples.length > 0 && (
            <select className="select" aria-label="Sample" value={sampleId} onChange={(e) => setSampleId(e.target.value)}>
              <option value="">The request as a whole</option>
              {chosen.samples.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.id}: {s.label.slice(0, 60)}
                </option>
              ))}
            </select>
          )}
          {chosen && chosen.controlIds.length > 0 && <p className="field-hint">Also tags it {chosen.controlIds.join(', ')}.</p>}
          <button type="submit" className="button button-small" disabled={action.busy || !requestId}>
            Attach
          </button>
        </form>
      ) : (
        <p className="field-hint">
          No request list yet: <a href={hrefTo('/requests')}>import the auditor’s list</a>.
        </p>
      )}

      <h2 className="panel-title capture-exception-title">Exception</h2>
      {state?.exception ? (
        <div className="capture-exception">
          <p>
            <strong>
              <SafeText value={state.exception.description} />
            </strong>
          </p>
          <p className="muted">{state.exception.remediation ? <SafeText value={state.exception.remediation} /> : 'No remediation recorded.'}</p>
          <p className="field-hint">
            Flagged by {state.exception.by.replace(/ <.*>$/, '')}, {formatShort(state.exception.at)}
          </p>
          <button type="button" className="button button-small button-danger" disabled={action.busy} onClick={() => void action.run(() => send({ type: 'exceptions.set', captureId, exception: null }))}>
            Clear the flag
          </button>
        </div>
      ) : (
        <details className="capture-exception">
          <summary>Flag as an exception</summary>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void action.run(() => send({ type: 'exceptions.set', captureId, exception: { description, remediation } })).then((ok) => {
                if (ok) {
                  setDescription('');
                  setRemediation('');
                }
              });
            }}
          >
            <label className="field-label" htmlFor="capture-exception-description">
              What does it show that should not be?
            </label>
            <textarea id="capture-exception-description" className="textarea" rows={2} required maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
            <label className="field-label" htmlFor="capture-exception-remediation">
              Remediation
            </label>
            <textarea id="capture-exception-remediation" className="textarea" rows={2} maxLength={5000} value={remediation} onChange={(e) => setRemediation(e.target.value)} />
            <button type="submit" className="button button-small" disabled={action.busy}>
              Flag as an exception
            </button>
          </form>
        </details>
      )}
      <ErrorNotice message={action.error} />
    </section>
  );
}
