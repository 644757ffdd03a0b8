// Waiting for the machine to go quiet before a timed run. Deleting thousands of captures leaves
// Chromium compacting its database and deleting blob files for seconds afterwards; a process timed
// meanwhile shares the two cores with that work, and a process using both cores (the verify CLI's
// hashing threads) loses more to it than one using a single core (its baseline).
import { readFileSync } from 'node:fs';

/** Busy and total CPU time of the whole machine so far, in clock ticks (/proc/stat's first line). */
function cpuTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
    return { busy: total - fields[3]! - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

/**
 * Waits until the machine's CPUs are at most `busyAtMost` busy over two windows of `windowMs` in a
 * row, or `timeoutMs` passed. Returns how long it waited and the last window's busy fraction (null
 * where /proc/stat cannot be read: then it returns at once).
 */
export async function waitForQuietMachine({ busyAtMost = 0.1, windowMs = 300, timeoutMs = 20_000 } = {}): Promise<{ waitedMs: number; busy: number | null }> {
  const t0 = performance.now();
  let quietWindows = 0;
  let busy: number | null = null;
  let before = cpuTicks();
  if (!before) return { waitedMs: 0, busy: null };
  while (quietWindows < 2 && performance.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, windowMs));
    const after = cpuTicks()!;
    busy = after.total > before.total ? (after.busy - before.busy) / (after.total - before.total) : 0;
    quietWindows = busy <= busyAtMost ? quietWindows + 1 : 0;
    before = after;
  }
  return { waitedMs: performance.now() - t0, busy };
}
