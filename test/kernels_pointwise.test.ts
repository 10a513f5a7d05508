// Every kernel with a wasm version equals its reference kernel on inputs large enough to use the SIMD
// loops and their tails (the op table checks the same on PyTorch's small samples).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, Generator, kernelInventory, randn } from '../src/index.js';
import { getKernel } from '../src/kernels/registry.js';
import { sumDimsScalars } from '../src/kernels/reference/elementwise.js';
import { generatedKernels } from '../src/kernels/wasm/kernels.generated.js';
import type { Storage } from '../src/tensor/tensor.js';
import type { KernelArgs, KernelName } from '../src/kernels/signatures.js';

const gen = new Generator().manualSeed(21);
const dataF32 = (n: number): Float32Array => randn([n], { generator: gen }).data as Float32Array;
const data = dataF32;
const skip = !backendInfo().wasm.available;

function both<K extends KernelName>(name: K, run: (impl: (...args: KernelArgs[K]) => void) => Storage[], tolerance = 1e-6): void {
  const k = getKernel(name);
  const wasm = k.on('wasm');
  assert.ok(wasm !== null, `${name} has a wasm kernel`);
  const a = run(k.on('reference')!);
  const b = run(wasm);
  a.forEach((x, i) => {
    for (let j = 0; j < x.length; j++) {
      const same =
        x[j] === b[i][j] || Math.abs(x[j] - b[i][j]) <= tolerance * (1 + Math.abs(x[j])) || (Number.isNaN(x[j]) && Number.isNaN(b[i][j]));
      assert.ok(same, `${name} output ${i} element ${j}: ${x[j]} vs ${b[i][j]}`);
    }
  });
}

test('the inventory lists the kernels that have a wasm version: every kernel of assembly/boundary.json, the convolutions (with and without bias) and matmul', () => {
  const inv = new Map<string, string[]>(kernelInventory().map((k) => [k.name, k.backends]));
  const names = [
    ...Object.keys(generatedKernels),
    'convForward',
    'convForwardBias',
    'convGradInput',
    'convGradWeight',
    'matmul',
    'softmax',
    'softmaxBackward',
  ];
  assert.ok(names.length >= 17);
  for (const name of names) assert.deepEqual(inv.get(name), ['reference', 'wasm'], name);
});

test('relu, its gradient, bias add and channel sums, float32 and float64: wasm ≡ reference (with tails and NaN)', { skip }, () => {
  for (const f64 of [false, true]) reluAndBias(f64);
});

function reluAndBias(f64: boolean): void {
  const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a, (z) => z * (1 + 1e-9)) : a);
  const like = (n: number): Storage => (f64 ? new Float64Array(n) : new Float32Array(n));
  const data = (n: number): Storage => typed(dataF32(n));
  const n = 1037;
  const x = data(n);
  x[5] = NaN;
  x[6] = -0;
  both('relu', (f) => {
    const y = like(n);
    f(x, y);
    return [y];
  });
  const dy = data(n);
  both('reluGrad', (f) => {
    const dx = like(n);
    f(dy, x, dx);
    return [dx];
  });
  const b = data(7);
  const y0 = data(3 * 7 * 13);
  both('addBias', (f) => {
    const copy = y0.slice();
    f(copy, b, { outer: 3, channels: 7, inner: 13 });
    return [copy];
  });
  const g = data(3 * 7 * 13);
  both('biasGrad', (f) => {
    const y = like(7);
    f(g, y, { outer: 3, channels: 7, inner: 13 });
    return [y];
  });
}

test('2-d max pooling and its scatter, float32 and float64: wasm ≡ reference over strides, padding, dilation and ties', { skip }, () => {
  for (const [H, W, k, s, p, d, f64] of [
    [9, 11, 3, 2, 1, 1, false],
    [8, 8, 2, 2, 0, 1, false],
    [10, 7, 3, 1, 1, 2, false],
    [9, 11, 3, 2, 1, 1, true],
    [8, 8, 2, 2, 0, 1, true],
    // The 2×2 fast paths with a tail column (odd output width) and an odd input edge left out.
    [7, 11, 2, 2, 0, 1, false],
    [7, 11, 2, 2, 0, 1, true],
    [6, 14, 2, 2, 0, 1, true],
  ] as const) {
    const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a) : a);
    const like = (n: number): Storage => (f64 ? new Float64Array(n) : new Float32Array(n));
    const OH = Math.floor((H + 2 * p - d * (k - 1) - 1) / s) + 1;
    const OW = Math.floor((W + 2 * p - d * (k - 1) - 1) / s) + 1;
    const planes = 5;
    const x = typed(data(planes * H * W).map((v) => Math.round(v * 2) / 2)); // ties
    for (let i = 3; i < x.length; i += 37) x[i] = Number.NaN; // NaN wins its window
    const g = { planes, h: H, w: W, oh: OH, ow: OW, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: d, dw: d };
    let idx = new Float64Array(0);
    both('maxPool2d', (f) => {
      const y = like(planes * OH * OW);
      idx = new Float64Array(planes * OH * OW);
      f(x, y, idx, g);
      return [y, idx];
    });
    const dy = typed(data(planes * OH * OW));
    both('maxPoolScatter', (f) => {
      const dx = like(planes * H * W);
      f(dy, idx, dx, { planes, planeIn: H * W, planeOut: OH * OW });
      return [dx];
    });
  }
});

test('Adam/AdamW step, float32 and float64: wasm ≡ reference (both round every operation to the type)', { skip }, () => {
  const n = 517;
  for (const [flags, f64] of [
    [{ maximize: false, decoupled: false, ams: false }, false],
    [{ maximize: true, decoupled: true, ams: true }, false],
    [{ maximize: false, decoupled: false, ams: false }, true],
    [{ maximize: true, decoupled: true, ams: true }, true],
  ] as const) {
    const s = {
      b1: Math.fround(0.9),
      b2: Math.fround(0.999),
      oneMinusB1: Math.fround(0.1),
      oneMinusB2: Math.fround(0.001),
      wd: Math.fround(0.01),
      decay: Math.fround(0.9999),
      bc2Sqrt: Math.fround(0.0316),
      stepSize: Math.fround(-0.01),
      eps: Math.fround(1e-8),
      flags: { maximize: flags.maximize, decoupled: flags.decoupled, amsgrad: flags.ams },
    };
    const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a, (z) => z * (1 + 1e-9)) : a);
    const [x, g, m, v] = [typed(data(n)), typed(data(n)), typed(data(n)), typed(data(n).map(Math.abs))];
    const vMax = typed(data(n).map(Math.abs));
    both(
      'adam',
      (f) => {
        const [xc, mc, vc, maxc] = [x.slice(), m.slice(), v.slice(), vMax.slice()];
        f(xc, g, mc, vc, flags.ams ? maxc : null, s);
        return [xc, mc, vc, maxc];
      },
      f64 ? 0 : 1e-6,
    );
  }
});

test('silu, hardswish, hardtanh and their gradients: wasm ≡ reference (tails, kinks, NaN, ±Inf)', { skip }, () => {
  const n = 1031;
  const x = data(n).map((v) => v * 4);
  [-3, 3, -1, 1, 0, -0, NaN, Infinity, -Infinity, 6, -6].forEach((v, i) => {
    x[7 * i] = v;
  });
  const dy = data(n);
  for (const name of ['silu', 'hardswish'] as const) {
    both(name, (f) => {
      const y = new Float32Array(n);
      f(x, y);
      return [y];
    });
  }
  for (const name of ['siluGrad', 'hardswishGrad'] as const) {
    both(name, (f) => {
      const dx = new Float32Array(n);
      f(dy, x, dx);
      return [dx];
    });
  }
  const bounds = { minVal: Math.fround(-0.7), maxVal: Math.fround(1.3) };
  both('hardtanh', (f) => {
    const y = new Float32Array(n);
    f(x, y, bounds);
    return [y];
  });
  both('hardtanhGrad', (f) => {
    const dx = new Float32Array(n);
    f(dy, x, dx, bounds);
    return [dx];
  });
});

test('BatchNorm training forward, affine map and fused backward, float32 and float64: wasm ≡ reference', { skip }, () => {
  for (const [outer, channels, inner] of [
    [3, 5, 37],
    [2, 4, 1],
    [4, 3, 64],
  ] as const) {
    const n = outer * channels * inner;
    const l = { outer, channels, inner };
    for (const f64 of [false, true]) {
      const make = (): Storage => {
        const v = data(n).map((z) => 3 * z + 1.5);
        return f64 ? Float64Array.from(v, (z) => z + 1e-9 * Math.sin(z)) : v;
      };
      const tol = f64 ? 1e-12 : 1e-6;
      const x = make();
      const dy = make();
      const like = (): Storage => (f64 ? new Float64Array(n) : new Float32Array(n));
      const perChannel = (f: (c: number) => number): Float64Array => Float64Array.from({ length: channels }, (_, c) => f(c));
      const weight = perChannel((c) => 0.5 + c / 3);
      const shift = perChannel((c) => c - 1);
      both(
        'batchNormTrainForward',
        (f) => {
          const [y, m, v] = [like(), new Float64Array(channels), new Float64Array(channels)];
          f(x, y, m, v, weight, shift, { ...l, eps: 1e-5 });
          return [y, m, v];
        },
        tol,
      );
      const mean = perChannel((c) => 1.5 + 0.1 * c);
      both(
        'batchNormApply',
        (f) => {
          const y = like();
          f(x, y, mean, weight, shift, l);
          return [y];
        },
        tol,
      );
      const invstd = perChannel((c) => 0.3 + 0.2 * c);
      for (const flags of [
        { inputGrad: true, training: true },
        { inputGrad: true, training: false },
        { inputGrad: false, training: true },
      ]) {
        both(
          'batchNormBackward',
          (f) => {
            const dx = flags.inputGrad ? like() : null;
            const [s, q] = [new Float64Array(channels), new Float64Array(channels)];
            f(dy, x, dx, mean, invstd, weight, s, q, { ...l, flags });
            return dx === null ? [s, q] : [dx, s, q];
          },
          tol,
        );
      }
    }
  }
});

test('broadcasting + − × ÷ and the matrix transpose, float32 and float64: wasm ≡ reference, bit for bit', { skip }, () => {
  // Loop plans as loopPlan makes them: same shape, a channel vector, a scalar, an outer product, strided both ways.
  const plans = [
    { n: [1, 1, 1, 1037], sa: [0, 0, 0, 1], sb: [0, 0, 0, 1] },
    { n: [1, 3, 5, 37], sa: [0, 185, 37, 1], sb: [0, 1, 0, 0] },
    { n: [1, 1, 1, 517], sa: [0, 0, 0, 1], sb: [0, 0, 0, 0] },
    { n: [1, 1, 13, 11], sa: [0, 0, 1, 0], sb: [0, 0, 0, 1] },
    { n: [2, 3, 4, 9], sa: [108, 36, 9, 1], sb: [0, 9, 27, 1] },
    { n: [1, 1, 6, 7], sa: [0, 0, 0, 6], sb: [0, 0, 7, 1] },
  ];
  for (const f64 of [false, true]) {
    for (const p of plans) {
      const span = (s: number[]): number => 1 + p.n.reduce((acc, n, i) => acc + (n - 1) * s[i], 0);
      const a = f64 ? Float64Array.from(data(span(p.sa))) : data(span(p.sa));
      const b = f64 ? Float64Array.from(data(span(p.sb))) : data(span(p.sb));
      b[0] = 0; // ÷ 0 and 0 · x
      const count = p.n.reduce((x, y) => x * y, 1);
      for (let op = 0; op < 4; op++) {
        const s = {
          op,
          n0: p.n[0],
          n1: p.n[1],
          n2: p.n[2],
          n3: p.n[3],
          sa0: p.sa[0],
          sa1: p.sa[1],
          sa2: p.sa[2],
          sa3: p.sa[3],
          sb0: p.sb[0],
          sb1: p.sb[1],
          sb2: p.sb[2],
          sb3: p.sb[3],
        };
        both(
          'binary',
          (f) => {
            const y = f64 ? new Float64Array(count) : new Float32Array(count);
            f(a, b, y, s);
            return [y];
          },
          0,
        );
      }
    }
    for (const [batches, rows, cols] of [
      [1, 37, 19],
      [3, 8, 8],
      [2, 1, 13],
      // Several 16×16 blocks, with rows and columns that end part-way through a vector square.
      [2, 35, 42],
      [1, 16, 33],
      [1, 64, 48],
      [1, 3, 50],
    ]) {
      const x = f64 ? Float64Array.from(data(batches * rows * cols)) : data(batches * rows * cols);
      both(
        'transpose',
        (f) => {
          const y = f64 ? new Float64Array(x.length) : new Float32Array(x.length);
          f(x, y, { batches, rows, cols });
          return [y];
        },
        0,
      );
    }
  }
});

test('SGD step (weight decay, momentum, dampening, Nesterov, maximize), float32 and float64: wasm ≡ reference, bit for bit', {
  skip,
}, () => {
  const n = 259;
  for (const f64 of [false, true]) {
    const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a, (z) => z * (1 + 1e-9)) : a);
    const [x, g, buf] = [typed(data(n)), typed(data(n)), typed(data(n))];
    const r = f64 ? (v: number): number => v : Math.fround;
    for (const [flags, wd] of [
      [{ maximize: false, momentum: false, nesterov: false, first: false }, 0],
      [{ maximize: true, momentum: true, nesterov: false, first: true }, 0.01],
      [{ maximize: false, momentum: true, nesterov: true, first: false }, 0.001],
    ] as const) {
      both(
        'sgd',
        (f) => {
          const [xc, bc] = [x.slice(), buf.slice()];
          f(xc, g, flags.momentum ? bc : null, { wd: r(wd), mu: r(0.9), keep: r(0.75), step: r(-0.05), flags });
          return [xc, bc];
        },
        0,
      );
    }
  }
});

test('average pooling over windows and its adjoint, 1-3 d, float32 and float64: wasm ≡ reference, bit for bit', { skip }, () => {
  // Windows as avgPool (overlapping, clipped, count-include-pad divisors) and adaptiveAvgPool make them.
  const dim = (n: number, L: number, k: number, s: number, p: number): number[][] => {
    const start: number[] = [];
    const end: number[] = [];
    const count: number[] = [];
    for (let o = 0; o < n; o++) {
      const lo = o * s - p;
      const hi = Math.min(lo + k, L + p);
      start.push(Math.max(lo, 0));
      end.push(Math.min(hi, L));
      count.push(hi - lo);
    }
    return [start, end, count];
  };
  // [planes, input sizes (3 dims), windows per dim, divisor (0: the counts)]
  for (const [planes, L3, dims, divisor] of [
    [3, [1, 1, 19], [dim(1, 1, 1, 1, 0), dim(1, 1, 1, 1, 0), dim(9, 19, 3, 2, 1)], 0],
    [2, [1, 11, 13], [dim(1, 1, 1, 1, 0), dim(5, 11, 3, 2, 1), dim(6, 13, 4, 2, 2)], 0],
    [2, [7, 8, 9], [dim(3, 7, 3, 2, 1), dim(4, 8, 2, 2, 0), dim(3, 9, 3, 3, 0)], 5],
  ] as const) {
    const n = dims.map((d) => d[0].length);
    const win = Float64Array.from(dims.flatMap((d) => [...d[0], ...d[1], ...d[2]]));
    const s = { planes, n0: n[0], n1: n[1], n2: n[2], l0: L3[0], l1: L3[1], l2: L3[2], divisor, adjoint: 0 };
    const planeIn = L3[0] * L3[1] * L3[2];
    const planeOut = n[0] * n[1] * n[2];
    for (const f64 of [false, true]) {
      const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a, (z) => z * (1 + 1e-9)) : a);
      const like = (k: number): Storage => (f64 ? new Float64Array(k) : new Float32Array(k));
      const x = typed(data(planes * planeIn));
      const dy = typed(data(planes * planeOut));
      both(
        'avgPoolWindows',
        (f) => {
          const y = like(planes * planeOut);
          f(x, y, win, s);
          return [y];
        },
        0,
      );
      both(
        'avgPoolWindows',
        (f) => {
          const dx = like(planes * planeIn);
          f(dy, dx, win, { ...s, adjoint: 1 });
          return [dx];
        },
        0,
      );
    }
  }
});

test("dropout's Bernoulli noise: wasm ≡ reference, noise and the generator's state after, bit for bit", { skip }, () => {
  // Sizes around the twist (624 words = 312 draws), from a fresh seed and from mid-stream, float32 and float64.
  for (const [seed, skipDraws] of [
    [0, 0],
    [7, 1],
    [123, 311],
    [5, 312],
  ]) {
    for (const n of [1, 311, 312, 313, 1000, 12_345]) {
      for (const f64 of [false, true]) {
        for (const keep of [0.5, 0.9, 1e-3]) {
          const scale = f64 ? 1 / keep : Math.fround(1 / Math.fround(keep));
          const g = new Generator().manualSeed(seed);
          for (let i = 0; i < skipDraws; i++) g.uniformFloat64(0, 1);
          const start = g.engineState();
          both(
            'bernoulliMask',
            (f) => {
              const state = start.slice();
              const noise = f64 ? new Float64Array(n) : new Float32Array(n);
              f(state, noise, { keep, scale });
              return [noise, state];
            },
            0,
          );
        }
      }
    }
  }
  assert.equal(
    generatedKernels.bernoulliMask(new Generator().engineState(), new Float32Array(10), { keep: 0.5, scale: 2 }),
    true,
    'the wasm kernel takes the call',
  );
  // And the reference is the generator's own stream: the same draws as uniformFloat64 one by one.
  const g = new Generator().manualSeed(42);
  const state = g.engineState();
  const noise = new Float64Array(2000);
  getKernel('bernoulliMask').impl(state, noise, { keep: 0.5, scale: 2 });
  const h = new Generator().manualSeed(42);
  noise.forEach((v, i) => assert.equal(v, h.uniformFloat64(0, 1) < 0.5 ? 2 : 0, `draw ${i}`));
  g.setEngineState(state);
  assert.equal(g.nextUint32(), h.nextUint32(), 'the generator continues where the draws left it');
});

test('sums over any dims, float32 and float64: wasm ≡ reference bit for bit (runs summed first, NaN, ±Inf, −0)', { skip }, () => {
  const g = new Generator().manualSeed(5);
  const int = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
  let checked = 0;
  for (let trial = 0; trial < 200; trial++) {
    const ndim = int(1, 5);
    const shape = Array.from({ length: ndim }, () => (Math.random() < 0.2 ? 1 : int(2, 9)));
    const dims = shape.map((_, i) => i).filter(() => Math.random() < 0.5);
    if (dims.length === 0) dims.push(int(0, ndim - 1));
    const s = sumDimsScalars(shape, dims);
    if (s === null) continue;
    const n = shape.reduce((a, b) => a * b, 1);
    const out = shape.reduce((a, b, i) => a * (dims.includes(i) ? 1 : b), 1);
    for (const f64 of [false, true]) {
      const x32 = randn([n], { generator: g }).data as Float32Array;
      const x: Storage = f64 ? Float64Array.from(x32, (v) => v * (1 + 1e-9)) : x32;
      if (trial % 7 === 0) [x[0], x[n - 1]] = [Number.NaN, -0];
      if (trial % 11 === 0) x[n >> 1] = trial % 2 === 0 ? Infinity : -Infinity;
      // The wasm kernel itself (the backend declines run sums of inputs it would have to copy in).
      const ref = new Float64Array(out).fill(7); // written whole, not added to
      const got = new Float64Array(out).fill(7);
      getKernel('sumDims').on('reference')!(x, ref, s);
      assert.ok(generatedKernels.sumDims(x, got, s));
      for (let i = 0; i < out; i++)
        assert.ok(
          Object.is(ref[i], got[i]) || (Number.isNaN(ref[i]) && Number.isNaN(got[i])),
          `${shape} over ${dims}: ${ref[i]} vs ${got[i]}`,
        );
    }
    checked++;
  }
  assert.ok(checked > 100, `${checked} plans of at most 4 dims`);
});

/** (outer, n, inner) of the softmax kernels' tests: a classifier's logits, a middle dim, dense prediction, n = 1. */
const SOFTMAX_SHAPES = [
  [1, 10, 1],
  [64, 10, 1],
  [3, 7, 5],
  [2, 21, 333],
  [1, 1, 17],
] as const;

test('softmax and logSoftmax along any dim, float32 and float64: wasm ≡ reference (−∞ rows, NaN, large logits)', { skip }, () => {
  const g = new Generator().manualSeed(9);
  for (const [outer, n, inner] of SOFTMAX_SHAPES) {
    for (const f64 of [false, true]) {
      const size = outer * n * inner;
      const x32 = Float32Array.from(randn([size], { generator: g }).data, (v) => v * 8);
      const x: Storage = f64 ? Float64Array.from(x32, (v) => v * (1 + 1e-9)) : x32;
      // A column of −∞ (softmax NaN, as PyTorch), one with a NaN, one with a logit far above the rest.
      for (let j = 0; j < n; j++) x[j * inner] = -Infinity;
      if (size > n * inner) x[n * inner + 1] = Number.NaN;
      x[size - 1] = 300;
      for (const log of [false, true]) {
        both(
          'softmax',
          (f) => {
            const y = f64 ? new Float64Array(size) : new Float32Array(size);
            f(x, y, outer, n, inner, log);
            return [y];
          },
          f64 ? 1e-14 : 1e-6,
        );
      }
    }
  }
});

test('the gradient of softmax and logSoftmax along any dim, float32 and float64: wasm ≡ reference (NaN, ±Inf, large y)', { skip }, () => {
  const g = new Generator().manualSeed(10);
  for (const [outer, n, inner] of SOFTMAX_SHAPES) {
    for (const f64 of [false, true]) {
      const size = outer * n * inner;
      const typed = (a: Float32Array): Storage => (f64 ? Float64Array.from(a, (v) => v * (1 + 1e-9)) : a);
      const dy = typed(Float32Array.from(randn([size], { generator: g }).data));
      const y = typed(Float32Array.from(randn([size], { generator: g }).data, (v) => v * 4));
      dy[0] = Number.NaN;
      y[size - 1] = 80; // e^y near float32's overflow
      if (size > 2) y[1] = -Infinity;
      for (const log of [false, true]) {
        both(
          'softmaxBackward',
          (f) => {
            const dx = f64 ? new Float64Array(size) : new Float32Array(size);
            f(dy, y, dx, outer, n, inner, log);
            return [dx];
          },
          f64 ? 1e-14 : 1e-6,
        );
      }
    }
  }
});

test('exp and log, float32 and float64: wasm ≡ reference (0, −0, negatives, ±Inf, NaN, overflow, underflow)', { skip }, () => {
  const n = 1031;
  for (const f64 of [false, true]) {
    const x32 = Float32Array.from(data(n), (v) => v * 30);
    const x: Storage = f64 ? Float64Array.from(x32, (v) => v * (1 + 1e-9)) : x32;
    [0, -0, -1, Infinity, -Infinity, Number.NaN, 89, 710, -750, 1e-30].forEach((v, i) => {
      x[11 * i] = v;
    });
    for (const log of [0, 1]) {
      both(
        'expLog',
        (f) => {
          const y = f64 ? new Float64Array(n) : new Float32Array(n);
          f(x, y, { log });
          return [y];
        },
        f64 ? 1e-15 : 1e-7,
      );
    }
  }
});

test('matmul with either operand read transposed, float32 and float64: the reference reads a transpose as the transposed copy; wasm ≡ reference', () => {
  const g = new Generator().manualSeed(12);
  const k = getKernel('matmul');
  const reference = k.on('reference')!;
  const wasm = k.on('wasm');
  // Stored r×c → its transpose, c×r (row-major both).
  const transposed = (t: Storage, r: number, c: number): Storage => {
    const out = t instanceof Float64Array ? new Float64Array(r * c) : new Float32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t[i * c + j];
    return out;
  };
  for (const [M, K, N] of [
    [5, 7, 3],
    [64, 300, 128],
    [13, 33, 21],
  ]) {
    for (const f64 of [false, true]) {
      const make = (n: number): Storage => {
        const v = randn([n], { generator: g }).data as Float32Array;
        return f64 ? Float64Array.from(v, (z) => z * (1 + 1e-9)) : Float32Array.from(v);
      };
      const out = (): Storage => (f64 ? new Float64Array(M * N) : new Float32Array(M * N));
      const a = make(M * K); // M×K
      const b = make(K * N); // K×N
      const plain = out();
      reference(a, 0, b, 0, plain, 0, M, K, N, false, false);
      for (const [transA, transB] of [
        [false, true],
        [true, false],
        [true, true],
      ]) {
        const as = transA ? transposed(a, M, K) : a;
        const bs = transB ? transposed(b, K, N) : b;
        const c = out();
        reference(as, 0, bs, 0, c, 0, M, K, N, transA, transB);
        assert.deepEqual(Array.from(c), Array.from(plain), `reference ${M}×${K}×${N} transA=${transA} transB=${transB}`);
        if (skip || wasm === null) continue;
        const cw = out();
        wasm(as, 0, bs, 0, cw, 0, M, K, N, transA, transB);
        const tolerance = f64 ? 1e-12 : 1e-4;
        for (let i = 0; i < c.length; i++)
          assert.ok(
            Math.abs(c[i] - cw[i]) <= tolerance * (1 + Math.abs(c[i])),
            `wasm ${M}×${K}×${N} transA=${transA} transB=${transB} [${i}]: ${c[i]} vs ${cw[i]}`,
          );
      }
    }
  }
});
