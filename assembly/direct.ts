// Direct kernels: depthwise convolutions, and inputs with few channels (no im2col, no GEMM).
import { ConvJob, extent, paddedRow } from './boundary.generated';
import { addLanes, fma } from './simd';
import { padPlane } from './gather';
import { threadScratch } from './scratch';


/** The common 3×3 depthwise case, weights held in registers: columns [0, vecEnd) of every output row. */
function depthwise3x3(buf: usize, bH: i32, bW: i32, v: usize, out: usize, oD: i32, oH: i32, oW: i32, tD: i32, tH: i32, dD: i32, dH: i32, dW: i32, vecEnd: i32): void {
  const w0 = v128.load32_splat(v), w1 = v128.load32_splat(v, 4), w2 = v128.load32_splat(v, 8);
  const w3 = v128.load32_splat(v, 12), w4 = v128.load32_splat(v, 16), w5 = v128.load32_splat(v, 20);
  const w6 = v128.load32_splat(v, 24), w7 = v128.load32_splat(v, 28), w8 = v128.load32_splat(v, 32);
  const c1 = <usize>dW << 2;
  const c2 = <usize>(2 * dW) << 2;
  const rowBytes = <usize>bW << 2;
  for (let od = 0; od < oD; od++) {
    for (let oh = 0; oh < oH; oh++) {
      const r0 = buf + <usize>((od * tD) * bH + oh * tH) * rowBytes;
      const r1 = r0 + <usize>dH * rowBytes;
      const r2 = r1 + <usize>dH * rowBytes;
      const orow = out + ((<usize>(od * oH + oh) * <usize>oW) << 2);
      for (let ow = 0; ow < vecEnd; ow += 4) {
        const o = <usize>ow << 2;
        let a = f32x4.mul(w0, v128.load(r0 + o));
        a = fma(w1, v128.load(r0 + o + c1), a);
        a = fma(w2, v128.load(r0 + o + c2), a);
        a = fma(w3, v128.load(r1 + o), a);
        a = fma(w4, v128.load(r1 + o + c1), a);
        a = fma(w5, v128.load(r1 + o + c2), a);
        a = fma(w6, v128.load(r2 + o), a);
        a = fma(w7, v128.load(r2 + o + c1), a);
        a = fma(w8, v128.load(r2 + o + c2), a);
        v128.store(orow + o, a);
      }
    }
  }
}

/**
 * Depthwise correlation of one plane (task = n·C + c): out[i] = Σ_κ v[c, κ] · buf[i·s + κ·d], buf the
 * plane padded by p. The forward pass (v = w), and the input gradient at stride 1 (src = dy, v = the
 * flipped w, p = d·(k−1) − p). Vectorized along w when the stride there is 1.
 */
export function depthwiseTask(job: ConvJob, task: i32, thread: i32): void {
  const C = job.cx;
  const c = task % C;
  const sD = job.xd, sH = job.xh, sW = job.xw;
  const oD = job.yd, oH = job.yh, oW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const tD = job.sd, tH = job.sh, tW = job.sw;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const bD = extent(oD, tD, kD, dD);
  const bH = extent(oH, tH, kH, dH);
  const bW = extent(oW, tW, kW, dW);
  const buf = threadScratch(job, thread);
  padPlane(<usize>job.xPtr + ((<usize>task * <usize>(sD * sH * sW)) << 2), sD, sH, sW, buf, bD, bH, bW, job.pd, job.ph, job.pw);
  const K3 = kD * kH * kW;
  const v = <usize>job.wPtr + ((<usize>c * <usize>K3) << 2);
  const out = <usize>job.outPtr + ((<usize>task * <usize>(oD * oH * oW)) << 2);
  const vecEnd = tW == 1 ? oW & ~7 : 0;
  if (kD == 1 && kH == 3 && kW == 3 && tW == 1 && vecEnd > 0) {
    depthwise3x3(buf, bH, bW, v, out, oD, oH, oW, tD, tH, dD, dH, dW, vecEnd);
  }
  for (let od = 0; od < oD; od++) {
    for (let oh = 0; oh < oH; oh++) {
      const orow = out + ((<usize>(od * oH + oh) * <usize>oW) << 2);
      const fast = kD == 1 && kH == 3 && kW == 3 ? vecEnd : 0; // columns depthwise3x3 already wrote
      for (let ow = fast; ow < vecEnd; ow += 8) {
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
        let kk: usize = 0;
        for (let kd = 0; kd < kD; kd++) {
          for (let kh = 0; kh < kH; kh++) {
            const row = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>ow) << 2);
            for (let kw = 0; kw < kW; kw++) {
              const wv = v128.load32_splat(v + (kk << 2));
              const at = row + ((<usize>(kw * dW)) << 2);
              a0 = fma(wv, v128.load(at), a0);
              a1 = fma(wv, v128.load(at, 16), a1);
              kk++;
            }
          }
        }
        v128.store(orow + (<usize>ow << 2), a0);
        v128.store(orow + (<usize>ow << 2), a1, 16);
      }
      for (let ow = vecEnd; ow < oW; ow++) {
        let acc: f32 = 0;
        let kk: usize = 0;
        for (let kd = 0; kd < kD; kd++) {
          for (let kh = 0; kh < kH; kh++) {
            const row = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW) << 2);
            for (let kw = 0; kw < kW; kw++) {
              acc += load<f32>(v + (kk << 2)) * load<f32>(row + ((<usize>(ow * tW + kw * dW)) << 2));
              kk++;
            }
          }
        }
        store<f32>(orow + (<usize>ow << 2), acc);
      }
    }
  }
}

/**
 * The depthwise weight gradient for 2-d kernels three wide at stride 1 along w, read straight from the
 * unpadded planes: for each tap row kh, the output rows whose input row exists, and for the three taps
 * kw the columns where all three read inside x (vectorized), the few edge columns one by one.
 */
function depthwiseGradWeight2d3(job: ConvJob, c: i32, dw: usize): void {
  const N = job.n, C = job.cx;
  const xH = job.xh, xW = job.xw;
  const oH = job.yh, oW = job.yw;
  const kH = job.kh;
  const tH = job.sh;
  const dH = job.dh, dW = job.dw;
  const pH = job.ph, pW = job.pw;
  const xPlane = <usize>(job.xd * xH * xW);
  const oPlane = <usize>(job.yd * oH * oW);
  // Columns ow where tap kw reads inside x: [lowK, highK); all three: [lo, hi).
  const lo = max(0, pW); // tap 0 starts latest
  const hi = max(lo, min(oW, xW + pW - 2 * dW)); // tap 2 ends earliest
  for (let kh = 0; kh < kH; kh++) {
    // Two sets of accumulators (columns ow and ow + 4) so the additions overlap.
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0);
    let e0: f32 = 0, e1: f32 = 0, e2: f32 = 0;
    for (let n = 0; n < N; n++) {
      const plane = <usize>(n * C + c);
      const x = <usize>job.xPtr + ((plane * xPlane) << 2);
      const dy = <usize>job.wPtr + ((plane * oPlane) << 2);
      for (let oh = 0; oh < oH; oh++) {
        const ih = oh * tH + kh * dH - pH;
        if (ih < 0 || ih >= xH) continue;
        const drow = dy + ((<usize>(oh * oW)) << 2);
        const xrow = x + ((<usize>(ih * xW)) << 2);
        // x column of tap kw at output column ow: ow + kw·dW − pW.
        let ow = lo;
        const c1 = <usize>dW << 2;
        const c2 = <usize>(2 * dW) << 2;
        for (; ow + 8 <= hi; ow += 8) {
          const d = v128.load(drow + (<usize>ow << 2));
          const e = v128.load(drow + (<usize>ow << 2), 16);
          const at = xrow + (<usize>(ow - pW) << 2);
          a0 = fma(d, v128.load(at), a0);
          b0 = fma(e, v128.load(at, 16), b0);
          a1 = fma(d, v128.load(at + c1), a1);
          b1 = fma(e, v128.load(at + c1, 16), b1);
          a2 = fma(d, v128.load(at + c2), a2);
          b2 = fma(e, v128.load(at + c2, 16), b2);
        }
        for (; ow + 4 <= hi; ow += 4) {
          const d = v128.load(drow + (<usize>ow << 2));
          const at = xrow + (<usize>(ow - pW) << 2);
          a0 = fma(d, v128.load(at), a0);
          a1 = fma(d, v128.load(at + (<usize>dW << 2)), a1);
          a2 = fma(d, v128.load(at + (<usize>(2 * dW) << 2)), a2);
        }
        for (; ow < hi; ow++) {
          const d = load<f32>(drow + (<usize>ow << 2));
          e0 += d * load<f32>(xrow + (<usize>(ow - pW) << 2));
          e1 += d * load<f32>(xrow + (<usize>(ow + dW - pW) << 2));
          e2 += d * load<f32>(xrow + (<usize>(ow + 2 * dW - pW) << 2));
        }
        // Edge columns outside [lo, hi), each tap where it reads inside x.
        for (let q = 0; q < oW; q++) {
          if (q >= lo && q < hi) {
            q = hi - 1;
            continue;
          }
          const d = load<f32>(drow + (<usize>q << 2));
          const i0 = q - pW;
          if (i0 >= 0 && i0 < xW) e0 += d * load<f32>(xrow + (<usize>i0 << 2));
          const i1 = i0 + dW;
          if (i1 >= 0 && i1 < xW) e1 += d * load<f32>(xrow + (<usize>i1 << 2));
          const i2 = i0 + 2 * dW;
          if (i2 >= 0 && i2 < xW) e2 += d * load<f32>(xrow + (<usize>i2 << 2));
        }
      }
    }
    const at = dw + ((<usize>(kh * 3)) << 2);
    store<f32>(at, load<f32>(at) + e0);
    store<f32>(at + 4, load<f32>(at + 4) + e1);
    store<f32>(at + 8, load<f32>(at + 8) + e2);
    addLanes(at, f32x4.add(a0, b0));
    addLanes(at + 4, f32x4.add(a1, b1));
    addLanes(at + 8, f32x4.add(a2, b2));
  }
}

/** Depthwise weight gradient of channel c = task: dw[c, κ] = Σ_n Σ_i dy[n, c, i] · x̃[n, c, i·s + κ·d]. */
export function depthwiseGradWeightTask(job: ConvJob, task: i32, thread: i32): void {
  const N = job.n, C = job.cx;
  const c = task;
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const oD = job.yd, oH = job.yh, oW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const tD = job.sd, tH = job.sh, tW = job.sw;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const bD = extent(oD, tD, kD, dD);
  const bH = extent(oH, tH, kH, dH);
  const bW = extent(oW, tW, kW, dW);
  const buf = threadScratch(job, thread);
  const K3 = kD * kH * kW;
  const dw = <usize>job.outPtr + ((<usize>c * <usize>K3) << 2);
  memory.fill(dw, 0, <usize>K3 << 2);
  const vecEnd = tW == 1 ? oW & ~3 : 0;
  if (xD == 1 && kD == 1 && kW == 3 && tW == 1) {
    depthwiseGradWeight2d3(job, c, dw);
    return;
  }
  for (let n = 0; n < N; n++) {
    const plane = n * C + c;
    padPlane(<usize>job.xPtr + ((<usize>plane * <usize>(xD * xH * xW)) << 2), xD, xH, xW, buf, bD, bH, bW, job.pd, job.ph, job.pw);
    const dy = <usize>job.wPtr + ((<usize>plane * <usize>(oD * oH * oW)) << 2);
    let kk: usize = 0;
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        if (kW == 3 && tW == 1 && vecEnd == oW) {
          // Three taps of a row at once: each dy vector is loaded once for all three; two sets of
          // accumulators (columns ow and ow + 4) so the additions do not wait on each other.
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
          let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0);
          const c1 = <usize>dW << 2;
          const c2 = <usize>(2 * dW) << 2;
          const pairEnd = oW & ~7;
          for (let od = 0; od < oD; od++) {
            for (let oh = 0; oh < oH; oh++) {
              const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
              const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW) << 2);
              let ow = 0;
              for (; ow < pairEnd; ow += 8) {
                const o = <usize>ow << 2;
                const d = v128.load(drow + o);
                const e = v128.load(drow + o, 16);
                a0 = fma(d, v128.load(xrow + o), a0);
                b0 = fma(e, v128.load(xrow + o, 16), b0);
                a1 = fma(d, v128.load(xrow + o + c1), a1);
                b1 = fma(e, v128.load(xrow + o + c1, 16), b1);
                a2 = fma(d, v128.load(xrow + o + c2), a2);
                b2 = fma(e, v128.load(xrow + o + c2, 16), b2);
              }
              for (; ow < oW; ow += 4) {
                const o = <usize>ow << 2;
                const d = v128.load(drow + o);
                a0 = fma(d, v128.load(xrow + o), a0);
                a1 = fma(d, v128.load(xrow + o + c1), a1);
                a2 = fma(d, v128.load(xrow + o + c2), a2);
              }
            }
          }
          addLanes(dw + (kk << 2), f32x4.add(a0, b0));
          addLanes(dw + ((kk + 1) << 2), f32x4.add(a1, b1));
          addLanes(dw + ((kk + 2) << 2), f32x4.add(a2, b2));
          kk += 3;
          continue;
        }
        for (let kw = 0; kw < kW; kw++) {
          let acc = f32x4.splat(0);
          let tail: f32 = 0;
          for (let od = 0; od < oD; od++) {
            for (let oh = 0; oh < oH; oh++) {
              const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
              const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>(kw * dW)) << 2);
              for (let ow = 0; ow < vecEnd; ow += 4) acc = fma(v128.load(drow + (<usize>ow << 2)), v128.load(xrow + (<usize>ow << 2)), acc);
              for (let ow = vecEnd; ow < oW; ow++) tail += load<f32>(drow + (<usize>ow << 2)) * load<f32>(xrow + ((<usize>(ow * tW)) << 2));
            }
          }
          const total = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
          store<f32>(dw + (kk << 2), load<f32>(dw + (kk << 2)) + total);
          kk++;
        }
      }
    }
  }
}

/**
 * Direct correlation for convolutions with few input channels, one task per (n, group): the group's B
 * source planes are padded into scratch once, then out[n, g·A + a, i] = Σ_b Σ_κ v[g·A + a, b, κ] ·
 * src[n, g·B + b, i·s + κ·d], 8 outputs of a row at a time. The forward pass (src = x), and the input
 * gradient at stride 1 (src = dy, v = the kernel flipped and transposed, padding d·(k−1) − p).
 */
export function directTask(job: ConvJob, task: i32, thread: i32): void {
  const G = job.g, A = job.a, B = job.b;
  const g = task % G;
  const n = task / G;
  const sD = job.xd, sH = job.xh, sW = job.xw;
  const oD = job.yd, oH = job.yh, oW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const tD = job.sd, tH = job.sh, tW = job.sw;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const bD = extent(oD, tD, kD, dD);
  const bH = extent(oH, tH, kH, dH);
  const bW = paddedRow(oW, tW, kW, dW); // with slack: vector loads may run past a row
  const planeB = <usize>(bD * bH * bW);
  const buf = threadScratch(job, thread);
  const srcPlane = <usize>(sD * sH * sW);
  for (let b = 0; b < B; b++) {
    const src = <usize>job.xPtr + ((<usize>(n * G * B + g * B + b) * srcPlane) << 2);
    padPlane(src, sD, sH, sW, buf + ((<usize>b * planeB) << 2), bD, bH, bW, job.pd, job.ph, job.pw);
  }
  const K3 = kD * kH * kW;
  const outPlane = <usize>(oD * oH * oW);
  const vecEnd = tW == 1 ? oW & ~7 : 0;
  for (let a = 0; a < A; a++) {
    const v = <usize>job.wPtr + ((<usize>((g * A + a) * B) * <usize>K3) << 2);
    const out = <usize>job.outPtr + ((<usize>(n * G * A + g * A + a) * outPlane) << 2);
    for (let od = 0; od < oD; od++) {
      for (let oh = 0; oh < oH; oh++) {
        const orow = out + ((<usize>(od * oH + oh) * <usize>oW) << 2);
        for (let ow = 0; ow < vecEnd; ow += 8) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
          let kk = v;
          for (let b = 0; b < B; b++) {
            const plane = buf + ((<usize>b * planeB) << 2);
            for (let kd = 0; kd < kD; kd++) {
              for (let kh = 0; kh < kH; kh++) {
                let at = plane + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>ow) << 2);
                for (let kw = 0; kw < kW; kw++) {
                  const wv = v128.load32_splat(kk);
                  a0 = fma(wv, v128.load(at), a0);
                  a1 = fma(wv, v128.load(at, 16), a1);
                  kk += 4;
                  at += <usize>dW << 2;
                }
              }
            }
          }
          v128.store(orow + (<usize>ow << 2), a0);
          v128.store(orow + (<usize>ow << 2), a1, 16);
        }
        for (let ow = vecEnd; ow < oW; ow++) {
          let acc: f32 = 0;
          let kk = v;
          for (let b = 0; b < B; b++) {
            const plane = buf + ((<usize>b * planeB) << 2);
            for (let kd = 0; kd < kD; kd++) {
              for (let kh = 0; kh < kH; kh++) {
                const row = plane + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW) << 2);
                for (let kw = 0; kw < kW; kw++) {
                  acc += load<f32>(kk) * load<f32>(row + ((<usize>(ow * tW + kw * dW)) << 2));
                  kk += 4;
                }
              }
            }
          }
          store<f32>(orow + (<usize>ow << 2), acc);
        }
      }
    }
  }
}

/**
 * Direct weight gradient for few input channels, one task per (group, pair of output channels a, a + 1):
 * dw[g·A + a, b, κ] = Σ_n Σ_i dy[n, g·A + a, i] · x̃[n, g·B + b, i·s + κ·d] as dot
 * products along rows (W stride 1), x̃ the padded input planes.
 */
export function directGradWeightTask(job: ConvJob, task: i32, thread: i32): void {
  const A = job.a;
  const pairs = (A + 1) >> 1;
  const g = task / pairs;
  const a = (task % pairs) << 1;
  if (a + 1 < A && job.dw == 1 && job.yw % 4 == 0) {
    directGradWeightPair(job, g, a, thread);
    return;
  }
  directGradWeightChannel(job, g, a, thread);
  if (a + 1 < A) directGradWeightChannel(job, g, a + 1, thread);
}

/**
 * Two output channels a, a + 1 at once (W stride 1, rows of whole runs of 4): each x load serves both, so a
 * block of 4 taps × 2 channels is 8 sums for 6 loads a vector (one channel: 4 sums for 5). Each sum adds
 * the same products in the same order as directGradWeightChannel's.
 */
function directGradWeightPair(job: ConvJob, g: i32, a: i32, thread: i32): void {
  const N = job.n, G = job.g, A = job.a, B = job.b;
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const oD = job.yd, oH = job.yh, oW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const tD = job.sd, tH = job.sh;
  const dD = job.dd, dH = job.dh;
  const bD = extent(oD, tD, kD, dD);
  const bH = extent(oH, tH, kH, dH);
  const bW = paddedRow(oW, 1, kW, 1);
  const buf = threadScratch(job, thread);
  const K3 = kD * kH * kW;
  const dwA = <usize>job.outPtr + ((<usize>((g * A + a) * B) * <usize>K3) << 2);
  const dwB = dwA + ((<usize>B * <usize>K3) << 2);
  memory.fill(dwA, 0, (<usize>(2 * B) * <usize>K3) << 2);
  const xPlane = <usize>(xD * xH * xW);
  const oPlane = <usize>(oD * oH * oW);
  const oBytes = oPlane << 2;
  for (let n = 0; n < N; n++) {
    const dy = <usize>job.wPtr + ((<usize>(n * G * A + g * A + a) * oPlane) << 2);
    for (let b = 0; b < B; b++) {
      padPlane(<usize>job.xPtr + ((<usize>(n * G * B + g * B + b) * xPlane) << 2), xD, xH, xW, buf, bD, bH, bW, job.pd, job.ph, job.pw);
      let kk: usize = (<usize>b * <usize>K3) << 2;
      for (let kd = 0; kd < kD; kd++) {
        for (let kh = 0; kh < kH; kh++) {
          // Blocks of up to 4 taps, as directGradWeightChannel's (a block of 2 or 3 computes sums it drops,
          // its loads inside ROW_SLACK), then a last single tap.
          let kw = 0;
          for (; kw + 2 <= kW; kw += 4) {
            const taps = min(4, kW - kw);
            let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
            let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
            for (let od = 0; od < oD; od++) {
              for (let oh = 0; oh < oH; oh++) {
                const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
                const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>kw) << 2);
                for (let ow = 0; ow < oW; ow += 4) {
                  const o = <usize>ow << 2;
                  const d = v128.load(drow + o);
                  const e = v128.load(drow + oBytes + o);
                  const xa = xrow + o;
                  const x0 = v128.load(xa), x1 = v128.load(xa, 4), x2 = v128.load(xa, 8), x3 = v128.load(xa, 12);
                  a0 = fma(d, x0, a0);
                  b0 = fma(e, x0, b0);
                  a1 = fma(d, x1, a1);
                  b1 = fma(e, x1, b1);
                  a2 = fma(d, x2, a2);
                  b2 = fma(e, x2, b2);
                  a3 = fma(d, x3, a3);
                  b3 = fma(e, x3, b3);
                }
              }
            }
            addLanes(dwA + kk, a0);
            addLanes(dwB + kk, b0);
            addLanes(dwA + kk + 4, a1);
            addLanes(dwB + kk + 4, b1);
            if (taps > 2) {
              addLanes(dwA + kk + 8, a2);
              addLanes(dwB + kk + 8, b2);
            }
            if (taps > 3) {
              addLanes(dwA + kk + 12, a3);
              addLanes(dwB + kk + 12, b3);
            }
            kk += <usize>taps << 2;
          }
          if (kw > kW) kw = kW;
          for (; kw < kW; kw++) {
            let a0 = f32x4.splat(0), b0 = f32x4.splat(0);
            for (let od = 0; od < oD; od++) {
              for (let oh = 0; oh < oH; oh++) {
                const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
                const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>kw) << 2);
                for (let ow = 0; ow < oW; ow += 4) {
                  const o = <usize>ow << 2;
                  const xv = v128.load(xrow + o);
                  a0 = fma(v128.load(drow + o), xv, a0);
                  b0 = fma(v128.load(drow + oBytes + o), xv, b0);
                }
              }
            }
            // As the one-channel tail adds its scalar sum (0 here: rows of whole runs of 4) before the lanes.
            store<f32>(dwA + kk, load<f32>(dwA + kk) + <f32>0);
            store<f32>(dwB + kk, load<f32>(dwB + kk) + <f32>0);
            addLanes(dwA + kk, a0);
            addLanes(dwB + kk, b0);
            kk += 4;
          }
        }
      }
    }
  }
}

/** One output channel a of the direct weight gradient (any W stride, rows of any width). */
function directGradWeightChannel(job: ConvJob, g: i32, a: i32, thread: i32): void {
  const N = job.n, G = job.g, A = job.a, B = job.b;
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const oD = job.yd, oH = job.yh, oW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const tD = job.sd, tH = job.sh;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const bD = extent(oD, tD, kD, dD);
  const bH = extent(oH, tH, kH, dH);
  const bW = paddedRow(oW, 1, kW, dW);
  const buf = threadScratch(job, thread);
  const K3 = kD * kH * kW;
  const dw = <usize>job.outPtr + ((<usize>((g * A + a) * B) * <usize>K3) << 2);
  memory.fill(dw, 0, (<usize>B * <usize>K3) << 2);
  const xPlane = <usize>(xD * xH * xW);
  const oPlane = <usize>(oD * oH * oW);
  const vecEnd = oW & ~3;
  for (let n = 0; n < N; n++) {
    const dy = <usize>job.wPtr + ((<usize>(n * G * A + g * A + a) * oPlane) << 2);
    for (let b = 0; b < B; b++) {
      padPlane(<usize>job.xPtr + ((<usize>(n * G * B + g * B + b) * xPlane) << 2), xD, xH, xW, buf, bD, bH, bW, job.pd, job.ph, job.pw);
      let kk: usize = dw + ((<usize>b * <usize>K3) << 2);
      for (let kd = 0; kd < kD; kd++) {
        for (let kh = 0; kh < kH; kh++) {
          // Up to four taps kw at a time where the row allows (and W stride 1): independent sums share
          // each dy load and one row set-up (a block of 2 or 3 taps computes a fourth sum it drops: its
          // loads stay inside the row's ROW_SLACK); a last single tap on its own.
          let kw = 0;
          if (dW == 1 && vecEnd == oW) {
            for (; kw + 2 <= kW; kw += 4) {
              const taps = min(4, kW - kw);
              let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
              for (let od = 0; od < oD; od++) {
                for (let oh = 0; oh < oH; oh++) {
                  const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
                  const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>kw) << 2);
                  for (let ow = 0; ow < vecEnd; ow += 4) {
                    const d = v128.load(drow + (<usize>ow << 2));
                    const xa = xrow + (<usize>ow << 2);
                    a0 = fma(d, v128.load(xa), a0);
                    a1 = fma(d, v128.load(xa, 4), a1);
                    a2 = fma(d, v128.load(xa, 8), a2);
                    a3 = fma(d, v128.load(xa, 12), a3);
                  }
                }
              }
              addLanes(kk, a0);
              addLanes(kk + 4, a1);
              if (taps > 2) addLanes(kk + 8, a2);
              if (taps > 3) addLanes(kk + 12, a3);
              kk += <usize>taps << 2;
            }
            if (kw > kW) kw = kW;
          }
          for (; kw < kW; kw++) {
            let acc = f32x4.splat(0);
            let tail: f32 = 0;
            for (let od = 0; od < oD; od++) {
              for (let oh = 0; oh < oH; oh++) {
                const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
                const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW + <usize>(kw * dW)) << 2);
                for (let ow = 0; ow < vecEnd; ow += 4) acc = fma(v128.load(drow + (<usize>ow << 2)), v128.load(xrow + (<usize>ow << 2)), acc);
                for (let ow = vecEnd; ow < oW; ow++) tail += load<f32>(drow + (<usize>ow << 2)) * load<f32>(xrow + (<usize>ow << 2));
              }
            }
            store<f32>(kk, load<f32>(kk) + tail);
            addLanes(kk, acc);
            kk += 4;
          }
        }
      }
    }
  }
}
