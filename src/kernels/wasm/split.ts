// Split jobs: the pointwise, pooling and BatchNorm kernels on several threads. Each kernel's work is cut
// into units that are computed on their own (elements for relu, planes for pooling, channels for
// BatchNorm); a task of the job runs the kernel itself on its units (assembly/split.ts), so the result is
// the single call's, bit for bit, for any thread count. Where the units are contiguous in memory, the
// input is copied in block by block while the other threads already compute the blocks before (runJob's
// feed). Each returns false, having done nothing, where one thread would do (the single-call kernels of
// kernels.generated.ts take the call then): one thread set, no shared memory, little work, or a layout
// past WebAssembly's 4 GiB.
import type { Storage } from '../../tensor/tensor.js';
import type { GeneratedKernelArgs } from '../signatures.generated.js';
import {
  HEADER_INTS,
  OP_SPLIT,
  SPLIT_BATCH_NORM_APPLY,
  SPLIT_BATCH_NORM_BACKWARD,
  SPLIT_BATCH_NORM_TRAIN_FORWARD,
  SPLIT_MAX_POOL_2D,
  SPLIT_MAX_POOL_SCATTER,
  SPLIT_RELU,
  SPLIT_RELU_GRAD,
  writeSplitJob,
} from './boundary.generated.js';
import { BYTES, bufferType, callKernel, view, type BufferArg } from './call.js';
import { residentAt } from './heap.js';
import { arenaStart, getNumThreads, runJob } from './runtime.js';

/** Below this many bytes in all, waking the other threads costs more than it saves. */
export const SPLIT_MIN_BYTES = 512 * 1024;
/** Tasks per thread: enough for balance and for the copy-in to stream ahead of the work. */
const TASKS_PER_THREAD = 8;

/**
 * A buffer of a split kernel: its data (null for an optional one left out), element type, which way
 * it is copied, and its elements per unit of work (0: not cut in units, copied whole before the job).
 */
interface SplitBuffer {
  data: Storage | null;
  type: 'f32' | 'f64';
  copy: 'in' | 'out' | 'inout';
  perUnit: number;
}

/**
 * Runs split kernel `kernel` over `units` units on the threads, through callKernel (laid out after the
 * job header): the inputs cut in units, where `stream`, are laid out as scratch and copied in by the job's
 * feed, block by block, while the other threads compute; the rest is copied as any kernel's.
 * `ints` are the kernel's integer arguments (SplitJob i0…).
 */
function runSplit(kernel: number, units: number, buffers: readonly SplitBuffer[], ints: readonly number[], stream: boolean): boolean {
  const threads = getNumThreads(); // 1 without shared memory
  if (threads <= 1 || units < 2) return false;
  let bytes = 0;
  for (const b of buffers) {
    if (b.data === null) continue;
    if (!(b.type === 'f64' ? b.data instanceof Float64Array : b.data instanceof Float32Array)) return false;
    bytes += b.data.length * BYTES[b.type];
  }
  if (bytes < SPLIT_MIN_BYTES) return false;
  // Resident inputs (heap.ts) are read where they lie: nothing to stream.
  const streamed = (b: SplitBuffer): b is SplitBuffer & { data: Storage } =>
    stream && b.perUnit > 0 && b.data !== null && b.copy === 'in' && residentAt(b.data) < 0;
  const job = arenaStart();
  const args: BufferArg[] = buffers.map((b) =>
    streamed(b) ? [b.data.length * BYTES[b.type], b.type, 'scratch'] : [b.data, b.type, b.copy],
  );
  const per = Math.max(1, Math.ceil(units / (threads * TASKS_PER_THREAD)));
  const tasks = Math.ceil(units / per);
  return callKernel(
    args,
    (_, at, rt) => {
      const slots = new Int32Array(rt.memory.buffer, job, HEADER_INTS);
      const pointers = Object.fromEntries(buffers.map((b, i) => [`p${i}`, b.data === null ? 0 : at[i]]));
      const integers = Object.fromEntries(ints.map((v, i) => [`i${i}`, v]));
      const wide = buffers[0].data instanceof Float64Array ? 1 : 0;
      writeSplitJob(slots, { op: OP_SPLIT, kernel, wide, units, per, ...pointers, ...integers });
      const feed = (publish: (upTo: number) => void): void => {
        // Blocks of a quarter of a thread's tasks: the first starts work early, the copies stay few.
        const step = Math.max(1, Math.floor(tasks / (threads * 4)));
        for (let t = 0; t < tasks; t += step) {
          const end = Math.min(tasks, t + step);
          buffers.forEach((b, i) => {
            if (!streamed(b)) return;
            const from = t * per * b.perUnit;
            const to = Math.min(units, end * per) * b.perUnit;
            view(rt.memory, b.type, at[i] + from * BYTES[b.type], to - from).set(b.data.subarray(from, to));
          });
          publish(end);
        }
      };
      runJob(rt, job, tasks, Math.min(threads, tasks), stream ? feed : undefined);
    },
    job + HEADER_INTS * 4,
  );
}

type SplitKernels = {
  [K in 'relu' | 'reluGrad' | 'maxPool2d' | 'maxPoolScatter' | 'batchNormTrainForward' | 'batchNormApply' | 'batchNormBackward']: (
    ...args: GeneratedKernelArgs[K]
  ) => boolean;
};

/** The kernels that run as split jobs, each taking the generated kernel's arguments. */
export const splitKernels: SplitKernels = {
  relu: (x, y) => {
    const t = bufferType(x);
    const buffers: SplitBuffer[] = [
      { data: x, type: t, copy: 'in', perUnit: 1 },
      { data: y, type: t, copy: 'out', perUnit: 1 },
    ];
    return runSplit(SPLIT_RELU, x.length, buffers, [], true);
  },
  reluGrad: (dy, y, dx) => {
    const t = bufferType(dy);
    const buffers: SplitBuffer[] = [
      { data: dy, type: t, copy: 'in', perUnit: 1 },
      { data: y, type: t, copy: 'in', perUnit: 1 },
      { data: dx, type: t, copy: 'out', perUnit: 1 },
    ];
    return runSplit(SPLIT_RELU_GRAD, dy.length, buffers, [], true);
  },
  maxPool2d: (x, y, idx, s) => {
    const t = bufferType(x);
    const planeIn = s.h * s.w;
    const planeOut = s.oh * s.ow;
    const buffers: SplitBuffer[] = [
      { data: x, type: t, copy: 'in', perUnit: planeIn },
      { data: y, type: t, copy: 'out', perUnit: planeOut },
      { data: idx, type: 'f64', copy: 'out', perUnit: planeOut },
    ];
    const ints = [s.h, s.w, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.ph, s.pw, s.dh, s.dw];
    return runSplit(SPLIT_MAX_POOL_2D, s.planes, buffers, ints, true);
  },
  maxPoolScatter: (dy, idx, dx, s) => {
    const t = bufferType(dy);
    const buffers: SplitBuffer[] = [
      { data: dy, type: t, copy: 'in', perUnit: s.planeOut },
      { data: idx, type: 'f64', copy: 'in', perUnit: s.planeOut },
      { data: dx, type: t, copy: 'out', perUnit: s.planeIn },
    ];
    return runSplit(SPLIT_MAX_POOL_SCATTER, s.planes, buffers, [s.planeIn, s.planeOut], true);
  },
  // BatchNorm's units are channels, strided through the tensor: copied whole, not streamed.
  batchNormTrainForward: (x, y, mean, variance, weight, shift, s) => {
    const t = bufferType(x);
    const buffers: SplitBuffer[] = [
      { data: x, type: t, copy: 'in', perUnit: 0 },
      { data: y, type: t, copy: 'out', perUnit: 0 },
      { data: mean, type: 'f64', copy: 'out', perUnit: 0 },
      { data: variance, type: 'f64', copy: 'out', perUnit: 0 },
      { data: weight, type: 'f64', copy: 'in', perUnit: 0 },
      { data: shift, type: 'f64', copy: 'in', perUnit: 0 },
      { data: Float64Array.of(s.eps), type: 'f64', copy: 'in', perUnit: 0 },
    ];
    return runSplit(SPLIT_BATCH_NORM_TRAIN_FORWARD, s.channels, buffers, [s.outer, s.channels, s.inner], false);
  },
  batchNormApply: (x, y, mean, scale, shift, s) => {
    const t = bufferType(x);
    const buffers: SplitBuffer[] = [
      { data: x, type: t, copy: 'in', perUnit: 0 },
      { data: y, type: t, copy: 'out', perUnit: 0 },
      { data: mean, type: 'f64', copy: 'in', perUnit: 0 },
      { data: scale, type: 'f64', copy: 'in', perUnit: 0 },
      { data: shift, type: 'f64', copy: 'in', perUnit: 0 },
    ];
    return runSplit(SPLIT_BATCH_NORM_APPLY, s.channels, buffers, [s.outer, s.channels, s.inner], false);
  },
  batchNormBackward: (dy, x, dx, mean, invstd, weight, sumDy, sumDyXc, s) => {
    const t = bufferType(dy);
    const buffers: SplitBuffer[] = [
      { data: dy, type: t, copy: 'in', perUnit: 0 },
      { data: x, type: t, copy: 'in', perUnit: 0 },
      { data: dx, type: t, copy: 'out', perUnit: 0 },
      { data: mean, type: 'f64', copy: 'in', perUnit: 0 },
      { data: invstd, type: 'f64', copy: 'in', perUnit: 0 },
      { data: weight, type: 'f64', copy: 'in', perUnit: 0 },
      { data: sumDy, type: 'f64', copy: 'out', perUnit: 0 },
      { data: sumDyXc, type: 'f64', copy: 'out', perUnit: 0 },
    ];
    const flags = (s.flags.inputGrad ? 1 : 0) | (s.flags.training ? 2 : 0);
    return runSplit(SPLIT_BATCH_NORM_BACKWARD, s.channels, buffers, [s.outer, s.channels, s.inner, flags], false);
  },
};
