// Layers of any size run (issue 11 #2): jobs of more than 2^20 tasks run in rounds, and a job whose
// layout exceeds WebAssembly's 4 GiB runs on runs of images (or, for one image, the reference kernel).
// Inputs and weights are ones, so every expected value is a count of the cells a window reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, conv2d, Generator, getBackend, ones, randn, setBackend } from '../src/index.js';
import { convKernels } from '../src/kernels/index.js';
import { setMemoryLimitForTesting } from '../src/kernels/wasm/runtime.js';
import { kernelPathGeometries, runPasses } from './helpers.js';

const skip = !backendInfo().wasm.available;

/** How many of the kernel's taps κ (0..k−1) land inside [0, size) at i·stride + κ − padding, per output i. */
const windowCount = (i: number, k: number, stride: number, padding: number, size: number): number => {
  let c = 0;
  for (let kk = 0; kk < k; kk++) {
    const at = i * stride + kk - padding;
    if (at >= 0 && at < size) c++;
  }
  return c;
};

function assertAll(data: ArrayLike<number>, expected: (i: number) => number, what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i] !== expected(i)) assert.fail(`${what}[${i}] = ${data[i]}, expected ${expected(i)}`);
  }
}

function onWasm(f: () => void): void {
  const before = getBackend();
  setBackend('wasm');
  try {
    f();
  } finally {
    setBackend(before);
  }
}

test('MobileNet depthwise layer at batch 1024 (2^20 planes): forward and backward', { skip }, () => {
  onWasm(() => {
    const N = 1024;
    const C = 1024;
    const x = ones([N, C, 7, 7], { requiresGrad: true });
    const w = ones([C, 1, 3, 3], { requiresGrad: true });
    const y = conv2d(x, w, null, { padding: 1, groups: C });
    const cover = (i: number): number => windowCount(i, 3, 1, 1, 7);
    assertAll(y.data, (i) => cover(Math.floor(i / 7) % 7) * cover(i % 7), 'y');
    y.sum().backward();
    // Each x cell is read by as many windows as a window reads cells (k = 3, padding 1: symmetric).
    assertAll(x.grad!.data, (i) => cover(Math.floor(i / 7) % 7) * cover(i % 7), 'dx');
    // dw[c, 0, a, b] = Σ over images and outputs of the cell tap (a, b) reads: 1024 · rows(a) · cols(b).
    const rows = (kk: number): number => (kk === 1 ? 7 : 6);
    assertAll(w.grad!.data, (i) => N * rows(Math.floor(i / 3) % 3) * rows(i % 3), 'dw');
  });
});

test('stride 8 on an 8200×8200 image: forward and backward', { skip }, () => {
  onWasm(() => {
    const L = 8200;
    const x = ones([1, 1, L, L], { requiresGrad: true });
    const w = ones([2, 1, 3, 3], { requiresGrad: true });
    const y = conv2d(x, w, null, { stride: 8, padding: 1 });
    const Y = 1025;
    assert.deepEqual(y.shape, [1, 2, Y, Y]);
    const rowCount = (o: number): number => windowCount(o, 3, 8, 1, L);
    assertAll(y.data, (i) => rowCount(Math.floor(i / Y) % Y) * rowCount(i % Y), 'y');
    y.sum().backward();
    // k = 3 < stride 8: a cell is read by at most one window per dimension, by each of the 2 kernels.
    const readBy = (j: number): number => {
      let c = 0;
      for (let kk = 0; kk < 3; kk++) {
        const o = (j + 1 - kk) / 8;
        if (Number.isInteger(o) && o >= 0 && o < Y) c++;
      }
      return c;
    };
    const reads = Int32Array.from({ length: L }, (_, j) => readBy(j));
    assertAll(x.grad!.data, (i) => 2 * reads[Math.floor(i / L)] * reads[i % L], 'dx');
    const taps = [0, 1, 2].map((kk) => Array.from({ length: Y }, (_, o) => o * 8 + kk - 1).filter((at) => at >= 0 && at < L).length);
    assertAll(w.grad!.data, (i) => taps[Math.floor(i / 3) % 3] * taps[i % 3], 'dw');
  });
});

test('3×8192×8192 image (2^20 column chunks) runs forward', { skip }, () => {
  onWasm(() => {
    const L = 8192;
    const y = conv2d(ones([1, 3, L, L]), ones([1, 3, 3, 3]), null, { padding: 1 });
    const cover = (i: number): number => windowCount(i, 3, 1, 1, L);
    assertAll(y.data, (i) => 3 * cover(Math.floor(i / L)) * cover(i % L), 'y');
  });
});

test('a job over the memory limit runs on runs of images, or on the reference kernel, with the same numbers', { skip }, () => {
  const gen = new Generator().manualSeed(8);
  const wasm = convKernels('wasm');
  const reference = convKernels('reference');
  try {
    for (const g of kernelPathGeometries(23, 0).slice(0, 12)) {
      const x = randn([g.batch, g.xChannels, ...g.xSize], { generator: gen }).data as Float32Array;
      const w = randn([g.yChannels, g.xChannels / g.groups, ...g.kSize], { generator: gen }).data as Float32Array;
      const dy = randn([g.batch, g.yChannels, ...g.ySize], { generator: gen }).data as Float32Array;
      const run = (k: typeof wasm): Float32Array[] => runPasses(k, x, w, dy, g);
      const expected = run(reference);
      // The whole batch's bytes, then about one image's: the job must split; then 1 KiB: reference.
      const whole = 4 * (x.length + dy.length + w.length) + (1 << 20);
      for (const limit of [whole, 65536 + Math.ceil(whole / g.batch), 1024]) {
        setMemoryLimitForTesting(limit);
        run(wasm).forEach((out, i) => {
          for (let j = 0; j < out.length; j++) {
            const e = expected[i][j];
            assert.ok(Math.abs(out[j] - e) <= 1e-4 * (1 + Math.abs(e)), `pass ${i} limit ${limit} [${j}]: ${out[j]} vs ${e}`);
          }
        });
      }
    }
  } finally {
    setMemoryLimitForTesting(null);
  }
});
