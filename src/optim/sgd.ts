// SGD with momentum, dampening, weight decay, Nesterov and maximize: torch.optim.SGD's arithmetic
// (_single_tensor_sgd), each tensor operation rounded to the parameter's dtype as PyTorch's are.
//   g ← ±∇ + λ·p;  b ← g (first step) or μ·b + (1 − τ)·g;  g ← g + μ·b (Nesterov) or b;  p ← p − lr·g
import { bumpVersion, type Storage } from '../tensor/tensor.js';
import { defineKernel } from '../kernels/index.js';
import type { SgdScalars } from '../kernels/signatures.js';
import { checkBoolean } from '../tensor/options.js';
import { checkNonNegative, knownOptions, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

/** Options of {@link SGD}. */
export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0: none). */
  momentum: number;
  /** Dampening of the momentum's new gradient (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum and no dampening). */
  nesterov: boolean;
  /** Ascend the objective instead (default false). */
  maximize: boolean;
}

/**
 * One SGD step in place (x, and buf with momentum): each product and the sum it joins rounded once to the
 * parameters' type, as ATen's fused add-with-alpha; `first` starts the momentum buffer as the gradient.
 */
function referenceSgd(x: Storage, grad: Storage, buf: Storage | null, s: SgdScalars): void {
  const r = x instanceof Float32Array ? Math.fround : (v: number): number => v;
  for (let i = 0; i < x.length; i++) {
    let d = s.flags.maximize ? -grad[i] : grad[i];
    if (s.wd !== 0) d = r(d + s.wd * x[i]);
    if (buf !== null && s.flags.momentum) {
      buf[i] = s.flags.first ? d : r(r(buf[i] * s.mu) + s.keep * d);
      d = s.flags.nesterov ? r(d + s.mu * buf[i]) : buf[i];
    }
    x[i] = r(x[i] + s.step * d);
  }
}

const sgdKernel = defineKernel('sgd', referenceSgd);

/**
 * Stochastic gradient descent, as `torch.optim.SGD`: lr (required), momentum with dampening, nesterov, weightDecay
 * and maximize, in PyTorch's order of operations and rounding.
 */
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
      const r = p.dtype === 'float32' ? Math.fround : (v: number): number => v;
      let buf: Storage | null = null;
      let first = false;
      if (momentum !== 0) {
        const state = this.state.get(p);
        const held = state?.momentumBuffer;
        first = !(held instanceof Float32Array || held instanceof Float64Array);
        buf = first ? (p.dtype === 'float32' ? new Float32Array(p.numel) : new Float64Array(p.numel)) : (held as Storage);
        if (first) this.state.set(p, { momentumBuffer: buf as Float32Array | Float64Array });
      }
      // Scalars as PyTorch casts them to the tensor's dtype.
      sgdKernel.impl(p.storage, p.grad.storage, buf, {
        wd: r(weightDecay),
        mu: r(momentum),
        keep: r(1 - dampening),
        step: r(-lr),
        flags: { maximize, momentum: buf !== null, nesterov, first },
      });
      bumpVersion(p);
    }
  }
}
