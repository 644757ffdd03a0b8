// Serves the console fixture pages over HTTPS on 127.0.0.1 and tells Chromium to resolve the
// consoles' real host names to it, so detectors see real URLs (https://github.com/acme/api/…)
// while nothing but 127.0.0.1 is ever contacted. The certificate is self-signed, made with the
// system's openssl for each run; Chromium is told to ignore certificate errors.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { CONSOLE_FIXTURES, FRAME_HOST, TABLES_PAGE_URL } from '../fixtures/consoles/fixtures';

const ROOT = resolve(import.meta.dirname, '../fixtures/consoles');

export interface ConsoleServer {
  port: number;
  /** Chromium flags that send the fixture hosts to this server and accept its certificate. */
  chromiumArgs: string[];
  close(): Promise<void>;
}

function selfSignedCertificate(hosts: string[]): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'exhibit-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
        '-subj', '/CN=Exhibit console fixtures',
        '-addext', `subjectAltName=${hosts.map((h) => `DNS:${h}`).join(',')}`,
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  // Each console host serves its fixture page whatever the path, query or fragment: detectors
  // read those from the URL, the page supplies the DOM. The *.exhibit.test hosts serve by path.
  const pageByHost = new Map(CONSOLE_FIXTURES.map((f) => [new URL(f.url).hostname, `${f.id}.html`]));
  const pathHosts = [new URL(TABLES_PAGE_URL).hostname, FRAME_HOST];
  const hosts = [...pageByHost.keys(), ...pathHosts];
  const server: Server = createServer(selfSignedCertificate(hosts), async (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const url = new URL(req.url ?? '/', 'https://fixture.invalid');
    let file = pageByHost.get(host);
    if (!file && pathHosts.includes(host)) file = url.pathname.replace(/^\/+/, '');
    const path = file ? normalize(join(ROOT, file)) : '';
    if (!file || !path.startsWith(ROOT) || !path.endsWith('.html')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  // Every other name fails to resolve, so a fixture can never reach past this machine.
  const rules = [...hosts.map((h) => `MAP ${h} 127.0.0.1:${port}`), 'MAP * ~NOTFOUND', 'EXCLUDE 127.0.0.1'].join(', ');
  return {
    port,
    chromiumArgs: [`--host-resolver-rules=${rules}`, '--ignore-certificate-errors'],
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
