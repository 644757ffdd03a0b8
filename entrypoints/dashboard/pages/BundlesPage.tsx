// Evidence bundles: export a period's evidence as a signed BagIt zip, verify a bundle someone
// hands you, import a colleague's bundle, and the signing-key fingerprints to give the auditor.
// The export runs in this page (it only reads the library); imports go through the background,
// the library's one writer.
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { browser } from 'wxt/browser';
import { ControlPicker } from '@/components/ControlPicker';
import { CopyButton } from '@/components/CopyButton';
import { SafeText } from '@/components/SafeText';
import { formatBytes, formatCount, formatShort, groupHex, viewerTimeZone } from '@/components/format';
import { AlertIcon, CheckIcon, UploadIcon } from '@/components/icons';
import { planExport, runExport, type ExportProgress, type ExportSelection } from '@/lib/bundle/export';
import { stageIncomingBundle } from '@/lib/bundle/incoming';
import { downloadSink, folderSink, type DeliveredFile } from '@/lib/bundle/sinks';
import { verifyZipBlob, type VerifyProblem, type VerifyReport } from '@/lib/bundle/verify';
import { getDb } from '@/lib/db';
import { ExhibitError } from '@/lib/errors';
import { getInstallation } from '@/lib/installation';
import { send } from '@/lib/messages';
import { useAllControls, useDistinct, usePeriods } from '../data';
import { useSettings } from '../settings';
import './BundlesPage.css';
import { ErrorNotice } from '@/components/ErrorNotice';

/** Downloads are split into volumes of this size; a folder the person picks takes any size. */
const DOWNLOAD_VOLUME_BYTES = 1024 ** 3;

type DirectoryPicker = (options: { mode: 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>;
const showDirectoryPicker = (globalThis as unknown as { showDirectoryPicker?: DirectoryPicker }).showDirectoryPicker;

export function BundlesPage() {
  return (
    <section className="page bundles" aria-labelledby="bundles-title">
      <header className="page-head">
        <div>
          <h1 id="bundles-title">Evidence bundles</h1>
          <p className="page-sub">
            One zip per audit period: a BagIt bag any auditor can open offline, browse by control, and check byte for byte with <code>npx exhibit verify</code> or any BagIt
            validator.
          </p>
        </div>
      </header>
      <ExportPanel />
      <VerifyPanel />
      <ImportPanel />
      <KeysPanel />
    </section>
  );
}

function ExportPanel() {
  const periods = usePeriods();
  const controls = useAllControls();
  const systems = useDistinct('context.system');
  const { settings } = useSettings();
  const [scope, setScope] = useState<'period' | 'range'>('period');
  const [periodId, setPeriodId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [controlIds, setControlIds] = useState<string[]>([]);
  const [chosenSystems, setChosenSystems] = useState<string[]>([]);
  const [includeUntagged, setIncludeUntagged] = useState(true);
  const [target, setTarget] = useState<'download' | 'folder'>('download');
  const [progress, setProgress] = useState<ExportProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<{ files: (DeliveredFile & { bytes: number; captures: number })[]; captures: number; seconds: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const zone = viewerTimeZone();
  const effectivePeriod = periodId || periods?.[0]?.id || '';

  async function start(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setResult(null);
    const selection: ExportSelection = {
      ...(scope === 'period' ? { periodId: effectivePeriod } : { from, to, timeZone: zone }),
      ...(controlIds.length ? { controlIds } : {}),
      ...(chosenSystems.length ? { systems: chosenSystems } : {}),
      includeUntagged: controlIds.length ? false : includeUntagged,
    };
    let dir: FileSystemDirectoryHandle | null = null;
    if (target === 'folder' && showDirectoryPicker) {
      try {
        dir = await showDirectoryPicker({ mode: 'readwrite', id: 'exhibit-bundles' });
      } catch {
        return;
      }
    }
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    const started = performance.now();
    try {
      const db = getDb();
      const identity = {
        organization: settings?.organization ?? '',
        exportedBy: settings?.capturer ? { name: settings.capturer.name, email: settings.capturer.email } : null,
        signer: await getInstallation(db),
        exhibitVersion: browser.runtime.getManifest().version,
      };
      const plan = await planExport(db, selection, identity, { maxVolumeBytes: dir ? undefined : DOWNLOAD_VOLUME_BYTES });
      setProgress({ phase: 'writing', volume: 1, volumes: plan.volumes.length, filesDone: 0, filesTotal: plan.filesTotal * 2 });
      const outcome = await runExport(db, plan, identity, dir ? folderSink(dir) : downloadSink(), { signal: controller.signal, onProgress: setProgress });
      const delivered = outcome.delivered as DeliveredFile[];
      setResult({
        captures: outcome.captures,
        seconds: (performance.now() - started) / 1000,
        files: outcome.files.map((f, i) => ({ ...delivered[i]!, bytes: f.bytes, captures: f.captures })),
      });
    } catch (err) {
      setError(err instanceof ExhibitError || err instanceof Error ? err.message : String(err));
    } finally {
      setRunning(false);
      setProgress(null);
      abort.current = null;
    }
  }

  const systemList = systems ?? [];
  return (
    <form className="card-panel bundle-panel" aria-labelledby="export-title" onSubmit={start}>
      <div className="panel-head">
        <h2 className="panel-title" id="export-title">
          Export a bundle
        </h2>
      </div>
      <fieldset className="segmented" disabled={running}>
        <legend className="field-label">What to export</legend>
        <label className={scope === 'period' ? 'is-checked' : ''}>
          <input type="radio" name="bundle-scope" value="period" checked={scope === 'period'} onChange={() => setScope('period')} />
          <span>An audit period</span>
        </label>
        <label className={scope === 'range' ? 'is-checked' : ''}>
          <input type="radio" name="bundle-scope" value="range" checked={scope === 'range'} onChange={() => setScope('range')} />
          <span>A date range</span>
        </label>
      </fieldset>
      <div className="form-grid">
        {scope === 'period' ? (
          <div className="field form-span-2">
            <label className="field-label" htmlFor="bundle-period">
              Audit period
            </label>
            {periods && periods.length === 0 ? (
              <p className="field-hint" id="bundle-period">
                No audit periods yet: create one under Audit periods, or export a date range.
              </p>
            ) : (
              <select id="bundle-period" className="select" value={effectivePeriod} onChange={(e) => setPeriodId(e.target.value)} disabled={running} required>
                {(periods ?? []).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} ({p.start === p.end ? p.start : `${p.start} to ${p.end}`})
                  </option>
                ))}
              </select>
            )}
          </div>
        ) : (
          <>
            <div className="field">
              <label className="field-label" htmlFor="bundle-from">
                First day
              </label>
              <input id="bundle-from" className="input" type="date" required value={from} onChange={(e) => setFrom(e.target.value)} disabled={running} />
            </div>
            <div className="field">
              <label className="field-label" htmlFor="bundle-to">
                Last day
              </label>
              <input id="bundle-to" className="input" type="date" required min={from || undefined} value={to} onChange={(e) => setTo(e.target.value)} disabled={running} aria-describedby="bundle-zone" />
              <p className="field-hint" id="bundle-zone">
                Days in {zone}.
              </p>
            </div>
          </>
        )}
        <div className="field form-span-2">
          <ControlPicker label="Only these controls (optional)" controls={controls} value={controlIds} onChange={setControlIds} placeholder="All controls" disabled={running} />
        </div>
        {systemList.length > 0 && (
          <fieldset className="field form-span-2 bundle-systems" disabled={running}>
            <legend className="field-label">Only these systems (optional)</legend>
            {systemList.map((s) => (
              <label key={s} className="checkbox">
                <input type="checkbox" checked={chosenSystems.includes(s)} onChange={(e) => setChosenSystems(e.target.checked ? [...chosenSystems, s] : chosenSystems.filter((x) => x !== s))} />
                <SafeText value={s} />
              </label>
            ))}
          </fieldset>
        )}
        <label className="checkbox form-span-2">
          <input type="checkbox" checked={controlIds.length === 0 && includeUntagged} disabled={running || controlIds.length > 0} onChange={(e) => setIncludeUntagged(e.target.checked)} />
          Include captures not tagged with any control (under <code>data/untagged/</code>)
        </label>
        <fieldset className="segmented form-span-2" disabled={running}>
          <legend className="field-label">Save to</legend>
          <label className={target === 'download' ? 'is-checked' : ''}>
            <input type="radio" name="bundle-target" value="download" checked={target === 'download'} onChange={() => setTarget('download')} />
            <span>Downloads (split into 1 GB volumes)</span>
          </label>
          {showDirectoryPicker && (
            <label className={target === 'folder' ? 'is-checked' : ''}>
              <input type="radio" name="bundle-target" value="folder" checked={target === 'folder'} onChange={() => setTarget('folder')} />
              <span>A folder I choose (one zip of any size)</span>
            </label>
          )}
        </fieldset>
      </div>
      {progress && (
        <div className="bundle-progress" role="status" aria-live="polite">
          <progress max={progress.filesTotal} value={progress.filesDone} aria-label="Export progress" />
          <span>
            {progress.phase === 'writing' ? 'Writing' : 'Checking'} {progress.volumes > 1 ? `volume ${progress.volume} of ${progress.volumes}: ` : ''}
            {formatCount(progress.filesDone, 'file')} of {progress.filesTotal.toLocaleString('en-US')} done
          </span>
        </div>
      )}
      <ErrorNotice message={error} />
      {result && (
        <div className="notice notice-ok" role="status" aria-label="Export finished">
          <CheckIcon size={16} />
          <div className="notice-body">
            <p className="notice-title">
              Exported {formatCount(result.captures, 'capture')} in {result.seconds.toFixed(1)} s; every file was read back and verified.
            </p>
            <ul className="bundle-files">
              {result.files.map((f) => (
                <li key={f.fileName}>
                  <code className="bundle-file-name">{f.fileName}</code> · {formatBytes(f.bytes)} · {formatCount(f.captures, 'capture')}
                  <span className="muted bundle-file-path"> saved as {f.path}</span>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
      <div className="form-actions">
        {running ? (
          <button type="button" className="button" onClick={() => abort.current?.abort(new DOMException('The export was cancelled.', 'AbortError'))}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className="button button-primary" disabled={running || (scope === 'period' && !effectivePeriod)}>
          {running ? 'Exporting…' : 'Export bundle'}
        </button>
      </div>
    </form>
  );
}

function DropZone({ id, label, hint, disabled, onFile }: { id: string; label: string; hint: string; disabled: boolean; onFile(file: File): void }) {
  const [over, setOver] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  };
  return (
    <label
      className={`bundle-drop${over ? ' is-over' : ''}${disabled ? ' is-disabled' : ''}`}
      htmlFor={id}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <UploadIcon />
      <span className="bundle-drop-label">{label}</span>
      <span className="muted">{hint}</span>
      <input
        id={id}
        type="file"
        accept=".zip,application/zip"
        className="visually-hidden"
        disabled={disabled}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) onFile(file);
        }}
      />
    </label>
  );
}

function ProblemList({ problems, label }: { problems: readonly VerifyProblem[]; label: string }) {
  return (
    <div className="table-wrap">
      <table className="table table-compact" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {problems.slice(0, 500).map((p, i) => (
            <tr key={i}>
              <td className="mono">
                <SafeText value={p.file} />
              </td>
              <td>
                <SafeText value={p.message} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {problems.length > 500 && <p className="muted">…and {problems.length - 500} more.</p>}
    </div>
  );
}

function VerifyPanel() {
  const [expectKey, setExpectKey] = useState('');
  const [busy, setBusy] = useState<{ name: string; done: number; total: number } | null>(null);
  const [report, setReport] = useState<VerifyReport | null>(null);
  const keyError = expectKey && !/^[0-9a-f]{64}$/.test(expectKey.replace(/[\s:]/g, '').toLowerCase()) ? 'A key fingerprint is 64 hex digits.' : null;

  async function check(file: File) {
    setReport(null);
    setBusy({ name: file.name, done: 0, total: 0 });
    try {
      const keys = expectKey && !keyError ? [expectKey.replace(/[\s:]/g, '').toLowerCase()] : [];
      const { report } = await verifyZipBlob(file, file.name, { expectKeys: keys, onProgress: (done, total) => setBusy({ name: file.name, done, total }) });
      setReport(report);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card-panel bundle-panel" aria-labelledby="verify-title">
      <div className="panel-head">
        <h2 className="panel-title" id="verify-title">
          Verify a bundle
        </h2>
      </div>
      <p className="panel-sub">Checks the BagIt structure, every file’s SHA-256, Payload-Oxum, the bundle signature and every capture’s own signature. Nothing is imported.</p>
      <div className="field">
        <label className="field-label" htmlFor="verify-key">
          Expected signing key (optional)
        </label>
        <input id="verify-key" className="input mono" value={expectKey} onChange={(e) => setExpectKey(e.target.value)} placeholder="64 hex digits given to you out of band" aria-invalid={!!keyError} />
        {keyError && <p className="field-error">{keyError}</p>}
      </div>
      <DropZone id="verify-file" label="Drop a bundle (.zip) here, or choose one" hint="The file stays on this computer." disabled={!!busy} onFile={(f) => void check(f)} />
      {busy && (
        <div className="bundle-progress" role="status" aria-live="polite">
          <progress max={busy.total || 1} value={busy.done} aria-label="Verification progress" />
          <span>
            Checking <SafeText value={busy.name} />: {busy.done} of {busy.total || '…'} files
          </span>
        </div>
      )}
      {report && <VerifyOutcome report={report} />}
    </section>
  );
}

function VerifyOutcome({ report }: { report: VerifyReport }) {
  return report.ok ? (
    <div className="notice notice-ok" role="status" aria-label="Verification result">
      <CheckIcon size={16} />
      <div className="notice-body">
        <p className="notice-title">
          <SafeText value={report.source} /> verifies: {formatCount(report.captures, 'capture')}, {formatCount(report.payloadFiles, 'payload file')} ({formatBytes(report.payloadBytes)}), nothing changed since it was signed.
        </p>
        <p>
          Bundle signed by key <code>{groupHex(report.bundleSigner?.fingerprint ?? '')}</code>
          {report.expectedKeys.length ? ', the expected key.' : '; compare it with the fingerprint the team gave you.'}
        </p>
        {report.captureSigners.map((s) => (
          <p key={s.fingerprint} className="muted">
            {formatCount(s.captures, 'capture')} signed by <SafeText value={s.name || 'an unnamed installation'} /> (<code>{groupHex(s.fingerprint)}</code>)
          </p>
        ))}
      </div>
    </div>
  ) : (
    <div className="notice notice-error" role="alert" aria-label="Verification result">
      <AlertIcon />
      <div className="notice-body">
        <p className="notice-title">
          <SafeText value={report.source} /> does not verify: {formatCount(report.problems.length, 'problem')} in {formatCount(new Set(report.problems.map((p) => p.file)).size, 'file')}.
        </p>
        <ProblemList problems={report.problems} label="Verification problems" />
      </div>
    </div>
  );
}

type ImportOutcome = Awaited<ReturnType<typeof send<'bundle.import'>>>;

function ImportPanel() {
  const [busy, setBusy] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [error, setError] = useState<{ message: string; problems: VerifyProblem[] } | null>(null);

  async function importFile(file: File) {
    setOutcome(null);
    setError(null);
    setBusy(file.name);
    try {
      const opfsPath = await stageIncomingBundle(file);
      setOutcome(await send({ type: 'bundle.import', source: { opfsPath, name: file.name } }));
    } catch (err) {
      const details = (err as ExhibitError).details as { problems?: VerifyProblem[] } | undefined;
      setError({ message: (err as Error).message, problems: details?.problems ?? [] });
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card-panel bundle-panel" aria-labelledby="import-title">
      <div className="panel-head">
        <h2 className="panel-title" id="import-title">
          Import a bundle
        </h2>
      </div>
      <p className="panel-sub">Adds a colleague’s export or a backup to this library. The bundle is verified first; one problem and nothing is imported. Captures already here are skipped.</p>
      <DropZone id="import-file" label="Drop a bundle (.zip) to import, or choose one" hint="Verified before anything is added." disabled={!!busy} onFile={(f) => void importFile(f)} />
      {busy && (
        <div className="bundle-progress" role="status" aria-live="polite">
          <span className="spinner spinner-dark" aria-hidden="true" />
          <span>
            Verifying and importing <SafeText value={busy} />…
          </span>
        </div>
      )}
      {outcome && (
        <div className="notice notice-ok" role="status" aria-label="Import result">
          <CheckIcon size={16} />
          <div className="notice-body">
            <p className="notice-title">
              Imported {formatCount(outcome.added.length, 'new capture')}; skipped {formatCount(outcome.skipped.length, 'capture')} already in the library.
            </p>
            {outcome.bundleSigner && (
              <p>
                Bundle signed by key <code>{groupHex(outcome.bundleSigner.fingerprint)}</code>.
              </p>
            )}
            {outcome.signersAdded.length > 0 && <p>{formatCount(outcome.signersAdded.length, 'new signing key')} added to the keys below.</p>}
            {outcome.unknownControls.length > 0 && (
              <p className="muted">
                Tagged with controls this library does not define: <SafeText value={outcome.unknownControls.join(', ')} />. Create them under Controls to see their coverage.
              </p>
            )}
          </div>
        </div>
      )}
      {error && (
        <div className="notice notice-error" role="alert" aria-label="Import result">
          <AlertIcon />
          <div className="notice-body">
            <p className="notice-title">
              <SafeText value={error.message} />
            </p>
            {error.problems.length > 0 && <ProblemList problems={error.problems} label="Import problems" />}
          </div>
        </div>
      )}
    </section>
  );
}

function KeysPanel() {
  const { settings } = useSettings();
  const signers = useLiveQuery(() => getDb().signers.toArray(), []);
  const mine = settings?.signingKeyFingerprint;
  const sorted = useMemo(() => [...(signers ?? [])].sort((a, b) => (a.fingerprint === mine ? -1 : b.fingerprint === mine ? 1 : a.firstSeenAt.localeCompare(b.firstSeenAt))), [signers, mine]);
  return (
    <section className="card-panel bundle-panel" aria-labelledby="keys-title">
      <div className="panel-head">
        <h2 className="panel-title" id="keys-title">
          Signing keys for your auditor
        </h2>
      </div>
      <p className="panel-sub">
        Give these fingerprints to the auditor directly (not inside the bundle), so <code>exhibit verify --expect-key</code> can prove who signed the evidence.
      </p>
      <div className="table-wrap">
        <table className="table" aria-label="Signing keys">
          <thead>
            <tr>
              <th scope="col">Whose</th>
              <th scope="col">Key fingerprint (SHA-256)</th>
              <th scope="col">First seen</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((s) => (
              <tr key={s.fingerprint} data-fingerprint={s.fingerprint}>
                <td>
                  {s.fingerprint === mine ? <span className="badge badge-ok">This browser</span> : null} <SafeText value={s.name || (s.fingerprint === mine ? settings?.capturer?.name ?? '' : 'Unnamed')} />
                  {s.email && (
                    <span className="muted">
                      {' '}
                      <SafeText value={s.email} />
                    </span>
                  )}
                </td>
                <td>
                  <span className="fingerprint">
                    <code>{groupHex(s.fingerprint)}</code>
                    <CopyButton value={s.fingerprint} label="Copy key fingerprint" />
                  </span>
                </td>
                <td>{formatShort(s.firstSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
