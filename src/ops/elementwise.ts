// Broadcasting elementwise ops and their gradient rules (each rule built from these same ops).
import { markWritten } from '../tensor/storage.js';
import { defineMethods, type Tensor, type TensorOrScalar } from '../tensor/tensor.js';
import { broadcastShapes } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { binaryKernel, expandKernel, loopPlan, planOfFour, type BinaryCode } from '../kernels/reference/elementwise.js';
import type { BinaryScalars, ExpLogScalars } from '../kernels/signatures.js';
import { defineKernel } from '../kernels/index.js';
import type { Storage } from '../tensor/tensor.js';
import { checkNumberOrTensor, checkTensor, empty, emptyUnzeroed, floatingOf, promote, scalarTensor } from './util.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** this + other, broadcasting (a number is a 0-d tensor of this dtype), as torch.add. */
    add(other: TensorOrScalar): Tensor;
    /** this − other, broadcasting, as torch.sub. */
    sub(other: TensorOrScalar): Tensor;
    /** this · other, broadcasting, as torch.mul. */
    mul(other: TensorOrScalar): Tensor;
    /** this / other, broadcasting (true division), as torch.div. */
    div(other: TensorOrScalar): Tensor;
    /** this ** exponent (a number or a broadcast tensor), as torch.pow. */
    pow(exponent: TensorOrScalar): Tensor;
    /** −this, as torch.neg. */
    neg(): Tensor;
    /** e ** this, as torch.exp. */
    exp(): Tensor;
    /** The natural logarithm, as torch.log. */
    log(): Tensor;
    /** max(this, 0), as torch.relu. */
    relu(): Tensor;
  }
}

const ARITHMETIC = { add: 0, sub: 1, mul: 2, div: 3 } as const;
const SCALAR_OPS = [
  (x: number, y: number) => x + y,
  (x: number, y: number) => x - y,
  (x: number, y: number) => x * y,
  (x: number, y: number) => x / y,
];

/** y = a ∘ b over a loop plan of 4 dimensions (sizes n, strides sa and sb), ∘ = + − × ÷ by s.op; y contiguous. */
function referenceArithmetic(a: Storage, b: Storage, y: Storage, s: BinaryScalars): void {
  const f = SCALAR_OPS[s.op];
  let out = 0;
  for (let i0 = 0; i0 < s.n0; i0++) {
    for (let i1 = 0; i1 < s.n1; i1++) {
      for (let i2 = 0; i2 < s.n2; i2++) {
        const ia = i0 * s.sa0 + i1 * s.sa1 + i2 * s.sa2;
        const ib = i0 * s.sb0 + i1 * s.sb1 + i2 * s.sb2;
        for (let j = 0; j < s.n3; j++) y[out++] = f(a[ia + j * s.sa3], b[ib + j * s.sb3]);
      }
    }
  }
}

const arithmeticKernel = defineKernel('binary', referenceArithmetic);

/** Runs + − × ÷ through the arithmetic kernel when the merged loop plan has at most 4 dimensions; false otherwise. */
function arithmetic(code: BinaryCode, a: Tensor, b: Tensor, y: Tensor): boolean {
  if (code === 'fn' || y.numel === 0) return false;
  const { sizes, sa, sb } = loopPlan(a.shape, b.shape, y.shape);
  if (sizes.length > 4) return false;
  const [n0, n1, n2, n3] = planOfFour(sizes, 1);
  const [sa0, sa1, sa2, sa3] = planOfFour(sa, 0);
  const [sb0, sb1, sb2, sb3] = planOfFour(sb, 0);
  arithmeticKernel.impl(a.storage, b.storage, y.storage, { op: ARITHMETIC[code], n0, n1, n2, n3, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3 });
  return true;
}

function binary(
  op: string,
  a: Tensor,
  b: TensorOrScalar,
  f: (x: number, y: number) => number,
  floatResult = false,
  code: BinaryCode = 'fn',
): Tensor {
  checkTensor(a, 'input', op);
  checkNumberOrTensor(b, 'other', op);
  const dtype = floatResult ? floatingOf(promote(a, b)) : promote(a, b);
  const bt = typeof b === 'number' ? scalarTensor(b, dtype) : b;
  const shape = broadcastShapes(a.shape, bt.shape, op);
  const y = emptyUnzeroed(dtype, shape, 'kernel', op, [a, bt]);
  // Mixed dtypes (an int64 operand promoted) go through the general loop, which reads any storage (and,
  // as the kernel would, writes every element of y).
  if (a.dtype !== dtype || bt.dtype !== dtype || !arithmetic(code, a, bt, y)) {
    markWritten([y.storage]);
    binaryKernel(a.storage, a.shape, bt.storage, bt.shape, y.storage, shape, f, code);
  }
  return y;
}

type UnaryCode = 'neg' | 'exp' | 'log' | 'relu';

/** y = max(x, 0); NaN stays NaN, as PyTorch's relu. */
function referenceRelu(x: Storage, y: Storage): void {
  for (let i = 0; i < y.length; i++) y[i] = x[i] > 0 || Number.isNaN(x[i]) ? x[i] : 0;
}

/** dx = dy where y > 0, else 0. */
function referenceReluGrad(dy: Storage, y: Storage, dx: Storage): void {
  for (let i = 0; i < dx.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

/** y = e^x, or log x where s.log is 1 (the result rounded once to y's dtype). */
function referenceExpLog(x: Storage, y: Storage, s: ExpLogScalars): void {
  if (s.log) for (let i = 0; i < y.length; i++) y[i] = Math.log(x[i]);
  else for (let i = 0; i < y.length; i++) y[i] = Math.exp(x[i]);
}

const reluKernel = defineKernel('relu', referenceRelu);
const expLogKernel = defineKernel('expLog', referenceExpLog);
const reluGradKernel = defineKernel('reluGrad', referenceReluGrad);

/** y = f(a) elementwise, one loop per op (monomorphic and tight). */
function unary(op: UnaryCode, a: Tensor, floatResult = false): Tensor {
  checkTensor(a, 'input', op);
  // Every case writes every element: neg here, the others through their kernels (int64 or bool input to
  // a float32 result: the reference kernel, which reads any storage).
  const y = emptyUnzeroed(floatResult ? floatingOf(a.dtype) : a.dtype, a.shape, op === 'neg' ? 'caller' : 'kernel', op, [a]);
  const x = a.storage;
  const out = y.storage;
  const n = out.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      break;
    case 'exp':
    case 'log':
      expLogKernel.impl(x, out, { log: op === 'log' ? 1 : 0 });
      break;
    case 'relu':
      reluKernel.impl(x, out);
      break;
  }
  return y;
}

const other = (b: TensorOrScalar): Tensor | null => (typeof b === 'number' ? null : b);

/** a + b, broadcasting (a number is a 0-d tensor of a's dtype), as torch.add. */
export function add(a: Tensor, b: TensorOrScalar): Tensor {
  const y = binary('add', a, b, (x, z) => x + z, false, 'add');
  return record(y, 'AddBackward0', [a, other(b)], (dy) => [dy, dy]);
}

/** a − b, broadcasting, as torch.sub. */
export function sub(a: Tensor, b: TensorOrScalar): Tensor {
  const y = binary('sub', a, b, (x, z) => x - z, false, 'sub');
  return record(y, 'SubBackward0', [a, other(b)], (dy, needs) => [dy, needs[1] ? neg(dy) : null]);
}

/** a · b, broadcasting, as torch.mul. */
export function mul(a: Tensor, b: TensorOrScalar): Tensor {
  const y = binary('mul', a, b, (x, z) => x * z, false, 'mul');
  return record(y, 'MulBackward0', [a, other(b)], (dy, needs) => [needs[0] ? mul(dy, b) : null, needs[1] ? mul(dy, a) : null], [
    a,
    other(b),
  ]);
}

/** a / b, broadcasting (true division), as torch.div. */
export function div(a: Tensor, b: TensorOrScalar): Tensor {
  const y = binary('div', a, b, (x, z) => x / z, true, 'div');
  return record(
    y,
    'DivBackward0',
    [a, other(b)],
    (dy, needs) => [
      needs[0] ? div(dy, b) : null,
      // d(a/b)/db = −a/b²
      needs[1] ? neg(div(div(mul(dy, a), b), b)) : null,
    ],
    [a, other(b)],
  );
}

/** −a, as torch.neg. */
export function neg(a: Tensor): Tensor {
  const y = unary('neg', a);
  return record(y, 'NegBackward0', [a], (dy) => [neg(dy)]);
}

/** e ** a, as torch.exp. */
export function exp(a: Tensor): Tensor {
  const y = unary('exp', a, true);
  return record(y, 'ExpBackward0', [a], (dy) => [mul(dy, y)], [y]);
}

/** The natural logarithm of a, as torch.log. */
export function log(a: Tensor): Tensor {
  const y = unary('log', a, true);
  return record(y, 'LogBackward0', [a], (dy) => [div(dy, a)], [a]);
}

/** cond ? a : b elementwise, cond a tensor of 0/1 (broadcast); no gradient flows to cond. */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  checkTensor(cond, 'condition', 'where');
  checkTensor(a, 'input', 'where');
  checkTensor(b, 'other', 'where');
  const dtype = promote(a, b);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const [c, av, bv] = [cond, a, b].map((t) => {
    const full = empty(dtype, shape);
    expandKernel(t.storage, t.shape, full.storage, shape);
    return full.storage;
  });
  const y = empty(dtype, shape);
  const yd = y.storage;
  for (let i = 0; i < yd.length; i++) yd[i] = c[i] !== 0 ? av[i] : bv[i];
  const zeros = empty(dtype, []);
  return record(y, 'WhereBackward0', [a, b], (dy, needs) => [
    needs[0] ? where(cond, dy, zeros) : null,
    needs[1] ? where(cond, zeros, dy) : null,
  ]);
}

/** a ** p; for a tensor exponent, d/dp = a^p·log a, taken as 0 where a = 0 and p ≥ 0 as PyTorch does. */
export function pow(a: Tensor, p: TensorOrScalar): Tensor {
  const y = binary('pow', a, p, Math.pow);
  if (typeof p === 'number') {
    return record(y, 'PowBackward0', [a], (dy) => [p === 0 ? mul(dy, 0) : mul(mul(dy, p), pow(a, p - 1))], [a]);
  }
  return record(
    y,
    'PowBackward1',
    [a, p],
    (dy, needs) => {
      let dp: Tensor | null = null;
      if (needs[1]) {
        const zeroBase = binary('pow', a, p, (x, e) => (x === 0 && e >= 0 ? 1 : 0));
        const safeA = where(zeroBase, scalarTensor(1, a.dtype), a);
        dp = where(zeroBase, scalarTensor(0, y.dtype), mul(dy, mul(y, log(safeA))));
      }
      return [needs[0] ? mul(mul(dy, p), pow(a, sub(p, 1))) : null, dp];
    },
    [a, p, y],
  );
}

/** max(a, 0), as torch.relu (its gradient 0 at 0, as PyTorch's). */
export function relu(a: Tensor): Tensor {
  const y = unary('relu', a);
  return record(y, 'ReluBackward0', [a], (dy) => [reluGrad(dy, y)], [y]);
}

/** dx = dy where y > 0, else 0 (PyTorch's threshold_backward); linear in dy, so its own gradient. */
function reluGrad(dy: Tensor, y: Tensor): Tensor {
  const dx = emptyUnzeroed(dy.dtype, dy.shape, 'kernel');
  reluGradKernel.impl(dy.storage, y.storage, dx.storage);
  return record(dx, 'ThresholdBackward0', [dy], (u) => [reluGrad(u, y)], [y]);
}

defineMethods({
  add(this: Tensor, other: TensorOrScalar) {
    return add(this, other);
  },
  sub(this: Tensor, other: TensorOrScalar) {
    return sub(this, other);
  },
  mul(this: Tensor, other: TensorOrScalar) {
    return mul(this, other);
  },
  div(this: Tensor, other: TensorOrScalar) {
    return div(this, other);
  },
  pow(this: Tensor, exponent: TensorOrScalar) {
    return pow(this, exponent);
  },
  neg(this: Tensor) {
    return neg(this);
  },
  exp(this: Tensor) {
    return exp(this);
  },
  log(this: Tensor) {
    return log(this);
  },
  relu(this: Tensor) {
    return relu(this);
  },
});
