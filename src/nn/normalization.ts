// BatchNorm1d/2d, as torch.nn: affine weight (ones) and bias (zeros), running statistics as buffers
// (running_mean, running_var, num_batches_tracked), batch statistics in training, running ones in eval.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { checkDType, type DType, type Tensor, bumpVersion } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import { ones, zeros } from '../tensor/creation.js';
import { batchNorm, groupNorm, layerNorm } from '../ops/index.js';
import { Module, Parameter, pyFloat, pyTuple, markOwnLayers } from './module.js';

/** Options of the BatchNorm modules, as PyTorch's. */
export interface BatchNormModuleOptions {
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
  /** The weight of each batch in the running statistics; null for a cumulative average. */
  momentum?: number | null;
  /** Whether the layer has a learnable weight and bias per channel (default true). */
  affine?: boolean;
  /** Whether it keeps running mean and variance for evaluation (default true). */
  trackRunningStats?: boolean;
  /** The parameters' and buffers' dtype (default float32). */
  dtype?: DType;
}

abstract class BatchNormNd extends Module {
  /** Added to the variance before its square root. */
  readonly eps: number;
  /** The weight of each batch in the running statistics; null for a cumulative average. */
  readonly momentum: number | null;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept (and used in evaluation). */
  readonly trackRunningStats: boolean;
  /** The learned scale per channel (ones at first), or null when not affine. */
  weight: Parameter | null;
  /** The learned shift per channel (zeros at first), or null when not affine. */
  bias: Parameter | null;
  /** The running mean per channel (a buffer), or null without running statistics. */
  declare runningMean: Tensor | null;
  /** The running (unbiased) variance per channel (a buffer), or null. */
  declare runningVar: Tensor | null;
  /** Batches seen in training (an int64 buffer), or null. */
  declare numBatchesTracked: Tensor | null;

  constructor(
    /** Channels (C of the input). */
    readonly numFeatures: number,
    options: BatchNormModuleOptions = {},
  ) {
    super();
    const op = this.typeName();
    checkOptionKeys(options, ['eps', 'momentum', 'affine', 'trackRunningStats', 'dtype'], op);
    if (!Number.isInteger(numFeatures) || numFeatures <= 0)
      throw new Error(`${op}: numFeatures=${String(numFeatures)} is invalid; expected a positive integer`);
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    // null: a cumulative average, as PyTorch's momentum=None; otherwise the weight of the new batch.
    if (this.momentum !== null && (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)))
      throw new Error(`${op}: momentum=${JSON.stringify(this.momentum) ?? String(this.momentum)} must be a number in [0, 1] or null`);
    this.affine = checkBoolean(options.affine, 'affine', op, true);
    this.trackRunningStats = checkBoolean(options.trackRunningStats, 'trackRunningStats', op, true);
    if (typeof this.eps !== 'number' || !(this.eps >= 0)) throw new Error(`${op}: eps=${String(this.eps)} must be a non-negative number`);
    const dtype = checkDType(options.dtype ?? 'float32', op);
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    // PyTorch's buffer names, so state dicts carry 'running_mean' etc.
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? zeros([], { dtype: 'int64' }) : null);
    const self = this as unknown as Record<string, Tensor | null>;
    Object.defineProperty(this, 'runningMean', { get: () => self.running_mean, enumerable: false });
    Object.defineProperty(this, 'runningVar', { get: () => self.running_var, enumerable: false });
    Object.defineProperty(this, 'numBatchesTracked', { get: () => self.num_batches_tracked, enumerable: false });
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new Error(
        `${this.typeName()}: input of shape ${formatShape(x.shape)} has ${x.shape[1]} channels; expected numFeatures=${this.numFeatures}`,
      );
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      this.numBatchesTracked.storage[0] += 1;
      bumpVersion(this.numBatchesTracked);
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.storage[0];
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum: factor,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    const m = this.momentum === null ? 'None' : pyFloat(this.momentum);
    const b = (v: boolean): string => (v ? 'True' : 'False');
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${m}, affine=${b(this.affine)}, track_running_stats=${b(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalization over (N, C) or (N, C, L) input, as `torch.nn.BatchNorm1d`: per channel, batch statistics in
 * training (updating runningMean / runningVar with momentum, the unbiased variance) and the running ones in eval.
 */
export class BatchNorm1d extends BatchNormNd {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3)
      throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${x.ndim}D input of shape ${formatShape(x.shape)})`);
  }
  protected override typeName(): string {
    return 'BatchNorm1d';
  }
}

/** Batch normalization over (N, C, H, W) input, per channel, as `torch.nn.BatchNorm2d` (see {@link BatchNorm1d}). */
export class BatchNorm2d extends BatchNormNd {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${x.ndim}D input of shape ${formatShape(x.shape)})`);
  }
  protected override typeName(): string {
    return 'BatchNorm2d';
  }
}

/** Options of {@link LayerNorm}. */
export interface LayerNormModuleOptions {
  /** Added to the variance before its square root (default 1e-5). */
  eps?: number;
  /** Whether the layer has a learnable weight and bias of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
}

/** LayerNorm over the last dimensions, as torch.nn.LayerNorm: weight (ones) and bias (zeros) of normalizedShape. */
export class LayerNorm extends Module {
  /** The trailing dimensions normalized over. */
  readonly normalizedShape: readonly number[];
  /** Added to the variance before its square root. */
  readonly eps: number;
  /** Whether weight and bias are learned. */
  readonly elementwiseAffine: boolean;
  /** The learned scale (ones at first), or null. */
  weight: Parameter | null;
  /** The learned shift (zeros at first), or null. */
  bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormModuleOptions = {}) {
    super();
    checkOptionKeys(options, ['eps', 'elementwiseAffine', 'dtype'], 'LayerNorm');
    const list = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : null;
    if (list === null || list.length === 0 || !list.every((n) => Number.isInteger(n) && n > 0))
      throw new Error(
        `LayerNorm: normalizedShape=${JSON.stringify(normalizedShape)} must be a positive integer or a non-empty list of them`,
      );
    this.normalizedShape = list;
    this.eps = options.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0))
      throw new Error(`LayerNorm: eps=${String(this.eps)} must be a non-negative number`);
    this.elementwiseAffine = checkBoolean(options.elementwiseAffine, 'elementwiseAffine', 'LayerNorm', true);
    const dtype = checkDType(options.dtype ?? 'float32', 'LayerNorm');
    this.weight = this.elementwiseAffine ? new Parameter(ones(list, { dtype })) : null;
    this.bias = this.elementwiseAffine ? new Parameter(zeros(list, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  protected override typeName(): string {
    return 'LayerNorm';
  }

  override extraRepr(): string {
    return `${pyTuple(this.normalizedShape)}, eps=${pyFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? 'True' : 'False'}`;
  }
}

/** GroupNorm, as torch.nn.GroupNorm: numGroups groups of numChannels/numGroups channels; weight (ones), bias (zeros). */
export class GroupNorm extends Module {
  /** Added to the variance before its square root. */
  readonly eps: number;
  /** Whether weight and bias are learned. */
  readonly affine: boolean;
  /** The learned scale per channel (ones at first), or null. */
  weight: Parameter | null;
  /** The learned shift per channel (zeros at first), or null. */
  bias: Parameter | null;

  constructor(
    /** Groups the channels are split into. */
    readonly numGroups: number,
    /** Channels of the input. */
    readonly numChannels: number,
    options: { eps?: number; affine?: boolean; dtype?: DType } = {},
  ) {
    super();
    checkOptionKeys(options, ['eps', 'affine', 'dtype'], 'GroupNorm');
    if (!Number.isInteger(numChannels) || numChannels <= 0)
      throw new Error(`GroupNorm: numChannels=${String(numChannels)} must be a positive integer`);
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0)
      throw new Error(`GroupNorm: numGroups=${String(numGroups)} must be a positive integer dividing numChannels=${numChannels}`);
    this.eps = options.eps ?? 1e-5;
    if (typeof this.eps !== 'number' || !(this.eps >= 0))
      throw new Error(`GroupNorm: eps=${String(this.eps)} must be a non-negative number`);
    this.affine = checkBoolean(options.affine, 'affine', 'GroupNorm', true);
    const dtype = checkDType(options.dtype ?? 'float32', 'GroupNorm');
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.eps });
  }

  protected override typeName(): string {
    return 'GroupNorm';
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.eps)}, affine=${this.affine ? 'True' : 'False'}`;
  }
}

markOwnLayers(BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm);
