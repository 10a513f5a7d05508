// Pointwise ops beyond arithmetic: comparisons (bool results, no gradient), sqrt, abs, tanh, sigmoid,
// erf, clamp and the activations. Each rule is built from differentiable ops, most from the saved
// output (as PyTorch's tanh_backward and sigmoid_backward are).
import { checkOptionKeys } from '../tensor/options.js';
import { defineMethods, type Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { erf as erfScalar } from '../tensor/erf.js';
import { record } from '../autograd/node.js';
import { binaryKernel } from '../kernels/reference/elementwise.js';
import { checkFloating, checkNumber, checkNumberOrTensor, checkTensor, empty, floatingOf, promote, scalarTensor } from './util.js';
import { add, div, exp, mul, neg } from './elementwise.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** this == other elementwise (broadcasting), a bool tensor. */
    eq(other: TensorOrScalar): Tensor;
    /** this != other elementwise (broadcasting), a bool tensor. */
    ne(other: TensorOrScalar): Tensor;
    /** this < other elementwise (broadcasting), a bool tensor. */
    lt(other: TensorOrScalar): Tensor;
    /** this <= other elementwise (broadcasting), a bool tensor. */
    le(other: TensorOrScalar): Tensor;
    /** this > other elementwise (broadcasting), a bool tensor. */
    gt(other: TensorOrScalar): Tensor;
    /** this >= other elementwise (broadcasting), a bool tensor. */
    ge(other: TensorOrScalar): Tensor;
    /** The square root, as torch.sqrt. */
    sqrt(): Tensor;
    /** |this|, as torch.abs. */
    abs(): Tensor;
    /** −1, 0 or 1 by sign, as torch.sign (no gradient). */
    sign(): Tensor;
    /** The hyperbolic tangent, as torch.tanh. */
    tanh(): Tensor;
    /** 1 / (1 + e^−this), as torch.sigmoid. */
    sigmoid(): Tensor;
    /** The error function, as torch.erf. */
    erf(): Tensor;
    /** Each element limited to [min, max] (either may be left out), as torch.clamp. */
    clamp(min?: number | null, max?: number | null): Tensor;
  }
}

function compare(op: string, a: Tensor, b: TensorOrScalar, f: (x: number, y: number) => boolean): Tensor {
  checkTensor(a, 'input', op);
  checkNumberOrTensor(b, 'other', op);
  const bt = typeof b === 'number' ? scalarTensor(b, promote(a, b)) : b;
  const shape = broadcastShapes(a.shape, bt.shape, op);
  const y = empty('bool', shape);
  binaryKernel(a.storage, a.shape, bt.storage, bt.shape, y.storage, shape, (x, z) => (f(x, z) ? 1 : 0));
  return y;
}

/** a == b elementwise (broadcasting), as a bool tensor. */
export const eq = (a: Tensor, b: TensorOrScalar): Tensor => compare('eq', a, b, (x, y) => x === y);
/** a != b elementwise (broadcasting), as a bool tensor. */
export const ne = (a: Tensor, b: TensorOrScalar): Tensor => compare('ne', a, b, (x, y) => x !== y);
/** a < b elementwise (broadcasting), as a bool tensor. */
export const lt = (a: Tensor, b: TensorOrScalar): Tensor => compare('lt', a, b, (x, y) => x < y);
/** a <= b elementwise (broadcasting), as a bool tensor. */
export const le = (a: Tensor, b: TensorOrScalar): Tensor => compare('le', a, b, (x, y) => x <= y);
/** a > b elementwise (broadcasting), as a bool tensor. */
export const gt = (a: Tensor, b: TensorOrScalar): Tensor => compare('gt', a, b, (x, y) => x > y);
/** a >= b elementwise (broadcasting), as a bool tensor. */
export const ge = (a: Tensor, b: TensorOrScalar): Tensor => compare('ge', a, b, (x, y) => x >= y);

const oneMinus = (t: Tensor): Tensor => add(neg(t), 1);

/** y[i] = f(x[i]) in x's floating dtype. */
function map(op: string, x: Tensor, f: (v: number) => number): Tensor {
  checkTensor(x, 'input', op);
  const y = empty(floatingOf(x.dtype), x.shape);
  const xd = x.storage;
  const yd = y.storage;
  for (let i = 0; i < yd.length; i++) yd[i] = f(xd[i]);
  return y;
}

/** The square root of x, as torch.sqrt. */
export function sqrt(x: Tensor): Tensor {
  const y = map('sqrt', x, Math.sqrt);
  // d√x = dy / (2√x)
  return record(y, 'SqrtBackward0', [x], (dy) => [div(dy, mul(y, 2))], [y]);
}

/** −1, 0 or 1 (0 for ±0; NaN stays NaN); its gradient is zero (PyTorch's SignBackward0: zeros, even for a NaN dy). */
export function sign(x: Tensor): Tensor {
  checkTensor(x, 'input', 'sign');
  const y = empty(x.dtype, x.shape);
  const [xd, yd] = [x.storage, y.storage];
  for (let i = 0; i < yd.length; i++) {
    const v = xd[i];
    yd[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : v;
  }
  return record(y, 'SignBackward0', [x], (dy) => [empty(dy.dtype, dy.shape)]);
}

/** |x|, as torch.abs (its gradient 0 at 0, as PyTorch's). */
export function abs(x: Tensor): Tensor {
  checkTensor(x, 'input', 'abs');
  const y = empty(x.dtype, x.shape);
  const [xd, yd] = [x.storage, y.storage];
  for (let i = 0; i < yd.length; i++) yd[i] = Math.abs(xd[i]);
  return record(y, 'AbsBackward0', [x], (dy) => [mul(dy, sign(x))], [x]);
}

/** The hyperbolic tangent of x, as torch.tanh. */
export function tanh(x: Tensor): Tensor {
  const y = map('tanh', x, Math.tanh);
  // 1 − tanh²
  return record(y, 'TanhBackward0', [x], (dy) => [mul(dy, oneMinus(mul(y, y)))], [y]);
}

/** 1 / (1 + e^−x), computed without overflow for large |x|. */
export function sigmoid(x: Tensor): Tensor {
  const y = map('sigmoid', x, (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))));
  return record(y, 'SigmoidBackward0', [x], (dy) => [mul(dy, mul(y, oneMinus(y)))], [y]);
}

/** The error function of x, as torch.erf. */
export function erf(x: Tensor): Tensor {
  const y = map('erf', x, erfScalar);
  // d erf = 2/√π · e^(−x²)
  return record(y, 'ErfBackward0', [x], (dy) => [mul(dy, mul(exp(neg(mul(x, x))), 2 / Math.sqrt(Math.PI)))], [x]);
}

/** min(max(x, min), max); the gradient flows where min ≤ x ≤ max (PyTorch's ClampBackward1). */
export function clamp(x: Tensor, min: number | null = null, max: number | null = null): Tensor {
  checkTensor(x, 'input', 'clamp');
  if (min === null && max === null) throw new Error('clamp: at least one of min and max must be given (not null)');
  const lo = min === null ? -Infinity : checkNumber(min, 'min', 'clamp');
  const hi = max === null ? Infinity : checkNumber(max, 'max', 'clamp');
  const y = empty(x.dtype, x.shape);
  // PyTorch: min(max(x, lo), hi), so hi wins when lo > hi; NaN stays NaN.
  const [xd, yd] = [x.storage, y.storage];
  for (let i = 0; i < yd.length; i++) {
    const v = xd[i];
    yd[i] = Number.isNaN(v) ? v : Math.min(Math.max(v, lo), hi);
  }
  return record(
    y,
    'ClampBackward1',
    [x],
    (dy) => {
      const inside = empty(x.dtype, x.shape);
      const [xd, id] = [x.storage, inside.storage];
      for (let i = 0; i < id.length; i++) id[i] = xd[i] >= lo && xd[i] <= hi ? 1 : 0;
      return [mul(dy, inside)];
    },
    [x],
  );
}

/** max(0, x) + negativeSlope · min(0, x). */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkFloating(x, 'input', 'leakyRelu');
  const slope = checkNumber(negativeSlope, 'negativeSlope', 'leakyRelu');
  const y = map('leakyRelu', x, (v) => (v > 0 ? v : v * slope));
  return record(
    y,
    'LeakyReluBackward0',
    [x],
    (dy) => {
      const factor = map('leakyRelu', x, (v) => (v > 0 ? 1 : slope));
      return [mul(dy, factor)];
    },
    [x],
  );
}

/** x·Φ(x) (approximate 'none') or PyTorch's tanh approximation. */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkOptionKeys(options, ['approximate'], 'gelu');
  checkFloating(x, 'input', 'gelu');
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate=${String(approximate)} is invalid; expected 'none' or 'tanh'`);
  }
  const k = Math.sqrt(2 / Math.PI);
  if (approximate === 'tanh') {
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), built from differentiable ops.
    const inner = (t: Tensor): Tensor => mul(add(t, mul(mul(mul(t, t), t), 0.044715)), k);
    const y = map('gelu', x, (v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v))));
    return record(
      y,
      'GeluBackward0',
      [x],
      (dy) => {
        const t = tanh(inner(x));
        const dInner = mul(add(mul(mul(x, x), 3 * 0.044715), 1), k);
        const d = add(mul(add(t, 1), 0.5), mul(mul(mul(x, 0.5), oneMinus(mul(t, t))), dInner));
        return [mul(dy, d)];
      },
      [x],
    );
  }
  const y = map('gelu', x, (v) => 0.5 * v * (1 + erfScalar(v * Math.SQRT1_2)));
  return record(
    y,
    'GeluBackward0',
    [x],
    (dy) => {
      // Φ(x) + x·φ(x)
      const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return [mul(dy, add(cdf, mul(x, pdf)))];
    },
    [x],
  );
}

defineMethods({
  eq(this: Tensor, other: TensorOrScalar) {
    return eq(this, other);
  },
  ne(this: Tensor, other: TensorOrScalar) {
    return ne(this, other);
  },
  lt(this: Tensor, other: TensorOrScalar) {
    return lt(this, other);
  },
  le(this: Tensor, other: TensorOrScalar) {
    return le(this, other);
  },
  gt(this: Tensor, other: TensorOrScalar) {
    return gt(this, other);
  },
  ge(this: Tensor, other: TensorOrScalar) {
    return ge(this, other);
  },
  sqrt(this: Tensor) {
    return sqrt(this);
  },
  abs(this: Tensor) {
    return abs(this);
  },
  sign(this: Tensor) {
    return sign(this);
  },
  tanh(this: Tensor) {
    return tanh(this);
  },
  sigmoid(this: Tensor) {
    return sigmoid(this);
  },
  erf(this: Tensor) {
    return erf(this);
  },
  clamp(this: Tensor, min?: number | null, max?: number | null) {
    return clamp(this, min, max);
  },
});
