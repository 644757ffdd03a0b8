// The popup's "Answers request" field and request search (RequestField.tsx, RequestPicker.tsx),
// before a capture and after it.
import type { Locator, Page } from '@playwright/test';

export class PopupRequests {
  constructor(readonly page: Page) {}

  /** Before a capture: the request the next capture answers. */
  field(): Locator {
    return this.page.getByRole('group', { name: 'Answers request' });
  }

  /** Opens the search from the field ("Choose" or "Change"). */
  async openFromField(): Promise<void> {
    await this.field().getByRole('button', { name: /^(Choose|Change)$/ }).click();
  }

  async closeFromField(): Promise<void> {
    await this.field().getByRole('button', { name: 'Done' }).click();
  }

  /** After a capture: the outcome and "Attach to a request". */
  attachSection(): Locator {
    return this.page.getByRole('region', { name: 'Auditor request' });
  }

  search(): Locator {
    return this.page.getByRole('combobox', { name: 'Search requests' });
  }

  list(): Locator {
    return this.page.getByRole('listbox', { name: /^Requests of / });
  }

  options(): Locator {
    return this.list().getByRole('option');
  }

  option(ref: string): Locator {
    return this.options().filter({ has: this.page.locator('.request-ref', { hasText: new RegExp(`^${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  }

  answeredToo(): Locator {
    return this.page.getByRole('checkbox', { name: 'Answered too' });
  }

  sample(): Locator {
    return this.page.getByLabel(/^Sample of .+ it fulfils$/);
  }

  /** Search, then choose the first match with the keyboard. */
  async chooseByKeyboard(query: string): Promise<void> {
    await this.search().fill(query);
    await this.search().press('Enter');
  }

  outcome(): Locator {
    return this.page.getByRole('status').filter({ hasText: /Attached to/ });
  }
}
