// matmul (with NumPy broadcasting of batch dimensions) and linear. The wasm kernel is the conv
// GEMM: c = a·b is a 1×1 convolution of b (K channels, N positions) with weights a (M×K×1), so the
// register-blocked SIMD micro-kernel serves both without a copy of either operand. An operand may be
// read transposed where it lies (linear's weight, and the operands of every rule), so no rule copies one:
//   C = op(A)·op(B):  dA = dC·op(B)ᵀ,  dB = op(A)ᵀ·dC   (each again such a product: second derivatives come free)
import { defineMethods, type Tensor } from '../tensor/tensor.js';
import { broadcastShapes, formatShape, numelOf } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { defineKernel } from '../kernels/index.js';
import { matmul as referenceMatmul } from '../kernels/reference/matmul.js';
import { checkFloating, checkTensor, emptyUnzeroed } from './util.js';
import { addBiasKernel } from './conv_primitive.js';
import { sum } from './reduce.js';
import { expand, reshape, squeeze, unsqueeze } from './view.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** The matrix product with other (see {@link matmul}). */
    matmul(other: Tensor): Tensor;
  }
}

export const matmulKernel = defineKernel('matmul', referenceMatmul);

/** The last two sizes of t as its operand of a product: (rows, cols), swapped where it is read transposed. */
const operandShape = (t: Tensor, transposed: boolean): [number, number] => {
  const [r, c] = t.shape.slice(-2);
  return transposed ? [c, r] : [r, c];
};

/**
 * op(a)·op(b) for tensors of at least 2 dimensions, batch dimensions broadcast, where op(t) is t or,
 * transposed, t with its last two dimensions swapped (read in place by the kernel, never copied).
 */
export function product(a: Tensor, b: Tensor, transA: boolean, transB: boolean, name: string): Tensor {
  const [M, K] = operandShape(a, transA);
  const [K2, N] = operandShape(b, transB);
  if (K !== K2) {
    throw new Error(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${M}x${K} and ${K2}x${N}); expected equal inner sizes`,
    );
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'matmul');
  const count = numelOf(batch);
  const full = (t: Tensor): Tensor =>
    t.ndim - 2 === batch.length && t.shape.slice(0, -2).every((s, i) => s === batch[i])
      ? t
      : expand(t.detach(), [...batch, ...t.shape.slice(-2)]);
  const ae = full(a);
  const be = full(b);
  // Every element is written by the kernel calls below (the reference writes its sums, not adds to them).
  const y = emptyUnzeroed(a.dtype, [...batch, M, N], 'kernel', 'matmul', [a, b]);
  const kernel = matmulKernel.impl;
  for (let i = 0; i < count; i++) kernel(ae.storage, i * M * K, be.storage, i * K * N, y.storage, i * M * N, M, K, N, transA, transB);
  return record(
    y,
    name,
    [a, b],
    (dy, needs) => [
      // The stored a's gradient: dC·op(B)ᵀ, or its transpose op(B)·dCᵀ where a is read transposed.
      needs[0] ? (transA ? product(b, dy, transB, true, 'MmBackward0') : product(dy, b, false, !transB, 'MmBackward0')) : null,
      // The stored b's gradient: op(A)ᵀ·dC, or its transpose dCᵀ·op(A) where b is read transposed.
      needs[1] ? (transB ? product(dy, a, true, transA, 'MmBackward0') : product(a, dy, !transA, false, 'MmBackward0')) : null,
    ],
    [a, b],
  );
}

/** torch.matmul: 1-d operands are promoted to a row (left) or column (right) and the added dimension removed. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'input', 'matmul');
  checkTensor(b, 'other', 'matmul');
  checkFloating(a, 'input', 'matmul');
  if (a.dtype !== b.dtype) throw new Error(`matmul: input has dtype ${a.dtype} but other has dtype ${b.dtype}; expected the same dtype`);
  if (a.ndim === 0 || b.ndim === 0) throw new Error('matmul: both arguments need at least 1 dimension; got a 0-d tensor');
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  return product(a, b, false, false, a.ndim === 2 && b.ndim === 2 ? 'MmBackward0' : 'UnsafeViewBackward0');
}

/** y = x·wᵀ + b over the last dimension of x (…, inFeatures), w (outFeatures, inFeatures), b (outFeatures). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor(x, 'input', 'linear');
  checkTensor(weight, 'weight', 'linear');
  if (weight.ndim !== 2) throw new Error(`linear: weight of shape ${formatShape(weight.shape)} must be 2-d (outFeatures, inFeatures)`);
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== weight.shape[1]) {
    throw new Error(
      `linear: input of shape ${formatShape(x.shape)} must end in inFeatures=${weight.shape[1]} (weight ${formatShape(weight.shape)})`,
    );
  }
  if (bias !== null) {
    checkTensor(bias, 'bias', 'linear');
    if (bias.ndim !== 1 || bias.shape[0] !== weight.shape[0]) {
      throw new Error(`linear: bias of shape ${formatShape(bias.shape)} must have shape [${weight.shape[0]}]`);
    }
  }
  // As PyTorch (and conv, matmul here): floating operands of one dtype; an int64 input would give an int64
  // tensor holding fractions, and a float64 input into float32 weights a silent mix.
  checkFloating(x, 'input', 'linear');
  for (const [t, arg] of [
    [weight, 'weight'],
    [bias, 'bias'],
  ] as const) {
    if (t !== null && t.dtype !== x.dtype)
      throw new Error(`linear: input has dtype ${x.dtype} but ${arg} has dtype ${t.dtype}; expected the same dtype`);
  }
  if (x.ndim !== 2) {
    const rows = reshape(x, [-1, weight.shape[1]]);
    return reshape(linear(rows, weight, bias), [...x.shape.slice(0, -1), weight.shape[0]], 'ViewBackward0');
  }
  // x·wᵀ with w read transposed where it lies.
  const y = product(x.detach(), weight.detach(), false, true, 'MmBackward0');
  if (bias !== null) {
    addBiasKernel.impl(y.storage, bias.storage, { outer: y.shape[0], channels: y.shape[1], inner: 1 });
  }
  return record(
    y,
    bias === null ? 'MmBackward0' : 'AddmmBackward0',
    [x, weight, bias],
    (dy, needs) => [
      needs[0] ? product(dy, weight, false, false, 'MmBackward0') : null,
      needs[1] ? product(dy, x, true, false, 'MmBackward0') : null,
      needs[2] ? sum(dy, 0) : null,
    ],
    [x, weight],
  );
}

defineMethods({
  matmul(this: Tensor, other: Tensor) {
    return matmul(this, other);
  },
});
