// Graph outputs (tensor/resident.ts): outside tidy() and a Sequential's records, an op output that joins
// the autograd graph stays in the wasm kernels' memory, owned by its node, so the next op and the
// gradient rule read it where it lies. User code may hold any of them: backward, the end of the task and
// the budget move them out to JavaScript arrays, never free them under their holder. The results must be
// the same bits as with arrays, and every block must be given back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, noGrad, optim, randint, randn, type Tensor } from '../src/index.js';
import { residentBlocks } from '../src/kernels/wasm/heap.js';
import { graphRecordStats, setGraphBudgetBytes } from '../src/tensor/resident.js';
import { afterTask, countingStore, withStore } from './resident_support.js';

/** A residual block as users write one (not a Sequential): conv, batch norm, ReLU, conv, batch norm, plus the input, ReLU. */
class Block extends nn.Module {
  conv1 = new nn.Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn1 = new nn.BatchNorm2d(8);
  conv2 = new nn.Conv2d(8, 8, 3, { padding: 1, bias: false });
  bn2 = new nn.BatchNorm2d(8);
  /** The first ReLU's output of the last forward, kept as user code may keep one. */
  kept: Tensor | null = null;
  forward(x: Tensor): Tensor {
    const h = F.relu(this.bn1.forward(this.conv1.forward(x)));
    this.kept = h;
    return F.relu(this.bn2.forward(this.conv2.forward(h)).add(x));
  }
}

/** A stem conv, the block, pooling and a linear layer: activations of 64 KB-256 KB for 8×3×32² inputs. */
class Net extends nn.Module {
  stem = new nn.Conv2d(3, 8, 3, { padding: 1 });
  block = new Block();
  pool = new nn.MaxPool2d(2);
  fc = new nn.Linear(8 * 16 * 16, 10);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pool.forward(this.block.forward(this.stem.forward(x))).flatten(1));
  }
}

function batch(): { x: Tensor; y: Tensor } {
  manualSeed(21);
  return { x: randn([8, 3, 32, 32]), y: randint(0, 10, [8]) };
}

const noBlocksLeft = (): void => {
  assert.equal(residentBlocks(), 0, 'every block was given back');
  assert.deepEqual(graphRecordStats(), { records: 0, bytes: 0 });
};

/** Four SGD steps of a fresh net as PyTorch's loop: losses, blocks live after each forward, the kept ReLU outputs and final parameters. */
function train(): { losses: number[]; liveAfterForward: number[]; kept: number[][]; params: number[][] } {
  manualSeed(22);
  const model = new Net();
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const { x, y } = batch();
  const losses: number[] = [];
  const liveAfterForward: number[] = [];
  const keptTensors: Tensor[] = [];
  for (let i = 0; i < 4; i++) {
    const loss = F.crossEntropy(model.forward(x), y);
    liveAfterForward.push(residentBlocks());
    keptTensors.push(model.block.kept!);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
    noBlocksLeft();
  }
  // Read after all four steps: what a later step's blocks overwrote would show here.
  const kept = keptTensors.map((t) => Array.from(t.data));
  return { losses, liveAfterForward, kept, params: model.parameters().map((p) => Array.from(p.data)) };
}

test("the outputs of a user's module stay in the kernels memory from forward to backward, with the same bits as arrays", () => {
  const store = countingStore();
  const resident = withStore(store, train);
  // stem conv; conv, batch norm, ReLU, conv, batch norm, add, ReLU; pool (values and indices).
  for (const live of resident.liveAfterForward) assert.ok(live >= 9, `${live} blocks live after the forward; expected the outputs`);
  const arrays = withStore(null, train);
  assert.deepEqual(arrays.liveAfterForward, [0, 0, 0, 0]);
  assert.deepEqual(resident.losses, arrays.losses);
  assert.deepEqual(resident.params, arrays.params);
  assert.deepEqual(resident.kept, arrays.kept, 'an output the user kept was moved out by backward, not freed');
});

test('a kept output read before backward, and one used after it, stay valid', () => {
  const { x, y } = batch();
  manualSeed(23);
  const model = new Net();
  const out = model.forward(x);
  const h = model.block.kept!;
  assert.ok(h.residentBlock >= 0, 'the ReLU output lies in the kernels memory');
  const before = Array.from(h.storage);
  F.crossEntropy(out, y).backward();
  assert.equal(h.residentBlock, -1, 'backward moved it out');
  // Later passes reuse the blocks; h must not see them.
  for (let i = 0; i < 2; i++) F.crossEntropy(model.forward(randn([8, 3, 32, 32])), y).backward();
  assert.deepEqual(Array.from(h.data), before);
  assert.deepEqual(
    Array.from(h.detach().mul(2).data),
    before.map((v) => Math.fround(v * 2)),
  );
  noBlocksLeft();
});

test('no graph, no block: under noGrad, or where no input requires grad', () => {
  const { x } = batch();
  manualSeed(24);
  const model = new Net();
  const store = countingStore();
  withStore(store, () => {
    noGrad(() => model.forward(x));
    // Data transforms on tensors that need no gradient.
    const a = randn([8, 8, 32, 32]);
    F.relu(a.mul(2).add(a));
  });
  assert.equal(store.count, 0);
  noBlocksLeft();
});

test('a forward never backwarded: its outputs move out once the task ends, and backward through them still works', async () => {
  const { x, y } = batch();
  manualSeed(25);
  const model = new Net();
  const reference = withStore(null, () => {
    F.crossEntropy(model.forward(x), y).backward();
    const grads = model.parameters().map((p) => Array.from(p.grad!.data));
    model.zeroGrad();
    return grads;
  });
  const out = model.forward(x);
  const h = model.block.kept!;
  const before = Array.from(h.storage);
  assert.ok(residentBlocks() >= 9);
  await afterTask();
  noBlocksLeft();
  assert.deepEqual(Array.from(h.data), before);
  F.crossEntropy(out, y).backward();
  assert.deepEqual(
    model.parameters().map((p) => Array.from(p.grad!.data)),
    reference,
  );
});

test('past the budget, new outputs are JavaScript arrays; retainGraph keeps them for a second backward', () => {
  const { x, y } = batch();
  manualSeed(26);
  const model = new Net();
  const budget = setGraphBudgetBytes(1024 * 1024);
  try {
    const outs: Tensor[] = [];
    for (let i = 0; i < 6; i++) {
      outs.push(model.forward(x));
      // One block of at most 256 KB past the budget, then none.
      assert.ok(graphRecordStats().bytes <= 1024 * 1024 + 256 * 1024, `graph outputs hold ${graphRecordStats().bytes} bytes`);
    }
    const grads = (i: number): number[][] => {
      model.zeroGrad();
      F.crossEntropy(outs[i], y).backward();
      return model.parameters().map((p) => Array.from(p.grad!.data));
    };
    const first = grads(0);
    for (let i = 1; i < 6; i++) assert.deepEqual(grads(i), first, `graph ${i} backwards as the first`);
  } finally {
    setGraphBudgetBytes(budget);
  }
  noBlocksLeft();

  model.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), y);
  loss.backward(undefined, { retainGraph: true });
  assert.ok(residentBlocks() >= 9, 'the outputs outlive a backward that retains the graph');
  const once = model.parameters().map((p) => Array.from(p.grad!.data));
  model.zeroGrad();
  loss.backward();
  assert.deepEqual(
    model.parameters().map((p) => Array.from(p.grad!.data)),
    once,
  );
  noBlocksLeft();
});

test('an output whose data user code writes before backward: the saved tensor sees the write, as with arrays', () => {
  const { x, y } = batch();
  const run = (): number[][] => {
    manualSeed(27);
    const model = new Net();
    const out = model.forward(x);
    // The first ReLU's output, saved by its own rule and by conv2's: .data moves it out, and the graph's
    // tensor is the same one, so backward reads what was written (PyTorch's .data, no version bump).
    const data = model.block.kept!.data;
    for (let i = 0; i < data.length; i += 3) data[i] *= 2;
    F.crossEntropy(out, y).backward();
    return model.parameters().map((p) => Array.from(p.grad!.data));
  };
  const resident = run();
  noBlocksLeft();
  assert.deepEqual(resident, withStore(null, run));
});
