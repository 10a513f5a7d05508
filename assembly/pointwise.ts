// Pointwise and pooling kernels of the training stack (float32 with SIMD128; pooling and Adam also float64, T), called directly on the calling
// thread: JavaScript copies the operands in, calls one function, copies the result out. Each is the
// plain loop of the reference kernel it replaces (src/ops/*.ts), vectorized; the op table tests both.

import { ADAM_AMSGRAD, ADAM_DECOUPLED, ADAM_MAXIMIZE, SGD_FIRST, SGD_MAXIMIZE, SGD_MOMENTUM, SGD_NESTEROV } from './boundary.generated';
import { vadd, vdiv, vmax, vmul, vneg, vsplat, vsqrt } from './simd';

/** y[i] = max(x[i], 0) (NaN stays NaN, as wasm's f32x4.max/f64x2.max and PyTorch's relu). */
export function relu<T>(x: usize, y: usize, n: i32): void {
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  const zero = f32x4.splat(0); // all-zero bits: +0 in either lane type
  let i = 0;
  for (; i + V <= n; i += V) {
    const at = <usize>i << shift;
    const v = v128.load(x + at);
    v128.store(y + at, vmax<T>(v, zero));
  }
  for (; i < n; i++) {
    const v = load<T>(x + (<usize>i << shift));
    store<T>(y + (<usize>i << shift), v > 0 || v != v ? v : <T>0);
  }
}

/** dx[i] = y[i] > 0 ? dy[i] : 0 (threshold_backward). */
export function reluGrad<T>(dy: usize, y: usize, dx: usize, n: i32): void {
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + V <= n; i += V) {
    const at = <usize>i << shift;
    const positive = sizeof<T>() == 4 ? f32x4.gt(v128.load(y + at), zero) : f64x2.gt(v128.load(y + at), zero);
    store<v128>(dx + at, v128.and(v128.load(dy + at), positive));
  }
  for (; i < n; i++) store<T>(dx + (<usize>i << shift), load<T>(y + (<usize>i << shift)) > 0 ? load<T>(dy + (<usize>i << shift)) : <T>0);
}

/** y[p, c, i] += b[c] for p < outer, c < C, i < inner. */
export function addBias<T>(y: usize, b: usize, outer: i32, C: i32, inner: i32): void {
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  for (let p = 0; p < outer; p++) {
    for (let c = 0; c < C; c++) {
      const bias = load<T>(b + (<usize>c << shift));
      const v = sizeof<T>() == 4 ? v128.load32_splat(b + (<usize>c << shift)) : v128.load64_splat(b + (<usize>c << shift));
      const row = y + ((<usize>(p * C + c) * <usize>inner) << shift);
      let i = 0;
      for (; i + V <= inner; i += V) {
        const at = row + (<usize>i << shift);
        v128.store(at, vadd<T>(v128.load(at), v));
      }
      for (; i < inner; i++) store<T>(row + (<usize>i << shift), load<T>(row + (<usize>i << shift)) + bias);
    }
  }
}

/**
 * db[c] = Σ_{p, i} dy[p, c, i]: float32 rows in four float32 lanes, float64 rows in two float64 lanes,
 * then across rows in double.
 */
export function biasGrad<T>(dy: usize, db: usize, outer: i32, C: i32, inner: i32): void {
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  for (let c = 0; c < C; c++) {
    let total: f64 = 0;
    for (let p = 0; p < outer; p++) {
      const row = dy + ((<usize>(p * C + c) * <usize>inner) << shift);
      let acc = f32x4.splat(0);
      let i = 0;
      for (; i + V <= inner; i += V) {
        const v = v128.load(row + (<usize>i << shift));
        acc = vadd<T>(acc, v);
      }
      let s: f64 =
        sizeof<T>() == 4
          ? <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) + <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3)
          : f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      for (; i < inner; i++) s += <f64>load<T>(row + (<usize>i << shift));
      total += s;
    }
    store<T>(db + (<usize>c << shift), <T>total);
  }
}

/**
 * 2-d max pooling as ATen's cpu_max_pool: per plane and output cell, the window clipped to the input,
 * the first maximum in window order (NaN wins). Writes the values y and the flat indices (as f64, the
 * storage of int64 tensors).
 */
export function maxPool2d<T>(
  x: usize, y: usize, idx: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, dH: i32, dW: i32,
): void {
  // The common 2×2 window runs four columns at a time in float32, two in float64.
  if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1) {
    if (sizeof<T>() == 4) maxPool2x2(x, y, idx, planes, H, W, OH, OW);
    else maxPool2x2f64(x, y, idx, planes, H, W, OH, OW);
    return;
  }
  let at: usize = 0;
  for (let c = 0; c < planes; c++) {
    const base = x + ((<usize>c * <usize>(H * W)) << alignof<T>());
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (kH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (kW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best = <T>-Infinity;
        let bestAt = h0 * W + w0;
        for (let h = h0; h < h1; h += dH) {
          const row = h * W;
          for (let w = w0; w < w1; w += dW) {
            const v = load<T>(base + (<usize>(row + w) << alignof<T>()));
            // Branch-free: bitwise |, not ||, so the comparison compiles to a select.
            const take = <i32>(v > best) | <i32>(v != v);
            best = select<T>(v, best, take);
            bestAt = select<i32>(row + w, bestAt, take);
          }
        }
        store<T>(y + (at << alignof<T>()), best);
        store<f64>(idx + (at << 3), <f64>bestAt);
        at++;
      }
    }
  }
}

/** One 2×2 cell (output row oh, column ow) the SIMD loops leave over, in window order, NaN winning. */
@inline function maxPool2x2Cell<T>(base: usize, y: usize, idx: usize, at: usize, W: i32, oh: i32, ow: i32): void {
  const h0 = 2 * oh;
  const w0 = 2 * ow;
  let best = <T>-Infinity;
  let bestAt = h0 * W + w0;
  for (let h = h0; h < h0 + 2; h++) {
    for (let w = w0; w < w0 + 2; w++) {
      const v = load<T>(base + (<usize>(h * W + w) << alignof<T>()));
      if (v > best || v != v) {
        best = v;
        bestAt = h * W + w;
      }
    }
  }
  store<T>(y + (at << alignof<T>()), best);
  store<f64>(idx + (at << 3), <f64>bestAt);
}

/** v replaces the best where it is larger or NaN (PyTorch's test), lane by lane, without branches. */
@inline function better(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/**
 * The common 2×2, stride 2 window, four output columns at a time: even and odd input columns are
 * split by a shuffle, and the taps are compared in window order (h, w) = (0,0), (0,1), (1,0), (1,1).
 */
function maxPool2x2(x: usize, y: usize, idx: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  let at: usize = 0;
  const step = i32x4(0, 2, 4, 6);
  for (let c = 0; c < planes; c++) {
    const base = x + ((<usize>c * <usize>(H * W)) << 2);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + ((<usize>(2 * oh * W)) << 2);
      const r1 = r0 + (<usize>W << 2);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const off = <usize>(2 * ow) << 2;
        const a0 = v128.load(r0 + off);
        const a1 = v128.load(r0 + off + 16);
        const b0 = v128.load(r1 + off);
        const b1 = v128.load(r1 + off + 16);
        let best = i8x16.shuffle(a0, a1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
        const first = i32x4.add(i32x4.splat(2 * oh * W + 2 * ow), step);
        let where = first;
        const o0 = i8x16.shuffle(a0, a1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
        let m = better(o0, best);
        best = v128.bitselect(o0, best, m);
        where = v128.bitselect(i32x4.add(first, i32x4.splat(1)), where, m);
        const e1 = i8x16.shuffle(b0, b1, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
        m = better(e1, best);
        best = v128.bitselect(e1, best, m);
        where = v128.bitselect(i32x4.add(first, i32x4.splat(W)), where, m);
        const o1 = i8x16.shuffle(b0, b1, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
        m = better(o1, best);
        best = v128.bitselect(o1, best, m);
        where = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), where, m);
        v128.store(y + (at << 2), best);
        v128.store(idx + (at << 3), f64x2.convert_low_i32x4_s(where));
        v128.store(idx + (at << 3) + 16, f64x2.convert_low_i32x4_s(i8x16.shuffle(where, where, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
        at += 4;
      }
      for (; ow < OW; ow++) maxPool2x2Cell<f32>(base, y, idx, at++, W, oh, ow);
    }
  }
}

/** better for two float64 lanes. */
@inline function better64(v: v128, best: v128): v128 {
  return v128.or(f64x2.gt(v, best), f64x2.ne(v, v));
}

/** maxPool2x2 in float64: two output columns at a time, the indices kept as f64 lanes (exact). */
function maxPool2x2f64(x: usize, y: usize, idx: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32): void {
  let at: usize = 0;
  for (let c = 0; c < planes; c++) {
    const base = x + ((<usize>c * <usize>(H * W)) << 3);
    for (let oh = 0; oh < OH; oh++) {
      const r0 = base + ((<usize>(2 * oh * W)) << 3);
      const r1 = r0 + (<usize>W << 3);
      let ow = 0;
      for (; ow + 2 <= OW; ow += 2) {
        const off = <usize>(2 * ow) << 3;
        const a0 = v128.load(r0 + off);
        const a1 = v128.load(r0 + off + 16);
        const b0 = v128.load(r1 + off);
        const b1 = v128.load(r1 + off + 16);
        const first = f64x2.add(f64x2.splat(<f64>(2 * oh * W + 2 * ow)), f64x2(0, 2));
        let best = i8x16.shuffle(a0, a1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        let where = first;
        const o0 = i8x16.shuffle(a0, a1, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        let m = better64(o0, best);
        best = v128.bitselect(o0, best, m);
        where = v128.bitselect(f64x2.add(first, f64x2.splat(1)), where, m);
        const e1 = i8x16.shuffle(b0, b1, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        m = better64(e1, best);
        best = v128.bitselect(e1, best, m);
        where = v128.bitselect(f64x2.add(first, f64x2.splat(<f64>W)), where, m);
        const o1 = i8x16.shuffle(b0, b1, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
        m = better64(o1, best);
        best = v128.bitselect(o1, best, m);
        where = v128.bitselect(f64x2.add(first, f64x2.splat(<f64>(W + 1))), where, m);
        v128.store(y + (at << 3), best);
        v128.store(idx + (at << 3), where);
        at += 2;
      }
      for (; ow < OW; ow++) maxPool2x2Cell<f64>(base, y, idx, at++, W, oh, ow);
    }
  }
}

/** dx[c, idx[c, q]] += dy[c, q] (dx zeroed first): max pooling's gradient. */
export function maxPoolScatter<T>(dy: usize, idx: usize, dx: usize, planes: i32, planeIn: i32, planeOut: i32): void {
  const shift = alignof<T>();
  memory.fill(dx, 0, (<usize>planes * <usize>planeIn) << shift);
  for (let c = 0; c < planes; c++) {
    const out = dx + ((<usize>c * <usize>planeIn) << shift);
    for (let q = 0; q < planeOut; q++) {
      const k = <usize>c * <usize>planeOut + <usize>q;
      const at = out + (<usize>(<i32>load<f64>(idx + (k << 3))) << shift);
      store<T>(at, load<T>(at) + load<T>(dy + (k << shift)));
    }
  }
}

/**
 * One Adam/AdamW step over n parameters of type T, each operation rounded to T as PyTorch's
 * _single_tensor_adam(w) runs them (no fused multiply-add). flags (bits from assembly/boundary.json):
 * maximize, decoupled (AdamW), amsgrad (vMax used).
 */
export function adam<T>(
  x: usize, g: usize, m: usize, v: usize, vMax: usize, n: i32,
  b1: T, b2: T, oneMinusB1: T, oneMinusB2: T, wd: T, decay: T, bc2Sqrt: T, stepSize: T, eps: T, flags: i32,
): void {
  const maximize = (flags & ADAM_MAXIMIZE) != 0;
  const decoupled = (flags & ADAM_DECOUPLED) != 0;
  const amsgrad = (flags & ADAM_AMSGRAD) != 0;
  // Vectors of 16 / sizeof<T> lanes: each lane's operations are the scalar loop's, in its order (IEEE
  // mul, add, div and sqrt round the same in a lane), so the bits are the scalar loop's.
  const V = 16 / sizeof<T>();
  const shift = alignof<T>();
  const vB1 = vsplat<T>(b1), vB2 = vsplat<T>(b2), vOneMinusB1 = vsplat<T>(oneMinusB1), vOneMinusB2 = vsplat<T>(oneMinusB2);
  const vWd = vsplat<T>(wd), vDecay = vsplat<T>(decay), vBc2Sqrt = vsplat<T>(bc2Sqrt), vStepSize = vsplat<T>(stepSize), vEps = vsplat<T>(eps);
  let i = 0;
  for (; i + V <= n; i += V) {
    const at = <usize>i << shift;
    let gi = v128.load(g + at);
    if (maximize) gi = vneg<T>(gi);
    let xi = v128.load(x + at);
    if (decoupled) xi = vmul<T>(xi, vDecay);
    else if (wd != 0) gi = vadd<T>(gi, vmul<T>(vWd, xi));
    const mi = vadd<T>(vmul<T>(v128.load(m + at), vB1), vmul<T>(vOneMinusB1, gi));
    const vi = vadd<T>(vmul<T>(v128.load(v + at), vB2), vmul<T>(vmul<T>(vOneMinusB2, gi), gi));
    v128.store(m + at, mi);
    v128.store(v + at, vi);
    let second = vi;
    if (amsgrad) {
      second = vmax<T>(v128.load(vMax + at), vi);
      v128.store(vMax + at, second);
    }
    const denom = vadd<T>(vdiv<T>(vsqrt<T>(second), vBc2Sqrt), vEps);
    v128.store(x + at, vadd<T>(xi, vmul<T>(vStepSize, vdiv<T>(mi, denom))));
  }
  for (; i < n; i++) {
    const at = <usize>i << shift;
    let gi = load<T>(g + at);
    if (maximize) gi = -gi;
    let xi = load<T>(x + at);
    if (decoupled) xi = xi * decay;
    else if (wd != 0) gi = gi + wd * xi;
    const mi = load<T>(m + at) * b1 + oneMinusB1 * gi;
    const vi = load<T>(v + at) * b2 + oneMinusB2 * gi * gi;
    store<T>(m + at, mi);
    store<T>(v + at, vi);
    let second = vi;
    if (amsgrad) {
      second = max<T>(load<T>(vMax + at), vi);
      store<T>(vMax + at, second);
    }
    const denom = sqrt<T>(second) / bc2Sqrt + eps;
    store<T>(x + at, xi + stepSize * (mi / denom));
  }
}

/**
 * One SGD step over n parameters of type T, as torch.optim.SGD's _single_tensor_sgd: each product and
 * its sum rounded once to T (ATen's add with alpha is a fused multiply-add), the rest per operation.
 * flags: maximize, momentum (buf used), nesterov, first (buf starts as the gradient).
 */
export function sgd<T>(x: usize, g: usize, buf: usize, n: i32, wd: T, mu: T, keep: T, step: T, flags: i32): void {
  const maximize = (flags & SGD_MAXIMIZE) != 0;
  const momentum = (flags & SGD_MOMENTUM) != 0;
  const nesterov = (flags & SGD_NESTEROV) != 0;
  const first = (flags & SGD_FIRST) != 0;
  for (let i = 0; i < n; i++) {
    const at = <usize>i << alignof<T>();
    const xi = load<T>(x + at);
    let d = load<T>(g + at);
    if (maximize) d = -d;
    if (wd != 0) d = <T>(<f64>d + <f64>wd * <f64>xi);
    if (momentum) {
      const b = first ? d : <T>(<f64>(load<T>(buf + at) * mu) + <f64>keep * <f64>d);
      store<T>(buf + at, b);
      d = nesterov ? <T>(<f64>d + <f64>mu * <f64>b) : b;
    }
    store<T>(x + at, <T>(<f64>xi + <f64>step * <f64>d));
  }
}

/**
 * Average pooling over windows, and its adjoint, per plane, in up to 3 dims (1-d and 2-d pass size 1
 * for the dims they lack). win holds, per dim d, the window starts, ends and counts of its n_d outputs
 * (3·n_d doubles, dims in order). scale(q) = 1/divisor, or 1/Π count when divisor is 0.
 *   forward   dst[c, q] = Σ_{j ∈ window(q)} src[c, j]·scale(q)
 *   adjoint   dst[c, j] = Σ_{q: j ∈ window(q)} src[c, q]·scale(q)   (dst zeroed first)
 * Each product is added to the running sum in double and rounded to T, as the reference loop does.
 */
export function avgPoolWindows<T>(
  src: usize, dst: usize, win: usize, planes: i32, n0: i32, n1: i32, n2: i32, l0: i32, l1: i32, l2: i32, divisor: f64, adjoint: i32,
): void {
  const shift = alignof<T>();
  const w0 = win;
  const w1 = win + ((<usize>(3 * n0)) << 3);
  const w2 = w1 + ((<usize>(3 * n1)) << 3);
  const planeIn = <usize>(l0 * l1 * l2);
  const planeOut = <usize>(n0 * n1 * n2);
  if (adjoint) memory.fill(dst, 0, (<usize>planes * planeIn) << shift);
  for (let c = 0; c < planes; c++) {
    const inBase = (adjoint ? src + ((<usize>c * planeOut) << shift) : src + ((<usize>c * planeIn) << shift));
    const outBase = (adjoint ? dst + ((<usize>c * planeIn) << shift) : dst + ((<usize>c * planeOut) << shift));
    let q: usize = 0;
    for (let o0 = 0; o0 < n0; o0++) {
      const s0 = <i32>load<f64>(w0 + (<usize>o0 << 3)), e0 = <i32>load<f64>(w0 + (<usize>(n0 + o0) << 3));
      const c0 = load<f64>(w0 + (<usize>(2 * n0 + o0) << 3));
      for (let o1 = 0; o1 < n1; o1++) {
        const s1 = <i32>load<f64>(w1 + (<usize>o1 << 3)), e1 = <i32>load<f64>(w1 + (<usize>(n1 + o1) << 3));
        const c1 = load<f64>(w1 + (<usize>(2 * n1 + o1) << 3));
        for (let o2 = 0; o2 < n2; o2++) {
          const s2 = <i32>load<f64>(w2 + (<usize>o2 << 3)), e2 = <i32>load<f64>(w2 + (<usize>(n2 + o2) << 3));
          const c2 = load<f64>(w2 + (<usize>(2 * n2 + o2) << 3));
          const scale = 1 / (divisor != 0 ? divisor : c0 * c1 * c2);
          if (adjoint) {
            const v = <f64>load<T>(inBase + (q << shift));
            for (let j0 = s0; j0 < e0; j0++) for (let j1 = s1; j1 < e1; j1++) for (let j2 = s2; j2 < e2; j2++) {
              const at = outBase + ((<usize>((j0 * l1 + j1) * l2 + j2)) << shift);
              store<T>(at, <T>(<f64>load<T>(at) + v * scale));
            }
          } else {
            let acc = <T>0;
            for (let j0 = s0; j0 < e0; j0++) for (let j1 = s1; j1 < e1; j1++) for (let j2 = s2; j2 < e2; j2++) {
              acc = <T>(<f64>acc + <f64>load<T>(inBase + ((<usize>((j0 * l1 + j1) * l2 + j2)) << shift)) * scale);
            }
            store<T>(outBase + (q << shift), acc);
          }
          q++;
        }
      }
    }
  }
}
