// Batch normalization per channel over (N, …spatial), float32 and float64 (T), statistics in double.
// Each is the plain loop of its reference kernel in src/ops/batchnorm.ts; rows of float32 are read four
// at a time and widened to two f64x2 lanes, rows of float64 two at a time. The training forward and the
// backward are one call each (statistics and output together), so each tensor is copied in once.

import { BATCH_NORM_BACKWARD_INPUT_GRAD, BATCH_NORM_BACKWARD_TRAINING } from './boundary.generated';

/** Σ row[i] for i < n in double: two f64x2 accumulators, then the tail (the order is fixed: same bits every run). */
@inline function rowSum<T>(row: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(row + (<usize>i << 2));
      a = f64x2.add(a, f64x2.promote_low_f32x4(v));
      b = f64x2.add(b, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      a = f64x2.add(a, v128.load(row + (<usize>i << 3)));
      b = f64x2.add(b, v128.load(row + (<usize>i << 3), 16));
    }
  }
  const s = f64x2.add(a, b);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) total += <f64>load<T>(row + (<usize>i << alignof<T>()));
  return total;
}

/** Σ (row[i] − mu)² for i < n in double, in rowSum's order. */
@inline function rowSquares<T>(row: usize, n: i32, mu: f64): f64 {
  const m = f64x2.splat(mu);
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(row + (<usize>i << 2));
      const lo = f64x2.sub(f64x2.promote_low_f32x4(v), m);
      const hi = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), m);
      a = f64x2.add(a, f64x2.mul(lo, lo));
      b = f64x2.add(b, f64x2.mul(hi, hi));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const lo = f64x2.sub(v128.load(row + (<usize>i << 3)), m);
      const hi = f64x2.sub(v128.load(row + (<usize>i << 3), 16), m);
      a = f64x2.add(a, f64x2.mul(lo, lo));
      b = f64x2.add(b, f64x2.mul(hi, hi));
    }
  }
  const s = f64x2.add(a, b);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const d = <f64>load<T>(row + (<usize>i << alignof<T>())) - mu;
    total += d * d;
  }
  return total;
}

/** Channel c's mean and biased variance over count = outer·inner values, in double (two passes), at mean and variance. */
@inline function channelStats<T>(x: usize, c: i32, outer: i32, C: i32, inner: i32, mean: usize, variance: usize): void {
  const count = <f64>outer * <f64>inner;
  let s: f64 = 0;
  for (let p = 0; p < outer; p++) s += rowSum<T>(x + ((<usize>(p * C + c) * <usize>inner) << alignof<T>()), inner);
  const mu = s / count;
  let q: f64 = 0;
  for (let p = 0; p < outer; p++) q += rowSquares<T>(x + ((<usize>(p * C + c) * <usize>inner) << alignof<T>()), inner, mu);
  store<f64>(mean, mu);
  store<f64>(variance, q / count);
}

/**
 * The training forward: per channel, mean[c] and variance[c] (biased) over (p, i) in double, then
 * y = (x − mean[c])·scale + shift[c] with scale = weight[c]/√(variance[c] + eps).
 */
export function batchNormTrainForward<T>(
  x: usize, y: usize, mean: usize, variance: usize, weight: usize, shift: usize, outer: i32, C: i32, inner: i32, eps: f64,
): void {
  batchNormTrainForwardChannels<T>(x, y, mean, variance, weight, shift, outer, C, inner, eps, 0, C);
}

/** batchNormTrainForward on channels c0 ≤ c < c1 only (a split job's task: each channel as the whole call computes it). */
export function batchNormTrainForwardChannels<T>(
  x: usize, y: usize, mean: usize, variance: usize, weight: usize, shift: usize, outer: i32, C: i32, inner: i32, eps: f64, c0: i32, c1: i32,
): void {
  for (let c = c0; c < c1; c++) {
    const at = <usize>c << 3;
    channelStats<T>(x, c, outer, C, inner, mean + at, variance + at);
    const scale = load<f64>(weight + at) / Math.sqrt(load<f64>(variance + at) + eps);
    applyChannel<T>(x, y, c, load<f64>(mean + at), scale, load<f64>(shift + at), outer, C, inner);
  }
}

/** y[p,c,i] = (x[p,c,i] − mean[c])·scale[c] + shift[c], in double, rounded once to T. */
export function batchNormApply<T>(x: usize, y: usize, mean: usize, scale: usize, shift: usize, outer: i32, C: i32, inner: i32): void {
  batchNormApplyChannels<T>(x, y, mean, scale, shift, outer, C, inner, 0, C);
}

/** batchNormApply on channels c0 ≤ c < c1 only. */
export function batchNormApplyChannels<T>(x: usize, y: usize, mean: usize, scale: usize, shift: usize, outer: i32, C: i32, inner: i32, c0: i32, c1: i32): void {
  for (let c = c0; c < c1; c++) {
    const at = <usize>c << 3;
    applyChannel<T>(x, y, c, load<f64>(mean + at), load<f64>(scale + at), load<f64>(shift + at), outer, C, inner);
  }
}

/** Channel c of batchNormApply: y = (x − mu)·k + b over its rows. */
@inline function applyChannel<T>(x: usize, y: usize, c: i32, mu: f64, k: f64, b: f64, outer: i32, C: i32, inner: i32): void {
  for (let p = 0; p < outer; p++) {
    const at = (<usize>(p * C + c) * <usize>inner) << alignof<T>();
    const row = x + at;
    const out = y + at;
    let i = 0;
    if (sizeof<T>() == 4) {
      const m2 = f64x2.splat(mu);
      const k2 = f64x2.splat(k);
      const b2 = f64x2.splat(b);
      for (; i + 4 <= inner; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        const lo = f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v), m2), k2), b2);
        const hi = f64x2.add(f64x2.mul(f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), m2), k2), b2);
        v128.store(out + (<usize>i << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      }
    }
    for (; i < inner; i++) {
      store<T>(out + (<usize>i << alignof<T>()), <T>((<f64>load<T>(row + (<usize>i << alignof<T>())) - mu) * k + b));
    }
  }
}

/**
 * The backward, per channel: sumDy[c] = Σ_{p,i} dy and sumDyXc[c] = Σ dy·(x − mean[c]) in double; then,
 * with the inputGrad flag, dx = k·(dy − meanDy − (x − mean[c])·c2) with k = weight[c]·invstd[c] and, in
 * training, meanDy = sumDy/count, c2 = invstd[c]²·sumDyXc/count (in evaluation both are 0: dx = k·dy).
 */
export function batchNormBackward<T>(
  dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, weight: usize, sumDy: usize, sumDyXc: usize,
  outer: i32, C: i32, inner: i32, flags: i32,
): void {
  batchNormBackwardChannels<T>(dy, x, dx, mean, invstd, weight, sumDy, sumDyXc, outer, C, inner, flags, 0, C);
}

/** batchNormBackward on channels c0 ≤ c < c1 only. */
export function batchNormBackwardChannels<T>(
  dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, weight: usize, sumDy: usize, sumDyXc: usize,
  outer: i32, C: i32, inner: i32, flags: i32, c0: i32, c1: i32,
): void {
  const count = <f64>outer * <f64>inner;
  for (let c = c0; c < c1; c++) {
    const at = <usize>c << 3;
    const mu = load<f64>(mean + at);
    let s: f64 = 0;
    let q: f64 = 0;
    for (let p = 0; p < outer; p++) {
      const row = (<usize>(p * C + c) * <usize>inner) << alignof<T>();
      s += rowSum<T>(dy + row, inner);
      q += rowDot<T>(dy + row, x + row, inner, mu);
    }
    store<f64>(sumDy + at, s);
    store<f64>(sumDyXc + at, q);
    if ((flags & BATCH_NORM_BACKWARD_INPUT_GRAD) == 0) continue;
    const inv = load<f64>(invstd + at);
    const training = (flags & BATCH_NORM_BACKWARD_TRAINING) != 0;
    inputGradChannel<T>(dy, x, dx, c, mu, load<f64>(weight + at) * inv, training ? s / count : 0, training ? (q / count) * inv * inv : 0, outer, C, inner);
  }
}

/** Σ a[i]·(b[i] − mu) for i < n in double, in rowSum's order. */
@inline function rowDot<T>(a: usize, b: usize, n: i32, mu: f64): f64 {
  const m = f64x2.splat(mu);
  let lo2 = f64x2.splat(0);
  let hi2 = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const va = v128.load(a + (<usize>i << 2));
      const vb = v128.load(b + (<usize>i << 2));
      lo2 = f64x2.add(lo2, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.sub(f64x2.promote_low_f32x4(vb), m)));
      hi2 = f64x2.add(
        hi2,
        f64x2.mul(f64x2.promote_low_f32x4(v128.shuffle<f32>(va, va, 2, 3, 0, 1)), f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(vb, vb, 2, 3, 0, 1)), m)),
      );
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      lo2 = f64x2.add(lo2, f64x2.mul(v128.load(a + (<usize>i << 3)), f64x2.sub(v128.load(b + (<usize>i << 3)), m)));
      hi2 = f64x2.add(hi2, f64x2.mul(v128.load(a + (<usize>i << 3), 16), f64x2.sub(v128.load(b + (<usize>i << 3), 16), m)));
    }
  }
  const s = f64x2.add(lo2, hi2);
  let total = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) total += <f64>load<T>(a + (<usize>i << alignof<T>())) * (<f64>load<T>(b + (<usize>i << alignof<T>())) - mu);
  return total;
}

/** Channel c of the input gradient: dx = kc·(dy − md − (x − mu)·cc), in double, rounded once to T. */
@inline function inputGradChannel<T>(dy: usize, x: usize, dx: usize, c: i32, mu: f64, kc: f64, md: f64, cc: f64, outer: i32, C: i32, inner: i32): void {
  for (let p = 0; p < outer; p++) {
    const at = (<usize>(p * C + c) * <usize>inner) << alignof<T>();
    let i = 0;
    if (sizeof<T>() == 4) {
      const m2 = f64x2.splat(mu);
      const k2 = f64x2.splat(kc);
      const d2 = f64x2.splat(md);
      const c22 = f64x2.splat(cc);
      for (; i + 4 <= inner; i += 4) {
        const g = v128.load(dy + at + (<usize>i << 2));
        const v = v128.load(x + at + (<usize>i << 2));
        const gl = f64x2.promote_low_f32x4(g);
        const gh = f64x2.promote_low_f32x4(v128.shuffle<f32>(g, g, 2, 3, 0, 1));
        const vl = f64x2.promote_low_f32x4(v);
        const vh = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
        const lo = f64x2.mul(k2, f64x2.sub(f64x2.sub(gl, d2), f64x2.mul(f64x2.sub(vl, m2), c22)));
        const hi = f64x2.mul(k2, f64x2.sub(f64x2.sub(gh, d2), f64x2.mul(f64x2.sub(vh, m2), c22)));
        v128.store(dx + at + (<usize>i << 2), v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      }
    }
    for (; i < inner; i++) {
      const g = <f64>load<T>(dy + at + (<usize>i << alignof<T>()));
      const v = <f64>load<T>(x + at + (<usize>i << alignof<T>()));
      store<T>(dx + at + (<usize>i << alignof<T>()), <T>(kc * (g - md - (v - mu) * cc)));
    }
  }
}
