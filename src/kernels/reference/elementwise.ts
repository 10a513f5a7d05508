// Elementwise kernels with broadcasting, computed in double and stored in the output's dtype
// (for + − × ÷ on float32 inputs this equals float32 arithmetic: double has enough bits).
import type { Storage } from '../../tensor/tensor.js';
import { stridesOf } from '../../tensor/shape.js';
import { scratchFloat64 } from './scratch.js';
import type { SumDimsScalars } from '../signatures.js';

/** Strides of `shape` seen from the broadcast `outShape`: 0 along broadcast dimensions. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** The arithmetic ops that have loops of their own; any other op passes its function. */
export type BinaryCode = 'add' | 'sub' | 'mul' | 'div' | 'fn';

/**
 * A loop nest over the broadcast shape with dimensions merged wherever both operands move through them
 * together (the same contiguity, or both broadcast), so the innermost loop is as long as possible:
 * [N, C, H, W] + [C, 1, 1] runs N·C loops of H·W, a same-shape op one loop over everything.
 */
export function loopPlan(
  aShape: readonly number[],
  bShape: readonly number[],
  yShape: readonly number[],
): { sizes: number[]; sa: number[]; sb: number[] } {
  const fullA = broadcastStrides(aShape, yShape);
  const fullB = broadcastStrides(bShape, yShape);
  const sizes: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let d = yShape.length - 1; d >= 0; d--) {
    const n = yShape[d];
    if (n === 1) continue;
    const k = sizes.length - 1;
    if (k >= 0 && fullA[d] === sa[k] * sizes[k] && fullB[d] === sb[k] * sizes[k]) {
      sizes[k] *= n;
    } else {
      sizes.push(n);
      sa.push(fullA[d]);
      sb.push(fullB[d]);
    }
  }
  if (sizes.length === 0) return { sizes: [1], sa: [0], sb: [0] };
  return { sizes: sizes.reverse(), sa: sa.reverse(), sb: sb.reverse() };
}

/** A loop plan's sizes or strides (at most 4) as the 4-dim plan the wasm kernels take: leading dims of size 1 (`fill`: 1 for sizes, 0 for strides). */
export function planOfFour(v: readonly number[], fill: number): number[] {
  return [...new Array<number>(4 - v.length).fill(fill), ...v];
}

/** y[iy + j] = a[ia + j·sA] ∘ b[ib + j·sB] for j < n: one innermost loop per op, so each stays monomorphic. */
function innerLoop(
  code: BinaryCode,
  f: (x: number, y: number) => number,
  a: Storage,
  ia: number,
  sA: number,
  b: Storage,
  ib: number,
  sB: number,
  y: Storage,
  iy: number,
  n: number,
): void {
  switch (code) {
    case 'add':
      for (let j = 0; j < n; j++) y[iy + j] = a[ia + j * sA] + b[ib + j * sB];
      return;
    case 'sub':
      for (let j = 0; j < n; j++) y[iy + j] = a[ia + j * sA] - b[ib + j * sB];
      return;
    case 'mul':
      for (let j = 0; j < n; j++) y[iy + j] = a[ia + j * sA] * b[ib + j * sB];
      return;
    case 'div':
      for (let j = 0; j < n; j++) y[iy + j] = a[ia + j * sA] / b[ib + j * sB];
      return;
    default:
      for (let j = 0; j < n; j++) y[iy + j] = f(a[ia + j * sA], b[ib + j * sB]);
  }
}

/** y = a ∘ b over the broadcast shape (∘ the op of `code`, or f). */
export function binaryKernel(
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  y: Storage,
  yShape: readonly number[],
  f: (a: number, b: number) => number,
  code: BinaryCode = 'fn',
): void {
  if (y.length === 0) return;
  const { sizes, sa, sb } = loopPlan(aShape, bShape, yShape);
  const last = sizes.length - 1;
  const n = sizes[last];
  const rows = y.length / n;
  // An odometer over the outer dimensions, one innermost loop per row.
  const index = new Array<number>(last).fill(0);
  let ia = 0;
  let ib = 0;
  for (let r = 0; r < rows; r++) {
    innerLoop(code, f, a, ia, sa[last], b, ib, sb[last], y, r * n, n);
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < sizes[d]) break;
      ia -= sa[d] * sizes[d];
      ib -= sb[d] * sizes[d];
      index[d] = 0;
    }
  }
}

const first = (v: number): number => v;

/** Copies x (broadcast) into y of shape yShape. */
export function expandKernel(x: Storage, xShape: readonly number[], y: Storage, yShape: readonly number[]): void {
  binaryKernel(x, xShape, x, xShape, y, yShape, first);
}

/**
 * The loop plan of a sum of x over `dims`: x walked in its order, with sy the strides of the sum (those
 * dims kept with size 1) along it, 0 along the summed dims; the innermost stride is 0 or 1.
 */
export function sumPlan(xShape: readonly number[], dims: readonly number[]): { sizes: number[]; sy: number[] } {
  const yShape = xShape.map((n, i) => (dims.includes(i) ? 1 : n));
  const { sizes, sb } = loopPlan(xShape, yShape, xShape);
  return { sizes, sy: sb };
}

/**
 * acc[iy] += x[ix] over a sum plan, x walked in order, in double: where the innermost dim is summed
 * (stride 0), each run is summed first and added at once. Every reduction's loop (and order).
 */
function sumRows(x: Storage, acc: Float64Array, sizes: readonly number[], sy: readonly number[]): void {
  const last = sizes.length - 1;
  const n = sizes[last];
  const step = sy[last];
  const rows = x.length / n;
  const index = new Array<number>(last).fill(0);
  let ix = 0;
  let iy = 0;
  for (let r = 0; r < rows; r++) {
    if (step === 0) {
      let s = 0;
      for (let j = 0; j < n; j++) s += x[ix + j];
      acc[iy] += s;
    } else {
      for (let j = 0; j < n; j++) acc[iy + j] += x[ix + j];
    }
    ix += n;
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      iy += sy[d];
      if (index[d] < sizes[d]) break;
      iy -= sy[d] * sizes[d];
      index[d] = 0;
    }
  }
}

/** y = Σ of x over `dims` (y keeps those dims with size 1), accumulated in double. */
export function sumKernel(x: Storage, xShape: readonly number[], dims: readonly number[], y: Storage): void {
  if (x.length === 0) {
    y.fill(0);
    return;
  }
  const { sizes, sy } = sumPlan(xShape, dims);
  const acc = scratchFloat64(y.length);
  sumRows(x, acc, sizes, sy);
  y.set(acc);
}

/** The sumDims kernel's scalars for a sum of x over `dims`: its plan padded to 4 dims, or null where it has more. */
export function sumDimsScalars(xShape: readonly number[], dims: readonly number[]): SumDimsScalars | null {
  const { sizes, sy } = sumPlan(xShape, dims);
  if (sizes.length > 4) return null;
  const [n0, n1, n2, n3] = planOfFour(sizes, 1);
  const [sy0, sy1, sy2, sy3] = planOfFour(sy, 0);
  return { n0, n1, n2, n3, sy0, sy1, sy2, sy3 };
}

/** The sumDims kernel (a plan of 4 dims, see sumPlan): acc = Σ x, in double, written whole. */
export function referenceSumDims(x: Storage, acc: Float64Array, s: SumDimsScalars): void {
  acc.fill(0);
  sumRows(x, acc, [s.n0, s.n1, s.n2, s.n3], [s.sy0, s.sy1, s.sy2, s.sy3]);
}

/** Whether perm swaps the last two dimensions and keeps the others: a batch of matrix transposes. */
export const isLastTwoSwap = (perm: readonly number[]): boolean => {
  const nd = perm.length;
  return nd >= 2 && perm[nd - 2] === nd - 1 && perm[nd - 1] === nd - 2 && perm.slice(0, nd - 2).every((p, i) => p === i);
};

/** y[m, c, r] = x[m, r, c]: each rows × cols matrix of the batch transposed, in 32×32 blocks for the caches. */
export function transposeKernel(x: Storage, y: Storage, s: { batches: number; rows: number; cols: number }): void {
  const { batches, rows, cols } = s;
  const B = 32;
  for (let b = 0; b < batches; b++) {
    const base = b * rows * cols;
    for (let r0 = 0; r0 < rows; r0 += B) {
      for (let c0 = 0; c0 < cols; c0 += B) {
        const r1 = Math.min(r0 + B, rows);
        const c1 = Math.min(c0 + B, cols);
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) y[base + c * rows + r] = x[base + r * cols + c];
      }
    }
  }
}

/** y = x with its dimensions permuted: y[i_perm[0], …] = x[i_0, …]. */
export function permuteKernel(x: Storage, xShape: readonly number[], perm: readonly number[], y: Storage): void {
  const nd = xShape.length;
  const yShape = perm.map((p) => xShape[p]);
  const xs = stridesOf(xShape);
  const sx = perm.map((p) => xs[p]);
  const index = new Array<number>(nd).fill(0);
  let ix = 0;
  for (let i = 0; i < y.length; i++) {
    y[i] = x[ix];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      ix += sx[d];
      if (index[d] < yShape[d]) break;
      ix -= sx[d] * yShape[d];
      index[d] = 0;
    }
  }
}

/** y = x[..., start : start + step·len : step, ...] along `dim` (forward), or its adjoint (scatter). */
export function sliceKernel(
  x: Storage,
  xShape: readonly number[],
  dim: number,
  start: number,
  step: number,
  y: Storage,
  yShape: readonly number[],
  adjoint: boolean,
): void {
  const outer = xShape.slice(0, dim).reduce((p, n) => p * n, 1);
  const inner = xShape.slice(dim + 1).reduce((p, n) => p * n, 1);
  const lenX = xShape[dim];
  const lenY = yShape[dim];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < lenY; j++) {
      const xBase = (o * lenX + start + j * step) * inner;
      const yBase = (o * lenY + j) * inner;
      for (let i = 0; i < inner; i++) {
        if (adjoint) x[xBase + i] += y[yBase + i];
        else y[yBase + i] = x[xBase + i];
      }
    }
  }
}
