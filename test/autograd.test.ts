// The autograd engine: accumulation, broadcasting, retainGraph, createGraph, noGrad, node names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arange, F, grad, noGrad, ones, range, tensor, zeros, full, rand, randn, manualSeed, Generator } from '../src/index.js';

test('backward accumulates into .grad of leaves; gradients of shared inputs add up', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(x).add(x.mul(2)).sum(); // Σ x² + 2x → 2x + 2
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [4, 6, 8]);
  x.mul(3).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [7, 9, 11]);
  assert.equal(x.grad!.gradFn, null);
});

test('broadcast gradients are summed back to the input shape', () => {
  const a = ones([2, 3], { requiresGrad: true });
  const b = tensor([1, 2, 3], { requiresGrad: true });
  const c = tensor([[2], [5]], { requiresGrad: true });
  a.mul(b).mul(c).sum().backward();
  assert.deepEqual(b.grad!.toArray(), [7, 7, 7]);
  assert.deepEqual(c.grad!.toArray(), [[6], [6]]);
  assert.deepEqual(a.grad!.toArray(), [
    [2, 4, 6],
    [5, 10, 15],
  ]);
});

test('grad() returns gradients without touching .grad; createGraph gives higher derivatives', () => {
  const x = tensor([2], { dtype: 'float64', requiresGrad: true });
  const y = x.pow(3); // y' = 3x², y'' = 6x, y''' = 6
  const [d1] = grad(y, [x], { createGraph: true });
  assert.equal(d1!.item(), 12);
  assert.equal(d1!.gradFn?.name, 'MulBackward0');
  const [d2] = grad(d1!, [x], { createGraph: true });
  assert.equal(d2!.item(), 12);
  const [d3] = grad(d2!, [x]);
  assert.equal(d3!.item(), 6);
  assert.equal(x.grad, null);
});

test('retainGraph allows a second backward; noGrad records nothing', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.exp().sum();
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.ok(Math.abs(x.grad!.data[0] - 2 * Math.E) < 1e-5);
  const z = noGrad(() => x.mul(2));
  assert.equal(z.requiresGrad, false);
  assert.equal(z.gradFn, null);
});

test('retainGrad keeps the gradient of a non-leaf', () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const h = x.mul(3).retainGrad();
  h.pow(2).sum().backward();
  assert.deepEqual(h.grad!.toArray(), [6, 12]);
  assert.deepEqual(x.grad!.toArray(), [18, 36]);
});

test('node names follow PyTorch', () => {
  const x = randn([2, 3], { requiresGrad: true });
  const names: [string, string][] = [
    [x.add(1).gradFn!.name, 'AddBackward0'],
    [x.sub(x).gradFn!.name, 'SubBackward0'],
    [x.mul(2).gradFn!.name, 'MulBackward0'],
    [x.div(2).gradFn!.name, 'DivBackward0'],
    [x.neg().gradFn!.name, 'NegBackward0'],
    [x.pow(2).gradFn!.name, 'PowBackward0'],
    [x.exp().gradFn!.name, 'ExpBackward0'],
    [x.sum().gradFn!.name, 'SumBackward0'],
    [x.sum(1).gradFn!.name, 'SumBackward1'],
    [x.mean().gradFn!.name, 'MeanBackward0'],
    [x.mean([0, 1]).gradFn!.name, 'MeanBackward1'],
    [x.view(6).gradFn!.name, 'ViewBackward0'],
    [x.permute(1, 0).gradFn!.name, 'PermuteBackward0'],
    [x.transpose(0, 1).gradFn!.name, 'TransposeBackward0'],
    [x.unsqueeze(0).gradFn!.name, 'UnsqueezeBackward0'],
    [x.select(0, 1).gradFn!.name, 'SelectBackward0'],
    [x.slice(1, 0, 2).gradFn!.name, 'SliceBackward0'],
    [x.expand(2, 2, 3).gradFn!.name, 'ExpandBackward0'],
    [x.double().gradFn!.name, 'ToCopyBackward0'],
    [F.pad(x, [1, 1]).gradFn!.name, 'ConstantPadNdBackward0'],
    [F.pad(x.unsqueeze(0), [1, 1], 'reflect').gradFn!.name, 'ReflectionPad1DBackward0'],
    [F.pad(x.unsqueeze(0), [1, 1], 'replicate').gradFn!.name, 'ReplicationPad1DBackward0'],
  ];
  for (const [got, want] of names) assert.equal(got, want);
});

test('shape ops and indexing', () => {
  const t = arange(0, 24).reshape(2, 3, 4);
  assert.deepEqual(t.permute(2, 0, 1).shape, [4, 2, 3]);
  assert.equal(t.permute(2, 0, 1).get(3, 1, 2), 23);
  assert.deepEqual(t.transpose(0, 2).shape, [4, 3, 2]);
  assert.deepEqual(t.flatten(1).shape, [2, 12]);
  assert.deepEqual(t.view(-1, 4).shape, [6, 4]);
  assert.deepEqual(t.index(1).select(0, 2).toArray(), [20, 21, 22, 23]);
  assert.deepEqual(t.slice(2, 1, undefined, 2).index(0).toArray(), [
    [1, 3],
    [5, 7],
    [9, 11],
  ]);
  assert.deepEqual(t.slice(1, -1).shape, [2, 1, 4]);
  assert.deepEqual(t.sum([0, 2]).toArray(), [60, 92, 124]);
  assert.deepEqual(t.mean(2, true).shape, [2, 3, 1]);
  assert.deepEqual(zeros([2, 1, 3]).squeeze().shape, [2, 3]);
  assert.deepEqual(zeros([2, 1, 3]).squeeze(1).shape, [2, 3]);
  assert.deepEqual(zeros([2, 1, 3]).squeeze(0).shape, [2, 1, 3]);
  assert.throws(() => t.view(5, 5), /shape \[5, 5\] is invalid for input of size 24/);
  assert.throws(() => t.get(0, 0, 4), /out of bounds/);
  assert.throws(() => t.sum(3), /dim=3 is out of range/);
  assert.equal(tensor(3.5).item(), 3.5);
  assert.throws(() => t.item(), /24 elements cannot be converted/);
});

test('factories', () => {
  assert.deepEqual(range(1, 4).toArray(), [1, 2, 3, 4]);
  assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(full([2], 7, { dtype: 'float64' }).toArray(), [7, 7]);
  assert.equal(full([2], 7, { dtype: 'float64' }).dtype, 'float64');
  assert.throws(() => arange(0, 5, -1), /wrong sign/);
  manualSeed(3);
  const a = rand([5]);
  manualSeed(3);
  assert.deepEqual(rand([5]).data, a.data);
  const g = new Generator().manualSeed(3);
  assert.deepEqual(rand([5], { generator: g }).data, a.data);
  for (const v of a.data) assert.ok(v >= 0 && v < 1);
  const n = randn([4000], { dtype: 'float64' });
  const mean = n.mean().item();
  const variance = n.sub(mean).pow(2).mean().item();
  assert.ok(Math.abs(mean) < 0.1 && Math.abs(variance - 1) < 0.1, `mean ${mean}, variance ${variance}`);
});

test('batchNorm: the fused backward (no graph) equals the differentiable rule (createGraph), train and eval, float32 and float64', () => {
  const gen = new Generator().manualSeed(5);
  for (const dtype of ['float64', 'float32'] as const) {
    for (const training of [true, false]) {
      const x = randn([4, 3, 5, 6], { generator: gen, dtype }).mul(2).add(1).requiresGrad_();
      const w = randn([3], { generator: gen, dtype }).requiresGrad_();
      const b = randn([3], { generator: gen, dtype }).requiresGrad_();
      const rm = randn([3], { generator: gen, dtype });
      const rv = rand([3], { generator: gen, dtype }).add(0.5);
      const dy = randn([4, 3, 5, 6], { generator: gen, dtype });
      const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training });
      const fused = grad([y], [x, w, b], { gradOutputs: [dy], retainGraph: true });
      const rule = grad([y], [x, w, b], { gradOutputs: [dy], createGraph: true });
      const tol = dtype === 'float64' ? 1e-12 : 2e-5;
      fused.forEach((g, i) => {
        const r = Array.from(rule[i]!.data, Number);
        Array.from(g!.data, Number).forEach((v, j) => {
          assert.ok(Math.abs(v - r[j]) <= tol * (1 + Math.abs(r[j])), `${dtype} training=${training} grad ${i}[${j}]: ${v} vs ${r[j]}`);
        });
      });
    }
  }
});
