// The thread pool grows on demand and shrinks when setNumThreads lowers the count (issue 11 #3): no
// worker, and no memory, is kept for threads nobody uses; results stay equal to the reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, backendInfo, getBackend, getNumThreads, randn, setBackend, setNumThreads, threadsReady } from '../src/index.js';
import { assertClose } from './helpers.js';

const skip = !backendInfo().wasm.available || backendInfo().wasm.threadsReason !== '';

/**
 * Runs `body` on the wasm backend with a conv layer and its reference result, then restores the
 * backend and the thread count.
 */
async function withLayer(
  seed: number,
  body: (conv: () => ReturnType<typeof F.conv2d>, want: Float32Array) => Promise<void>,
): Promise<void> {
  const gen = new Generator().manualSeed(seed);
  const x = randn([8, 16, 24, 24], { generator: gen });
  const w = randn([16, 16, 3, 3], { generator: gen });
  const conv = (): ReturnType<typeof F.conv2d> => F.conv2d(x, w, null, { padding: 1 });
  const before = getBackend();
  const threadsBefore = getNumThreads();
  setBackend('reference');
  const want = conv().data as Float32Array;
  setBackend('wasm');
  try {
    await body(conv, want);
  } finally {
    setNumThreads(threadsBefore);
    setBackend(before);
  }
}

test('setNumThreads down ends the surplus workers; up starts them again', { skip }, () =>
  withLayer(3, async (conv, want) => {
    setNumThreads(5);
    assert.equal(await threadsReady(), 5);
    assert.equal(backendInfo().wasm.workers, 4);
    assertClose(conv(), want, 1e-5, '5 threads');
    setNumThreads(1);
    assert.equal(backendInfo().wasm.workers, 0, 'setNumThreads(1) ends every worker');
    assertClose(conv(), want, 1e-5, '1 thread');
    setNumThreads(3);
    assert.equal(await threadsReady(), 3);
    assert.equal(backendInfo().wasm.workers, 2);
    assertClose(conv(), want, 1e-5, '3 threads');
  }),
);

test('workers ended before they ran are not counted, and never serve a job beside their successors', { skip }, () =>
  withLayer(4, async (conv, want) => {
    for (let round = 0; round < 3; round++) {
      // Two workers up; four more started and ended at once, before they run; then successors.
      setNumThreads(3);
      assert.equal(await threadsReady(), 3, `round ${round}: two workers up`);
      setNumThreads(7);
      conv();
      setNumThreads(3);
      assert.equal(await threadsReady(1000), 3, `round ${round}: the two running workers still count`);
      setNumThreads(5);
      assert.equal(await threadsReady(), 5, `round ${round}: every successor counted once it runs`);
      assertClose(conv(), want, 1e-5, `round ${round}`);
    }
  }),
);
