// The toolbar popup, opened as popup.html?tabId=N in a window of its own: Playwright cannot open
// the real toolbar popup, and the tabId parameter makes the page target tab N exactly as the
// popup targets the active tab. Its own window, like the real popup, leaves the target's window
// alone: closing it mid-capture changes no tab there.
import type { Locator, Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';
import { chooseControl } from './dashboard';

export class PopupPage {
  page!: Page;
  constructor(readonly exhibit: LaunchedExtension) {}

  url(tabId: number): string {
    return `chrome-extension://${this.exhibit.extensionId}/popup.html?tabId=${tabId}`;
  }

  /** Opens the popup for tab `tabId` in a new popup window (the previous popup page, if any, stays open). */
  async open(tabId: number): Promise<Page> {
    const url = this.url(tabId);
    const opened = this.exhibit.context.waitForEvent('page', (p) => p.url() === url);
    await this.exhibit.serviceWorker.evaluate((u) => chrome.windows.create({ url: u, type: 'popup', width: 420, height: 640 }), url);
    this.page = await opened;
    await this.page.getByRole('main', { name: 'Exhibit capture' }).waitFor();
    return this.page;
  }

  async close(): Promise<void> {
    await this.page.close();
  }

  root(): Locator {
    return this.page.getByRole('main', { name: 'Exhibit capture' });
  }

  /** The title and host of the tab the popup will capture. */
  target(): Locator {
    return this.page.getByRole('region', { name: 'Page to capture' });
  }

  captureButton(): Locator {
    return this.page.getByRole('button', { name: /Capture visible tab|Capturing/ });
  }

  captureForm(): Locator {
    return this.page.getByRole('form', { name: 'Capture' });
  }

  async chooseControls(ids: string[]): Promise<void> {
    for (const id of ids) await chooseControl(this.captureForm(), 'Controls', id);
  }

  async setNote(note: string): Promise<void> {
    await this.captureForm().getByLabel('Note').fill(note);
  }

  /** Alerts (missing capturer, page that cannot be captured, failed capture). */
  alerts(): Locator {
    return this.page.getByRole('alert');
  }

  savedHeading(): Locator {
    return this.page.getByRole('heading', { name: 'Evidence saved' });
  }

  shortHash(): Locator {
    return this.page.getByLabel('Short SHA-256');
  }

  captureId(): Locator {
    return this.page.getByLabel('Capture id');
  }

  thumbnail(): Locator {
    return this.page.getByRole('img', { name: 'Thumbnail of the saved evidence' });
  }

  adjustForm(): Locator {
    return this.page.getByRole('form', { name: 'Adjust tags and note' });
  }

  async addTagAfterCapture(id: string): Promise<void> {
    await chooseControl(this.adjustForm(), 'Controls', id);
  }

  lastOutcome(): Locator {
    return this.page.getByRole('status').filter({ hasText: /Last capture/ });
  }

  /** The capture mode: "Visible part", "Full page" or "Element or region". */
  async chooseMode(label: 'Visible part' | 'Full page' | 'Element or region'): Promise<void> {
    await this.captureForm().getByRole('radio', { name: label }).check();
  }

  modeOption(label: 'Visible part' | 'Full page' | 'Element or region'): Locator {
    return this.captureForm().getByRole('radio', { name: label });
  }

  redactOption(): Locator {
    return this.captureForm().getByRole('checkbox', { name: 'Redact before saving' });
  }

  /** The capture button, whatever the mode ("Capture visible tab", "Capture full page", "Pick element or region"). */
  startButton(): Locator {
    return this.captureForm().getByRole('button', { name: /Capture visible tab|Capture full page|Pick element or region|Capturing/ });
  }

  /** What the running capture is doing ("Capturing the full page: 3 of 15 viewports…", "Pick an element …"). */
  captureStatus(): Locator {
    return this.captureForm().getByRole('status');
  }

  progress(): Locator {
    return this.page.getByRole('progressbar', { name: 'Full-page capture progress' });
  }

  async cancelCapture(): Promise<void> {
    await this.page.getByRole('button', { name: 'Cancel', exact: true }).click();
  }
}
