// Summaries of benchmark samples and how they compare with their same-run baseline.

export interface Target {
  /** median ÷ baseline median must not exceed this. */
  ratioAtMost?: number;
  /** median ÷ baseline median must reach at least this (throughput cases). */
  ratioAtLeast?: number;
  /** The median itself must not exceed this, in the case's unit. */
  absoluteAtMost?: number;
  /** A further condition the case checked itself (e.g. no quota error). */
  extra?: boolean;
}

export interface CaseResult {
  name: string;
  unit: string;
  samples: number[];
  median: number;
  min: number;
  max: number;
  baselineName: string;
  baselineMedian: number | null;
  ratio: number | null;
  targetText: string;
  pass: boolean;
  notes?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(input: {
  name: string;
  unit: string;
  samples: number[];
  baseline?: number[];
  baselineName?: string;
  target: Target;
  notes?: string;
}): CaseResult {
  const m = median(input.samples);
  const baselineMedian = input.baseline?.length ? median(input.baseline) : null;
  const ratio = baselineMedian ? m / baselineMedian : null;
  const t = input.target;
  const checks: boolean[] = [];
  const text: string[] = [];
  if (t.ratioAtMost !== undefined) {
    checks.push(ratio !== null && ratio <= t.ratioAtMost);
    text.push(`≤ ${t.ratioAtMost}×`);
  }
  if (t.ratioAtLeast !== undefined) {
    checks.push(ratio !== null && ratio >= t.ratioAtLeast);
    text.push(`≥ ${t.ratioAtLeast}×`);
  }
  if (t.absoluteAtMost !== undefined) {
    checks.push(m <= t.absoluteAtMost);
    text.push(`< ${t.absoluteAtMost} ${input.unit}`);
  }
  if (t.extra !== undefined) checks.push(t.extra);
  return {
    name: input.name,
    unit: input.unit,
    samples: input.samples,
    median: m,
    min: Math.min(...input.samples),
    max: Math.max(...input.samples),
    baselineName: input.baselineName ?? '',
    baselineMedian,
    ratio,
    targetText: text.join(', ') || '—',
    pass: checks.every(Boolean),
    notes: input.notes,
  };
}
