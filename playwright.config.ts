import { defineConfig } from '@playwright/test';

// One worker: each test launches its own Chromium with the extension, and this machine has 2 cores.
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
});
