// Audit periods: the date a Type 1 report looks at, or the window a Type 2 report covers. The
// library filters by them; their days begin at midnight in the period's own time zone.
import { useMemo, useState, type FormEvent } from 'react';
import { formatCount, formatShort, viewerTimeZone } from '@/components/format';
import { RowDelete } from '@/components/RowDelete';
import { SelectField } from '@/components/SelectField';
import { AlertIcon, CheckIcon } from '@/components/icons';
import { send } from '@/lib/messages';
import type { Period } from '@/lib/schema';
import { usePeriods } from '../data';
import { hrefTo } from '../router';
import { ErrorNotice } from '@/components/ErrorNotice';

function timeZones(current: string): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([current, 'UTC', ...all])].sort((a, b) => a.localeCompare(b));
}

function days(period: Pick<Period, 'start' | 'end'>): number {
  return Math.round((Date.parse(`${period.end}T00:00:00Z`) - Date.parse(`${period.start}T00:00:00Z`)) / 86400000) + 1;
}

export function PeriodsPage() {
  const periods = usePeriods();
  const [created, setCreated] = useState<string | null>(null);
  return (
    <section className="page" aria-labelledby="periods-title">
      <header className="page-head">
        <div>
          <h1 id="periods-title">Audit periods</h1>
          <p className="page-sub">A Type 1 report looks at the design of controls on one date; a Type 2 report at how they operated over a window, commonly 3 to 12 months.</p>
        </div>
      </header>
      <PeriodForm onCreated={setCreated} />
      {created && (
        <div className="notice notice-ok page-notice" role="status">
          <CheckIcon size={16} />
          <p>Created the audit period “{created}”.</p>
        </div>
      )}
      <section className="card-panel" aria-labelledby="period-list-title">
        <div className="panel-head">
          <h2 className="panel-title" id="period-list-title">
            Periods
          </h2>
          <span className="muted">{periods ? formatCount(periods.length, 'period') : ''}</span>
        </div>
        {periods && periods.length === 0 ? (
          <div className="empty empty-compact">
            <h3>No audit periods yet</h3>
            <p>Create the period your auditor will test. The library can then show just the evidence inside it.</p>
          </div>
        ) : (
          <PeriodTable periods={periods ?? []} />
        )}
      </section>
    </section>
  );
}

/** `onCreated(null)` when a new attempt starts, so an older success message goes away. */
function PeriodForm({ onCreated }: { onCreated(name: string | null): void }) {
  const browserZone = viewerTimeZone();
  const zones = useMemo(() => timeZones(browserZone), [browserZone]);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'type1' | 'type2'>('type2');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [timeZone, setTimeZone] = useState(browserZone);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function create(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    onCreated(null);
    try {
      const period = await send({ type: 'periods.create', name, kind, start, ...(kind === 'type2' ? { end } : {}), timeZone });
      onCreated(period.name);
      setName('');
      setStart('');
      setEnd('');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="card-panel period-form" aria-labelledby="period-form-title" onSubmit={create}>
      <h2 className="panel-title" id="period-form-title">
        New audit period
      </h2>
      <fieldset className="segmented">
        <legend className="field-label">Report type</legend>
        <label className={kind === 'type1' ? 'is-checked' : ''}>
          <input type="radio" name="period-kind" value="type1" checked={kind === 'type1'} onChange={() => setKind('type1')} />
          <span>
            <strong>Type 1</strong> one date
          </span>
        </label>
        <label className={kind === 'type2' ? 'is-checked' : ''}>
          <input type="radio" name="period-kind" value="type2" checked={kind === 'type2'} onChange={() => setKind('type2')} />
          <span>
            <strong>Type 2</strong> a window
          </span>
        </label>
      </fieldset>
      <div className="form-grid">
        <div className="field form-span-3">
          <label className="field-label" htmlFor="period-name">
            Name
          </label>
          <input id="period-name" className="input" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} placeholder={kind === 'type1' ? 'SOC 2 Type 1 (2026)' : 'SOC 2 Type 2 FY2026'} />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="period-start">
            {kind === 'type1' ? 'Date' : 'Start date'}
          </label>
          <input id="period-start" className="input" type="date" required value={start} onChange={(e) => setStart(e.target.value)} />
        </div>
        {kind === 'type2' && (
          <div className="field">
            <label className="field-label" htmlFor="period-end">
              End date
            </label>
            <input id="period-end" className="input" type="date" required value={end} onChange={(e) => setEnd(e.target.value)} />
          </div>
        )}
        <SelectField
          id="period-zone"
          label="Time zone"
          value={timeZone}
          onChange={setTimeZone}
          options={zones.map((z) => ({ value: z, label: z === browserZone ? `${z} (this browser)` : z }))}
          hint="Days begin at midnight here."
        />
      </div>
      <ErrorNotice message={error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Creating…' : 'Create period'}
        </button>
      </div>
    </form>
  );
}

function PeriodTable({ periods }: { periods: Period[] }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function remove(id: string) {
    try {
      await send({ type: 'periods.delete', id });
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
    setConfirming(null);
  }
  return (
    <>
      {error && (
        <div className="notice notice-error table-notice" role="alert">
          <AlertIcon />
          <p>{error}</p>
        </div>
      )}
      <div className="table-wrap">
        <table className="table" aria-label="Audit periods">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Dates</th>
              <th scope="col">Time zone</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {periods.map((p) => (
              <tr key={p.id}>
                <td className="cell-title">{p.name}</td>
                <td>
                  <span className="badge badge-neutral">{p.kind === 'type1' ? 'Type 1' : 'Type 2'}</span>
                </td>
                <td className="cell-dates">
                  {p.kind === 'type1' ? (
                    <>As of {p.start}</>
                  ) : (
                    <>
                      {p.start} to {p.end} <span className="muted">· {formatCount(days(p), 'day')}</span>
                    </>
                  )}
                </td>
                <td>{p.timeZone}</td>
                <td className="cell-nowrap">
                  <div>{formatShort(p.createdAt)}</div>
                  {p.createdBy && (
                    <div className="cell-desc" title={p.createdBy}>
                      by {p.createdBy.replace(/\s*<[^>]*>$/, '')}
                    </div>
                  )}
                </td>
                <td className="cell-actions">
                  <RowDelete
                    name={p.name}
                    asking={confirming === p.id}
                    onAsk={() => setConfirming(p.id)}
                    onKeep={() => setConfirming(null)}
                    onDelete={() => remove(p.id)}
                    question="Delete? Captures stay."
                    confirmLabel="Delete period"
                  >
                    <a className="button button-small" href={hrefTo('/library', { period: p.id })}>
                      View captures
                    </a>
                  </RowDelete>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
