// The reference convolution kernels: the textbook loop, N-d, accumulated in double. They are the
// oracle every fast kernel is tested against, so they stay as plain as the seed's loop.
//
// One geometry (see ConvGeometry) links x, w and y:
//   y[n, o, i] = Σ_c Σ_κ w[o, c, κ] · x[n, g·Cx/G + c, i·s + κ·d − p]      g = o div (Cy/G)
// A tap (i, κ) is one output position i and one kernel position κ; it reads one x position,
// or none when it falls in the zero padding.
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';

const product = (a: readonly number[]): number => a.reduce((p, n) => p * n, 1);

/**
 * taps[i·K + κ] = the flat spatial offset of x[i·s + κ·d − p], or −1 where that lies in the padding
 * (or past the end of x). i runs over y's positions, κ over the kernel's, both row-major.
 */
export function convTaps(g: ConvGeometry): Int32Array {
  const Y = product(g.ySize);
  const K = product(g.kSize);
  const dims = g.kSize.length;
  const taps = new Int32Array(Y * K);
  const yIndex = new Array<number>(dims);
  const kIndex = new Array<number>(dims);
  for (let i = 0; i < Y; i++) {
    let rest = i;
    for (let d = dims - 1; d >= 0; d--) {
      yIndex[d] = rest % g.ySize[d];
      rest = Math.floor(rest / g.ySize[d]);
    }
    for (let k = 0; k < K; k++) {
      let restK = k;
      for (let d = dims - 1; d >= 0; d--) {
        kIndex[d] = restK % g.kSize[d];
        restK = Math.floor(restK / g.kSize[d]);
      }
      let offset = 0;
      for (let d = 0; d < dims; d++) {
        const pos = yIndex[d] * g.stride[d] + kIndex[d] * g.dilation[d] - g.padding[d];
        if (pos < 0 || pos >= g.xSize[d]) {
          offset = -1;
          break;
        }
        offset = offset * g.xSize[d] + pos;
      }
      taps[i * K + k] = offset;
    }
  }
  return taps;
}

/**
 * Visits every product the convolution computes, w[o, c, κ] · x[n, g·Cx/G + c, tap(i, κ)] summed
 * into y[n, o, i], as the flat offsets (xAt, wAt, yAt) of its three factors. Taps that fall in the
 * zero padding multiply zero and are skipped. All three passes are this one loop:
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

/** Forward: y[n, o, i] = Σ_c Σ_κ w[o, c, κ] · x[n, g·Cx/G + c, tap(i, κ)]. */
export function convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void {
  const acc = new Float64Array(y.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[yAt] += w[wAt] * x[xAt]));
  y.set(acc);
}

/** Input gradient: dx[n, g·Cx/G + c, j] = Σ over the (o, i, κ) with tap(i, κ) = j of w[o, c, κ] · dy[n, o, i]. */
export function convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
  const acc = new Float64Array(dx.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[xAt] += w[wAt] * dy[yAt]));
  dx.set(acc);
}

/** Weight gradient: dw[o, c, κ] = Σ_n Σ_i dy[n, o, i] · x[n, g·Cx/G + c, tap(i, κ)]. */
export function convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
  const acc = new Float64Array(dw.length);
  forEachProduct(g, (xAt, wAt, yAt) => (acc[wAt] += dy[yAt] * x[xAt]));
  dw.set(acc);
}
