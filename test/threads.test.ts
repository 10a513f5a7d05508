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
