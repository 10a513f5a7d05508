// The wasm backend's float64 convolutions and matmul (assembly/conv64.ts): one call each through
// callKernel, on the calling thread. Each returns false (the registry then runs the reference kernel)
// for data of another type, tiny convolutions, and layouts over WebAssembly's 4 GiB.
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';
import type { KernelExports } from './boundary.generated.js';
import { callKernel } from './call.js';
import { macs, prod, to3d } from './conv_job.js';
import { WASM_MIN_MACS } from './conv.js';

type Conv64 = KernelExports['convForwardF64'];

/** Runs one float64 conv pass: a, b the inputs, out the result, with the im2col scratch of one (image, group). */
function pass(choose: (k: KernelExports) => Conv64, a: Storage, b: Storage, out: Storage, g: ConvGeometry): boolean {
  if (!(a instanceof Float64Array) || macs(g) < WASM_MIN_MACS) return false;
  const t = to3d(g);
  const colBytes = 128 + 8 * (t.Cx / t.G) * prod(t.k) * prod(t.y);
  return callKernel(
    [
      [a, 'f64', 'in'],
      [b, 'f64', 'in'],
      [out, 'f64', 'out'],
      [colBytes, 'f64', 'scratch'],
    ],
    (k, [aAt, bAt, outAt, colAt]) => {
      const [x, y, kk, s, d, p] = [t.x, t.y, t.k, t.s, t.d, t.p];
      choose(k)(
        aAt,
        bAt,
        outAt,
        colAt,
        t.N,
        t.G,
        t.Cx,
        t.Cy,
        x[0],
        x[1],
        x[2],
        y[0],
        y[1],
        y[2],
        kk[0],
        kk[1],
        kk[2],
        s[0],
        s[1],
        s[2],
        d[0],
        d[1],
        d[2],
        p[0],
        p[1],
        p[2],
      );
    },
  );
}

export const convForward64 = (x: Storage, w: Storage, y: Storage, g: ConvGeometry): boolean => pass((k) => k.convForwardF64, x, w, y, g);
export const convGradInput64 = (dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): boolean =>
  pass((k) => k.convGradInputF64, dy, w, dx, g);
export const convGradWeight64 = (x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): boolean =>
  pass((k) => k.convGradWeightF64, x, dy, dw, g);

/** c = A·B in float64 at the given offsets (M×K times K×N), each operand as stored or transposed (see the matmul kernel). */
export function matmul64(
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
): boolean {
  if (!(a instanceof Float64Array) || M * K * N < WASM_MIN_MACS) return false;
  return callKernel(
    [
      [a.subarray(aAt, aAt + M * K), 'f64', 'in'],
      [b.subarray(bAt, bAt + K * N), 'f64', 'in'],
      [c.subarray(cAt, cAt + M * N), 'f64', 'out'],
      [transB ? K * N * 8 : 0, 'f64', 'scratch'],
    ],
    (k, [aPtr, bPtr, cPtr, btPtr]) => k.matmulF64(aPtr, bPtr, cPtr, btPtr, M, K, N, transA ? 1 : 0, transB ? 1 : 0),
  );
}
