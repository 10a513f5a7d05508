// The reference convolution kernels: the textbook loop, N-d, accumulated in double. They are the
// oracle every fast kernel is tested against, so they stay as plain as the seed's loop.
//
// One geometry (see ConvGeometry) links x, w and y:
//   y[n, o, i] = Σ_c Σ_κ w[o, c, κ] · x[n, g·Cx/G + c, i·s + κ·d − p]      g = o div (Cy/G)
// A tap (i, κ) is one output position i and one kernel position κ; it reads one x position,
// or none when it falls in the zero padding.
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';
import { scratchFloat64, scratchInt32 } from './scratch.js';

const product = (a: readonly number[]): number => a.reduce((p, n) => p * n, 1);

/**
 * taps[i·K + κ] = the flat spatial offset of x[i·s + κ·d − p], or −1 where that lies in the padding
 * (or past the end of x). i runs over y's positions, κ over the kernel's, both row-major.
 */
export function convTaps(g: ConvGeometry): Int32Array {
  const dims = g.kSize.length;
  const kSize = Int32Array.from(g.kSize);
  const ySize = Int32Array.from(g.ySize);
  const xSize = Int32Array.from(g.xSize);
  const Y = product(g.ySize);
  const K = product(g.kSize);
  // Per dimension: pos[d][i·k_d + κ] = i·s + κ·d − p when inside x, else −1.
  const pos: Int32Array[] = [];
  for (let d = 0; d < dims; d++) {
    const table = new Int32Array(ySize[d] * kSize[d]);
    for (let i = 0; i < ySize[d]; i++) {
      for (let kk = 0; kk < kSize[d]; kk++) {
        const at = i * g.stride[d] + kk * g.dilation[d] - g.padding[d];
        table[i * kSize[d] + kk] = at >= 0 && at < xSize[d] ? at : -1;
      }
    }
    pos.push(table);
  }
  const taps = scratchInt32(Y * K);
  const yIndex = new Int32Array(dims);
  const kIndex = new Int32Array(dims);
  for (let i = 0; i < Y; i++) {
    kIndex.fill(0);
    for (let k = 0; k < K; k++) {
      let offset = 0;
      for (let d = 0; d < dims; d++) {
        const at = pos[d][yIndex[d] * kSize[d] + kIndex[d]];
        if (at < 0) {
          offset = -1;
          break;
        }
        offset = offset * xSize[d] + at;
      }
      taps[i * K + k] = offset;
      // Next kernel position, row-major (an odometer: no divisions).
      for (let d = dims - 1; d >= 0 && ++kIndex[d] === kSize[d]; d--) kIndex[d] = 0;
    }
    for (let d = dims - 1; d >= 0 && ++yIndex[d] === ySize[d]; d--) yIndex[d] = 0;
  }
  return taps;
}

/**
 * Visits every product the convolution computes, w[o, c, κ] · x[n, g·Cx/G + c, tap(i, κ)] summed
 * into y[n, o, i], as the flat offsets (xAt, wAt, yAt) of its three factors. Taps that fall in the
 * zero padding multiply zero and are skipped (forEachPaddedProduct has them, for Inf and NaN). All
 * three passes are this one loop:
 *   forward        y[yAt]  += w[wAt] · x[xAt]
 *   input grad     dx[xAt] += w[wAt] · dy[yAt]
 *   weight grad    dw[wAt] += dy[yAt] · x[xAt]
 */
export function forEachProduct(g: ConvGeometry, visit: (xAt: number, wAt: number, yAt: number) => void): void {
  const X = product(g.xSize);
  const Y = product(g.ySize);
  const K = product(g.kSize);
  const cxPerGroup = g.xChannels / g.groups;
  const cyPerGroup = g.yChannels / g.groups;
  const taps = convTaps(g);
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.yChannels; o++) {
      const group = Math.floor(o / cyPerGroup);
      for (let i = 0; i < Y; i++) {
        const yAt = (n * g.yChannels + o) * Y + i;
        for (let c = 0; c < cxPerGroup; c++) {
          const xBase = (n * g.xChannels + group * cxPerGroup + c) * X;
          const wBase = (o * cxPerGroup + c) * K;
          for (let k = 0; k < K; k++) {
            const t = taps[i * K + k];
            if (t >= 0) visit(xBase + t, wBase + k, yAt);
          }
        }
      }
    }
  }
}

/**
 * Visits the products whose x factor falls in the zero padding, as (wAt, yAt). They add w · 0 = 0 for
 * any finite w, so the passes skip them, except where the other factor holds an Inf or NaN: the zero
 * padding is then an explicit zero (Inf · 0 = NaN), as in PyTorch, whose im2col copies the zeros in.
 * The input gradient reads no padding.
 */
function forEachPaddedProduct(g: ConvGeometry, visit: (wAt: number, yAt: number) => void): void {
  const Y = product(g.ySize);
  const K = product(g.kSize);
  const cxPerGroup = g.xChannels / g.groups;
  const taps = convTaps(g);
  for (let n = 0; n < g.batch; n++) {
    for (let o = 0; o < g.yChannels; o++) {
      for (let i = 0; i < Y; i++) {
        for (let c = 0; c < cxPerGroup; c++) {
          for (let k = 0; k < K; k++) if (taps[i * K + k] < 0) visit((o * cxPerGroup + c) * K + k, (n * g.yChannels + o) * Y + i);
        }
      }
    }
  }
}

/** Whether every value is finite (the zero-padding rule for Inf and NaN applies otherwise; the wasm kernels check it too). */
export const allFinite = (a: Storage): boolean => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
};

/** Forward: y[n, o, i] = Σ_c Σ_κ w[o, c, κ] · x[n, g·Cx/G + c, tap(i, κ)]. */
export function convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void {
  const acc = scratchFloat64(y.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[yAt] += w[wAt] * x[xAt]));
  if (!allFinite(w)) forEachPaddedProduct(g, (wAt, yAt) => (acc[yAt] += w[wAt] * 0));
  y.set(acc);
}

/** y[p, c, i] += b[c] for p < outer, c < channels, i < inner: a bias added in y's precision (the addBias kernel). */
export function addBiasRows(y: Storage, b: Storage, outer: number, channels: number, inner: number): void {
  for (let p = 0; p < outer; p++) {
    for (let c = 0; c < channels; c++) {
      const base = (p * channels + c) * inner;
      const v = b[c];
      for (let i = 0; i < inner; i++) y[base + i] += v;
    }
  }
}

/** y[n, o, i] += b[o] over a convolution's output. */
export function addBiasPerChannel(y: Storage, b: Storage, g: ConvGeometry): void {
  addBiasRows(y, b, g.batch, g.yChannels, y.length / Math.max(g.batch * g.yChannels, 1));
}

/** Forward with bias: y[n, o, i] = conv(x, w)[n, o, i] + b[o], the sum rounded to y's type after the convolution's. */
export function convForwardBias(x: Storage, w: Storage, b: Storage, y: Storage, g: ConvGeometry): void {
  convForward(x, w, y, g);
  addBiasPerChannel(y, b, g);
}

/** Input gradient: dx[n, g·Cx/G + c, j] = Σ over the (o, i, κ) with tap(i, κ) = j of w[o, c, κ] · dy[n, o, i]. */
export function convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
  const acc = scratchFloat64(dx.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[xAt] += w[wAt] * dy[yAt]));
  dx.set(acc);
}

/** Weight gradient: dw[o, c, κ] = Σ_n Σ_i dy[n, o, i] · x[n, g·Cx/G + c, tap(i, κ)]. */
export function convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
  const acc = scratchFloat64(dw.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[wAt] += dy[yAt] * x[xAt]));
  if (!allFinite(dy)) forEachPaddedProduct(g, (wAt, yAt) => (acc[wAt] += dy[yAt] * 0));
  dw.set(acc);
}
