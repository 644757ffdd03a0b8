#!/usr/bin/env node
// `npx exhibit verify <bundle.zip|folder>`: runs the TypeScript verifier in lib/bundle (the same
// code as the dashboard's), so the CLI never drifts from the extension.
//
// Loading TypeScript through tsx costs about a third of a second at every start, more than
// verifying a small bundle takes. So the first run also bundles lib/bundle/cli.ts, its sources and
// the packages they use into one minified CommonJS file (with the esbuild that tsx itself uses) and
// records the SHA-256 of every source and the version of every package it was made from; later
// runs use that file only while all of them are unchanged, and otherwise go through tsx again (and
// rebuild). zod's translations of its messages into other languages are left out of the file (the
// CLI speaks English; they were 40 % of it). The first run from the file also saves V8's compiled
// code of it beside it, and later runs load that instead of compiling again (Node 20 has no
// module.enableCompileCache; V8 refuses a cache made by another version, which is then remade).
// The cache lives in node_modules/.cache/exhibit-cli (EXHIBIT_CLI_CACHE overrides it;
// EXHIBIT_CLI_CACHE=off disables it); a cache that cannot be written is simply not used.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { Worker } from 'node:worker_threads';

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
  if (stamp.root !== root) {
    debug(`the CLI was bundled in ${stamp.root}, not here`);
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
  return load(join(cache, stamp.bundle));
}

/** Runs the bundled CommonJS file, with V8's code cache of it when there is a usable one; `saveCodeCache` writes one after a run. */
function load(file) {
  const codeCache = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCache);
  } catch {
    cachedData = undefined;
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const fresh = !cachedData || script.cachedDataRejected;
  debug(fresh ? 'compiled the prebuilt CLI' : 'compiled code of the prebuilt CLI from its V8 cache');
  // The code of the module's top level only (written once the run is over): a cache that also held
  // every function a verification compiled cost V8's background threads more than it saved (measured).
  const compiled = fresh ? script.createCachedData() : null;
  return {
    ...module.exports,
    saveCodeCache: compiled
      ? () => {
          const tmp = join(cache, `.${process.pid}.v8tmp`);
          writeFileSync(tmp, compiled);
          renameSync(tmp, codeCache);
          debug(`saved the compiled code of the CLI to ${codeCache}`);
        }
      : null,
  };
}

/** zod's messages in other languages: the CLI reports in English (zod sets English itself, from its own file). */
const englishOnly = {
  name: 'exhibit-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'exhibit-empty' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'exhibit-empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** Bundles cli.ts with everything it imports, recording the hash of each source and the version of each package. */
async function build() {
  const tsxRequire = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
  const esbuild = await import(pathToFileURL(tsxRequire.resolve('esbuild')).href);
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    plugins: [englishOnly],
    // node-checksums.ts finds its threads' file (node-checksum-worker.cjs) beside itself: in the
    // bundle, beside the entry in lib/bundle, not in the cache folder the bundle runs from.
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(entry).href) },
    write: false,
    metafile: true,
    outfile: join(cache, 'cli.cjs'),
    logLevel: 'silent',
  });
  const sources = {};
  const packages = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    if (input.startsWith('exhibit-empty:')) continue;
    const file = relative(root, resolve(root, input));
    if (/(^|[\\/])node_modules[\\/]/.test(file)) {
      const name = packageOf(file);
      packages[name] = packageVersion(name);
    } else sources[file] = sha256(join(root, file));
  }
  mkdirSync(cache, { recursive: true });
  // A unique name per build, written before the stamp that points to it: runs at the same time never see half a file.
  const bundle = `cli-${createHash('sha256').update(result.outputFiles[0].contents).digest('hex').slice(0, 16)}.cjs`;
  const tmp = join(cache, `.${process.pid}.tmp`);
  writeFileSync(tmp, result.outputFiles[0].contents);
  renameSync(tmp, join(cache, bundle));
  // The bundle names the package's folder (where the checksum threads' file is): moved, it is rebuilt.
  writeFileSync(tmp, JSON.stringify({ bundle, root, sources, packages }, null, 2));
  renameSync(tmp, join(cache, 'stamp.json'));
  for (const old of readdirSync(cache)) if (/^cli-[0-9a-f]{16}\.(mjs|cjs)(\.v8cache)?$/.test(old) && !old.startsWith(bundle)) rmSync(join(cache, old), { force: true });
  debug(`bundled the CLI into ${join(cache, bundle)}`);
}

// `verify` checksums a zip on worker threads. Started now, each thread boots (~30 ms) on another
// core while this one loads the CLI, instead of after it (lib/bundle/node-checksums.ts uses them;
// as many as it would start itself). They hold the process open only while they have work.
const checksumThreads =
  process.argv[2] === 'verify'
    ? Array.from({ length: Math.min(4, availableParallelism()) }, () => {
        const thread = new Worker(join(root, 'lib', 'bundle', 'node-checksum-worker.cjs'));
        thread.unref();
        return thread;
      })
    : undefined;

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
process.exitCode = await cli.main(process.argv.slice(2), undefined, { checksumThreads });
if (cli.saveCodeCache) {
  try {
    cli.saveCodeCache();
  } catch (err) {
    debug(`could not save the compiled code of the CLI: ${err?.message ?? err}`);
  }
}
if (fromSource && cache) {
  try {
    await build();
  } catch (err) {
    debug(`could not bundle the CLI: ${err?.message ?? err}`);
  }
}
