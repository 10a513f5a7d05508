// Shared by the resident-storage tests (resident.test.ts, tidy.test.ts, memory.test.ts): a small net
// whose activations and gradients are large enough to go resident, and a store that counts blocks.
import { nn, type Tensor } from '../src/index.js';
import { residentBlocks, wasmHeap } from '../src/kernels/wasm/heap.js';
import { registerResidentStore, type ResidentStore } from '../src/tensor/resident.js';

/** conv, batch norm, ReLU, max-pool, a residual add (two uses of one gradient), linear: 8×3×32² inputs. */
export class ResidentNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(8);
  pool = new nn.MaxPool2d(2);
  conv2 = new nn.Conv2d(8, 8, 3, { padding: 1 });
  fc = new nn.Linear(8 * 16 * 16, 10);
  forward(x: Tensor): Tensor {
    const h = this.pool.forward(this.bn.forward(this.conv1.forward(x)).relu());
    // A residual connection: add's rule hands the same gradient to both of its inputs.
    return this.fc.forward(h.add(this.conv2.forward(h).relu()).flatten(1));
  }
}

/** The wasm heap, counting the blocks it hands out and the most live at once. */
export function countingStore(): ResidentStore & { count: number; mostLive: number } {
  const store = {
    ...wasmHeap,
    count: 0,
    mostLive: 0,
    allocate(wide: boolean, n: number) {
      const got = wasmHeap.allocate(wide, n);
      if (got !== null) {
        store.count++;
        store.mostLive = Math.max(store.mostLive, residentBlocks());
      }
      return got;
    },
  };
  return store;
}

/**
 * Resolves once the current task has ended: the op outputs a graph still holds in the kernels' memory
 * (a forward never backwarded, or whose backward threw) are moved out to arrays then (tensor/resident.ts).
 */
export const afterTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs f with `store` registered (null: none), then the wasm heap again. */
export function withStore<T>(store: ResidentStore | null, f: () => T): T {
  registerResidentStore(store);
  try {
    return f();
  } finally {
    registerResidentStore(wasmHeap);
  }
}
