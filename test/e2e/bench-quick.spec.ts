// `npm run bench -- --quick` inside the test suite: proves the harness runs end to end and every
// case produces numbers and a same-run baseline. Whether targets are met is for `npm run bench`.
import { test, expect } from '@playwright/test';
import { runBench } from '../../bench/run';

test('the benchmark harness measures every case against a same-run baseline', async () => {
  test.setTimeout(240_000);
  const results = await runBench({ quick: true });
  expect(results.length).toBeGreaterThanOrEqual(10);
  // Every target of issue 7 has its case (sync reports a ratio without a target).
  expect(results.filter((r) => r.targetText !== '—').length).toBeGreaterThanOrEqual(9);
  for (const r of results) {
    expect(Number.isFinite(r.median), r.name).toBe(true);
    expect(r.samples.length, r.name).toBeGreaterThan(0);
    expect(r.baselineMedian, r.name).not.toBeNull();
  }
});
