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

  constructor(private readonly now: () => number = () => performance.now()) {
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
