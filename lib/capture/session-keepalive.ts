// While a pick or a redaction editor is waiting for the person, nothing else may happen for
// minutes, and Chromium stops a service worker after 30 idle seconds. Any extension API call
// resets that timer, so the worker makes a cheap one every 20 seconds while something waits.
import { browser } from 'wxt/browser';

const INTERVAL_MS = 20_000;
let holders = 0;
let timer: ReturnType<typeof setInterval> | undefined;

/** Keeps the worker alive until the returned release function is called (once). */
export function holdWorker(): () => void {
  holders++;
  timer ??= setInterval(() => void browser.runtime.getPlatformInfo().catch(() => undefined), INTERVAL_MS);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    if (holders === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
