// The GEMM every pass of the GEMM path ends in: a 4×8 register-blocked micro-kernel.
import { fma, storeTransposed } from './simd';

/**
 * C[4 × 8] (+)= Σ_k a[k][0..4] ⊗ b[k][0..8]: 8 accumulators, 2 vector loads and 4 broadcasts per k.
 * a: a packed panel (16 bytes per k), b: row stride ldb bytes, c: row stride ldc bytes.
 */
@inline export function tile4x8(a: usize, b: usize, ldb: usize, c: usize, ldc: usize, K: i32, accumulate: bool): void {
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

export const KC: i32 = 256; // depth of one pass over B, so a B panel (KC × 8 floats) stays in L1

/** C[M4 × N] (+)= A[M4 × K] · B[K × N]; A in panels of 4 rows, N a multiple of 8, strides in floats. */
export function gemm(a: usize, b: usize, ldb: i32, c: usize, ldc: i32, M4: i32, N: i32, K: i32, accumulate: bool): void {
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
 * tile4x8 with B read in place: row k of the tile's B is the 4 floats at half0 + offs[k] then the 4 at
 * half1 + offs[k] (byte offsets, i32), so a convolution's windows are read where they lie instead of
 * copied by im2col first. The same multiply-adds in the same order as tile4x8 on the im2col rows, so
 * the same bits.
 */
@inline function tile4x8Indirect(a: usize, half0: usize, half1: usize, offs: usize, c: usize, ldc: usize, K: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accumulate) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  for (let k = 0; k < K; k++) {
    const off = <usize>load<i32>(offs);
    const b0 = v128.load(half0 + off);
    const b1 = v128.load(half1 + off);
    let av = v128.load32_splat(a);
    c00 = fma(av, b0, c00); c01 = fma(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = fma(av, b0, c10); c11 = fma(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = fma(av, b0, c20); c21 = fma(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = fma(av, b0, c30); c31 = fma(av, b1, c31);
    a += 16;
    offs += 4;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * C[M4 × N] = A[M4 × K] · B[K × N] with B read in place: columns 4h..4h+3 have row k at halves[h] +
 * offs[k] (halves: addresses, offs: byte offsets, both i32). A in panels of 4 rows, N a multiple of 8,
 * C's stride in floats; blocked over K as gemm, so the same sums in the same order.
 */
export function gemmIndirect(a: usize, halves: usize, offs: usize, c: usize, ldc: i32, M4: i32, N: i32, K: i32): void {
  const ldcBytes = <usize>ldc << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    for (let n0 = 0; n0 < N; n0 += 8) {
      const half0 = <usize>load<i32>(halves + (<usize>(n0 >> 2) << 2));
      const half1 = <usize>load<i32>(halves + (<usize>(n0 >> 2) << 2), 4);
      for (let m0 = 0; m0 < M4; m0 += 4) {
        const panel = a + ((<usize>m0 * <usize>K + <usize>k0 * 4) << 2);
        tile4x8Indirect(panel, half0, half1, offs + (<usize>k0 << 2), c + <usize>m0 * ldcBytes + (<usize>n0 << 2), ldcBytes, kc, k0 > 0);
      }
    }
  }
}

/**
 * Y[o][p] = Σ_k W[o][k] · X_p[k] for a list of pixels: pixel p's k-th window element is the float at
 * bases[p] + offs[k] (byte addresses, i32; bases padded to a multiple of 4 by repeating the last), W in
 * panels of 4 rows (gemm's A), Y's rows `ldy` floats apart, channels ≥ `rows` not stored. It is the GEMM
 * turned round: tiles of 4 pixels × 8 channels, each k 2 vector loads of W and 4 broadcast loads of x,
 * so the pixels need not lie side by side and rows of any width waste no columns. Each sum runs over k
 * from 0 in order, as gemm's, so the same bits.
 */
export function gemmPixels(w: usize, bases: usize, offs: usize, y: usize, ldy: i32, M4: i32, rows: i32, count: i32, K: i32): void {
  const ldyBytes = <usize>ldy << 2;
  const panelBytes = <usize>K << 4;
  for (let p0 = 0; p0 < count; p0 += 4) {
    const at = bases + (<usize>p0 << 2);
    const x0 = <usize>load<i32>(at), x1 = <usize>load<i32>(at, 4), x2 = <usize>load<i32>(at, 8), x3 = <usize>load<i32>(at, 12);
    const pixels = min(4, count - p0);
    for (let m0 = 0; m0 < M4; m0 += 8) {
      const panel = w + <usize>m0 * (<usize>K << 2);
      const out = y + <usize>m0 * ldyBytes + (<usize>p0 << 2);
      if (m0 + 4 < M4) tilePixels4x8(panel, panel + panelBytes, x0, x1, x2, x3, offs, out, ldyBytes, min(8, rows - m0), pixels, K);
      else tilePixels4x4(panel, x0, x1, x2, x3, offs, out, ldyBytes, rows - m0, pixels, K);
    }
  }
}

/** gemmPixels' tile: 4 pixels (x0..x3) × 8 channels (panels w0, w1), 8 accumulators; stores `rows` channels of `pixels` pixels. */
@inline function tilePixels4x8(w0: usize, w1: usize, x0: usize, x1: usize, x2: usize, x3: usize, offs: usize, y: usize, ldy: usize, rows: i32, pixels: i32, K: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const off = <usize>load<i32>(offs);
    const a0 = v128.load(w0);
    const a1 = v128.load(w1);
    let xv = v128.load32_splat(x0 + off);
    c00 = fma(a0, xv, c00); c01 = fma(a1, xv, c01);
    xv = v128.load32_splat(x1 + off);
    c10 = fma(a0, xv, c10); c11 = fma(a1, xv, c11);
    xv = v128.load32_splat(x2 + off);
    c20 = fma(a0, xv, c20); c21 = fma(a1, xv, c21);
    xv = v128.load32_splat(x3 + off);
    c30 = fma(a0, xv, c30); c31 = fma(a1, xv, c31);
    w0 += 16;
    w1 += 16;
    offs += 4;
  }
  // c_i0 holds channels 0-3 of pixel i, c_i1 channels 4-7: transposed, each channel's 4 pixels side by side.
  storeTransposed(c00, c10, c20, c30, y, ldy, min(4, rows), pixels);
  if (rows > 4) storeTransposed(c01, c11, c21, c31, y + 4 * ldy, ldy, rows - 4, pixels);
}

/** gemmPixels' last tile where the channels end in a lone panel: 4 pixels × 4 channels. */
@inline function tilePixels4x4(w0: usize, x0: usize, x1: usize, x2: usize, x3: usize, offs: usize, y: usize, ldy: usize, rows: i32, pixels: i32, K: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  for (let k = 0; k < K; k++) {
    const off = <usize>load<i32>(offs);
    const a0 = v128.load(w0);
    c0 = fma(a0, v128.load32_splat(x0 + off), c0);
    c1 = fma(a0, v128.load32_splat(x1 + off), c1);
    c2 = fma(a0, v128.load32_splat(x2 + off), c2);
    c3 = fma(a0, v128.load32_splat(x3 + off), c3);
    w0 += 16;
    offs += 4;
  }
  storeTransposed(c0, c1, c2, c3, y, ldy, min(4, rows), pixels);
}

/** Peak of the micro-kernel: `iterations` runs of a 4×8 tile over K = 256, from L1. */
export function peak(a: usize, b: usize, c: usize, iterations: i32): void {
  for (let i = 0; i < iterations; i++) tile4x8(a, b, 32, c, 32, 256, true);
}
