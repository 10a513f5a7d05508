// The job header every kernel reads: i32 fields that JavaScript writes (src/kernels/wasm/conv.ts), and
// the helpers all kernels share.

// The header fields, generated from assembly/protocol.json (one source with the JavaScript side).
export * from './protocol.generated';

@inline export function h(job: usize, f: i32): i32 {
  return load<i32>(job + (<usize>f << 2));
}

@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** *at += the sum of a's four lanes. */
@inline export function addLanes(at: usize, a: v128): void {
  store<f32>(at, load<f32>(at) + (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)));
}

/** The input extent a window slides over: (out − 1)·stride + (k − 1)·dilation + 1 (a padded plane's size). */
@inline export function extent(out: i32, stride: i32, k: i32, dilation: i32): i32 {
  return (out - 1) * stride + (k - 1) * dilation + 1;
}
