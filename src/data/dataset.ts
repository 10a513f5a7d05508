// Data sets as tensors: images (N, …) and int64 labels (N), like a torch.utils.data.TensorDataset of
// two tensors; and the DataLoader that batches them.
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { arange, randperm } from '../tensor/creation.js';
import { indexSelect } from '../ops/index.js';

export class TensorDataset {
  constructor(
    readonly images: Tensor,
    readonly labels: Tensor,
  ) {
    if (!(images instanceof Tensor) || !(labels instanceof Tensor)) throw new Error('TensorDataset: images and labels must be Tensors');
    if (images.ndim === 0 || labels.ndim !== 1 || images.shape[0] !== labels.shape[0]) {
      throw new Error(`TensorDataset: images of shape [${images.shape.join(', ')}] and labels of shape [${labels.shape.join(', ')}] must have the same first size`);
    }
  }

  get length(): number {
    return this.labels.shape[0];
  }

  /** Element i: its image and label. */
  get(i: number): { image: Tensor; label: number } {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new Error(`TensorDataset: index ${i} is out of range for ${this.length} elements`);
    return { image: this.images.select(0, i), label: this.labels.data[i] };
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  /** A new order every epoch: randperm(n, { generator }). */
  shuffle?: boolean;
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
}

/** Iterates a data set in batches of { x, y } (indexSelect of the rows), like torch.utils.data.DataLoader. */
export class DataLoader {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;

  constructor(
    readonly dataset: TensorDataset,
    options: DataLoaderOptions = {},
  ) {
    if (!(dataset instanceof TensorDataset)) throw new Error('DataLoader: dataset must be a TensorDataset');
    this.batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize <= 0) throw new Error(`DataLoader: batchSize=${String(options.batchSize)} must be a positive integer`);
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.generator = options.generator ?? defaultGenerator;
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): IterableIterator<{ x: Tensor; y: Tensor }> {
    const n = this.dataset.length;
    const order = this.shuffle ? randperm(n, { generator: this.generator }) : arange(n, undefined, 1, { dtype: 'int64' });
    for (let b = 0; b < this.length; b++) {
      const idx = order.slice(0, b * this.batchSize, Math.min((b + 1) * this.batchSize, n));
      yield { x: indexSelect(this.dataset.images, 0, idx), y: indexSelect(this.dataset.labels, 0, idx) };
    }
  }
}
