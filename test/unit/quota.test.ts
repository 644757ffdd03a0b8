import { describe, expect, it } from 'vitest';
import { CaptureQuota, SerialQueue } from '@/lib/capture/quota';

/** A virtual clock and a fake browser quota: a fixed one-second window opened by the first call, two calls per window. */
function harness() {
  let now = 0;
  let windowStart = -Infinity;
  let inWindow = 0;
  const calls: number[] = [];
  let quotaErrors = 0;
  const browserCapture = async () => {
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    inWindow++;
    calls.push(now);
    if (inWindow > 2) {
      quotaErrors++;
      throw new Error('This request exceeds the MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND quota.');
    }
    return 'png';
  };
  const quota = new CaptureQuota(2, 1000, 60, () => now, async (ms) => {
    now += ms;
  });
  return { quota, browserCapture, calls, errors: () => quotaErrors, advance: (ms: number) => (now += ms) };
}

describe('CaptureQuota', () => {
  it('paces 20 captures so that the browser never refuses one', async () => {
    const h = harness();
    const results = await Promise.all(Array.from({ length: 20 }, () => h.quota.run(h.browserCapture)));
    expect(results).toEqual(Array(20).fill('png'));
    expect(h.errors()).toBe(0);
    for (let i = 2; i < h.calls.length; i++) expect(h.calls[i]! - h.calls[i - 2]!).toBeGreaterThanOrEqual(1000);
  });

  it('retries a quota error with backoff instead of failing the capture', async () => {
    const h = harness();
    // Someone else (another extension page) used the window up just now.
    await h.browserCapture();
    await h.browserCapture();
    await expect(h.quota.run(h.browserCapture)).resolves.toBe('png');
    // The refused calls count against the window too; the limiter backs off until it reopens.
    expect(h.errors()).toBeGreaterThanOrEqual(1);
    expect(h.errors()).toBeLessThanOrEqual(3);
  });

  it('passes other errors straight through and keeps serving later captures', async () => {
    const h = harness();
    await expect(h.quota.run(async () => Promise.reject(new Error('Cannot access contents of the page')))).rejects.toThrow(/Cannot access/);
    await expect(h.quota.run(h.browserCapture)).resolves.toBe('png');
  });
});

describe('CaptureQuota on a loaded machine', () => {
  it('widens its margin after a refusal, so calls that reach the browser late stop being refused', async () => {
    // The browser sees each call `lag` ms after our clock read it: 0 for the second of a pair, 70
    // for the first (a busy moment), more than the 25 ms margin the quota starts with.
    let now = 0;
    const seen: number[] = [];
    let refused = 0;
    let n = 0;
    const browserCapture = async () => {
      const at = now + (n++ % 2 === 0 ? 70 : 0);
      if (seen.filter((t) => at - t < 1000).length >= 2) {
        refused++;
        throw new Error('This request exceeds the MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND quota.');
      }
      seen.push(at);
      return 'png';
    };
    const quota = new CaptureQuota(2, 1000, 25, () => now, async (ms) => {
      now += ms;
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => quota.run(browserCapture)));
    expect(results).toEqual(Array(20).fill('png'));
    // A fixed 25 ms margin is refused in every second after the first; the widened one once or twice.
    expect(refused).toBeLessThanOrEqual(2);
    expect(quota.currentMarginMs).toBeGreaterThan(25);
    expect(quota.currentMarginMs).toBeLessThanOrEqual(100);
  });
});

describe('SerialQueue', () => {
  it('runs tasks one at a time in order, a failure does not block the next, and says when it is idle', async () => {
    const queue = new SerialQueue();
    expect(queue.idle).toBe(true);
    const order: string[] = [];
    let release!: () => void;
    const first = queue.run(() => new Promise<void>((r) => (release = r)).then(() => void order.push('first')));
    const failing = queue.run(async () => {
      order.push('failing');
      throw new Error('no');
    });
    const third = queue.run(async () => void order.push('third'));
    expect(queue.idle).toBe(false);
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    release();
    await first;
    await expect(failing).rejects.toThrow('no');
    await third;
    expect(order).toEqual(['first', 'failing', 'third']);
    expect(queue.idle).toBe(true);
  });
});
