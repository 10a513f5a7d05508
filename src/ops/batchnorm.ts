// Batch normalization over every dimension but the channels (dim 1). The forward is two kernels
// (per-channel statistics, then the affine map). A plain backward runs two fused kernels; when the
// gradient needs a graph of its own (createGraph), the rule recomputes the statistics from the saved
// input with differentiable ops, so the gradient of the gradient is exact. Both compute:
//   x̂ = (x − μ)·σ⁻¹,  dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))  with g = dy·w   (training)
//   dx = dy·w·σ⁻¹ with the running statistics                                  (evaluation)
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { type Storage, type Tensor, bumpVersion } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { isGradEnabled, noGrad } from '../autograd/mode.js';
import { defineKernel } from '../kernels/index.js';
import { checkFloating, checkTensor, empty, emptyUnzeroed } from './util.js';
import { add, mul, pow, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './view.js';

/** Options of {@link batchNorm}: the running statistics, affine parameters, mode, momentum and eps. */
export interface BatchNormOptions {
  /** The scale per channel (null or left out: 1). */
  weight?: Tensor | null;
  /** The shift per channel (null or left out: 0). */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics (and update the running ones) rather than the running ones. */
  training?: boolean;
  /** The weight of this batch in the running statistics (default 0.1). */
  momentum?: number;
  /** Added to the variance before its square root (default 1e-5). */
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

/** Channel c's mean and biased variance over (N, …spatial), in double, in two passes. */
function channelStats(x: Storage, c: number, l: ChannelLayout): [mean: number, variance: number] {
  const count = l.outer * l.inner;
  let s = 0;
  forEachRow(l, c, (base) => {
    for (let i = 0; i < l.inner; i++) s += x[base + i];
  });
  const mu = s / count;
  let q = 0;
  forEachRow(l, c, (base) => {
    for (let i = 0; i < l.inner; i++) q += (x[base + i] - mu) * (x[base + i] - mu);
  });
  return [mu, q / count];
}

/** y = (x − mu)·k + b over channel c's rows, in double, rounded once to y's dtype. */
function applyChannel(x: Storage, y: Storage, c: number, mu: number, k: number, b: number, l: ChannelLayout): void {
  forEachRow(l, c, (base) => {
    for (let i = 0; i < l.inner; i++) y[base + i] = (x[base + i] - mu) * k + b;
  });
}

/** Training: per channel, the batch's mean and biased variance, then y = (x − mean)·weight/√(variance + eps) + shift. */
function referenceTrainForward(
  x: Storage,
  y: Storage,
  mean: Float64Array,
  variance: Float64Array,
  weight: Float64Array,
  shift: Float64Array,
  s: ChannelLayout & { eps: number },
): void {
  for (let c = 0; c < s.channels; c++) {
    [mean[c], variance[c]] = channelStats(x, c, s);
    applyChannel(x, y, c, mean[c], weight[c] / Math.sqrt(variance[c] + s.eps), shift[c], s);
  }
}

/** y = (x − mean)·scale + shift per channel (evaluation, with the running statistics). */
function referenceApply(x: Storage, y: Storage, mean: Float64Array, scale: Float64Array, shift: Float64Array, l: ChannelLayout): void {
  for (let c = 0; c < l.channels; c++) applyChannel(x, y, c, mean[c], scale[c], shift[c], l);
}

/**
 * Per channel: Σ dy and Σ dy·(x − mean), in double; with inputGrad, dx = k·(dy − meanDy − (x − mean)·c2)
 * with k = weight·invstd and, in training, meanDy = Σdy/count and c2 = invstd²·Σ dy·(x − mean)/count (0 in evaluation).
 */
function referenceBackward(
  dy: Storage,
  x: Storage,
  dx: Storage | null,
  mean: Float64Array,
  invstd: Float64Array,
  weight: Float64Array,
  sumDy: Float64Array,
  sumDyXc: Float64Array,
  s: ChannelLayout & { flags: { inputGrad: boolean; training: boolean } },
): void {
  const count = s.outer * s.inner;
  for (let c = 0; c < s.channels; c++) {
    let sd = 0;
    let q = 0;
    forEachRow(s, c, (base) => {
      for (let i = 0; i < s.inner; i++) {
        sd += dy[base + i];
        q += dy[base + i] * (x[base + i] - mean[c]);
      }
    });
    sumDy[c] = sd;
    sumDyXc[c] = q;
    if (dx === null || !s.flags.inputGrad) continue;
    const k = weight[c] * invstd[c];
    const meanDy = s.flags.training ? sd / count : 0;
    const c2 = s.flags.training ? (q / count) * invstd[c] * invstd[c] : 0;
    forEachRow(s, c, (base) => {
      for (let i = 0; i < s.inner; i++) dx[base + i] = k * (dy[base + i] - meanDy - (x[base + i] - mean[c]) * c2);
    });
  }
}

const trainForwardKernel = defineKernel('batchNormTrainForward', referenceTrainForward);
const applyKernel = defineKernel('batchNormApply', referenceApply);
const backwardKernel = defineKernel('batchNormBackward', referenceBackward);

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
  checkOptionKeys(options, ['weight', 'bias', 'training', 'momentum', 'eps'], 'batchNorm');
  checkTensor(x, 'input', 'batchNorm');
  checkFloating(x, 'input', 'batchNorm');
  if (x.ndim < 2) throw new Error(`batchNorm: input of shape ${formatShape(x.shape)} must have at least 2 dimensions (N, C, …)`);
  const C = x.shape[1];
  const training = checkBoolean(options.training, 'training', 'batchNorm', false);
  const momentum = options.momentum ?? 0.1;
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`batchNorm: eps=${String(eps)} must be a non-negative number`);
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))
    throw new Error(`batchNorm: momentum=${String(momentum)} must be a number in [0, 1]`);
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
  const weight = Float64Array.from({ length: C }, (_, c) => (w === null ? 1 : w.storage[c]));
  const shift = Float64Array.from({ length: C }, (_, c) => (b === null ? 0 : b.storage[c]));
  const mu = new Float64Array(C);
  const invstd = new Float64Array(C);
  const y = emptyUnzeroed(x.dtype, x.shape, 'kernel', 'batchNorm', [x, w, b]);
  if (training) {
    const variance = new Float64Array(C);
    trainForwardKernel.impl(x.storage, y.storage, mu, variance, weight, shift, { ...layout, eps });
    for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(variance[c] + eps);
    if (rm !== null && rv !== null) {
      const count = x.shape[0] * inner;
      const unbiased = count / (count - 1);
      for (let c = 0; c < C; c++) {
        rm.storage[c] = momentum * mu[c] + (1 - momentum) * rm.storage[c];
        rv.storage[c] = momentum * variance[c] * unbiased + (1 - momentum) * rv.storage[c];
      }
      bumpVersion(rm);
      bumpVersion(rv);
    }
  } else {
    mu.set(rm!.storage);
    for (let c = 0; c < C; c++) invstd[c] = 1 / Math.sqrt(rv!.storage[c] + eps);
    applyKernel.impl(
      x.storage,
      y.storage,
      mu,
      invstd.map((v, c) => v * weight[c]),
      shift,
      layout,
    );
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const channelShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const asChannels = (t: Tensor): Tensor => reshape(t, channelShape);
  // The gradient without a graph of its own (a plain backward): two fused passes, statistics in double,
  // the same formula as the differentiable rule below.
  const fusedBackward = (dy: Tensor, needs: readonly boolean[]): (Tensor | null)[] => {
    const sumDy = new Float64Array(C);
    const sumDyXc = new Float64Array(C);
    const dx = needs[0] ? emptyUnzeroed(x.dtype, x.shape, 'kernel') : null;
    backwardKernel.impl(dy.storage, x.storage, dx?.storage ?? null, mu, invstd, weight, sumDy, sumDyXc, {
      ...layout,
      flags: { inputGrad: dx !== null, training },
    });
    const channelVector = (values: Float64Array): Tensor => {
      const t = empty(x.dtype, [C]);
      t.storage.set(values);
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
