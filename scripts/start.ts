// `npm start`: Chromium with the freshly built extension, a sample admin console, and the
// dashboard, on a profile kept in .exhibit-profile so captures survive restarts.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchWithExtension } from '../test/support/launcher';
import { startFixtureServer } from '../test/support/fixture-server';

const profileDir = resolve('.exhibit-profile');
mkdirSync(profileDir, { recursive: true });
const server = await startFixtureServer(Number(process.env.EXHIBIT_SAMPLE_PORT ?? 4780)).catch(() => startFixtureServer());
const headless = process.env.EXHIBIT_HEADLESS === '1' || (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY);
const exhibit = await launchWithExtension({ extensionDir: resolve('.output/chrome-mv3'), headless, profileDir, viewport: null });
const consolePage = exhibit.context.pages()[0] ?? (await exhibit.context.newPage());
await consolePage.goto(server.url('/sample-console.html'));
// A fresh profile opens the welcome page by itself (first install); later starts open the dashboard.
await new Promise((r) => setTimeout(r, 1500));
if (!exhibit.context.pages().some((p) => p.url().includes('/dashboard.html'))) {
  const dashboard = await exhibit.context.newPage();
  await dashboard.goto(`chrome-extension://${exhibit.extensionId}/dashboard.html`);
}
await consolePage.bringToFront();

console.log(`Exhibit is running (extension id ${exhibit.extensionId}).`);
console.log(`Sample admin console: ${server.url('/sample-console.html')}`);
console.log(`Dashboard:            chrome-extension://${exhibit.extensionId}/dashboard.html`);
if (headless) console.log('No display was found, so Chromium runs headless; set DISPLAY to see the window.');
console.log('Press Ctrl+C to stop.');

const stop = async () => {
  await exhibit.context.close().catch(() => undefined);
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
exhibit.context.on('close', () => void server.close().then(() => process.exit(0)));
