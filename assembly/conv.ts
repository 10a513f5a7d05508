// convgrad's WebAssembly kernels (AssemblyScript, float32, SIMD128). Memory is imported and shared
// between threads; JavaScript lays every buffer out and describes each job in a header of i32 fields.
// A job is split into tasks; any thread runs any task (runTask), writing disjoint outputs or its own
// partial sums. Geometry is normalized to 3 spatial dims (d, h, w) by JavaScript. The job header
// (ConvJob), the layout constants and functions come from assembly/boundary.json, as does the module's
// export list (exports.generated.ts): nothing of the boundary is written here by hand.
//
// The three passes are one GEMM micro-kernel fed by three gathers:
//   forward       y[o, p]      = Σ_k W[o, k]   · Col[k, p]       Col = im2col(x),  k = (c, κ)
//   input grad    dx[c, r+s·t] = Σ_k Wr[c, k]  · Colr[k, t]      Colr = taps of dy for residue r
//   weight grad   dW[o, k]     = Σ_p dY[o, p]  · ColT[p, k]      ColT = im2col(x) transposed
// GEMM: C[M4 × N] (+)= A · B, A packed in panels of 4 rows ([panel][k][4]), B row-major, N a multiple of 8.
// The input gradient also has a scatter form (Cols = Wᵀ·dy, then col2im) for groups with more output than
// input channels; depthwise convolutions and few input channels use the direct kernels of direct.ts.
// Files: gemm.ts (the micro-kernel), gather.ts (im2col, col2im, padded planes), direct.ts, simd.ts, and
// this file: the GEMM-path tasks and runTask, which dispatches a job's tasks by op code.

import { MatmulJob, SplitJob, OP_MATMUL_F64, OP_SPLIT } from './boundary.generated';
import { splitTask } from './split';
import { conv64Task, matmul64Task } from './conv64';
import { ConvJob, OP_DEPTHWISE_FORWARD, OP_DEPTHWISE_GRAD_WEIGHT, OP_DIRECT, OP_DIRECT_GRAD_WEIGHT, OP_FORWARD, OP_GRAD_INPUT, OP_GRAD_INPUT_SCATTER, OP_GRAD_WEIGHT, OP_GRAD_WEIGHT_STRIP, OP_FORWARD_ROWS, OP_FORWARD_F64, OP_GRAD_INPUT_F64, OP_GRAD_WEIGHT_F64, TAP_HEADER, TapTable, colStride, extent, tapStride } from './boundary.generated';
import { gemm, gemmIndirect, gemmPixels } from './gemm';
import { addBias } from './pointwise';
import { fma, transpose4 } from './simd';
import { threadScratch } from './scratch';
import { col2imStrip, fillStrip, gatherRun, gatherWindow, im2colChunk, scatterAddRun, stripTapOffsets } from './gather';
import { depthwiseGradWeightTask, depthwiseTask, directGradWeightTask, directTask } from './direct';


/** Forward task (n, g, chunk): y[n, g·CyG + o, p0 .. p0 + cols) = Σ_k W[o, k] · Col[k, ·]. */
/** A 1×1 convolution at stride 1 without padding: every output position reads its own input position. */
@inline function isPointwise(job: ConvJob): bool {
  return (
    job.kd == 1 && job.kh == 1 && job.kw == 1 && job.sd == 1 && job.sh == 1 && job.sw == 1 && job.pd == 0 && job.ph == 0 && job.pw == 0
  );
}

/**
 * Whether the forward GEMM reads its right operand from the strip in place: a strip job (see
 * im2colStrip) at stride 1 along the row whose output rows are whole runs of 4 columns, so every run of
 * 4 positions the micro-kernel loads as a vector is 4 consecutive floats of one strip row at every
 * (c, kh, kw) (chunks are multiples of 8 positions, so runs never straddle chunks either).
 */
function readsStrip(job: ConvJob): bool {
  return job.stripRows > 0 && job.sw == 1 && job.yw % 4 == 0;
}

function forwardTask(job: ConvJob, task: i32, thread: i32): void {
  const G = job.g, chunks = job.chunks, chunk = job.chunk;
  const cxg = job.cx / G, cyg = job.cy / G;
  const K = cxg * job.kd * job.kh * job.kw;
  const M4 = job.m4;
  const P = job.yd * job.yh * job.yw;
  const X = <usize>(job.xd * job.xh * job.xw);
  const ci = task % chunks;
  const g = (task / chunks) % G;
  const n = task / (chunks * G);
  const p0 = ci * chunk;
  const cols = min(chunk, P - p0);
  const scratch = threadScratch(job, thread);
  const x = <usize>job.xPtr + ((<usize>(n * job.cx + g * cxg) * X) << 2);
  const y = <usize>job.outPtr + ((<usize>(n * job.cy + g * cyg) * <usize>P + <usize>p0) << 2);
  // The GEMM writes its rows straight into y where they are whole: every row a channel of the group
  // (M4 = CyG) and every chunk whole runs of 8 columns (P a multiple of 8), so no column past a row's
  // end is written; else into scratch, copied into y below.
  const intoY = M4 == cyg && (P & 7) == 0;
  const cbuf = intoY ? y : scratch + <usize>job.cAt;
  const ldc = intoY ? P : chunk;
  const w = <usize>job.wPtr + ((<usize>g * <usize>M4 * <usize>K) << 2);
  if (isPointwise(job)) {
    // im2col of a 1×1 convolution at stride 1 without padding is x itself (a matmul's right operand):
    // the GEMM reads it in place, rows X floats apart (up to 7 columns past a row's end: GEMM_OVERREAD).
    gemm(w, x + (<usize>p0 << 2), X, cbuf, ldc, M4, (cols + 7) & ~7, K, false);
  } else if (readsStrip(job)) {
    // The GEMM reads the windows in the strip where they lie (no im2col copy): 4 positions within one
    // output row are 4 consecutive floats of a strip row at every (c, kh, kw).
    const strip = scratch + <usize>job.stripAt;
    const rows = job.stripRows;
    fillStrip(job, x, strip, p0, cols, cxg, rows);
    const offs = scratch + <usize>job.colAt; // K byte offsets, then the address of each run of 4 positions
    const halves = offs + (<usize>K << 2);
    const Wp = stripTapOffsets(job, offs, cxg);
    const qh0 = p0 / job.yw;
    const runs = ((cols + 7) & ~7) >> 2; // an odd count gets one more, a copy of the last, whose columns are never read
    for (let h = 0; h < runs; h++) {
      const q = p0 + (min(h, (cols >> 2) - 1) << 2);
      store<i32>(halves + (<usize>h << 2), <i32>strip + ((((q / job.yw - qh0) * job.sh) * Wp + (q % job.yw)) << 2));
    }
    gemmIndirect(w, halves, offs, cbuf, ldc, M4, (cols + 7) & ~7, K);
  } else {
    const col = scratch + <usize>job.colAt;
    im2colChunk(job, x, col, chunk, p0, cols, cxg, scratch + <usize>job.stripAt);
    gemm(w, col, colStride(chunk, job.stripRows), cbuf, ldc, M4, (cols + 7) & ~7, K, false);
  }
  if (!intoY) {
    for (let o = 0; o < cyg; o++) memory.copy(y + ((<usize>o * <usize>P) << 2), cbuf + ((<usize>o * <usize>chunk) << 2), <usize>cols << 2);
  }
  // The bias, while these columns are in cache (one pass over y after the job cost as much as a copy).
  if (job.biasPtr != 0) {
    const b = <usize>job.biasPtr + (<usize>(g * cyg) << 2);
    for (let o = 0; o < cyg; o++) addBias<f32>(y + ((<usize>o * <usize>P) << 2), b + (<usize>o << 2), 1, 1, cols);
  }
}

/**
 * Input-gradient task (n, g, residue r, chunk). The input positions j ≡ r (mod s) form a grid
 * j = r + s·t; at those, dx = Σ_{o, taps κ of r} w[o, c, κ] · dy[o, t + off(κ)], a stride-1 correlation.
 * Tap table at TAPS: per residue, [count_d, count_h, count_w, tD, tH, tW, base (packed-weight float
 * offset), kIndexD[≤KD], offD[≤KD], kIndexH.., offH.., kIndexW.., offW..] padded to a fixed stride.
 */
function gradInputTask(job: ConvJob, task: i32, thread: i32): void {
  const G = job.g, chunks = job.chunks, chunk = job.chunk, R = job.res;
  const cxg = job.cx / G, cyg = job.cy / G;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const stride = tapStride(kD, kH, kW);
  const ci = task % chunks;
  const r = (task / chunks) % R;
  const g = (task / (chunks * R)) % G;
  const n = task / (chunks * R * G);
  const tab = <usize>job.taps + ((<usize>r * <usize>stride) << 2);
  const table = changetype<TapTable>(tab);
  const nD = table.countD, nH = table.countH, nW = table.countW;
  const tD = table.td, tH = table.th, tW = table.tw;
  const base = table.base;
  const T = tD * tH * tW;
  const t0 = ci * chunk;
  if (t0 >= T) return;
  const cols = min(chunk, T - t0);
  const sD = job.sd, sH = job.sh, sW = job.sw;
  const rW = r % sW, rH = (r / sW) % sH, rD = r / (sW * sH);
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const yD = job.yd, yH = job.yh, yW = job.yw;
  const X = <usize>(xD * xH * xW);
  const Y = <usize>(yD * yH * yW);
  const M4 = job.m4;
  const taps = nD * nH * nW;
  const K = cyg * taps;
  const scratch = threadScratch(job, thread);
  const col = scratch + <usize>job.colAt;
  const cbuf = scratch + <usize>job.cAt;
  const tabD = tab + (<usize>TAP_HEADER << 2);
  const tabH = tabD + ((<usize>(2 * kD)) << 2);
  const tabW = tabH + ((<usize>(2 * kH)) << 2);
  if (K > 0) {
    // Colr[(o, a, b, c)][j] = dy[n, g·CyG + o, td + offD[a], th + offH[b], tw + offW[c]] or 0.
    const dy = <usize>job.xPtr + ((<usize>(n * job.cy + g * cyg) * Y) << 2);
    let row = col;
    for (let o = 0; o < cyg; o++) {
      const dyo = dy + ((<usize>o * Y) << 2);
      for (let a = 0; a < nD; a++) {
        const oD = load<i32>(tabD + ((<usize>(kD + a)) << 2));
        for (let b = 0; b < nH; b++) {
          const oH = load<i32>(tabH + ((<usize>(kH + b)) << 2));
          for (let c = 0; c < nW; c++) {
            const oW = load<i32>(tabW + ((<usize>(kW + c)) << 2));
            gatherWindow(row, chunk, dyo, yD, yH, yW, t0, cols, tH, tW, 1, 1, 1, oD, oH, oW);
            row += <usize>chunk << 2;
          }
        }
      }
    }
    const w = <usize>job.wPtr + ((<usize>g * <usize>job.wGroup + <usize>base) << 2);
    gemm(w, col, chunk, cbuf, chunk, M4, (cols + 7) & ~7, K, false);
  }
  // Scatter the chunk's positions t back to dx at j = r + s·t.
  const dx = <usize>job.outPtr + ((<usize>(n * job.cx + g * cxg) * X) << 2);
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
function gradInputScatterTask(job: ConvJob, task: i32, thread: i32): void {
  const G = job.g, chunk = job.chunk;
  const cxg = job.cx / G, cyg = job.cy / G;
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const yH = job.yh, yW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const sD = job.sd, sH = job.sh, sW = job.sw;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const pD = job.pd, pH = job.ph, pW = job.pw;
  const K3 = kD * kH * kW;
  const M4 = job.m4; // rows (c, κ) of a group, rounded up to 4
  const P = job.yd * yH * yW;
  const X = <usize>(xD * xH * xW);
  const n = task;
  const scratch = threadScratch(job, thread);
  const cbuf = scratch + <usize>job.colAt;
  const dxn = <usize>job.outPtr + ((<usize>(n * job.cx) * X) << 2);
  memory.fill(dxn, 0, (<usize>job.cx * X) << 2);
  // Narrow 2-D (1-D) outputs: col2im into a zero-bordered accumulator of the windows' full extent (no
  // bounds per run), cropped into dx at the end; the rows of its planes are STRIP_ROWS.
  const Hp = job.stripRows;
  const Wp = extent(yW, sW, kW, dW);
  const acc = scratch + <usize>job.cAt;
  const accPlane = <usize>(Hp * Wp);
  for (let g = 0; g < G; g++) {
    const w = <usize>job.wPtr + ((<usize>g * <usize>M4 * <usize>cyg) << 2);
    const dy = <usize>job.xPtr + ((<usize>(n * job.cy + g * cyg) * <usize>P) << 2);
    if (Hp > 0) memory.fill(acc, 0, (<usize>cxg * accPlane) << 2);
    for (let p0 = 0; p0 < P; p0 += chunk) {
      const cols = min(chunk, P - p0);
      gemm(w, dy + (<usize>p0 << 2), P, cbuf, chunk, M4, (cols + 7) & ~7, cyg, false);
      if (Hp > 0) {
        col2imStrip(cbuf, chunk, acc, Hp, Wp, p0, cols, cxg, yW, kH, kW, sH, sW, dH, dW);
        continue;
      }
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
    if (Hp > 0) {
      // dx[c, ih, iw] = acc[c, ih + pH, iw + pW] where that is inside the accumulator (else 0: never read).
      for (let c = 0; c < cxg; c++) {
        const dxc = dxn + ((<usize>(g * cxg + c) * X) << 2);
        const ac = acc + ((<usize>c * accPlane) << 2);
        for (let ih = 0; ih < xH; ih++) {
          const r = ih + pH;
          if (r >= Hp) break;
          gatherRun(dxc + ((<usize>(ih * xW)) << 2), ac + ((<usize>(r * Wp)) << 2), pW, 1, xW, Wp);
        }
      }
    }
  }
}

/**
 * Weight-gradient task = one slot: the (image, chunk) items of a fixed contiguous run, accumulated in
 * order into the slot's own partial sum. The slots and their runs depend only on the geometry, never on
 * which thread took which task, so dw is bit-identical for any thread count and any run.
 */
function gradWeightTask(job: ConvJob, task: i32, thread: i32): void {
  const items = job.n * job.chunks;
  const slots = job.slots;
  const per = (items + slots - 1) / slots;
  const end = min(items, (task + 1) * per);
  if (job.op == OP_GRAD_WEIGHT_STRIP) for (let item = task * per; item < end; item++) gradWeightStripItem(job, item, task, thread);
  else for (let item = task * per; item < end; item++) gradWeightItem(job, item, task, thread);
}

/**
 * One (image, chunk) item of the weight gradient read from the strip in place (narrow 2-D outputs, see
 * im2colStrip): the slot holds dwᵀ per group, K4 × M8 (tap k, y channel m), and
 *   dwᵀ[k][m] += Σ_p x_strip[offs[k] + pos(p)] · dy[m, p0 + p]   over the chunk's positions p in order,
 * a 4 × 8 tile at a time (4 taps as broadcasts from the strip, 8 channels of dy transposed): the same
 * products added in the same order as gradWeightItem's GEMM on im2col's columns, with no im2col and no
 * transpose of it.
 */
function gradWeightStripItem(job: ConvJob, task: i32, slot: i32, thread: i32): void {
  const G = job.g, chunks = job.chunks, chunk = job.chunk;
  const cxg = job.cx / G, cyg = job.cy / G;
  const kH = job.kh, kW = job.kw;
  const K = cxg * kH * kW;
  const K4 = job.kpad;
  const M8 = job.m4;
  const yW = job.yw;
  const sH = job.sh, sW = job.sw;
  const P = job.yh * yW;
  const X = <usize>(job.xh * job.xw);
  const ci = task % chunks;
  const n = task / chunks;
  const p0 = ci * chunk;
  const cols = min(chunk, P - p0);
  const scratch = threadScratch(job, thread);
  const strip = scratch + <usize>job.stripAt;
  const offs = scratch + <usize>job.colAt; // K4 byte offsets into the strip (taps past K read tap 0: rows never used), then the runs
  const dyT = scratch + <usize>job.packAt; // dyT[p][m] = dy[m, p0 + p], 0 for m ≥ CyG
  const rows = job.stripRows;
  const Wp = stripTapOffsets(job, offs, cxg);
  for (let k = K; k < K4; k++) store<i32>(offs + (<usize>k << 2), 0);
  // The chunk's positions, one output row's run at a time: per run its byte offset in the strip and its length.
  const runs = offs + (<usize>K4 << 2);
  const qh0 = p0 / yW;
  let nRuns = 0;
  for (let q = p0, done = 0; done < cols; nRuns++) {
    const qw = q % yW;
    const len = min(yW - qw, cols - done);
    store<i32>(runs + (<usize>nRuns << 3), (((q / yW - qh0) * sH) * Wp + qw * sW) << 2);
    store<i32>(runs + (<usize>nRuns << 3), len, 4);
    done += len;
    q += len;
  }
  const M8Bytes = <usize>M8 << 2;
  const step = <usize>sW << 2;
  for (let g = 0; g < G; g++) {
    const x = <usize>job.xPtr + ((<usize>(n * job.cx + g * cxg) * X) << 2);
    fillStrip(job, x, strip, p0, cols, cxg, rows);
    const dy = <usize>job.wPtr + ((<usize>(n * job.cy + g * cyg) * <usize>P + <usize>p0) << 2);
    for (let m = 0; m < M8; m++) {
      const src = dy + ((<usize>m * <usize>P) << 2);
      for (let p = 0; p < cols; p++) store<f32>(dyT + <usize>p * M8Bytes + (<usize>m << 2), m < cyg ? load<f32>(src + (<usize>p << 2)) : 0);
    }
    const partial = <usize>job.outPtr + <usize>slot * <usize>job.slotBytes + ((<usize>g * <usize>K4 * <usize>M8) << 2);
    for (let k0 = 0; k0 < K4; k0 += 4) {
      const o0 = <usize>load<i32>(offs + (<usize>k0 << 2));
      const o1 = <usize>load<i32>(offs + (<usize>k0 << 2), 4);
      const o2 = <usize>load<i32>(offs + (<usize>k0 << 2), 8);
      const o3 = <usize>load<i32>(offs + (<usize>k0 << 2), 12);
      for (let m0 = 0; m0 < M8; m0 += 8) {
        const c = partial + <usize>k0 * M8Bytes + (<usize>m0 << 2);
        let c00 = v128.load(c), c01 = v128.load(c, 16);
        let c10 = v128.load(c + M8Bytes), c11 = v128.load(c + M8Bytes, 16);
        let c20 = v128.load(c + 2 * M8Bytes), c21 = v128.load(c + 2 * M8Bytes, 16);
        let c30 = v128.load(c + 3 * M8Bytes), c31 = v128.load(c + 3 * M8Bytes, 16);
        let b = dyT + (<usize>m0 << 2);
        for (let r = 0; r < nRuns; r++) {
          const base = strip + <usize>load<i32>(runs + (<usize>r << 3));
          const len = load<i32>(runs + (<usize>r << 3), 4);
          let a0 = base + o0, a1 = base + o1, a2 = base + o2, a3 = base + o3;
          for (let i = 0; i < len; i++) {
            const b0 = v128.load(b);
            const b1 = v128.load(b, 16);
            let av = v128.load32_splat(a0);
            c00 = fma(av, b0, c00); c01 = fma(av, b1, c01);
            av = v128.load32_splat(a1);
            c10 = fma(av, b0, c10); c11 = fma(av, b1, c11);
            av = v128.load32_splat(a2);
            c20 = fma(av, b0, c20); c21 = fma(av, b1, c21);
            av = v128.load32_splat(a3);
            c30 = fma(av, b0, c30); c31 = fma(av, b1, c31);
            a0 += step; a1 += step; a2 += step; a3 += step;
            b += M8Bytes;
          }
        }
        v128.store(c, c00); v128.store(c, c01, 16);
        v128.store(c + M8Bytes, c10); v128.store(c + M8Bytes, c11, 16);
        v128.store(c + 2 * M8Bytes, c20); v128.store(c + 2 * M8Bytes, c21, 16);
        v128.store(c + 3 * M8Bytes, c30); v128.store(c + 3 * M8Bytes, c31, 16);
      }
    }
  }
}

function gradWeightItem(job: ConvJob, task: i32, slot: i32, thread: i32): void {
  const G = job.g, chunks = job.chunks, chunk = job.chunk;
  const cxg = job.cx / G, cyg = job.cy / G;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const K = cxg * kD * kH * kW;
  const Kpad = job.kpad;
  const M4 = job.m4;
  const P = job.yd * job.yh * job.yw;
  const X = <usize>(job.xd * job.xh * job.xw);
  const ci = task % chunks;
  const n = task / chunks;
  const p0 = ci * chunk;
  const cols = min(chunk, P - p0);
  const scratch = threadScratch(job, thread);
  const ld = colStride(chunk, job.stripRows);
  const col = scratch + <usize>job.colAt; // Col[K][ld], then transposed into colT[chunk][Kpad]
  const colT = scratch + <usize>job.cAt;
  const apack = scratch + <usize>job.packAt;
  const strip = scratch + <usize>job.stripAt;
  const partial = <usize>job.outPtr + <usize>slot * <usize>job.slotBytes;
  for (let g = 0; g < G; g++) {
    const x = <usize>job.xPtr + ((<usize>(n * job.cx + g * cxg) * X) << 2);
    im2colChunk(job, x, col, chunk, p0, cols, cxg, strip);
    // Transpose Col[K][ld] → ColT[cols][Kpad] (zero columns past K), in 4×4 blocks; the columns up to
    // cols rounded to 4 are inside col's rows, and ColT's rows past cols are never read.
    const K4 = K & ~3;
    const cols4 = (cols + 3) & ~3;
    const ldBytes = <usize>ld << 2;
    const KpadBytes = <usize>Kpad << 2;
    for (let k = 0; k < K4; k += 4) {
      for (let j = 0; j < cols4; j += 4) transpose4(col + <usize>k * ldBytes + (<usize>j << 2), ldBytes, colT + <usize>j * KpadBytes + (<usize>k << 2), KpadBytes);
    }
    for (let j = 0; j < cols; j++) {
      const dst = colT + <usize>j * KpadBytes;
      for (let k = K4; k < K; k++) store<f32>(dst + (<usize>k << 2), load<f32>(col + <usize>k * ldBytes + (<usize>j << 2)));
      for (let k = K; k < Kpad; k++) store<f32>(dst + (<usize>k << 2), 0);
    }
    // Pack dy rows into panels of 4: apack[panel][j][4], j < cols (zero rows past CyG); in 4×4 blocks
    // where the panel's 4 rows all exist, the rest one by one.
    const dy = <usize>job.wPtr + ((<usize>(n * job.cy + g * cyg) * <usize>P + <usize>p0) << 2);
    const PBytes = <usize>P << 2;
    for (let m0 = 0; m0 < M4; m0 += 4) {
      const panel = apack + ((<usize>m0 * <usize>cols) << 2);
      let j = 0;
      if (m0 + 4 <= cyg) for (; j + 4 <= cols; j += 4) transpose4(dy + <usize>m0 * PBytes + (<usize>j << 2), PBytes, panel + (<usize>j << 4), 16);
      for (; j < cols; j++) {
        for (let r = 0; r < 4; r++) {
          const o = m0 + r;
          store<f32>(panel + ((<usize>(j * 4 + r)) << 2), o < cyg ? load<f32>(dy + ((<usize>o * <usize>P + <usize>j) << 2)) : 0);
        }
      }
    }
    gemm(apack, colT, Kpad, partial + ((<usize>g * <usize>M4 * <usize>Kpad) << 2), Kpad, M4, Kpad, cols, true);
  }
}


/**
 * Forward task (n, g, block of `rows` output rows) for narrow 2-D outputs whose rows are not whole runs
 * of 4 (stride 1 along them): the GEMM turned round (gemmPixels) reads each output pixel's window in
 * place from the strip, through a list of the pixels' addresses, and writes y directly: no im2col, and
 * no columns wasted where rows end. Each output element is the same sum in the same order as
 * forwardTask's, so the same bits.
 */
function forwardRowsTask(job: ConvJob, task: i32, thread: i32): void {
  const G = job.g, chunks = job.chunks;
  const cxg = job.cx / G, cyg = job.cy / G;
  const K = cxg * job.kh * job.kw;
  const M4 = job.m4;
  const yW = job.yw, yH = job.yh;
  const P = yH * yW;
  const X = <usize>(job.xh * job.xw);
  const ci = task % chunks;
  const g = (task / chunks) % G;
  const n = task / (chunks * G);
  const qh0 = ci * job.rows;
  const rowsHere = min(job.rows, yH - qh0);
  const scratch = threadScratch(job, thread);
  const x = <usize>job.xPtr + ((<usize>(n * job.cx + g * cxg) * X) << 2);
  const strip = scratch + <usize>job.stripAt;
  fillStrip(job, x, strip, qh0 * yW, rowsHere * yW, cxg, job.stripRows);
  const offs = scratch + <usize>job.colAt; // K byte offsets into the strip
  const Wp = stripTapOffsets(job, offs, cxg);
  // The pixels' addresses in the strip, padded to a multiple of 4.
  const bases = scratch + <usize>job.cAt;
  let count = 0;
  for (let r = 0; r < rowsHere; r++) {
    const row = <i32>strip + ((r * job.sh * Wp) << 2);
    for (let q = 0; q < yW; q++) {
      store<i32>(bases + (<usize>count << 2), row + (q << 2));
      count++;
    }
  }
  for (let pad = count; pad & 3; pad++) store<i32>(bases + (<usize>pad << 2), load<i32>(bases + (<usize>(count - 1) << 2)));
  const w = <usize>job.wPtr + ((<usize>g * <usize>M4 * <usize>K) << 2);
  const y = <usize>job.outPtr + ((<usize>(n * job.cy + g * cyg) * <usize>P + <usize>(qh0 * yW)) << 2);
  gemmPixels(w, bases, offs, y, P, M4, cyg, count, K);
}

/** Runs task `task` of the job at `at` on thread `thread` (0 is the calling thread). */
export function runTask(at: usize, task: i32, thread: i32): void {
  const job = changetype<ConvJob>(at);
  const op = job.op;
  if (op == OP_FORWARD) forwardTask(job, task, thread);
  else if (op == OP_FORWARD_ROWS) forwardRowsTask(job, task, thread);
  else if (op == OP_GRAD_INPUT) gradInputTask(job, task, thread);
  else if (op == OP_GRAD_WEIGHT || op == OP_GRAD_WEIGHT_STRIP) gradWeightTask(job, task, thread);
  else if (op == OP_DEPTHWISE_FORWARD) depthwiseTask(job, task, thread);
  else if (op == OP_DEPTHWISE_GRAD_WEIGHT) depthwiseGradWeightTask(job, task, thread);
  else if (op == OP_GRAD_INPUT_SCATTER) gradInputScatterTask(job, task, thread);
  else if (op == OP_DIRECT) directTask(job, task, thread);
  else if (op == OP_DIRECT_GRAD_WEIGHT) directGradWeightTask(job, task, thread);
  else if (op == OP_SPLIT) splitTask(changetype<SplitJob>(at), task);
  else if (op == OP_FORWARD_F64 || op == OP_GRAD_INPUT_F64 || op == OP_GRAD_WEIGHT_F64) conv64Task(job, task, thread);
  else if (op == OP_MATMUL_F64) matmul64Task(changetype<MatmulJob>(at), task);
}

/** dst[i] = Σ_t src[t·stride + i] for i < count: adds up the partial sums (slots) in order. */
export function sumBuffers(dst: usize, src: usize, strideFloats: i32, threads: i32, count: i32): void {
  for (let i = 0; i < count; i++) {
    let s: f32 = 0;
    for (let t = 0; t < threads; t++) s += load<f32>(src + ((<usize>(t * strideFloats + i)) << 2));
    store<f32>(dst + (<usize>i << 2), s);
  }
}

/**
 * Packs a matrix for the GEMM: rows r < rows of K floats (element (r, k) at src + (r·rowStride + k·colStride)
 * floats) into panels of 4 rows, dst[(r >> 2)·4K + 4k + (r & 3)], rows from `rows` up to M4 zero. A
 * transposed source (K×rows) is read in place with rowStride 1, colStride rows.
 */
export function packPanels(src: usize, dst: usize, rows: i32, K: i32, M4: i32, rowStride: i32, colStride: i32): void {
  for (let r = 0; r < M4; r++) {
    const out = dst + ((<usize>((r >> 2) * 4 * K + (r & 3))) << 2);
    if (r >= rows) {
      for (let k = 0; k < K; k++) store<f32>(out + ((<usize>k) << 4), 0);
      continue;
    }
    const row = src + ((<usize>(r * rowStride)) << 2);
    if (colStride == 1) for (let k = 0; k < K; k++) store<f32>(out + ((<usize>k) << 4), load<f32>(row + ((<usize>k) << 2)));
    else for (let k = 0; k < K; k++) store<f32>(out + ((<usize>k) << 4), load<f32>(row + ((<usize>(k * colStride)) << 2)));
  }
}
