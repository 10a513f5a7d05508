// Checkpoints that resume (issue 21, item 2): a run saved mid-way and resumed into fresh objects ends
// with the same weights, bit for bit, as the run that never stopped: model (with BatchNorm buffers),
// optimizer state (float32 and float64), scheduler, epoch, the global generator (dropout masks) and a
// DataLoader's generator (shuffles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  F,
  DataLoader,
  Generator,
  TensorDataset,
  loadCheckpoint,
  manualSeed,
  nn,
  optim,
  randint,
  randn,
  save,
  saveCheckpoint,
  type FloatDType,
} from '../src/index.js';
import { deserializeCheckpoint, serializeCheckpoint } from '../src/io/checkpoint.js';
import { deserialize } from '../src/io/safetensors.js';

const dir = mkdtempSync(join(tmpdir(), 'convgrad-checkpoint-'));

function net(dtype: FloatDType): nn.Sequential {
  const m = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.Flatten(),
    new nn.Dropout(0.3),
    new nn.Linear(4 * 6 * 6, 3),
  );
  return dtype === 'float64' ? m.double() : m;
}

function data(dtype: FloatDType): TensorDataset {
  manualSeed(99);
  return new TensorDataset(randn([20, 1, 6, 6], { dtype }), randint(0, 3, [20]));
}

interface Run {
  model: nn.Sequential;
  opt: optim.SGD | optim.AdamW;
  sched: optim.lrScheduler.StepLR | optim.lrScheduler.OneCycleLR;
  loaderGen: Generator;
  loader: DataLoader;
}

/** A fresh run; `seed` sets the initial weights (a resumed run starts from other ones, then loads). */
function start(dtype: FloatDType, seed: number): Run {
  manualSeed(seed);
  const model = net(dtype);
  const opt =
    dtype === 'float32'
      ? new optim.AdamW(model.parameters(), { lr: 0.01, amsgrad: true })
      : new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
  const sched =
    dtype === 'float32'
      ? new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 })
      : new optim.lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 40 });
  const loaderGen = new Generator().manualSeed(seed + 1);
  return { model, opt, sched, loaderGen, loader: new DataLoader(data(dtype), { batchSize: 8, shuffle: true, generator: loaderGen }) };
}

function epoch(r: Run, perBatch: boolean): void {
  r.model.train();
  for (const [x, y] of r.loader) {
    const loss = F.crossEntropy(r.model.forward(x), y);
    r.opt.zeroGrad();
    loss.backward();
    r.opt.step();
    if (perBatch) r.sched.step();
  }
  if (!perBatch) r.sched.step();
}

const weights = (m: nn.Module): string[] =>
  Object.entries(m.stateDict()).map(([k, t]) => `${k}:${Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex')}`);

for (const dtype of ['float32', 'float64'] as const) {
  test(`a ${dtype} run saved after epoch 2 and resumed into fresh objects ends bit for bit as the run that never stopped`, () => {
    const perBatch = dtype === 'float64'; // OneCycleLR steps per batch
    const straight = start(dtype, 1);
    for (let e = 0; e < 4; e++) epoch(straight, perBatch);
    const expected = weights(straight.model);

    const first = start(dtype, 1);
    for (let e = 0; e < 2; e++) epoch(first, perBatch);
    const file = join(dir, `${dtype}.safetensors`);
    saveCheckpoint(file, {
      model: first.model,
      optimizer: first.opt,
      scheduler: first.sched,
      epoch: 2,
      generators: { loader: first.loaderGen },
      extra: { history: [1.5, 1.25], best: Infinity },
    });
    manualSeed(12345); // the global generator moves on: the checkpoint must put it back

    const resumed = start(dtype, 7);
    assert.notDeepEqual(weights(resumed.model), weights(first.model));
    const got = loadCheckpoint(file, {
      model: resumed.model,
      optimizer: resumed.opt,
      scheduler: resumed.sched,
      generators: { loader: resumed.loaderGen },
    });
    assert.equal(got.epoch, 2);
    assert.deepEqual(got.extra, { history: [1.5, 1.25], best: Infinity });
    assert.deepEqual(weights(resumed.model), weights(first.model));
    assert.deepEqual(resumed.sched.getLastLr(), first.sched.getLastLr());
    for (let e = 2; e < 4; e++) epoch(resumed, perBatch);
    assert.deepEqual(weights(resumed.model), expected);
  });
}

test('the file: weights under model.*, optimizer buffers as float tensors, the rest as JSON metadata', () => {
  const r = start('float64', 3);
  epoch(r, true);
  const bytes = serializeCheckpoint({ model: r.model, optimizer: r.opt, scheduler: r.sched, epoch: 1 }, { note: 'mine' });
  const { tensors, metadata } = deserialize(bytes);
  assert.deepEqual(
    Object.keys(tensors).filter((k) => k.startsWith('model.')),
    Object.keys(r.model.stateDict()).map((k) => `model.${k}`),
  );
  assert.equal(tensors['model.1.num_batches_tracked'].dtype, 'int64');
  const buffers = Object.keys(tensors).filter((k) => k.startsWith('optimizer.state.'));
  assert.equal(buffers.length, r.model.parameters().length); // SGD: one momentum buffer per parameter
  assert.ok(buffers.every((k) => tensors[k].dtype === 'float64'));
  assert.equal(metadata.format, 'convgrad.checkpoint');
  assert.equal(JSON.parse(metadata.optimizer).type, 'SGD');
  assert.equal(metadata.note, 'mine');
  // In memory too (the browser's way), and the caller's metadata comes back.
  const again = start('float64', 4);
  const got = deserializeCheckpoint(bytes, { model: again.model, optimizer: again.opt, scheduler: again.sched });
  assert.deepEqual(got.metadata, { note: 'mine' });
  assert.deepEqual(weights(again.model), weights(r.model));
});

test('ReduceLROnPlateau state (an Infinity best) and an optimizer state dict through JSON come back', () => {
  const r = start('float32', 5);
  const plateau = new optim.lrScheduler.ReduceLROnPlateau(r.opt, { patience: 1 });
  const file = join(dir, 'plateau.safetensors');
  saveCheckpoint(file, { model: r.model, scheduler: plateau });
  const other = new optim.lrScheduler.ReduceLROnPlateau(start('float32', 5).opt, { patience: 1 });
  other.best = 3;
  loadCheckpoint(file, { model: r.model, scheduler: other });
  assert.equal(other.best, Infinity);

  epoch(r, false);
  const json = JSON.parse(JSON.stringify(r.opt.stateDict()));
  const fresh = start('float32', 6);
  fresh.opt.loadStateDict(json);
  assert.deepEqual(
    Object.values(fresh.opt.stateDict().state).map((s) => Object.keys(s)),
    Object.values(r.opt.stateDict().state).map((s) => Object.keys(s)),
  );
  assert.deepEqual([...(fresh.opt.stateDict().state[0].expAvg as Float32Array)], [...(r.opt.stateDict().state[0].expAvg as Float32Array)]);
});

test('a checkpoint that does not fit says why and leaves the model as it was', () => {
  const r = start('float32', 8);
  const file = join(dir, 'adamw.safetensors');
  saveCheckpoint(file, { model: r.model, optimizer: r.opt, epoch: 0 });
  const sgd = start('float64', 8);
  const before = weights(sgd.model);
  assert.throws(
    () => loadCheckpoint(file, { model: sgd.model, optimizer: sgd.opt }),
    /loadCheckpoint: cannot restore the optimizer from .*adamw\.safetensors: the checkpoint holds AdamW state; the optimizer given is SGD/,
  );
  assert.deepEqual(weights(sgd.model), before);
  const small = new nn.Sequential(new nn.Linear(2, 2));
  assert.throws(
    () => loadCheckpoint(file, { model: small }),
    /loadCheckpoint: cannot restore the model from .*: loadStateDict: .*size mismatch for 0.weight/s,
  );
  assert.throws(
    () => loadCheckpoint(file, { model: r.model, scheduler: r.sched }),
    /cannot restore the scheduler from .*: the checkpoint holds no scheduler state/,
  );
  assert.throws(
    () => loadCheckpoint(file, { model: r.model, generators: { loader: new Generator() } }),
    /cannot restore the generator "loader" from .*: the checkpoint holds no named generators/,
  );
  const plain = join(dir, 'weights.safetensors');
  save(r.model.stateDict(), plain);
  assert.throws(() => loadCheckpoint(plain, { model: r.model }), /loadCheckpoint: .*weights\.safetensors is not a convgrad checkpoint/);
  assert.throws(() => saveCheckpoint(file, { model: r.model, epoch: 1.5 }), /saveCheckpoint: epoch=1.5 must be an integer/);
  assert.throws(() => saveCheckpoint(file, { model: r.model, optimiser: r.opt } as never), /saveCheckpoint: unknown option 'optimiser'/);
  assert.throws(() => saveCheckpoint(file, { model: r.model.stateDict() } as never), /saveCheckpoint: model must be a Module/);
  // PyTorch's habit, torch.save({'model': …, 'epoch': …}), points to saveCheckpoint.
  assert.throws(
    () => save({ model: r.model } as never, plain),
    /"model" is not a Tensor; to save a model with its optimizer and epoch, use saveCheckpoint/,
  );
  // The earlier file is intact after the refusals.
  assert.ok(readFileSync(file).length > 0);
});
