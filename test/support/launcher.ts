// The one way Exhibit's tests, benchmarks and `npm start` launch Chromium with the extension:
// a fresh profile, the unpacked build loaded, nothing reaching past this machine.
import { chromium, type BrowserContext, type Worker } from '@playwright/test';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return undefined; // Playwright's own Chromium, where it is installed
}

export interface LaunchOptions {
  extensionDir?: string;
  headless?: boolean;
  /** Extra Chromium flags, e.g. --host-resolver-rules for console fixtures. */
  args?: string[];
  /** Where chrome.downloads puts files under their real names. */
  downloadsDir?: string;
  profileDir?: string;
  viewport?: { width: number; height: number } | null;
  /** An X display for a headed browser (see display.ts). */
  display?: string;
}

export interface LaunchedExtension {
  context: BrowserContext;
  extensionId: string;
  serviceWorker: Worker;
  profileDir: string;
  close(): Promise<void>;
}

export async function launchWithExtension(options: LaunchOptions = {}): Promise<LaunchedExtension> {
  const extensionDir = resolve(options.extensionDir ?? process.env.EXHIBIT_EXTENSION_DIR ?? join(process.env.EXHIBIT_OUT_DIR ?? '.output', 'chrome-mv3-e2e'));
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error(`No extension build at ${extensionDir}: run the build first.`);
  const ownProfile = !options.profileDir;
  const profileDir = options.profileDir ?? mkdtempSync(join(tmpdir(), 'exhibit-profile-'));
  if (options.downloadsDir) {
    // Playwright overrides download behaviour; real file names need Chromium's own preferences.
    mkdirSync(join(profileDir, 'Default'), { recursive: true });
    writeFileSync(
      join(profileDir, 'Default', 'Preferences'),
      JSON.stringify({ download: { default_directory: options.downloadsDir, prompt_for_download: false } }),
    );
  }
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath(),
    headless: options.headless ?? true,
    ...(options.display ? { env: { ...process.env, DISPLAY: options.display } } : {}),
    viewport: options.viewport === undefined ? { width: 1280, height: 800 } : options.viewport,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      ...(options.args ?? []),
    ],
  });
  if (options.downloadsDir) {
    const cdp = await context.browser()?.newBrowserCDPSession();
    await cdp?.send('Browser.setDownloadBehavior', { behavior: 'default' });
  }
  const serviceWorker = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ?? (await context.waitForEvent('serviceworker', { timeout: 20000 }));
  const extensionId = new URL(serviceWorker.url()).host;
  return {
    context,
    extensionId,
    serviceWorker,
    profileDir,
    async close() {
      await context.close().catch(() => undefined);
      if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
