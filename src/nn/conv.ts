// Conv1d/2d/3d and ConvTranspose1d/2d/3d, as torch/nn/modules/conv.py: validation in the
// constructor, PyTorch's default initialization, and PyTorch's repr.
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import { checkDType, type DType, type Tensor } from '../tensor/tensor.js';
import {
  expandIntArg,
  parseConvOptions,
  positive,
  type ConvOptionsInput,
  type IntOrTuple,
  type PaddingArg,
  type PaddingMode,
} from '../tensor/conv_params.js';
import { zeros } from '../tensor/creation.js';
import { checkSize } from '../tensor/shape.js';
import { generatorOption, type Generator } from '../tensor/random.js';
import { convNd, convTransposeNd, outputPaddingFor } from '../ops/conv.js';
import { defaultLayerInit } from './init.js';
import { Module, Parameter, pyTuple, markOwnLayers } from './module.js';

/** Options of the Conv modules (PyTorch's constructor arguments after kernel_size, in camelCase). */
export interface ConvModuleOptions {
  /** Step between kernel placements: an int, or one per spatial dimension (default 1). */
  stride?: IntOrTuple;
  /** An int, one per spatial dimension, 'valid' (none) or 'same' (stride 1 only) (default 0). */
  padding?: PaddingArg;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups: inChannels and outChannels must divide by it (default 1). */
  groups?: number;
  /** Whether the layer has a learnable bias (default true). */
  bias?: boolean;
  /** What the padded cells hold: 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
  /** The parameters' dtype (default float32). */
  dtype?: DType;
  /** The random stream for the initial weights (default: the global one). */
  generator?: Generator;
}

/** Options of the ConvTranspose modules. */
export interface ConvTransposeModuleOptions {
  /** The stride of the convolution this one transposes (default 1). */
  stride?: IntOrTuple;
  /** dilation·(k − 1) − padding zeros are added to each side of the input (default 0). */
  padding?: IntOrTuple;
  /** Extra size on one side of the output (less than stride or dilation; default 0). */
  outputPadding?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Whether the layer has a learnable bias (default true). */
  bias?: boolean;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Only 'zeros', as PyTorch's transposed convolutions. */
  paddingMode?: 'zeros';
  /** The parameters' dtype (default float32). */
  dtype?: DType;
  /** The random stream for the initial weights (default: the global one). */
  generator?: Generator;
}

function checkChannels(value: unknown, arg: string, op: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new Error(`${op}: ${arg}=${String(value)} is invalid; expected a positive integer`);
  }
  return value;
}

abstract class ConvBase extends Module {
  /** Channels of the input. */
  readonly inChannels: number;
  /** Channels of the output. */
  readonly outChannels: number;
  /** The kernel's size, one entry per spatial dimension. */
  readonly kernelSize: number[];
  /** The stride, one entry per spatial dimension. */
  readonly stride: number[];
  /** The dilation, one entry per spatial dimension. */
  readonly dilation: number[];
  /** Channel groups. */
  readonly groups: number;
  /** Transposed layers: the output padding, per spatial dimension (zeros otherwise). */
  readonly outputPadding: number[];
  /** What the padded cells hold. */
  readonly paddingMode: PaddingMode;
  /** Per-dimension ints, or 'same' / 'valid' (regular convolutions only). */
  readonly padding: number[] | 'same' | 'valid';
  /** The learned kernels: [outChannels, inChannels / groups, …kernelSize], or [inChannels, outChannels / groups, …] for a transposed layer. */
  weight: Parameter;
  /** The learned bias [outChannels], or null without one. */
  bias: Parameter | null;

  protected constructor(
    /** Spatial dimensions: 1, 2 or 3. */
    readonly dims: number,
    /** Whether this is a transposed convolution. */
    readonly transposed: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: IntOrTuple,
    o: ConvOptionsInput & { bias?: boolean; dtype?: DType; generator?: Generator },
  ) {
    super();
    const op = this.constructor.name;
    this.inChannels = checkChannels(inChannels, 'inChannels', op);
    this.outChannels = checkChannels(outChannels, 'outChannels', op);
    const parsed = parseConvOptions(o, dims, transposed, op);
    this.groups = parsed.groups;
    if (this.inChannels % this.groups !== 0) throw new Error(`${op}: groups=${this.groups} must divide in_channels=${this.inChannels}`);
    if (this.outChannels % this.groups !== 0) throw new Error(`${op}: groups=${this.groups} must divide out_channels=${this.outChannels}`);
    this.kernelSize = expandIntArg(kernelSize, dims, 'kernelSize', op, positive, 'positive integers');
    this.stride = parsed.stride;
    this.dilation = parsed.dilation;
    this.outputPadding = parsed.outputPadding;
    this.paddingMode = parsed.paddingMode;
    this.padding = parsed.padding;
    const dtype = checkDType(o.dtype ?? 'float32', op);
    const weightShape = transposed
      ? [this.inChannels, this.outChannels / this.groups, ...this.kernelSize]
      : [this.outChannels, this.inChannels / this.groups, ...this.kernelSize];
    checkSize(weightShape, op);
    this.weight = new Parameter(zeros(weightShape, { dtype }));
    this.bias = checkBoolean(o.bias, 'bias', op, true) ? new Parameter(zeros([this.outChannels], { dtype })) : null;
    this.resetParameters(generatorOption(o.generator, op));
  }

  /** PyTorch's reset_parameters: weight ~ kaiming_uniform(a=√5), bias ~ U(±1/√fan_in). */
  resetParameters(generator?: Generator): void {
    defaultLayerInit(this.weight, this.bias, generator);
  }

  protected abstract paddingRepr(): string | null;

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    const padding = this.paddingRepr();
    if (padding !== null) s += `, padding=${padding}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=False';
    if (this.paddingMode !== 'zeros') s += `, padding_mode=${this.paddingMode}`;
    return s;
  }
}

class ConvNdModule extends ConvBase {
  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}) {
    checkOptionKeys(options, ['stride', 'padding', 'dilation', 'groups', 'bias', 'paddingMode', 'dtype', 'generator'], new.target.name);
    super(dims, false, inChannels, outChannels, kernelSize, options);
  }

  protected paddingRepr(): string | null {
    if (typeof this.padding === 'string') return this.padding;
    return this.padding.some((p) => p !== 0) ? pyTuple(this.padding) : null;
  }

  forward(x: Tensor): Tensor {
    return convNd(this.dims, x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      paddingMode: this.paddingMode,
    });
  }
}

class ConvTransposeNdModule extends ConvBase {
  /** Transposed convolutions take integers only (parseConvOptions refuses the strings). */
  declare readonly padding: number[];

  constructor(dims: number, inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}) {
    checkOptionKeys(
      options,
      ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation', 'paddingMode', 'dtype', 'generator'],
      new.target.name,
    );
    super(dims, true, inChannels, outChannels, kernelSize, options);
  }

  protected paddingRepr(): string | null {
    return this.padding.some((p) => p !== 0) ? pyTuple(this.padding) : null;
  }

  /** The transposed convolution; `outputSize` picks the output padding, as in PyTorch. */
  forward(x: Tensor, outputSize?: readonly number[] | Tensor): Tensor {
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const sizes = Array.isArray(outputSize) ? (outputSize as readonly number[]) : [];
      const spatial = x.shape.slice(x.ndim - this.dims);
      outputPadding = outputPaddingFor(this.constructor.name, spatial, sizes, this.kernelSize, this.stride, this.padding, this.dilation);
    }
    return convTransposeNd(this.dims, x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}

/**
 * A 1-d convolution layer, as `torch.nn.Conv1d`: weight [outChannels, inChannels / groups, k] and bias [outChannels],
 * both initialized as PyTorch does (kaiming-uniform with a = √5); forward runs {@link conv1d}.
 */
export class Conv1d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}
/**
 * A 2-d convolution layer, as `torch.nn.Conv2d`: weight [outChannels, inChannels / groups, kH, kW] and bias
 * [outChannels], initialized as PyTorch does; every option (stride, padding incl. 'same', paddingMode, dilation,
 * groups, bias: false). forward runs {@link conv2d}.
 */
export class Conv2d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}
/** A 3-d convolution layer, as `torch.nn.Conv3d`: weight [outChannels, inChannels / groups, kD, kH, kW]; forward runs {@link conv3d}. */
export class Conv3d extends ConvNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvModuleOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}
/** A 1-d transposed convolution layer, as `torch.nn.ConvTranspose1d`: weight [inChannels, outChannels / groups, k]; forward runs {@link convTranspose1d}. */
export class ConvTranspose1d extends ConvTransposeNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}) {
    super(1, inChannels, outChannels, kernelSize, options);
  }
}
/** A 2-d transposed convolution layer, as `torch.nn.ConvTranspose2d`: weight [inChannels, outChannels / groups, kH, kW]; forward runs {@link convTranspose2d}. */
export class ConvTranspose2d extends ConvTransposeNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}) {
    super(2, inChannels, outChannels, kernelSize, options);
  }
}
/** A 3-d transposed convolution layer, as `torch.nn.ConvTranspose3d`; forward runs {@link convTranspose3d}. */
export class ConvTranspose3d extends ConvTransposeNdModule {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrTuple, options: ConvTransposeModuleOptions = {}) {
    super(3, inChannels, outChannels, kernelSize, options);
  }
}

markOwnLayers(Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d);
