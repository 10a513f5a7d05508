// Activation modules, as torch.nn: each is its functional op with the constructor's options.
import type { Tensor } from '../tensor/tensor.js';
import { gelu, hardswish, hardtanh, leakyRelu, relu, sigmoid, silu, softmax, tanh } from '../ops/index.js';
import { Module, pyFloat, markOwnLayers } from './module.js';
import { checkRange } from '../ops/util.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
  protected override typeName(): string {
    return 'ReLU';
  }
}

export class LeakyReLU extends Module {
  constructor(
    /** The slope for negative inputs (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
    super();
    if (typeof negativeSlope !== 'number' || Number.isNaN(negativeSlope))
      throw new Error(`LeakyReLU: negativeSlope=${String(negativeSlope)} must be a number`);
  }
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  protected override typeName(): string {
    return 'LeakyReLU';
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}

export class GELU extends Module {
  constructor(
    /** 'none' (the exact erf form, default) or 'tanh' (the tanh approximation). */
    readonly approximate: 'none' | 'tanh' = 'none',
  ) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new Error(`GELU: approximate=${String(approximate)} is invalid; expected 'none' or 'tanh'`);
  }
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
  protected override typeName(): string {
    return 'GELU';
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
  protected override typeName(): string {
    return 'Sigmoid';
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
  protected override typeName(): string {
    return 'Tanh';
  }
}

export class Softmax extends Module {
  constructor(
    /** The dimension the probabilities sum to 1 along. */
    readonly dim: number,
  ) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`Softmax: dim=${String(dim)} must be an integer`);
  }
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  protected override typeName(): string {
    return 'Softmax';
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return silu(x);
  }
  protected override typeName(): string {
    return 'SiLU';
  }
}

export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return hardswish(x);
  }
  protected override typeName(): string {
    return 'Hardswish';
  }
}

export class Hardtanh extends Module {
  constructor(
    /** The lower clamp (default −1). */
    readonly minVal = -1,
    /** The upper clamp (default 1). */
    readonly maxVal = 1,
  ) {
    super();
    checkRange(minVal, maxVal, 'Hardtanh'); // at construction, as in PyTorch
  }
  forward(x: Tensor): Tensor {
    return hardtanh(x, this.minVal, this.maxVal);
  }
  protected override typeName(): string {
    return 'Hardtanh';
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}

markOwnLayers(ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Softmax, SiLU, Hardswish, Hardtanh);
