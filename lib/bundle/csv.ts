// CSV for spreadsheets (RFC 4180: CRLF rows, every cell quoted). A cell that begins with
// = + - @, a tab or a carriage return would be read by Excel, LibreOffice or Sheets as a formula
// (or a DDE command); such cells get a leading apostrophe, which spreadsheets show as text and
// which keeps the original characters readable.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: string | number | boolean | null | undefined): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? neutraliseCell(value) : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

type Cell = string | number | boolean | null | undefined;

/** A UTF-8 byte order mark first, so Excel reads non-ASCII text correctly. */
export function toCsv(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  return [...csvLines(header, rows)].join('');
}

/** The CSV of toCsv, one line (with its CRLF) at a time: a table of thousands of rows need never be one string. */
export function* csvLines(header: readonly string[], rows: Iterable<readonly Cell[]>): Generator<string> {
  yield `\ufeff${header.map(csvCell).join(',')}\r\n`;
  for (const row of rows) yield `${row.map(csvCell).join(',')}\r\n`;
}
