// The reference matrix product, accumulating in double:
//   c[m, n] = Σ_k a[m, k] · b[k, n]   for a (M×K), b (K×N), c (M×N), row-major, at the given offsets.
import type { Storage } from '../../tensor/tensor.js';
import { scratchFloat64 } from './scratch.js';

export function matmul(a: Storage, aAt: number, b: Storage, bAt: number, c: Storage, cAt: number, M: number, K: number, N: number): void {
  const acc = scratchFloat64(N);
  for (let m = 0; m < M; m++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const v = a[aAt + m * K + k];
      const row = bAt + k * N;
      for (let n = 0; n < N; n++) acc[n] += v * b[row + n];
    }
    for (let n = 0; n < N; n++) c[cAt + m * N + n] = acc[n];
  }
}
