// nn modules: PyTorch's repr, PyTorch's default initialization (bit-exact for a seed), forward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, randn, F, ones, tensor, range } from '../src/index.js';
import { fixture } from './helpers.js';

interface ModuleCase {
  name: 'Conv1d' | 'Conv2d' | 'Conv3d' | 'ConvTranspose1d' | 'ConvTranspose2d' | 'ConvTranspose3d';
  args: [number, number, number | number[]];
  options: Record<string, unknown>;
  seed: number;
  repr: string;
  weight: { shape: number[]; data: number[] };
  bias: { shape: number[]; data: number[] } | null;
}

const cases = fixture<{ cases: ModuleCase[] }>('module_cases.json').cases;

for (const c of cases) {
  test(`${c.name}(${JSON.stringify(c.args)}, ${JSON.stringify(c.options)}) with manualSeed(${c.seed}): repr and initial values equal PyTorch's`, () => {
    manualSeed(c.seed);
    const Ctor = nn[c.name] as new (i: number, o: number, k: number | number[], opts: object) => InstanceType<typeof nn.Conv2d>;
    const m = new Ctor(c.args[0], c.args[1], c.args[2], c.options);
    assert.equal(String(m), c.repr);
    assert.deepEqual(m.weight.shape, c.weight.shape);
    assert.deepEqual(Array.from(m.weight.data), c.weight.data, 'weight bit-exact');
    if (c.bias === null) assert.equal(m.bias, null);
    else assert.deepEqual(Array.from(m.bias!.data), c.bias.data, 'bias bit-exact');
    assert.equal(m.parameters().length, c.bias === null ? 1 : 2);
  });
}

test('module forward equals the functional conv with its parameters', () => {
  const m = new nn.Conv2d(2, 4, [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 });
  const x = randn([2, 2, 7, 6]);
  assert.deepEqual(m.forward(x).data, F.conv2d(x, m.weight, m.bias, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }).data);
  const t = new nn.ConvTranspose2d(2, 4, 3, { stride: 2, padding: 1 });
  const u = randn([1, 2, 5, 5]);
  assert.deepEqual(t.forward(u).shape, [1, 4, 9, 9]);
  assert.deepEqual(t.forward(u, [10, 10]).shape, [1, 4, 10, 10]);
  assert.deepEqual(t.forward(u, [1, 4, 10, 10]).shape, [1, 4, 10, 10]);
});

test('Parameter prints as PyTorch prints it; zeroGrad clears gradients', () => {
  manualSeed(0);
  const conv = new nn.Conv2d(1, 2, 3, { padding: 1, bias: false });
  assert.equal(
    `${String(conv.weight).split('\n')[0]}\n${String(conv.weight).split('\n')[1]}`,
    'Parameter containing:\ntensor([[[[-0.0025,  0.1788, -0.2743],',
  );
  const x = range(1, 16).view(1, 1, 4, 4);
  const loss = conv.forward(x).mean();
  assert.equal(String(loss), 'tensor(-1.5684, grad_fn=<MeanBackward0>)');
  loss.backward();
  assert.ok(conv.weight.grad !== null);
  conv.zeroGrad();
  assert.equal(conv.weight.grad, null);
});

test('ConstantPad modules', () => {
  const p = new nn.ConstantPad2d([1, 0, 2, 1], 5);
  assert.equal(String(p), 'ConstantPad2d(padding=(1, 0, 2, 1), value=5)');
  const y = p.forward(ones([1, 2, 2]));
  assert.deepEqual(y.shape, [1, 5, 3]);
  assert.deepEqual(y.toArray(), [
    [
      [5, 5, 5],
      [5, 5, 5],
      [5, 1, 1],
      [5, 1, 1],
      [5, 5, 5],
    ],
  ]);
  assert.equal(String(new nn.ConstantPad1d(2, 0)), 'ConstantPad1d(padding=(2, 2), value=0)');
  assert.deepEqual(new nn.ConstantPad3d(1, 0).forward(ones([1, 1, 1])).shape, [3, 3, 3]);
  assert.throws(() => new nn.ConstantPad2d([1, 2, 3], 0), /padding=\[1,2,3\] is invalid; expected an int or 4 ints/);
  void tensor;
});
