// SGD with momentum, dampening, weight decay, Nesterov and maximize: torch.optim.SGD's arithmetic
// (_single_tensor_sgd), each tensor operation rounded to the parameter's dtype as PyTorch's are.
//   g ← ±∇ + λ·p;  b ← g (first step) or μ·b + (1 − τ)·g;  g ← g + μ·b (Nesterov) or b;  p ← p − lr·g
import { bumpVersion } from '../tensor/tensor.js';
import { checkBoolean } from '../tensor/options.js';
import { checkNonNegative, knownOptions, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    super('SGD', params, {
      momentum: 0,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
      ...knownOptions(options, ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'], 'SGD'),
    });
  }

  protected checkOptions(o: SGDOptions): void {
    checkNonNegative(o.lr, 'learning rate', 'SGD');
    checkBoolean(o.nesterov, 'nesterov', 'SGD', false);
    checkBoolean(o.maximize, 'maximize', 'SGD', false);
    checkNonNegative(o.momentum, 'momentum value', 'SGD');
    checkNonNegative(o.weightDecay, 'weight_decay value', 'SGD');
    if (typeof o.dampening !== 'number' || Number.isNaN(o.dampening))
      throw new Error(`SGD: invalid dampening value: ${String(o.dampening)}`);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(
        `SGD: Nesterov momentum requires a momentum and zero dampening (got momentum=${o.momentum}, dampening=${o.dampening})`,
      );
    }
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const f32 = p.dtype === 'float32';
      const r = f32 ? Math.fround : (v: number): number => v;
      // Scalars as PyTorch casts them to the tensor's dtype.
      const wd = r(weightDecay);
      const mu = r(momentum);
      const keep = r(1 - dampening);
      const step = r(-lr);
      const x = p.data;
      const grad = p.grad.data;
      const n = x.length;
      const d = f32 ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) d[i] = maximize ? -grad[i] : grad[i];
      if (weightDecay !== 0) for (let i = 0; i < n; i++) d[i] = r(d[i] + wd * x[i]);
      if (momentum !== 0) {
        const state = this.state.get(p);
        let buf = state?.momentumBuffer;
        if (!(buf instanceof Float32Array || buf instanceof Float64Array)) {
          buf = d.slice();
          this.state.set(p, { momentumBuffer: buf });
        } else {
          for (let i = 0; i < n; i++) buf[i] = r(r(buf[i] * mu) + keep * d[i]);
        }
        if (nesterov) for (let i = 0; i < n; i++) d[i] = r(d[i] + mu * buf[i]);
        else d.set(buf);
      }
      for (let i = 0; i < n; i++) x[i] = r(x[i] + step * d[i]);
      bumpVersion(p);
    }
  }
}
