import { defineConfig } from 'wxt';

// The E2E build (`--mode e2e`) promotes <all_urls> from an optional to a required host
// permission so tests can capture through the message API without a permission prompt.
// Every other build asks for it only when the person enables captures without a gesture.
export default defineConfig({
  // EXHIBIT_OUT_DIR lets parallel builds (several test runs on one machine) keep apart.
  outDir: process.env.EXHIBIT_OUT_DIR ?? '.output',
  modules: ['@wxt-dev/module-react', '@wxt-dev/webextension-polyfill'],
  // EXHIBIT_UNMINIFIED=1: readable function names in profiles (bench/export.ts EXHIBIT_BENCH_HEAP_PROFILE).
  vite: () => (process.env.EXHIBIT_UNMINIFIED ? { build: { minify: false } } : {}),
  hooks: {
    // The benchmark page (npm run bench) seeds and measures inside the extension; it ships only
    // in the E2E build.
    'entrypoints:resolved': (wxt, entrypoints) => {
      if (wxt.config.mode === 'e2e') return;
      for (const entrypoint of entrypoints) if (entrypoint.name === 'bench') entrypoint.skipped = true;
    },
  },
  manifest: ({ mode, browser }) => ({
    name: 'Exhibit — SOC 2 evidence capture',
    short_name: 'Exhibit',
    description:
      'Capture admin-console evidence with URL, time, zone and who captured it; hash, sign and tag it to SOC 2 controls.',
    // downloads: evidence bundles are saved under their real names; offscreen (Chromium): the
    // bundle.export message writes zips in an offscreen document, the worker cannot hold blobs.
    permissions: ['activeTab', 'scripting', 'storage', 'unlimitedStorage', 'contextMenus', 'downloads', 'alarms', ...(browser === 'firefox' ? [] : ['offscreen'])],
    ...(mode === 'e2e'
      ? { host_permissions: ['<all_urls>'] }
      : { optional_host_permissions: ['<all_urls>'] }),
    action: { default_title: 'Exhibit: capture evidence' },
    commands: {
      'capture-visible': {
        suggested_key: { default: 'Alt+Shift+E' },
        description: 'Capture the visible tab as evidence',
      },
    },
    ...(browser === 'firefox'
      ? { browser_specific_settings: { gecko: { id: 'exhibit@exhibit.dev', strict_min_version: '115.0' } } }
      : {}),
  }),
});
