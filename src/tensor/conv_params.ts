// THE conv arithmetic, in one place: per-dimension options, output sizes, the 'same' split, the
// transposed output size. Every check here throws before any work, naming the argument and value.

/** What a convolution's padded cells hold: zeros, the reflected, replicated or circularly wrapped input. */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';
/** A convolution's padding: an int, one per dimension, 'valid' (none) or 'same' (the output as large as the input). */
export type PaddingArg = number | readonly number[] | 'same' | 'valid';
/** One int for every spatial dimension, or one per dimension. */
export type IntOrTuple = number | readonly number[];

/** F.pad's modes ('constant' is the conv modules' 'zeros'). */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

export const PADDING_MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

/** An int or a tuple of `dims` ints (PyTorch's _single/_pair/_triple), each checked by `ok`. */
export function expandIntArg(
  value: unknown,
  dims: number,
  arg: string,
  op: string,
  ok: (v: number) => boolean,
  expectation: string,
): number[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  if (Array.isArray(value) && value.length !== dims && !(value.length === 1)) {
    throw new Error(`${op}: ${arg}=${show(value)} has ${value.length} entries; expected one int or ${dims} (one per spatial dimension)`);
  }
  const out = list.map((v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || !ok(v)) {
      throw new Error(`${op}: ${arg}=${show(value)} is invalid; expected ${expectation}`);
    }
    return v;
  });
  return out.length === 1 ? new Array<number>(dims).fill(out[0]) : out;
}

export const positive = (v: number): boolean => v > 0;
export const nonNegative = (v: number): boolean => v >= 0;

/** 'same' padding: total d·(k−1), the floor half before, the extra cell after (PyTorch's split). */
export function samePadding(kernel: number, dilation: number): [number, number] {
  const total = dilation * (kernel - 1);
  const lo = Math.floor(total / 2);
  return [lo, total - lo];
}

/** L_out = ⌊(L + p_lo + p_hi − d·(k−1) − 1)/s⌋ + 1. */
export function convOutputSize(length: number, kernel: number, stride: number, padLo: number, padHi: number, dilation: number): number {
  return Math.floor((length + padLo + padHi - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** L_out = (L − 1)·s − 2p + d·(k−1) + outputPadding + 1. */
export function convTransposeOutputSize(
  length: number,
  kernel: number,
  stride: number,
  padding: number,
  dilation: number,
  outputPadding: number,
): number {
  return (length - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/** Normalized padding: lo and hi amounts per spatial dimension. */
export interface PaddingAmounts {
  lo: number[];
  hi: number[];
  same: boolean;
}

/** The padding parseConvOptions returned, as amounts before and after each dimension ('same' split as PyTorch splits it). */
export function resolvePadding(
  padding: ConvOptionsParsed['padding'],
  kernel: readonly number[],
  dilation: readonly number[],
): PaddingAmounts {
  const dims = kernel.length;
  if (padding === 'valid') return { lo: new Array<number>(dims).fill(0), hi: new Array<number>(dims).fill(0), same: false };
  if (padding === 'same') {
    const split = kernel.map((k, i) => samePadding(k, dilation[i]));
    return { lo: split.map((s) => s[0]), hi: split.map((s) => s[1]), same: true };
  }
  return { lo: [...padding], hi: [...padding], same: false };
}

export function checkPaddingMode(mode: unknown, op: string): PaddingMode {
  if (typeof mode !== 'string' || !(PADDING_MODES as readonly string[]).includes(mode)) {
    throw new Error(`${op}: paddingMode=${show(mode)} is not supported; expected one of 'zeros', 'reflect', 'replicate', 'circular'`);
  }
  return mode as PaddingMode;
}

export function checkGroups(groups: unknown, op: string): number {
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups <= 0) {
    throw new Error(`${op}: groups=${show(groups)} is invalid; expected a positive integer`);
  }
  return groups;
}

/** The options every convolution takes, as a caller gives them (F.conv*, F.convTranspose*, the Conv modules, explain). */
export interface ConvOptionsInput {
  stride?: IntOrTuple;
  /** An int, one int per spatial dimension, or (regular convolutions only) 'same' / 'valid'. */
  padding?: PaddingArg;
  dilation?: IntOrTuple;
  groups?: number;
  paddingMode?: PaddingMode;
  /** Transposed convolutions only. */
  outputPadding?: IntOrTuple;
}

/** The options parsed and checked: one int per spatial dimension (padding may stay 'same' or 'valid'). */
export interface ConvOptionsParsed {
  stride: number[];
  dilation: number[];
  padding: number[] | 'same' | 'valid';
  outputPadding: number[];
  groups: number;
  paddingMode: PaddingMode;
}

/**
 * THE parser of a convolution's options, for every entry point: each option's type and range, the
 * padding strings ('same' needs stride 1; transposed convolutions take integers only), and the padding
 * modes a transposed convolution supports (only 'zeros'). Throws naming `op`, the option and the value.
 */
export function parseConvOptions(
  options: ConvOptionsInput,
  dims: number,
  transposed: true,
  op: string,
): ConvOptionsParsed & { padding: number[] };
export function parseConvOptions(options: ConvOptionsInput, dims: number, transposed: boolean, op: string): ConvOptionsParsed;
export function parseConvOptions(options: ConvOptionsInput, dims: number, transposed: boolean, op: string): ConvOptionsParsed {
  const stride = expandIntArg(options.stride ?? 1, dims, 'stride', op, positive, 'positive integers');
  const dilation = expandIntArg(options.dilation ?? 1, dims, 'dilation', op, positive, 'positive integers');
  const given = options.padding ?? 0;
  let padding: ConvOptionsParsed['padding'];
  if (typeof given === 'string') {
    if (transposed)
      throw new Error(`${op}: padding='${given}' is not supported for transposed convolutions; expected non-negative integers`);
    if (given !== 'same' && given !== 'valid')
      throw new Error(`${op}: padding='${String(given)}' is not a valid padding string; expected 'same' or 'valid'`);
    if (given === 'same' && stride.some((s) => s !== 1)) {
      throw new Error(`${op}: padding='same' is not supported for strided convolutions (stride=${show(stride)}); expected stride 1`);
    }
    padding = given;
  } else padding = expandIntArg(given, dims, 'padding', op, nonNegative, 'non-negative integers');
  const outputPadding = expandIntArg(options.outputPadding ?? 0, dims, 'outputPadding', op, nonNegative, 'non-negative integers');
  const groups = checkGroups(options.groups ?? 1, op);
  const paddingMode = checkPaddingMode(options.paddingMode ?? 'zeros', op);
  if (transposed && paddingMode !== 'zeros')
    throw new Error(`${op}: paddingMode='${paddingMode}' is not supported; only 'zeros' padding mode is supported for ${op}`);
  return { stride, dilation, padding, outputPadding, groups, paddingMode };
}

/**
 * The geometry the conv kernels share. It describes a regular convolution from x-space to y-space;
 * a transposed convolution runs the same geometry backwards (its input lives in y-space).
 *   y[n, o, i] = Σ_c Σ_κ w[o, c, κ] · x[n, g·Cx/G + c, i·s + κ·d − p]
 */
export interface ConvGeometry {
  batch: number;
  groups: number;
  /** Channels of x (the regular conv's input). */
  xChannels: number;
  /** Channels of y (the regular conv's output). */
  yChannels: number;
  xSize: readonly number[];
  ySize: readonly number[];
  kSize: readonly number[];
  stride: readonly number[];
  /** Padding before each spatial dimension (after is implied by the sizes). */
  padding: readonly number[];
  dilation: readonly number[];
}

/** For one dimension of length L padded by lo before and hi after (negative crops): the source index of each output index, or −1. */
export function padIndexMap(L: number, lo: number, hi: number, mode: PadMode): Int32Array {
  const out = new Int32Array(L + lo + hi);
  if (mode === 'circular') {
    // Crop first, then wrap around within what is left (PyTorch's circular padding).
    const start = Math.max(-lo, 0);
    const length = L - start - Math.max(-hi, 0);
    const before = Math.max(lo, 0);
    for (let o = 0; o < out.length; o++) out[o] = start + ((((o - before) % length) + length) % length);
    return out;
  }
  for (let o = 0; o < out.length; o++) {
    let i = o - lo;
    if (i < 0 || i >= L) {
      if (mode === 'constant') i = -1;
      else if (mode === 'replicate') i = Math.min(Math.max(i, 0), L - 1);
      else i = i < 0 ? -i : 2 * (L - 1) - i; // reflect about the edge elements
    }
    out[o] = i;
  }
  return out;
}

/**
 * The output length of a pooling window (ATen's pooling_output_shape): as a conv's, but with
 * ceilMode rounding up, and never starting a window in the right padding.
 */
export function poolOutputSize(L: number, k: number, s: number, p: number, d: number, ceilMode: boolean): number {
  const span = L + 2 * p - d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
  let out = Math.floor(span / s) + 1;
  if (ceilMode && (out - 1) * s >= L + p) out--;
  return out;
}
