// Which kernels the ops call. One backend for now ('reference', the textbook loops); fast backends
// register here and are tested against it.
import type { Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import * as reference from './reference/conv.js';

export interface ConvKernels {
  convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void;
  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
}

export type BackendName = 'reference';

const backends: Record<BackendName, ConvKernels> = { reference };
let current: BackendName = 'reference';

export function getBackend(): BackendName {
  return current;
}

export function setBackend(name: BackendName): void {
  if (!(name in backends)) {
    throw new Error(`setBackend: backend=${JSON.stringify(name)} is not available; expected one of ${Object.keys(backends).join(', ')}`);
  }
  current = name;
}

export function convKernels(): ConvKernels {
  return backends[current];
}
