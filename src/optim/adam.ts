// Adam and AdamW: torch.optim.Adam / AdamW's arithmetic (_single_tensor_adam/_adamw), each tensor
// operation rounded to the parameter's dtype as PyTorch's are.
//   t ← t + 1;  g ← ±∇ (+ λ·p for Adam);  p ← p·(1 − lr·λ) (AdamW)
//   m ← β₁·m + (1 − β₁)·g;  v ← β₂·v + (1 − β₂)·g²;  v̂ ← max(v̂, v) with amsgrad
//   p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
import { checkNonNegative, Optimizer, type ParamGroup, type ParamsInput } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

abstract class AdamBase extends Optimizer<AdamOptions> {
  protected abstract readonly decoupled: boolean;

  protected checkOptions(o: AdamOptions): void {
    const op = this.name;
    checkNonNegative(o.lr, 'learning rate', op);
    checkNonNegative(o.eps, 'epsilon value', op);
    checkNonNegative(o.weightDecay, 'weight_decay value', op);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`${op}: betas=${String(o.betas)} must be a pair of numbers in [0, 1)`);
    o.betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new Error(`${op}: invalid beta parameter at index ${i}: ${String(b)}; expected a number in [0, 1)`);
    });
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const p of group.params) {
      if (p.grad === null) continue;
      const f32 = p.dtype === 'float32';
      const r = f32 ? Math.fround : (v: number): number => v;
      const n = p.numel;
      const make = (): Float32Array | Float64Array => (f32 ? new Float32Array(n) : new Float64Array(n));
      const state = this.stateOf(p, () => ({ step: 0, expAvg: make(), expAvgSq: make(), ...(amsgrad ? { maxExpAvgSq: make() } : {}) }));
      const m = state.expAvg as Float32Array | Float64Array;
      const v = state.expAvgSq as Float32Array | Float64Array;
      if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = make();
      const vMax = amsgrad ? (state.maxExpAvgSq as Float32Array | Float64Array) : null;
      const step = (state.step as number) + 1;
      state.step = step;
      const x = p.data;
      const grad = p.grad.data;
      const b1 = r(beta1);
      const b2 = r(beta2);
      const oneMinusB1 = r(1 - beta1);
      const oneMinusB2 = r(1 - beta2);
      const wd = r(weightDecay);
      const decay = r(1 - lr * weightDecay);
      const biasCorrection1 = 1 - beta1 ** step;
      const biasCorrection2Sqrt = r(Math.sqrt(1 - beta2 ** step));
      const stepSize = r(-(lr / biasCorrection1));
      const epsilon = r(eps);
      for (let i = 0; i < n; i++) {
        let g = maximize ? -grad[i] : grad[i];
        if (this.decoupled) x[i] = r(x[i] * decay);
        else if (weightDecay !== 0) g = r(g + wd * x[i]);
        m[i] = r(r(m[i] * b1) + oneMinusB1 * g);
        v[i] = r(r(v[i] * b2) + r(r(oneMinusB2 * g) * g));
        let second = v[i];
        if (vMax !== null) {
          vMax[i] = Math.max(vMax[i], v[i]);
          second = vMax[i];
        }
        const denom = r(r(r(Math.sqrt(second)) / biasCorrection2Sqrt) + epsilon);
        x[i] = r(x[i] + stepSize * r(m[i] / denom));
      }
    }
  }
}

export class Adam extends AdamBase {
  protected readonly decoupled = false;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...options });
  }
}

/** Adam with decoupled weight decay (p ← p·(1 − lr·λ) before the Adam step), default λ = 0.01. */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...options });
  }
}
