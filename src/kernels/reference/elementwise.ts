// Elementwise kernels with broadcasting, computed in double and stored in the output's dtype
// (for + − × ÷ on float32 inputs this equals float32 arithmetic: double has enough bits).
import type { Storage } from '../../tensor/tensor.js';
import { stridesOf } from '../../tensor/shape.js';
import { scratchFloat64 } from './scratch.js';

/** Strides of `shape` seen from the broadcast `outShape`: 0 along broadcast dimensions. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((n, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** y[i] = f(a[ia], b[ib]) over the broadcast shape. */
export function binaryKernel(
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  y: Storage,
  yShape: readonly number[],
  f: (a: number, b: number) => number,
): void {
  const sa = broadcastStrides(aShape, yShape);
  const sb = broadcastStrides(bShape, yShape);
  const nd = yShape.length;
  const index = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < y.length; i++) {
    y[i] = f(a[ia], b[ib]);
    // Advance the multi-index like an odometer, updating both input offsets.
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      ia += sa[d];
      ib += sb[d];
      if (index[d] < yShape[d]) break;
      ia -= sa[d] * yShape[d];
      ib -= sb[d] * yShape[d];
      index[d] = 0;
    }
  }
}

/** Copies x (broadcast) into y of shape yShape. */
export function expandKernel(x: Storage, xShape: readonly number[], y: Storage, yShape: readonly number[]): void {
  binaryKernel(x, xShape, x, xShape, y, yShape, (v) => v);
}

/** y = Σ of x over `dims` (y keeps those dims with size 1), accumulated in double. */
export function sumKernel(x: Storage, xShape: readonly number[], dims: readonly number[], y: Storage): void {
  const yShape = xShape.map((n, i) => (dims.includes(i) ? 1 : n));
  const sy = broadcastStrides(yShape, xShape);
  const acc = scratchFloat64(y.length);
  const nd = xShape.length;
  const index = new Array<number>(nd).fill(0);
  let iy = 0;
  for (let i = 0; i < x.length; i++) {
    acc[iy] += x[i];
    for (let d = nd - 1; d >= 0; d--) {
      index[d]++;
      iy += sy[d];
      if (index[d] < xShape[d]) break;
      iy -= sy[d] * xShape[d];
      index[d] = 0;
    }
  }
  y.set(acc);
}

/** y = x with its dimensions permuted: y[i_perm[0], …] = x[i_0, …]. */
export function permuteKernel(x: Storage, xShape: readonly number[], perm: readonly number[], y: Storage): void {
  const yShape = perm.map((p) => xShape[p]);
  const xs = stridesOf(xShape);
  const sx = perm.map((p) => xs[p]);
  const nd = yShape.length;
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
