// A real single-node Ceph RADOS Gateway on 127.0.0.1 for sync tests and the sync benchmark
// (shared/notes/s3-test-server.md): monitor → storage daemon (memstore) → gateway → user, all state
// under one temporary folder, stopped by pid file with every daemon waited for before the folder
// is removed. It verifies SigV4 signatures, payload hashes and Content-MD5, honours
// If-None-Match and Object Lock: the things a fake S3 would let a broken sync get away with.
//
// Run alone: `npx tsx test/support/rgw.ts` starts one and prints its endpoint until Ctrl-C.
import { spawn } from 'node:child_process';
import { randomUUID, createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AwsClient } from 'aws4fetch';

export const RGW_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd'] as const;
const BINARIES = ['ceph-authtool', 'monmaptool', 'ceph-mon', 'ceph-osd', 'ceph', 'radosgw', 'radosgw-admin'] as const;
const DAEMONS = ['client.rgw.a', 'osd.0', 'mon.a'] as const;
type Daemon = (typeof DAEMONS)[number];

export interface RgwOptions {
  /** Ports default to free ones (RGW_MON_PORT / RGW_PORT override), so runs never collide. */
  monPort?: number;
  port?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Print each step's timing on stderr. */
  verbose?: boolean;
}

export interface S3Response {
  status: number;
  headers: Headers;
  body: Uint8Array;
  text: string;
}

export interface RgwServer {
  endpoint: string;
  /** Host name for virtual-host addressing (`<bucket>.localhost`, which Chromium resolves to loopback). */
  virtualHostEndpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stateDir: string;
  /** A signed S3 request with the admin credentials (payload hash and Content-MD5 set). */
  request(method: string, path: string, init?: { body?: Uint8Array | string; headers?: Record<string, string> }): Promise<S3Response>;
  createBucket(name: string, options?: { objectLock?: boolean }): Promise<void>;
  /** Every key under a prefix with its size (ListObjectsV2, all pages). */
  listKeys(bucket: string, prefix?: string): Promise<{ key: string; size: number }[]>;
  /** Overwrites or creates an object as an outsider with bucket access would (no If-None-Match). */
  putObject(bucket: string, key: string, body: Uint8Array | string, contentType?: string): Promise<void>;
  getObject(bucket: string, key: string): Promise<Uint8Array>;
  /** Stops only the gateway (SIGKILL: a crash, or SIGTERM: an orderly stop); monitor and data stay. */
  stopGateway(signal?: NodeJS.Signals): Promise<void>;
  startGateway(): Promise<void>;
  stop(): Promise<void>;
}

export function rgwInstalled(): boolean {
  return BINARIES.every((b) => ['/usr/bin', '/usr/sbin', '/usr/local/bin'].some((dir) => existsSync(join(dir, b))));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a command to its end. Daemons fork and their parent exits: for them (`daemon`), output goes
 * to the log only and the parent's exit is the end, since the forked daemon keeps inherited pipes open.
 */
function run(cmd: string, args: string[], logFile: string, timeoutMs = 60_000, daemon = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const out = openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', daemon ? out : 'pipe', out] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      closeSync(out);
      reject(err);
    });
    child.on(daemon ? 'exit' : 'close', (code, signal) => {
      clearTimeout(timer);
      closeSync(out);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ? `killed by ${signal}${signal === 'SIGKILL' ? ' after timeout' : ''}` : `exit ${code}`}); see ${logFile}`));
    });
  });
}

/** True once the process is gone (or a zombie nobody reaps: it holds no ports or files). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Ceph RGW: timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const md5Base64 = (b: Uint8Array | string) => createHash('md5').update(b).digest('base64');
const encodeKey = (key: string) => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
const xmlDecode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

export async function startRgw(options: RgwOptions = {}): Promise<RgwServer> {
  if (!rgwInstalled()) {
    throw new Error(
      `Ceph RGW is not installed, and sync tests need the real server: apt-get install -y --no-install-recommends ${RGW_PACKAGES.join(' ')}`,
    );
  }
  const t0 = Date.now();
  const step = (what: string) => options.verbose && process.stderr.write(`rgw: ${what} at ${Date.now() - t0} ms\n`);
  const monPort = options.monPort ?? (Number(process.env.RGW_MON_PORT) || (await freePort()));
  const port = options.port ?? (Number(process.env.RGW_PORT) || (await freePort()));
  const accessKeyId = options.accessKeyId ?? 'EXHIBITTESTACCESSKEY';
  const secretAccessKey = options.secretAccessKey ?? 'exhibit-test-secret-key-0123456789abcdef';
  const dir = mkdtempSync(join(tmpdir(), 'exhibit-rgw-'));
  for (const sub of ['run', 'log', 'mon', 'osd/ceph-0', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
  const conf = join(dir, 'ceph.conf');
  const log = join(dir, 'log', 'setup.log');
  const fsid = randomUUID();
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd pool default pg autoscale mode = off
paxos propose interval = 0.05
paxos min wait = 0.01
# A killed gateway's cache watch would hold every bucket change for 30 s until it times out.
osd client watch timeout = 3
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
keyring = ${dir}/keyring
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${port}
rgw data = ${dir}/rgw
rgw dns name = localhost
`,
  );
  const pidFile = (d: Daemon) => join(dir, 'run', `${d}.pid`);
  const readPid = (d: Daemon): number | undefined => {
    try {
      const pid = Number(readFileSync(pidFile(d), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const known = new Set<number>();
  const startDaemon = async (d: Daemon, cmd: string, args: string[]) => {
    rmSync(pidFile(d), { force: true });
    await run(cmd, ['-c', conf, ...args], log, 30_000, true);
    known.add(await waitFor(`${d} pid file`, async () => readPid(d), 10_000, 25));
  };
  const stopDaemon = async (d: Daemon, signal: NodeJS.Signals = 'SIGTERM') => {
    const pid = readPid(d);
    if (pid === undefined || exited(pid)) return;
    process.kill(pid, signal);
    const started = Date.now();
    const deadline = started + 20_000;
    while (!exited(pid)) {
      if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
      await sleep(25);
    }
    known.delete(pid);
    if (options.verbose) process.stderr.write(`rgw: ${d} stopped (${signal}) after ${Date.now() - started} ms\n`);
  };
  // A crashed test process must not leave daemons behind.
  const killAll = () => {
    for (const pid of known) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.once('exit', killAll);

  const endpoint = `http://127.0.0.1:${port}`;
  const admin = new AwsClient({ accessKeyId, secretAccessKey, service: 's3', region: 'us-east-1', retries: 0 });
  const gatewayUp = () =>
    waitFor('the gateway to answer HTTP', async () => ((await fetch(endpoint, { signal: AbortSignal.timeout(1000) })).ok ? true : undefined), 60_000, 100);

  const stopAll = async () => {
    // In order: a gateway whose storage daemon is already gone hangs in shutdown.
    await stopDaemon('client.rgw.a');
    await stopDaemon('osd.0');
    await stopDaemon('mon.a');
  };

  try {
    await run('ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *'], log);
    await run('monmaptool', ['--create', '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')], log);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap')], log);
    await startDaemon('mon.a', 'ceph-mon', ['-i', 'a']);
    await waitFor(
      'the monitor to form a quorum',
      async () => (/quorum 0 a/.test(await run('ceph', ['-c', conf, '--connect-timeout', '5', 'mon', 'stat'], log, 10_000)) ? true : undefined),
      30_000,
      100,
    );
    step('monitor in quorum');
    await run('ceph-osd', ['-c', conf, '-i', '0', '--mkfs'], log, 30_000);
    // A storage daemon that asks the monitor for its crush entry before it has the monitor's map
    // sends an empty cluster id and exits ("wrong fsid"); a second start gets the map first.
    for (let attempt = 1; ; attempt++) {
      try {
        await startDaemon('osd.0', 'ceph-osd', ['-i', '0']);
        break;
      } catch (err) {
        await stopDaemon('osd.0', 'SIGKILL');
        if (attempt === 4) throw err;
        step(`storage daemon start ${attempt} failed, retrying`);
      }
    }
    await waitFor(
      'the storage daemon to be up',
      async () => (/1 up/.test(await run('ceph', ['-c', conf, '--connect-timeout', '5', 'osd', 'stat'], log, 10_000)) ? true : undefined),
      60_000,
      200,
    );
    step('storage daemon up');
    await startDaemon('client.rgw.a', 'radosgw', ['-n', 'client.rgw.a']);
    await gatewayUp();
    step('gateway answering');
    await run('radosgw-admin', ['-c', conf, 'user', 'create', '--uid=exhibit-test', '--display-name=Exhibit tests', `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`], log, 30_000);
    step('user created');
  } catch (err) {
    await stopAll().catch(() => undefined);
    const tail = ['setup.log', 'mon.a.log', 'osd.0.log', 'client.rgw.a.log']
      .map((f) => {
        try {
          return `--- ${f}\n${readFileSync(join(dir, 'log', f), 'utf8').split('\n').slice(-15).join('\n')}`;
        } catch {
          return '';
        }
      })
      .join('\n');
    if (!process.env.RGW_KEEP_STATE) rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not start Ceph RGW: ${(err as Error).message}\n${tail}`);
  }

  const request: RgwServer['request'] = async (method, path, init = {}) => {
    const body = typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body;
    const headers: Record<string, string> = { 'x-amz-content-sha256': sha256Hex(body ?? ''), ...(body ? { 'content-md5': md5Base64(body) } : {}), ...init.headers };
    const res = await admin.fetch(`${endpoint}${path}`, { method, headers, body: body as BodyInit | undefined, aws: { allHeaders: true } });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body: bytes, text: new TextDecoder().decode(bytes) };
  };
  const ensure = (what: string, res: S3Response, ok = (s: number) => s >= 200 && s < 300) => {
    if (!ok(res.status)) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  };

  return {
    endpoint,
    virtualHostEndpoint: `http://localhost:${port}`,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    stateDir: dir,
    request,
    async createBucket(name, opts = {}) {
      ensure(`create bucket ${name}`, await request('PUT', `/${name}`, { headers: opts.objectLock ? { 'x-amz-bucket-object-lock-enabled': 'true' } : {} }));
    },
    async listKeys(bucket, prefix = '') {
      const keys: { key: string; size: number }[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
        const xml = ensure(`list ${bucket}`, await request('GET', `/${bucket}?${q.toString().replace(/\+/g, '%20')}`)).text;
        for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          keys.push({ key: xmlDecode(/<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)![1]!), size: Number(/<Size>(\d+)<\/Size>/.exec(m[1]!)![1]) });
        }
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? xmlDecode(/<NextContinuationToken>([\s\S]*?)<\/NextContinuationToken>/.exec(xml)![1]!) : undefined;
      } while (token);
      return keys;
    },
    async putObject(bucket, key, body, contentType = 'application/octet-stream') {
      ensure(`put ${key}`, await request('PUT', `/${bucket}/${encodeKey(key)}`, { body, headers: { 'content-type': contentType } }));
    },
    async getObject(bucket, key) {
      return ensure(`get ${key}`, await request('GET', `/${bucket}/${encodeKey(key)}`)).body;
    },
    async stopGateway(signal = 'SIGKILL') {
      await stopDaemon('client.rgw.a', signal);
    },
    async startGateway() {
      await startDaemon('client.rgw.a', 'radosgw', ['-n', 'client.rgw.a']);
      await gatewayUp();
    },
    async stop() {
      await stopAll();
      process.removeListener('exit', killAll);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startRgw({ verbose: true });
  process.stdout.write(
    `Ceph RGW ready\n  endpoint   ${server.endpoint}\n  region     ${server.region}\n  access key ${server.accessKeyId}\n  secret     ${server.secretAccessKey}\n  state      ${server.stateDir}\nCtrl-C stops it.\n`,
  );
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
