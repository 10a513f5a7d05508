// Resizing as F.interpolate (PyTorch 1.13, antialias off): 'nearest' for 1-3 spatial dims, 'linear',
// 'bilinear' and 'trilinear' for 1, 2 and 3. Each spatial axis is a table built with ATen's arithmetic:
// nearest reads x[min(⌊i·scale⌋, in − 1)]; linear mixes two neighbours,
//   y[i] = λ0·x[i0] + λ1·x[i1],  src = scale·(i + ½) − ½ (clamped at 0) or scale·i with alignCorners,
// one axis after another, innermost first, as ATen's nested loop (rounded as PyTorch's build rounds it:
// one fused multiply-add, so float32 results are PyTorch's to the bit). The gradient is the adjoint,
// per axis: dx = Σ indexAdd(dy·λ), built from differentiable ops (its gradient is the resize again).
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { checkOptionKeys } from '../tensor/options.js';
import { tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { record } from '../autograd/node.js';
import { fmaf } from '../tensor/float32_math.js';
import { fma } from '../tensor/double_math.js';
import { checkFloating, checkTensor, empty } from './util.js';
import { mul } from './elementwise.js';
import { indexAdd } from './indexing.js';

/** The interpolation modes of {@link interpolate}. */
export type InterpolateMode = 'nearest' | 'linear' | 'bilinear' | 'trilinear';

/** Options of {@link interpolate}: the output size or scale factor, the mode and the corner alignment. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for every axis or one per axis. Give this or scaleFactor. */
  size?: number | readonly number[];
  /** The output size is ⌊input size · scaleFactor⌋ per axis. */
  scaleFactor?: number | readonly number[];
  /** 'nearest' (default), 'linear' (3-d input), 'bilinear' (4-d) or 'trilinear' (5-d). */
  mode?: InterpolateMode;
  /** Linear modes: map corner pixel centres onto corner pixel centres (false by default, as PyTorch's). */
  alignCorners?: boolean;
  /** With scaleFactor: index with the scale recomputed from the sizes (input/output) instead of 1/scaleFactor. */
  recomputeScaleFactor?: boolean;
}

/** For each output position of one axis: the source positions and their weights (one for nearest). */
interface AxisTable {
  index: number[][];
  weight: number[][] | null;
}

const LINEAR_DIMS: Record<string, number> = { linear: 1, bilinear: 2, trilinear: 3 };
const GRAD_NAMES: Record<InterpolateMode, string> = {
  nearest: 'UpsampleNearest',
  linear: 'UpsampleLinear',
  bilinear: 'UpsampleBilinear',
  trilinear: 'UpsampleTrilinear',
};

/** One value per spatial axis from a number or a list of `dims` values. */
function perAxis(v: number | readonly number[], dims: number, name: string, op: string): number[] {
  const list = typeof v === 'number' ? new Array<number>(dims).fill(v) : Array.isArray(v) ? [...v] : null;
  if (list === null || list.length !== dims)
    throw new Error(`${op}: ${name}=${JSON.stringify(v)} must be a number or a list of ${dims} (one per spatial dimension)`);
  return list as number[];
}

function nearestTable(input: number, output: number, scale: number | null, round: (v: number) => number): AxisTable {
  // ATen: scale = 1/scaleFactor when given, else input/output, in the tensor's precision.
  const ratio = round(scale !== null && scale > 0 ? 1 / scale : input / output);
  const index = Array.from({ length: output }, (_, i) => [Math.min(Math.floor(round(ratio * i)), input - 1)]);
  return { index, weight: null };
}

function linearTable(input: number, output: number, scale: number | null, alignCorners: boolean, round: (v: number) => number): AxisTable {
  const index: number[][] = [];
  const weight: number[][] = [];
  let ratio: number;
  if (alignCorners) ratio = output > 1 ? round((input - 1) / (output - 1)) : 0;
  else ratio = round(scale !== null && scale > 0 ? 1 / scale : input / output);
  for (let i = 0; i < output; i++) {
    if (input === output) {
      index.push([i, i]);
      weight.push([1, 0]);
      continue;
    }
    // ATen adds and subtracts ½ as a double literal: the source position is a double, its λ rounded.
    const real = alignCorners ? ratio * i : Math.max(ratio * (i + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(real), input - 1);
    const l1 = Math.min(Math.max(round(real - i0), 0), 1);
    index.push([i0, i0 + (i0 < input - 1 ? 1 : 0)]);
    weight.push([round(1 - l1), l1]);
  }
  return { index, weight };
}

/** The forward resize, one axis at a time (innermost first): y[i] = fma(x[i0], λ0, x[i1]·λ1), or x[i0] for nearest. */
function resampleForward(x: Tensor, tables: readonly AxisTable[]): Tensor {
  const mulAdd = x.dtype === 'float32' ? fmaf : fma;
  const round = x.dtype === 'float32' ? Math.fround : (v: number) => v;
  let src = x;
  for (let a = tables.length - 1; a >= 0; a--) {
    const dim = x.ndim - tables.length + a;
    const { index, weight } = tables[a];
    const shape = src.shape.map((n, d) => (d === dim ? index.length : n));
    const inner = src.shape.slice(dim + 1).reduce((p, n) => p * n, 1);
    const outer = src.shape.slice(0, dim).reduce((p, n) => p * n, 1);
    const from = src.shape[dim];
    const to = index.length;
    const dst = empty(x.dtype, shape);
    const s = src.storage;
    const d = dst.storage;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < to; i++) {
        const row0 = (o * from + index[i][0]) * inner;
        const out = (o * to + i) * inner;
        if (weight === null) {
          for (let j = 0; j < inner; j++) d[out + j] = s[row0 + j];
          continue;
        }
        const row1 = (o * from + index[i][1]) * inner;
        const [l0, l1] = weight[i];
        for (let j = 0; j < inner; j++) d[out + j] = mulAdd(s[row0 + j], l0, round(s[row1 + j] * l1));
      }
    }
    src = dst;
  }
  return src;
}

/** The adjoint of the resize (outermost axis first), from differentiable ops: scatter dy·weight back to the source positions. */
function resampleAdjoint(dy: Tensor, inputShape: readonly number[], tables: readonly AxisTable[]): Tensor {
  let g = dy;
  for (let a = 0; a < tables.length; a++) {
    const dim = dy.ndim - tables.length + a;
    const { index, weight } = tables[a];
    const shape = g.shape.map((n, d) => (d === dim ? inputShape[dim] : n));
    const view = g.shape.map((_, d) => (d === dim ? index.length : 1));
    let acc = zeros(shape, { dtype: dy.dtype });
    for (let k = 0; k < index[0].length; k++) {
      const source =
        weight === null
          ? g
          : mul(
              g,
              tensor(
                weight.map((w) => w[k]),
                { dtype: dy.dtype },
              ).view(...view),
            );
      acc = indexAdd(
        acc,
        dim,
        tensor(
          index.map((ix) => ix[k]),
          { dtype: 'int64' },
        ),
        source,
      );
    }
    g = acc;
  }
  return g;
}

/**
 * Resizes x (N, C, …spatial) with 1-3 spatial dimensions to `size`, or by `scaleFactor`, as
 * F.interpolate: 'nearest' (default), 'linear' (3-d input), 'bilinear' (4-d), 'trilinear' (5-d).
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  if (typeof options !== 'object' || options === null)
    throw new Error(`${op}: options=${String(options)} must be an object with size or scaleFactor (e.g. { scaleFactor: 2 })`);
  checkOptionKeys(options, ['size', 'scaleFactor', 'mode', 'alignCorners', 'recomputeScaleFactor'], op);
  checkTensor(x, 'input', op);
  checkFloating(x, 'input', op);
  const mode = options.mode ?? 'nearest';
  if (!Object.hasOwn(GRAD_NAMES, mode))
    throw new Error(`${op}: mode=${JSON.stringify(mode)} is not supported; expected one of ${Object.keys(GRAD_NAMES).join(', ')}`);
  if (x.ndim < 3 || x.ndim > 5)
    throw new Error(`${op}: input of shape ${formatShape(x.shape)} must be 3-d, 4-d or 5-d (N, C, then 1-3 spatial dimensions)`);
  const dims = x.ndim - 2;
  if (mode !== 'nearest' && LINEAR_DIMS[mode] !== dims)
    throw new Error(`${op}: got ${x.ndim}-d input, but ${mode} mode needs ${LINEAR_DIMS[mode] + 2}-d input`);
  if (mode === 'nearest' && options.alignCorners !== undefined)
    throw new Error(`${op}: alignCorners can only be set with the interpolating modes linear, bilinear and trilinear`);
  const alignCorners = options.alignCorners ?? false;
  if (typeof alignCorners !== 'boolean') throw new Error(`${op}: alignCorners=${String(alignCorners)} must be a boolean`);
  const recompute = options.recomputeScaleFactor ?? false;
  if (typeof recompute !== 'boolean') throw new Error(`${op}: recomputeScaleFactor=${String(recompute)} must be a boolean`);
  const { size, scaleFactor } = options;
  if ((size === undefined) === (scaleFactor === undefined))
    throw new Error(`${op}: give exactly one of size and scaleFactor (got ${size === undefined ? 'neither' : 'both'})`);
  if (recompute && size !== undefined) throw new Error(`${op}: recomputeScaleFactor is not meaningful with an explicit size`);
  const input = x.shape.slice(2);
  let output: number[];
  let scales: (number | null)[];
  if (size !== undefined) {
    output = perAxis(size, dims, 'size', op);
    scales = output.map(() => null);
  } else {
    const factors = perAxis(scaleFactor!, dims, 'scaleFactor', op);
    factors.forEach((f, i) => {
      if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0)
        throw new Error(`${op}: scaleFactor=${JSON.stringify(scaleFactor)} must be positive and finite (axis ${i} is ${String(f)})`);
    });
    output = input.map((n, i) => Math.floor(n * factors[i]));
    scales = recompute ? output.map(() => null) : factors;
  }
  if (!output.every((n) => Number.isInteger(n)) || output.some((n) => n <= 0) || input.some((n) => n <= 0))
    throw new Error(
      `${op}: input and output sizes should be greater than 0; got input ${formatShape(input)} and output ${JSON.stringify(output)}`,
    );
  const round = x.dtype === 'float32' ? Math.fround : (v: number) => v;
  const tables = input.map((n, i) =>
    mode === 'nearest' ? nearestTable(n, output[i], scales[i], round) : linearTable(n, output[i], scales[i], alignCorners, round),
  );
  const y = resampleForward(x, tables);
  // Backward1: F.interpolate calls the .vec overloads (output size and scales as lists), as PyTorch names them.
  return record(y, `${GRAD_NAMES[mode]}${dims}DBackward1`, [x], (dy) => [resampleAdjoint(dy, x.shape, tables)]);
}
