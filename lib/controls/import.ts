// Import of the team's own controls from CSV or JSON. Every row is validated; one bad row
// rejects the whole file so a half-imported library never happens.
import Papa from 'papaparse';
import { ExhibitError } from '../errors';
import { customControlSchema, type CustomControl } from '../schema';
import { isCriterionId } from './catalog';

export const MAX_CONTROLS_FILE_BYTES = 5 * 1024 * 1024;

export interface ImportRowError {
  /** Spreadsheet row (the header is row 1) for CSV; 1-based item number for JSON. */
  row: number;
  field?: string;
  message: string;
}

const CADENCE_ALIASES: Record<string, string> = {
  annual: 'annually',
  yearly: 'annually',
  year: 'annually',
  quarter: 'quarterly',
  month: 'monthly',
  week: 'weekly',
  day: 'daily',
  event: 'per-event',
  'per-event': 'per-event',
  'as-needed': 'per-event',
  'ad-hoc': 'per-event',
};

function normaliseCadence(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const key = value.trim().toLowerCase().replace(/[\s_]+/g, '-');
  if (key === '') return undefined;
  return CADENCE_ALIASES[key] ?? key;
}

function splitCriteria(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value
    .split(/[;,|\s]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
}

/** Parses and validates every row; throws ExhibitError('import-invalid') listing each bad row. */
export function parseControlsFile(format: 'csv' | 'json', text: string): CustomControl[] {
  if (text.length > MAX_CONTROLS_FILE_BYTES) {
    throw new ExhibitError('import-invalid', `The file is larger than ${MAX_CONTROLS_FILE_BYTES / 1024 / 1024} MB; split it into smaller files.`);
  }
  const { rows, rowNumber, errors } = format === 'csv' ? readCsv(text) : readJson(text);
  const controls: CustomControl[] = [];
  const seen = new Map<string, number>();
  rows.forEach((raw, i) => {
    const row = rowNumber(i);
    const candidate = {
      ...raw,
      cadence: normaliseCadence(raw.cadence),
      criteria: Array.isArray(raw.criteria) ? raw.criteria.map((c) => String(c).trim().toUpperCase()) : splitCriteria(raw.criteria),
      description: raw.description ?? undefined,
      owner: raw.owner ?? undefined,
    };
    const parsed = customControlSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ row, field: issue.path.join('.') || undefined, message: issue.message });
    }
    // Checks beyond the schema run on every row, so one pass reports every problem in the file.
    const id = typeof raw.id === 'string' ? raw.id.trim() : '';
    if (id && isCriterionId(id)) errors.push({ row, field: 'id', message: `"${id}" is a built-in SOC 2 criterion id; give your control its own id` });
    const criteria = Array.isArray(candidate.criteria) ? (candidate.criteria as unknown[]) : [];
    for (const c of criteria) {
      if (typeof c === 'string' && !isCriterionId(c)) errors.push({ row, field: 'criteria', message: `"${c}" is not a SOC 2 criterion id (for example CC6.1)` });
    }
    if (id) {
      const first = seen.get(id);
      if (first !== undefined) errors.push({ row, field: 'id', message: `duplicate id "${id}" (first on row ${first})` });
      else seen.set(id, row);
    }
    if (parsed.success) controls.push(parsed.data);
  });
  if (errors.length) {
    throw new ExhibitError('import-invalid', `Nothing was imported: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the file.`, { rows: errors });
  }
  if (controls.length === 0) throw new ExhibitError('import-invalid', 'Nothing was imported: the file has no controls.', { rows: [] });
  return controls;
}

type RawRow = Record<string, unknown> & { criteria?: unknown; cadence?: unknown; description?: unknown; owner?: unknown };

function readCsv(text: string): { rows: RawRow[]; rowNumber: (i: number) => number; errors: ImportRowError[] } {
  const result = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), {
    header: true,
    skipEmptyLines: 'greedy',
    transformHeader: (h) => h.trim().toLowerCase(),
  });
  const errors: ImportRowError[] = [];
  const fields = result.meta.fields ?? [];
  for (const required of ['id', 'title']) {
    if (!fields.includes(required)) errors.push({ row: 1, field: required, message: `the header has no "${required}" column (columns: id, title, description, owner, cadence, criteria)` });
  }
  for (const e of result.errors) {
    if (e.code === 'UndetectableDelimiter') continue;
    errors.push({ row: (e.row ?? 0) + 2, message: e.message });
  }
  return { rows: errors.length ? [] : result.data, rowNumber: (i) => i + 2, errors };
}

function readJson(text: string): { rows: RawRow[]; rowNumber: (i: number) => number; errors: ImportRowError[] } {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { rows: [], rowNumber: (i) => i + 1, errors: [{ row: 0, message: `not valid JSON: ${(err as Error).message}` }] };
  }
  const list = Array.isArray(value) ? value : (value as { controls?: unknown } | null)?.controls;
  if (!Array.isArray(list)) {
    return { rows: [], rowNumber: (i) => i + 1, errors: [{ row: 0, message: 'expected an array of controls or { "controls": [...] }' }] };
  }
  const errors: ImportRowError[] = [];
  const rows = list.map((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      errors.push({ row: i + 1, message: 'each control must be an object' });
      return {};
    }
    return item as RawRow;
  });
  return { rows: errors.length ? [] : rows, rowNumber: (i) => i + 1, errors };
}
