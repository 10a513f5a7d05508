// torch.nn.init, with PyTorch's arithmetic for the bounds, so a seed gives PyTorch's values.
import { checkOptionKeys } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, generatorOption, type Generator } from '../tensor/random.js';
import { normal_, uniform_ } from '../tensor/creation.js';

/** The nonlinearities {@link calculateGain} knows. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu';

/** fan_in = size(1) · ∏ kernel, fan_out = size(0) · ∏ kernel. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with ${t.ndim} dimensions; expected at least 2`,
    );
  }
  const receptive = t.shape.slice(2).reduce((p, n) => p * n, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose1d':
    case 'conv_transpose2d':
    case 'conv_transpose3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5.0 / 3;
    case 'relu':
      return Math.sqrt(2.0);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2.0 / (1 + slope * slope));
    }
    default:
      throw new Error(`calculateGain: nonlinearity=${JSON.stringify(nonlinearity)} is not supported`);
  }
}

/** Options of the kaiming initializers, as PyTorch's a, mode and nonlinearity. */
export interface KaimingOptions {
  /** The negative slope of the rectifier after this layer (leaky_relu). */
  a?: number;
  /** 'fan_in' (default: preserves the forward pass's variance) or 'fan_out' (the backward's). */
  mode?: 'fan_in' | 'fan_out';
  /** The nonlinearity after the layer, for its gain (default 'leaky_relu'). */
  nonlinearity?: Nonlinearity;
  /** The generator to draw from (default: the global one). */
  generator?: Generator;
}

const KAIMING_KEYS = ['a', 'mode', 'nonlinearity', 'generator'];

/** kaiming_uniform_: U(±gain·√(3/fan)). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkOptionKeys(options, KAIMING_KEYS, 'kaimingUniform_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) return t;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0);
  const std = gain / Math.sqrt(fan);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound, generatorOption(options.generator, 'kaimingUniform_'));
}

/** kaiming_normal_: N(0, (gain/√fan)²). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  checkOptionKeys(options, KAIMING_KEYS, 'kaimingNormal_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = (options.mode ?? 'fan_in') === 'fan_in' ? fanIn : fanOut;
  if (fan === 0) return t;
  const std = calculateGain(options.nonlinearity ?? 'leaky_relu', options.a ?? 0) / Math.sqrt(fan);
  return normal_(t, 0, std, generatorOption(options.generator, 'kaimingNormal_'));
}

/** xavier_uniform_: U(±gain·√(6/(fan_in + fan_out))). */
export function xavierUniform_(t: Tensor, options: { gain?: number; generator?: Generator } = {}): Tensor {
  checkOptionKeys(options, ['gain', 'generator'], 'xavierUniform_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1.0) * Math.sqrt(2.0 / (fanIn + fanOut));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a, generatorOption(options.generator, 'xavierUniform_'));
}

/** xavier_normal_: N(0, gain²·2/(fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, options: { gain?: number; generator?: Generator } = {}): Tensor {
  checkOptionKeys(options, ['gain', 'generator'], 'xavierNormal_');
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const std = (options.gain ?? 1.0) * Math.sqrt(2.0 / (fanIn + fanOut));
  return normal_(t, 0, std, generatorOption(options.generator, 'xavierNormal_'));
}

/** The default initialization of Conv and Linear layers (reset_parameters). */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    if (fanIn !== 0) {
      const bound = 1 / Math.sqrt(fanIn);
      uniform_(bias, -bound, bound, generator);
    }
  }
}
