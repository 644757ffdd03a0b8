// The redaction editor (entrypoints/redact/), opened by the background in a tab of its own when a
// capture asks for `redact: true`.
import type { BrowserContext, Locator, Page } from '@playwright/test';

export interface ImageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class RedactEditorPage {
  private constructor(readonly page: Page) {}

  /** Waits for the editor tab the background opens, and for it to show the capture. */
  static async waitFor(context: BrowserContext): Promise<RedactEditorPage> {
    const existing = context.pages().find((p) => p.url().includes('/redact.html#'));
    const page = existing ?? (await context.waitForEvent('page', { predicate: (p) => p.url().includes('/redact.html#'), timeout: 30_000 }));
    const editor = new RedactEditorPage(page);
    await editor.surface().waitFor({ timeout: 30_000 });
    return editor;
  }

  sessionId(): string {
    return new URL(this.page.url()).hash.slice(1);
  }

  root(): Locator {
    return this.page.getByRole('main', { name: 'Redaction editor' });
  }

  /** The captured image, where boxes are drawn. */
  surface(): Locator {
    return this.page.getByRole('application', { name: /drag to draw a redaction box/ });
  }

  /** A suggestion's accept checkbox, by its name ("Email address 1", "Card number 1" …). */
  suggestion(name: string | RegExp): Locator {
    return this.page.getByRole('complementary', { name: 'Redactions' }).getByRole('checkbox', { name });
  }

  suggestions(): Locator {
    return this.page.getByRole('complementary', { name: 'Redactions' }).getByRole('checkbox');
  }

  /** The suggestions as listed, by name. */
  suggestionItems(): Locator {
    return this.page.getByRole('region', { name: 'Suggestions' }).getByRole('listitem');
  }

  async accept(name: string | RegExp): Promise<void> {
    await this.suggestion(name).check();
  }

  /** Drags a box over `box`, given in pixels of the captured image. */
  async drawBox(box: ImageBox): Promise<void> {
    const surface = this.surface();
    await surface.scrollIntoViewIfNeeded();
    const bounds = (await surface.boundingBox())!;
    const imageWidth = Number(await surface.getAttribute('data-image-width'));
    const scale = bounds.width / imageWidth;
    const from = { x: bounds.x + box.x * scale, y: bounds.y + box.y * scale };
    const to = { x: bounds.x + (box.x + box.width) * scale, y: bounds.y + (box.y + box.height) * scale };
    await this.page.mouse.move(from.x, from.y);
    await this.page.mouse.down();
    await this.page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
    await this.page.mouse.move(to.x, to.y, { steps: 4 });
    await this.page.mouse.up();
  }

  manualBoxes(): Locator {
    return this.page.getByRole('button', { name: /^Remove box \d+$/ });
  }

  /** "2 regions will be redacted." */
  count(): Locator {
    return this.page.getByRole('status').filter({ hasText: /redacted/ });
  }

  async save(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save redacted evidence' }).click();
  }

  async cancel(): Promise<void> {
    await this.page.getByRole('button', { name: 'Cancel capture' }).click();
  }

  savedHeading(): Locator {
    return this.page.getByRole('heading', { name: 'Evidence saved' });
  }

  alerts(): Locator {
    return this.page.getByRole('alert');
  }

  /** What the editor was given: the unredacted picture (base64 PNGs) and the suggestions, asked for the way the editor asks. */
  session(): Promise<{ images: Array<{ top: number; base64: string }>; suggestions: Array<{ id: string; reason: string; boxes: ImageBox[] }>; width: number; height: number }> {
    return this.page.evaluate(async (sessionId) => {
      const reply = await chrome.runtime.sendMessage({ type: 'redact.session', sessionId });
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.data;
    }, this.sessionId());
  }
}
