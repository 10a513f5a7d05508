// Every fast kernel against the reference kernels: thousands of random geometries over every option
// (1-3 d, stride, dilation, padding, groups incl. depthwise, sizes off the SIMD width and tile), all
// three passes, thread counts 1-4; then whole ops (padding modes, transposed, bias) on both backends.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  F,
  getBackend,
  getNumThreads,
  grad,
  randn,
  setBackend,
  setNumThreads,
  threadsReady,
  Generator,
  type Tensor,
} from '../src/index.js';
import * as reference from '../src/kernels/reference/conv.js';
import { matmul as referenceMatmul } from '../src/kernels/reference/matmul.js';
import { matmul64 } from '../src/kernels/wasm/conv64.js';
import { convKernels } from '../src/kernels/index.js';
import { wasmRuntime } from '../src/kernels/wasm/runtime.js';
import { setThreadsMinMacsForTesting } from '../src/kernels/wasm/conv_job.js';
import type { ConvGeometry } from '../src/tensor/conv_params.js';
import type { Storage } from '../src/tensor/tensor.js';
import { lcg, randInt } from './helpers.js';

const available = wasmRuntime() !== null;
/** The wasm conv kernels, each handing what it does not take (tiny convs) to the reference kernel as the registry does. */
const fastKernels = convKernels('wasm');

function randomGeometry(next: () => number): ConvGeometry {
  const dims = randInt(next, 1, 3);
  const groups = randInt(next, 1, 3);
  const depthwise = next() < 0.25;
  const g: ConvGeometry = {
    batch: randInt(next, 1, 3),
    groups,
    xChannels: depthwise ? groups : groups * randInt(next, 1, 6),
    yChannels: depthwise ? groups : groups * randInt(next, 1, 7),
    xSize: [],
    ySize: [],
    kSize: [],
    stride: [],
    padding: [],
    dilation: [],
  };
  const maxLen = [40, 13, 7][dims - 1];
  for (let i = 0; i < dims; i++) {
    const k = randInt(next, 1, dims === 3 ? 3 : 5);
    const s = randInt(next, 1, 3);
    const d = randInt(next, 1, 3);
    const p = randInt(next, 0, 3);
    const span = d * (k - 1) + 1;
    const L = randInt(next, Math.max(1, span - 2 * p), Math.max(Math.max(1, span - 2 * p), maxLen));
    (g.kSize as number[]).push(k);
    (g.stride as number[]).push(s);
    (g.dilation as number[]).push(d);
    (g.padding as number[]).push(p);
    (g.xSize as number[]).push(L);
    (g.ySize as number[]).push(Math.floor((L + 2 * p - span) / s) + 1);
  }
  return g;
}

const prod = (a: readonly number[]): number => a.reduce((x, y) => x * y, 1);

function compare(name: string, a: Storage, b: Storage, g: ConvGeometry, threads: number): void {
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  const tolerance = a instanceof Float64Array ? 1e-13 : 1e-5;
  for (let j = 0; j < a.length; j++) {
    if (!(a[j] === b[j] || Math.abs(a[j] - b[j]) <= tolerance * scale || (Number.isNaN(a[j]) && Number.isNaN(b[j])))) {
      assert.fail(`${name} with ${threads} threads differs at ${j}: ${a[j]} vs reference ${b[j]} for ${JSON.stringify(g)}`);
    }
  }
}

/** Runs the three passes on random data with both kernels and compares; returns the number of passes checked. */
function compareAllPasses(g: ConvGeometry, threads: number, next: () => number, f64 = false): number {
  const rnd = (n: number): Storage =>
    f64 ? Float64Array.from({ length: n }, () => next() * 2 - 1) : Float32Array.from({ length: n }, () => next() * 2 - 1);
  const like = (n: number): Storage => (f64 ? new Float64Array(n) : new Float32Array(n));
  const X = g.batch * g.xChannels * prod(g.xSize);
  const Y = g.batch * g.yChannels * prod(g.ySize);
  const W = (g.yChannels * g.xChannels * prod(g.kSize)) / g.groups;
  const x = rnd(X);
  const w = rnd(W);
  const dy = rnd(Y);
  const b = rnd(g.yChannels);
  const passes: [string, (o: Storage) => void, (o: Storage) => void, number][] = [
    ['forward', (o) => fastKernels.convForward(x, w, o, g), (o) => reference.convForward(x, w, o, g), Y],
    ['forward with bias', (o) => fastKernels.convForwardBias(x, w, b, o, g), (o) => reference.convForwardBias(x, w, b, o, g), Y],
    ['gradInput', (o) => fastKernels.convGradInput(dy, w, o, g), (o) => reference.convGradInput(dy, w, o, g), X],
    ['gradWeight', (o) => fastKernels.convGradWeight(x, dy, o, g), (o) => reference.convGradWeight(x, dy, o, g), W],
  ];
  for (const [name, fast, slow, n] of passes) {
    const a = like(n).fill(NaN);
    const b = like(n);
    fast(a);
    slow(b);
    compare(name, a, b, g, threads);
  }
  return passes.length;
}

test('wasm kernels equal the reference kernels on 1600 random geometries × 4 passes, threads 1-4', {
  skip: !available && 'no WebAssembly SIMD here',
}, () => {
  const next = lcg(2024);
  const before = getNumThreads();
  let checked = 0;
  // Every job of two tasks or more on the threads, however small (by default small jobs run on one).
  setThreadsMinMacsForTesting(0);
  try {
    for (const threads of [1, 2, 3, 4]) {
      setNumThreads(threads);
      for (let i = 0; i < 400; i++) checked += compareAllPasses(randomGeometry(next), threads, next);
    }
  } finally {
    setNumThreads(before);
    setThreadsMinMacsForTesting(null);
  }
  assert.equal(checked, 4 * 400 * 4);
});

test('wasm kernels equal the reference kernels on larger geometries that run on several threads (depthwise streaming, direct, scatter, GEMM, windows read in place)', {
  skip: !available && 'no WebAssembly SIMD here',
}, async () => {
  const next = lcg(99);
  const geometries: ConvGeometry[] = [
    {
      batch: 4,
      groups: 32,
      xChannels: 32,
      yChannels: 32,
      xSize: [40, 37],
      ySize: [40, 37],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
    },
    {
      batch: 3,
      groups: 24,
      xChannels: 24,
      yChannels: 24,
      xSize: [33, 30],
      ySize: [16, 14],
      kSize: [3, 3],
      stride: [2, 2],
      padding: [0, 0],
      dilation: [1, 1],
    },
    {
      batch: 2,
      groups: 16,
      xChannels: 16,
      yChannels: 16,
      xSize: [30, 30],
      ySize: [26, 26],
      kSize: [5, 5],
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
    },
    {
      batch: 8,
      groups: 1,
      xChannels: 1,
      yChannels: 6,
      xSize: [28, 28],
      ySize: [28, 28],
      kSize: [5, 5],
      stride: [1, 1],
      padding: [2, 2],
      dilation: [1, 1],
    },
    {
      batch: 8,
      groups: 1,
      xChannels: 6,
      yChannels: 16,
      xSize: [14, 14],
      ySize: [10, 10],
      kSize: [5, 5],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
    },
    {
      batch: 2,
      groups: 2,
      xChannels: 16,
      yChannels: 32,
      xSize: [6, 9, 10],
      ySize: [3, 5, 5],
      kSize: [3, 3, 3],
      stride: [2, 2, 2],
      padding: [1, 1, 1],
      dilation: [1, 1, 1],
    },
    { batch: 3, groups: 1, xChannels: 3, yChannels: 20, xSize: [50], ySize: [46], kSize: [3], stride: [1], padding: [0], dilation: [2] },
    // The direct weight gradient's four-taps-at-a-time rows (one input channel per group, W stride and dilation 1).
    {
      batch: 3,
      groups: 2,
      xChannels: 2,
      yChannels: 6,
      xSize: [12, 19],
      ySize: [12, 16],
      kSize: [3, 4],
      stride: [1, 1],
      padding: [1, 0],
      dilation: [1, 1],
    },
    { batch: 4, groups: 1, xChannels: 1, yChannels: 8, xSize: [70], ySize: [64], kSize: [7], stride: [1], padding: [0], dilation: [1] },
    {
      batch: 2,
      groups: 1,
      xChannels: 1,
      yChannels: 4,
      xSize: [5, 8, 11],
      ySize: [3, 6, 8],
      kSize: [3, 3, 4],
      stride: [1, 1, 1],
      padding: [0, 0, 0],
      dilation: [1, 1, 1],
    },
    // Depthwise 3-wide kernels read straight from unpadded planes: edges, dilation, a narrow width, 1-d.
    {
      batch: 4,
      groups: 8,
      xChannels: 8,
      yChannels: 8,
      xSize: [9, 5],
      ySize: [5, 5],
      kSize: [3, 3],
      stride: [2, 1],
      padding: [1, 2],
      dilation: [1, 2],
    },
    {
      batch: 4,
      groups: 8,
      xChannels: 8,
      yChannels: 8,
      xSize: [7, 3],
      ySize: [7, 5],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [1, 2],
      dilation: [1, 1],
    },
    { batch: 6, groups: 12, xChannels: 12, yChannels: 12, xSize: [37], ySize: [37], kSize: [3], stride: [1], padding: [1], dilation: [1] },
    // Output rows of whole runs of 4 (stride 1 along them): the forward GEMM reads the windows in place
    // from the strip. Row stride 2, groups, a chunk ending half a tile early (60 positions), dilation
    // with asymmetric padding, 1-d, and a ResNet stage.
    {
      batch: 3,
      groups: 2,
      xChannels: 4,
      yChannels: 10,
      xSize: [9, 12],
      ySize: [5, 12],
      kSize: [3, 3],
      stride: [2, 1],
      padding: [1, 1],
      dilation: [1, 1],
    },
    {
      batch: 2,
      groups: 1,
      xChannels: 3,
      yChannels: 7,
      xSize: [10, 20],
      ySize: [10, 16],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [2, 0],
      dilation: [2, 2],
    },
    { batch: 5, groups: 1, xChannels: 3, yChannels: 9, xSize: [28], ySize: [28], kSize: [3], stride: [1], padding: [1], dilation: [1] },
    // Rows not of whole runs of 4, up to 32 channels: by output rows, the GEMM turned round (gemmPixels:
    // tiles of 4 pixels × 8 channels, a lone 4-channel panel last, pixel lists padded to 4 and tails
    // stored in part): 6 channels on 5-wide rows, 3 per group, 13 (a second tile of 5) and 20 (8, 8, 4).
    {
      batch: 2,
      groups: 1,
      xChannels: 5,
      yChannels: 6,
      xSize: [7, 9],
      ySize: [5, 5],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 2],
    },
    {
      batch: 3,
      groups: 3,
      xChannels: 6,
      yChannels: 9,
      xSize: [11, 14],
      ySize: [6, 14],
      kSize: [2, 3],
      stride: [2, 1],
      padding: [1, 1],
      dilation: [1, 1],
    },
    {
      batch: 2,
      groups: 1,
      xChannels: 6,
      yChannels: 13,
      xSize: [9, 12],
      ySize: [7, 10],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
    },
    {
      batch: 3,
      groups: 1,
      xChannels: 4,
      yChannels: 20,
      xSize: [6, 7],
      ySize: [5, 5],
      kSize: [2, 3],
      stride: [1, 1],
      padding: [0, 0],
      dilation: [1, 1],
    },
    {
      batch: 4,
      groups: 1,
      xChannels: 16,
      yChannels: 16,
      xSize: [16, 16],
      ySize: [16, 16],
      kSize: [3, 3],
      stride: [1, 1],
      padding: [1, 1],
      dilation: [1, 1],
    },
  ];
  const before = getNumThreads();
  setThreadsMinMacsForTesting(0);
  try {
    for (const threads of [2, 3]) {
      setNumThreads(threads);
      assert.equal(await threadsReady(), threads, 'the workers started');
      for (const g of geometries) compareAllPasses(g, threads, next);
    }
  } finally {
    setNumThreads(before);
    setThreadsMinMacsForTesting(null);
  }
});

test('ops give the same results on both backends: padding modes, transposed, bias, 1-3 d (float32)', {
  skip: !available && 'no WebAssembly SIMD here',
}, () => {
  const next = lcg(77);
  const gen = new Generator().manualSeed(77);
  const modes = ['zeros', 'reflect', 'replicate', 'circular'] as const;
  try {
    for (let i = 0; i < 120; i++) {
      const dims = randInt(next, 1, 3);
      const transposed = next() < 0.3;
      const groups = randInt(next, 1, 2);
      const cin = groups * randInt(next, 1, 8);
      const cout = groups * randInt(next, 1, 8);
      const k = randInt(next, 1, 3);
      const L = [24, 10, 6][dims - 1];
      const x = randn([2, cin, ...new Array<number>(dims).fill(L)], { generator: gen, requiresGrad: true });
      const w = randn(
        transposed ? [cin, cout / groups, ...new Array<number>(dims).fill(k)] : [cout, cin / groups, ...new Array<number>(dims).fill(k)],
        { generator: gen, requiresGrad: true },
      );
      const b = randn([cout], { generator: gen, requiresGrad: true });
      const stride = randInt(next, 1, 2);
      const run = (): Tensor[] => {
        const fns = transposed ? [F.convTranspose1d, F.convTranspose2d, F.convTranspose3d] : null;
        const y = fns
          ? fns[dims - 1](x, w, b, { stride, padding: 1, groups, outputPadding: stride - 1 })
          : [F.conv1d, F.conv2d, F.conv3d][dims - 1](x, w, b, {
              stride,
              padding: 1,
              groups,
              paddingMode: modes[i % 4],
              dilation: randInt(lcg(i), 1, 2),
            });
        const dy = randn(y.shape as number[], { generator: new Generator().manualSeed(i) });
        return [y, ...(grad(y, [x, w, b], { gradOutputs: [dy] }) as Tensor[])];
      };
      setBackend('wasm');
      const fast = run();
      setBackend('reference');
      const slow = run();
      fast.forEach((t, j) => {
        let scale = 1e-6;
        for (const v of slow[j].data) scale = Math.max(scale, Math.abs(v));
        for (let e = 0; e < t.numel; e++)
          assert.ok(Math.abs(t.data[e] - slow[j].data[e]) <= 1e-5 * scale, `config ${i}, output ${j}, element ${e}`);
      });
    }
  } finally {
    setBackend('wasm');
  }
});

test('without SharedArrayBuffer the wasm kernels run on a plain memory, one thread, and say why', () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = `
    delete globalThis.SharedArrayBuffer;
    const { backendInfo, getNumThreads, setNumThreads, setBackend, F, randn, Generator } = await import(${JSON.stringify(index)});
    setNumThreads(4);
    const g = new Generator().manualSeed(2);
    const x = randn([4, 16, 24, 24], { generator: g }), w = randn([32, 16, 3, 3], { generator: g });
    const fast = F.conv2d(x, w, null, { padding: 1 });
    setBackend('reference');
    const slow = F.conv2d(x, w, null, { padding: 1 });
    let worst = 0;
    for (let i = 0; i < fast.data.length; i++) worst = Math.max(worst, Math.abs(fast.data[i] - slow.data[i]));
    console.log(JSON.stringify({ info: backendInfo(), threads: getNumThreads(), worst }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const r = JSON.parse(out) as { info: { wasm: { available: boolean; threadsReason: string } }; threads: number; worst: number };
  assert.equal(r.info.wasm.available, true);
  assert.equal(r.threads, 1);
  assert.match(r.info.wasm.threadsReason, /SharedArrayBuffer is unavailable/);
  assert.ok(r.worst < 1e-3, `worst ${r.worst}`);
});

test('backend selection and thread count', () => {
  assert.equal(getBackend(), available ? 'wasm' : 'reference');
  setBackend('reference');
  assert.equal(getBackend(), 'reference');
  if (available) setBackend('wasm');
  assert.throws(() => setBackend('webgpu'), /setBackend: backend="webgpu" is not available; expected 'reference' or 'wasm'/);
  assert.throws(
    () => setNumThreads(0),
    /setNumThreads: n=0 is invalid; expected an integer from 1 to \d+ \(this machine has \d+ hardware threads\)/,
  );
  assert.throws(() => setNumThreads(1.5), /n=1.5/);
  const n = getNumThreads();
  setNumThreads(3);
  assert.equal(getNumThreads(), 3);
  setNumThreads(n);
});

test('float64: the wasm kernels (im2col + f64x2 GEMM) equal the reference kernels on 400 random geometries × 4 passes and 40 matmuls, threads 1-4, the same bits on each', {
  skip: !available && 'no WebAssembly SIMD here',
}, () => {
  const next = lcg(64);
  let checked = 0;
  const before = getNumThreads();
  // Every job of two tasks or more on the threads (float64 passes by images, or by output channels).
  setThreadsMinMacsForTesting(0);
  try {
    for (const threads of [1, 2, 3, 4]) {
      setNumThreads(threads);
      for (let i = 0; i < 100; i++) checked += compareAllPasses(randomGeometry(next), threads, next, true);
    }
    // The same bits on 1 and 3 threads (3: runs of images and channels that do not divide evenly).
    for (let i = 0; i < 40; i++) {
      const g = randomGeometry(next);
      const X = g.batch * g.xChannels * prod(g.xSize);
      const Y = g.batch * g.yChannels * prod(g.ySize);
      const W = (g.yChannels * g.xChannels * prod(g.kSize)) / g.groups;
      const [x, w, dy] = [X, W, Y].map((n) => Float64Array.from({ length: n }, () => next() * 2 - 1));
      const run = (threads: number): Float64Array[] => {
        setNumThreads(threads);
        const out = [new Float64Array(Y), new Float64Array(X), new Float64Array(W)];
        fastKernels.convForward(x, w, out[0], g);
        fastKernels.convGradInput(dy, w, out[1], g);
        fastKernels.convGradWeight(x, dy, out[2], g);
        return out;
      };
      assert.deepEqual(run(3), run(1), `geometry ${JSON.stringify(g)}`);
    }
    // The float64 matmul on the threads (runs of C's rows), operands at offsets, each way of transposing:
    // the reference's values, and the same bits on 1 and 3 threads.
    for (let i = 0; i < 40; i++) {
      const [M, K, N] = [randInt(next, 16, 70), randInt(next, 16, 40), randInt(next, 16, 50)];
      const [transA, transB] = [next() < 0.5, next() < 0.5];
      const a = Float64Array.from({ length: M * K + 3 }, () => next() * 2 - 1);
      const b = Float64Array.from({ length: K * N + 2 }, () => next() * 2 - 1);
      const run = (threads: number): Float64Array => {
        setNumThreads(threads);
        const c = new Float64Array(M * N + 1).fill(Number.NaN);
        assert.ok(matmul64(a, 3, b, 2, c, 1, M, K, N, transA, transB), 'the wasm matmul took it');
        return c.subarray(1);
      };
      const want = new Float64Array(M * N);
      referenceMatmul(a, 3, b, 2, want, 0, M, K, N, transA, transB);
      const got = run(3);
      assert.deepEqual(got, run(1), `matmul ${M}×${K}×${N} transA=${transA} transB=${transB}`);
      got.forEach((v, j) => assert.ok(Math.abs(v - want[j]) <= 1e-12 * (1 + Math.abs(want[j])), `matmul element ${j}: ${v} vs ${want[j]}`));
    }
  } finally {
    setNumThreads(before);
    setThreadsMinMacsForTesting(null);
  }
  assert.equal(checked, 400 * 4);
  // Large enough for the wasm path, with an Inf weight: the zero padding multiplies it into NaN, as PyTorch's im2col.
  const g: ConvGeometry = {
    batch: 2,
    groups: 1,
    xChannels: 3,
    yChannels: 4,
    xSize: [9, 9],
    ySize: [9, 9],
    kSize: [3, 3],
    stride: [1, 1],
    padding: [1, 1],
    dilation: [1, 1],
  };
  const x = Float64Array.from({ length: 2 * 3 * 81 }, (_, j) => Math.sin(j));
  const w = Float64Array.from({ length: 4 * 3 * 9 }, (_, j) => Math.cos(j));
  w[4] = Infinity;
  const [a, b] = [new Float64Array(2 * 4 * 81), new Float64Array(2 * 4 * 81)];
  fastKernels.convForward(x, w, a, g);
  reference.convForward(x, w, b, g);
  assert.ok(a.some(Number.isNaN));
  a.forEach((v, j) => assert.ok(Object.is(v, b[j]) || Math.abs(v - b[j]) <= 1e-12 * (1 + Math.abs(b[j])), `element ${j}: ${v} vs ${b[j]}`));
});

test('tiny convolutions (the seed) take the reference kernels, with identical results', () => {
  const x = randn([1, 1, 4, 4]);
  const w = randn([2, 1, 3, 3]);
  setBackend('reference');
  const a = F.conv2d(x, w, null, { padding: 1 });
  if (available) setBackend('wasm');
  const b = F.conv2d(x, w, null, { padding: 1 });
  assert.deepEqual(b.data, a.data);
});
