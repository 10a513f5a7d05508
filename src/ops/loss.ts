// Losses: nllLoss, crossEntropy (class indices or probabilities, label smoothing), mseLoss and
// binaryCrossEntropyWithLogits, with PyTorch's reductions and checks. Each has a direct forward and a
// rule built from differentiable ops (nllLoss's is a scatterAdd of the weighted dy at the targets).
import { checkOptionKeys } from '../tensor/options.js';
import { isFloating, type Tensor } from '../tensor/tensor.js';
import { formatShape, sameShape } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkTensor, empty, scalarTensor } from './util.js';
import { add, div, exp, log, mul, neg, relu, sub, where } from './elementwise.js';
import { abs, eq, sigmoid } from './pointwise.js';
import { scatterAdd } from './indexing.js';
import { logSoftmax } from './softmax.js';
import { sum } from './reduce.js';
import { expand, reshape, unsqueeze } from './view.js';

/** How a loss reduces its elements: their mean, their sum, or none (one value per element). */
export type Reduction = 'mean' | 'sum' | 'none';

function checkReduction(r: unknown, op: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none')
    throw new Error(`${op}: reduction=${String(r)} is invalid; expected 'mean', 'sum' or 'none'`);
  return r;
}

function checkWeight(weight: Tensor | null | undefined, C: number, input: Tensor, op: string): Tensor | null {
  if (weight === null || weight === undefined) return null;
  checkTensor(weight, 'weight', op);
  if (weight.ndim !== 1 || weight.shape[0] !== C) {
    throw new Error(`${op}: weight of shape ${formatShape(weight.shape)} must have shape [${C}] (one value per class)`);
  }
  if (weight.dtype !== input.dtype)
    throw new Error(`${op}: weight has dtype ${weight.dtype} but input has dtype ${input.dtype}; expected the same dtype`);
  return weight;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions {
  /** A weight per class (null or left out: all 1); 'mean' divides by the weights' sum. */
  weight?: Tensor | null;
  /** 'mean' (default), 'sum' or 'none' (one loss per sample). */
  reduction?: Reduction;
  /** Targets of this class count for nothing (default −100). */
  ignoreIndex?: number;
}

/** Checks (input, target) as nll_loss does and returns the class dimension. */
function checkClassTarget(input: Tensor, target: Tensor, op: string): void {
  if (target.dtype !== 'int64') {
    throw new Error(
      `${op}: target has dtype ${target.dtype}; expected int64 class indices (or, for crossEntropy, probabilities of input's shape)`,
    );
  }
  if (input.ndim === 0) throw new Error(`${op}: input must have at least 1 dimension (C) or 2 (N, C, …)`);
  const want = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (!sameShape(target.shape, want)) {
    throw new Error(
      `${op}: target of shape ${formatShape(target.shape)} does not match input of shape ${formatShape(input.shape)}; expected ${formatShape(want)}`,
    );
  }
}

/** The negative log-likelihood of the target classes: −w[t]·input[t] per element, reduced. */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = 'nllLoss';
  checkOptionKeys(options, LOSS_OPTION_KEYS.nllLoss, op);
  checkTensor(input, 'input', op);
  checkTensor(target, 'target', op);
  if (!isFloating(input.dtype)) throw new Error(`${op}: input has dtype ${input.dtype}; expected float32 or float64 log-probabilities`);
  checkClassTarget(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const ignoreIndex = checkIgnoreIndex(options.ignoreIndex, op);
  const batched = input.ndim > 1;
  const C = batched ? input.shape[1] : input.shape[0];
  const weight = checkWeight(options.weight, C, input, op);
  // Work on (N, C, inner) with the target as (N, inner).
  const N = batched ? input.shape[0] : 1;
  const inner = target.numel / Math.max(N, 1);
  const coef = empty(input.dtype, target.shape); // −w[t], 0 where ignored
  const at = empty('int64', target.shape); // t, 0 where ignored
  let total = 0;
  const [td, cd, ad, xd] = [target.storage, coef.storage, at.storage, input.storage];
  const wd = weight === null ? null : weight.storage;
  for (let i = 0; i < td.length; i++) {
    const t = td[i];
    if (t === ignoreIndex) continue;
    if (!(t >= 0 && t < C))
      throw new Error(`${op}: target ${t} is out of bounds; expected class indices in [0, ${C - 1}] or ignoreIndex=${ignoreIndex}`);
    const w = wd === null ? 1 : wd[t];
    cd[i] = -w;
    ad[i] = t;
    total += w;
  }
  const perElement = empty(input.dtype, target.shape);
  const pd = perElement.storage;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < inner; i++) {
      const k = n * inner + i;
      pd[k] = cd[k] === 0 ? 0 : cd[k] * xd[(n * C + ad[k]) * inner + i];
    }
  }
  let y: Tensor;
  if (reduction === 'none') y = perElement;
  else {
    let s = 0;
    const values = perElement.storage;
    for (let k = 0; k < values.length; k++) s += values[k];
    y = scalarTensor(reduction === 'mean' ? s / total : s, input.dtype);
  }
  const classDim = batched ? 1 : 0;
  return record(y, 'NllLossBackward0', [input], (dy) => {
    // Every target ignored (total weight 0): the loss is 0/0 = NaN, but no element took part, so the
    // gradient is zero (PyTorch's nll_loss_backward returns its zeroed grad_input), not NaN.
    const scale = reduction === 'mean' && total !== 0 ? div(coef, total) : coef;
    const g = mul(reduction === 'none' ? dy : expand(dy, target.shape), scale);
    return [scatterAdd(empty(dy.dtype, input.shape), classDim, unsqueeze(at, classDim), unsqueeze(g, classDim))];
  });
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution by this much, in [0, 1] (default 0). */
  labelSmoothing?: number;
}

/** The option names of each loss (its module refuses any other at construction, the function at the call). */
export const LOSS_OPTION_KEYS = {
  nllLoss: ['weight', 'reduction', 'ignoreIndex'],
  crossEntropy: ['weight', 'reduction', 'ignoreIndex', 'labelSmoothing'],
  mseLoss: ['reduction'],
  binaryCrossEntropyWithLogits: ['weight', 'reduction', 'posWeight'],
} as const satisfies Record<string, readonly string[]>;

/** ignoreIndex: an integer class index (−100 by default, as PyTorch). */
function checkIgnoreIndex(v: unknown, op: string): number {
  if (v === undefined) return -100;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new Error(`${op}: ignoreIndex=${JSON.stringify(v) ?? String(v)} must be an integer`);
  return v;
}

/**
 * logSoftmax over the classes (dim 1, or 0 for unbatched input) then nllLoss; or, for a floating target
 * of input's shape, −Σ target·logSoftmax. With labelSmoothing ε the target mixes (1−ε) of itself with a
 * uniform ε/C, as PyTorch's cross_entropy.
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  checkOptionKeys(options, LOSS_OPTION_KEYS.crossEntropy, op);
  checkIgnoreIndex(options.ignoreIndex, op);
  checkTensor(input, 'input', op);
  checkTensor(target, 'target', op);
  if (!isFloating(input.dtype)) throw new Error(`${op}: input has dtype ${input.dtype}; expected float32 or float64 logits`);
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps <= 1)) throw new Error(`${op}: labelSmoothing=${String(eps)} must be between 0 and 1`);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  if (input.ndim === 0) throw new Error(`${op}: input must have at least 1 dimension (C) or 2 (N, C, …)`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  const weight = checkWeight(options.weight, C, input, op);
  const logp = logSoftmax(input, classDim);
  const weightView =
    weight === null
      ? null
      : reshape(
          weight,
          input.shape.map((s, i) => (i === classDim ? s : 1)),
        );
  if (isFloating(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      throw new Error(
        `${op}: a floating target holds class probabilities and must have input's shape ${formatShape(input.shape)}; got ${formatShape(target.shape)} (use int64 class indices otherwise)`,
      );
    }
    if (target.dtype !== input.dtype)
      throw new Error(`${op}: target has dtype ${target.dtype} but input has dtype ${input.dtype}; expected the same dtype`);
    const t = eps > 0 ? add(mul(target, 1 - eps), eps / C) : target;
    const weighted = weightView === null ? mul(logp, t) : mul(mul(logp, t), weightView);
    const loss = neg(sum(weighted, classDim));
    if (reduction === 'none') return loss;
    if (reduction === 'sum') return sum(loss);
    return div(sum(loss), input.numel / C);
  }
  const nll = nllLoss(logp, target, { weight, reduction, ignoreIndex: options.ignoreIndex });
  if (eps === 0) return nll;
  const ignoreIndex = options.ignoreIndex ?? -100;
  const ignored = eq(target, ignoreIndex);
  const smooth0 = neg(sum(weightView === null ? logp : mul(logp, weightView), classDim));
  const smooth = where(ignored, scalarTensor(0, input.dtype), smooth0);
  let reduced: Tensor;
  if (reduction === 'none') reduced = smooth;
  else if (reduction === 'sum') reduced = sum(smooth);
  else {
    let denom = 0;
    const [td, wd] = [target.storage, weight === null ? null : weight.storage];
    for (let i = 0; i < td.length; i++) if (td[i] !== ignoreIndex) denom += wd === null ? 1 : wd[td[i]];
    reduced = div(sum(smooth), denom);
  }
  return add(mul(nll, 1 - eps), mul(reduced, eps / C));
}

/** Reduces a per-element loss: mean over all elements, sum, or none. */
function reduce(perElement: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return perElement;
  let s = 0;
  const values = perElement.storage;
  for (let i = 0; i < values.length; i++) s += values[i];
  return scalarTensor(reduction === 'mean' ? s / perElement.numel : s, perElement.dtype);
}

/** dy broadcast back over the elements, divided by their count for 'mean'. */
function spread(dy: Tensor, shape: readonly number[], reduction: Reduction): Tensor {
  if (reduction === 'none') return dy;
  const g = expand(dy, shape);
  return reduction === 'mean'
    ? div(
        g,
        shape.reduce((a, b) => a * b, 1),
      )
    : g;
}

function checkPair(input: Tensor, target: Tensor, op: string): void {
  checkTensor(input, 'input', op);
  checkTensor(target, 'target', op);
  if (!isFloating(input.dtype)) throw new Error(`${op}: input has dtype ${input.dtype}; expected float32 or float64`);
  if (target.dtype !== input.dtype)
    throw new Error(`${op}: target has dtype ${target.dtype} but input has dtype ${input.dtype}; expected the same dtype`);
  if (!sameShape(input.shape, target.shape)) {
    throw new Error(`${op}: target of shape ${formatShape(target.shape)} must have input's shape ${formatShape(input.shape)}`);
  }
}

/** (input − target)², reduced. */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkOptionKeys(options, LOSS_OPTION_KEYS.mseLoss, 'mseLoss');
  checkPair(input, target, 'mseLoss');
  const reduction = checkReduction(options.reduction ?? 'mean', 'mseLoss');
  const sq = empty(input.dtype, input.shape);
  const [xd, td, sd] = [input.storage, target.storage, sq.storage];
  for (let i = 0; i < sd.length; i++) {
    const d = xd[i] - td[i];
    sd[i] = d * d;
  }
  const y = reduce(sq, reduction);
  return record(
    y,
    'MseLossBackward0',
    [input, target],
    (dy, needs) => {
      const g = mul(mul(sub(input, target), 2), spread(dy, input.shape, reduction));
      return [needs[0] ? g : null, needs[1] ? neg(g) : null];
    },
    [input, target],
  );
}

/** Options of {@link binaryCrossEntropyWithLogits}. */
export interface BceWithLogitsOptions {
  /** A weight per element, broadcast to the input (null or left out: 1). */
  weight?: Tensor | null;
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
  /** A weight for the positive term per class, broadcast along the last dimension (null or left out: 1). */
  posWeight?: Tensor | null;
}

/** −[p·t·log σ(x) + (1 − t)·log(1 − σ(x))]·w, computed stably from the logits x. */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BceWithLogitsOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  checkOptionKeys(options, LOSS_OPTION_KEYS.binaryCrossEntropyWithLogits, op);
  checkPair(input, target, op);
  const reduction = checkReduction(options.reduction ?? 'mean', op);
  const weight = options.weight ?? null;
  const posWeight = options.posWeight ?? null;
  for (const [arg, t] of [
    ['weight', weight],
    ['posWeight', posWeight],
  ] as const) {
    if (t === null) continue;
    checkTensor(t, arg, op);
    if (t.dtype !== input.dtype)
      throw new Error(`${op}: ${arg} has dtype ${t.dtype} but input has dtype ${input.dtype}; expected the same dtype`);
  }
  // softplus(−x) = max(−x, 0) + log(1 + e^(−|x|)), as differentiable ops.
  const softplusNeg = (x: Tensor): Tensor => add(relu(neg(x)), log(add(exp(neg(abs(x))), 1)));
  const logWeight = (t: Tensor): Tensor | null => (posWeight === null ? null : add(mul(sub(posWeight, 1), t), 1));
  const perElement = (x: Tensor, t: Tensor): Tensor => {
    const lw = logWeight(t);
    const sp = softplusNeg(x);
    let loss = add(mul(add(neg(t), 1), x), lw === null ? sp : mul(lw, sp));
    if (weight !== null) loss = mul(loss, weight);
    return loss;
  };
  const values = perElement(input.detach(), target.detach());
  if (!sameShape(values.shape, input.shape)) {
    throw new Error(
      `${op}: weight or posWeight broadcast the loss to shape ${formatShape(values.shape)}; expected input's shape ${formatShape(input.shape)}`,
    );
  }
  const y = reduce(values, reduction);
  return record(
    y,
    'BinaryCrossEntropyWithLogitsBackward0',
    [input, target],
    (dy, needs) => {
      const g = spread(dy, input.shape, reduction);
      const w = (t: Tensor): Tensor => (weight === null ? t : mul(t, weight));
      let dx: Tensor | null = null;
      let dt: Tensor | null = null;
      if (needs[0]) {
        // (pw·t + 1 − t)·σ(x) − pw·t, or σ(x) − t without posWeight.
        const d =
          posWeight === null
            ? sub(sigmoid(input), target)
            : sub(mul(add(sub(mul(posWeight, target), target), 1), sigmoid(input)), mul(posWeight, target));
        dx = mul(w(d), g);
      }
      if (needs[1]) {
        // ∂/∂t = −x + (pw − 1)·softplus(−x)
        const d = posWeight === null ? neg(input) : add(neg(input), mul(sub(posWeight, 1), softplusNeg(input)));
        dt = mul(w(d), g);
      }
      return [dx, dt];
    },
    [input, target],
  );
}
