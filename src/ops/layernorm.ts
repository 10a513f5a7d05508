// Layer normalization over the last dimensions (normalizedShape), as F.layer_norm. The forward is one
// plain loop (statistics in double); the rule recomputes x̂ from the saved input with differentiable
// ops, so the gradient of the gradient is exact:
//   x̂ = (x − μ)·σ⁻¹ per row,  y = x̂·w + b,  dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w
import type { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkOptionKeys } from '../tensor/options.js';
import { checkFloating, checkTensor, empty } from './util.js';
import { add, mul, pow, sub } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape } from './view.js';

/** Options of {@link layerNorm}. */
export interface LayerNormOptions {
  /** The scale, of normalizedShape (null or left out: 1). */
  weight?: Tensor | null;
  /** The shift, of normalizedShape (null or left out: 0). */
  bias?: Tensor | null;
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
}

/** The optional affine weight and bias, each of `shape` and x's dtype (null where left out). */
function checkAffine(
  x: Tensor,
  options: { weight?: Tensor | null; bias?: Tensor | null },
  shape: readonly number[],
  op: string,
): (Tensor | null)[] {
  return [options.weight ?? null, options.bias ?? null].map((t, i) => {
    if (t === null) return null;
    const arg = i === 0 ? 'weight' : 'bias';
    checkTensor(t, arg, op);
    if (t.shape.length !== shape.length || t.shape.some((n, j) => n !== shape[j]))
      throw new Error(`${op}: ${arg} of shape ${formatShape(t.shape)} must have shape [${shape.join(', ')}]`);
    if (t.dtype !== x.dtype) throw new Error(`${op}: ${arg} has dtype ${t.dtype} but input has dtype ${x.dtype}; expected the same dtype`);
    return t;
  });
}

/** Of data[base .. base + n): the mean and 1/√(biased variance + eps), in double (two passes). */
function moments(data: ArrayLike<number>, base: number, n: number, eps: number): [mean: number, invstd: number] {
  let s = 0;
  for (let i = 0; i < n; i++) s += data[base + i];
  const mu = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) q += (data[base + i] - mu) * (data[base + i] - mu);
  return [mu, 1 / Math.sqrt(q / n + eps)];
}

/** The normalized shape as a list of positive integers ending x's shape. */
function checkNormalizedShape(x: Tensor, normalizedShape: unknown, op: string): number[] {
  const list = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
  if (list === null || list.length === 0 || !list.every((n) => Number.isInteger(n) && n > 0))
    throw new Error(`${op}: normalizedShape=${JSON.stringify(normalizedShape)} must be a positive integer or a non-empty list of them`);
  const tail = x.shape.slice(x.ndim - list.length);
  if (list.length > x.ndim || tail.some((n, i) => n !== list[i]))
    throw new Error(
      `${op}: normalizedShape=[${list.join(', ')}] expects input of shape [*, ${list.join(', ')}]; got ${formatShape(x.shape)}`,
    );
  return list as number[];
}

/**
 * Layer normalization over the last dimensions (`F.layer_norm`): (x − mean) / √(var + eps) · weight + bias, the
 * statistics (biased variance) taken over `normalizedShape`, the trailing dimensions of x.
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], options: LayerNormOptions = {}): Tensor {
  const op = 'layerNorm';
  checkOptionKeys(options, ['weight', 'bias', 'eps'], op);
  checkTensor(x, 'input', op);
  checkFloating(x, 'input', op);
  const shape = checkNormalizedShape(x, normalizedShape, op);
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${op}: eps=${String(eps)} must be a non-negative number`);
  const [w, b] = checkAffine(x, options, shape, op);
  const inner = shape.reduce((p, n) => p * n, 1);
  const rows = x.numel / inner;
  const y = empty(x.dtype, x.shape);
  const [xd, yd, wd, bd] = [x.storage, y.storage, w === null ? null : w.storage, b === null ? null : b.storage];
  for (let r = 0; r < rows; r++) {
    const base = r * inner;
    const [mu, inv] = moments(xd, base, inner, eps);
    for (let i = 0; i < inner; i++) {
      const v = (xd[base + i] - mu) * inv;
      yd[base + i] = v * (wd === null ? 1 : wd[i]) + (bd === null ? 0 : bd[i]);
    }
  }
  const dims = shape.map((_, i) => x.ndim - shape.length + i);
  const lead = x.shape.map((_, i) => i).slice(0, x.ndim - shape.length);
  return record(
    y,
    'NativeLayerNormBackward0',
    [x, w, b],
    (dy, needs) => {
      const xc = sub(x, mean(x, dims, true));
      const inv = pow(add(mean(mul(xc, xc), dims, true), eps), -0.5);
      const xhat = mul(xc, inv);
      const g = w === null ? dy : mul(dy, w);
      const dx = needs[0] ? mul(inv, sub(sub(g, mean(g, dims, true)), mul(xhat, mean(mul(g, xhat), dims, true)))) : null;
      const over = (t: Tensor): Tensor => (lead.length === 0 ? t : sum(t, lead));
      return [dx, needs[1] ? over(mul(dy, xhat)) : null, needs[2] ? over(dy) : null];
    },
    [x, w],
  );
}

/** Options of {@link groupNorm}. */
export interface GroupNormOptions {
  /** The scale per channel (null or left out: 1). */
  weight?: Tensor | null;
  /** The shift per channel (null or left out: 0). */
  bias?: Tensor | null;
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
}

/**
 * F.group_norm: x (N, C, …) normalized per sample over each group of C/numGroups channels (and all
 * positions), then y = x̂·w[c] + b[c]. Same pattern as layerNorm: one plain forward loop, a rule
 * recomputed from differentiable ops on the (N, G, rest) view.
 */
export function groupNorm(x: Tensor, numGroups: number, options: GroupNormOptions = {}): Tensor {
  const op = 'groupNorm';
  checkOptionKeys(options, ['weight', 'bias', 'eps'], op);
  checkTensor(x, 'input', op);
  checkFloating(x, 'input', op);
  if (x.ndim < 2) throw new Error(`${op}: input of shape ${formatShape(x.shape)} must have at least 2 dimensions (N, C, …)`);
  const [N, C] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0)
    throw new Error(
      `${op}: numGroups=${String(numGroups)} must be a positive integer dividing the ${C} channels of input ${formatShape(x.shape)}`,
    );
  const eps = options.eps ?? 1e-5;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new Error(`${op}: eps=${String(eps)} must be a non-negative number`);
  const [w, b] = checkAffine(x, options, [C], op);
  const spatial = x.numel / Math.max(N * C, 1);
  const perGroup = (C / numGroups) * spatial;
  const y = empty(x.dtype, x.shape);
  const [xd, yd, wd, bd] = [x.storage, y.storage, w === null ? null : w.storage, b === null ? null : b.storage];
  for (let r = 0; r < N * numGroups; r++) {
    const base = r * perGroup;
    const [mu, inv] = moments(xd, base, perGroup, eps);
    for (let i = 0; i < perGroup; i++) {
      const c = ((r % numGroups) * perGroup + i) / spatial;
      const ch = Math.floor(c);
      yd[base + i] = (xd[base + i] - mu) * inv * (wd === null ? 1 : wd[ch]) + (bd === null ? 0 : bd[ch]);
    }
  }
  const grouped = [N, numGroups, perGroup];
  const channelView = x.shape.map((n, i) => (i === 1 ? n : 1));
  const notChannels = x.shape.map((_, i) => i).filter((i) => i !== 1);
  return record(
    y,
    'NativeGroupNormBackward0',
    [x, w, b],
    (dy, needs) => {
      const xr = reshape(x, grouped);
      const xc = sub(xr, mean(xr, [2], true));
      const inv = pow(add(mean(mul(xc, xc), [2], true), eps), -0.5);
      const xhatR = mul(xc, inv);
      const g = w === null ? dy : mul(dy, reshape(w, channelView));
      const gr = reshape(g, grouped);
      const dx = needs[0]
        ? reshape(mul(inv, sub(sub(gr, mean(gr, [2], true)), mul(xhatR, mean(mul(gr, xhatR), [2], true)))), x.shape)
        : null;
      return [dx, needs[1] ? sum(mul(dy, reshape(xhatR, x.shape)), notChannels) : null, needs[2] ? sum(dy, notChannels) : null];
    },
    [x, w],
  );
}
