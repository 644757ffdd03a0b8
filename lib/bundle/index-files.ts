// data/index.html and data/index.csv: what an auditor opens first. The page is one self-contained
// file that needs no network and no script (its Content-Security-Policy forbids both); every
// string that came from a captured page or a person is escaped and isolated from bidirectional
// tricks, so a page title full of markup or a right-to-left override stays visible text.
import { formatWallClock } from '../time';
import type { CoverageRow } from './coverage';
import { toCsv } from './csv';
import type { BundleCapture, BundleControl } from './layout';

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
  coverage: readonly CoverageRow[];
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
.gap{background:#fee2e2;color:#991b1b;font-weight:600}.ok{background:#dcfce7}.na{color:#64748b}
article.evidence{display:grid;grid-template-columns:330px 1fr;gap:12px;background:#fff;border:1px solid #e2e8f0;border-radius:6px;padding:10px;margin:10px 0}
article.evidence img{max-width:320px;border:1px solid #cbd5e1}
article.evidence dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
article.evidence dt{color:#475569}article.evidence dd{margin:0;overflow-wrap:anywhere}
.none{color:#94a3b8}.how{background:#eff6ff;border:1px solid #bfdbfe;padding:8px 12px;border-radius:6px}
@media print{article.evidence{break-inside:avoid}}
`;

function evidenceCard(bc: BundleCapture, controlId: string | null): string {
  const c = bc.capture;
  const placement = bc.placements.find((p) => p.controlId === controlId) ?? bc.placements[0]!;
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

export function renderIndexHtml(m: IndexModel): string {
  const periodText = m.period.start === m.period.end ? m.period.start : `${m.period.start} to ${m.period.end}`;
  const byControl = new Map<string, BundleCapture[]>();
  const untagged: BundleCapture[] = [];
  for (const bc of m.captures) {
    for (const p of bc.placements) {
      if (p.controlId === null) untagged.push(bc);
      else byControl.set(p.controlId, [...(byControl.get(p.controlId) ?? []), bc]);
    }
  }
  const controlAnchor = new Map(m.controls.map((c, i) => [c.id, `control-${i + 1}`]));

  const coverageByControl = new Map<string, CoverageRow[]>();
  for (const r of m.coverage) coverageByControl.set(r.controlId, [...(coverageByControl.get(r.controlId) ?? []), r]);
  const coverage = [...coverageByControl]
    .map(([id, rows]) => {
      const cells = rows
        .map((r) => `<td class="${r.status === 'GAP' ? 'gap' : r.status === 'OK' ? 'ok' : 'na'}">${escapeHtml(r.bucket.label)}: ${r.status === 'GAP' ? 'GAP' : String(r.captures)}</td>`)
        .join('');
      return `<tr><th scope="row">${t(id)}</th><td>${t(rows[0]!.controlTitle)}</td><td>${escapeHtml(rows[0]!.cadence)}</td>${cells}</tr>`;
    })
    .join('\n');

  const sections = m.controls
    .map((c) => {
      const items = byControl.get(c.id) ?? [];
      return `<section id="${controlAnchor.get(c.id)}">
<h2>${t(c.id)} — ${t(c.title)}</h2>
<p>${c.owner ? `Owner: ${t(c.owner)} · ` : ''}Cadence: ${escapeHtml(c.cadence)} · ${items.length} capture${items.length === 1 ? '' : 's'} · folder <code>${escapeHtml(c.folder)}</code></p>
${c.description ? `<p>${t(c.description)}</p>` : ''}
${items.map((bc) => evidenceCard(bc, c.id)).join('\n') || '<p class="none">No evidence in this export.</p>'}
</section>`;
    })
    .join('\n');

  const allRows = m.captures
    .map((bc) => {
      const c = bc.capture;
      return `<tr><td><code>${escapeHtml(c.id)}</code></td><td>${escapeHtml(c.capturedAt)}</td><td>${escapeHtml(c.timeZone)} (UTC${escapeHtml(c.utcOffset)})</td><td>${t(c.capturedBy.name)}<br>${t(c.capturedBy.email)}</td><td>${t(c.context.system)}<br>${t(c.context.host)}</td><td>${t(c.context.account)}</td><td>${t(c.context.consoleUser)}</td><td>${t(c.title)}</td><td>${t(c.url)}</td><td>${escapeHtml(c.mode)}</td><td>${c.parts?.length ? c.parts.map((p) => `part ${p.index}: ${p.width}×${p.height}, ${p.bytes} bytes`).join('<br>') : `${c.image.width}×${c.image.height}, ${c.image.bytes} bytes`}</td><td><code>${escapeHtml(c.image.sha256)}</code></td><td>${bc.annotation.controlIds.map((id) => t(id)).join(', ') || '<span class="none">untagged</span>'}</td><td>${t(bc.annotation.note)}</td><td><code>${escapeHtml(c.signingKeyFingerprint)}</code></td></tr>`;
    })
    .join('\n');

  return `<!doctype html>
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
<li><a href="#coverage">Coverage by control and ${m.controls.some((c) => c.cadence === 'quarterly') ? 'month or quarter' : 'month'}</a></li>
${m.controls.map((c) => `<li><a href="#${controlAnchor.get(c.id)}">${t(c.id)} — ${t(c.title)}</a> (${(byControl.get(c.id) ?? []).length})</li>`).join('\n')}
${untagged.length ? `<li><a href="#untagged">Untagged captures</a> (${untagged.length})</li>` : ''}
<li><a href="#all">Every capture's metadata</a> (${m.captures.length})</li>
</ul></nav>
<section id="coverage"><h2>Coverage</h2>
<p>Captures per control in each ${m.volume && m.volume.count > 1 ? 'sub-period across all volumes of this export' : 'sub-period'}; GAP marks a month (or quarter, for quarterly controls) without evidence. Also in <a href="coverage.csv">coverage.csv</a>.</p>
${coverage ? `<table><tbody>\n${coverage}\n</tbody></table>` : '<p class="none">No controls in this export.</p>'}
</section>
${sections}
${untagged.length ? `<section id="untagged"><h2>Untagged captures</h2>\n${untagged.map((bc) => evidenceCard(bc, null)).join('\n')}\n</section>` : ''}
<section id="all"><h2>Every capture's metadata</h2>
<p>Also in <a href="index.csv">index.csv</a> (one row per capture and control).</p>
<table>
<thead><tr><th>Capture id</th><th>Captured (UTC)</th><th>Time zone</th><th>Captured by</th><th>System</th><th>Account</th><th>Console user</th><th>Title</th><th>URL</th><th>Mode</th><th>Image</th><th>Image SHA-256</th><th>Controls</th><th>Note</th><th>Signing key</th></tr></thead>
<tbody>
${allRows}
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

/** One row per capture and control it is filed under (one row with an empty control for untagged captures). */
export function indexCsv(captures: readonly BundleCapture[], controls: readonly BundleControl[]): string {
  const titles = new Map(controls.map((c) => [c.id, c.title]));
  const rows = captures.flatMap((bc) =>
    bc.placements.map((p) => {
      const c = bc.capture;
      return [
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
    }),
  );
  return toCsv(INDEX_CSV_HEADER, rows);
}
