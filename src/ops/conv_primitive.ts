// The convolution primitive as three linear maps sharing one geometry (x-space → y-space):
//   convForward     y  = A(w)·x (+ b)              (a regular conv)
//   convGradInput   dx = A(w)ᵀ·dy (+ b)            (the transposed conv)
//   convGradWeight  dw = ∂⟨dy, A(w)·x⟩/∂w          (the correlation of x with dy)
// Each map's gradient is one of the others, so the conv gradients are convolutions and double
// backward comes free:
//   ⟨dy, A(w)x⟩ = ⟨A(w)ᵀdy, x⟩ = ⟨gradWeight(x, dy), w⟩.
import type { Tensor, Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import { record } from '../autograd/node.js';
import { convForwardBiasKernel, convForwardKernel, convGradInputKernel, convGradWeightKernel, defineKernel } from '../kernels/index.js';
import type { AddBiasScalars } from '../kernels/signatures.js';
import { addBiasRows } from '../kernels/reference/conv.js';
import { emptyUnzeroed } from './util.js';
import { sum } from './reduce.js';

export const CONV_NODE = 'ConvolutionBackward0';
export const CONV_BACKWARD_NODE = 'ConvolutionBackwardBackward0';

const spatialDims = (g: ConvGeometry): number[] => g.kSize.map((_, i) => i + 2);

/** y[p, c, i] += b[c] for p < outer, c < channels, i < inner. */
function referenceAddBias(y: Storage, b: Storage, { outer, channels, inner }: AddBiasScalars): void {
  addBiasRows(y, b, outer, channels, inner);
}

export const addBiasKernel = defineKernel('addBias', referenceAddBias);

/** y[n, o, …] += b[o] */
function addBias(y: Tensor, b: Tensor): void {
  const channels = y.shape[1];
  addBiasKernel.impl(y.storage, b.storage, { outer: y.shape[0], channels, inner: y.numel / Math.max(y.shape[0] * channels, 1) });
}

/** db[o] = Σ_{n, i} dy[n, o, i] */
function biasGrad(dy: Tensor, g: ConvGeometry): Tensor {
  return sum(dy, [0, ...spatialDims(g)]);
}

/** y = conv(x, w) + b, x of shape (N, Cx, …xSize), w (Cy, Cx/G, …k), y (N, Cy, …ySize). */
export function convForward(x: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, name: string = CONV_NODE): Tensor {
  const y = emptyUnzeroed(x.dtype, [g.batch, g.yChannels, ...g.ySize], 'kernel', 'conv', [x, w, b]);
  // With a bias, one kernel call adds it while y is still in the kernel's memory.
  if (b === null) convForwardKernel.impl(x.storage, w.storage, y.storage, g);
  else convForwardBiasKernel.impl(x.storage, w.storage, b.storage, y.storage, g);
  return record(
    y,
    name,
    [x, w, b],
    (dy, needs) => [
      needs[0] ? convGradInput(dy, w, null, g, CONV_BACKWARD_NODE) : null,
      needs[1] ? convGradWeight(x, dy, g, CONV_BACKWARD_NODE) : null,
      needs[2] ? biasGrad(dy, g) : null,
    ],
    [x, w],
  );
}

/** dx = A(w)ᵀ·dy (+ b over x's channels): dy (N, Cy, …ySize) → (N, Cx, …xSize). */
export function convGradInput(dy: Tensor, w: Tensor, b: Tensor | null, g: ConvGeometry, name: string = CONV_NODE): Tensor {
  const dx = emptyUnzeroed(dy.dtype, [g.batch, g.xChannels, ...g.xSize], 'kernel', 'convTranspose', [dy, w, b]);
  convGradInputKernel.impl(dy.storage, w.storage, dx.storage, g);
  if (b !== null) addBias(dx, b);
  return record(
    dx,
    name,
    [dy, w, b],
    (u, needs) => [
      needs[0] ? convForward(u, w, null, g, CONV_BACKWARD_NODE) : null,
      needs[1] ? convGradWeight(u, dy, g, CONV_BACKWARD_NODE) : null,
      needs[2] ? sum(u, [0, ...spatialDims(g)]) : null,
    ],
    [dy, w],
  );
}

/** dw[o, c, κ] = Σ_n Σ_i dy[n, o, i] · x[n, g·Cx/G + c, tap(i, κ)], of shape (Cy, Cx/G, …k). */
export function convGradWeight(x: Tensor, dy: Tensor, g: ConvGeometry, name: string = CONV_BACKWARD_NODE): Tensor {
  const dw = emptyUnzeroed(x.dtype, [g.yChannels, g.xChannels / g.groups, ...g.kSize], 'kernel');
  convGradWeightKernel.impl(x.storage, dy.storage, dw.storage, g);
  return record(
    dw,
    name,
    [x, dy],
    (v, needs) => [
      needs[0] ? convGradInput(dy, v, null, g, CONV_BACKWARD_NODE) : null,
      needs[1] ? convForward(x, v, null, g, CONV_BACKWARD_NODE) : null,
    ],
    [x, dy],
  );
}
