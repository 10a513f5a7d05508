// Dropout: zeroes each element with probability p and scales the rest by 1/(1−p), so the expectation
// is unchanged. The mask comes from the library's generator (it does not match PyTorch's masks); the
// gradient is the same mask times dy (a MulBackward0, as PyTorch records it).
import { checkBoolean, checkOptionKeys } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { generatorOption, type Generator } from '../tensor/random.js';
import { checkFloating, checkTensor, empty } from './util.js';
import { mul } from './elementwise.js';

export interface DropoutOptions {
  p?: number;
  training?: boolean;
  generator?: Generator;
}

export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkOptionKeys(options, ['p', 'training', 'generator'], 'dropout');
  checkTensor(x, 'input', 'dropout');
  checkFloating(x, 'input', 'dropout');
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new Error(`dropout: p=${String(p)} is invalid; expected a probability between 0 and 1`);
  if (!checkBoolean(options.training, 'training', 'dropout', true) || p === 0) return x;
  const gen = generatorOption(options.generator, 'dropout');
  const mask = empty(x.dtype, x.shape);
  const scale = p === 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < mask.numel; i++) mask.data[i] = gen.uniformFloat64(0, 1) < p ? 0 : scale;
  return mul(x, mask);
}
