// The built-in digits and the DataLoader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataLoader, Generator, TensorDataset, arange, datasets, randperm, tensor } from '../src/index.js';

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
  assert.deepEqual(Array.from(set.images.data.subarray(row * 64, row * 64 + 8)), [0, 0, 5, 13, 9, 1, 0, 0].map((v) => v / 16));
});

test('DataLoader: batches in order, or in randperm(n, { generator }) order with shuffle; dropLast; bad options refused', () => {
  const ds = new TensorDataset(arange(10, undefined, 1, { dtype: 'float64' }).view(10, 1), arange(10, undefined, 1, { dtype: 'int64' }));
  const plain = [...new DataLoader(ds, { batchSize: 4 })].map((b) => Array.from(b.y.data));
  assert.deepEqual(plain, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.equal(new DataLoader(ds, { batchSize: 4, dropLast: true }).length, 2);
  const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new Generator().manualSeed(3) });
  const reference = new Generator().manualSeed(3);
  for (let epoch = 0; epoch < 2; epoch++) {
    const order = Array.from(randperm(10, { generator: reference }).data);
    const seen = [...loader].flatMap((b) => Array.from(b.y.data));
    assert.deepEqual(seen, order, `epoch ${epoch}`);
  }
  assert.throws(() => new DataLoader(ds, { batchSize: 0 }), /DataLoader: batchSize=0 must be a positive integer/);
  assert.throws(() => new TensorDataset(tensor([1, 2]), tensor([1], { dtype: 'int64' })), /TensorDataset: images of shape \[2\] and labels of shape \[1\] must have the same first size/);
});
