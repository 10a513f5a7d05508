// Small helpers shared by the ops: output allocation, scalars as tensors, dtype promotion, argument checks.
import { allocate, allocateUnzeroed } from '../tensor/storage.js';
import { isGradEnabled } from '../autograd/mode.js';
import { isFloating, Tensor, type DType, type FloatDType, type TensorOrScalar } from '../tensor/tensor.js';
import { checkSize, MAX_ELEMENTS } from '../tensor/shape.js';

/** A zeroed tensor; `op` names the caller when the shape is too large to allocate. */
export function empty(dtype: DType, shape: readonly number[], op = 'convgrad'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!(n <= MAX_ELEMENTS)) checkSize(shape, op);
  return new Tensor(allocate(dtype, n, op), shape, false, dtype);
}

/**
 * A tensor whose every element is written before anything reads it, so it need not start zeroed (large
 * fresh zeroed memory is what an op's output costs most): by the kernel call that comes next ('kernel':
 * the buffer goes to kernel.impl as an output before anything else touches it) or by the caller's own
 * code at once ('caller'). See allocateUnzeroed. `inputs`: those of the op the tensor is the output of;
 * where record() will put it in the autograd graph (recording on, an input requires grad), it may stay
 * in the kernels' memory, owned by the graph (tensor/resident.ts).
 */
export function emptyUnzeroed(
  dtype: DType,
  shape: readonly number[],
  writer: 'kernel' | 'caller',
  op = 'convgrad',
  inputs: readonly (Tensor | null)[] = [],
): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!(n <= MAX_ELEMENTS)) checkSize(shape, op);
  // (An input freed by backward or tidy makes the op throw: no block for it.)
  const joinsGraph =
    inputs.length > 0 &&
    isGradEnabled() &&
    inputs.some((t) => t?.requiresGrad === true) &&
    inputs.every((t) => t === null || t.residentBlock >= -1);
  return new Tensor(allocateUnzeroed(dtype, n, writer, op, joinsGraph), shape, false, dtype);
}

export function scalarTensor(value: number, dtype: DType): Tensor {
  const t = empty(dtype, []);
  t.storage[0] = value;
  return t;
}

const RANK: Record<DType, number> = { bool: 0, int64: 1, float32: 2, float64: 3 };

/**
 * PyTorch's type promotion for two operands: the higher of bool < int64 < float32 < float64 among
 * tensors; a plain number keeps the tensor's dtype unless it is fractional and the tensor is not
 * floating (then float32, the default dtype).
 */
export function promote(a: Tensor, b: TensorOrScalar): DType {
  if (typeof b === 'number') {
    if (isFloating(a.dtype)) return a.dtype;
    return Number.isInteger(b) ? (a.dtype === 'bool' ? 'int64' : a.dtype) : 'float32';
  }
  return RANK[a.dtype] >= RANK[b.dtype] ? a.dtype : b.dtype;
}

/** The floating dtype an op that always returns floats (div, exp, …) computes in. */
export function floatingOf(dtype: DType): FloatDType {
  return isFloating(dtype) ? dtype : 'float32';
}

export function checkTensor(t: unknown, arg: string, op: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new Error(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
}

/** A floating point tensor (checked to be a Tensor first). */
export function checkFloating(t: unknown, arg: string, op: string): asserts t is Tensor {
  checkTensor(t, arg, op);
  if (!isFloating(t.dtype)) {
    throw new Error(`${op}: ${arg} has dtype ${t.dtype}; expected a floating point tensor (float32 or float64)`);
  }
}

export function checkNumberOrTensor(t: unknown, arg: string, op: string): asserts t is TensorOrScalar {
  if (typeof t === 'number') return;
  checkTensor(t, arg, op);
}

/** An integer argument, with a message naming it. */
export function checkInt(v: unknown, arg: string, op: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    const want = min === -Infinity ? 'an integer' : min === 0 ? 'a non-negative integer' : `an integer ≥ ${min}`;
    throw new Error(`${op}: ${arg}=${String(v)} is invalid; expected ${want}`);
  }
  return v;
}

/** A finite number argument. */
/** A range [minVal, maxVal] of numbers (hardtanh's; nn.Hardtanh checks at construction): minVal ≤ maxVal. */
export function checkRange(minVal: unknown, maxVal: unknown, op: string): void {
  const lo = checkNumber(minVal, 'minVal', op);
  const hi = checkNumber(maxVal, 'maxVal', op);
  if (!(lo <= hi)) throw new Error(`${op}: minVal=${lo} is greater than maxVal=${hi}; expected minVal ≤ maxVal`);
}

export function checkNumber(v: unknown, arg: string, op: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${op}: ${arg}=${String(v)} is invalid; expected a number`);
  return v;
}
