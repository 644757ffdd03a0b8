// Serves the fixture pages on 127.0.0.1 only. Some routes make hostile pages on demand.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';

const ROOT = resolve(import.meta.dirname, '../fixtures/pages');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
};

export interface FixtureServer {
  origin: string;
  url(path: string): string;
  close(): Promise<void>;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export async function startFixtureServer(port = 0): Promise<FixtureServer> {
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/titled') {
      // A page whose <title> is exactly the `title` parameter, repeated `repeat` times.
      const title = (url.searchParams.get('title') ?? '').repeat(Number(url.searchParams.get('repeat') ?? '1'));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body style="font:16px sans-serif;padding:24px"><h1>Titled fixture</h1><p>${escapeHtml(title.slice(0, 200))}</p></body></html>`);
      return;
    }
    if (url.pathname === '/tall-page.html') {
      // A plain page exactly `height` CSS pixels tall, striped so stitching errors show.
      const height = Math.min(200_000, Math.max(100, Number(url.searchParams.get('height') ?? '20000')));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Tall page</title><style>html,body{margin:0}body{height:${height}px;background:repeating-linear-gradient(#ffffff 0 100px,#dbeafe 100px 200px)}</style></head><body></body></html>`);
      return;
    }
    const path = normalize(join(ROOT, url.pathname === '/' ? 'sample-console.html' : decodeURIComponent(url.pathname)));
    if (!path.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path.startsWith('/') ? path : `/${path}`}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
