// Shape ops. Tensors are always contiguous here, so each of these copies; the gradient of a shape
// op is the inverse shape op (reshape back, inverse permutation, sum over broadcast dimensions,
// scatter of a slice).
import { checkAnyDType, defineMethods, flattenShapeArgs, isFloating, truncateToInt64, type Tensor, type DType } from '../tensor/tensor.js';
import { formatShape, normalizeDim, numelOf } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { expandKernel, isLastTwoSwap, permuteKernel, sliceKernel, transposeKernel } from '../kernels/reference/elementwise.js';
import { defineKernel } from '../kernels/index.js';
import { checkTensor, empty, emptyUnzeroed } from './util.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** The same elements in another shape (one size may be -1: inferred), as torch.reshape. */
    reshape(...shape: number[] | [readonly number[]]): Tensor;
    /** The same elements in another shape (-1 inferred), as Tensor.view (a copy here: tensors are contiguous). */
    view(...shape: number[] | [readonly number[]]): Tensor;
    /** Dimensions startDim..endDim (0 and -1 by default) merged into one, as torch.flatten. */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** The dimensions reordered, as torch.permute. */
    permute(...dims: number[] | [readonly number[]]): Tensor;
    /** Dimensions dim0 and dim1 swapped, as torch.transpose. */
    transpose(dim0: number, dim1: number): Tensor;
    /** A 2-d tensor transposed (a 0-d or 1-d one as it is), as Tensor.t. */
    t(): Tensor;
    /** The elements reversed along dims, as torch.flip. */
    flip(dims: number | readonly number[]): Tensor;
    /** Size-1 dimensions removed (all, or just dim), as torch.squeeze. */
    squeeze(dim?: number): Tensor;
    /** A size-1 dimension inserted at dim, as torch.unsqueeze. */
    unsqueeze(dim: number): Tensor;
    /** Size-1 dimensions repeated to a larger shape (-1 keeps a size), as Tensor.expand. */
    expand(...shape: number[] | [readonly number[]]): Tensor;
    /** Elements start, start+step, … before end along dim, like t[..., start:end:step]. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    /** The sub-tensor at index along dim (that dimension removed), like t[..., index]. */
    select(dim: number, index: number): Tensor;
    /** t[i] for the first dimension. */
    index(i: number): Tensor;
    /** A copy in another dtype (float32, float64, int64, bool), as Tensor.to. */
    to(dtype: DType): Tensor;
    /** to('float64'). */
    double(): Tensor;
    /** to('float32'). */
    float(): Tensor;
    /** to('int64') (truncating toward zero, as PyTorch). */
    long(): Tensor;
    /** A copy with its own data, in the graph (its gradient flows back), as Tensor.clone. */
    clone(): Tensor;
  }
}

function inferShape(x: Tensor, shape: readonly number[], op: string): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((n, i) => {
    if (n === -1) {
      if (infer >= 0) throw new Error(`${op}: shape ${formatShape(shape)} has more than one -1`);
      infer = i;
    } else if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${op}: shape ${formatShape(shape)} has entry ${n}; expected non-negative integers or one -1`);
    } else known *= n;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || x.numel % known !== 0) {
      throw new Error(`${op}: shape ${formatShape(shape)} is invalid for input of size ${x.numel}`);
    }
    out[infer] = x.numel / known;
  }
  if (numelOf(out) !== x.numel) throw new Error(`${op}: shape ${formatShape(shape)} is invalid for input of size ${x.numel}`);
  return out;
}

/** x's elements in another shape (one size may be -1), as torch.reshape. */
export function reshape(x: Tensor, shape: readonly number[], name = 'ReshapeAliasBackward0'): Tensor {
  const op = name === 'ViewBackward0' ? 'view' : 'reshape';
  checkTensor(x, 'input', op);
  if (!Array.isArray(shape)) throw new Error(`${op}: shape=${String(shape)} must be an array of integers`);
  const out = inferShape(x, shape, op);
  const y = emptyUnzeroed(x.dtype, out, 'caller');
  y.storage.set(x.storage);
  return record(y, name, [x], (dy) => [reshape(dy, x.shape)]);
}

/** x's elements in another shape (-1 inferred), as Tensor.view. */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  return reshape(x, shape, 'ViewBackward0');
}

/** x with dimensions startDim..endDim merged into one, as torch.flatten. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, 'input', 'flatten');
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim=${startDim} must not come after endDim=${endDim}`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshape(x, shape);
}

/** x without its size-1 dimensions (all, or just dim), as torch.squeeze. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  checkTensor(x, 'input', 'squeeze');
  if (dim === undefined)
    return reshape(
      x,
      x.shape.filter((n) => n !== 1),
      'SqueezeBackward0',
    );
  const d = normalizeDim(dim, x.ndim, 'squeeze');
  const shape = x.ndim === 0 || x.shape[d] !== 1 ? [...x.shape] : x.shape.filter((_, i) => i !== d);
  return reshape(x, shape, 'SqueezeBackward1');
}

/** x with a size-1 dimension inserted at dim, as torch.unsqueeze. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'input', 'unsqueeze');
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape, 'UnsqueezeBackward0');
}

/** The common permutation, a transpose of the last two dimensions (linear and matmul's gradients), has a kernel of its own. */
const matrixTransposeKernel = defineKernel('transpose', transposeKernel);

/** x with its dimensions reordered, as torch.permute. */
export function permute(x: Tensor, dims: readonly number[], name = 'PermuteBackward0'): Tensor {
  checkTensor(x, 'input', 'permute');
  if (dims.length !== x.ndim) {
    throw new Error(`permute: dims=[${dims.join(', ')}] has ${dims.length} entries; expected ${x.ndim}, one per dimension`);
  }
  const perm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(perm).size !== perm.length) throw new Error(`permute: dims=[${dims.join(', ')}] repeats a dimension`);
  const y = empty(
    x.dtype,
    perm.map((p) => x.shape[p]),
  );
  if (isLastTwoSwap(perm)) {
    const [rows, cols] = x.shape.slice(-2);
    matrixTransposeKernel.impl(x.storage, y.storage, { batches: x.numel / Math.max(rows * cols, 1), rows, cols });
  } else permuteKernel(x.storage, x.shape, perm, y.storage);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return record(y, name, [x], (dy) => [permute(dy, inverse, name)]);
}

/** x.t(): the transpose of a matrix; a vector or a scalar as it is (PyTorch's TBackward0 either way). */
export function t(x: Tensor): Tensor {
  checkTensor(x, 'input', 't');
  if (x.ndim > 2)
    throw new Error(`t: input of shape ${formatShape(x.shape)} has ${x.ndim} dimensions; expected at most 2 (use transpose or permute)`);
  if (x.ndim < 2)
    return permute(
      x,
      x.shape.map((_, i) => i),
      'TBackward0',
    );
  return permute(x, [1, 0], 'TBackward0');
}

/** x reversed along each of `dims`, like torch.flip; its gradient is dy flipped the same way. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor(x, 'input', 'flip');
  const list = typeof dims === 'number' ? [dims] : Array.isArray(dims) ? [...dims] : null;
  if (list === null) throw new Error(`flip: dims=${String(dims)} must be a dimension or a list of dimensions`);
  const ds = list.map((d) => normalizeDim(d, Math.max(x.ndim, 1), 'flip'));
  const seen = new Set<number>();
  for (const d of ds) {
    if (seen.has(d)) throw new Error(`flip: dim ${d} appears more than once in dims=[${list.join(', ')}]`);
    seen.add(d);
  }
  const y = empty(x.dtype, x.shape);
  const strides = x.shape.map((_, i) => x.shape.slice(i + 1).reduce((p, n) => p * n, 1));
  const [xd, yd] = [x.storage, y.storage];
  for (let i = 0; i < yd.length; i++) {
    // Source index: each flipped dimension's coordinate reversed.
    let src = 0;
    let rest = i;
    for (let d = 0; d < x.ndim; d++) {
      const c = Math.floor(rest / strides[d]);
      rest -= c * strides[d];
      src += (seen.has(d) ? x.shape[d] - 1 - c : c) * strides[d];
    }
    yd[i] = xd[src];
  }
  return record(y, 'FlipBackward0', [x], (dy) => [flip(dy, ds)]);
}

/** x with dimensions dim0 and dim1 swapped, as torch.transpose. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'input', 'transpose');
  const n = Math.max(x.ndim, 1);
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  if (x.ndim === 0) return reshape(x, []);
  const perm = Array.from({ length: n }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm, 'TransposeBackward0');
}

/** x with size-1 dimensions repeated to a larger shape, as Tensor.expand. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'input', 'expand');
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new Error(`expand: the requested shape ${formatShape(shape)} has fewer dimensions than the tensor's ${formatShape(x.shape)}`);
  }
  const out = shape.map((n, i) => {
    const own = i < lead ? 1 : x.shape[i - lead];
    if (n === -1 && i >= lead) return own;
    if (own !== 1 && own !== n) {
      throw new Error(
        `expand: size ${own} of dimension ${i - lead} must match the requested size ${n} (or be 1); shape ${formatShape(shape)}`,
      );
    }
    return n;
  });
  const y = empty(x.dtype, out);
  expandKernel(x.storage, x.shape, y.storage, out);
  // dy has the expanded shape; the engine sums it back over the broadcast dimensions.
  return record(y, 'ExpandBackward0', [x], (dy) => [dy]);
}

function sliceAdjoint(dy: Tensor, xShape: readonly number[], dim: number, start: number, step: number): Tensor {
  const dx = empty(dy.dtype, xShape);
  sliceKernel(dx.storage, xShape, dim, start, step, dy.storage, dy.shape, true);
  return record(dx, 'SliceBackwardBackward0', [dy], (g) => [sliceRange(g, dim, start, step, dy.shape[dim])]);
}

function sliceRange(x: Tensor, dim: number, start: number, step: number, length: number): Tensor {
  const shape = [...x.shape];
  shape[dim] = length;
  const y = empty(x.dtype, shape);
  sliceKernel(x.storage, x.shape, dim, start, step, y.storage, shape, false);
  return record(y, 'SliceBackward0', [x], (dy) => [sliceAdjoint(dy, x.shape, dim, start, step)]);
}

/** x[..., start:end:step, ...] along dim, with Python's clamping of start and end. */
export function slice(x: Tensor, dim: number, start = 0, end = Infinity, step = 1): Tensor {
  checkTensor(x, 'input', 'slice');
  if (x.ndim === 0) throw new Error('slice: cannot slice a 0-d tensor; expected at least 1 dimension');
  const d = normalizeDim(dim, x.ndim, 'slice');
  if (!Number.isInteger(step) || step <= 0) throw new Error(`slice: step=${step} must be a positive integer`);
  for (const [arg, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (typeof v !== 'number' || !(Number.isInteger(v) || v === Infinity || v === -Infinity)) {
      throw new Error(`slice: ${arg}=${String(v)} is invalid; expected an integer`);
    }
  }
  const n = x.shape[d];
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  const s = clamp(start);
  const e = Math.max(clamp(end), s);
  return sliceRange(x, d, s, step, Math.ceil((e - s) / step));
}

/** x[..., index, ...] along dim: that dimension removed. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, 'input', 'select');
  if (x.ndim === 0) throw new Error('select: cannot index a 0-d tensor');
  const d = normalizeDim(dim, x.ndim, 'select');
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new Error(`select: index ${index} is out of range for dimension ${d} with size ${n}`);
  }
  const i = index < 0 ? index + n : index;
  const shape = x.shape.filter((_, k) => k !== d);
  return reshape(sliceRange(x, d, i, 1, 1), shape, 'SelectBackward0');
}

/** A copy in another dtype; floats become int64 by truncation toward zero and bool by "is non-zero". */
export function to(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'input', 'to');
  checkAnyDType(dtype, 'to');
  if (x.dtype === dtype) return x;
  const y = empty(dtype, x.shape);
  y.storage.set(x.storage);
  if (dtype === 'int64') truncateToInt64(y.storage, 'to');
  if (dtype === 'bool') {
    const yd = y.storage;
    for (let i = 0; i < yd.length; i++) yd[i] = yd[i] !== 0 ? 1 : 0;
  }
  if (!isFloating(dtype) || !isFloating(x.dtype)) return y;
  return record(y, 'ToCopyBackward0', [x], (dy) => [to(dy, x.dtype)]);
}

/** A copy of x with its own data, in the graph, as torch.clone. */
export function clone(x: Tensor): Tensor {
  checkTensor(x, 'input', 'clone');
  const y = emptyUnzeroed(x.dtype, x.shape, 'caller');
  y.storage.set(x.storage);
  return record(y, 'CloneBackward0', [x], (dy) => [dy]);
}

defineMethods({
  reshape(this: Tensor, ...shape: number[] | [readonly number[]]) {
    return reshape(this, flattenShapeArgs(shape));
  },
  view(this: Tensor, ...shape: number[] | [readonly number[]]) {
    return view(this, flattenShapeArgs(shape));
  },
  flatten(this: Tensor, startDim = 0, endDim = -1) {
    return flatten(this, startDim, endDim);
  },
  permute(this: Tensor, ...dims: number[] | [readonly number[]]) {
    return permute(this, flattenShapeArgs(dims));
  },
  transpose(this: Tensor, dim0: number, dim1: number) {
    return transpose(this, dim0, dim1);
  },
  t(this: Tensor) {
    return t(this);
  },
  flip(this: Tensor, dims: number | readonly number[]) {
    return flip(this, dims);
  },
  squeeze(this: Tensor, dim?: number) {
    return squeeze(this, dim);
  },
  unsqueeze(this: Tensor, dim: number) {
    return unsqueeze(this, dim);
  },
  expand(this: Tensor, ...shape: number[] | [readonly number[]]) {
    return expand(this, flattenShapeArgs(shape));
  },
  slice(this: Tensor, dim: number, start?: number, end?: number, step?: number) {
    return slice(this, dim, start, end, step);
  },
  select(this: Tensor, dim: number, index: number) {
    return select(this, dim, index);
  },
  index(this: Tensor, i: number) {
    return select(this, 0, i);
  },
  to(this: Tensor, dtype: DType) {
    return to(this, dtype);
  },
  double(this: Tensor) {
    return to(this, 'float64');
  },
  float(this: Tensor) {
    return to(this, 'float32');
  },
  long(this: Tensor) {
    return to(this, 'int64');
  },
  clone(this: Tensor) {
    return clone(this);
  },
});
