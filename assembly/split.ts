// Split jobs: one pointwise, pooling or BatchNorm kernel run on several threads. Its work is cut into
// units (elements, planes or channels, each computed on its own); a task runs the kernel itself on its
// units, so every unit is computed exactly as the single call computes it: the same bits for any thread
// count. The header (SplitJob) comes from assembly/boundary.json; src/kernels/wasm/split.ts writes it.

import {
  SplitJob,
  SPLIT_BATCH_NORM_APPLY,
  SPLIT_BATCH_NORM_BACKWARD,
  SPLIT_BATCH_NORM_TRAIN_FORWARD,
  SPLIT_MAX_POOL_2D,
  SPLIT_MAX_POOL_SCATTER,
  SPLIT_RELU,
  SPLIT_RELU_GRAD,
} from './boundary.generated';
import { maxPool2d, maxPoolScatter, relu, reluGrad } from './pointwise';
import { batchNormApplyChannels, batchNormBackwardChannels, batchNormTrainForwardChannels } from './normalization';

/** Task `task` of a split job: units [task·per, (task + 1)·per) of its kernel. */
export function splitTask(job: SplitJob, task: i32): void {
  const u0 = task * job.per;
  const u1 = min(job.units, u0 + job.per);
  if (u0 >= u1) return;
  if (job.wide != 0) splitRun<f64>(job, u0, u1);
  else splitRun<f32>(job, u0, u1);
}

/** The address of unit u of a buffer whose units are `size` elements of T (or f64 where `f64` is set). */
@inline function at<T>(base: i32, u: i32, size: i32): usize {
  return <usize>base + ((<usize>u * <usize>size) << alignof<T>());
}

function splitRun<T>(job: SplitJob, u0: i32, u1: i32): void {
  const k = job.kernel;
  const n = u1 - u0;
  if (k == SPLIT_RELU) relu<T>(at<T>(job.p0, u0, 1), at<T>(job.p1, u0, 1), n);
  else if (k == SPLIT_RELU_GRAD) reluGrad<T>(at<T>(job.p0, u0, 1), at<T>(job.p1, u0, 1), at<T>(job.p2, u0, 1), n);
  else if (k == SPLIT_MAX_POOL_2D) {
    // Units are planes: H·W inputs, OH·OW values and indices (f64) each.
    const planeIn = job.i0 * job.i1;
    const planeOut = job.i2 * job.i3;
    maxPool2d<T>(
      at<T>(job.p0, u0, planeIn), at<T>(job.p1, u0, planeOut), at<f64>(job.p2, u0, planeOut), n,
      job.i0, job.i1, job.i2, job.i3, job.i4, job.i5, job.i6, job.i7, job.i8, job.i9, job.i10, job.i11,
    );
  } else if (k == SPLIT_MAX_POOL_SCATTER) {
    // Units are planes: planeOut gradients and indices in, planeIn gradients out (each task zeroes its own).
    maxPoolScatter<T>(at<T>(job.p0, u0, job.i1), at<f64>(job.p1, u0, job.i1), at<T>(job.p2, u0, job.i0), n, job.i0, job.i1);
  } else if (k == SPLIT_BATCH_NORM_TRAIN_FORWARD) {
    // Units are channels; eps is the f64 at p6.
    batchNormTrainForwardChannels<T>(job.p0, job.p1, job.p2, job.p3, job.p4, job.p5, job.i0, job.i1, job.i2, load<f64>(<usize>job.p6), u0, u1);
  } else if (k == SPLIT_BATCH_NORM_APPLY) {
    batchNormApplyChannels<T>(job.p0, job.p1, job.p2, job.p3, job.p4, job.i0, job.i1, job.i2, u0, u1);
  } else if (k == SPLIT_BATCH_NORM_BACKWARD) {
    batchNormBackwardChannels<T>(job.p0, job.p1, job.p2, job.p3, job.p4, job.p5, job.p6, job.p7, job.i0, job.i1, job.i2, job.i3, u0, u1);
  }
}
