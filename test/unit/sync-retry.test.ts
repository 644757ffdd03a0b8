// Retry policy: what is retried (down, overloaded, slow servers) and what fails at once (wrong
// secret, missing bucket, denied permission), and the backoff's bounds and jitter.
import { describe, expect, it } from 'vitest';
import { AttemptFailure, backoffDelay, DEFAULT_RETRY, isRetryable, parseRetryAfter, withRetries, type Outcome } from '@/lib/sync/retry';

describe('isRetryable', () => {
  it.each<[string, Outcome, boolean]>([
    ['connection refused', { kind: 'network' }, true],
    ['timeout', { kind: 'timeout' }, true],
    ['500 InternalError', { kind: 'http', status: 500, code: 'InternalError' }, true],
    ['502 from a proxy', { kind: 'http', status: 502 }, true],
    ['503 SlowDown', { kind: 'http', status: 503, code: 'SlowDown' }, true],
    ['429 Too Many Requests', { kind: 'http', status: 429 }, true],
    ['400 RequestTimeout', { kind: 'http', status: 400, code: 'RequestTimeout' }, true],
    ['400 body corrupted on the way', { kind: 'http', status: 400, code: 'XAmzContentSHA256Mismatch' }, true],
    ['403 wrong secret', { kind: 'http', status: 403, code: 'SignatureDoesNotMatch' }, false],
    ['403 unknown access key', { kind: 'http', status: 403, code: 'InvalidAccessKeyId' }, false],
    ['403 clock skew', { kind: 'http', status: 403, code: 'RequestTimeTooSkewed' }, false],
    ['403 access denied', { kind: 'http', status: 403, code: 'AccessDenied' }, false],
    ['404 no such bucket', { kind: 'http', status: 404, code: 'NoSuchBucket' }, false],
    ['400 bad request', { kind: 'http', status: 400, code: 'InvalidRequest' }, false],
  ])('%s → %s', (_name, outcome, expected) => {
    expect(isRetryable(outcome)).toBe(expected);
  });
});

describe('backoffDelay', () => {
  const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 3000, timeoutMs: 1000 };

  it('grows exponentially up to the cap, with full jitter below it', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 1599, 2999, 2999]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0))).toEqual([0, 0, 0, 0]);
  });

  it('spreads retries: 1,000 draws of the third wait cover [0, 400) evenly', () => {
    const draws = Array.from({ length: 1000 }, () => backoffDelay(3, policy));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(400);
    const quarters = [0, 1, 2, 3].map((q) => draws.filter((d) => d >= q * 100 && d < (q + 1) * 100).length);
    for (const n of quarters) expect(n).toBeGreaterThan(170);
  });

  it('waits at least what Retry-After asks, within the cap', () => {
    expect(backoffDelay(1, policy, () => 0, 1500)).toBe(1500);
    expect(backoffDelay(1, policy, () => 0, 60_000)).toBe(3000);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 0, 5)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('withRetries', () => {
  const noSleep = { sleep: async () => undefined, random: () => 0.5 };

  it('retries a 503 and a dropped connection, then succeeds', async () => {
    const outcomes: Outcome[] = [{ kind: 'http', status: 503, code: 'SlowDown' }, { kind: 'network' }];
    const waits: number[] = [];
    let tries = 0;
    const result = await withRetries(
      async () => {
        const o = outcomes[tries++];
        if (o) throw new AttemptFailure(o, new Error('failed'));
        return 'ok';
      },
      DEFAULT_RETRY,
      { ...noSleep, onRetry: (_n, ms) => waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(tries).toBe(3);
    expect(waits).toEqual([125, 250]);
  });

  it('does not retry a wrong secret: the first error is the answer', async () => {
    let tries = 0;
    const cause = new Error('wrong secret');
    await expect(
      withRetries(async () => {
        tries++;
        throw new AttemptFailure({ kind: 'http', status: 403, code: 'SignatureDoesNotMatch' }, cause);
      }, DEFAULT_RETRY, noSleep),
    ).rejects.toBe(cause);
    expect(tries).toBe(1);
  });

  it('gives up after the policy’s attempts with the last cause', async () => {
    let tries = 0;
    await expect(
      withRetries(async () => {
        tries++;
        throw new AttemptFailure({ kind: 'timeout' }, new Error(`timeout ${tries}`));
      }, { ...DEFAULT_RETRY, attempts: 4 }, noSleep),
    ).rejects.toThrow('timeout 4');
    expect(tries).toBe(4);
  });

  it('passes other errors through untouched', async () => {
    const bug = new TypeError('a bug');
    await expect(withRetries(async () => Promise.reject(bug), DEFAULT_RETRY, noSleep)).rejects.toBe(bug);
  });
});
