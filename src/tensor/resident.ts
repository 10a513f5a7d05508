// Resident storage: a kernel output allocated inside the fast backend's own memory, so the kernels that
// produce and consume it skip the copies between JavaScript arrays and that memory (which cost more than
// most kernels themselves). Such storage must be given back explicitly: nothing tells a JavaScript
// program in time that an array is unreachable (FinalizationRegistry callbacks never run inside a
// synchronous training loop). So it is handed out only inside a scope that knows every use of what it
// allocates: the autograd engine's backward pass (autograd/resident.ts), which frees a block once no
// gradient it holds lives there and copies out whatever escapes to user code.
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
/** Where the blocks allocated now are recorded (the open scope), or null: then nothing is allocated resident. */
let sink: ((block: number) => void) | null = null;

/** Registers the store (the wasm backend does, once; tests swap it, null for none). Internal. */
export function registerResidentStore(s: ResidentStore | null): void {
  store = s;
}

/** The registered store, or null. Internal. */
export function residentStore(): ResidentStore | null {
  return store;
}

/** Sets where allocations are recorded (null: none is resident); returns the previous one, to restore. Internal. */
export function setResidentSink(next: ((block: number) => void) | null): ((block: number) => void) | null {
  const previous = sink;
  sink = next;
  return previous;
}

/** Resident storage for a kernel output while a scope is open, else null (allocate a JavaScript array). */
export function allocateResident(wide: boolean, n: number): Storage | null {
  if (sink === null || store === null) return null;
  const got = store.allocate(wide, n);
  if (got === null) return null;
  sink(got.block);
  return got.data;
}
