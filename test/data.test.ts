// The built-in digits and the DataLoader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, Generator, TensorDataset, arange, datasets, manualSeed, rand, randperm, tensor } from '../src/index.js';
import { fixture } from './helpers.js';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

test('datasets.digits(): 1437 train + 360 test images of 1×8×8 in [0, 1], int64 labels 0-9, split by randperm(1797) of seed 0', () => {
  const { train, test: held } = datasets.digits();
  assert.deepEqual(train.images.shape, [1437, 1, 8, 8]);
  assert.deepEqual(held.images.shape, [360, 1, 8, 8]);
  assert.equal(train.labels.dtype, 'int64');
  assert.ok(train.images.data.every((v) => v >= 0 && v <= 1));
  const counts = new Array<number>(10).fill(0);
  for (const l of [...train.labels.data, ...held.labels.data]) counts[l]++;
  // The UCI set's class counts (scikit-learn's load_digits).
  assert.deepEqual(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  // Row 0 of the file (a zero) lands where randperm(1797, seed 0) puts index 0.
  const perm = Array.from(randperm(1797, { generator: new Generator().manualSeed(0) }).data);
  const at = perm.indexOf(0);
  const set = at < 360 ? held : train;
  const row = at < 360 ? at : at - 360;
  assert.equal(set.labels.data[row], 0);
  assert.deepEqual(
    Array.from(set.images.data.subarray(row * 64, row * 64 + 8)),
    [0, 0, 5, 13, 9, 1, 0, 0].map((v) => v / 16),
  );
});

test('DataLoader: batches in order, or in randperm(n, { generator }) order with shuffle; dropLast; bad options refused', () => {
  const ds = new TensorDataset(arange(10, undefined, 1, { dtype: 'float64' }).view(10, 1), arange(10, undefined, 1, { dtype: 'int64' }));
  const plain = [...new DataLoader(ds, { batchSize: 4 })].map((b) => Array.from(b.y.data));
  assert.deepEqual(plain, [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9],
  ]);
  assert.equal(new DataLoader(ds, { batchSize: 4, dropLast: true }).length, 2);
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /DataLoader: batchSize=0 must be a positive integer/);
  assert.throws(
    () => new TensorDataset(tensor([1, 2]), tensor([1], { dtype: 'int64' })),
    /TensorDataset: tensors\[0\] of shape \[2\] and tensors\[1\] of shape \[1\] must have the same first size \(the number of elements\)/,
  );
  assert.throws(() => new TensorDataset(), /TensorDataset: expected at least one tensor/);
  assert.throws(() => new TensorDataset(tensor(3)), /TensorDataset: tensors\[0\] is 0-d/);
});

test('DataLoader batches are arrays of every tensor (for (const [x, y] of loader)) with x and y; [N, 1] float targets and a third tensor work (issue 21, item 3)', () => {
  const x = arange(6, undefined, 1, { dtype: 'float64' }).view(6, 1);
  const y = arange(6, undefined, 1, { dtype: 'float64' }).view(6, 1).mul(10);
  const w = arange(6, undefined, 1, { dtype: 'int64' }).mul(100);
  const ds = new TensorDataset(x, y, w);
  assert.equal(ds.tensors.length, 3);
  const batches = [...new DataLoader(ds, { batchSize: 4 })];
  assert.equal(batches.length, 2);
  for (const [bx, by, bw] of batches) {
    assert.deepEqual(
      Array.from(by.data),
      Array.from(bx.data, (v) => v * 10),
    );
    assert.deepEqual(
      Array.from(bw.data),
      Array.from(bx.data, (v) => v * 100),
    );
  }
  const [first] = batches;
  assert.equal(first.length, 3);
  assert.equal(first.x, first[0]);
  assert.equal(first.y, first[1]);
  assert.deepEqual(first[1].shape, [4, 1]);
});

interface LoaderCase {
  n: number;
  batch: number;
  dropLast: boolean;
  generator: boolean;
  epochs: number[][];
  nextGlobal: number;
}

for (const c of fixture<{ cases: LoaderCase[] }>('loader_cases.json').cases) {
  test(`DataLoader shuffles as PyTorch's: n=${c.n}, batch ${c.batch}, dropLast ${c.dropLast}, ${c.generator ? 'own generator' : 'global generator'}`, () => {
    const ds = new TensorDataset(
      arange(c.n, undefined, 1, { dtype: 'float64' }).view(c.n, 1),
      arange(c.n, undefined, 1, { dtype: 'int64' }),
    );
    manualSeed(5);
    const loader = new DataLoader(ds, {
      batchSize: c.batch,
      shuffle: true,
      dropLast: c.dropLast,
      generator: c.generator ? new Generator().manualSeed(3) : undefined,
    });
    c.epochs.forEach((want, epoch) =>
      assert.deepEqual(
        [...loader].flatMap((b) => Array.from(b.y.data)),
        want,
        `epoch ${epoch}`,
      ),
    );
    assert.equal(rand([1], { dtype: 'float64' }).item(), c.nextGlobal, 'the global generator is left where PyTorch leaves it');
  });
}

/** An IDX file of unsigned bytes with the given shape. */
function idxBytes(shape: number[], values: number[], magic = 0x800 + shape.length): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  shape.forEach((s, i) => view.setUint32(4 + 4 * i, s, false));
  out.set(values, 4 + 4 * shape.length);
  return out;
}

test('datasets.idx reads plain and gzip IDX files (images / 255, int64 labels) and refuses bad ones, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convgrad-idx-'));
  const write = (name: string, bytes: Uint8Array, gz = false): void =>
    writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idxBytes([2, 2, 3], [0, 255, 51, 102, 0, 0, 1, 2, 3, 4, 5, 6]), true);
  write('train-labels-idx1-ubyte', idxBytes([2], [7, 3]));
  write('t10k-images-idx3-ubyte', idxBytes([1, 2, 3], [9, 9, 9, 9, 9, 9]));
  write('t10k-labels-idx1-ubyte', idxBytes([1], [1]), true);
  const { train, test: held } = datasets.idx(dir);
  assert.deepEqual(train.images.shape, [2, 1, 2, 3]);
  assert.deepEqual(Array.from(train.images.data.subarray(0, 4)), [0, 1, 0.2, 0.4].map(Math.fround));
  assert.deepEqual(Array.from(train.labels.data), [7, 3]);
  assert.equal(train.labels.dtype, 'int64');
  assert.equal(held.length, 1);
  write('t10k-labels-idx1-ubyte', idxBytes([2], [1, 2]), true);
  assert.throws(() => datasets.idx(dir), /datasets.idx: .*t10k-images-idx3-ubyte has 1 images but t10k-labels-idx1-ubyte has 2 labels/);
  write('t10k-labels-idx1-ubyte', idxBytes([1], [1], 0x803), true);
  assert.throws(() => datasets.idx(dir), /idx: .*t10k-labels-idx1-ubyte.gz: wrong magic number 0x00000803; expected 0x00000801/);
  write('t10k-labels-idx1-ubyte', idxBytes([5], [1, 2]), true);
  assert.throws(
    () => datasets.idx(dir),
    /t10k-labels-idx1-ubyte.gz: the header promises 5 values of shape \[5\] but the file holds 2 \(truncated\)/,
  );
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), gzipSync(idxBytes([1], [1])).subarray(0, 12));
  assert.throws(() => datasets.idx(dir), /idx: .*t10k-labels-idx1-ubyte: the gzip data is damaged or truncated/);
  assert.throws(() => datasets.idx(join(dir, 'nowhere')), /datasets.idx: .*nowhere\/train-images-idx3-ubyte\(\.gz\) is missing/);
});

const fashion = '/usr/share/datasets/fashion-mnist';
test("datasets.fashionMnist() reads Debian's Fashion-MNIST: 60000 + 10000 images of 28×28", {
  skip: !existsSync(fashion) && 'dataset-fashion-mnist is not installed (.ci/run installs it)',
}, () => {
  const { train, test: held } = datasets.fashionMnist();
  assert.deepEqual(train.images.shape, [60000, 1, 28, 28]);
  assert.deepEqual(held.images.shape, [10000, 1, 28, 28]);
  // The first training labels of Fashion-MNIST: ankle boot, T-shirt, T-shirt, dress, …
  assert.deepEqual(Array.from(train.labels.data.subarray(0, 10)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
});
