// Batch normalization over every dimension but the channels (dim 1). The forward is two kernels
// (per-channel statistics, then the affine map). A plain backward runs two fused kernels; when the
// gradient needs a graph of its own (createGraph), the rule recomputes the statistics from the saved
// input with differentiable ops, so the gradient of the gradient is exact. Both compute:
//   x̂ = (x − μ)·σ⁻¹,  dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))  with g = dy·w   (training)
//   dx = dy·w·σ⁻¹ with the running statistics                                  (evaluation)
import { type Storage, type Tensor, bumpVersion } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { defineKernel } from '../kernels/index.js';
import { checkFloating, checkTensor, empty } from './util.js';
import { add, mul, pow, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './view.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalize with the batch's statistics (and update the running ones) rather than the running ones. */
  training?: boolean;
  momentum?: number;
  eps?: number;
}

interface ChannelLayout {
  outer: number;
  channels: number;
  inner: number;
}

/** x[p, c, i] at (p·C + c)·inner + i: the rows of channel c, one per p. */
function forEachRow(l: ChannelLayout, c: number, visit: (base: number) => void): void {
  for (let p = 0; p < l.outer; p++) visit((p * l.channels + c) * l.inner);
}

/** Per channel: the mean and biased variance over (N, …spatial), in double, in two passes. */
function referenceStats(x: Storage, mean: Float64Array, variance: Float64Array, l: ChannelLayout): void {
  const count = l.outer * l.inner;
  for (let c = 0; c < l.channels; c++) {
    let s = 0;
    forEachRow(l, c, (base) => {
      for (let i = 0; i < l.inner; i++) s += x[base + i];
    });
    const mu = s / count;
    let q = 0;
    forEachRow(l, c, (base) => {
      for (let i = 0; i < l.inner; i++) q += (x[base + i] - mu) * (x[base + i] - mu);
    });
    mean[c] = mu;
    variance[c] = q / count;
  }
}

/** y = (x − mean)·scale + shift per channel, in double, rounded once to y's dtype. */
function referenceApply(x: Storage, y: Storage, mean: Float64Array, scale: Float64Array, shift: Float64Array, l: ChannelLayout): void {
  for (let c = 0; c < l.channels; c++) {
    forEachRow(l, c, (base) => {
      for (let i = 0; i < l.inner; i++) y[base + i] = (x[base + i] - mean[c]) * scale[c] + shift[c];
    });
  }
}

/** Per channel: Σ dy and Σ dy·(x − mean), in double. */
function referenceBackwardSums(
  dy: Storage,
  x: Storage,
  mean: Float64Array,
  sumDy: Float64Array,
  sumDyXc: Float64Array,
  l: ChannelLayout,
): void {
  for (let c = 0; c < l.channels; c++) {
    let s = 0;
    let q = 0;
    forEachRow(l, c, (base) => {
      for (let i = 0; i < l.inner; i++) {
        s += dy[base + i];
        q += dy[base + i] * (x[base + i] - mean[c]);
      }
    });
    sumDy[c] = s;
    sumDyXc[c] = q;
  }
}

/** dx = k·(dy − meanDy − (x − mean)·c2) per channel, in double, rounded once to dx's dtype. */
function referenceBackwardInput(
  dy: Storage,
  x: Storage,
  dx: Storage,
  mean: Float64Array,
  k: Float64Array,
  meanDy: Float64Array,
  c2: Float64Array,
  l: ChannelLayout,
): void {
  for (let c = 0; c < l.channels; c++) {
    forEachRow(l, c, (base) => {
      for (let i = 0; i < l.inner; i++) dx[base + i] = k[c] * (dy[base + i] - meanDy[c] - (x[base + i] - mean[c]) * c2[c]);
    });
  }
}

const statsKernel = defineKernel('batchNormStats', referenceStats);
const applyKernel = defineKernel('batchNormApply', referenceApply);
const backwardSumsKernel = defineKernel('batchNormBackwardSums', referenceBackwardSums);
const backwardInputKernel = defineKernel('batchNormBackwardInput', referenceBackwardInput);

function checkChannelVector(t: Tensor | null | undefined, arg: string, C: number, x: Tensor): Tensor | null {
  if (t === null || t === undefined) return null;
  checkTensor(t, arg, 'batchNorm');
  if (t.ndim !== 1 || t.shape[0] !== C) {
    throw new Error(
      `batchNorm: ${arg} of shape ${formatShape(t.shape)} must have shape [${C}] (one value per channel of input ${formatShape(x.shape)})`,
    );
  }
  if (t.dtype !== x.dtype)
    throw new Error(`batchNorm: ${arg} has dtype ${t.dtype} but input has dtype ${x.dtype}; expected the same dtype`);
  return t;
}

/**
 * F.batch_norm: normalizes x (N, C, …) per channel. In training, the running statistics (if given)
 * are updated in place: running = (1 − momentum)·running + momentum·batch (unbiased variance).
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkTensor(x, 'input', 'batchNorm');
  checkFloating(x, 'input', 'batchNorm');
  if (x.ndim < 2) throw new Error(`batchNorm: input of shape ${formatShape(x.shape)} must have at least 2 dimensions (N, C, …)`);
  const C = x.shape[1];
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`batchNorm: eps=${String(eps)} must be a non-negative number`);
  if (typeof momentum !== 'number' || Number.isNaN(momentum)) throw new Error(`batchNorm: momentum=${String(momentum)} must be a number`);
  const w = checkChannelVector(options.weight, 'weight', C, x);
  const b = checkChannelVector(options.bias, 'bias', C, x);
  const rm = checkChannelVector(runningMean, 'runningMean', C, x);
  const rv = checkChannelVector(runningVar, 'runningVar', C, x);
  const inner = x.numel / Math.max(x.shape[0] * C, 1);
  if (training && x.shape[0] * inner <= 1) {
    throw new Error(`batchNorm: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
  }
  if (!training && (rm === null || rv === null)) {
    throw new Error('batchNorm: runningMean and runningVar must be given when training=false (evaluation uses them)');
  }
  const layout: ChannelLayout = { outer: x.shape[0], channels: C, inner };
  const mu = new Float64Array(C);
  const invstd = new Float64Array(C);
  if (training) {
    const variance = new Float64Array(C);
    statsKernel.impl(x.data, mu, variance, layout);
    for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(variance[c] + eps);
    if (rm !== null && rv !== null) {
      const count = x.shape[0] * inner;
      const unbiased = count / (count - 1);
      for (let c = 0; c < C; c++) {
        rm.data[c] = momentum * mu[c] + (1 - momentum) * rm.data[c];
        rv.data[c] = momentum * variance[c] * unbiased + (1 - momentum) * rv.data[c];
      }
      bumpVersion(rm);
      bumpVersion(rv);
    }
  } else {
    mu.set(rm!.data);
    for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(rv!.data[c] + eps);
  }
  const wOf = (c: number): number => (w === null ? 1 : w.data[c]);
  const scale = invstd.map((v, c) => v * wOf(c));
  const shift = Float64Array.from({ length: C }, (_, c) => (b === null ? 0 : b.data[c]));
  const y = empty(x.dtype, x.shape);
  applyKernel.impl(x.data, y.data, mu, scale, shift, layout);
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const channelShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const asChannels = (t: Tensor): Tensor => reshape(t, channelShape);
  // The gradient without a graph of its own (a plain backward): two fused passes, statistics in double,
  // the same formula as the differentiable rule below.
  const fusedBackward = (dy: Tensor, needs: readonly boolean[]): (Tensor | null)[] => {
    const sumDy = new Float64Array(C);
    const sumDyXc = new Float64Array(C);
    backwardSumsKernel.impl(dy.data, x.data, mu, sumDy, sumDyXc, layout);
    let dx: Tensor | null = null;
    if (needs[0]) {
      dx = empty(x.dtype, x.shape);
      if (training) {
        const count = x.shape[0] * inner;
        const meanDy = sumDy.map((s) => s / count);
        const c2 = sumDyXc.map((s, c) => (s / count) * invstd[c] * invstd[c]);
        backwardInputKernel.impl(dy.data, x.data, dx.data, mu, scale, meanDy, c2, layout);
      } else {
        const zeros = new Float64Array(C);
        applyKernel.impl(dy.data, dx.data, zeros, scale, zeros, layout);
      }
    }
    const channelVector = (values: Float64Array): Tensor => {
      const t = empty(x.dtype, [C]);
      t.data.set(values);
      return t;
    };
    return [dx, needs[1] ? channelVector(sumDyXc.map((s, c) => s * invstd[c])) : null, needs[2] ? channelVector(sumDy) : null];
  };
  const frozen = !training
    ? noGrad(() => ({ mu: reshape(rm!.detach(), channelShape), invstd: reshape(pow(add(rv!.detach(), eps), -0.5), channelShape) }))
    : null;
  return record(
    y,
    'NativeBatchNormBackward0',
    [x, w, b],
    (dy, needs) => {
      if (!isGradEnabled()) return fusedBackward(dy, needs);
      let xhat: Tensor;
      let inv: Tensor;
      if (frozen !== null) {
        inv = frozen.invstd;
        xhat = mul(sub(x, frozen.mu), inv);
      } else {
        const xc = sub(x, mean(x, dims, true));
        inv = pow(add(mean(mul(xc, xc), dims, true), eps), -0.5);
        xhat = mul(xc, inv);
      }
      const g = w === null ? dy : mul(dy, asChannels(w));
      let dx: Tensor | null = null;
      if (needs[0]) {
        dx = frozen !== null ? mul(g, inv) : mul(inv, sub(sub(g, mean(g, dims, true)), mul(xhat, mean(mul(g, xhat), dims, true))));
      }
      return [dx, needs[1] ? sum(mul(dy, xhat), dims) : null, needs[2] ? sum(dy, dims) : null];
    },
    [x, w],
  );
}
