// torch.nn.utils: clipping gradients in place, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_
// (1.13): the norm of every gradient's norm, then one scale factor min(1, maxNorm/(norm + 1e-6)).
import { Tensor } from '../tensor/tensor.js';
import { scalarTensor } from '../ops/util.js';

function gradsOf(parameters: Iterable<Tensor> | Tensor, op: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : parameters !== null && typeof parameters === 'object' ? [...parameters] : null;
  if (list === null) throw new Error(`${op}: parameters must be a Tensor or an iterable of Tensors`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: parameters[${i}] is not a Tensor`);
  });
  return list.filter((p) => p.grad !== null).map((p) => p.grad!);
}

/** The p-norm of values (p = Infinity: the largest magnitude), in double. */
function norm(values: ArrayLike<number>, p: number): number {
  if (p === Infinity) {
    let m = 0;
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
    return m;
  }
  let s = 0;
  if (p === 2) {
    for (let i = 0; i < values.length; i++) s += values[i] * values[i];
    return Math.sqrt(s);
  }
  for (let i = 0; i < values.length; i++) s += Math.abs(values[i]) ** p;
  return p === 1 ? s : s ** (1 / p);
}

/**
 * Scales every gradient in place so that their total p-norm is at most maxNorm; returns the total norm
 * (before clipping) as a 0-d tensor of the gradients' dtype. Each norm is rounded to that dtype as
 * PyTorch's tensors are. With errorIfNonfinite, a NaN or infinite total norm throws before any change.
 */
export function clipGradNorm_(parameters: Iterable<Tensor> | Tensor, maxNorm: number, normType = 2, errorIfNonfinite = false): Tensor {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new Error(`${op}: maxNorm=${String(maxNorm)} must be a number`);
  if (typeof normType !== 'number' || !(normType > 0))
    throw new Error(`${op}: normType=${String(normType)} must be a positive number or Infinity`);
  if (typeof errorIfNonfinite !== 'boolean') throw new Error(`${op}: errorIfNonfinite=${String(errorIfNonfinite)} must be a boolean`);
  const grads = gradsOf(parameters, op);
  if (grads.length === 0) return scalarTensor(0, 'float32');
  const dtype = grads[0].dtype;
  const round = dtype === 'float32' ? Math.fround : (v: number): number => v;
  const norms = grads.map((g) => round(norm(g.storage, normType)));
  const total = round(norm(norms, normType));
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `${op}: the total norm of order ${normType} of the gradients is ${total}, so they cannot be clipped; ` +
        'pass errorIfNonfinite=false to clip anyway',
    );
  }
  // As the tensor arithmetic runs: (total + 1e-6) and maxNorm / that, each in the gradients' dtype.
  const coef = Math.min(round(round(maxNorm) / round(total + round(1e-6))), 1);
  for (const g of grads) {
    const gd = g.storage;
    for (let i = 0; i < gd.length; i++) gd[i] = round(gd[i] * coef);
  }
  return scalarTensor(total, dtype);
}

/** Clamps every gradient in place to [−clipValue, clipValue]. */
export function clipGradValue_(parameters: Iterable<Tensor> | Tensor, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) throw new Error(`${op}: clipValue=${String(clipValue)} must be a number ≥ 0`);
  for (const g of gradsOf(parameters, op)) {
    const gd = g.storage;
    for (let i = 0; i < gd.length; i++) {
      const v = gd[i];
      gd[i] = v > clipValue ? clipValue : Math.max(v, -clipValue); // NaN stays NaN, as clamp_
    }
  }
}
