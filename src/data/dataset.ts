// Data sets as tensors, like torch.utils.data.TensorDataset: any number of tensors of one first size
// (images (N, …) and int64 labels (N) for the built-in sets); and the DataLoader that batches them.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { defaultGenerator, Generator, generatorOption } from '../tensor/random.js';
import { arange, randperm } from '../tensor/creation.js';
import { indexSelect, select, stack } from '../ops/index.js';
import type { Transform } from './transforms.js';

/**
 * Tensors with one first size, indexed together, as `torch.utils.data.TensorDataset`: element i is row i of
 * each (images and int64 labels for the built-in sets); a {@link DataLoader} batches them.
 */
export class TensorDataset {
  /** The tensors, each with the elements along its first dimension. */
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new Error('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: tensors[${i}] is not a Tensor`);
      if (t.ndim === 0) throw new Error(`TensorDataset: tensors[${i}] is 0-d; expected a first dimension (one entry per element)`);
    });
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: tensors[0] of shape ${formatShape(tensors[0].shape)} and tensors[${i}] of shape ${formatShape(t.shape)} must have the same first size (the number of elements)`,
        );
      }
    });
    this.tensors = tensors;
  }

  /** The first tensor (the inputs). */
  get images(): Tensor {
    return this.tensors[0];
  }

  /** The second tensor (the targets). */
  get labels(): Tensor {
    if (this.tensors.length < 2) throw new Error('TensorDataset: this data set has one tensor; labels is the second');
    return this.tensors[1];
  }

  /** The number of elements (the tensors' first size). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Element i: its image and label (the first two tensors; the label a number where the labels are 1-d). */
  get(i: number): {
    /** The first tensor's row i. */
    image: Tensor;
    /** The second tensor's value at i. */
    label: number;
  } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new Error(`TensorDataset: index ${i} is out of range for ${this.length} elements`);
    return { image: this.images.select(0, i), label: this.labels.data[i * (this.labels.numel / this.length)] };
  }
}

/** A data set's two splits, as the built-in sets come. */
export interface TrainTest {
  /** The training split. */
  train: TensorDataset;
  /** The test split. */
  test: TensorDataset;
}

/**
 * A batch: the rows of each of the data set's tensors, in order, as PyTorch's DataLoader yields them
 * (`for (const [x, y] of loader)`), with the first two also as `x` and `y` (`for (const { x, y } of loader)`).
 */
export type Batch = Tensor[] & {
  /** The first tensor's rows (the inputs). */
  x: Tensor;
  /** The second tensor's rows (the targets). */
  y: Tensor;
};

/** Options of {@link DataLoader}, as PyTorch's DataLoader arguments. */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** A new order every epoch, drawn as PyTorch's RandomSampler draws it. */
  shuffle?: boolean;
  /** The random stream of the shuffles (default: the global one, through a seed per epoch). */
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /**
   * Applied to each sample's first tensor (the image) as it is fetched, in the batch's order, as a
   * torchvision dataset's transform (random transforms draw from the global generator, as PyTorch's do).
   */
  transform?: Transform | null;
}

/** Iterates a data set in batches (indexSelect of the rows of each tensor), like torch.utils.data.DataLoader. */
export class DataLoader {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is dropped. */
  readonly dropLast: boolean;
  private readonly generator: Generator | null;
  /** Applied to each sample's image as it is fetched, or null. */
  readonly transform: Transform | null;

  constructor(
    /** The data set batched. */
    readonly dataset: TensorDataset,
    options: DataLoaderOptions = {},
  ) {
    if (!(dataset instanceof TensorDataset)) throw new Error('DataLoader: dataset must be a TensorDataset');
    checkOptionKeys(options, ['batchSize', 'shuffle', 'generator', 'dropLast', 'transform'], 'DataLoader');
    this.transform = options.transform ?? null;
    if (this.transform !== null && typeof (this.transform as Partial<Transform>).forward !== 'function')
      throw new Error(
        'DataLoader: transform must be a transform (an object with forward(img)), e.g. new transforms.RandomCrop(28, { padding: 4 })',
      );
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0)
      throw new Error(`DataLoader: batchSize=${String(options.batchSize)} must be a positive integer`);
    this.shuffle = checkBoolean(options.shuffle, 'shuffle', 'DataLoader', false);
    this.dropLast = checkBoolean(options.dropLast, 'dropLast', 'DataLoader', false);
    this.generator =
      options.generator === undefined || options.generator === null ? null : generatorOption(options.generator, 'DataLoader');
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * One epoch of batches, drawn as PyTorch 1.13's DataLoader draws them: each new iterator first takes
   * a base seed (an int64 random_) from `generator` or the global generator; with shuffle, the order is
   * then randperm(n) from `generator`, or, without one, from a fresh Generator seeded by another int64
   * drawn from the global generator (RandomSampler).
   */
  *[Symbol.iterator](): IterableIterator<Batch> {
    const n = this.dataset.length;
    const source = this.generator ?? defaultGenerator;
    source.randomInt64(); // _BaseDataLoaderIter's base seed (used by workers, which convgrad has none of)
    let order: Tensor;
    if (!this.shuffle) order = arange(n, undefined, 1, { dtype: 'int64' });
    else if (this.generator !== null) order = randperm(n, { generator: this.generator });
    else order = randperm(n, { generator: new Generator().manualSeed(defaultGenerator.randomInt64()) });
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(0, b * this.batchSize, Math.min((b + 1) * this.batchSize, n));
      const rows = this.dataset.tensors.map((t, k) =>
        k === 0 && this.transform !== null
          ? stack(Array.from(idx.data, (i) => this.transform!.forward(select(t, 0, i))))
          : indexSelect(t, 0, idx),
      );
      yield Object.assign(rows, { x: rows[0], y: rows[1] });
    }
    // RandomSampler ends an epoch with randperm(n)[:0] (num_samples % n of a second permutation): it
    // draws a permutation nobody sees, which moves the generator on.
    if (this.shuffle && this.generator !== null) randperm(n, { generator: this.generator });
  }
}

/**
 * Splits a data set into random disjoint parts of the given lengths (counts summing to its length, or
 * fractions summing to 1, the remainder dealt one by one from the first part), as
 * torch.utils.data.random_split: one randperm(n) from `generator` (default: the global one), cut in order.
 */
export function randomSplit(dataset: TensorDataset, lengths: readonly number[], generator?: Generator): TensorDataset[] {
  const op = 'randomSplit';
  if (!(dataset instanceof TensorDataset)) throw new Error(`${op}: dataset must be a TensorDataset`);
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((l) => typeof l === 'number' && l >= 0))
    throw new Error(`${op}: lengths=${JSON.stringify(lengths)} must be a non-empty array of counts or fractions`);
  const n = dataset.length;
  let counts = [...lengths];
  // As PyTorch: lengths summing to 1 (within 1e-9) are fractions.
  const total = lengths.reduce((a, b) => a + b, 0);
  const fractions = Math.abs(total - 1) <= 1e-9 && total <= 1;
  if (fractions) {
    if (lengths.some((f) => f > 1)) throw new Error(`${op}: fraction lengths=${JSON.stringify(lengths)} must each lie in [0, 1]`);
    counts = lengths.map((f) => Math.floor(n * f));
    for (let i = 0; counts.reduce((a, b) => a + b, 0) < n; i = (i + 1) % counts.length) counts[i]++;
  }
  if (!counts.every(Number.isInteger) || counts.reduce((a, b) => a + b, 0) !== n)
    throw new Error(`${op}: lengths=${JSON.stringify(lengths)} must sum to the data set's ${n} elements (or be fractions summing to 1)`);
  const perm = randperm(n, { generator: generatorOption(generator, op) });
  let at = 0;
  return counts.map((c) => {
    const idx = perm.slice(0, at, at + c);
    at += c;
    return new TensorDataset(...dataset.tensors.map((t) => indexSelect(t, 0, idx)));
  });
}
