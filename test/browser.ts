// What the browser tests share: Debian's Chromium (CI installs it; elsewhere the tests are skipped
// without it), launched headless, and a static file server with the cross-origin isolation headers.
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The skip option of a browser test: skipped without Chromium, except in CI, where it must run. */
export const skipWithoutChromium: string | false =
  !existsSync(executablePath) && process.env.CI !== 'true' ? `no Chromium at ${executablePath}` : false;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The headers that give a page SharedArrayBuffer (and so the wasm kernels their threads). */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } as const;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.png': 'image/png' };

export interface StaticServer {
  /** http://127.0.0.1:PORT/ */
  base: string;
  close(): void;
}

/**
 * Serves the files under `root` (index.html at /, or `pages['/']`), with the isolation headers; under
 * /plain/ the same paths come without them. `pages` maps exact paths to inline HTML.
 */
export async function serveFiles(root: string, pages: Record<string, string> = {}): Promise<StaticServer> {
  const server = createServer((req, res) => {
    let url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const plain = url.startsWith('/plain/');
    if (plain) url = url.slice('/plain'.length);
    const headers: Record<string, string> = plain ? {} : { ...ISOLATION };
    const page = pages[plain ? `/plain${url}` : url];
    if (page !== undefined) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(page);
      return;
    }
    const file = normalize(join(root, url === '/' ? 'index.html' : url));
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}
