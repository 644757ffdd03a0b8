// Injected on demand (scripting.executeScript with files: ['/picker-facts.js']) for element,
// region and redacted captures: finds and measures what to capture and reads the page's text for
// tables and redaction suggestions (lib/capture/region-facts.ts). Unlisted, like page-facts: the
// page is never told a capture is being taken.
import { collectRegionFacts } from '@/lib/capture/region-facts';

export default defineUnlistedScript(() => collectRegionFacts(window));
