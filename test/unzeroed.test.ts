// Kernel outputs allocated unzeroed (allocateUnzeroed, in Node above 2 KiB): whichever kernel writes
// them, the result is what a zeroed output gives. The reference maxPoolScatter adds into its output
// ("over a zeroed dx"), so a buffer left as it came would show through; here it holds NaN on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getBackend, setBackend } from '../src/index.js';
import { getKernel } from '../src/kernels/index.js';
import { setMemoryLimitForTesting } from '../src/kernels/wasm/runtime.js';
import { allocateUnzeroed } from '../src/tensor/storage.js';

const planes = 4;
const planeIn = 1024;
const planeOut = 256;
// dy[c, q] goes to dx[c, 4q]: three of every four dx elements receive nothing and must be 0.
const dy = Float32Array.from({ length: planes * planeOut }, (_, i) => i + 1);
const idx = Float64Array.from({ length: planes * planeOut }, (_, i) => (i % planeOut) * 4);
const expected = new Float32Array(planes * planeIn);
for (let c = 0; c < planes; c++) for (let q = 0; q < planeOut; q++) expected[c * planeIn + q * 4] = dy[c * planeOut + q];

/** An unzeroed output that holds NaN (what uninitialized memory could hold), as a kernel would receive it. */
function poisoned(): Float32Array {
  const dx = allocateUnzeroed('float32', planes * planeIn, 'kernel') as Float32Array;
  dx.fill(Number.NaN);
  return dx;
}

function scatter(dx: Float32Array): void {
  getKernel('maxPoolScatter').impl(dy, idx, dx, { planes, planeIn, planeOut });
}

test('an unzeroed output is zeroed before a reference kernel adds into it', () => {
  const before = getBackend();
  try {
    setBackend('reference');
    const dx = poisoned();
    scatter(dx);
    assert.deepEqual(dx, expected);
  } finally {
    setBackend(before);
  }
});

test('where the wasm kernel declines the call (over its memory limit), the reference runs on a zeroed output', () => {
  if (getBackend() !== 'wasm') return;
  try {
    setMemoryLimitForTesting(4096);
    const dx = poisoned();
    scatter(dx);
    assert.deepEqual(dx, expected);
  } finally {
    setMemoryLimitForTesting(null);
  }
});

test('the wasm kernel writes every element; after it, the buffer is ordinary data a reference kernel reads as it is', () => {
  if (getBackend() !== 'wasm') return;
  const dx = poisoned();
  scatter(dx);
  assert.deepEqual(dx, expected);
  // Now an input of a reference kernel: it must be read, not zeroed.
  const before = getBackend();
  try {
    setBackend('reference');
    const y = new Float32Array(dx.length);
    getKernel('relu').impl(dx, y);
    assert.deepEqual(y, expected);
  } finally {
    setBackend(before);
  }
});

test("a 'caller' buffer is not tracked: a reference kernel reading it sees what the caller wrote", () => {
  const before = getBackend();
  try {
    setBackend('reference');
    const x = allocateUnzeroed('float32', 4096, 'caller') as Float32Array;
    x.fill(2);
    const y = new Float32Array(4096);
    getKernel('relu').impl(x, y);
    assert.ok(y.every((v) => v === 2));
  } finally {
    setBackend(before);
  }
});
