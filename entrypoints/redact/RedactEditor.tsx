// The redaction editor: the captured pixels, not yet saved, with Exhibit's suggestions over text
// that looks like secrets or personal data. The person accepts or rejects each suggestion and
// drags to draw boxes of their own; saving sends only the boxes, and the background burns them in
// as solid fills before anything is hashed, signed or stored. The unredacted picture lives only in
// this page's memory and the background's, and is dropped on save, cancel or close.
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { browser } from 'wxt/browser';
import { formatUtc, hostOf } from '@/components/format';
import { AlertIcon, CheckIcon, CrossIcon, ExternalIcon, ShieldIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import type { ResponseOf } from '@/lib/handlers';
import { send } from '@/lib/messages';
import type { ImageBox, RedactionRegion } from '@/lib/schema';

type Session = ResponseOf<'redact.session'>;
type Summary = ResponseOf<'redact.save'>;

interface ManualBox {
  id: number;
  box: ImageBox;
}

interface Part {
  url: string;
  top: number;
  height: number;
}

type Phase = { kind: 'loading' } | { kind: 'editing' } | { kind: 'saving' } | { kind: 'saved'; summary: Summary } | { kind: 'gone'; message: string } | { kind: 'cancelled' };

/** Suggestions are listed by kind, each kind in page order. */
const REASON_ORDER = ['email', 'phone', 'aws-key', 'token', 'card'];

/** Boxes smaller than this (image pixels) are stray clicks, not boxes. */
const MIN_BOX = 4;

function base64ToBlob(b64: string): Blob {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: 'image/png' });
}

async function closeThisTab(): Promise<void> {
  const tab = await browser.tabs.getCurrent();
  if (tab?.id !== undefined) await browser.tabs.remove(tab.id);
  else window.close();
}

function modeLabel(mode: string): string {
  return mode === 'element' ? 'Element' : mode === 'region' ? 'Region' : mode === 'full-page' ? 'Full page' : 'Visible part of the tab';
}

export function RedactEditor({ sessionId }: { sessionId: string }) {
  const [session, setSession] = useState<Session | null>(null);
  const [parts, setParts] = useState<Part[]>([]);
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [accepted, setAccepted] = useState<ReadonlySet<string>>(new Set());
  const [manual, setManual] = useState<ManualBox[]>([]);
  const [drawing, setDrawing] = useState<ImageBox | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const [stageWidth, setStageWidth] = useState(0);
  const stageRef = useRef<HTMLDivElement>(null);
  const surfaceRef = useRef<HTMLDivElement>(null);
  const dragStart = useRef<{ x: number; y: number; pointerId: number } | null>(null);
  const nextId = useRef(1);

  /** Drops the unredacted picture from this page. */
  const dropPixels = useCallback(() => {
    setParts((current) => {
      for (const p of current) URL.revokeObjectURL(p.url);
      return [];
    });
    setSession((s) => (s ? { ...s, images: [] } : s));
  }, []);

  useEffect(() => {
    let live = true;
    const urls: string[] = [];
    send({ type: 'redact.session', sessionId }).then(
      (s) => {
        if (!live) return;
        const made = s.images.map((img, i) => {
          const url = URL.createObjectURL(base64ToBlob(img.base64));
          urls.push(url);
          const next = s.images[i + 1]?.top ?? s.height;
          return { url, top: img.top, height: next - img.top };
        });
        setSession({ ...s, images: [] });
        setParts(made);
        setPhase({ kind: 'editing' });
      },
      (err: Error) => live && setPhase({ kind: 'gone', message: err.message }),
    );
    return () => {
      live = false;
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, [sessionId]);

  useEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setStageWidth(el.clientWidth));
    observer.observe(el);
    setStageWidth(el.clientWidth);
    return () => observer.disconnect();
  }, [phase.kind]);

  // Shown at the page's own size (image pixels ÷ device pixel ratio), smaller if the window is narrower.
  const scale = useMemo(() => {
    if (!session || !stageWidth) return 0;
    const natural = 1 / (session.devicePixelRatio || 1);
    return Math.min(natural, stageWidth / session.width);
  }, [session, stageWidth]);

  const toImage = (clientX: number, clientY: number) => {
    const rect = surfaceRef.current!.getBoundingClientRect();
    return {
      x: Math.max(0, Math.min(session!.width, (clientX - rect.left) / scale)),
      y: Math.max(0, Math.min(session!.height, (clientY - rect.top) / scale)),
    };
  };
  const boxFrom = (a: { x: number; y: number }, b: { x: number; y: number }): ImageBox => {
    const x = Math.floor(Math.min(a.x, b.x));
    const y = Math.floor(Math.min(a.y, b.y));
    return { x, y, width: Math.ceil(Math.max(a.x, b.x)) - x, height: Math.ceil(Math.max(a.y, b.y)) - y };
  };

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (phase.kind !== 'editing' || e.button !== 0 || !scale) return;
    if ((e.target as HTMLElement).closest('button')) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = toImage(e.clientX, e.clientY);
    dragStart.current = { ...p, pointerId: e.pointerId };
    setDrawing({ x: Math.floor(p.x), y: Math.floor(p.y), width: 0, height: 0 });
  };
  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const start = dragStart.current;
    if (!start || start.pointerId !== e.pointerId) return;
    setDrawing(boxFrom(start, toImage(e.clientX, e.clientY)));
  };
  const onPointerUp = (e: ReactPointerEvent<HTMLDivElement>) => {
    const start = dragStart.current;
    if (!start || start.pointerId !== e.pointerId) return;
    dragStart.current = null;
    setDrawing(null);
    const box = boxFrom(start, toImage(e.clientX, e.clientY));
    if (box.width >= MIN_BOX && box.height >= MIN_BOX) setManual((m) => [...m, { id: nextId.current++, box }]);
  };

  const toggle = (id: string, on: boolean) =>
    setAccepted((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  async function save() {
    if (!session || phase.kind !== 'editing') return;
    const regions: RedactionRegion[] = [
      ...session.suggestions.filter((s) => accepted.has(s.id)).map((s) => ({ reason: s.reason, boxes: s.boxes })),
      ...manual.map((m) => ({ reason: 'manual' as const, boxes: [m.box] })),
    ];
    setSaveError(null);
    setPhase({ kind: 'saving' });
    try {
      const summary = await send({ type: 'redact.save', sessionId, regions });
      dropPixels();
      setPhase({ kind: 'saved', summary });
    } catch (err) {
      setSaveError((err as Error).message);
      setPhase({ kind: 'editing' });
    }
  }

  async function cancel() {
    dropPixels();
    setPhase({ kind: 'cancelled' });
    await send({ type: 'redact.cancel', sessionId }).catch(() => undefined);
    await closeThisTab().catch(() => undefined);
  }

  if (phase.kind === 'loading') {
    return (
      <main className="redact redact-center" aria-label="Redaction editor">
        <p role="status">
          <span className="spinner spinner-dark" aria-hidden="true" /> Loading the capture…
        </p>
      </main>
    );
  }
  if (phase.kind === 'gone' || phase.kind === 'cancelled') {
    return (
      <main className="redact redact-center" aria-label="Redaction editor">
        <div className={`notice ${phase.kind === 'gone' ? 'notice-error' : 'notice-info'}`} role="alert">
          <AlertIcon />
          <div className="notice-body">
            <p className="notice-title">{phase.kind === 'gone' ? 'Nothing to redact' : 'Capture cancelled'}</p>
            <p>{phase.kind === 'gone' ? phase.message : 'Nothing was saved, and the unredacted picture was discarded.'}</p>
            <button type="button" className="button button-small notice-action" onClick={() => void closeThisTab()}>
              Close this tab
            </button>
          </div>
        </div>
      </main>
    );
  }
  if (phase.kind === 'saved') return <SavedView summary={phase.summary} regions={accepted.size + manual.length} />;

  const s = session!;
  const busy = phase.kind === 'saving';
  const byReason = new Map<string, number>();
  const numbered = [...s.suggestions].sort((a, b) => REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason)).map((sug) => {
    const n = (byReason.get(sug.reason) ?? 0) + 1;
    byReason.set(sug.reason, n);
    return { ...sug, name: `${sug.label} ${n}` };
  });
  const regionCount = accepted.size + manual.length;
  const px = (v: number) => `${v * scale}px`;
  return (
    <main className="redact" aria-label="Redaction editor">
      <header className="redact-head">
        <div className="redact-brand">
          <span className="redact-mark" aria-hidden="true">
            <ShieldIcon size={16} />
          </span>
          <div>
            <h1>Redact before saving</h1>
            <p className="redact-sub">
              Nothing is saved yet. Boxes become solid black fills in the pixels before the image is hashed and signed; the unredacted picture is discarded when you save or cancel.
            </p>
          </div>
        </div>
        <dl className="redact-facts">
          <div>
            <dt>Page</dt>
            <dd>
              <SafeText value={s.title || s.url} />
            </dd>
          </div>
          <div>
            <dt>Host</dt>
            <dd>
              <SafeText value={hostOf(s.url) || s.url} />
            </dd>
          </div>
          <div>
            <dt>Capture</dt>
            <dd>
              {modeLabel(s.mode)}
              {s.rendering === 'dom' ? ' · DOM rendering, not a screenshot' : ''} · {formatUtc(s.capturedAt)}
            </dd>
          </div>
        </dl>
      </header>

      <div className="redact-body">
        <section className="redact-stage" ref={stageRef} aria-label="Captured image">
          <div
            ref={surfaceRef}
            className={`redact-surface${busy ? ' redact-busy' : ''}`}
            style={{ width: px(s.width), height: px(s.height) }}
            role="application"
            aria-label="Captured image: drag to draw a redaction box"
            data-image-width={s.width}
            data-image-height={s.height}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={() => {
              dragStart.current = null;
              setDrawing(null);
            }}
          >
            {parts.map((p) => (
              <img key={p.url} src={p.url} alt="" draggable={false} style={{ top: px(p.top), width: px(s.width), height: px(p.height) }} />
            ))}
            {numbered.map((sug) =>
              sug.boxes.map((b, i) => (
                <div
                  key={`${sug.id}-${i}`}
                  className={`redact-box ${accepted.has(sug.id) ? 'redact-box-on' : 'redact-box-suggested'}${focused === sug.id ? ' redact-box-focus' : ''}`}
                  style={{ left: px(b.x), top: px(b.y), width: px(b.width), height: px(b.height) }}
                  data-suggestion={sug.id}
                  title={sug.name}
                />
              )),
            )}
            {manual.map((m, i) => (
              <div key={m.id} className="redact-box redact-box-on redact-box-manual" style={{ left: px(m.box.x), top: px(m.box.y), width: px(m.box.width), height: px(m.box.height) }}>
                <button type="button" className="redact-remove" aria-label={`Remove box ${i + 1}`} onClick={() => setManual((all) => all.filter((x) => x.id !== m.id))}>
                  <CrossIcon size={12} />
                </button>
              </div>
            ))}
            {drawing && <div className="redact-box redact-box-drawing" style={{ left: px(drawing.x), top: px(drawing.y), width: px(drawing.width), height: px(drawing.height) }} />}
          </div>
        </section>

        <aside className="redact-side" aria-label="Redactions">
          <section aria-labelledby="suggestions-title">
            <div className="redact-side-head">
              <h2 id="suggestions-title">Suggestions</h2>
              {numbered.length > 0 && (
                <button type="button" className="button button-small" disabled={busy || accepted.size === numbered.length} onClick={() => setAccepted(new Set(numbered.map((n) => n.id)))}>
                  Accept all
                </button>
              )}
            </div>
            {numbered.length === 0 ? (
              <p className="redact-empty">Exhibit found no emails, phone numbers, access keys, tokens or card numbers in the captured text. Draw boxes over anything else that must not be kept.</p>
            ) : (
              <ul className="redact-list">
                {numbered.map((sug) => (
                  <li key={sug.id} onMouseEnter={() => setFocused(sug.id)} onMouseLeave={() => setFocused(null)}>
                    <label className="checkbox">
                      <input type="checkbox" checked={accepted.has(sug.id)} disabled={busy} onChange={(e) => toggle(sug.id, e.target.checked)} onFocus={() => setFocused(sug.id)} onBlur={() => setFocused(null)} />
                      {sug.name}
                    </label>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="manual-title">
            <h2 id="manual-title">Your boxes</h2>
            {manual.length === 0 ? (
              <p className="redact-empty">Drag on the image to cover anything else: names, account ids, internal hostnames.</p>
            ) : (
              <ul className="redact-list">
                {manual.map((m, i) => (
                  <li key={m.id} className="redact-manual-row">
                    <span>
                      Box {i + 1} · {m.box.width} × {m.box.height} px
                    </span>
                    <button type="button" className="button button-small button-ghost" disabled={busy} onClick={() => setManual((all) => all.filter((x) => x.id !== m.id))}>
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {s.tableCount > 0 && (
            <p className="redact-note">
              {s.tableCount === 1 ? 'The page’s table is' : `The page’s ${s.tableCount} tables are`} saved as CSV too: text under a box is written as [REDACTED], never as itself.
            </p>
          )}
          {saveError && (
            <div className="notice notice-error" role="alert">
              <AlertIcon />
              <div className="notice-body">
                <p className="notice-title">Not saved</p>
                <p>{saveError}</p>
              </div>
            </div>
          )}
          <div className="redact-actions">
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void save()}>
              {busy ? (
                <>
                  <span className="spinner" aria-hidden="true" /> Saving…
                </>
              ) : (
                <>
                  <CheckIcon size={16} /> Save redacted evidence
                </>
              )}
            </button>
            <p className="redact-count" role="status">
              {regionCount === 0 ? 'No region redacted yet.' : `${regionCount} region${regionCount === 1 ? '' : 's'} will be redacted.`}
            </p>
            <button type="button" className="button button-ghost" disabled={busy} onClick={() => void cancel()}>
              Cancel capture
            </button>
          </div>
        </aside>
      </div>
    </main>
  );
}

function SavedView({ summary, regions }: { summary: Summary; regions: number }) {
  const [image, setImage] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    send({ type: 'captures.image', id: summary.id, kind: 'image' }).then((img) => {
      url = URL.createObjectURL(base64ToBlob(img.base64));
      setImage(url);
    }, () => undefined);
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [summary.id]);
  return (
    <main className="redact redact-saved" aria-label="Redaction editor">
      <div className="notice notice-ok" role="status">
        <CheckIcon size={16} />
        <div className="notice-body">
          <h1 className="notice-title">Evidence saved</h1>
          <p>
            {regions === 0 ? 'No region was redacted.' : `${regions} region${regions === 1 ? ' was' : 's were'} burned in as solid fills`} before hashing and signing; the unredacted picture was discarded.
          </p>
        </div>
      </div>
      <div className="redact-saved-actions">
        <button type="button" className="button button-primary" onClick={() => void browser.tabs.create({ url: browser.runtime.getURL(`/dashboard.html#/capture/${summary.id}`) })}>
          View in dashboard <ExternalIcon />
        </button>
        <button type="button" className="button" onClick={() => void closeThisTab()}>
          Close this tab
        </button>
      </div>
      <p className="redact-saved-id">
        Capture <code aria-label="Capture id">{summary.id}</code> · SHA-256 <code>{summary.sha256.slice(0, 16)}…</code>
      </p>
      {image && <img className="redact-saved-image" src={image} alt="The saved evidence, redacted, with its banner" />}
    </main>
  );
}
