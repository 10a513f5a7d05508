// softmax and logSoftmax along a dimension, computed stably (shifted by the maximum) in double.
// Their rules use the saved output, as PyTorch's _softmax_backward_data does:
//   softmax:    dx = y · (dy − Σ_dim dy·y)
//   logSoftmax: dx = dy − e^y · Σ_dim dy
// each one kernel (softmaxBackward), itself an op whose rule is built from differentiable ops (so double
// backward works as PyTorch's SoftmaxBackwardDataBackward0 and LogSoftmaxBackwardDataBackward0 do).
import { defineMethods, type Storage, type Tensor } from '../tensor/tensor.js';
import { defineKernel } from '../kernels/index.js';
import { normalizeDim } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkFloating, checkTensor, emptyUnzeroed } from './util.js';
import { exp, mul, neg, sub } from './elementwise.js';
import { splitAt } from './indexing.js';
import { sum } from './reduce.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** e^x / Σ_dim e^x (see {@link softmax}). */
    softmax(dim: number): Tensor;
    /** x − log Σ_dim e^x (see {@link logSoftmax}). */
    logSoftmax(dim: number): Tensor;
  }
}

/** y = softmax (or logSoftmax) along the middle of outer × n × inner, per (o, i) shifted by the maximum, in double. */
function referenceSoftmax(xd: Storage, yd: Storage, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, xd[base + j * inner]);
      if (m === -Infinity || Number.isNaN(m)) m = 0; // all −inf gives NaN as in PyTorch; NaN propagates
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(xd[base + j * inner] - m);
      if (log) {
        const ls = Math.log(s);
        for (let j = 0; j < n; j++) yd[base + j * inner] = xd[base + j * inner] - m - ls;
      } else {
        for (let j = 0; j < n; j++) yd[base + j * inner] = Math.exp(xd[base + j * inner] - m) / s;
      }
    }
  }
}

const softmaxKernel = defineKernel('softmax', referenceSoftmax);

/**
 * dx of softmax (or logSoftmax where `log`) along the middle of outer × n × inner, from dy and the
 * saved output y: per (o, i) S = Σ_j dy·y (or Σ_j dy) in double, rounded to the dtype, then y·(dy − S)
 * (or dy − e^y·S), each product and difference rounded as the separate ops round it.
 */
function referenceSoftmaxBackward(dy: Storage, y: Storage, dx: Storage, outer: number, n: number, inner: number, log: boolean): void {
  const round = dx instanceof Float32Array ? Math.fround : (v: number): number => v;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let s = 0;
      for (let j = 0; j < n; j++) {
        const at = base + j * inner;
        s += log ? dy[at] : round(dy[at] * y[at]);
      }
      s = round(s);
      for (let j = 0; j < n; j++) {
        const at = base + j * inner;
        dx[at] = log ? dy[at] - round(round(Math.exp(y[at])) * s) : y[at] * round(dy[at] - s);
      }
    }
  }
}

const softmaxBackwardKernel = defineKernel('softmaxBackward', referenceSoftmaxBackward);

/** dx of softmax (log: logSoftmax) along d from dy and its output y, in one kernel; differentiable in dy and y. */
function softmaxBackward(dy: Tensor, y: Tensor, d: number, log: boolean): Tensor {
  // Every element is written by the kernel.
  const dx = emptyUnzeroed(dy.dtype, dy.shape, 'kernel');
  const { outer, n, inner } = splitAt(dy.shape, d);
  if (dy.numel > 0) softmaxBackwardKernel.impl(dy.storage, y.storage, dx.storage, outer, n, inner, log);
  if (log) {
    // dx = dy − e^y·S, S = Σ dy: ∂/∂dy = g − Σ g·e^y; ∂/∂y = −g·e^y·S.
    return record(
      dx,
      'LogSoftmaxBackwardDataBackward0',
      [dy, y],
      (g) => {
        const ge = mul(g, exp(y));
        return [sub(g, sum(ge, d, true)), neg(mul(ge, sum(dy, d, true)))];
      },
      [dy, y],
    );
  }
  // dx = y·(dy − S), S = Σ dy·y: ∂/∂dy = y·(g − Σ g·y); ∂/∂y = g·(dy − S) − dy·Σ g·y.
  return record(
    dx,
    'SoftmaxBackwardDataBackward0',
    [dy, y],
    (g) => {
      const gy = sum(mul(g, y), d, true);
      return [mul(y, sub(g, gy)), sub(mul(g, sub(dy, sum(mul(dy, y), d, true))), mul(dy, gy))];
    },
    [dy, y],
  );
}

function softmaxOf(x: Tensor, d: number, log: boolean): Tensor {
  // Every element is written by the kernel.
  const y = emptyUnzeroed(x.dtype, x.shape, 'kernel', log ? 'logSoftmax' : 'softmax', [x]);
  const { outer, n, inner } = splitAt(x.shape, d);
  if (x.numel > 0) softmaxKernel.impl(x.storage, y.storage, outer, n, inner, log);
  return y;
}

function check(x: Tensor, dim: number, op: string): number {
  checkTensor(x, 'input', op);
  checkFloating(x, 'input', op);
  if (dim === undefined) throw new Error(`${op}: dim is required; expected the dimension to normalize over`);
  return normalizeDim(dim, x.ndim, op);
}

/** e^x / Σ_dim e^x. */
export function softmax(x: Tensor, dim: number): Tensor {
  const d = check(x, dim, 'softmax');
  const y = softmaxOf(x, d, false);
  return record(y, 'SoftmaxBackward0', [x], (dy) => [softmaxBackward(dy, y, d, false)], [y]);
}

/** x − log Σ_dim e^x. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const d = check(x, dim, 'logSoftmax');
  const y = softmaxOf(x, d, true);
  return record(y, 'LogSoftmaxBackward0', [x], (dy) => [softmaxBackward(dy, y, d, true)], [y]);
}

defineMethods({
  softmax(this: Tensor, dim: number) {
    return softmax(this, dim);
  },
  logSoftmax(this: Tensor, dim: number) {
    return logSoftmax(this, dim);
  },
});
