// Cutting an N-d tensor (leading dims, then 1-3 spatial dims) into 2-d planes for pictures and grids.
import type { Tensor } from '../tensor/tensor.js';
import { numelOf } from '../tensor/shape.js';
import { unravel } from './explain.js';

export interface Plane {
  /** The leading index (e.g. [n, c]) and, for 3-d, the depth: which plane this is. */
  lead: number[];
  rows: number;
  cols: number;
  /** Flat offsets into the tensor, row-major over the plane (computed when first read). */
  readonly offsets: number[];
  /** The flat offset of the cell at (row, col). */
  offset(row: number, col: number): number;
}

/**
 * Planes of the last `spatial` dims of t: 1-d → one row, 2-d → one plane, 3-d → one plane per depth;
 * with `leadPrefix`, only the planes whose leading index starts with it (e.g. one [n, c]).
 */
export function planesOf(t: Tensor, spatial: number, leadPrefix: readonly number[] = []): Plane[] {
  const shape = t.shape;
  const lead = shape.slice(0, shape.length - spatial);
  const sp = shape.slice(shape.length - spatial);
  const rows = spatial === 1 ? 1 : sp[sp.length - 2];
  const cols = sp[sp.length - 1];
  const depth = spatial === 3 ? sp[0] : 1;
  const planeSize = rows * cols;
  const out: Plane[] = [];
  for (let l = 0; l < numelOf(lead); l++) {
    const leadIndex = unravel(l, lead);
    if (leadPrefix.some((v, i) => leadIndex[i] !== v)) continue;
    for (let d = 0; d < depth; d++) {
      const base = (l * depth + d) * planeSize;
      let offsets: number[] | null = null;
      out.push({
        lead: spatial === 3 ? [...leadIndex, d] : leadIndex,
        rows,
        cols,
        get offsets(): number[] {
          offsets ??= Array.from({ length: planeSize }, (_, k) => base + k);
          return offsets;
        },
        offset: (row, col) => base + row * cols + col,
      });
    }
  }
  return out;
}

/** The plane holding a full index, and the cell's row and column in it. */
export function locate(shape: readonly number[], spatial: number, index: readonly number[]): { lead: number[]; row: number; col: number } {
  const leadCount = shape.length - spatial;
  const lead = index.slice(0, leadCount);
  const sp = index.slice(leadCount);
  if (spatial === 3) lead.push(sp[0]);
  return { lead, row: spatial === 1 ? 0 : sp[sp.length - 2], col: sp[sp.length - 1] };
}

export const sameIndex = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
