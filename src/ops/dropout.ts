// Dropout: zeroes each element with probability p and scales the rest by 1/(1−p), so the expectation
// is unchanged. The masks are PyTorch 1.13 CPU's for the same generator state (its build without MKL):
// noise = empty_like(x).bernoulli_(1 − p), one double uniform u per element in order, kept where
// u < 1 − p; noise.div_(1 − p) in x's dtype; y = x·noise. p = 1 draws nothing (y = x·0). The gradient
// is the same noise times dy (a MulBackward0, as PyTorch records it).
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import type { Storage, Tensor } from '../tensor/tensor.js';
import { Generator, generatorOption } from '../tensor/random.js';
import { defineKernel } from '../kernels/index.js';
import type { BernoulliMaskScalars } from '../kernels/signatures.js';
import { checkFloating, checkTensor, empty, emptyUnzeroed } from './util.js';
import { mul } from './elementwise.js';
import { ones } from '../tensor/creation.js';
import { formatShape } from '../tensor/shape.js';

/** Options of {@link dropout} and {@link dropout2d}. */
export interface DropoutOptions {
  /** The probability of zeroing each element (default 0.5). */
  p?: number;
  /** Dropout only applies in training; false returns the input (default true). */
  training?: boolean;
  /** The random stream for the mask (default: the global one). */
  generator?: Generator;
}

/** noise[i] = u_i < keep ? scale : 0, u_i the generator's next uniform double (two words), in order. */
function referenceBernoulliMask(state: Float64Array, noise: Storage, { keep, scale }: BernoulliMaskScalars): void {
  const gen = new Generator();
  gen.setEngineState(state);
  for (let i = 0; i < noise.length; i++) noise[i] = gen.uniformFloat64(0, 1) < keep ? scale : 0;
  state.set(gen.engineState());
}

const bernoulliMaskKernel = defineKernel('bernoulliMask', referenceBernoulliMask);

/**
 * Dropout (`F.dropout`): in training, each element is zeroed with probability p and the rest scaled by 1/(1 − p),
 * the mask drawn from the generator as PyTorch's bernoulli_; identity when `training` is false or p is 0.
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptionKeys(options, ['p', 'training', 'generator'], 'dropout');
  checkTensor(x, 'input', 'dropout');
  checkFloating(x, 'input', 'dropout');
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`dropout: p=${String(p)} is invalid; expected a probability between 0 and 1`);
  if (!checkBoolean(options.training, 'training', 'dropout', true) || p === 0 || x.numel === 0) return x;
  const gen = generatorOption(options.generator, 'dropout');
  if (p === 1) return mul(x, empty(x.dtype, x.shape)); // zeros, as PyTorch's x·0 (NaN stays NaN), without a draw
  const keep = 1 - p;
  // div_(1 − p) on a float32 tensor divides by the scalar cast to float32.
  const scale = x.dtype === 'float32' ? Math.fround(1 / Math.fround(keep)) : 1 / keep;
  const noise = emptyUnzeroed(x.dtype, x.shape, 'kernel');
  const state = gen.engineState();
  bernoulliMaskKernel.impl(state, noise.storage, { keep, scale });
  gen.setEngineState(state);
  return mul(x, noise);
}

/**
 * F.dropout2d: zeroes whole channels, as PyTorch 1.13's feature dropout: noise of shape (N, C, 1, …)
 * drawn as dropout's (N·C draws in order), y = x·noise. A 3-d input is (N, C, L), as PyTorch reads it.
 */
export function dropout2d(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptionKeys(options, ['p', 'training', 'generator'], 'dropout2d');
  checkTensor(x, 'input', 'dropout2d');
  checkFloating(x, 'input', 'dropout2d');
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`dropout2d: input of shape ${formatShape(x.shape)} must have 3 (N, C, L) or 4 (N, C, H, W) dimensions`);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`dropout2d: p=${String(p)} is invalid; expected a probability between 0 and 1`);
  if (!checkBoolean(options.training, 'training', 'dropout2d', true) || p === 0 || x.numel === 0) return x;
  // The channel noise is dropout's mask of a (N, C, 1, …) tensor of ones: the same draws, the same scale.
  const noise = dropout(
    ones(
      x.shape.map((n, i) => (i < 2 ? n : 1)),
      { dtype: x.dtype },
    ),
    options,
  );
  return mul(x, noise);
}
