// torch.nn.init, as far as the modules need it, with PyTorch's arithmetic for the bounds.
import { Tensor } from '../tensor/tensor.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { uniform_ } from '../tensor/creation.js';

/** fan_in = size(1) · ∏ kernel, fan_out = size(0) · ∏ kernel. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  if (t.ndim < 2) {
    throw new Error(`calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with ${t.ndim} dimensions; expected at least 2`);
  }
  const receptive = t.shape.slice(2).reduce((p, n) => p * n, 1);
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

/** kaiming_uniform_(t, a, mode='fan_in', nonlinearity='leaky_relu'): U(±gain·√(3/fan_in)). */
export function kaimingUniform_(t: Tensor, a = 0, generator: Generator = defaultGenerator): Tensor {
  const [fanIn] = calculateFanInAndFanOut(t);
  if (fanIn === 0) return t;
  const gain = Math.sqrt(2.0 / (1 + a * a));
  const std = gain / Math.sqrt(fanIn);
  const bound = Math.sqrt(3.0) * std;
  return uniform_(t, -bound, bound, generator);
}

/** The default initialization of Conv and Linear layers (reset_parameters). */
export function defaultLayerInit(weight: Tensor, bias: Tensor | null, generator: Generator = defaultGenerator): void {
  kaimingUniform_(weight, Math.sqrt(5), generator);
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    if (fanIn !== 0) {
      const bound = 1 / Math.sqrt(fanIn);
      uniform_(bias, -bound, bound, generator);
    }
  }
}
