// The kernel registry: a backend is one registration (registerBackend) with the kernels it has; the
// current backend's kernel runs, and the reference one wherever the backend has none or declines a call.
// A toy third backend stands in for a future one (WebGPU): registered here, in this test's process only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, getBackend, kernelInventory, setBackend, tensor } from '../src/index.js';
import { registerBackend } from '../src/kernels/index.js';
import type { Storage } from '../src/tensor/tensor.js';

const calls: string[] = [];
let available = false;

registerBackend('toy', {
  unavailableReason: () => (available ? '' : 'the toy device is unplugged'),
  kernels: {
    // relu for float32 only: float64 is declined, and the reference kernel runs.
    relu: (x: Storage, y: Storage): boolean => {
      if (!(x instanceof Float32Array)) {
        calls.push('relu declined');
        return false;
      }
      calls.push('relu');
      for (let i = 0; i < y.length; i++) y[i] = Math.max(x[i], 0);
      return true;
    },
  },
});

test('a registered backend runs its kernels, and the reference ones for the rest and for what it declines', () => {
  const before = getBackend();
  assert.throws(() => setBackend('toy'), /setBackend: the toy backend is unavailable here: the toy device is unplugged/);
  available = true;
  try {
    setBackend('toy');
    assert.equal(getBackend(), 'toy');
    assert.deepEqual(Array.from(F.relu(tensor([-1, 2, -3, 4])).data), [0, 2, 0, 4]);
    assert.deepEqual(Array.from(F.relu(tensor([-1, 5], { dtype: 'float64' })).data), [0, 5]);
    // The toy backend has no silu: the reference kernel computes it.
    assert.ok(Math.abs(F.silu(tensor([1])).data[0] - 1 / (1 + Math.exp(-1))) < 1e-7);
    assert.deepEqual(calls, ['relu', 'relu declined']);
    const inventory = new Map(kernelInventory().map((k) => [k.name, k.backends]));
    assert.ok(inventory.get('relu')?.includes('toy'));
    assert.ok(!inventory.get('silu')?.includes('toy'));
  } finally {
    setBackend(before);
  }
  assert.throws(() => setBackend('gpu'), /setBackend: backend="gpu" is not available; expected 'reference' or 'wasm' or 'toy'/);
  assert.throws(
    () => registerBackend('toy', { unavailableReason: () => '', kernels: {} }),
    /registerBackend: a backend named "toy" is already registered/,
  );
});
