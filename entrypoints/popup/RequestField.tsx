// "Answers request" in the popup: before a capture, the request (and sample) the next capture
// answers, a choice that sticks; after it, attaching the saved capture. The search itself is a
// separate chunk, loaded when the person opens it.
import { lazy, Suspense, useId, useState, type ReactNode } from 'react';
import { AlertIcon, CheckIcon, CrossIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import { describeChoice, STATUS_LABELS } from '@/lib/requests/pick';
import { attachToRequest, type AttachOutcome, type RequestChoice, type RequestItem, type RequestLists } from './requests';

const RequestPicker = lazy(() => import('./RequestPicker').then((m) => ({ default: m.RequestPicker })));

type ReadyLists = Extract<RequestLists, { state: 'ready' }>;

/** The chosen request as it reads now, or why it cannot be used. */
function current(lists: RequestLists, value: RequestChoice | null): { request: RequestItem; text: string } | { missing: string } | null {
  if (!value || lists.state !== 'ready' || lists.period.id !== value.periodId) return null;
  const request = lists.requests.find((r) => r.id === value.requestId);
  if (!request) return { missing: `${value.ref} is no longer in the request list (deleted meanwhile).` };
  if (value.sampleId && !request.samples.some((s) => s.id === value.sampleId)) return { missing: `${value.ref} no longer has sample ${value.sampleId}.` };
  return { request, text: describeChoice(request, value.sampleId) };
}

function Picker(props: { lists: ReadyLists; value: RequestChoice | null; onChange(c: RequestChoice | null): void; onPeriod(id: string): void; onClose(): void }) {
  return (
    <Suspense fallback={<p className="request-hint">Loading requests…</p>}>
      <RequestPicker {...props} />
    </Suspense>
  );
}

function ChoiceSummary({ choice, value, periodName }: { choice: ReturnType<typeof current>; value: RequestChoice; periodName?: string }) {
  if (choice && 'missing' in choice) {
    return (
      <span className="request-current-missing">
        <AlertIcon /> {choice.missing}
      </span>
    );
  }
  return (
    <span className="request-current-body">
      <span className="request-current-name">{choice ? choice.text : value.ref}</span>
      {choice && <span className={`request-status request-status-${choice.request.status}`}>{STATUS_LABELS[choice.request.status]}</span>}
      {choice && (
        <span className="request-current-text">
          <SafeText value={choice.request.text} />
        </span>
      )}
      {choice && periodName && (
        <span className="request-current-period">
          In <SafeText value={periodName} />
        </span>
      )}
    </span>
  );
}

/** Before a capture: which request the next capture answers. Hidden while there is no list to choose from. */
export function RequestField({ lists, value, onChange, onPeriod }: { lists: RequestLists; value: RequestChoice | null; onChange(c: RequestChoice | null): void; onPeriod(id: string): void }) {
  const labelId = useId();
  const [open, setOpen] = useState(false);
  const choice = current(lists, value);
  const hasList = lists.state === 'ready' && lists.requests.length > 0;
  if (!value && !hasList && lists.state !== 'failed') return null;
  if (!value && lists.state === 'failed') return <p className="request-hint request-hint-error">{lists.message}</p>;

  return (
    <div className="request-field" role="group" aria-labelledby={labelId}>
      <span className="field-label" id={labelId}>
        Answers request
      </span>
      <div className="request-current">
        {value ? (
          <ChoiceSummary choice={choice} value={value} periodName={lists.state === 'ready' && lists.periods.length > 1 ? lists.period.name : undefined} />
        ) : (
          <span className="request-current-none">None: the capture answers no request</span>
        )}
        {hasList && (
          <button type="button" className="button button-small" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Done' : value ? 'Change' : 'Choose'}
          </button>
        )}
        {value && (
          <button type="button" className="button button-small button-ghost request-clear" aria-label="Answer no request" title="Answer no request" onClick={() => onChange(null)}>
            <CrossIcon size={14} />
          </button>
        )}
      </div>
      {lists.state === 'failed' && <p className="request-hint request-hint-error">{lists.message}</p>}
      {open && lists.state === 'ready' && <Picker lists={lists} value={value} onChange={onChange} onPeriod={onPeriod} onClose={() => setOpen(false)} />}
    </div>
  );
}

/** After a capture: the outcome of attaching it, and attaching it (again) to a request or sample. */
export function RequestAttach({
  captureId,
  lists,
  outcome: firstOutcome,
  initial,
  onAttached,
  onPeriod,
}: {
  captureId: string;
  lists: RequestLists;
  outcome: AttachOutcome | null;
  /** Preselected in the search: the sticky choice. */
  initial: RequestChoice | null;
  onAttached(choice: RequestChoice, controlIds: string[]): void;
  onPeriod(id: string): void;
}) {
  const [outcomes, setOutcomes] = useState<AttachOutcome[]>(firstOutcome ? [firstOutcome] : []);
  const [open, setOpen] = useState(false);
  const [choice, setChoice] = useState<RequestChoice | null>(initial);
  const [busy, setBusy] = useState(false);
  const attached = outcomes.some((o) => o.ok);

  async function attach() {
    if (!choice) return;
    setBusy(true);
    const outcome = await attachToRequest(captureId, choice);
    setBusy(false);
    setOutcomes((list) => [...list, outcome]);
    if (outcome.ok) {
      setOpen(false);
      onAttached(choice, outcome.controlIds);
    }
  }

  const chosen = choice ? current(lists, choice) : null;
  const usable = !!choice && !(chosen && 'missing' in chosen);
  let body: ReactNode = null;
  if (lists.state === 'failed') body = <p className="request-hint request-hint-error">{lists.message}</p>;
  else if (lists.state === 'no-period') body = <p className="request-hint">No audit period yet: request lists are imported per period, on the dashboard’s Requests page.</p>;
  else if (lists.state === 'ready' && lists.requests.length === 0) {
    body = (
      <p className="request-hint">
        No request list for <SafeText value={lists.period.name} /> yet: import the auditor’s list on the dashboard’s Requests page.
      </p>
    );
  } else if (lists.state === 'ready' && open) {
    body = (
      <>
        <Picker lists={lists} value={choice} onChange={setChoice} onPeriod={onPeriod} onClose={() => setOpen(false)} />
        <div className="request-actions">
          <button type="button" className="button button-primary button-small" disabled={!usable || busy} onClick={() => void attach()}>
            {busy ? 'Attaching…' : choice ? `Attach to ${chosen && 'text' in chosen ? chosen.text : choice.ref}` : 'Choose a request above'}
          </button>
          <button type="button" className="button button-small button-ghost" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </div>
      </>
    );
  } else if (lists.state === 'ready') {
    body = (
      <button type="button" className="button button-small request-open" aria-expanded={false} onClick={() => setOpen(true)}>
        {attached ? 'Attach to another request' : 'Attach to a request'}
      </button>
    );
  }

  return (
    <section className="request-attach" aria-label="Auditor request">
      {outcomes.map((o, i) =>
        o.ok ? (
          <p key={i} className="request-outcome" role="status">
            <CheckIcon size={14} /> {o.text}
          </p>
        ) : (
          <div key={i} className="notice notice-error" role="alert">
            <AlertIcon />
            <p>{o.message}</p>
          </div>
        ),
      )}
      {body}
    </section>
  );
}
