// The evidence library: every capture as a thumbnail card, filtered by period, dates, control,
// system, person, text or "untagged". Only the rows on screen are rendered and only their
// summaries and thumbnails are read, so the page stays smooth at 100,000 captures.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLiveQuery } from 'dexie-react-hooks';
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { formatCount, formatShort } from '@/components/format';
import { CameraIcon, SearchIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import { SelectField } from '@/components/SelectField';
import { getDb } from '@/lib/db';
import { describePeriod } from '@/lib/periods/periods';
import type { CaptureSummary } from '@/lib/schema';
import { useAllControls, useDistinct, usePeriods } from '../data';
import { countInRange, findMatches, loadChunk, type LibraryFilter } from '../libraryQuery';
import { hrefTo, navigate, type RouteProps } from '../router';

// Opening the database connection took 35–380 ms at 100,000 captures (Chromium, measured from
// indexedDB.open to its success): when the dashboard opens on the library, it starts as the
// scripts load, not once the page has rendered and its first query runs. A failure is reported by
// the queries themselves.
if (typeof location !== 'undefined' && location.hash.startsWith('#/library')) getDb().open().catch(() => undefined);

// Filter fields and their names in the page's address (#/library?control=CC6.2&person=…).
const QUERY_NAMES = {
  text: 'q',
  periodId: 'period',
  from: 'from',
  to: 'to',
  controlId: 'control',
  system: 'system',
  capturedBy: 'person',
} as const satisfies Record<Exclude<keyof LibraryFilter, 'untagged'>, string>;

function filterFromQuery(query: URLSearchParams): LibraryFilter {
  const filter: LibraryFilter = {};
  for (const [field, name] of Object.entries(QUERY_NAMES) as Array<[keyof typeof QUERY_NAMES, string]>) {
    const value = query.get(name);
    if (value) filter[field] = value;
  }
  if (query.get('untagged') === '1') filter.untagged = true;
  return filter;
}

function queryFromFilter(filter: LibraryFilter): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [field, name] of Object.entries(QUERY_NAMES) as Array<[keyof typeof QUERY_NAMES, string]>) query[name] = filter[field]?.trim() || undefined;
  if (filter.untagged) query.untagged = '1';
  return query;
}

// Grid geometry: cards at least CARD_MIN wide, thumbnails 16:10, a fixed-height text area.
const CARD_MIN = 230;
const GAP = 16;
const PAD = 28;
const CARD_BODY = 118;
const THUMB_RATIO = 10 / 16;
// Summaries are read in aligned chunks, so scrolling within a chunk reads nothing.
const CHUNK = 96;

interface CaptureWindow {
  /** Position of `items[0]` in the whole result. */
  offset: number;
  items: CaptureSummary[];
  thumbnails: Map<string, Blob>;
  /** The number of matches, once known for the current filter. */
  total: number | null;
  /** Rows known to exist while the count is still running (the first chunk's). */
  provisional: number;
  /** Everything shown belongs to the current filter (otherwise the previous filter's rows stay while the new ones load). */
  current: boolean;
  error: string | null;
}

const NO_THUMBNAILS = new Map<string, Blob>();
/** How long after the first rows of a range the library counts it. */
const COUNT_DELAY_MS = 300;
/** While the grid scrolls, how long a card must stay mounted before its thumbnail is decoded. */
const THUMBNAIL_DELAY_MS = 50;
/** How long after the first rows show the filters read their choices of systems and people. */
const CHOICES_DELAY_MS = 150;
/** When the grid last scrolled (performance.now()): cards mounted at rest decode at once. */
let lastScrollAt = -Infinity;

/** The matches from position `first` to `last` of the whole result, and how many there are. */
function useCaptureWindow(filter: LibraryFilter, key: string, first: number, last: number): CaptureWindow | undefined {
  // `key` is `filter` serialised: the ids are read again when the filter's content changes, and
  // by themselves when the database changes what they read. The first chunk comes with them, so
  // opening the library is one round of reads, not two in turn.
  const matched = useLiveQuery(async () => {
    try {
      const db = getDb();
      const matches = await findMatches(db, filter);
      return { key, ...matches, head: await loadChunk(db, matches, 0, CHUNK), error: null };
    } catch (err) {
      return { key, kind: 'ids' as const, ids: [] as string[], items: null, total: 0, head: null, error: (err as Error).message };
    }
  }, [key]);
  const offset = Math.floor(first / CHUNK) * CHUNK;
  const end = (Math.floor(last / CHUNK) + 1) * CHUNK;
  const fromHead = offset === 0 && end <= CHUNK;
  const loaded = useLiveQuery(async () => (matched && !fromHead ? { matched, chunk: await loadChunk(getDb(), matched, offset, end) } : null), [matched, offset, end, fromHead]);
  // Counting a range walks it (0.2 s for the whole library at 100,000 captures), and Chromium's
  // IndexedDB backend holds other reads of the database meanwhile, the thumbnails' bytes among
  // them: the count starts once the first screen has had its turn.
  const [countFor, setCountFor] = useState<typeof matched>(undefined);
  useEffect(() => {
    if (matched?.kind !== 'range') return;
    const timer = setTimeout(() => setCountFor(matched), COUNT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [matched]);
  const counted = useLiveQuery(async () => (countFor?.kind === 'range' ? { matched: countFor, total: await countInRange(getDb(), countFor) } : null), [countFor]);
  if (!matched) return undefined;
  const current = matched.key === key;
  let total: number | null = null;
  if (current && matched.kind === 'ids') total = matched.total;
  else if (current && counted?.matched === matched) total = counted.total;
  else if (current && matched.head && matched.head.items.length < CHUNK) total = matched.head.items.length;
  const provisional = current && matched.head ? matched.head.items.length : 0;
  const error = current ? matched.error : null;
  const chunk = fromHead ? matched.head : loaded?.chunk;
  // Only a change of filter dims the grid: rows still loading while scrolling show as skeletons.
  if (!chunk) return { offset: 0, items: [], thumbnails: NO_THUMBNAILS, total, provisional, current, error };
  return { offset: chunk.offset, items: chunk.items, thumbnails: chunk.thumbnails, total, provisional, current, error };
}

function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function LibraryPage({ query }: RouteProps) {
  const filter = useMemo(() => filterFromQuery(query), [query]);
  const key = JSON.stringify(filter);
  const setFilter = useCallback((patch: Partial<LibraryFilter>) => navigate(hrefTo('/library', queryFromFilter({ ...filter, ...patch })), { replace: true }), [filter]);
  const active = Object.keys(filter).length > 0;

  const scrollRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(scrollRef);
  const inner = Math.max(0, width - PAD * 2);
  const cols = Math.max(1, Math.floor((inner + GAP) / (CARD_MIN + GAP)));
  const cardWidth = (inner - GAP * (cols - 1)) / cols;
  const rowHeight = Math.round(cardWidth * THUMB_RATIO) + CARD_BODY + GAP;

  // The count for `key`; `counting`: only the first chunk's rows, while the count still runs.
  const [known, setKnown] = useState<{ key: string; total: number; counting?: boolean } | null>(null);
  const total = known?.total ?? 0;
  const virtualizer = useVirtualizer({
    count: Math.ceil(total / cols),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 2,
    paddingStart: 4,
    paddingEnd: PAD,
  });
  useEffect(() => virtualizer.measure(), [rowHeight, virtualizer]);
  const rows = virtualizer.getVirtualItems();
  const first = (rows[0]?.index ?? 0) * cols;
  const last = ((rows.at(-1)?.index ?? 0) + 1) * cols - 1;
  const win = useCaptureWindow(filter, key, first, last);

  const windowTotal = win?.total ?? null;
  const provisional = win?.provisional ?? 0;
  useEffect(() => {
    if (windowTotal !== null) {
      if (known?.key !== key || known.total !== windowTotal || known.counting) setKnown({ key, total: windowTotal });
    } else if (provisional > 0 && known?.key !== key) setKnown({ key, total: provisional, counting: true });
  }, [windowTotal, provisional, key, known]);
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [key]);

  const updating = !win?.current;
  // The filters' choices of systems and people are index walks: they wait for the first rows.
  const [choices, setChoices] = useState(false);
  const shownRows = (win?.items.length ?? 0) > 0 || (known !== null && total === 0);
  useEffect(() => {
    if (choices || !shownRows) return;
    const timer = setTimeout(() => setChoices(true), CHOICES_DELAY_MS);
    return () => clearTimeout(timer);
  }, [choices, shownRows]);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const onScroll = () => {
      lastScrollAt = performance.now();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);
  const itemAt = (i: number) => (win && i >= win.offset && i < win.offset + win.items.length ? win.items[i - win.offset] : undefined);

  return (
    <section className="page page-library" aria-labelledby="library-title">
      <header className="page-head">
        <div>
          <h1 id="library-title">Evidence library</h1>
          <p className="page-sub" role="status" aria-live="polite">
            {known?.key !== key || known.counting ? 'Counting…' : active ? `${formatCount(total, 'capture')} ${total === 1 ? 'matches' : 'match'} these filters` : `${formatCount(total, 'capture')}`}
          </p>
        </div>
      </header>
      <Filters filter={filter} setFilter={setFilter} choices={choices} />
      {win?.error && (
        <div className="notice notice-error library-notice" role="alert">
          <p>{win.error}</p>
        </div>
      )}
      <div ref={scrollRef} className={`grid-scroll${updating ? ' is-updating' : ''}`} aria-busy={updating}>
        {known !== null && total === 0 && !updating ? (
          <EmptyLibrary filtered={active} onClear={() => navigate(hrefTo('/library'), { replace: true })} />
        ) : (
          <div role="list" aria-label="Captures" className="grid-inner" style={{ height: virtualizer.getTotalSize() }}>
            {rows.map((row) => (
              <div
                key={row.key}
                className="grid-row"
                style={{ transform: `translateY(${row.start}px)`, height: rowHeight - GAP, gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gap: GAP, padding: `0 ${PAD}px` }}
              >
                {Array.from({ length: cols }, (_, c) => {
                  const index = row.index * cols + c;
                  if (index >= total) return null;
                  const item = itemAt(index);
                  return item ? <CaptureCard key={item.id} capture={item} thumbnail={win?.thumbnails.get(item.id)} /> : <div key={`s${index}`} className="card card-skeleton" aria-hidden="true" />;
                })}
              </div>
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

// Memoised: the page re-renders on every scroll step; the filters need not.
function controlOptions(controls: readonly { id: string; title: string }[]) {
  return controls.map((c) => (
    <option key={c.id} value={c.id}>
      {c.id} — {c.title}
    </option>
  ));
}

const Filters = memo(function Filters({ filter, setFilter, choices }: { filter: LibraryFilter; setFilter(patch: Partial<LibraryFilter>): void; choices: boolean }) {
  const periods = usePeriods();
  const controls = useAllControls();
  const systems = useDistinct('context.system', choices);
  const people = useDistinct('capturedBy.email', choices);
  const [text, setText] = useState(filter.text ?? '');
  const textRef = useRef(filter.text ?? '');

  // Typing updates the address (and the query) once the person pauses.
  useEffect(() => {
    if (text === textRef.current) return;
    const timer = setTimeout(() => {
      textRef.current = text;
      setFilter({ text });
    }, 250);
    return () => clearTimeout(timer);
  });
  useEffect(() => {
    if ((filter.text ?? '') !== textRef.current) {
      textRef.current = filter.text ?? '';
      setText(filter.text ?? '');
    }
  }, [filter.text]);

  const team = controls.filter((c) => !c.builtIn);
  const criteria = controls.filter((c) => c.builtIn);
  const any = Object.keys(filter).length > 0;

  return (
    <form className="filters" role="search" aria-label="Filter captures" onSubmit={(e) => e.preventDefault()}>
      <div className="field filter-search">
        <label className="field-label" htmlFor="filter-text">
          Search
        </label>
        <div className="input-with-icon">
          <SearchIcon />
          <input id="filter-text" className="input" type="search" placeholder="Title, URL or note" value={text} onChange={(e) => setText(e.target.value)} />
        </div>
      </div>
      <SelectField
        id="filter-period"
        label="Audit period"
        value={filter.periodId ?? ''}
        onChange={(periodId) => setFilter({ periodId })}
        anyLabel="Any time"
        options={periods?.map((p) => ({ value: p.id, label: `${p.name} (${describePeriod(p)})` })) ?? []}
        missingLabel={periods ? 'Deleted period' : 'Loading…'}
      />
      <SelectField id="filter-control" label="Control" value={filter.controlId ?? ''} onChange={(controlId) => setFilter({ controlId })} anyLabel="Any control">
        {team.length > 0 && <optgroup label="Your controls">{controlOptions(team)}</optgroup>}
        <optgroup label="SOC 2 criteria">{controlOptions(criteria)}</optgroup>
      </SelectField>
      <SelectField id="filter-system" label="System" value={filter.system ?? ''} onChange={(system) => setFilter({ system })} anyLabel="Any system" options={systems ?? []} />
      <SelectField id="filter-person" label="Captured by" value={filter.capturedBy ?? ''} onChange={(capturedBy) => setFilter({ capturedBy })} anyLabel="Anyone" options={people ?? []} />
      <div className="field">
        <label className="field-label" htmlFor="filter-from">
          From
        </label>
        <input id="filter-from" className="input" type="date" value={filter.from ?? ''} max={filter.to} onChange={(e) => setFilter({ from: e.target.value })} />
      </div>
      <div className="field">
        <label className="field-label" htmlFor="filter-to">
          To
        </label>
        <input id="filter-to" className="input" type="date" value={filter.to ?? ''} min={filter.from} onChange={(e) => setFilter({ to: e.target.value })} />
      </div>
      <div className="filter-end">
        <label className="checkbox">
          <input type="checkbox" checked={filter.untagged ?? false} onChange={(e) => setFilter({ untagged: e.target.checked })} />
          Untagged only
        </label>
        <button
          type="button"
          className="button button-ghost button-small"
          disabled={!any}
          onClick={() => {
            textRef.current = '';
            setText('');
            navigate(hrefTo('/library'), { replace: true });
          }}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
});

/**
 * A thumbnail decoded off the main thread (createImageBitmap) and handed to a canvas without a copy.
 * An object URL per card cost a synchronous call to the browser process (about 1 ms each, 800 of
 * them in a long scroll), and another to revoke it; a bitmap needs neither and goes with its card.
 */
function Thumbnail({ captureId, blob }: { captureId: string; blob: Blob | undefined }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [shown, setShown] = useState(false);
  // A capture's thumbnail never changes: a fresh read of its chunk (new Blob objects) is not decoded again.
  const latest = useRef(blob);
  latest.current = blob;
  const present = blob !== undefined;
  useEffect(() => {
    const current = latest.current;
    if (!current) return;
    let cancelled = false;
    // Cards that only flash past in a fast scroll are gone before this fires and decode nothing;
    // cards mounted while the grid is at rest (the first screen) decode at once.
    const decode = () => {
      createImageBitmap(current).then(
        (bitmap) => {
          const canvas = canvasRef.current;
          if (cancelled || !canvas) return bitmap.close();
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
          canvas.getContext('bitmaprenderer')!.transferFromImageBitmap(bitmap);
          setShown(true);
        },
        () => setShown(false),
      );
    };
    const scrolling = performance.now() - lastScrollAt < 150;
    const timer = scrolling ? setTimeout(decode, THUMBNAIL_DELAY_MS) : undefined;
    if (!scrolling) decode();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [captureId, present]);
  return (
    <div className="card-thumb" data-ready={shown || undefined}>
      <canvas ref={canvasRef} hidden={!shown} aria-hidden="true" />
      {!shown && <CameraIcon size={28} />}
    </div>
  );
}

const CaptureCard = memo(function CaptureCard({ capture, thumbnail }: { capture: CaptureSummary; thumbnail: Blob | undefined }) {
  const shown = capture.controlIds.slice(0, 3);
  const more = capture.controlIds.length - shown.length;
  return (
    <div role="listitem" className="card-cell">
    <a className="card" href={hrefTo(`/capture/${capture.id}`)} aria-label={`${capture.title.slice(0, 160) || capture.url.slice(0, 160)}, captured ${formatShort(capture.capturedAt)} by ${capture.capturedBy.name}`}>
      <Thumbnail captureId={capture.id} blob={thumbnail} />
      <div className="card-body">
        <div className="card-title clamp-2" title={capture.title.slice(0, 500)}>
          <SafeText value={capture.title || capture.url} />
        </div>
        <div className="card-meta">
          <span className="card-system">{capture.system}</span>
          {capture.host && capture.host !== capture.system && (
            <>
              <span aria-hidden="true"> · </span>
              <span>{capture.host}</span>
            </>
          )}
        </div>
        <div className="card-meta">
          <time dateTime={capture.capturedAt}>{formatShort(capture.capturedAt)}</time>
          <span aria-hidden="true"> · </span>
          <span>{capture.capturedBy.name}</span>
        </div>
        <div className="card-tags">
          {shown.length === 0 ? (
            <span className="tag tag-muted">Untagged</span>
          ) : (
            shown.map((id) => (
              <span key={id} className="tag">
                {id}
              </span>
            ))
          )}
          {more > 0 && <span className="tag tag-muted">+{more}</span>}
        </div>
      </div>
    </a>
    </div>
  );
}, sameCard);

/** A chunk read again (the database changed) gives new objects: cards whose content is the same are not rendered again. */
function sameCard(a: { capture: CaptureSummary; thumbnail: Blob | undefined }, b: { capture: CaptureSummary; thumbnail: Blob | undefined }): boolean {
  return (a.thumbnail === undefined) === (b.thumbnail === undefined) && (a.capture === b.capture || JSON.stringify(a.capture) === JSON.stringify(b.capture));
}

function EmptyLibrary({ filtered, onClear }: { filtered: boolean; onClear(): void }) {
  return (
    <div className="empty">
      <div className="empty-icon" aria-hidden="true">
        <CameraIcon size={28} />
      </div>
      {filtered ? (
        <>
          <h2>No captures match these filters</h2>
          <p>Widen the date range or clear a filter.</p>
          <button type="button" className="button" onClick={onClear}>
            Clear filters
          </button>
        </>
      ) : (
        <>
          <h2>No evidence yet</h2>
          <p>
            Open an admin console page, then click Exhibit’s toolbar button or press <kbd>Alt</kbd>+<kbd>Shift</kbd>+<kbd>E</kbd>. Each capture lands here, hashed and signed.
          </p>
        </>
      )}
    </div>
  );
}
