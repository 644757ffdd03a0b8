// Playwright fixtures: a Chromium with the built extension, the fixture server, and the page
// objects every spec uses.
import { test as base, expect } from '@playwright/test';
import { launchWithExtension, type LaunchedExtension, type LaunchOptions } from '../support/launcher';
import { startFixtureServer, type FixtureServer } from '../support/fixture-server';
import { ExhibitApi } from './pages/api';
import { DashboardPage } from './pages/dashboard';
import { PopupPage } from './pages/popup';

export interface Fixtures {
  exhibitLaunch: LaunchOptions;
  exhibit: LaunchedExtension;
  fixtures: FixtureServer;
  api: ExhibitApi;
  dashboard: DashboardPage;
  popup: PopupPage;
}

export const test = base.extend<Fixtures>({
  exhibitLaunch: [{}, { option: true }],
  // eslint-disable-next-line no-empty-pattern
  fixtures: async ({}, use) => {
    const server = await startFixtureServer();
    await use(server);
    await server.close();
  },
  exhibit: async ({ exhibitLaunch }, use) => {
    const launched = await launchWithExtension(exhibitLaunch);
    await use(launched);
    await launched.close();
  },
  api: async ({ exhibit }, use) => {
    await use(await ExhibitApi.open(exhibit));
  },
  dashboard: async ({ exhibit }, use) => {
    await use(new DashboardPage(exhibit));
  },
  popup: async ({ exhibit }, use) => {
    await use(new PopupPage(exhibit));
  },
});

export { expect };
