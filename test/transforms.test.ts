// torchvision's transforms (issue 22, item 2), against torchvision 0.14's own outputs
// (test/fixtures/transform_cases.json, scripts/training_fixtures.py): the same torch.manual_seed gives the
// same crops and flips (the generator is left where torchvision leaves it), Resize, CenterCrop, Normalize and
// ToTensor give its numbers, and a DataLoader applies a transform per sample in PyTorch's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, TensorDataset, arange, manualSeed, rand, tensor, transforms, type Tensor } from '../src/index.js';
import { fixture } from './helpers.js';

interface Case {
  name: string;
  args: unknown[];
  options: Record<string, unknown>;
  shape: number[];
  input: number[];
  outputs: { shape: number[]; data: number[] }[];
  next: number;
}
interface Fixture {
  cases: Case[];
  toTensor: { shape: number[]; bytes: number[]; out: number[]; outShape: number[] }[];
  loader: { x: number[]; batches: { x: number[]; shape: number[]; y: number[] }[]; next: number };
}
const fx = fixture<Fixture>('transform_cases.json');

function build(name: string, args: unknown[], options: Record<string, unknown>): transforms.Transform {
  switch (name) {
    case 'Compose':
      return new transforms.Compose((args as [string, unknown[], Record<string, unknown>][]).map(([n, a, o]) => build(n, a, o)));
    case 'RandomCrop':
      return new transforms.RandomCrop(args[0] as number, options as transforms.RandomCropOptions);
    case 'RandomHorizontalFlip':
      return new transforms.RandomHorizontalFlip(...(args as [number]));
    case 'Resize':
      return new transforms.Resize(args[0] as number, options as { maxSize?: number });
    case 'CenterCrop':
      return new transforms.CenterCrop(args[0] as number);
    case 'Normalize':
      return new transforms.Normalize(args[0] as number[], args[1] as number[]);
    default:
      throw new Error(`unknown transform ${name}`);
  }
}

const same = (got: Tensor, want: { shape: number[]; data: number[] }, what: string, exact: boolean): void => {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  want.data.forEach((v, i) => {
    const ok = exact ? got.data[i] === v : Math.abs(got.data[i] - v) <= 1e-6 * Math.max(1, Math.abs(v));
    assert.ok(ok, `${what}[${i}]: ${got.data[i]} vs torchvision ${v}`);
  });
};

for (const [i, c] of fx.cases.entries()) {
  test(`${c.name}(${JSON.stringify(c.args)}, ${JSON.stringify(c.options)}) on ${JSON.stringify(c.shape)}: torchvision's output${c.outputs.length > 1 ? 's' : ''} under the same seed`, () => {
    const t = build(c.name, c.args, c.options);
    const img = tensor(c.input).view(...c.shape);
    manualSeed(7 + i);
    // Crops, flips and normalization are exact; Resize is bilinear interpolation (bit for bit where C > 1).
    const exact = c.name !== 'Resize' || c.shape[0] > 1;
    c.outputs.forEach((want, k) => same(t.forward(img), want, `${c.name} #${k}`, exact));
    assert.equal(rand([1]).data[0], Math.fround(c.next), 'the generator is left where torchvision leaves it');
  });
}

test('ToTensor: HWC bytes (grayscale and RGB) to a float [C, H, W] in [0, 1], as torchvision', () => {
  for (const c of fx.toTensor) {
    const [height, width, channels] = c.shape;
    const out = new transforms.ToTensor().forward({ data: Uint8Array.from(c.bytes), width, height, channels });
    same(out, { shape: c.outShape, data: c.out }, 'ToTensor', true);
  }
  assert.throws(
    () => new transforms.ToTensor().forward({ data: new Uint8Array(5), width: 2, height: 2, channels: 1 }),
    /ToTensor: 5 bytes do not hold 2×2 pixels of 1 channels/,
  );
});

test('a DataLoader applies the transform to each sample as it is fetched, in PyTorch’s order (crops and flips equal)', () => {
  const x = tensor(fx.loader.x).view(10, 1, 8, 8);
  const tf = new transforms.Compose([new transforms.RandomCrop(6, { padding: 1 }), new transforms.RandomHorizontalFlip()]);
  manualSeed(11);
  const loader = new DataLoader(new TensorDataset(x, arange(10, undefined, 1, { dtype: 'int64' })), {
    batchSize: 4,
    shuffle: true,
    transform: tf,
  });
  const batches = [...loader];
  assert.equal(batches.length, fx.loader.batches.length);
  batches.forEach(([bx, by], k) => {
    assert.deepEqual([...by.data], fx.loader.batches[k].y);
    same(bx, { shape: fx.loader.batches[k].shape, data: fx.loader.batches[k].x }, `batch ${k}`, true);
  });
  assert.equal(rand([1]).data[0], Math.fround(fx.loader.next));
});

test('transforms refuse what torchvision refuses, naming it', () => {
  assert.throws(() => new transforms.RandomCrop(0), /RandomCrop: size=0 must be a positive integer or \[height, width\]/);
  assert.throws(() => new transforms.RandomCrop(8, { paddingMode: 'symmetric' as never }), /paddingMode="symmetric" is not supported/);
  assert.throws(
    () => new transforms.RandomCrop(8).forward(tensor(new Array(16).fill(0)).view(1, 4, 4)),
    /required crop size \(8, 8\) is larger than the input image size \(4, 4\)/,
  );
  assert.throws(() => new transforms.Normalize([0.5], [0]), /std evaluated to zero/);
  assert.throws(() => new transforms.RandomHorizontalFlip(2), /p=2 must be a probability/);
  assert.throws(() => new transforms.Resize(4).forward(tensor([1, 2, 3])), /an image tensor has shape \[\.\.\., C, H, W\]/);
  assert.throws(
    () => new DataLoader(new TensorDataset(tensor([[1]])), { transform: (() => 1) as never }),
    /DataLoader: transform must be a transform/,
  );
});
