// The reference matrix product, accumulating in double:
//   c[m, n] = Σ_k A(m, k) · B(k, n)   for A (M×K), B (K×N), c (M×N), row-major, at the given offsets,
// where A is a (M×K) or, transA, aᵀ (a stored K×M); B is b (K×N) or, transB, bᵀ (b stored N×K): a
// transposed operand is read where it lies, never copied.
import type { Storage } from '../../tensor/tensor.js';
import { scratchFloat64 } from './scratch.js';

export function matmul(
  a: Storage,
  aAt: number,
  b: Storage,
  bAt: number,
  c: Storage,
  cAt: number,
  M: number,
  K: number,
  N: number,
  transA: boolean,
  transB: boolean,
): void {
  // Element (m, k) of A at aAt + m·am + k·ak; (k, n) of B at bAt + k·bk + n·bn.
  const [am, ak] = transA ? [1, M] : [K, 1];
  const [bk, bn] = transB ? [1, K] : [N, 1];
  const acc = scratchFloat64(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const v = a[aAt + m * am + k * ak];
      const row = bAt + k * bk;
      for (let n = 0; n < N; n++) acc[n] += v * b[row + n * bn];
    }
    for (let n = 0; n < N; n++) c[cAt + m * N + n] = acc[n];
  }
}
