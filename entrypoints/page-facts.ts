// Injected on demand (scripting.executeScript with files: ['/page-facts.js']) to read the page
// for a capture; its return value is the script's result. An unlisted script rather than a
// content script: WXT's content-script context announces itself to the page with
// window.postMessage, and a console page has no business knowing a capture is being taken.
import { collectPageFacts } from '@/lib/context/page-facts';
import { takeTableScope } from '@/lib/tables/scope';

export default defineUnlistedScript(() => collectPageFacts(window, takeTableScope(window)));
