// The Readiness and Requests pages of the dashboard as a compliance lead uses them, found by
// roles and labels so the spec reads as what the person does and sees.
import type { Locator, Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export class ReadinessPages {
  page!: Page;
  constructor(readonly exhibit: LaunchedExtension) {}

  async open(route: '/readiness' | '/requests', periodId?: string): Promise<Page> {
    if (!this.page || this.page.isClosed()) this.page = await this.exhibit.context.newPage();
    await this.page.goto(`chrome-extension://${this.exhibit.extensionId}/dashboard.html#${route}${periodId ? `?period=${periodId}` : ''}`);
    await this.page.getByRole('heading', { level: 1, name: route === '/readiness' ? 'Audit readiness' : 'Auditor requests' }).waitFor();
    return this.page;
  }

  // Readiness ---------------------------------------------------------------------------------

  percentCovered(): Locator {
    return this.page.getByTestId('percent-covered');
  }

  glance(): Locator {
    return this.page.getByRole('region', { name: 'Readiness at a glance' });
  }

  matrix(): Locator {
    return this.page.getByRole('table', { name: /^Coverage of / });
  }

  controlRow(controlId: string): Locator {
    return this.matrix().locator(`tr[data-control="${controlId}"]`);
  }

  /** A cell of the matrix, by control and sub-period label ("Nov 2026", "Q4 2026"). */
  cell(controlId: string, label: string): Locator {
    return this.controlRow(controlId).getByRole('button', { name: new RegExp(`^${controlId.replace(/[.]/g, '\\.')}, ${label} \\(`) });
  }

  async addStarterLibrary(owners: Record<string, string>): Promise<void> {
    const panel = this.page.getByRole('region', { name: 'Start from a control library' });
    for (const [role, email] of Object.entries(owners)) await panel.getByLabel(new RegExp(`^${role}`)).fill(email);
    await panel.getByRole('button', { name: 'Add the starter library' }).click();
  }

  async markNotApplicable(controlId: string, label: string, reason: string): Promise<void> {
    await this.cell(controlId, label).click();
    const dialog = this.page.getByRole('dialog', { name: `${controlId} · ${label}` });
    await dialog.getByLabel('Not applicable', { exact: true }).check();
    await dialog.getByLabel(/Why does the control not apply/).fill(reason);
    await dialog.getByRole('button', { name: 'Mark not applicable' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  dueTable(): Locator {
    return this.page.getByRole('region', { name: 'Due and overdue' });
  }

  // Requests ----------------------------------------------------------------------------------

  async chooseRequestFile(name: string, content: string): Promise<void> {
    await this.page.getByLabel('Request list file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
    await this.page.getByRole('form', { name: 'Map the columns' }).waitFor();
  }

  mapping(field: string): Locator {
    return this.page.getByRole('form', { name: 'Map the columns' }).getByLabel(new RegExp(`^${field}`));
  }

  dateQuestion(): Locator {
    return this.page.getByRole('group', { name: /How are due dates like/ });
  }

  async importChosenFile(): Promise<void> {
    await this.page.getByRole('button', { name: /^Import \d+ request/ }).click();
  }

  /** The capture page's panel for requests and the exception flag. */
  async openCapture(captureId: string): Promise<Locator> {
    if (!this.page || this.page.isClosed()) this.page = await this.exhibit.context.newPage();
    await this.page.goto(`chrome-extension://${this.exhibit.extensionId}/dashboard.html#/capture/${captureId}`);
    const panel = this.page.getByRole('region', { name: 'Auditor requests' });
    await panel.waitFor();
    return panel;
  }

  requestRow(ref: string): Locator {
    return this.page.locator(`tr[data-request="${ref}"]`);
  }
}
