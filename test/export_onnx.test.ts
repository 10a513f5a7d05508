// ONNX export (issue 22, item 3): LeNet-5, a BatchNorm CNN (reflect and circular padding, GELU, average and
// global pooling, dropout, softmax) and a residual net (a Module subclass, traced through its forward) run
// in onnxruntime-node and give convgrad's logits (1e-5), as do 1-d and 3-d nets using every conv option;
// convgrad export --onnx writes a file that does too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { F, exportOnnx, manualSeed, nn, noGrad, rand, type Tensor } from '../src/index.js';
import { runExport } from '../src/cli/export.js';
import { runTrain } from '../src/cli/train.js';
import { buildModel } from '../src/cli/models.js';

type Ort = {
  InferenceSession: {
    create(
      bytes: Uint8Array,
    ): Promise<{ run(feeds: Record<string, unknown>): Promise<{ output: { data: Float32Array; dims: number[] } }> }>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
};
const ort = createRequire(import.meta.url)('onnxruntime-node') as Ort;

class Block extends nn.Module {
  conv1 = new nn.Conv2d(4, 4, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(4);
  conv2 = new nn.Conv2d(4, 4, 3, { padding: 1 });
  bn2 = new nn.BatchNorm2d(4);
  forward(x: Tensor): Tensor {
    return F.relu(x.add(this.bn2.forward(this.conv2.forward(F.relu(this.bn1.forward(this.conv1.forward(x)))))));
  }
}
class Residual extends nn.Module {
  stem = new nn.Conv2d(1, 4, 3, { padding: 1 });
  block = new Block();
  fc = new nn.Linear(4, 3);
  forward(x: Tensor): Tensor {
    return this.fc.forward(F.adaptiveAvgPool2d(this.block.forward(F.relu(this.stem.forward(x))), 1).flatten(1));
  }
}

const nets: Record<string, () => nn.Module> = {
  'LeNet-5': () => buildModel('lenet', 28, 28),
  'BatchNorm CNN': () =>
    new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 'same', paddingMode: 'reflect' }),
      new nn.BatchNorm2d(4),
      new nn.GELU(),
      new nn.AvgPool2d(2),
      new nn.Conv2d(4, 8, 3, { padding: 1, paddingMode: 'circular', bias: false }),
      new nn.LeakyReLU(0.1),
      new nn.AdaptiveAvgPool2d(1),
      new nn.Flatten(),
      new nn.Dropout(0.3),
      new nn.Linear(8, 3),
      new nn.Softmax(1),
    ),
  'residual net': () => new Residual(),
};

async function run(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  return (await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) })).output;
}

for (const [name, make] of Object.entries(nets)) {
  test(`exportOnnx: the ${name} in onnxruntime-node gives convgrad's logits`, async () => {
    manualSeed(0);
    const model = make();
    // A few training batches give BatchNorm real running statistics.
    noGrad(() => model.forward(rand([8, 1, 28, 28])));
    model.eval();
    const x = rand([3, 1, 28, 28]);
    const got = await run(exportOnnx(model, x), x);
    const want = noGrad(() => model.forward(x));
    assert.deepEqual(got.dims, want.shape);
    want.data.forEach((v, i) =>
      assert.ok(Math.abs(got.data[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `logit ${i}: ${got.data[i]} vs ${v}`),
    );
    // The batch size is free: another batch runs through the same file.
    const x5 = rand([5, 1, 28, 28]);
    assert.deepEqual((await run(exportOnnx(model, x), x5)).dims, [5, ...want.shape.slice(1)]);
  });
}

// Every conv option in 1-d and 3-d as well: stride, dilation, groups, each padding mode, 'same', transposed
// with output padding; 1-d pooling and BatchNorm1d.
const shapedNets: Record<string, { make: () => nn.Module; input: number[] }> = {
  '1-d net': {
    input: [3, 2, 20],
    make: () =>
      new nn.Sequential(
        new nn.Conv1d(2, 4, 3, { stride: 2, padding: 2, dilation: 2, paddingMode: 'replicate' }),
        new nn.BatchNorm1d(4),
        new nn.ReLU(),
        new nn.ConvTranspose1d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 }),
        new nn.MaxPool1d(3, { stride: 2, padding: 1, dilation: 1 }),
        new nn.Conv1d(6, 6, 3, { padding: 'same', paddingMode: 'reflect', groups: 3 }),
        new nn.AvgPool1d(2),
        new nn.Flatten(),
        new nn.Linear(30, 3),
      ),
  },
  '3-d net': {
    input: [2, 1, 6, 6, 6],
    make: () =>
      new nn.Sequential(
        new nn.Conv3d(1, 4, 3, { padding: 'same', paddingMode: 'reflect' }),
        new nn.Tanh(),
        new nn.Conv3d(4, 4, [3, 1, 3], { stride: [2, 1, 2], padding: [1, 0, 1], paddingMode: 'circular', groups: 2 }),
        new nn.Sigmoid(),
        new nn.ConvTranspose3d(4, 2, 2, { stride: 2, dilation: [1, 2, 1], padding: [0, 1, 0], outputPadding: [1, 0, 1] }),
        new nn.Conv3d(2, 2, 2, { dilation: 2, padding: 1, paddingMode: 'replicate', bias: false }),
        new nn.Flatten(),
      ),
  },
};

for (const [name, { make, input }] of Object.entries(shapedNets)) {
  test(`exportOnnx: a ${name} with every conv option in onnxruntime-node gives convgrad's outputs`, async () => {
    manualSeed(1);
    const model = make();
    noGrad(() => model.forward(rand([4, ...input.slice(1)])));
    model.eval();
    const x = rand(input);
    const got = await run(exportOnnx(model, x), x);
    const want = noGrad(() => model.forward(x));
    assert.deepEqual(got.dims, want.shape);
    want.data.forEach((v, i) =>
      assert.ok(Math.abs(got.data[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `output ${i}: ${got.data[i]} vs ${v}`),
    );
  });
}

test('exportOnnx refuses what it cannot write; convgrad export --onnx writes a file of trained weights that onnxruntime runs', async () => {
  assert.throws(
    () => exportOnnx(new nn.Sequential(new nn.Hardswish()), rand([1, 4])),
    /module "0" is a Hardswish, which the ONNX exporter does not write/,
  );
  class Squares extends nn.Module {
    forward(x: Tensor): Tensor {
      return x.mul(x);
    }
  }
  assert.throws(
    () => exportOnnx(new Squares(), rand([1, 3])),
    /the forward uses Mul outside a module; the tracer writes modules and relu, add, flatten/,
  );
  const dir = mkdtempSync(join(tmpdir(), 'convgrad-onnx-'));
  const weights = join(dir, 'w.safetensors');
  assert.equal(
    await runTrain(['--epochs', '1', '--out', weights], { out: () => {}, isTTY: false, stopRequested: () => false, now: () => 0 }),
    0,
  );
  const file = join(dir, 'model.onnx');
  let said = '';
  assert.equal(await runExport([weights, '--onnx', file], { out: (s) => (said += s) }), 0);
  assert.match(said, /wrote .*model\.onnx/);
  const out = await run(readFileSync(file), rand([2, 1, 8, 8]));
  assert.deepEqual(out.dims, [2, 10]);
});
