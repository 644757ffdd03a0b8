// Who is capturing, and for which organization. Every capture is signed with this person's name
// and email, so the background refuses captures until it is set.
import { useState, type FormEvent } from 'react';
import { ExhibitError } from '@/lib/errors';
import { send } from '@/lib/messages';
import type { SettingsView } from './settings';
import { ErrorNotice } from '@/components/ErrorNotice';

interface Issue {
  path: string;
  message: string;
}

export function CapturerForm({ settings, submitLabel, onSaved }: { settings: SettingsView | null; submitLabel: string; onSaved(): void }) {
  const [name, setName] = useState(settings?.capturer?.name ?? '');
  const [email, setEmail] = useState(settings?.capturer?.email ?? '');
  const [team, setTeam] = useState(settings?.capturer?.team ?? '');
  const [organization, setOrganization] = useState(settings?.organization ?? '');
  const [issues, setIssues] = useState<Issue[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const issueFor = (field: string) => issues.find((i) => i.path === `capturer.${field}` || i.path === field)?.message;

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setError(null);
    setIssues([]);
    try {
      await send({ type: 'settings.set', capturer: { name, email, team }, organization });
      onSaved();
    } catch (err) {
      const found = err instanceof ExhibitError ? ((err.details as { issues?: Issue[] } | undefined)?.issues ?? []) : [];
      setIssues(found);
      if (!found.length) setError((err as Error).message);
    } finally {
      setSaving(false);
    }
  }

  const field = (id: string, label: string, value: string, set: (v: string) => void, props: { type?: string; required?: boolean; placeholder?: string; autoComplete?: string; hint?: string; issue?: string }) => (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        {label}
        {!props.required && <span className="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        className="input"
        type={props.type ?? 'text'}
        required={props.required}
        maxLength={id === 'capturer-email' ? 320 : 200}
        value={value}
        placeholder={props.placeholder}
        autoComplete={props.autoComplete}
        aria-invalid={props.issue ? true : undefined}
        aria-describedby={props.issue ? `${id}-error` : props.hint ? `${id}-hint` : undefined}
        onChange={(e) => set(e.target.value)}
      />
      {props.issue ? (
        <p className="field-error" id={`${id}-error`}>
          {props.issue}
        </p>
      ) : (
        props.hint && (
          <p className="field-hint" id={`${id}-hint`}>
            {props.hint}
          </p>
        )
      )}
    </div>
  );

  return (
    <form className="capturer-form" onSubmit={save} aria-label="Who is capturing">
      <div className="form-grid form-grid-2">
        {field('capturer-name', 'Your name', name, setName, { required: true, autoComplete: 'name', placeholder: 'Ada Admin', issue: issueFor('name') })}
        {field('capturer-email', 'Work email', email, setEmail, { type: 'email', required: true, autoComplete: 'email', placeholder: 'ada@acme.example', issue: issueFor('email') })}
        {field('capturer-team', 'Team', team, setTeam, { placeholder: 'IT, Security, Engineering…', issue: issueFor('team') })}
        {field('organization', 'Organization', organization, setOrganization, {
          placeholder: 'Acme Inc.',
          autoComplete: 'organization',
          hint: 'Names the evidence bundles you hand to the auditor.',
          issue: issueFor('organization'),
        })}
      </div>
      <ErrorNotice message={error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  );
}
