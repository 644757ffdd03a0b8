// Chromium allows two captureVisibleTab calls per second in a fixed window that opens at the first
// call, and failed calls count too (../shared/notes/measured.md). Every capture in the extension
// goes through one limiter so a burst is paced instead of failed.
export const QUOTA_ERROR = /MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND/i;

/** Runs tasks one at a time, in order; a failed task does not block the next. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const next = this.tail.then(task).finally(() => this.pending--);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** No task is queued or running: the next one starts at once. */
  get idle(): boolean {
    return this.pending === 0;
  }
}

/** The most the margin grows to after refusals (a tenth of the window). */
const MAX_MARGIN_MS = 100;

export class CaptureQuota {
  private calls: number[] = [];
  /**
   * The margin in force: it starts at `marginMs`, grows after each refusal (on a loaded machine a
   * call can reach the browser tens of milliseconds after our clock read it) and shrinks back by a
   * millisecond with every call the browser accepts.
   */
  private margin: number;
  private readonly queue = new SerialQueue();
  /** Counters for diagnostics: browser calls made, and how many the browser refused for quota. */
  readonly stats = { calls: 0, quotaErrors: 0 };

  constructor(
    private readonly perWindow = 2,
    private readonly windowMs = 1000,
    // The browser's window opens when it receives the first call; our clock reads a moment
    // earlier, so a small margin covers timer jitter (quota errors are retried regardless).
    private readonly marginMs = 25,
    private readonly now: () => number = () => Date.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.margin = marginMs;
  }

  /** The margin now added to the window, in milliseconds (for diagnostics and tests). */
  get currentMarginMs(): number {
    return this.margin;
  }

  /** Runs `call` when the quota allows; a quota error is retried with backoff, never surfaced early. */
  run<T>(call: () => Promise<T>, maxQuotaRetries = 6): Promise<T> {
    return this.queue.run(() => this.attempt(call, maxQuotaRetries));
  }

  private async attempt<T>(call: () => Promise<T>, retriesLeft: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.waitForSlot();
      this.calls.push(this.now());
      this.stats.calls++;
      try {
        const result = await call();
        this.margin = Math.max(this.marginMs, this.margin - 1);
        return result;
      } catch (err) {
        const quota = QUOTA_ERROR.test(String((err as Error)?.message ?? err));
        if (quota) {
          this.stats.quotaErrors++;
          this.margin = Math.min(MAX_MARGIN_MS, this.margin * 2);
        }
        if (!quota || attempt >= retriesLeft) throw err;
        await this.sleep(Math.min(2000, 250 * 2 ** attempt));
      }
    }
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.calls = this.calls.filter((c) => t - c < this.windowMs + this.margin);
      if (this.calls.length < this.perWindow) return;
      await this.sleep(this.calls[0]! + this.windowMs + this.margin - t);
    }
  }
}
