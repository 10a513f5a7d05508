// The one generic call of a wasm kernel: lay its buffers out in the arena, copy the inputs in, run it
// on the calling thread, copy the outputs out (resident storage, heap.ts, is used where it lies). Every binding generated from assembly/boundary.json
// (kernels.generated.ts) goes through here.
import type { Storage } from '../../tensor/tensor.js';
import type { KernelExports } from './boundary.generated.js';
import { residentAt } from './heap.js';
import { arenaStart, layoutArena, WasmMemoryError, wasmRuntimeForCall, type WasmRuntime } from './runtime.js';

/**
 * A buffer argument: its data (null for an optional one left out), element type, and which way it is
 * copied; or scratch memory for the kernel's own use, by its size in bytes (laid out, never copied).
 */
export type BufferArg =
  | readonly [data: Storage | null, type: 'f32' | 'f64', copy: 'in' | 'out' | 'inout']
  | readonly [bytes: number, type: 'f32' | 'f64', copy: 'scratch'];

/** Bytes per element of each buffer type. */
export const BYTES = { f32: 4, f64: 8 } as const;

/** The buffer type of a storage: 'f64' for a Float64Array (float64, int64, bool), 'f32' otherwise. */
export const bufferType = (data: Storage): 'f32' | 'f64' => (data instanceof Float64Array ? 'f64' : 'f32');

/** A typed view of `length` elements at byte address `at` of the kernels' memory. */
export function view(memory: WebAssembly.Memory, type: 'f32' | 'f64', at: number, length: number): Storage {
  return type === 'f32' ? new Float32Array(memory.buffer, at, length) : new Float64Array(memory.buffer, at, length);
}

/**
 * Runs `run` with the kernels, the byte address of each buffer (16-byte aligned, in order, laid out from
 * `start`: after a job header for a threaded job) and the runtime. Returns
 * false, having run nothing, where the wasm backend cannot take the call: no WebAssembly SIMD here, a
 * buffer of another element type (float64 data for an f32 buffer), or a layout over WebAssembly's 4 GiB.
 */
export function callKernel(
  buffers: readonly BufferArg[],
  run: (kernels: KernelExports, at: readonly number[], rt: WasmRuntime) => void,
  start = arenaStart(),
): boolean {
  const rt = wasmRuntimeForCall();
  if (rt === null) return false;
  for (const [data, type] of buffers) {
    if (data !== null && typeof data !== 'number' && !(type === 'f32' ? data instanceof Float32Array : data instanceof Float64Array))
      return false;
  }
  // Resident storage (heap.ts) is read and written where it lies: no room in the arena, no copy.
  const resident = buffers.map(([data]) => (data !== null && typeof data !== 'number' ? residentAt(data) : -1));
  let at: number[];
  try {
    at = layoutArena(
      rt,
      buffers.map(([data, type], i) => (typeof data === 'number' ? data : resident[i] >= 0 ? 0 : (data?.length ?? 0) * BYTES[type])),
      start,
    );
  } catch (e) {
    if (e instanceof WasmMemoryError) return false;
    throw e;
  }
  for (let i = 0; i < buffers.length; i++) {
    const [data, type, copy] = buffers[i];
    if (resident[i] >= 0) at[i] = resident[i];
    else if (typeof data !== 'number' && data !== null && (copy === 'in' || copy === 'inout'))
      view(rt.memory, type, at[i], data.length).set(data);
  }
  run(rt.exports, at, rt);
  for (let i = 0; i < buffers.length; i++) {
    const [data, type, copy] = buffers[i];
    if (resident[i] < 0 && typeof data !== 'number' && data !== null && (copy === 'out' || copy === 'inout'))
      data.set(view(rt.memory, type, at[i], data.length));
  }
  return true;
}
