// Small helpers shared by the ops: output allocation, scalars as tensors, dtype promotion.
import { allocate, Tensor, type DType, type TensorOrScalar } from '../tensor/tensor.js';

export function empty(dtype: DType, shape: readonly number[]): Tensor {
  return new Tensor(allocate(dtype, shape.reduce((a, b) => a * b, 1)), shape);
}

export function scalarTensor(value: number, dtype: DType): Tensor {
  const t = empty(dtype, []);
  t.data[0] = value;
  return t;
}

/** PyTorch's promotion for two floating tensors: float64 wins; a plain number takes the tensor's dtype. */
export function promote(a: Tensor, b: TensorOrScalar): DType {
  if (typeof b === 'number') return a.dtype;
  return a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : 'float32';
}

export function checkTensor(t: unknown, arg: string, op: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new Error(`${op}: ${arg} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
  }
}

export function checkNumberOrTensor(t: unknown, arg: string, op: string): asserts t is TensorOrScalar {
  if (typeof t === 'number') return;
  checkTensor(t, arg, op);
}
