// SiLU, hardswish and hardtanh: each a forward kernel and a gradient kernel (reference here, wasm in
// assembly/activation.ts, declared in assembly/boundary.json). The gradient is itself an op whose rule
// is built from differentiable ops, so second derivatives come free:
//   silu'(x)      = σ(x)·(1 + x·(1 − σ(x)))           silu''(x) = σ(x)·(1 − σ(x))·(2 + x·(1 − 2σ(x)))
//   hardswish'(x) = 0 (x < −3), 1 (x ≥ 3), x/3 + 1/2  hardswish''(x) = 1/3 on (−3, 3)
//   hardtanh'(x)  = 1 on (min, max), else 0          hardtanh''(x) = 0
import { defineMethods, type Tensor, type Storage } from '../tensor/tensor.js';
import { record } from '../autograd/node.js';
import { defineKernel } from '../kernels/index.js';
import type { HardtanhScalars } from '../kernels/signatures.js';
import { checkFloating, checkRange, empty } from './util.js';
import { add, div, mul, neg } from './elementwise.js';
import { sigmoid } from './pointwise.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** x·σ(x) (see {@link silu}). */
    silu(): Tensor;
    /** x·relu6(x + 3)/6 (see {@link hardswish}). */
    hardswish(): Tensor;
    /** x clamped to [minVal, maxVal] (see {@link hardtanh}). */
    hardtanh(minVal?: number, maxVal?: number): Tensor;
  }
}

/** Rounds to the storage's precision after each step, as PyTorch's float32 kernels do. */
const rounding = (s: Storage): ((v: number) => number) => (s instanceof Float32Array ? Math.fround : (v: number): number => v);

/** y = x / (1 + e^(−x)), in double and rounded once. */
function referenceSilu(x: Storage, y: Storage): void {
  for (let i = 0; i < y.length; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
}

/** dx = dy·σ(x)·(1 + x·(1 − σ(x))), in double and rounded once. */
function referenceSiluGrad(dy: Storage, x: Storage, dx: Storage): void {
  for (let i = 0; i < dx.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]));
    dx[i] = dy[i] * s * (1 + x[i] * (1 - s));
  }
}

/** y = x·min(max(x + 3, 0), 6)/6, each step rounded to the storage's precision. */
function referenceHardswish(x: Storage, y: Storage): void {
  const r = rounding(y);
  for (let i = 0; i < y.length; i++) y[i] = r(r(x[i] * Math.min(Math.max(r(x[i] + 3), 0), 6)) / 6);
}

/** dx = x < −3 ? 0 : x ≥ 3 ? dy : dy·(x/3 + 1/2) (PyTorch's vectorized rule; its scalar tail gives 1.5·dy at x = 3 exactly). */
function referenceHardswishGrad(dy: Storage, x: Storage, dx: Storage): void {
  const r = rounding(dx);
  for (let i = 0; i < dx.length; i++) dx[i] = x[i] < -3 ? 0 : x[i] >= 3 ? dy[i] : r(dy[i] * r(r(x[i] / 3) + 0.5));
}

/** y = min(max(x, minVal), maxVal); NaN stays NaN. */
function referenceHardtanh(x: Storage, y: Storage, { minVal, maxVal }: HardtanhScalars): void {
  for (let i = 0; i < y.length; i++) y[i] = Math.min(Math.max(x[i], minVal), maxVal);
}

/** dx = x ≤ minVal or x ≥ maxVal ? 0 : dy. */
function referenceHardtanhGrad(dy: Storage, x: Storage, dx: Storage, { minVal, maxVal }: HardtanhScalars): void {
  for (let i = 0; i < dx.length; i++) dx[i] = x[i] <= minVal || x[i] >= maxVal ? 0 : dy[i];
}

const siluKernel = defineKernel('silu', referenceSilu);
const siluGradKernel = defineKernel('siluGrad', referenceSiluGrad);
const hardswishKernel = defineKernel('hardswish', referenceHardswish);
const hardswishGradKernel = defineKernel('hardswishGrad', referenceHardswishGrad);
const hardtanhKernel = defineKernel('hardtanh', referenceHardtanh);
const hardtanhGradKernel = defineKernel('hardtanhGrad', referenceHardtanhGrad);

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor): Tensor {
  checkFloating(x, 'input', 'silu');
  const y = empty(x.dtype, x.shape);
  siluKernel.impl(x.storage, y.storage);
  return record(y, 'SiluBackward0', [x], (dy) => [siluBackward(dy, x)], [x]);
}

/** dy·silu'(x); its rule: d/d(dy) = silu'(x), d/dx = dy·silu''(x). */
function siluBackward(dy: Tensor, x: Tensor): Tensor {
  const dx = empty(dy.dtype, dy.shape);
  siluGradKernel.impl(dy.storage, x.storage, dx.storage);
  return record(
    dx,
    'SiluBackwardBackward0',
    [dy, x],
    (g, needs) => {
      if (!needs[1]) return [siluBackward(g, x), null];
      const s = sigmoid(x);
      // σ(1 − σ)(2 + x(1 − 2σ))
      const second = mul(mul(s, add(neg(s), 1)), add(mul(x, add(mul(s, -2), 1)), 2));
      return [needs[0] ? siluBackward(g, x) : null, mul(mul(g, dy), second)];
    },
    [dy, x],
  );
}

/** Hardswish: x·relu6(x + 3)/6. */
export function hardswish(x: Tensor): Tensor {
  checkFloating(x, 'input', 'hardswish');
  const y = empty(x.dtype, x.shape);
  hardswishKernel.impl(x.storage, y.storage);
  return record(y, 'HardswishBackward0', [x], (dy) => [hardswishBackward(dy, x)], [x]);
}

/** dy·hardswish'(x); its rule: d/d(dy) = hardswish'(x), d/dx = dy/3 on (−3, 3) (PyTorch's double backward). */
function hardswishBackward(dy: Tensor, x: Tensor): Tensor {
  const dx = empty(dy.dtype, dy.shape);
  hardswishGradKernel.impl(dy.storage, x.storage, dx.storage);
  return record(
    dx,
    'HardswishBackwardBackward0',
    [dy, x],
    (g, needs) => {
      if (!needs[1]) return [hardswishBackward(g, x), null];
      const inside = empty(x.dtype, x.shape);
      const [xd, id] = [x.storage, inside.storage];
      for (let i = 0; i < id.length; i++) id[i] = xd[i] > -3 && xd[i] < 3 ? 1 : 0;
      return [needs[0] ? hardswishBackward(g, x) : null, div(mul(mul(g, dy), inside), 3)];
    },
    [dy, x],
  );
}

/** Hardtanh: x clamped to [minVal, maxVal] (PyTorch's defaults −1 and 1). */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  checkFloating(x, 'input', 'hardtanh');
  checkRange(minVal, maxVal, 'hardtanh');
  // PyTorch compares in the tensor's dtype: the bounds become float32 for float32 tensors.
  const r = rounding(x.storage);
  const bounds = { minVal: r(minVal), maxVal: r(maxVal) };
  const y = empty(x.dtype, x.shape);
  hardtanhKernel.impl(x.storage, y.storage, bounds);
  return record(y, 'HardtanhBackward0', [x], (dy) => [hardtanhBackward(dy, x, bounds)], [x]);
}

/** dy where minVal < x < maxVal, else 0; linear in dy, so its rule masks again (and x gets no gradient). */
function hardtanhBackward(dy: Tensor, x: Tensor, bounds: HardtanhScalars): Tensor {
  const dx = empty(dy.dtype, dy.shape);
  hardtanhGradKernel.impl(dy.storage, x.storage, dx.storage, bounds);
  return record(dx, 'HardtanhBackwardBackward0', [dy], (g) => [hardtanhBackward(g, x, bounds)], [x]);
}

defineMethods({
  silu(this: Tensor) {
    return silu(this);
  },
  hardswish(this: Tensor) {
    return hardswish(this);
  },
  hardtanh(this: Tensor, minVal?: number, maxVal?: number) {
    return hardtanh(this, minVal, maxVal);
  },
});
