// The dashboard's Bundles page: export, verify, import, and the signing keys for the auditor.
import type { Locator, Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export class BundlesPage {
  private constructor(readonly page: Page) {}

  static async open(exhibit: LaunchedExtension): Promise<BundlesPage> {
    const page = await exhibit.context.newPage();
    await page.goto(`chrome-extension://${exhibit.extensionId}/dashboard.html#/bundles`);
    await page.getByRole('heading', { name: 'Evidence bundles' }).waitFor();
    return new BundlesPage(page);
  }

  /** Exports a date range to Downloads; resolves with the bundle's file name once it is saved and verified. */
  async exportRange(from: string, to: string): Promise<{ fileName: string; summary: string }> {
    await this.page.getByLabel('A date range').check();
    await this.page.getByLabel('First day').fill(from);
    await this.page.getByLabel('Last day').fill(to);
    return this.finishExport();
  }

  private async finishExport(): Promise<{ fileName: string; summary: string }> {
    await this.page.getByRole('button', { name: 'Export bundle' }).click();
    const done = this.page.getByRole('status', { name: 'Export finished' });
    const failed = this.page.locator('form[aria-labelledby="export-title"] [role="alert"]');
    await done.or(failed).waitFor({ timeout: 60_000 });
    if (await failed.isVisible()) throw new Error(`export failed: ${await failed.innerText()}`);
    return { fileName: (await done.locator('.bundle-file-name').first().innerText()).trim(), summary: await done.innerText() };
  }

  /** Exports an audit period to Downloads; resolves like exportRange. */
  async exportPeriod(periodId: string): Promise<{ fileName: string; summary: string }> {
    await this.page.getByLabel('An audit period').check();
    await this.page.getByLabel('Audit period', { exact: true }).selectOption(periodId);
    return this.finishExport();
  }

  async verify(file: string, expectKey?: string): Promise<Locator> {
    await this.page.getByLabel('Expected signing key (optional)').fill(expectKey ?? '');
    await this.page.locator('#verify-file').setInputFiles(file);
    const result = this.page.getByLabel('Verification result');
    await result.waitFor({ timeout: 60_000 });
    return result;
  }

  async import(file: string): Promise<Locator> {
    await this.page.locator('#import-file').setInputFiles(file);
    const result = this.page.getByLabel('Import result');
    await result.waitFor({ timeout: 60_000 });
    return result;
  }

  keyRow(fingerprint: string): Locator {
    return this.page.locator(`tr[data-fingerprint="${fingerprint}"]`);
  }
}
