// convgrad's WebAssembly kernels (AssemblyScript, float32, SIMD128). Memory is imported and shared
// between threads; JavaScript lays every buffer out and describes each job in a header of i32 fields.
// A job is split into tasks; any thread runs any task (runTask), writing disjoint outputs or its own
// private accumulators. Geometry is normalized to 3 spatial dims (d, h, w) by JavaScript.
//
// The three passes are one GEMM micro-kernel fed by three gathers:
//   forward       y[o, p]      = Σ_k W[o, k]   · Col[k, p]       Col = im2col(x),  k = (c, κ)
//   input grad    dx[c, r+s·t] = Σ_k Wr[c, k]  · Colr[k, t]      Colr = taps of dy for residue r
//   weight grad   dW[o, k]     = Σ_p dY[o, p]  · ColT[p, k]      ColT = im2col(x) transposed
// GEMM: C[M4 × N] (+)= A · B, A packed in panels of 4 rows ([panel][k][4]), B row-major, N a multiple of 8.

// ---- job header fields (i32 index) ----
const OP = 0;
const N_ = 1;
const G_ = 2;
const CX = 3;
const CY = 4;
const XD = 5;
const XH = 6;
const XW = 7;
const YD = 8;
const YH = 9;
const YW = 10;
const KD = 11;
const KH = 12;
const KW = 13;
const SD = 14;
const SH = 15;
const SW = 16;
const DD = 17;
const DH = 18;
const DW = 19;
const PD = 20;
const PH = 21;
const PW = 22;
const X_PTR = 23; // x (forward, weight grad) or dy (input grad): the gathered tensor
const W_PTR = 24; // packed weights (forward, input grad) or dy (weight grad)
const OUT_PTR = 25; // y, dx, or the private dW buffers
const SCRATCH = 26; // per-thread scratch base
const SCRATCH_BYTES = 27; // per-thread scratch size
const CHUNK = 28; // columns per task (multiple of 8)
const CHUNKS = 29; // tasks per (n, g[, residue])
const TAPS = 30; // input grad: pointer to the tap tables
const PRIV_BYTES = 31; // weight grad: bytes of one thread's private dW
const M4_ = 32; // rows rounded up to 4
const KPAD = 33; // weight grad: K rounded up to 8
const RES = 34; // input grad: number of residue classes
const W_GROUP = 35; // input grad: floats of packed weights per group

const OP_FORWARD = 1;
const OP_GRAD_INPUT = 2;
const OP_GRAD_WEIGHT = 3;
const OP_DEPTHWISE_FORWARD = 4;
const OP_DEPTHWISE_GRAD_WEIGHT = 5;
const OP_GRAD_INPUT_SCATTER = 6;
const OP_DIRECT = 7;
const OP_DIRECT_GRAD_WEIGHT = 8;
const A_ = 36; // direct: output channels per group
const B_ = 37; // direct: input channels per group

@inline function h(job: usize, f: i32): i32 {
  return load<i32>(job + (<usize>f << 2));
}

@inline function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * C[4 × 8] (+)= Σ_k a[k][0..4] ⊗ b[k][0..8]: 8 accumulators, 2 vector loads and 4 broadcasts per k.
 * a: a packed panel (16 bytes per k), b: row stride ldb bytes, c: row stride ldc bytes.
 */
@inline function tile4x8(a: usize, b: usize, ldb: usize, c: usize, ldc: usize, K: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = fma(av, b0, c00); c01 = fma(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = fma(av, b0, c10); c11 = fma(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = fma(av, b0, c20); c21 = fma(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = fma(av, b0, c30); c31 = fma(av, b1, c31);
    a += 16;
    b += ldb;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * dst[q] = src[i0 + q·step] for q < run where 0 ≤ i0 + q·step < len, else 0: one row of a gather.
 * The in-bounds middle is found first, so the loop has no bounds checks (a plain copy when step = 1).
 */
@inline function gatherRun(dst: usize, src: usize, i0: i32, step: i32, run: i32, len: i32): void {
  if (run <= 24) {
    // Short rows: a plain loop beats the fixed cost of bulk-memory calls.
    let i = i0;
    for (let q = 0; q < run; q++) {
      store<f32>(dst + (<usize>q << 2), <u32>i < <u32>len ? load<f32>(src + (<usize>i << 2)) : 0);
      i += step;
    }
    return;
  }
  // First q with i0 + q·step ≥ 0, and first q with i0 + q·step ≥ len.
  let lo = i0 >= 0 ? 0 : (-i0 + step - 1) / step;
  let hi = i0 >= len ? 0 : (len - i0 + step - 1) / step;
  if (lo > run) lo = run;
  if (hi > run) hi = run;
  if (hi < lo) hi = lo;
  // Borders are usually a cell or two of padding: plain stores beat a bulk call there.
  if (lo > 8) memory.fill(dst, 0, <usize>lo << 2);
  else for (let q = 0; q < lo; q++) store<f32>(dst + (<usize>q << 2), 0);
  if (step == 1) {
    memory.copy(dst + (<usize>lo << 2), src + (<usize>(i0 + lo) << 2), <usize>(hi - lo) << 2);
  } else {
    let i = i0 + lo * step;
    for (let q = lo; q < hi; q++) {
      store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>i << 2)));
      i += step;
    }
  }
  if (run - hi > 8) memory.fill(dst + (<usize>hi << 2), 0, <usize>(run - hi) << 2);
  else for (let q = hi; q < run; q++) store<f32>(dst + (<usize>q << 2), 0);
}

/** dst[i0 + q·step] += src[q] for q < run where 0 ≤ i0 + q·step < len: one row of a col2im, vectorized at step 1. */
@inline function scatterAddRun(dst: usize, src: usize, i0: i32, step: i32, run: i32, len: i32): void {
  let lo = i0 >= 0 ? 0 : (-i0 + step - 1) / step;
  let hi = i0 >= len ? 0 : (len - i0 + step - 1) / step;
  if (lo > run) lo = run;
  if (hi > run) hi = run;
  let q = lo;
  if (step == 1) {
    const d = dst + (<usize>i0 << 2);
    for (; q + 4 <= hi; q += 4) {
      const at = d + (<usize>q << 2);
      v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>q << 2))));
    }
  }
  for (; q < hi; q++) {
    const at = dst + (<usize>(i0 + q * step) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>q << 2)));
  }
}

const KC: i32 = 256; // depth of one pass over B, so a B panel (KC × 8 floats) stays in L1

/** C[M4 × N] (+)= A[M4 × K] · B[K × N]; A in panels of 4 rows, N a multiple of 8, strides in floats. */
function gemm(a: usize, b: usize, ldb: i32, c: usize, ldc: i32, M4: i32, N: i32, K: i32, accumulate: bool): void {
  const ldbBytes = <usize>ldb << 2;
  const ldcBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const acc = accumulate || k0 > 0;
    for (let n0 = 0; n0 < N; n0 += 8) {
      for (let m0 = 0; m0 < M4; m0 += 4) {
        const panel = a + ((<usize>m0 * <usize>K + <usize>k0 * 4) << 2);
        tile4x8(panel, b + <usize>k0 * ldbBytes + (<usize>n0 << 2), ldbBytes, c + <usize>m0 * ldcBytes + (<usize>n0 << 2), ldcBytes, kc, acc);
      }
    }
  }
}

/**
 * im2col for output positions [p0, p0 + cols) of one (n, group): col[k][j] = x[c, pos(p0 + j, κ)] or 0,
 * k = ((c·KD + kd)·KH + kh)·KW + kw, rows of `width` floats (columns past `cols` are zero).
 */
function im2col(job: usize, x: usize, col: usize, width: i32, p0: i32, cols: i32, channels: i32): void {
  const xD = h(job, XD), xH = h(job, XH), xW = h(job, XW);
  const yH = h(job, YH), yW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const sD = h(job, SD), sH = h(job, SH), sW = h(job, SW);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const pD = h(job, PD), pH = h(job, PH), pW = h(job, PW);
  const plane = <usize>(xD * xH * xW);
  let row = col;
  for (let c = 0; c < channels; c++) {
    const xc = x + ((<usize>c * plane) << 2);
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          // Walk the output positions p0.. in (od, oh, ow) order without divisions.
          let ow = p0 % yW;
          let oh = (p0 / yW) % yH;
          let od = p0 / (yW * yH);
          let j = 0;
          while (j < cols) {
            const id = od * sD + kd * dD - pD;
            const ih = oh * sH + kh * dH - pH;
            const run = min(yW - ow, cols - j); // the rest of this output row
            const dst = row + (<usize>j << 2);
            if (id < 0 || id >= xD || ih < 0 || ih >= xH) {
              memory.fill(dst, 0, <usize>run << 2);
            } else {
              const src = xc + ((<usize>(id * xH + ih) * <usize>xW) << 2);
              gatherRun(dst, src, ow * sW + kw * dW - pW, sW, run, xW);
            }
            j += run;
            ow = 0;
            if (++oh == yH) {
              oh = 0;
              od++;
            }
          }
          if (cols < width) memory.fill(row + (<usize>cols << 2), 0, <usize>(width - cols) << 2);
          row += <usize>width << 2;
        }
      }
    }
  }
}

/** Forward task (n, g, chunk): y[n, g·CyG + o, p0 .. p0 + cols) = Σ_k W[o, k] · Col[k, ·]. */
function forwardTask(job: usize, task: i32, thread: i32): void {
  const G = h(job, G_), chunks = h(job, CHUNKS), chunk = h(job, CHUNK);
  const cxg = h(job, CX) / G, cyg = h(job, CY) / G;
  const K = cxg * h(job, KD) * h(job, KH) * h(job, KW);
  const M4 = h(job, M4_);
  const P = h(job, YD) * h(job, YH) * h(job, YW);
  const X = <usize>(h(job, XD) * h(job, XH) * h(job, XW));
  const ci = task % chunks;
  const g = (task / chunks) % G;
  const n = task / (chunks * G);
  const p0 = ci * chunk;
  const cols = min(chunk, P - p0);
  const scratch = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const col = scratch;
  const cbuf = scratch + ((<usize>K * <usize>chunk) << 2);
  const x = <usize>h(job, X_PTR) + ((<usize>(n * h(job, CX) + g * cxg) * X) << 2);
  im2col(job, x, col, chunk, p0, cols, cxg);
  const w = <usize>h(job, W_PTR) + ((<usize>g * <usize>M4 * <usize>K) << 2);
  gemm(w, col, chunk, cbuf, chunk, M4, (cols + 7) & ~7, K, false);
  const y = <usize>h(job, OUT_PTR) + ((<usize>(n * h(job, CY) + g * cyg) * <usize>P + <usize>p0) << 2);
  for (let o = 0; o < cyg; o++) memory.copy(y + ((<usize>o * <usize>P) << 2), cbuf + ((<usize>o * <usize>chunk) << 2), <usize>cols << 2);
}

/**
 * Input-gradient task (n, g, residue r, chunk). The input positions j ≡ r (mod s) form a grid
 * j = r + s·t; at those, dx = Σ_{o, taps κ of r} w[o, c, κ] · dy[o, t + off(κ)], a stride-1 correlation.
 * Tap table at TAPS: per residue, [count_d, count_h, count_w, tD, tH, tW, base (packed-weight float
 * offset), kIndexD[≤KD], offD[≤KD], kIndexH.., offH.., kIndexW.., offW..] padded to a fixed stride.
 */
function gradInputTask(job: usize, task: i32, thread: i32): void {
  const G = h(job, G_), chunks = h(job, CHUNKS), chunk = h(job, CHUNK), R = h(job, RES);
  const cxg = h(job, CX) / G, cyg = h(job, CY) / G;
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const stride = 7 + 2 * (kD + kH + kW);
  const ci = task % chunks;
  const r = (task / chunks) % R;
  const g = (task / (chunks * R)) % G;
  const n = task / (chunks * R * G);
  const tab = <usize>h(job, TAPS) + ((<usize>r * <usize>stride) << 2);
  const nD = load<i32>(tab), nH = load<i32>(tab, 4), nW = load<i32>(tab, 8);
  const tD = load<i32>(tab, 12), tH = load<i32>(tab, 16), tW = load<i32>(tab, 20);
  const base = load<i32>(tab, 24);
  const T = tD * tH * tW;
  const t0 = ci * chunk;
  if (t0 >= T) return;
  const cols = min(chunk, T - t0);
  const sD = h(job, SD), sH = h(job, SH), sW = h(job, SW);
  const rW = r % sW, rH = (r / sW) % sH, rD = r / (sW * sH);
  const xD = h(job, XD), xH = h(job, XH), xW = h(job, XW);
  const yD = h(job, YD), yH = h(job, YH), yW = h(job, YW);
  const X = <usize>(xD * xH * xW);
  const Y = <usize>(yD * yH * yW);
  const M4 = h(job, M4_);
  const taps = nD * nH * nW;
  const K = cyg * taps;
  const scratch = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const col = scratch;
  const cbuf = scratch + ((<usize>max(K, 1) * <usize>chunk) << 2);
  const tabD = tab + 28;
  const tabH = tabD + ((<usize>(2 * kD)) << 2);
  const tabW = tabH + ((<usize>(2 * kH)) << 2);
  if (K > 0) {
    // Colr[(o, a, b, c)][j] = dy[n, g·CyG + o, td + offD[a], th + offH[b], tw + offW[c]] or 0.
    const dy = <usize>h(job, X_PTR) + ((<usize>(n * h(job, CY) + g * cyg) * Y) << 2);
    let row = col;
    for (let o = 0; o < cyg; o++) {
      const dyo = dy + ((<usize>o * Y) << 2);
      for (let a = 0; a < nD; a++) {
        const oD = load<i32>(tabD + ((<usize>(kD + a)) << 2));
        for (let b = 0; b < nH; b++) {
          const oH = load<i32>(tabH + ((<usize>(kH + b)) << 2));
          for (let c = 0; c < nW; c++) {
            const oW = load<i32>(tabW + ((<usize>(kW + c)) << 2));
            let tw = t0 % tW;
            let th = (t0 / tW) % tH;
            let td = t0 / (tW * tH);
            let j = 0;
            while (j < cols) {
              const id = td + oD, ih = th + oH;
              const run = min(tW - tw, cols - j);
              const dst = row + (<usize>j << 2);
              if (id < 0 || id >= yD || ih < 0 || ih >= yH) {
                memory.fill(dst, 0, <usize>run << 2);
              } else {
                const src = dyo + ((<usize>(id * yH + ih) * <usize>yW) << 2);
                gatherRun(dst, src, tw + oW, 1, run, yW);
              }
              j += run;
              tw = 0;
              if (++th == tH) {
                th = 0;
                td++;
              }
            }
            if (cols < chunk) memory.fill(row + (<usize>cols << 2), 0, <usize>(chunk - cols) << 2);
            row += <usize>chunk << 2;
          }
        }
      }
    }
    const w = <usize>h(job, W_PTR) + ((<usize>g * <usize>h(job, W_GROUP) + <usize>base) << 2);
    gemm(w, col, chunk, cbuf, chunk, M4, (cols + 7) & ~7, K, false);
  }
  // Scatter the chunk's positions t back to dx at j = r + s·t.
  const dx = <usize>h(job, OUT_PTR) + ((<usize>(n * h(job, CX) + g * cxg) * X) << 2);
  for (let c = 0; c < cxg; c++) {
    const dxc = dx + ((<usize>c * X) << 2);
    const src = cbuf + ((<usize>c * <usize>chunk) << 2);
    let tw = t0 % tW;
    let th = (t0 / tW) % tH;
    let td = t0 / (tW * tH);
    for (let j = 0; j < cols; j++) {
      const at = ((rD + sD * td) * xH + (rH + sH * th)) * xW + (rW + sW * tw);
      store<f32>(dxc + (<usize>at << 2), K > 0 ? load<f32>(src + (<usize>j << 2)) : 0);
      if (++tw == tW) {
        tw = 0;
        if (++th == tH) {
          th = 0;
          td++;
        }
      }
    }
  }
}

/**
 * Input-gradient task in the scatter form, one image per task (so no two tasks touch the same dx):
 * Cols[(c, κ), p] = Σ_o w[o, c, κ] · dy[o, p] by GEMM straight from dy (no gather), then col2im:
 * dx[c, p·s + κ·d − pad] += Cols[(c, κ), p]. Chosen when a group has more output than input channels.
 */
function gradInputScatterTask(job: usize, task: i32, thread: i32): void {
  const G = h(job, G_), chunk = h(job, CHUNK);
  const cxg = h(job, CX) / G, cyg = h(job, CY) / G;
  const xD = h(job, XD), xH = h(job, XH), xW = h(job, XW);
  const yH = h(job, YH), yW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const sD = h(job, SD), sH = h(job, SH), sW = h(job, SW);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const pD = h(job, PD), pH = h(job, PH), pW = h(job, PW);
  const K3 = kD * kH * kW;
  const M4 = h(job, M4_); // rows (c, κ) of a group, rounded up to 4
  const P = h(job, YD) * yH * yW;
  const X = <usize>(xD * xH * xW);
  const n = task;
  const cbuf = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const dxn = <usize>h(job, OUT_PTR) + ((<usize>(n * h(job, CX)) * X) << 2);
  memory.fill(dxn, 0, (<usize>h(job, CX) * X) << 2);
  for (let g = 0; g < G; g++) {
    const w = <usize>h(job, W_PTR) + ((<usize>g * <usize>M4 * <usize>cyg) << 2);
    const dy = <usize>h(job, X_PTR) + ((<usize>(n * h(job, CY) + g * cyg) * <usize>P) << 2);
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const cols = min(chunk, P - p0);
      gemm(w, dy + (<usize>p0 << 2), P, cbuf, chunk, M4, (cols + 7) & ~7, cyg, false);
      // col2im: add each row (c, κ) back at the input positions its columns read.
      for (let c = 0; c < cxg; c++) {
        const dxc = dxn + ((<usize>(g * cxg + c) * X) << 2);
        for (let kd = 0; kd < kD; kd++) {
          for (let kh = 0; kh < kH; kh++) {
            for (let kw = 0; kw < kW; kw++) {
              const row = cbuf + ((<usize>((c * K3 + (kd * kH + kh) * kW + kw) * chunk)) << 2);
              let ow = p0 % yW;
              let oh = (p0 / yW) % yH;
              let od = p0 / (yW * yH);
              let j = 0;
              while (j < cols) {
                const id = od * sD + kd * dD - pD;
                const ih = oh * sH + kh * dH - pH;
                const run = min(yW - ow, cols - j);
                if (id >= 0 && id < xD && ih >= 0 && ih < xH) {
                  scatterAddRun(dxc + ((<usize>(id * xH + ih) * <usize>xW) << 2), row + (<usize>j << 2), ow * sW + kw * dW - pW, sW, run, xW);
                }
                j += run;
                ow = 0;
                if (++oh == yH) {
                  oh = 0;
                  od++;
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Weight-gradient task (n, chunk): for each group, dW[o, k] += Σ_{p in chunk} dy[n, o, p] · ColT[p, k],
 * into this thread's private dW (JavaScript zeroes them before and adds them up after).
 */
function gradWeightTask(job: usize, task: i32, thread: i32): void {
  const G = h(job, G_), chunks = h(job, CHUNKS), chunk = h(job, CHUNK);
  const cxg = h(job, CX) / G, cyg = h(job, CY) / G;
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const K = cxg * kD * kH * kW;
  const Kpad = h(job, KPAD);
  const M4 = h(job, M4_);
  const P = h(job, YD) * h(job, YH) * h(job, YW);
  const X = <usize>(h(job, XD) * h(job, XH) * h(job, XW));
  const ci = task % chunks;
  const n = task / chunks;
  const p0 = ci * chunk;
  const cols = min(chunk, P - p0);
  const scratch = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const col = scratch; // Col[K][chunk], then transposed into colT[chunk][Kpad]
  const colT = scratch + ((<usize>K * <usize>chunk) << 2);
  const apack = colT + ((<usize>chunk * <usize>Kpad) << 2);
  const priv = <usize>h(job, OUT_PTR) + <usize>thread * <usize>h(job, PRIV_BYTES);
  for (let g = 0; g < G; g++) {
    const x = <usize>h(job, X_PTR) + ((<usize>(n * h(job, CX) + g * cxg) * X) << 2);
    im2col(job, x, col, chunk, p0, cols, cxg);
    // Transpose Col[K][chunk] → ColT[cols][Kpad] (zero columns past K).
    for (let j = 0; j < cols; j++) {
      const dst = colT + ((<usize>j * <usize>Kpad) << 2);
      for (let k = 0; k < K; k++) store<f32>(dst + (<usize>k << 2), load<f32>(col + ((<usize>k * <usize>chunk + <usize>j) << 2)));
      for (let k = K; k < Kpad; k++) store<f32>(dst + (<usize>k << 2), 0);
    }
    // Pack dy rows into panels of 4: apack[panel][j][4], j < cols (zero rows past CyG).
    const dy = <usize>h(job, W_PTR) + ((<usize>(n * h(job, CY) + g * cyg) * <usize>P + <usize>p0) << 2);
    for (let m0 = 0; m0 < M4; m0 += 4) {
      const panel = apack + ((<usize>m0 * <usize>cols) << 2);
      for (let j = 0; j < cols; j++) {
        for (let r = 0; r < 4; r++) {
          const o = m0 + r;
          store<f32>(panel + ((<usize>(j * 4 + r)) << 2), o < cyg ? load<f32>(dy + ((<usize>o * <usize>P + <usize>j) << 2)) : 0);
        }
      }
    }
    gemm(apack, colT, Kpad, priv + ((<usize>g * <usize>M4 * <usize>Kpad) << 2), Kpad, M4, Kpad, cols, true);
  }
}

/**
 * Copies one plane of src (sD × sH × sW) into a zero-bordered buffer of bD × bH × bW, shifted by the
 * padding (pD, pH, pW; negative crops): buf[i] = src[i − p] where that is inside src, else 0.
 */
function padPlane(src: usize, sD: i32, sH: i32, sW: i32, buf: usize, bD: i32, bH: i32, bW: i32, pD: i32, pH: i32, pW: i32): void {
  for (let d = 0; d < bD; d++) {
    const id = d - pD;
    for (let hh = 0; hh < bH; hh++) {
      const ih = hh - pH;
      const dst = buf + ((<usize>(d * bH + hh) * <usize>bW) << 2);
      if (id < 0 || id >= sD || ih < 0 || ih >= sH) memory.fill(dst, 0, <usize>bW << 2);
      else gatherRun(dst, src + ((<usize>(id * sH + ih) * <usize>sW) << 2), -pW, 1, bW, sW);
    }
  }
}

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
function depthwiseTask(job: usize, task: i32, thread: i32): void {
  const C = h(job, CX);
  const c = task % C;
  const sD = h(job, XD), sH = h(job, XH), sW = h(job, XW);
  const oD = h(job, YD), oH = h(job, YH), oW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const tD = h(job, SD), tH = h(job, SH), tW = h(job, SW);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const bD = (oD - 1) * tD + (kD - 1) * dD + 1;
  const bH = (oH - 1) * tH + (kH - 1) * dH + 1;
  const bW = (oW - 1) * tW + (kW - 1) * dW + 1;
  const buf = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  padPlane(<usize>h(job, X_PTR) + ((<usize>task * <usize>(sD * sH * sW)) << 2), sD, sH, sW, buf, bD, bH, bW, h(job, PD), h(job, PH), h(job, PW));
  const K3 = kD * kH * kW;
  const v = <usize>h(job, W_PTR) + ((<usize>c * <usize>K3) << 2);
  const out = <usize>h(job, OUT_PTR) + ((<usize>task * <usize>(oD * oH * oW)) << 2);
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

/** *at += the sum of a's four lanes. */
@inline function addLanes(at: usize, a: v128): void {
  store<f32>(at, load<f32>(at) + (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)));
}

/** Depthwise weight gradient of channel c = task: dw[c, κ] = Σ_n Σ_i dy[n, c, i] · x̃[n, c, i·s + κ·d]. */
function depthwiseGradWeightTask(job: usize, task: i32, thread: i32): void {
  const N = h(job, N_), C = h(job, CX);
  const c = task;
  const xD = h(job, XD), xH = h(job, XH), xW = h(job, XW);
  const oD = h(job, YD), oH = h(job, YH), oW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const tD = h(job, SD), tH = h(job, SH), tW = h(job, SW);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const bD = (oD - 1) * tD + (kD - 1) * dD + 1;
  const bH = (oH - 1) * tH + (kH - 1) * dH + 1;
  const bW = (oW - 1) * tW + (kW - 1) * dW + 1;
  const buf = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const K3 = kD * kH * kW;
  const dw = <usize>h(job, OUT_PTR) + ((<usize>c * <usize>K3) << 2);
  memory.fill(dw, 0, <usize>K3 << 2);
  const vecEnd = tW == 1 ? oW & ~3 : 0;
  for (let n = 0; n < N; n++) {
    const plane = n * C + c;
    padPlane(<usize>h(job, X_PTR) + ((<usize>plane * <usize>(xD * xH * xW)) << 2), xD, xH, xW, buf, bD, bH, bW, h(job, PD), h(job, PH), h(job, PW));
    const dy = <usize>h(job, W_PTR) + ((<usize>plane * <usize>(oD * oH * oW)) << 2);
    let kk: usize = 0;
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        if (kW == 3 && tW == 1 && vecEnd == oW) {
          // Three taps of a row at once: each dy vector is loaded once for all three.
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
          const c1 = <usize>dW << 2;
          const c2 = <usize>(2 * dW) << 2;
          for (let od = 0; od < oD; od++) {
            for (let oh = 0; oh < oH; oh++) {
              const drow = dy + ((<usize>(od * oH + oh) * <usize>oW) << 2);
              const xrow = buf + ((<usize>((od * tD + kd * dD) * bH + oh * tH + kh * dH) * <usize>bW) << 2);
              for (let ow = 0; ow < oW; ow += 4) {
                const o = <usize>ow << 2;
                const d = v128.load(drow + o);
                a0 = fma(d, v128.load(xrow + o), a0);
                a1 = fma(d, v128.load(xrow + o + c1), a1);
                a2 = fma(d, v128.load(xrow + o + c2), a2);
              }
            }
          }
          addLanes(dw + (kk << 2), a0);
          addLanes(dw + ((kk + 1) << 2), a1);
          addLanes(dw + ((kk + 2) << 2), a2);
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
function directTask(job: usize, task: i32, thread: i32): void {
  const G = h(job, G_), A = h(job, A_), B = h(job, B_);
  const g = task % G;
  const n = task / G;
  const sD = h(job, XD), sH = h(job, XH), sW = h(job, XW);
  const oD = h(job, YD), oH = h(job, YH), oW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const tD = h(job, SD), tH = h(job, SH), tW = h(job, SW);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const bD = (oD - 1) * tD + (kD - 1) * dD + 1;
  const bH = (oH - 1) * tH + (kH - 1) * dH + 1;
  const bW = (oW - 1) * tW + (kW - 1) * dW + 1 + 8; // + slack: vector loads may run past a row
  const planeB = <usize>(bD * bH * bW);
  const buf = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const srcPlane = <usize>(sD * sH * sW);
  for (let b = 0; b < B; b++) {
    const src = <usize>h(job, X_PTR) + ((<usize>(n * G * B + g * B + b) * srcPlane) << 2);
    padPlane(src, sD, sH, sW, buf + ((<usize>b * planeB) << 2), bD, bH, bW, h(job, PD), h(job, PH), h(job, PW));
  }
  const K3 = kD * kH * kW;
  const outPlane = <usize>(oD * oH * oW);
  const vecEnd = tW == 1 ? oW & ~7 : 0;
  for (let a = 0; a < A; a++) {
    const v = <usize>h(job, W_PTR) + ((<usize>((g * A + a) * B) * <usize>K3) << 2);
    const out = <usize>h(job, OUT_PTR) + ((<usize>(n * G * A + g * A + a) * outPlane) << 2);
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
 * Direct weight gradient for few input channels, one task per (group, output channel a):
 * dw[g·A + a, b, κ] = Σ_n Σ_i dy[n, g·A + a, i] · x̃[n, g·B + b, i·s + κ·d] as dot products along rows
 * (W stride 1), x̃ the padded input planes.
 */
function directGradWeightTask(job: usize, task: i32, thread: i32): void {
  const N = h(job, N_), G = h(job, G_), A = h(job, A_), B = h(job, B_);
  const g = task / A;
  const a = task % A;
  const xD = h(job, XD), xH = h(job, XH), xW = h(job, XW);
  const oD = h(job, YD), oH = h(job, YH), oW = h(job, YW);
  const kD = h(job, KD), kH = h(job, KH), kW = h(job, KW);
  const tD = h(job, SD), tH = h(job, SH);
  const dD = h(job, DD), dH = h(job, DH), dW = h(job, DW);
  const bD = (oD - 1) * tD + (kD - 1) * dD + 1;
  const bH = (oH - 1) * tH + (kH - 1) * dH + 1;
  const bW = oW + (kW - 1) * dW + 8;
  const buf = <usize>h(job, SCRATCH) + <usize>thread * <usize>h(job, SCRATCH_BYTES);
  const K3 = kD * kH * kW;
  const dw = <usize>h(job, OUT_PTR) + ((<usize>((g * A + a) * B) * <usize>K3) << 2);
  memory.fill(dw, 0, (<usize>B * <usize>K3) << 2);
  const xPlane = <usize>(xD * xH * xW);
  const oPlane = <usize>(oD * oH * oW);
  const vecEnd = oW & ~3;
  for (let n = 0; n < N; n++) {
    const dy = <usize>h(job, W_PTR) + ((<usize>(n * G * A + g * A + a) * oPlane) << 2);
    for (let b = 0; b < B; b++) {
      padPlane(<usize>h(job, X_PTR) + ((<usize>(n * G * B + g * B + b) * xPlane) << 2), xD, xH, xW, buf, bD, bH, bW, h(job, PD), h(job, PH), h(job, PW));
      let kk: usize = dw + ((<usize>b * <usize>K3) << 2);
      for (let kd = 0; kd < kD; kd++) {
        for (let kh = 0; kh < kH; kh++) {
          for (let kw = 0; kw < kW; kw++) {
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

/** Runs task `task` of the job at `job` on thread `thread` (0 is the calling thread). */
export function runTask(job: usize, task: i32, thread: i32): void {
  const op = h(job, OP);
  if (op == OP_FORWARD) forwardTask(job, task, thread);
  else if (op == OP_GRAD_INPUT) gradInputTask(job, task, thread);
  else if (op == OP_GRAD_WEIGHT) gradWeightTask(job, task, thread);
  else if (op == OP_DEPTHWISE_FORWARD) depthwiseTask(job, task, thread);
  else if (op == OP_DEPTHWISE_GRAD_WEIGHT) depthwiseGradWeightTask(job, task, thread);
  else if (op == OP_GRAD_INPUT_SCATTER) gradInputScatterTask(job, task, thread);
  else if (op == OP_DIRECT) directTask(job, task, thread);
  else if (op == OP_DIRECT_GRAD_WEIGHT) directGradWeightTask(job, task, thread);
}

/** dst[i] = Σ_t src[t·stride + i] for i < count: adds up the threads' private accumulators. */
export function sumBuffers(dst: usize, src: usize, strideFloats: i32, threads: i32, count: i32): void {
  for (let i = 0; i < count; i++) {
    let s: f32 = 0;
    for (let t = 0; t < threads; t++) s += load<f32>(src + ((<usize>(t * strideFloats + i)) << 2));
    store<f32>(dst + (<usize>i << 2), s);
  }
}

/** Peak of the micro-kernel: `iterations` runs of a 4×8 tile over K = 256, from L1. */
export function peak(a: usize, b: usize, c: usize, iterations: i32): void {
  for (let i = 0; i < iterations; i++) tile4x8(a, b, 32, c, 32, 256, true);
}
