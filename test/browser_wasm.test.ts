// The wasm backend in a browser: a cross-origin-isolated page (COOP/COEP headers) gets SharedArrayBuffer,
// so the kernels run with Web Workers over shared memory; a plain page runs them on one thread. Results
// equal the reference kernels, and the split jobs (relu, BatchNorm's backward) the single calls' bits.
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
  // Split jobs (relu, BatchNorm's backward) on the Web Worker: the single call's bits.
  const { splitKernels } = await import('/src/kernels/wasm/split.js');
  const { generatedKernels } = await import('/src/kernels/wasm/kernels.generated.js');
  const [outer, channels, inner] = [4, 16, 64 * 64];
  const n = outer * channels * inner;
  const xs = randn([n], { generator: g }).data, dys = randn([n], { generator: g }).data;
  const stats = () => Float64Array.from({ length: channels }, (_, c) => 0.5 + c / 9);
  const s = { outer, channels, inner, flags: { inputGrad: true, training: true } };
  const pair = () => [new Float32Array(n), new Float64Array(channels), new Float64Array(channels)];
  const [ya, yb] = [new Float32Array(n), new Float32Array(n)];
  const [a, b] = [pair(), pair()];
  out.split = [
    splitKernels.relu(xs, ya),
    splitKernels.batchNormBackward(dys, xs, a[0], stats(), stats(), stats(), a[1], a[2], s),
  ];
  generatedKernels.relu(xs, yb);
  generatedKernels.batchNormBackward(dys, xs, b[0], stats(), stats(), stats(), b[1], b[2], s);
  let differ = 0;
  for (let i = 0; i < n; i++) differ += Object.is(ya[i], yb[i]) && Object.is(a[0][i], b[0][i]) ? 0 : 1;
  for (let c = 0; c < channels; c++) differ += Object.is(a[1][c], b[1][c]) && Object.is(a[2][c], b[2][c]) ? 0 : 1;
  out.splitDiffer = differ;
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
      split?: boolean[];
      splitDiffer?: number;
      error?: string;
    };
    assert.equal(result.error, undefined, result.error);
    assert.equal(result.isolated, true);
    assert.equal(result.backend, 'wasm');
    assert.equal(result.threads, 2, 'the Web Worker started');
    assert.ok(result.worst !== undefined && result.worst < 1e-5, `worst relative difference ${result.worst}`);
    assert.deepEqual(result.split, [true, true], 'the split jobs ran on the threads');
    assert.equal(result.splitDiffer, 0, 'split jobs give the single-call bits');
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
