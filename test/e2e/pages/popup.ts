import type { Page } from '@playwright/test';
import type { LaunchedExtension } from '../../support/launcher';

export class PopupPage {
  page!: Page;
  constructor(readonly exhibit: LaunchedExtension) {}
}
