// The conv kernels, registered like every other kernel: 'wasm' (WebAssembly SIMD with threads,
// float32; the default where the engine has SIMD) or 'reference' (the textbook loops, the oracle).
// The wasm kernels hand float64 and tiny convolutions to the reference kernels themselves.
import type { Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import * as reference from './reference/conv.js';
import * as wasm from './wasm/conv.js';
import { getNumThreads, wasmRuntime, wasmThreadsUnavailableReason, wasmUnavailableReason, workerCount } from './wasm/runtime.js';
import { defineKernel, getBackend, type BackendName } from './registry.js';

export { getBackend, setBackend, defineKernel, kernelInventory, type BackendName, type Kernel } from './registry.js';

export interface ConvKernels {
  convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void;
  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
}

export const convKernel = defineKernel<ConvKernels>('conv', { reference, wasm });

export function convKernels(): ConvKernels {
  return convKernel.impl;
}

export interface BackendInfo {
  backend: BackendName;
  /** Whether the wasm kernels can run here, and if not, why. */
  wasm: { available: boolean; reason: string; features: 'relaxed-simd' | 'simd' | null; threads: number; workers: number; threadsReason: string };
}

/** What runs the convolutions here: the backend, the wasm features and threads, and why any is missing. */
export function backendInfo(): BackendInfo {
  const rt = wasmRuntime();
  return {
    backend: getBackend(),
    wasm: {
      available: rt !== null,
      reason: wasmUnavailableReason(),
      features: rt?.features ?? null,
      threads: rt === null ? 0 : getNumThreads(),
      /** Pool workers running now: started on demand, ended when setNumThreads lowers the count. */
      workers: workerCount(),
      threadsReason: wasmThreadsUnavailableReason(),
    },
  };
}
