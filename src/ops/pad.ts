// F.pad, as torch.nn.functional.pad: pads = [last-dim before, last-dim after, previous dim before, …].
// Every mode is a gather, so the gradient is the matching scatter-add, and the scatter's gradient
// is the gather again: gradients of padded cells flow back to the cells they copy.
import type { Tensor } from '../tensor/tensor.js';
import { record } from '../autograd/node.js';
import { padGather, padPlan, padScatter, type PadMode, type PadPlan } from '../kernels/reference/pad.js';
import { checkTensor, empty } from './util.js';
import { checkSize } from '../tensor/shape.js';

export type { PadMode };

function nodeName(mode: PadMode, spatial: number): string {
  switch (mode) {
    case 'constant':
      return 'ConstantPadNdBackward0';
    case 'reflect':
      return `ReflectionPad${spatial}DBackward0`;
    case 'replicate':
      return `ReplicationPad${spatial}DBackward0`;
    case 'circular':
      return 'CopySlices';
  }
}

function gather(x: Tensor, plan: PadPlan, value: number, name: string): Tensor {
  const y = empty(x.dtype, plan.outShape, 'pad');
  padGather(x.storage, plan, value, y.storage);
  return record(y, name, [x], (dy) => [scatter(dy, plan, name)]);
}

function scatter(dy: Tensor, plan: PadPlan, name: string): Tensor {
  const dx = empty(dy.dtype, plan.shape);
  padScatter(dy.storage, plan, dx.storage);
  // PyTorch's constant-pad gradient is a constant pad (a crop); the others have a *BackwardBackward0 node.
  const back = name === 'ConstantPadNdBackward0' ? name : name.replace(/(Backward0)?$/, 'BackwardBackward0');
  return record(dx, back, [dy], (u) => [gather(u, plan, 0, name)]);
}

/**
 * Pads the last pads.length/2 dimensions of x.
 * @example pad(x, [1, 1, 2, 0], 'reflect') // width by 1 on both sides, height by 2 on top
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = 'constant', value?: number): Tensor {
  checkTensor(x, 'input', 'pad');
  if (!Array.isArray(pads) || pads.some((p) => typeof p !== 'number' || !Number.isInteger(p))) {
    throw new Error(`pad: pad=${JSON.stringify(pads)} must be an array of integers`);
  }
  if (pads.length % 2 !== 0)
    throw new Error(`pad: pad=[${pads.join(', ')}] has length ${pads.length}; expected an even length (before/after pairs)`);
  const padded = pads.length / 2;
  if (padded > x.ndim) {
    throw new Error(`pad: pad=[${pads.join(', ')}] pads ${padded} dimensions but the input has only ${x.ndim}`);
  }
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'replicate' && mode !== 'circular') {
    throw new Error(`pad: mode=${JSON.stringify(mode)} is not supported; expected 'constant', 'reflect', 'replicate' or 'circular'`);
  }
  if (mode !== 'constant') {
    if (value !== undefined && value !== 0)
      throw new Error(`pad: mode='${mode}' does not take value=${value}; only 'constant' padding has a fill value`);
    if (padded < 1 || padded > 3 || x.ndim < padded + 1 || x.ndim > padded + 2) {
      throw new Error(
        `pad: mode='${mode}' with pad of length ${pads.length} needs a ${padded + 1}-d or ${padded + 2}-d input (unbatched or batched), ` +
          `got an input of shape [${x.shape.join(', ')}]`,
      );
    }
  }
  const lo = x.shape.map(() => 0);
  const hi = x.shape.map(() => 0);
  for (let i = 0; i < padded; i++) {
    const d = x.ndim - 1 - i;
    lo[d] = pads[2 * i];
    hi[d] = pads[2 * i + 1];
    const L = x.shape[d];
    if (mode === 'reflect' && (lo[d] >= L || hi[d] >= L)) {
      throw new Error(
        `pad: reflect padding (${lo[d]}, ${hi[d]}) at dimension ${d} of input [${x.shape.join(', ')}] must be less than that dimension's size ${L}`,
      );
    }
    if (mode === 'circular' && (lo[d] > L || hi[d] > L)) {
      throw new Error(
        `pad: circular padding (${lo[d]}, ${hi[d]}) at dimension ${d} of size ${L} wraps around more than once; expected at most ${L}`,
      );
    }
    if (mode === 'replicate' && L === 0) throw new Error(`pad: replicate padding needs dimension ${d} to be non-empty`);
    if (L + lo[d] + hi[d] < 0 || (mode !== 'constant' && L + Math.min(lo[d], 0) + Math.min(hi[d], 0) <= 0)) {
      throw new Error(`pad: padding (${lo[d]}, ${hi[d]}) of dimension ${d} with size ${L} leaves a negative or empty size`);
    }
  }
  checkSize(
    x.shape.map((L, d) => L + lo[d] + hi[d]),
    'pad',
  );
  return gather(x, padPlan(x.shape, lo, hi, mode), value ?? 0, nodeName(mode, padded));
}
