// Every wasm pass gives the same bits for any thread count and any run (issue 11 #1): 36 geometries
// over the GEMM, gather, scatter, direct and depthwise paths in 1-3 d, each pass run twice on 1, 2, 3
// and 4 threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendInfo, Generator, getBackend, getNumThreads, randn, setBackend, setNumThreads, threadsReady } from '../src/index.js';
import { convKernels } from '../src/kernels/index.js';
import { kernelPathGeometries, runPasses } from './helpers.js';

test('forward, input and weight gradients: bit-identical on 1, 2, 3 and 4 threads, run after run', {
  skip: !backendInfo().wasm.available,
}, async () => {
  const before = getBackend();
  const threadsBefore = getNumThreads();
  setBackend('wasm');
  const gen = new Generator().manualSeed(5);
  const list = kernelPathGeometries(11, 0);
  assert.ok(list.length >= 30, `${list.length} geometries`);
  try {
    for (const g of list) {
      const xs = [g.batch, g.xChannels, ...g.xSize];
      const x = randn(xs, { generator: gen }).data as Float32Array;
      const w = randn([g.yChannels, g.xChannels / g.groups, ...g.kSize], { generator: gen }).data as Float32Array;
      const dy = randn([g.batch, g.yChannels, ...g.ySize], { generator: gen }).data as Float32Array;
      let first: Float32Array[] | null = null;
      for (const threads of [1, 2, 3, 4]) {
        setNumThreads(threads);
        await threadsReady();
        for (let run = 0; run < 2; run++) {
          const out = runPasses(convKernels(), x, w, dy, g);
          if (first === null) first = out;
          else {
            ['forward', 'input gradient', 'weight gradient'].forEach((pass, i) =>
              assert.ok(
                Buffer.from(first![i].buffer).equals(Buffer.from(out[i].buffer)),
                `${pass} differs with ${threads} threads (run ${run}): ${JSON.stringify(g)}`,
              ),
            );
          }
        }
      }
    }
  } finally {
    setNumThreads(threadsBefore);
    setBackend(before);
  }
});
