// Padding as a gather: every output element copies one input element (or is the constant).
// source[o] = the flat input offset that output element o copies, or −1 for a constant cell.
// The forward pass gathers, the gradient scatters back (adding where several cells copy one element).
import type { Storage } from '../../tensor/tensor.js';
import { padIndexMap, type PadMode } from '../../tensor/conv_params.js';
import { scratchFloat64 } from './scratch.js';

export type { PadMode };

/**
 * Which input element each output position copies, per dimension (−1: a constant cell). Constant
 * padding is arithmetic (o − lo inside the input, else constant), so a huge padding costs only its
 * output; the other modes keep a map per dimension (their paddings are bounded by the input's size,
 * replicate's by the output's).
 */
export interface PadPlan {
  shape: readonly number[];
  outShape: readonly number[];
  lo: readonly number[];
  /** Per dimension, for the non-constant modes: the source index of each output position. */
  maps: Int32Array[] | null;
}

export function padPlan(shape: readonly number[], lo: readonly number[], hi: readonly number[], mode: PadMode): PadPlan {
  const outShape = shape.map((L, d) => L + lo[d] + hi[d]);
  const maps = mode === 'constant' ? null : shape.map((L, d) => padIndexMap(L, lo[d], hi[d], mode));
  return { shape, outShape, lo, maps };
}

/** The input index output position o of dimension d copies, or −1 for a constant cell. */
function source(plan: PadPlan, d: number, o: number): number {
  if (plan.maps !== null) return plan.maps[d][o];
  const i = o - plan.lo[d];
  return i >= 0 && i < plan.shape[d] ? i : -1;
}

/**
 * Visits the output row by row (the last dimension): `row(outAt, inRow)` with the flat output offset of
 * the row and the flat input offset of the input row it copies from (−1 when a leading dimension is a
 * constant cell, so the whole row is constant).
 */
function forEachRow(plan: PadPlan, row: (outAt: number, inRow: number) => void): void {
  const { shape, outShape } = plan;
  const nd = shape.length;
  if (nd === 0) {
    row(0, 0);
    return;
  }
  const last = outShape[nd - 1];
  const rows = outShape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (last === 0 || rows === 0) return;
  const index = new Array<number>(nd - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let inRow = 0;
    for (let d = 0; d < nd - 1; d++) {
      const i = source(plan, d, index[d]);
      if (i < 0) {
        inRow = -1;
        break;
      }
      inRow = inRow * shape[d] + i;
    }
    row(r * last, inRow < 0 ? -1 : inRow * shape[nd - 1]);
    for (let d = nd - 2; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
}

/** The last dimension of a constant pad: [lo constant | the input row (cropped) | hi constant]. */
function constantSpan(plan: PadPlan): { start: number; end: number; from: number } {
  const nd = plan.shape.length;
  const L = nd === 0 ? 1 : plan.shape[nd - 1];
  const lo = nd === 0 ? 0 : plan.lo[nd - 1];
  const width = nd === 0 ? 1 : plan.outShape[nd - 1];
  const start = Math.max(lo, 0);
  const end = Math.min(lo + L, width);
  return { start, end, from: start - lo };
}

/** y[o] = x[the element o copies], or value for a constant cell. */
export function padGather(x: Storage, plan: PadPlan, value: number, y: Storage): void {
  const nd = plan.shape.length;
  const width = nd === 0 ? 1 : plan.outShape[nd - 1];
  if (plan.maps === null) {
    const { start, end, from } = constantSpan(plan);
    forEachRow(plan, (outAt, inRow) => {
      if (inRow < 0 || end <= start) {
        y.fill(value, outAt, outAt + width);
        return;
      }
      y.fill(value, outAt, outAt + start);
      y.set(x.subarray(inRow + from, inRow + from + (end - start)), outAt + start);
      y.fill(value, outAt + end, outAt + width);
    });
    return;
  }
  const map = nd === 0 ? Int32Array.of(0) : plan.maps[nd - 1];
  forEachRow(plan, (outAt, inRow) => {
    if (inRow < 0) {
      y.fill(value, outAt, outAt + width);
      return;
    }
    for (let j = 0; j < width; j++) y[outAt + j] = map[j] >= 0 ? x[inRow + map[j]] : value;
  });
}

/** dx[the element o copies] += dy[o]: the adjoint of padGather, accumulated in double. */
export function padScatter(dy: Storage, plan: PadPlan, dx: Storage): void {
  const nd = plan.shape.length;
  const acc = scratchFloat64(dx.length);
  if (plan.maps === null) {
    const { start, end, from } = constantSpan(plan);
    forEachRow(plan, (outAt, inRow) => {
      if (inRow < 0) return;
      for (let j = start; j < end; j++) acc[inRow + from + (j - start)] += dy[outAt + j];
    });
  } else {
    const map = nd === 0 ? Int32Array.of(0) : plan.maps[nd - 1];
    const width = nd === 0 ? 1 : plan.outShape[nd - 1];
    forEachRow(plan, (outAt, inRow) => {
      if (inRow < 0) return;
      for (let j = 0; j < width; j++) if (map[j] >= 0) acc[inRow + map[j]] += dy[outAt + j];
    });
  }
  dx.set(acc);
}
