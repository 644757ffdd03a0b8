import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseHTML } from 'linkedom';
import Papa from 'papaparse';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { sha256Hex, verifyRecordSignature } from '@/lib/capture/signing';
import { saveCapture } from '@/lib/capture/store';
import { extractedTableSchema } from '@/lib/context/read-facts';
import { ExhibitDB } from '@/lib/db';
import { getInstallation, resetInstallationCache } from '@/lib/installation';
import { tinyEvidence } from './evidence-fixture';
import { signedCaptureSchema } from '@/lib/schema';
import { tableFiles, toCsv } from '@/lib/tables/csv';
import { extractTables, noLayoutProbe, REDACTED, type LayoutProbe, type Rect } from '@/lib/tables/extract';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/consoles');

function documentOf(html: string): Document {
  return parseHTML(`<!doctype html><html><body>${html}</body></html>`).document as unknown as Document;
}
function fixture(id: string): Document {
  return parseHTML(readFileSync(resolve(FIXTURES, `${id}.html`), 'utf8')).document as unknown as Document;
}

/** Layout from attributes: data-rect="left top right bottom"; class "gone" or inline display:none hides. */
const attributeProbe: LayoutProbe = {
  isRendered: (el) => !el.hasAttribute('hidden') && !el.classList.contains('gone') && !/display:\s*none/.test(el.getAttribute('style') ?? ''),
  visibleRect: (el) => rectAttr(el),
  textRects: (node) => {
    const owner = node.parentElement;
    const r = owner && rectAttr(owner);
    return r ? [r] : null;
  },
};
function rectAttr(el: Element): Rect | null {
  const value = el.getAttribute('data-rect');
  if (!value) return null;
  const [left, top, right, bottom] = value.split(/\s+/).map(Number) as [number, number, number, number];
  return { left, top, right, bottom };
}

describe('extractTables on fixture pages', () => {
  it('keeps hostile cell text verbatim, drops hidden and script text, and skips hidden, layout and iframe tables', () => {
    const tables = extractTables(fixture('tables'), { probe: attributeProbe });
    expect(tables.map((t) => t.caption)).toEqual(['Hostile cells', undefined, 'Contents rows', 'Audit events']);
    const [hostile, inner, contents, long] = tables;
    expect(contents!.rows).toEqual([['Require MFA', '[x] On']]);
    expect(hostile!.columns).toEqual(['User', 'Note', 'MFA']);
    expect(hostile!.rows).toEqual([
      ['=HYPERLINK("https://127.0.0.1/x","click")', '<script>alert(1)</script>', 'Enabled'],
      ['+SUM(A1:A9)', '"quoted", with comma', '@cmd'],
      ['line one\nline two', 'visible', '-1'],
    ]);
    expect(inner!.columns).toEqual(['Key', 'Value']);
    expect(inner!.rows).toEqual([['retention', '35 days']]);
    // The fixture fills this table with a script; linkedom does not run scripts.
    expect(long!.rows).toEqual([]);
    const everything = JSON.stringify(tables);
    for (const marker of ['HIDDEN-SPAN-MARKER', 'SCRIPT-MARKER', 'HIDDEN-TABLE-MARKER', 'LAYOUT-ONLY-MARKER', 'IFRAME-TABLE-MARKER']) expect(everything).not.toContain(marker);
  });

  it('combines multi-row headers and repeats row-spanning cells (Google Cloud IAM)', () => {
    const [iam] = extractTables(fixture('gcp'));
    expect(iam!.caption).toBe('Permissions for project "acme-prod"');
    expect(iam!.columns).toEqual(['Principal / Type', 'Principal / Email', 'Name', 'Role']);
    expect(iam!.rows).toEqual([
      ['User', 'ops@acme.example', 'Ops Admin', 'Owner'],
      ['User', 'grace@acme.example', 'Grace Kim', 'Editor'],
      ['Service account', 'deployer@acme-prod.iam.gserviceaccount.com', 'deployer', 'Cloud Run Admin\nService Account User'],
      ['Group', 'sre@acme.example', '', 'Viewer'],
      ['Domain', 'acme.example', '', 'Browser'],
    ]);
    expect(iam!.virtualized).toBe(false);
  });

  it('reads ARIA grids and says when a virtualised grid renders only some rows (Entra users)', () => {
    const [grid] = extractTables(fixture('azure'));
    expect(grid).toMatchObject({ kind: 'grid', caption: 'All users', virtualized: true, declaredRowCount: 1200, renderedRowCount: 20 });
    expect(grid!.columns).toEqual(['Display name', 'User principal name', 'User type', 'Account enabled']);
    // Recycled row elements come back in aria-rowindex order.
    expect(grid!.rows.map((r) => r[0])).toEqual(expect.arrayContaining(['Ada Admin', 'Tariq Aziz']));
    expect(grid!.rows[0]![0]).toBe('Ada Admin');
    expect(grid!.rows[19]![0]).toBe('Tariq Aziz');
  });

  it('a complete ARIA grid is not virtualised (Google Workspace users)', () => {
    const [grid] = extractTables(fixture('google-workspace'));
    expect(grid).toMatchObject({ kind: 'grid', virtualized: false, declaredRowCount: 6, renderedRowCount: 6 });
    expect(grid!.rows).toHaveLength(6);
  });

  it('headerless tables get numbered columns; pages without tables give none', () => {
    const [t] = extractTables(documentOf('<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>'));
    expect(t!.columns).toEqual(['Column 1', 'Column 2']);
    expect(t!.rows).toEqual([['a', 'b'], ['c', '']]);
    expect(extractTables(fixture('github'))).toEqual([]);
  });

  it('rows scrolled past in a virtualised grid without aria-rowcount still count as virtualised', () => {
    const [grid] = extractTables(
      documentOf('<div role="grid"><div role="row" aria-rowindex="1"><div role="columnheader">A</div></div><div role="row" aria-rowindex="41"><div role="gridcell">x</div></div><div role="row" aria-rowindex="42"><div role="gridcell">y</div></div></div>'),
    );
    expect(grid).toMatchObject({ virtualized: true, renderedRowCount: 2, rows: [['x'], ['y']] });
  });
});

describe('region and redaction', () => {
  const page = `
    <table data-rect="0 0 400 300">
      <caption data-rect="0 0 400 20">Staff of Secret Project</caption>
      <tr data-rect="0 20 400 40"><th data-rect="0 20 200 40">Name</th><th data-rect="200 20 400 40">Salary</th></tr>
      <tr data-rect="0 40 400 60"><td data-rect="0 40 200 60">Ada</td><td data-rect="200 40 400 60">100</td></tr>
      <tr data-rect="0 60 400 80"><td data-rect="0 60 200 80">Ben</td><td data-rect="200 60 400 80">90</td></tr>
      <tr data-rect="0 900 400 920"><td data-rect="0 900 200 920">Below</td><td data-rect="200 900 400 920">0</td></tr>
    </table>
    <table data-rect="0 2000 400 2100"><tr><th>Far away</th></tr><tr><td>x</td></tr></table>`;

  it('keeps only rows inside the region and tables that reach into it', () => {
    const tables = extractTables(documentOf(page), { probe: attributeProbe, region: { left: 0, top: 0, right: 1280, bottom: 800 } });
    expect(tables).toHaveLength(1);
    expect(tables[0]!.rows).toEqual([['Ada', '100'], ['Ben', '90']]);
    expect(tables[0]!.renderedRowCount).toBe(3);
  });

  it('replaces text under a redaction in cells, headers and captions, so it never reaches the CSV', async () => {
    const redactions = [{ left: 210, top: 0, right: 420, bottom: 58 }];
    const [t] = extractTables(documentOf(page), { probe: attributeProbe, redactions });
    expect(t!.caption).toBe(REDACTED);
    expect(t!.columns).toEqual(['Name', REDACTED]);
    expect(t!.rows.slice(0, 2)).toEqual([['Ada', REDACTED], ['Ben', '90']]);
    const [file] = await tableFiles([t!]);
    const csv = new TextDecoder().decode(file!.bytes);
    for (const secret of ['Salary', '100', 'Secret Project']) expect(csv).not.toContain(secret);
  });

  it('without geometry, text is redacted whenever redactions are asked for', () => {
    const [t] = extractTables(documentOf('<table><tr><th>A</th></tr><tr><td>secret</td></tr></table>'), { probe: noLayoutProbe, redactions: [{ left: 0, top: 0, right: 1, bottom: 1 }] });
    expect(JSON.stringify(t)).not.toContain('secret');
  });
});

describe('hostile and oversized markup', () => {
  it('caps cells, rows, columns and tables and says it did', () => {
    const wide = `<table><tr>${'<td>x</td>'.repeat(300)}</tr></table>`;
    const long = `<table><tr><th>n</th></tr>${'<tr><td>r</td></tr>'.repeat(50)}</table>`;
    const fat = `<table><tr><th>n</th></tr><tr><td>${'y'.repeat(20000)}</td></tr></table>`;
    const many = '<table><tr><td>t</td></tr></table>'.repeat(10);
    const limits = { rows: 20, columns: 100, cellChars: 1000, tables: 5 };
    expect(extractTables(documentOf(wide), { limits })[0]).toMatchObject({ truncated: true });
    expect(extractTables(documentOf(wide), { limits })[0]!.columns).toHaveLength(100);
    const l = extractTables(documentOf(long), { limits })[0]!;
    expect(l).toMatchObject({ truncated: true, renderedRowCount: 50 });
    expect(l.rows).toHaveLength(20);
    const f = extractTables(documentOf(fat), { limits })[0]!;
    expect(f.truncated).toBe(true);
    expect(f.rows[0]![0]).toHaveLength(1000);
    expect(extractTables(documentOf(many), { limits })).toHaveLength(5);
    expect(extractTables(documentOf(many + wide), { limits }).every((t) => extractedTableSchema.safeParse(t).success)).toBe(true);
  });

  it('never throws on garbage', () => {
    const garbage = [
      '<table colspan="1e9"><tr><td colspan="1e9" rowspan="99999999">a</td><td colspan="-5">b</td><td colspan="abc" rowspan="0">c</td></tr><tr><td>d</td></tr></table>',
      `<table>${'<tr><td><div>'.repeat(500)}deep${'</div></td></tr>'.repeat(500)}</table>`,
      '<div role="grid" aria-rowcount="-1"><div role="row"><div role="gridcell" aria-colindex="999999">x</div></div></div>',
      '<div role="grid" aria-rowcount="abc"><div role="row" aria-rowindex="NaN"></div></div>',
      '<table><thead></thead><tbody></tbody></table><div role="grid"></div>',
      '<div role="treegrid"><div role="row"><div role="gridcell"><div role="grid"><div role="row"><div role="gridcell">nested</div></div></div></div></div></div>',
      '<table><caption><table><tr><td>cap</td></tr></table></caption><tr><td>x</td></tr></table>',
      '<table aria-labelledby="a b c d e f g"><tr><td>x</td></tr></table><span id="a">A</span>',
    ];
    for (const html of garbage) {
      const tables = extractTables(documentOf(html), { probe: attributeProbe });
      for (const t of tables) expect(extractedTableSchema.safeParse(t).success, html).toBe(true);
    }
    const weird = extractTables(documentOf(garbage[0]!))[0]!;
    expect(weird.columns.length).toBeLessThanOrEqual(200);
    const virtualUnknown = extractTables(documentOf(garbage[2]!))[0]!;
    expect(virtualUnknown.virtualized).toBe(true);
  });

  it('a document that throws yields no tables rather than an error', () => {
    const hostile = new Proxy({}, {
      get() {
        throw new Error('boom');
      },
    }) as Document;
    expect(extractTables(hostile)).toEqual([]);
  });
});

describe('CSV', () => {
  it('is RFC 4180: CRLF rows, quotes doubled, quoted fields for commas, quotes and line breaks, formulas untouched', () => {
    const csv = toCsv(['User', 'Note'], [['=HYPERLINK("x","y")', 'a, b'], ['line\nbreak', 'plain']]);
    expect(csv).toBe('User,Note\r\n"=HYPERLINK(""x"",""y"")","a, b"\r\n"line\nbreak",plain');
    expect(Papa.parse(csv, { newline: '\r\n' }).data).toEqual([['User', 'Note'], ['=HYPERLINK("x","y")', 'a, b'], ['line\nbreak', 'plain']]);
  });

  it('describes each file in the record shape and hashes its bytes', async () => {
    const [a, b] = await tableFiles([
      { kind: 'table', caption: 'Users', columns: ['Name'], rows: [['Ada'], ['Ben']], renderedRowCount: 5, virtualized: false, truncated: false },
      { kind: 'grid', columns: ['X'], rows: [], renderedRowCount: 0, declaredRowCount: 900, virtualized: true, truncated: true },
    ]);
    expect(a!.info).toEqual({ name: 'tables/1.csv', caption: 'Users', columns: ['Name'], rowCount: 2, renderedRowCount: 5, virtualized: false, sha256: await sha256Hex(a!.bytes), bytes: a!.bytes.length });
    expect(new TextDecoder().decode(a!.bytes)).toBe('Name\r\nAda\r\nBen');
    expect(b!.info).toMatchObject({ name: 'tables/2.csv', rowCount: 0, declaredRowCount: 900, virtualized: true, truncated: true });
    expect(b!.info.renderedRowCount).toBeUndefined();
    expect(a!.mediaType).toBe('text/csv; charset=utf-8');
  });
});

describe('tables in the signed record and the capture transaction', () => {
  beforeEach(() => {
    fakeBrowser.reset();
    resetInstallationCache();
  });
  let n = 0;

  const evidence = (db: ExhibitDB, tables: Awaited<ReturnType<typeof tableFiles>>) =>
    tinyEvidence(db, {
      url: 'https://acme-admin.okta.com/admin/users',
      title: 'People',
      context: { system: 'Okta', host: 'acme-admin.okta.com', account: 'acme', consoleUser: 'it-admin@acme.example', pageKind: 'users' },
      tables,
    });

  it('the signature covers each CSV hash, and the CSV blobs land with the capture', async () => {
    const db = new ExhibitDB(`tables-${n++}`);
    const files = await tableFiles([{ kind: 'table', columns: ['Name'], rows: [['=1+1']], renderedRowCount: 1, virtualized: false, truncated: false }]);
    const e = await evidence(db, files);
    expect(e.capture.tables).toEqual([files[0]!.info]);
    expect(signedCaptureSchema.parse(e.capture)).toEqual(e.capture);
    const installation = await getInstallation(db);
    expect(await verifyRecordSignature(e.capture as unknown as Record<string, unknown>, installation.publicJwk)).toBe(true);
    // Changing a table hash breaks the signature.
    const forged = { ...e.capture, tables: [{ ...files[0]!.info, sha256: '0'.repeat(64) }] };
    expect(await verifyRecordSignature(forged as unknown as Record<string, unknown>, installation.publicJwk)).toBe(false);

    await saveCapture(db, e.capture, e.image, e.thumbnail, [], e.tables);
    const row = await db.blobs.get([e.capture.id, 'tables/1.csv']);
    expect(row).toMatchObject({ mediaType: 'text/csv; charset=utf-8', bytes: files[0]!.bytes.length });
    expect(await row!.blob.text()).toBe('Name\r\n=1+1');
  });

  it('a capture without tables has no tables field', async () => {
    const db = new ExhibitDB(`tables-${n++}`);
    const e = await evidence(db, []);
    expect('tables' in e.capture).toBe(false);
  });

  it('nothing is stored when the table blob cannot be written', async () => {
    const db = new ExhibitDB(`tables-${n++}`);
    const files = await tableFiles([{ kind: 'table', columns: ['A'], rows: [['1']], renderedRowCount: 1, virtualized: false, truncated: false }]);
    const e = await evidence(db, files);
    // A second file with the same name makes the blob write fail inside the transaction.
    const err = await saveCapture(db, e.capture, e.image, e.thumbnail, [], [...e.tables, ...e.tables]).catch((x) => x);
    expect(err).toBeInstanceOf(Error);
    expect(await db.captures.count()).toBe(0);
    expect(await db.blobs.count()).toBe(0);
  });
});
