// Runs bench/coverage.ts in real Chromium (IndexedDB as the extension gets it) and prints the
// result as JSON: `npx tsx bench/coverage-chromium.ts [--captures N] [--controls N] [--runs N]`.
// Exits non-zero when the median run is over the limit.
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type Rollup } from 'vite';
import { chromiumPath } from '../test/support/launcher';
import type { CoverageBenchResult } from './coverage';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

export async function runCoverageBenchInChromium(options: { controls?: number; captures?: number; runs?: number } = {}): Promise<CoverageBenchResult> {
  const root = resolve(import.meta.dirname, '..');
  // A page script that exposes the benchmark, bundled by the project's own Vite.
  const dir = mkdtempSync(join(tmpdir(), 'exhibit-coverage-bench-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `import { ExhibitDB } from ${JSON.stringify(join(root, 'lib/db'))};
     import { benchCoverage } from ${JSON.stringify(join(root, 'bench/coverage'))};
     (window as any).runCoverageBench = async (options: any) => {
       const db = new ExhibitDB('coverage-bench-' + Date.now());
       await db.open();
       try { return await benchCoverage({ db, ...options }); } finally { await db.delete(); }
     };`,
  );
  let script: string;
  try {
    const output = (await build({
      configFile: false,
      logLevel: 'warn',
      resolve: { alias: { '@': root } },
      build: { write: false, minify: false, target: 'chrome120', lib: { entry, formats: ['iife'], name: 'coverageBench', fileName: () => 'bench.js' } },
    })) as Rollup.RollupOutput | Rollup.RollupOutput[];
    script = (Array.isArray(output) ? output[0]! : output).output[0].code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/bench.js"></script>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return await page.evaluate((o) => (window as unknown as { runCoverageBench(o: unknown): Promise<CoverageBenchResult> }).runCoverageBench(o), options);
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const result = await runCoverageBenchInChromium({ controls: arg('controls', 200), captures: arg('captures', 100_000), runs: arg('runs', 7) });
  console.log(JSON.stringify(result, null, 2));
  if (!result.withinLimit) process.exitCode = 1;
}
