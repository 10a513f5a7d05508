// Hooks as PyTorch's (issue 19, item 1): tensor.registerHook, and a module's forward pre-hooks, forward
// hooks and full backward hooks, each returning a handle whose remove() unregisters it. The gradients
// they see are checked against autograd's own (retainGrad), and replacements flow on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, grad, manualSeed, nn, randn, tensor, type Tensor } from '../src/index.js';
import { fixture } from './helpers.js';

const same = (a: Tensor | null | undefined, b: Tensor | null | undefined, what: string): void => {
  assert.ok(a && b, `${what}: both present`);
  assert.deepEqual([...a.data], [...b.data], what);
};

test('tensor.registerHook sees the gradient of a non-leaf and of a leaf; what it returns replaces it; remove() unregisters it', () => {
  const w = tensor([1, 2, 3]).requiresGrad_();
  const h = w.mul(w).retainGrad(); // dh = 1 from the sum below
  const seen: number[][] = [];
  const handle = h.registerHook((g) => {
    seen.push([...g.data]);
    return g.mul(3);
  });
  w.registerHook((g) => {
    seen.push([...g.data]);
  });
  h.sum().backward();
  assert.deepEqual(seen, [
    [1, 1, 1],
    [6, 12, 18],
  ]);
  assert.deepEqual([...w.grad!.data], [6, 12, 18]); // 3 · 2w
  assert.deepEqual([...h.grad!.data], [1, 1, 1]); // as PyTorch 1.13: retainGrad came before the hook, so .grad is unhooked
  const late = w.mul(w);
  late.registerHook((g) => g.mul(3));
  late.retainGrad();
  late.sum().backward();
  assert.deepEqual([...late.grad!.data], [3, 3, 3]); // and after it, hooked
  w.grad = null;
  handle.remove();
  w.grad = null;
  const x = w.mul(w);
  x.registerHook((g) => g.mul(0.5));
  const [gw] = grad([x.sum()], [w]);
  assert.deepEqual([...gw!.data], [1, 2, 3]); // hooks run under grad() too
  assert.throws(() => tensor([1]).registerHook((g) => g), /registerHook: cannot register a hook on a tensor that doesn't require gradient/);
  const bad = w.mul(1);
  bad.registerHook(() => tensor([1, 2]));
  assert.throws(() => bad.sum().backward(), /registerHook: a hook returned a gradient of shape \[2\] for a tensor of shape \[3\]/);
});

test("module hooks: forward pre-hooks and forward hooks in registration order, replacing inputs and outputs; PyTorch's call order in a Sequential", () => {
  manualSeed(0);
  const conv = new nn.Conv2d(1, 2, 3);
  const relu = new nn.ReLU();
  const model = new nn.Sequential(conv, relu, new nn.Flatten(), new nn.Linear(2 * 3 * 3, 3));
  const calls: string[] = [];
  const handles = [
    conv.registerForwardPreHook((_m, inputs) => {
      calls.push(`pre conv ${inputs[0].shape.join('x')}`);
    }),
    conv.registerForwardHook((_m, _inputs, y) => {
      calls.push(`fwd conv ${y.shape.join('x')}`);
    }),
    relu.registerForwardHook((m, _inputs, y) => {
      calls.push(`fwd relu ${m === relu}`);
      return y.mul(2);
    }),
    conv.registerFullBackwardHook(() => {
      calls.push('bwd conv');
    }),
    relu.registerFullBackwardHook(() => {
      calls.push('bwd relu');
    }),
  ];
  const x = randn([2, 1, 5, 5]);
  const y = model.forward(x);
  const plain = F.linear(
    F.relu(conv.forward(x)).mul(2).flatten(1),
    (model.children()[3] as nn.Linear).weight,
    (model.children()[3] as nn.Linear).bias,
  );
  same(y, plain, 'the replaced relu output flows on');
  y.sum().backward();
  assert.deepEqual(calls.slice(0, 3), ['pre conv 2x1x5x5', 'fwd conv 2x2x3x3', 'fwd relu true']);
  assert.equal(calls.filter((c) => c === 'pre conv 2x1x5x5').length, 2); // the check above called conv again
  assert.deepEqual(calls.slice(-2), ['bwd relu', 'bwd conv']); // backward: the later module first
  for (const h of handles) h.remove();
  calls.length = 0;
  model.forward(x).sum().backward();
  assert.deepEqual(calls, []);
});

test('full backward hooks: gradInput and gradOutput are the gradients autograd computes; a returned gradInput replaces it upstream', () => {
  manualSeed(1);
  const conv1 = new nn.Conv2d(1, 3, 3, { padding: 1 });
  const conv2 = new nn.Conv2d(3, 2, 3);
  const x = randn([2, 1, 6, 6]);
  // Reference: the gradients at conv2's input and output, from retainGrad.
  const a = conv1.forward(x).retainGrad();
  const b = conv2.forward(a).retainGrad();
  b.pow(2).sum().backward();
  const wantIn = a.grad!;
  const wantOut = b.grad!;
  const dw1 = conv1.weight.grad!.clone();
  conv1.zeroGrad();
  conv2.zeroGrad();

  const got: { gradInput: (Tensor | null)[]; gradOutput: (Tensor | null)[] }[] = [];
  conv2.registerFullBackwardHook((_m, gradInput, gradOutput) => {
    got.push({ gradInput, gradOutput });
  });
  const first: (Tensor | null)[][] = [];
  conv1.registerFullBackwardHook((_m, gradInput, gradOutput) => {
    first.push(gradInput, gradOutput);
  });
  const y = conv2.forward(conv1.forward(x));
  assert.equal(y.gradFn?.name, 'BackwardHookFunctionBackward');
  y.pow(2).sum().backward();
  assert.equal(got.length, 1);
  same(got[0].gradInput[0], wantIn, 'gradInput');
  same(got[0].gradOutput[0], wantOut, 'gradOutput');
  same(conv1.weight.grad, dw1, 'upstream gradients unchanged');
  // conv1's input (the data) needs no gradient: gradInput is [null], as PyTorch's (None,).
  assert.equal(first[0][0], null);
  same(first[1][0], wantIn, "conv1's gradOutput is conv2's gradInput");

  // A returned gradInput replaces it: zero flows into conv1.
  conv1.zeroGrad();
  const conv3 = new nn.Conv2d(3, 2, 3);
  conv3.registerFullBackwardHook((_m, gradInput) => [gradInput[0]!.mul(0)]);
  conv3.forward(conv1.forward(x)).sum().backward();
  assert.ok([...conv1.weight.grad!.data].every((v) => v === 0));
  assert.throws(() => conv3.registerFullBackwardHook(5 as never), /registerFullBackwardHook: hook=5 must be a function/);
});

test("hooks fire in PyTorch's order with the gradient shapes PyTorch's full backward hooks see (fixture from PyTorch 1.13)", () => {
  const want = fixture<{ hookEvents: { events: string[]; gradFn: string } }>('extras_cases.json').hookEvents;
  manualSeed(0);
  const seq = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 3));
  const events: string[] = [];
  const shape = (g: Tensor | null): string => (g === null ? 'None' : `[${g.shape.join(', ')}]`);
  seq.children().forEach((m, i) => {
    m.registerForwardPreHook(() => {
      events.push(`pre ${i}`);
    });
    m.registerForwardHook(() => {
      events.push(`forward ${i}`);
    });
    m.registerFullBackwardHook((_m, gi, go) => {
      events.push(`backward ${i} [${gi.map(shape).join(', ')}] [${go.map(shape).join(', ')}]`);
    });
  });
  const y = seq.forward(randn([2, 1, 4, 4]));
  y.registerHook(() => {
    events.push('tensor y');
  });
  assert.equal(y.gradFn?.name, want.gradFn);
  y.sum().backward();
  // Shapes written as Python prints a list of them ([[2, 8]], [None]).
  assert.deepEqual(events, want.events);
});
