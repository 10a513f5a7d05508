// Padding as a gather: every output element copies one input element (or is the constant).
// source[o] = the flat input offset that output element o copies, or −1 for a constant cell.
// The forward pass gathers, the gradient scatters back (adding where several cells copy one element).
import type { Storage } from '../../tensor/tensor.js';
import { padIndexMap, type PadMode } from '../../tensor/conv_params.js';
import { scratchFloat64 } from './scratch.js';

export type { PadMode };

/** The source offset of every output element, for an input of `shape` padded per dimension. */
export function padSourceMap(shape: readonly number[], lo: readonly number[], hi: readonly number[], mode: PadMode): Int32Array {
  const maps = shape.map((L, d) => padIndexMap(L, lo[d], hi[d], mode));
  const outShape = maps.map((m) => m.length);
  const total = outShape.reduce((p, n) => p * n, 1);
  const source = new Int32Array(total);
  const index = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < total; o++) {
    let offset = 0;
    for (let d = 0; d < shape.length; d++) {
      const i = maps[d][index[d]];
      if (i < 0) {
        offset = -1;
        break;
      }
      offset = offset * shape[d] + i;
    }
    source[o] = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return source;
}

/** y[o] = x[source[o]], or value where source[o] = −1. */
export function padGather(x: Storage, source: Int32Array, value: number, y: Storage): void {
  for (let o = 0; o < y.length; o++) y[o] = source[o] >= 0 ? x[source[o]] : value;
}

/** dx[source[o]] += dy[o]: the adjoint of padGather, accumulated in double. */
export function padScatter(dy: Storage, source: Int32Array, dx: Storage): void {
  const acc = scratchFloat64(dx.length);
  for (let o = 0; o < dy.length; o++) if (source[o] >= 0) acc[source[o]] += dy[o];
  dx.set(acc);
}
