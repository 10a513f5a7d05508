// The wasm backend's one registration: every kernel it implements. The kernels declared in
// assembly/boundary.json come generated; the convolutions and matmul plan their jobs by hand (conv.ts).
import type { Storage } from '../../tensor/tensor.js';
import type { ConvGeometry } from '../../tensor/conv_params.js';
import { registerResidentStore } from '../../tensor/resident.js';
import { addBiasPerChannel } from '../reference/conv.js';
import { registerBackend } from '../registry.js';
import * as conv from './conv.js';
import { convForward64, convGradInput64, convGradWeight64, matmul64 } from './conv64.js';
import { residentAt, wasmHeap } from './heap.js';
import { bufferType, callKernel } from './call.js';
import { generatedKernels } from './kernels.generated.js';
import { splitKernels } from './split.js';
import { wasmUnavailableReason } from './runtime.js';

/** float64 with a bias: the convolution in one call, then the bias (in wasm, or in JS should that call decline). */
function convForwardBias64(x: Storage, w: Storage, b: Storage, y: Storage, g: ConvGeometry): boolean {
  if (!convForward64(x, w, y, g)) return false;
  const scalars = { outer: g.batch, channels: g.yChannels, inner: y.length / Math.max(g.batch * g.yChannels, 1) };
  if (!generatedKernels.addBias(y, b, scalars)) addBiasPerChannel(y, b, g);
  return true;
}

registerBackend('wasm', {
  unavailableReason: wasmUnavailableReason,
  kernels: {
    ...generatedKernels,
    // On several threads where the work is large enough (split.ts), else one call each.
    relu: (x, y) => splitKernels.relu(x, y) || generatedKernels.relu(x, y),
    reluGrad: (dy, y, dx) => splitKernels.reluGrad(dy, y, dx) || generatedKernels.reluGrad(dy, y, dx),
    maxPool2d: (x, y, idx, s) => splitKernels.maxPool2d(x, y, idx, s) || generatedKernels.maxPool2d(x, y, idx, s),
    maxPoolScatter: (dy, idx, dx, s) => splitKernels.maxPoolScatter(dy, idx, dx, s) || generatedKernels.maxPoolScatter(dy, idx, dx, s),
    batchNormTrainForward: (...a) => splitKernels.batchNormTrainForward(...a) || generatedKernels.batchNormTrainForward(...a),
    batchNormApply: (...a) => splitKernels.batchNormApply(...a) || generatedKernels.batchNormApply(...a),
    batchNormBackward: (...a) => splitKernels.batchNormBackward(...a) || generatedKernels.batchNormBackward(...a),
    // A sum whose innermost runs are summed whole is one chain of dependent additions, no faster in wasm
    // than in JavaScript: there only a resident input (no copy in) is worth the call.
    sumDims: (x, acc, s) => (s.sy3 !== 0 || residentAt(x) >= 0) && generatedKernels.sumDims(x, acc, s),
    // float32 through the planned jobs (conv.ts), float64 through conv64.ts (jobs by images or output channels).
    convForward: (x, w, y, g) => conv.convForward(x, w, y, g) || convForward64(x, w, y, g),
    convForwardBias: (x, w, b, y, g) => conv.convForwardBias(x, w, b, y, g) || convForwardBias64(x, w, b, y, g),
    convGradInput: (dy, w, dx, g) => conv.convGradInput(dy, w, dx, g) || convGradInput64(dy, w, dx, g),
    convGradWeight: (x, dy, dw, g) => conv.convGradWeight(x, dy, dw, g) || convGradWeight64(x, dy, dw, g),
    // c = A·B at the given offsets, each operand as stored or transposed (see the matmul kernel's signature).
    matmul: (a, aAt, b, bAt, c, cAt, M, K, N, transA, transB) => {
      if (a instanceof Float64Array) return matmul64(a, aAt, b, bAt, c, cAt, M, K, N, transA, transB);
      if (!(a instanceof Float32Array) || !(b instanceof Float32Array) || !(c instanceof Float32Array)) return false;
      return conv.matmul(a.subarray(aAt, aAt + M * K), b.subarray(bAt, bAt + K * N), c.subarray(cAt, cAt + M * N), M, K, N, {
        transA,
        transB,
      });
    },
    // One call, with the maxima and sums of one outer slice as scratch (assembly/softmax.ts).
    softmax: (x, y, outer, n, inner, log) => {
      const t = bufferType(x);
      return callKernel(
        [
          [x, t, 'in'],
          [y, t, 'out'],
          [inner * 16, 'f64', 'scratch'],
        ],
        (k, [xAt, yAt, scratchAt]) => (t === 'f64' ? k.softmaxRows_f64 : k.softmaxRows)(xAt, yAt, scratchAt, outer, n, inner, log ? 1 : 0),
      );
    },
    // One call, with the sums of one outer slice as scratch (assembly/softmax.ts).
    softmaxBackward: (dy, y, dx, outer, n, inner, log) => {
      const t = bufferType(dy);
      return callKernel(
        [
          [dy, t, 'in'],
          [y, t, 'in'],
          [dx, t, 'out'],
          [inner * 8, 'f64', 'scratch'],
        ],
        (k, [dyAt, yAt, dxAt, scratchAt]) =>
          (t === 'f64' ? k.softmaxBackwardRows_f64 : k.softmaxBackwardRows)(dyAt, yAt, dxAt, scratchAt, outer, n, inner, log ? 1 : 0),
      );
    },
  },
});

// Tensors a backward pass keeps in the kernels' memory between calls (tensor/resident.ts).
registerResidentStore(wasmHeap);
