// Injected only when real pixels cannot show an element (taller or wider than the window):
// draws it from the DOM with html2canvas (lib/capture/region-render.ts). Kept apart from
// picker-facts so html2canvas is loaded into a page only when it is needed.
import { renderRegionTarget } from '@/lib/capture/region-render';

export default defineUnlistedScript(() => renderRegionTarget(window));
