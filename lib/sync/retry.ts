// When to try a storage request again, and how long to wait: exponential backoff with full jitter
// (each wait uniform in [0, min(cap, base·2^attempt)]), so a team's installations that failed
// together do not retry together. Only failures that can succeed later are retried: the server
// being down, overloaded or slow. A wrong secret, a missing bucket or a denied permission fail at
// once, as errors the person can fix.

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** One request's time limit; past it the request is aborted and counts as a failure to retry. */
  timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 250, maxDelayMs: 8000, timeoutMs: 30_000 };

/** What one try ended with, as far as retrying is concerned. */
export type Outcome =
  | { kind: 'network' }
  | { kind: 'timeout' }
  | { kind: 'http'; status: number; code?: string };

/** S3 error codes that come with a 4xx status yet succeed when tried again. */
const RETRYABLE_CODES = new Set(['RequestTimeout', 'SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'InternalError', 'XAmzContentSHA256Mismatch', 'BadDigest']);

export function isRetryable(outcome: Outcome): boolean {
  if (outcome.kind !== 'http') return true;
  if (outcome.status >= 500 || outcome.status === 429) return true;
  // A body corrupted on the way (the server's SHA-256 or MD5 check failed) is sent again intact.
  return outcome.code !== undefined && RETRYABLE_CODES.has(outcome.code);
}

/** The wait before try `attempt + 1` (attempt counts from 1), honouring a server's Retry-After. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs !== undefined ? Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs)) : jittered;
}

/** Seconds or an HTTP date, as in Retry-After. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each wait, e.g. to show "retrying in 2 s" in the status. */
  onRetry?: (attempt: number, delayMs: number, outcome: Outcome) => void;
}

/** A failed try: the outcome decides whether to try again. */
export class AttemptFailure extends Error {
  constructor(
    readonly outcome: Outcome,
    readonly cause: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(`attempt failed: ${JSON.stringify(outcome)}`);
  }
}

/**
 * Runs `attempt` until it returns, or throws something that is not a retryable AttemptFailure,
 * or the tries run out; then the last failure's cause is thrown.
 */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!(err instanceof AttemptFailure)) throw err;
      if (!isRetryable(err.outcome) || n >= policy.attempts) throw err.cause;
      const delay = backoffDelay(n, policy, hooks.random, err.retryAfterMs);
      hooks.onRetry?.(n, delay, err.outcome);
      await sleep(delay);
    }
  }
}
