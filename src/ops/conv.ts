// The user-facing convolutions F.conv1d/2d/3d and F.convTranspose1d/2d/3d: validate every option
// (throwing before any work), normalize padding ('same', 'valid', padding modes, unbatched input),
// then run the convolution primitive.
import { checkOptionKeys } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { formatShape } from '../tensor/shape.js';
import {
  convOutputSize,
  convTransposeOutputSize,
  parseConvOptions,
  resolvePadding,
  type ConvGeometry,
  type IntOrTuple,
  type PaddingArg,
  type PaddingMode,
} from '../tensor/conv_params.js';
import { convForward, convGradInput } from './conv_primitive.js';
import { pad } from './pad.js';
import { squeeze, unsqueeze } from './view.js';

/** Options of {@link conv1d}, {@link conv2d}, {@link conv3d} (PyTorch's names in camelCase). */
export interface ConvOptions {
  /** Step between kernel placements: an int, or one per spatial dimension (default 1). */
  stride?: IntOrTuple;
  /** An int, one int per spatial dimension, 'valid' (0) or 'same' (stride 1 only). */
  padding?: PaddingArg;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
  /** Channel groups: both channel counts must divide by it (default 1). */
  groups?: number;
  /** How the padded cells are filled (PyTorch's padding_mode of the Conv modules). */
  paddingMode?: PaddingMode;
}

/** Options of {@link convTranspose1d}, {@link convTranspose2d}, {@link convTranspose3d}. */
export interface ConvTransposeOptions {
  /** The stride of the convolution this one transposes (default 1). */
  stride?: IntOrTuple;
  /** dilation·(k − 1) − padding zeros are added to each side of the input (default 0). */
  padding?: IntOrTuple;
  /** Extra size on one side of the output, to pick among the sizes a strided conv maps from (< stride or dilation). */
  outputPadding?: IntOrTuple;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing between kernel taps (default 1). */
  dilation?: IntOrTuple;
}

const dimsName = (n: number): string => n.toString();

interface Checked {
  x: Tensor;
  batched: boolean;
}

function checkInputs(dims: number, op: string, input: unknown, weight: unknown, bias: unknown, weightLayout: string): Checked {
  if (!(input instanceof Tensor)) throw new Error(`${op}: input must be a Tensor, got ${input === null ? 'null' : typeof input}`);
  if (!(weight instanceof Tensor)) throw new Error(`${op}: weight must be a Tensor, got ${weight === null ? 'null' : typeof weight}`);
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) {
    throw new Error(`${op}: bias must be a Tensor or null, got ${typeof bias}`);
  }
  if (weight.ndim !== dims + 2) {
    throw new Error(
      `${op}: weight of shape ${formatShape(weight.shape)} has ${weight.ndim} dimensions; expected ${dims + 2} ${weightLayout}`,
    );
  }
  if (input.ndim !== dims + 1 && input.ndim !== dims + 2) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${input.ndim} dimensions; expected ${dims + 1} (unbatched) or ${dims + 2} (batched)`,
    );
  }
  if (input.dtype !== weight.dtype) {
    throw new Error(`${op}: input has dtype ${input.dtype} but weight has dtype ${weight.dtype}; expected the same dtype`);
  }
  if (bias instanceof Tensor && bias.dtype !== input.dtype) {
    throw new Error(`${op}: bias has dtype ${bias.dtype} but input has dtype ${input.dtype}; expected the same dtype`);
  }
  const kernel = weight.shape.slice(2);
  if (kernel.some((k) => k === 0)) {
    throw new Error(
      `${op}: weight of shape ${formatShape(weight.shape)} has a kernel size of zero; expected kernel sizes greater than zero`,
    );
  }
  if (weight.numel === 0) {
    throw new Error(
      `${op}: weight of shape ${formatShape(weight.shape)} is empty; expected at least one channel in each of its first two dimensions`,
    );
  }
  const spatial = input.shape.slice(input.ndim - dims);
  if (spatial.some((n) => n === 0)) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has an empty spatial dimension; only a zero batch or zero channels may be empty`,
    );
  }
  const batched = input.ndim === dims + 2;
  return { x: batched ? input : unsqueeze(input, 0), batched };
}

function checkBias(op: string, bias: Tensor | null | undefined, channels: number): Tensor | null {
  if (bias === null || bias === undefined) return null;
  if (bias.ndim !== 1 || bias.shape[0] !== channels) {
    throw new Error(`${op}: bias of shape ${formatShape(bias.shape)} must have shape [${channels}] (one value per output channel)`);
  }
  return bias;
}

const sizes = (s: readonly number[]): string => s.join(' x ');

/** The regular convolution of a `dims`-d input (N, C_in, …) with weight (C_out, C_in/groups, …k). */
export function convNd(dims: number, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: ConvOptions = {}): Tensor {
  const op = `conv${dimsName(dims)}d`;
  checkOptionKeys(options, ['stride', 'padding', 'dilation', 'groups', 'paddingMode'], op);
  let { x, batched } = checkInputs(dims, op, input, weight, bias, '(out_channels, in_channels/groups, *kernel_size)');
  const { stride, dilation, groups, paddingMode: mode, padding: given } = parseConvOptions(options, dims, false, op);
  const kernel = weight.shape.slice(2);
  const padding = resolvePadding(given, kernel, dilation);
  const inChannels = x.shape[1];
  const outChannels = weight.shape[0];
  if (inChannels % groups !== 0) throw new Error(`${op}: groups=${groups} must divide in_channels=${inChannels}`);
  if (outChannels % groups !== 0) throw new Error(`${op}: groups=${groups} must divide out_channels=${outChannels} (weight.shape[0])`);
  if (weight.shape[1] * groups !== inChannels) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${inChannels} channels; expected ${weight.shape[1] * groups} ` +
        `(weight of shape ${formatShape(weight.shape)} with groups=${groups} takes ${weight.shape[1]}·${groups} input channels)`,
    );
  }
  const b = checkBias(op, bias, outChannels);
  const spatial = x.shape.slice(2);
  const padded = spatial.map((L, i) => L + padding.lo[i] + padding.hi[i]);
  const dilatedKernel = kernel.map((k, i) => dilation[i] * (k - 1) + 1);
  if (padded.some((L, i) => L < dilatedKernel[i])) {
    throw new Error(
      `${op}: the padded input size per channel (${sizes(padded)}) is smaller than the dilated kernel size (${sizes(dilatedKernel)}); ` +
        'expected the kernel to fit in the padded input',
    );
  }
  // Reversed, repeated-twice padding as F.pad takes it: last dimension first.
  const padsFor = (lo: readonly number[], hi: readonly number[]): number[] => lo.flatMap((_, i) => [lo[dims - 1 - i], hi[dims - 1 - i]]);
  let p = padding.lo;
  if (mode !== 'zeros') {
    x = pad(x, padsFor(padding.lo, padding.hi), mode);
    p = padding.lo.map(() => 0);
  } else if (padding.lo.some((lo, i) => lo !== padding.hi[i])) {
    // Asymmetric 'same': pad the extra cells on the high side, then convolve symmetrically (as ATen does).
    const extra = padding.hi.map((hi, i) => hi - padding.lo[i]);
    x = pad(
      x,
      padsFor(
        extra.map(() => 0),
        extra,
      ),
      'constant',
    );
  }
  const xSize = x.shape.slice(2);
  const geometry: ConvGeometry = {
    batch: x.shape[0],
    groups,
    xChannels: inChannels,
    yChannels: outChannels,
    xSize,
    ySize: xSize.map((L, i) => convOutputSize(L, kernel[i], stride[i], p[i], p[i], dilation[i])),
    kSize: kernel,
    stride,
    padding: p,
    dilation,
  };
  const y = convForward(x, weight, b, geometry);
  return batched ? y : squeeze(y, 0);
}

/** The output padding that makes a transposed conv produce `outputSize` (PyTorch's _output_padding). */
export function outputPaddingFor(
  op: string,
  inputSize: readonly number[],
  outputSize: readonly number[],
  kernel: readonly number[],
  stride: readonly number[],
  padding: readonly number[],
  dilation: readonly number[],
): number[] {
  const dims = kernel.length;
  const target = outputSize.length === dims + 2 || outputSize.length === dims + 1 ? outputSize.slice(outputSize.length - dims) : outputSize;
  if (target.length !== dims) {
    throw new Error(
      `${op}: outputSize=[${outputSize.join(', ')}] must have ${dims} spatial sizes (or ${dims + 2} with batch and channels)`,
    );
  }
  return target.map((want, i) => {
    const min = convTransposeOutputSize(inputSize[i], kernel[i], stride[i], padding[i], dilation[i], 0);
    const max = min + stride[i] - 1;
    if (!Number.isInteger(want) || want < min || want > max) {
      throw new Error(
        `${op}: outputSize=[${outputSize.join(', ')}] is invalid: dimension ${i} must be between ${min} and ${max}, got ${want}`,
      );
    }
    return want - min;
  });
}

/** The transposed convolution of input (N, C_in, …) with weight (C_in, C_out/groups, …k). */
export function convTransposeNd(
  dims: number,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  options: ConvTransposeOptions = {},
): Tensor {
  const op = `convTranspose${dimsName(dims)}d`;
  checkOptionKeys(options, ['stride', 'padding', 'outputPadding', 'groups', 'dilation'], op);
  const { x, batched } = checkInputs(dims, op, input, weight, bias, '(in_channels, out_channels/groups, *kernel_size)');
  const { stride, dilation, padding, outputPadding, groups } = parseConvOptions(options, dims, true, op);
  outputPadding.forEach((o, i) => {
    if (o >= stride[i] && o >= dilation[i]) {
      throw new Error(
        `${op}: outputPadding=${o} in dimension ${i} must be smaller than either stride=${stride[i]} or dilation=${dilation[i]}`,
      );
    }
  });
  const kernel = weight.shape.slice(2);
  const inChannels = x.shape[1];
  if (weight.shape[0] % groups !== 0)
    throw new Error(`${op}: groups=${groups} must divide in_channels=${weight.shape[0]} (weight.shape[0])`);
  if (weight.shape[0] !== inChannels) {
    throw new Error(
      `${op}: input of shape ${formatShape(input.shape)} has ${inChannels} channels; expected ${weight.shape[0]} (weight.shape[0] of weight ${formatShape(weight.shape)})`,
    );
  }
  const outChannels = weight.shape[1] * groups;
  const b = checkBias(op, bias, outChannels);
  const inSize = x.shape.slice(2);
  const outSize = inSize.map((L, i) => convTransposeOutputSize(L, kernel[i], stride[i], padding[i], dilation[i], outputPadding[i]));
  if (outSize.some((L) => L <= 0)) {
    throw new Error(
      `${op}: the output size (${sizes(outSize)}) computed from input size (${sizes(inSize)}) is not positive; ` +
        `expected padding=[${padding.join(', ')}] small enough for an output of at least 1 in every dimension`,
    );
  }
  // The transposed conv is the input gradient of the regular conv from its output back to its input.
  const geometry: ConvGeometry = {
    batch: x.shape[0],
    groups,
    xChannels: outChannels,
    yChannels: inChannels,
    xSize: outSize,
    ySize: inSize,
    kSize: kernel,
    stride,
    padding,
    dilation,
  };
  const y = convGradInput(x, weight, b, geometry);
  return batched ? y : squeeze(y, 0);
}

/**
 * 1-d convolution, as PyTorch's `F.conv1d`: y[n, o, l] = b[o] + Σ_c Σ_k w[o, c, k] · x[n, g·C/G + c, l·stride + k·dilation − pad].
 *
 * @param input `[N, C_in, L]`, or `[C_in, L]` unbatched.
 * @param weight `[C_out, C_in / groups, K]`.
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding (int, tuple, `'same'`, `'valid'`), dilation, groups, paddingMode.
 * @returns `[N, C_out, L_out]` (unbatched in, unbatched out).
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return convNd(1, input, weight, bias, options);
}

/**
 * 2-d convolution, as PyTorch's `F.conv2d`: y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q w[o, c, p, q] · x[n, c, i·s + p·d − pad, j·s + q·d − pad]
 * (the sum over c runs within o's group).
 *
 * @param input `[N, C_in, H, W]`, or `[C_in, H, W]` unbatched.
 * @param weight `[C_out, C_in / groups, kH, kW]`.
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding (int, tuple, `'same'`, `'valid'`), dilation, groups, paddingMode.
 * @returns `[N, C_out, H_out, W_out]` (unbatched in, unbatched out).
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return convNd(2, input, weight, bias, options);
}

/**
 * 3-d convolution, as PyTorch's `F.conv3d` (the 2-d sum with a depth axis).
 *
 * @param input `[N, C_in, D, H, W]`, or `[C_in, D, H, W]` unbatched.
 * @param weight `[C_out, C_in / groups, kD, kH, kW]`.
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding (int, tuple, `'same'`, `'valid'`), dilation, groups, paddingMode.
 * @returns `[N, C_out, D_out, H_out, W_out]` (unbatched in, unbatched out).
 */
export function conv3d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvOptions): Tensor {
  return convNd(3, input, weight, bias, options);
}

/**
 * 1-d transposed convolution, as PyTorch's `F.conv_transpose1d`: the gradient of conv1d with respect to its
 * input, so each x[n, c, l] spreads x · w[c, o, k] to y[n, o, l·stride + k·dilation − padding].
 *
 * @param input `[N, C_in, L]`, or `[C_in, L]` unbatched.
 * @param weight `[C_in, C_out / groups, K]` (input channels first, as PyTorch stores it).
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding, outputPadding, groups, dilation.
 * @returns `[N, C_out, (L − 1)·stride − 2·padding + dilation·(K − 1) + outputPadding + 1]`.
 */
export function convTranspose1d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvTransposeOptions): Tensor {
  return convTransposeNd(1, input, weight, bias, options);
}

/**
 * 2-d transposed convolution, as PyTorch's `F.conv_transpose2d` (conv2d's input gradient as an op).
 *
 * @param input `[N, C_in, H, W]`, or `[C_in, H, W]` unbatched.
 * @param weight `[C_in, C_out / groups, kH, kW]`.
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding, outputPadding, groups, dilation.
 * @returns `[N, C_out, H_out, W_out]`, each size (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvTransposeOptions): Tensor {
  return convTransposeNd(2, input, weight, bias, options);
}

/**
 * 3-d transposed convolution, as PyTorch's `F.conv_transpose3d` (conv3d's input gradient as an op).
 *
 * @param input `[N, C_in, D, H, W]`, or `[C_in, D, H, W]` unbatched.
 * @param weight `[C_in, C_out / groups, kD, kH, kW]`.
 * @param bias `[C_out]`, or null/undefined for none.
 * @param options stride, padding, outputPadding, groups, dilation.
 * @returns `[N, C_out, D_out, H_out, W_out]`.
 */
export function convTranspose3d(input: Tensor, weight: Tensor, bias?: Tensor | null, options?: ConvTransposeOptions): Tensor {
  return convTransposeNd(3, input, weight, bias, options);
}
