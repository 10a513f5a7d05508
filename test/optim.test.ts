// Optimizers and schedulers beyond the PyTorch training runs (test/train.test.ts): parameter groups,
// state dicts, and bad input refused before any state changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { manualSeed, nn, optim, tensor, type Tensor } from '../src/index.js';

function quadratic(): { w: nn.Parameter; loss: () => Tensor } {
  const w = new nn.Parameter(tensor([1, -2, 3], { dtype: 'float64' }));
  return { w, loss: () => w.mul(w).sum() };
}

test('SGD on w·w with lr 0.25 halves w each step (hand-checked arithmetic)', () => {
  const { w, loss } = quadratic();
  const opt = new optim.SGD([w], { lr: 0.25 });
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  }
  assert.deepEqual(Array.from(w.data), [0.125, -0.25, 0.375]);
});

test('parameter groups take their own options over the defaults; stateDict numbers parameters across groups', () => {
  const a = new nn.Parameter(tensor([1, 1], { dtype: 'float64' }));
  const b = new nn.Parameter(tensor([1, 1], { dtype: 'float64' }));
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
  a.grad = tensor([1, 1], { dtype: 'float64' });
  b.grad = tensor([1, 1], { dtype: 'float64' });
  opt.step();
  assert.deepEqual(Array.from(a.data), [0.9, 0.9]);
  assert.deepEqual(Array.from(b.data), [0.5, 0.5]);
  const sd = opt.stateDict();
  assert.deepEqual(
    sd.paramGroups.map((g) => g.params),
    [[0], [1]],
  );
  assert.deepEqual(
    sd.paramGroups.map((g) => g.lr),
    [0.1, 0.5],
  );
  assert.deepEqual(Array.from(sd.state[1].momentumBuffer as Float64Array), [1, 1]);
});

test('Adam stateDict / loadStateDict resume the same trajectory', () => {
  const run = (steps: number, resumeAt: number | null): number[] => {
    const { w, loss } = quadratic();
    let opt = new optim.Adam([w], { lr: 0.1 });
    for (let i = 0; i < steps; i++) {
      if (i === resumeAt) {
        const sd = opt.stateDict();
        opt = new optim.Adam([w], { lr: 0.1 });
        opt.loadStateDict(sd);
      }
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    return Array.from(w.data);
  };
  assert.deepEqual(run(6, 3), run(6, null));
});

test('optimizers refuse bad options, naming them, before any parameter changes', () => {
  const { w } = quadratic();
  assert.throws(() => new optim.SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
  assert.throws(() => new optim.SGD([w], { lr: -1 }), /SGD: invalid learning rate: -1; expected a non-negative number/);
  assert.throws(() => new optim.SGD([w], { lr: 0.1, nesterov: true }), /SGD: Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new optim.SGD([w, w], { lr: 0.1 }), /SGD: some parameters appear in more than one parameter group/);
  assert.throws(
    () => new optim.Adam([w], { betas: [0.9, 1] }),
    /Adam: invalid beta parameter at index 1: 1; expected a number in \[0, 1\)/,
  );
  assert.throws(() => new optim.Adam([w], { eps: -1e-8 }), /Adam: invalid epsilon value: -1e-8/);
  assert.throws(() => new optim.AdamW([w.mul(2)]), /AdamW: params\[0\] is not a leaf tensor/);
  assert.throws(
    () => new optim.SGD([tensor([1], { dtype: 'int64' })], { lr: 1 }),
    /SGD: params\[0\] has dtype int64; expected floating point parameters/,
  );
});

test('a step that throws leaves every parameter and the state as they were', () => {
  const a = new nn.Parameter(tensor([1, 2], { dtype: 'float64' }));
  const b = new nn.Parameter(tensor([3, 4], { dtype: 'float64' }));
  const opt = new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 0.1, momentum: 0.5 });
  a.grad = tensor([1, 1], { dtype: 'float64' });
  b.grad = tensor([1, 1, 1], { dtype: 'float64' }); // wrong shape
  assert.throws(() => opt.step(), /SGD.step: a gradient of shape \[3\] does not match its parameter's shape \[2\]/);
  assert.deepEqual(Array.from(a.data), [1, 2]);
  assert.equal(opt.state.size, 0);
  b.grad = tensor([1, 1], { dtype: 'float64' });
  opt.paramGroups[1].lr = -0.5;
  assert.throws(() => opt.step(), /SGD: invalid learning rate: -0.5/);
  assert.deepEqual(Array.from(a.data), [1, 2]);
});

test("schedulers: StepLR and CosineAnnealingLR give PyTorch's closed forms", () => {
  const { w } = quadratic();
  const opt = new optim.SGD([w], { lr: 1 });
  const step = new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const lrs = [opt.paramGroups[0].lr];
  for (let i = 0; i < 5; i++) {
    step.step();
    lrs.push(step.getLastLr()[0]);
  }
  assert.deepEqual(lrs, [1, 1, 0.5, 0.5, 0.25, 0.25]);
  const opt2 = new optim.SGD([w], { lr: 1 });
  const cos = new optim.lrScheduler.CosineAnnealingLR(opt2, { tMax: 4 });
  const got: number[] = [];
  for (let e = 1; e <= 4; e++) {
    cos.step();
    got.push(opt2.paramGroups[0].lr);
  }
  got.forEach((lr, i) => assert.ok(Math.abs(lr - (1 + Math.cos((Math.PI * (i + 1)) / 4)) / 2) < 1e-15, `epoch ${i + 1}: ${lr}`));
  assert.throws(() => new optim.lrScheduler.StepLR(opt, { stepSize: 0 }), /StepLR: stepSize=0 must be a positive integer/);
});

test('Module.loadStateDict refuses missing, unexpected and mis-shaped entries before copying anything', () => {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
  const sd = model.stateDict();
  const before = Array.from(model.parameters()[0].data);
  const copy = Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone().add(0)]));
  const missing = { ...copy };
  delete missing['1.running_var'];
  assert.throws(() => model.loadStateDict(missing), /Missing key\(s\) in state_dict: "1.running_var"/);
  assert.throws(() => model.loadStateDict({ ...copy, extra: tensor([1]) }), /Unexpected key\(s\) in state_dict: "extra"/);
  copy['0.weight'] = tensor([
    [9, 9, 9, 9],
    [9, 9, 9, 9],
  ]);
  copy['0.bias'] = tensor([7, 7]);
  assert.throws(
    () => model.loadStateDict(copy),
    /size mismatch for 0.weight: copying a param with shape \[2, 4\] from checkpoint, the shape in current model is \[2, 3\]/,
  );
  assert.deepEqual(Array.from(model.parameters()[0].data), before, 'nothing copied');
  assert.deepEqual(Array.from(model.parameters()[1].data), Array.from(sd['0.bias'].data), 'bias untouched too');
  const result = model.loadStateDict({ '0.bias': tensor([5, 6]) }, { strict: false });
  assert.deepEqual(Array.from(model.parameters()[1].data), [5, 6]);
  assert.equal(result.missingKeys.length, 6);
});

test('Module: subclass fields register in assignment order; to(float64) keeps Parameter identity; train/eval reach children', () => {
  class Net extends nn.Module {
    conv = new nn.Conv2d(1, 2, 3);
    fc = new nn.Linear(8, 2);
    forward(x: Tensor): Tensor {
      return this.fc.forward(this.conv.forward(x).flatten(1));
    }
  }
  manualSeed(0);
  const net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    ['conv.weight', 'conv.bias', 'fc.weight', 'fc.bias'],
  );
  const w = net.conv.weight;
  const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
  net.double();
  assert.equal(net.conv.weight, w);
  assert.equal(w.dtype, 'float64');
  const y = net.forward(
    tensor(
      Array.from({ length: 16 }, (_, i) => i),
      { shape: [1, 1, 4, 4], dtype: 'float64' },
    ),
  );
  y.sum().backward();
  opt.step();
  assert.equal(w.grad?.dtype, 'float64');
  net.eval();
  assert.equal(net.fc.training, false);
  assert.equal(
    String(net),
    'Net(\n  (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n  (fc): Linear(in_features=8, out_features=2, bias=True)\n)',
  );
});
