import type { Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export class DashboardPage {
  page!: Page;
  constructor(readonly exhibit: LaunchedExtension) {}
}
