// Batch normalization over every dimension but the channels (dim 1). The forward runs one plain
// kernel; the rule recomputes the statistics from the saved input with differentiable ops, so the
// gradient of the gradient is exact:
//   x̂ = (x − μ)·σ⁻¹,  dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂))  with g = dy·w   (training)
//   dx = dy·w·σ⁻¹ with the running statistics                                  (evaluation)
import { type Tensor, bumpVersion } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { noGrad } from '../autograd/mode.js';
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

/** Per channel: the mean and biased variance over (N, …spatial), in double. */
function channelStats(x: Tensor): { mean: Float64Array; variance: Float64Array; count: number } {
  const C = x.shape[1];
  const inner = x.numel / (x.shape[0] * C);
  const count = x.shape[0] * inner;
  const m = new Float64Array(C);
  const v = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let n = 0; n < x.shape[0]; n++) {
      const base = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) s += x.data[base + i];
    }
    const mu = s / count;
    let q = 0;
    for (let n = 0; n < x.shape[0]; n++) {
      const base = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) {
        const d = x.data[base + i] - mu;
        q += d * d;
      }
    }
    m[c] = mu;
    v[c] = q / count;
  }
  return { mean: m, variance: v, count };
}

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
  let mu: ArrayLike<number>;
  let invstd: Float64Array;
  if (training) {
    const stats = channelStats(x);
    mu = stats.mean;
    invstd = stats.variance.map((v) => 1 / Math.sqrt(v + eps));
    if (rm !== null && rv !== null) {
      const unbiased = stats.count / (stats.count - 1);
      for (let c = 0; c < C; c++) {
        rm.data[c] = momentum * stats.mean[c] + (1 - momentum) * rm.data[c];
        rv.data[c] = momentum * stats.variance[c] * unbiased + (1 - momentum) * rv.data[c];
      }
      bumpVersion(rm);
      bumpVersion(rv);
    }
  } else {
    mu = Float64Array.from(rm!.data);
    invstd = Float64Array.from(rv!.data, (v) => 1 / Math.sqrt(v + eps));
  }
  const y = empty(x.dtype, x.shape);
  for (let n = 0; n < x.shape[0]; n++) {
    for (let c = 0; c < C; c++) {
      const scale = invstd[c] * (w === null ? 1 : w.data[c]);
      const shift = b === null ? 0 : b.data[c];
      const base = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) y.data[base + i] = (x.data[base + i] - mu[c]) * scale + shift;
    }
  }
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const channelShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const asChannels = (t: Tensor): Tensor => reshape(t, channelShape);
  const frozen = !training
    ? noGrad(() => ({ mu: reshape(rm!.detach(), channelShape), invstd: reshape(pow(add(rv!.detach(), eps), -0.5), channelShape) }))
    : null;
  return record(
    y,
    'NativeBatchNormBackward0',
    [x, w, b],
    (dy, needs) => {
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
