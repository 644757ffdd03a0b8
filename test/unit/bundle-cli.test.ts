import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { main } from '@/lib/bundle/cli';
import { WORKER_FILE } from '@/lib/bundle/node-checksums';
import { exportZips, freshDb, rezip, seedLibrary, unzipAll } from './bundle-support';

let dir: string;
let zipPath: string;
let folder: string;
let tampered: string;
let fingerprint: string;

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exhibit-cli-'));
  const db = await freshDb();
  await seedLibrary(db);
  const { zips, result } = await exportZips(db, { from: '2026-01-01', to: '2026-03-31' });
  fingerprint = result.signingKeyFingerprint;
  zipPath = join(dir, zips[0]!.fileName);
  writeFileSync(zipPath, zips[0]!.bytes);
  const files = await unzipAll(zips[0]!.bytes);
  folder = join(dir, 'extracted');
  for (const [name, bytes] of files) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), bytes);
  }
  const png = [...files.keys()].find((k) => k.endsWith('.png'))!;
  files.get(png)![40]! ^= 0x80;
  tampered = join(dir, 'tampered.zip');
  writeFileSync(tampered, await rezip(files));
});

describe('exhibit verify', () => {
  it('exits 0 for a good zip and for its extracted folder, with a summary', async () => {
    const r = await run('verify', zipPath, '--expect-key', fingerprint);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^OK .*3 captures, 17 payload files/);
    const f = await run('verify', folder);
    expect(f.code).toBe(0);
  });

  it('uses checksum threads the launcher started, and ends them whatever the command', async () => {
    const start = () => Array.from({ length: 2 }, () => new Worker(WORKER_FILE));
    const threads = start();
    const ended = threads.map((t) => new Promise<void>((resolve) => t.once('exit', () => resolve())));
    const out: string[] = [];
    expect(await main(['verify', tampered, '--json'], { out: (s) => out.push(s), err: () => undefined }, { checksumThreads: threads })).toBe(1);
    expect(JSON.parse(out.join('\n')).problems.map((p: { code: string }) => p.code).sort()).toEqual(['capture-image', 'hash-mismatch']);
    await Promise.all(ended);
    // A folder and a usage error use none of them, and still end them.
    for (const args of [['verify', folder], ['verify']]) {
      const unused = start();
      const gone = unused.map((t) => new Promise<void>((resolve) => t.once('exit', () => resolve())));
      await main(args, { out: () => undefined, err: () => undefined }, { checksumThreads: unused });
      await Promise.all(gone);
    }
  });

  it('exits 1 with one line per problem naming the file', async () => {
    const r = await run('verify', tampered);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL data/controls/'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^FAILED tampered\.zip: 2 problems in 1 file/);
  });

  it('prints JSON for machines', async () => {
    const r = await run('verify', tampered, '--json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p: { code: string }) => p.code).sort()).toEqual(['capture-image', 'hash-mismatch']);
  });

  it('fails a bundle signed by a key other than the expected one', async () => {
    const r = await run('verify', zipPath, `--expect-key=${'ab'.repeat(32)}`);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not the expected key/);
  });

  it('refuses a folder holding a symbolic link', async () => {
    const linked = join(dir, 'linked');
    const files = await unzipAll(new Uint8Array(await (await import('node:fs/promises')).readFile(zipPath)));
    for (const [name, bytes] of files) {
      mkdirSync(dirname(join(linked, name)), { recursive: true });
      writeFileSync(join(linked, name), bytes);
    }
    const top = [...files.keys()][0]!.split('/')[0]!;
    symlinkSync('/etc/passwd', join(linked, top, 'data', 'passwd'));
    const r = await run('verify', linked);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/symbolic link/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('verify')).code).toBe(2);
    expect((await run('verify', zipPath, '--expect-key', 'nothex')).code).toBe(2);
    expect((await run('verify', join(dir, 'missing.zip'))).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });

  it('bundles itself for fast starts, and runs from its sources again once any of them changed', async () => {
    const bin = join(import.meta.dirname, '../../bin/exhibit.mjs');
    const cache = mkdtempSync(join(tmpdir(), 'exhibit-cli-cache-'));
    const env = { ...process.env, EXHIBIT_CLI_CACHE: cache, EXHIBIT_CLI_DEBUG: '1' };
    const exec = (...args: string[]) => promisify(execFile)(process.execPath, [bin, ...args], { env }).then((r) => ({ ...r, code: 0 }), (e) => e as { stdout: string; stderr: string; code: number });
    const first = await exec('verify', zipPath);
    expect(first.stderr).toMatch(/running the CLI from its TypeScript sources/);
    expect(first.stderr).toMatch(/bundled the CLI/);
    const stamp = JSON.parse(readFileSync(join(cache, 'stamp.json'), 'utf8'));
    expect(Object.keys(stamp.sources)).toEqual(expect.arrayContaining(['lib/bundle/cli.ts', 'lib/bundle/verify.ts', 'lib/bundle/zip-read.ts']));
    expect(stamp.packages).toMatchObject({ zod: expect.any(String) });

    const second = await exec('verify', zipPath);
    expect(second.stderr).toMatch(/using the prebuilt CLI/);
    expect(second.stdout).toBe(first.stdout);
    // The first run from the bundle saves V8's compiled code of it; the next ones start from that.
    expect(second.stderr).toMatch(/compiled the prebuilt CLI/);
    expect(second.stderr).toMatch(/saved the compiled code of the CLI/);
    const cached = await exec('verify', zipPath);
    expect(cached.stderr).toMatch(/compiled code of the prebuilt CLI from its V8 cache/);
    expect(cached.stderr).not.toMatch(/saved the compiled code/);
    expect(cached.stdout).toBe(first.stdout);
    // English only: zod's other languages are left out of the bundle.
    const bundled = readFileSync(join(cache, stamp.bundle), 'utf8');
    expect(bundled).not.toMatch(/Ungültige Eingabe|Entrada inválida/);
    const bad = await exec('verify', tampered);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/using the prebuilt CLI/);

    // A source that no longer has its recorded hash (an edit, a checkout): back to the sources, and a new bundle.
    stamp.sources['lib/bundle/verify.ts'] = '0'.repeat(64);
    writeFileSync(join(cache, 'stamp.json'), JSON.stringify(stamp));
    const stale = await exec('verify', zipPath);
    expect(stale.stderr).toMatch(/lib\/bundle\/verify\.ts changed since the CLI was bundled/);
    expect(stale.stderr).toMatch(/running the CLI from its TypeScript sources/);
    expect(stale.stdout).toBe(first.stdout);
    expect((await exec('verify', zipPath)).stderr).toMatch(/using the prebuilt CLI/);

    // So does a package whose version changed.
    const again = JSON.parse(readFileSync(join(cache, 'stamp.json'), 'utf8'));
    again.packages.zod = '0.0.1';
    writeFileSync(join(cache, 'stamp.json'), JSON.stringify(again));
    expect((await exec('verify', zipPath)).stderr).toMatch(/package zod changed since the CLI was bundled/);

    // And a bundle made in another folder (the package moved): it names that folder's files.
    const moved = JSON.parse(readFileSync(join(cache, 'stamp.json'), 'utf8'));
    expect(moved.root).toBe(join(import.meta.dirname, '../..'));
    moved.root = '/somewhere/else';
    writeFileSync(join(cache, 'stamp.json'), JSON.stringify(moved));
    const elsewhere = await exec('verify', zipPath);
    expect(elsewhere.stderr).toMatch(/the CLI was bundled in \/somewhere\/else, not here/);
    expect(elsewhere.stdout).toBe(first.stdout);
    rmSync(cache, { recursive: true, force: true });
  }, 60_000);

  it('runs as `exhibit` from package.json’s bin with plain Node', async () => {
    const bin = join(import.meta.dirname, '../../bin/exhibit.mjs');
    const ok = await promisify(execFile)(process.execPath, [bin, 'verify', zipPath]);
    expect(ok.stdout).toMatch(/^OK /);
    const failed = await promisify(execFile)(process.execPath, [bin, 'verify', tampered]).then(() => null, (e) => e);
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/FAIL data\/controls\//);
  }, 30_000);
});
