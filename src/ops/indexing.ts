// Index-based primitives: gather / scatterAdd and indexSelect / indexAdd, each pair the other's
// adjoint, so their gradients (and second gradients) are each other. Pooling, max(dim) and the losses
// build their gradients on them.
import { defineMethods, type Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeDim } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkTensor, empty } from './util.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** Values at index along dim (see {@link gather}). */
    gather(dim: number, index: Tensor): Tensor;
    /** A copy with src added at index along dim (see {@link scatterAdd}). */
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    /** The slices at index along dim (see {@link indexSelect}). */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** A copy with source's slices added at index along dim (see {@link indexAdd}). */
    indexAdd(dim: number, index: Tensor, source: Tensor): Tensor;
  }
}

/** outer · n · inner = numel, splitting the shape at dim. */
export function splitAt(shape: readonly number[], dim: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return { outer, n: shape.length === 0 ? 1 : shape[dim], inner };
}

function checkIndex(index: Tensor, op: string): void {
  checkTensor(index, 'index', op);
  if (index.dtype !== 'int64') throw new Error(`${op}: index has dtype ${index.dtype}; expected int64`);
}

function checkInRange(v: number, n: number, op: string, dim: number): number {
  if (v < -n || v >= n) throw new Error(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${n}`);
  return v < 0 ? v + n : v;
}

/** Checks gather/scatter shapes: index has x's rank and fits inside x (and src) in every other dimension. */
function checkGatherShapes(op: string, x: Tensor, d: number, index: Tensor, other?: Tensor): void {
  const rank = Math.max(x.ndim, 1);
  if (Math.max(index.ndim, 1) !== rank) {
    throw new Error(
      `${op}: index of shape ${formatShape(index.shape)} must have as many dimensions as input of shape ${formatShape(x.shape)}`,
    );
  }
  index.shape.forEach((n, i) => {
    if (i !== d && n > x.shape[i]) {
      throw new Error(`${op}: index of shape ${formatShape(index.shape)} is larger than input ${formatShape(x.shape)} in dimension ${i}`);
    }
    if (other !== undefined && n > other.shape[i]) {
      throw new Error(`${op}: index of shape ${formatShape(index.shape)} is larger than src ${formatShape(other.shape)} in dimension ${i}`);
    }
  });
}

/**
 * Visits every element of `index`: `visit(offsetIn, offsetOut)` with the offset in a tensor of
 * `shape` where dimension `dim` takes the index value, and the element's own offset in `shape2`.
 */
function forEachGathered(
  op: string,
  index: Tensor,
  dim: number,
  shape: readonly number[],
  shape2: readonly number[],
  visit: (at: number, own: number) => void,
): void {
  const ish = index.shape.length === 0 ? [1] : index.shape;
  const sh = shape.length === 0 ? [1] : shape;
  const sh2 = shape2.length === 0 ? [1] : shape2;
  const nd = ish.length;
  if (ish.every((n, i) => n === sh2[i] && (i === dim || n === sh[i]))) {
    // The usual case (a loss's targets, max's indices): index has the other tensors' shape but along dim,
    // so the element k = (o, j, i) of index is element k of shape2 and (o, index[k], i) of shape.
    const { outer, n: m, inner } = splitAt(ish, dim);
    const n = sh[dim];
    const idx = index.storage;
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < inner; i++, k++) visit((o * n + checkInRange(idx[k], n, op, dim)) * inner + i, k);
      }
    }
    return;
  }
  const strides = new Array<number>(nd);
  const strides2 = new Array<number>(nd);
  let s = 1;
  let s2 = 1;
  for (let i = nd - 1; i >= 0; i--) {
    strides[i] = s;
    strides2[i] = s2;
    s *= sh[i];
    s2 *= sh2[i];
  }
  const pos = new Array<number>(nd).fill(0);
  const idx = index.storage;
  for (let k = 0; k < idx.length; k++) {
    let at = 0;
    let own = 0;
    for (let i = 0; i < nd; i++) {
      own += pos[i] * strides2[i];
      at += (i === dim ? checkInRange(idx[k], sh[dim], op, dim) : pos[i]) * strides[i];
    }
    visit(at, own);
    for (let i = nd - 1; i >= 0; i--) {
      if (++pos[i] < ish[i]) break;
      pos[i] = 0;
    }
  }
}

/** y[…i…] = x[…index[…i…]…] along dim; y has index's shape. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'input', 'gather');
  checkIndex(index, 'gather');
  const d = normalizeDim(dim, x.ndim, 'gather');
  checkGatherShapes('gather', x, d, index);
  const y = empty(x.dtype, index.shape);
  const [xd, yd] = [x.storage, y.storage];
  forEachGathered('gather', index, d, x.shape, index.shape, (at, own) => (yd[own] = xd[at]));
  return record(y, 'GatherBackward0', [x], (dy) => [scatterAdd(empty(dy.dtype, x.shape), d, index, dy)]);
}

/** A copy of x with src[…i…] added at x[…index[…i…]…] along dim. */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(x, 'input', 'scatterAdd');
  checkTensor(src, 'src', 'scatterAdd');
  checkIndex(index, 'scatterAdd');
  const d = normalizeDim(dim, x.ndim, 'scatterAdd');
  checkGatherShapes('scatterAdd', x, d, index, src);
  if (src.dtype !== x.dtype)
    throw new Error(`scatterAdd: src has dtype ${src.dtype} but input has dtype ${x.dtype}; expected the same dtype`);
  const y = empty(x.dtype, x.shape);
  y.storage.set(x.storage);
  const [yd, sd] = [y.storage, src.storage];
  forEachGathered('scatterAdd', index, d, x.shape, src.shape, (at, own) => (yd[at] += sd[own]));
  return record(y, 'ScatterAddBackward0', [x, src], (dy, needs) => [dy, needs[1] ? gather(dy, d, index) : null]);
}

function checkVectorIndex(index: Tensor, op: string): void {
  checkIndex(index, op);
  if (index.ndim > 1) throw new Error(`${op}: index of shape ${formatShape(index.shape)} must be a 1-d (or 0-d) tensor`);
}

/** The slices x[…, index[k], …] along dim, stacked in index order. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'input', 'indexSelect');
  checkVectorIndex(index, 'indexSelect');
  const d = normalizeDim(dim, x.ndim, 'indexSelect');
  if (x.ndim === 0) {
    // As PyTorch: a scalar stays a scalar; every index must address its one element.
    for (let k = 0; k < index.numel; k++) checkInRange(index.storage[k], 1, 'indexSelect', 0);
    const y = empty(x.dtype, []);
    y.storage[0] = x.storage[0];
    return record(y, 'IndexSelectBackward0', [x], (dy) => [dy]);
  }
  const { outer, n, inner } = splitAt(x.shape, d);
  const m = index.numel;
  const shape = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? m : s));
  const y = empty(x.dtype, shape);
  const [xd, yd, idx] = [x.storage, y.storage, index.storage];
  for (let k = 0; k < m; k++) {
    const j = checkInRange(idx[k], n, 'indexSelect', d);
    for (let o = 0; o < outer; o++) yd.set(xd.subarray((o * n + j) * inner, (o * n + j + 1) * inner), (o * m + k) * inner);
  }
  return record(y, 'IndexSelectBackward0', [x], (dy) => [indexAdd(empty(dy.dtype, x.shape), d, index, dy)]);
}

/** A copy of x with source's slices added at x[…, index[k], …] along dim. */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'input', 'indexAdd');
  checkTensor(source, 'source', 'indexAdd');
  checkVectorIndex(index, 'indexAdd');
  const d = normalizeDim(dim, x.ndim, 'indexAdd');
  const { outer, n, inner } = splitAt(x.shape, d);
  const m = index.numel;
  const want = x.ndim === 0 ? [] : x.shape.map((s, i) => (i === d ? m : s));
  if (source.shape.length !== want.length || source.shape.some((s, i) => s !== want[i])) {
    throw new Error(
      `indexAdd: source of shape ${formatShape(source.shape)} must have shape ${formatShape(want)} (input's with index's length along dim ${d})`,
    );
  }
  if (source.dtype !== x.dtype)
    throw new Error(`indexAdd: source has dtype ${source.dtype} but input has dtype ${x.dtype}; expected the same dtype`);
  const y = empty(x.dtype, x.shape);
  y.storage.set(x.storage);
  const idx = index.storage;
  for (let k = 0; k < m; k++) {
    const j = checkInRange(idx[k], n, 'indexAdd', d);
    for (let o = 0; o < outer; o++) {
      const to = (o * n + j) * inner;
      const from = (o * m + k) * inner;
      const [yd, sd] = [y.storage, source.storage];
      for (let i = 0; i < inner; i++) yd[to + i] += sd[from + i];
    }
  }
  return record(y, 'IndexAddBackward0', [x, source], (dy, needs) => [dy, needs[1] ? indexSelect(dy, d, index) : null]);
}

defineMethods({
  gather(this: Tensor, dim: number, index: Tensor) {
    return gather(this, dim, index);
  },
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor) {
    return scatterAdd(this, dim, index, src);
  },
  indexSelect(this: Tensor, dim: number, index: Tensor) {
    return indexSelect(this, dim, index);
  },
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor) {
    return indexAdd(this, dim, index, source);
  },
});

/**
 * F.one_hot: int64 class indices (any shape) to int64 one-hot rows of numClasses (−1: the largest
 * index + 1), a new last dimension; no gradient, as PyTorch's.
 */
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  checkTensor(x, 'input', 'oneHot');
  if (x.dtype !== 'int64') throw new Error(`oneHot: input has dtype ${x.dtype}; expected int64 class indices`);
  if (!Number.isInteger(numClasses) || numClasses < -1)
    throw new Error(`oneHot: numClasses=${String(numClasses)} is invalid; expected a non-negative integer or -1`);
  let C = numClasses;
  const xd = x.storage;
  if (C === -1) {
    if (x.numel === 0) throw new Error('oneHot: cannot infer the number of classes from an empty tensor; pass numClasses');
    C = 0;
    for (let i = 0; i < xd.length; i++) C = Math.max(C, xd[i] + 1);
  }
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    if (v < 0) throw new Error(`oneHot: class value ${v} is negative; expected values in [0, ${C - 1}]`);
    if (v >= C) throw new Error(`oneHot: class value ${v} is not below numClasses=${C}`);
  }
  const y = empty('int64', [...x.shape, C]);
  const yd = y.storage;
  for (let i = 0; i < xd.length; i++) yd[i * C + xd[i]] = 1;
  return y;
}
