// The web page (web/): `node scripts/web.mjs serve` runs Vite's dev server with the cross-origin
// isolation headers (COOP/COEP, so the wasm kernels get their threads) and prints the address;
// `node scripts/web.mjs build` writes a static site to site/ with relative paths (it works from any
// folder or file server). The page loads the library itself from ./lib/: the compiled package (dist/),
// unbundled, so its Web Workers and wasm load as they do in any browser app.
import { cpSync, createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = join(root, 'dist');
const site = join(root, 'site');
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

if (!existsSync(join(dist, 'index.js'))) {
  console.error('web: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

const config = {
  root: join(root, 'web'),
  base: './',
  logLevel: 'info',
  clearScreen: false,
  build: {
    outDir: site,
    emptyOutDir: true,
    target: 'es2022',
    // Two pages: the one-convolution explorer and the training explorer.
    rollupOptions: { input: { main: join(root, 'web', 'index.html'), train: join(root, 'web', 'train.html') } },
  },
  server: { headers: ISOLATION, host: process.env.HOST ?? 'localhost', port: Number(process.env.PORT ?? 5173) },
  plugins: [
    {
      // Serves dist/ under /lib/ in the dev server.
      name: 'convgrad-lib',
      configureServer(server) {
        server.middlewares.use('/lib', (req, res, next) => {
          const file = normalize(join(dist, decodeURIComponent((req.url ?? '/').split('?')[0])));
          if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) return next();
          res.writeHead(200, { ...ISOLATION, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
          createReadStream(file).pipe(res);
        });
      },
    },
  ],
};

const mode = process.argv[2];
if (mode === 'build') {
  await build(config);
  rmSync(join(site, 'lib'), { recursive: true, force: true });
  cpSync(dist, join(site, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.d.ts') });
  console.log(
    `web: the static site is in ${site} (open it from any static file server; for threads, serve it with ${Object.entries(ISOLATION)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})`,
  );
} else if (mode === 'serve') {
  const server = await createServer(config);
  await server.listen();
  server.printUrls();
  console.log('web: serving with cross-origin isolation (COOP/COEP), so the wasm kernels run on threads; Ctrl+C stops');
} else {
  console.error('usage: node scripts/web.mjs serve|build');
  process.exit(1);
}
