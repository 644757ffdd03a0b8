// The dashboard as a person uses it: found by roles and labels, the way the page presents itself,
// so specs read as what someone does and sees.
import type { Locator, Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export interface CapturerInput {
  name: string;
  email: string;
  team?: string;
  organization?: string;
}

export interface ControlInput {
  id: string;
  title: string;
  owner?: string;
  cadence?: string;
  criteria?: string[];
  description?: string;
}

export interface PeriodInput {
  name: string;
  kind: 'type1' | 'type2';
  start: string;
  end?: string;
  timeZone?: string;
}

export class DashboardPage {
  page!: Page;
  constructor(readonly exhibit: LaunchedExtension) {}

  url(route = '/library'): string {
    return `chrome-extension://${this.exhibit.extensionId}/dashboard.html#${route}`;
  }

  /** Opens (or navigates the already open dashboard tab to) a route such as "/library". */
  async open(route = '/library'): Promise<Page> {
    if (!this.page || this.page.isClosed()) this.page = await this.exhibit.context.newPage();
    await this.page.goto(this.url(route));
    await this.page.getByRole('navigation', { name: 'Exhibit' }).waitFor();
    return this.page;
  }

  heading(name: string | RegExp): Locator {
    return this.page.getByRole('heading', { level: 1, name });
  }

  nav(label: string): Locator {
    return this.page.getByRole('navigation', { name: 'Exhibit' }).getByRole('link', { name: label });
  }

  // First run --------------------------------------------------------------------------------

  /** The notice every page shows while nobody is set as the capturer. */
  capturerNotice(): Locator {
    return this.page.getByRole('alert', { name: 'No capturer set' });
  }

  async fillCapturer(capturer: CapturerInput): Promise<void> {
    await this.page.getByLabel('Your name').fill(capturer.name);
    await this.page.getByLabel('Work email').fill(capturer.email);
    await this.page.getByLabel('Team').fill(capturer.team ?? '');
    await this.page.getByLabel('Organization').fill(capturer.organization ?? '');
  }

  // Library ----------------------------------------------------------------------------------

  grid(): Locator {
    return this.page.getByRole('list', { name: 'Captures' });
  }

  cards(): Locator {
    return this.grid().getByRole('link');
  }

  card(name: string | RegExp): Locator {
    return this.grid().getByRole('link', { name });
  }

  /** "4 captures", "2 captures match these filters". */
  count(): Locator {
    return this.page.getByRole('region', { name: 'Evidence library' }).getByRole('status');
  }

  filters(): Locator {
    return this.page.getByRole('search', { name: 'Filter captures' });
  }

  async filterByControl(controlId: string): Promise<void> {
    const select = this.filters().getByLabel('Control');
    await select.selectOption(controlId === '' ? '' : { value: controlId });
  }

  async filterByPerson(email: string): Promise<void> {
    await this.filters().getByLabel('Captured by').selectOption(email === '' ? '' : { value: email });
  }

  async filterBySystem(system: string): Promise<void> {
    await this.filters().getByLabel('System').selectOption(system === '' ? '' : { value: system });
  }

  /** Picks the audit period whose option starts with `name`. */
  async filterByPeriod(name: string): Promise<void> {
    const select = this.filters().getByLabel('Audit period');
    if (name === '') {
      await select.selectOption('');
      return;
    }
    const value = await select.locator('option', { hasText: name }).first().getAttribute('value');
    await select.selectOption(value!);
  }

  async search(text: string): Promise<void> {
    await this.filters().getByLabel('Search').fill(text);
  }

  async clearFilters(): Promise<void> {
    await this.filters().getByRole('button', { name: 'Clear filters' }).click();
  }

  // Capture detail ---------------------------------------------------------------------------

  async openCapture(name: string | RegExp): Promise<void> {
    await this.card(name).click();
    await this.page.getByRole('heading', { level: 2, name: 'Signed record' }).waitFor();
  }

  badge(text: string | RegExp): Locator {
    return this.page.getByLabel('Verification').getByText(text);
  }

  /** The value next to a metadata term such as "SHA-256" or "Captured (UTC)". */
  metadata(term: string): Locator {
    return this.page.locator('.meta-row', { has: this.page.locator('dt', { hasText: new RegExp(`^${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) }).locator('dd');
  }

  tagEditor(): Locator {
    return this.page.getByRole('form', { name: 'Controls and note' });
  }

  /** Sets the capture's controls to exactly `ids` and its note, then saves. */
  async retag(ids: string[], note?: string): Promise<void> {
    const editor = this.tagEditor();
    const current = await editor.getByRole('list', { name: 'Selected controls' }).getByRole('listitem').allInnerTexts();
    for (const id of current.map((t) => t.trim())) await editor.getByRole('button', { name: `Remove ${id}` }).click();
    for (const id of ids) await chooseControl(editor, 'Controls', id);
    if (note !== undefined) await editor.getByLabel('Note').fill(note);
    await editor.getByRole('button', { name: 'Save changes' }).click();
  }

  historyEntries(): Locator {
    return this.page.getByRole('list', { name: 'Annotation history' }).getByRole('listitem');
  }

  // Controls ---------------------------------------------------------------------------------

  teamControls(): Locator {
    return this.page.getByRole('table', { name: 'Your controls' });
  }

  async createControl(control: ControlInput): Promise<void> {
    await this.page.getByRole('button', { name: 'New control' }).click();
    const form = this.page.getByRole('form', { name: 'New control' });
    await form.getByLabel('Control ID').fill(control.id);
    await form.getByLabel('Title').fill(control.title);
    if (control.owner) await form.getByLabel('Owner').fill(control.owner);
    if (control.cadence) await form.getByLabel('Cadence').selectOption({ label: control.cadence });
    for (const c of control.criteria ?? []) await chooseControl(form, 'Mapped SOC 2 criteria', c);
    if (control.description) await form.getByLabel('Description').fill(control.description);
    await form.getByRole('button', { name: 'Create control' }).click();
  }

  async importControls(file: { name: string; text: string }): Promise<void> {
    const mimeType = file.name.endsWith('.json') ? 'application/json' : 'text/csv';
    await this.page.getByLabel('Import controls from a CSV or JSON file').setInputFiles({ name: file.name, mimeType, buffer: Buffer.from(file.text) });
  }

  importProblems(): Locator {
    return this.page.getByRole('table', { name: 'Import problems' }).locator('tbody tr');
  }

  criteriaGroup(category: string): Locator {
    return this.page.locator('details', { has: this.page.locator('summary', { hasText: category }) });
  }

  // Periods ----------------------------------------------------------------------------------

  periods(): Locator {
    return this.page.getByRole('table', { name: 'Audit periods' });
  }

  async createPeriod(period: PeriodInput): Promise<void> {
    const form = this.page.getByRole('form', { name: 'New audit period' });
    await form.getByLabel(period.kind === 'type1' ? /Type 1/ : /Type 2/).check();
    await form.getByLabel('Name').fill(period.name);
    await form.getByLabel(period.kind === 'type1' ? 'Date' : 'Start date', { exact: true }).fill(period.start);
    if (period.kind === 'type2') await form.getByLabel('End date').fill(period.end!);
    if (period.timeZone) await form.getByLabel('Time zone').selectOption(period.timeZone);
    await form.getByRole('button', { name: 'Create period' }).click();
  }
}

/** Types a control id into a ControlPicker labelled `label` and picks it from the list. */
export async function chooseControl(scope: Locator | Page, label: string, id: string): Promise<void> {
  const box = scope.getByRole('combobox', { name: label });
  await box.fill(id);
  await scope.getByRole('listbox', { name: label }).getByRole('option', { name: new RegExp(`^${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) }).first().click();
}
