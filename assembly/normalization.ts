// Batch normalization per channel over (N, …spatial), float32 and float64 (T), statistics in double.
// Each is the plain loop of its reference kernel in src/ops/batchnorm.ts; rows of float32 are read four
// at a time and widened to two f64x2 lanes, rows of float64 two at a time.

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

/** mean[c] = Σ_{p,i} x[p,c,i] / count and variance[c] = Σ (x[p,c,i] − mean[c])² / count (biased), count = outer·inner. */
export function batchNormStats<T>(x: usize, mean: usize, variance: usize, outer: i32, C: i32, inner: i32): void {
  const count = <f64>outer * <f64>inner;
  for (let c = 0; c < C; c++) {
    let s: f64 = 0;
    for (let p = 0; p < outer; p++) s += rowSum<T>(x + ((<usize>(p * C + c) * <usize>inner) << alignof<T>()), inner);
    const mu = s / count;
    let q: f64 = 0;
    for (let p = 0; p < outer; p++) q += rowSquares<T>(x + ((<usize>(p * C + c) * <usize>inner) << alignof<T>()), inner, mu);
    store<f64>(mean + (<usize>c << 3), mu);
    store<f64>(variance + (<usize>c << 3), q / count);
  }
}

/** y[p,c,i] = (x[p,c,i] − mean[c])·scale[c] + shift[c], in double, rounded once to T. */
export function batchNormApply<T>(x: usize, y: usize, mean: usize, scale: usize, shift: usize, outer: i32, C: i32, inner: i32): void {
  for (let p = 0; p < outer; p++) {
    for (let c = 0; c < C; c++) {
      const mu = load<f64>(mean + (<usize>c << 3));
      const k = load<f64>(scale + (<usize>c << 3));
      const b = load<f64>(shift + (<usize>c << 3));
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
          const r = v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
          v128.store(out + (<usize>i << 2), r);
        }
      }
      for (; i < inner; i++) {
        store<T>(out + (<usize>i << alignof<T>()), <T>((<f64>load<T>(row + (<usize>i << alignof<T>())) - mu) * k + b));
      }
    }
  }
}

/** sumDy[c] = Σ_{p,i} dy[p,c,i] and sumDyXc[c] = Σ dy[p,c,i]·(x[p,c,i] − mean[c]), in double. */
export function batchNormBackwardSums<T>(dy: usize, x: usize, mean: usize, sumDy: usize, sumDyXc: usize, outer: i32, C: i32, inner: i32): void {
  for (let c = 0; c < C; c++) {
    const mu = load<f64>(mean + (<usize>c << 3));
    let s: f64 = 0;
    let q: f64 = 0;
    for (let p = 0; p < outer; p++) {
      const at = (<usize>(p * C + c) * <usize>inner) << alignof<T>();
      s += rowSum<T>(dy + at, inner);
      q += rowDot<T>(dy + at, x + at, inner, mu);
    }
    store<f64>(sumDy + (<usize>c << 3), s);
    store<f64>(sumDyXc + (<usize>c << 3), q);
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

/**
 * The training input gradient, per channel: dx = k·(dy − meanDy − (x − mean)·c2) with
 * k = w·σ⁻¹, meanDy = Σdy/count and c2 = σ⁻²·Σ dy·(x − mean)/count, in double, rounded once to T.
 */
export function batchNormBackwardInput<T>(
  dy: usize, x: usize, dx: usize, mean: usize, k: usize, meanDy: usize, c2: usize, outer: i32, C: i32, inner: i32,
): void {
  for (let p = 0; p < outer; p++) {
    for (let c = 0; c < C; c++) {
      const mu = load<f64>(mean + (<usize>c << 3));
      const kc = load<f64>(k + (<usize>c << 3));
      const md = load<f64>(meanDy + (<usize>c << 3));
      const cc = load<f64>(c2 + (<usize>c << 3));
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
}
