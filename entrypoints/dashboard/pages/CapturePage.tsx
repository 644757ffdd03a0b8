// One capture as an auditor would inspect it: the evidence image, every field of the signed
// record, whether the image and signature still verify, the tags and note, and who changed them.
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNotice } from '@/components/ErrorNotice';
import { ControlPicker } from '@/components/ControlPicker';
import { CopyButton } from '@/components/CopyButton';
import { countControls, formatAgo, formatBytes, formatCount, formatInZone, formatUtc, viewerTimeZone } from '@/components/format';
import { AlertIcon, CheckIcon, CrossIcon, ExternalIcon } from '@/components/icons';
import { SafeText } from '@/components/SafeText';
import { compareEvents } from '@/lib/annotations';
import { getDb } from '@/lib/db';
import type { ResponseOf } from '@/lib/handlers';
import { send } from '@/lib/messages';
import type { AnnotationEvent, AnnotationState, SignedCapture } from '@/lib/schema';
import { useAllControls, useRecentControlIds } from '../data';
import { hrefTo, type RouteProps } from '../router';
import { useObjectUrl } from '../useObjectUrl';
import { CaptureAuditPanel } from './RequestsPage';

type CaptureDetail = ResponseOf<'captures.get'>;

export function CapturePage({ params }: RouteProps) {
  const id = params.id ?? '';
  const [detail, setDetail] = useState<CaptureDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    send({ type: 'captures.get', id }).then(setDetail, (err: Error) => setError(err.message));
  }, [id]);
  // Tags and history are read live, so a change made in the popup or another tab shows here.
  const annotation = useLiveQuery(() => getDb().annotationState.get(id), [id]);
  const history = useLiveQuery(async () => (await getDb().annotations.where('captureId').equals(id).toArray()).sort(compareEvents), [id]);

  if (error) {
    return (
      <section className="page page-narrow">
        <BackLink />
        <h1>Capture not found</h1>
        <div className="notice notice-error" role="alert">
          <AlertIcon />
          <p>{error}</p>
        </div>
      </section>
    );
  }
  if (!detail) {
    return (
      <section className="page" aria-busy="true">
        <BackLink />
        <p className="page-sub">Loading capture…</p>
      </section>
    );
  }

  const { capture } = detail;
  const state = annotation ?? detail.annotation;
  const events = history ?? detail.history;
  return (
    <section className="page page-capture" aria-labelledby="capture-title">
      <BackLink />
      <header className="capture-head">
        <h1 id="capture-title" className="capture-title clamp-3">
          <SafeText value={capture.title || capture.url} />
        </h1>
        <p className="page-sub">
          {capture.context.system}
          {capture.context.host && capture.context.host !== capture.context.system ? ` · ${capture.context.host}` : ''} · captured {formatUtc(capture.capturedAt)} by {capture.capturedBy.name}
        </p>
        <div className="verify-badges" aria-label="Verification">
          <HashBadge valid={detail.imageHashValid} />
          <SignatureBadge valid={detail.signatureValid} />
          {state.exception && (
            <span className="badge badge-warn" title={state.exception.description}>
              <AlertIcon size={14} /> Flagged as an exception
            </span>
          )}
        </div>
      </header>
      <div className="capture-layout">
        <div className="capture-main">
          <EvidenceImage capture={capture} />
          <Metadata capture={capture} />
        </div>
        <aside className="capture-side">
          <AnnotationEditor key={state.updatedAt ?? 'none'} annotation={state} />
          <CaptureAuditPanel captureId={capture.id} />
          <History events={events} />
        </aside>
      </div>
    </section>
  );
}

function BackLink() {
  return (
    <a className="back-link" href={hrefTo('/library')}>
      ← Library
    </a>
  );
}

function HashBadge({ valid }: { valid: boolean }) {
  return valid ? (
    <span className="badge badge-ok" title="The stored PNG hashes to the SHA-256 in the signed record.">
      <CheckIcon /> Image hash matches
    </span>
  ) : (
    <span className="badge badge-bad" title="The stored PNG no longer hashes to the SHA-256 in the signed record: it was altered or damaged.">
      <CrossIcon /> Image hash does not match
    </span>
  );
}

function SignatureBadge({ valid }: { valid: boolean | null }) {
  if (valid === null) {
    return (
      <span className="badge badge-warn" title="The public key of the installation that signed this capture is not known here.">
        <AlertIcon size={14} /> Signer’s key unknown: signature not checked
      </span>
    );
  }
  return valid ? (
    <span className="badge badge-ok" title="The ECDSA P-256 signature over the record verifies with the signer’s public key.">
      <CheckIcon /> Signature verifies
    </span>
  ) : (
    <span className="badge badge-bad" title="The record’s signature does not verify: the record was changed after it was signed.">
      <CrossIcon /> Signature does not verify
    </span>
  );
}

interface ImagePart {
  index: number;
  /** Blob name: "image.png", "image-part-2.png" … */
  name: string;
  width: number;
  height: number;
  bytes: number;
}

/** The evidence image's parts, top to bottom: one for most captures, several for a very tall page. */
function partsOf(capture: SignedCapture): ImagePart[] {
  return capture.parts?.length ? capture.parts : [{ index: 1, name: 'image.png', width: capture.image.width, height: capture.image.height, bytes: capture.image.bytes }];
}

function PartImage({ captureId, part, count, actual, onToggle }: { captureId: string; part: ImagePart; count: number; actual: boolean; onToggle(): void }) {
  const url = useObjectUrl(async () => (await getDb().blobs.get([captureId, part.name]))?.blob, [captureId, part.name]);
  const label = count > 1 ? `Evidence image, part ${part.index} of ${count}` : 'Evidence image: the captured page with Exhibit’s banner above it';
  return (
    <figure className="viewer-part">
      {url ? (
        <img
          src={url}
          alt={`${label} (${part.width} × ${part.height} pixels)`}
          width={part.width}
          height={part.height}
          style={actual ? { width: part.width / window.devicePixelRatio, maxWidth: 'none' } : undefined}
          onClick={onToggle}
          title={actual ? 'Click to fit to width' : 'Click to view at 100%'}
        />
      ) : (
        <div className="viewer-missing">The image is loading or missing from storage.</div>
      )}
      {count > 1 && (
        <figcaption>
          Part {part.index} of {count} · {part.width} × {part.height} px
          {url && (
            <a href={url} download={`exhibit-${captureId}-part-${part.index}.png`}>
              Download part {part.index}
            </a>
          )}
        </figcaption>
      )}
    </figure>
  );
}

function EvidenceImage({ capture }: { capture: SignedCapture }) {
  const [actual, setActual] = useState(false);
  const parts = partsOf(capture);
  const first = useObjectUrl(async () => (await getDb().blobs.get([capture.id, 'image.png']))?.blob, [capture.id]);
  const toggle = () => setActual((a) => !a);
  const height = parts.reduce((sum, p) => sum + p.height, 0);
  const bytes = parts.reduce((sum, p) => sum + p.bytes, 0);
  return (
    <div className="card-panel viewer">
      <div className="viewer-toolbar">
        <span className="viewer-size">
          {capture.image.width} × {height} px · {formatBytes(bytes)} PNG{parts.length > 1 ? ` in ${parts.length} parts` : ''}
        </span>
        <div className="viewer-actions">
          <button type="button" className="button button-small" aria-pressed={actual} onClick={toggle}>
            {actual ? 'Fit to width' : 'View at 100%'}
          </button>
          {first && parts.length === 1 && (
            <a className="button button-small" href={first} download={`exhibit-${capture.id}.png`}>
              Download PNG
            </a>
          )}
        </div>
      </div>
      <div className={`viewer-scroll${actual ? ' is-actual' : ''}`} tabIndex={0} aria-label="Evidence image, scrollable">
        {parts.map((part) => (
          <PartImage key={part.name} captureId={capture.id} part={part} count={parts.length} actual={actual} onToggle={toggle} />
        ))}
      </div>
    </div>
  );
}

function MetaGroup({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="meta-group">
      <h3>{title}</h3>
      <dl>{children}</dl>
    </div>
  );
}

function Row({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="meta-row">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Hash({ value, label }: { value: string; label: string }) {
  return (
    <span className="hash">
      <code>{value}</code>
      <CopyButton value={value} label={`Copy ${label}`} />
    </span>
  );
}

function Optional({ value }: { value: string | undefined }) {
  return value ? <SafeText value={value} /> : <span className="muted">not detected</span>;
}

const MODE_LABELS: Record<string, string> = {
  visible: 'Visible part of the tab',
  'full-page': 'Full page, scrolled and stitched',
  element: 'One element of the page',
  region: 'A region of the page',
};

function Metadata({ capture }: { capture: SignedCapture }) {
  const viewerZone = viewerTimeZone();
  const controls = countControls(capture.title) + countControls(capture.url);
  const openable = /^https?:/i.test(capture.url);
  return (
    <div className="card-panel metadata">
      <h2 className="panel-title">Signed record</h2>
      <p className="panel-sub">Every field below is covered by the capture’s signature and cannot change.</p>
      {controls > 0 && (
        <div className="notice notice-warn meta-warning" role="note">
          <AlertIcon />
          <p>
            The page’s title or address contains {controls} invisible direction-control character{controls === 1 ? '' : 's'}, shown as marks like ⟨RLO⟩. They can make text read differently
            from what it is.
          </p>
        </div>
      )}
      <MetaGroup title="Page">
        <Row term="URL">
          <div className="long-value mono">
            <SafeText value={capture.url} />
          </div>
          {openable && (
            <a className="inline-link" href={capture.url} target="_blank" rel="noreferrer noopener">
              Open page <ExternalIcon />
            </a>
          )}
        </Row>
        <Row term="Title">
          <div className="long-value">{capture.title ? <SafeText value={capture.title} /> : <span className="muted">no title</span>}</div>
        </Row>
      </MetaGroup>
      <MetaGroup title="Time">
        <Row term="Captured (UTC)">{formatUtc(capture.capturedAt)}</Row>
        <Row term="Captured (local)">
          {formatInZone(capture.capturedAt, capture.timeZone)}
          <span className="muted"> · recorded offset {capture.utcOffset}</span>
        </Row>
        {viewerZone !== capture.timeZone && <Row term="In your time zone">{formatInZone(capture.capturedAt, viewerZone)}</Row>}
      </MetaGroup>
      <MetaGroup title="Captured by">
        <Row term="Name">{capture.capturedBy.name}</Row>
        <Row term="Email">{capture.capturedBy.email}</Row>
        <Row term="Team">{capture.capturedBy.team || <span className="muted">none given</span>}</Row>
      </MetaGroup>
      <MetaGroup title="Browser and screen">
        <Row term="Browser">
          {capture.browser.name} {capture.browser.version}
        </Row>
        <Row term="Extension version">Exhibit {capture.extensionVersion}</Row>
        <Row term="Viewport">
          {capture.viewport.width} × {capture.viewport.height} CSS px
        </Row>
        <Row term="Device pixel ratio">{capture.devicePixelRatio}</Row>
        <Row term="Capture mode">{MODE_LABELS[capture.mode] ?? capture.mode}</Row>
      </MetaGroup>
      <MetaGroup title="Page context">
        {contextRows(capture.context).map(([term, value, always]) =>
          value !== undefined || always ? (
            <Row key={term} term={term}>
              <Optional value={value} />
            </Row>
          ) : null,
        )}
      </MetaGroup>
      <MetaGroup title="Image">
        <Row term="Format">{capture.image.mediaType}</Row>
        <Row term="Size">
          {capture.image.width} × {capture.image.height} px, {formatBytes(capture.image.bytes)} ({capture.image.bytes.toLocaleString('en-US')} bytes)
        </Row>
        <Row term="Banner height">{capture.image.bannerHeight} px above the captured pixels</Row>
        <Row term="SHA-256">
          <Hash value={capture.image.sha256} label="image SHA-256" />
        </Row>
        <Row term="Captured pixels SHA-256">
          <Hash value={capture.capturedPixelsSha256} label="captured pixels SHA-256" />
        </Row>
      </MetaGroup>
      {capture.fullPage && (
        <MetaGroup title="Full page">
          <Row term="Scrolled">{capture.fullPage.container === 'document' ? 'The page' : 'An inner panel of the page (grown in place)'}</Row>
          <Row term="Viewports stitched">{capture.fullPage.tiles}</Row>
          <Row term="Content height">{Math.round(capture.fullPage.contentHeight).toLocaleString('en-US')} CSS px</Row>
          <Row term="Cut at the height limit">{capture.fullPage.truncated ? <span className="badge badge-warn">Yes: only the top of the page was captured</span> : 'No'}</Row>
          <Row term="Changed while captured">{capture.fullPage.changedDuringCapture ? <span className="badge badge-warn">Yes: the page’s height changed during the capture</span> : 'No'}</Row>
        </MetaGroup>
      )}
      {capture.parts && capture.parts.length > 1 && (
        <MetaGroup title="Image parts">
          {capture.parts.map((part) => (
            <Row key={part.name} term={`Part ${part.index}: ${part.name}`}>
              <div>
                {part.width} × {part.height} px from {part.top.toLocaleString('en-US')} px down, {formatBytes(part.bytes)}, banner {part.bannerHeight} px
              </div>
              <Hash value={part.sha256} label={`part ${part.index} SHA-256`} />
              <div className="muted">Captured pixels</div>
              <Hash value={part.capturedPixelsSha256} label={`part ${part.index} captured pixels SHA-256`} />
            </Row>
          ))}
        </MetaGroup>
      )}
      {capture.tables && capture.tables.length > 0 && <Tables captureId={capture.id} tables={capture.tables} />}
      <MetaGroup title="Signature">
        <Row term="Algorithm">{capture.signature.alg} (ECDSA P-256 with SHA-256)</Row>
        <Row term="Signing key fingerprint">
          <Hash value={capture.signingKeyFingerprint} label="signing key fingerprint" />
        </Row>
        <Row term="Signature value">
          <code className="long-value mono">{capture.signature.value}</code>
        </Row>
        <Row term="Installation">
          <code>{capture.installationId}</code>
        </Row>
        <Row term="Capture id">
          <Hash value={capture.id} label="capture id" />
        </Row>
        <Row term="Record schema">
          <code>{capture.schema}</code>
        </Row>
      </MetaGroup>
      <OtherFields capture={capture} />
    </div>
  );
}

const CONTEXT_LABELS: Array<[keyof SignedCapture['context'], string, boolean]> = [
  ['system', 'System', true],
  ['host', 'Host', true],
  ['account', 'Account or tenant', true],
  ['accountName', 'Account name', false],
  ['region', 'Region', true],
  ['resource', 'Resource', true],
  ['consoleUser', 'Console user', true],
  ['pageKind', 'Page kind', false],
];

/** [term, value, shown even when absent] for every context field, known ones first. */
function contextRows(context: SignedCapture['context']): Array<[string, string | undefined, boolean]> {
  const known = new Set<string>(CONTEXT_LABELS.map(([key]) => key));
  const rows: Array<[string, string | undefined, boolean]> = CONTEXT_LABELS.map(([key, term, always]) => [term, context[key] === undefined ? undefined : String(context[key]), always]);
  for (const [key, value] of Object.entries(context)) if (!known.has(key)) rows.push([key, typeof value === 'string' ? value : JSON.stringify(value), true]);
  return rows;
}

// Fields this page lays out above; anything a newer record carries beyond them is still shown.
const SHOWN_FIELDS = new Set([
  'schema', 'id', 'capturedAt', 'timeZone', 'utcOffset', 'url', 'title', 'capturedBy', 'browser', 'extensionVersion', 'viewport',
  'devicePixelRatio', 'mode', 'context', 'image', 'capturedPixelsSha256', 'tables', 'installationId', 'signingKeyFingerprint', 'signature', 'fullPage', 'parts',
]);

function OtherFields({ capture }: { capture: SignedCapture }) {
  const extra = Object.entries(capture).filter(([key]) => !SHOWN_FIELDS.has(key));
  if (extra.length === 0) return null;
  return (
    <MetaGroup title="Other fields">
      {extra.map(([key, value]) => (
        <Row key={key} term={key}>
          <code className="long-value mono">
            <SafeText value={typeof value === 'string' ? value : JSON.stringify(value, null, 1)} />
          </code>
        </Row>
      ))}
    </MetaGroup>
  );
}

type TableInfo = NonNullable<SignedCapture['tables']>[number];

function TableDownload({ captureId, table }: { captureId: string; table: TableInfo }) {
  const url = useObjectUrl(async () => (await getDb().blobs.get([captureId, table.name]))?.blob, [captureId, table.name]);
  return url ? (
    <a className="inline-link" href={url} download={`exhibit-${captureId}-${table.name.replace('/', '-')}`}>
      Download CSV
    </a>
  ) : null;
}

function Tables({ captureId, tables }: { captureId: string; tables: TableInfo[] }) {
  return (
    <MetaGroup title="Tables extracted from the page">
      {tables.map((t) => (
        <Row key={t.name} term={t.name}>
          <div>
            {t.caption && <SafeText className="table-caption" value={t.caption} />}
            <div>
              {formatCount(t.rowCount, 'row')} × {formatCount(t.columns.length, 'column')}
              {t.virtualized ? ' · the page rendered only part of a longer grid' : ''}
              {t.truncated ? ' · cut to size limits' : ''}
            </div>
            <div className="muted table-columns">
              <SafeText value={t.columns.join(' · ')} />
            </div>
            <Hash value={t.sha256} label={`${t.name} SHA-256`} />
            <TableDownload captureId={captureId} table={t} />
          </div>
        </Row>
      ))}
    </MetaGroup>
  );
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function AnnotationEditor({ annotation }: { annotation: AnnotationState }) {
  const controls = useAllControls();
  const recent = useRecentControlIds();
  const [controlIds, setControlIds] = useState<string[]>(annotation.controlIds);
  const [note, setNote] = useState(annotation.note);
  const [status, setStatus] = useState<{ kind: 'saving' } | { kind: 'error'; message: string } | null>(null);
  const dirty = !sameSet(controlIds, annotation.controlIds) || note !== annotation.note;

  async function save(e: FormEvent) {
    e.preventDefault();
    setStatus({ kind: 'saving' });
    try {
      // On success the stored annotation changes and this editor is re-created from it.
      await send({ type: 'annotate', captureId: annotation.captureId, controlIds, note });
      setStatus(null);
    } catch (err) {
      setStatus({ kind: 'error', message: (err as Error).message });
    }
  }

  return (
    <form className="card-panel annotation" aria-labelledby="tags-title" onSubmit={save}>
      <h2 className="panel-title" id="tags-title">
        Controls and note
      </h2>
      <p className="panel-sub">
        {annotation.updatedAt ? (
          <>
            Last changed {formatAgo(annotation.updatedAt)} by {annotation.updatedBy}
          </>
        ) : (
          'Not tagged yet.'
        )}
      </p>
      <ControlPicker label="Controls" controls={controls} recent={recent} value={controlIds} onChange={setControlIds} placeholder="Search controls, e.g. CC6.2" />
      <div className="field">
        <label className="field-label" htmlFor="annotation-note">
          Note
        </label>
        <textarea id="annotation-note" className="textarea" rows={3} maxLength={20000} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What this evidence shows, for the auditor" />
      </div>
      <ErrorNotice message={status?.kind === 'error' ? status.message : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={!dirty || status?.kind === 'saving'}>
          {status?.kind === 'saving' ? 'Saving…' : 'Save changes'}
        </button>
        <button
          type="button"
          className="button button-ghost"
          disabled={!dirty}
          onClick={() => {
            setControlIds(annotation.controlIds);
            setNote(annotation.note);
            setStatus(null);
          }}
        >
          Discard
        </button>
      </div>
    </form>
  );
}

function describeEvent(event: AnnotationEvent): ReactNode {
  switch (event.op) {
    case 'controls.add':
      return (
        <>
          Tagged{' '}
          {event.controlIds.map((id) => (
            <span key={id} className="tag">
              {id}
            </span>
          ))}
        </>
      );
    case 'controls.remove':
      return (
        <>
          Removed{' '}
          {event.controlIds.map((id) => (
            <span key={id} className="tag tag-removed">
              {id}
            </span>
          ))}
        </>
      );
    case 'note.set':
      return event.note ? (
        <>
          Set the note: <q className="history-note clamp-3">{event.note}</q>
        </>
      ) : (
        'Cleared the note'
      );
    case 'requests.add':
      return `Attached to ${event.requests.length === 1 ? 'an auditor request' : `${event.requests.length} auditor requests`}`;
    case 'requests.remove':
      return `Detached from ${event.requests.length === 1 ? 'an auditor request' : `${event.requests.length} auditor requests`}`;
    case 'exception.set':
      return event.exception ? (
        <>
          Flagged as an exception: <q className="history-note clamp-3">{event.exception.description}</q>
        </>
      ) : (
        'Cleared the exception'
      );
    default:
      return (event as { op: string }).op;
  }
}

function History({ events }: { events: readonly AnnotationEvent[] }) {
  const newestFirst = [...events].reverse();
  return (
    <section className="card-panel history" aria-labelledby="history-title">
      <h2 className="panel-title" id="history-title">
        History
      </h2>
      <p className="panel-sub">Every change to the tags and note, with who and when. Nothing is ever overwritten.</p>
      {newestFirst.length === 0 ? (
        <p className="muted">No tags or note yet.</p>
      ) : (
        <ol className="history-list" aria-label="Annotation history">
          {newestFirst.map((e) => (
            <li key={e.id} className="history-item">
              <div className="history-what">{describeEvent(e)}</div>
              <div className="history-who">
                <strong>{e.by.name}</strong> <span className="muted">{e.by.email}</span>
              </div>
              <time className="history-when" dateTime={e.at} title={formatInZone(e.at, viewerTimeZone())}>
                {formatUtc(e.at)} · {formatAgo(e.at)}
              </time>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
