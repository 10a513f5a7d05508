// cat and stack: tensors joined along a dimension; the gradient of each input is its slice of dy.
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, normalizeDim } from '../tensor/shape.js';
import { record } from '../autograd/node.js';
import { checkTensor, empty, promote } from './util.js';
import { splitAt } from './indexing.js';
import { slice, to, unsqueeze } from './view.js';

function checkList(tensors: unknown, op: string): readonly Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: tensors must be a non-empty array of Tensors`);
  tensors.forEach((t, i) => checkTensor(t, `tensors[${i}]`, op));
  return tensors as readonly Tensor[];
}

/** The tensors joined along an existing dimension (all other sizes equal), like torch.cat. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList(tensors, 'cat');
  // PyTorch skips 1-d empty tensors (legacy behaviour) when joining.
  const parts = list.filter((t) => !(t.ndim === 1 && t.numel === 0));
  const first = parts[0] ?? list[0];
  if (first.ndim === 0) throw new Error('cat: zero-dimensional tensor cannot be concatenated; expected tensors of at least 1 dimension');
  const d = normalizeDim(dim, first.ndim, 'cat');
  const dtype = parts.reduce((acc: Tensor, t) => (promote(acc, t) === t.dtype ? t : acc), first).dtype;
  parts.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new Error(
        `cat: tensors[${i}] of shape ${formatShape(t.shape)} does not match ${formatShape(first.shape)} outside dimension ${d}; ` +
          'expected equal sizes in every other dimension',
      );
    }
  });
  const total = parts.reduce((n, t) => n + t.shape[d], 0);
  const shape = first.shape.map((s, k) => (k === d ? total : s));
  const y = empty(dtype, shape);
  const { outer, inner } = splitAt(shape, d);
  let at = 0;
  for (const t of parts) {
    const len = t.shape[d] * inner;
    for (let o = 0; o < outer; o++) y.storage.set(t.storage.subarray(o * len, (o + 1) * len), o * total * inner + at * inner);
    at += t.shape[d];
  }
  const starts: number[] = [];
  let s = 0;
  for (const t of list) {
    starts.push(s);
    if (!(t.ndim === 1 && t.numel === 0)) s += t.shape[d];
  }
  return record(y, 'CatBackward0', list, (dy, needs) =>
    list.map((t, i) => {
      if (!needs[i]) return null;
      if (t.ndim === 1 && t.numel === 0) return empty(t.dtype, t.shape);
      const g = slice(dy, d, starts[i], starts[i] + t.shape[d]);
      return g.dtype === t.dtype ? g : to(g, t.dtype);
    }),
  );
}

/** The tensors (all of one shape) joined along a new dimension, like torch.stack. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const list = checkList(tensors, 'stack');
  const d = normalizeDim(dim, list[0].ndim + 1, 'stack');
  list.forEach((t, i) => {
    if (t.ndim !== list[0].ndim || t.shape.some((n, k) => n !== list[0].shape[k])) {
      throw new Error(
        `stack: tensors[${i}] has shape ${formatShape(t.shape)}; expected every tensor to have shape ${formatShape(list[0].shape)}`,
      );
    }
  });
  const y = cat(
    list.map((t) => unsqueeze(t.detach(), d)),
    d,
  );
  return record(y, 'StackBackward0', list, (dy, needs) => list.map((_, i) => (needs[i] ? dy.select(d, i) : null)));
}
