// Linear, as torch.nn.Linear: y = x·wᵀ + b over the last dimension, with PyTorch's default init.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { checkDType, type DType, type Tensor } from '../tensor/tensor.js';
import { zeros } from '../tensor/creation.js';
import { checkSize } from '../tensor/shape.js';
import { generatorOption, type Generator } from '../tensor/random.js';
import { linear } from '../ops/index.js';
import { defaultLayerInit } from './init.js';
import { Module, Parameter, markOwnLayers } from './module.js';

/** Options of {@link Linear}. */
export interface LinearOptions {
  /** Whether the layer has a learnable bias (default true). */
  bias?: boolean;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
  /** The random stream for the initial weights (default: the global one). */
  generator?: Generator;
}

export class Linear extends Module {
  /** The learned matrix [outFeatures, inFeatures]. */
  weight: Parameter;
  /** The learned bias [outFeatures], or null without one. */
  bias: Parameter | null;

  constructor(
    /** Size of each input's last dimension. */
    readonly inFeatures: number,
    /** Size of each output's last dimension. */
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    checkOptionKeys(options, ['bias', 'dtype', 'generator'], 'Linear');
    for (const [arg, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new Error(`Linear: ${arg}=${String(v)} is invalid; expected a positive integer`);
    }
    const dtype = checkDType(options.dtype ?? 'float32', 'Linear');
    checkSize([outFeatures, inFeatures], 'Linear');
    this.weight = new Parameter(zeros([outFeatures, inFeatures], { dtype }));
    this.bias = checkBoolean(options.bias, 'bias', 'Linear', true) ? new Parameter(zeros([outFeatures], { dtype })) : null;
    defaultLayerInit(this.weight, this.bias, generatorOption(options.generator, 'Linear'));
  }

  /** y = x·wᵀ + b for x of shape (…, inFeatures). */
  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear: input of shape [${x.shape.join(', ')}] must end in inFeatures=${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias);
  }

  protected override typeName(): string {
    return 'Linear';
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias === null ? 'False' : 'True'}`;
  }
}

markOwnLayers(Linear);
