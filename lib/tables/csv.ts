// Extracted tables → RFC 4180 CSV (UTF-8, CRLF, quotes only where needed), hashed so the capture
// signature covers each file. Cell text is stored exactly as the page showed it: formula-looking
// cells (=HYPERLINK(…), +, -, @) are NOT neutralised here; bundle export does that for people
// who open CSVs in spreadsheets, while the stored bytes stay the evidence.
import Papa from 'papaparse';
import { sha256Hex } from '../capture/signing';
import type { TableInfo } from '../schema';
import type { ExtractedTableFacts } from '../context/read-facts';

export const TABLE_MEDIA_TYPE = 'text/csv; charset=utf-8';

export interface TableFile {
  name: string;
  mediaType: string;
  bytes: Uint8Array;
  info: TableInfo;
}

export function tableName(index: number): string {
  return `tables/${index + 1}.csv`;
}

export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return Papa.unparse({ fields: [...columns], data: rows.map((r) => [...r]) }, { newline: '\r\n', quotes: false, escapeFormulae: false, header: true });
}

export async function tableFiles(tables: readonly ExtractedTableFacts[]): Promise<TableFile[]> {
  return Promise.all(
    tables.map(async (table, i) => {
      const bytes = new TextEncoder().encode(toCsv(table.columns, table.rows));
      const rowCount = table.rows.length;
      const info: TableInfo = {
        name: tableName(i),
        ...(table.caption ? { caption: table.caption } : {}),
        columns: table.columns,
        rowCount,
        ...(table.renderedRowCount > rowCount ? { renderedRowCount: table.renderedRowCount } : {}),
        ...(table.declaredRowCount !== undefined ? { declaredRowCount: table.declaredRowCount } : {}),
        virtualized: table.virtualized,
        ...(table.truncated ? { truncated: true } : {}),
        sha256: await sha256Hex(bytes),
        bytes: bytes.length,
      };
      return { name: info.name, mediaType: TABLE_MEDIA_TYPE, bytes, info };
    }),
  );
}
