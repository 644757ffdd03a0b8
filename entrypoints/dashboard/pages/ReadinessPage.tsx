// Audit readiness at a glance, then in detail: for the chosen audit period, how much of it has
// evidence, the coverage matrix of controls × months (quarters and years span their months), what
// is due or overdue and for whom, and every exception. Everything here is read live from the
// library, so a capture made in another tab shows up in its cell at once.
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { SafeText } from '@/components/SafeText';
import { SelectField } from '@/components/SelectField';
import { formatCount, formatShort } from '@/components/format';
import { CheckIcon, SearchIcon } from '@/components/icons';
import { toCsv } from '@/lib/bundle/csv';
import { OWNER_ROLES, CONTROL_TEMPLATES } from '@/lib/controls/templates';
import { getDb } from '@/lib/db';
import { send } from '@/lib/messages';
import { coverageForPeriod, type CoverageCell, type CoverageReport, type CoverageRow, type RowStatus } from '@/lib/periods/coverage';
import { describePeriod } from '@/lib/periods/periods';
import { currentPeriod } from '@/lib/periods/subperiods';
import { dueFromCoverage, ownerMatches, type DueItem } from '@/lib/readiness/due';
import { listExceptions, type ExceptionItem } from '@/lib/readiness/exceptions';
import { coverageCsv, exceptionsCsv, type CsvTable } from '@/lib/readiness/export';
import { listRequests } from '@/lib/requests/store';
import type { Period } from '@/lib/schema';
import { usePeriods, useTeamControls } from '../data';
import { hrefTo, navigate, type RouteProps } from '../router';
import { useSettings } from '../settings';
import './ReadinessPage.css';
import { ErrorNotice } from '@/components/ErrorNotice';

export const ReadinessIcon = () => (
  <svg className="icon" width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
    <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />
  </svg>
);

const STATUS_LABEL: Record<RowStatus, string> = { gap: 'Gaps', due: 'Due now', 'no-evidence': 'No evidence yet', ok: 'Covered', upcoming: 'Not started' };
const STATUS_ORDER: Record<RowStatus, number> = { gap: 0, due: 1, 'no-evidence': 2, ok: 3, upcoming: 4 };
type SortKey = 'control' | 'owner' | 'status' | 'total' | 'last';

/** The period in the address, else the one under way, else the latest. */
function usePeriodChoice(query: URLSearchParams): { periods: Period[] | undefined; period: Period | undefined } {
  const periods = usePeriods();
  const wanted = query.get('period');
  const period = useMemo(() => {
    if (!periods?.length) return undefined;
    return periods.find((p) => p.id === wanted) ?? currentPeriod(periods, new Date()) ?? periods[0];
  }, [periods, wanted]);
  return { periods, period };
}

export function PeriodSelect({ periods, period, path }: { periods: Period[]; period: Period; path: string }) {
  return (
    <SelectField
      id="readiness-period"
      className="period-select"
      label="Audit period"
      value={period.id}
      onChange={(id) => navigate(hrefTo(path, { period: id }), { replace: true })}
      options={periods.map((p) => ({ value: p.id, label: `${p.name} (${describePeriod(p)})` }))}
    />
  );
}

export function downloadCsv(name: string, table: CsvTable): void {
  const url = URL.createObjectURL(new Blob([toCsv(table.header, table.rows)], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const fileSafe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'period';

export function ReadinessPage({ query }: RouteProps) {
  const { periods, period } = usePeriodChoice(query);
  const team = useTeamControls();
  const { settings } = useSettings();
  const me = settings?.capturer?.email ?? null;
  const report = useLiveQuery(async () => (period ? coverageForPeriod(getDb(), period) : undefined), [period?.id]);
  const exceptions = useLiveQuery(async () => (period ? listExceptions(getDb(), period) : undefined), [period?.id]);
  const requests = useLiveQuery(async () => (period ? listRequests(getDb(), period.id) : undefined), [period?.id]);
  const [marking, setMarking] = useState<MarkTarget | null>(null);

  if (periods && periods.length === 0) {
    return (
      <section className="page readiness" aria-labelledby="readiness-title">
        <Head />
        <div className="card-panel">
          <div className="empty empty-compact">
            <h2>No audit period yet</h2>
            <p>Coverage is measured over the window your auditor will test. Create it first: a Type 2 period is commonly 3 to 12 months.</p>
            <a className="button button-primary" href={hrefTo('/periods')}>
              Create an audit period
            </a>
          </div>
        </div>
      </section>
    );
  }

  return (
    <section className="page readiness" aria-labelledby="readiness-title" aria-busy={!report}>
      <Head>{periods && period && <PeriodSelect periods={periods} period={period} path="/readiness" />}</Head>
      {team && team.length === 0 && <StarterLibrary />}
      {report && (
        <>
          <Glance report={report} me={me} exceptions={exceptions?.length ?? 0} requests={requests} />
          <CoverageMatrix report={report} query={query} onMark={setMarking} />
          <DuePanel report={report} me={me} onMark={setMarking} />
          <ExceptionsPanel items={exceptions ?? []} period={report.period} />
        </>
      )}
      {marking && <MarkDialog target={marking} onClose={() => setMarking(null)} />}
    </section>
  );
}

function Head({ children }: { children?: ReactNode }) {
  return (
    <header className="page-head">
      <div>
        <h1 id="readiness-title">Audit readiness</h1>
        <p className="page-sub">Does every control show evidence in every month, quarter or year of the period? Find the gaps, what is due and the exceptions before the auditor does.</p>
      </div>
      {children && <div className="page-actions">{children}</div>}
    </header>
  );
}

// -------------------------------------------------------------------------------------------
// At a glance

function Glance({ report, me, exceptions, requests }: { report: CoverageReport; me: string | null; exceptions: number; requests: Awaited<ReturnType<typeof listRequests>> | undefined }) {
  const { summary } = report;
  const due = useMemo(() => dueFromCoverage(report), [report]);
  const mine = me ? due.items.filter((i) => ownerMatches(i.owner, me)) : [];
  const assessed = summary.covered + summary.gaps;
  const pct = summary.percentCovered;
  const maxGaps = Math.max(1, ...summary.gapsByOwner.map((o) => o.gaps));
  const byStatus = (s: string) => requests?.filter((r) => r.status === s).length ?? 0;
  return (
    <div className="glance" role="region" aria-label="Readiness at a glance">
      <div className="glance-card glance-main">
        <span className="glance-label">Control-periods covered</span>
        <span className="glance-figure" data-testid="percent-covered">
          {pct === null ? '—' : `${pct}%`}
        </span>
        <div className="meter" aria-hidden="true">
          <span style={{ width: `${pct ?? 0}%` }} />
        </div>
        <span className="glance-note">
          {assessed === 0 ? 'Nothing has come due yet in this period.' : `${summary.covered} of ${assessed} that have come due have evidence`}
          {summary.notApplicable > 0 ? `; ${summary.notApplicable} not applicable` : ''}.
        </span>
      </div>
      <div className="glance-card">
        <span className="glance-label">Gaps by owner</span>
        {summary.gapsByOwner.length === 0 ? (
          <span className="glance-ok">
            <CheckIcon size={16} /> No gaps
          </span>
        ) : (
          <ul className="owner-bars">
            {summary.gapsByOwner.slice(0, 5).map((o) => (
              <li key={o.owner}>
                <span className="owner-name" title={o.owner}>
                  {o.owner || 'No owner'}
                </span>
                <span className="owner-bar" aria-hidden="true">
                  <span style={{ width: `${(o.gaps / maxGaps) * 100}%` }} />
                </span>
                <span className="owner-count">{o.gaps}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="glance-card">
        <span className="glance-label">Oldest missing evidence</span>
        {summary.oldestGap ? (
          <>
            <span className="glance-strong">
              <a href={hrefTo('/library', { control: summary.oldestGap.controlId, period: report.period.id })}>{summary.oldestGap.controlId}</a> · {summary.oldestGap.label}
            </span>
            <span className="glance-note">
              <SafeText value={summary.oldestGap.title} />
              <br />
              {summary.oldestGap.owner || 'No owner'} · ended {summary.oldestGap.end}
            </span>
          </>
        ) : (
          <span className="glance-ok">
            <CheckIcon size={16} /> Nothing missing
          </span>
        )}
      </div>
      <div className="glance-card">
        <span className="glance-label">Due and overdue</span>
        <span className="glance-figures">
          <span>
            <strong className={due.counts.overdue ? 'text-bad' : undefined}>{due.counts.overdue}</strong> overdue
          </span>
          <span>
            <strong>{due.counts.due}</strong> due now
          </span>
        </span>
        <span className="glance-note">{me ? `${formatCount(mine.length, 'item')} yours (${me})` : 'Set who you are to see yours.'}</span>
      </div>
      <div className="glance-card">
        <span className="glance-label">Exceptions and requests</span>
        <span className="glance-figures">
          <span>
            <strong>{exceptions}</strong> exception{exceptions === 1 ? '' : 's'}
          </span>
          <span>
            <strong>{requests?.length ?? 0}</strong> requests
          </span>
        </span>
        <span className="glance-note">
          {requests?.length ? (
            <a href={hrefTo('/requests', { period: report.period.id })}>
              {byStatus('open')} open · {byStatus('evidence-attached')} answered · {byStatus('submitted')} submitted
            </a>
          ) : (
            <a href={hrefTo('/requests', { period: report.period.id })}>Import the auditor’s request list</a>
          )}
        </span>
      </div>
    </div>
  );
}

// -------------------------------------------------------------------------------------------
// The coverage matrix

interface MarkTarget {
  row: Pick<CoverageRow, 'controlId' | 'title' | 'owner' | 'cadence'>;
  cell: Pick<CoverageCell, 'key' | 'label' | 'start' | 'end' | 'state' | 'count' | 'exception' | 'notApplicable' | 'snooze'>;
}

function cellText(cell: CoverageCell): string {
  if (cell.count > 0) return String(cell.count);
  return { gap: 'Gap', due: 'Due', upcoming: '', 'not-applicable': 'N/A', none: '0', covered: '' }[cell.state];
}

function cellDescription(row: CoverageRow, cell: CoverageCell): string {
  const what = {
    covered: `${formatCount(cell.count, 'capture')}`,
    gap: 'gap: no evidence',
    due: 'due: no evidence yet',
    upcoming: 'not started',
    'not-applicable': `not applicable (${cell.notApplicable?.reason ?? ''})`,
    none: 'no evidence (none required)',
  }[cell.state];
  const extra = [cell.exception ? `exception: ${cell.exception.description}` : '', cell.snooze ? `snoozed until ${cell.snooze.until}` : '', cell.flaggedCaptureIds?.length ? `${cell.flaggedCaptureIds.length} flagged capture(s)` : '']
    .filter(Boolean)
    .join('; ');
  return `${row.controlId}, ${cell.label} (${cell.start} to ${cell.end}): ${what}${extra ? `; ${extra}` : ''}`;
}

function CoverageMatrix({ report, query, onMark }: { report: CoverageReport; query: URLSearchParams; onMark(t: MarkTarget): void }) {
  const owner = query.get('owner') ?? '';
  const criterion = query.get('criterion') ?? '';
  const status = (query.get('status') ?? '') as RowStatus | 'exception' | '';
  const sort = (query.get('sort') ?? 'status') as SortKey;
  const desc = query.get('dir') === 'desc';
  const [text, setText] = useState(query.get('q') ?? '');
  const set = (patch: Record<string, string | undefined>) => {
    const next: Record<string, string | undefined> = { period: report.period.id, owner, criterion, status, sort, dir: desc ? 'desc' : undefined, q: text || undefined, ...patch };
    navigate(hrefTo('/readiness', next), { replace: true });
  };
  useEffect(() => {
    if (text === (query.get('q') ?? '')) return;
    const timer = setTimeout(() => set({ q: text || undefined }), 250);
    return () => clearTimeout(timer);
  });

  const owners = useMemo(() => [...new Set(report.rows.map((r) => r.owner))].sort((a, b) => a.localeCompare(b)), [report]);
  const criteria = useMemo(() => [...new Set(report.rows.flatMap((r) => r.criteria))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })), [report]);
  const rows = useMemo(() => {
    const q = text.trim().toLowerCase();
    const filtered = report.rows.filter(
      (r) =>
        (!owner || (owner === '(none)' ? r.owner === '' : r.owner === owner)) &&
        (!criterion || r.criteria.includes(criterion)) &&
        (!status || (status === 'exception' ? r.exceptions > 0 : r.status === status)) &&
        (!q || `${r.controlId}\n${r.title}\n${r.owner}`.toLowerCase().includes(q)),
    );
    const cmp: Record<SortKey, (a: CoverageRow, b: CoverageRow) => number> = {
      control: (a, b) => Number(a.builtIn) - Number(b.builtIn) || a.controlId.localeCompare(b.controlId, 'en', { numeric: true }),
      owner: (a, b) => (a.owner || '\uffff').localeCompare(b.owner || '\uffff'),
      status: (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.gaps - a.gaps,
      total: (a, b) => a.total - b.total,
      last: (a, b) => (a.lastEvidenceAt ?? '').localeCompare(b.lastEvidenceAt ?? ''),
    };
    return filtered.sort((a, b) => (desc ? -1 : 1) * cmp[sort](a, b) || a.controlId.localeCompare(b.controlId, 'en', { numeric: true }));
  }, [report, owner, criterion, status, text, sort, desc]);

  const months = report.subPeriods;
  const spanOf = (cell: CoverageCell) => Math.max(1, months.filter((m) => m.start >= cell.start && m.end <= cell.end).length);
  const header = (key: SortKey, label: string, className?: string) => (
    <th className={className} aria-sort={sort === key ? (desc ? 'descending' : 'ascending') : 'none'} scope="col">
      <button type="button" className="sort-button" onClick={() => set({ sort: key, dir: sort === key && !desc ? 'desc' : undefined })}>
        {label}
        <span aria-hidden="true">{sort === key ? (desc ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );

  return (
    <section className="card-panel matrix-panel" aria-labelledby="matrix-title">
      <div className="panel-head">
        <h2 className="panel-title" id="matrix-title">
          Coverage by control
        </h2>
        <div className="panel-tools">
          <span className="muted" role="status">
            {rows.length === report.rows.length ? formatCount(report.rows.length, 'control') : `${rows.length} of ${formatCount(report.rows.length, 'control')}`}
          </span>
          <button type="button" className="button button-small" onClick={() => downloadCsv(`coverage-${fileSafe(report.period.name)}.csv`, coverageCsv(report))}>
            Download CSV
          </button>
        </div>
      </div>
      <p className="panel-sub">
        Days are counted in {report.period.timeZone}: a capture counts for the month, quarter or year its moment falls in there. Quarterly and annual controls need evidence once per
        quarter or year; per-event and continuous controls show counts only.
      </p>
      <form className="matrix-filters" role="search" aria-label="Filter controls" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label className="field-label" htmlFor="matrix-q">
            Search
          </label>
          <div className="input-with-icon">
            <SearchIcon />
            <input id="matrix-q" className="input" type="search" placeholder="Id, title or owner" value={text} onChange={(e) => setText(e.target.value)} />
          </div>
        </div>
        <SelectField
          id="matrix-owner"
          label="Owner"
          value={owner}
          onChange={(o) => set({ owner: o || undefined })}
          anyLabel="Anyone"
          options={owners.map((o) => ({ value: o || '(none)', label: o || 'No owner' }))}
        />
        <SelectField id="matrix-criterion" label="Criterion" value={criterion} onChange={(c) => set({ criterion: c || undefined })} anyLabel="Any criterion" options={criteria} />
        <SelectField id="matrix-status" label="Status" value={status} onChange={(st) => set({ status: st || undefined })} anyLabel="Any status">
          {(Object.keys(STATUS_LABEL) as RowStatus[]).map((st) => (
            <option key={st} value={st}>
              {STATUS_LABEL[st]}
            </option>
          ))}
          <option value="exception">With exceptions</option>
        </SelectField>
        <Legend />
      </form>
      {report.rows.length === 0 ? (
        <div className="empty empty-compact">
          <h3>No controls to cover</h3>
          <p>Add your controls (or the starter library above), and tag captures to them.</p>
        </div>
      ) : (
        <div className="matrix-scroll">
          <table className="matrix" aria-label={`Coverage of ${report.period.name}`}>
            <thead>
              <tr>
                {header('control', 'Control', 'col-control')}
                {header('owner', 'Owner', 'col-owner')}
                {header('status', 'Status', 'col-status')}
                {months.map((m, i) => (
                  <th key={m.key} scope="col" className="col-month" title={`${m.start} to ${m.end}`}>
                    {m.label.slice(0, 3)}
                    {(i === 0 || m.key.endsWith('-01')) && <span className="col-year">{m.key.slice(0, 4)}</span>}
                  </th>
                ))}
                {header('total', 'Total', 'col-num')}
                {header('last', 'Last evidence', 'col-last')}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.controlId} data-control={row.controlId}>
                  <th scope="row" className="col-control">
                    <a className="control-link" href={hrefTo('/library', { control: row.controlId, period: report.period.id })} title="Open this control’s evidence in the period">
                      {row.controlId}
                    </a>
                    <span className="control-title">
                      <SafeText value={row.title} />
                    </span>
                    <span className="control-cadence">{row.cadence}</span>
                  </th>
                  <td className="col-owner">{row.owner || <span className="muted">No owner</span>}</td>
                  <td className="col-status">
                    <span className={`status status-${row.status}`}>{STATUS_LABEL[row.status]}</span>
                  </td>
                  {row.cells.map((cell) => (
                    <td key={cell.key} colSpan={spanOf(cell)} className="col-cell">
                      <button
                        type="button"
                        className={`cell cell-${cell.state}${cell.exception || cell.flaggedCaptureIds ? ' has-exception' : ''}${cell.snooze ? ' is-snoozed' : ''}`}
                        aria-label={cellDescription(row, cell)}
                        title={cellDescription(row, cell)}
                        onClick={() => onMark({ row, cell })}
                      >
                        {cellText(cell)}
                      </button>
                    </td>
                  ))}
                  <td className="col-num">{row.total}</td>
                  <td className="col-last">{row.lastEvidenceAt ? formatShort(row.lastEvidenceAt) : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="cell cell-covered">3</span> evidence
      </li>
      <li>
        <span className="cell cell-gap">Gap</span> missed
      </li>
      <li>
        <span className="cell cell-due">Due</span> under way
      </li>
      <li>
        <span className="cell cell-not-applicable">N/A</span> not applicable
      </li>
      <li>
        <span className="cell cell-covered has-exception">1</span> exception
      </li>
    </ul>
  );
}

// -------------------------------------------------------------------------------------------
// Due and overdue

function DuePanel({ report, me, onMark }: { report: CoverageReport; me: string | null; onMark(t: MarkTarget): void }) {
  const [onlyMine, setOnlyMine] = useState(false);
  const [showSnoozed, setShowSnoozed] = useState(false);
  const due = useMemo(() => dueFromCoverage(report, { owner: onlyMine && me ? me : undefined, includeSnoozed: showSnoozed }), [report, onlyMine, me, showSnoozed]);
  const cellOf = (item: DueItem) => report.rows.find((r) => r.controlId === item.controlId)?.cells.find((c) => c.key === item.subPeriod);
  return (
    <section className="card-panel" aria-labelledby="due-title">
      <div className="panel-head">
        <h2 className="panel-title" id="due-title">
          Due and overdue
        </h2>
        <div className="panel-tools">
          <label className="checkbox">
            <input type="checkbox" checked={onlyMine} disabled={!me} onChange={(e) => setOnlyMine(e.target.checked)} />
            Only mine
          </label>
          <label className="checkbox">
            <input type="checkbox" checked={showSnoozed} onChange={(e) => setShowSnoozed(e.target.checked)} />
            Show snoozed ({due.counts.snoozed})
          </label>
        </div>
      </div>
      <p className="panel-sub">
        Due: the current {`month, quarter or year`} has no evidence yet. Overdue: it ended without evidence — record an exception or mark it not applicable, with the reason.
      </p>
      {due.items.length === 0 ? (
        <div className="empty empty-compact">
          <h3>Nothing due</h3>
          <p>{onlyMine ? 'None of your controls needs evidence right now.' : 'Every control has its evidence for the current sub-period.'}</p>
        </div>
      ) : (
        <div className="table-wrap due-wrap">
          <table className="table due-table">
            <thead>
              <tr>
                <th scope="col">State</th>
                <th scope="col">Control</th>
                <th scope="col">Sub-period</th>
                <th scope="col">Due by</th>
                <th scope="col">Owner</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {due.items.map((item) => (
                <tr key={`${item.controlId} ${item.subPeriod}`}>
                  <td>
                    <span className={`badge ${item.state === 'overdue' ? 'badge-bad' : 'badge-warn'}`}>{item.state === 'overdue' ? 'Overdue' : 'Due'}</span>
                    {item.snooze && <span className="badge badge-neutral snooze-badge">Snoozed to {item.snooze.until}</span>}
                  </td>
                  <td>
                    <span className="cell-id">{item.controlId}</span>
                    <div className="cell-desc">
                      <SafeText value={item.title} />
                    </div>
                  </td>
                  <td className="cell-nowrap">{item.label}</td>
                  <td className="cell-nowrap">{item.dueDate}</td>
                  <td>{item.owner || <span className="muted">No owner</span>}</td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => {
                        const cell = cellOf(item);
                        if (cell) onMark({ row: item, cell });
                      }}
                    >
                      Resolve…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// -------------------------------------------------------------------------------------------
// Exceptions

function ExceptionsPanel({ items, period }: { items: ExceptionItem[]; period: Period }) {
  return (
    <section className="card-panel" aria-labelledby="exceptions-title">
      <div className="panel-head">
        <h2 className="panel-title" id="exceptions-title">
          Exceptions
        </h2>
        <div className="panel-tools">
          <span className="muted">{formatCount(items.length, 'exception')}</span>
          <button type="button" className="button button-small" disabled={items.length === 0} onClick={() => downloadCsv(`exceptions-${fileSafe(period.name)}.csv`, exceptionsCsv(items))}>
            Download CSV
          </button>
        </div>
      </div>
      <p className="panel-sub">A control that did not operate as described is documented, not hidden: every exception goes into the bundle with its remediation.</p>
      {items.length === 0 ? (
        <div className="empty empty-compact">
          <h3>No exceptions recorded</h3>
          <p>Flag a capture from its page, or a missed month from the matrix above.</p>
        </div>
      ) : (
        <div className="table-wrap">
          <table className="table exceptions-table">
            <thead>
              <tr>
                <th scope="col">About</th>
                <th scope="col">Description</th>
                <th scope="col">Remediation</th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.kind === 'capture' ? e.captureId : `${e.controlId} ${e.subPeriod}`}>
                  <td>
                    {e.kind === 'capture' ? (
                      <>
                        <a className="cell-id" href={hrefTo(`/capture/${e.captureId}`)}>
                          Capture
                        </a>
                        <div className="cell-desc">
                          <SafeText value={e.title || e.url} /> · {formatShort(e.capturedAt)}
                          {e.controlIds.length > 0 && ` · ${e.controlIds.join(', ')}`}
                        </div>
                      </>
                    ) : (
                      <>
                        <span className="cell-id">
                          {e.controlId} · {e.subPeriod}
                        </span>
                        <div className="cell-desc">{e.title ? <SafeText value={e.title} /> : 'Control since deleted'}</div>
                      </>
                    )}
                  </td>
                  <td className="cell-text">
                    <SafeText value={e.description} />
                  </td>
                  <td className="cell-text">{e.remediation ? <SafeText value={e.remediation} /> : <span className="muted">None recorded</span>}</td>
                  <td className="cell-nowrap">
                    {e.by.replace(/ <.*>$/, '')}
                    <div className="cell-desc">{formatShort(e.at)}</div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// -------------------------------------------------------------------------------------------
// Resolving a sub-period: not applicable, exception, snooze

type MarkKind = 'notApplicable' | 'exception' | 'snooze';

function tomorrow(): string {
  const d = new Date(Date.now() + 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function MarkDialog({ target, onClose }: { target: MarkTarget; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const { row, cell } = target;
  const [kind, setKind] = useState<MarkKind>(cell.state === 'covered' ? 'exception' : 'notApplicable');
  const [reason, setReason] = useState('');
  const [description, setDescription] = useState(cell.exception?.description ?? '');
  const [remediation, setRemediation] = useState(cell.exception?.remediation ?? '');
  const [until, setUntil] = useState(cell.snooze?.until ?? tomorrow());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const at = { controlId: row.controlId, subPeriod: cell.key };
    if (kind === 'notApplicable') void run(() => send({ type: 'due.notApplicable', ...at, reason }));
    else if (kind === 'snooze') void run(() => send({ type: 'due.snooze', ...at, until, reason }));
    else void run(() => send({ type: 'exceptions.set', ...at, exception: { description, remediation } }));
  }

  const stateText = { covered: `${formatCount(cell.count, 'capture')}`, gap: 'Gap: ended without evidence', due: 'Due: no evidence yet', upcoming: 'Not started', 'not-applicable': 'Not applicable', none: 'No evidence (none required)' }[cell.state];
  return (
    <dialog ref={ref} className="mark-dialog" aria-labelledby="mark-title" onClose={onClose}>
      <form method="dialog" onSubmit={submit}>
        <header className="mark-head">
          <h2 id="mark-title">
            {row.controlId} · {cell.label}
          </h2>
          <p className="muted">
            <SafeText value={row.title} /> · {cell.start} to {cell.end} · {stateText}
          </p>
        </header>
        {cell.notApplicable && (
          <div className="notice notice-info">
            <p>
              Not applicable: {cell.notApplicable.reason} — {cell.notApplicable.by}, {formatShort(cell.notApplicable.at)}
            </p>
          </div>
        )}
        {cell.snooze && (
          <div className="notice notice-info">
            <p>
              Snoozed until {cell.snooze.until}
              {cell.snooze.reason ? `: ${cell.snooze.reason}` : ''} — {cell.snooze.by}
            </p>
          </div>
        )}
        {cell.exception && (
          <div className="notice notice-warn">
            <p>
              Exception: {cell.exception.description} — {cell.exception.by}, {formatShort(cell.exception.at)}
            </p>
          </div>
        )}
        <fieldset className="segmented mark-kinds">
          <legend className="visually-hidden">What to record</legend>
          {(
            [
              ['notApplicable', 'Not applicable'],
              ['exception', 'Exception'],
              ['snooze', 'Snooze'],
            ] as const
          ).map(([k, label]) => (
            <label key={k} className={kind === k ? 'is-checked' : undefined}>
              <input type="radio" name="mark-kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              {label}
            </label>
          ))}
        </fieldset>
        {kind === 'notApplicable' && (
          <div className="field">
            <label className="field-label" htmlFor="mark-reason">
              Why does the control not apply to {cell.label}?
            </label>
            <textarea id="mark-reason" className="textarea" rows={3} required maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="No production changes were made this month (change freeze)." />
          </div>
        )}
        {kind === 'exception' && (
          <>
            <div className="field">
              <label className="field-label" htmlFor="mark-description">
                What did not operate as described?
              </label>
              <textarea id="mark-description" className="textarea" rows={3} required maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="mark-remediation">
                Remediation
              </label>
              <textarea id="mark-remediation" className="textarea" rows={2} maxLength={5000} value={remediation} onChange={(e) => setRemediation(e.target.value)} placeholder="What was done about it, and when." />
            </div>
          </>
        )}
        {kind === 'snooze' && (
          <div className="form-grid form-grid-2">
            <div className="field">
              <label className="field-label" htmlFor="mark-until">
                Hide from the due list until
              </label>
              <input id="mark-until" className="input" type="date" required min={tomorrow()} value={until} onChange={(e) => setUntil(e.target.value)} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="mark-snooze-reason">
                Reason <span className="optional">(optional)</span>
              </label>
              <input id="mark-snooze-reason" className="input" maxLength={2000} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
          </div>
        )}
        <ErrorNotice message={error} />
        <div className="form-actions mark-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {kind === 'notApplicable' ? 'Mark not applicable' : kind === 'exception' ? 'Record exception' : 'Snooze'}
          </button>
          {(cell.notApplicable || cell.snooze) && (
            <button type="button" className="button" disabled={busy} onClick={() => void run(() => send({ type: 'due.reopen', controlId: row.controlId, subPeriod: cell.key }))}>
              Reopen
            </button>
          )}
          {cell.exception && (
            <button type="button" className="button button-danger" disabled={busy} onClick={() => void run(() => send({ type: 'exceptions.set', controlId: row.controlId, subPeriod: cell.key, exception: null }))}>
              Clear exception
            </button>
          )}
          <button type="button" className="button button-ghost" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
        <p className="field-hint">Recorded with your name and the time; the history stays with the evidence.</p>
      </form>
    </dialog>
  );
}

// -------------------------------------------------------------------------------------------
// A first library

function StarterLibrary() {
  const [owners, setOwners] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await send({ type: 'controls.template', owners: Object.fromEntries(Object.entries(owners).filter(([, v]) => v.trim())) });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card-panel starter" aria-labelledby="starter-title">
      <div className="panel-head">
        <h2 className="panel-title" id="starter-title">
          Start from a control library
        </h2>
      </div>
      <p className="panel-sub">
        You have no controls of your own yet, so there is nothing to measure. Add {CONTROL_TEMPLATES.length} typical SaaS controls — access reviews, MFA, branch protection, backups,
        vulnerability scans, incident response, vendor reviews, training, policy approvals — each with a cadence and the SOC 2 criteria it supports. Name an owner per role now or
        later; you can edit or delete any control under Controls.
      </p>
      <form className="starter-form" onSubmit={add}>
        <div className="form-grid">
          {OWNER_ROLES.map((role) => (
            <div className="field" key={role}>
              <label className="field-label" htmlFor={`owner-${role}`}>
                {role} <span className="optional">({CONTROL_TEMPLATES.filter((c) => c.ownerRole === role).length} controls)</span>
              </label>
              <input id={`owner-${role}`} className="input" type="email" placeholder="name@company.com" value={owners[role] ?? ''} onChange={(e) => setOwners({ ...owners, [role]: e.target.value })} />
            </div>
          ))}
        </div>
        <ErrorNotice message={error} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            Add the starter library
          </button>
          <a className="button button-ghost" href={hrefTo('/controls')}>
            Define my own controls instead
          </a>
        </div>
      </form>
    </section>
  );
}
