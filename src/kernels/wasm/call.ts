// The one generic call of a wasm kernel: lay its buffers out in the arena, copy the inputs in, run it
// on the calling thread, copy the outputs out. Every binding generated from assembly/boundary.json
// (kernels.generated.ts) goes through here.
import type { Storage } from '../../tensor/tensor.js';
import type { KernelExports } from './boundary.generated.js';
import { layoutArena, WasmMemoryError, wasmRuntime } from './runtime.js';

/** A buffer argument: its data (null for an optional one left out), element type, and which way it is copied. */
export type BufferArg = readonly [data: Storage | null, type: 'f32' | 'f64', copy: 'in' | 'out' | 'inout'];

const BYTES = { f32: 4, f64: 8 } as const;

function view(memory: WebAssembly.Memory, type: 'f32' | 'f64', at: number, length: number): Storage {
  return type === 'f32' ? new Float32Array(memory.buffer, at, length) : new Float64Array(memory.buffer, at, length);
}

/**
 * Runs `run` with the kernels and the byte address of each buffer (16-byte aligned, in order). Returns
 * false, having run nothing, where the wasm backend cannot take the call: no WebAssembly SIMD here, a
 * buffer of another element type (float64 data for an f32 buffer), or a layout over WebAssembly's 4 GiB.
 */
export function callKernel(buffers: readonly BufferArg[], run: (kernels: KernelExports, at: readonly number[]) => void): boolean {
  const rt = wasmRuntime();
  if (rt === null) return false;
  for (const [data, type] of buffers) {
    if (data !== null && !(type === 'f32' ? data instanceof Float32Array : data instanceof Float64Array)) return false;
  }
  let at: number[];
  try {
    at = layoutArena(
      rt,
      buffers.map(([data, type]) => (data?.length ?? 0) * BYTES[type]),
    );
  } catch (e) {
    if (e instanceof WasmMemoryError) return false;
    throw e;
  }
  buffers.forEach(([data, type, copy], i) => {
    if (data !== null && copy !== 'out') view(rt.memory, type, at[i], data.length).set(data);
  });
  run(rt.exports, at);
  buffers.forEach(([data, type, copy], i) => {
    if (data !== null && copy !== 'in') data.set(view(rt.memory, type, at[i], data.length));
  });
  return true;
}
