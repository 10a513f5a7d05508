// Loss modules, as torch.nn: CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss.
import type { Tensor } from '../tensor/tensor.js';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from '../ops/index.js';
import type { BceWithLogitsOptions, CrossEntropyOptions, NllLossOptions, Reduction } from '../ops/index.js';
import { LOSS_OPTION_KEYS } from '../ops/loss.js';
import { checkOptionKeys } from '../tensor/options.js';
import { Module } from './module.js';

export class CrossEntropyLoss extends Module {
  constructor(
    /** The loss options (reduction, class weights, and the like, as PyTorch's). */
    readonly options: CrossEntropyOptions = {},
  ) {
    super();
    checkOptionKeys(options, LOSS_OPTION_KEYS.crossEntropy, 'CrossEntropyLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
  protected override typeName(): string {
    return 'CrossEntropyLoss';
  }
}

export class NLLLoss extends Module {
  constructor(
    /** The loss options (reduction, class weights, and the like, as PyTorch's). */
    readonly options: NllLossOptions = {},
  ) {
    super();
    checkOptionKeys(options, LOSS_OPTION_KEYS.nllLoss, 'NLLLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
  protected override typeName(): string {
    return 'NLLLoss';
  }
}

export class MSELoss extends Module {
  constructor(
    /** The loss options (reduction, class weights, and the like, as PyTorch's). */
    readonly options: {
      /** 'mean' (default), 'sum' or 'none'. */
      reduction?: Reduction;
    } = {},
  ) {
    super();
    checkOptionKeys(options, LOSS_OPTION_KEYS.mseLoss, 'MSELoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
  protected override typeName(): string {
    return 'MSELoss';
  }
}

export class BCEWithLogitsLoss extends Module {
  constructor(
    /** The loss options (reduction, class weights, and the like, as PyTorch's). */
    readonly options: BceWithLogitsOptions = {},
  ) {
    super();
    checkOptionKeys(options, LOSS_OPTION_KEYS.binaryCrossEntropyWithLogits, 'BCEWithLogitsLoss');
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
  protected override typeName(): string {
    return 'BCEWithLogitsLoss';
  }
}
