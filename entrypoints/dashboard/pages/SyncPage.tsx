// Team sync: where the team's bucket is, a connection test that says what is wrong in words, and
// what sync is doing (last sync, queue, progress, errors, refused objects, the team's keys).
// Everything goes through the message API (docs/messages.md, "Sync").
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { browser } from 'wxt/browser';
import { AlertIcon, CheckIcon } from '@/components/icons';
import { ExhibitError } from '@/lib/errors';
import { send } from '@/lib/messages';
import type { ResponseOf } from '@/lib/handlers';
import type { SyncTarget } from '@/lib/schema';
import './SyncPage.css';
import { ErrorNotice } from '@/components/ErrorNotice';

export const SyncIcon = () => (
  <svg className="icon" width={16} height={16} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
    <path d="M20 11a8 8 0 0 0-14.9-3M4 4v4h4M4 13a8 8 0 0 0 14.9 3M20 20v-4h-4" />
  </svg>
);

type SettingsView = ResponseOf<'sync.settings.get'>;
type StatusView = ResponseOf<'sync.status'>;
type Report = ResponseOf<'sync.test'>;

interface FormState {
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  addressing: 'path' | 'virtual-host';
  retentionDays: string;
  retentionMode: 'COMPLIANCE' | 'GOVERNANCE';
  intervalMinutes: string;
}

const EMPTY: FormState = {
  endpoint: '',
  region: 'us-east-1',
  bucket: '',
  prefix: 'exhibit/',
  accessKeyId: '',
  secretAccessKey: '',
  addressing: 'path',
  retentionDays: '0',
  retentionMode: 'COMPLIANCE',
  intervalMinutes: '15',
};

function fromTarget(t: SyncTarget | null): FormState {
  if (!t) return EMPTY;
  return { ...t, secretAccessKey: '', retentionDays: String(t.retentionDays), intervalMinutes: String(t.intervalMinutes) };
}

function toTarget(f: FormState) {
  return {
    endpoint: f.endpoint,
    region: f.region,
    bucket: f.bucket,
    prefix: f.prefix,
    accessKeyId: f.accessKeyId,
    addressing: f.addressing,
    retentionDays: Number(f.retentionDays),
    retentionMode: f.retentionMode,
    intervalMinutes: Number(f.intervalMinutes),
  };
}

/** The page-facing origins the endpoint needs, as the background computes them. */
function originsFor(f: FormState): string[] {
  try {
    const u = new URL(f.endpoint.trim());
    return f.addressing === 'virtual-host' ? [`${u.protocol}//${u.hostname}/*`, `${u.protocol}//*.${u.hostname}/*`] : [`${u.protocol}//${u.hostname}/*`];
  } catch {
    return [];
  }
}

function fieldErrors(err: unknown): Record<string, string> {
  const issues = (err instanceof ExhibitError ? (err.details as { issues?: { path: string; message: string }[] } | undefined)?.issues : undefined) ?? [];
  return Object.fromEntries(issues.map((i) => [i.path.replace(/^target\./, ''), i.message]));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : 'never';
}

export function SyncPage() {
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [form, setForm] = useState<FormState>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [busy, setBusy] = useState<'test' | 'save' | 'sync' | null>(null);
  const [status, setStatus] = useState<StatusView | null>(null);

  const refreshStatus = useCallback(() => send({ type: 'sync.status' }).then(setStatus, () => undefined), []);
  useEffect(() => {
    send({ type: 'sync.settings.get' }).then((s) => {
      setSettings(s);
      setForm(fromTarget(s.target));
    });
    void refreshStatus();
    const timer = setInterval(refreshStatus, 1000);
    return () => clearInterval(timer);
  }, [refreshStatus]);

  const set = (k: keyof FormState) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  async function testConnection() {
    setBusy('test');
    setNotice(null);
    setErrors({});
    try {
      setReport(await send({ type: 'sync.test', target: toTarget(form), ...(form.secretAccessKey ? { secretAccessKey: form.secretAccessKey } : {}) }));
    } catch (err) {
      setErrors(fieldErrors(err));
      setReport(null);
      setNotice({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(null);
    }
  }

  function save(e: FormEvent) {
    e.preventDefault();
    setBusy('save');
    setNotice(null);
    setErrors({});
    // Host permission for the endpoint, asked inside the click (the browser requires a gesture).
    // Without it requests still work where the bucket has the CORS rule from docs/sync.md.
    const origins = originsFor(form);
    const asked = origins.length ? browser.permissions.request({ origins }).catch(() => false) : Promise.resolve(false);
    void asked
      .then(() =>
        send({ type: 'sync.settings.set', target: toTarget(form), ...(form.secretAccessKey ? { secretAccessKey: form.secretAccessKey } : {}) }),
      )
      .then(
        (s) => {
          setSettings(s);
          setForm(fromTarget(s.target));
          setNotice({ kind: 'ok', text: 'Saved. Exhibit syncs in the background; press Sync now to start at once.' });
        },
        (err) => {
          setErrors(fieldErrors(err));
          setNotice({ kind: 'error', text: (err as Error).message });
        },
      )
      .finally(() => setBusy(null));
  }

  async function syncNow() {
    setBusy('sync');
    setNotice(null);
    try {
      await send({ type: 'sync.now' });
      setNotice({ kind: 'ok', text: 'Synced.' });
    } catch (err) {
      setNotice({ kind: 'error', text: (err as Error).message });
    } finally {
      setBusy(null);
      void refreshStatus();
    }
  }

  async function disconnect() {
    const s = await send({ type: 'sync.settings.clear' });
    setSettings(s);
    setForm(fromTarget(null));
    setReport(null);
    setNotice({ kind: 'ok', text: 'Sync is off and the credentials are removed from this browser. Nothing in the bucket or the library was deleted.' });
  }

  const field = (k: keyof FormState, label: string, input: ReactNode, hint?: string) => (
    <div className="field">
      <label className="field-label" htmlFor={`sync-${k}`}>
        {label}
      </label>
      {input}
      {hint && <span className="field-hint">{hint}</span>}
      {errors[k] && (
        <span className="field-error" role="alert">
          {errors[k]}
        </span>
      )}
    </div>
  );
  const text = (k: keyof FormState, extra: Record<string, string> = {}) => (
    <input id={`sync-${k}`} className="input" value={form[k]} onChange={set(k)} aria-invalid={!!errors[k]} spellCheck={false} autoComplete="off" {...extra} />
  );

  return (
    <section className="page page-sync" aria-labelledby="sync-title">
      <header className="page-head">
        <div>
          <h1 id="sync-title">Team sync</h1>
          <p className="page-sub">Share evidence through your team’s S3-compatible bucket (AWS S3, Ceph, MinIO, Cloudflare R2). Captures are uploaded as they are, signed and never overwritten.</p>
        </div>
      </header>

      {notice && (
        <div className={`notice ${notice.kind === 'ok' ? 'notice-ok' : 'notice-error'}`} role={notice.kind === 'ok' ? 'status' : 'alert'}>
          {notice.kind === 'ok' ? <CheckIcon size={16} /> : <AlertIcon />}
          <p>{notice.text}</p>
        </div>
      )}

      <SyncStatus status={status} onSync={syncNow} syncing={busy === 'sync'} />

      <form className="card-panel sync-form" onSubmit={save} aria-labelledby="sync-target-title" noValidate>
        <h2 className="panel-title" id="sync-target-title">
          Where to sync
        </h2>
        <p className="panel-sub">The secret stays in this browser’s local storage; it is never synced, logged or shown again. docs/sync.md has the minimal access policy.</p>
        <div className="form-grid form-grid-2">
          {field('endpoint', 'Endpoint', text('endpoint', { placeholder: 'https://s3.eu-central-1.amazonaws.com', inputMode: 'url' }))}
          {field('region', 'Region', text('region'), 'auto for Cloudflare R2')}
          {field('bucket', 'Bucket', text('bucket'))}
          {field('prefix', 'Folder (prefix)', text('prefix'), 'Everything goes under this folder of the bucket')}
          {field('accessKeyId', 'Access key id', text('accessKeyId'))}
          {field(
            'secretAccessKey',
            'Secret access key',
            <input
              id="sync-secretAccessKey"
              className="input"
              type="password"
              value={form.secretAccessKey}
              onChange={set('secretAccessKey')}
              autoComplete="new-password"
              placeholder={settings?.secret.set ? `Stored${settings.secret.hint ? ` (ends ${settings.secret.hint})` : ''}; type to replace` : ''}
              aria-invalid={!!errors.secretAccessKey}
            />,
          )}
          {field(
            'addressing',
            'Addressing',
            <select id="sync-addressing" className="select" value={form.addressing} onChange={set('addressing')}>
              <option value="path">Path style (endpoint/bucket/key)</option>
              <option value="virtual-host">Virtual host (bucket.endpoint/key)</option>
            </select>,
          )}
          {field('intervalMinutes', 'Sync every (minutes)', text('intervalMinutes', { inputMode: 'numeric' }))}
          {field('retentionDays', 'Object Lock retention (days)', text('retentionDays', { inputMode: 'numeric' }), '0: none. Otherwise the bucket must have Object Lock.')}
          {field(
            'retentionMode',
            'Retention mode',
            <select id="sync-retentionMode" className="select" value={form.retentionMode} onChange={set('retentionMode')}>
              <option value="COMPLIANCE">Compliance (nobody can delete early)</option>
              <option value="GOVERNANCE">Governance (privileged users can)</option>
            </select>,
          )}
        </div>
        <div className="form-actions">
          <button type="button" className="button" onClick={testConnection} disabled={busy !== null}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="button button-primary" disabled={busy !== null}>
            Save
          </button>
          {settings?.configured && (
            <button type="button" className="button button-ghost" onClick={disconnect} disabled={busy !== null}>
              Turn off sync
            </button>
          )}
        </div>
        {report && (
          <div className={`notice ${report.ok ? 'notice-ok' : 'notice-error'}`} role="status" aria-label="Connection test">
            {report.ok ? <CheckIcon size={16} /> : <AlertIcon />}
            <div className="notice-body">
              <p className="notice-title">{report.message}</p>
              <ol className="sync-steps">
                {report.steps.map((s) => (
                  <li key={s.step} className={s.ok ? 'is-ok' : 'is-bad'}>
                    <strong>{s.step}</strong>: {s.message}
                  </li>
                ))}
              </ol>
            </div>
          </div>
        )}
      </form>

      {status && <TeamAndQuarantine status={status} />}
    </section>
  );
}

function SyncStatus({ status, onSync, syncing }: { status: StatusView | null; onSync(): void; syncing: boolean }) {
  if (!status) return null;
  const { progress } = status;
  return (
    <section className="card-panel" aria-labelledby="sync-status-title">
      <div className="panel-head">
        <h2 className="panel-title" id="sync-status-title">
          Status
        </h2>
        <button type="button" className="button button-primary" onClick={onSync} disabled={!status.configured || syncing || status.running}>
          {status.running || syncing ? 'Syncing…' : 'Sync now'}
        </button>
      </div>
      {!status.configured && <p className="panel-sub">Sync is off. Enter your team’s bucket below.</p>}
      {status.running && (
        <div className="sync-progress" role="status">
          <span>{status.phase === 'downloading' ? 'Downloading' : 'Uploading'}</span>
          <progress max={Math.max(progress.total, 1)} value={progress.done} aria-label="Sync progress" />
          <span>
            {progress.done} of {progress.total}
          </span>
        </div>
      )}
      <dl className="sync-facts">
        <div>
          <dt>Last sync</dt>
          <dd data-testid="sync-last">{when(status.lastSyncAt)}</dd>
        </div>
        <div>
          <dt>Last successful</dt>
          <dd>{when(status.lastSuccessAt)}</dd>
        </div>
        <div>
          <dt>Waiting to upload</dt>
          <dd data-testid="sync-queued">
            {plural(status.queued.captures, 'capture')}, {plural(status.queued.events, 'annotation change')}
          </dd>
        </div>
        {status.lastRun && (
          <div>
            <dt>Last run</dt>
            <dd>
              {plural(status.lastRun.uploadedCaptures, 'capture')} uploaded; {plural(status.lastRun.importedCaptures, 'capture')} and{' '}
              {plural(status.lastRun.importedEvents, 'annotation change')} downloaded
              {status.lastRun.quarantined ? `; ${status.lastRun.quarantined} refused` : ''}
            </dd>
          </div>
        )}
      </dl>
      {status.lastError && <ErrorNotice message={status.lastError.message} />}
      {status.waiting.length > 0 && (
        <div className="notice notice-info">
          <div className="notice-body">
            <p className="notice-title">Tried again at the next sync</p>
            <ul>
              {status.waiting.slice(0, 10).map((w) => (
                <li key={w}>{w}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}

function TeamAndQuarantine({ status }: { status: StatusView }) {
  return (
    <>
      <section className="card-panel" aria-labelledby="sync-team-title">
        <h2 className="panel-title" id="sync-team-title">
          Team keys
        </h2>
        <p className="panel-sub">Installations whose captures this library holds, by the key that signs them.</p>
        <div className="table-wrap">
          <table className="table" aria-label="Team keys">
            <thead>
              <tr>
                <th>Person</th>
                <th>Key fingerprint</th>
                <th>Installation</th>
              </tr>
            </thead>
            <tbody>
              {status.team.map((t) => (
                <tr key={t.fingerprint}>
                  <td>
                    {t.name || 'Unknown'} {t.email && <span className="muted">&lt;{t.email}&gt;</span>} {t.own && <span className="badge badge-neutral">this browser</span>}
                  </td>
                  <td className="mono">{t.fingerprint.slice(0, 16)}…</td>
                  <td className="mono">{t.installationId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {status.quarantine.count > 0 && (
        <section className="card-panel" aria-labelledby="sync-quarantine-title">
          <h2 className="panel-title" id="sync-quarantine-title">
            Refused objects ({status.quarantine.count})
          </h2>
          <p className="panel-sub">These objects in the bucket failed verification and were not imported as evidence. Someone changed them, or they are not Exhibit’s.</p>
          <div className="table-wrap">
            <table className="table" aria-label="Refused objects">
              <thead>
                <tr>
                  <th>Object</th>
                  <th>Why</th>
                  <th>When</th>
                </tr>
              </thead>
              <tbody>
                {status.quarantine.items.map((q) => (
                  <tr key={q.key}>
                    <td className="mono sync-key">{q.key}</td>
                    <td>
                      <span className="badge badge-bad">{q.reason}</span> {q.message}
                    </td>
                    <td className="cell-nowrap">{when(q.at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
