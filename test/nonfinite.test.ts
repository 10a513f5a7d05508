// Inf and NaN next to zero padding (issue 11): the padding is an explicit zero, as in PyTorch, whose
// im2col copies the zeros in. A non-finite weight therefore makes NaN (Inf · 0) at every output whose
// window reaches the padding with it, and a non-finite output gradient does the same in the weight
// gradient; the input gradient reads no padding. Both backends follow this one rule, and PyTorch's
// printed results are checked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, conv2d, convTranspose2d, Generator, getBackend, ones, randn, setBackend } from '../src/index.js';
import { convKernels } from '../src/kernels/index.js';
import type { ConvGeometry } from '../src/tensor/conv_params.js';
import { kernelPathGeometries, lcg, runPasses } from './helpers.js';

/** NaN, +Inf and −Inf in the same places, finite values within 1e-4 relative. */
function assertSameIeee(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isFinite(e)) assert.ok(Math.abs(a - e) <= 1e-4 * (1 + Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
    else assert.ok(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

function withBackend<T>(name: 'wasm' | 'reference', f: () => T): T {
  const before = getBackend();
  setBackend(name);
  try {
    return f();
  } finally {
    setBackend(before);
  }
}

test('PyTorch: a NaN or Inf weight next to zero padding gives NaN wherever the window reaches the padding', () => {
  for (const backend of backendInfo().wasm.available ? (['wasm', 'reference'] as const) : (['reference'] as const)) {
    withBackend(backend, () => {
      const x = ones([1, 1, 4, 4]);
      const nanW = ones([1, 1, 3, 3]);
      nanW.data[0] = NaN;
      // torch.nn.functional.conv2d(ones(1,1,4,4), w with w[0,0,0,0]=nan, padding=1): all nan.
      assert.ok([...conv2d(x, nanW, null, { padding: 1 }).data].every(Number.isNaN), `${backend}: NaN weight`);
      const infW = ones([1, 1, 3, 3]);
      infW.data[0] = Infinity;
      // PyTorch: [[nan, nan, nan, nan], [nan, inf, inf, inf], [nan, inf, inf, inf], [nan, inf, inf, inf]]
      const N = NaN;
      const I = Infinity;
      assertSameIeee(
        conv2d(x, infW, null, { padding: 1 }).data,
        [N, N, N, N, N, I, I, I, N, I, I, I, N, I, I, I],
        `${backend}: Inf weight`,
      );
      // The transposed convolution (an input gradient) reads no padding: PyTorch
      // [[nan, nan, nan, 4], [nan, nan, nan, 6], [nan, nan, nan, 6], [4, 6, 6, 4]].
      assertSameIeee(
        convTranspose2d(x, nanW, null, { padding: 1 }).data,
        [N, N, N, 4, N, N, N, 6, N, N, N, 6, 4, 6, 6, 4],
        `${backend}: transposed`,
      );
      // Output gradient with an Inf: PyTorch's w.grad[0] = [[nan, nan, nan], [nan, inf, inf], [nan, inf, inf]],
      // w.grad[1] = [[9, 12, 9], [12, 16, 12], [9, 12, 9]]; x.grad = [[inf, inf, 12, 8], [inf, inf, 18, 12], [12, 18, 18, 12], [8, 12, 12, 8]].
      const xg = ones([1, 1, 4, 4], { requiresGrad: true });
      const wg = ones([2, 1, 3, 3], { requiresGrad: true });
      const y = conv2d(xg, wg, null, { padding: 1 });
      const dy = ones(y.shape);
      dy.data[0] = Infinity;
      y.backward(dy);
      assertSameIeee(wg.grad!.data, [N, N, N, N, I, I, N, I, I, 9, 12, 9, 12, 16, 12, 9, 12, 9], `${backend}: weight gradient`);
      assertSameIeee(xg.grad!.data, [I, I, 12, 8, I, I, 18, 12, 12, 18, 18, 12, 8, 12, 12, 8], `${backend}: input gradient`);
    });
  }
});

test('float64 follows the same rule (PyTorch: all nan)', () => {
  const w = ones([1, 1, 3, 3], { dtype: 'float64' });
  w.data[0] = NaN;
  assert.ok([...conv2d(ones([1, 1, 4, 4], { dtype: 'float64' }), w, null, { padding: 1 }).data].every(Number.isNaN));
  // 'same' padding with an even kernel (PyTorch pads the extra row and column explicitly): all nan too.
  const w2 = ones([1, 1, 2, 2], { dtype: 'float64' });
  w2.data[0] = NaN;
  assert.ok([...conv2d(ones([1, 1, 4, 4], { dtype: 'float64' }), w2, null, { padding: 'same' }).data].every(Number.isNaN));
});

test('wasm ≡ reference with Inf and NaN in weights and output gradients, on every kernel path', {
  skip: !backendInfo().wasm.available,
}, () => {
  const gen = new Generator().manualSeed(3);
  const place = lcg(29);
  const kernels = (name: 'wasm' | 'reference') => convKernels(name);
  const list: ConvGeometry[] = kernelPathGeometries(17, 1);
  assert.ok(list.length >= 30);
  for (const g of list) {
    const x = randn([g.batch, g.xChannels, ...g.xSize], { generator: gen }).data as Float32Array;
    const w = randn([g.yChannels, g.xChannels / g.groups, ...g.kSize], { generator: gen }).data as Float32Array;
    const dy = randn([g.batch, g.yChannels, ...g.ySize], { generator: gen }).data as Float32Array;
    // One NaN and one Inf among the weights and the output gradient, at seeded places.
    w[Math.floor(place() * w.length)] = NaN;
    w[Math.floor(place() * w.length)] = -Infinity;
    dy[Math.floor(place() * dy.length)] = Infinity;
    dy[Math.floor(place() * dy.length)] = NaN;
    const fast = runPasses(kernels('wasm'), x, w, dy, g);
    const slow = runPasses(kernels('reference'), x, w, dy, g);
    ['forward', 'input gradient', 'weight gradient'].forEach((pass, i) => assertSameIeee(fast[i], slow[i], `${pass} ${JSON.stringify(g)}`));
  }
});
