// Pages the browser will not let an extension capture, named before trying so the person gets
// a reason instead of a browser-internal error.
const STORE_HOSTS = ['chromewebstore.google.com', 'microsoftedge.microsoft.com', 'addons.mozilla.org'];

export function whyNotCapturable(url: string | undefined): string | null {
  // The browser hides the address of tabs Exhibit has no access to: browser pages, other
  // extensions' pages, or any page when no gesture granted access.
  if (!url) {
    return 'Exhibit has no access to this tab: it is a browser page (such as chrome://…), another extension’s page, or captures without a click are not allowed. Open the page you want as evidence and start the capture from Exhibit’s toolbar button, shortcut or page menu.';
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'The tab has no web address Exhibit can capture.';
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  if (['chrome', 'edge', 'brave', 'opera', 'vivaldi', 'about', 'devtools', 'view-source', 'chrome-search', 'chrome-untrusted'].includes(scheme)) {
    return `Browser pages (${scheme}:) cannot be captured by extensions. Open the admin console page you want as evidence and capture that.`;
  }
  if (scheme === 'chrome-extension' || scheme === 'moz-extension' || scheme === 'extension') {
    return 'Pages of browser extensions, including Exhibit itself and the built-in PDF viewer, cannot be captured.';
  }
  if (STORE_HOSTS.includes(parsed.hostname) || (parsed.hostname === 'chrome.google.com' && parsed.pathname.startsWith('/webstore'))) {
    return 'The browser’s extension store cannot be captured by extensions.';
  }
  if (!['http', 'https', 'file'].includes(scheme)) return `Pages with ${scheme}: addresses cannot be captured.`;
  return null;
}

export const PDF_REFUSAL =
  'This tab shows a PDF in the browser’s built-in viewer, which Exhibit does not capture: the viewer’s pixels and address do not show which system the document came from. Capture the console page that lists or shows the document instead.';

/** Turns the browser's capture errors into sentences a person can act on. */
export function explainCaptureError(message: string): string {
  if (/MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND/i.test(message)) return 'The browser limits captures to two per second; try again in a moment.';
  if (/permission|activeTab|all_urls|Cannot access/i.test(message)) {
    return 'Exhibit may not capture this tab: start the capture from the toolbar button, the keyboard shortcut or the page menu, or allow captures without a click in Exhibit’s settings.';
  }
  if (/No tab with id|No window with id|tab was closed/i.test(message)) return 'The tab was closed before it could be captured.';
  if (/image readback failed|Failed to capture tab/i.test(message)) {
    return 'The browser could not take a picture of this tab (it may be a PDF, a plugin page, hidden or minimised).';
  }
  return `The browser refused the capture: ${message}`;
}
