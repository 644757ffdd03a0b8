// Injected on demand (scripting.executeScript with files: ['/picker.js']) when the person asks
// for an element or region capture without naming one: draws the picker over the page
// (lib/capture/picker-overlay.ts), which reports the pick to the background with its nonce.
import { startPicker } from '@/lib/capture/picker-overlay';

export default defineUnlistedScript(() => startPicker(window));
