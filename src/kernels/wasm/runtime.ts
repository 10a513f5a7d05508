// The WebAssembly runtime: feature detection, one shared linear memory, and a persistent pool of
// threads (worker_threads in Node, Web Workers in browsers) that take tasks of a job from an atomic
// counter. The calling thread takes tasks too, so a job finishes even before any worker has started,
// and small jobs never wait for a worker.
import { RELAXED_SIMD_UNSHARED_WASM, RELAXED_SIMD_WASM, SIMD_UNSHARED_WASM, SIMD_WASM } from './binary.generated.js';
import { ARENA_START, bindExports, CONTROL, WORKER_IDS, type KernelExports } from './boundary.generated.js';

export { ARENA_START, CONTROL, WORKER_IDS };

export type WasmFeatures = 'relaxed-simd' | 'simd';

export interface WasmRuntime {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  features: WasmFeatures;
  shared: boolean;
}

/** The control block's i32 slots (at CONTROL, assembly/boundary.json); the resident heap and then the arena start at ARENA_START. */
export const CTL = {
  GEN: 0,
  JOB: 1,
  TOTAL: 2,
  NEXT: 3,
  DONE: 4,
  QUIT: 5,
  THREADS: 6,
  BATCH: 8,
  FAILED: 9,
  AVAILABLE: 10,
  BASE: 11,
} as const;
// WORKER_IDS: per worker index (1..256), the id of the worker that holds it, written by the worker once
// it runs. A worker serves jobs only while its slot holds its own id: one that was ended but still runs
// for a moment can never share a thread index (and its scratch) with its successor.
const GEN_SHIFT = 20;
const TASK_MASK = (1 << GEN_SHIFT) - 1;
/** Tasks one round of a job may have (the task counter shares an i32 with the generation); larger jobs run in rounds. */
export const ROUND_TASKS = TASK_MASK;

/** A job's layout does not fit in WebAssembly's 4 GiB: thrown before anything is copied in, so the caller can split the job or use the reference kernel. */
export class WasmMemoryError extends Error {}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const g = globalThis as { Buffer?: { from(s: string, e: string): Uint8Array }; atob?: (s: string) => string };
  if (g.Buffer) return new Uint8Array(g.Buffer.from(base64, 'base64'));
  const bin = g.atob!(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// The smallest module using f32x4.relaxed_madd: (func (param v128 v128 v128) (result v128) ...).
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 8, 1, 96, 3, 123, 123, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11,
]);

export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

let runtime: WasmRuntime | null | undefined;
let failure = '';
let threadsNote = '';

/** Why the wasm backend is unavailable ('' when it is available). */
export function wasmUnavailableReason(): string {
  wasmRuntime();
  return failure;
}

/** Why the wasm kernels run on one thread only ('' when threads are available). */
export function wasmThreadsUnavailableReason(): string {
  wasmRuntime();
  return threadsNote;
}

/**
 * The runtime, created on first use; null where WebAssembly SIMD is missing. Where SharedArrayBuffer is
 * missing (a browser page without cross-origin isolation), the kernels run on a plain memory, one thread.
 */
export function wasmRuntime(): WasmRuntime | null {
  if (runtime !== undefined) return runtime;
  try {
    const relaxed = relaxedSimdSupported();
    const shared = typeof SharedArrayBuffer !== 'undefined';
    if (!shared)
      threadsNote =
        'SharedArrayBuffer is unavailable (a browser page needs cross-origin isolation: COOP/COEP headers), so the wasm kernels run on one thread';
    const binary = shared ? (relaxed ? RELAXED_SIMD_WASM : SIMD_WASM) : relaxed ? RELAXED_SIMD_UNSHARED_WASM : SIMD_UNSHARED_WASM;
    const bytes = decode(binary);
    if (!WebAssembly.validate(bytes)) throw new Error('this engine has no WebAssembly SIMD128');
    const module = new WebAssembly.Module(bytes);
    const memory = new WebAssembly.Memory({ initial: 17, maximum: 65536, shared });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    runtime = { module, memory, exports: bindExports(instance.exports), features: relaxed ? 'relaxed-simd' : 'simd', shared };
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    runtime = null;
  }
  return runtime;
}

/**
 * The runtime for a new kernel call (every call starts here, and keeps what it returns to its end).
 * Between calls, where nothing lives in the memory, a large one is given back when due: WebAssembly
 * memory cannot shrink, so a fresh memory and instance replace it, and the workers that held the old
 * one end (new ones start with the next threaded job).
 */
export function wasmRuntimeForCall(): WasmRuntime | null {
  placeArena();
  const rt = wasmRuntime();
  // Resident blocks (heap.ts) pin the memory: it is replaced only while none is live.
  if (rt === null || !shrinkDue || heap.live > 0) return rt;
  shrinkDue = false;
  heap.top = ARENA_START;
  heap.peak = ARENA_START;
  heap.buffers = new WeakSet();
  smallCalls = 0;
  for (const w of workers.splice(0)) void w.worker.terminate();
  const memory = new WebAssembly.Memory({ initial: 17, maximum: 65536, shared: rt.shared });
  const instance = new WebAssembly.Instance(rt.module, { env: { memory } });
  runtime = { ...rt, memory, exports: bindExports(instance.exports) };
  return runtime;
}

const FOUR_GIB = 2 ** 32;
let memoryLimit = FOUR_GIB;

/**
 * The resident heap (heap.ts) lies below the arena: its blocks in [ARENA_START, top), and every call's
 * arena is laid out from arenaStart() ≥ top, so the two never overlap. `live` counts its blocks; `buffers` holds each
 * SharedArrayBuffer object the memory has been seen through while blocks were handed out (a view of the
 * memory made before it grew has an older one), so a storage is in the memory iff its buffer is here.
 */
export const heap = { top: ARENA_START, peak: ARENA_START, live: 0, buffers: new WeakSet<ArrayBufferLike>() };

/** Kernel calls with no resident block live after which the arena comes down to the heap's top again. */
export const PEAK_HOLD_CALLS = 256;
let callsWithoutBlocks = 0;

/**
 * Where the arena starts now: above the highest top the resident heap reached lately, not at its top.
 * In a tidy() step the top rises with every activation, and an arena that followed it would be laid out
 * in memory no recent call touched (cold in cache, first touched pages): ResNet-8's kernels ran 13 %
 * slower that way. Once no block has been live for a while, it comes back down (so a memory can shrink).
 */
export function arenaStart(): number {
  return Math.max(heap.peak, heap.top);
}

/** Moves the arena's start for a new call (only here: a call reads arenaStart() several times). */
function placeArena(): void {
  if (heap.live > 0) {
    callsWithoutBlocks = 0;
    if (heap.top > heap.peak) heap.peak = heap.top;
  } else if (heap.peak !== heap.top && ++callsWithoutBlocks >= PEAK_HOLD_CALLS) heap.peak = heap.top;
}

/** The most bytes a layout may reach (4 GiB, lower in tests). */
export function memoryLimitBytes(): number {
  return memoryLimit;
}

/** Lowers the bytes a job may lay out (tests use it to reach the 4 GiB paths with small layers); null restores 4 GiB. */
export function setMemoryLimitForTesting(bytes: number | null): void {
  memoryLimit = bytes === null ? FOUR_GIB : Math.min(bytes, FOUR_GIB);
}

/** A memory above this many bytes is given back once calls have needed at most a quarter of it, SHRINK_AFTER calls in a row. */
export const SHRINK_ABOVE = 64 * 2 ** 20;
export const SHRINK_AFTER = 50;
let smallCalls = 0;
let shrinkDue = false;

/** The bytes of the kernels' memory now (it grows for a large job and is given back after many small ones). */
export function wasmMemoryBytes(): number {
  return runtime ? runtime.memory.buffer.byteLength : 0;
}

/** Grows the memory so that `bytes` from address 0 are usable; throws WasmMemoryError past 4 GiB. */
export function ensureMemory(rt: WasmRuntime, bytes: number): void {
  if (bytes > memoryLimit)
    throw new WasmMemoryError(`wasm backend: a job needs ${bytes} bytes, over WebAssembly's limit of ${memoryLimit}`);
  const have = rt.memory.buffer.byteLength;
  // One large job must not keep its memory for the rest of the process (hysteresis: a large job
  // between small ones, as an evaluation between training steps, keeps it).
  if (have > SHRINK_ABOVE && bytes <= have / 4) {
    if (++smallCalls >= SHRINK_AFTER) shrinkDue = true;
  } else smallCalls = 0;
  growMemory(rt, bytes);
}

/** Grows the memory (never shrinks it) so that `bytes` from address 0 are usable; throws WasmMemoryError where it cannot. */
export function growMemory(rt: WasmRuntime, bytes: number): void {
  const have = rt.memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / 65536);
  try {
    rt.memory.grow(pages);
  } catch {
    throw new WasmMemoryError(`wasm backend: cannot grow memory to ${bytes} bytes`);
  }
}

/**
 * Lays buffers of the given byte sizes out end to end from `start` (each 16-byte aligned) and grows the
 * memory to hold them: their addresses. Throws WasmMemoryError (before anything is written) where they
 * do not fit in WebAssembly's 4 GiB. Every job and kernel call lays its buffers out through here.
 */
export function layoutArena(rt: WasmRuntime, bytes: readonly number[], start = arenaStart()): number[] {
  let next = start;
  const at = bytes.map((b) => {
    const address = next;
    next = Math.ceil((address + b) / 16) * 16;
    return address;
  });
  ensureMemory(rt, next);
  return at;
}

// ---- the thread pool ----

interface PoolWorker {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (url: URL, options: { workerData: unknown }) => PoolWorker & { unref(): void };
}

/** The pool: workers[i] has thread index i + 1, and an id never reused. */
const workers: { worker: PoolWorker; id: number }[] = [];
let nextWorkerId = 1;
let threads = defaultThreads();

/** The hardware threads of this machine (Node's availableParallelism, a browser's hardwareConcurrency). */
function hardwareThreads(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (m: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return Math.max(1, os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1);
}

function defaultThreads(): number {
  return Math.min(hardwareThreads(), 16);
}

/** The most threads setNumThreads takes: 4 per hardware thread, at least 8 (each worker holds memory; hundreds would only cost it). */
const maxThreads = (): number => Math.min(256, Math.max(8, 4 * hardwareThreads()));

/** Whether this thread may block in Atomics.wait (Node's main thread may; a browser's main thread may not). */
function canBlock(): boolean {
  const g = globalThis as { process?: unknown; document?: unknown };
  return g.process !== undefined || g.document === undefined;
}

/** The threads the wasm kernels use: setNumThreads's value, or 1 without SharedArrayBuffer (wasmThreadsUnavailableReason says why). */
export function getNumThreads(): number {
  const rt = wasmRuntime();
  return rt !== null && !rt.shared ? 1 : threads;
}

/**
 * Sets how many threads the wasm kernels use (the calling thread included). Workers start when a job
 * first needs them; lowering the count ends the workers no longer wanted, so no memory is kept for
 * threads nobody uses (more threads than cores are allowed, as in PyTorch).
 */
export function setNumThreads(n: number): void {
  const max = maxThreads();
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(
      `setNumThreads: n=${String(n)} is invalid; expected an integer from 1 to ${max} (this machine has ${hardwareThreads()} hardware threads)`,
    );
  threads = n;
  // Jobs run synchronously on the calling thread, so no job is in flight here: surplus workers are idle.
  const first = Math.max(0, n - 1);
  const surplus = workers.splice(first);
  if (surplus.length > 0) {
    const rt = wasmRuntime();
    if (rt?.shared) surplus.forEach((_, i) => Atomics.store(workerIdSlots(rt.memory), first + 1 + i, 0));
    for (const w of surplus) void w.worker.terminate();
  }
}

/** The WORKER_IDS slots, indexed by thread index (1..256). */
export function workerIdSlots(memory: WebAssembly.Memory): Int32Array {
  return new Int32Array(memory.buffer, WORKER_IDS, 257);
}

/** The pool workers whose own id is in their slot: running and serving jobs. */
function online(rt: WasmRuntime): number {
  const ids = workerIdSlots(rt.memory);
  return workers.filter((w, i) => Atomics.load(ids, i + 1) === w.id).length;
}

/** How many pool workers are running now (the calling thread not counted). */
export function workerCount(): number {
  return workers.length;
}

/** Starts the pool's workers now and resolves once they are running (benchmarks wait for this). */
export async function threadsReady(timeoutMs = 5000): Promise<number> {
  const rt = wasmRuntime();
  if (rt === null || !rt.shared || threads <= 1) return 1;
  startWorkers(rt);
  const start = Date.now();
  while (online(rt) < threads - 1 && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 5));
  return Math.min(threads, online(rt) + 1);
}

function control(rt: WasmRuntime): Int32Array {
  return new Int32Array(rt.memory.buffer, CONTROL, 16);
}

function startWorkers(rt: WasmRuntime): void {
  const want = threads - 1;
  if (workers.length >= want) return;
  const url = new URL('./worker.js', import.meta.url);
  const g = globalThis as {
    process?: { getBuiltinModule?: (m: string) => unknown };
    Worker?: new (u: URL, o: { type: string }) => PoolWorker & { postMessage(m: unknown): void };
  };
  const wt = g.process?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  while (workers.length < want) {
    const data = { module: rt.module, memory: rt.memory, index: workers.length + 1, id: nextWorkerId++ };
    if (wt !== undefined) {
      const w = new wt.Worker(url, { workerData: data });
      w.unref(); // idle workers must not keep Node alive
      workers.push({ worker: w, id: data.id });
    } else if (g.Worker !== undefined) {
      const w = new g.Worker(url, { type: 'module' });
      w.postMessage(data);
      workers.push({ worker: w, id: data.id });
    } else return;
  }
}

/**
 * The task loop every thread runs: claim the next `batch` tasks of generation `gen` while there are
 * any. Claiming several at once keeps the shared counters (a cache line every thread writes) off the
 * hot path when tasks are small. Tasks at or past CTL.AVAILABLE wait for their input: the calling thread
 * may still be copying it in (runJob's `feed`).
 */
export function work(
  ctl: Int32Array,
  exports: KernelExports,
  gen: number,
  job: number,
  total: number,
  thread: number,
  batch: number,
  base: number,
): void {
  for (;;) {
    const cur = Atomics.load(ctl, CTL.NEXT);
    const first = cur & TASK_MASK;
    if (cur >>> GEN_SHIFT !== gen || first >= total) return;
    const available = Atomics.load(ctl, CTL.AVAILABLE);
    if (first >= available) {
      Atomics.wait(ctl, CTL.AVAILABLE, available, 2);
      continue;
    }
    const count = Math.min(batch, available - first);
    if (Atomics.compareExchange(ctl, CTL.NEXT, cur, cur + count) !== cur) continue;
    try {
      for (let t = first; t < first + count; t++) exports.runTask(job, base + t, thread);
    } catch {
      // A trapped task must not leave the job waiting forever: count it done, flag the job failed.
      Atomics.store(ctl, CTL.FAILED, 1);
    }
    if (Atomics.add(ctl, CTL.DONE, count) + count === total) Atomics.notify(ctl, CTL.DONE);
  }
}

/** How many threads a job may use (its scratch must be laid out for that many). */
export function threadsFor(tasks: number, parallelWorthIt: boolean): number {
  return parallelWorthIt ? Math.max(1, Math.min(getNumThreads(), tasks)) : 1;
}

/**
 * Runs tasks 0..total−1 of the job at `job`, on `count` threads (the caller's included), and returns when
 * all are done. `feed(publish)`, if given, copies the job's input in while the other threads already
 * work: it calls publish(k) once the input of tasks below k is in place. A job of more than ROUND_TASKS
 * tasks runs in rounds of consecutive tasks (its input copied in first): each task computes the same
 * thing whichever round or thread runs it, so the result does not change.
 */
export function runJob(rt: WasmRuntime, job: number, total: number, count: number, feed?: (publish: (upTo: number) => void) => void): void {
  if (count <= 1 || !rt.shared) {
    feed?.(() => undefined);
    for (let t = 0; t < total; t++) rt.exports.runTask(job, t, 0);
    return;
  }
  if (total <= ROUND_TASKS) return runRound(rt, job, 0, total, count, feed);
  feed?.(() => undefined);
  for (let base = 0; base < total; base += ROUND_TASKS) runRound(rt, job, base, Math.min(ROUND_TASKS, total - base), count);
}

/** Runs tasks base..base+total−1 (total ≤ ROUND_TASKS) on `count` threads. */
function runRound(
  rt: WasmRuntime,
  job: number,
  base: number,
  total: number,
  count: number,
  feed?: (publish: (upTo: number) => void) => void,
): void {
  startWorkers(rt);
  const ctl = control(rt);
  const gen = (Atomics.load(ctl, CTL.GEN) + 1) & 0xfff;
  Atomics.store(ctl, CTL.JOB, job);
  Atomics.store(ctl, CTL.BASE, base);
  Atomics.store(ctl, CTL.TOTAL, total);
  Atomics.store(ctl, CTL.DONE, 0);
  Atomics.store(ctl, CTL.FAILED, 0);
  Atomics.store(ctl, CTL.THREADS, count);
  Atomics.store(ctl, CTL.AVAILABLE, feed === undefined ? total : 0);
  // About 8 claims per thread: load balance without contention on the counters.
  const batch = Math.max(1, Math.floor(total / (count * 8)));
  Atomics.store(ctl, CTL.BATCH, batch);
  Atomics.store(ctl, CTL.NEXT, gen << GEN_SHIFT);
  Atomics.store(ctl, CTL.GEN, gen);
  Atomics.notify(ctl, CTL.GEN);
  if (feed !== undefined) {
    feed((upTo) => {
      Atomics.store(ctl, CTL.AVAILABLE, upTo);
      Atomics.notify(ctl, CTL.AVAILABLE);
    });
    Atomics.store(ctl, CTL.AVAILABLE, total);
    Atomics.notify(ctl, CTL.AVAILABLE);
  }
  work(ctl, rt.exports, gen, job, total, 0, batch, base);
  const block = canBlock();
  for (let done = Atomics.load(ctl, CTL.DONE); done < total; done = Atomics.load(ctl, CTL.DONE)) {
    if (block) Atomics.wait(ctl, CTL.DONE, done, 20);
  }
  if (Atomics.load(ctl, CTL.FAILED) !== 0)
    throw new Error('wasm backend: a kernel task failed (a WebAssembly trap); the result is invalid');
}

/** Measures the micro-kernel's GFLOP/s on this thread: the ceiling of the wasm kernels here. */
export function measurePeak(rt: WasmRuntime, milliseconds = 200): number {
  const a = arenaStart();
  ensureMemory(rt, a + 64 * 1024);
  const b = a + 256 * 16;
  const c = b + 256 * 32;
  new Float32Array(rt.memory.buffer, a, (c - a) / 4 + 32).fill(0.5);
  const flopsPerIteration = 2 * 4 * 8 * 256;
  rt.exports.peak(a, b, c, 2000);
  let iterations = 0;
  const start = performance.now();
  let now = start;
  while (now - start < milliseconds) {
    rt.exports.peak(a, b, c, 4000);
    iterations += 4000;
    now = performance.now();
  }
  return (iterations * flopsPerIteration) / ((now - start) / 1000) / 1e9;
}
