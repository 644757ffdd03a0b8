// Where a capture's time goes, stage by stage: spans relative to the start of the capture, kept
// for the last few captures in memory and reported by the `diagnostics` message (the bench reads
// them). Nothing is logged; a span costs two performance.now() calls.

export interface StageSpan {
  stage: string;
  /** Milliseconds since the capture started. */
  start: number;
  end: number;
}

export interface CaptureTiming {
  mode: string;
  /** Milliseconds from the start of the capture to its summary (the stored evidence). */
  total: number;
  spans: StageSpan[];
}

const KEEP = 20;
const recent: CaptureTiming[] = [];

export class CaptureClock {
  private readonly t0: number;
  private readonly spans: StageSpan[] = [];

  /**
   * `now` reads milliseconds from some origin; `origin` is that origin in milliseconds since the
   * epoch, so spans measured on another thread (the offscreen document) can join this clock's.
   */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly origin: number = performance.timeOrigin,
  ) {
    this.t0 = now();
  }

  /** Times `work` (started now) as `stage`; overlapping stages are fine. */
  async time<T>(stage: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const start = this.now() - this.t0;
    try {
      return await (typeof work === 'function' ? work() : work);
    } finally {
      this.spans.push({ stage, start, end: this.now() - this.t0 });
    }
  }

  timeSync<T>(stage: string, work: () => T): T {
    const start = this.now() - this.t0;
    try {
      return work();
    } finally {
      this.spans.push({ stage, start, end: this.now() - this.t0 });
    }
  }

  /** Records that something happened now, as a stage of no length (diagnostics: why a path was taken). */
  mark(stage: string): void {
    const at = this.now() - this.t0;
    this.spans.push({ stage, start: at, end: at });
  }

  /** Adds a stage timed elsewhere, its start and end in milliseconds since the epoch. */
  addEpochSpan(stage: string, start: number, end: number): void {
    const shift = this.origin + this.t0;
    this.spans.push({ stage, start: start - shift, end: end - shift });
  }

  /** The spans so far with their start and end in milliseconds since the epoch. */
  epochSpans(): StageSpan[] {
    const shift = this.origin + this.t0;
    return this.spans.map((s) => ({ stage: s.stage, start: s.start + shift, end: s.end + shift }));
  }

  /** Ends the capture's timing and keeps it among the recent ones. */
  finish(mode: string): CaptureTiming {
    const timing: CaptureTiming = { mode, total: this.now() - this.t0, spans: [...this.spans].sort((a, b) => a.start - b.start) };
    recent.push(timing);
    if (recent.length > KEEP) recent.splice(0, recent.length - KEEP);
    return timing;
  }
}

/** The last captures' timings, oldest first. */
export function recentCaptureTimings(): CaptureTiming[] {
  return recent.map((t) => ({ ...t, spans: t.spans.map((s) => ({ ...s })) }));
}
