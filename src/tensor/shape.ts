// Shape arithmetic shared by tensors, ops and kernels: sizes, strides, broadcasting, index checks.

/** Number of elements of a shape (1 for a 0-d tensor). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C-contiguous) strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** NumPy/PyTorch broadcasting of two shapes; throws naming both when they don't broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} are not broadcastable ` +
          `(dimension ${i} has sizes ${da} and ${db}; expected equal sizes or 1)`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Wraps a possibly negative dimension index into [0, ndim), as PyTorch does. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new Error(`${op}: dim=${dim} is out of range; expected an integer in [${lo}, ${hi}]`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Checks that a shape is a list of non-negative integers. */
export function checkShape(shape: readonly number[], op: string): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape=${String(shape)} must be an array of non-negative integers`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new Error(`${op}: shape=${formatShape(shape)} has entry ${String(s)}; expected non-negative integers`);
    }
  }
}

/** The most elements one typed array holds in V8 (2^32); larger tensors are refused before allocating. */
export const MAX_ELEMENTS = 2 ** 32;

/** Checks that a tensor of `shape` fits in a typed array, naming the op, the shape and the limit. */
export function checkSize(shape: readonly number[], op: string): void {
  const n = numelOf(shape);
  if (!(n <= MAX_ELEMENTS)) {
    throw new Error(`${op}: shape ${formatShape(shape)} has ${n} elements, more than the ${MAX_ELEMENTS} (2^32) a typed array can hold`);
  }
}
