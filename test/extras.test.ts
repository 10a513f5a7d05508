// Everyday pieces a PyTorch user reaches for (issue 21, item 4), each against PyTorch 1.13's own
// results (test/fixtures/extras_cases.json, scripts/training_fixtures.py): MultiStepLR and ExponentialLR,
// clip_grad_norm_ / clip_grad_value_, one_hot, ModuleList and Identity, zeros_like / ones_like / randn_like,
// OneCycleLR, interpolate's float32 results bit for bit, and generator states in PyTorch's byte layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  F,
  Generator,
  gather,
  scatterAdd,
  TensorDataset,
  arange,
  manualSeed,
  nn,
  onesLike,
  optim,
  rand,
  randn,
  randnLike,
  randint,
  randomSplit,
  randperm,
  tensor,
  zeros,
  zerosLike,
  type Tensor,
} from '../src/index.js';
import { fixture } from './helpers.js';

interface Extras {
  schedulers: { name: 'MultiStepLR' | 'ExponentialLR'; options: { milestones?: number[]; gamma?: number }; lrs: number[][] }[];
  clip: {
    dtype: 'float32' | 'float64';
    maxNorm: number;
    normType: number | 'inf';
    shapes: number[][];
    grads: number[][];
    total: number;
    clipped: number[][];
  }[];
  clipValue: { grad: number[]; clipValue: number; clipped: number[] };
  oneHot: { values: number[] | number[][]; numClasses: number; shape: number[]; data: number[] }[];
  modules: { repr: string; keys: string[]; state: Record<string, { data: number[] }> }[];
  like: { seed: number; randnLike: number[]; zeros: number[]; ones: number[] }[];
  dropout2d: { seed: number; p: number; shape: number[]; dtype: 'float32' | 'float64'; x: number[]; y: number[]; next: number }[];
  randomSplit: { n: number; lengths: number[]; seed: number; generator: boolean; parts: number[][] }[];
  plateau: { options: Record<string, unknown>; metrics: number[]; lrs: number[][] }[];
  oneCycle: { optimizer: 'SGD' | 'Adam'; options: Record<string, unknown>; lrs: number[][]; momentum: number[][] }[];
  interpolate: { shape: number[]; options: Record<string, unknown>; x: number[]; y: number[] }[];
  generatorStates: { seed: number; draws: [string, number][]; state: string; next: number[] }[];
}

const fx = fixture<Extras>('extras_cases.json');
const close = (a: ArrayLike<number>, b: readonly number[], tol: number, what: string): void => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("MultiStepLR and ExponentialLR give PyTorch's learning rates, per parameter group", () => {
  for (const c of fx.schedulers) {
    const opt = new optim.SGD(
      [
        { params: [zeros([2]).requiresGrad_()], lr: 0.5 },
        { params: [zeros([3]).requiresGrad_()], lr: 0.03 },
      ],
      { lr: 0.1 },
    );
    const sched =
      c.name === 'MultiStepLR'
        ? new optim.lrScheduler.MultiStepLR(opt, {
            milestones: c.options.milestones!,
            ...(c.options.gamma === undefined ? {} : { gamma: c.options.gamma }),
          })
        : new optim.lrScheduler.ExponentialLR(opt, { gamma: c.options.gamma! });
    c.lrs.forEach((want, epoch) => {
      opt.step();
      sched.step();
      close(
        opt.paramGroups.map((g) => g.lr),
        want,
        1e-15,
        `${c.name} epoch ${epoch + 1}`,
      );
    });
  }
  const opt = new optim.SGD([zeros([1]).requiresGrad_()], { lr: 0.1 });
  assert.throws(
    () => new optim.lrScheduler.MultiStepLR(opt, { milestones: [1.5] }),
    /MultiStepLR: milestones=\[1.5\] must be an array of non-negative integers/,
  );
  assert.throws(() => new optim.lrScheduler.ExponentialLR(opt, {} as never), /ExponentialLR: gamma is required/);
});

test("clipGradNorm_ and clipGradValue_ clip as PyTorch's (2-, 1-, 3- and ∞-norms, float32 and float64)", () => {
  for (const c of fx.clip) {
    const ps = c.shapes.map((shape, i) => {
      const p = zeros(shape, { dtype: c.dtype }).requiresGrad_();
      p.grad = tensor(c.grads[i], { dtype: c.dtype }).reshape(shape);
      return p;
    });
    const total = nn.utils.clipGradNorm_(ps, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
    const tol = c.dtype === 'float64' ? 1e-14 : 1e-6;
    close([total.item()], [c.total], tol, `${c.dtype} ${c.normType}-norm total`);
    ps.forEach((p, i) => close(p.grad!.data, c.clipped[i], tol, `${c.dtype} ${c.normType}-norm grad ${i}`));
  }
  const p = zeros([7]).requiresGrad_();
  p.grad = tensor(fx.clipValue.grad);
  nn.utils.clipGradValue_([p], fx.clipValue.clipValue);
  close(p.grad.data, fx.clipValue.clipped, 0, 'clipGradValue_');
  const bad = zeros([2]).requiresGrad_();
  bad.grad = tensor([NaN, 1]);
  assert.throws(() => nn.utils.clipGradNorm_([bad], 1, 2, true), /clipGradNorm_: the total norm of order 2 of the gradients is NaN/);
  assert.equal(bad.grad.data[1], 1, 'nothing changed');
  assert.throws(() => nn.utils.clipGradNorm_(5 as never, 1), /clipGradNorm_: parameters must be a Tensor or an iterable of Tensors/);
});

test("oneHot equals PyTorch's one_hot, and refuses what it refuses", () => {
  for (const c of fx.oneHot) {
    const y = F.oneHot(tensor(c.values as number[], { dtype: 'int64' }), c.numClasses);
    assert.deepEqual(y.shape, c.shape);
    assert.equal(y.dtype, 'int64');
    assert.deepEqual(Array.from(y.data), c.data);
  }
  assert.throws(() => F.oneHot(tensor([1, 2])), /oneHot: input has dtype float32; expected int64 class indices/);
  assert.throws(() => F.oneHot(tensor([-1], { dtype: 'int64' }), 3), /oneHot: class value -1 is negative/);
  assert.throws(() => F.oneHot(tensor([3], { dtype: 'int64' }), 3), /oneHot: class value 3 is not below numClasses=3/);
  assert.throws(() => F.oneHot(zeros([0], { dtype: 'int64' })), /oneHot: cannot infer the number of classes from an empty tensor/);
});

test("ModuleList and Identity: PyTorch's repr, state-dict keys and initial values; a ModuleList's modules train", () => {
  const [c] = fx.modules;
  manualSeed(0);
  const list = new nn.ModuleList([new nn.Linear(2, 3), new nn.Identity(), new nn.ReLU()]);
  list.append(new nn.Conv2d(1, 2, 3));
  assert.equal(String(list), c.repr);
  assert.deepEqual(Object.keys(list.stateDict()), c.keys);
  for (const [k, v] of Object.entries(list.stateDict())) close(v.data, c.state[k].data, 0, k);
  assert.equal(list.length, 4);
  assert.equal([...list].length, 4);
  assert.ok(list.at(-1) instanceof nn.Conv2d);
  const x = randn([5, 2]);
  assert.equal(new nn.Identity().forward(x), x);
  assert.throws(() => (list.forward as () => Tensor)(), /ModuleList: a ModuleList has no forward/);
  assert.throws(() => new nn.ModuleList([5 as never]), /ModuleList: item 0 is not a Module/);
  // A subclass holding a ModuleList: its parameters are the model's.
  class Net extends nn.Module {
    blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 1)]);
    forward(v: Tensor): Tensor {
      let y = v;
      for (const m of this.blocks) y = m.forward(y);
      return y;
    }
  }
  const net = new Net();
  assert.deepEqual(
    net.namedParameters().map(([n]) => n),
    ['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias'],
  );
  assert.deepEqual(net.forward(x).shape, [5, 1]);
});

test("zerosLike, onesLike and randnLike: t's shape and dtype; randnLike draws as PyTorch's randn_like", () => {
  for (const c of fx.like) {
    manualSeed(c.seed);
    const x = randn([2, 3], { dtype: 'float64' });
    assert.deepEqual(Array.from(randnLike(x).data), c.randnLike);
    assert.deepEqual(Array.from(zerosLike(x).data), c.zeros);
    assert.deepEqual(Array.from(onesLike(x).data), c.ones);
    assert.equal(zerosLike(x).dtype, 'float64');
  }
  assert.equal(onesLike(tensor([1, 2], { dtype: 'int64' })).dtype, 'int64');
  assert.equal(zerosLike(randn([2]), { dtype: 'float64' }).dtype, 'float64');
  assert.throws(() => zerosLike([1, 2] as never), /zerosLike: input must be a Tensor/);
});

test("dropout2d and nn.Dropout2d zero whole channels with PyTorch's masks (4-d, and 3-d as (N, C, L))", () => {
  for (const c of fx.dropout2d) {
    for (const viaModule of [false, true]) {
      manualSeed(c.seed);
      const x = randn(c.shape, { dtype: c.dtype });
      const y = viaModule ? new nn.Dropout2d(c.p).forward(x) : F.dropout2d(x, { p: c.p });
      const label = `${viaModule ? 'nn.Dropout2d' : 'F.dropout2d'}(p=${c.p}) [${c.shape}] seed ${c.seed}`;
      assert.deepEqual(
        Array.from(y.data, (v) => (Object.is(v, -0) ? 0 : v)),
        c.y.map((v) => (Object.is(v, -0) ? 0 : v)),
        label,
      );
      assert.equal(rand([1], { dtype: 'float64' }).data[0], c.next, `${label}: the generator after it`);
    }
  }
  assert.throws(
    () => F.dropout2d(randn([2, 3])),
    /dropout2d: input of shape \[2, 3\] must have 3 \(N, C, L\) or 4 \(N, C, H, W\) dimensions/,
  );
  const x = randn([2, 3, 4, 4]);
  assert.equal(new nn.Dropout2d(0.5).eval().forward(x), x, 'evaluation leaves the input as it is');
});

test("randomSplit cuts one randperm as PyTorch's random_split (counts, fractions, own or global generator)", () => {
  for (const c of fx.randomSplit) {
    manualSeed(c.seed);
    const ds = new TensorDataset(
      arange(c.n, undefined, 1, { dtype: 'float64' }).view(c.n, 1),
      arange(c.n, undefined, 1, { dtype: 'int64' }),
    );
    const parts = randomSplit(ds, c.lengths, c.generator ? new Generator().manualSeed(c.seed) : undefined);
    assert.deepEqual(
      parts.map((p) => Array.from(p.labels.data)),
      c.parts,
      `n=${c.n} lengths ${JSON.stringify(c.lengths)}`,
    );
    parts.forEach((p) => assert.deepEqual(Array.from(p.images.data), Array.from(p.labels.data)));
  }
  const ds = new TensorDataset(zeros([4, 1]), zeros([4], { dtype: 'int64' }));
  assert.throws(() => randomSplit(ds, [1, 2]), /randomSplit: lengths=\[1,2\] must sum to the data set's 4 elements/);
});

test("ModuleDict: PyTorch's repr, state-dict keys and initial values; keys that would shadow a member are refused", () => {
  const c = fx.modules[1];
  manualSeed(0);
  const dict = new nn.ModuleDict({ conv: new nn.Conv2d(1, 2, 3), act: new nn.ReLU() });
  dict.set('head', new nn.Linear(3, 2));
  assert.equal(String(dict), c.repr);
  assert.deepEqual(Object.keys(dict.stateDict()), c.keys);
  for (const [k, v] of Object.entries(dict.stateDict())) close(v.data, c.state[k].data, 0, k);
  assert.deepEqual(dict.keys(), ['conv', 'act', 'head']);
  assert.equal(dict.size, 3);
  assert.ok(dict.get('head') instanceof nn.Linear);
  assert.ok(dict.has('act') && !dict.has('training'));
  assert.throws(() => dict.get('fc'), /ModuleDict: no module named "fc"; have conv, act, head/);
  assert.throws(() => dict.set('training', new nn.ReLU()), /ModuleDict: key "training" would shadow a member of ModuleDict/);
  assert.throws(() => dict.set('a.b', new nn.ReLU()), /ModuleDict: key "a.b" is invalid/);
  assert.throws(() => new nn.ModuleDict({ x: 5 as never }), /ModuleDict: the value of "x" is not a Module/);
  assert.deepEqual(new nn.ModuleDict([['a', new nn.Identity()]]).keys(), ['a']);
});

test("ReduceLROnPlateau lowers the lr as PyTorch's (patience, factor, cooldown, minLr per group, max mode, abs threshold)", () => {
  for (const c of fx.plateau) {
    const opt = new optim.SGD(
      [
        { params: [zeros([2]).requiresGrad_()], lr: 0.5 },
        { params: [zeros([3]).requiresGrad_()], lr: 0.03 },
      ],
      { lr: 0.1 },
    );
    const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, c.options as optim.lrScheduler.ReduceLROnPlateauOptions);
    c.metrics.forEach((m, i) => {
      sched.step(i % 2 === 0 ? m : tensor(m, { dtype: 'float64' }));
      assert.deepEqual(
        opt.paramGroups.map((g) => g.lr),
        c.lrs[i],
        `${JSON.stringify(c.options)} epoch ${i + 1}`,
      );
    });
  }
  const opt = new optim.SGD([zeros([1]).requiresGrad_()], { lr: 0.1 });
  assert.throws(() => new optim.lrScheduler.ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor=1 must be in \[0, 1\)/);
  assert.throws(() => new optim.lrScheduler.ReduceLROnPlateau(opt, { min_lr: 0.1 } as never), /PyTorch's min_lr is spelled 'minLr' here/);
});

test("OneCycleLR gives PyTorch's lrs and momentum per step (cos and linear, three phases, Adam's beta1, no momentum)", () => {
  for (const c of fx.oneCycle) {
    const groups = [
      { params: [zeros([2]).requiresGrad_()], lr: 0.5 },
      { params: [zeros([3]).requiresGrad_()], lr: 0.03 },
    ];
    const opt = c.optimizer === 'SGD' ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 }) : new optim.Adam(groups, { lr: 0.1 });
    const sched = new optim.lrScheduler.OneCycleLR(opt, c.options as unknown as optim.lrScheduler.OneCycleLROptions);
    const momentum = (): number[] =>
      opt.paramGroups.map((g) => ('betas' in g ? (g.betas as readonly number[])[0] : (g as { momentum: number }).momentum));
    c.lrs.forEach((lrs, i) => {
      if (i > 0) sched.step();
      const what = `${JSON.stringify(c.options)} step ${i}`;
      close(
        opt.paramGroups.map((g) => g.lr),
        lrs,
        1e-15,
        `${what} lr`,
      );
      close(momentum(), c.momentum[i], 1e-15, `${what} momentum`);
    });
    assert.throws(() => {
      sched.step();
      sched.step();
    }, /OneCycleLR.step: tried to step \d+ times; the cycle has totalSteps=\d+/);
  }
  const opt = new optim.SGD([zeros([1]).requiresGrad_()], { lr: 0.1 });
  assert.throws(() => new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
  assert.throws(() => new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 0 }), /totalSteps=0 must be a positive integer/);
  assert.throws(
    () => new optim.lrScheduler.OneCycleLR(opt, { maxLr: [0.1, 0.2], totalSteps: 5 }),
    /maxLr has 2 values; the optimizer has 1/,
  );
  assert.throws(
    () => new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 5, pctStart: 1.5 }),
    /pctStart=1.5 must be a number in \[0, 1\]/,
  );
  assert.throws(() => new optim.lrScheduler.OneCycleLR(opt, { max_lr: 0.1 } as never), /PyTorch's max_lr is spelled 'maxLr' here/);
});

test("interpolate: float32 results equal PyTorch's bit for bit (nearest, linear, bilinear, trilinear, alignCorners, scale factors)", () => {
  for (const c of fx.interpolate) {
    const y = F.interpolate(tensor(c.x).view(...c.shape), c.options as F.InterpolateOptions);
    assert.equal(y.data.length, c.y.length);
    const differ = c.y.filter((v, i) => y.data[i] !== v).length;
    assert.equal(differ, 0, `${JSON.stringify(c.options)}: ${differ} of ${c.y.length} elements differ`);
  }
});

test("Generator.getState is torch.Generator.get_state's 5056 bytes; setState takes PyTorch's state and draws on as PyTorch does", () => {
  for (const c of fx.generatorStates) {
    const g = new Generator().manualSeed(c.seed);
    for (const [kind, n] of c.draws) {
      if (kind === 'rand') rand([n], { generator: g });
      else if (kind === 'randn64') randn([n], { generator: g, dtype: 'float64' });
      else randperm(n, { generator: g });
    }
    const state = g.getState();
    assert.equal(Buffer.from(state).toString('hex'), c.state, `seed ${c.seed} after ${JSON.stringify(c.draws)}`);
    // PyTorch's bytes into a fresh generator: the same next draws, and the same state back out.
    const h = new Generator().setState(Uint8Array.from(Buffer.from(c.state, 'hex')));
    assert.equal(Buffer.from(h.getState()).toString('hex'), c.state);
    assert.deepEqual([...rand([5], { generator: h, dtype: 'float64' }).data], c.next);
  }
  // The cached second normal of a Box–Muller pair travels with the state.
  const g = new Generator().manualSeed(3);
  randn([1], { generator: g, dtype: 'float64' });
  const copy = new Generator().setState(g.getState());
  assert.deepEqual([...randn([3], { generator: copy, dtype: 'float64' }).data], [...randn([3], { generator: g, dtype: 'float64' }).data]);
  assert.throws(
    () => g.setState(new Uint8Array(10)),
    /Generator.setState: state must be the 5056 bytes of getState\(\) \(a Uint8Array\); got 10 bytes/,
  );
  const bad = g.getState();
  new DataView(bad.buffer).setInt32(8, 0, true); // left = 0
  assert.throws(() => g.setState(bad), /Generator.setState: the state is corrupted \(left=0, seeded=1/);
});

test('gather and scatterAdd along each dim: an index of the input shape but along dim (the fast loop) and one smaller in other dims', () => {
  const gen = new Generator().manualSeed(3);
  const x = randn([3, 4, 5], { generator: gen });
  const at = (t: Tensor, i: number, j: number, k: number): number => t.data[(i * t.shape[1] + j) * t.shape[2] + k];
  for (const dim of [0, 1, 2]) {
    for (const shape of [
      [3, 4, 5].map((n, d) => (d === dim ? 6 : n)), // the other tensors' shape but along dim
      [2, 3, 4].map((n, d) => (d === dim ? 6 : n)), // smaller in the other dims
    ]) {
      const index = randint(0, x.shape[dim], shape, { generator: gen });
      const y = gather(x, dim, index);
      assert.deepEqual(y.shape, shape);
      const src = randn(
        shape.map((n, d) => (d === dim ? n : n + 1)),
        { generator: gen },
      ); // src may be larger than index
      const z = scatterAdd(x, dim, index, src);
      const want = Float32Array.from(x.data);
      for (let i = 0; i < shape[0]; i++)
        for (let j = 0; j < shape[1]; j++)
          for (let k = 0; k < shape[2]; k++) {
            const v = at(index, i, j, k);
            const p = [i, j, k];
            p[dim] = v;
            assert.equal(at(y, i, j, k), at(x, p[0], p[1], p[2]), `gather dim ${dim} shape ${shape} at ${[i, j, k]}`);
            want[(p[0] * 4 + p[1]) * 5 + p[2]] += at(src, i, j, k);
          }
      for (let e = 0; e < want.length; e++)
        assert.ok(Math.abs(z.data[e] - want[e]) < 1e-5, `scatterAdd dim ${dim} shape ${shape} element ${e}`);
    }
  }
});
