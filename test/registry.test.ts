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
    // Counted, then declined (the reference runs): linear and matmul's rules must not call it.
    transpose: (): boolean => {
      calls.push('transpose');
      return false;
    },
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

test('linear and matmul read transposed operands in place: no transpose kernel runs in their forward or backward pass', () => {
  const before = getBackend();
  available = true;
  try {
    setBackend('toy');
    calls.length = 0;
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]).requiresGrad_();
    const w = tensor([
      [1, 0, -1],
      [2, 1, 0],
    ]).requiresGrad_();
    const b = tensor([0.5, -0.5]).requiresGrad_();
    const y = F.linear(x, w, b); // x·wᵀ + b
    assert.deepEqual(Array.from(y.data), [-1.5, 3.5, -1.5, 12.5]);
    y.mul(
      tensor([
        [1, 2],
        [3, 4],
      ]),
    )
      .sum()
      .backward();
    // dx = dy·w, dw = dyᵀ·x, db = Σ dy: dy = [[1, 2], [3, 4]].
    assert.deepEqual(Array.from(x.grad!.data), [5, 2, -1, 11, 4, -3]);
    assert.deepEqual(Array.from(w.grad!.data), [13, 17, 21, 18, 24, 30]);
    assert.deepEqual(Array.from(b.grad!.data), [4, 6]);
    const a = tensor([
      [1, 2],
      [3, 4],
    ]).requiresGrad_();
    a.matmul(w).sum().backward(); // dA = 1·wᵀ
    assert.deepEqual(Array.from(a.grad!.data), [0, 3, 0, 3]);
    assert.deepEqual(calls, []);
    // The counter counts: a transpose the user asks for runs the kernel.
    w.detach().t();
    assert.deepEqual(calls, ['transpose']);
  } finally {
    setBackend(before);
  }
});
