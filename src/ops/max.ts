// max / min / argmax / argmin: value-selecting reductions. The gradient goes to the selected element
// (the first one on ties along a dim, as PyTorch), through scatterAdd, so it is differentiable again.
import { defineMethods, type Tensor } from '../tensor/tensor.js';
import { normalizeDim } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkTensor, empty } from './util.js';
import { div, mul } from './elementwise.js';
import { eq } from './pointwise.js';
import { scatterAdd, splitAt } from './indexing.js';
import { sum } from './reduce.js';
import { expand, reshape, unsqueeze } from './view.js';

/** What max, min and maxPool2dWithIndices return along a dimension (PyTorch's named tuple). */
export interface ValuesAndIndices {
  /** The values chosen. */
  values: Tensor;
  /** Their indices along the dimension (int64). */
  indices: Tensor;
}

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** The largest element, or with `dim` the values and (int64) indices of the largest along dim. */
    max(): Tensor;
    /** The largest values along dim and their (int64) indices, the first where several tie. */
    max(dim: number, keepdim?: boolean): ValuesAndIndices;
    /** The smallest element, or with `dim` the values and (int64) indices of the smallest along dim. */
    min(): Tensor;
    /** The smallest values along dim and their (int64) indices, the first where several tie. */
    min(dim: number, keepdim?: boolean): ValuesAndIndices;
    /** The (int64) index of the largest element, flat or along dim. */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** The (int64) index of the smallest element, flat or along dim. */
    argmin(dim?: number, keepdim?: boolean): Tensor;
  }
}

/** NaN counts as the largest (and smallest): PyTorch's max and argmax propagate it. */
const better =
  (largest: boolean) =>
  (v: number, best: number): boolean =>
    !Number.isNaN(best) && (Number.isNaN(v) || (largest ? v > best : v < best));

/** Index (first on ties) of the best element along dim, for each (outer, inner) position. */
function selectAlong(x: Tensor, d: number, largest: boolean, op: string): { indices: Tensor; values: Tensor } {
  const { outer, n, inner } = splitAt(x.shape, d);
  if (n === 0) throw new Error(`${op}: cannot reduce over dimension ${d} of size 0; expected a non-empty dimension`);
  const shape = x.ndim === 0 ? [] : x.shape.filter((_, i) => i !== d);
  const indices = empty('int64', shape);
  const values = empty(x.dtype, shape);
  const isBetter = better(largest);
  const [xd, id, vd] = [x.storage, indices.storage, values.storage];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = xd[o * n * inner + i];
      let at = 0;
      for (let j = 1; j < n; j++) {
        const v = xd[(o * n + j) * inner + i];
        if (isBetter(v, best)) {
          best = v;
          at = j;
        }
      }
      id[o * inner + i] = at;
      vd[o * inner + i] = best;
    }
  }
  return { indices, values };
}

function reduceWithIndices(x: Tensor, dim: number, keepdim: boolean, largest: boolean): ValuesAndIndices {
  const op = largest ? 'max' : 'min';
  const d = normalizeDim(dim, x.ndim, op);
  const r = selectAlong(x, d, largest, op);
  const keep = x.ndim > 0 && keepdim;
  const indices = keep ? unsqueeze(r.indices, d) : r.indices;
  const values = keep ? reshape(r.values, indices.shape) : r.values;
  const idx = x.ndim === 0 ? indices : keep ? indices : unsqueeze(indices, d);
  const grad = (dy: Tensor): Tensor => {
    const g = x.ndim === 0 ? dy : keep ? dy : unsqueeze(dy, d);
    return x.ndim === 0 ? g : scatterAdd(empty(dy.dtype, x.shape), d, idx, g);
  };
  return { values: record(values, largest ? 'MaxBackward0' : 'MinBackward0', [x], (dy) => [grad(dy)]), indices };
}

/** The largest element; the gradient is shared evenly among the elements equal to it (PyTorch's MaxBackward1). */
function reduceAll(x: Tensor, largest: boolean): Tensor {
  const op = largest ? 'max' : 'min';
  if (x.numel === 0) throw new Error(`${op}: the input is empty; expected at least one element (pass dim to reduce along a dimension)`);
  const flat = selectAlong(reshape(x.detach(), [x.numel]), 0, largest, op).values;
  const y = reshape(flat, []);
  return record(
    y,
    largest ? 'MaxBackward1' : 'MinBackward1',
    [x],
    (dy) => {
      const hit = eq(x, y).to(x.dtype);
      return [mul(div(hit, sum(hit)), expand(dy, x.shape))];
    },
    [x],
  );
}

/** The largest element of x, a 0-d tensor (`torch.max(x)`); its gradient goes evenly to the tied maxima. */
export function max(x: Tensor): Tensor;
/** The largest values of x along dim and their (int64) indices (`torch.max(x, dim, keepdim)`). */
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesAndIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesAndIndices {
  checkTensor(x, 'input', 'max');
  return dim === undefined ? reduceAll(x, true) : reduceWithIndices(x, dim, keepdim, true);
}

/** The smallest element of x, a 0-d tensor (`torch.min(x)`). */
export function min(x: Tensor): Tensor;
/** The smallest values of x along dim and their (int64) indices (`torch.min(x, dim, keepdim)`). */
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesAndIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesAndIndices {
  checkTensor(x, 'input', 'min');
  return dim === undefined ? reduceAll(x, false) : reduceWithIndices(x, dim, keepdim, false);
}

function argBest(x: Tensor, dim: number | undefined, keepdim: boolean, largest: boolean): Tensor {
  const op = largest ? 'argmax' : 'argmin';
  checkTensor(x, 'input', op);
  if (dim === undefined) {
    if (x.numel === 0) throw new Error(`${op}: the input is empty; expected at least one element`);
    const r = selectAlong(reshape(x.detach(), [x.numel]), 0, largest, op).indices;
    return keepdim
      ? reshape(
          r,
          x.shape.map(() => 1),
        )
      : reshape(r, []);
  }
  const d = normalizeDim(dim, x.ndim, op);
  const { indices } = selectAlong(x.detach(), d, largest, op);
  return keepdim && x.ndim > 0 ? unsqueeze(indices, d) : indices;
}

/** Index of the largest element (of the flattened tensor, or along dim), as int64. */
export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argBest(x, dim, keepdim, true);
/** Index of the smallest element (of the flattened tensor, or along dim), as int64. */
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argBest(x, dim, keepdim, false);

defineMethods({
  max(this: Tensor, dim?: number, keepdim?: boolean) {
    return dim === undefined ? max(this) : max(this, dim, keepdim);
  },
  min(this: Tensor, dim?: number, keepdim?: boolean) {
    return dim === undefined ? min(this) : min(this, dim, keepdim);
  },
  argmax(this: Tensor, dim?: number, keepdim?: boolean) {
    return argmax(this, dim, keepdim);
  },
  argmin(this: Tensor, dim?: number, keepdim?: boolean) {
    return argmin(this, dim, keepdim);
  },
});
