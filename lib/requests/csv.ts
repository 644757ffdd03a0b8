// Reading the auditor's request list (PBC) from CSV, or CSV saved from Excel or Sheets. Two steps:
// a preview that finds the delimiter, the header, the columns and how dates are written, so the
// person can map columns and settle ambiguous dates; then a validation of every row. One bad row
// rejects the whole file, and every problem is reported at once. Cells are kept as text: a cell
// that looks like a formula (=, +, -, @) is stored verbatim and never evaluated.
import Papa from 'papaparse';
import { ExhibitError } from '../errors';
import { requestRefSchema, type DateFormat, type PartialColumnMapping, type RequestColumnMapping } from '../schema';
import { detectDateFormat, resolveDate, type DateColumnDetection } from './dates';

export const MAX_REQUEST_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_REQUEST_ROWS = 5000;
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface RequestImportRowError {
  /** Spreadsheet row: the first line of the file is row 1. */
  row: number;
  field?: string;
  message: string;
}

export interface RequestTable {
  delimiter: Delimiter;
  /** Every record of the file, blank ones included, so index + 1 is the spreadsheet row. */
  rows: string[][];
}

const MB = 1024 * 1024;

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function refuse(message: string, rows: RequestImportRowError[] = []): never {
  throw new ExhibitError('import-invalid', message, { rows });
}

/** Refuses what is not a CSV text of sensible size, before any parsing. */
export function checkRequestFile(text: string): void {
  // A string of more than N UTF-16 units is more than N bytes in UTF-8: no need to count those.
  const bytes = text.length > MAX_REQUEST_FILE_BYTES ? text.length : utf8Bytes(text);
  if (bytes > MAX_REQUEST_FILE_BYTES) {
    refuse(`Nothing was imported: the file is ${(bytes / MB).toFixed(1)} MB and request lists are limited to ${MAX_REQUEST_FILE_BYTES / MB} MB. A request list that large is probably not a request list; split it or remove embedded data.`);
  }
  if (text.startsWith('PK\u0003\u0004') || text.startsWith('PK\ufffd')) {
    refuse('Nothing was imported: this is an Excel workbook (.xlsx), not CSV. In Excel choose File → Save As → “CSV UTF-8 (Comma delimited)”, then import that file.');
  }
  if (text.includes('\u0000')) refuse('Nothing was imported: the file holds binary data, not CSV text.');
  if (text.replace(/^\uFEFF/, '').trim() === '') refuse('Nothing was imported: the file is empty.');
}

function parseWith(text: string, delimiter: Delimiter, preview?: number) {
  return Papa.parse<string[]>(text, { delimiter, preview, skipEmptyLines: false });
}

const isBlank = (row: readonly string[]) => row.every((c) => c.trim() === '');

/** The delimiter under which the file parses cleanly into the most consistent rows of several columns. */
export function guessDelimiter(text: string): Delimiter {
  let best: { d: Delimiter; score: number[] } | undefined;
  for (const d of DELIMITERS) {
    const r = parseWith(text, d, 50);
    const rows = r.data.filter((row) => !isBlank(row));
    const counts = new Map<number, number>();
    for (const row of rows) counts.set(row.length, (counts.get(row.length) ?? 0) + 1);
    const [mode, freq] = [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [1, 0];
    // Several columns first, then clean quotes, then how many rows share the usual width, then width.
    // (A file with a broken quote still gets its real delimiter, and the break is reported.)
    const score = [mode >= 2 ? 1 : 0, r.errors.some((e) => e.type === 'Quotes') ? 0 : 1, rows.length ? freq / rows.length : 0, mode];
    if (!best || compareScores(score, best.score) > 0) best = { d, score };
  }
  return best!.d;
}

function compareScores(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function readRequestTable(text: string, delimiter?: Delimiter): RequestTable {
  checkRequestFile(text);
  const body = text.replace(/^\uFEFF/, '');
  const d = delimiter ?? guessDelimiter(body);
  const parsed = parseWith(body, d);
  const quoteErrors = parsed.errors.filter((e) => e.type === 'Quotes');
  if (quoteErrors.length) {
    refuse(
      'Nothing was imported: the file is not well-formed CSV (a quoted value is not closed, or a quote sits inside an unquoted value).',
      quoteErrors.slice(0, 50).map((e) => ({ row: (e.row ?? 0) + 1, message: e.code === 'MissingQuotes' ? 'a quoted value is never closed' : 'a quote character inside a value that is not quoted' })),
    );
  }
  // Papaparse gives a last empty record for the file's final line break.
  const rows = parsed.data;
  while (rows.length && isBlank(rows[rows.length - 1]!)) rows.pop();
  return { delimiter: d, rows };
}

/** The first of the first 20 rows with at least two non-empty cells: title rows above the header are skipped. */
export function detectHeaderRow(rows: readonly string[][]): number {
  for (let i = 0; i < Math.min(rows.length, 20); i++) if (rows[i]!.filter((c) => c.trim() !== '').length >= 2) return i;
  return 0;
}

export interface RequestColumn {
  index: number;
  name: string;
}

/** The header's columns: values to the right of the last header cell belong to no column. */
export function columnsOf(rows: readonly string[][], headerRow: number): RequestColumn[] {
  const header = rows[headerRow] ?? [];
  return header.map((name, index) => ({ index, name: name.trim() || `Column ${index + 1}` }));
}

const SYNONYMS: Record<keyof RequestColumnMapping, string[]> = {
  id: ['requestid', 'reqid', 'reqno', 'requestno', 'requestnumber', 'pbcid', 'pbcno', 'pbc', 'id', 'ref', 'reference', 'refno', 'itemid', 'itemno', 'item', 'no', 'number'],
  description: ['description', 'requestdescription', 'requestdetails', 'details', 'requestedinformation', 'requesteditem', 'informationrequested', 'evidencerequested', 'request', 'text', 'item', 'summary'],
  controls: ['relatedcontrols', 'controls', 'controlids', 'controlid', 'control', 'controlreference', 'controlref', 'criteria', 'tsc', 'trustservicescriteria', 'mappedcontrols'],
  dueDate: ['duedate', 'due', 'deadline', 'datedue', 'duedt', 'requestedby', 'targetdate'],
  owner: ['owner', 'assignee', 'assignedto', 'responsible', 'contact', 'controlowner', 'clientowner', 'preparer'],
};

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A column for each field, from the header's names; each column is used at most once. */
export function suggestMapping(columns: readonly RequestColumn[]): PartialColumnMapping {
  const mapping: PartialColumnMapping = {};
  const used = new Set<number>();
  const names = columns.map((c) => ({ index: c.index, n: norm(c.name.startsWith('Column ') ? '' : c.name.replace('#', 'no')) }));
  for (const field of ['id', 'controls', 'dueDate', 'owner', 'description'] as const) {
    for (const synonym of SYNONYMS[field]) {
      const hit = names.find((c) => !used.has(c.index) && c.n !== '' && c.n === synonym);
      if (hit) {
        mapping[field] = hit.index;
        used.add(hit.index);
        break;
      }
    }
  }
  return mapping;
}

export interface RequestPreview {
  delimiter: Delimiter;
  headerRow: number;
  columns: RequestColumn[];
  /** Non-blank rows below the header. */
  rowCount: number;
  /** The first rows below the header, as [spreadsheet row, cells]. */
  sample: { row: number; cells: string[] }[];
  /** The mapping given, completed with suggestions from the header (null: not in the file). */
  mapping: PartialColumnMapping;
  dates: DateColumnDetection & { column: number | null };
  warnings: string[];
}

function dataRows(table: RequestTable, headerRow: number): { row: number; cells: string[] }[] {
  const out: { row: number; cells: string[] }[] = [];
  for (let i = headerRow + 1; i < table.rows.length; i++) if (!isBlank(table.rows[i]!)) out.push({ row: i + 1, cells: table.rows[i]! });
  return out;
}

export function previewRequestFile(text: string, options: { delimiter?: Delimiter; headerRow?: number; mapping?: PartialColumnMapping } = {}): RequestPreview {
  const table = readRequestTable(text, options.delimiter);
  const headerRow = options.headerRow ?? detectHeaderRow(table.rows);
  const columns = columnsOf(table.rows, headerRow);
  const mapping: PartialColumnMapping = { ...suggestMapping(columns), ...stripUndefined(options.mapping ?? {}) };
  const rows = dataRows(table, headerRow);
  const dateColumn = mapping.dueDate ?? null;
  const detection = dateColumn === null ? detectDateFormat([]) : detectDateFormat(rows.map((r) => [r.row, r.cells[dateColumn] ?? '']));
  const warnings: string[] = [];
  if (text.includes('\ufffd')) warnings.push('Some characters could not be read (shown as �): the file may not be UTF-8. In Excel, save as “CSV UTF-8”.');
  if (columns.length < 2) warnings.push('Only one column was found: choose the delimiter the file uses.');
  if (rows.length > MAX_REQUEST_ROWS) warnings.push(`The file has ${rows.length} rows; at most ${MAX_REQUEST_ROWS} can be imported.`);
  return {
    delimiter: table.delimiter,
    headerRow,
    columns,
    rowCount: rows.length,
    sample: rows.slice(0, 8).map((r) => ({ row: r.row, cells: r.cells.map((c) => (c.length > 300 ? `${c.slice(0, 300)}…` : c)) })),
    mapping,
    dates: { ...detection, column: dateColumn },
    warnings,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface ParsedRequest {
  ref: string;
  text: string;
  controlIds: string[];
  dueDate: string | null;
  owner: string;
  /** Spreadsheet row. */
  row: number;
}

export interface ParseRequestsOptions {
  delimiter?: Delimiter;
  headerRow?: number;
  mapping: RequestColumnMapping;
  dateFormat?: DateFormat;
  /** The canonical id of a known control (team control or criterion), or null. */
  resolveControl(id: string): string | null;
}

const MAX_TEXT = 20000;

/** Every row validated; throws import-invalid listing every problem, or returns the requests. */
export function parseRequestFile(text: string, options: ParseRequestsOptions): ParsedRequest[] {
  const table = readRequestTable(text, options.delimiter);
  const headerRow = options.headerRow ?? detectHeaderRow(table.rows);
  const columns = columnsOf(table.rows, headerRow);
  const { mapping } = options;
  const fieldNames: Record<keyof RequestColumnMapping, string> = { id: 'request id', description: 'description', controls: 'related controls', dueDate: 'due date', owner: 'owner' };
  const mappingErrors: RequestImportRowError[] = [];
  const seenColumns = new Map<number, string>();
  for (const [field, index] of Object.entries(mapping) as [keyof RequestColumnMapping, number | null][]) {
    if (index === null) continue;
    if (index >= columns.length) mappingErrors.push({ row: headerRow + 1, field, message: `the ${fieldNames[field]} column (${index + 1}) is beyond the file's ${columns.length} columns` });
    else if (seenColumns.has(index)) mappingErrors.push({ row: headerRow + 1, field, message: `column “${columns[index]!.name}” is chosen for both ${seenColumns.get(index)} and ${fieldNames[field]}` });
    else seenColumns.set(index, fieldNames[field]);
  }
  if (mappingErrors.length) refuse('Nothing was imported: the column mapping does not fit the file.', mappingErrors);

  const rows = dataRows(table, headerRow);
  if (rows.length === 0) refuse('Nothing was imported: the file has a header but no requests.');
  if (rows.length > MAX_REQUEST_ROWS) refuse(`Nothing was imported: the file has ${rows.length} requests; at most ${MAX_REQUEST_ROWS} can be imported at once.`);

  let dateFormat = options.dateFormat;
  if (mapping.dueDate !== null && !dateFormat) {
    const detection = detectDateFormat(rows.map((r) => [r.row, r.cells[mapping.dueDate!] ?? '']));
    if (detection.ambiguous && detection.format === null && !detection.conflict) {
      const example = detection.examples[0]!;
      throw new ExhibitError(
        'import-invalid',
        `Nothing was imported: due dates like ${example.value} (row ${example.row}) can mean ${example.us} (US, month first) or ${example.eu} (European, day first), and no date in the file settles which. Choose how to read them and import again.`,
        { rows: [], needsDateFormat: true, candidates: ['us', 'eu'], examples: detection.examples },
      );
    }
    // With a conflict, reading as US reports each European-only value as an error.
    dateFormat = detection.format ?? 'us';
  }

  const errors: RequestImportRowError[] = [];
  const requests: ParsedRequest[] = [];
  const firstRowOf = new Map<string, number>();
  const cell = (cells: string[], index: number | null) => (index === null ? '' : (cells[index] ?? ''));
  for (const { row, cells } of rows) {
    const extra = cells.slice(columns.length).filter((c) => c.trim() !== '');
    if (extra.length) errors.push({ row, message: `the row has ${cells.length} values but the header has ${columns.length} columns: is a delimiter inside a value that is not quoted?` });

    const refResult = requestRefSchema.safeParse(cell(cells, mapping.id));
    let ref = '';
    if (!refResult.success) errors.push({ row, field: 'id', message: refResult.error.issues[0]!.message });
    else {
      ref = refResult.data;
      const key = ref.toLowerCase();
      const first = firstRowOf.get(key);
      if (first !== undefined) errors.push({ row, field: 'id', message: `duplicate request id “${ref}” (first on row ${first})` });
      else firstRowOf.set(key, row);
    }

    const description = cell(cells, mapping.description).trim();
    if (description === '') errors.push({ row, field: 'description', message: 'the description is empty' });
    else if (description.length > MAX_TEXT) errors.push({ row, field: 'description', message: `the description is longer than ${MAX_TEXT} characters` });

    const controlIds: string[] = [];
    for (const raw of cell(cells, mapping.controls).split(/[;,|\s]+/).filter(Boolean)) {
      const id = options.resolveControl(raw);
      if (!id) errors.push({ row, field: 'controls', message: `unknown control “${raw}”: create it under Controls, or use a SOC 2 criterion id like CC6.1` });
      else if (!controlIds.includes(id)) controlIds.push(id);
    }

    let dueDate: string | null = null;
    const rawDate = cell(cells, mapping.dueDate);
    const resolved = resolveDate(rawDate, dateFormat ?? 'iso');
    if ('error' in resolved) errors.push({ row, field: 'dueDate', message: resolved.error });
    else dueDate = resolved.date;

    const owner = cell(cells, mapping.owner).trim();
    if (owner.length > 320) errors.push({ row, field: 'owner', message: 'the owner is longer than 320 characters' });

    requests.push({ ref, text: description, controlIds, dueDate, owner, row });
  }
  if (errors.length) refuse(`Nothing was imported: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the file.`, errors.slice(0, 500));
  return requests;
}
