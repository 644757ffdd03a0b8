// The documented message API (docs/messages.md), driven from an extension page exactly as the
// popup and dashboard drive it.
import type { Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export type Reply<T = any> = { ok: true; data: T } | { ok: false; error: { code: string; message: string; details?: unknown } };

export class ExhibitApi {
  private constructor(
    readonly page: Page,
    readonly exhibit: LaunchedExtension,
  ) {}

  static async open(exhibit: LaunchedExtension): Promise<ExhibitApi> {
    const page = await exhibit.context.newPage();
    // A blank extension page: the manifest's popup page, loaded in a tab, sends messages like any other.
    await page.goto(`chrome-extension://${exhibit.extensionId}/popup.html?automation=1`);
    return new ExhibitApi(page, exhibit);
  }

  /** Sends a raw message and returns the raw reply. */
  request<T = any>(message: unknown): Promise<Reply<T>> {
    return this.page.evaluate((m) => chrome.runtime.sendMessage(m), message) as Promise<Reply<T>>;
  }

  /** Sends a message and returns its data, failing the test on an error reply. */
  async call<T = any>(message: Record<string, unknown>): Promise<T> {
    const reply = await this.request<T>(message);
    if (!reply.ok) throw new Error(`${String(message.type)} failed: ${reply.error.code}: ${reply.error.message}`);
    return reply.data;
  }

  async setCapturer(capturer = { name: 'Ada Admin', email: 'ada@acme.example', team: 'IT' }): Promise<void> {
    await this.call({ type: 'settings.set', capturer });
  }

  /** The browser tab id of a page opened in this context. */
  async tabIdOf(page: Page): Promise<number> {
    const url = page.url();
    const id = await this.page.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id, url);
    if (id === undefined) throw new Error(`no tab shows ${url}`);
    return id;
  }

  /** The stored PNG of a capture as bytes. */
  async imageBytes(id: string, kind: 'image' | 'thumbnail' = 'image'): Promise<Buffer> {
    const data = await this.call<{ base64: string }>({ type: 'captures.image', id, kind });
    return Buffer.from(data.base64, 'base64');
  }
}
