// A Sequential's activations between two of the library's own layers (tensor/resident.ts, graph records):
// they stay in the wasm kernels' memory from the forward to the backward that releases the graph, with
// the same bits as JavaScript arrays; nothing user code can reach is ever freed under it (the output,
// what hooks and the user's own modules see, a graph kept with retainGraph or never backwarded); an
// activation only the graph held throws once backward freed it; and every block is given back.
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import assert from 'node:assert/strict';
import { F, manualSeed, nn, noGrad, optim, randint, randn, type Tensor } from '../src/index.js';
import { residentBlocks } from '../src/kernels/wasm/heap.js';
import { graphRecordStats, setGraphBudgetBytes } from '../src/tensor/resident.js';
import { afterTask, countingStore, withStore } from './resident_support.js';

/** Conv, batch norm, ReLU, pooling, flatten, linear on 8×3×32² inputs: activations of 64-256 KB. */
function net(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 8, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Linear(8 * 16 * 16, 10),
  );
}

function batch(): { x: Tensor; y: Tensor } {
  manualSeed(11);
  return { x: randn([8, 3, 32, 32]), y: randint(0, 10, [8]) };
}

const noBlocksLeft = (): void => {
  assert.equal(residentBlocks(), 0, 'every block was given back');
  assert.deepEqual(graphRecordStats(), { records: 0, bytes: 0 });
};

/** Four Adam steps of a fresh net, as PyTorch's loop: the losses, the blocks live after each forward, the final parameters. */
function train(): { losses: number[]; liveAfterForward: number[]; params: number[][] } {
  manualSeed(3);
  const model = net();
  const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
  const { x, y } = batch();
  const losses: number[] = [];
  const liveAfterForward: number[] = [];
  for (let i = 0; i < 4; i++) {
    const loss = F.crossEntropy(model.forward(x), y);
    liveAfterForward.push(residentBlocks());
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
    noBlocksLeft();
  }
  return { losses, liveAfterForward, params: model.parameters().map((p) => Array.from(p.data)) };
}

test("a Sequential's activations stay in the kernels memory until backward frees them, with the same bits as arrays", () => {
  const store = countingStore();
  const resident = withStore(store, train);
  // conv, batch norm, ReLU, pool, conv, ReLU, flatten: seven activations of 64-256 KB a step.
  for (const live of resident.liveAfterForward) assert.ok(live >= 7, `${live} blocks live after the forward; expected the activations`);
  const arrays = withStore(null, train);
  assert.deepEqual(arrays.liveAfterForward, [0, 0, 0, 0]);
  assert.deepEqual(resident.losses, arrays.losses);
  assert.deepEqual(resident.params, arrays.params);
});

test('what user code can reach stays valid after backward: the output, hooks, its own modules; what only the graph held throws', () => {
  const { x, y } = batch();
  const seen = (model: nn.Sequential): { out: number[]; hooked: number[]; kept: number[] } => {
    let hooked: Tensor | null = null;
    model.at(2).registerForwardHook((_m, _inputs, output) => {
      hooked = output;
    });
    const out = model.forward(x);
    F.crossEntropy(out, y).backward();
    const keep = model.at(5) as Keep;
    return { out: Array.from(out.data), hooked: Array.from(hooked!.data), kept: Array.from(keep.kept!.data) };
  };
  /** The user's own module: a ReLU that keeps its input. */
  class Keep extends nn.ReLU {
    kept: Tensor | null = null;
    override forward(t: Tensor): Tensor {
      this.kept = t;
      return super.forward(t);
    }
  }
  const build = (): nn.Sequential => {
    manualSeed(5);
    const m = net();
    (m as unknown as Record<string, nn.Module>)['5'] = new Keep();
    return m;
  };
  const resident = seen(build());
  noBlocksLeft();
  assert.deepEqual(
    resident,
    withStore(null, () => seen(build())),
  );

  // A forward assigned to an instance is user code too: the pooled activation it sees outlives backward.
  manualSeed(5);
  const model = net();
  let pooled: Tensor | null = null;
  const pool = model.at(3);
  const poolForward = pool.forward.bind(pool);
  pool.forward = (t: Tensor): Tensor => {
    pooled = poolForward(t);
    return pooled;
  };
  const out = model.forward(x);
  // The linear layer's input: the flattened ReLU output, seen only by the graph.
  const internal = out.gradFn!.inputs.find((t) => t !== null && t.shape.length === 2 && t.shape[1] === 2048)!;
  const before = Array.from(internal.data.slice(0, 4));
  F.crossEntropy(out, y).backward();
  assert.equal(Array.from(internal.data.slice(0, 4)).join(), before.join(), 'data asked for before backward was moved out, not freed');
  const other = model.forward(x);
  const hidden = other.gradFn!.inputs.find((t) => t !== null && t.shape.length === 2 && t.shape[1] === 2048)!;
  F.crossEntropy(other, y).backward();
  assert.throws(
    () => hidden.data,
    /an activation inside a Sequential, freed with the graph's saved tensors by backward; pass \{ retainGraph: true \}/,
  );
  assert.throws(() => hidden.add(1), /freed with the graph's saved tensors/);
  assert.equal(pooled!.shape.join(), '8,8,16,16');
  assert.ok(pooled!.data.every(Number.isFinite));
  noBlocksLeft();

  // An output that is an activation itself (a Sequential ending in Identity) is moved out to user code.
  const flat = (): { out: number[]; grad: number[] } => {
    manualSeed(9);
    const m = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Identity());
    const o = m.forward(x);
    o.sum().backward();
    return { out: Array.from(o.data), grad: Array.from(m.parameters()[0].grad!.data) };
  };
  assert.deepEqual(flat(), withStore(null, flat));
  noBlocksLeft();
});

test('retainGraph keeps the activations for a second backward, which then frees them', () => {
  const { x, y } = batch();
  manualSeed(6);
  const model = net();
  const loss = F.crossEntropy(model.forward(x), y);
  loss.backward(undefined, { retainGraph: true });
  assert.ok(residentBlocks() >= 6, 'the activations outlive a backward that retains the graph');
  const first = model.parameters().map((p) => Array.from(p.grad!.data));
  model.zeroGrad();
  loss.backward();
  assert.deepEqual(
    model.parameters().map((p) => Array.from(p.grad!.data)),
    first,
  );
  noBlocksLeft();
  assert.throws(() => loss.backward(), /a second time/);
});

test('a forward with no backward: under noGrad nothing stays; past the budget the oldest graphs move out and still backward', () => {
  const { x, y } = batch();
  manualSeed(7);
  const model = net();
  noGrad(() => model.forward(x));
  noBlocksLeft();

  const reference = withStore(null, () => {
    model.zeroGrad();
    F.crossEntropy(model.forward(x), y).backward();
    return model.parameters().map((p) => Array.from(p.grad!.data));
  });
  const budget = setGraphBudgetBytes(2 * 1024 * 1024);
  try {
    const outs: Tensor[] = [];
    for (let i = 0; i < 12; i++) {
      outs.push(model.forward(x));
      // About 1 MB a forward: each new record moves the oldest out once the records pass 2 MB.
      assert.ok(graphRecordStats().bytes <= 3.5 * 1024 * 1024, `graph records hold ${graphRecordStats().bytes} bytes`);
    }
    assert.ok(graphRecordStats().records < 12, 'the oldest records were moved out');
    model.zeroGrad();
    F.crossEntropy(outs[0], y).backward();
    assert.deepEqual(
      model.parameters().map((p) => Array.from(p.grad!.data)),
      reference,
      'the first graph, moved out to arrays, backwards as before',
    );
    for (const out of outs.slice(1)) out.sum().backward();
  } finally {
    setGraphBudgetBytes(budget);
  }
  noBlocksLeft();
});

test('a Sequential forward that throws gives its blocks back, and one whose last module returns no tensor', async () => {
  const { x } = batch();
  manualSeed(8);
  const model = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(5, 10));
  assert.throws(() => model.forward(x), /Linear: input of shape \[8, 8192\] must end in inFeatures=5/);
  noBlocksLeft();
  /** The user's module at the end, returning an object (JavaScript lets it). */
  class Named extends nn.Module {
    forward(t: Tensor): Tensor {
      return { features: t } as unknown as Tensor;
    }
  }
  const named = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.ReLU(), new Named());
  const out = named.forward(x) as unknown as { features: Tensor };
  // The ReLU's output, which the user's module got: the graph's until backward, or until the task ends.
  assert.deepEqual(graphRecordStats(), { records: 1, bytes: 8 * 8 * 32 * 32 * 4 });
  const features = Array.from(out.features.storage);
  await afterTask();
  noBlocksLeft();
  assert.equal(out.features.shape.join(), '8,8,32,32');
  assert.deepEqual(Array.from(out.features.data), features, 'moved out, not freed');
  assert.ok(out.features.data.every((v) => v >= 0));
});

test('the activations of a graph dropped without backward are given back once it is garbage (between macrotasks), moved out, not freed', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { x } = batch();
  manualSeed(10);
  const model = net();
  // A forward in grad mode whose result is only read (an evaluation without noGrad).
  const run = (): { predicted: number[]; kept: Tensor } => {
    const out = model.forward(x);
    // An activation taken from the graph and kept: still valid after the graph is gone (moved out, not freed).
    const kept = out.gradFn!.inputs.find((t) => t !== null && t.shape.length === 2 && t.shape[1] === 2048)!;
    return { predicted: Array.from(out.argmax(1).data), kept };
  };
  const { predicted, kept } = run();
  assert.equal(predicted.length, 8);
  const keptSum = kept.sum().item();
  assert.equal(graphRecordStats().records, 1, 'the graph keeps its activations while it may still be backwarded');
  for (let i = 0; i < 20 && graphRecordStats().records > 0; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  noBlocksLeft();
  assert.equal(kept.sum().item(), keptSum);
});
