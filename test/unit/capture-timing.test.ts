import { describe, expect, it } from 'vitest';
import { CaptureClock, recentCaptureTimings } from '@/lib/capture/timing';

describe('CaptureClock', () => {
  it('records overlapping stages on one clock, failures included, and keeps the last 20 captures', async () => {
    let now = 100;
    const clock = new CaptureClock(() => now);
    now = 102;
    const slow = clock.time('slow', async () => {
      await Promise.resolve();
      now = 110;
      return 'done';
    });
    now = 103;
    const fast = clock.time('fast', Promise.resolve(7));
    expect(await Promise.all([slow, fast])).toEqual(['done', 7]);
    await expect(clock.time('broken', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(clock.timeSync('sync', () => 3)).toBe(3);
    now = 115;
    clock.mark('noted');
    now = 120;
    const timing = clock.finish('visible');
    expect(timing.total).toBe(20);
    expect(timing.spans.map((s) => s.stage)).toEqual(['slow', 'fast', 'broken', 'sync', 'noted']);
    expect(timing.spans.find((s) => s.stage === 'noted')).toEqual({ stage: 'noted', start: 15, end: 15 });
    expect(timing.spans.find((s) => s.stage === 'slow')).toEqual({ stage: 'slow', start: 2, end: 10 });
    expect(timing.spans.find((s) => s.stage === 'broken')).toEqual({ stage: 'broken', start: 10, end: 10 });
    expect(recentCaptureTimings().at(-1)).toEqual(timing);

    for (let i = 0; i < 25; i++) new CaptureClock(() => i).finish(`m${i}`);
    const recent = recentCaptureTimings();
    expect(recent).toHaveLength(20);
    expect(recent[0]!.mode).toBe('m5');
    // Callers get copies: changing them does not change what diagnostics report.
    recent[0]!.spans.push({ stage: 'x', start: 0, end: 0 });
    expect(recentCaptureTimings()[0]!.spans).toHaveLength(0);
  });
});
