// The resident heap: blocks of the kernels' own memory that hold tensors between kernel calls (see
// tensor/resident.ts for who may use them), first fit over a free list. It lies in [ARENA_START,
// heap.top), below the arena every call lays out from arenaStart() ≥ heap.top, and gives its top back as blocks at the
// end are freed (a whole backward pass frees them all, so the arena is back at ARENA_START after it).
import { getBackend } from '../registry.js';
import type { ResidentStore } from '../../tensor/resident.js';
import type { Storage } from '../../tensor/tensor.js';
import { heap, growMemory, memoryLimitBytes, WasmMemoryError, wasmRuntime } from './runtime.js';

/** Smaller storage stays a JavaScript array: its copies are cheap, and a block costs bookkeeping. */
export const RESIDENT_MIN_BYTES = 32 * 1024;
/** Bytes after each block: the kernels read up to GEMM_OVERREAD (8) floats past a buffer's end, which must stay inside memory they own. */
const SLACK = 64;
/** The heap keeps to the lower half of what a layout may reach, leaving the rest to the arena. */
const heapLimit = (): number => memoryLimitBytes() / 2;

/** Free ranges [at, at + bytes), by address, none adjacent (they are merged). */
const free: { at: number; bytes: number }[] = [];
/** Live blocks: address → bytes. */
const live = new Map<number, number>();

function take(bytes: number): number {
  for (let i = 0; i < free.length; i++) {
    const f = free[i];
    if (f.bytes < bytes) continue;
    const at = f.at;
    if (f.bytes === bytes) free.splice(i, 1);
    else {
      f.at += bytes;
      f.bytes -= bytes;
    }
    return at;
  }
  // At the top: extend the last free range where it ends there.
  const last = free[free.length - 1];
  if (last !== undefined && last.at + last.bytes === heap.top) {
    free.pop();
    heap.top = last.at;
  }
  const at = heap.top;
  heap.top += bytes;
  return at;
}

function giveBack(at: number, bytes: number): void {
  let i = 0;
  while (i < free.length && free[i].at < at) i++;
  free.splice(i, 0, { at, bytes });
  // Merge with the next range, then the previous one.
  if (i + 1 < free.length && at + bytes === free[i + 1].at) {
    free[i].bytes += free[i + 1].bytes;
    free.splice(i + 1, 1);
  }
  if (i > 0 && free[i - 1].at + free[i - 1].bytes === at) {
    free[i - 1].bytes += free[i].bytes;
    free.splice(i, 1);
    i--;
  }
  // A range at the top lowers it.
  const last = free[free.length - 1];
  if (last.at + last.bytes === heap.top) {
    heap.top = last.at;
    free.pop();
  }
}

/** The byte address of `data` in the kernels' memory where it is resident storage, else -1 (copy it in). */
export function residentAt(data: Storage): number {
  return heap.live > 0 && heap.buffers.has(data.buffer) ? data.byteOffset : -1;
}

/** Live blocks now (tests check a backward pass leaves none). */
export function residentBlocks(): number {
  return heap.live;
}

export const wasmHeap: ResidentStore = {
  allocate(wide, n) {
    const elementBytes = wide ? 8 : 4;
    if (n * elementBytes < RESIDENT_MIN_BYTES || getBackend() !== 'wasm') return null;
    const rt = wasmRuntime();
    // A plain (unshared) memory moves when it grows, taking its views with it.
    if (rt === null || !rt.shared) return null;
    const bytes = Math.ceil((n * elementBytes) / 16) * 16 + SLACK;
    const at = take(bytes);
    if (heap.top > heapLimit()) {
      giveBack(at, bytes);
      return null;
    }
    try {
      growMemory(rt, heap.top);
    } catch (e) {
      giveBack(at, bytes);
      if (e instanceof WasmMemoryError) return null;
      throw e;
    }
    live.set(at, bytes);
    heap.live++;
    const buffer = rt.memory.buffer;
    heap.buffers.add(buffer);
    return { data: wide ? new Float64Array(buffer, at, n) : new Float32Array(buffer, at, n), block: at };
  },
  blockOf(data) {
    if (heap.live === 0 || !heap.buffers.has(data.buffer)) return -1;
    const a = data.byteOffset;
    for (const [at, bytes] of live) if (a >= at && a < at + bytes) return at;
    return -1;
  },
  free(block) {
    const bytes = live.get(block);
    if (bytes === undefined) throw new Error(`wasm heap: block ${block} is not live`);
    live.delete(block);
    heap.live--;
    giveBack(block, bytes);
  },
};
