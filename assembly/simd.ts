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
