// Resident storage: a kernel output allocated inside the fast backend's own memory, so the kernels that
// produce and consume it skip the copies between JavaScript arrays and that memory (which cost more than
// many kernels themselves). Such storage must be given back explicitly: nothing tells a JavaScript
// program in time that an array is unreachable (FinalizationRegistry callbacks never run inside a
// synchronous training loop). So it is handed out only where every use of it is known, or where it can be
// moved out (copied to a JavaScript array) before its block is given back:
// - A backward pass's scope (autograd/resident.ts) knows every use of what it allocates: it frees a
//   block once no gradient it holds lives there and copies out whatever escapes to user code.
// - Inside tidy(), the user promises that the tensors made there, except those returned, are not used
//   after it: the forward outputs go resident, and when tidy returns their blocks are freed and the
//   tensors over them disposed (using one throws). Every tensor over such a block is tracked for this;
//   one whose `data` user code asks for is first moved out (copied to a JavaScript array the tensors of
//   that block then point at), so an array handed out is never freed under its holder. Library ops use
//   `Tensor.storage`, which moves nothing, only within one call.
// - A Sequential knows the outputs that pass between two of the library's own layers (no hooks, no
//   forward of the user's) reach no user code: only the next layer and the autograd graph see them. It
//   runs those layers in a graph scope whose blocks the graph then owns: the backward pass that releases
//   the graph's saved tensors frees them too (PyTorch frees saved activations then), and where no backward
//   comes (a forward in grad mode whose result is dropped), the record is given back once that graph is
//   garbage (FinalizationRegistry: between macrotasks), and inside a synchronous loop the oldest records
//   are moved out to JavaScript arrays once they hold more than 256 MiB, at the start of a later
//   Sequential forward.
// - Any other op output that joins the autograd graph (recording on, an input requires grad: the op
//   says so when it allocates, ops/util.ts emptyUnzeroed) goes resident too, owned by the node record()
//   makes for it ("graph outputs": the layers of a user's own module, a residual add, a functional
//   ReLU). User code may hold such a tensor, so it is never freed under it: the graph's release
//   (backward) moves it out to a JavaScript array, as does the end of the current task for a graph whose
//   backward did not come in it (a setTimeout sweep) and, inside a synchronous loop, the 256 MiB budget
//   (past it new outputs are arrays, and the oldest records move out at the next Sequential forward).
//   What that saves is the copies in: the next op, and the gradient rule that saved the tensor, read it
//   where it lies (measured: ResNet-8's forward 0.7× the time, its step 0.87-0.96×; where the activations
//   are small and pass between the library's layers, as LeNet-5's, the move out costs what it saves, and
//   a Sequential's record, freed without a copy, is what pays).
import { copyOfBytes } from './storage.js';
import type { Storage } from './tensor.js';

/** A place for resident storage (the wasm backend registers its memory's heap). */
export interface ResidentStore {
  /** `n` elements (float64 where `wide`) in a new block, with the block's id; null where the store declines (too small, no room, not the current backend). */
  allocate(wide: boolean, n: number): { data: Storage; block: number } | null;
  /** The id of the live block `data` lies in, or -1 where it is not resident storage. */
  blockOf(data: Storage): number;
  /** Gives a block back; every view of it is invalid from now on. */
  free(block: number): void;
}

let store: ResidentStore | null = null;
/**
 * Where the blocks allocated now go: the open backward scope's record (a function), 'forward' (the
 * innermost tidy()'s forward blocks, where one is open) or null (nothing is allocated resident).
 */
export type Sink = ((block: number) => void) | 'forward' | null;
let sink: Sink = 'forward';

/** Registers the store (the wasm backend does, once; tests swap it, null for none). Internal. */
export function registerResidentStore(s: ResidentStore | null): void {
  store = s;
}

/** The registered store, or null. Internal. */
export function residentStore(): ResidentStore | null {
  return store;
}

/** Sets where allocations go (see Sink); returns the previous one, to restore. Internal. */
export function setResidentSink(next: Sink): Sink {
  const previous = sink;
  sink = next;
  return previous;
}

/** Tensor.residentBlock of a tensor whose block tidy() freed. */
export const DISPOSED = -2;
/** Tensor.residentBlock of an intermediate of a Sequential whose block the backward pass freed with the graph's saved tensors. */
export const RELEASED = -3;

/** What this module needs of a tensor (Tensor's storage, residentBlock and setStorage). */
interface Holder {
  readonly storage: Storage;
  readonly residentBlock: number;
  setStorage(storage: Storage, residentBlock: number): void;
}

/** A live forward block: the tensors over it, and the tidy() scope or graph record that owns it. */
interface ForwardBlock {
  holders: Holder[];
  owner: number;
}
const forward = new Map<number, ForwardBlock>();
/** Forward blocks already moved out (a tensor's `data` was asked for) → their owner; freed when it ends (an op may still read one). */
const movedOut = new Map<number, number>();
/** The open tidy() scopes, innermost last (each an id > 0). */
const tidyScopes: number[] = [];
/** Ids of tidy() scopes and graph records, one sequence. */
let nextScopeId = 1;

/**
 * A graph record: blocks the autograd graph owns, by block id, with their bytes. 'activations': a
 * Sequential's, which only the graph sees (freed with it); 'outputs': an op's outputs, which user code
 * may hold (moved out to JavaScript arrays when the graph lets them go).
 */
interface GraphRecord {
  blocks: Map<number, number>;
  bytes: number;
  kind: 'activations' | 'outputs';
}
/** Live graph records by id, oldest first. */
const graphRecords = new Map<number, GraphRecord>();
/** The graph record allocations go to now (a Sequential runs a layer whose output only the library sees), 0 for none. */
let graphScope = 0;
/** The 'outputs' record of the op running now: its outputs that join the graph, until record() gives it to their node (0: none yet). */
let pendingOutputs = 0;
/** Open backward passes: the ops they run keep their outputs as JavaScript arrays or in the pass's own scope. */
let backwardDepth = 0;
/** Bytes in all live graph records. */
let graphBytes = 0;
/** Past this many bytes in graph records whose backward has not come, the oldest are moved out. */
let graphBudgetBytes = 256 * 1024 * 1024;
/** The graph records attached to an autograd node, freed when it releases its saved tensors. */
const recordsOfNode = new WeakMap<object, number[]>();
/**
 * Gives back the blocks of a graph that became unreachable without a backward (an async loop's forward in
 * grad mode). Its tensors are moved out rather than disposed: one taken from `gradFn.inputs` may still be
 * held. Never runs inside a synchronous loop; the budget covers that case.
 */
const unreachableGraphs =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((id) => {
        endGraphRecord(id, 'move out');
      })
    : null;

/**
 * Resident storage for a kernel output, else null (allocate a JavaScript array): in the open backward
 * scope's record, or as a forward block of the innermost tidy(), of the open graph scope, or (where
 * `joinsGraph`) of the running op's pending graph outputs.
 */
export function allocateResident(wide: boolean, n: number, joinsGraph = false): Storage | null {
  if (store === null || sink === null) return null;
  let owner = 0;
  if (sink === 'forward') {
    owner = tidyScopes.length > 0 ? tidyScopes[tidyScopes.length - 1] : graphScope;
    if (owner === 0) {
      // An op output that joins the autograd graph, outside tidy() and a Sequential's record: owned by
      // its node once record() makes it, within the budget (past it, a JavaScript array as before).
      if (!joinsGraph || backwardDepth > 0 || graphBytes > graphBudgetBytes) return null;
      if (pendingOutputs === 0) pendingOutputs = newOutputsRecord();
      owner = pendingOutputs;
    }
  }
  const got = store.allocate(wide, n);
  if (got === null) return null;
  if (sink !== 'forward') sink(got.block);
  else {
    forward.set(got.block, { holders: [], owner });
    const record = graphRecords.get(owner);
    if (record !== undefined) {
      record.blocks.set(got.block, got.data.byteLength);
      record.bytes += got.data.byteLength;
      graphBytes += got.data.byteLength;
    }
  }
  return got.data;
}

/**
 * Called by every new tensor (and setData_): where `storage` lies in a forward block, records the
 * tensor with it and returns the block (the tensor's residentBlock), else -1. A tensor over a block
 * already moved out (an op's array from before the move) gets a copy of its own.
 */
export function trackResident(holder: Holder, storage: Storage): number {
  if (store === null || (forward.size === 0 && movedOut.size === 0)) return -1;
  const block = store.blockOf(storage);
  if (block < 0) return -1;
  const entry = forward.get(block);
  if (entry !== undefined) {
    entry.holders.push(holder);
    return block;
  }
  if (movedOut.has(block)) holder.setStorage(storage.slice(), -1);
  return -1;
}

/** Copies the part of a block `holders` see to one new array and points them at it. */
function moveOut(block: number, holders: readonly Holder[]): void {
  const mine = holders.filter((h) => h.residentBlock === block);
  if (mine.length === 0) return;
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  let memory = mine[0].storage.buffer;
  for (const { storage } of mine) {
    low = Math.min(low, storage.byteOffset);
    high = Math.max(high, storage.byteOffset + storage.byteLength);
    if (storage.buffer.byteLength > memory.byteLength) memory = storage.buffer;
  }
  low -= low % 8; // blocks start 16-aligned: a Float64Array view stays aligned in the copy
  const bytes = copyOfBytes(new Uint8Array(memory, low, high - low));
  for (const h of mine) {
    const { storage } = h;
    const at = bytes.byteOffset + storage.byteOffset - low;
    h.setStorage(
      storage instanceof Float64Array
        ? new Float64Array(bytes.buffer, at, storage.length)
        : new Float32Array(bytes.buffer, at, storage.length),
      -1,
    );
  }
}

/** Moves one forward block's tensors out (a tensor's `data` was asked for); the block itself is freed when its tidy() ends. Internal. */
export function moveOutBlock(block: number): void {
  const entry = forward.get(block);
  if (entry === undefined) return;
  moveOut(block, entry.holders);
  forward.delete(block);
  movedOut.set(block, entry.owner);
}

/** The tensors in what a tidy() function returned: a tensor, or arrays and plain objects of them, nested. */
function tensorsIn(value: unknown, found: Set<Holder>, seen: Set<unknown>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if ('setStorage' in value && 'residentBlock' in value) {
    found.add(value as Holder);
    return;
  }
  if (Array.isArray(value)) for (const v of value) tensorsIn(v, found, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) tensorsIn(v, found, seen);
  else if (value instanceof Map) for (const v of value.values()) tensorsIn(v, found, seen);
}

/**
 * Runs `fn` with the outputs of its ops kept in the fast backend's memory, and frees that memory as soon
 * as `fn` returns (TensorFlow.js's tf.tidy): tensors made inside `fn` are not to be used after it, except
 * those it returns (a tensor, or arrays, Maps and plain objects holding tensors, nested); using another
 * one afterwards throws an Error. Ops then skip copying their operands between JavaScript arrays and
 * that memory: training steps in tidy() made up to 1.5× the images/s on the wasm backend (BENCHMARKS.md;
 * a Sequential of the library's own layers gets most of that without tidy, see openGraphRecord).
 * Parameters, gradients (`.grad`), optimizer state and anything `fn` made before calling tidy are not
 * affected. `fn` must be synchronous.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new Error(`tidy: fn must be a function () => result, got ${fn === null ? 'null' : typeof fn}`);
  const id = nextScopeId++;
  tidyScopes.push(id);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endTidy(id, new Set());
    throw e;
  }
  const then = typeof result === 'object' && result !== null ? (result as { then?: unknown; catch?: unknown }) : null;
  if (then !== null && typeof then.then === 'function') {
    endTidy(id, new Set());
    // Its rest runs on freed tensors and rejects: this Error already says why, so that rejection is not reported again.
    if (typeof then.catch === 'function') (then as Promise<unknown>).catch(() => undefined);
    throw new Error(
      'tidy: fn returned a Promise; tidy needs a synchronous function (its tensors would be freed before the promise settles)',
    );
  }
  const kept = new Set<Holder>();
  tensorsIn(result, kept, new Set());
  endTidy(id, kept);
  return result;
}

/**
 * Closes tidy scope `id`. Each of its blocks: the kept tensors over it pass to the enclosing scope with
 * it (outermost: they are moved out), the others are disposed, and the block is freed unless it passed.
 */
function endTidy(id: number, kept: ReadonlySet<Holder>): void {
  tidyScopes.pop();
  const parent = tidyScopes.length === 0 ? 0 : tidyScopes[tidyScopes.length - 1];
  for (const [block, entry] of forward) {
    if (entry.owner !== id) continue;
    const keep = entry.holders.filter((h) => h.residentBlock === block && kept.has(h));
    if (parent === 0) moveOut(block, keep);
    for (const h of entry.holders) if (h.residentBlock === block && !kept.has(h)) h.setStorage(h.storage, DISPOSED);
    if (parent !== 0 && keep.length > 0) {
      entry.holders = keep;
      entry.owner = parent;
      continue;
    }
    forward.delete(block);
    store?.free(block);
  }
  for (const [block, owner] of movedOut) {
    if (owner !== id) continue;
    movedOut.delete(block);
    store?.free(block);
  }
}

/**
 * Opens a graph record for a Sequential's forward, or returns 0 where none applies: no resident store,
 * inside tidy() (it keeps the activations already), inside a backward pass or user code it runs, or
 * inside another graph scope. Records past the budget are moved out first (no op is running).
 * Internal (nn/container.ts).
 */
export function openGraphRecord(): number {
  if (store === null || sink !== 'forward' || tidyScopes.length > 0 || graphScope !== 0) return 0;
  if (graphBytes > graphBudgetBytes) {
    for (const id of graphRecords.keys()) {
      if (graphBytes <= graphBudgetBytes / 2) break;
      endGraphRecord(id, 'move out');
    }
  }
  const id = nextScopeId++;
  graphRecords.set(id, { blocks: new Map(), bytes: 0, kind: 'activations' });
  return id;
}

/** Runs `f` (one of the library's layers) with its outputs allocated in graph record `id`. Internal. */
export function inGraphRecord<T>(id: number, f: () => T): T {
  graphScope = id;
  try {
    return f();
  } finally {
    graphScope = 0;
  }
}

/**
 * Ends the forward of graph record `id`, whose result `output` goes to user code (null: not a tensor).
 * Where it lies in one of the record's blocks, that block becomes a graph output of output's node (see
 * adoptGraphOutputs), or is moved out where there is no node. The record passes to output's autograd
 * node, whose release() frees it; with no node nothing saved the blocks, and they are freed now. Internal.
 */
export function closeGraphRecord(id: number, output: (Holder & { readonly gradFn: object | null }) | null): void {
  const record = graphRecords.get(id);
  if (record === undefined) return;
  const node = output === null ? null : output.gradFn;
  const block = output === null ? -1 : output.residentBlock;
  const entry = block >= 0 ? forward.get(block) : undefined;
  if (output !== null && entry !== undefined && entry.owner === id) {
    if (node === null) {
      moveOut(block, [output]);
      // Not held from the record: the graph it ends must be able to become garbage (unreachableGraphs).
      entry.holders = entry.holders.filter((h) => h !== output);
    } else {
      // The block passes to an 'outputs' record of the node (see adoptGraphOutputs).
      const bytes = record.blocks.get(block) ?? 0;
      record.blocks.delete(block);
      record.bytes -= bytes;
      entry.owner = newOutputsRecord(new Map([[block, bytes]]));
      attachToNode(node, entry.owner);
    }
  }
  if (record.blocks.size === 0) graphRecords.delete(id);
  else if (node === null) endGraphRecord(id, 'free');
  else attachToNode(node, id);
}

/**
 * Graph record `id` is freed (or moved out) with node's saved tensors. An 'activations' record is
 * given back too once node is garbage; an 'outputs' record holds the tensors over its blocks (user code
 * may hold them), so its node cannot become garbage first: the sweep after the current task moves it out.
 */
function attachToNode(node: object, id: number): void {
  const list = recordsOfNode.get(node);
  if (list === undefined) recordsOfNode.set(node, [id]);
  else list.push(id);
  if (graphRecords.get(id)?.kind === 'activations') unreachableGraphs?.register(node, id);
}

/** Whether a sweep of the 'outputs' records is scheduled. */
let sweepScheduled = false;

/**
 * A new 'outputs' record (of `blocks`, already counted in graphBytes). Once the current task ends (a
 * macrotask: an async loop's step, a UI event) every 'outputs' record still live is moved out: a graph
 * whose backward did not come in that task (a forward in grad mode whose result was dropped, or kept for
 * later) then holds JavaScript arrays, not the kernels' memory. Inside a synchronous loop, the budget
 * bounds them instead.
 */
function newOutputsRecord(blocks = new Map<number, number>()): number {
  const id = nextScopeId++;
  let bytes = 0;
  for (const b of blocks.values()) bytes += b;
  graphRecords.set(id, { blocks, bytes, kind: 'outputs' });
  if (!sweepScheduled && typeof setTimeout === 'function') {
    sweepScheduled = true;
    const timer: unknown = setTimeout(sweepOutputs, 0);
    // Node: the sweep does not keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }
  return id;
}

function sweepOutputs(): void {
  sweepScheduled = false;
  for (const [id, record] of graphRecords) if (record.kind === 'outputs') endGraphRecord(id, 'move out');
}

/**
 * record() made `node` for the op output `out` (null: out joins no graph). The op's outputs allocated
 * for the graph (allocateResident's joinsGraph) pass to the node: they stay in the kernels' memory, read
 * there by the ops that take them and by the gradient rules that saved them, until the node releases its
 * saved tensors (backward without retainGraph), the task ends (see newOutputsRecord) or the budget is
 * passed: then they are moved out to JavaScript arrays (user code may hold them). With no node, out is
 * moved out now.
 * Internal (autograd/node.ts).
 */
export function adoptGraphOutputs(out: Holder, node: object | null): void {
  if (pendingOutputs === 0) return;
  if (node !== null) {
    attachToNode(node, pendingOutputs);
    pendingOutputs = 0;
    return;
  }
  // Moved out, and freed with the record (the op that made it may still read it).
  const block = out.residentBlock;
  if (block >= 0 && forward.get(block)?.owner === pendingOutputs) moveOutBlock(block);
}

/**
 * Runs a backward pass (`f`): its ops make no graph outputs, and outputs no node took (an op that threw
 * between allocating and recording) are moved out first (no op is running). Internal (autograd/backward.ts).
 */
export function inBackwardPass<T>(f: () => T): T {
  if (pendingOutputs !== 0 && backwardDepth === 0) endGraphRecord(pendingOutputs, 'move out');
  backwardDepth++;
  try {
    return f();
  } finally {
    backwardDepth--;
  }
}

/** Frees graph record `id` (its forward threw). Internal. */
export function dropGraphRecord(id: number): void {
  endGraphRecord(id, 'free');
}

/** Frees the graph records attached to autograd node `node` (it released its saved tensors). Internal. */
export function releaseGraphRecords(node: object): void {
  const list = recordsOfNode.get(node);
  if (list === undefined) return;
  recordsOfNode.delete(node);
  for (const id of list) endGraphRecord(id, graphRecords.get(id)?.kind === 'outputs' ? 'move out' : 'free');
}

/**
 * Ends graph record `id`, where it is still live: 'free' disposes the tensors over its blocks (only the
 * graph saw them, and it released them); 'move out' copies them to JavaScript arrays first, so they stay
 * valid. Either way the blocks go back to the store.
 */
function endGraphRecord(id: number, how: 'free' | 'move out'): void {
  const record = graphRecords.get(id);
  if (record === undefined) return; // already ended (released, moved out, or garbage)
  graphRecords.delete(id);
  if (id === pendingOutputs) pendingOutputs = 0;
  graphBytes -= record.bytes;
  for (const block of record.blocks.keys()) {
    const entry = forward.get(block);
    if (entry !== undefined) {
      if (how === 'move out') moveOut(block, entry.holders);
      else for (const h of entry.holders) if (h.residentBlock === block) h.setStorage(h.storage, RELEASED);
      forward.delete(block);
    } else movedOut.delete(block);
    store?.free(block);
  }
}

/** Sets the bytes graph records may hold before the oldest are moved out (tests); returns the previous budget. Internal. */
export function setGraphBudgetBytes(bytes: number): number {
  const previous = graphBudgetBytes;
  graphBudgetBytes = bytes;
  return previous;
}

/** Live graph records and their bytes (tests). Internal. */
export function graphRecordStats(): { records: number; bytes: number } {
  return { records: graphRecords.size, bytes: graphBytes };
}
