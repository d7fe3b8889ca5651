/**
 * `kitseg serve`: the web page and one bundle over HTTP on the loopback interface only. Paths
 * resolve inside their folder (no `..` escapes); everything else is 404.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { IoError } from '../core/errors.js';
import { MANIFEST_FILE } from '../bundle/manifest.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file `urlPath` names under `root`, or null when it is outside it or not a file. */
function inside(root: string, urlPath: string): string | null {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, '');
  const p = join(root, rel === '' ? 'index.html' : rel);
  if (p !== root && !p.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  return existsSync(p) && statSync(p).isFile() ? p : null;
}

export interface ServeOptions {
  readonly page: string;
  readonly bundle: string;
  readonly port: number;
  readonly host?: string;
}

/** Starts the server; resolves once it listens, with the URL of the page. */
export async function serveWebPage(o: ServeOptions): Promise<{ server: Server; url: string }> {
  if (!existsSync(join(o.page, 'index.html')))
    throw new IoError('no built web page here: run `npm run build:web`', o.page);
  if (!existsSync(join(o.bundle, MANIFEST_FILE)))
    throw new IoError(`not a kitseg bundle: no ${MANIFEST_FILE}`, o.bundle);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.startsWith('/bundle/')
      ? inside(o.bundle, path.slice('/bundle/'.length))
      : inside(o.page, path);
    if (req.method !== 'GET' || file === null) {
      res.writeHead(req.method === 'GET' ? 404 : 405, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : o.port;
  return { server, url: `http://${host}:${port}/` };
}
