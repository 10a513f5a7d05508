// Pooling modules, as torch.nn: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d, with PyTorch's reprs
// (the options printed as they were given: an int stays an int, except AvgPool1d's tuples).
import type { Tensor } from '../tensor/tensor.js';
import type { IntOrTuple } from '../tensor/conv_params.js';
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/index.js';
import { Module, pyIntOrTuple, pyTuple, markOwnLayers } from './module.js';
import { AVG_POOL_OPTION_KEYS, avgPoolExtras, MAX_POOL_OPTION_KEYS, poolWindow } from '../ops/pool.js';
import { checkOptionKeys } from '../tensor/options.js';

/** Options of the MaxPool modules. */
export interface MaxPoolModuleOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit −∞ padding on each side (at most half the kernel; default 0). */
  padding?: IntOrTuple;
  /** Spacing between window taps (default 1). */
  dilation?: IntOrTuple;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
}

/** Options of the AvgPool modules. */
export interface AvgPoolModuleOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: IntOrTuple | null;
  /** Implicit zero padding on each side (at most half the kernel; default 0). */
  padding?: IntOrTuple;
  /** Round the output size up instead of down (default false). */
  ceilMode?: boolean;
  /** Whether padded zeros count in each window's divisor (default true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead (AvgPool2d only; default null). */
  divisorOverride?: number | null;
}

const pyBool = (b: boolean): string => (b ? 'True' : 'False');
/** The spatial dimensions of a pooling module, from its name (MaxPool2d: 2). */
const dimsOf = (name: string): number => Number(name.at(-2));

abstract class MaxPoolNd extends Module {
  /** Step between windows. */
  readonly stride: IntOrTuple;
  /** Implicit −∞ padding on each side. */
  readonly padding: IntOrTuple;
  /** Spacing between window taps. */
  readonly dilation: IntOrTuple;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;

  constructor(
    /** The window's size. */
    readonly kernelSize: IntOrTuple,
    options: MaxPoolModuleOptions = {},
  ) {
    super();
    options = options ?? {};
    // Checked here, as PyTorch's modules would fail at their first forward: a bad option names the module now.
    const name = this.typeName();
    checkOptionKeys(options, MAX_POOL_OPTION_KEYS, name);
    poolWindow(dimsOf(name), name, kernelSize, options, options.ceilMode ?? false);
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.dilation = options.dilation ?? 1;
    this.ceilMode = options.ceilMode ?? false;
  }

  protected get options(): MaxPoolModuleOptions {
    return { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
  }

  override extraRepr(): string {
    return (
      `kernel_size=${pyIntOrTuple(this.kernelSize)}, stride=${pyIntOrTuple(this.stride)}, padding=${pyIntOrTuple(this.padding)}, ` +
      `dilation=${pyIntOrTuple(this.dilation)}, ceil_mode=${pyBool(this.ceilMode)}`
    );
  }
}

/** Max pooling over (N, C, L) input, as `torch.nn.MaxPool1d` (stride defaults to the kernel size); forward runs {@link maxPool1d}. */
export class MaxPool1d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool1d(x, this.kernelSize, this.options);
  }
  protected override typeName(): string {
    return 'MaxPool1d';
  }
}

/** Max pooling over (N, C, H, W) input, as `torch.nn.MaxPool2d` (stride defaults to the kernel size); forward runs {@link maxPool2d}. */
export class MaxPool2d extends MaxPoolNd {
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }
  protected override typeName(): string {
    return 'MaxPool2d';
  }
}

abstract class AvgPoolNd extends Module {
  /** Step between windows. */
  readonly stride: IntOrTuple;
  /** Implicit zero padding on each side. */
  readonly padding: IntOrTuple;
  /** Whether the output size is rounded up. */
  readonly ceilMode: boolean;
  /** Whether padded zeros count in each window's divisor. */
  readonly countIncludePad: boolean;
  /** The divisor of every window, or null for the window's size. */
  readonly divisorOverride: number | null;

  constructor(
    /** The window's size. */
    readonly kernelSize: IntOrTuple,
    options: AvgPoolModuleOptions = {},
  ) {
    super();
    options = options ?? {};
    const name = this.typeName();
    checkOptionKeys(options, name === 'AvgPool1d' ? AVG_POOL_OPTION_KEYS.slice(0, -1) : AVG_POOL_OPTION_KEYS, name);
    poolWindow(dimsOf(name), name, kernelSize, { stride: options.stride, padding: options.padding }, options.ceilMode ?? false);
    avgPoolExtras(name, options);
    this.stride = options.stride ?? kernelSize;
    this.padding = options.padding ?? 0;
    this.ceilMode = options.ceilMode ?? false;
    this.countIncludePad = options.countIncludePad ?? true;
    this.divisorOverride = options.divisorOverride ?? null;
  }
}

/** Average pooling over (N, C, L) input, as `torch.nn.AvgPool1d`; forward runs {@link avgPool1d}. */
export class AvgPool1d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
  protected override typeName(): string {
    return 'AvgPool1d';
  }
  override extraRepr(): string {
    // PyTorch's AvgPool1d stores its options as 1-tuples.
    const one = (v: IntOrTuple): string => pyTuple(typeof v === 'number' ? [v] : v);
    return `kernel_size=${one(this.kernelSize)}, stride=${one(this.stride)}, padding=${one(this.padding)}`;
  }
}

/** Average pooling over (N, C, H, W) input, as `torch.nn.AvgPool2d`; forward runs {@link avgPool2d}. */
export class AvgPool2d extends AvgPoolNd {
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }
  protected override typeName(): string {
    return 'AvgPool2d';
  }
  override extraRepr(): string {
    return `kernel_size=${pyIntOrTuple(this.kernelSize)}, stride=${pyIntOrTuple(this.stride)}, padding=${pyIntOrTuple(this.padding)}`;
  }
}

export class AdaptiveAvgPool1d extends Module {
  constructor(
    /** The output's length. */
    readonly outputSize: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
  protected override typeName(): string {
    return 'AdaptiveAvgPool1d';
  }
  override extraRepr(): string {
    return `output_size=${this.outputSize}`;
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output's size: an int for both dimensions, or [height, width]. */
    readonly outputSize: IntOrTuple,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  protected override typeName(): string {
    return 'AdaptiveAvgPool2d';
  }
  override extraRepr(): string {
    return `output_size=${pyIntOrTuple(this.outputSize)}`;
  }
}

markOwnLayers(MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d);
