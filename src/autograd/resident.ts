// The backward pass's resident scope: while it is open, kernel outputs (the gradients and what their
// rules compute on the way) are allocated in the fast backend's memory where it takes them
// (tensor/resident.ts), so a gradient flows from kernel to kernel without being copied out and in again.
// The engine knows every use of them: it frees a block once no gradient it holds lies there, runs user
// code (hooks) only on copies in JavaScript arrays, and copies out whatever outlives the pass (.grad,
// grad()'s results) — so nothing outside can see a freed block.
import { residentStore, setResidentSink, type ResidentStore, type Sink } from '../tensor/resident.js';
import { allocateUnzeroed } from '../tensor/storage.js';
import { Tensor } from '../tensor/tensor.js';

export class ResidentScope {
  /** The blocks allocated in this scope and not yet freed. */
  private readonly blocks = new Set<number>();
  private readonly previous: Sink;

  private constructor(private readonly store: ResidentStore) {
    this.previous = setResidentSink((block) => this.blocks.add(block));
  }

  /** Opens a scope (allocations go resident until close()), or null where no store is registered. */
  static open(): ResidentScope | null {
    const store = residentStore();
    return store === null ? null : new ResidentScope(store);
  }

  /** Runs `f` with nothing allocated resident (user code; results that outlive the scope). */
  outside<T>(f: () => T): T {
    const previous = setResidentSink(null);
    try {
      return f();
    } finally {
      setResidentSink(previous);
    }
  }

  /** `t` itself, or where its data is resident a copy of it in a JavaScript array, safe to hand out. */
  own(t: Tensor): Tensor {
    if (this.store.blockOf(t.storage) < 0) return t;
    const data = this.outside(() => allocateUnzeroed(t.dtype, t.storage.length, 'caller'));
    data.set(t.storage);
    return new Tensor(data, t.shape, false, t.dtype);
  }

  /** Frees every block of this scope in which none of `live` lies. */
  collect(live: Iterable<Tensor>): void {
    if (this.blocks.size === 0) return;
    const keep = new Set<number>();
    for (const t of live) {
      const block = this.store.blockOf(t.storage);
      if (block >= 0) keep.add(block);
    }
    for (const block of this.blocks) {
      if (keep.has(block)) continue;
      this.blocks.delete(block);
      this.store.free(block);
    }
  }

  /** Frees every block left and stops allocating resident. */
  close(): void {
    for (const block of this.blocks) this.store.free(block);
    this.blocks.clear();
    setResidentSink(this.previous);
  }
}
