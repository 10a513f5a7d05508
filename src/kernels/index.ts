// The kernels: the registry, the backends (each registers itself from its folder's register.ts), and
// what runs here. A new backend is one folder plus its register.ts, imported below.
import type { Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import * as reference from './reference/conv.js';
import './wasm/register.js';
import { getNumThreads, wasmRuntime, wasmThreadsUnavailableReason, wasmUnavailableReason, workerCount } from './wasm/runtime.js';
import { defineKernel, getBackend, type BackendName } from './registry.js';

export {
  getBackend,
  setBackend,
  defineKernel,
  kernelInventory,
  getKernel,
  registerBackend,
  type BackendName,
  type Kernel,
} from './registry.js';

export interface ConvKernels {
  convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void;
  convForwardBias(x: Storage, w: Storage, b: Storage, y: Storage, g: ConvGeometry): void;
  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
}

export const convForwardKernel = defineKernel('convForward', reference.convForward);
export const convForwardBiasKernel = defineKernel('convForwardBias', reference.convForwardBias);
export const convGradInputKernel = defineKernel('convGradInput', reference.convGradInput);
export const convGradWeightKernel = defineKernel('convGradWeight', reference.convGradWeight);

/** The three conv passes of one backend (the current one by default), each falling back to reference. */
export function convKernels(backend: BackendName = getBackend()): ConvKernels {
  return {
    convForward: convForwardKernel.on(backend) ?? reference.convForward,
    convForwardBias: convForwardBiasKernel.on(backend) ?? reference.convForwardBias,
    convGradInput: convGradInputKernel.on(backend) ?? reference.convGradInput,
    convGradWeight: convGradWeightKernel.on(backend) ?? reference.convGradWeight,
  };
}

/** What {@link backendInfo} reports: the backend in use, the threads and the SIMD features. */
export interface BackendInfo {
  /** The backend kernels run on now ('wasm' or 'reference'). */
  backend: BackendName;
  /** Whether the wasm kernels can run here, and if not, why. */
  wasm: {
    /** Whether this engine runs the wasm kernels (WebAssembly SIMD). */
    available: boolean;
    /** Why not, or ''. */
    reason: string;
    /** The SIMD instructions used, or null without wasm. */
    features: 'relaxed-simd' | 'simd' | null;
    /** The threads the kernels use (setNumThreads). */
    threads: number;
    /** The worker threads started so far. */
    workers: number;
    /** Why the kernels run on one thread only, or ''. */
    threadsReason: string;
  };
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
