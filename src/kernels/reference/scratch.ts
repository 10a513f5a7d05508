// Reused scratch for the reference kernels' float64 accumulators and index tables: a typed array of more
// than 64 bytes costs V8 about 2 µs to allocate, more than a small convolution computes. Large requests
// get arrays of their own, so nothing big is held between calls.
const KEEP = 1 << 16;
let f64 = new Float64Array(1024);
let i32 = new Int32Array(1024);

/** A zeroed Float64Array of n elements, valid until the next call. */
export function scratchFloat64(n: number): Float64Array {
  if (n > KEEP) return new Float64Array(n);
  if (n > f64.length) f64 = new Float64Array(Math.max(n, 2 * f64.length));
  const view = f64.subarray(0, n);
  view.fill(0);
  return view;
}

/** An Int32Array of n elements (contents undefined), valid until the next call. */
export function scratchInt32(n: number): Int32Array {
  if (n > KEEP) return new Int32Array(n);
  if (n > i32.length) i32 = new Int32Array(Math.max(n, 2 * i32.length));
  return i32.subarray(0, n);
}
