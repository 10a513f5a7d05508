// Inputs that used to give garbage or a bare JavaScript error (issue 12's list): each now throws an
// Error naming the op, the value and the expectation, before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import {
  DataLoader,
  F,
  TensorDataset,
  arange,
  grad,
  load,
  gradcheck,
  nn,
  ones,
  optim,
  randn,
  save,
  setNumThreads,
  tensor,
  uniform_,
  zeros,
  type Tensor,
} from '../src/index.js';
import { deserialize } from '../src/io/safetensors.js';

const throwsWith = (fn: () => unknown, message: RegExp): void =>
  assert.throws(fn, (e: unknown) => e instanceof Error && message.test(e.message), String(message));

test('slice refuses non-integer start and end instead of returning NaN', () => {
  throwsWith(() => arange(0, 6).slice(0, 0.5, 3), /slice: start=0.5 is invalid; expected an integer/);
  throwsWith(() => arange(0, 6).slice(0, NaN), /slice: start=NaN is invalid; expected an integer/);
  throwsWith(() => arange(0, 6).slice(0, 1, 2.5), /slice: end=2.5 is invalid; expected an integer/);
  assert.deepEqual(Array.from(arange(0, 6).slice(0, -2).data), [4, 5]);
});

test('convolutions refuse a zero-size kernel, zero output channels and an empty spatial input, as PyTorch does', () => {
  throwsWith(
    () => F.conv2d(ones([1, 1, 4, 4]), ones([1, 1, 0, 3])),
    /conv2d: weight of shape \[1, 1, 0, 3\] has a kernel size of zero; expected kernel sizes greater than zero/,
  );
  throwsWith(() => F.conv2d(ones([1, 1, 4, 4]), ones([0, 1, 3, 3])), /conv2d: weight of shape \[0, 1, 3, 3\] is empty/);
  throwsWith(
    () => F.conv2d(ones([1, 1, 0, 4]), ones([1, 1, 1, 1])),
    /conv2d: input of shape \[1, 1, 0, 4\] has an empty spatial dimension/,
  );
  throwsWith(() => F.convTranspose2d(ones([1, 1, 4, 4]), ones([1, 0, 3, 3])), /convTranspose2d: weight of shape \[1, 0, 3, 3\] is empty/);
  // A zero batch is allowed, as in PyTorch.
  assert.deepEqual(F.conv2d(ones([0, 1, 4, 4]), ones([1, 1, 3, 3])).shape, [0, 1, 2, 2]);
});

test('requiresGrad must be a boolean; uniform_ needs from ≤ to', () => {
  throwsWith(() => tensor([1, 2], { requiresGrad: 'yes' as unknown as boolean }), /tensor: requiresGrad=yes must be a boolean/);
  throwsWith(() => uniform_(zeros([3]), 5, 1), /uniform_: expects from ≤ to with finite bounds, but got from=5 and to=1/);
  throwsWith(() => tensor([1n as unknown as number]), /tensor: data\[0\]=1n is a BigInt; expected numbers/);
});

test('backward, grad and gradcheck name their bad arguments', () => {
  const a = randn([3], { requiresGrad: true });
  throwsWith(
    () => a.mul(2).backward([1, 1, 1] as unknown as Tensor),
    /backward: gradient must be a Tensor of the output's shape \[3\], got an array/,
  );
  throwsWith(() => grad(3 as unknown as Tensor, [a]), /grad: outputs must be a Tensor or an array of Tensors, got number/);
  throwsWith(() => grad(a.sum(), [a, 'b' as unknown as Tensor]), /grad: inputs\[1\] must be a Tensor, got string/);
  throwsWith(
    () => gradcheck(() => 3 as unknown as Tensor, [randn([2], { dtype: 'float64', requiresGrad: true })]),
    /gradcheck: fn must return a Tensor or an array of Tensors, got number/,
  );
});

test('sizes beyond a typed array are refused before allocating, naming the op, the shape and the limit', () => {
  throwsWith(
    () => zeros([100000, 100000]),
    /zeros: shape \[100000, 100000\] has 10000000000 elements, more than the 4294967296 \(2\^32\) a typed array can hold/,
  );
  throwsWith(() => arange(0, 1e12), /arange: shape \[1000000000000\] has 1000000000000 elements, more than the 4294967296/);
  throwsWith(() => new nn.Conv2d(100000, 100000, 3), /Conv2d: shape \[100000, 100000, 3, 3\] has 90000000000 elements/);
  throwsWith(() => new nn.Linear(100000, 100000), /Linear: shape \[100000, 100000\] has 10000000000 elements/);
});

test('convgrad explain refuses --output-padding without --transposed, and seeds beyond 2^53', () => {
  const main = new URL('../src/cli/main.js', import.meta.url).pathname;
  const run = (...args: string[]) => spawnSync(process.execPath, [main, 'explain', ...args], { encoding: 'utf8' });
  let r = run('--output-padding', '1');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convgrad explain: --output-padding applies to transposed convolutions only/);
  r = run('--seed', '99999999999999999999');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /convgrad explain: --seed "99999999999999999999" is invalid; expected an integer of at most 2\^53/);
  assert.equal(run('--transposed', '--stride', '2', '--output-padding', '1', '--json').status, 0);
});

test('explain at size: one element of a 600×600 input in seconds (its 360,000 terms), 3000×3000 refused with the size, text summarized', async () => {
  const { explain } = await import('../src/index.js');
  const e = explain({ inputSize: [600, 600], elements: [{ kind: 'w', index: [0, 0, 0, 0] }] });
  assert.equal(e.weight.length, 1);
  assert.equal(e.input.length, 0);
  assert.equal(e.weight[0].terms.length, 360000);
  assert.ok(Math.abs(e.weight[0].value - e.weight[0].autograd) <= 1e-5 * Math.abs(e.weight[0].autograd));
  throwsWith(
    () => explain({ inputSize: [600, 600] }),
    /explain: this explanation would list 12960000 terms \(about \d+ MB\); the limit is 1000000\. Explain single elements instead: --element/,
  );
  throwsWith(
    () => explain({ inputSize: [3000, 3000], elements: [{ kind: 'w', index: [0, 0, 0, 0] }] }),
    /explain: this explanation would list 9000000 terms/,
  );
  const main = new URL('../src/cli/main.js', import.meta.url).pathname;
  const json = spawnSync(process.execPath, [main, 'explain', '--input-size', '600x600', '--element', 'w:0,0,0,0', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(json.status, 0, json.stderr);
  const parsed = JSON.parse(json.stdout) as { weight: { terms: unknown[] }[]; input: unknown[] };
  assert.equal(parsed.weight[0].terms.length, 360000);
  const text = spawnSync(process.execPath, [main, 'explain', '--input-size', '600x600', '--element', 'w:0,0,0,0'], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  assert.equal(text.status, 0, text.stderr);
  assert.ok(text.stdout.split('\n').length < 120, `${text.stdout.split('\n').length} lines`);
  assert.match(text.stdout, /\(359984 marked cells in the rows and columns not shown\)/);
  assert.match(text.stdout, /… 359960 more …/);
  const big = spawnSync(process.execPath, [main, 'explain', '--input-size', '3000x3000'], { encoding: 'utf8' });
  assert.equal(big.status, 2);
  assert.match(big.stderr, /explain: this explanation would list 9000018 terms/);
});

test("the version counter: backward through a tensor changed in place since it was saved throws PyTorch's error", async () => {
  const { noGrad, optim, nn: modules } = await import('../src/index.js');
  // The issue's case: w is saved by mul, then changed in place before backward.
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const w = tensor([3, 3, 3]);
  const y = x.mul(w).sum();
  w.mul_(2);
  assert.equal(w.version, 1);
  throwsWith(
    () => y.backward(),
    /backward: one of the variables needed for gradient computation has been modified by an inplace operation: \[float32 \[3\]\], saved by MulBackward0, is at version 1; expected version 0 instead/,
  );
  // An optimizer's step between the forward pass and backward is such a change too.
  const p = new modules.Parameter(tensor([1, 2]));
  const opt = new optim.SGD([p], { lr: 0.1 });
  const loss = p.mul(p).sum();
  p.grad = tensor([1, 1]);
  opt.step();
  throwsWith(
    () => loss.backward(),
    /modified by an inplace operation: \[float32 \[2\]\], saved by MulBackward0, is at version 1; expected version 0/,
  );
  // Ops that save nothing do not care (add's gradient needs no values), as in PyTorch.
  const a = tensor([1, 2], { requiresGrad: true });
  const c = tensor([5, 5]);
  const s = a.add(c).sum();
  c.add_(1);
  s.backward();
  assert.deepEqual(Array.from(a.grad!.data), [1, 1]);
  // Writing to .data directly bypasses the counter, as in PyTorch (documented).
  const v = tensor([2, 2]);
  const z = x.slice(0, 0, 2).mul(v).sum();
  v.data[0] = 5;
  z.backward();
  assert.deepEqual(Array.from(x.grad!.data.slice(0, 2)), [5, 2]); // the new value of v, not the 2 it had
  // In-place ops on leaves that require grad need noGrad; under it they work and bump the version.
  const leaf = tensor([1, 1], { requiresGrad: true });
  throwsWith(() => leaf.add_(1), /add_: a leaf tensor that requires grad is being used in an in-place operation; run it under noGrad/);
  throwsWith(
    () => leaf.mul(2).zero_(),
    /zero_: in-place operations on a tensor computed by the graph \(gradFn MulBackward0\) are not supported/,
  );
  noGrad(() => leaf.sub_(tensor([0.5, 0.25])));
  assert.deepEqual(Array.from(leaf.data), [0.5, 0.75]);
  assert.equal(leaf.version, 1);
  assert.deepEqual(
    Array.from(
      tensor([
        [1, 2],
        [3, 4],
      ]).copy_(tensor([7, 8])).data,
    ),
    [7, 8, 7, 8],
  );
  assert.deepEqual(Array.from(zeros([3]).fill_(2).data), [2, 2, 2]);
});

test('constant padding costs only its output: a 10,000,000-cell pad of a 4-element row, forward and gradient', () => {
  const x = tensor([1, 2, 3, 4], { requiresGrad: true }).view(1, 1, 4);
  const y = F.pad(x, [10_000_000, -1], 'constant', 0.5);
  assert.deepEqual(y.shape, [1, 1, 10_000_003]);
  assert.deepEqual([y.data[0], y.data[9_999_999], y.data[10_000_000], y.data[10_000_002]], [0.5, 0.5, 1, 3]);
  y.sum().backward();
  assert.equal(x.isLeaf, false);
  const leafGrad = (x.gradFn!.inputs[0] as Tensor).grad!;
  assert.deepEqual(Array.from(leafGrad.data), [1, 1, 1, 0]);
});

test('a batch whose targets are all ignored: the loss is NaN (0/0) and the gradient zero, as PyTorch 1.13', () => {
  const target = tensor([-100, -100, -100], { dtype: 'int64' });
  for (const options of [{}, { labelSmoothing: 0.1 }, { weight: tensor([1, 2, 3, 4]) }]) {
    const x = randn([3, 4], { requiresGrad: true });
    const loss = F.crossEntropy(x, target, options);
    assert.ok(Number.isNaN(loss.item()), `loss of ${JSON.stringify(options)}`);
    const [g] = grad(loss, [x]);
    assert.deepEqual(Array.from(g!.data), new Array<number>(12).fill(0), `gradient of ${JSON.stringify(options)}`);
  }
  const logp = randn([2, 3], { requiresGrad: true });
  const [g] = grad(F.nllLoss(logp, tensor([-100, -100], { dtype: 'int64' })), [logp]);
  assert.deepEqual(Array.from(g!.data), new Array<number>(6).fill(0));
  // One target left: its gradient as before (finite, not all zero).
  const x = randn([3, 4], { requiresGrad: true });
  const [h] = grad(F.crossEntropy(x, tensor([-100, 2, -100], { dtype: 'int64' })), [x]);
  assert.ok(Array.from(h!.data).every(Number.isFinite) && Array.from(h!.data).some((v) => v !== 0));
});

test('linear refuses an int64 input and mixed dtypes, as PyTorch (issue 20, item 6)', () => {
  const w = tensor([
    [1, 0.5],
    [0.25, 2],
  ]);
  throwsWith(() => F.linear(tensor([[1, 2]], { dtype: 'int64' }), w), /linear: input has dtype int64; expected a floating point tensor/);
  throwsWith(
    () => F.linear(tensor([[1, 2]], { dtype: 'float64' }), w),
    /linear: input has dtype float64 but weight has dtype float32; expected the same dtype/,
  );
  throwsWith(
    () => F.linear(tensor([[1, 2]]), w, tensor([1, 2], { dtype: 'float64' })),
    /linear: input has dtype float32 but bias has dtype float64/,
  );
  throwsWith(
    () => new nn.Linear(2, 2).forward(tensor([[1, 2]], { dtype: 'float64' })),
    /linear: input has dtype float64 but weight has dtype float32/,
  );
  assert.deepEqual(Array.from(F.linear(tensor([[1, 2]]), w).data), [2, 4.25]);
});

test("every options object refuses unknown keys, naming PyTorch's snake_case spelling's camelCase (issue 20, item 7)", () => {
  const x = randn([3, 4]);
  const y = tensor([0, 1, 2], { dtype: 'int64' });
  const loose = (o: object): never => o as never;
  throwsWith(
    () => F.crossEntropy(x, y, loose({ ignore_index: 1 })),
    /crossEntropy: unknown option 'ignore_index'; PyTorch's ignore_index is spelled 'ignoreIndex' here/,
  );
  throwsWith(
    () => F.crossEntropy(x, y, loose({ label_smoothing: 0.5 })),
    /crossEntropy: unknown option 'label_smoothing'; PyTorch's label_smoothing is spelled 'labelSmoothing' here/,
  );
  throwsWith(() => F.nllLoss(x, y, loose({ foo: 1 })), /nllLoss: unknown option 'foo'; expected one of weight, reduction, ignoreIndex/);
  throwsWith(() => new nn.CrossEntropyLoss(loose({ foo: 1 })), /CrossEntropyLoss: unknown option 'foo'/);
  throwsWith(() => new nn.MSELoss(loose({ size_average: true })), /MSELoss: unknown option 'size_average'; expected one of reduction/);
  const p = [nn.init.kaimingUniform_(zeros([2, 2]).requiresGrad_())];
  throwsWith(
    () => new optim.SGD(p, loose({ lr: 0.1, weight_decay: 0.1 })),
    /SGD: unknown option 'weight_decay'; PyTorch's weight_decay is spelled 'weightDecay' here/,
  );
  throwsWith(
    () => new optim.Adam(p, loose({ amsGrad: true })),
    /Adam: unknown option 'amsGrad'; expected one of lr, betas, eps, weightDecay, amsgrad, maximize/,
  );
  throwsWith(
    () => new optim.AdamW([{ params: p, weight_decay: 0 } as never]),
    /AdamW: unknown option 'weight_decay'; PyTorch's weight_decay is spelled 'weightDecay' here/,
  );
  const ds = new TensorDataset(randn([5, 1, 2, 2]), tensor([0, 1, 0, 1, 0], { dtype: 'int64' }));
  throwsWith(
    () => new DataLoader(ds, loose({ batch_size: 4 })),
    /DataLoader: unknown option 'batch_size'; PyTorch's batch_size is spelled 'batchSize' here/,
  );
  throwsWith(
    () => new nn.MaxPool2d(2, loose({ ceil_mode: true })),
    /MaxPool2d: unknown option 'ceil_mode'; PyTorch's ceil_mode is spelled 'ceilMode' here/,
  );
  throwsWith(() => new nn.AvgPool1d(2, loose({ divisorOverride: 2 })), /AvgPool1d: unknown option 'divisorOverride'/);
  throwsWith(() => F.dropout(x, loose({ inplace: true })), /dropout: unknown option 'inplace'; expected one of p, training, generator/);
  throwsWith(
    () => randn([2], loose({ requires_grad: true })),
    /randn: unknown option 'requires_grad'; PyTorch's requires_grad is spelled 'requiresGrad' here/,
  );
  throwsWith(() => zeros([2], loose({ generator: null })), /zeros: unknown option 'generator'; expected one of dtype, requiresGrad/);
  throwsWith(() => tensor([1], loose({ dtyp: 'float64' })), /tensor: unknown option 'dtyp'/);
  throwsWith(
    () =>
      x
        .requiresGrad_()
        .sum()
        .backward(undefined, loose({ retain_graph: true })),
    /backward: unknown option 'retain_graph'; PyTorch's retain_graph is spelled 'retainGraph' here/,
  );
  throwsWith(
    () => grad([x.sum()], [x], loose({ allow_unused: true })),
    /grad: unknown option 'allow_unused'; PyTorch's allow_unused is spelled 'allowUnused' here/,
  );
  throwsWith(
    () => new nn.Linear(2, 2).loadStateDict({}, loose({ strictly: false })),
    /loadStateDict: unknown option 'strictly'; expected one of strict/,
  );
  throwsWith(
    () => nn.init.kaimingNormal_(zeros([2, 2]), loose({ nonlinearity: 'relu', fan: 'fan_in' })),
    /kaimingNormal_: unknown option 'fan'/,
  );
  throwsWith(
    () => new optim.lrScheduler.StepLR(new optim.SGD(p, { lr: 0.1 }), loose({ stepSize: 2, step_size: 3 })),
    /StepLR: unknown option 'step_size'; PyTorch's step_size is spelled 'stepSize' here/,
  );
});

test('booleans must be booleans, and odd values are refused where they are given (issue 20, items 10 and 11)', () => {
  const p = [nn.init.kaimingUniform_(zeros([2, 2]).requiresGrad_())];
  const loose = (o: unknown): never => o as never;
  throwsWith(() => new optim.Adam(p, loose({ maximize: 'false' })), /Adam: maximize="false" must be a boolean/);
  throwsWith(() => new optim.SGD(p, loose({ lr: 0.1, nesterov: 1 })), /SGD: nesterov=1 must be a boolean/);
  const ds = new TensorDataset(randn([5, 1, 2, 2]), tensor([0, 1, 0, 1, 0], { dtype: 'int64' }));
  throwsWith(() => new DataLoader(ds, loose({ shuffle: 'yes' })), /DataLoader: shuffle="yes" must be a boolean/);
  throwsWith(() => new DataLoader(ds, loose({ generator: 5 })), /DataLoader: generator=5 must be a Generator/);
  throwsWith(() => new nn.BatchNorm2d(3, loose({ momentum: -5 })), /BatchNorm2d: momentum=-5 must be a number in \[0, 1\] or null/);
  throwsWith(() => new nn.BatchNorm2d(3, loose({ momentum: 'x' })), /BatchNorm2d: momentum="x" must be a number in \[0, 1\] or null/);
  throwsWith(() => new nn.BatchNorm2d(3, loose({ affine: 0 })), /BatchNorm2d: affine=0 must be a boolean/);
  assert.equal(new nn.BatchNorm2d(3, { momentum: null }).momentum, null);
  const x = randn([3, 4]);
  const y = tensor([0, 1, 2], { dtype: 'int64' });
  for (const bad of [NaN, '1', 1.5]) {
    throwsWith(() => F.crossEntropy(x, y, loose({ ignoreIndex: bad })), /crossEntropy: ignoreIndex=.* must be an integer/);
    throwsWith(() => F.nllLoss(x, y, loose({ ignoreIndex: bad })), /nllLoss: ignoreIndex=.* must be an integer/);
  }
  const opt = new optim.SGD(p, { lr: 0.1 });
  throwsWith(
    () => new optim.lrScheduler.StepLR(opt, loose(undefined)),
    /StepLR: options=undefined must be an object with stepSize \(e\.g\. \{ stepSize: 10 \}\)/,
  );
  for (const gamma of [-1, Infinity, NaN]) {
    throwsWith(() => new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma }), /StepLR: gamma=.* must be a finite number ≥ 0/);
  }
  throwsWith(
    () => new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 3, etaMin: NaN }),
    /CosineAnnealingLR: etaMin=NaN must be a finite number ≥ 0/,
  );
  throwsWith(() => new nn.MaxPool2d(loose(null)), /MaxPool2d: kernelSize=null/);
  throwsWith(() => new nn.MaxPool2d(2, { padding: 2 }), /MaxPool2d: padding=2 in dimension 0 is larger than half the kernel size 2/);
  // 255 idle workers cost 2.2 GB on a 2-core machine: at most 4 per hardware thread (at least 8).
  const over = Math.max(8, 4 * availableParallelism()) + 1;
  throwsWith(
    () => setNumThreads(over),
    new RegExp(`setNumThreads: n=${over} is invalid; expected an integer from 1 to \\d+ \\(this machine has \\d+ hardware threads\\)`),
  );
  if (availableParallelism() < 64) throwsWith(() => setNumThreads(256), /setNumThreads: n=256 is invalid/);
});

test('int64 holds integers only: overflow and NaN are refused where they enter, loadStateDict included (issue 20, item 9)', () => {
  throwsWith(
    () => tensor([1e300], { dtype: 'int64' }),
    /tensor: value 1e\+300 \(element 0\) cannot be converted to type int64 without overflow/,
  );
  throwsWith(
    () => tensor([1, NaN], { dtype: 'int64' }),
    /tensor: value NaN \(element 1\) cannot be converted to type int64 without overflow/,
  );
  throwsWith(() => tensor([Infinity]).to('int64'), /to: value Infinity \(element 0\) cannot be converted to type int64 without overflow/);
  assert.deepEqual(Array.from(tensor([1.5, -2.7], { dtype: 'int64' }).data), [1, -2]);
  const bn = new nn.BatchNorm2d(2);
  const sd = bn.stateDict();
  throwsWith(
    () => bn.loadStateDict({ ...sd, num_batches_tracked: tensor(NaN) }),
    /loadStateDict: error\(s\) in loading state_dict:\n\tvalue NaN for num_batches_tracked \(element 0\) cannot be converted to type int64 without overflow\./,
  );
  assert.equal(bn.numBatchesTracked!.data[0], 0, 'nothing loaded');
  bn.loadStateDict({ ...sd, num_batches_tracked: tensor(7.9) });
  assert.equal(bn.numBatchesTracked!.data[0], 7);
});

test('optimizer state and save metadata of the wrong kind are refused by name (issue 20, item 10)', () => {
  const p = nn.init.kaimingUniform_(zeros([2, 2]).requiresGrad_());
  const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
  p.grad = ones([2, 2]);
  opt.step();
  const sd = opt.stateDict();
  for (const [bad, what] of [
    [null, 'null'],
    ['abcd', 'string'],
    [[1, '2', 3, 4], 'an array with a non-number'],
  ] as const) {
    throwsWith(
      () => opt.loadStateDict({ ...sd, state: { 0: { momentumBuffer: bad as never } } }),
      new RegExp(`SGD.loadStateDict: state momentumBuffer of parameter 0 is ${what}; expected a number or an array of numbers`),
    );
  }
  throwsWith(
    () => save({ a: ones([1]) }, '/tmp/convgrad-null-meta.safetensors', null as never),
    /save: metadata=null must be an object of strings \(or left out\)/,
  );
});

test('safetensors headers: "__proto__" is a name like any other, duplicate keys and unknown dtypes are refused, devices are not read (issue 20, item 12)', () => {
  const file = (header: string): Uint8Array => {
    const head = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + head.length + 4);
    new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
    out.set(head, 8);
    return out;
  };
  const proto = deserialize(file('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'));
  assert.equal(Object.getPrototypeOf(proto.tensors), Object.prototype);
  assert.deepEqual(Object.keys(proto.tensors), ['__proto__']);
  assert.ok(!('shape' in proto.tensors) || Object.hasOwn(proto.tensors, '__proto__'));
  assert.equal((Object.getOwnPropertyDescriptor(proto.tensors, '__proto__')!.value as Tensor).numel, 1);
  throwsWith(
    () => deserialize(file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')),
    /is not a valid safetensors file: the header has the key "a" twice/,
  );
  throwsWith(
    () => deserialize(file('{"a":{"dtype":"toString","shape":[1],"data_offsets":[0,4]}}')),
    /"a" has dtype "toString"; expected one of F32, F64, I64, BOOL/,
  );
  throwsWith(() => load('/dev/zero'), /load: cannot read \/dev\/zero: not a regular file/);
});
