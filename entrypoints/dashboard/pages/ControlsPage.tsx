// The team's controls (create, edit, delete, import from CSV or JSON) and the built-in SOC 2
// criteria they map to.
import { useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ControlPicker } from '@/components/ControlPicker';
import { ImportProblems } from '@/components/ImportProblems';
import { RowDelete } from '@/components/RowDelete';
import { SelectField } from '@/components/SelectField';
import { formatCount } from '@/components/format';
import { AlertIcon, CheckIcon, ChevronIcon, UploadIcon } from '@/components/icons';
import { CRITERIA_CONTROLS, SOC2_CRITERIA } from '@/lib/controls/catalog';
import { ExhibitError } from '@/lib/errors';
import { send } from '@/lib/messages';
import type { Cadence, CustomControl } from '@/lib/schema';
import { useTeamControls } from '../data';
import { hrefTo } from '../router';
import { ErrorNotice } from '@/components/ErrorNotice';

const CADENCES: Array<{ value: Cadence; label: string }> = [
  { value: 'continuous', label: 'Continuous' },
  { value: 'daily', label: 'Daily' },
  { value: 'weekly', label: 'Weekly' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'quarterly', label: 'Quarterly' },
  { value: 'annually', label: 'Annually' },
  { value: 'per-event', label: 'Per event' },
];
const cadenceLabel = (c: Cadence) => CADENCES.find((x) => x.value === c)?.label ?? c;

const CSV_TEMPLATE = 'id,title,description,owner,cadence,criteria\nAC-01,Quarterly access review,Review of every in-scope system’s users,it@example.com,quarterly,CC6.2;CC6.3\n';

interface RowError {
  row: number;
  field?: string;
  message: string;
}

type ImportOutcome = { kind: 'ok'; file: string; imported: number; created: number; updated: number } | { kind: 'error'; file: string; message: string; rows: RowError[] };

export function ControlsPage() {
  const team = useTeamControls();
  const [editing, setEditing] = useState<CustomControl | 'new' | null>(null);
  const [importOutcome, setImportOutcome] = useState<ImportOutcome | null>(null);
  const [flash, setFlash] = useState<string | null>(null);

  return (
    <section className="page" aria-labelledby="controls-title">
      <header className="page-head">
        <div>
          <h1 id="controls-title">Controls</h1>
          <p className="page-sub">Your team’s controls, each mapped to the SOC 2 criteria it addresses. Captures are tagged with these or with the criteria directly.</p>
        </div>
        <div className="page-actions">
          <ImportButton onOutcome={setImportOutcome} />
          <button
            type="button"
            className="button button-primary"
            onClick={() => {
              setEditing('new');
              setFlash(null);
            }}
          >
            New control
          </button>
        </div>
      </header>

      {importOutcome && <ImportResult outcome={importOutcome} onClose={() => setImportOutcome(null)} />}
      {flash && (
        <div className="notice notice-ok page-notice" role="status">
          <CheckIcon size={16} />
          <p>{flash}</p>
        </div>
      )}
      {editing && (
        <ControlForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : editing}
          existingIds={new Set(team?.map((c) => c.id))}
          onDone={(saved) => {
            setEditing(null);
            if (saved) setFlash(`Saved control ${saved}.`);
          }}
        />
      )}

      <section className="card-panel" aria-labelledby="team-controls-title">
        <div className="panel-head">
          <h2 className="panel-title" id="team-controls-title">
            Your controls
          </h2>
          <span className="muted">{team ? formatCount(team.length, 'control') : ''}</span>
        </div>
        {team && team.length === 0 ? (
          <div className="empty empty-compact">
            <h3>No controls of your own yet</h3>
            <p>Create one, or import your control library from a spreadsheet (CSV) or JSON file. Until then, tag captures with the SOC 2 criteria below.</p>
          </div>
        ) : (
          <TeamTable
            controls={team ?? []}
            onEdit={(c) => {
              setEditing(c);
              setFlash(null);
            }}
            onDeleted={(id) => setFlash(`Deleted control ${id}.`)}
          />
        )}
      </section>

      <CriteriaCatalog />
    </section>
  );
}

function TeamTable({ controls, onEdit, onDeleted }: { controls: CustomControl[]; onEdit(c: CustomControl): void; onDeleted(id: string): void }) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<{ id: string; message: string } | null>(null);

  async function remove(id: string) {
    try {
      await send({ type: 'controls.delete', id });
      setConfirming(null);
      setError(null);
      onDeleted(id);
    } catch (err) {
      setConfirming(null);
      setError({ id, message: (err as Error).message });
    }
  }

  return (
    <>
      {error && (
        <div className="notice notice-error table-notice" role="alert">
          <AlertIcon />
          <p>
            Could not delete {error.id}: {error.message}
          </p>
        </div>
      )}
      <div className="table-wrap">
        <table className="table" aria-label="Your controls">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">Title</th>
              <th scope="col">Owner</th>
              <th scope="col">Cadence</th>
              <th scope="col">Criteria</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {controls.map((c) => (
              <tr key={c.id}>
                <td className="cell-id">
                  <a href={hrefTo('/library', { control: c.id })} title={`Captures tagged ${c.id}`}>
                    {c.id}
                  </a>
                </td>
                <td className="cell-title">
                  <div>{c.title}</div>
                  {c.description && <div className="cell-desc">{c.description}</div>}
                </td>
                <td>{c.owner || <span className="muted">—</span>}</td>
                <td>{cadenceLabel(c.cadence)}</td>
                <td>
                  <div className="tag-list">
                    {c.criteria.length ? (
                      c.criteria.map((id) => (
                        <span key={id} className="tag">
                          {id}
                        </span>
                      ))
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </div>
                </td>
                <td className="cell-actions">
                  <RowDelete name={c.id} asking={confirming === c.id} onAsk={() => setConfirming(c.id)} onKeep={() => setConfirming(null)} onDelete={() => remove(c.id)}>
                    <button type="button" className="button button-small" aria-label={`Edit ${c.id}`} onClick={() => onEdit(c)}>
                      Edit
                    </button>
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

function ControlForm({ initial, existingIds, onDone }: { initial: CustomControl | null; existingIds: Set<string>; onDone(saved: string | null): void }) {
  const [id, setId] = useState(initial?.id ?? '');
  const [title, setTitle] = useState(initial?.title ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [owner, setOwner] = useState(initial?.owner ?? '');
  const [cadence, setCadence] = useState<Cadence>(initial?.cadence ?? 'quarterly');
  const [criteria, setCriteria] = useState<string[]>(initial?.criteria ?? []);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function save(e: FormEvent) {
    e.preventDefault();
    const trimmed = id.trim();
    if (!initial && existingIds.has(trimmed)) {
      setError(`A control with the id ${trimmed} already exists. Edit it in the table, or choose another id.`);
      return;
    }
    setSaving(true);
    try {
      await send({ type: 'controls.save', control: { id: trimmed, title, description, owner, cadence, criteria } });
      onDone(trimmed);
    } catch (err) {
      setError((err as Error).message);
      setSaving(false);
    }
  }

  return (
    <form className="card-panel control-form" aria-labelledby="control-form-title" onSubmit={save}>
      <h2 className="panel-title" id="control-form-title">
        {initial ? `Edit control ${initial.id}` : 'New control'}
      </h2>
      <div className="form-grid">
        <div className="field">
          <label className="field-label" htmlFor="control-id">
            Control ID
          </label>
          <input
            id="control-id"
            className="input"
            required
            maxLength={64}
            value={id}
            disabled={!!initial}
            onChange={(e) => setId(e.target.value)}
            placeholder="AC-01"
            aria-describedby="control-id-hint"
          />
          <p className="field-hint" id="control-id-hint">
            Letters, digits, . _ : - ; not a criterion id like CC6.1.
          </p>
        </div>
        <div className="field form-span-2">
          <label className="field-label" htmlFor="control-title">
            Title
          </label>
          <input id="control-title" className="input" required maxLength={300} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Quarterly user access review" />
        </div>
        <div className="field">
          <label className="field-label" htmlFor="control-owner">
            Owner
          </label>
          <input id="control-owner" className="input" maxLength={320} value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="it-lead@acme.example" />
        </div>
        <SelectField id="control-cadence" label="Cadence" value={cadence} onChange={(c) => setCadence(c as Cadence)} options={CADENCES} />
        <div className="form-span-2">
          <ControlPicker label="Mapped SOC 2 criteria" controls={CRITERIA_CONTROLS} value={criteria} onChange={setCriteria} placeholder="Search criteria, e.g. CC6.2 or access" />
        </div>
        <div className="field form-span-3">
          <label className="field-label" htmlFor="control-description">
            Description
          </label>
          <textarea id="control-description" className="textarea" rows={2} maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What the control does and what evidence shows it operating" />
        </div>
      </div>
      <ErrorNotice message={error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : initial ? 'Save control' : 'Create control'}
        </button>
        <button type="button" className="button button-ghost" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function ImportButton({ onOutcome }: { onOutcome(outcome: ImportOutcome | null): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  async function onFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    // Cleared so picking the same file again (after fixing it) imports again.
    e.target.value = '';
    if (!file) return;
    onOutcome(null);
    setBusy(true);
    const format = /\.json$/i.test(file.name) || file.type === 'application/json' ? 'json' : 'csv';
    try {
      const result = await send({ type: 'controls.import', format, text: await file.text() });
      onOutcome({ kind: 'ok', file: file.name, ...result });
    } catch (err) {
      const rows = err instanceof ExhibitError ? ((err.details as { rows?: RowError[] } | undefined)?.rows ?? []) : [];
      onOutcome({ kind: 'error', file: file.name, message: (err as Error).message, rows });
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <input ref={input} id="import-controls" className="visually-hidden" type="file" accept=".csv,.json,text/csv,application/json" onChange={onFile} aria-label="Import controls from a CSV or JSON file" />
      <button type="button" className="button" disabled={busy} onClick={() => input.current?.click()}>
        <UploadIcon />
        {busy ? 'Importing…' : 'Import CSV or JSON'}
      </button>
    </>
  );
}

function ImportResult({ outcome, onClose }: { outcome: ImportOutcome; onClose(): void }) {
  if (outcome.kind === 'ok') {
    return (
      <div className="notice notice-ok page-notice" role="status">
        <CheckIcon size={16} />
        <div className="notice-body">
          <p className="notice-title">
            Imported {formatCount(outcome.imported, 'control')} from {outcome.file}
          </p>
          <p>
            {outcome.created} new, {outcome.updated} updated.
          </p>
        </div>
        <button type="button" className="button button-small button-ghost" onClick={onClose}>
          Dismiss
        </button>
      </div>
    );
  }
  return (
    <div className="notice notice-error page-notice import-errors" role="alert">
      <AlertIcon />
      <div className="notice-body">
        <p className="notice-title">{outcome.file} was not imported</p>
        <p>{outcome.message} Fix the rows below and import the file again.</p>
        <ImportProblems rows={outcome.rows} />
        <details className="format-help">
          <summary>Expected file format</summary>
          <p>
            CSV: a header row with <code>id</code> and <code>title</code>, optionally <code>description</code>, <code>owner</code>, <code>cadence</code> and <code>criteria</code> (criterion ids
            separated by <code>;</code>). JSON: an array of controls with the same fields.
          </p>
          <a href={`data:text/csv;charset=utf-8,${encodeURIComponent(CSV_TEMPLATE)}`} download="exhibit-controls-template.csv">
            Download a CSV template
          </a>
        </details>
      </div>
      <button type="button" className="button button-small button-ghost" onClick={onClose}>
        Dismiss
      </button>
    </div>
  );
}

function CriteriaCatalog() {
  const categories = [...new Set(SOC2_CRITERIA.map((c) => c.category))];
  return (
    <section className="card-panel" aria-labelledby="criteria-title">
      <div className="panel-head">
        <h2 className="panel-title" id="criteria-title">
          SOC 2 criteria
        </h2>
        <span className="muted">{SOC2_CRITERIA.length} built in · titles in our own words</span>
      </div>
      <div className="criteria">
        {categories.map((category) => {
          const items = SOC2_CRITERIA.filter((c) => c.category === category);
          return (
            <details key={category} className="criteria-group">
              <summary>
                <ChevronIcon />
                <span className="criteria-name">{category}</span>
                <span className="muted">
                  {items[0]!.id}
                  {items.length > 1 ? `–${items.at(-1)!.id}` : ''} · {formatCount(items.length, 'criterion', 'criteria')}
                </span>
              </summary>
              <ul className="criteria-list">
                {items.map((c) => (
                  <li key={c.id}>
                    <a className="criteria-id" href={hrefTo('/library', { control: c.id })} title={`Captures tagged ${c.id}`}>
                      {c.id}
                    </a>
                    <span>{c.title}</span>
                  </li>
                ))}
              </ul>
            </details>
          );
        })}
      </div>
    </section>
  );
}
