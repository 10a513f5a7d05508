// Data sets as tensors: images (N, …) and int64 labels (N), like a torch.utils.data.TensorDataset of
// two tensors; and the DataLoader that batches them.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, Generator, generatorOption } from '../tensor/random.js';
import { arange, randperm } from '../tensor/creation.js';
import { indexSelect } from '../ops/index.js';

export class TensorDataset {
  constructor(
    readonly images: Tensor,
    readonly labels: Tensor,
  ) {
    if (!(images instanceof Tensor) || !(labels instanceof Tensor)) throw new Error('TensorDataset: images and labels must be Tensors');
    if (images.ndim === 0 || labels.ndim !== 1 || images.shape[0] !== labels.shape[0]) {
      throw new Error(
        `TensorDataset: images of shape [${images.shape.join(', ')}] and labels of shape [${labels.shape.join(', ')}] must have the same first size`,
      );
    }
  }

  get length(): number {
    return this.labels.shape[0];
  }

  /** Element i: its image and label. */
  get(i: number): { image: Tensor; label: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new Error(`TensorDataset: index ${i} is out of range for ${this.length} elements`);
    return { image: this.images.select(0, i), label: this.labels.data[i] };
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  /** A new order every epoch, drawn as PyTorch's RandomSampler draws it. */
  shuffle?: boolean;
  /** The random stream of the shuffles (default: the global one, through a seed per epoch). */
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
}

/** Iterates a data set in batches of { x, y } (indexSelect of the rows), like torch.utils.data.DataLoader. */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator | null;

  constructor(
    readonly dataset: TensorDataset,
    options: DataLoaderOptions = {},
  ) {
    if (!(dataset instanceof TensorDataset)) throw new Error('DataLoader: dataset must be a TensorDataset');
    checkOptionKeys(options, ['batchSize', 'shuffle', 'generator', 'dropLast'], 'DataLoader');
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
  *[Symbol.iterator](): IterableIterator<{ x: Tensor; y: Tensor }> {
    const n = this.dataset.length;
    const source = this.generator ?? defaultGenerator;
    source.randomInt64(); // _BaseDataLoaderIter's base seed (used by workers, which convgrad has none of)
    let order: Tensor;
    if (!this.shuffle) order = arange(n, undefined, 1, { dtype: 'int64' });
    else if (this.generator !== null) order = randperm(n, { generator: this.generator });
    else order = randperm(n, { generator: new Generator().manualSeed(defaultGenerator.randomInt64()) });
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(0, b * this.batchSize, Math.min((b + 1) * this.batchSize, n));
      yield { x: indexSelect(this.dataset.images, 0, idx), y: indexSelect(this.dataset.labels, 0, idx) };
    }
    // RandomSampler ends an epoch with randperm(n)[:0] (num_samples % n of a second permutation): it
    // draws a permutation nobody sees, which moves the generator on.
    if (this.shuffle && this.generator !== null) randperm(n, { generator: this.generator });
  }
}
