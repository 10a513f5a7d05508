// Training does not leak: memory stays flat over 10,000 steps (RSS, V8 heap and external memory sampled
// after garbage collection, compared between step 2,000 and step 10,000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  DataLoader,
  F,
  Generator,
  backendInfo,
  datasets,
  manualSeed,
  nn,
  optim,
  randn,
  setNumThreads,
  tidy,
  type Tensor,
} from '../src/index.js';
import { residentBlocks } from '../src/kernels/wasm/heap.js';
import { wasmMemoryBytes } from '../src/kernels/wasm/runtime.js';
import { countingStore, withStore } from './resident_support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 1 << 20;

function sample(): { rss: number; heap: number; external: number } {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

/** conv 1→channels k3 p1, batch norm, ReLU, 2×2 max-pool, linear to 10 classes: a CNN for the 8×8 digits. */
function digitsCnn(channels: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, channels, 3, { padding: 1 }),
    new nn.BatchNorm2d(channels),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(channels * 16, 10),
  );
}

test('memory stays flat over 10,000 training steps of a CNN (conv, batch norm, pooling, Adam)', () => {
  manualSeed(0);
  const { train } = datasets.digits();
  const model = digitsCnn(4);
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(train, { batchSize: 8, shuffle: true, generator: new Generator().manualSeed(0) });
  let steps = 0;
  let early = sample();
  while (steps < 10000) {
    for (const { x, y } of loader) {
      const loss = F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      steps++;
      if (steps === 2000) early = sample();
      if (steps === 10000) break;
    }
  }
  const late = sample();
  const grown = { rss: (late.rss - early.rss) / MB, heap: (late.heap - early.heap) / MB, external: (late.external - early.external) / MB };
  assert.ok(grown.heap < 4, `heap grew ${grown.heap.toFixed(1)} MB`);
  assert.ok(grown.external < 4, `external memory grew ${grown.external.toFixed(1)} MB`);
  assert.ok(grown.rss < 32, `RSS grew ${grown.rss.toFixed(1)} MB`);
});

/** The same layers called one by one from a forward of the user's: their outputs reach user code (graph outputs, moved out by backward). */
class OwnForward extends nn.Module {
  constructor(readonly layers: nn.Sequential) {
    super();
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.layers.children()) y = m.forward(y);
    return y;
  }
}

const LOOPS = { tidy: 'in tidy()', plain: "PyTorch's loop, a Sequential", module: "PyTorch's loop, a module of the user's" } as const;

// In tidy(), and in PyTorch's plain loop too: a Sequential's activations (the graph frees them) and a
// user module's outputs (backward moves them out).
for (const loop of ['tidy', 'plain', 'module'] as const)
  test(`memory stays flat over 10,000 training steps (${LOOPS[loop]}), with the activations resident in the kernels memory`, () => {
    manualSeed(0);
    const { train } = datasets.digits();
    // Wide enough that the conv, batch norm, ReLU and pooling outputs (64 KB-256 KB) go resident.
    const layers = digitsCnn(16);
    const model = loop === 'module' ? new OwnForward(layers) : layers;
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const loader = new DataLoader(train, { batchSize: 64, shuffle: true, generator: new Generator().manualSeed(0) });
    const store = countingStore();
    withStore(store, () => {
      let steps = 0;
      let early = sample();
      let wasmBytes = 0;
      while (steps < 10000) {
        for (const { x, y } of loader) {
          const step = (): void => {
            const loss = F.crossEntropy(model.forward(x), y);
            opt.zeroGrad();
            loss.backward();
            opt.step();
          };
          if (loop === 'tidy') tidy(step);
          else step();
          steps++;
          assert.equal(residentBlocks(), 0);
          if (steps === 2000) {
            early = sample();
            wasmBytes = wasmMemoryBytes();
          }
          if (steps === 10000) break;
        }
      }
      const late = sample();
      assert.ok(store.mostLive >= 4, `at most ${store.mostLive} blocks were live in a step; expected the activations`);
      assert.equal(wasmMemoryBytes(), wasmBytes, 'the kernels memory grew');
      const grown = {
        rss: (late.rss - early.rss) / MB,
        heap: (late.heap - early.heap) / MB,
        external: (late.external - early.external) / MB,
      };
      assert.ok(grown.heap < 4, `heap grew ${grown.heap.toFixed(1)} MB`);
      assert.ok(grown.external < 4, `external memory grew ${grown.external.toFixed(1)} MB`);
      assert.ok(grown.rss < 32, `RSS grew ${grown.rss.toFixed(1)} MB`);
    });
  });

test('a history of 20,000 small detached tensors keeps about their own memory alive, not whole slabs', () => {
  const x = randn([16, 16]);
  const before = sample();
  const history: ReturnType<typeof randn>[] = [];
  for (let i = 0; i < 20000; i++) {
    // Other small temporaries between the kept scalars, as a training loop makes.
    const t = x.mul(2).add(1).sum();
    history.push(t.detach());
  }
  const after = sample();
  const grown = (after.external - before.external) / MB;
  assert.equal(history.length, 20000);
  assert.ok(grown < 2, `external memory grew ${grown.toFixed(1)} MB for 20,000 scalars`);
});

test('the wasm memory grown for one large job is given back after many small calls, and threaded kernels still work (issue 20, item 12)', async () => {
  const { SHRINK_ABOVE, SHRINK_AFTER, wasmMemoryBytes } = await import('../src/kernels/wasm/runtime.js');
  if (!backendInfo().wasm.available) return;
  const small = randn([4, 3, 9, 9]);
  const w = randn([5, 3, 3, 3]);
  setNumThreads(2);
  const want = F.conv2d(small, w, null, { padding: 1 });
  const [bigX, bigW] = [randn([64, 16, 16, 16]), randn([32, 16, 3, 3])];
  const bigWant = F.conv2d(bigX, bigW); // large enough for both threads
  // One large call: 24 M floats in and out (~200 MB of layout).
  F.relu(randn([24_000_000]));
  const large = wasmMemoryBytes();
  assert.ok(large > SHRINK_ABOVE, `${large} bytes after the large call`);
  for (let i = 0; i < SHRINK_AFTER; i++) F.relu(small);
  assert.equal(wasmMemoryBytes(), large, 'kept while the calls are few (a large job between small ones keeps it)');
  F.relu(small);
  assert.ok(wasmMemoryBytes() < 16 * MB, `${wasmMemoryBytes()} bytes after ${SHRINK_AFTER} small calls`);
  // Fresh memory, fresh workers: the same results on 2 threads.
  assert.deepEqual(Array.from(F.conv2d(small, w, null, { padding: 1 }).data), Array.from(want.data));
  assert.deepEqual(Array.from(F.conv2d(bigX, bigW).data), Array.from(bigWant.data));
  assert.equal(backendInfo().wasm.workers, 1, 'a new worker serves the fresh memory');
});
