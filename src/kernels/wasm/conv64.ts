// The wasm backend's float64 convolutions and matmul (assembly/conv64.ts), each a job through callKernel,
// on the threads where the work is big enough: a conv pass by runs of images (the weight gradient by runs
// of output channels), a matmul by runs of C's rows; the same bits for any thread count. Each returns
// false (the registry then runs the reference kernel) for data of another type, tiny convolutions, and
// layouts over WebAssembly's 4 GiB.
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';
import { HEADER_INTS, OP_FORWARD_F64, OP_GRAD_INPUT_F64, OP_GRAD_WEIGHT_F64, OP_MATMUL_F64, writeMatmulJob } from './boundary.generated.js';
import { callKernel } from './call.js';
import { macs, prod, roundUp, scratchRegions, to3d, worthThreads, writeHeader } from './conv_job.js';
import { WASM_MIN_MACS } from './conv.js';
import { arenaStart, runJob, threadsFor } from './runtime.js';

/** Tasks per thread of the jobs by images or rows: enough to balance a late or slower thread. */
const TASKS_PER_THREAD = 4;

/**
 * Runs one float64 conv pass as a job, on the threads where it is big enough: a, b the inputs, out the
 * result, with the im2col scratch of one (image, group) per thread. The weight gradient's tasks take
 * output channels (each gathers every image's columns again: one task per thread), the others images.
 */
function pass(op: number, a: Storage, b: Storage, out: Storage, g: ConvGeometry): boolean {
  if (!(a instanceof Float64Array) || macs(g) < WASM_MIN_MACS) return false;
  const t = to3d(g);
  const units = op === OP_GRAD_WEIGHT_F64 ? t.Cy : t.N;
  const threads = threadsFor(units, worthThreads(macs(g)));
  const per = op === OP_GRAD_WEIGHT_F64 ? Math.ceil(units / threads) : Math.ceil(units / (threads * TASKS_PER_THREAD));
  const tasks = Math.ceil(units / per);
  const colBytes = roundUp(8 * (t.Cx / t.G) * prod(t.k) * prod(t.y), 64);
  const job = arenaStart();
  return callKernel(
    [
      [a, 'f64', 'in'],
      [b, 'f64', 'in'],
      [out, 'f64', 'out'],
      [threads * colBytes, 'f64', 'scratch'],
    ],
    (_, [aAt, bAt, outAt, scratchAt], rt) => {
      writeHeader(rt, op, t, [aAt, bAt, outAt, scratchAt], scratchRegions({ col: colBytes / 4, c: 0 }), { chunk: per, chunks: tasks });
      runJob(rt, job, tasks, threads);
    },
    job + HEADER_INTS * 4,
  );
}

export const convForward64 = (x: Storage, w: Storage, y: Storage, g: ConvGeometry): boolean => pass(OP_FORWARD_F64, x, w, y, g);
export const convGradInput64 = (dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): boolean => pass(OP_GRAD_INPUT_F64, dy, w, dx, g);
export const convGradWeight64 = (x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): boolean => pass(OP_GRAD_WEIGHT_F64, x, dy, dw, g);

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
  const threads = threadsFor(Math.ceil(M / 4), worthThreads(M * K * N));
  // Runs of whole rows of C, in the GEMM's tiles of 4: every element is the same sum whichever task computes it.
  const rows = roundUp(Math.ceil(M / (threads * TASKS_PER_THREAD)), 4);
  const tasks = Math.ceil(M / rows);
  const job = arenaStart();
  return callKernel(
    [
      [a.subarray(aAt, aAt + M * K), 'f64', 'in'],
      [b.subarray(bAt, bAt + K * N), 'f64', 'in'],
      [c.subarray(cAt, cAt + M * N), 'f64', 'out'],
      [transB ? K * N * 8 : 0, 'f64', 'scratch'],
    ],
    (k, [aPtr, bPtr, cPtr, btPtr], rt) => {
      if (transB) k.transpose_f64(bPtr, btPtr, 1, N, K);
      writeMatmulJob(new Int32Array(rt.memory.buffer, job, HEADER_INTS), {
        op: OP_MATMUL_F64,
        m: M,
        k: K,
        n: N,
        transA: transA ? 1 : 0,
        a: aPtr,
        b: transB ? btPtr : bPtr,
        c: cPtr,
        rows,
      });
      runJob(rt, job, tasks, threads);
    },
    job + HEADER_INTS * 4,
  );
}
