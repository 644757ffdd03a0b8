// The toolbar popup: capture the tab in front of you, tagged and annotated, in one keystroke.
// It talks to the background only through messages and imports no database code, so it opens
// fast. The capture itself runs in the background: closing the popup loses nothing, and the
// outcome is shown again when the popup reopens within a minute.
import { lazy, Suspense, useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { browser } from 'wxt/browser';
import { ControlPicker, type ControlOption } from '@/components/ControlPicker';
import { formatAgo, hostOf } from '@/components/format';
import { AlertIcon, CameraIcon, CheckIcon, ExternalIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import { whyNotCapturable } from '@/lib/capture/uncapturable';
import type { ResponseOf } from '@/lib/handlers';
import { send } from '@/lib/messages';
import { defaultSampleId } from '@/lib/requests/pick';
import { RequestField } from './RequestField';
import {
  attachToRequest,
  forgetPendingAttach,
  loadRequestLists,
  pendingAttachFor,
  rememberedRequest,
  rememberPendingAttach,
  rememberRequest,
  type AttachOutcome,
  type RequestChoice,
  type RequestLists,
} from './requests';
import type { Saved } from './SavedView';
import { inTab, settingsReply, targetReply, type Target } from './startup';

// The view after a capture is a chunk of its own, fetched when a capture starts.
const loadSavedView = () => import('./SavedView');
const SavedView = lazy(() => loadSavedView().then((m) => ({ default: m.SavedView })));

type Settings = ResponseOf<'settings.get'>;
type Job = NonNullable<ResponseOf<'capture.last'>>;

type Phase = { kind: 'ready' } | { kind: 'capturing' } | { kind: 'saved'; saved: Saved; attach: AttachOutcome | null } | { kind: 'failed'; message: string };

const OUTCOME_WINDOW_MS = 60_000;
const FIRST_RENDER_MARK = 'exhibit:popup-first-render';
const INTERACTIVE_MARK = 'exhibit:popup-interactive';

/** What the capture button takes: the visible part, the whole page, or an element or region the person picks. */
type CaptureChoice = 'visible' | 'full-page' | 'pick';
const CHOICES: Array<{ value: CaptureChoice; label: string; button: string }> = [
  { value: 'visible', label: 'Visible part', button: 'Capture visible tab' },
  { value: 'full-page', label: 'Full page', button: 'Capture full page' },
  { value: 'pick', label: 'Element or region', button: 'Pick element or region' },
];
// The last choice is remembered in this browser, like a camera's mode dial.
const CHOICE_KEY = 'exhibit.popup.captureChoice';
const REDACT_KEY = 'exhibit.popup.redact';
function rememberedChoice(): CaptureChoice {
  const saved = localStorage.getItem(CHOICE_KEY);
  return CHOICES.some((c) => c.value === saved) ? (saved as CaptureChoice) : 'visible';
}
function openDashboard(hash: string) {
  void browser.tabs.create({ url: browser.runtime.getURL(`/dashboard.html#${hash}`) });
  if (!inTab) window.close();
}

async function loadSaved(captureId: string): Promise<Saved> {
  const detail = await send({ type: 'captures.get', id: captureId });
  return {
    id: detail.capture.id,
    sha256: detail.capture.image.sha256,
    title: detail.capture.title,
    url: detail.capture.url,
    controlIds: detail.annotation.controlIds,
    note: detail.annotation.note,
  };
}

export function Popup() {
  const [target, setTarget] = useState<Target | null>(null);
  const [targetError, setTargetError] = useState<string | null>(null);
  const [settings, setSettings] = useState<Settings | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [controls, setControls] = useState<ControlOption[]>([]);
  const [recent, setRecent] = useState<string[]>([]);
  const [controlIds, setControlIds] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'ready' });
  const [lastJob, setLastJob] = useState<Job | null>(null);
  const [choice, setChoice] = useState<CaptureChoice>(rememberedChoice);
  const [redact, setRedact] = useState(() => localStorage.getItem(REDACT_KEY) === 'true');
  /** The background's job for the capture this popup started, while it runs. */
  const [running, setRunning] = useState<Job | null>(null);
  const [requestChoice, setRequestChoice] = useState<RequestChoice | null>(rememberedRequest);
  const [requestLists, setRequestLists] = useState<RequestLists>({ state: 'loading' });
  /** Attaching the capture an earlier popup started (it closed while the person picked or redacted). */
  const [laterAttach, setLaterAttach] = useState<AttachOutcome | null>(null);

  function chooseRequest(next: RequestChoice | null) {
    setRequestChoice(next);
    rememberRequest(next);
  }

  /** (Re)loads a period's request list; a remembered sample already answered gives way to the next unanswered one. */
  async function refreshRequests(periodId?: string) {
    const lists = await loadRequestLists(periodId);
    setRequestLists(lists);
    if (lists.state !== 'ready') return;
    setRequestChoice((choice) => {
      const request = choice && lists.requests.find((r) => r.id === choice.requestId);
      if (!choice || !request || !choice.sampleId) return choice;
      const sampleId = defaultSampleId(request, choice.sampleId) ?? choice.sampleId;
      if (sampleId === choice.sampleId) return choice;
      rememberRequest({ ...choice, sampleId });
      return { ...choice, sampleId };
    });
  }

  useEffect(() => {
    targetReply.then(setTarget, (err: Error) => setTargetError(err.message));
    // Request lists are for later: they load once the capture button's own answers are in.
    settingsReply.then(setSettings, (err: Error) => setLoadError(err.message)).finally(() => void refreshRequests(rememberedRequest()?.periodId));
    send({ type: 'controls.list' }).then(
      (r) => {
        setControls(r.controls);
        setRecent(r.recent);
      },
      (err: Error) => setLoadError(err.message),
    );
    send({ type: 'capture.last' }).then((job) => {
      if (job && Date.now() - Date.parse(job.finishedAt ?? job.startedAt) < OUTCOME_WINDOW_MS) setLastJob(job);
    }, () => undefined);
  }, []);

  // A capture started before the popup last closed may still be running: follow it to its end.
  useEffect(() => {
    if (lastJob?.state !== 'running') return;
    const timer = setInterval(() => {
      send({ type: 'capture.last' }).then((job) => {
        if (job && job.id === lastJob.id && job.state !== 'running') setLastJob(job);
      }, () => undefined);
    }, 250);
    return () => clearInterval(timer);
  }, [lastJob]);

  // While this popup's own capture runs: its progress (full page), and when it waits for the person
  // (picking in the page, the redaction editor) the popup steps aside.
  useEffect(() => {
    if (phase.kind !== 'capturing') {
      setRunning(null);
      return;
    }
    const timer = setInterval(() => {
      send({ type: 'capture.last' }).then((job) => {
        if (job?.state !== 'running') return;
        setRunning(job);
        if (job.stage && requestChoice) rememberPendingAttach(job.id, requestChoice);
        if (job.stage && !inTab) window.close();
      }, () => undefined);
    }, 250);
    return () => clearInterval(timer);
  }, [phase.kind, requestChoice]);

  // That earlier popup's capture, now saved: attach it to the request chosen for it.
  useEffect(() => {
    if (lastJob?.state === 'failed') forgetPendingAttach();
    const pending = lastJob?.state === 'saved' && lastJob.captureId ? pendingAttachFor(lastJob.id) : null;
    if (!pending || !lastJob?.captureId) return;
    forgetPendingAttach();
    void attachToRequest(lastJob.captureId, pending).then((outcome) => {
      setLaterAttach(outcome);
      void refreshRequests(pending.periodId);
    });
  }, [lastJob]);

  const blocked = target ? whyNotCapturable(target.url) : null;
  const canCapture = !!target && !!settings?.capturer && !blocked && phase.kind !== 'capturing' && lastJob?.state !== 'running';

  // Performance marks for `npm run bench` (bench/popup.ts): first commit, and the first commit
  // with the capture button enabled (effects run after React attached its handlers).
  useEffect(() => {
    performance.mark(FIRST_RENDER_MARK);
  }, []);
  useEffect(() => {
    if (canCapture && performance.getEntriesByName(INTERACTIVE_MARK).length === 0) performance.mark(INTERACTIVE_MARK);
  }, [canCapture]);

  async function capture(e?: FormEvent) {
    e?.preventDefault();
    if (!canCapture || !target) return;
    setPhase({ kind: 'capturing' });
    setLastJob(null);
    setLaterAttach(null);
    void loadSavedView();
    const answers = requestChoice;
    try {
      const summary = await send({ type: 'capture', tabId: target.id, mode: choice === 'pick' ? 'element' : choice, redact, controlIds, note });
      // The capture is saved whatever happens next; attaching it is one more message.
      const attach = answers ? await attachToRequest(summary.id, answers) : null;
      forgetPendingAttach();
      setPhase({ kind: 'saved', saved: { id: summary.id, sha256: summary.sha256, title: summary.title, url: summary.url, controlIds: attach?.ok ? attach.controlIds : summary.controlIds, note: summary.note }, attach });
      if (answers) void refreshRequests(answers.periodId);
    } catch (err) {
      setPhase({ kind: 'failed', message: (err as Error).message });
    }
  }

  async function showJob(job: Job) {
    if (!job.captureId) return;
    try {
      setPhase({ kind: 'saved', saved: await loadSaved(job.captureId), attach: null });
      setLastJob(null);
    } catch (err) {
      setPhase({ kind: 'failed', message: (err as Error).message });
    }
  }

  function onNoteKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void capture();
    }
  }

  const capturer = settings?.capturer;
  return (
    <main className={`popup${inTab ? ' popup-in-tab' : ''}`} aria-label="Exhibit capture">
      <header className="popup-head">
        <span className="popup-brand">
          <span className="popup-mark" aria-hidden="true">
            <CameraIcon size={16} />
          </span>
          Exhibit
        </span>
        <button type="button" className="button button-small button-ghost" onClick={() => openDashboard('/library')}>
          Open dashboard <ExternalIcon />
        </button>
      </header>

      {phase.kind === 'saved' ? (
        <Suspense fallback={<p className="muted">Opening the saved capture…</p>}>
          <SavedView
            saved={phase.saved}
            controls={controls}
            recent={recent}
            openDashboard={openDashboard}
            lists={requestLists}
            attachOutcome={phase.attach}
            requestChoice={requestChoice}
            onAttached={(c) => {
              chooseRequest(c);
              void refreshRequests(c.periodId);
            }}
            onPeriod={(id) => void refreshRequests(id)}
            onAgain={() => {
              setPhase({ kind: 'ready' });
              setControlIds([]);
              setNote('');
            }}
          />
        </Suspense>
      ) : (
        <>
          <section className="target" aria-label="Page to capture">
            {target ? (
              <>
                <div className="target-title clamp-2">
                  <SafeText value={target.title || target.url || 'Untitled tab'} />
                </div>
                <div className="target-host">{(target.url && hostOf(target.url)) || target.url || 'address not available'}</div>
              </>
            ) : (
              <div className="target-title clamp-2 muted">{targetError ?? 'Finding the tab…'}</div>
            )}
          </section>

          {loadError && (
            <div className="notice notice-error" role="alert">
              <AlertIcon />
              <p>{loadError}</p>
            </div>
          )}
          {settings && !capturer && (
            <div className="notice notice-warn" role="alert">
              <AlertIcon />
              <div className="notice-body">
                <p className="notice-title">Who is capturing?</p>
                <p>Exhibit refuses captures until your name and email are set, so every piece of evidence names its author.</p>
                <button type="button" className="button button-small notice-action" onClick={() => openDashboard('/welcome')}>
                  Set up capturer
                </button>
              </div>
            </div>
          )}
          {blocked && (
            <div className="notice notice-warn" role="alert">
              <AlertIcon />
              <div className="notice-body">
                <p className="notice-title">This page can’t be captured</p>
                <p>{blocked}</p>
              </div>
            </div>
          )}
          {lastJob && <LastOutcome job={lastJob} onShow={() => void showJob(lastJob)} />}
          {laterAttach &&
            (laterAttach.ok ? (
              <p className="request-outcome" role="status">
                <CheckIcon size={14} /> Last capture: {laterAttach.text}
              </p>
            ) : (
              <div className="notice notice-error" role="alert">
                <AlertIcon />
                <p>{laterAttach.message}</p>
              </div>
            ))}
          {phase.kind === 'failed' && (
            <div className="notice notice-error" role="alert">
              <AlertIcon />
              <div className="notice-body">
                <p className="notice-title">Not captured</p>
                <p>{phase.message}</p>
              </div>
            </div>
          )}

          <form className="capture-form" onSubmit={capture} aria-label="Capture">
            <ControlPicker label="Controls" controls={controls} recent={recent} value={controlIds} onChange={setControlIds} recentChips={4} autoFocus placeholder="Search controls, e.g. CC6.2" />
            <div className="field">
              <label className="field-label" htmlFor="capture-note">
                Note
              </label>
              <textarea id="capture-note" className="textarea" rows={2} maxLength={20000} value={note} onChange={(e) => setNote(e.target.value)} onKeyDown={onNoteKey} placeholder="What this shows, e.g. Q4 access review" />
            </div>
            <RequestField lists={requestLists} value={requestChoice} onChange={chooseRequest} onPeriod={(id) => void refreshRequests(id)} />
            <fieldset className="capture-mode">
              <legend className="field-label">Capture</legend>
              <div className="capture-mode-options">
                {CHOICES.map((c) => (
                  <label key={c.value} className={`capture-mode-option${choice === c.value ? ' capture-mode-on' : ''}`}>
                    <input
                      type="radio"
                      name="capture-mode"
                      value={c.value}
                      checked={choice === c.value}
                      disabled={phase.kind === 'capturing'}
                      onChange={() => {
                        setChoice(c.value);
                        localStorage.setItem(CHOICE_KEY, c.value);
                      }}
                    />
                    {c.label}
                  </label>
                ))}
              </div>
              <label className="checkbox capture-redact">
                <input
                  type="checkbox"
                  checked={redact}
                  disabled={phase.kind === 'capturing'}
                  onChange={(e) => {
                    setRedact(e.target.checked);
                    localStorage.setItem(REDACT_KEY, String(e.target.checked));
                  }}
                />
                Redact before saving
              </label>
            </fieldset>
            <button type="submit" className="button button-primary capture-button" disabled={!canCapture} aria-describedby="capture-hint">
              {phase.kind === 'capturing' ? (
                <>
                  <span className="spinner" aria-hidden="true" /> Capturing…
                </>
              ) : (
                <>
                  <CameraIcon size={18} /> {CHOICES.find((c) => c.value === choice)!.button}
                </>
              )}
            </button>
            <p className="capture-hint" id="capture-hint">
              {phase.kind === 'capturing' ? (
                <span role="status">{captureStatus(running)}</span>
              ) : (
                <>
                  <kbd>Enter</kbd> captures · <kbd>Shift</kbd>+<kbd>Enter</kbd> new line in the note
                </>
              )}
            </p>
          </form>
          {phase.kind === 'capturing' && running?.progress && (
            <div className="capture-progress">
              <progress max={running.progress.total} value={running.progress.done} aria-label="Full-page capture progress" />
              <button type="button" className="button button-small" onClick={() => void send({ type: 'capture.cancel', jobId: running.id }).catch(() => undefined)}>
                Cancel
              </button>
            </div>
          )}
        </>
      )}

      {capturer && (
        <footer className="popup-foot">
          Signed as <strong>{capturer.name}</strong> · {capturer.email}
        </footer>
      )}
    </main>
  );
}

/** What a running capture is doing, in words. */
function captureStatus(job: Job | null): string {
  if (job?.stage === 'picking') return 'Pick an element (click) or a region (drag) in the page; Esc cancels.';
  if (job?.stage === 'redacting') return 'Draw and accept redaction boxes in the editor tab, then save there.';
  if (job?.progress) return `Capturing the full page: ${job.progress.done} of ${job.progress.total} viewports…`;
  return 'Hashing and signing… you can close this window; the capture finishes in the background.';
}

function LastOutcome({ job, onShow }: { job: Job; onShow(): void }) {
  if (job.state === 'running') {
    return (
      <div className="notice notice-info" role="status">
        <span className="spinner spinner-dark" aria-hidden="true" />
        <div className="notice-body">
          <p>
            {job.stage === 'picking'
              ? 'The last capture is waiting for you to pick an element or region in the page.'
              : job.stage === 'redacting'
                ? 'The last capture is waiting in the redaction editor tab.'
                : 'The last capture is still being saved…'}
            {job.progress ? ` ${job.progress.done} of ${job.progress.total} viewports.` : ''}
          </p>
          <button type="button" className="link-button" onClick={() => void send({ type: 'capture.cancel', jobId: job.id }).catch(() => undefined)}>
            Cancel it
          </button>
        </div>
      </div>
    );
  }
  if (job.state === 'failed') {
    return (
      <div className="notice notice-error" role="status">
        <AlertIcon />
        <div className="notice-body">
          <p className="notice-title">Last capture failed {formatAgo(job.finishedAt ?? job.startedAt)}</p>
          <p>{job.error?.message ?? 'Nothing was stored.'}</p>
        </div>
      </div>
    );
  }
  return (
    <div className="notice notice-ok" role="status">
      <CheckIcon size={16} />
      <div className="notice-body">
        <p className="notice-title">Last capture saved {formatAgo(job.finishedAt ?? job.startedAt)}</p>
        <button type="button" className="link-button" onClick={onShow}>
          View it and adjust tags
        </button>
      </div>
    </div>
  );
}
