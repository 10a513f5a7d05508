// The web page (web/): `node scripts/web.mjs serve` runs Vite's dev server with the cross-origin
// isolation headers (COOP/COEP, so the wasm kernels get their threads) and prints the address;
// `node scripts/web.mjs build` writes a static site to site/ with relative paths (it works from any
// folder or file server). The page loads the library itself from ./lib/: the compiled package (dist/),
// unbundled, so its Web Workers and wasm load as they do in any browser app. The build also writes the
// API reference to site/api/ with TypeDoc (typedoc.json), failing on any undocumented export or broken
// {@link}; `node scripts/web.mjs api` writes only that.
import { spawnSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createServer } from 'vite';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const dist = join(root, 'dist');
const site = join(root, 'site');
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const TYPES = {
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

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
      // Serves dist/ under /lib/ in the dev server, and the API reference (built by `api`) under /api/.
      name: 'convgrad-lib',
      configureServer(server) {
        const serveFolder = (folder) => (req, res, next) => {
          let file = normalize(join(folder, decodeURIComponent((req.url ?? '/').split('?')[0])));
          if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
          if (!file.startsWith(folder) || !existsSync(file) || !statSync(file).isFile()) return next();
          res.writeHead(200, { ...ISOLATION, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
          createReadStream(file).pipe(res);
        };
        server.middlewares.use('/lib', serveFolder(dist));
        server.middlewares.use('/api', serveFolder(join(site, 'api')));
      },
    },
  ],
};

/** TypeDoc over src/index.ts into site/api/ (typedoc.json treats every warning as an error); exits on failure. */
function buildApiReference() {
  const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const run = spawnSync(process.execPath, [typedoc, '--options', join(root, 'typedoc.json')], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error('web: the API reference did not build (TypeDoc above names each undocumented export or broken link)');
    process.exit(1);
  }
  console.log(`web: the API reference is in ${join(site, 'api')}`);
}

const mode = process.argv[2];
if (mode === 'api') {
  buildApiReference();
} else if (mode === 'build') {
  await build(config);
  rmSync(join(site, 'lib'), { recursive: true, force: true });
  cpSync(dist, join(site, 'lib'), { recursive: true, filter: (src) => !src.endsWith('.d.ts') });
  buildApiReference();
  console.log(
    `web: the static site is in ${site} (open it from any static file server; for threads, serve it with ${Object.entries(ISOLATION)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')})`,
  );
} else if (mode === 'serve') {
  buildApiReference();
  const server = await createServer(config);
  await server.listen();
  server.printUrls();
  console.log('web: serving with cross-origin isolation (COOP/COEP), so the wasm kernels run on threads; Ctrl+C stops');
} else {
  console.error('usage: node scripts/web.mjs serve|build|api');
  process.exit(1);
}
