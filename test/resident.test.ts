// Resident gradients (tensor/resident.ts, autograd/resident.ts, kernels/wasm/heap.ts): inside a backward
// pass, kernel outputs live in the wasm kernels' memory. They must give the same bits as JavaScript
// arrays, every block must be freed by the end of the pass (whatever happens in it), and nothing the
// user can reach — .grad, retained gradients, what hooks see, grad()'s results — may lie in a block,
// which a later pass would overwrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad, manualSeed, randn, type Tensor } from '../src/index.js';
import { residentBlocks, wasmHeap } from '../src/kernels/wasm/heap.js';
import { ARENA_START, heap, wasmMemoryBytes } from '../src/kernels/wasm/runtime.js';
import type { Storage } from '../src/tensor/tensor.js';
import { afterTask, countingStore, ResidentNet, withStore } from './resident_support.js';

const isResident = (t: Tensor): boolean => wasmHeap.blockOf(t.data) >= 0;

/** One forward and backward pass of a fresh net (seeded), returning the parameters' gradients. */
function gradients(seed: number, dtype: 'float32' | 'float64'): Storage[] {
  manualSeed(seed);
  const net = new ResidentNet();
  if (dtype === 'float64') net.double();
  const x = randn([8, 3, 32, 32], { dtype });
  const target = randn([8, 10], { dtype });
  net.forward(x).sub(target).pow(2).mean().backward();
  return net.parameters().map((p) => {
    assert.ok(p.grad !== null && !isResident(p.grad), '.grad is a JavaScript array');
    return p.grad.data.slice();
  });
}

for (const dtype of ['float32', 'float64'] as const) {
  test(`a backward pass keeps its gradients resident, frees every block, and gives the same bits as without (${dtype})`, () => {
    const store = countingStore();
    const resident = withStore(store, () => gradients(1, dtype));
    assert.ok(store.count >= 5, `the pass allocated ${store.count} resident blocks; expected the activations' gradients among them`);
    assert.equal(residentBlocks(), 0);
    assert.equal(heap.top, ARENA_START, 'the heap gave its memory back to the arena');
    const plain = withStore(null, () => gradients(1, dtype));
    assert.deepEqual(resident, plain);
  });
}

test('what hooks see, retained gradients and grad() results are copies the next passes do not overwrite', () => {
  manualSeed(2);
  const net = new ResidentNet();
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

test('a pass that throws midway frees its blocks', async () => {
  const store = countingStore();
  withStore(store, () => {
    manualSeed(3);
    const net = new ResidentNet();
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
    // The forward's outputs, which the graph holds (it was not released).
    const forwardBlocks = residentBlocks();
    const before = store.count;
    assert.throws(() => y.sum().backward(), /hook failed/);
    assert.ok(store.count > before, 'the pass allocated resident blocks');
    assert.equal(residentBlocks(), forwardBlocks, 'the pass freed its own');
  });
  // The graph's go once the task ends.
  await afterTask();
  assert.equal(residentBlocks(), 0);
});

test('createGraph keeps every gradient a JavaScript array (they join the graph of the next pass)', async () => {
  const store = countingStore();
  withStore(store, () => {
    manualSeed(4);
    const net = new ResidentNet();
    const x = randn([8, 3, 32, 32], { requiresGrad: true });
    const loss = net.forward(x).pow(2).sum();
    const forwardBlocks = store.count;
    const [dx] = grad(loss, [x], { createGraph: true });
    assert.ok(dx !== null && !isResident(dx));
    assert.equal(store.count, forwardBlocks, 'a createGraph pass allocated resident blocks');
    // The second pass records nothing: its gradients may be resident, its result is not.
    const [ddx] = grad(dx.pow(2).sum(), [x]);
    assert.ok(ddx !== null && !isResident(ddx));
    assert.ok(store.count > forwardBlocks);
  });
  await afterTask();
  assert.equal(residentBlocks(), 0);
});

test('the heap reuses freed blocks first fit, merges neighbours and lowers its top', () => {
  const kib = (k: number): number => (k * 1024) / 4; // float32 elements in k KiB
  const take = (k: number): { data: Storage; block: number } => {
    const got = wasmHeap.allocate(false, kib(k));
    assert.ok(got !== null);
    return got;
  };
  assert.equal(wasmHeap.allocate(false, kib(1)), null, 'small storage stays a JavaScript array');
  const a = take(64);
  const b = take(128);
  const c = take(64);
  assert.ok(a.block === ARENA_START && b.block > a.block && c.block > b.block);
  assert.equal(wasmHeap.blockOf(b.data.subarray(100)), b.block, 'a view inside a block belongs to it');
  wasmHeap.free(b.block);
  const d = take(100);
  assert.equal(d.block, b.block, 'first fit: the freed block is reused');
  wasmHeap.free(a.block);
  wasmHeap.free(d.block);
  // a, d and the rest of b are one free range now: 192 KiB fits at a's address.
  const e = take(192);
  assert.equal(e.block, ARENA_START);
  assert.throws(() => wasmHeap.free(d.block), /not live/);
  wasmHeap.free(c.block);
  assert.ok(
    heap.top > e.block && heap.top <= c.block,
    'freeing the top block lowers the top to the end of e, which still holds the bottom',
  );
  wasmHeap.free(e.block);
  assert.equal(heap.top, ARENA_START);
  assert.equal(residentBlocks(), 0);
});

test('the kernels memory stays flat over many passes with resident gradients', () => {
  manualSeed(5);
  const net = new ResidentNet();
  const x = randn([8, 3, 32, 32]);
  const pass = (): void => {
    for (const p of net.parameters()) p.grad = null;
    net.forward(x).pow(2).mean().backward();
  };
  for (let i = 0; i < 3; i++) pass();
  const bytes = wasmMemoryBytes();
  for (let i = 0; i < 60; i++) {
    pass();
    assert.equal(residentBlocks(), 0);
    assert.equal(heap.top, ARENA_START);
  }
  assert.equal(wasmMemoryBytes(), bytes, 'the kernels memory grew');
});
