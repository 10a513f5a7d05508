// SIMD helpers every kernel shares.

/** a·b + c, fused where the engine has relaxed SIMD. */
@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** *at += the sum of a's four lanes. */
@inline export function addLanes(at: usize, a: v128): void {
  store<f32>(at, load<f32>(at) + (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)));
}

/** dst row i, floats 0..3 = src rows 0..3, float i: a 4×4 block transposed (row strides in bytes). */
@inline export function transpose4(src: usize, srcStride: usize, dst: usize, dstStride: usize): void {
  storeTransposed(v128.load(src), v128.load(src + srcStride), v128.load(src + 2 * srcStride), v128.load(src + 3 * srcStride), dst, dstStride, 4, 4);
}

/**
 * Stores the 4×4 matrix whose rows are r0..r3 transposed: its column l (lanes l of r0..r3) at
 * dst + l·dstStride, for l < rows; of each, the first `count` floats (all 4 as one vector).
 */
@inline export function storeTransposed(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, dstStride: usize, rows: i32, count: i32): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  storeFirst(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), dst, count);
  if (rows > 1) storeFirst(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), dst + dstStride, count);
  if (rows > 2) storeFirst(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), dst + 2 * dstStride, count);
  if (rows > 3) storeFirst(v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), dst + 3 * dstStride, count);
}

/** Stores the first `count` (1-4) lanes of v at dst. */
@inline export function storeFirst(v: v128, dst: usize, count: i32): void {
  if (count >= 4) {
    v128.store(dst, v);
    return;
  }
  store<f32>(dst, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(dst, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(dst, f32x4.extract_lane(v, 2), 8);
}

// Lane-wise operations on vectors of T (f32x4 for f32, f64x2 for f64), chosen at compile time.
@inline export function vsplat<T>(a: T): v128 {
  return sizeof<T>() == 4 ? f32x4.splat(<f32>a) : f64x2.splat(<f64>a);
}
@inline export function vadd<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.add(a, b) : f64x2.add(a, b);
}
@inline export function vsub<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.sub(a, b) : f64x2.sub(a, b);
}
@inline export function vmul<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.mul(a, b) : f64x2.mul(a, b);
}
@inline export function vdiv<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.div(a, b) : f64x2.div(a, b);
}
@inline export function vsqrt<T>(a: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.sqrt(a) : f64x2.sqrt(a);
}
@inline export function vmax<T>(a: v128, b: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.max(a, b) : f64x2.max(a, b);
}
@inline export function vneg<T>(a: v128): v128 {
  return sizeof<T>() == 4 ? f32x4.neg(a) : f64x2.neg(a);
}
