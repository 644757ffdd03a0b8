// What the database's write middlewares (lib/periods/tag-months.ts, lib/sync/queue.ts,
// lib/capture-summaries.ts) add to a capture's IndexedDB transaction (issue 7): the same realistic
// capture saved through saveCapture into databases with all middlewares, each alone, and none, in
// turn, in Chromium.
import { median, summarize, type CaseResult } from './stats';
import type { BenchCase } from './run';

export const captureTransactionCase: BenchCase = async (ctx) => {
  const options = ctx.quick ? { runs: 8, preload: 200 } : { runs: 40, preload: 2_000 };
  const samples = (await ctx.bench.evaluate((o) => (globalThis as any).exhibitBench.timeCaptureTransaction(o), options)) as Record<'all' | 'tagMonthsOnly' | 'syncQueueOnly' | 'summariesOnly' | 'none', number[]>;
  const m = (k: keyof typeof samples) => `${median(samples[k]).toFixed(1)} (min ${Math.min(...samples[k]).toFixed(1)})`;
  // Each run saves into every variant back to back: the per-run difference cancels most of the machine's drift.
  const added = median(samples.all.map((t, i) => t - samples.none[i]!));
  return [
    summarize({
      name: `Capture transaction with its middlewares (tag months, sync queue, capture summaries), after ${options.preload.toLocaleString('en')} captures`,
      unit: 'ms',
      samples: samples.all,
      baseline: samples.none,
      baselineName: 'the same transaction without them',
      notes: `medians (min): all ${m('all')} ms, tag months only ${m('tagMonthsOnly')} ms, sync queue only ${m('syncQueueOnly')} ms, capture summaries only ${m('summariesOnly')} ms, none ${m('none')} ms; median per-run difference all − none ${added.toFixed(1)} ms, summaries only − none ${median(samples.summariesOnly.map((t, i) => t - samples.none[i]!)).toFixed(1)} ms`,
      // A breakdown of case 1 (capture overhead), which carries the target; no target of its own.
      target: {},
    }),
  ] satisfies CaseResult[];
};
