// The thread pool grows on demand and shrinks when setNumThreads lowers the count (issue 11 #3): no
// worker, and no memory, is kept for threads nobody uses; results stay equal to the reference kernels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, Generator, backendInfo, getBackend, getNumThreads, randn, setBackend, setNumThreads, threadsReady } from '../src/index.js';
import { assertClose } from './helpers.js';

test('setNumThreads down ends the surplus workers; up starts them again', { skip: !backendInfo().wasm.available || backendInfo().wasm.threadsReason !== '' }, async () => {
  const gen = new Generator().manualSeed(3);
  const x = randn([8, 16, 24, 24], { generator: gen });
  const w = randn([16, 16, 3, 3], { generator: gen });
  const before = getBackend();
  const threadsBefore = getNumThreads();
  setBackend('reference');
  const want = F.conv2d(x, w, null, { padding: 1 });
  setBackend('wasm');
  try {
    setNumThreads(5);
    assert.equal(await threadsReady(), 5);
    assert.equal(backendInfo().wasm.workers, 4);
    assertClose(F.conv2d(x, w, null, { padding: 1 }), want.data, 1e-5, '5 threads');
    setNumThreads(1);
    assert.equal(backendInfo().wasm.workers, 0, 'setNumThreads(1) ends every worker');
    assertClose(F.conv2d(x, w, null, { padding: 1 }), want.data, 1e-5, '1 thread');
    setNumThreads(3);
    assert.equal(await threadsReady(), 3);
    assert.equal(backendInfo().wasm.workers, 2);
    assertClose(F.conv2d(x, w, null, { padding: 1 }), want.data, 1e-5, '3 threads');
  } finally {
    setNumThreads(threadsBefore);
    setBackend(before);
  }
});

test('workers ended before they ran are not counted, and never serve a job beside their successors', { skip: !backendInfo().wasm.available || backendInfo().wasm.threadsReason !== '' }, async () => {
  const gen = new Generator().manualSeed(4);
  const x = randn([8, 16, 24, 24], { generator: gen });
  const w = randn([16, 16, 3, 3], { generator: gen });
  const before = getBackend();
  const threadsBefore = getNumThreads();
  setBackend('reference');
  const want = F.conv2d(x, w, null, { padding: 1 });
  setBackend('wasm');
  try {
    for (let round = 0; round < 3; round++) {
      // Two workers up; four more started and ended at once, before they run; then successors.
      setNumThreads(3);
      assert.equal(await threadsReady(), 3, `round ${round}: two workers up`);
      setNumThreads(7);
      F.conv2d(x, w, null, { padding: 1 });
      setNumThreads(3);
      assert.equal(await threadsReady(1000), 3, `round ${round}: the two running workers still count`);
      setNumThreads(5);
      assert.equal(await threadsReady(), 5, `round ${round}: every successor counted once it runs`);
      assertClose(F.conv2d(x, w, null, { padding: 1 }), want.data, 1e-5, `round ${round}`);
    }
  } finally {
    setNumThreads(threadsBefore);
    setBackend(before);
  }
});
