// data/index.html and data/index.csv: what an auditor opens first. The page is one self-contained
// file that needs no network and no script (its Content-Security-Policy forbids both); every
// string that came from a captured page or a person is escaped and isolated from bidirectional
// tricks, so a page title full of markup or a right-to-left override stays visible text.
import type { CoverageCell } from '../periods/coverage';
import type { ReadinessBundleData } from '../readiness/export';
import { formatWallClock } from '../time';
import { csvLines } from './csv';
import type { BundleCapture, BundleControl, Placement, RequestFolder } from './layout';

export interface IndexModel {
  organization: string;
  period: { name: string; start: string; end: string; timeZone: string };
  selection: string;
  exportId: string;
  exportedAt: string;
  exportedBy: { name: string; email: string } | null;
  signingKeyFingerprint: string;
  exhibitVersion: string;
  volume: { index: number; count: number } | null;
  controls: readonly BundleControl[];
  captures: readonly BundleCapture[];
  /** The whole export's coverage, exceptions and requests; null for a bag assembled without a library. */
  readiness: ReadinessBundleData | null;
  requests: readonly RequestFolder[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Page-derived text: escaped, and in <bdi> so direction overrides cannot reorder what follows. */
function t(value: string | undefined | null): string {
  return value ? `<bdi>${escapeHtml(value)}</bdi>` : '<span class="none">—</span>';
}

/** A relative link to a file in the bag, each path segment percent-encoded. */
function href(path: string): string {
  return escapeHtml(path.split('/').map(encodeURIComponent).join('/'));
}

function safeExternalLink(url: string): string {
  let ok = false;
  try {
    const u = new URL(url);
    ok = u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    ok = false;
  }
  return ok ? `<a href="${escapeHtml(url)}" rel="noopener noreferrer">${t(url)}</a>` : t(url);
}

function localTime(capturedAt: string, timeZone: string, utcOffset: string): string {
  try {
    return `${formatWallClock(new Date(capturedAt), timeZone)} ${timeZone} (UTC${utcOffset})`;
  } catch {
    return `${timeZone} (UTC${utcOffset})`;
  }
}

function fromData(path: string): string {
  return path.replace(/^data\//, '');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;margin:0;background:#f8fafc}
header,main,footer{max-width:1100px;margin:0 auto;padding:16px 24px}
header{background:#0f172a;color:#f8fafc;max-width:none}
header .inner{max-width:1100px;margin:0 auto}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #cbd5e1;padding-bottom:4px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dl.meta dt{opacity:.75}
code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
nav ul{columns:2;padding-left:18px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:12px}
th,td{border:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#e2e8f0}
.gap{background:#fee2e2;color:#991b1b;font-weight:600}.ok{background:#dcfce7}.na{color:#64748b}.due{background:#fef9c3}
.exc{outline:2px solid #b45309;outline-offset:-2px}.flag{color:#b45309;font-weight:600}
table.requests td ul{margin:0;padding-left:16px}.overdue{color:#991b1b;font-weight:600}
table.requests thead th,table.requests tbody th{white-space:nowrap}table.requests td.status{min-width:9em}table.requests td.due-date{white-space:nowrap}
article.evidence{display:grid;grid-template-columns:330px 1fr;gap:12px;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:10px;margin:10px 0}
article.evidence img{max-width:320px;border:1px solid #cbd5e1}
article.evidence dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
article.evidence dt{color:#475569}article.evidence dd{margin:0;overflow-wrap:anywhere}
.none{color:#94a3b8}.how{background:#eff6ff;border:1px solid #bfdbfe;padding:8px 12px;border-radius:6px}
@media print{article.evidence{break-inside:avoid}}
`;

function evidenceCard(bc: BundleCapture, controlId: string | null): string {
  const c = bc.capture;
  const placement = bc.placements.find((p) => p.controlId === controlId && !p.request) ?? bc.placements[0]!;
  const image = fromData(placement.folder + placement.image);
  const thumb = bc.thumbnail
    ? `<a href="${href(image)}"><img src="${href(bc.thumbnail)}" alt="Thumbnail of capture ${escapeHtml(c.id)}" width="320" loading="lazy"></a>`
    : `<a href="${href(image)}">Open the evidence image</a>`;
  const partLinks = placement.parts.length
    ? placement.parts.map((name, i) => `<a href="${href(fromData(placement.folder + name))}">part ${i + 1} of ${placement.parts.length}</a>`)
    : [`<a href="${href(image)}">image</a>`];
  const files = [
    ...partLinks,
    `<a href="${href(fromData(placement.folder + placement.sidecar))}">record and signature (JSON)</a>`,
    ...placement.tables.map((name, i) => `<a href="${href(fromData(placement.folder + name))}">table ${i + 1} (CSV)</a>`),
  ].join(' · ');
  return `<article class="evidence" id="${escapeHtml(controlId ? `c-${c.id}-${controlId}` : `c-${c.id}`)}">
<div>${thumb}</div>
<dl>
<dt>Title</dt><dd>${t(c.title)}</dd>
<dt>Captured (UTC)</dt><dd>${escapeHtml(c.capturedAt)}</dd>
<dt>Local time</dt><dd>${escapeHtml(localTime(c.capturedAt, c.timeZone, c.utcOffset))}</dd>
<dt>Captured by</dt><dd>${t(c.capturedBy.name)} &lt;${t(c.capturedBy.email)}&gt;${c.capturedBy.team ? `, ${t(c.capturedBy.team)}` : ''}</dd>
<dt>URL</dt><dd>${safeExternalLink(c.url)}</dd>
<dt>System</dt><dd>${t(c.context.system)}${c.context.host && c.context.host !== c.context.system ? ` (${t(c.context.host)})` : ''}</dd>
${c.context.account ? `<dt>Account</dt><dd>${t(c.context.account)}</dd>` : ''}
${c.context.consoleUser ? `<dt>Console user</dt><dd>${t(c.context.consoleUser)}</dd>` : ''}
<dt>Controls</dt><dd>${bc.annotation.controlIds.length ? bc.annotation.controlIds.map((id) => t(id)).join(', ') : '<span class="none">untagged</span>'}</dd>
<dt>Note</dt><dd>${t(bc.annotation.note)}</dd>
<dt>Image SHA-256</dt><dd><code>${escapeHtml(c.image.sha256)}</code>${c.parts?.length ? ` (part 1 of ${c.parts.length})` : ''}</dd>
${c.parts?.length ? `<dt>Full page</dt><dd>Saved in ${c.parts.length} parts, top to bottom, each with its own banner; the thumbnail shows the top of part 1.</dd>` : ''}
<dt>Capture id</dt><dd><code>${escapeHtml(c.id)}</code></dd>
<dt>Files</dt><dd>${files}</dd>
</dl>
</article>`;
}

const CELL_CLASS: Record<CoverageCell['state'], string> = { covered: 'ok', gap: 'gap', due: 'due', upcoming: 'na', 'not-applicable': 'na', none: 'na' };

function cellText(c: CoverageCell): string {
  const what = c.state === 'gap' ? 'GAP' : c.state === 'not-applicable' ? 'N/A' : c.state === 'upcoming' ? 'not begun' : c.state === 'due' ? `${c.count} (due)` : String(c.count);
  const marks = [c.exception ? '<span class="flag">exception</span>' : '', c.flaggedCaptureIds?.length ? `<span class="flag">${c.flaggedCaptureIds.length} flagged</span>` : ''].filter(Boolean).join(' ');
  return `<td class="${CELL_CLASS[c.state]}${c.exception || c.flaggedCaptureIds?.length ? ' exc' : ''}" title="${escapeHtml(`${c.start} to ${c.end}`)}">${escapeHtml(c.label)}: ${what}${marks ? `<br>${marks}` : ''}</td>`;
}

/** Per control and sub-period: counts, gaps, not-applicable marks (with reason and who) and exceptions, as the dashboard shows them. */
function coverageSection(r: ReadinessBundleData, volume: IndexModel['volume']): string {
  const rows = r.coverage.rows;
  const gaps = rows.reduce((n, row) => n + row.gaps, 0);
  const table = rows
    .map((row) => `<tr><th scope="row">${t(row.controlId)}</th><td>${t(row.title)}${row.owner ? `<br>Owner: ${t(row.owner)}` : ''}</td><td>${escapeHtml(row.cadence)}</td><td>${row.total}${row.gaps ? `, <span class="overdue">${row.gaps} GAP${row.gaps === 1 ? '' : 's'}</span>` : ''}</td>${row.cells.map(cellText).join('')}</tr>`)
    .join('\n');
  const na = rows.flatMap((row) => row.cells.filter((c) => c.notApplicable).map((c) => `<tr><td>${t(row.controlId)}</td><td>${escapeHtml(c.label)}</td><td>${t(c.notApplicable!.reason)}</td><td>${t(c.notApplicable!.by)}</td><td>${escapeHtml(c.notApplicable!.at)}</td></tr>`));
  return `<p>Captures per control in each sub-period of the audit period (${volume && volume.count > 1 ? 'the whole export, across all volumes; ' : ''}days in ${escapeHtml(r.coverage.period.timeZone)}, as of ${escapeHtml(r.coverage.asOf)}), counted over the library's evidence for the period exactly as Exhibit's dashboard counts it. GAP marks a sub-period that ended without evidence where the control's cadence expects some; N/A one recorded as not applicable. ${gaps} gap${gaps === 1 ? '' : 's'} in all. Also in <a href="coverage.csv">coverage.csv</a>.</p>
${rows.length ? `<table><thead><tr><th>Control</th><th>Title</th><th>Cadence</th><th>Captures</th><th colspan="${Math.max(...rows.map((row) => row.cells.length))}">Sub-periods</th></tr></thead><tbody>\n${table}\n</tbody></table>` : '<p class="none">No controls in this export.</p>'}
${na.length ? `<h3>Recorded as not applicable</h3>\n<table><thead><tr><th>Control</th><th>Sub-period</th><th>Reason</th><th>Recorded by</th><th>At (UTC)</th></tr></thead><tbody>\n${na.join('\n')}\n</tbody></table>` : ''}`;
}

/** Every exception of the period, never filtered: what did not operate as described, and what was done. */
function exceptionsSection(r: ReadinessBundleData): string {
  const rows = r.exceptions.map((e) => {
    const what = e.kind === 'capture'
      ? `Capture <code>${escapeHtml(e.captureId)}</code> (${t(e.title)}, ${escapeHtml(e.capturedAt)})${e.controlIds.length ? `<br>Controls: ${e.controlIds.map((id) => t(id)).join(', ')}` : ''}`
      : `Control ${t(e.controlId)}${e.title ? ` (${t(e.title)})` : ''}, ${escapeHtml(e.subPeriod)}`;
    return `<tr><td>${what}</td><td>${t(e.description)}</td><td>${t(e.remediation)}</td><td>${t(e.by)}</td><td>${escapeHtml(e.at)}</td></tr>`;
  });
  return `<section id="exceptions"><h2>Exceptions</h2>
<p>Every exception recorded for the period — on a capture, or on a control's sub-period — whatever this export selected. Also in <a href="exceptions.csv">exceptions.csv</a>.</p>
${rows.length ? `<table><thead><tr><th>Capture or control and sub-period</th><th>Description</th><th>Remediation</th><th>Recorded by</th><th>At (UTC)</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>` : '<p class="none">No exceptions were recorded for this period.</p>'}
</section>`;
}

const STATUS_TEXT: Record<RequestFolder['request']['status'], string> = { open: 'Open', 'evidence-attached': 'Evidence attached', submitted: 'Submitted' };

function captureLinks(bcs: readonly BundleCapture[], pick: (bc: BundleCapture) => Placement | undefined): string {
  const items = bcs.flatMap((bc) => {
    const p = pick(bc);
    return p ? [`<li><a href="${href(fromData(p.folder + p.image))}">${t(bc.capture.title)}</a> · ${escapeHtml(bc.capture.capturedAt)} · <a href="${href(fromData(p.folder + p.sidecar))}">record</a></li>`] : [];
  });
  return items.length ? `<ul>${items.join('')}</ul>` : '';
}

/** The auditor's request list: each request's status and the captures answering it, in data/requests/<id>/. */
function requestsSection(requests: readonly RequestFolder[], captures: readonly BundleCapture[], volume: IndexModel['volume']): string {
  const rows = requests.map((rf) => {
    const r = rf.request;
    const own = captureLinks(captures, (bc) => bc.placements.find((p) => p.folder === rf.folder));
    const samples = rf.samples
      .map((s) => `<li>Sample ${t(s.label)} (<code>${escapeHtml(s.folder)}</code>): ${s.captureIds.length ? `${s.captureIds.length} capture${s.captureIds.length === 1 ? '' : 's'}` : '<span class="overdue">none yet</span>'}${captureLinks(captures, (bc) => bc.placements.find((p) => p.folder === s.folder))}</li>`)
      .join('');
    const left = rf.attached - rf.exported;
    const note = left > 0 ? `<p class="flag">${left} of ${rf.attached} answering capture${rf.attached === 1 ? ' is' : 's are'} not in this export (left out by its selection of controls, systems or untagged captures).</p>` : '';
    const elsewhere = volume && volume.count > 1 ? '<p class="none">Captures in other volumes of this export are listed in their own index.html.</p>' : '';
    return `<tr><th scope="row">${t(r.ref)}</th><td>${t(r.text)}</td><td class="status">${escapeHtml(STATUS_TEXT[r.status])}${r.submittedAt ? `<br>${escapeHtml(r.submittedAt)} by ${t(r.submittedBy)}` : ''}</td><td class="due-date">${r.dueDate ? escapeHtml(r.dueDate) : '<span class="none">—</span>'}${r.overdue ? '<br><span class="overdue">overdue</span>' : ''}</td><td>${t(r.owner)}</td><td>${r.controlIds.map((id) => t(id)).join(', ') || '<span class="none">—</span>'}</td><td>${rf.exported ? `<code>${escapeHtml(rf.folder)}</code> · ${rf.exported} capture${rf.exported === 1 ? '' : 's'}` : '<span class="none">No captures in this export, so no folder.</span>'}${note}${own}${samples ? `<ul>${samples}</ul>` : ''}${elsewhere}</td></tr>`;
  });
  return `<section id="requests"><h2>Requests</h2>
<p>The auditor's request list for this period. Each request's captures are copied into its folder under <code>data/requests/</code>, a sample's into a sub-folder; status as recorded in Exhibit. Also in <a href="requests.csv">requests.csv</a>.</p>
<table class="requests"><thead><tr><th>Request</th><th>Description</th><th>Status</th><th>Due</th><th>Owner</th><th>Controls</th><th>Evidence</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

export function renderIndexHtml(m: IndexModel): string {
  return [...indexHtmlParts(m)].join('');
}

/**
 * data/index.html in pieces, in order (a section head, one evidence card, one table row…): an
 * export of thousands of captures encodes them one by one instead of building the page as one
 * string of tens of megabytes first.
 */
export function* indexHtmlParts(m: IndexModel): Generator<string> {
  const periodText = m.period.start === m.period.end ? m.period.start : `${m.period.start} to ${m.period.end}`;
  const byControl = new Map<string, BundleCapture[]>();
  const untagged: BundleCapture[] = [];
  for (const bc of m.captures) {
    for (const p of bc.placements) {
      if (p.request) continue;
      if (p.controlId === null) untagged.push(bc);
      else {
        const list = byControl.get(p.controlId);
        if (list) list.push(bc);
        else byControl.set(p.controlId, [bc]);
      }
    }
  }
  const controlAnchor = new Map(m.controls.map((c, i) => [c.id, `control-${i + 1}`]));

  const readiness = m.readiness;
  const coverage = readiness ? coverageSection(readiness, m.volume) : '<p class="none">This bag was assembled outside an Exhibit library: no coverage was computed.</p>';
  const exceptions = readiness ? exceptionsSection(readiness) : '';
  const requests = m.requests.length ? requestsSection(m.requests, m.captures, m.volume) : '';

  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SOC 2 evidence — ${escapeHtml(m.organization || 'organization')} — ${escapeHtml(m.period.name)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><div class="inner">
<h1>SOC 2 evidence — ${t(m.organization || 'organization')}</h1>
<dl class="meta">
<dt>Audit period</dt><dd>${t(m.period.name)}: ${escapeHtml(periodText)} (days in ${escapeHtml(m.period.timeZone)})</dd>
<dt>Selection</dt><dd>${t(m.selection)}</dd>
<dt>Exported</dt><dd>${escapeHtml(m.exportedAt)}${m.exportedBy ? ` by ${t(m.exportedBy.name)} &lt;${t(m.exportedBy.email)}&gt;` : ''}</dd>
<dt>Captures</dt><dd>${m.captures.length}${m.volume && m.volume.count > 1 ? ` in volume ${m.volume.index} of ${m.volume.count} (export ${escapeHtml(m.exportId)})` : ''}</dd>
<dt>Bundle signing key</dt><dd><code>${escapeHtml(m.signingKeyFingerprint)}</code></dd>
</dl>
</div></header>
<main>
<p class="how">Every file of this bundle is listed with its SHA-256 in <code>manifest-sha256.txt</code> (a BagIt 1.0 bag), and <code>signature.json</code> signs the tag manifest with the key above. Each capture's JSON record carries its own signature from the moment of capture. Check it all with <code>npx exhibit verify &lt;bundle.zip&gt;</code> or any BagIt validator, and compare the key fingerprint with the one the team gave you directly.</p>
<nav><h2>Contents</h2><ul>
<li><a href="#coverage">Coverage by control and sub-period</a>${readiness ? ` (${readiness.coverage.rows.reduce((n, r) => n + r.gaps, 0)} gaps)` : ''}</li>
${readiness ? `<li><a href="#exceptions">Exceptions</a> (${readiness.exceptions.length})</li>` : ''}
${m.requests.length ? `<li><a href="#requests">Requests</a> (${m.requests.length})</li>` : ''}
${m.controls.map((c) => `<li><a href="#${controlAnchor.get(c.id)}">${t(c.id)} — ${t(c.title)}</a> (${(byControl.get(c.id) ?? []).length})</li>`).join('\n')}
${untagged.length ? `<li><a href="#untagged">Untagged captures</a> (${untagged.length})</li>` : ''}
<li><a href="#all">Every capture's metadata</a> (${m.captures.length})</li>
</ul></nav>
<section id="coverage"><h2>Coverage</h2>
${coverage}
</section>
${exceptions}
${requests}
`;
  for (let ci = 0; ci < m.controls.length; ci++) {
    const c = m.controls[ci]!;
    const items = byControl.get(c.id) ?? [];
    yield `${ci ? '\n' : ''}<section id="${controlAnchor.get(c.id)}">
<h2>${t(c.id)} — ${t(c.title)}</h2>
<p>${c.owner ? `Owner: ${t(c.owner)} · ` : ''}Cadence: ${escapeHtml(c.cadence)} · ${items.length} capture${items.length === 1 ? '' : 's'} · folder <code>${escapeHtml(c.folder)}</code></p>
${c.description ? `<p>${t(c.description)}</p>` : ''}
`;
    if (!items.length) yield '<p class="none">No evidence in this export.</p>';
    for (let i = 0; i < items.length; i++) yield `${i ? '\n' : ''}${evidenceCard(items[i]!, c.id)}`;
    yield '\n</section>';
  }
  yield '\n';
  if (untagged.length) {
    yield '<section id="untagged"><h2>Untagged captures</h2>\n';
    for (let i = 0; i < untagged.length; i++) yield `${i ? '\n' : ''}${evidenceCard(untagged[i]!, null)}`;
    yield '\n</section>';
  }
  yield `
<section id="all"><h2>Every capture's metadata</h2>
<p>Also in <a href="index.csv">index.csv</a> (one row per capture and control).</p>
<table>
<thead><tr><th>Capture id</th><th>Captured (UTC)</th><th>Time zone</th><th>Captured by</th><th>System</th><th>Account</th><th>Console user</th><th>Title</th><th>URL</th><th>Mode</th><th>Image</th><th>Image SHA-256</th><th>Controls</th><th>Note</th><th>Signing key</th></tr></thead>
<tbody>
`;
  for (let i = 0; i < m.captures.length; i++) {
    const bc = m.captures[i]!;
    const c = bc.capture;
    yield `${i ? '\n' : ''}<tr><td><code>${escapeHtml(c.id)}</code></td><td>${escapeHtml(c.capturedAt)}</td><td>${escapeHtml(c.timeZone)} (UTC${escapeHtml(c.utcOffset)})</td><td>${t(c.capturedBy.name)}<br>${t(c.capturedBy.email)}</td><td>${t(c.context.system)}<br>${t(c.context.host)}</td><td>${t(c.context.account)}</td><td>${t(c.context.consoleUser)}</td><td>${t(c.title)}</td><td>${t(c.url)}</td><td>${escapeHtml(c.mode)}</td><td>${c.parts?.length ? c.parts.map((p) => `part ${p.index}: ${p.width}×${p.height}, ${p.bytes} bytes`).join('<br>') : `${c.image.width}×${c.image.height}, ${c.image.bytes} bytes`}</td><td><code>${escapeHtml(c.image.sha256)}</code></td><td>${bc.annotation.controlIds.map((id) => t(id)).join(', ') || '<span class="none">untagged</span>'}</td><td>${t(bc.annotation.note)}</td><td><code>${escapeHtml(c.signingKeyFingerprint)}</code></td></tr>`;
  }
  yield `
</tbody>
</table>
</section>
</main>
<footer><p>Made by Exhibit ${escapeHtml(m.exhibitVersion)}. Export ${escapeHtml(m.exportId)}.</p></footer>
</body>
</html>
`;
}

export const INDEX_CSV_HEADER = [
  'control_id',
  'control_title',
  'capture_id',
  'captured_at_utc',
  'local_time',
  'time_zone',
  'captured_by_name',
  'captured_by_email',
  'system',
  'host',
  'account',
  'console_user',
  'title',
  'url',
  'note',
  'image_sha256',
  'image_path',
  'sidecar_path',
  'signing_key_fingerprint',
] as const;

/** One row per capture and control it is filed under (one row with an empty control for untagged captures); request copies are in requests.csv. */
export function indexCsvLines(captures: readonly BundleCapture[], controls: readonly BundleControl[]): Generator<string> {
  const titles = new Map(controls.map((c) => [c.id, c.title]));
  // Row by row, as lines: at thousands of captures the file is megabytes, never held as one string.
  function* rows() {
    for (const bc of captures) {
      for (const p of bc.placements) {
        if (p.request) continue;
        const c = bc.capture;
        yield [
          p.controlId ?? '',
          p.controlId ? (titles.get(p.controlId) ?? '') : '',
          c.id,
          c.capturedAt,
          localTime(c.capturedAt, c.timeZone, c.utcOffset),
          c.timeZone,
          c.capturedBy.name,
          c.capturedBy.email,
          c.context.system,
          c.context.host,
          c.context.account ?? '',
          c.context.consoleUser ?? '',
          c.title,
          c.url,
          bc.annotation.note,
          c.image.sha256,
          p.folder + p.image,
          p.folder + p.sidecar,
          c.signingKeyFingerprint,
        ];
      }
    }
  }
  return csvLines(INDEX_CSV_HEADER, rows());
}
