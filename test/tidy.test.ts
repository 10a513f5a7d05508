// tidy() (tensor/resident.ts): inside it, forward outputs live in the wasm kernels' memory and are freed
// when it returns. The results must be the same bits as without it; what it returns, and every array
// handed out by `.data` inside it, must stay valid after it; a tensor it freed must throw when used
// (never read freed memory); parameters, gradients and optimizer state must not be touched; and every
// block must be given back, whatever happens inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, noGrad, optim, randint, randn, tidy, type Tensor } from '../src/index.js';
import { residentBlocks, wasmHeap } from '../src/kernels/wasm/heap.js';
import { ARENA_START, arenaStart, heap, PEAK_HOLD_CALLS, wasmMemoryBytes, wasmRuntimeForCall } from '../src/kernels/wasm/runtime.js';
import { countingStore, ResidentNet, withStore } from './resident_support.js';

const isResident = (data: Float32Array | Float64Array): boolean => wasmHeap.blockOf(data) >= 0;

/** Four Adam steps of a fresh net (seeded), each in tidy() or not: the losses and the final parameters. */
function train(inTidy: boolean, dtype: 'float32' | 'float64'): { losses: number[]; params: number[][] } {
  manualSeed(3);
  const net = new ResidentNet();
  if (dtype === 'float64') net.double();
  const opt = new optim.Adam(net.parameters(), { lr: 1e-2 });
  const x = randn([8, 3, 32, 32], { dtype });
  const y = randint(0, 10, [8]);
  const losses: number[] = [];
  const step = (): number => {
    const loss = F.crossEntropy(net.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  };
  for (let i = 0; i < 4; i++) losses.push(inTidy ? tidy(step) : step());
  return { losses, params: net.parameters().map((p) => Array.from(p.data)) };
}

for (const dtype of ['float32', 'float64'] as const) {
  test(`training steps in tidy() keep the activations resident and give the same bits as without (${dtype})`, () => {
    const store = countingStore();
    const tidied = withStore(store, () => train(true, dtype));
    assert.ok(store.count >= 4 * 8, `the steps allocated ${store.count} resident blocks; expected the activations among them`);
    assert.equal(residentBlocks(), 0, 'tidy freed every block');
    assert.equal(heap.top, ARENA_START);
    const plainStore = countingStore();
    const plain = withStore(plainStore, () => train(false, dtype));
    assert.deepEqual(tidied, plain);
    // Outside tidy, the outputs that join the graph stay in the kernels memory too, until backward.
    assert.ok(plainStore.count >= 4 * 8, `the plain steps allocated ${plainStore.count} resident blocks; expected the activations`);
    assert.equal(residentBlocks(), 0, 'backward gave every block back');
    const arrays = withStore(null, () => train(false, dtype));
    assert.deepEqual(arrays, plain);
  });
}

test('what tidy() returns stays valid, in whatever holds it; a tensor it freed throws when used', () => {
  manualSeed(4);
  const net = new ResidentNet();
  const x = randn([8, 3, 32, 32]);
  // The references: no graph (a graph keeps its outputs in the kernels memory until backward).
  const expected = noGrad(() => net.conv1.forward(x));
  const expectedOut = noGrad(() => net.forward(x));
  let inner: Tensor | null = null;
  const kept = tidy(() => {
    const h = net.conv1.forward(x);
    inner = h.relu();
    assert.ok(isResident(h.storage), 'a forward output lies in the kernels memory inside tidy');
    return { h, list: [net.forward(x)], map: new Map([['again', h]]) };
  });
  assert.equal(residentBlocks(), 0);
  assert.ok(!isResident(kept.h.storage));
  assert.deepEqual(kept.h.data, expected.data);
  assert.deepEqual(kept.list[0].data, expectedOut.data);
  assert.equal(kept.map.get('again'), kept.h);
  // The heap's memory is reused by the next tidy; the kept tensor must not see it.
  tidy(() =>
    net
      .forward(randn([8, 3, 32, 32]))
      .sum()
      .item(),
  );
  assert.deepEqual(kept.h.data, expected.data);
  // The relu output was neither returned nor moved out: freed.
  const freed = inner as unknown as Tensor;
  assert.throws(() => freed.data, /data: this tensor was made inside tidy\(\) and freed when tidy returned/);
  assert.throws(() => freed.add(1), /storage: this tensor was made inside tidy\(\)/);
  assert.throws(() => freed.sum(), /made inside tidy\(\)/);
});

test("an array handed out by .data inside tidy() is the caller's to keep", () => {
  manualSeed(5);
  const net = new ResidentNet();
  const x = randn([8, 3, 32, 32]);
  const expected = Array.from(noGrad(() => net.conv1.forward(x).relu()).data);
  let array: Float32Array | Float64Array | null = null;
  let tensor: Tensor | null = null;
  tidy(() => {
    const h = net.conv1.forward(x).relu();
    const view = h.detach(); // shares h's storage: it moves out with it
    array = h.data;
    assert.ok(!isResident(array), 'data moved the block out to a JavaScript array');
    assert.ok(!isResident(view.storage), 'the tensor sharing the block moved with it');
    assert.deepEqual(Array.from(view.storage), expected);
    tensor = h;
    // Work after the move: the heap may reuse memory, the array must not change.
    net.forward(x).sum().backward();
  });
  tidy(() =>
    net
      .forward(randn([8, 3, 32, 32]))
      .sum()
      .item(),
  );
  assert.deepEqual(Array.from(array as unknown as Float32Array), expected);
  // A tensor moved out is not freed with the block.
  assert.deepEqual(Array.from((tensor as unknown as Tensor).data), expected);
  assert.equal(residentBlocks(), 0);
});

test('nested tidy() passes what the inner one returns to the outer one', () => {
  manualSeed(6);
  const net = new ResidentNet();
  const x = randn([8, 3, 32, 32]);
  const expected = noGrad(() => net.conv1.forward(x).relu().mul(2));
  let fromInner: Tensor | null = null;
  const out = tidy(() => {
    const h = tidy(() => net.conv1.forward(x).relu());
    assert.ok(isResident(h.storage), 'the inner result stays in the kernels memory, owned by the outer tidy');
    fromInner = h;
    return h.mul(2);
  });
  assert.deepEqual(out.data, expected.data);
  assert.throws(() => (fromInner as unknown as Tensor).data, /made inside tidy\(\)/);
  assert.equal(residentBlocks(), 0);
});

test('tidy() leaves parameters, gradients, optimizer state and converted modules usable', () => {
  manualSeed(7);
  const net = new ResidentNet();
  const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
  const x = randn([8, 3, 32, 32], { dtype: 'float64' });
  const y = randint(0, 10, [8]);
  tidy(() => {
    net.double(); // the converted parameters are new arrays: they must outlive the tidy
    F.crossEntropy(net.forward(x), y).backward();
    opt.step();
  });
  for (const p of net.parameters()) {
    assert.ok(!isResident(p.storage) && p.grad !== null && !isResident(p.grad.storage));
    assert.ok(Array.from(p.data).every(Number.isFinite));
    assert.ok(Array.from(p.grad.data).every(Number.isFinite));
  }
  // A second step (momentum buffers from the first) runs and changes the parameters.
  const before = Array.from(net.fc.weight.data);
  tidy(() => {
    opt.zeroGrad();
    F.crossEntropy(net.forward(x), y).backward();
    opt.step();
  });
  assert.notDeepEqual(Array.from(net.fc.weight.data), before);
  assert.equal(residentBlocks(), 0);
});

test('a graph built inside tidy() cannot be walked after it: backward throws instead of reading freed memory', () => {
  manualSeed(8);
  const net = new ResidentNet();
  const loss = tidy(() =>
    net
      .forward(randn([8, 3, 32, 32]))
      .pow(2)
      .mean(),
  );
  assert.throws(() => loss.backward(), /made inside tidy\(\)/);
  assert.equal(residentBlocks(), 0);
});

test('tidy() frees its blocks when fn throws, and refuses what it cannot tidy', () => {
  manualSeed(9);
  const net = new ResidentNet();
  assert.throws(
    () =>
      tidy(() => {
        net.forward(randn([8, 3, 32, 32]));
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.equal(residentBlocks(), 0);
  assert.throws(() => tidy(42 as unknown as () => void), /tidy: fn must be a function \(\) => result, got number/);
  assert.throws(
    () => tidy(async () => net.forward(randn([8, 3, 32, 32]))),
    /tidy: fn returned a Promise; tidy needs a synchronous function/,
  );
  // One that goes on after an await, on tensors tidy freed: the same Error, and no unhandled rejection.
  assert.throws(
    () =>
      tidy(async () => {
        const h = net.conv1.forward(randn([8, 3, 32, 32]));
        await Promise.resolve();
        return h.sum();
      }),
    /tidy: fn returned a Promise/,
  );
  assert.equal(residentBlocks(), 0);
});

test('the kernels memory stays flat over many training steps in tidy()', () => {
  manualSeed(10);
  const net = new ResidentNet();
  const opt = new optim.SGD(net.parameters(), { lr: 0.01 });
  const x = randn([8, 3, 32, 32]);
  const y = randint(0, 10, [8]);
  const step = (): number =>
    tidy(() => {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  for (let i = 0; i < 3; i++) step();
  const bytes = wasmMemoryBytes();
  for (let i = 0; i < 60; i++) {
    assert.ok(Number.isFinite(step()));
    assert.equal(residentBlocks(), 0);
    assert.equal(heap.top, ARENA_START);
  }
  assert.equal(wasmMemoryBytes(), bytes, 'the kernels memory grew');
});

test('the arena stays above the highest heap top of recent tidy() steps, and comes down once no block is live for a while', () => {
  manualSeed(11);
  const net = new ResidentNet();
  const x = randn([8, 3, 32, 32]);
  let top = 0;
  tidy(() => {
    net.forward(x).sum().backward();
    top = heap.top;
    assert.ok(top > ARENA_START, 'the step left blocks live');
  });
  assert.equal(heap.top, ARENA_START);
  // Between steps the next step's calls still find their arena where the last step's were.
  assert.ok(arenaStart() >= top);
  for (let i = 0; i < PEAK_HOLD_CALLS; i++) wasmRuntimeForCall();
  assert.equal(arenaStart(), ARENA_START);
});
