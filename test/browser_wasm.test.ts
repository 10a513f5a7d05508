// The wasm backend in a browser: a cross-origin-isolated page (COOP/COEP headers) gets SharedArrayBuffer,
// so the kernels run with Web Workers over shared memory; a plain page runs them on one thread. Results
// equal the reference kernels.
// CI installs Debian's chromium (.ci/run); elsewhere the test is skipped when no Chromium is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launchChromium, serveFiles, skipWithoutChromium } from './browser.js';

const root = fileURLToPath(new URL('../', import.meta.url)); // build/

const PAGE = `<!doctype html><meta charset="utf-8"><body><script type="module">
import { F, getBackend, setBackend, setNumThreads, threadsReady, randn, grad, Generator } from '/src/index.js';
const out = { isolated: self.crossOriginIsolated, backend: getBackend() };
try {
  setNumThreads(2);
  out.threads = await threadsReady();
  const g = new Generator().manualSeed(3);
  const x = randn([4, 16, 20, 20], { generator: g, requiresGrad: true });
  const w = randn([24, 8, 3, 3], { generator: g, requiresGrad: true });
  const run = () => { const y = F.conv2d(x, w, null, { padding: 1, stride: [1, 2], groups: 2 }); return [y, ...grad(y.sum(), [x, w])]; };
  setBackend('wasm');
  const fast = run();
  setBackend('reference');
  const slow = run();
  let worst = 0;
  fast.forEach((t, i) => { let scale = 1e-6; for (const v of slow[i].data) scale = Math.max(scale, Math.abs(v)); for (let k = 0; k < t.data.length; k++) worst = Math.max(worst, Math.abs(t.data[k] - slow[i].data[k]) / scale); });
  out.worst = worst;
} catch (e) { out.error = String(e && e.stack || e); }
window.__result = out;
</script>`;

const PLAIN_PAGE = `<!doctype html><meta charset="utf-8"><body><script type="module">
import { backendInfo, getNumThreads, setNumThreads, setBackend, F, randn, Generator } from '/plain/src/index.js';
const info = backendInfo();
setNumThreads(2);
const out = { isolated: self.crossOriginIsolated, backend: info.backend, threads: getNumThreads(), reason: info.wasm.threadsReason };
const g = new Generator().manualSeed(1);
const x = randn([2, 8, 16, 16], { generator: g });
const w = randn([8, 8, 3, 3], { generator: g });
const fast = F.conv2d(x, w, null, { padding: 1 });
setBackend('reference');
const slow = F.conv2d(x, w, null, { padding: 1 });
let worst = 0;
for (let i = 0; i < fast.data.length; i++) worst = Math.max(worst, Math.abs(fast.data[i] - slow.data[i]));
out.worst = worst;
window.__result = out;
</script>`;

test('wasm backend with Web Workers in a cross-origin-isolated page equals the reference kernels', {
  skip: skipWithoutChromium,
}, async () => {
  // The pages inline; the library's files from build/; under /plain/ without the isolation headers.
  const server = await serveFiles(root, { '/': PAGE, '/plain/': PLAIN_PAGE });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(server.base);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60000 });
    const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as {
      isolated: boolean;
      backend: string;
      threads?: number;
      worst?: number;
      error?: string;
    };
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.isolated, true);
    assert.equal(result.backend, 'wasm');
    assert.equal(result.threads, 2, 'the Web Worker started');
    assert.ok(result.worst !== undefined && result.worst < 1e-5, `worst relative difference ${result.worst}`);
    // Without cross-origin isolation there is no SharedArrayBuffer: the wasm kernels on one thread, and a clear reason.
    await page.goto(`${server.base}plain/`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60000 });
    const plain = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as {
      isolated: boolean;
      backend: string;
      threads: number;
      reason: string;
      worst: number;
    };
    assert.equal(plain.isolated, false);
    assert.equal(plain.backend, 'wasm', 'the wasm kernels run on a plain memory');
    assert.equal(plain.threads, 1);
    assert.match(
      plain.reason,
      /SharedArrayBuffer is unavailable \(a browser page needs cross-origin isolation: COOP\/COEP headers\), so the wasm kernels run on one thread/,
    );
    assert.ok(plain.worst < 1e-3, `worst difference ${plain.worst}`);
  } finally {
    await browser.close();
    server.close();
  }
});
