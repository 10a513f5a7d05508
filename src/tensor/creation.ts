// Tensor factories: zeros, ones, full, arange, range (torch.range, end-inclusive), rand, randn.
import { checkBoolean, checkOptionKeys } from './options.js';
import { allocate } from './storage.js';
import { checkAnyDType, checkDType, Tensor, type DType, bumpVersion } from './tensor.js';
import { checkShape, checkSize, numelOf } from './shape.js';
import { defaultGenerator, generatorOption, normalFill, type Generator } from './random.js';

/** Options of the tensor factories. */
export interface FactoryOptions {
  /** The element type (default float32; randint and randperm: int64). */
  dtype?: DType;
  /** Make a leaf that records gradients (floating dtypes only; default false). */
  requiresGrad?: boolean;
}

/** Options of the random factories: also the generator to draw from. */
export interface RandomOptions extends FactoryOptions {
  /** The generator to draw from (default: the global one, seeded by manualSeed). */
  generator?: Generator;
}

/** The factories that draw from a generator (and so take one). */
const RANDOM_OPS = new Set(['rand', 'randn', 'randint', 'randperm']);

function make(
  op: string,
  shape: readonly number[],
  options: FactoryOptions,
  fill: (data: Float32Array | Float64Array) => void,
  defaultDType: DType = 'float32',
): Tensor {
  checkOptionKeys(options, RANDOM_OPS.has(op) ? ['dtype', 'requiresGrad', 'generator'] : ['dtype', 'requiresGrad'], op);
  const requiresGrad = checkBoolean(options.requiresGrad, 'requiresGrad', op, false);
  checkShape(shape, op);
  checkSize(shape, op);
  const dtype = checkAnyDType(options.dtype ?? defaultDType, op);
  const data = allocate(dtype, numelOf(shape), op);
  fill(data);
  return new Tensor(data, shape, requiresGrad, dtype);
}

/** A tensor of zeros (`torch.zeros`); dtype float32 unless given. */
export function zeros(shape: readonly number[], options: FactoryOptions = {}): Tensor {
  return make('zeros', shape, options, () => undefined);
}

/** A tensor of ones (`torch.ones`); dtype float32 unless given. */
export function ones(shape: readonly number[], options: FactoryOptions = {}): Tensor {
  return make('ones', shape, options, (d) => d.fill(1));
}

/** A tensor filled with `value` (`torch.full`); dtype float32 unless given. */
export function full(shape: readonly number[], value: number, options: FactoryOptions = {}): Tensor {
  if (typeof value !== 'number') throw new Error(`full: value=${String(value)} must be a number`);
  return make('full', shape, options, (d) => d.fill(value));
}

function checkRangeArgs(op: string, start: number, end: number, step: number): void {
  for (const [name, v] of [
    ['start', start],
    ['end', end],
    ['step', step],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${op}: ${name}=${String(v)} must be a finite number`);
  }
  if (step === 0) throw new Error(`${op}: step=0 must be non-zero`);
  if ((end - start) * step < 0) {
    throw new Error(`${op}: step=${step} has the wrong sign for start=${start} and end=${end}; expected the range to move towards end`);
  }
}

/** Values start, start+step, … below end, like torch.arange. arange(end) starts at 0. */
export function arange(start: number, end?: number, step = 1, options: FactoryOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  checkRangeArgs('arange', start, end, step);
  const n = Math.ceil((end - start) / step);
  const s = start;
  return make('arange', [n], options, (d) => {
    for (let i = 0; i < n; i++) d[i] = s + i * step;
  });
}

/** Values start, start+step, … up to and including end: PyTorch's deprecated torch.range, which the seed uses. */
export function range(start: number, end: number, step = 1, options: FactoryOptions = {}): Tensor {
  checkRangeArgs('range', start, end, step);
  const n = Math.floor((end - start) / step) + 1;
  return make('range', [n], options, (d) => {
    for (let i = 0; i < n; i++) d[i] = start + i * step;
  });
}

/** Uniform samples in [0, 1), like torch.rand. */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkDType(options.dtype ?? 'float32', 'rand');
  const gen = generatorOption(options.generator, 'rand');
  return make('rand', shape, options, (d) => {
    for (let i = 0; i < d.length; i++) d[i] = d instanceof Float64Array ? gen.uniformFloat64(0, 1) : gen.uniformFloat32(0, 1);
  });
}

/** Standard normal samples, like torch.randn. */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  checkDType(options.dtype ?? 'float32', 'randn');
  return make('randn', shape, options, (d) => normalFill(d, 0, 1, generatorOption(options.generator, 'randn')));
}

/** Fills t in place with U(lo, hi), like tensor.uniform_ (PyTorch's CPU recipe). */
export function uniform_(t: Tensor, lo: number, hi: number, generator: Generator = defaultGenerator): Tensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || !Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) {
    throw new Error(`uniform_: expects from ≤ to with finite bounds, but got from=${String(lo)} and to=${String(hi)}`);
  }
  const data = t.storage;
  for (let i = 0; i < data.length; i++) {
    data[i] = t.dtype === 'float64' ? generator.uniformFloat64(lo, hi) : generator.uniformFloat32(lo, hi);
  }
  return bumpVersion(t);
}

/** Integers uniform in [low, high), like torch.randint: int64 unless another dtype is asked for. */
export function randint(low: number, high: number, shape: readonly number[], options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new Error(`randint: low=${low} and high=${high} must be integers with low < high`);
  }
  if (options.dtype === 'float32' && (Math.abs(low) > 2 ** 24 || Math.abs(high) > 2 ** 24)) {
    throw new Error(`randint: [${low}, ${high}) does not fit float32 exactly; expected |low|, |high| ≤ 2^24 or dtype 'float64'`);
  }
  const gen = generatorOption(options.generator, 'randint');
  return make(
    'randint',
    shape,
    options,
    (d) => {
      for (let i = 0; i < d.length; i++) d[i] = gen.randomInt(low, high);
    },
    'int64',
  );
}

/** A random permutation of 0..n−1 (int64), like torch.randperm (Fisher–Yates from the front, as PyTorch's CPU kernel). */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new Error(`randperm: n=${n} must be a non-negative integer`);
  const gen = generatorOption(options.generator, 'randperm');
  return make(
    'randperm',
    [n],
    options,
    (d) => {
      for (let i = 0; i < n; i++) d[i] = i;
      for (let i = 0; i < n - 1; i++) {
        const z = gen.nextUint32() % (n - i);
        const t = d[i];
        d[i] = d[z + i];
        d[z + i] = t;
      }
    },
    'int64',
  );
}

/** Fills t in place with N(mean, std²), like tensor.normal_. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) throw new Error(`normal_: std=${std} must be non-negative`);
  normalFill(t.storage, mean, std, generator);
  return bumpVersion(t);
}

/** The shape and dtype of `t` (unless options say another dtype), for the *Like factories. */
function likeShape(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: input must be a Tensor`);
  return t;
}

/** zeros of t's shape and dtype, like torch.zeros_like. */
export function zerosLike(t: Tensor, options: FactoryOptions = {}): Tensor {
  const x = likeShape(t, 'zerosLike');
  return zeros(x.shape, { dtype: x.dtype, ...options });
}

/** ones of t's shape and dtype, like torch.ones_like. */
export function onesLike(t: Tensor, options: FactoryOptions = {}): Tensor {
  const x = likeShape(t, 'onesLike');
  return ones(x.shape, { dtype: x.dtype, ...options });
}

/** Standard normal samples of t's shape and (floating) dtype, like torch.randn_like. */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  const x = likeShape(t, 'randnLike');
  return randn(x.shape, { dtype: x.dtype, ...options });
}
