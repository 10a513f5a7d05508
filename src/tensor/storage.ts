// Storage for tensors: zeroed (allocate) or to be written whole first (allocateUnzeroed: unzeroed in Node,
// or resident in the fast backend's memory where a scope takes it, see resident.ts), and the record of
// which unzeroed outputs a kernel has yet to write.
import { allocateResident } from './resident.js';
import { MAX_ELEMENTS } from './shape.js';
import type { DType, Storage } from './tensor.js';

const allocUnsafeSlow = (globalThis as { Buffer?: { allocUnsafeSlow?: (bytes: number) => Uint8Array } }).Buffer?.allocUnsafeSlow;

/** A copy of `bytes` in a new array of its own, not zeroed first where that is cheaper (Node: see allocateUnzeroed). */
export function copyOfBytes(bytes: Uint8Array): Uint8Array {
  if (allocUnsafeSlow === undefined || bytes.length <= SMALL_BYTES) return bytes.slice();
  const copy = allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

// Small storages are carved from shared slabs: a typed array of more than 64 bytes otherwise gets a
// backing store of its own, which costs V8 about 2 µs — more than most small ops compute. A slab lives
// while any storage carved from it does, so to bound what a long-lived small tensor keeps alive:
// storages of 64 bytes or less (scalars, a loss history) are plain on-heap arrays, cheap in V8 and
// pinning nothing; up to 256 bytes come from 8 KiB slabs, up to 2 KiB from 64 KiB slabs. Slices are
// never reused, so they start zeroed.
const TINY_BYTES = 64;
const SMALL_BYTES = 2048;
class Slabs {
  private slab: ArrayBuffer;
  private used = 0;
  constructor(private readonly size: number) {
    this.slab = new ArrayBuffer(size);
  }
  take(bytes: number): [ArrayBuffer, number] {
    if (this.used + bytes > this.size) {
      this.slab = new ArrayBuffer(this.size);
      this.used = 0;
    }
    const at = this.used;
    this.used += (bytes + 7) & ~7; // keep every slice 8-byte aligned for Float64Array
    return [this.slab, at];
  }
}
const smallSlabs = new Slabs(8192);
const mediumSlabs = new Slabs(65536);

/** A zeroed storage of n elements; `op` names the caller in the error when the engine cannot allocate it. */
export function allocate(dtype: DType, n: number, op = 'allocate'): Storage {
  const wide = dtype !== 'float32';
  const bytes = n * (wide ? 8 : 4);
  if (bytes <= TINY_BYTES || bytes > SMALL_BYTES) {
    if (!(n <= MAX_ELEMENTS)) throw new Error(`${op}: ${n} elements are more than the ${MAX_ELEMENTS} (2^32) a typed array can hold`);
    try {
      return wide ? new Float64Array(n) : new Float32Array(n);
    } catch (e) {
      throw new Error(`${op}: cannot allocate ${bytes} bytes (${n} elements of ${dtype}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const [slab, at] = (bytes <= 256 ? smallSlabs : mediumSlabs).take(bytes);
  return wide ? new Float64Array(slab, at, n) : new Float32Array(slab, at, n);
}

// A kernel's output need not start zeroed: the wasm kernels write every element of it. Zeroed memory is
// what a large fresh typed array costs most for (measured: a new 6.4 MB Float32Array filled by a copy
// takes 4.4 ms, the copy alone 0.9 ms; an unzeroed Buffer.allocUnsafeSlow 2.3 ms), so in Node a large
// output is allocated unzeroed and remembered here until a kernel has written it; the kernel registry
// zeroes it first where a reference kernel (which may accumulate into zeros) runs instead.
const unwritten = new WeakSet<Storage>();

/**
 * Storage whose every element is written before anything reads it, not zeroed where that is cheaper
 * (Node, more than SMALL_BYTES). `writer` 'kernel': the kernel call that comes next (`kernel.impl(…,
 * out, …)`), where nothing touches the buffer before it; that call leaves every element written (zeroed
 * first where the reference kernel runs). 'caller': the caller's own code writes every element at once.
 * `joinsGraph`: the output of an op the autograd graph will record (see resident.ts).
 */
export function allocateUnzeroed(dtype: DType, n: number, writer: 'kernel' | 'caller', op = 'allocate', joinsGraph = false): Storage {
  const wide = dtype !== 'float32';
  const bytes = n * (wide ? 8 : 4);
  // In a backward pass, tidy(), a Sequential or the graph, in the wasm backend's memory where it takes it (resident.ts).
  const resident = bytes > SMALL_BYTES ? allocateResident(wide, n, joinsGraph) : null;
  if (resident !== null) {
    if (writer === 'kernel') unwritten.add(resident);
    return resident;
  }
  if (allocUnsafeSlow === undefined || bytes <= SMALL_BYTES || !(n <= MAX_ELEMENTS)) return allocate(dtype, n, op);
  let buffer: Uint8Array;
  try {
    buffer = allocUnsafeSlow(bytes);
  } catch {
    return allocate(dtype, n, op);
  }
  const data = wide ? new Float64Array(buffer.buffer, buffer.byteOffset, n) : new Float32Array(buffer.buffer, buffer.byteOffset, n);
  if (writer === 'kernel') unwritten.add(data);
  return data;
}

/** The kernel registry's side of allocateUnzeroed: after a fast kernel wrote `args`, they count as written. */
export function markWritten(args: readonly unknown[]): void {
  for (const a of args) if (typeof a === 'object' && a !== null) unwritten.delete(a as Storage);
}

/** Before a reference kernel runs: zeroes each unwritten output among `args`, as allocate would have. */
export function zeroUnwritten(args: readonly unknown[]): void {
  for (const a of args) {
    if (typeof a === 'object' && a !== null && unwritten.has(a as Storage)) {
      (a as Storage).fill(0);
      unwritten.delete(a as Storage);
    }
  }
}
