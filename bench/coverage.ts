// Coverage benchmark: 200 controls × 12 months over 100,000 captures must compute in < 200 ms
// (docs/readiness.md). `benchCoverage` runs in any context with IndexedDB (an extension page, a
// plain page, Node with fake-indexeddb); `npx tsx bench/coverage-chromium.ts` runs it in real
// Chromium. It seeds what coverage reads — controls, the tags index, readiness events, flagged
// captures — and never the capture records or images, which coverage does not touch.
import { ulid } from 'ulid';
import type { ExhibitDB, TagRow } from '../lib/db';
import { coverageByPeriod } from '../lib/periods/coverage';
import type { Cadence, CustomControl, Period, ReadinessEvent } from '../lib/schema';

export const COVERAGE_LIMIT_MS = 200;

export interface CoverageBenchOptions {
  db: ExhibitDB;
  controls?: number;
  captures?: number;
  /** Timed runs after one warm-up run. */
  runs?: number;
  seed?: number;
}

export interface CoverageBenchResult {
  controls: number;
  months: number;
  captures: number;
  tagRows: number;
  seedMs: number;
  runsMs: number[];
  medianMs: number;
  minMs: number;
  limitMs: number;
  withinLimit: boolean;
  percentCovered: number | null;
  gaps: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CADENCES: Cadence[] = [...Array<Cadence>(12).fill('monthly'), 'quarterly', 'quarterly', 'quarterly', 'quarterly', 'annually', 'per-event', 'continuous', 'weekly'];

/** Seeds a 12-month Type 2 period in New York and returns its id. */
export async function seedCoverageBench(db: ExhibitDB, options: Omit<CoverageBenchOptions, 'db' | 'runs'> = {}): Promise<{ periodId: string; tagRows: number }> {
  const controlCount = options.controls ?? 200;
  const captureCount = options.captures ?? 100_000;
  const random = mulberry32(options.seed ?? 20260101);
  const period: Period = {
    id: ulid(),
    name: 'FY2025 Type 2',
    kind: 'type2',
    start: '2025-01-01',
    end: '2025-12-31',
    timeZone: 'America/New_York',
    createdAt: '2025-01-01T00:00:00.000Z',
    createdBy: 'Bench <bench@example.com>',
  };
  const controls: CustomControl[] = Array.from({ length: controlCount }, (_, i) => ({
    id: `CTL-${String(i + 1).padStart(3, '0')}`,
    title: `Benchmark control ${i + 1}`,
    description: '',
    owner: `owner${i % 9}@acme.example`,
    cadence: CADENCES[i % CADENCES.length]!,
    criteria: ['CC6.1'],
  }));
  // One control in seven misses two months, so the report has gaps to find.
  const start = Date.parse('2025-01-01T05:00:00.000Z');
  const span = Date.parse('2026-01-01T05:00:00.000Z') - start;
  const tags: TagRow[] = [];
  for (let n = 0; n < captureCount; n++) {
    const at = new Date(start + Math.floor(random() * span));
    const captureId = ulid(at.getTime());
    const capturedAt = at.toISOString();
    const month = at.getUTCMonth();
    const picks = random() < 0.3 ? 2 : 1;
    const chosen = new Set<number>();
    while (chosen.size < picks) {
      const c = Math.floor(random() * controlCount);
      if (c % 7 === 0 && (month === 2 || month === 7)) continue;
      chosen.add(c);
    }
    for (const c of chosen) tags.push({ controlId: controls[c]!.id, capturedAt, captureId });
  }
  const by = { name: 'Bench', email: 'bench@example.com' };
  const events: ReadinessEvent[] = controls.slice(0, 40).map((c, i) => ({
    id: ulid(start + i),
    at: new Date(start + i).toISOString(),
    by,
    installationId: 'bench',
    ...(i % 2 === 0
      ? { op: 'due.notApplicable' as const, controlId: c.id, subPeriod: '2025-03', reason: 'system decommissioned' }
      : { op: 'period.exception' as const, controlId: c.id, subPeriod: '2025-08', exception: { description: 'review late', remediation: 'calendar reminder' } }),
  }));
  await db.transaction('rw', [db.periods, db.controls, db.tags, db.readinessEvents, db.annotationState], async () => {
    await db.periods.put(period);
    await db.controls.bulkPut(controls);
    await db.tags.bulkPut(tags);
    await db.readinessEvents.bulkPut(events);
    await db.annotationState.bulkPut(
      tags.slice(0, 25).map((t) => ({
        captureId: t.captureId,
        controlIds: [t.controlId],
        note: '',
        updatedAt: t.capturedAt,
        updatedBy: 'Bench <bench@example.com>',
        exception: { description: 'shows a stale user', remediation: 'removed', at: t.capturedAt, by: 'Bench <bench@example.com>' },
      })),
    );
  });
  return { periodId: period.id, tagRows: tags.length };
}

export async function benchCoverage(options: CoverageBenchOptions): Promise<CoverageBenchResult> {
  const { db } = options;
  const seedStart = performance.now();
  const { periodId, tagRows } = await seedCoverageBench(db, options);
  const seedMs = performance.now() - seedStart;
  const now = new Date('2026-02-01T00:00:00.000Z');
  let report = await coverageByPeriod(db, periodId, { now });
  const runsMs: number[] = [];
  for (let i = 0; i < (options.runs ?? 7); i++) {
    const t = performance.now();
    report = await coverageByPeriod(db, periodId, { now });
    runsMs.push(Math.round((performance.now() - t) * 10) / 10);
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  return {
    controls: options.controls ?? 200,
    months: report.subPeriods.length,
    captures: options.captures ?? 100_000,
    tagRows,
    seedMs: Math.round(seedMs),
    runsMs,
    medianMs,
    minMs: sorted[0]!,
    limitMs: COVERAGE_LIMIT_MS,
    withinLimit: medianMs < COVERAGE_LIMIT_MS,
    percentCovered: report.summary.percentCovered,
    gaps: report.summary.gaps,
  };
}
