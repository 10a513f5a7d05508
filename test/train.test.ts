// PyTorch's training runs, step for step: the same architectures (built from the same JSON specs), the
// same seed, batches and optimizers, compared loss by loss (float64 1e-9 relative over two epochs,
// float32 1e-3 over the first), then the learning rates, the trained weights and the eval-mode
// outputs. Fixtures: scripts/training_fixtures.py. Also: module reprs and state-dict keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { F, manualSeed, nn, noGrad, optim, randperm, tensor, type DType, type Tensor } from '../src/index.js';
import { assertClose, fixture } from './helpers.js';

type Json = { shape: number[]; dtype: DType; data: number[] };
interface LayerSpec {
  type: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface RunResult {
  losses: number[];
  lrs: number[];
  eval: Json;
  repr: string;
  state?: Record<string, Json>;
}
interface Run {
  name: string;
  layers: LayerSpec[];
  input: 'image' | 'flat' | 'rows';
  labelSmoothing?: number;
  optimizer: { type: 'SGD' | 'Adam' | 'AdamW'; kwargs: Record<string, unknown> };
  scheduler?: { type: 'StepLR' | 'CosineAnnealingLR'; kwargs: Record<string, number> };
  n: number;
  epochs: number;
  batch: number;
  float64: RunResult;
  float32: RunResult;
}

/** The convgrad module for a PyTorch layer spec (positional options where convgrad's constructors take them). */
export function buildLayer(s: LayerSpec): nn.Module {
  const a = s.args as never[];
  const kw = s.kwargs as never;
  const k = s.kwargs as Record<string, never>;
  switch (s.type) {
    case 'Conv1d':
      return new nn.Conv1d(a[0], a[1], a[2], kw);
    case 'Conv2d':
      return new nn.Conv2d(a[0], a[1], a[2], kw);
    case 'Linear':
      return new nn.Linear(a[0], a[1], kw);
    case 'ReLU':
      return new nn.ReLU();
    case 'LeakyReLU':
      return new nn.LeakyReLU(a[0]);
    case 'GELU':
      return new nn.GELU(k.approximate);
    case 'Sigmoid':
      return new nn.Sigmoid();
    case 'Tanh':
      return new nn.Tanh();
    case 'SiLU':
      return new nn.SiLU();
    case 'Hardswish':
      return new nn.Hardswish();
    case 'Hardtanh':
      return new nn.Hardtanh(a[0], a[1]);
    case 'Softmax':
      return new nn.Softmax(k.dim);
    case 'MaxPool1d':
      return new nn.MaxPool1d(a[0], kw);
    case 'MaxPool2d':
      return new nn.MaxPool2d(a[0], kw);
    case 'AvgPool1d':
      return new nn.AvgPool1d(a[0], kw);
    case 'AvgPool2d':
      return new nn.AvgPool2d(a[0], kw);
    case 'AdaptiveAvgPool2d':
      return new nn.AdaptiveAvgPool2d(a[0]);
    case 'BatchNorm1d':
      return new nn.BatchNorm1d(a[0], kw);
    case 'BatchNorm2d':
      return new nn.BatchNorm2d(a[0], kw);
    case 'Flatten':
      return new nn.Flatten(a[0], a[1]);
    case 'Dropout':
      return new nn.Dropout(a[0]);
    case 'Dropout2d':
      return new nn.Dropout2d(a[0]);
    case 'LayerNorm':
      return new nn.LayerNorm(a[0], kw);
    case 'Identity':
      return new nn.Identity();
    case 'GroupNorm':
      return new nn.GroupNorm(a[0], a[1], kw);
    default:
      throw new Error(`no convgrad module for ${s.type}`);
  }
}

const build = (layers: LayerSpec[]): nn.Sequential => new nn.Sequential(...layers.map(buildLayer));

/** The first n digits as PyTorch's fixture generator reads them: pixels / 16, labels as int64. */
function digits(n: number): { X: Tensor; Y: Tensor } {
  const text = gunzipSync(readFileSync(new URL('../../data/digits.csv.gz', import.meta.url))).toString('utf8');
  const rows = text
    .trim()
    .split('\n')
    .slice(0, n)
    .map((l) => l.split(',').map(Number));
  const X = tensor(
    rows.flatMap((r) => r.slice(0, 64).map((v) => v / 16)),
    { shape: [n, 1, 8, 8], dtype: 'float64' },
  );
  const Y = tensor(
    rows.map((r) => r[64]),
    { dtype: 'int64' },
  );
  return { X, Y };
}

function makeOptimizer(spec: Run['optimizer'], params: Tensor[]): optim.SGD | optim.Adam | optim.AdamW {
  const kw = spec.kwargs as never;
  if (spec.type === 'SGD') return new optim.SGD(params, kw);
  if (spec.type === 'Adam') return new optim.Adam(params, kw);
  return new optim.AdamW(params, kw);
}

function train(run: Run, dtype: DType, epochs: number) {
  const { X: X64, Y } = digits(run.n);
  const shaped = run.input === 'flat' ? X64.reshape(run.n, 64) : run.input === 'rows' ? X64.reshape(run.n, 8, 8) : X64;
  const X = shaped.to(dtype);
  manualSeed(0);
  const model = build(run.layers).to(dtype as 'float32' | 'float64');
  const opt = makeOptimizer(run.optimizer, model.parameters());
  const sched =
    run.scheduler === undefined
      ? null
      : run.scheduler.type === 'StepLR'
        ? new optim.lrScheduler.StepLR(opt, run.scheduler.kwargs as { stepSize: number })
        : new optim.lrScheduler.CosineAnnealingLR(opt, run.scheduler.kwargs as { tMax: number });
  const losses: number[] = [];
  const lrs: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const perm = randperm(run.n);
    for (let i = 0; i < run.n; i += run.batch) {
      const idx = perm.slice(0, i, Math.min(i + run.batch, run.n));
      const out = model.forward(X.indexSelect(0, idx));
      const loss = F.crossEntropy(out, Y.indexSelect(0, idx), { labelSmoothing: run.labelSmoothing ?? 0 });
      opt.zeroGrad();
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    sched?.step();
    lrs.push(opt.paramGroups[0].lr);
  }
  model.eval();
  const evaluation = noGrad(() => model.forward(X.slice(0, 0, 16)));
  return { model, losses, lrs, evaluation };
}

const runs = fixture<{ cases: Run[] }>('training_cases.json').cases;

for (const run of runs) {
  test(`float64 training equals PyTorch's step for step: ${run.name}`, () => {
    const r = train(run, 'float64', run.epochs);
    const want = run.float64;
    assert.equal(String(r.model), want.repr, 'repr');
    assert.equal(r.losses.length, want.losses.length);
    r.losses.forEach((l, i) =>
      assert.ok(Math.abs(l - want.losses[i]) <= 1e-9 * Math.abs(want.losses[i]), `step ${i}: loss ${l} vs PyTorch ${want.losses[i]}`),
    );
    assertClose(r.lrs, want.lrs, 1e-15, 'learning rates');
    const state = r.model.stateDict();
    assert.deepEqual(Object.keys(state), Object.keys(want.state!), 'state dict keys');
    for (const [key, t] of Object.entries(want.state!)) {
      assert.deepEqual(state[key].shape, t.shape, key);
      if (t.dtype === 'int64') assert.deepEqual(Array.from(state[key].data), t.data, key);
      else assertClose(state[key], t.data, 1e-8, `trained ${key}`);
    }
    assertClose(r.evaluation, want.eval.data, 1e-8, 'eval-mode outputs after training');
  });

  test(`float32 training follows PyTorch's over the first epoch: ${run.name}`, () => {
    const r = train(run, 'float32', 1);
    const want = run.float32;
    r.losses.forEach((l, i) =>
      assert.ok(Math.abs(l - want.losses[i]) <= 1e-3 * Math.abs(want.losses[i]), `step ${i}: loss ${l} vs PyTorch ${want.losses[i]}`),
    );
    assertClose(r.evaluation, want.eval.data, 1e-3, 'eval-mode outputs');
  });
}

test('at least 6 architectures × optimizers, covering SGD (momentum, Nesterov, dampening, weight decay), Adam, AdamW and both schedulers', () => {
  assert.ok(runs.length >= 6);
  const kinds = new Set(runs.map((r) => r.optimizer.type));
  for (const k of ['SGD', 'Adam', 'AdamW']) assert.ok(kinds.has(k as 'SGD'), k);
  const schedulers = new Set(runs.map((r) => r.scheduler?.type));
  assert.ok(schedulers.has('StepLR') && schedulers.has('CosineAnnealingLR'));
});

interface NnCase {
  layers: LayerSpec[];
  repr: string;
  keys: string[];
  params: string[];
  state: Record<string, Json>;
}

for (const c of fixture<{ cases: NnCase[] }>('nn_cases.json').cases) {
  test(`modules print, name and initialize as PyTorch: ${c.layers.map((l) => l.type).join(', ')}`, () => {
    manualSeed(0);
    const model = build(c.layers);
    assert.equal(String(model), c.repr);
    assert.deepEqual(Object.keys(model.stateDict()), c.keys);
    assert.deepEqual(
      model.namedParameters().map(([n]) => n),
      c.params,
    );
    const state = model.stateDict();
    for (const [key, t] of Object.entries(c.state)) {
      assert.equal(state[key].dtype, t.dtype, `${key} dtype`);
      assert.deepEqual(
        Array.from(state[key].data),
        t.data.map((v) => (t.dtype === 'float32' ? Math.fround(v) : v)),
        `${key} initial values`,
      );
    }
  });
}
