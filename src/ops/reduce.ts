// sum and mean over all or given dimensions; their gradients broadcast dy back (expand).
import { allocate } from '../tensor/storage.js';
import { defineMethods, type Tensor } from '../tensor/tensor.js';
import { defineKernel } from '../kernels/index.js';
import { normalizeDim } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { referenceSumDims, sumDimsScalars, sumKernel } from '../kernels/reference/elementwise.js';
import { checkTensor, empty } from './util.js';
import { div } from './elementwise.js';
import { expand, reshape } from './view.js';

declare module '../tensor/tensor.js' {
  interface Tensor {
    /** The sum of all elements, or along dim (see {@link sum}). */
    sum(dim?: number | readonly number[], keepdim?: boolean): Tensor;
    /** The mean of all elements, or along dim (see {@link mean}). */
    mean(dim?: number | readonly number[], keepdim?: boolean): Tensor;
  }
}

function reduceDims(x: Tensor, dim: number | readonly number[] | undefined, op: string): number[] {
  if (dim === undefined) return x.shape.map((_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const dims = list.map((d) => normalizeDim(d, x.ndim, op));
  if (new Set(dims).size !== dims.length) throw new Error(`${op}: dim=[${list.join(', ')}] repeats a dimension`);
  return dims.filter((d) => d < x.ndim).sort((p, q) => p - q);
}

function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((n, i) => {
    if (!dims.includes(i)) out.push(n);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** db[c] = Σ x[p, c, i]: a sum over every dimension but 1 (a bias gradient), with its own wasm kernel. */
const biasGradKernel = defineKernel('biasGrad', (dy, db, { outer, channels, inner }) =>
  sumKernel(dy, [outer, channels, inner], [0, 2], db),
);

/** acc = Σ x over a sum plan of at most 4 dims, in double (see sumPlan), with its own wasm kernel. */
const sumDimsKernel = defineKernel('sumDims', referenceSumDims);

/** y = Σ x over `dims` (the sum rounded once to y's dtype), through the sumDims kernel where the plan allows. */
function sumInto(x: Tensor, dims: readonly number[], y: Tensor): void {
  const scalars = x.numel === 0 ? null : sumDimsScalars(x.shape, dims);
  if (scalars === null) return sumKernel(x.storage, x.shape, dims, y.storage);
  const acc = allocate('float64', y.numel, 'sum') as Float64Array;
  sumDimsKernel.impl(x.storage, acc, scalars);
  y.storage.set(acc);
}

/** The sum of all elements (a 0-d tensor), or along dim (one or several; keepdim keeps them as size 1), as `torch.sum`. */
export function sum(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, 'input', 'sum');
  const dims = reduceDims(x, dim, 'sum');
  const y = empty(x.dtype, reducedShape(x.shape, dims, keepdim));
  const allButChannels = x.ndim >= 2 && dims.length === x.ndim - 1 && !dims.includes(1);
  if (allButChannels)
    biasGradKernel.impl(x.storage, y.storage, {
      outer: x.shape[0],
      channels: x.shape[1],
      inner: x.numel / Math.max(x.shape[0] * x.shape[1], 1),
    });
  else sumInto(x, dims, y);
  const name = dim === undefined ? 'SumBackward0' : 'SumBackward1';
  return record(y, name, [x], (dy) => [expand(reshape(dy, reducedShape(x.shape, dims, true)), x.shape)]);
}

/** The mean of all elements (a 0-d tensor), or along dim (one or several), as `torch.mean`; floating dtypes only. */
export function mean(x: Tensor, dim?: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, 'input', 'mean');
  const dims = reduceDims(x, dim, 'mean');
  const count = dims.reduce((p, d) => p * x.shape[d], 1);
  const y = empty(x.dtype, reducedShape(x.shape, dims, keepdim));
  sumInto(x, dims, y);
  const yd = y.storage;
  for (let i = 0; i < yd.length; i++) yd[i] = yd[i] / count;
  const name = dim === undefined ? 'MeanBackward0' : 'MeanBackward1';
  return record(y, name, [x], (dy) => [div(expand(reshape(dy, reducedShape(x.shape, dims, true)), x.shape), count)]);
}

defineMethods({
  sum(this: Tensor, dim?: number | readonly number[], keepdim = false) {
    return sum(this, dim, keepdim);
  },
  mean(this: Tensor, dim?: number | readonly number[], keepdim = false) {
    return mean(this, dim, keepdim);
  },
});
