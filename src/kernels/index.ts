// Which kernels the ops call: 'wasm' (WebAssembly SIMD with threads, float32; the default where the
// engine has SIMD and SharedArrayBuffer) or 'reference' (the textbook loops, every dtype, the oracle).
// The wasm kernels hand float64 and tiny convolutions to the reference kernels themselves.
import type { Storage } from '../tensor/tensor.js';
import type { ConvGeometry } from '../tensor/conv_params.js';
import * as reference from './reference/conv.js';
import * as wasm from './wasm/conv.js';
import { getNumThreads, wasmRuntime, wasmThreadsUnavailableReason, wasmUnavailableReason } from './wasm/runtime.js';

export interface ConvKernels {
  convForward(x: Storage, w: Storage, y: Storage, g: ConvGeometry): void;
  convGradInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  convGradWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
}

export type BackendName = 'wasm' | 'reference';

const backends: Record<BackendName, ConvKernels> = { reference, wasm };
let current: BackendName | null = null;

export function getBackend(): BackendName {
  if (current === null) current = wasmRuntime() !== null ? 'wasm' : 'reference';
  return current;
}

/** Chooses the kernels; 'wasm' throws, saying why, where this engine cannot run them. */
export function setBackend(name: BackendName): void {
  if (name !== 'wasm' && name !== 'reference') {
    throw new Error(`setBackend: backend=${JSON.stringify(name)} is not available; expected 'wasm' or 'reference'`);
  }
  if (name === 'wasm' && wasmRuntime() === null) {
    throw new Error(`setBackend: the wasm backend is unavailable here: ${wasmUnavailableReason()}`);
  }
  current = name;
}

export function convKernels(): ConvKernels {
  return backends[getBackend()];
}

export interface BackendInfo {
  backend: BackendName;
  /** Whether the wasm kernels can run here, and if not, why. */
  wasm: { available: boolean; reason: string; features: 'relaxed-simd' | 'simd' | null; threads: number; threadsReason: string };
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
      threadsReason: wasmThreadsUnavailableReason(),
    },
  };
}
