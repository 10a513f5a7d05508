// The job header every kernel reads: i32 fields that JavaScript writes (src/kernels/wasm/conv.ts), and
// the helpers all kernels share.

// ---- job header fields (i32 index) ----
export const OP = 0;
export const N_ = 1;
export const G_ = 2;
export const CX = 3;
export const CY = 4;
export const XD = 5;
export const XH = 6;
export const XW = 7;
export const YD = 8;
export const YH = 9;
export const YW = 10;
export const KD = 11;
export const KH = 12;
export const KW = 13;
export const SD = 14;
export const SH = 15;
export const SW = 16;
export const DD = 17;
export const DH = 18;
export const DW = 19;
export const PD = 20;
export const PH = 21;
export const PW = 22;
export const X_PTR = 23; // x (forward, weight grad) or dy (input grad): the gathered tensor
export const W_PTR = 24; // packed weights (forward, input grad) or dy (weight grad)
export const OUT_PTR = 25; // y, dx, or the private dW buffers
export const SCRATCH = 26; // per-thread scratch base
export const SCRATCH_BYTES = 27; // per-thread scratch size
export const CHUNK = 28; // columns per task (multiple of 8)
export const CHUNKS = 29; // tasks per (n, g[, residue])
export const TAPS = 30; // input grad: pointer to the tap tables
export const PRIV_BYTES = 31; // weight grad: bytes of one thread's private dW
export const M4_ = 32; // rows rounded up to 4
export const KPAD = 33; // weight grad: K rounded up to 8
export const RES = 34; // input grad: number of residue classes
export const W_GROUP = 35; // input grad: floats of packed weights per group

export const A_ = 36; // direct: output channels per group
export const B_ = 37; // direct: input channels per group
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
