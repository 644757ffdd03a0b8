// The request search, opened from the popup's "Answers request" field (loaded only when opened):
// type to search ids and descriptions, arrows to move, Enter to choose; then, for a request with
// sampled items, which sample the capture fulfils (those not yet answered first).
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { SafeText } from '@/components/SafeText';
import { defaultSampleId, filterRequests, orderSamples, STATUS_LABELS } from '@/lib/requests/pick';
import type { RequestChoice, RequestItem, RequestLists } from './requests';

/** Requests listed at first, and added by each "Show more". */
const PAGE = 100;

export interface RequestPickerProps {
  lists: Extract<RequestLists, { state: 'ready' }>;
  value: RequestChoice | null;
  onChange(choice: RequestChoice | null): void;
  /** Another period's list was chosen. */
  onPeriod(periodId: string): void;
  /** Escape in the search: the person is done. */
  onClose(): void;
}

export function RequestPicker({ lists, value, onChange, onPeriod, onClose }: RequestPickerProps) {
  const baseId = useId();
  const [query, setQuery] = useState('');
  const [includeAnswered, setIncludeAnswered] = useState(false);
  const [active, setActive] = useState(0);
  const [limit, setLimit] = useState(PAGE);
  const listRef = useRef<HTMLUListElement>(null);
  const matches = useMemo(() => filterRequests(lists.requests, { query, includeAnswered, keepId: value?.requestId }), [lists.requests, query, includeAnswered, value?.requestId]);
  const shown = matches.slice(0, limit);
  const chosen = value ? lists.requests.find((r) => r.id === value.requestId) : undefined;
  const openCount = lists.requests.filter((r) => r.status === 'open').length;
  const optionId = (r: RequestItem) => `${baseId}-req-${r.id}`;

  // Opened on an earlier choice: start from it, scrolled into view.
  useEffect(() => {
    const index = value ? shown.findIndex((r) => r.id === value.requestId) : -1;
    if (index > 0) move(index);
  }, []); // only when the search opens

  function choose(request: RequestItem) {
    onChange({ periodId: request.periodId, requestId: request.id, ref: request.ref, sampleId: defaultSampleId(request, value?.requestId === request.id ? value.sampleId : null) });
  }

  function move(index: number) {
    setActive(index);
    const el = listRef.current?.children[index] as HTMLElement | undefined;
    el?.scrollIntoView({ block: 'nearest' });
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (shown.length) move((active + (e.key === 'ArrowDown' ? 1 : -1) + shown.length) % shown.length);
    } else if (e.key === 'Enter') {
      // Enter chooses; it never submits the capture form around the field.
      e.preventDefault();
      const request = shown[active];
      if (request) choose(request);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  }

  const activeRequest = shown[active];
  return (
    <div className="request-picker">
      <div className="request-picker-top">
        <input
          type="text"
          className="input request-search"
          role="combobox"
          aria-label="Search requests"
          aria-expanded="true"
          aria-controls={`${baseId}-list`}
          aria-autocomplete="list"
          aria-activedescendant={activeRequest ? optionId(activeRequest) : undefined}
          autoComplete="off"
          spellCheck={false}
          autoFocus
          placeholder="Search id or description"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
            setLimit(PAGE);
          }}
          onKeyDown={onKeyDown}
        />
        <label className="checkbox request-answered">
          <input type="checkbox" checked={includeAnswered} onChange={(e) => setIncludeAnswered(e.target.checked)} />
          Answered too
        </label>
      </div>
      <div className="request-group-head">
        {lists.periods.length > 1 ? (
          <select className="request-period" aria-label="Audit period" value={lists.period.id} onChange={(e) => onPeriod(e.target.value)}>
            {lists.periods.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        ) : (
          <span className="request-period-name" id={`${baseId}-period`}>
            <SafeText value={lists.period.name} />
          </span>
        )}
        <span className="request-count">
          {openCount} open of {lists.requests.length}
        </span>
      </div>
      <ul ref={listRef} id={`${baseId}-list`} role="listbox" aria-label={`Requests of ${lists.period.name}`} className="request-list">
        {shown.map((r, i) => (
          <li
            key={r.id}
            id={optionId(r)}
            role="option"
            aria-selected={r.id === value?.requestId}
            className={`request-option${i === active ? ' is-active' : ''}`}
            // Keep focus in the search so the keyboard keeps working after a click.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              setActive(i);
              choose(r);
            }}
          >
            <span className="request-option-head">
              <span className="request-ref">
                <SafeText value={r.ref} />
              </span>
              <span className={`request-status request-status-${r.status}`}>{STATUS_LABELS[r.status]}</span>
              {r.samples.length > 0 && (
                <span className="request-meta">
                  {r.fulfilledSamples}/{r.samples.length} samples
                </span>
              )}
              {r.dueDate && <span className={`request-meta request-due${r.overdue ? ' is-overdue' : ''}`}>{r.overdue ? `Overdue · ${r.dueDate}` : `Due ${r.dueDate}`}</span>}
            </span>
            <span className="request-text clamp-2">
              <SafeText value={r.text} />
            </span>
          </li>
        ))}
      </ul>
      {shown.length === 0 && (
        <p className="request-empty" role="status">
          {query.trim() ? 'No request matches.' : includeAnswered ? 'This list is empty.' : 'Every request is answered or submitted. Tick “Answered too” to add more evidence.'}
        </p>
      )}
      {matches.length > shown.length && (
        <p className="request-more">
          Showing {shown.length} of {matches.length}: type to narrow, or{' '}
          <button type="button" className="link-button" onClick={() => setLimit(limit + PAGE)}>
            show {Math.min(PAGE, matches.length - shown.length)} more
          </button>
        </p>
      )}
      {chosen && chosen.samples.length > 0 && value && (
        <div className="request-sample">
          <label className="field-label" htmlFor={`${baseId}-sample`}>
            Sample of {chosen.ref} it fulfils
          </label>
          <select
            id={`${baseId}-sample`}
            className="select"
            value={value.sampleId ?? ''}
            onChange={(e) => onChange({ ...value, sampleId: e.target.value || null })}
          >
            <option value="">The request as a whole</option>
            {(['Not yet answered', 'Answered'] as const).map((group) => {
              const options = orderSamples(chosen.samples).filter((s) => s.answered === (group === 'Answered'));
              return options.length ? (
                <optgroup key={group} label={group}>
                  {options.map((s) => (
                    <option key={s.sample.id} value={s.sample.id}>
                      {`${s.number} of ${chosen.samples.length} · ${s.sample.label}`}
                    </option>
                  ))}
                </optgroup>
              ) : null;
            })}
          </select>
        </div>
      )}
    </div>
  );
}
