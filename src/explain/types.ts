// The shapes of an explanation: what explain() takes (ExplainConfig), the configuration it resolves, and
// what it returns (Explanation: the tensors, and per explained element its terms). explain.ts computes them.
import type { DType, Tensor } from '../tensor/tensor.js';
import type { IntOrTuple, PaddingArg, PaddingMode } from '../tensor/conv_params.js';

/** The loss E whose gradients are explained: the mean of y ('mean', so dy = 1/M everywhere) or its sum ('sum', dy = 1). */
export type ExplainLoss = 'mean' | 'sum';
/** How explain fills the input when no tensor is given: 1, 2, 3, … as the seed note's torch.range ('range'), normal draws ('randn') or ones. */
export type ExplainInput = 'range' | 'randn' | 'ones';

/** What {@link explain} explains: the convolution's options, the elements wanted and the loss. */
export interface ExplainConfig {
  /** Spatial size of one input plane, 1-3 numbers: also sets the dimensionality (default [4, 4]). */
  inputSize?: readonly number[];
  /** Images in the batch (default 1). */
  batch?: number;
  /** Input channels (default 1). */
  inChannels?: number;
  /** Output channels (default 2). */
  outChannels?: number;
  /** The kernel's size (default 3). */
  kernelSize?: IntOrTuple;
  /** The stride (default 1). */
  stride?: IntOrTuple;
  /** The padding: an int, per dimension, 'same' or 'valid' (default 1). */
  padding?: PaddingArg;
  /** The dilation (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** 'zeros' (default), 'reflect', 'replicate' or 'circular'. */
  paddingMode?: PaddingMode;
  /** Whether the convolution has a bias (default false). */
  bias?: boolean;
  /** Explain a transposed convolution (default false). */
  transposed?: boolean;
  /** A transposed convolution's output padding (default 0). */
  outputPadding?: IntOrTuple;
  /** The loss whose gradient is explained (default 'mean'); ignored when dy is given. */
  loss?: ExplainLoss;
  /** A given upstream gradient ∂E/∂y, of the output's shape. */
  dy?: Tensor;
  /** The input: 'range' (torch.range(1, numel), the seed's), 'randn', 'ones', or a tensor. */
  input?: ExplainInput | Tensor;
  /** Weights to use instead of PyTorch's default initialization under `seed`. */
  weight?: Tensor;
  /** A bias to use instead of PyTorch's default initialization under `seed`. */
  biasValues?: Tensor;
  /** Seed of the generator for the weights (and a randn input), as torch.manual_seed (default 0). */
  seed?: number;
  /** float32 (default, or the given input's) or float64. */
  dtype?: DType;
  /**
   * Explain only these elements ({ kind: 'w' | 'b' | 'x', index }): the lists then hold just them, and
   * no other products are collected, so large convolutions stay cheap (dw, db, dx are still complete).
   */
  elements?: readonly ExplainElement[] | 'worked';
}

/** One element of a gradient: w (dw), b (db) or x (dx), at a full index. */
export interface ExplainElement {
  /** The gradient: 'w' (dw), 'b' (db) or 'x' (dx). */
  kind: 'w' | 'b' | 'x';
  /** The element's full index in that gradient. */
  index: readonly number[];
}

/** The configuration with every default filled in and every option expanded per dimension. */
export interface ResolvedConfig {
  /** Spatial dimensions: 1, 2 or 3. */
  dims: number;
  /** The input plane's size per spatial dimension. */
  inputSize: number[];
  /** Images in the batch. */
  batch: number;
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** The kernel's size per spatial dimension. */
  kernelSize: number[];
  /** The stride per spatial dimension. */
  stride: number[];
  /** The padding as given, per dimension, or 'same' / 'valid'. */
  padding: number[] | 'same' | 'valid';
  /** Padding before and after each spatial dimension, as applied. */
  paddingLo: number[];
  /** Padding after each spatial dimension, as applied. */
  paddingHi: number[];
  /** The dilation per spatial dimension. */
  dilation: number[];
  /** Channel groups. */
  groups: number;
  /** What the padded cells hold. */
  paddingMode: PaddingMode;
  /** Whether the convolution has a bias. */
  bias: boolean;
  /** Whether it is a transposed convolution. */
  transposed: boolean;
  /** A transposed convolution's output padding per dimension (zeros otherwise). */
  outputPadding: number[];
  /** The output plane's size per spatial dimension. */
  outputSize: number[];
  /** How the input was made, or 'given'. */
  input: ExplainInput | 'given';
  /** The seed of the weights (and of a randn input). */
  seed: number;
  /** The dtype of every tensor. */
  dtype: DType;
}

/** One product x̃·dy of a weight gradient. */
export interface WeightTerm {
  /** The output element [n, o, …i] (null for a transposed conv's product that falls in the cropped padding). */
  output: number[] | null;
  /** Where the product reads the padded input [n, c, …P] (regular conv only). */
  padded: number[] | null;
  /** The input element the value comes from, or null for a zero-padding cell. */
  input: number[] | null;
  /** The input value read (0 for a zero-padding cell). */
  x: number;
  /** The output element's gradient ∂E/∂y. */
  dy: number;
}

/** One term of a bias gradient: the output element whose gradient it adds. */
export interface BiasTerm {
  /** The output element [n, o, …i]. */
  output: number[];
  /** Its gradient ∂E/∂y. */
  dy: number;
}

/** One product w·dy of an input gradient. */
export interface InputTerm {
  /** The kernel element [o, c, …κ] the product uses. */
  weight: number[];
  /** The output element [n, o, …i] (null where a transposed conv's output is cropped away). */
  output: number[] | null;
  /** The padded-input cell that links them (regular conv only; null otherwise). */
  padded: number[] | null;
  /** The weight's value. */
  w: number;
  /** The output element's gradient ∂E/∂y. */
  dy: number;
}

/** One explained gradient element: its terms, their sum and autograd's value. */
export interface ElementExplanation<T> {
  /** The element's index in its gradient. */
  index: number[];
  /** Σ of the terms' products, in float64. */
  value: number;
  /** What the library's autograd computed for this element. */
  autograd: number;
  /** Every product that adds into the element. */
  terms: T[];
}

/** The loss as explain used it, and dy = ∂E/∂y. */
export interface LossInfo {
  /** 'mean', 'sum', or 'given' (a dy passed in). */
  kind: ExplainLoss | 'given';
  /** M, the number of output elements the mean divides by (mean only). */
  count: number | null;
  /** The upstream gradient every output element receives, when it is the same for all (1/M or 1). */
  uniformDy: number | null;
}

/** What {@link explain} returns: the convolution's tensors, its resolved options and the explained elements. */
export interface Explanation {
  /** The configuration with every default filled in. */
  config: ResolvedConfig;
  /** The loss and its upstream gradient. */
  loss: LossInfo;
  /** The input. */
  x: Tensor;
  /** The input after padding (what the kernel slides over); the input itself for transposed convs. */
  xPadded: Tensor;
  /** The weights. */
  w: Tensor;
  /** The bias, or null. */
  b: Tensor | null;
  /** The convolution's output. */
  y: Tensor;
  /** ∂E/∂y. */
  dy: Tensor;
  /** ∂E/∂w, from autograd. */
  dw: Tensor;
  /** ∂E/∂b, from autograd, or null without a bias. */
  db: Tensor | null;
  /** ∂E/∂x, from autograd. */
  dx: Tensor;
  /** The explained elements of dw. */
  weight: ElementExplanation<WeightTerm>[];
  /** The explained elements of db. */
  bias: ElementExplanation<BiasTerm>[];
  /** The explained elements of dx. */
  input: ElementExplanation<InputTerm>[];
  /** Each gradient's sum written as a formula (the seed note's notation). */
  closedForm: {
    /** dw's. */
    weight: string;
    /** db's. */
    bias: string;
    /** dx's. */
    input: string;
  };
}
