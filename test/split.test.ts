// Split jobs (src/kernels/wasm/split.ts): relu, its gradient, max pooling and its scatter, and BatchNorm's
// three kernels on several threads give the single call's result bit for bit (and so the reference
// kernel's, which the op table checks the single call against), for any thread count, on sizes whose
// units do not divide evenly among the tasks; float32 and float64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, Generator, getNumThreads, randn, setNumThreads, threadsReady } from '../src/index.js';
import { getKernel } from '../src/kernels/index.js';
import { generatedKernels } from '../src/kernels/wasm/kernels.generated.js';
import { SPLIT_MIN_BYTES, splitKernels } from '../src/kernels/wasm/split.js';
import type { Storage } from '../src/tensor/tensor.js';

const skip = !backendInfo().wasm.available || backendInfo().wasm.threadsReason !== '';

type Dtype = 'float32' | 'float64';

function data(n: number, dtype: Dtype, seed: number, holes = true): Storage {
  const values = randn([n], { dtype, generator: new Generator().manualSeed(seed) }).data;
  // NaN and ±0 where they test the kernels' edge rules (NaN wins a max, relu keeps NaN).
  if (holes) for (let i = 7; i < n; i += 997) values[i] = i % 3 === 0 ? Number.NaN : i % 3 === 1 ? -0 : 0;
  return values;
}

const like = (a: Storage): Storage => (a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length));

/** Bit-for-bit equality of two storages (NaN equal to NaN, +0 not equal to −0). */
function sameBits(got: Storage, want: Storage, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, the single call's ${want[i]}`);
  }
}

/** Runs `split` (which must take the call) and `single` on fresh outputs and compares every output. */
function check(what: string, outputs: () => Storage[], split: (out: Storage[]) => boolean, single: (out: Storage[]) => void): void {
  const a = outputs();
  const b = outputs();
  assert.equal(split(a), true, `${what}: the split kernel takes the call`);
  single(b);
  a.forEach((o, i) => sameBits(o, b[i], `${what}, output ${i}`));
}

for (const threads of [2, 3, 5]) {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`split kernels on ${threads} threads (${dtype}) equal the single call bit for bit`, { skip }, async () => {
      const before = getNumThreads();
      setNumThreads(threads);
      await threadsReady();
      try {
        // relu and its gradient: 200,003 elements (a prime number of tail elements for every task split).
        const n = 200_003;
        const x = data(n, dtype, 1);
        assert.ok(n * (dtype === 'float32' ? 4 : 8) * 2 >= SPLIT_MIN_BYTES);
        check(
          'relu',
          () => [like(x)],
          ([y]) => splitKernels.relu(x, y),
          ([y]) => getKernel('relu').reference(x, y),
        );
        const y = like(x);
        getKernel('relu').reference(x, y);
        const dy = data(n, dtype, 2, false);
        check(
          'reluGrad',
          () => [like(dy)],
          ([dx]) => splitKernels.reluGrad(dy, y, dx),
          ([dx]) => getKernel('reluGrad').reference(dy, y, dx),
        );

        // Max pooling over 3·37 planes of 41×29: the 2×2 fast path, and a 3×3 window, stride 2, padding 1, dilation 2.
        const planes = 111;
        const [h, w] = [41, 29];
        const xp = data(planes * h * w, dtype, 3);
        for (const [k, st, p, d] of [
          [2, 2, 0, 1],
          [3, 2, 1, 2],
        ]) {
          const oh = Math.floor((h + 2 * p - d * (k - 1) - 1) / st) + 1;
          const ow = Math.floor((w + 2 * p - d * (k - 1) - 1) / st) + 1;
          const s = { planes, h, w, oh, ow, kh: k, kw: k, sh: st, sw: st, ph: p, pw: p, dh: d, dw: d };
          const outputs = (): Storage[] => [
            dtype === 'float32' ? new Float32Array(planes * oh * ow) : new Float64Array(planes * oh * ow),
            new Float64Array(planes * oh * ow),
          ];
          check(
            `maxPool2d k${k} s${st} p${p} d${d}`,
            outputs,
            ([yp, idx]) => splitKernels.maxPool2d(xp, yp, idx as Float64Array, s),
            ([yp, idx]) => generatedKernels.maxPool2d(xp, yp, idx as Float64Array, s),
          );
          const [pooled, idx] = outputs();
          generatedKernels.maxPool2d(xp, pooled, idx as Float64Array, s);
          const dyp = data(planes * oh * ow, dtype, 4, false);
          check(
            `maxPoolScatter k${k}`,
            () => [like(xp)],
            ([dx]) => splitKernels.maxPoolScatter(dyp, idx as Float64Array, dx, { planes, planeIn: h * w, planeOut: oh * ow }),
            ([dx]) => getKernel('maxPoolScatter').reference(dyp, idx as Float64Array, dx, { planes, planeIn: h * w, planeOut: oh * ow }),
          );
        }

        // BatchNorm over (N=6, C=13, 37·41): statistics per channel in double, the output, and the backward.
        const [outer, channels, inner] = [6, 13, 37 * 41];
        const xb = data(outer * channels * inner, dtype, 5, false);
        const weight = Float64Array.from({ length: channels }, (_, c) => 0.5 + c / 7);
        const shift = Float64Array.from({ length: channels }, (_, c) => c / 3 - 1);
        const f64 = (): Float64Array => new Float64Array(channels);
        check(
          'batchNormTrainForward',
          () => [like(xb), f64(), f64()],
          ([yb, mean, variance]) =>
            splitKernels.batchNormTrainForward(xb, yb, mean as Float64Array, variance as Float64Array, weight, shift, {
              outer,
              channels,
              inner,
              eps: 1e-5,
            }),
          ([yb, mean, variance]) =>
            generatedKernels.batchNormTrainForward(xb, yb, mean as Float64Array, variance as Float64Array, weight, shift, {
              outer,
              channels,
              inner,
              eps: 1e-5,
            }),
        );
        const mean = Float64Array.from({ length: channels }, (_, c) => c / 10);
        const invstd = Float64Array.from({ length: channels }, (_, c) => 1 + c / 5);
        check(
          'batchNormApply',
          () => [like(xb)],
          ([yb]) => splitKernels.batchNormApply(xb, yb, mean, invstd, shift, { outer, channels, inner }),
          ([yb]) => generatedKernels.batchNormApply(xb, yb, mean, invstd, shift, { outer, channels, inner }),
        );
        const dyb = data(xb.length, dtype, 6, false);
        for (const training of [true, false]) {
          check(
            `batchNormBackward training=${training}`,
            () => [like(xb), f64(), f64()],
            ([dx, sumDy, sumDyXc]) =>
              splitKernels.batchNormBackward(dyb, xb, dx, mean, invstd, weight, sumDy as Float64Array, sumDyXc as Float64Array, {
                outer,
                channels,
                inner,
                flags: { inputGrad: true, training },
              }),
            ([dx, sumDy, sumDyXc]) =>
              generatedKernels.batchNormBackward(dyb, xb, dx, mean, invstd, weight, sumDy as Float64Array, sumDyXc as Float64Array, {
                outer,
                channels,
                inner,
                flags: { inputGrad: true, training },
              }),
          );
        }
      } finally {
        setNumThreads(before);
      }
    });
  }
}

test('split kernels decline one thread and small work (the single call runs then)', { skip }, async () => {
  const before = getNumThreads();
  try {
    setNumThreads(2);
    await threadsReady();
    const small = new Float32Array(1000);
    assert.equal(splitKernels.relu(small, new Float32Array(1000)), false);
    setNumThreads(1);
    const large = new Float32Array(200_000);
    assert.equal(splitKernels.relu(large, new Float32Array(200_000)), false);
  } finally {
    setNumThreads(before);
  }
});
