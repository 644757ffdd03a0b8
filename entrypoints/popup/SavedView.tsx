// The popup after a capture: what was saved, its tags and note to adjust, and the auditor's
// request it answers. A chunk of its own: the popup's first paint does not wait for it.
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { ControlPicker, type ControlOption } from '@/components/ControlPicker';
import { CopyButton } from '@/components/CopyButton';
import { shortHash } from '@/components/format';
import { CameraIcon, CheckIcon, ExternalIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import { send } from '@/lib/messages';
import { RequestAttach } from './RequestField';
import type { AttachOutcome, RequestChoice, RequestLists } from './requests';

/** What the result view shows: from the `capture` reply, or rebuilt from `captures.get`. */
export interface Saved {
  id: string;
  sha256: string;
  title: string;
  url: string;
  controlIds: string[];
  note: string;
}

export interface SavedViewProps {
  saved: Saved;
  controls: ControlOption[];
  recent: string[];
  onAgain(): void;
  openDashboard(hash: string): void;
  lists: RequestLists;
  attachOutcome: AttachOutcome | null;
  requestChoice: RequestChoice | null;
  onAttached(choice: RequestChoice): void;
  onPeriod(periodId: string): void;
}

export function SavedView({ saved, controls, recent, onAgain, openDashboard, lists, attachOutcome, requestChoice, onAttached, onPeriod }: SavedViewProps) {
  const [thumbnail, setThumbnail] = useState<string | null>(null);
  const [stored, setStored] = useState({ controlIds: saved.controlIds, note: saved.note });
  const [controlIds, setControlIds] = useState(saved.controlIds);
  const [note, setNote] = useState(saved.note);
  const [status, setStatus] = useState<{ kind: 'saving' | 'saved' } | { kind: 'error'; message: string } | null>(null);

  useEffect(() => {
    send({ type: 'captures.image', id: saved.id, kind: 'thumbnail' }).then((img) => setThumbnail(`data:${img.mediaType};base64,${img.base64}`), () => undefined);
  }, [saved.id]);

  const dirty = note !== stored.note || controlIds.length !== stored.controlIds.length || controlIds.some((id) => !stored.controlIds.includes(id));

  async function save(e: FormEvent) {
    e.preventDefault();
    setStatus({ kind: 'saving' });
    try {
      const result = await send({ type: 'annotate', captureId: saved.id, controlIds, note });
      setStored({ controlIds: result.annotation.controlIds, note: result.annotation.note });
      setStatus({ kind: 'saved' });
    } catch (err) {
      setStatus({ kind: 'error', message: (err as Error).message });
    }
  }

  return (
    <section className="saved" aria-labelledby="saved-title">
      <div className="saved-head">
        <span className="saved-check" aria-hidden="true">
          <CheckIcon size={16} />
        </span>
        <div>
          <h1 id="saved-title" className="saved-title">
            Evidence saved
          </h1>
          <p className="saved-sub">Hashed, signed and stored in this browser.</p>
        </div>
      </div>
      <div className="saved-card">
        <div className="saved-thumb">{thumbnail ? <img src={thumbnail} alt="Thumbnail of the saved evidence" /> : <CameraIcon size={22} />}</div>
        <div className="saved-facts">
          <div className="saved-page clamp-2">
            <SafeText value={saved.title || saved.url} />
          </div>
          <dl>
            <div>
              <dt>SHA-256</dt>
              <dd>
                <code title={saved.sha256} aria-label="Short SHA-256">
                  {shortHash(saved.sha256)}…
                </code>
                <CopyButton value={saved.sha256} label="Copy SHA-256" />
              </dd>
            </div>
            <div>
              <dt>ID</dt>
              <dd>
                <code aria-label="Capture id">{saved.id}</code>
              </dd>
            </div>
          </dl>
        </div>
      </div>
      <RequestAttach
        captureId={saved.id}
        lists={lists}
        outcome={attachOutcome}
        initial={requestChoice}
        onPeriod={onPeriod}
        onAttached={(choice, tags) => {
          // Attaching tagged the capture with the request's controls: the form shows them, so saving a note later keeps them.
          const added = tags.filter((id) => !stored.controlIds.includes(id));
          setStored((s) => ({ ...s, controlIds: [...s.controlIds, ...added] }));
          setControlIds((ids) => [...ids, ...added.filter((id) => !ids.includes(id))]);
          onAttached(choice);
        }}
      />
      <form className="capture-form" onSubmit={save} aria-label="Adjust tags and note">
        <ControlPicker label="Controls" controls={controls} recent={recent} value={controlIds} onChange={setControlIds} placeholder="Search controls" />
        <div className="field">
          <label className="field-label" htmlFor="saved-note">
            Note
          </label>
          <textarea id="saved-note" className="textarea" rows={2} maxLength={20000} value={note} onChange={(e) => setNote(e.target.value)} />
        </div>
        <ErrorNotice message={status?.kind === 'error' ? status.message : null} />
        <div className="saved-actions">
          <button type="submit" className="button button-primary" disabled={!dirty || status?.kind === 'saving'}>
            {status?.kind === 'saving' ? 'Saving…' : 'Save changes'}
          </button>
          {status?.kind === 'saved' && !dirty && (
            <span className="saved-ok" role="status">
              <CheckIcon /> Changes saved
            </span>
          )}
        </div>
      </form>
      <div className="saved-nav">
        <button type="button" className="button" onClick={onAgain}>
          <CameraIcon size={16} /> New capture
        </button>
        <button type="button" className="button button-ghost" onClick={() => openDashboard(`/capture/${saved.id}`)}>
          View in dashboard <ExternalIcon />
        </button>
      </div>
    </section>
  );
}
