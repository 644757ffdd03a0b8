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

/** A UTF-8 byte order mark first, so Excel reads non-ASCII text correctly. */
export function toCsv(header: readonly string[], rows: Iterable<readonly (string | number | boolean | null | undefined)[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
