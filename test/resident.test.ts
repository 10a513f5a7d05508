// Resident gradients (tensor/resident.ts, autograd/resident.ts, kernels/wasm/heap.ts): inside a backward
// pass, kernel outputs live in the wasm kernels' memory. They must give the same bits as JavaScript
// arrays, every block must be freed by the end of the pass (whatever happens in it), and nothing the
// user can reach — .grad, retained gradients, what hooks see, grad()'s results — may lie in a block,
// which a later pass would overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad, manualSeed, nn, randn, type Tensor } from '../src/index.js';
import { residentBlocks, wasmHeap } from '../src/kernels/wasm/heap.js';
import { heap } from '../src/kernels/wasm/runtime.js';
import { registerResidentStore, type ResidentStore } from '../src/tensor/resident.js';

class Net extends nn.Module {
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

/** A store that counts the blocks the wasm heap hands out. */
function counting(): ResidentStore & { count: number } {
  const store = {
    ...wasmHeap,
    count: 0,
    allocate(wide: boolean, n: number) {
      const got = wasmHeap.allocate(wide, n);
      if (got !== null) store.count++;
      return got;
    },
  };
  return store;
}

function withStore<T>(store: ResidentStore | null, f: () => T): T {
  registerResidentStore(store);
  try {
    return f();
  } finally {
    registerResidentStore(wasmHeap);
  }
}

const isResident = (t: Tensor): boolean => wasmHeap.blockOf(t.data) >= 0;

/** One forward and backward pass of a fresh net (seeded), returning the parameters' gradients. */
function gradients(seed: number): Float32Array[] {
  manualSeed(seed);
  const net = new Net();
  const x = randn([8, 3, 32, 32]);
  const target = randn([8, 10]);
  net.forward(x).sub(target).pow(2).mean().backward();
  return net.parameters().map((p) => {
    assert.ok(p.grad !== null && !isResident(p.grad), '.grad is a JavaScript array');
    return Float32Array.from(p.grad.data);
  });
}

test('a backward pass keeps its gradients resident, frees every block, and gives the same bits as without', () => {
  const store = counting();
  const resident = withStore(store, () => gradients(1));
  assert.ok(store.count >= 5, `the pass allocated ${store.count} resident blocks; expected the activations' gradients among them`);
  assert.equal(residentBlocks(), 0);
  assert.equal(heap.top, 65536, 'the heap gave its memory back to the arena');
  const plain = withStore(null, () => gradients(1));
  assert.deepEqual(resident, plain);
});

test('what hooks see, retained gradients and grad() results are copies the next passes do not overwrite', () => {
  manualSeed(2);
  const net = new Net();
  const seen: { what: string; t: Tensor; values: Float32Array }[] = [];
  const keep = (what: string, t: Tensor | null): void => {
    assert.ok(t !== null);
    seen.push({ what, t, values: Float32Array.from(t.data) });
  };
  net.conv2.registerFullBackwardHook((_m, gradInput, gradOutput) => {
    keep('module gradInput', gradInput[0]);
    keep('module gradOutput', gradOutput[0]);
  });
  const x = randn([8, 3, 32, 32]);
  const h = net.bn.forward(net.conv1.forward(x));
  h.registerHook((g) => keep('tensor hook', g));
  const r = h.relu().retainGrad();
  const y = net.fc.forward(
    net.pool
      .forward(r)
      .add(net.conv2.forward(net.pool.forward(r)).relu())
      .flatten(1),
  );
  const [dh] = grad(y.pow(2).sum(), [h], { retainGraph: true });
  keep('grad() result', dh);
  y.pow(2).sum().backward();
  keep('retained .grad', r.grad);
  assert.equal(residentBlocks(), 0);
  // Passes with other data reuse the same blocks.
  for (let i = 0; i < 2; i++)
    net
      .forward(randn([8, 3, 32, 32]))
      .sum()
      .backward();
  const kinds = new Set(seen.map((s) => s.what));
  assert.deepEqual([...kinds].sort(), ['grad() result', 'module gradInput', 'module gradOutput', 'retained .grad', 'tensor hook']);
  for (const { what, t, values } of seen) {
    assert.ok(!isResident(t), `${what} lies in the wasm heap`);
    assert.deepEqual(t.data, values, `${what} changed after later passes`);
  }
});

test('a pass that throws midway frees its blocks', () => {
  const store = counting();
  withStore(store, () => {
    manualSeed(3);
    const net = new Net();
    const h = net.conv1.forward(randn([8, 3, 32, 32]));
    h.registerHook(() => {
      throw new Error('hook failed');
    });
    const y = net.fc.forward(
      net.pool
        .forward(h.relu())
        .add(net.conv2.forward(net.pool.forward(h)))
        .flatten(1),
    );
    assert.throws(() => y.sum().backward(), /hook failed/);
  });
  assert.ok(store.count > 0);
  assert.equal(residentBlocks(), 0);
});

test('createGraph keeps every gradient a JavaScript array (they join the graph of the next pass)', () => {
  const store = counting();
  withStore(store, () => {
    manualSeed(4);
    const net = new Net();
    const x = randn([8, 3, 32, 32], { requiresGrad: true });
    const [dx] = grad(net.forward(x).pow(2).sum(), [x], { createGraph: true });
    assert.ok(dx !== null && !isResident(dx));
    assert.equal(store.count, 0, 'a createGraph pass allocated resident blocks');
    // The second pass records nothing: its gradients may be resident, its result is not.
    const [ddx] = grad(dx.pow(2).sum(), [x]);
    assert.ok(ddx !== null && !isResident(ddx));
    assert.ok(store.count > 0);
  });
  assert.equal(residentBlocks(), 0);
});
