// Moving data between tensors and the kernels' working layouts: gathered rows, im2col, col2im, padded planes.
import { ConvJob, colStride, extent } from './boundary.generated';

/**
 * dst[q] = src[i0 + q·step] for q < run where 0 ≤ i0 + q·step < len, else 0: one row of a gather.
 * The in-bounds middle is found first, so the loop has no bounds checks (vector copies when step = 1);
 * the borders are a cell or two of padding, written one by one (a bulk call costs more there).
 */
@inline export function gatherRun(dst: usize, src: usize, i0: i32, step: i32, run: i32, len: i32): void {
  // First q with i0 + q·step ≥ 0, and first q with i0 + q·step ≥ len.
  let lo = i0 >= 0 ? 0 : (-i0 + step - 1) / step;
  let hi = i0 >= len ? 0 : (len - i0 + step - 1) / step;
  if (lo > run) lo = run;
  if (hi > run) hi = run;
  if (hi < lo) hi = lo;
  if (lo > 16) memory.fill(dst, 0, <usize>lo << 2);
  else for (let q = 0; q < lo; q++) store<f32>(dst + (<usize>q << 2), 0);
  let q = lo;
  if (step == 1) {
    const s0 = src + (<usize>i0 << 2);
    for (; q + 4 <= hi; q += 4) v128.store(dst + (<usize>q << 2), v128.load(s0 + (<usize>q << 2)));
    for (; q < hi; q++) store<f32>(dst + (<usize>q << 2), load<f32>(s0 + (<usize>q << 2)));
  } else {
    let i = i0 + lo * step;
    for (; q < hi; q++) {
      store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>i << 2)));
      i += step;
    }
  }
  if (run - hi > 16) memory.fill(dst + (<usize>hi << 2), 0, <usize>(run - hi) << 2);
  else for (let q2 = hi; q2 < run; q2++) store<f32>(dst + (<usize>q2 << 2), 0);
}

/** dst[i0 + q·step] += src[q] for q < run where 0 ≤ i0 + q·step < len: one row of a col2im, vectorized at step 1. */
@inline export function scatterAddRun(dst: usize, src: usize, i0: i32, step: i32, run: i32, len: i32): void {
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

/**
 * One row of a windowed gather: for the grid positions p0 .. p0 + cols (grid gH × gW per depth, row-major),
 * dst[j] = src[q_d·sD + oD, q_h·sH + oH, q_w·sW + oW] or 0 outside the plane (srcD × srcH × srcW), where
 * (q_d, q_h, q_w) is position p0 + j; dst is `width` floats, zero past `cols`. im2col and the input
 * gradient's gather are both rows of this.
 */
export function gatherWindow(
  dst: usize, width: i32, src: usize, srcD: i32, srcH: i32, srcW: i32,
  p0: i32, cols: i32, gH: i32, gW: i32, sD: i32, sH: i32, sW: i32, oD: i32, oH: i32, oW: i32,
): void {
  // Walk the positions in (q_d, q_h, q_w) order without divisions, a grid row (a run) at a time.
  let qw = p0 % gW;
  let qh = (p0 / gW) % gH;
  let qd = p0 / (gW * gH);
  let j = 0;
  while (j < cols) {
    const id = qd * sD + oD;
    const ih = qh * sH + oH;
    const run = min(gW - qw, cols - j); // the rest of this grid row
    const at = dst + (<usize>j << 2);
    if (id < 0 || id >= srcD || ih < 0 || ih >= srcH) memory.fill(at, 0, <usize>run << 2);
    else gatherRun(at, src + ((<usize>(id * srcH + ih) * <usize>srcW) << 2), qw * sW + oW, sW, run, srcW);
    j += run;
    qw = 0;
    if (++qh == gH) {
      qh = 0;
      qd++;
    }
  }
  if (cols < width) memory.fill(dst + (<usize>cols << 2), 0, <usize>(width - cols) << 2);
}

/**
 * im2col for output positions [p0, p0 + cols) of one (n, group): col[k][j] = x[c, pos(p0 + j, κ)] or 0,
 * k = ((c·KD + kd)·KH + kh)·KW + kw, rows of `width` floats (columns past `cols` are zero).
 */
export function im2col(job: ConvJob, x: usize, col: usize, width: i32, p0: i32, cols: i32, channels: i32): void {
  const xD = job.xd, xH = job.xh, xW = job.xw;
  const yH = job.yh, yW = job.yw;
  const kD = job.kd, kH = job.kh, kW = job.kw;
  const sD = job.sd, sH = job.sh, sW = job.sw;
  const dD = job.dd, dH = job.dh, dW = job.dw;
  const pD = job.pd, pH = job.ph, pW = job.pw;
  const plane = <usize>(xD * xH * xW);
  let row = col;
  for (let c = 0; c < channels; c++) {
    const xc = x + ((<usize>c * plane) << 2);
    for (let kd = 0; kd < kD; kd++) {
      for (let kh = 0; kh < kH; kh++) {
        for (let kw = 0; kw < kW; kw++) {
          gatherWindow(row, width, xc, xD, xH, xW, p0, cols, yH, yW, sD, sH, sW, kd * dD - pD, kh * dH - pH, kw * dW - pW);
          row += <usize>width << 2;
        }
      }
    }
  }
}

/**
 * Copies one plane of src (sD × sH × sW) into a zero-bordered buffer of bD × bH × bW, shifted by the
 * padding (pD, pH, pW; negative crops): buf[i] = src[i − p] where that is inside src, else 0.
 */
export function padPlane(src: usize, sD: i32, sH: i32, sW: i32, buf: usize, bD: i32, bH: i32, bW: i32, pD: i32, pH: i32, pW: i32): void {
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

/**
 * im2col for one chunk of a 2-D (or 1-D) convolution through a padded strip: the input rows the
 * chunk's windows read are first copied, zero-bordered, into `strip` (per channel, `rows` rows of the
 * windows' full width), so that every column run is then a plain copy with no bounds to check. Narrow
 * outputs (a small CNN's 8- to 28-wide rows) make many short runs, where gatherWindow's per-run bounds
 * arithmetic would cost as much as the GEMM.
 *   strip[c][r][u] = x[c, r0 + r, u − pW] or 0,   r0 = qh0·sH − pH
 *   col[(c, kh, kw)][j] = strip[c][(qh − qh0)·sH + kh·dH][qw·sW + kw·dW]   for position p0 + j = (qh, qw)
 * col's rows are `ld` ≥ width + COL_SLACK floats apart: a run is copied in whole vectors, up to 3 floats past
 * its end, which the next run (or the row's slack) takes. Runs go output row by output row, each for
 * every (c, kh, kw), so the loop that copies one has no arithmetic but two pointer steps.
 */
export function im2colStrip(job: ConvJob, x: usize, col: usize, ld: i32, width: i32, p0: i32, cols: i32, channels: i32, strip: usize, rows: i32): void {
  const yW = job.yw;
  const kH = job.kh, kW = job.kw;
  const sH = job.sh, sW = job.sw;
  const dH = job.dh, dW = job.dw;
  const Wp = extent(yW, sW, kW, dW);
  const stripPlane = <usize>(rows * Wp);
  fillStrip(job, x, strip, p0, cols, channels, rows);
  const ldBytes = <usize>ld << 2;
  const kwStep = <usize>dW << 2;
  let qw = p0 % yW;
  let j = 0;
  for (let qh = 0; j < cols; qh++) {
    const run = min(yW - qw, cols - j);
    const vectors = (run + 3) >> 2;
    let dst = col + (<usize>j << 2);
    for (let c = 0; c < channels; c++) {
      for (let kh = 0; kh < kH; kh++) {
        let src = strip + ((<usize>c * stripPlane + <usize>((qh * sH + kh * dH) * Wp + qw * sW)) << 2);
        for (let kw = 0; kw < kW; kw++) {
          if (sW == 1) {
            for (let v = 0; v < vectors; v++) v128.store(dst + (<usize>v << 4), v128.load(src + (<usize>v << 4)));
          } else {
            for (let q = 0; q < run; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + (<usize>(q * sW) << 2)));
          }
          src += kwStep;
          dst += ldBytes;
        }
      }
    }
    j += run;
    qw = 0;
  }
  if (cols < width) {
    const rowsK = channels * kH * kW;
    for (let k = 0; k < rowsK; k++) memory.fill(col + <usize>k * ldBytes + (<usize>cols << 2), 0, <usize>(width - cols) << 2);
  }
}

/**
 * The strip of one chunk (im2colStrip's first step): per channel, the input rows the chunk's windows
 * read, zero-bordered to the windows' full width Wp, `rows` rows apart per channel:
 *   strip[c][r][u] = x[c, r0 + r, u − pW] or 0,   r0 = qh0·sH − pH   (qh0: the chunk's first output row)
 */
export function fillStrip(job: ConvJob, x: usize, strip: usize, p0: i32, cols: i32, channels: i32, rows: i32): void {
  const xH = job.xh, xW = job.xw;
  const yW = job.yw;
  const kH = job.kh;
  const sH = job.sh;
  const dH = job.dh;
  const pH = job.ph, pW = job.pw;
  const Wp = extent(yW, job.sw, job.kw, job.dw);
  const qh0 = p0 / yW;
  const qh1 = (p0 + cols - 1) / yW;
  const used = (qh1 - qh0) * sH + (kH - 1) * dH + 1;
  const r0 = qh0 * sH - pH;
  const plane = <usize>(xH * xW);
  const stripPlane = <usize>(rows * Wp);
  for (let c = 0; c < channels; c++) {
    const xc = x + ((<usize>c * plane) << 2);
    const sc = strip + ((<usize>c * stripPlane) << 2);
    for (let r = 0; r < used; r++) {
      const ih = r0 + r;
      const dst = sc + ((<usize>(r * Wp)) << 2);
      if (ih < 0 || ih >= xH) memory.fill(dst, 0, <usize>Wp << 2);
      else gatherRun(dst, xc + ((<usize>(ih * xW)) << 2), -pW, 1, Wp, xW);
    }
  }
}

/**
 * The byte offset in the strip (see fillStrip) of each tap (c, kh, kw), c < channels, in im2col's row
 * order, written to offs (i32): the kernels that read the windows in place add it to a position's
 * address. Returns the strip's row length Wp.
 */
export function stripTapOffsets(job: ConvJob, offs: usize, channels: i32): i32 {
  const rows = job.stripRows;
  const Wp = extent(job.yw, job.sw, job.kw, job.dw);
  let k = 0;
  for (let c = 0; c < channels; c++)
    for (let kh = 0; kh < job.kh; kh++)
      for (let kw = 0; kw < job.kw; kw++) {
        store<i32>(offs + (<usize>k << 2), ((c * rows + kh * job.dh) * Wp + kw * job.dw) << 2);
        k++;
      }
  return Wp;
}

/** im2col of one chunk into rows colStride(chunk, stripRows) apart: through the strip (at `strip`) where the job has one. */
export function im2colChunk(job: ConvJob, x: usize, col: usize, chunk: i32, p0: i32, cols: i32, channels: i32, strip: usize): void {
  const rows = job.stripRows;
  if (rows > 0) im2colStrip(job, x, col, colStride(chunk, rows), chunk, p0, cols, channels, strip, rows);
  else im2col(job, x, col, chunk, p0, cols, channels);
}

/** dst[q·step] += src[q] for q < run: scatterAddRun with no bounds to check (the accumulator holds every window). */
@inline function addRun(dst: usize, src: usize, step: i32, run: i32): void {
  let q = 0;
  if (step == 1) {
    for (; q + 4 <= run; q += 4) {
      const at = dst + (<usize>q << 2);
      v128.store(at, f32x4.add(v128.load(at), v128.load(src + (<usize>q << 2))));
    }
  }
  for (; q < run; q++) {
    const at = dst + (<usize>(q * step) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>q << 2)));
  }
}

/**
 * col2im of one chunk into a zero-bordered accumulator (acc[c][Hp][Wp], the windows' full extent), the
 * mirror of im2colStrip: acc[c][oh·sH + kh·dH][ow·sW + kw·dW] += Cols[(c, kh, kw)][j] for position
 * p0 + j = (oh, ow). The accumulator holds every window, so no run meets a bound.
 */
export function col2imStrip(cols_: usize, ld: i32, acc: usize, Hp: i32, Wp: i32, p0: i32, cols: i32, channels: i32, yW: i32, kH: i32, kW: i32, sH: i32, sW: i32, dH: i32, dW: i32): void {
  const plane = <usize>(Hp * Wp);
  const ldBytes = <usize>ld << 2;
  let ow = p0 % yW;
  let j = 0;
  for (let oh = p0 / yW; j < cols; oh++) {
    const run = min(yW - ow, cols - j);
    let src = cols_ + (<usize>j << 2);
    for (let c = 0; c < channels; c++) {
      for (let kh = 0; kh < kH; kh++) {
        const row = acc + ((<usize>c * plane + <usize>((oh * sH + kh * dH) * Wp)) << 2);
        for (let kw = 0; kw < kW; kw++) {
          addRun(row + ((<usize>(ow * sW + kw * dW)) << 2), src, sW, run);
          src += ldBytes;
        }
      }
    }
    j += run;
    ow = 0;
  }
}
