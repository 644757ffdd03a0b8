#!/usr/bin/env node
// `npx exhibit verify <bundle.zip|folder>`: runs the TypeScript verifier in lib/bundle (the same
// code as the dashboard's), so the CLI never drifts from the extension.
//
// Loading TypeScript through tsx costs about a third of a second at every start, more than
// verifying a small bundle takes. So the first run also bundles lib/bundle/cli.ts, its sources and
// the packages they use into one JavaScript file (with the esbuild that tsx itself uses) and
// records the SHA-256 of every source and the version of every package it was made from; later
// runs use that file only while all of them are unchanged, and otherwise go through tsx again (and
// rebuild). The cache lives
// in node_modules/.cache/exhibit-cli (EXHIBIT_CLI_CACHE overrides it; EXHIBIT_CLI_CACHE=off
// disables it); a cache that cannot be written is simply not used.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'lib', 'bundle', 'cli.ts');
const cacheSetting = process.env.EXHIBIT_CLI_CACHE;
const cache = cacheSetting === 'off' ? null : resolve(cacheSetting || join(root, 'node_modules', '.cache', 'exhibit-cli'));
const debug = (message) => {
  if (process.env.EXHIBIT_CLI_DEBUG) process.stderr.write(`exhibit: ${message}\n`);
};

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const rootRequire = createRequire(join(root, 'package.json'));
const packageVersion = (name) => {
  try {
    return JSON.parse(readFileSync(rootRequire.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
};
/** "node_modules/zod/v4/core/schemas.js" → "zod"; "node_modules/@a/b/x.js" → "@a/b". */
const packageOf = (file) => {
  const parts = file.split(/[\\/]/);
  const i = parts.lastIndexOf('node_modules');
  return parts[i + 1]?.startsWith('@') ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1];
};

/** The prebuilt CLI, when it was made from exactly the sources now on disk. */
async function prebuilt() {
  if (!cache) return null;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(cache, 'stamp.json'), 'utf8'));
  } catch {
    return null;
  }
  for (const [file, hash] of Object.entries(stamp.sources ?? {})) {
    let now;
    try {
      now = sha256(join(root, file));
    } catch {
      now = null;
    }
    if (now !== hash) {
      debug(`${file} changed since the CLI was bundled`);
      return null;
    }
  }
  for (const [name, version] of Object.entries(stamp.packages ?? {})) {
    if (packageVersion(name) !== version) {
      debug(`package ${name} changed since the CLI was bundled`);
      return null;
    }
  }
  if (!stamp.bundle || !Object.keys(stamp.sources ?? {}).length) return null;
  return import(pathToFileURL(join(cache, stamp.bundle)).href);
}

/** Bundles cli.ts with everything it imports, recording the hash of each source and the version of each package. */
async function build() {
  const tsxRequire = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  const esbuild = await import(pathToFileURL(tsxRequire.resolve('esbuild')).href);
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    outfile: join(cache, 'cli.mjs'),
    logLevel: 'silent',
  });
  const sources = {};
  const packages = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = relative(root, resolve(root, input));
    if (/(^|[\\/])node_modules[\\/]/.test(file)) {
      const name = packageOf(file);
      packages[name] = packageVersion(name);
    } else sources[file] = sha256(join(root, file));
  }
  mkdirSync(cache, { recursive: true });
  // A unique name per build, written before the stamp that points to it: runs at the same time never see half a file.
  const bundle = `cli-${createHash('sha256').update(result.outputFiles[0].contents).digest('hex').slice(0, 16)}.mjs`;
  const tmp = join(cache, `.${process.pid}.tmp`);
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, join(cache, bundle));
  writeFileSync(tmp, JSON.stringify({ bundle, sources, packages }, null, 2));
  renameSync(tmp, join(cache, 'stamp.json'));
  for (const old of readdirSync(cache)) if (/^cli-[0-9a-f]{16}\.mjs$/.test(old) && old !== bundle) rmSync(join(cache, old), { force: true });
  debug(`bundled the CLI into ${join(cache, bundle)}`);
}

let cli = await prebuilt().catch((err) => {
  debug(`prebuilt CLI unusable: ${err?.message ?? err}`);
  return null;
});
const fromSource = !cli;
if (cli) debug('using the prebuilt CLI');
else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(pathToFileURL(entry).href);
  debug('running the CLI from its TypeScript sources');
}
process.exitCode = await cli.main(process.argv.slice(2));
if (fromSource && cache) {
  try {
    await build();
  } catch (err) {
    debug(`could not bundle the CLI: ${err?.message ?? err}`);
  }
}
